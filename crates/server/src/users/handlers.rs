//! The staff directory, account changes, and staff invitations.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use api_types::admin::{
    Invitation, InviteStaffRequest, UpdateUserRequest, User, UserQuery, UserStatus,
};
use api_types::audit::AuditAction;
use api_types::{FieldError, Page, PageQuery, Role};
use sea_orm::TransactionTrait;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::queries::{self, UserRecord};
use crate::audit::AuditEntry;
use crate::auth;
use crate::auth::{require, Authorized, Principal};
use crate::platform::http::{page_bounds, Query};
use crate::platform::{ApiError, ApiResult};
use crate::platform::{PatientId, UserId};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_users)
        .service(get_user)
        .service(update_user)
        .service(list_invitations)
        .service(invite_staff)
        .service(revoke_invitation);
}

/// Accounts, newest first. Staff only, unless `role=patient` is asked for explicitly.
#[utoipa::path(
    tag = "users",
    params(UserQuery),
    security(("bearer" = ["users:read"])),
    responses((status = 200, body = Page<User>))
)]
#[get("/users")]
async fn list_users(
    auth: Authorized<require::UsersRead>,
    state: web::Data<AppState>,
    query: Query<UserQuery>,
) -> ApiResult<web::Json<Page<User>>> {
    let (limit, offset) = page_bounds(query.limit, query.offset)?;
    let (total, rows) = queries::list(&state.db, query.role, limit, offset).await?;
    let items = rows
        .into_iter()
        .map(|m| UserRecord::decrypt(&state.crypto, m).map(|u| u.to_wire()))
        .collect::<anyhow::Result<Vec<_>>>()?;
    // Patients' portal accounts are patient data: which ones were shown is recorded.
    let patients: Vec<String> = items
        .iter()
        .filter_map(|u| u.patient_id.map(|p| p.to_string()))
        .collect();
    if !patients.is_empty() {
        state
            .audit
            .record(
                AuditEntry::by(&auth, AuditAction::UserList)
                    .detail(format!("patients={}", patients.join(","))),
            )
            .await?;
    }
    Ok(web::Json(Page::new(items, total, limit, offset)))
}

/// One account.
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["users:read"])),
    responses((status = 200, body = User), (status = 404, body = api_types::Problem))
)]
#[get("/users/{id}")]
async fn get_user(
    auth: Authorized<require::UsersRead>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<User>> {
    let user = queries::get(&state.db, &state.crypto, UserId(*id)).await?;
    if let Some(patient) = user.model.patient_id {
        state
            .audit
            .record(
                AuditEntry::by(&auth, AuditAction::UserRead)
                    .patient(patient)
                    .resource("user", *id),
            )
            .await?;
    }
    Ok(web::Json(user.to_wire()))
}

/// Change an account's role, name or status. Deactivating signs it out everywhere. The last
/// active admin cannot be demoted or deactivated.
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path)),
    request_body = UpdateUserRequest,
    security(("bearer" = ["users:manage"])),
    responses((status = 200, body = User), (status = 404, body = api_types::Problem), (status = 409, body = api_types::Problem))
)]
#[patch("/users/{id}")]
async fn update_user(
    auth: Authorized<require::UsersManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: crate::platform::http::Body<UpdateUserRequest>,
) -> ApiResult<web::Json<User>> {
    let req = body.into_inner();
    let txn = state.db.begin().await?;
    if req.role.is_some() || req.status.is_some() {
        // Changes of role and status wait for one another, so that two admins demoting each
        // other at once cannot both pass the last-admin check.
        crate::platform::db::lock(&txn, ADMIN_CHANGES, Uuid::nil()).await?;
    }
    let current = queries::get(&txn, &state.crypto, UserId(*id)).await?;
    // Giving a role, or opening an account again, hands out what the role holds.
    let conferred = req.role.or(
        (req.status == Some(UserStatus::Active) && !current.is_active()).then_some(current.role),
    );
    if let Some(e) = conferred.and_then(|r| beyond_the_caller(&auth, r)) {
        return Err(ApiError::Validation(vec![e]));
    }
    if let Some(role) = req.role {
        if (current.role == Role::Patient) != (role == Role::Patient) {
            return Err(ApiError::field(
                "role",
                "invalid",
                "Patient accounts stay patient accounts, and staff stay staff.",
            ));
        }
    }
    let loses_admin = current.role == Role::Admin
        && current.is_active()
        && (req.role.is_some_and(|r| r != Role::Admin)
            || req.status == Some(UserStatus::Deactivated));
    if loses_admin && queries::count_active_admins(&txn).await? <= 1 {
        return Err(ApiError::conflict(
            "The practice needs at least one active admin.",
        ));
    }
    if let Some(name) = &req.name {
        if let Err((code, msg)) = api_types::validation::required_text(name, 100) {
            return Err(ApiError::field("name", code, msg));
        }
    }
    let reopens = req.status == Some(UserStatus::Active) && !current.is_active();
    if let (true, Some(patient_id)) = (reopens || req.name.is_some(), current.model.patient_id) {
        // The portal account of a patient whose data was erased stays closed, and nameless.
        crate::patients::get_for_change(&txn, &state.crypto, PatientId(patient_id)).await?;
    }
    let updated = queries::update_details(
        &txn,
        &state.crypto,
        &current,
        req.role,
        req.name.as_deref(),
        req.status,
    )
    .await?;
    if req.status == Some(UserStatus::Deactivated) && current.is_active() {
        super::end_credentials(&txn, UserId(*id), "account_deactivated").await?;
    } else if req.role.is_some_and(|r| r != current.role) {
        auth::revoke_sessions(&txn, *id, None, "account_changed").await?;
    }
    state
        .audit
        .commit(txn, {
            let entry = AuditEntry::by(&auth, AuditAction::UserUpdate).resource("user", *id);
            match current.model.patient_id {
                Some(p) => entry.patient(p),
                None => entry,
            }
        })
        .await?;
    Ok(web::Json(
        UserRecord::decrypt(&state.crypto, updated)?.to_wire(),
    ))
}

/// Pending and accepted invitations, newest first.
#[utoipa::path(
    tag = "users",
    params(PageQuery),
    security(("bearer" = ["users:manage"])),
    responses((status = 200, body = Page<Invitation>))
)]
#[get("/invitations")]
async fn list_invitations(
    auth: Authorized<require::UsersManage>,
    state: web::Data<AppState>,
    query: Query<PageQuery>,
) -> ApiResult<web::Json<Page<Invitation>>> {
    let (limit, offset) = page_bounds(query.limit, query.offset)?;
    let page = auth::list_invitations(&state, limit, offset).await?;
    let patients: Vec<String> = page
        .items
        .iter()
        .filter_map(|i| i.patient_id.map(|p| p.to_string()))
        .collect();
    if !patients.is_empty() {
        state
            .audit
            .record(
                AuditEntry::by(&auth, AuditAction::InvitationList)
                    .detail(format!("patients={}", patients.join(","))),
            )
            .await?;
    }
    Ok(web::Json(page))
}

/// Invite someone to join the practice's staff. The link goes by email (or to the outbox).
#[utoipa::path(
    tag = "users",
    request_body = InviteStaffRequest,
    security(("bearer" = ["users:manage"])),
    responses((status = 201, body = Invitation), (status = 422, body = api_types::Problem))
)]
#[post("/invitations")]
async fn invite_staff(
    auth: Authorized<require::UsersManage>,
    state: web::Data<AppState>,
    body: crate::platform::http::Body<InviteStaffRequest>,
) -> ApiResult<HttpResponse> {
    let req = body.into_inner();
    let mut errors = api_types::validation::Errors::default();
    errors.required_text("name", &req.name, 100);
    errors.check(api_types::validation::email(&req.email), "email");
    if !req.role.is_staff() {
        errors.push(
            "role",
            "invalid",
            "Invite patients from their record instead.",
        );
    }
    if let Some(e) = beyond_the_caller(&auth, req.role) {
        errors.push(&e.field, &e.code, e.message);
    }
    errors.finish().map_err(ApiError::Validation)?;
    let txn = state.db.begin().await?;
    let inv = auth::invite(
        &txn,
        &state,
        auth::NewInvitation {
            email: &req.email,
            name: &req.name,
            role: req.role,
            patient_id: None,
            created_by: auth.user_id(),
            approved_by: Some(auth.acting_user()),
        },
    )
    .await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::InvitationCreate).resource("invitation", inv.id),
        )
        .await?;
    Ok(HttpResponse::Created().json(auth::invitation_to_wire(&state.crypto, &inv)?))
}

/// Withdraw an invitation that has not been accepted.
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["users:manage"])),
    responses((status = 204, description = "Withdrawn"), (status = 404, body = api_types::Problem))
)]
#[delete("/invitations/{id}")]
async fn revoke_invitation(
    auth: Authorized<require::UsersManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let txn = state.db.begin().await?;
    let patient = auth::revoke_invitation(&txn, *id).await?;
    let entry = AuditEntry::by(&auth, AuditAction::InvitationRevoke).resource("invitation", *id);
    let entry = match patient {
        Some(p) => entry.patient(p),
        None => entry,
    };
    state.audit.commit(txn, entry).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Refuses a role that holds permissions the caller does not (an API key managing staff may
/// invite or promote only to roles within its own scopes).
fn beyond_the_caller(auth: &Principal, role: Role) -> Option<FieldError> {
    let lacking = auth.lacks_for(role);
    (!lacking.is_empty()).then(|| {
        FieldError::new(
            "role",
            "not_held",
            format!(
                "You can only give a role whose permissions you hold yourself; not: {}.",
                lacking
                    .iter()
                    .map(|p| p.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })
}

/// The lock that orders changes of staff roles and status.
const ADMIN_CHANGES: u64 = 0x524f_4c45_5300_0001;
