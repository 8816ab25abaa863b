//! The practice's scheduling rules (holiday region, slot grid, online booking, reminders) and
//! the templates of the messages sent when appointments change.

use actix_web::{get, put, web};
use api_types::audit::AuditAction;
use api_types::scheduling::{MessageEvent, MessageTemplate, MessageTemplates, SchedulingSettings};
use sea_orm::{ConnectionTrait, TransactionTrait};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::platform::{ApiError, ApiResult};
use crate::settings::{load_value, save_value};
use crate::AppState;

const RULES_KEY: &str = "scheduling";
const TEMPLATES_KEY: &str = "message_templates";

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_scheduling_settings)
        .service(put_scheduling_settings)
        .service(get_message_templates)
        .service(put_message_templates);
}

pub async fn load(db: &impl ConnectionTrait) -> ApiResult<SchedulingSettings> {
    load_value(db, RULES_KEY).await
}

/// The practice's message templates; the defaults below until an admin edits them.
pub async fn templates(db: &impl ConnectionTrait) -> ApiResult<MessageTemplates> {
    let saved: Option<MessageTemplates> = load_value(db, TEMPLATES_KEY).await?;
    Ok(saved
        .filter(|t| t.validate().is_ok())
        .unwrap_or_else(default_templates))
}

fn template(event: MessageEvent, subject: &str, body: &str, sms: &str) -> MessageTemplate {
    MessageTemplate {
        event,
        email_subject: subject.into(),
        email_body: body.into(),
        sms_body: sms.into(),
    }
}

pub fn default_templates() -> MessageTemplates {
    const SIGN_OFF: &str =
        "\n\nTo change or cancel, sign in to the patient portal or call us.\n\n{{practice_name}}";
    MessageTemplates {
        templates: vec![
            template(
                MessageEvent::Confirmation,
                "Your appointment on {{date}} at {{time}}",
                &format!(
                    "Hi {{{{patient_first_name}}}},\n\nYour {{{{appointment_type}}}} with \
                     {{{{practitioner_name}}}} is booked for {{{{date}}}} at {{{{time}}}} \
                     ({{{{duration}}}}). The attached invitation adds it to your calendar.{SIGN_OFF}"
                ),
                "{{practice_name}}: your {{appointment_type}} with {{practitioner_name}} is booked for {{date}} at {{time}}.",
            ),
            template(
                MessageEvent::Change,
                "Your appointment has moved to {{date}} at {{time}}",
                &format!(
                    "Hi {{{{patient_first_name}}}},\n\nYour {{{{appointment_type}}}} with \
                     {{{{practitioner_name}}}} has moved from {{{{previous_date_time}}}} to \
                     {{{{date}}}} at {{{{time}}}}.{SIGN_OFF}"
                ),
                "{{practice_name}}: your appointment has moved to {{date}} at {{time}} with {{practitioner_name}}.",
            ),
            template(
                MessageEvent::Cancellation,
                "Your appointment on {{date}} is cancelled",
                "Hi {{patient_first_name}},\n\nYour {{appointment_type}} with {{practitioner_name}} \
                 on {{date}} at {{time}} is cancelled. Call us or use the patient portal to book \
                 another time.\n\n{{practice_name}}",
                "{{practice_name}}: your appointment on {{date}} at {{time}} is cancelled.",
            ),
            template(
                MessageEvent::Reminder,
                "Reminder: your appointment tomorrow at {{time}}",
                &format!(
                    "Hi {{{{patient_first_name}}}},\n\nA reminder of your {{{{appointment_type}}}} \
                     with {{{{practitioner_name}}}} tomorrow, {{{{date}}}} at {{{{time}}}}.{SIGN_OFF}"
                ),
                "{{practice_name}}: reminder of your appointment tomorrow, {{date}} at {{time}}, with {{practitioner_name}}. Reply C to confirm.",
            ),
        ],
    }
}

/// The practice's scheduling rules. Everyone signed in may read them: the portal needs the
/// online-booking rules.
#[utoipa::path(
    tag = "scheduling",
    security(("bearer" = [])),
    responses((status = 200, body = SchedulingSettings))
)]
#[get("/scheduling-settings")]
async fn get_scheduling_settings(
    _principal: Authorized<require::SignedIn>,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<SchedulingSettings>> {
    Ok(web::Json(super::Practice::load(&state.db).await?.rules))
}

/// Replace the practice's scheduling rules. `time_zone` is ignored here: it is a practice
/// setting.
#[utoipa::path(
    tag = "scheduling",
    request_body = SchedulingSettings,
    security(("bearer" = ["schedule:manage"])),
    responses((status = 200, body = SchedulingSettings))
)]
#[put("/scheduling-settings")]
async fn put_scheduling_settings(
    auth: Authorized<require::ScheduleManage>,
    state: web::Data<AppState>,
    body: crate::platform::http::Body<SchedulingSettings>,
) -> ApiResult<web::Json<SchedulingSettings>> {
    let mut rules = body.into_inner();
    rules.validate().map_err(ApiError::Validation)?;
    rules.time_zone = String::new();
    let txn = state.db.begin().await?;
    save_value(&txn, RULES_KEY, &rules).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::SchedulingSettingsUpdate),
        )
        .await?;
    Ok(web::Json(super::Practice::load(&state.db).await?.rules))
}

/// The messages sent when an appointment is booked, moved or cancelled, and the day before it.
#[utoipa::path(
    tag = "scheduling",
    security(("bearer" = ["schedule:manage"])),
    responses((status = 200, body = MessageTemplates))
)]
#[get("/message-templates")]
async fn get_message_templates(
    _auth: Authorized<require::ScheduleManage>,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<MessageTemplates>> {
    Ok(web::Json(templates(&state.db).await?))
}

/// Replace the message templates: one per event. Placeholders are `{{name}}`; unknown ones are
/// refused.
#[utoipa::path(
    tag = "scheduling",
    request_body = MessageTemplates,
    security(("bearer" = ["schedule:manage"])),
    responses((status = 200, body = MessageTemplates))
)]
#[put("/message-templates")]
async fn put_message_templates(
    auth: Authorized<require::ScheduleManage>,
    state: web::Data<AppState>,
    body: crate::platform::http::Body<MessageTemplates>,
) -> ApiResult<web::Json<MessageTemplates>> {
    let t = body.into_inner();
    t.validate().map_err(ApiError::Validation)?;
    let txn = state.db.begin().await?;
    save_value(&txn, TEMPLATES_KEY, &t).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::MessageTemplatesUpdate),
        )
        .await?;
    Ok(web::Json(t))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_default_templates_are_valid() {
        assert!(super::default_templates().validate().is_ok());
    }
}
