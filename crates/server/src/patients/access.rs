//! Who may see what of a patient.
//!
//! - Demographics: staff and keys holding `patients:read`; a patient only their own record.
//! - Clinical content: admins; the patient's care team; anyone, for a limited time, through
//!   "break the glass" with a reason (audited and flagged); a patient their own record. A
//!   receptionist never. Record-level checks answer 404 to patients, so another patient's
//!   record is indistinguishable from one that doesn't exist.

use api_types::patients::{AccessBasis, ClinicalAccess};
use api_types::{Permission, Role};
use chrono::{Duration, Utc};
use entity::patients::{break_glass_grant, care_team_member};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::platform::principal::Actor;
use crate::platform::{ApiError, ApiResult, Principal};

/// How long break-the-glass access lasts.
pub const BREAK_GLASS_MINUTES: i64 = 60;

/// Whether the caller may see this patient's demographics at all.
pub fn ensure_demographics(principal: &Principal, patient_id: Uuid) -> ApiResult<()> {
    if principal.has(Permission::PatientsRead) {
        return Ok(());
    }
    if principal.own_patient_id() == Some(patient_id) {
        return Ok(());
    }
    Err(ApiError::not_found())
}

pub async fn is_on_care_team(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    user_id: Uuid,
) -> ApiResult<bool> {
    Ok(care_team_member::Entity::find_by_id((patient_id, user_id))
        .one(db)
        .await?
        .is_some())
}

/// The caller's clinical access to a patient, and why.
pub async fn clinical_access(
    db: &impl ConnectionTrait,
    principal: &Principal,
    patient_id: Uuid,
) -> ApiResult<ClinicalAccess> {
    let allowed = |basis, expires_at| ClinicalAccess {
        allowed: true,
        basis: Some(basis),
        expires_at,
    };
    match &principal.actor {
        Actor::ApiKey { scopes, .. } if scopes.contains(&Permission::ClinicalAccess) => {
            Ok(allowed(AccessBasis::Integration, None))
        }
        Actor::ApiKey { .. } => Ok(ClinicalAccess {
            allowed: false,
            basis: None,
            expires_at: None,
        }),
        Actor::User {
            role: Role::Admin, ..
        } => Ok(allowed(AccessBasis::Admin, None)),
        Actor::User {
            role: Role::Patient,
            patient_id: own,
            ..
        } => {
            if *own == Some(patient_id) {
                Ok(allowed(AccessBasis::OwnRecord, None))
            } else {
                Err(ApiError::not_found())
            }
        }
        Actor::User { id, role, .. } if role.has(Permission::ClinicalAccess) => {
            if is_on_care_team(db, patient_id, *id).await? {
                return Ok(allowed(AccessBasis::CareTeam, None));
            }
            let grant = break_glass_grant::Entity::find()
                .filter(break_glass_grant::Column::PatientId.eq(patient_id))
                .filter(break_glass_grant::Column::UserId.eq(*id))
                .filter(break_glass_grant::Column::ExpiresAt.gt(Utc::now()))
                .order_by_desc(break_glass_grant::Column::ExpiresAt)
                .one(db)
                .await?;
            Ok(match grant {
                Some(g) => allowed(AccessBasis::BreakGlass, Some(g.expires_at)),
                None => ClinicalAccess {
                    allowed: false,
                    basis: None,
                    expires_at: None,
                },
            })
        }
        Actor::User { .. } => Ok(ClinicalAccess {
            allowed: false,
            basis: None,
            expires_at: None,
        }),
    }
}

/// For handlers of clinical content: the basis of access, or 403 (404 for patients).
pub async fn authorize_clinical(
    db: &impl ConnectionTrait,
    principal: &Principal,
    patient_id: Uuid,
) -> ApiResult<AccessBasis> {
    match clinical_access(db, principal, patient_id).await? {
        ClinicalAccess { allowed: true, basis: Some(basis), .. } => Ok(basis),
        _ => Err(ApiError::with_detail(
            api_types::ErrorCode::Forbidden,
            "You are not on this patient's care team. Use break-the-glass access if this is an emergency.",
        )),
    }
}

/// The patients whose clinical content the caller sees in lists across patients, as a
/// condition on a table's patient-id column: `None` for all (admins, integrations), else those
/// whose care team they are on or whose record they opened by breaking the glass.
pub fn clinical_patients(
    principal: &Principal,
    patient_column: impl sea_orm::ColumnTrait + Copy,
) -> Option<sea_orm::Condition> {
    use sea_orm::sea_query::Query;
    match &principal.actor {
        Actor::ApiKey { .. } => None,
        Actor::User { role, .. } if *role == Role::Admin => None,
        Actor::User { id, .. } => Some(
            sea_orm::Condition::any()
                .add(
                    patient_column.in_subquery(
                        Query::select()
                            .column(care_team_member::Column::PatientId)
                            .from(care_team_member::Entity)
                            .and_where(care_team_member::Column::UserId.eq(*id))
                            .to_owned(),
                    ),
                )
                .add(
                    patient_column.in_subquery(
                        Query::select()
                            .column(break_glass_grant::Column::PatientId)
                            .from(break_glass_grant::Entity)
                            .and_where(break_glass_grant::Column::UserId.eq(*id))
                            .and_where(break_glass_grant::Column::ExpiresAt.gt(Utc::now()))
                            .to_owned(),
                    ),
                ),
        ),
    }
}

pub fn break_glass_expiry() -> chrono::DateTime<Utc> {
    Utc::now() + Duration::minutes(BREAK_GLASS_MINUTES)
}
