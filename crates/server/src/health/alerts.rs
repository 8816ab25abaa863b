//! Alerts: a critical reading raises one for the patient's care team, shown on their dashboard
//! and the patient's page, and emailed through the outbox; a clinician acknowledges it with a
//! note of what was done.

use api_types::health::{Alert, AlertQuery, AlertStatus, Metric};
use api_types::{Page, Permission};
use chrono::Utc;
use entity::health::alert;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::ingest::Inserted;
use crate::auth::Principal;
use crate::patients;
use crate::platform::crypto::Crypto;
use crate::platform::http::page_bounds;
use crate::platform::PatientId;
use crate::platform::{ApiError, ApiResult};

const OPEN: i16 = 0;
const ACKNOWLEDGED: i16 = 1;

pub use crate::comms::Notify;

fn note_aad(id: Uuid) -> String {
    format!("health_alerts.note:{id}")
}

/// The lock namespace of a patient's alerts.
const ALERT_LOCK: u64 = 0x414c_4552_5453_0001;

/// Raises alerts for critical readings: one open alert per patient and metric, which further
/// critical readings of that metric join (counted, with the latest kept) until a clinician
/// acknowledges it. The care team is emailed when an alert opens, at most once per patient per
/// window; the email carries no health details, only a link to sign in and look.
pub async fn raise(
    db: &impl ConnectionTrait,
    notify: &Notify<'_>,
    patient_id: Uuid,
    critical: &[&Inserted],
) -> ApiResult<u64> {
    if critical.is_empty() {
        return Ok(0);
    }
    // Two batches for one patient must not both open an alert for the same metric.
    crate::platform::db::lock(db, ALERT_LOCK, patient_id).await?;
    let mut by_metric: std::collections::BTreeMap<i16, Vec<&Inserted>> = Default::default();
    for r in critical {
        by_metric.entry(r.metric).or_default().push(r);
    }
    let now = Utc::now();
    let mut opened = 0u64;
    for (metric, readings) in by_metric {
        let first = readings
            .iter()
            .min_by_key(|r| r.effective_at)
            .copied()
            .unwrap_or(readings[0]);
        let last = readings
            .iter()
            .max_by_key(|r| r.effective_at)
            .copied()
            .unwrap_or(readings[0]);
        let count = i32::try_from(readings.len()).unwrap_or(i32::MAX);
        let open = alert::Entity::find()
            .filter(alert::Column::PatientId.eq(patient_id))
            .filter(alert::Column::Metric.eq(metric))
            .filter(alert::Column::Status.eq(OPEN))
            .one(db)
            .await?;
        match open {
            Some(a) => {
                let latest = a.last_effective_at.unwrap_or(a.effective_at);
                let mut update = alert::Entity::update_many()
                    .col_expr(
                        alert::Column::Readings,
                        sea_orm::sea_query::ExprTrait::add(
                            Expr::col(alert::Column::Readings),
                            count,
                        ),
                    )
                    .filter(alert::Column::Id.eq(a.id));
                if last.effective_at > latest {
                    update = update
                        .col_expr(
                            alert::Column::LastEffectiveAt,
                            Expr::value(last.effective_at),
                        )
                        .col_expr(alert::Column::LastValue, Expr::value(last.value));
                }
                update.exec(db).await?;
            }
            None => {
                alert::Entity::insert(alert::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    patient_id: Set(patient_id),
                    metric: Set(metric),
                    effective_at: Set(first.effective_at),
                    value: Set(first.value),
                    status: Set(OPEN),
                    created_at: Set(now),
                    acknowledged_by: Set(None),
                    acknowledged_at: Set(None),
                    note_enc: Set(None),
                    readings: Set(count),
                    last_effective_at: Set(Some(last.effective_at)),
                    last_value: Set(Some(last.value)),
                })
                .exec(db)
                .await?;
                opened += 1;
            }
        }
    }
    if opened > 0 {
        email_care_team(db, notify, patient_id, opened).await?;
    }
    Ok(opened)
}

async fn email_care_team(
    db: &impl ConnectionTrait,
    notify: &Notify<'_>,
    patient_id: Uuid,
    opened: u64,
) -> ApiResult<()> {
    let readings = if opened == 1 {
        "A critical reading was recorded".to_owned()
    } else {
        format!("Critical readings of {opened} measurements were recorded")
    };
    crate::patients::email_care_team(
        db,
        notify,
        crate::patients::CareTeamNotice::CriticalReading,
        patient_id,
        "Carebase: critical reading for a patient in your care",
        &readings,
        &format!("/patients/{patient_id}/health"),
    )
    .await
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
    if status == OPEN {
        // Nobody acknowledges an erased patient's alert: it waits for no one.
        find = find.filter(crate::patients::not_erased(alert::Column::PatientId));
    }
    if let Some(p) = q.patient_id {
        find = find.filter(alert::Column::PatientId.eq(p));
    }
    if let Some(c) = crate::patients::clinical_patients(
        principal,
        alert::Column::PatientId,
        api_types::sharing::RecordCategory::Health,
    ) {
        find = find.filter(c);
    }
    let (total, rows) = crate::platform::db::counted_page(
        db,
        find,
        |s| {
            s.order_by_desc(alert::Column::CreatedAt)
                .order_by_desc(alert::Column::EffectiveAt)
        },
        limit,
        offset,
    )
    .await?;
    let mut names: std::collections::HashMap<Uuid, String> = std::collections::HashMap::new();
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let name = match names.get(&row.patient_id) {
            Some(name) => name.clone(),
            None => {
                let name = match patients::find(db, crypto, PatientId(row.patient_id)).await? {
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
        readings: u32::try_from(m.readings.max(1)).unwrap_or(1),
        latest_value: m.last_value.unwrap_or(m.value),
        latest_effective_at: m.last_effective_at.unwrap_or(m.effective_at),
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
