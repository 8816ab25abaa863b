use actix_web::http::{header, StatusCode};
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use api_types::admin::Invitation;
use api_types::audit::AuditOutcome;
use api_types::patients::{
    AccessBasis, AddCareTeamMemberRequest, BreakGlassRequest, CareTeamMember, ClinicalAccess,
    InvitePatientRequest, Patient, PatientInput, PatientPatch, PatientQuery, PatientSummary,
    PortalStatus,
};
use api_types::{FieldError, Page, Role};
use chrono::Utc;
use entity::patients::{break_glass_grant, care_team_member};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::access::{self, ensure_demographics};
use super::queries::{self, tidy, PatientRecord};
use crate::audit::AuditEntry;
use crate::auth::invitations;
use crate::auth::{require, Authorized, Principal};
use crate::platform::http::{check_if_match, etag, Query};
use crate::platform::idempotency;
use crate::platform::{ApiError, ApiResult};
use crate::users::queries as users;
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_patients)
        .service(create_patient)
        .service(get_patient)
        .service(update_patient)
        .service(archive_patient)
        .service(restore_patient)
        .service(list_care_team)
        .service(add_care_team_member)
        .service(remove_care_team_member)
        .service(get_clinical_access)
        .service(break_glass)
        .service(invite_patient)
        .service(portal_status)
        .service(approve_portal_invitation);
}

fn today() -> chrono::NaiveDate {
    Utc::now().date_naive()
}

fn with_etag(mut res: actix_web::HttpResponseBuilder, p: &PatientRecord) -> HttpResponse {
    res.insert_header((header::ETAG, etag(p.model.version)))
        .json(p.to_wire())
}

/// Search and list patients. See the parameters for how matching works.
#[utoipa::path(
    tag = "patients",
    params(PatientQuery),
    security(("bearer" = ["patients:read"])),
    responses((status = 200, body = Page<PatientSummary>))
)]
#[get("/patients")]
async fn list_patients(
    auth: Authorized<require::PatientsRead>,
    state: web::Data<AppState>,
    query: Query<PatientQuery>,
) -> ApiResult<web::Json<Page<PatientSummary>>> {
    let page = queries::search(&state.db, &state.crypto, &query).await?;
    let ids: Vec<String> = page.items.iter().map(|p| p.id.to_string()).collect();
    state
        .audit
        .record(
            AuditEntry::by(&auth, "patient.search")
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
async fn create_patient(
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
                AuditEntry::by(&auth, "patient.create")
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
async fn get_patient(
    auth: Authorized<require::PatientsReadOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    ensure_demographics(&auth, *id)?;
    let p = queries::get(&state.db, &state.crypto, *id).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, "patient.read")
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
async fn update_patient(
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
    let current = queries::get(&txn, &state.crypto, id).await?;
    let mut details = current.details.clone();
    patch.apply(&mut details);
    let details = tidy(details);
    // An invalid change is refused as such, whether or not it was also made on a stale copy.
    details.validate(today()).map_err(ApiError::Validation)?;
    check_if_match(&req, current.model.version)?;
    let updated = queries::update(&txn, &state.crypto, &current, details).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, "patient.update")
                .patient(id)
                .resource("patient", id),
        )
        .await?;
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
async fn archive_patient(
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
async fn restore_patient(
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
    let current = queries::get(&state.db, &state.crypto, id).await?;
    check_if_match(req, current.model.version)?;
    let action = if archived {
        "patient.archive"
    } else {
        "patient.restore"
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

/// The practitioners and nurses who look after a patient.
#[utoipa::path(
    tag = "patients",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["patients:read"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = Vec<CareTeamMember>), (status = 404, body = api_types::Problem))
)]
#[get("/patients/{id}/care-team")]
async fn list_care_team(
    auth: Authorized<require::PatientsReadOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<CareTeamMember>>> {
    ensure_demographics(&auth, *id)?;
    queries::get(&state.db, &state.crypto, *id).await?;
    let rows = care_team_member::Entity::find()
        .filter(care_team_member::Column::PatientId.eq(*id))
        .order_by_asc(care_team_member::Column::AddedAt)
        .all(&state.db)
        .await?;
    let mut members = Vec::with_capacity(rows.len());
    for r in rows {
        if let Some(u) = users::find(&state.db, &state.crypto, r.user_id).await? {
            members.push(CareTeamMember {
                user_id: r.user_id,
                name: u.name,
                role: u.role,
                added_at: r.added_at,
            });
        }
    }
    state
        .audit
        .record(AuditEntry::by(&auth, "care_team.read").patient(*id))
        .await?;
    Ok(web::Json(members))
}

/// Add a practitioner or nurse to a patient's care team.
#[utoipa::path(
    tag = "patients",
    params(("id" = Uuid, Path)),
    request_body = AddCareTeamMemberRequest,
    security(("bearer" = ["care_team:manage"])),
    responses((status = 201, body = CareTeamMember), (status = 404, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[post("/patients/{id}/care-team")]
async fn add_care_team_member(
    auth: Authorized<require::CareTeamManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: crate::platform::http::Body<AddCareTeamMemberRequest>,
) -> ApiResult<HttpResponse> {
    queries::get_for_change(&state.db, &state.crypto, *id).await?;
    let member = users::find(&state.db, &state.crypto, body.user_id)
        .await?
        .filter(|u| u.is_active() && u.role.is_clinician())
        .ok_or_else(|| {
            ApiError::field(
                "user_id",
                "not_clinician",
                "Choose an active practitioner or nurse.",
            )
        })?;
    let now = Utc::now();
    let txn = state.db.begin().await?;
    if !access::is_on_care_team(&txn, *id, member.model.id).await? {
        care_team_member::ActiveModel {
            patient_id: Set(*id),
            user_id: Set(member.model.id),
            added_at: Set(now),
            added_by: Set(auth.user_id()),
        }
        .insert(&txn)
        .await?;
    }
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, "care_team.add")
                .patient(*id)
                .resource("user", member.model.id),
        )
        .await?;
    Ok(HttpResponse::Created().json(CareTeamMember {
        user_id: member.model.id,
        name: member.name,
        role: member.role,
        added_at: now,
    }))
}

/// Remove someone from a patient's care team. Their clinical access ends at once.
#[utoipa::path(
    tag = "patients",
    params(("id" = Uuid, Path), ("user_id" = Uuid, Path)),
    security(("bearer" = ["care_team:manage"])),
    responses((status = 204, description = "Removed"), (status = 404, body = api_types::Problem))
)]
#[delete("/patients/{id}/care-team/{user_id}")]
async fn remove_care_team_member(
    auth: Authorized<require::CareTeamManage>,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (id, user_id) = path.into_inner();
    let txn = state.db.begin().await?;
    let deleted = care_team_member::Entity::delete_by_id((id, user_id))
        .exec(&txn)
        .await?
        .rows_affected;
    if deleted == 0 {
        return Err(ApiError::not_found());
    }
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, "care_team.remove")
                .patient(id)
                .resource("user", user_id),
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Whether the caller may see this patient's clinical record, and on what basis.
#[utoipa::path(
    tag = "patients",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["clinical:access"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = ClinicalAccess), (status = 404, body = api_types::Problem))
)]
#[get("/patients/{id}/clinical-access")]
async fn get_clinical_access(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ClinicalAccess>> {
    ensure_demographics(&auth, *id)?;
    queries::get(&state.db, &state.crypto, *id).await?;
    let access = access::clinical_access(&state.db, &auth, *id).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, "clinical_access.read")
                .patient(*id)
                .detail(format!("allowed={}", access.allowed)),
        )
        .await?;
    Ok(web::Json(access))
}

/// Break the glass: emergency access to a patient's clinical record for an hour, with a reason.
/// The access is audited and flagged for review.
#[utoipa::path(
    tag = "patients",
    params(("id" = Uuid, Path)),
    request_body = BreakGlassRequest,
    security(("bearer" = ["clinical:access"])),
    responses((status = 201, body = ClinicalAccess), (status = 404, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[post("/patients/{id}/break-glass")]
async fn break_glass(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: crate::platform::http::Body<BreakGlassRequest>,
) -> ApiResult<HttpResponse> {
    let user_id = auth.require_user()?;
    let reason = body.reason.trim();
    if reason.chars().count() < 10 {
        return Err(ApiError::field(
            "reason",
            "too_short",
            "Say why access is needed (at least 10 characters).",
        ));
    }
    if let Err((code, msg)) = api_types::validation::text(reason, 1000) {
        return Err(ApiError::field("reason", code, msg));
    }
    queries::get_for_change(&state.db, &state.crypto, *id).await?;
    let grant_id = Uuid::now_v7();
    let expires_at = access::break_glass_expiry();
    let txn = state.db.begin().await?;
    break_glass_grant::ActiveModel {
        id: Set(grant_id),
        patient_id: Set(*id),
        user_id: Set(user_id),
        reason_enc: Set(state
            .crypto
            .encrypt_str(reason, &format!("break_glass_grants.reason:{grant_id}"))?),
        created_at: Set(Utc::now()),
        expires_at: Set(expires_at),
    }
    .insert(&txn)
    .await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, "clinical.break_glass")
                .patient(*id)
                .resource("break_glass_grant", grant_id)
                .outcome(AuditOutcome::Success)
                .detail("flagged_for_review"),
        )
        .await?;
    Ok(HttpResponse::Created().json(access::clinical_access(&state.db, &auth, *id).await?))
}

/// Whether the caller may approve where a patient's portal invitation goes: a person (not an
/// integration) with clinical access to the patient as an administrator or a member of their care
/// team. The portal opens the patient's clinical record, so the address it is sent to is a
/// clinical decision.
async fn may_approve_portal(
    db: &impl sea_orm::ConnectionTrait,
    principal: &Principal,
    patient_id: Uuid,
) -> ApiResult<bool> {
    if principal.user_id().is_none() || !principal.has(api_types::Permission::ClinicalAccess) {
        return Ok(false);
    }
    let basis = access::clinical_access(db, principal, patient_id)
        .await?
        .basis;
    Ok(matches!(
        basis,
        Some(AccessBasis::Admin) | Some(AccessBasis::CareTeam)
    ))
}

/// Invite a patient to the portal, at the email on their record. An administrator or a member
/// of the care team sends it at once, and may send it to another address (their approval is
/// audited); from anyone else it waits, unsent, for one of them to approve it. A new invitation
/// withdraws the previous one.
#[utoipa::path(
    tag = "patients",
    params(("id" = Uuid, Path)),
    request_body = InvitePatientRequest,
    security(("bearer" = ["patients:invite"])),
    responses((status = 201, description = "Sent, or waiting for approval (`approved_at` is empty)", body = Invitation), (status = 404, body = api_types::Problem), (status = 409, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[post("/patients/{id}/portal-invitation")]
async fn invite_patient(
    auth: Authorized<require::PatientsInvite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: crate::platform::http::Body<InvitePatientRequest>,
) -> ApiResult<HttpResponse> {
    let p = queries::get(&state.db, &state.crypto, *id).await?;
    ensure_invitable(&state, &p).await?;
    let approver = may_approve_portal(&state.db, &auth, *id).await?;
    let on_file = p.details.email.clone();
    let email = match (&body.email, approver) {
        (Some(given), false) if Some(given.trim()) != on_file.as_deref().map(str::trim) => {
            return Err(ApiError::field(
                "email",
                "not_allowed",
                "The invitation goes to the email on the patient's record. A clinician on their care team can send it elsewhere.",
            ));
        }
        (Some(given), true) => given.clone(),
        _ => on_file.clone().ok_or_else(|| {
            ApiError::field(
                "email",
                "required",
                "Add an email address to the patient first.",
            )
        })?,
    };
    let name = p
        .details
        .preferred_name
        .clone()
        .unwrap_or_else(|| p.details.first_name.clone());
    let full_name = format!("{name} {}", p.details.last_name);
    let txn = state.db.begin().await?;
    let inv = invitations::create(
        &txn,
        &state,
        invitations::NewInvitation {
            email: &email,
            name: &full_name,
            role: Role::Patient,
            patient_id: Some(*id),
            created_by: auth.user_id(),
            approved_by: if approver { auth.user_id() } else { None },
        },
    )
    .await?;
    let elsewhere = Some(email.trim()) != on_file.as_deref().map(str::trim);
    let detail = match (approver, elsewhere) {
        (false, _) => "awaiting_approval",
        (true, false) => "sent_to_record_email",
        (true, true) => "sent_to_other_email_approved",
    };
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, "patient.invite")
                .patient(*id)
                .resource("invitation", inv.id)
                .detail(detail),
        )
        .await?;
    Ok(HttpResponse::Created().json(invitations::to_wire(&state.crypto, &inv)?))
}

/// Refuses an invitation for a patient who is archived, erased, or already has an account.
async fn ensure_invitable(state: &AppState, p: &PatientRecord) -> ApiResult<()> {
    queries::ensure_not_erased(p)?;
    if p.model.archived_at.is_some() {
        return Err(ApiError::conflict(
            "Restore this patient before inviting them.",
        ));
    }
    if users::find_by_patient(&state.db, p.model.id)
        .await?
        .is_some()
    {
        return Err(ApiError::conflict(
            "This patient already has a portal account.",
        ));
    }
    Ok(())
}

/// The patient's portal: whether they have an account, and the invitation waiting (sent, or
/// waiting for a clinician's approval), with whether the caller may approve it.
#[utoipa::path(
    tag = "patients",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["patients:invite"])),
    responses((status = 200, body = PortalStatus), (status = 404, body = api_types::Problem))
)]
#[get("/patients/{id}/portal-invitation")]
async fn portal_status(
    auth: Authorized<require::PatientsInvite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<PortalStatus>> {
    let p = queries::get(&state.db, &state.crypto, *id).await?;
    let has_account = users::find_by_patient(&state.db, *id).await?.is_some();
    let invitation = match invitations::pending_for_patient(&state.db, *id).await? {
        Some(inv) => Some(invitations::to_wire(&state.crypto, &inv)?),
        None => None,
    };
    let can_approve = may_approve_portal(&state.db, &auth, *id).await?;
    state
        .audit
        .record(AuditEntry::by(&auth, "patient.portal.read").patient(p.model.id))
        .await?;
    Ok(web::Json(PortalStatus {
        has_account,
        invitation,
        can_approve,
    }))
}

/// Approve the patient's waiting portal invitation: its email goes out now, to the address it
/// names. Only an administrator or a member of the patient's care team may.
#[utoipa::path(
    tag = "patients",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["clinical:access"])),
    responses((status = 200, body = Invitation), (status = 404, body = api_types::Problem), (status = 409, body = api_types::Problem))
)]
#[post("/patients/{id}/portal-invitation/approve")]
async fn approve_portal_invitation(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Invitation>> {
    let p = queries::get(&state.db, &state.crypto, *id).await?;
    ensure_invitable(&state, &p).await?;
    if !may_approve_portal(&state.db, &auth, *id).await? {
        return Err(ApiError::with_detail(
            api_types::ErrorCode::Forbidden,
            "Only an administrator or a member of this patient's care team can approve their portal invitation.",
        ));
    }
    let approver = auth.require_user()?;
    let pending = invitations::pending_for_patient(&state.db, *id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let txn = state.db.begin().await?;
    let inv = invitations::approve(&txn, &state, pending.id, approver).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, "patient.invite.approve")
                .patient(*id)
                .resource("invitation", inv.id),
        )
        .await?;
    Ok(web::Json(invitations::to_wire(&state.crypto, &inv)?))
}
