//! `/messages/{id}`: one conversation for staff: its messages, the reply box, whom it is
//! assigned to, and closing or reopening it. Staff who may not read it are told so.

use api_types::messaging::{MessageThread, Side, ThreadStatus};
use api_types::ErrorCode;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{
    use_toasts, EmptyState, PageTitle, ProblemAlert, SelectField, SkeletonRows,
};
use crate::format;
use crate::messaging::{open_for_writing, thread_loader, with_label, MessageList, ReplyBox};

/// What the page shows as a whole; it changes when the conversation is first loaded, refused or
/// lost, not when a message arrives, so that a reply being written stays as it is.
#[derive(Debug, Clone, PartialEq)]
enum View {
    Loading,
    Restricted(String),
    NotFound,
    Failed(api_types::Problem),
    Loaded { thread_id: Uuid, patient_id: Uuid },
}

/// Whether the reply box shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Writing {
    Open,
    Closed,
    ReadOnly,
}

#[component]
pub fn ConversationPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .with(|p| p.get("id"))
            .and_then(|s| Uuid::parse_str(&s).ok())
    });
    let detail = thread_loader(id);
    let title = Signal::derive(move || {
        detail
            .value()
            .and_then(|d| d.thread.subject)
            .unwrap_or_else(|| "Conversation".to_owned())
    });
    let shown = Memo::new(move |_| match detail.get() {
        None => View::Loading,
        Some(Err(p)) if p.code == ErrorCode::Forbidden => {
            View::Restricted(p.detail.unwrap_or_else(|| {
                "This conversation is between the patient and their care team.".to_owned()
            }))
        }
        Some(Err(p)) if p.code == ErrorCode::NotFound => View::NotFound,
        Some(Err(p)) => View::Failed(p),
        Some(Ok(d)) => View::Loaded {
            thread_id: d.thread.id,
            patient_id: d.thread.patient_id,
        },
    });
    let writing = Memo::new(move |_| {
        detail.value().map(|d| {
            if open_for_writing(&d) {
                Writing::Open
            } else if d.thread.status == ThreadStatus::Closed {
                Writing::Closed
            } else {
                Writing::ReadOnly
            }
        })
    });
    view! {
        <PageTitle text=title />
        <div class="page page-narrow">
            <nav class="breadcrumbs" aria-label="Breadcrumbs">
                <A href="/messages">"Messages"</A>
            </nav>
            {move || match shown.get() {
                View::Loading => view! { <SkeletonRows rows=6 /> }.into_any(),
                View::Restricted(detail) => {
                    view! {
                        <h1 class="page-title">"Content restricted"</h1>
                        <EmptyState title="You can see that this conversation exists, not what it says" detail />
                    }
                        .into_any()
                }
                View::NotFound => {
                    view! {
                        <h1 class="page-title">"Conversation not found"</h1>
                        <EmptyState title="There is no conversation at this address, or it is not one you may see" />
                    }
                        .into_any()
                }
                View::Failed(problem) => view! { <ProblemAlert problem /> }.into_any(),
                View::Loaded { thread_id, patient_id } => {
                    view! {
                        <h1 class="page-title">{move || title.get()}</h1>
                        <ThreadHeader detail />
                        <section class="card" aria-label="Conversation">
                            <MessageList detail viewer=Side::Practice />
                        </section>
                        {move || match writing.get() {
                            Some(Writing::Open) => view! {
                                <section class="card" aria-label="Write a reply">
                                    <ReplyBox detail thread_id patient_id />
                                </section>
                            }
                                .into_any(),
                            Some(Writing::Closed) => view! {
                                <div class="alert alert-info" role="note" data-testid="thread-closed">
                                    <p class="alert-body">
                                        "This conversation is closed. Reopen it to write in it, or start a new one from the patient's "
                                        <A href=format!("/patients/{patient_id}/messages")>"Messages tab"</A>
                                        "."
                                    </p>
                                </div>
                            }
                                .into_any(),
                            Some(Writing::ReadOnly) => view! {
                                <p class="muted">"Your role may read this conversation but not write in it."</p>
                            }
                                .into_any(),
                            None => ().into_any(),
                        }}
                    }
                        .into_any()
                }
            }}
        </div>
    }
}

/// Whose conversation it is, whom it is with and assigned to, its status, and (for staff who may
/// write in it) assigning, closing and reopening it.
#[component]
fn ThreadHeader(detail: Loader<api_types::messaging::ThreadDetail>) -> impl IntoView {
    let thread = Memo::new(move |_| detail.value().map(|d| d.thread));
    // The actions are drawn again only when what they act on changes, not with every message.
    let acting_on = Memo::new(move |_| {
        thread
            .get()
            .filter(|t| t.can_write)
            .map(|t| (t.status, t.assigned_to.map(|s| s.id)))
    });
    let actions = move || {
        acting_on.get()?;
        let t = thread.get_untracked()?;
        Some(view! { <ThreadActions thread=t detail /> })
    };
    let about = move || {
        let t = thread.get()?;
        let patient = t
            .patient_name
            .clone()
            .unwrap_or_else(|| "The patient".to_owned());
        let status = match t.status {
            ThreadStatus::Open => view! { <span class="badge badge-success">"Open"</span> },
            ThreadStatus::Closed => view! { <span class="badge badge-muted">"Closed"</span> },
        };
        let closed_at = t
            .closed_at
            .map(|at| format!(" · closed {}", format::date_time(at)));
        let assigned = match &t.assigned_to {
            Some(s) => format!("Assigned to {}", s.name),
            None => "Unassigned".to_owned(),
        };
        Some(view! {
                <p class="thread-header-line">
                    <A href=format!("/patients/{}/messages", t.patient_id) attr:class="list-primary">
                        {patient}
                    </A>
                    {status}
                </p>
                <p class="muted message-note">
                    {with_label(&t)} " · " {assigned} " · started " {format::date_time(t.created_at)}
                    {closed_at}
                </p>
        })
    };
    view! {
        <section class="card thread-header" aria-label="About this conversation">
            {about}
            {actions}
        </section>
    }
}

#[component]
fn ThreadActions(
    thread: MessageThread,
    detail: Loader<api_types::messaging::ThreadDetail>,
) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let id = thread.id;
    let patient_id = thread.patient_id;
    let current = thread.assigned_to.clone();
    let chosen = RwSignal::new(
        current
            .as_ref()
            .map(|s| s.id.to_string())
            .unwrap_or_default(),
    );
    let recipients = Loader::new(
        || (),
        move |()| async move { api::messaging::recipients(&auth.client(), Some(patient_id)).await },
    );
    let assign = Action::new_unsync(move |user: &Option<Uuid>| {
        let user = *user;
        async move {
            match api::messaging::assign(&auth.client(), id, user).await {
                Ok(t) => {
                    toasts.success(match &t.assigned_to {
                        Some(s) => format!("Assigned to {}.", s.name),
                        None => "The conversation is unassigned.".to_owned(),
                    });
                    detail.reload();
                }
                Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
            }
        }
    });
    let status = thread.status;
    let toggle = Action::new_unsync(move |_: &()| async move {
        let client = auth.client();
        let result = match status {
            ThreadStatus::Open => api::messaging::close(&client, id).await,
            ThreadStatus::Closed => api::messaging::reopen(&client, id).await,
        };
        match result {
            Ok(t) => {
                toasts.success(match t.status {
                    ThreadStatus::Closed => "The conversation is closed.",
                    ThreadStatus::Open => "The conversation is open again.",
                });
                detail.reload();
            }
            Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
        }
    });
    let options = move || {
        let mut options = vec![(String::new(), "Unassigned".to_owned())];
        let listed = recipients.value().unwrap_or_default();
        if let Some(c) = &current {
            if !listed.iter().any(|r| r.id == c.id) {
                options.push((c.id.to_string(), c.name.clone()));
            }
        }
        options.extend(listed.into_iter().map(|r| (r.id.to_string(), r.name)));
        options
    };
    let unchanged = {
        let current = thread.assigned_to.as_ref().map(|s| s.id);
        move || Uuid::parse_str(&chosen.get()).ok() == current
    };
    view! {
        <div class="thread-actions">
            {move || {
                let options = options();
                view! { <SelectField id="thread-assign" label="Assigned to" value=chosen options /> }
            }}
            <button
                type="button"
                class="button button-secondary"
                disabled=move || assign.pending().get() || unchanged()
                on:click=move |_| {
                    assign.dispatch(Uuid::parse_str(&chosen.get_untracked()).ok());
                }
            >
                "Assign"
            </button>
            <button
                type="button"
                class="button button-secondary thread-toggle"
                disabled=move || toggle.pending().get()
                on:click=move |_| {
                    toggle.dispatch(());
                }
            >
                {match status {
                    ThreadStatus::Open => "Close conversation",
                    ThreadStatus::Closed => "Reopen conversation",
                }}
            </button>
        </div>
    }
}
