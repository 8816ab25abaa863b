//! Practice-wide settings: the practice's name, its time zone and the clock that follows from it,
//! which roles must use MFA, the networks staff may sign in from, and typed values other domains keep here (scheduling rules).

mod clock;
mod practice;

pub use clock::{Clock, Edge, LocalTimeError};
pub use practice::{
    configure, defaults, load, load_value, mfa_required, network_allows, save, save_value,
};

/// The practice's clock, from its time-zone setting.
pub async fn clock(db: &impl sea_orm::ConnectionTrait) -> crate::platform::ApiResult<Clock> {
    Ok(Clock::of(&load(db).await?.time_zone))
}
