//! `/messages`: the practice's conversations with patients, the most recently active first,
//! open or closed, optionally only those assigned to (or written to) the person and those
//! waiting for the practice to answer. Staff who may not read a conversation see that it exists,
//! marked "Content restricted". The list follows changes as they happen.

use api_types::messaging::{LiveFrame, MessageThread, Side, ThreadQuery, ThreadStatus};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use super::entry::{shape, Shape};
use crate::api::{self, live, Loader};
use crate::auth::use_auth;
use crate::components::common::{
    CheckboxField, EmptyState, PageTitle, Pagination, ProblemAlert, SkeletonRows,
};
use crate::format;
use crate::messaging::with_label;

const PAGE_SIZE: u64 = 25;

#[component]
pub fn MessagesPage() -> impl IntoView {
    let auth = use_auth();
    let query = use_query_map();
    let navigate = use_navigate();
    let flag = |name: &str| {
        query
            .with_untracked(|q| q.get(name))
            .is_some_and(|v| v == "1")
    };
    let closed =
        RwSignal::new(query.with_untracked(|q| q.get("status")).as_deref() == Some("closed"));
    let mine = RwSignal::new(flag("mine"));
    let waiting = RwSignal::new(flag("waiting"));
    let offset = RwSignal::new(
        query
            .with_untracked(|q| q.get("offset"))
            .and_then(|o| o.parse::<u64>().ok())
            .unwrap_or(0),
    );
    // A changed filter starts from the first page.
    Effect::new(move |first: Option<()>| {
        closed.track();
        mine.track();
        waiting.track();
        if first.is_some() {
            offset.set(0);
        }
    });
    // The address holds the filters, so that Back from a conversation returns to them.
    Effect::new(move |first: Option<()>| {
        let mut pairs = Vec::new();
        if closed.get() {
            pairs.push(("status", "closed".to_owned()));
        }
        if mine.get() {
            pairs.push(("mine", "1".to_owned()));
        }
        if waiting.get() {
            pairs.push(("waiting", "1".to_owned()));
        }
        let off = offset.get();
        if off > 0 {
            pairs.push(("offset", off.to_string()));
        }
        if first.is_some() {
            let search = serde_urlencoded::to_string(&pairs).unwrap_or_default();
            let url = if search.is_empty() {
                "/messages".to_owned()
            } else {
                format!("/messages?{search}")
            };
            navigate(
                &url,
                NavigateOptions {
                    replace: true,
                    scroll: false,
                    ..NavigateOptions::default()
                },
            );
        }
    });
    let list = Loader::new(
        move || ThreadQuery {
            status: Some(if closed.get() {
                ThreadStatus::Closed
            } else {
                ThreadStatus::Open
            }),
            patient_id: None,
            mine: mine.get().then_some(true),
            waiting: waiting.get().then_some(true),
            limit: Some(PAGE_SIZE),
            offset: Some(offset.get()),
        },
        move |q| async move { api::messaging::threads(&auth.client(), &q).await },
    );
    live::on_change(
        |f| matches!(f, LiveFrame::Thread { .. }),
        move || list.reload(),
    );
    let shape = shape(list);
    let total = Signal::derive(move || list.value().map(|p| (p.total, p.total_capped)));
    let statuses = [(false, "Open"), (true, "Closed")]
        .into_iter()
        .map(|(value, label)| {
            view! {
                <button
                    type="button"
                    class="segmented-button"
                    aria-pressed=move || (closed.get() == value).to_string()
                    on:click=move |_| closed.set(value)
                >
                    {label}
                </button>
            }
        })
        .collect_view();
    view! {
        <PageTitle text="Messages" />
        <div class="page">
            <div class="page-header">
                <h1 class="page-title">"Messages"</h1>
            </div>
            <p class="muted">
                "Secure conversations between patients and their care team. Start one from the patient's Messages tab. The list updates by itself."
            </p>
            <div class="toolbar thread-filters">
                <div class="segmented" role="group" aria-label="Status">
                    {statuses}
                </div>
                <CheckboxField id="messages-mine" label="Assigned to me" checked=mine />
                <CheckboxField id="messages-waiting" label="Waiting for us" checked=waiting />
            </div>
            <section class="card card-flush" aria-label="Conversations">
                {move || match shape.get() {
                    Shape::Loading => view! { <SkeletonRows rows=5 /> }.into_any(),
                    Shape::Failed(problem) => view! { <ProblemAlert problem /> }.into_any(),
                    Shape::Empty => {
                        view! { <EmptyState title="No conversations match" detail="Conversations appear here when a patient writes to the practice, or staff write to a patient." /> }
                            .into_any()
                    }
                    Shape::Items => view! { <ThreadRows list show_patient=true /> }.into_any(),
                }}
                <Pagination offset limit=PAGE_SIZE total />
            </section>
        </div>
    }
}

/// What identifies a row as shown: a change to any of these redraws it.
type RowKey = (
    uuid::Uuid,
    chrono::DateTime<chrono::Utc>,
    bool,
    ThreadStatus,
    Option<uuid::Uuid>,
);

fn row_key(t: &MessageThread) -> RowKey {
    (
        t.id,
        t.last_message_at,
        t.unread,
        t.status,
        t.assigned_to.as_ref().map(|s| s.id),
    )
}

/// The rows of a list of conversations.
#[component]
pub fn ThreadRows(
    list: Loader<api_types::Page<MessageThread>>,
    show_patient: bool,
) -> impl IntoView {
    view! {
        <ul class="plain-list thread-list">
            <For
                each=move || list.value().map(|p| p.items).unwrap_or_default()
                key=row_key
                children=move |thread| view! { <ThreadRow thread show_patient /> }
            />
        </ul>
    }
}

/// One conversation in a list: whose it is, its subject (or that its content is restricted),
/// whom it is with and assigned to, who wrote last and when, and whether it is unread.
#[component]
fn ThreadRow(thread: MessageThread, show_patient: bool) -> impl IntoView {
    let href = format!("/messages/{}", thread.id);
    let subject = match (thread.subject.clone(), thread.content_visible) {
        (Some(s), true) => {
            view! { <A href=href attr:class="list-primary thread-subject">{s.clone()}</A> }
                .into_any()
        }
        _ => view! { <span class="list-primary thread-restricted">"Content restricted"</span> }
            .into_any(),
    };
    let patient = show_patient.then(|| {
        let name = thread
            .patient_name
            .clone()
            .unwrap_or_else(|| "The patient".to_owned());
        view! {
            <A href=format!("/patients/{}/messages", thread.patient_id) attr:class="thread-patient">
                {name}
            </A>
        }
    });
    let assigned = match &thread.assigned_to {
        Some(s) => format!("Assigned to {}", s.name),
        None => "Unassigned".to_owned(),
    };
    let last = match thread.last_from {
        Side::Patient => "The patient wrote last",
        Side::Practice => "The practice wrote last",
    };
    let count = if thread.message_count == 1 {
        "1 message".to_owned()
    } else {
        format!("{} messages", thread.message_count)
    };
    view! {
        <li class="message thread-row" class:thread-unread=thread.unread data-testid="thread-row">
            <div class="message-head">
                {patient}
                {subject}
                {thread.unread.then(|| view! { <span class="badge badge-info">"Unread"</span> })}
                {(thread.status == ThreadStatus::Closed).then(|| view! { <span class="badge badge-muted">"Closed"</span> })}
                <span class="muted message-time">{format::date_time(thread.last_message_at)}</span>
            </div>
            <p class="muted message-note">
                {with_label(&thread)} " · " {assigned} " · " {last} " · " {count}
            </p>
        </li>
    }
}
