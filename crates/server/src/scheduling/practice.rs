//! The practice as scheduling sees it: its clock, its name and its scheduling rules.

use api_types::scheduling::SchedulingSettings;
use sea_orm::ConnectionTrait;

use super::rules;
use crate::platform::ApiResult;
use crate::settings::Clock;

/// What scheduling needs to know about the practice: its clock and its rules.
#[derive(Debug, Clone)]
pub struct Practice {
    pub clock: Clock,
    pub name: String,
    pub rules: SchedulingSettings,
}

impl Practice {
    pub async fn load(db: &impl ConnectionTrait) -> ApiResult<Practice> {
        let practice = crate::settings::load(db).await?;
        let mut rules = rules::load(db).await?;
        rules.time_zone = practice.time_zone.clone();
        Ok(Practice {
            clock: Clock::of(&practice.time_zone),
            name: practice.practice_name,
            rules,
        })
    }
}
