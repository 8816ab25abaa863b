//! Conversations and messages as the API shows them, with the names they mention.

use std::collections::{HashMap, HashSet};

use api_types::messaging::{
    MessageThread, Side, StaffRef, ThreadDetail, ThreadMessage, ThreadStatus,
};
use entity::comms::{message_thread, thread_message};
use uuid::Uuid;

use super::access;
use super::queries;
use crate::auth::Principal;
use crate::platform::ApiResult;
use crate::{patients, users, AppState};

/// The conversations as `principal` sees them: `readable` are those whose content they may
/// read.
pub async fn threads(
    state: &AppState,
    principal: &Principal,
    rows: Vec<message_thread::Model>,
    readable: &HashSet<Uuid>,
) -> ApiResult<Vec<MessageThread>> {
    let side = access::reading_side(principal);
    let writes = access::side_of(principal).is_ok();
    let mut staff_ids: Vec<Uuid> = rows
        .iter()
        .flat_map(|t| t.with_staff_id.into_iter().chain(t.assigned_to))
        .collect();
    staff_ids.sort_unstable();
    staff_ids.dedup();
    let staff = users::names(&state.db, &state.crypto, &staff_ids).await?;
    let patient_names: HashMap<Uuid, String> = if side == Side::Practice {
        let mut ids: Vec<Uuid> = rows.iter().map(|t| t.patient_id).collect();
        ids.sort_unstable();
        ids.dedup();
        patients::find_many(&state.db, &state.crypto, &ids)
            .await?
            .into_iter()
            .map(|(id, p)| (id, p.display_name()))
            .collect()
    } else {
        HashMap::new()
    };
    let staff_ref = |id: Option<Uuid>| {
        id.map(|id| StaffRef {
            id,
            name: staff.get(&id).cloned().unwrap_or_default(),
        })
    };
    let unread_cond = |t: &message_thread::Model| {
        let (last, read) = match side {
            Side::Patient => (t.last_practice_message_at, t.patient_read_at),
            Side::Practice => (t.last_patient_message_at, t.practice_read_at),
        };
        matches!((last, read), (Some(_), None))
            || matches!((last, read), (Some(l), Some(r)) if r < l)
    };
    rows.into_iter()
        .map(|t| {
            let visible = readable.contains(&t.id);
            Ok(MessageThread {
                patient_name: patient_names.get(&t.patient_id).cloned(),
                subject: if visible {
                    Some(queries::subject(&state.crypto, &t)?)
                } else {
                    None
                },
                content_visible: visible,
                with_staff: staff_ref(t.with_staff_id),
                assigned_to: staff_ref(t.assigned_to),
                unread: visible && unread_cond(&t),
                can_write: visible
                    && writes
                    && (side == Side::Practice || t.status == ThreadStatus::Open),
                message_count: t.message_count.max(0) as u32,
                id: t.id,
                patient_id: t.patient_id,
                status: t.status,
                last_from: t.last_from,
                last_message_at: t.last_message_at,
                created_at: t.created_at,
                closed_at: t.closed_at,
            })
        })
        .collect()
}

/// One conversation whose content the caller may read.
pub async fn thread(
    state: &AppState,
    principal: &Principal,
    row: message_thread::Model,
) -> ApiResult<MessageThread> {
    let readable = HashSet::from([row.id]);
    let mut out = threads(state, principal, vec![row], &readable).await?;
    out.pop()
        .ok_or_else(|| anyhow::anyhow!("a conversation went missing").into())
}

/// The conversation's messages, with their authors' names and when the other side read them.
pub async fn messages(
    state: &AppState,
    thread: &message_thread::Model,
    rows: Vec<thread_message::Model>,
) -> ApiResult<Vec<ThreadMessage>> {
    let mut staff_ids: Vec<Uuid> = rows
        .iter()
        .filter(|m| m.side == Side::Practice)
        .map(|m| m.author_id)
        .collect();
    staff_ids.sort_unstable();
    staff_ids.dedup();
    let staff = users::names(&state.db, &state.crypto, &staff_ids).await?;
    let patient_name = match patients::find(
        &state.db,
        &state.crypto,
        crate::platform::PatientId(thread.patient_id),
    )
    .await?
    {
        Some(p) => p.display_name(),
        None => String::new(),
    };
    rows.into_iter()
        .map(|m| {
            let read_by_other = match m.side {
                Side::Patient => thread.practice_read_at,
                Side::Practice => thread.patient_read_at,
            };
            Ok(ThreadMessage {
                author_name: match m.side {
                    Side::Patient => patient_name.clone(),
                    Side::Practice => staff.get(&m.author_id).cloned().unwrap_or_default(),
                },
                body: queries::body(&state.crypto, &m)?,
                attachments: queries::attachments(&state.crypto, &m)?,
                read_at: read_by_other.filter(|r| *r >= m.created_at),
                id: m.id,
                thread_id: m.thread_id,
                from: m.side,
                created_at: m.created_at,
            })
        })
        .collect()
}

/// The patient's conversations that `principal` may read, with their messages, for an export.
pub async fn export_patient(
    state: &AppState,
    principal: &Principal,
    patient: crate::platform::PatientId,
) -> ApiResult<Vec<ThreadDetail>> {
    let all = queries::all_of_patient(&state.db, patient).await?;
    let ids: Vec<Uuid> = all.iter().map(|(t, _)| t.id).collect();
    let readable: HashSet<Uuid> =
        queries::readable_among(&state.db, &ids, access::readable(principal))
            .await?
            .into_iter()
            .collect();
    let (rows, messages): (Vec<_>, Vec<_>) = all
        .into_iter()
        .filter(|(t, _)| readable.contains(&t.id))
        .unzip();
    let mut written = Vec::with_capacity(rows.len());
    for (t, m) in rows.iter().zip(messages) {
        written.push(self::messages(state, t, m).await?);
    }
    // One naming pass for every conversation, rather than one per conversation.
    let named = threads(state, principal, rows, &readable).await?;
    Ok(named
        .into_iter()
        .zip(written)
        .map(|(thread, messages)| ThreadDetail { thread, messages })
        .collect())
}
