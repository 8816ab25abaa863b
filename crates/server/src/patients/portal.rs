//! The patient's portal account: the invitation that opens it, who may approve where it goes,
//! and whether the patient already has one.

use actix_web::{get, post, web, HttpResponse};
use api_types::admin::Invitation;
use api_types::audit::AuditAction;
use api_types::patients::{AccessBasis, InvitePatientRequest, PortalStatus};
use api_types::Role;
use sea_orm::TransactionTrait;
use uuid::Uuid;

use super::access;
use super::queries::{self, PatientRecord};
use crate::audit::AuditEntry;
use crate::auth::{self, require, Authorized, Principal};
use crate::platform::PatientId;
use crate::platform::{ApiError, ApiResult};
use crate::users;
use crate::AppState;

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
    let basis = access::clinical_access(db, principal, PatientId(patient_id))
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
pub(super) async fn invite_patient(
    auth: Authorized<require::PatientsInvite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: crate::platform::http::Body<InvitePatientRequest>,
) -> ApiResult<HttpResponse> {
    let p = queries::get(&state.db, &state.crypto, PatientId(*id)).await?;
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
    let inv = auth::invite(
        &txn,
        &state,
        auth::NewInvitation {
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
            AuditEntry::by(&auth, AuditAction::PatientInvite)
                .patient(*id)
                .resource("invitation", inv.id)
                .detail(detail),
        )
        .await?;
    Ok(HttpResponse::Created().json(auth::invitation_to_wire(&state.crypto, &inv)?))
}

/// Refuses an invitation for a patient who is archived, erased, or already has an account.
async fn ensure_invitable(state: &AppState, p: &PatientRecord) -> ApiResult<()> {
    queries::ensure_not_erased(p)?;
    if p.model.archived_at.is_some() {
        return Err(ApiError::conflict(
            "Restore this patient before inviting them.",
        ));
    }
    if users::find_by_patient(&state.db, PatientId(p.model.id))
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
pub(super) async fn portal_status(
    auth: Authorized<require::PatientsInvite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<PortalStatus>> {
    let p = queries::get(&state.db, &state.crypto, PatientId(*id)).await?;
    let has_account = users::find_by_patient(&state.db, PatientId(*id))
        .await?
        .is_some();
    let invitation = match auth::pending_invitation_for_patient(&state.db, *id).await? {
        Some(inv) => Some(auth::invitation_to_wire(&state.crypto, &inv)?),
        None => None,
    };
    let can_approve = may_approve_portal(&state.db, &auth, *id).await?;
    state
        .audit
        .record(AuditEntry::by(&auth, AuditAction::PatientPortalRead).patient(p.model.id))
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
pub(super) async fn approve_portal_invitation(
    auth: Authorized<require::ClinicalAccess>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Invitation>> {
    let p = queries::get(&state.db, &state.crypto, PatientId(*id)).await?;
    ensure_invitable(&state, &p).await?;
    if !may_approve_portal(&state.db, &auth, *id).await? {
        return Err(ApiError::with_detail(
            api_types::ErrorCode::Forbidden,
            "Only an administrator or a member of this patient's care team can approve their portal invitation.",
        ));
    }
    let approver = auth.require_user()?;
    let pending = auth::pending_invitation_for_patient(&state.db, *id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let txn = state.db.begin().await?;
    let inv = auth::approve_invitation(&txn, &state, pending.id, approver).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::PatientInviteApprove)
                .patient(*id)
                .resource("invitation", inv.id),
        )
        .await?;
    Ok(web::Json(auth::invitation_to_wire(&state.crypto, &inv)?))
}

/// Tells the patient, at the address the practice held until now, that a member of staff changed
/// it. The portal goes only to the address on file, so a change the patient did not ask for is
/// one they should hear of before an invitation could follow it. Runs in the change's
/// transaction; the new address is shown only in part.
pub(super) async fn notify_email_changed(
    txn: &impl sea_orm::ConnectionTrait,
    state: &AppState,
    patient: PatientId,
    previous: &str,
    now_on_file: Option<&str>,
) -> ApiResult<()> {
    let practice = crate::settings::load(txn).await?.practice_name;
    let change = match now_on_file {
        Some(new) => format!("to {}", partly_hidden(new)),
        None => "and removed".to_owned(),
    };
    let body = format!(
        "The email address {practice} holds for you was changed {change} by the practice's \
         staff.\n\nIf you did not ask for this, please contact the practice before accepting \
         any invitation to its patient portal.\n\n{practice}"
    );
    crate::comms::enqueue(
        txn,
        &state.crypto,
        crate::comms::Outbound {
            channel: crate::comms::Channel::Email,
            to: previous,
            subject: &format!("Your email address at {practice} was changed"),
            body: &body,
            attachments: Vec::new(),
            secret: false,
            about: Some(crate::comms::About::patient(
                patient,
                api_types::comms::CorrespondenceKind::Notice,
            )),
        },
    )
    .await?;
    Ok(())
}

/// `jo•••@example.com`: enough for the owner of the address to recognise it.
fn partly_hidden(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let shown: String = local.chars().take(2).collect();
            format!("{shown}•••@{domain}")
        }
        None => "•••".to_owned(),
    }
}
