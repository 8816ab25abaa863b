//! Database access for therapy: sessions recorded and changed, homework set, listed and marked
//! done, and the overdue list; and the practice's today, which says what is overdue.

use api_types::sharing::RecordCategory;
use api_types::therapy::{HomeworkStatus, NewHomework, TherapySessionInput};
use chrono::{NaiveDate, Utc};
use entity::clinical::{homework_task, therapy_session};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};
use uuid::Uuid;

use super::wire::{aad, session_details, HomeworkDetails};
use crate::auth::{require, Principal};
use crate::clinical::shared::trimmed;
use crate::patients::{clinical_patients, open_record};
use crate::platform::crypto::Crypto;
use crate::platform::ApiResult;
use crate::platform::PatientId;
use crate::AppState;

pub(super) async fn practice_today(db: &impl ConnectionTrait) -> ApiResult<NaiveDate> {
    Ok(crate::settings::clock(db).await?.today())
}

/// The patient's therapy sessions as `principal` may read them (clinicians only: they hold the
/// clinician's working notes): what the API lists and what an export holds both come from here.
pub(crate) async fn readable_sessions(
    state: &AppState,
    principal: &Principal,
    patient_id: Uuid,
) -> ApiResult<sea_orm::Select<therapy_session::Entity>> {
    principal.ensure::<require::ClinicalAccess>()?;
    open_record(
        state,
        principal,
        PatientId(patient_id),
        RecordCategory::Notes,
    )
    .await?;
    Ok(therapy_session::Entity::find().filter(therapy_session::Column::PatientId.eq(patient_id)))
}

/// The patient's homework as `principal` may read it: what the API lists and what an export
/// holds both come from here.
pub(crate) async fn readable_homework(
    state: &AppState,
    principal: &Principal,
    patient_id: Uuid,
) -> ApiResult<sea_orm::Select<homework_task::Entity>> {
    principal.ensure::<require::ClinicalAccessOrOwn>()?;
    open_record(
        state,
        principal,
        PatientId(patient_id),
        RecordCategory::Notes,
    )
    .await?;
    Ok(homework_task::Entity::find().filter(homework_task::Column::PatientId.eq(patient_id)))
}

/// Records a session.
pub(crate) async fn insert_session(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    patient_id: Uuid,
    clinician: Uuid,
    input: &TherapySessionInput,
) -> ApiResult<therapy_session::Model> {
    let now = Utc::now();
    let session_id = Uuid::now_v7();
    Ok(therapy_session::ActiveModel {
        id: Set(session_id),
        patient_id: Set(patient_id),
        appointment_id: Set(input.appointment_id),
        clinician_id: Set(clinician),
        session_date: Set(input.session_date),
        details_enc: Set(crypto.encrypt_json(
            &session_details(input),
            &aad("therapy_sessions", "details", session_id),
        )?),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?)
}

/// Sets homework.
pub(crate) async fn insert_homework(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    patient_id: Uuid,
    by: Uuid,
    input: &NewHomework,
) -> ApiResult<homework_task::Model> {
    let now = Utc::now();
    let task_id = Uuid::now_v7();
    let details = HomeworkDetails {
        title: input.title.trim().to_owned(),
        instructions: trimmed(&input.instructions),
    };
    Ok(
        homework_task::ActiveModel {
            id: Set(task_id),
            patient_id: Set(patient_id),
            session_id: Set(input.session_id),
            assigned_by: Set(by),
            due_date: Set(input.due_date),
            details_enc: Set(
                crypto.encrypt_json(&details, &aad("homework_tasks", "details", task_id))?
            ),
            status: Set(HomeworkStatus::Assigned),
            completed_at: Set(None),
            reflection_enc: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await?,
    )
}

/// The sessions of `find`, newest first.
pub(super) async fn sessions_newest_first(
    db: &impl ConnectionTrait,
    find: Select<therapy_session::Entity>,
) -> ApiResult<Vec<therapy_session::Model>> {
    Ok(find
        .order_by_desc(therapy_session::Column::SessionDate)
        .limit(500)
        .all(db)
        .await?)
}

pub(super) async fn find_session(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> ApiResult<Option<therapy_session::Model>> {
    Ok(therapy_session::Entity::find_by_id(id).one(db).await?)
}

/// The session `id` if it is the patient's.
pub(super) async fn find_patients_session(
    db: &impl ConnectionTrait,
    id: Uuid,
    patient_id: Uuid,
) -> ApiResult<Option<therapy_session::Model>> {
    Ok(therapy_session::Entity::find_by_id(id)
        .filter(therapy_session::Column::PatientId.eq(patient_id))
        .one(db)
        .await?)
}

/// Saves `input` over the session `row`.
pub(super) async fn update_session(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    row: therapy_session::Model,
    input: &TherapySessionInput,
) -> ApiResult<therapy_session::Model> {
    let id = row.id;
    let mut active: therapy_session::ActiveModel = row.into();
    active.appointment_id = Set(input.appointment_id);
    active.session_date = Set(input.session_date);
    active.details_enc = Set(crypto.encrypt_json(
        &session_details(input),
        &aad("therapy_sessions", "details", id),
    )?);
    active.updated_at = Set(Utc::now());
    Ok(active.update(db).await?)
}

/// The homework set in the sessions `ids`, soonest due first.
pub(super) async fn homework_of_sessions(
    db: &impl ConnectionTrait,
    ids: Vec<Uuid>,
) -> ApiResult<Vec<homework_task::Model>> {
    Ok(homework_task::Entity::find()
        .filter(homework_task::Column::SessionId.is_in(ids))
        .order_by_asc(homework_task::Column::DueDate)
        .all(db)
        .await?)
}

/// The homework of `find`, of one status when asked: what is still to do first (soonest due),
/// then what is done.
pub(super) async fn list_homework(
    db: &impl ConnectionTrait,
    mut find: Select<homework_task::Entity>,
    status: Option<HomeworkStatus>,
) -> ApiResult<Vec<homework_task::Model>> {
    if let Some(s) = status {
        find = find.filter(homework_task::Column::Status.eq(s));
    }
    Ok(find
        .order_by_asc(homework_task::Column::Status)
        .order_by_asc(homework_task::Column::DueDate)
        .limit(500)
        .all(db)
        .await?)
}

pub(super) async fn find_task(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> ApiResult<Option<homework_task::Model>> {
    Ok(homework_task::Entity::find_by_id(id).one(db).await?)
}

/// Marks homework done, with the patient's reflection encrypted.
pub(super) async fn complete(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    row: homework_task::Model,
    reflection: Option<&str>,
) -> ApiResult<homework_task::Model> {
    use sea_orm::sea_query::Expr;
    let id = row.id;
    let now = Utc::now();
    let reflection_enc = reflection
        .map(|r| crypto.encrypt_str(r, &aad("homework_tasks", "reflection", id)))
        .transpose()?;
    // Only if it was not marked done meanwhile: the first reflection stands.
    let marked = homework_task::Entity::update_many()
        .col_expr(
            homework_task::Column::Status,
            Expr::value(HomeworkStatus::Done),
        )
        .col_expr(homework_task::Column::CompletedAt, Expr::value(now))
        .col_expr(
            homework_task::Column::ReflectionEnc,
            Expr::value(reflection_enc),
        )
        .col_expr(homework_task::Column::UpdatedAt, Expr::value(now))
        .filter(homework_task::Column::Id.eq(id))
        .filter(homework_task::Column::Status.ne(HomeworkStatus::Done))
        .exec(db)
        .await?;
    if marked.rows_affected != 1 {
        return Err(crate::platform::ApiError::with_detail(
            api_types::ErrorCode::Conflict,
            "This homework is already marked done.",
        ));
    }
    find_task(db, id)
        .await?
        .ok_or_else(crate::platform::ApiError::not_found)
}

/// One page of the homework past its due date (before `today`) and not done, for the
/// patients whose notes `principal` sees (not erased ones: nobody marks theirs done), most
/// overdue first; with how many there are in all.
pub(super) async fn overdue_page(
    db: &impl ConnectionTrait,
    principal: &Principal,
    today: NaiveDate,
    limit: u64,
    offset: u64,
) -> ApiResult<(u64, Vec<homework_task::Model>)> {
    let mut find = homework_task::Entity::find()
        .filter(homework_task::Column::Status.eq(HomeworkStatus::Assigned))
        .filter(homework_task::Column::DueDate.lt(today))
        .filter(crate::patients::not_erased(
            homework_task::Column::PatientId,
        ));
    if let Some(c) = clinical_patients(
        principal,
        homework_task::Column::PatientId,
        RecordCategory::Notes,
    ) {
        find = find.filter(c);
    }
    let (total, rows) = crate::platform::db::counted_page(
        db,
        find,
        |s| s.order_by_asc(homework_task::Column::DueDate),
        limit,
        offset,
    )
    .await?;
    Ok((total, rows))
}
