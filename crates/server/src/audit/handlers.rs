//! Searching, exporting and verifying the audit log (admins).

use actix_web::{get, web, HttpResponse};
use api_types::audit::{AuditAction, AuditEvent, AuditQuery, AuditVerification};
use api_types::Page;
use entity::audit::event;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use utoipa_actix_web::service_config::ServiceConfig;

use super::chain::{outcome_str, parse_outcome, verify};
use super::AuditEntry;
use crate::auth::{require, Authorized};
use crate::platform::http::{page_bounds, Query};
use crate::platform::{ApiError, ApiResult};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_events)
        .service(export_events)
        .service(verify_chain);
}

/// The events about a patient, newest first, and how many there are (chained ones: flush first
/// to include what was committed a moment ago).
pub async fn events_about_patient(
    db: &impl sea_orm::ConnectionTrait,
    patient_id: uuid::Uuid,
    limit: u64,
    offset: u64,
) -> ApiResult<(Vec<AuditEvent>, u64)> {
    let find = event::Entity::find().filter(event::Column::PatientId.eq(patient_id));
    let (total, rows) = crate::platform::db::counted_page(
        db,
        find,
        |s| s.order_by_desc(event::Column::Seq),
        limit,
        offset,
    )
    .await?;
    Ok((rows.into_iter().map(to_wire).collect(), total))
}

fn to_wire(m: event::Model) -> AuditEvent {
    AuditEvent {
        seq: m.seq,
        occurred_at: m.occurred_at,
        actor_id: m.actor_id,
        actor_kind: m.actor_kind,
        actor_role: m.actor_role,
        action: m.action,
        patient_id: m.patient_id,
        resource_type: m.resource_type,
        resource_id: m.resource_id,
        ip: m.ip,
        outcome: parse_outcome(&m.outcome),
        detail: m.detail,
        hash: m.hash,
    }
}

fn filter(q: &AuditQuery) -> Condition {
    let mut c = Condition::all();
    if let Some(p) = q.patient_id {
        c = c.add(event::Column::PatientId.eq(p));
    }
    if let Some(a) = q.actor_id {
        c = c.add(event::Column::ActorId.eq(a));
    }
    if let Some(action) = &q.action {
        c = if action.ends_with('.') {
            c.add(event::Column::Action.starts_with(action.as_str()))
        } else {
            c.add(event::Column::Action.eq(action.as_str()))
        };
    }
    if let Some(o) = q.outcome {
        c = c.add(event::Column::Outcome.eq(outcome_str(o)));
    }
    if q.routine == Some(false) {
        let routine = AuditAction::ALL
            .iter()
            .filter(|a| a.is_routine())
            .map(|a| a.as_str());
        c = c.add(event::Column::Action.is_not_in(routine));
    }
    if let Some(from) = q.from {
        c = c.add(event::Column::OccurredAt.gte(from));
    }
    if let Some(to) = q.to {
        c = c.add(event::Column::OccurredAt.lt(to));
    }
    c
}

/// Search the audit log, newest first.
#[utoipa::path(
    tag = "audit",
    params(AuditQuery),
    security(("bearer" = ["audit:read"])),
    responses((status = 200, description = "A page of events", body = Page<AuditEvent>))
)]
#[get("/audit-events")]
async fn list_events(
    auth: Authorized<require::AuditRead>,
    state: web::Data<AppState>,
    query: Query<AuditQuery>,
) -> ApiResult<web::Json<Page<AuditEvent>>> {
    let q = query.into_inner();
    let (limit, offset) = page_bounds(q.limit, q.offset)?;
    state.audit.flush().await?;
    let (items, total) = newest_page(&state.db, &q, limit, offset).await?;
    let mut entry = AuditEntry::by(&auth, AuditAction::AuditSearch);
    if let Some(p) = q.patient_id {
        entry = entry.patient(p);
    }
    state.audit.record(entry).await?;
    Ok(web::Json(Page::new(
        items.into_iter().map(to_wire).collect(),
        total,
        limit,
        offset,
    )))
}

const EXPORT_MAX: u64 = 100_000;

/// Export matching events as CSV, oldest first: up to 100,000 rows at a time (`limit`, default
/// 100,000), continuing with `offset`.
#[utoipa::path(
    tag = "audit",
    params(AuditQuery),
    security(("bearer" = ["audit:read"])),
    responses((status = 200, description = "CSV of events", content_type = "text/csv", body = String))
)]
#[get("/audit-events/export")]
async fn export_events(
    auth: Authorized<require::AuditRead>,
    state: web::Data<AppState>,
    query: Query<AuditQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let limit = q.limit.unwrap_or(EXPORT_MAX);
    if limit == 0 || limit > EXPORT_MAX {
        return Err(ApiError::field(
            "limit",
            "out_of_range",
            format!("Export 1 to {EXPORT_MAX} events at a time."),
        ));
    }
    let offset = q.offset.unwrap_or(0);
    if offset > 100_000_000 {
        return Err(ApiError::field(
            "offset",
            "out_of_range",
            "Offset is too large.",
        ));
    }
    state.audit.flush().await?;
    let rows = matching(&state.db, &q)
        .await?
        .saturating_sub(offset)
        .min(limit);
    // The first page is read before answering, so that a failure is an error, not a short file.
    let first = oldest_page(&state.db, &q, None, EXPORT_PAGE.min(rows), offset).await?;
    state
        .audit
        .record({
            let entry =
                AuditEntry::by(&auth, AuditAction::AuditExport).detail(format!("rows={rows}"));
            match q.patient_id {
                Some(p) => entry.patient(p),
                None => entry,
            }
        })
        .await?;
    // Streamed a page at a time, so that an export of any size holds one page in memory.
    let (tx, rx) = tokio::sync::mpsc::channel::<crate::platform::export::Chunk>(4);
    let db = state.db.clone();
    tokio::spawn(async move {
        let mut text = String::from(EXPORT_HEADER);
        let mut page = first;
        let mut left = rows;
        loop {
            left = left.saturating_sub(page.len() as u64);
            page.iter().for_each(|m| text.push_str(&csv_line(m)));
            let last = page.last().map(|m| m.seq);
            if tx
                .send(Ok(web::Bytes::from(std::mem::take(&mut text))))
                .await
                .is_err()
            {
                return;
            }
            let Some(after) = last.filter(|_| left > 0) else {
                return;
            };
            page = match oldest_page(&db, &q, Some(after), EXPORT_PAGE.min(left), 0).await {
                Ok(page) if !page.is_empty() => page,
                Ok(_) => return,
                Err(e) => {
                    tracing::error!(error = %e, "audit export failed midway");
                    let _ = tx.send(Err(std::io::Error::other("export failed"))).await;
                    return;
                }
            };
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"audit-events.csv\"",
        ))
        .streaming(crate::platform::export::body(rx)))
}

/// Rows an export reads at a time.
const EXPORT_PAGE: u64 = 1000;

const EXPORT_HEADER: &str = "seq,occurred_at,actor_id,actor_kind,actor_role,action,patient_id,\
resource_type,resource_id,ip,outcome,detail,hash\n";

/// One event as a line of the export, every cell escaped against spreadsheet formulas.
fn csv_line(m: &event::Model) -> String {
    let fields = [
        m.seq.to_string(),
        m.occurred_at.to_rfc3339(),
        m.actor_id.map(|u| u.to_string()).unwrap_or_default(),
        m.actor_kind.clone().unwrap_or_default(),
        m.actor_role.clone().unwrap_or_default(),
        m.action.clone(),
        m.patient_id.map(|u| u.to_string()).unwrap_or_default(),
        m.resource_type.clone().unwrap_or_default(),
        m.resource_id.clone().unwrap_or_default(),
        m.ip.clone().unwrap_or_default(),
        m.outcome.clone(),
        m.detail.clone().unwrap_or_default(),
        m.hash.clone(),
    ];
    let cells: Vec<String> = fields
        .iter()
        .map(|f| crate::platform::csv::field(f))
        .collect();
    cells.join(",") + "\n"
}

/// Recompute the hash chain and report the first break, if any.
#[utoipa::path(
    tag = "audit",
    security(("bearer" = ["audit:read"])),
    responses((status = 200, description = "The verification result", body = AuditVerification))
)]
#[get("/audit-events/verify")]
async fn verify_chain(
    auth: Authorized<require::AuditRead>,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<AuditVerification>> {
    state.audit.flush().await?;
    let result = verify(&state.db).await?;
    state
        .audit
        .record(AuditEntry::by(&auth, AuditAction::AuditVerify))
        .await?;
    Ok(web::Json(result))
}

/// A page of the events matching the query, newest first, and how many match in all.
async fn newest_page(
    db: &impl ConnectionTrait,
    q: &AuditQuery,
    limit: u64,
    offset: u64,
) -> ApiResult<(Vec<event::Model>, u64)> {
    let select = event::Entity::find().filter(filter(q));
    let (total, rows) = crate::platform::db::counted_page(
        db,
        select,
        |s| s.order_by_desc(event::Column::Seq),
        limit,
        offset,
    )
    .await?;
    Ok((rows, total))
}

/// How many events match the query.
async fn matching(db: &impl ConnectionTrait, q: &AuditQuery) -> ApiResult<u64> {
    Ok(event::Entity::find().filter(filter(q)).count(db).await?)
}

/// A stretch of the events matching the query, oldest first (after the event numbered `after`).
async fn oldest_page(
    db: &impl ConnectionTrait,
    q: &AuditQuery,
    after: Option<i64>,
    limit: u64,
    offset: u64,
) -> ApiResult<Vec<event::Model>> {
    let mut select = event::Entity::find().filter(filter(q));
    if let Some(after) = after {
        select = select.filter(event::Column::Seq.gt(after));
    }
    Ok(select
        .order_by_asc(event::Column::Seq)
        .limit(limit)
        .offset(offset)
        .all(db)
        .await?)
}
