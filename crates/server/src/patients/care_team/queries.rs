use chrono::{DateTime, Utc};
use entity::patients::care_team_member;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;

use crate::patients::access::is_on_care_team;
use crate::platform::{ApiResult, PatientId, UserId};

/// The patient's care team, longest-serving first.
pub async fn members(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
) -> ApiResult<Vec<care_team_member::Model>> {
    Ok(care_team_member::Entity::find()
        .filter(care_team_member::Column::PatientId.eq(patient_id))
        .order_by_asc(care_team_member::Column::AddedAt)
        .all(db)
        .await?)
}

/// Adds the clinician to the patient's care team unless they are on it already.
pub async fn add(
    db: &impl ConnectionTrait,
    patient_id: PatientId,
    user_id: UserId,
    at: DateTime<Utc>,
    by: Option<Uuid>,
) -> ApiResult<()> {
    if !is_on_care_team(db, patient_id, user_id).await? {
        care_team_member::ActiveModel {
            patient_id: Set(patient_id.0),
            user_id: Set(user_id.0),
            added_at: Set(at),
            added_by: Set(by),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// Takes the clinician off the patient's care team; false when they were not on it.
pub async fn remove(db: &impl ConnectionTrait, patient_id: Uuid, user_id: Uuid) -> ApiResult<bool> {
    let deleted = care_team_member::Entity::delete_by_id((patient_id, user_id))
        .exec(db)
        .await?
        .rows_affected;
    Ok(deleted > 0)
}
