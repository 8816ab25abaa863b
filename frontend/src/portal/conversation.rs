//! `/portal/messages/{id}`: one of the patient's conversations with the practice, and their
//! reply. A closed conversation says so and offers to start a new one.

use api_types::messaging::{Side, ThreadStatus};
use api_types::ErrorCode;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use crate::components::common::{EmptyState, PageTitle, ProblemAlert, SkeletonRows};
use crate::messaging::{thread_loader, with_label, MessageList, ReplyBox};

/// What the page shows as a whole; it changes when the conversation is loaded, lost or closed,
/// not when a message arrives, so that a reply being written stays as it is.
#[derive(Debug, Clone, PartialEq)]
enum View {
    Loading,
    NotFound,
    Failed(api_types::Problem),
    Loaded {
        thread_id: Uuid,
        patient_id: Uuid,
        open: bool,
    },
}

#[component]
pub fn MyConversationPage() -> impl IntoView {
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
            .unwrap_or_else(|| "Messages".to_owned())
    });
    let about = move || {
        detail
            .value()
            .map(|d| with_label(&d.thread))
            .unwrap_or_default()
    };
    let shown = Memo::new(move |_| match detail.get() {
        None => View::Loading,
        Some(Err(p)) if p.code == ErrorCode::NotFound => View::NotFound,
        Some(Err(p)) => View::Failed(p),
        Some(Ok(d)) => View::Loaded {
            thread_id: d.thread.id,
            patient_id: d.thread.patient_id,
            open: d.thread.status == ThreadStatus::Open,
        },
    });
    view! {
        <PageTitle text=title />
        <div class="page page-narrow">
            <nav class="breadcrumbs" aria-label="Breadcrumbs">
                <A href="/portal/messages">"Messages"</A>
            </nav>
            {move || match shown.get() {
                View::Loading => view! { <SkeletonRows rows=5 /> }.into_any(),
                View::NotFound => {
                    view! {
                        <h1 class="page-title">"Conversation not found"</h1>
                        <EmptyState title="There is no conversation of yours at this address" />
                    }
                        .into_any()
                }
                View::Failed(problem) => view! { <ProblemAlert problem /> }.into_any(),
                View::Loaded { thread_id, patient_id, open } => {
                    view! {
                        <h1 class="page-title">{move || title.get()}</h1>
                        <p class="muted">{about}</p>
                        <section class="card" aria-label="Conversation">
                            <MessageList detail viewer=Side::Patient />
                        </section>
                        {if open {
                            view! {
                                <section class="card" aria-label="Write a reply">
                                    <ReplyBox detail thread_id patient_id />
                                </section>
                            }
                                .into_any()
                        } else {
                            view! {
                                <div class="alert alert-info" role="note" data-testid="thread-closed">
                                    <p class="alert-body">
                                        "This conversation is closed, so it takes no more replies. "
                                        <A href="/portal/messages?new=1">"Start a new message"</A>
                                        " to write to your care team again."
                                    </p>
                                </div>
                            }
                                .into_any()
                        }}
                    }
                        .into_any()
                }
            }}
        </div>
    }
}
