//! A patient's history in one list: notes, questionnaires, appointments, documents and imaging,
//! newest first, each kind only where the caller's access reaches it.

use actix_web::{get, web};
use api_types::audit::AuditAction;
use api_types::notes::{NoteType, TimelineEntry, TimelineKind, TimelineQuery};
use api_types::sharing::RecordCategory;
use api_types::Permission;
use entity::clinical::{assessment, clinical_note, document, imaging_study};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::audit::AuditEntry;
use crate::auth::{require, Authorized, Principal};
use crate::patients;
use crate::patients::{authorize_clinical, clinical_access};
use crate::platform::http::Query;
use crate::platform::PatientId;
use crate::platform::{ApiError, ApiResult};
use crate::users;
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(timeline);
}

const DEFAULT_LIMIT: u64 = 200;
const MAX_LIMIT: u64 = 500;

/// The patient's timeline, newest first. `kinds` narrows it (`note,assessment`), and
/// `note_type` narrows the notes.
#[utoipa::path(
    tag = "clinical",
    params(("id" = Uuid, Path), TimelineQuery),
    security(("bearer" = ["clinical:access"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = Vec<TimelineEntry>), (status = 403, body = api_types::Problem), (status = 404, body = api_types::Problem), (status = 422, body = api_types::Problem))
)]
#[get("/patients/{id}/timeline")]
async fn timeline(
    auth: Authorized<require::ClinicalAccessOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: Query<TimelineQuery>,
) -> ApiResult<web::Json<Vec<TimelineEntry>>> {
    let id = *id;
    if auth.own_patient_id().is_some_and(|own| own != id) {
        return Err(ApiError::not_found());
    }
    patients::get(&state.db, &state.crypto, PatientId(id)).await?;
    let access = clinical_access(&state.db, &auth, PatientId(id)).await?;
    if !access.allowed {
        authorize_clinical(&state.db, &auth, PatientId(id), RecordCategory::Notes).await?;
    }
    let shared = |c: RecordCategory| {
        access.allowed && access.categories.as_ref().is_none_or(|cs| cs.contains(&c))
    };
    let wanted: Vec<TimelineKind> = match query.kinds.as_deref().filter(|k| !k.is_empty()) {
        None => TimelineKind::ALL.to_vec(),
        Some(list) => list
            .split(',')
            .map(|k| {
                TimelineKind::ALL
                    .into_iter()
                    .find(|t| t.as_str() == k.trim())
                    .ok_or_else(|| {
                        ApiError::field(
                            "kinds",
                            "unknown",
                            "Use note, assessment, appointment, document or imaging.",
                        )
                    })
            })
            .collect::<ApiResult<_>>()?,
    };
    let want = |k| wanted.contains(&k);
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::field(
            "limit",
            "out_of_range",
            format!("Ask for 1 to {MAX_LIMIT} entries."),
        ));
    }
    let (db, crypto) = (&state.db, &state.crypto);
    let mut entries: Vec<TimelineEntry> = Vec::new();

    if want(TimelineKind::Note) && shared(RecordCategory::Notes) {
        let rows = latest_notes(db, &auth, id, query.note_type, limit).await?;
        for n in super::notes::to_wire(db, crypto, rows).await? {
            let status = match n.status {
                api_types::notes::NoteStatus::Draft => "draft".to_owned(),
                api_types::notes::NoteStatus::Signed => "signed".to_owned(),
                api_types::notes::NoteStatus::Amended => {
                    format!("amended (version {})", n.versions.len())
                }
            };
            entries.push(TimelineEntry {
                kind: TimelineKind::Note,
                id: n.id,
                at: n.created_at,
                title: n.title,
                summary: format!("{}, {status}", n.note_type.label()),
                note_type: Some(n.note_type),
                by_name: n.author_name,
            });
        }
    }
    if want(TimelineKind::Assessment) && shared(RecordCategory::Assessments) {
        let rows = latest_assessments(db, id, limit).await?;
        for a in super::assessments::to_wire(db, crypto, rows).await? {
            entries.push(TimelineEntry {
                kind: TimelineKind::Assessment,
                id: a.id,
                at: a.completed_at,
                title: a.instrument.definition().name.to_owned(),
                summary: format!("Score {}, {}", a.score, a.severity.label.to_lowercase()),
                note_type: None,
                by_name: a.entered_by_name,
            });
        }
    }
    let sees_schedule = auth.has(Permission::ScheduleRead) || auth.own_patient_id() == Some(id);
    if want(TimelineKind::Appointment) && sees_schedule {
        let rows = crate::scheduling::past_appointment_refs(db, id, limit).await?;
        let mut people: Vec<Uuid> = rows.iter().map(|a| a.practitioner_id).collect();
        people.sort_unstable();
        people.dedup();
        let names = users::names(db, crypto, &people).await?;
        for a in rows {
            entries.push(TimelineEntry {
                kind: TimelineKind::Appointment,
                id: a.id,
                at: a.starts_at,
                title: a.type_name,
                summary: a.status.label().to_owned(),
                note_type: None,
                by_name: names.get(&a.practitioner_id).cloned(),
            });
        }
    }
    if shared(RecordCategory::Documents) {
        if want(TimelineKind::Document) {
            let rows = latest_documents(db, id, limit).await?;
            for d in super::files::to_wire(db, crypto, rows).await? {
                entries.push(TimelineEntry {
                    kind: TimelineKind::Document,
                    id: d.id,
                    at: d.created_at,
                    title: d.name,
                    summary: d.kind.label().to_owned(),
                    note_type: None,
                    by_name: d.uploaded_by_name,
                });
            }
        }
        if want(TimelineKind::Imaging) {
            let rows = latest_studies(db, id, limit).await?;
            for s in super::imaging::studies_to_wire(db, crypto, rows).await? {
                entries.push(TimelineEntry {
                    kind: TimelineKind::Imaging,
                    id: s.id,
                    at: s.study_date.and_time(chrono::NaiveTime::MIN).and_utc(),
                    title: format!("{}, {}", s.modality.label(), s.body_part),
                    summary: if s.report.is_some() {
                        "Imaging study, reported".into()
                    } else {
                        "Imaging study".into()
                    },
                    note_type: None,
                    by_name: s.created_by_name,
                });
            }
        }
    }
    entries.sort_by_key(|e| std::cmp::Reverse(e.at));
    entries.truncate(limit as usize);
    state
        .audit
        .record(
            AuditEntry::by(&auth, AuditAction::TimelineRead)
                .patient(id)
                .detail(format!("{} entries", entries.len())),
        )
        .await?;
    Ok(web::Json(entries))
}

/// The patient's latest notes `principal` may read (optionally of one type), newest first.
async fn latest_notes(
    db: &impl ConnectionTrait,
    principal: &Principal,
    patient_id: Uuid,
    note_type: Option<NoteType>,
    limit: u64,
) -> ApiResult<Vec<clinical_note::Model>> {
    let mut find = clinical_note::Entity::find()
        .filter(clinical_note::Column::PatientId.eq(patient_id))
        .filter(super::notes::visible_to(principal));
    if let Some(t) = note_type {
        find = find.filter(clinical_note::Column::NoteType.eq(t.as_str()));
    }
    Ok(find
        .order_by_desc(clinical_note::Column::CreatedAt)
        .limit(limit)
        .all(db)
        .await?)
}

/// The patient's latest completed questionnaires, newest first.
async fn latest_assessments(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    limit: u64,
) -> ApiResult<Vec<assessment::Model>> {
    Ok(assessment::Entity::find()
        .filter(assessment::Column::PatientId.eq(patient_id))
        .order_by_desc(assessment::Column::CompletedAt)
        .limit(limit)
        .all(db)
        .await?)
}

/// The patient's latest documents (not note attachments or imaging files), newest first.
async fn latest_documents(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    limit: u64,
) -> ApiResult<Vec<document::Model>> {
    Ok(document::Entity::find()
        .filter(document::Column::PatientId.eq(patient_id))
        .filter(document::Column::NoteId.is_null())
        .filter(document::Column::StudyId.is_null())
        .filter(document::Column::DeletedAt.is_null())
        .order_by_desc(document::Column::CreatedAt)
        .limit(limit)
        .all(db)
        .await?)
}

/// The patient's latest imaging studies, newest first.
async fn latest_studies(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    limit: u64,
) -> ApiResult<Vec<imaging_study::Model>> {
    Ok(imaging_study::Entity::find()
        .filter(imaging_study::Column::PatientId.eq(patient_id))
        .order_by_desc(imaging_study::Column::StudyDate)
        .limit(limit)
        .all(db)
        .await?)
}
