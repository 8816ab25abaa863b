//! Questionnaires (PHQ-9, GAD-7, K10, DASS-21): completed by the patient in the portal or
//! entered by staff, scored exactly (`api_types::assessments`), kept with their answers
//! encrypted. An urgent answer (PHQ-9 item 9 above zero) emails the care team at once and waits
//! in the review queue until a clinician says what was done.

use actix_web::{get, post, web, HttpResponse};
use api_types::assessments::{
    self as instruments, Assessment, AssessmentQuery, AssessmentReview, AssessmentSource,
    Instrument, InstrumentInfo, NewAssessment, ReviewAssessment,
};
use api_types::audit::AuditAction;
use api_types::sharing::RecordCategory;
use api_types::{Page, PageQuery};
use chrono::{Duration, Utc};
use entity::clinical::assessment;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::audit::AuditEntry;
use crate::auth::{require, Authorized, Principal};
use crate::comms::Notify;
use crate::patients;
use crate::patients::{clinical_patients, not_erased};
use crate::patients::{open_record, open_record_for_change};
use crate::platform::crypto::Crypto;
use crate::platform::http::{page_bounds, Query};
use crate::platform::PatientId;
use crate::platform::{ApiError, ApiResult};
use crate::users;
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_instruments)
        .service(list_assessments)
        .service(create_assessment)
        .service(urgent_assessments)
        .service(review_assessment);
}

fn aad(id: Uuid, column: &str) -> String {
    format!("assessments.{column}:{id}")
}

/// Rows to the wire: answers decrypted and scored, names looked up once each.
pub(crate) async fn to_wire(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    rows: Vec<assessment::Model>,
) -> ApiResult<Vec<Assessment>> {
    let mut people: Vec<Uuid> = rows
        .iter()
        .flat_map(|r| [r.entered_by, r.reviewed_by])
        .flatten()
        .collect();
    people.sort_unstable();
    people.dedup();
    let names = users::names(db, crypto, &people).await?;
    let mut patient_names = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let instrument = Instrument::parse(&r.instrument)
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("unknown instrument")))?;
        let answers: Vec<u8> =
            serde_json::from_str(&crypto.decrypt_str(&r.answers_enc, &aad(r.id, "answers"))?)
                .map_err(|e| ApiError::Internal(e.into()))?;
        let scored = instruments::score(instrument, &answers)
            .map_err(|_| ApiError::Internal(anyhow::anyhow!("stored answers do not score")))?;
        if let std::collections::hash_map::Entry::Vacant(slot) = patient_names.entry(r.patient_id) {
            let name = match patients::find(db, crypto, PatientId(r.patient_id)).await? {
                Some(p) => format!("{} {}", p.details.first_name, p.details.last_name),
                None => String::new(),
            };
            slot.insert(name);
        }
        let review = match (r.reviewed_at, &r.review_note_enc) {
            (Some(at), Some(note)) => Some(AssessmentReview {
                reviewed_by: r.reviewed_by,
                reviewed_by_name: r.reviewed_by.and_then(|u| names.get(&u).cloned()),
                reviewed_at: at,
                note: crypto.decrypt_str(note, &aad(r.id, "review_note"))?,
            }),
            _ => None,
        };
        out.push(Assessment {
            id: r.id,
            patient_id: r.patient_id,
            patient_name: patient_names
                .get(&r.patient_id)
                .cloned()
                .unwrap_or_default(),
            instrument,
            answers,
            score: scored.score,
            min_score: scored.min_score,
            max_score: scored.max_score,
            severity: scored.severity,
            subscales: scored.subscales,
            flags: scored.flags,
            urgent: r.urgent,
            review,
            source: if r.source == "patient" {
                AssessmentSource::Patient
            } else {
                AssessmentSource::Staff
            },
            entered_by: r.entered_by,
            entered_by_name: r.entered_by.and_then(|u| names.get(&u).cloned()),
            appointment_id: r.appointment_id,
            completed_at: r.completed_at,
            created_at: r.created_at,
        });
    }
    Ok(out)
}

/// The questionnaires, with their items and answer scales.
#[utoipa::path(
    tag = "clinical",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<InstrumentInfo>))
)]
#[get("/assessment-instruments")]
async fn list_instruments(
    _principal: Authorized<require::SignedIn>,
) -> web::Json<Vec<InstrumentInfo>> {
    web::Json(
        Instrument::ALL
            .iter()
            .map(|i| InstrumentInfo::from(i.definition()))
            .collect(),
    )
}

/// The patient's questionnaires as `principal` may read them: what the API lists and what an
/// export holds both come from here.
pub(crate) async fn readable(
    state: &AppState,
    principal: &Principal,
    patient_id: Uuid,
) -> ApiResult<sea_orm::Select<assessment::Entity>> {
    principal.ensure::<require::ClinicalAccessOrOwn>()?;
    open_record(
        state,
        principal,
        PatientId(patient_id),
        RecordCategory::Assessments,
    )
    .await?;
    Ok(assessment::Entity::find().filter(assessment::Column::PatientId.eq(patient_id)))
}

/// The patient's completed questionnaires, newest first, with scores, severity and flags.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path), AssessmentQuery),
    security(("bearer" = ["clinical:access"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = Page<Assessment>), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem))
)]
#[get("/patients/{id}/assessments")]
async fn list_assessments(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: Query<AssessmentQuery>,
) -> ApiResult<web::Json<Page<Assessment>>> {
    let find = readable(&state, &auth, *id).await?;
    let (limit, offset) = page_bounds(query.limit, query.offset)?;
    let (total, rows) = newest_page(&state.db, find, query.instrument, limit, offset).await?;
    let items = to_wire(&state.db, &state.crypto, rows).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, AuditAction::AssessmentList)
                .patient(*id)
                .detail(format!("{} assessments", items.len())),
        )
        .await?;
    Ok(web::Json(Page {
        items,
        total,
        total_capped: false,
        limit,
        offset,
    }))
}

/// Record a completed questionnaire: the answers are scored exactly and kept encrypted. An
/// urgent answer (PHQ-9 item 9 above zero) emails the patient's care team at once.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    request_body = NewAssessment,
    security(("bearer" = ["clinical:access"]), ("bearer" = ["own_record"])),
    responses(
        (status = 201, body = Assessment),
        (status = 403, body = api_types::Problem),
        (status = 404, body = api_types::Problem),
        (status = 422, body = api_types::Problem)
    )
)]
#[post("/patients/{id}/assessments")]
async fn create_assessment(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: crate::platform::http::Body<NewAssessment>,
) -> ApiResult<HttpResponse> {
    open_record_for_change(&state, &auth, PatientId(*id), RecordCategory::Assessments).await?;
    let input = body.into_inner();
    let scored =
        instruments::score(input.instrument, &input.answers).map_err(ApiError::Validation)?;
    super::shared::check_appointment(&state.db, *id, input.appointment_id).await?;
    let now = Utc::now();
    let completed_at = input.completed_at.unwrap_or(now);
    if completed_at > now + Duration::minutes(5) {
        return Err(ApiError::field(
            "completed_at",
            "in_future",
            "A questionnaire cannot be completed in the future.",
        ));
    }
    let by_patient = auth.own_patient_id() == Some(*id);
    let urgent = scored.flags.iter().any(|f| f.urgent);
    let assessment_id = Uuid::now_v7();
    let answers =
        serde_json::to_string(&input.answers).map_err(|e| ApiError::Internal(e.into()))?;
    let answers_enc = state
        .crypto
        .encrypt_str(&answers, &aad(assessment_id, "answers"))?;
    let txn = state.db.begin().await?;
    let row = add(
        &txn,
        NewRow {
            id: assessment_id,
            patient_id: *id,
            instrument: input.instrument,
            answers_enc,
            urgent,
            by_patient,
            entered_by: auth.user_id(),
            appointment_id: input.appointment_id,
            completed_at,
            created_at: now,
        },
    )
    .await?;
    if urgent {
        let notify = Notify {
            crypto: &state.crypto,
            public_url: &state.settings.public_url,
        };
        let name = input.instrument.definition().name;
        crate::patients::email_care_team(
            &txn,
            &notify,
            crate::patients::CareTeamNotice::UrgentAnswer,
            *id,
            &format!("Carebase: urgent {name} answer for a patient in your care"),
            &format!("A {name} answer needing prompt review was recorded"),
            &format!("/patients/{id}/assessments"),
        )
        .await?;
    }
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::AssessmentCreate)
                .patient(*id)
                .resource("assessment", assessment_id)
                .detail(format!(
                    "instrument={} urgent={urgent}",
                    input.instrument.as_str()
                )),
        )
        .await?;
    let out = to_wire(&state.db, &state.crypto, vec![row])
        .await?
        .pop()
        .ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Created().json(out))
}

/// Urgent answers not yet reviewed, of the patients whose clinical records the caller sees,
/// oldest first.
#[utoipa::path(
    tag = "clinical",
    params(PageQuery),
    security(("bearer" = ["clinical:access"])),
    responses((status = 200, body = Page<Assessment>))
)]
#[get("/assessments/urgent")]
async fn urgent_assessments(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    query: Query<PageQuery>,
) -> ApiResult<web::Json<Page<Assessment>>> {
    let (limit, offset) = page_bounds(query.limit, query.offset)?;
    let (total, rows) = urgent_page(&state.db, &auth, limit, offset).await?;
    let patient_ids: std::collections::BTreeSet<Uuid> = rows.iter().map(|r| r.patient_id).collect();
    let items = to_wire(&state.db, &state.crypto, rows).await?;
    state
        .audit
        .record(AuditEntry::by(&auth, AuditAction::AssessmentUrgentList).patients(&patient_ids))
        .await?;
    Ok(web::Json(Page {
        items,
        total,
        total_capped: false,
        limit,
        offset,
    }))
}

/// Mark an urgent answer as reviewed, saying what was done. It leaves the review queue.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path)),
    request_body = ReviewAssessment,
    security(("bearer" = ["clinical:access"])),
    responses(
        (status = 200, body = Assessment),
        (status = 403, body = api_types::Problem),
        (status = 404, body = api_types::Problem),
        (status = 409, body = api_types::Problem),
        (status = 422, body = api_types::Problem)
    )
)]
#[post("/assessments/{id}/review")]
async fn review_assessment(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: crate::platform::http::Body<ReviewAssessment>,
) -> ApiResult<web::Json<Assessment>> {
    body.validate().map_err(ApiError::Validation)?;
    let row = find(&state.db, *id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    open_record_for_change(
        &state,
        &auth,
        PatientId(row.patient_id),
        RecordCategory::Assessments,
    )
    .await?;
    if !row.urgent || row.reviewed_at.is_some() {
        return Err(ApiError::with_detail(
            api_types::ErrorCode::Conflict,
            "This answer is not waiting for review.",
        ));
    }
    let note_enc = state
        .crypto
        .encrypt_str(body.note.trim(), &aad(row.id, "review_note"))?;
    let txn = state.db.begin().await?;
    let saved = mark_reviewed(&txn, row.clone(), auth.user_id(), note_enc).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::AssessmentReview)
                .patient(row.patient_id)
                .resource("assessment", row.id),
        )
        .await?;
    let out = to_wire(&state.db, &state.crypto, vec![saved])
        .await?
        .pop()
        .ok_or_else(ApiError::not_found)?;
    Ok(web::Json(out))
}

/// A page of the assessments selected, optionally of one instrument, newest first, with how
/// many there are in all.
async fn newest_page(
    db: &impl ConnectionTrait,
    mut find: sea_orm::Select<assessment::Entity>,
    instrument: Option<Instrument>,
    limit: u64,
    offset: u64,
) -> ApiResult<(u64, Vec<assessment::Model>)> {
    if let Some(i) = instrument {
        find = find.filter(assessment::Column::Instrument.eq(i.as_str()));
    }
    let (total, rows) = crate::platform::db::counted_page(
        db,
        find,
        |s| s.order_by_desc(assessment::Column::CompletedAt),
        limit,
        offset,
    )
    .await?;
    Ok((total, rows))
}

/// A page of the urgent answers not yet reviewed, of the patients whose assessments `principal`
/// sees (an erased patient's are never reviewed), oldest first, with how many there are in all.
async fn urgent_page(
    db: &impl ConnectionTrait,
    principal: &Principal,
    limit: u64,
    offset: u64,
) -> ApiResult<(u64, Vec<assessment::Model>)> {
    let mut find = assessment::Entity::find()
        .filter(assessment::Column::Urgent.eq(true))
        .filter(assessment::Column::ReviewedAt.is_null())
        .filter(not_erased(assessment::Column::PatientId));
    if let Some(c) = clinical_patients(
        principal,
        assessment::Column::PatientId,
        RecordCategory::Assessments,
    ) {
        find = find.filter(c);
    }
    let (total, rows) = crate::platform::db::counted_page(
        db,
        find,
        |s| s.order_by_asc(assessment::Column::CompletedAt),
        limit,
        offset,
    )
    .await?;
    Ok((total, rows))
}

/// One assessment.
async fn find(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<Option<assessment::Model>> {
    Ok(assessment::Entity::find_by_id(id).one(db).await?)
}

/// A completed questionnaire to save, its answers already encrypted.
struct NewRow {
    id: Uuid,
    patient_id: Uuid,
    instrument: Instrument,
    answers_enc: String,
    urgent: bool,
    by_patient: bool,
    entered_by: Option<Uuid>,
    appointment_id: Option<Uuid>,
    completed_at: chrono::DateTime<Utc>,
    created_at: chrono::DateTime<Utc>,
}

/// Saves a completed questionnaire, not yet reviewed.
async fn add(db: &impl ConnectionTrait, new: NewRow) -> ApiResult<assessment::Model> {
    Ok(assessment::ActiveModel {
        id: Set(new.id),
        patient_id: Set(new.patient_id),
        instrument: Set(new.instrument.as_str().into()),
        answers_enc: Set(new.answers_enc),
        urgent: Set(new.urgent),
        source: Set(if new.by_patient { "patient" } else { "staff" }.into()),
        entered_by: Set(new.entered_by),
        appointment_id: Set(new.appointment_id),
        completed_at: Set(new.completed_at),
        reviewed_by: Set(None),
        reviewed_at: Set(None),
        review_note_enc: Set(None),
        created_at: Set(new.created_at),
    }
    .insert(db)
    .await?)
}

/// Marks the answer reviewed now by `reviewed_by`, with their (encrypted) note.
async fn mark_reviewed(
    db: &impl ConnectionTrait,
    row: assessment::Model,
    reviewed_by: Option<Uuid>,
    note_enc: String,
) -> ApiResult<assessment::Model> {
    use sea_orm::sea_query::Expr;
    // Only if nobody reviewed it meanwhile: two clinicians answering at once leave one review,
    // not the second written over the first.
    let marked = assessment::Entity::update_many()
        .col_expr(assessment::Column::ReviewedBy, Expr::value(reviewed_by))
        .col_expr(assessment::Column::ReviewedAt, Expr::value(Utc::now()))
        .col_expr(assessment::Column::ReviewNoteEnc, Expr::value(note_enc))
        .filter(assessment::Column::Id.eq(row.id))
        .filter(assessment::Column::ReviewedAt.is_null())
        .exec(db)
        .await?;
    if marked.rows_affected != 1 {
        return Err(ApiError::with_detail(
            api_types::ErrorCode::Conflict,
            "Someone reviewed this answer meanwhile.",
        ));
    }
    find(db, row.id).await?.ok_or_else(ApiError::not_found)
}
