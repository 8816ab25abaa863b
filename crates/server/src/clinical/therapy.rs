//! Therapy sessions and homework. A session records goals, interventions, progress and plan,
//! linked to the appointment it took place in; homework set in it has a due date, shows in the
//! patient's portal to be marked done with a reflection, and, once overdue, in the clinician's
//! overdue list. Sessions and homework are part of the patient's notes for sharing.

use std::collections::HashMap;

use actix_web::{get, post, put, web, HttpResponse};
use api_types::sharing::RecordCategory;
use api_types::therapy::{
    CompleteHomework, Homework, HomeworkQuery, HomeworkStatus, NewHomework, TherapySession,
    TherapySessionInput,
};
use api_types::{ErrorCode, Page, PageQuery};
use chrono::{NaiveDate, Utc};
use entity::clinical::{homework_task, therapy_session};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::{check_appointment, trimmed};
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized, Principal};
use crate::patients::access::clinical_patients;
use crate::patients::access::{open_record, open_record_for_change};
use crate::patients::queries as patients;
use crate::platform::crypto::Crypto;
use crate::platform::http::{page_bounds, Body, Query};
use crate::platform::{ApiError, ApiResult};
use crate::users::queries as users;
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_sessions)
        .service(create_session)
        .service(update_session)
        .service(list_homework)
        .service(assign_homework)
        .service(complete_homework)
        .service(overdue_homework);
}

#[derive(Serialize, Deserialize)]
struct SessionDetails {
    goals: String,
    interventions: String,
    progress: String,
    plan: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct HomeworkDetails {
    title: String,
    instructions: Option<String>,
}

fn aad(table: &str, column: &str, id: Uuid) -> String {
    format!("{table}.{column}:{id}")
}

async fn practice_today(db: &impl ConnectionTrait) -> ApiResult<NaiveDate> {
    let practice = crate::scheduling::Practice::load(db).await?;
    Ok(Utc::now().with_timezone(&practice.tz).date_naive())
}

pub(crate) async fn homework_to_wire(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    rows: Vec<homework_task::Model>,
) -> ApiResult<Vec<Homework>> {
    let today = practice_today(db).await?;
    let mut people: Vec<Uuid> = rows.iter().map(|r| r.assigned_by).collect();
    people.sort_unstable();
    people.dedup();
    let names = users::names(db, crypto, &people).await?;
    let mut patient_ids: Vec<Uuid> = rows.iter().map(|r| r.patient_id).collect();
    patient_ids.sort_unstable();
    patient_ids.dedup();
    let patient_names: HashMap<Uuid, String> = patients::find_many(db, crypto, &patient_ids)
        .await?
        .into_iter()
        .map(|(id, p)| {
            (
                id,
                format!("{} {}", p.details.first_name, p.details.last_name),
            )
        })
        .collect();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let t = "homework_tasks";
        let d: HomeworkDetails = crypto.decrypt_json(&r.details_enc, &aad(t, "details", r.id))?;
        let done = r.status == "done";
        out.push(Homework {
            id: r.id,
            patient_id: r.patient_id,
            patient_name: patient_names
                .get(&r.patient_id)
                .cloned()
                .unwrap_or_default(),
            session_id: r.session_id,
            assigned_by: r.assigned_by,
            assigned_by_name: names.get(&r.assigned_by).cloned(),
            title: d.title,
            instructions: d.instructions,
            due_date: r.due_date,
            status: if done {
                HomeworkStatus::Done
            } else {
                HomeworkStatus::Assigned
            },
            overdue: !done && r.due_date < today,
            completed_at: r.completed_at,
            reflection: r
                .reflection_enc
                .as_deref()
                .map(|v| crypto.decrypt_str(v, &aad(t, "reflection", r.id)))
                .transpose()?,
            created_at: r.created_at,
        });
    }
    Ok(out)
}

pub(crate) async fn sessions_to_wire(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    rows: Vec<therapy_session::Model>,
) -> ApiResult<Vec<TherapySession>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut homework: HashMap<Uuid, Vec<Homework>> = HashMap::new();
    let tasks = homework_task::Entity::find()
        .filter(homework_task::Column::SessionId.is_in(ids))
        .order_by_asc(homework_task::Column::DueDate)
        .all(db)
        .await?;
    for h in homework_to_wire(db, crypto, tasks).await? {
        if let Some(s) = h.session_id {
            homework.entry(s).or_default().push(h);
        }
    }
    let appointments =
        crate::scheduling::appointment_refs(db, rows.iter().filter_map(|r| r.appointment_id))
            .await?;
    let mut people: Vec<Uuid> = rows.iter().map(|r| r.clinician_id).collect();
    people.sort_unstable();
    people.dedup();
    let names = users::names(db, crypto, &people).await?;
    rows.into_iter()
        .map(|r| {
            let d: SessionDetails =
                crypto.decrypt_json(&r.details_enc, &aad("therapy_sessions", "details", r.id))?;
            Ok(TherapySession {
                id: r.id,
                patient_id: r.patient_id,
                appointment_id: r.appointment_id,
                appointment_label: r
                    .appointment_id
                    .and_then(|a| appointments.get(&a))
                    .map(|a| a.type_name.clone()),
                clinician_id: r.clinician_id,
                clinician_name: names.get(&r.clinician_id).cloned(),
                session_date: r.session_date,
                goals: d.goals,
                interventions: d.interventions,
                progress: d.progress,
                plan: d.plan,
                homework: homework.remove(&r.id).unwrap_or_default(),
                created_at: r.created_at,
                updated_at: r.updated_at,
            })
        })
        .collect()
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
            status: Set("assigned".into()),
            completed_at: Set(None),
            reflection_enc: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await?,
    )
}

fn session_details(input: &TherapySessionInput) -> SessionDetails {
    SessionDetails {
        goals: input.goals.trim().to_owned(),
        interventions: input.interventions.trim().to_owned(),
        progress: input.progress.trim().to_owned(),
        plan: trimmed(&input.plan),
    }
}

/// The patient's therapy sessions as `principal` may read them (clinicians only: they hold the
/// clinician's working notes): what the API lists and what an export holds both come from here.
pub(crate) async fn readable_sessions(
    state: &AppState,
    principal: &Principal,
    patient_id: Uuid,
) -> ApiResult<sea_orm::Select<therapy_session::Entity>> {
    principal.ensure::<require::ClinicalAccess>()?;
    open_record(state, principal, patient_id, RecordCategory::Notes).await?;
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
    open_record(state, principal, patient_id, RecordCategory::Notes).await?;
    Ok(homework_task::Entity::find().filter(homework_task::Column::PatientId.eq(patient_id)))
}

/// The patient's therapy sessions, newest first, each with the homework set in it.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["clinical:access"])),
    responses((status = 200, body = Vec<TherapySession>), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem))
)]
#[get("/patients/{id}/therapy-sessions")]
async fn list_sessions(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<TherapySession>>> {
    let rows = readable_sessions(&state, &auth, *id)
        .await?
        .order_by_desc(therapy_session::Column::SessionDate)
        .limit(500)
        .all(&state.db)
        .await?;
    let items = sessions_to_wire(&state.db, &state.crypto, rows).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, "therapy.list")
                .patient(*id)
                .detail(format!("{} sessions", items.len())),
        )
        .await?;
    Ok(web::Json(items))
}

/// Record a therapy session, linked to its appointment where there is one.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    request_body = TherapySessionInput,
    security(("bearer" = ["clinical:access"])),
    responses((status = 201, body = TherapySession), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[post("/patients/{id}/therapy-sessions")]
async fn create_session(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<TherapySessionInput>,
) -> ApiResult<HttpResponse> {
    open_record_for_change(&state, &auth, *id, RecordCategory::Notes).await?;
    let clinician = auth.require_user()?;
    body.validate(practice_today(&state.db).await?)
        .map_err(ApiError::Validation)?;
    check_appointment(&state.db, *id, body.appointment_id).await?;
    let txn = state.db.begin().await?;
    let row = insert_session(&txn, &state.crypto, *id, clinician, &body).await?;
    let session_id = row.id;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, "therapy.create")
                .patient(*id)
                .resource("therapy_session", session_id),
        )
        .await?;
    let out = sessions_to_wire(&state.db, &state.crypto, vec![row])
        .await?
        .pop()
        .ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Created().json(out))
}

/// Change a session record (the clinician who wrote it).
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    request_body = TherapySessionInput,
    security(("bearer" = ["clinical:access"])),
    responses((status = 200, body = TherapySession), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[put("/therapy-sessions/{id}")]
async fn update_session(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<TherapySessionInput>,
) -> ApiResult<web::Json<TherapySession>> {
    let row = therapy_session::Entity::find_by_id(*id)
        .one(&state.db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    open_record(&state, &auth, row.patient_id, RecordCategory::Notes).await?;
    if auth.user_id() != Some(row.clinician_id) {
        return Err(ApiError::with_detail(
            ErrorCode::Forbidden,
            "Only the clinician who recorded a session can change it.",
        ));
    }
    body.validate(practice_today(&state.db).await?)
        .map_err(ApiError::Validation)?;
    check_appointment(&state.db, row.patient_id, body.appointment_id).await?;
    let patient_id = row.patient_id;
    let mut active: therapy_session::ActiveModel = row.into();
    active.appointment_id = Set(body.appointment_id);
    active.session_date = Set(body.session_date);
    active.details_enc = Set(state.crypto.encrypt_json(
        &session_details(&body),
        &aad("therapy_sessions", "details", *id),
    )?);
    active.updated_at = Set(Utc::now());
    let txn = state.db.begin().await?;
    let saved = active.update(&txn).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, "therapy.update")
                .patient(patient_id)
                .resource("therapy_session", *id),
        )
        .await?;
    let out = sessions_to_wire(&state.db, &state.crypto, vec![saved])
        .await?
        .pop()
        .ok_or_else(ApiError::not_found)?;
    Ok(web::Json(out))
}

/// The patient's homework: what is still to do first (soonest due), then what is done.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path), HomeworkQuery),
    security(("bearer" = ["clinical:access"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = Vec<Homework>), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem))
)]
#[get("/patients/{id}/homework")]
async fn list_homework(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: Query<HomeworkQuery>,
) -> ApiResult<web::Json<Vec<Homework>>> {
    let mut find = readable_homework(&state, &auth, *id).await?;
    if let Some(s) = query.status {
        find = find.filter(homework_task::Column::Status.eq(match s {
            HomeworkStatus::Assigned => "assigned",
            HomeworkStatus::Done => "done",
        }));
    }
    let rows = find
        .order_by_asc(homework_task::Column::Status)
        .order_by_asc(homework_task::Column::DueDate)
        .limit(500)
        .all(&state.db)
        .await?;
    let items = homework_to_wire(&state.db, &state.crypto, rows).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, "homework.list")
                .patient(*id)
                .detail(format!("{} tasks", items.len())),
        )
        .await?;
    Ok(web::Json(items))
}

/// Set homework for the patient, with a due date, optionally from a session.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    request_body = NewHomework,
    security(("bearer" = ["clinical:access"])),
    responses((status = 201, body = Homework), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[post("/patients/{id}/homework")]
async fn assign_homework(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<NewHomework>,
) -> ApiResult<HttpResponse> {
    open_record_for_change(&state, &auth, *id, RecordCategory::Notes).await?;
    let by = auth.require_user()?;
    body.validate(practice_today(&state.db).await?)
        .map_err(ApiError::Validation)?;
    if let Some(s) = body.session_id {
        let found = therapy_session::Entity::find_by_id(s)
            .filter(therapy_session::Column::PatientId.eq(*id))
            .one(&state.db)
            .await?;
        if found.is_none() {
            return Err(ApiError::field(
                "session_id",
                "unknown",
                "Choose one of this patient's sessions.",
            ));
        }
    }
    let txn = state.db.begin().await?;
    let row = insert_homework(&txn, &state.crypto, *id, by, &body).await?;
    let task_id = row.id;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, "homework.assign")
                .patient(*id)
                .resource("homework", task_id),
        )
        .await?;
    let out = homework_to_wire(&state.db, &state.crypto, vec![row])
        .await?
        .pop()
        .ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Created().json(out))
}

/// Mark homework done, with a reflection: the patient in the portal (or staff on their word).
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    request_body = CompleteHomework,
    security(("bearer" = ["clinical:access"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = Homework), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem), (status = 409, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[post("/homework/{id}/complete")]
async fn complete_homework(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<CompleteHomework>,
) -> ApiResult<web::Json<Homework>> {
    let row = open_task(&state, &auth, *id).await?;
    body.validate().map_err(ApiError::Validation)?;
    if row.status == "done" {
        return Err(ApiError::with_detail(
            ErrorCode::Conflict,
            "This homework is already marked done.",
        ));
    }
    let patient_id = row.patient_id;
    let reflection = trimmed(&body.reflection);
    let mut active: homework_task::ActiveModel = row.into();
    active.status = Set("done".into());
    active.completed_at = Set(Some(Utc::now()));
    active.reflection_enc = Set(reflection
        .as_deref()
        .map(|r| {
            state
                .crypto
                .encrypt_str(r, &aad("homework_tasks", "reflection", *id))
        })
        .transpose()?);
    active.updated_at = Set(Utc::now());
    let txn = state.db.begin().await?;
    let saved = active.update(&txn).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, "homework.complete")
                .patient(patient_id)
                .resource("homework", *id),
        )
        .await?;
    let out = homework_to_wire(&state.db, &state.crypto, vec![saved])
        .await?
        .pop()
        .ok_or_else(ApiError::not_found)?;
    Ok(web::Json(out))
}

async fn open_task(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<homework_task::Model> {
    let row = homework_task::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    open_record(state, principal, row.patient_id, RecordCategory::Notes).await?;
    Ok(row)
}

/// Homework past its due date and not done, for the patients whose notes the caller sees,
/// most overdue first.
#[utoipa::path(
    tag = "clinical",
    params(PageQuery),
    security(("bearer" = ["clinical:access"])),
    responses((status = 200, body = Page<Homework>))
)]
#[get("/homework/overdue")]
async fn overdue_homework(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    query: Query<PageQuery>,
) -> ApiResult<web::Json<Page<Homework>>> {
    let (limit, offset) = page_bounds(query.limit, query.offset)?;
    let today = practice_today(&state.db).await?;
    let mut find = homework_task::Entity::find()
        .filter(homework_task::Column::Status.eq("assigned"))
        .filter(homework_task::Column::DueDate.lt(today));
    if let Some(c) = clinical_patients(
        &auth,
        homework_task::Column::PatientId,
        RecordCategory::Notes,
    ) {
        find = find.filter(c);
    }
    let total = find.clone().count(&state.db).await?;
    let rows = find
        .order_by_asc(homework_task::Column::DueDate)
        .limit(limit)
        .offset(offset)
        .all(&state.db)
        .await?;
    let patient_ids: std::collections::BTreeSet<Uuid> = rows.iter().map(|r| r.patient_id).collect();
    let items = homework_to_wire(&state.db, &state.crypto, rows).await?;
    state
        .audit
        .record(AuditEntry::by(&auth, "homework.overdue_list").patients(&patient_ids))
        .await?;
    Ok(web::Json(Page {
        items,
        total,
        total_capped: false,
        limit,
        offset,
    }))
}
