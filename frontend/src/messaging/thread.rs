//! One conversation on screen, for the patient and for staff: its messages, kept current by the
//! live connection and marked read while the tab is visible, and the reply box.

use api_types::messaging::{NewThreadMessage, Side, ThreadDetail, ThreadMessage, ThreadStatus};
use api_types::ErrorCode;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

use super::attachments::{AttachmentLinks, AttachmentPicker, Attachments};
use crate::api::live::{self, LiveEvent};
use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{use_toasts, ProblemAlert, TextAreaField};
use crate::format;
use crate::forms::FieldErrors;
use crate::layouts::MessagesChanged;
use api_types::messaging::LiveFrame;

/// Whether the page is what the person is looking at (not a background tab, not minimised).
fn page_visible() -> bool {
    !document().hidden()
}

/// The conversation `id` names, fetched again whenever it changes (a message written or read,
/// assigned, closed or reopened) or events may have been missed. While it is on screen and the
/// tab is visible, unread messages in it are marked read: on opening, when one arrives, and when
/// the person comes back to the tab.
pub fn thread_loader(id: Memo<Option<Uuid>>) -> Loader<ThreadDetail> {
    let auth = use_auth();
    let changed = MessagesChanged::from_context();
    let detail = Loader::new(
        move || id.get(),
        move |id| async move {
            match id {
                Some(id) => api::messaging::thread(&auth.client(), id).await,
                None => Err(api_types::Problem::new(ErrorCode::NotFound, None)),
            }
        },
    );
    live::listen(move |event| {
        let concerns = match event {
            LiveEvent::Resync => true,
            LiveEvent::Frame(LiveFrame::Thread { thread_id, .. }) => {
                id.try_get_untracked().flatten() == Some(*thread_id)
            }
            LiveEvent::Frame(_) => false,
        };
        if concerns {
            detail.reload();
        }
    });
    let marking = StoredValue::new(false);
    let mark_read = move || {
        let Some(Ok(d)) = detail.get_untracked() else {
            return;
        };
        if !d.thread.unread || !page_visible() || marking.get_value() {
            return;
        }
        marking.set_value(true);
        let thread = d.thread.id;
        spawn_local(async move {
            // Not being able to mark it read changes nothing on screen; the next visit tries again.
            let _ = api::messaging::mark_read(&auth.client(), thread).await;
            marking.try_set_value(false);
            if let Some(changed) = changed {
                changed.notify();
            }
        });
    };
    Effect::new(move |_| {
        detail.get();
        mark_read();
    });
    let handle = window_event_listener_untyped("visibilitychange", move |_| mark_read());
    on_cleanup(move || handle.remove());
    detail
}

/// "With the care team", "With Dr Priya Raman".
pub fn with_label(d: &api_types::messaging::MessageThread) -> String {
    match &d.with_staff {
        Some(s) => format!("With {}", s.name),
        None => "With the care team".to_owned(),
    }
}

/// The messages of a conversation, oldest first: the viewer's own on one side, the other
/// side's on the other, each with its author, time and files; the viewer's own say "Read" once
/// the other side has read them.
#[component]
pub fn MessageList(detail: Loader<ThreadDetail>, viewer: Side) -> impl IntoView {
    let messages = move || detail.value().map(|d| d.messages).unwrap_or_default();
    view! {
        <ol class="plain-list thread" aria-label="Messages">
            <For
                each=messages
                key=|m| (m.id, m.read_at)
                children=move |m| view! { <Bubble message=m viewer /> }
            />
        </ol>
    }
}

#[component]
fn Bubble(message: ThreadMessage, viewer: Side) -> impl IntoView {
    let mine = message.from == viewer;
    let class = if mine {
        "bubble bubble-mine"
    } else {
        "bubble bubble-theirs"
    };
    let read = message.read_at.filter(|_| mine).map(|at| {
        let when = format!("Read {}", format::date_time(at));
        view! {
            <p class="bubble-read" title=when>
                "Read"
            </p>
        }
    });
    let body = (!message.body.trim().is_empty())
        .then(|| view! { <p class="pre-wrap bubble-text">{message.body.clone()}</p> });
    view! {
        <li class=class data-testid="thread-message">
            <p class="bubble-meta">
                <span class="bubble-author">{message.author_name.clone()}</span>
                <span class="muted">{format::date_time(message.created_at)}</span>
            </p>
            {body}
            <AttachmentLinks files=message.attachments.clone() />
            {read}
        </li>
    }
}

/// Writing in an open conversation, with files. A conversation closed meanwhile refuses the
/// reply; the conversation is fetched again so that it shows as closed.
#[component]
pub fn ReplyBox(detail: Loader<ThreadDetail>, thread_id: Uuid, patient_id: Uuid) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let body = RwSignal::new(String::new());
    let attachments = Attachments::new();
    let errors = FieldErrors::new();
    let problem = RwSignal::new(None::<api_types::Problem>);
    let send = Action::new_unsync(move |text: &String| {
        let text = text.clone();
        async move {
            let client = auth.client();
            let attachment_ids = match attachments.upload(&client, patient_id).await {
                Ok(ids) => ids,
                Err(p) => {
                    problem.set(Some(p));
                    return;
                }
            };
            let message = NewThreadMessage {
                body: text,
                attachment_ids,
            };
            match api::messaging::reply(&client, thread_id, &message).await {
                Ok(_) => {
                    body.set(String::new());
                    attachments.clear();
                    toasts.success("Message sent.");
                    detail.reload();
                }
                Err(p) => {
                    if p.status == 409 {
                        detail.reload();
                    }
                    problem.set(errors.absorb(p));
                }
            }
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        let text = body.get_untracked().trim().to_owned();
        // The server's rules, with a stand-in for each file not yet added.
        let check = NewThreadMessage {
            body: text.clone(),
            attachment_ids: vec![Uuid::nil(); attachments.count()],
        };
        if errors.check(check.validate()) {
            send.dispatch(text);
        }
    };
    let field = format!("reply-{thread_id}");
    view! {
        <form class="stack reply-box" on:submit=on_submit novalidate=true aria-label="Reply">
            {move || problem.get().map(|problem| view! { <ProblemAlert problem /> })}
            <TextAreaField id=field.clone() label="Your reply" value=body error=errors.of("body") rows=4 />
            <AttachmentPicker
                id=format!("{field}-files")
                attachments
                error=errors.of("attachment_ids")
            />
            <div class="form-actions form-actions-start">
                <button type="submit" class="button button-primary" disabled=move || send.pending().get()>
                    {move || if send.pending().get() { "Sending…" } else { "Send" }}
                </button>
            </div>
        </form>
    }
}

/// Whether a conversation takes replies from the viewer now.
pub fn open_for_writing(d: &ThreadDetail) -> bool {
    d.thread.status == ThreadStatus::Open && d.thread.can_write
}
