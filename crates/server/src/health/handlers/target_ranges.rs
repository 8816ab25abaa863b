//! A patient's target ranges: what applies now, and the clinician's own ranges.

use actix_web::{get, put, web};
use api_types::audit::AuditAction;
use api_types::health::{PatientTargets, PutTargets, TargetCondition};
use api_types::sharing::RecordCategory;
use api_types::FieldError;
use sea_orm::TransactionTrait;
use uuid::Uuid;

use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::health::targets::{self, Profile};
use crate::patients::PatientRecord;
use crate::patients::{open_record, open_record_for_change};
use crate::platform::PatientId;
use crate::platform::{ApiError, ApiResult};
use crate::AppState;

/// The patient's target ranges, as they apply now.
pub async fn ranges_for(
    state: &AppState,
    record: &PatientRecord,
) -> ApiResult<(Vec<TargetCondition>, Vec<api_types::health::TargetRange>)> {
    let id = record.model.id;
    let conditions = targets::conditions(&state.db, id).await?;
    let profile = Profile::new(
        record.details.date_of_birth,
        record.details.sex,
        conditions.clone(),
    );
    let ranges = targets::effective(&state.db, &state.crypto, id, &profile).await?;
    Ok((conditions, ranges))
}

/// The patient's target ranges: the conditions that shape the defaults, and for every metric
/// with a range, its bounds and where they come from (a guideline, or a practitioner).
#[utoipa::path(
    tag = "health",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["clinical:access"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = PatientTargets), (status = 404, body = api_types::Problem))
)]
#[get("/patients/{id}/target-ranges")]
pub(super) async fn get_target_ranges(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<PatientTargets>> {
    let record = open_record(&state, &auth, PatientId(*id), RecordCategory::Health).await?;
    let (conditions, ranges) = ranges_for(&state, &record).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, AuditAction::TargetsRead)
                .patient(*id)
                .resource("target_ranges", *id),
        )
        .await?;
    Ok(web::Json(targets::to_wire(conditions, ranges)))
}

/// Set the patient's conditions and a practitioner's overrides. This replaces both: metrics
/// left out use the default for the patient's age, sex and conditions.
#[utoipa::path(
    tag = "health",
    params(("id" = Uuid, Path)),
    request_body = PutTargets,
    security(("bearer" = ["health:targets"])),
    responses((status = 200, body = PatientTargets), (status = 404, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[put("/patients/{id}/target-ranges")]
pub(super) async fn put_target_ranges(
    auth: Authorized<require::TargetsManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: crate::platform::http::Body<PutTargets>,
) -> ApiResult<web::Json<PatientTargets>> {
    let record =
        open_record_for_change(&state, &auth, PatientId(*id), RecordCategory::Health).await?;
    let mut put = body.into_inner();
    let mut errors: Vec<FieldError> = put
        .overrides
        .iter()
        .enumerate()
        .flat_map(|(i, o)| o.validate(i))
        .collect();
    let mut seen = std::collections::HashSet::new();
    for (i, o) in put.overrides.iter().enumerate() {
        if !seen.insert(o.metric.clone()) {
            errors.push(FieldError::new(
                format!("overrides[{i}].metric"),
                "duplicate",
                "Each metric may have one override.",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    put.conditions
        .sort_by_key(|c| TargetCondition::ALL.iter().position(|x| x == c));
    put.conditions.dedup();
    let txn = state.db.begin().await?;
    targets::replace(
        &txn,
        &state.crypto,
        *id,
        auth.user_id(),
        &put.conditions,
        &put.overrides,
    )
    .await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::TargetsUpdate)
                .patient(*id)
                .resource("target_ranges", *id)
                .detail(format!(
                    "overrides={}",
                    put.overrides
                        .iter()
                        .map(|o| o.metric.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                )),
        )
        .await?;
    let (conditions, ranges) = ranges_for(&state, &record).await?;
    Ok(web::Json(targets::to_wire(conditions, ranges)))
}
