//! A patient's demographic record: search and list, create, read, change, archive and restore.

use actix_web::http::{header, StatusCode};
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use api_types::audit::AuditAction;
use api_types::patients::{
    Patient, PatientInput, PatientName, PatientNamesQuery, PatientPatch, PatientQuery,
    PatientSummary, MAX_PATIENT_NAMES,
};
use api_types::{FieldError, Page};
use chrono::Utc;
use sea_orm::TransactionTrait;
use uuid::Uuid;

use super::access::ensure_demographics;
use super::queries::{self, tidy, PatientRecord};
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized, Principal};
use crate::platform::http::{check_if_match, etag, Query};
use crate::platform::idempotency;
use crate::platform::PatientId;
use crate::platform::{ApiError, ApiResult};
use crate::AppState;

fn today() -> chrono::NaiveDate {
    Utc::now().date_naive()
}

fn with_etag(mut res: actix_web::HttpResponseBuilder, p: &PatientRecord) -> HttpResponse {
    res.insert_header((header::ETAG, etag(p.model.version)))
        .json(p.to_wire())
}

/// The names of up to 100 patients, by id, for a screen that shows patients by id (the audit
/// log, for instance). Ids of no patient are left out.
#[utoipa::path(
    tag = "patients",
    params(PatientNamesQuery),
    security(("bearer" = ["patients:read"])),
    responses((status = 200, body = Vec<PatientName>), (status = 422, body = api_types::Problem))
)]
#[get("/patient-names")]
pub(super) async fn patient_names(
    auth: Authorized<require::PatientsRead>,
    state: web::Data<AppState>,
    query: Query<PatientNamesQuery>,
) -> ApiResult<web::Json<Vec<PatientName>>> {
    let invalid = || {
        ApiError::field(
            "ids",
            "invalid",
            format!("Give 1 to {MAX_PATIENT_NAMES} patient ids, separated by commas."),
        )
    };
    let mut ids = query
        .ids
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| Uuid::parse_str(s).map_err(|_| invalid()))
        .collect::<ApiResult<Vec<Uuid>>>()?;
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() || ids.len() > MAX_PATIENT_NAMES {
        return Err(invalid());
    }
    let found = queries::find_many(&state.db, &state.crypto, &ids).await?;
    let names: Vec<PatientName> = ids
        .iter()
        .filter_map(|id| {
            found.get(id).map(|r| PatientName {
                patient_id: *id,
                name: r.display_name(),
            })
        })
        .collect();
    if !names.is_empty() {
        state
            .audit
            .record(
                AuditEntry::by(&auth, AuditAction::PatientNames)
                    .patients(names.iter().map(|n| &n.patient_id)),
            )
            .await?;
    }
    Ok(web::Json(names))
}

/// Search and list patients. See the parameters for how matching works.
#[utoipa::path(
    tag = "patients",
    params(PatientQuery),
    security(("bearer" = ["patients:read"])),
    responses((status = 200, body = Page<PatientSummary>))
)]
#[get("/patients")]
pub(super) async fn list_patients(
    auth: Authorized<require::PatientsRead>,
    state: web::Data<AppState>,
    query: Query<PatientQuery>,
) -> ApiResult<web::Json<Page<PatientSummary>>> {
    let page =
        super::listing::search(&state.db, &state.crypto, &state.capped_counts, &query).await?;
    let ids: Vec<String> = page.items.iter().map(|p| p.id.to_string()).collect();
    state
        .audit
        .record(
            AuditEntry::by(&auth, AuditAction::PatientSearch)
                .resource("patient_list", page.items.len())
                .detail(ids.join(",")),
        )
        .await?;
    Ok(web::Json(page))
}

/// Create a patient. Send an `Idempotency-Key` to make retries safe: a retry with the same key
/// and body gets the first response instead of creating the patient twice.
#[utoipa::path(
    tag = "patients",
    params(("Idempotency-Key" = Option<String>, Header, description = "Any unique string, such as a UUID; kept for 24 hours")),
    request_body = PatientInput,
    security(("bearer" = ["patients:write"])),
    responses(
        (status = 201, body = Patient, headers(("ETag" = String))),
        (status = 409, description = "The key is in use by a request still running, or was used for a different request", body = api_types::Problem),
        (status = 422, body = api_types::Problem),
    )
)]
#[post("/patients")]
pub(super) async fn create_patient(
    auth: Authorized<require::PatientsWrite>,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: crate::platform::http::Body<PatientInput>,
) -> ApiResult<HttpResponse> {
    let input = tidy(body.into_inner());
    input.validate(today()).map_err(ApiError::Validation)?;
    let claim = match idempotency::start(&state.db, &state.crypto, auth.id(), &req, &input).await? {
        idempotency::Start::Replay(response) => return Ok(response),
        idempotency::Start::Proceed(claim) => claim,
    };
    let created = async {
        let txn = state.db.begin().await?;
        let p = queries::create(&txn, &state.crypto, input, auth.user_id()).await?;
        state
            .audit
            .commit(
                txn,
                AuditEntry::by(&auth, AuditAction::PatientCreate)
                    .patient(p.model.id)
                    .resource("patient", p.model.id),
            )
            .await?;
        Ok::<_, ApiError>(p)
    }
    .await;
    match created {
        Ok(p) => {
            claim
                .complete(&state.db, &state.crypto, StatusCode::CREATED, &p.to_wire())
                .await?;
            Ok(with_etag(HttpResponse::Created(), &p))
        }
        Err(e) => {
            claim.abandon(&state.db).await;
            Err(e)
        }
    }
}

/// One patient, with every demographic field. Patients may read their own record.
#[utoipa::path(
    tag = "patients",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["patients:read"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = Patient, headers(("ETag" = String))), (status = 404, body = api_types::Problem))
)]
#[get("/patients/{id}")]
pub(super) async fn get_patient(
    auth: Authorized<require::PatientsReadOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    ensure_demographics(&auth, PatientId(*id))?;
    let p = queries::get(&state.db, &state.crypto, PatientId(*id)).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, AuditAction::PatientRead)
                .patient(*id)
                .resource("patient", *id),
        )
        .await?;
    Ok(with_etag(HttpResponse::Ok(), &p))
}

/// Change some fields. Send `If-Match` with the `ETag` you read: if someone saved in between,
/// the answer is 412 and nothing is overwritten. Patients may change only their contact details.
#[utoipa::path(
    tag = "patients",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    request_body = PatientPatch,
    security(("bearer" = ["patients:write"]), ("bearer" = ["own_record"])),
    responses(
        (status = 200, body = Patient, headers(("ETag" = String))),
        (status = 404, body = api_types::Problem),
        (status = 412, body = api_types::Problem),
        (status = 422, body = api_types::Problem),
    )
)]
#[patch("/patients/{id}")]
pub(super) async fn update_patient(
    auth: Authorized<require::PatientsWriteOrOwn>,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: crate::platform::http::Body<PatientPatch>,
) -> ApiResult<HttpResponse> {
    let id = *id;
    let is_own = auth.own_patient_id() == Some(id);
    if !auth.has(api_types::Permission::PatientsWrite) && !is_own {
        return Err(ApiError::not_found());
    }
    let patch = body.into_inner();
    if patch.fields().is_empty() {
        return Err(ApiError::Validation(vec![FieldError::new(
            "body",
            "empty",
            "Give at least one field to change.",
        )]));
    }
    if !auth.has(api_types::Permission::PatientsWrite) {
        let locked: Vec<FieldError> = patch
            .fields()
            .into_iter()
            .filter(|f| !PatientPatch::PATIENT_EDITABLE.contains(f))
            .map(|f| FieldError::new(f, "read_only", "Ask the practice to change this for you."))
            .collect();
        if !locked.is_empty() {
            return Err(ApiError::Validation(locked));
        }
    }
    let txn = state.db.begin().await?;
    let current = queries::get(&txn, &state.crypto, PatientId(id)).await?;
    let mut details = current.details.clone();
    patch.apply(&mut details);
    let details = tidy(details);
    // An invalid change is refused as such, whether or not it was also made on a stale copy.
    details.validate(today()).map_err(ApiError::Validation)?;
    check_if_match(&req, current.model.version)?;
    let previous = current
        .details
        .email
        .clone()
        .filter(|e| !e.trim().is_empty());
    let email_changed =
        previous.as_deref().map(str::trim) != details.email.as_deref().map(str::trim);
    let new_email = details.email.clone();
    let updated = queries::update(&txn, &state.crypto, &current, details).await?;
    let mut event = AuditEntry::by(&auth, AuditAction::PatientUpdate)
        .patient(id)
        .resource("patient", id);
    if email_changed {
        if let (Some(previous), false) = (previous, is_own) {
            super::portal::notify_email_changed(
                &txn,
                &state,
                PatientId(id),
                &previous,
                new_email.as_deref(),
            )
            .await?;
            event = event.detail("email_changed_previous_address_told");
        }
    }
    state.audit.commit(txn, event).await?;
    Ok(with_etag(HttpResponse::Ok(), &updated))
}

/// Archive a patient: hidden from default searches, kept in full. Restore undoes it.
#[utoipa::path(
    tag = "patients",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    security(("bearer" = ["patients:archive"])),
    responses(
        (status = 200, body = Patient),
        (status = 404, body = api_types::Problem),
        (status = 412, body = api_types::Problem),
    )
)]
#[delete("/patients/{id}")]
pub(super) async fn archive_patient(
    auth: Authorized<require::PatientsArchive>,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    set_archived(&auth, &state, &req, *id, true).await
}

/// Restore an archived patient.
#[utoipa::path(
    tag = "patients",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The ETag last read")),
    security(("bearer" = ["patients:archive"])),
    responses(
        (status = 200, body = Patient),
        (status = 404, body = api_types::Problem),
        (status = 412, body = api_types::Problem),
    )
)]
#[post("/patients/{id}/restore")]
pub(super) async fn restore_patient(
    auth: Authorized<require::PatientsArchive>,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    set_archived(&auth, &state, &req, *id, false).await
}

/// Archives or restores (a no-op when already so), honouring `If-Match`, and audits it.
async fn set_archived(
    auth: &Principal,
    state: &AppState,
    req: &HttpRequest,
    id: Uuid,
    archived: bool,
) -> ApiResult<HttpResponse> {
    let current = queries::get(&state.db, &state.crypto, PatientId(id)).await?;
    check_if_match(req, current.model.version)?;
    let action = if archived {
        AuditAction::PatientArchive
    } else {
        AuditAction::PatientRestore
    };
    let entry = AuditEntry::by(auth, action)
        .patient(id)
        .resource("patient", id);
    let p = if current.model.archived_at.is_some() == archived {
        state.audit.record(entry.detail("unchanged")).await?;
        current
    } else {
        let txn = state.db.begin().await?;
        let p = queries::set_archived(&txn, &state.crypto, &current, archived).await?;
        state.audit.commit(txn, entry).await?;
        p
    };
    Ok(with_etag(HttpResponse::Ok(), &p))
}
