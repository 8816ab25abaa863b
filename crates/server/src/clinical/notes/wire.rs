//! Notes as the API sends them: title, text and every version decrypted, with their authors'
//! names, attachments and appointments; and the associated data each encrypted field is bound to.

use api_types::documents::Document;
use api_types::notes::{Note, NoteType, NoteVersion, NoteVersionKind};
use entity::clinical::clinical_note;
use sea_orm::ConnectionTrait;
use std::collections::HashMap;
use uuid::Uuid;

use super::queries;
use crate::clinical::files;
use crate::platform::crypto::Crypto;
use crate::platform::{ApiError, ApiResult};
use crate::users;
use crate::AppState;

pub(super) fn aad(table: &str, column: &str, id: Uuid) -> String {
    format!("{table}.{column}:{id}")
}

/// Rows to the wire: text decrypted, versions, attachments, names and appointments looked up
/// in one query each.
pub(crate) async fn to_wire(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    rows: Vec<clinical_note::Model>,
) -> ApiResult<Vec<Note>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let versions = queries::versions_of(db, ids.clone()).await?;
    let attachments = files::to_wire(db, crypto, queries::attachments_of(db, ids).await?).await?;
    let appointments =
        crate::scheduling::appointment_refs(db, rows.iter().filter_map(|r| r.appointment_id))
            .await?;
    let mut people: Vec<Uuid> = rows
        .iter()
        .map(|r| r.author_id)
        .chain(versions.iter().map(|v| v.author_id))
        .collect();
    people.sort_unstable();
    people.dedup();
    let names = users::names(db, crypto, &people).await?;

    let mut by_note: HashMap<Uuid, Vec<NoteVersion>> = HashMap::new();
    for v in versions {
        let t = "clinical_note_versions";
        by_note.entry(v.note_id).or_default().push(NoteVersion {
            version: v.version,
            kind: if v.kind == "original" {
                NoteVersionKind::Original
            } else {
                NoteVersionKind::Amendment
            },
            title: crypto.decrypt_str(&v.title_enc, &aad(t, "title", v.id))?,
            body_html: crypto.decrypt_str(&v.body_enc, &aad(t, "body", v.id))?,
            reason: v
                .reason_enc
                .as_deref()
                .map(|r| crypto.decrypt_str(r, &aad(t, "reason", v.id)))
                .transpose()?,
            author_name: names.get(&v.author_id).cloned(),
            author_id: v.author_id,
            created_at: v.created_at,
        });
    }
    let mut files_by_note: HashMap<Uuid, Vec<Document>> = HashMap::new();
    for d in attachments {
        if let Some(n) = d.note_id {
            files_by_note.entry(n).or_default().push(d);
        }
    }
    rows.into_iter()
        .map(|r| {
            let t = "clinical_notes";
            let appt = r.appointment_id.and_then(|a| appointments.get(&a));
            Ok(Note {
                id: r.id,
                patient_id: r.patient_id,
                note_type: NoteType::parse(&r.note_type).unwrap_or(NoteType::Progress),
                status: r.status,
                title: crypto.decrypt_str(&r.title_enc, &aad(t, "title", r.id))?,
                body_html: crypto.decrypt_str(&r.body_enc, &aad(t, "body", r.id))?,
                appointment_id: r.appointment_id,
                appointment_label: appt.map(|a| a.type_name.clone()),
                appointment_starts_at: appt.map(|a| a.starts_at),
                author_name: names.get(&r.author_id).cloned(),
                author_id: r.author_id,
                created_at: r.created_at,
                updated_at: r.updated_at,
                signed_at: r.signed_at,
                versions: by_note.remove(&r.id).unwrap_or_default(),
                attachments: files_by_note.remove(&r.id).unwrap_or_default(),
            })
        })
        .collect()
}

pub(super) async fn one(state: &AppState, row: clinical_note::Model) -> ApiResult<Note> {
    to_wire(&state.db, &state.crypto, vec![row])
        .await?
        .pop()
        .ok_or_else(ApiError::not_found)
}
