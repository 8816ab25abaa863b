//! The messages staff start from when they write to a patient, as the practice keeps them.

use actix_web::{get, put, web};
use api_types::audit::AuditAction;
use api_types::comms::StaffTemplates;
use sea_orm::{ConnectionTrait, TransactionTrait};

use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::platform::http::Body;
use crate::platform::{ApiError, ApiResult};
use crate::settings::{load_value, save_value};
use crate::AppState;

const KEY: &str = "staff_templates";

/// The practice's templates: those it saved, or the ones it starts with.
pub async fn load(db: &impl ConnectionTrait) -> ApiResult<StaffTemplates> {
    load_value(db, KEY).await
}

/// The messages staff start from: `{first_name}` and `{practice}` are filled in as one is
/// chosen, and the text can be changed before sending.
#[utoipa::path(
    tag = "correspondence",
    security(("bearer" = ["correspondence:write"])),
    responses((status = 200, body = StaffTemplates))
)]
#[get("/staff-templates")]
pub async fn get_staff_templates(
    _auth: Authorized<require::CorrespondenceWrite>,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<StaffTemplates>> {
    Ok(web::Json(load(&state.db).await?))
}

/// Replace the practice's templates. Placeholders are `{first_name}` and `{practice}`; unknown
/// ones are refused, as are two templates with one name.
#[utoipa::path(
    tag = "correspondence",
    request_body = StaffTemplates,
    security(("bearer" = ["settings:manage"])),
    responses(
        (status = 200, body = StaffTemplates),
        (status = 422, body = api_types::Problem)
    )
)]
#[put("/staff-templates")]
pub async fn put_staff_templates(
    auth: Authorized<require::SettingsManage>,
    state: web::Data<AppState>,
    body: Body<StaffTemplates>,
) -> ApiResult<web::Json<StaffTemplates>> {
    let mut templates = body.into_inner();
    for t in &mut templates.templates {
        t.name = t.name.trim().to_owned();
        t.subject = t.subject.trim().to_owned();
        t.body = t.body.trim().to_owned();
    }
    templates.validate().map_err(ApiError::Validation)?;
    let txn = state.db.begin().await?;
    save_value(&txn, KEY, &templates).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::StaffTemplatesUpdate)
                .detail(format!("templates={}", templates.templates.len())),
        )
        .await?;
    Ok(web::Json(templates))
}
