//! Alerts: a critical reading raises one for the patient's care team, shown on their dashboard
//! and the patient's page, and emailed through the outbox; a clinician acknowledges it with a
//! note of what was done.

use api_types::health::{Alert, AlertQuery, AlertStatus, Metric};
use api_types::{Page, Permission};
use chrono::Utc;
use entity::health::alert;
use entity::patients::care_team_member;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::ingest::Inserted;
use crate::comms::outbox;
use crate::patients::queries as patients;
use crate::platform::crypto::Crypto;
use crate::platform::http::page_bounds;
use crate::platform::{ApiError, ApiResult, Principal};
use crate::users::queries as users;

const OPEN: i16 = 0;
const ACKNOWLEDGED: i16 = 1;

/// What raising an alert needs beyond the database: keys for the outbox, and the app's address
/// for the link in the email.
pub struct Notify<'a> {
    pub crypto: &'a Crypto,
    pub public_url: &'a str,
}

fn note_aad(id: Uuid) -> String {
    format!("health_alerts.note:{id}")
}

/// Raises an alert for each critical reading not alerted before, and emails the care team once
/// for the batch. The email carries no health details: only a link to sign in and look.
pub async fn raise(
    db: &impl ConnectionTrait,
    notify: &Notify<'_>,
    patient_id: Uuid,
    critical: &[&Inserted],
) -> ApiResult<u64> {
    if critical.is_empty() {
        return Ok(0);
    }
    let now = Utc::now();
    let rows: Vec<alert::ActiveModel> = critical
        .iter()
        .map(|r| alert::ActiveModel {
            id: Set(Uuid::now_v7()),
            patient_id: Set(patient_id),
            metric: Set(r.metric),
            effective_at: Set(r.effective_at),
            value: Set(r.value),
            status: Set(OPEN),
            created_at: Set(now),
            acknowledged_by: Set(None),
            acknowledged_at: Set(None),
            note_enc: Set(None),
        })
        .collect();
    let before = count_open(db, patient_id).await?;
    alert::Entity::insert_many(rows)
        .on_conflict_do_nothing_on([
            alert::Column::PatientId,
            alert::Column::Metric,
            alert::Column::EffectiveAt,
        ])
        .exec(db)
        .await?;
    let raised = count_open(db, patient_id).await?.saturating_sub(before);
    if raised > 0 {
        email_care_team(db, notify, patient_id, raised).await?;
    }
    Ok(raised)
}

async fn count_open(db: &impl ConnectionTrait, patient_id: Uuid) -> ApiResult<u64> {
    Ok(alert::Entity::find()
        .filter(alert::Column::PatientId.eq(patient_id))
        .filter(alert::Column::Status.eq(OPEN))
        .count(db)
        .await?)
}

async fn email_care_team(
    db: &impl ConnectionTrait,
    notify: &Notify<'_>,
    patient_id: Uuid,
    raised: u64,
) -> ApiResult<()> {
    let readings = if raised == 1 {
        "A critical reading was recorded".to_owned()
    } else {
        format!("{raised} critical readings were recorded")
    };
    email_care_team_about(
        db,
        notify,
        patient_id,
        "Carebase: critical reading for a patient in your care",
        &readings,
        &format!("/patients/{patient_id}/health"),
    )
    .await
}

/// Emails each active member of the patient's care team that `what` happened (for a patient
/// in your care), with a link to `path` in the app. The email names no patient and carries no
/// health details: only the link to sign in and look.
pub async fn email_care_team_about(
    db: &impl ConnectionTrait,
    notify: &Notify<'_>,
    patient_id: Uuid,
    subject: &str,
    what: &str,
    path: &str,
) -> ApiResult<()> {
    let members = care_team_member::Entity::find()
        .filter(care_team_member::Column::PatientId.eq(patient_id))
        .all(db)
        .await?;
    let link = format!("{}{path}", notify.public_url.trim_end_matches('/'));
    for m in members {
        let Some(user) = users::find(db, notify.crypto, m.user_id).await? else {
            continue;
        };
        if !user.is_active() {
            continue;
        }
        let body = format!(
            "Hello {},\n\n{what} for a patient in your care. Sign in to Carebase to \
             review and acknowledge:\n{link}\n",
            user.name
        );
        outbox::enqueue_email(db, notify.crypto, &user.email, subject, &body).await?;
    }
    Ok(())
}

/// A page of alerts the caller may see, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    principal: &Principal,
    q: &AlertQuery,
) -> ApiResult<Page<Alert>> {
    debug_assert!(principal.has(Permission::ClinicalAccess));
    let (limit, offset) = page_bounds(q.limit, q.offset)?;
    let status = match q.status.unwrap_or(AlertStatus::Open) {
        AlertStatus::Open => OPEN,
        AlertStatus::Acknowledged => ACKNOWLEDGED,
    };
    let mut find = alert::Entity::find().filter(alert::Column::Status.eq(status));
    if let Some(p) = q.patient_id {
        find = find.filter(alert::Column::PatientId.eq(p));
    }
    if let Some(c) = crate::patients::access::clinical_patients(
        principal,
        alert::Column::PatientId,
        api_types::sharing::RecordCategory::Health,
    ) {
        find = find.filter(c);
    }
    let total = find.clone().count(db).await?;
    let rows = find
        .order_by_desc(alert::Column::CreatedAt)
        .order_by_desc(alert::Column::EffectiveAt)
        .limit(limit)
        .offset(offset)
        .all(db)
        .await?;
    let mut names: std::collections::HashMap<Uuid, String> = std::collections::HashMap::new();
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let name = match names.get(&row.patient_id) {
            Some(name) => name.clone(),
            None => {
                let name = match patients::find(db, crypto, row.patient_id).await? {
                    Some(p) => format!("{} {}", p.details.first_name, p.details.last_name),
                    None => String::new(),
                };
                names.insert(row.patient_id, name.clone());
                name
            }
        };
        items.push(to_wire(crypto, row, name)?);
    }
    Ok(Page::new(items, total, limit, offset))
}

pub fn to_wire(crypto: &Crypto, m: alert::Model, patient_name: String) -> ApiResult<Alert> {
    let note = match &m.note_enc {
        Some(enc) => Some(crypto.decrypt_str(enc, &note_aad(m.id))?),
        None => None,
    };
    Ok(Alert {
        id: m.id,
        patient_id: m.patient_id,
        patient_name,
        metric: Metric::by_id(m.metric).map_or_else(String::new, |x| x.code.to_owned()),
        value: m.value,
        effective_at: m.effective_at,
        status: if m.status == OPEN {
            AlertStatus::Open
        } else {
            AlertStatus::Acknowledged
        },
        created_at: m.created_at,
        acknowledged_by: m.acknowledged_by,
        acknowledged_at: m.acknowledged_at,
        acknowledgement_note: note,
    })
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<alert::Model> {
    alert::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)
}

/// Marks an open alert acknowledged with a note; refused if someone acknowledged it first.
pub async fn acknowledge(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    id: Uuid,
    by: Option<Uuid>,
    note: &str,
) -> ApiResult<alert::Model> {
    let note_enc = crypto.encrypt_str(note, &note_aad(id))?;
    let updated = alert::Entity::update_many()
        .col_expr(alert::Column::Status, Expr::value(ACKNOWLEDGED))
        .col_expr(alert::Column::AcknowledgedBy, Expr::value(by))
        .col_expr(alert::Column::AcknowledgedAt, Expr::value(Utc::now()))
        .col_expr(alert::Column::NoteEnc, Expr::value(note_enc))
        .filter(alert::Column::Id.eq(id))
        .filter(alert::Column::Status.eq(OPEN))
        .exec(db)
        .await?
        .rows_affected;
    if updated == 0 {
        return Err(ApiError::conflict(
            "This alert has already been acknowledged.",
        ));
    }
    find(db, id).await
}
