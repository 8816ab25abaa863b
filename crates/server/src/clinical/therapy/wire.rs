//! Sessions and homework as the API sends them: details and reflections decrypted, with names,
//! appointments and whether homework is overdue; and what is encrypted, under which associated
//! data.

use std::collections::HashMap;

use api_types::therapy::{Homework, HomeworkStatus, TherapySession, TherapySessionInput};
use entity::clinical::{homework_task, therapy_session};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::queries::{self, practice_today};
use crate::clinical::shared::trimmed;
use crate::patients;
use crate::platform::crypto::Crypto;
use crate::platform::ApiResult;
use crate::users;

/// The encrypted part of a session.
#[derive(Serialize, Deserialize)]
pub(super) struct SessionDetails {
    goals: String,
    interventions: String,
    progress: String,
    plan: Option<String>,
}

/// The encrypted part of homework.
#[derive(Serialize, Deserialize)]
pub(super) struct HomeworkDetails {
    pub(super) title: String,
    pub(super) instructions: Option<String>,
}

pub(super) fn aad(table: &str, column: &str, id: Uuid) -> String {
    format!("{table}.{column}:{id}")
}

pub(super) fn session_details(input: &TherapySessionInput) -> SessionDetails {
    SessionDetails {
        goals: input.goals.trim().to_owned(),
        interventions: input.interventions.trim().to_owned(),
        progress: input.progress.trim().to_owned(),
        plan: trimmed(&input.plan),
    }
}

pub(crate) async fn homework_to_wire(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    rows: Vec<homework_task::Model>,
) -> ApiResult<Vec<Homework>> {
    let today = practice_today(db).await?;
    let mut people: Vec<Uuid> = rows.iter().map(|r| r.assigned_by).collect();
    people.sort_unstable();
    people.dedup();
    let names = users::names(db, crypto, &people).await?;
    let mut patient_ids: Vec<Uuid> = rows.iter().map(|r| r.patient_id).collect();
    patient_ids.sort_unstable();
    patient_ids.dedup();
    let patient_names: HashMap<Uuid, String> = patients::find_many(db, crypto, &patient_ids)
        .await?
        .into_iter()
        .map(|(id, p)| {
            (
                id,
                format!("{} {}", p.details.first_name, p.details.last_name),
            )
        })
        .collect();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let t = "homework_tasks";
        let d: HomeworkDetails = crypto.decrypt_json(&r.details_enc, &aad(t, "details", r.id))?;
        let done = r.status == HomeworkStatus::Done;
        out.push(Homework {
            id: r.id,
            patient_id: r.patient_id,
            patient_name: patient_names
                .get(&r.patient_id)
                .cloned()
                .unwrap_or_default(),
            session_id: r.session_id,
            assigned_by: r.assigned_by,
            assigned_by_name: names.get(&r.assigned_by).cloned(),
            title: d.title,
            instructions: d.instructions,
            due_date: r.due_date,
            status: if done {
                HomeworkStatus::Done
            } else {
                HomeworkStatus::Assigned
            },
            overdue: !done && r.due_date < today,
            completed_at: r.completed_at,
            reflection: r
                .reflection_enc
                .as_deref()
                .map(|v| crypto.decrypt_str(v, &aad(t, "reflection", r.id)))
                .transpose()?,
            created_at: r.created_at,
        });
    }
    Ok(out)
}

pub(crate) async fn sessions_to_wire(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    rows: Vec<therapy_session::Model>,
) -> ApiResult<Vec<TherapySession>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut homework: HashMap<Uuid, Vec<Homework>> = HashMap::new();
    let tasks = queries::homework_of_sessions(db, ids).await?;
    for h in homework_to_wire(db, crypto, tasks).await? {
        if let Some(s) = h.session_id {
            homework.entry(s).or_default().push(h);
        }
    }
    let appointments =
        crate::scheduling::appointment_refs(db, rows.iter().filter_map(|r| r.appointment_id))
            .await?;
    let mut people: Vec<Uuid> = rows.iter().map(|r| r.clinician_id).collect();
    people.sort_unstable();
    people.dedup();
    let names = users::names(db, crypto, &people).await?;
    rows.into_iter()
        .map(|r| {
            let d: SessionDetails =
                crypto.decrypt_json(&r.details_enc, &aad("therapy_sessions", "details", r.id))?;
            Ok(TherapySession {
                id: r.id,
                patient_id: r.patient_id,
                appointment_id: r.appointment_id,
                appointment_label: r
                    .appointment_id
                    .and_then(|a| appointments.get(&a))
                    .map(|a| a.type_name.clone()),
                clinician_id: r.clinician_id,
                clinician_name: names.get(&r.clinician_id).cloned(),
                session_date: r.session_date,
                goals: d.goals,
                interventions: d.interventions,
                progress: d.progress,
                plan: d.plan,
                homework: homework.remove(&r.id).unwrap_or_default(),
                created_at: r.created_at,
                updated_at: r.updated_at,
            })
        })
        .collect()
}
