//! The patient domain's part of retention: until when an erased patient's kept record is held,
//! which records are past it, and destroying the domain's own rows, the patient's last of all.

use chrono::NaiveDate;
use entity::patients::{
    access_grant, break_glass_grant, care_team_member, consent_event, patient, search_token,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::platform::{ApiResult, PatientId};

/// Records the last day an erased patient's kept record must be held.
pub async fn set_retain_until(
    db: &impl ConnectionTrait,
    id: PatientId,
    until: NaiveDate,
) -> ApiResult<()> {
    patient::Entity::update_many()
        .col_expr(patient::Column::RetainUntil, Expr::value(until))
        .filter(patient::Column::Id.eq(id))
        .filter(patient::Column::ErasedAt.is_not_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Erased patients whose retention was never recorded (erased by an earlier release).
pub async fn erased_without_retention(db: &impl ConnectionTrait) -> ApiResult<Vec<PatientId>> {
    erased_where(db, patient::Column::RetainUntil.is_null()).await
}

/// Erased patients whose kept record is past its retention on `today`.
pub async fn past_retention(
    db: &impl ConnectionTrait,
    today: NaiveDate,
) -> ApiResult<Vec<PatientId>> {
    erased_where(db, patient::Column::RetainUntil.lt(today)).await
}

/// Erased patients meeting `condition`.
async fn erased_where(
    db: &impl ConnectionTrait,
    condition: sea_orm::sea_query::SimpleExpr,
) -> ApiResult<Vec<PatientId>> {
    let ids: Vec<Uuid> = patient::Entity::find()
        .select_only()
        .column(patient::Column::Id)
        .filter(patient::Column::ErasedAt.is_not_null())
        .filter(condition)
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids.into_iter().map(PatientId).collect())
}

/// In a destruction's transaction: takes the patient's row for it, and answers the retention
/// date if the record is (still) there and past it. Another replica destroying the same record
/// waits here, then finds nothing.
pub async fn take_past_retention(
    txn: &impl ConnectionTrait,
    id: PatientId,
    today: NaiveDate,
) -> ApiResult<Option<NaiveDate>> {
    let mut query = patient::Entity::find()
        .select_only()
        .column(patient::Column::RetainUntil)
        .filter(patient::Column::Id.eq(id))
        .filter(patient::Column::ErasedAt.is_not_null())
        .filter(patient::Column::RetainUntil.lt(today));
    if txn.get_database_backend() == DbBackend::Postgres {
        query = query.lock_exclusive();
    }
    let until: Option<Option<NaiveDate>> = query.into_tuple().one(txn).await?;
    Ok(until.flatten())
}

/// Destroys the domain's rows about the patient and the patient's own row; returns how many.
/// Every other domain's part goes first (see `records::Holder`).
pub async fn destroy_patient(db: &impl ConnectionTrait, id: PatientId) -> ApiResult<u64> {
    let rows = crate::delete_patient_rows!(
        db,
        id,
        [
            consent_event,
            access_grant,
            break_glass_grant,
            care_team_member,
            search_token,
        ]
    );
    let notices = super::care_team::forget_notices(db, id.0).await?;
    let own = patient::Entity::delete_many()
        .filter(patient::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(rows + notices + own.rows_affected)
}
