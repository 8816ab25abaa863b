//! Who may see what of a patient.
//!
//! - Demographics: staff and keys holding `patients:read`; a patient only their own record.
//! - Clinical content: admins; the patient's care team; a practitioner the patient shared
//!   their record with (all of it or some categories, until they revoke it or it expires);
//!   anyone, for a limited time, through "break the glass" with a reason (audited and flagged);
//!   a patient their own record. A receptionist never. Record-level checks answer 404 to patients, so another patient's
//!   record is indistinguishable from one that doesn't exist.

use api_types::patients::{AccessBasis, ClinicalAccess};
use api_types::sharing::RecordCategory;
use api_types::{Permission, Role};
use chrono::{Duration, Utc};
use entity::patients::{access_grant, break_glass_grant, care_team_member};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::queries::PatientRecord;
use crate::auth::Actor;
use crate::auth::Principal;
use crate::platform::{ApiError, ApiResult};
use crate::platform::{PatientId, UserId};
use crate::AppState;

/// How long break-the-glass access lasts.
pub const BREAK_GLASS_MINUTES: i64 = 60;

/// Whether the caller may see this patient's demographics at all.
pub fn ensure_demographics(principal: &Principal, patient_id: PatientId) -> ApiResult<()> {
    if principal.has(Permission::PatientsRead) {
        return Ok(());
    }
    if principal.own_patient_id() == Some(patient_id.0) {
        return Ok(());
    }
    Err(ApiError::not_found())
}

pub async fn is_on_care_team(
    db: &impl ConnectionTrait,
    patient_id: PatientId,
    user_id: UserId,
) -> ApiResult<bool> {
    Ok(
        care_team_member::Entity::find_by_id((patient_id.0, user_id.0))
            .one(db)
            .await?
            .is_some(),
    )
}

/// The caller's clinical access to a patient, and why.
pub async fn clinical_access(
    db: &impl ConnectionTrait,
    principal: &Principal,
    patient_id: PatientId,
) -> ApiResult<ClinicalAccess> {
    let allowed = |basis, expires_at| ClinicalAccess {
        allowed: true,
        basis: Some(basis),
        expires_at,
        categories: None,
    };
    let refused = || ClinicalAccess {
        allowed: false,
        basis: None,
        expires_at: None,
        categories: None,
    };
    match &principal.actor {
        Actor::ApiKey { scopes, .. } if scopes.contains(&Permission::ClinicalAccess) => {
            Ok(allowed(AccessBasis::Integration, None))
        }
        Actor::ApiKey { .. } => Ok(refused()),
        Actor::User {
            role: Role::Admin, ..
        } => Ok(allowed(AccessBasis::Admin, None)),
        Actor::User {
            role: Role::Patient,
            patient_id: own,
            ..
        } => {
            if *own == Some(patient_id.0) {
                Ok(allowed(AccessBasis::OwnRecord, None))
            } else {
                Err(ApiError::not_found())
            }
        }
        Actor::User { id, role, .. } if role.has(Permission::ClinicalAccess) => {
            if is_on_care_team(db, patient_id, UserId(*id)).await? {
                return Ok(allowed(AccessBasis::CareTeam, None));
            }
            let grants = active_grants(db, patient_id.0, *id).await?;
            if !grants.is_empty() {
                let expires_at = if grants.iter().any(|g| g.expires_at.is_none()) {
                    None
                } else {
                    grants.iter().filter_map(|g| g.expires_at).max()
                };
                let categories = if grants.iter().any(|g| g.all_records) {
                    None
                } else {
                    let mut c: Vec<RecordCategory> = grants
                        .iter()
                        .flat_map(|g| categories_of(&g.categories))
                        .collect();
                    c.sort_unstable();
                    c.dedup();
                    Some(c)
                };
                return Ok(ClinicalAccess {
                    categories,
                    ..allowed(AccessBasis::Grant, expires_at)
                });
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
                None => refused(),
            })
        }
        Actor::User { .. } => Ok(refused()),
    }
}

/// The categories stored as `,health,notes,`.
pub fn categories_of(stored: &str) -> Vec<RecordCategory> {
    stored
        .split(',')
        .filter_map(RecordCategory::parse)
        .collect()
}

/// The patient's grants to `user_id` that are neither revoked nor expired.
pub async fn active_grants(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    user_id: Uuid,
) -> ApiResult<Vec<access_grant::Model>> {
    Ok(access_grant::Entity::find()
        .filter(access_grant::Column::PatientId.eq(patient_id))
        .filter(access_grant::Column::GranteeId.eq(user_id))
        .filter(access_grant::Column::RevokedAt.is_null())
        .filter(
            sea_orm::Condition::any()
                .add(access_grant::Column::ExpiresAt.is_null())
                .add(access_grant::Column::ExpiresAt.gt(Utc::now())),
        )
        .all(db)
        .await?)
}

/// For handlers of clinical content in `category`: the basis of access, or 403 (404 for
/// patients).
pub async fn authorize_clinical(
    db: &impl ConnectionTrait,
    principal: &Principal,
    patient_id: PatientId,
    category: RecordCategory,
) -> ApiResult<AccessBasis> {
    match clinical_access(db, principal, patient_id).await? {
        ClinicalAccess {
            allowed: true,
            categories: Some(shared),
            ..
        } if !shared.contains(&category) => Err(ApiError::with_detail(
            api_types::ErrorCode::Forbidden,
            format!(
                "The patient has not shared their {} with you.",
                category.label().to_lowercase()
            ),
        )),
        ClinicalAccess { allowed: true, basis: Some(basis), .. } => Ok(basis),
        _ => Err(ApiError::with_detail(
            api_types::ErrorCode::Forbidden,
            "You are not on this patient's care team, and they have not shared their record with you. Use break-the-glass access if this is an emergency.",
        )),
    }
}

/// The patients whose clinical content the caller sees in lists across patients, as a
/// condition on a table's patient-id column: `None` for all (admins, integrations), else those
/// whose care team they are on, who shared `category` with them, or whose record they opened by
/// breaking the glass.
pub fn clinical_patients(
    principal: &Principal,
    patient_column: impl sea_orm::ColumnTrait + Copy,
    category: RecordCategory,
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
                            .column(access_grant::Column::PatientId)
                            .from(access_grant::Entity)
                            .and_where(access_grant::Column::GranteeId.eq(*id))
                            .and_where(access_grant::Column::RevokedAt.is_null())
                            .cond_where(
                                sea_orm::Condition::any()
                                    .add(access_grant::Column::ExpiresAt.is_null())
                                    .add(access_grant::Column::ExpiresAt.gt(Utc::now())),
                            )
                            .cond_where(
                                sea_orm::Condition::any()
                                    .add(access_grant::Column::AllRecords.eq(true))
                                    .add(
                                        access_grant::Column::Categories
                                            .like(format!("%,{},%", category.as_str())),
                                    ),
                            )
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

/// The patients whose care team `user_id` is on, as a condition on a table's patient-id column.
pub fn cared_for_by(
    user_id: UserId,
    patient_column: impl sea_orm::ColumnTrait,
) -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::sea_query::Query;
    patient_column.in_subquery(
        Query::select()
            .column(care_team_member::Column::PatientId)
            .from(care_team_member::Entity)
            .and_where(care_team_member::Column::UserId.eq(user_id.0))
            .to_owned(),
    )
}

/// The patients whose record `user_id` holds open by breaking the glass, as a condition on a
/// table's patient-id column.
pub fn glass_broken_by(
    user_id: UserId,
    patient_column: impl sea_orm::ColumnTrait,
) -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::sea_query::Query;
    patient_column.in_subquery(
        Query::select()
            .column(break_glass_grant::Column::PatientId)
            .from(break_glass_grant::Entity)
            .and_where(break_glass_grant::Column::UserId.eq(user_id.0))
            .and_where(break_glass_grant::Column::ExpiresAt.gt(Utc::now()))
            .to_owned(),
    )
}

/// Ends every break-the-glass access the account holds (when it is deactivated).
pub async fn end_break_glass_of(db: &impl ConnectionTrait, user_id: UserId) -> ApiResult<()> {
    let now = Utc::now();
    break_glass_grant::Entity::update_many()
        .col_expr(
            break_glass_grant::Column::ExpiresAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(break_glass_grant::Column::UserId.eq(user_id))
        .filter(break_glass_grant::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    Ok(())
}

pub fn break_glass_expiry() -> chrono::DateTime<Utc> {
    Utc::now() + Duration::minutes(BREAK_GLASS_MINUTES)
}

/// The patient, if the caller may open their clinical record: 404 when there is no such
/// patient (or it is another patient's), 403 when the caller is not on the care team.
pub async fn open_record(
    state: &AppState,
    principal: &Principal,
    id: PatientId,
    category: RecordCategory,
) -> ApiResult<PatientRecord> {
    if principal.own_patient_id().is_some_and(|own| own != id.0) {
        return Err(ApiError::not_found());
    }
    let record = super::queries::get(&state.db, &state.crypto, id).await?;
    authorize_clinical(&state.db, principal, id, category).await?;
    Ok(record)
}

/// [`open_record`] for adding to the record: an erased patient's record is kept for its
/// retention period, closed to anything new.
pub async fn open_record_for_change(
    state: &AppState,
    principal: &Principal,
    id: PatientId,
    category: RecordCategory,
) -> ApiResult<PatientRecord> {
    open_record_for(state, principal, id, category, Intent::Change).await
}

/// Why a record is opened: to read it, or to change it (a note, a medication, a session…
/// reached through its own id changes its patient's record as much as a new one does).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Intent {
    Read,
    Change,
}

/// The record a row belongs to, opened for `intent`: as [`open_record`] for reading, and as
/// [`open_record_for_change`] for changing, which an erased patient's record refuses with
/// `patient_erased` whatever route reaches it. Every handler that reaches a record through one
/// of its rows' ids opens it here.
pub async fn open_record_for(
    state: &AppState,
    principal: &Principal,
    id: PatientId,
    category: RecordCategory,
    intent: Intent,
) -> ApiResult<PatientRecord> {
    let record = open_record(state, principal, id, category).await?;
    if intent == Intent::Change {
        super::queries::ensure_not_erased(&record)?;
    }
    Ok(record)
}

/// The patients whose record is not erased, as a condition on a table's patient-id column: what
/// waits for someone to act on (open alerts, answers to review, overdue homework) leaves out
/// records closed by erasure, which nobody may act on any more.
pub fn not_erased(patient_column: impl sea_orm::ColumnTrait) -> sea_orm::sea_query::SimpleExpr {
    use entity::patients::patient;
    use sea_orm::sea_query::Query;
    patient_column.in_subquery(
        Query::select()
            .column(patient::Column::Id)
            .from(patient::Entity)
            .and_where(patient::Column::ErasedAt.is_null())
            .to_owned(),
    )
}

/// Records a break-the-glass grant: the user may open the patient's clinical record until
/// `expires_at`. The reason is kept encrypted for the review.
pub async fn grant_break_glass(
    db: &impl ConnectionTrait,
    crypto: &crate::platform::crypto::Crypto,
    grant_id: Uuid,
    patient_id: PatientId,
    user_id: UserId,
    expires_at: chrono::DateTime<Utc>,
    reason: &str,
) -> ApiResult<()> {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    break_glass_grant::ActiveModel {
        id: Set(grant_id),
        patient_id: Set(patient_id.0),
        user_id: Set(user_id.0),
        reason_enc: Set(
            crypto.encrypt_str(reason, &format!("break_glass_grants.reason:{grant_id}"))?
        ),
        created_at: Set(Utc::now()),
        expires_at: Set(expires_at),
    }
    .insert(db)
    .await?;
    Ok(())
}
