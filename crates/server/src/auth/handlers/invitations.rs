//! Accepting an invitation to an account, staff or portal.

use actix_web::{get, post, web, HttpResponse};
use api_types::audit::AuditAction;
use api_types::auth::{AcceptInvitationRequest, InvitationPreview, TokenResponse};
use api_types::Role;
use sea_orm::TransactionTrait;

use super::with_tokens;
use crate::audit::AuditEntry;
use crate::auth::sessions;
use crate::auth::{invitations, passwords};
use crate::platform::PatientId;
use crate::platform::{ApiResult, ClientInfo};
use crate::users::{self, NewUser};
use crate::AppState;

/// What an invitation link is for, so the page can greet the person before they choose a password.
#[utoipa::path(
    tag = "auth",
    params(("token" = String, Path, description = "The token from the invitation link")),
    responses((status = 200, body = InvitationPreview), (status = 401, body = api_types::Problem))
)]
#[get("/auth/invitations/{token}")]
pub(super) async fn preview_invitation(
    state: web::Data<AppState>,
    client: ClientInfo,
    token: web::Path<String>,
) -> ApiResult<web::Json<InvitationPreview>> {
    state
        .limits
        .check_auth(&state.db, client.ip.as_deref())
        .await?;
    let inv = invitations::find_by_token(&state.db, &token).await?;
    let wire = invitations::to_wire(&state.crypto, &inv)?;
    Ok(web::Json(InvitationPreview {
        email: wire.email,
        name: wire.name,
        role: wire.role,
        expires_at: wire.expires_at,
    }))
}

/// Accept an invitation: choose a password, and be signed in.
#[utoipa::path(
    tag = "auth",
    request_body = AcceptInvitationRequest,
    responses((status = 201, body = TokenResponse), (status = 401, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[post("/auth/invitations/accept")]
pub(super) async fn accept_invitation(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: crate::platform::http::Body<AcceptInvitationRequest>,
) -> ApiResult<HttpResponse> {
    state
        .limits
        .check_auth(&state.db, client.ip.as_deref())
        .await?;
    let req = body.into_inner();
    let inv = invitations::find_by_token(&state.db, &req.token).await?;
    if let Some(patient_id) = inv.patient_id {
        // A patient whose data was erased, or who has an account already, gets no new one.
        let closed = crate::patients::find(&state.db, &state.crypto, PatientId(patient_id))
            .await?
            .is_none_or(|p| p.model.erased_at.is_some())
            || users::find_by_patient(&state.db, PatientId(patient_id))
                .await?
                .is_some();
        if closed {
            return Err(invitations::invalid_link());
        }
    }
    let wire = invitations::to_wire(&state.crypto, &inv)?;
    passwords::check_policy(&req.password, "password", &[&wire.email, &wire.name])?;
    let hash = state.passwords.hash(&req.password).await?;
    let txn = state.db.begin().await?;
    if !invitations::claim(&txn, inv.id).await? {
        return Err(invitations::invalid_link());
    }
    let role = Role::parse(&inv.role).unwrap_or(Role::Patient);
    let user = users::create(
        &txn,
        &state.crypto,
        NewUser {
            email: &wire.email,
            name: &wire.name,
            role,
            patient_id: inv.patient_id,
            password_hash: Some(hash),
        },
    )
    .await?;
    let mut entry = AuditEntry::anonymous(&client, AuditAction::AuthInvitationAccept)
        .actor(user.model.id, role)
        .resource("invitation", inv.id);
    if let Some(p) = inv.patient_id {
        entry = entry.patient(p);
    }
    state.audit.commit(txn, entry).await?;
    let signed_in = AuditEntry::anonymous(&client, AuditAction::AuthLogin)
        .actor(user.model.id, role)
        .detail("invitation");
    let tokens = sessions::start(&state, &user, &client, signed_in).await?;
    Ok(with_tokens(&state, HttpResponse::Created(), tokens))
}
