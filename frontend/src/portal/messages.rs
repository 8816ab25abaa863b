//! `/portal/messages`: the patient's conversations with the practice, unread and closed ones
//! marked, and writing a new message to their care team or one clinician on it.
//! `?new=1` opens the form at once (from a closed conversation, say).

use api_types::messaging::{LiveFrame, MessageThread, Side, ThreadQuery, ThreadStatus};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::{self, live, Loader};
use crate::auth::use_auth;
use crate::components::common::{EmptyState, PageTitle, Pagination, ProblemAlert, SkeletonRows};
use crate::format;
use crate::messaging::{with_label, NewConversationForm, Writer};

const PAGE_SIZE: u64 = 20;

#[component]
pub fn MyMessagesPage() -> impl IntoView {
    let auth = use_auth();
    let navigate = use_navigate();
    let query = use_query_map();
    let writing = RwSignal::new(query.with_untracked(|q| q.get("new")).is_some());
    let offset = RwSignal::new(0_u64);
    let list = Loader::new(
        move || ThreadQuery {
            limit: Some(PAGE_SIZE),
            offset: Some(offset.get()),
            ..ThreadQuery::default()
        },
        move |q| async move { api::messaging::threads(&auth.client(), &q).await },
    );
    live::on_change(
        |f| matches!(f, LiveFrame::Thread { .. }),
        move || list.reload(),
    );
    let recipients = Loader::new(
        || (),
        move |()| async move { api::messaging::recipients(&auth.client(), None).await },
    );
    let recipients = Signal::derive(move || recipients.value().unwrap_or_default());
    let total = Signal::derive(move || list.value().map(|p| (p.total, p.total_capped)));
    let on_started = Callback::new(move |detail: api_types::messaging::ThreadDetail| {
        navigate(
            &format!("/portal/messages/{}", detail.thread.id),
            Default::default(),
        );
    });
    let shape = Memo::new(move |_| match list.get() {
        None => None,
        Some(Err(p)) => Some(Err(p)),
        Some(Ok(page)) => Some(Ok(page.items.is_empty())),
    });
    view! {
        <PageTitle text="Messages" />
        <div class="page page-narrow">
            <div class="page-header">
                <h1 class="page-title">"Messages"</h1>
                <Show when=move || !writing.get()>
                    <button type="button" class="button button-primary" on:click=move |_| writing.set(true)>
                        "New message"
                    </button>
                </Show>
            </div>
            <p class="muted">
                "Write securely to your care team. For anything urgent, call the practice; in an emergency, call 000."
            </p>
            {move || {
                auth.me()
                    .and_then(|me| me.patient_id)
                    .filter(|_| writing.get())
                    .map(|patient_id| {
                        view! {
                            <section class="card" aria-labelledby="new-message-heading">
                                <h2 id="new-message-heading" class="card-title">"New message"</h2>
                                <NewConversationForm
                                    patient_id
                                    writer=Writer::Patient
                                    recipients
                                    on_started
                                    on_cancel=Callback::new(move |()| writing.set(false))
                                />
                            </section>
                        }
                    })
            }}
            <section class="card card-flush" aria-label="Your conversations">
                {move || match shape.get() {
                    None => view! { <SkeletonRows rows=3 /> }.into_any(),
                    Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                    Some(Ok(true)) => {
                        view! {
                            <EmptyState
                                title="No messages yet"
                                detail="Messages between you and your care team appear here."
                            />
                        }
                            .into_any()
                    }
                    Some(Ok(false)) => {
                        view! {
                            <ul class="plain-list thread-list">
                                <For
                                    each=move || list.value().map(|p| p.items).unwrap_or_default()
                                    key=|t| (t.id, t.last_message_at, t.unread, t.status)
                                    children=move |thread| view! { <MyThreadRow thread /> }
                                />
                            </ul>
                        }
                            .into_any()
                    }
                }}
                <Pagination offset limit=PAGE_SIZE total />
            </section>
        </div>
    }
}

#[component]
fn MyThreadRow(thread: MessageThread) -> impl IntoView {
    let subject = thread.subject.clone().unwrap_or_default();
    let last = match thread.last_from {
        Side::Patient => "You wrote last",
        Side::Practice => "The practice wrote last",
    };
    view! {
        <li class="message thread-row" class:thread-unread=thread.unread data-testid="thread-row">
            <div class="message-head">
                <A href=format!("/portal/messages/{}", thread.id) attr:class="list-primary thread-subject">
                    {subject}
                </A>
                {thread.unread.then(|| view! { <span class="badge badge-info">"Unread"</span> })}
                {(thread.status == ThreadStatus::Closed).then(|| view! { <span class="badge badge-muted">"Closed"</span> })}
                <span class="muted message-time">{format::date_time(thread.last_message_at)}</span>
            </div>
            <p class="muted message-note">{with_label(&thread)} " · " {last}</p>
        </li>
    }
}
