//! Patient-controlled sharing: a patient grants a practitioner outside their care team access to
//! their record (all of it or some categories, for good or until a date) and revokes it, which
//! takes effect with the next request. Administrators may record a grant on the patient's
//! written request; the practitioner may give one up. `access::clinical_access` reads them.

use actix_web::{delete, get, post, web, HttpResponse};
use api_types::audit::AuditAction;
use api_types::sharing::{AccessGrant, ConsentSource, NewAccessGrant, SharingCandidate};
use api_types::{ErrorCode, Permission, Role};
use chrono::Utc;
use entity::patients::access_grant;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::access::{categories_of, ensure_demographics};
use super::queries;
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::platform::{ApiError, ApiResult};
use crate::platform::{PatientId, UserId};
use crate::users;
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_candidates)
        .service(list_grants)
        .service(create_grant)
        .service(revoke_grant);
}

pub(crate) async fn to_wire(
    state: &AppState,
    rows: Vec<access_grant::Model>,
) -> ApiResult<Vec<AccessGrant>> {
    let mut people: Vec<Uuid> = rows.iter().map(|r| r.grantee_id).collect();
    people.sort_unstable();
    people.dedup();
    let names = users::names(&state.db, &state.crypto, &people).await?;
    let now = Utc::now();
    Ok(rows
        .into_iter()
        .map(|r| AccessGrant {
            id: r.id,
            patient_id: r.patient_id,
            grantee_id: r.grantee_id,
            grantee_name: names.get(&r.grantee_id).cloned().unwrap_or_default(),
            all_records: r.all_records,
            categories: categories_of(&r.categories),
            expires_at: r.expires_at,
            source: if r.source == "patient" {
                ConsentSource::Patient
            } else {
                ConsentSource::Staff
            },
            created_at: r.created_at,
            revoked_at: r.revoked_at,
            active: r.revoked_at.is_none() && r.expires_at.is_none_or(|e| e > now),
        })
        .collect())
}

/// The practice's practitioners and nurses, whom the patient may share their record with.
#[utoipa::path(
    tag = "patients",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["patients:read"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = Vec<SharingCandidate>), (status = 404, body = api_types::Problem))
)]
#[get("/patients/{id}/access-grants/candidates")]
async fn list_candidates(
    auth: Authorized<require::PatientsReadOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<SharingCandidate>>> {
    ensure_demographics(&auth, PatientId(*id))?;
    queries::get(&state.db, &state.crypto, PatientId(*id)).await?;
    let team = care_team_ids(&state.db, *id).await?;
    let mut out: Vec<SharingCandidate> = users::bookable(&state.db, &state.crypto)
        .await?
        .into_iter()
        .map(|u| SharingCandidate {
            on_care_team: team.contains(&u.model.id),
            id: u.model.id,
            name: u.name,
            role: u.role,
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    state
        .audit
        .record(AuditEntry::by(&auth, AuditAction::AccessGrantCandidates).patient(*id))
        .await?;
    Ok(web::Json(out))
}

/// Who the patient has shared their record with, current grants first.
#[utoipa::path(
    tag = "patients",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["patients:read"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = Vec<AccessGrant>), (status = 404, body = api_types::Problem))
)]
#[get("/patients/{id}/access-grants")]
async fn list_grants(
    auth: Authorized<require::PatientsReadOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<AccessGrant>>> {
    ensure_demographics(&auth, PatientId(*id))?;
    queries::get(&state.db, &state.crypto, PatientId(*id)).await?;
    let rows = grants_of(&state.db, *id).await?;
    let mut out = to_wire(&state, rows).await?;
    out.sort_by_key(|g| !g.active);
    state
        .audit
        .record(AuditEntry::by(&auth, AuditAction::AccessGrantList).patient(*id))
        .await?;
    Ok(web::Json(out))
}

/// Share the record with a practitioner: the whole record, or the categories given, until
/// `expires_at` or until revoked. The patient does this in the portal; an administrator may
/// record it on the patient's written request.
#[utoipa::path(
    tag = "patients",
    params(("id" = Uuid, Path)),
    request_body = NewAccessGrant,
    security(("bearer" = ["own_record"]), ("bearer" = ["patients:write"])),
    responses(
        (status = 201, body = AccessGrant),
        (status = 403, body = api_types::Problem),
        (status = 404, body = api_types::Problem),
        (status = 422, body = api_types::Problem)
    )
)]
#[post("/patients/{id}/access-grants")]
async fn create_grant(
    auth: Authorized<require::PatientsWriteOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: crate::platform::http::Body<NewAccessGrant>,
) -> ApiResult<HttpResponse> {
    ensure_demographics(&auth, PatientId(*id))?;
    let by_patient = auth.own_patient_id() == Some(*id);
    if !by_patient && auth.role() != Some(Role::Admin) {
        return Err(ApiError::with_detail(
            ErrorCode::Forbidden,
            "Only the patient shares their record (or an administrator, on their written request).",
        ));
    }
    queries::get_for_change(&state.db, &state.crypto, PatientId(*id)).await?;
    let input = body.into_inner();
    let grantee = users::find(&state.db, &state.crypto, UserId(input.grantee_id))
        .await?
        .filter(|u| {
            u.is_active() && u.role.has(Permission::ClinicalAccess) && u.role != Role::Patient
        })
        .ok_or_else(|| {
            ApiError::field(
                "grantee_id",
                "not_a_clinician",
                "Choose a practitioner or nurse of the practice.",
            )
        })?;
    let now = Utc::now();
    if input.expires_at.is_some_and(|e| e <= now) {
        return Err(ApiError::field(
            "expires_at",
            "in_past",
            "Choose an end in the future, or none.",
        ));
    }
    let mut categories = input.categories.clone();
    categories.sort_unstable();
    categories.dedup();
    let stored = if categories.is_empty() {
        String::new()
    } else {
        format!(
            ",{},",
            categories
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(",")
        )
    };
    let txn = state.db.begin().await?;
    let row = add(
        &txn,
        NewGrant {
            patient_id: *id,
            grantee_id: grantee.model.id,
            all_records: categories.is_empty(),
            categories: stored,
            expires_at: input.expires_at,
            by_patient,
            granted_by: auth.user_id(),
            created_at: now,
        },
    )
    .await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::AccessGrantCreate)
                .patient(*id)
                .resource("access_grant", row.id)
                .detail(format!(
                    "grantee={} categories={}",
                    grantee.model.id,
                    if categories.is_empty() {
                        "all".to_owned()
                    } else {
                        categories
                            .iter()
                            .map(|c| c.as_str())
                            .collect::<Vec<_>>()
                            .join(",")
                    }
                )),
        )
        .await?;
    let out = to_wire(&state, vec![row])
        .await?
        .pop()
        .ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Created().json(out))
}

/// Revoke a grant: the practitioner's access through it ends with their next request. The
/// patient, an administrator, or the practitioner giving it up may revoke it.
#[utoipa::path(
    tag = "patients",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["own_record"]), ("bearer" = ["patients:read"])),
    responses((status = 204, description = "Revoked"), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem))
)]
#[delete("/access-grants/{id}")]
async fn revoke_grant(
    auth: Authorized<require::PatientsReadOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let row = find(&state.db, *id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let own = auth.own_patient_id() == Some(row.patient_id);
    if auth.own_patient_id().is_some() && !own {
        return Err(ApiError::not_found());
    }
    let may = own || auth.role() == Some(Role::Admin) || auth.user_id() == Some(row.grantee_id);
    if !may {
        return Err(ApiError::with_detail(
            ErrorCode::Forbidden,
            "Only the patient, an administrator or the practitioner it was given to may revoke it.",
        ));
    }
    if row.revoked_at.is_none() {
        let txn = state.db.begin().await?;
        revoke(&txn, row.clone(), auth.user_id()).await?;
        state
            .audit
            .commit(
                txn,
                AuditEntry::by(&auth, AuditAction::AccessGrantRevoke)
                    .patient(row.patient_id)
                    .resource("access_grant", row.id),
            )
            .await?;
    }
    Ok(HttpResponse::NoContent().finish())
}

/// The clinicians on the patient's care team.
async fn care_team_ids(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
) -> ApiResult<std::collections::HashSet<Uuid>> {
    use entity::patients::care_team_member;
    Ok(care_team_member::Entity::find()
        .filter(care_team_member::Column::PatientId.eq(patient_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect())
}

/// Every grant the patient has made, revoked and expired ones too, newest first.
async fn grants_of(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
) -> ApiResult<Vec<access_grant::Model>> {
    Ok(access_grant::Entity::find()
        .filter(access_grant::Column::PatientId.eq(patient_id))
        .order_by_desc(access_grant::Column::CreatedAt)
        .all(db)
        .await?)
}

/// One grant.
async fn find(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<Option<access_grant::Model>> {
    Ok(access_grant::Entity::find_by_id(id).one(db).await?)
}

/// A grant to save; `categories` is stored as `,a,b,` (empty for the whole record).
struct NewGrant {
    patient_id: Uuid,
    grantee_id: Uuid,
    all_records: bool,
    categories: String,
    expires_at: Option<chrono::DateTime<Utc>>,
    by_patient: bool,
    granted_by: Option<Uuid>,
    created_at: chrono::DateTime<Utc>,
}

/// Saves a new grant, in force until it expires or is revoked.
async fn add(db: &impl ConnectionTrait, new: NewGrant) -> ApiResult<access_grant::Model> {
    Ok(access_grant::ActiveModel {
        id: Set(Uuid::now_v7()),
        patient_id: Set(new.patient_id),
        grantee_id: Set(new.grantee_id),
        all_records: Set(new.all_records),
        categories: Set(new.categories),
        expires_at: Set(new.expires_at),
        source: Set(if new.by_patient { "patient" } else { "staff" }.into()),
        granted_by: Set(new.granted_by),
        created_at: Set(new.created_at),
        revoked_at: Set(None),
        revoked_by: Set(None),
    }
    .insert(db)
    .await?)
}

/// Marks the grant revoked now, by `revoked_by`.
async fn revoke(
    db: &impl ConnectionTrait,
    row: access_grant::Model,
    revoked_by: Option<Uuid>,
) -> ApiResult<()> {
    let mut active: access_grant::ActiveModel = row.into();
    active.revoked_at = Set(Some(Utc::now()));
    active.revoked_by = Set(revoked_by);
    active.update(db).await?;
    Ok(())
}
