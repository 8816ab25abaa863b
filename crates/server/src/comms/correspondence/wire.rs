//! Correspondence rows as the API shows them, with the names of the patients and staff they
//! mention.

use std::collections::HashMap;

use api_types::comms::{
    CallDetails, Correspondence, CorrespondenceChannel, CorrespondenceStatus, Direction,
    TriageCandidate,
};
use entity::comms::correspondence;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::queries::aad;
use crate::platform::crypto::Crypto;
use crate::platform::ApiResult;
use crate::{patients, users};

fn candidates_of(m: &correspondence::Model) -> Vec<Uuid> {
    m.candidates
        .as_deref()
        .and_then(|c| serde_json::from_str(c).ok())
        .unwrap_or_default()
}

/// The entries, decrypted and named.
pub async fn to_wire(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    rows: Vec<correspondence::Model>,
) -> ApiResult<Vec<Correspondence>> {
    let mut patient_ids: Vec<Uuid> = rows.iter().filter_map(|m| m.patient_id).collect();
    patient_ids.extend(rows.iter().flat_map(candidates_of));
    patient_ids.sort_unstable();
    patient_ids.dedup();
    let mut staff_ids: Vec<Uuid> = rows.iter().filter_map(|m| m.staff_id).collect();
    staff_ids.sort_unstable();
    staff_ids.dedup();
    let patient_names: HashMap<Uuid, String> = patients::find_many(db, crypto, &patient_ids)
        .await?
        .into_iter()
        .map(|(id, p)| (id, p.display_name()))
        .collect();
    let staff_names = users::names(db, crypto, &staff_ids).await?;
    rows.into_iter()
        .map(|m| {
            let candidates = candidates_of(&m)
                .into_iter()
                .map(|id| TriageCandidate {
                    patient_id: id,
                    name: patient_names.get(&id).cloned().unwrap_or_default(),
                })
                .collect();
            let attachments: Vec<String> = match &m.attachments_enc {
                Some(enc) => {
                    serde_json::from_str(&crypto.decrypt_str(enc, &aad(m.id, "attachments"))?)?
                }
                None => Vec::new(),
            };
            let subject = super::queries::subject(crypto, &m)?;
            Ok(Correspondence {
                patient_name: m.patient_id.and_then(|p| patient_names.get(&p).cloned()),
                staff_name: m.staff_id.and_then(|s| staff_names.get(&s).cloned()),
                counterpart: crypto.decrypt_str(&m.counterpart_enc, &aad(m.id, "counterpart"))?,
                body: crypto.decrypt_str(&m.body_enc, &aad(m.id, "body"))?,
                subject,
                candidates,
                attachments,
                can_retry: m.direction == Direction::Outbound
                    && m.status == CorrespondenceStatus::Failed
                    && m.outbox_id.is_some(),
                thread_id: m.thread_id,
                call: (m.channel == CorrespondenceChannel::Call).then_some(CallDetails {
                    seconds: m.call_seconds,
                    recording: m.recording_state,
                    recording_document_id: m.recording_document_id,
                    transcript: m.transcript_state,
                }),
                id: m.id,
                patient_id: m.patient_id,
                channel: m.channel,
                direction: m.direction,
                kind: m.kind,
                status: m.status,
                staff_id: m.staff_id,
                error: m.error,
                answered_at: m.answered_at,
                created_at: m.created_at,
                updated_at: m.updated_at,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()
        .map_err(Into::into)
}

pub async fn one_to_wire(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    m: correspondence::Model,
) -> ApiResult<Correspondence> {
    let mut out = to_wire(db, crypto, vec![m]).await?;
    out.pop()
        .ok_or_else(|| anyhow::anyhow!("an entry went missing").into())
}
