//! Consents and the patient's view of the audit log.
//!
//! Each consent decision (given or withdrawn) is kept with its time and who recorded it; the
//! newest per kind stands, and before any decision a kind's default applies
//! (`ConsentKind::default_given`). Features that depend on a consent ask `given` at the moment
//! they act: appointment messages check SMS and email contact as they are queued.
//!
//! "Who has seen my record" is the audit log filtered to the patient, in the patient's words.

use api_types::audit::AuditAction;
use std::collections::HashMap;

use actix_web::{get, put, web};
use api_types::sharing::{
    describe_action, AccessLogQuery, Consent, ConsentDecision, ConsentKind, ConsentSource,
    RecordAccess, SetConsent,
};
use api_types::{Page, Permission};
use chrono::Utc;
use entity::patients::consent_event;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::access::ensure_demographics;
use super::queries;
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::platform::http::{page_bounds, Query};
use crate::platform::PatientId;
use crate::platform::{ApiError, ApiResult};
use crate::users;
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_consents)
        .service(set_consent)
        .service(access_log);
}

/// Whether the patient's consent of `kind` stands given now.
pub async fn given(
    db: &impl ConnectionTrait,
    patient_id: PatientId,
    kind: ConsentKind,
) -> ApiResult<bool> {
    let latest = consent_event::Entity::find()
        .filter(consent_event::Column::PatientId.eq(patient_id))
        .filter(consent_event::Column::Kind.eq(kind.as_str()))
        .order_by_desc(consent_event::Column::RecordedAt)
        .order_by_desc(consent_event::Column::Id)
        .one(db)
        .await?;
    Ok(latest.map_or(kind.default_given(), |e| e.given))
}

pub(crate) async fn consents_of(state: &AppState, patient_id: Uuid) -> ApiResult<Vec<Consent>> {
    let rows = consent_event::Entity::find()
        .filter(consent_event::Column::PatientId.eq(patient_id))
        .order_by_desc(consent_event::Column::RecordedAt)
        .order_by_desc(consent_event::Column::Id)
        .all(&state.db)
        .await?;
    let mut people: Vec<Uuid> = rows.iter().filter_map(|r| r.recorded_by).collect();
    people.sort_unstable();
    people.dedup();
    let names = users::names(&state.db, &state.crypto, &people).await?;
    Ok(ConsentKind::ALL
        .into_iter()
        .map(|kind| {
            let history: Vec<ConsentDecision> = rows
                .iter()
                .filter(|r| r.kind == kind.as_str())
                .map(|r| ConsentDecision {
                    given: r.given,
                    at: r.recorded_at,
                    // A text saying STOP or START is the patient's own decision.
                    source: if r.source == "patient" || r.source == SMS_KEYWORD {
                        ConsentSource::Patient
                    } else {
                        ConsentSource::Staff
                    },
                    recorded_by: r.recorded_by,
                    recorded_by_name: r.recorded_by.and_then(|u| names.get(&u).cloned()),
                })
                .collect();
            Consent {
                kind,
                label: kind.label().to_owned(),
                given: history.first().map_or(kind.default_given(), |d| d.given),
                is_default: history.is_empty(),
                history,
            }
        })
        .collect())
}

/// The patient's consents as they stand, each with every decision.
#[utoipa::path(
    tag = "patients",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["patients:read"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = Vec<Consent>), (status = 404, body = api_types::Problem))
)]
#[get("/patients/{id}/consents")]
async fn list_consents(
    auth: Authorized<require::PatientsReadOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<Consent>>> {
    ensure_demographics(&auth, PatientId(*id))?;
    queries::get(&state.db, &state.crypto, PatientId(*id)).await?;
    let out = consents_of(&state, *id).await?;
    state
        .audit
        .record(AuditEntry::by(&auth, AuditAction::ConsentRead).patient(*id))
        .await?;
    Ok(web::Json(out))
}

/// Give or withdraw one consent: the patient in the portal, or staff on the patient's word. It
/// takes effect at once.
#[utoipa::path(
    tag = "patients",
    params(("id" = Uuid, Path), ("kind" = ConsentKind, Path)),
    request_body = SetConsent,
    security(("bearer" = ["patients:write"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = Consent), (status = 404, body = api_types::Problem))
)]
#[put("/patients/{id}/consents/{kind}")]
async fn set_consent(
    auth: Authorized<require::PatientsWriteOrOwn>,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, String)>,
    body: crate::platform::http::Body<SetConsent>,
) -> ApiResult<web::Json<Consent>> {
    let (id, kind) = path.into_inner();
    let kind = ConsentKind::parse(&kind).ok_or_else(ApiError::not_found)?;
    ensure_demographics(&auth, PatientId(id))?;
    let record = queries::get(&state.db, &state.crypto, PatientId(id)).await?;
    if body.given {
        // Withdrawing stays possible; nothing new may be agreed for an erased patient.
        queries::ensure_not_erased(&record)?;
    }
    let by_patient = auth.own_patient_id() == Some(id);
    let txn = state.db.begin().await?;
    record_choice(&txn, id, kind, body.given, by_patient, auth.user_id()).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::ConsentUpdate)
                .patient(id)
                .resource("consent", kind.as_str())
                .detail(format!("given={}", body.given)),
        )
        .await?;
    let out = consents_of(&state, id)
        .await?
        .into_iter()
        .find(|c| c.kind == kind)
        .ok_or_else(ApiError::not_found)?;
    Ok(web::Json(out))
}

/// Who has seen or changed the patient's record, newest first, from the audit log. Patients see
/// their own; staff who read the audit log see anyone's.
#[utoipa::path(
    tag = "patients",
    params(("id" = Uuid, Path), AccessLogQuery),
    security(("bearer" = ["audit:read"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = Page<RecordAccess>), (status = 404, body = api_types::Problem))
)]
#[get("/patients/{id}/access-log")]
async fn access_log(
    auth: Authorized<require::AuditReadOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: Query<AccessLogQuery>,
) -> ApiResult<web::Json<Page<RecordAccess>>> {
    if !auth.has(Permission::AuditRead) && auth.own_patient_id() != Some(*id) {
        return Err(ApiError::not_found());
    }
    queries::get(&state.db, &state.crypto, PatientId(*id)).await?;
    let (limit, offset) = page_bounds(query.limit, query.offset)?;
    let (items, total) = access_entries(&state, *id, auth.user_id(), limit, offset).await?;
    state
        .audit
        .record(AuditEntry::by(&auth, AuditAction::AccessLogRead).patient(*id))
        .await?;
    Ok(web::Json(Page {
        items,
        total,
        total_capped: false,
        limit,
        offset,
    }))
}

/// A page of the audit events about a patient, newest first, in the patient's words; `viewer`
/// is called "You".
pub(crate) async fn access_entries(
    state: &AppState,
    patient_id: Uuid,
    viewer: Option<Uuid>,
    limit: u64,
    offset: u64,
) -> ApiResult<(Vec<RecordAccess>, u64)> {
    // Changes committed a moment ago are on the chain before the log is read.
    state.audit.flush().await?;
    let (rows, total) =
        crate::audit::events_about_patient(&state.db, patient_id, limit, offset).await?;
    let mut people: Vec<Uuid> = rows.iter().filter_map(|r| r.actor_id).collect();
    people.sort_unstable();
    people.dedup();
    let names: HashMap<Uuid, String> = users::names(&state.db, &state.crypto, &people).await?;
    let items = rows
        .into_iter()
        .map(|r| {
            let who = match (r.actor_id, r.actor_kind.as_deref()) {
                (_, Some("api_key")) => "An integration of the practice".to_owned(),
                (Some(u), _) if viewer == Some(u) => "You".to_owned(),
                (Some(u), _) => names
                    .get(&u)
                    .cloned()
                    .unwrap_or_else(|| "A former staff member".to_owned()),
                (None, _) => "The practice's systems".to_owned(),
            };
            RecordAccess {
                at: r.occurred_at,
                who,
                role: r.actor_role,
                what: describe_action(&r.action),
                action: r.action,
                outcome: crate::audit::outcome_str(r.outcome).to_owned(),
            }
        })
        .collect();
    Ok((items, total))
}

/// Records that the patient gave or withdrew a consent, now, and who recorded it (the patient
/// or staff on their word).
/// Records one consent decision, in the caller's transaction: `by_patient` when the patient made
/// it (in the portal, or by texting STOP), else staff on their word.
pub async fn record_choice(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    kind: ConsentKind,
    given: bool,
    by_patient: bool,
    recorded_by: Option<Uuid>,
) -> ApiResult<()> {
    consent_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        patient_id: Set(patient_id),
        kind: Set(kind.as_str().into()),
        given: Set(given),
        source: Set(if by_patient { "patient" } else { "staff" }.into()),
        recorded_by: Set(recorded_by),
        recorded_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The source of a decision the patient made by texting a keyword (STOP, START).
const SMS_KEYWORD: &str = "sms";

/// Records the patient's SMS consent as a text from them changed it (STOP or START). A START
/// restores only a consent that a STOP withdrew: a withdrawal made in the portal or at the desk
/// stands until it is given again there. Returns whether it changed anything.
pub async fn record_sms_keyword(
    db: &impl ConnectionTrait,
    patient_id: PatientId,
    given: bool,
) -> ApiResult<bool> {
    let latest = consent_event::Entity::find()
        .filter(consent_event::Column::PatientId.eq(patient_id))
        .filter(consent_event::Column::Kind.eq(ConsentKind::SmsContact.as_str()))
        .order_by_desc(consent_event::Column::RecordedAt)
        .order_by_desc(consent_event::Column::Id)
        .one(db)
        .await?;
    let current = latest
        .as_ref()
        .map_or(ConsentKind::SmsContact.default_given(), |e| e.given);
    if current == given {
        return Ok(false);
    }
    if given && latest.is_some_and(|e| e.source != SMS_KEYWORD) {
        return Ok(false);
    }
    consent_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        patient_id: Set(patient_id.0),
        kind: Set(ConsentKind::SmsContact.as_str().into()),
        given: Set(given),
        source: Set(SMS_KEYWORD.into()),
        recorded_by: Set(None),
        recorded_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    Ok(true)
}
