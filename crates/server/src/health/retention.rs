//! Health data's part of retention: at the end of an erased patient's retention their readings,
//! summaries, sources, targets and alerts go.

use entity::health::{
    alert, observation, observation_rollup, observation_source, target_override, target_profile,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::platform::{ApiResult, PatientId};

/// Destroys the patient's health data; returns how many rows went.
pub async fn destroy_patient(db: &impl ConnectionTrait, id: PatientId) -> ApiResult<u64> {
    // Readings before the sources they came from.
    Ok(crate::delete_patient_rows!(
        db,
        id,
        [
            alert,
            observation,
            observation_rollup,
            target_override,
            target_profile,
            observation_source,
        ]
    ))
}
