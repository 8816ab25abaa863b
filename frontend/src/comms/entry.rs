//! What every list of correspondence shows of a message: which way it went and on which channel,
//! its status, and what staff can do with it (send a failed one again, mark a reply answered).

use api_types::comms::{
    Correspondence, CorrespondenceChannel, CorrespondenceStatus, Direction, RecordingState,
    TranscriptState,
};
use api_types::{Page, Problem};
use leptos::prelude::*;

use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::use_toasts;
use crate::format;

/// The badge class and words for a message's status.
pub fn status_badge(s: CorrespondenceStatus) -> (&'static str, &'static str) {
    let class = match s {
        CorrespondenceStatus::Queued => "badge badge-muted",
        CorrespondenceStatus::Sent | CorrespondenceStatus::Received => "badge badge-info",
        CorrespondenceStatus::Delivered | CorrespondenceStatus::Read => "badge badge-success",
        CorrespondenceStatus::Failed => "badge badge-danger",
    };
    (class, s.label())
}

/// A message from the patient that nobody has answered yet.
pub fn unanswered(c: &Correspondence) -> bool {
    c.direction == Direction::Inbound && c.answered_at.is_none()
}

/// `SMS to +61412345678`, `Email from mia@example.com`.
pub fn route(c: &Correspondence) -> String {
    let way = match c.direction {
        Direction::Outbound => "to",
        Direction::Inbound => "from",
    };
    format!("{} {way} {}", c.channel.label(), c.counterpart)
}

/// What caused a message and who wrote it: `Written by staff · by Dr Ng`; for a call, who made
/// it: `Made by Dr Ng`.
pub fn origin(c: &Correspondence) -> String {
    match (c.channel, &c.staff_name) {
        (CorrespondenceChannel::Call, Some(name)) => format!("Made by {name}"),
        (_, Some(name)) => format!("{} · by {name}", c.kind.label()),
        (_, None) => c.kind.label().to_owned(),
    }
}

/// What identifies a message as shown: a change to any of these redraws it, so a list that
/// refreshes keeps the rest (and anything typed in them) as they are.
pub type EntryKey = (
    uuid::Uuid,
    CorrespondenceStatus,
    Option<chrono::DateTime<chrono::Utc>>,
    chrono::DateTime<chrono::Utc>,
    Option<uuid::Uuid>,
    Option<CallKey>,
);

/// What of a call can change after it ends: its length, recording and transcript.
pub type CallKey = (
    Option<i32>,
    Option<RecordingState>,
    Option<uuid::Uuid>,
    Option<TranscriptState>,
);

pub fn key(c: &Correspondence) -> EntryKey {
    let call = c.call.as_ref().map(|d| {
        (
            d.seconds,
            d.recording,
            d.recording_document_id,
            d.transcript,
        )
    });
    (
        c.id,
        c.status,
        c.answered_at,
        c.updated_at,
        c.patient_id,
        call,
    )
}

/// What a list shows as a whole; it changes only when the list empties, fills or fails, not on
/// every refresh.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Loading,
    Failed(Problem),
    Empty,
    Items,
}

pub fn shape<T: Clone + Send + Sync + 'static>(list: Loader<Page<T>>) -> Memo<Shape> {
    Memo::new(move |_| match list.get() {
        None => Shape::Loading,
        Some(Err(problem)) => Shape::Failed(problem),
        Some(Ok(page)) if page.items.is_empty() => Shape::Empty,
        Some(Ok(_)) => Shape::Items,
    })
}

/// The items of the latest page (tracked).
pub fn items(list: Loader<Page<Correspondence>>) -> Vec<Correspondence> {
    list.value().map(|p| p.items).unwrap_or_default()
}

/// A secure message's entry names its conversation: its words are read there, where access to
/// them is checked, so the entry links to it instead.
#[component]
pub fn SecureMessageLink(thread_id: uuid::Uuid) -> impl IntoView {
    view! {
        <p class="message-text" data-testid="secure-message">
            "Secure message · "
            <leptos_router::components::A href=format!("/messages/{thread_id}")>
                "Open the conversation"
            </leptos_router::components::A>
        </p>
    }
}

/// The status (a call's in the words of a call), when it happened, and whether a reply waits for
/// an answer.
#[component]
pub fn EntryMeta(entry: Correspondence) -> impl IntoView {
    let auth = use_auth();
    let (class, label) = status_badge(entry.status);
    let label = if entry.channel == CorrespondenceChannel::Call {
        let me = auth.me().map(|me| me.id);
        super::call::status_words(&entry, me)
    } else {
        label.to_owned()
    };
    let waiting = unanswered(&entry);
    view! {
        <span class=class>{label}</span>
        {waiting.then(|| view! { <span class="badge badge-warning">"Unanswered"</span> })}
        <span class="muted message-time">{format::date_time(entry.created_at)}</span>
    }
}

/// Why a message failed, and the buttons that deal with a message: send a failed one again, mark
/// a reply answered.
#[component]
pub fn EntryActions(entry: Correspondence, on_change: Callback<()>) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let id = entry.id;
    let retry = Action::new_unsync(move |_: &()| async move {
        match api::comms::retry(&auth.client(), id).await {
            Ok(_) => {
                toasts.success("The message will be sent again shortly.");
                on_change.run(());
            }
            Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
        }
    });
    let answer = Action::new_unsync(move |_: &()| async move {
        match api::comms::mark_answered(&auth.client(), id).await {
            Ok(_) => {
                toasts.success("Marked answered.");
                on_change.run(());
            }
            Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
        }
    });
    let answered = entry.answered_at.map(|at| {
        view! { <p class="muted message-note">"Answered " {format::date_time(at)}</p> }
    });
    let waiting = unanswered(&entry);
    view! {
        {entry
            .error
            .clone()
            .filter(|_| entry.status == CorrespondenceStatus::Failed)
            .map(|e| {
                let what = if entry.channel == CorrespondenceChannel::Call {
                    "Not connected: "
                } else {
                    "Not delivered: "
                };
                view! { <p class="field-error message-note">{what} {e}</p> }
            })}
        {(entry.direction == Direction::Inbound).then_some(answered).flatten()}
        {(entry.can_retry || waiting)
            .then(|| {
                view! {
                    <div class="row-actions message-actions">
                        {entry
                            .can_retry
                            .then(|| {
                                view! {
                                    <button
                                        type="button"
                                        class="button button-secondary button-small"
                                        disabled=move || retry.pending().get()
                                        on:click=move |_| {
                                            retry.dispatch(());
                                        }
                                    >
                                        "Retry"
                                    </button>
                                }
                            })}
                        {waiting
                            .then(|| {
                                view! {
                                    <button
                                        type="button"
                                        class="button button-secondary button-small"
                                        disabled=move || answer.pending().get()
                                        on:click=move |_| {
                                            answer.dispatch(());
                                        }
                                    >
                                        "Mark answered"
                                    </button>
                                }
                            })}
                    </div>
                }
            })}
    }
}
