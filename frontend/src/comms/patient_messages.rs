//! A patient's Messages tab: their conversations with the practice, open and closed, and
//! starting a new one with them.

use api_types::messaging::{LiveFrame, ThreadQuery};
use api_types::{Permission, Role};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::entry::{shape, Shape};
use super::messages::ThreadRows;
use super::Correspondent;
use crate::api::{self, live, Loader};
use crate::auth::use_auth;
use crate::components::common::{EmptyState, Pagination, ProblemAlert, SkeletonRows};
use crate::messaging::{NewConversationForm, Writer};

const PAGE_SIZE: u64 = 20;

#[component]
pub fn PatientMessagesTab(patient: Correspondent) -> impl IntoView {
    let auth = use_auth();
    let navigate = use_navigate();
    let id = patient.id;
    let offset = RwSignal::new(0_u64);
    let list = Loader::new(
        move || ThreadQuery {
            patient_id: Some(id),
            limit: Some(PAGE_SIZE),
            offset: Some(offset.get()),
            ..ThreadQuery::default()
        },
        move |q| async move { api::messaging::threads(&auth.client(), &q).await },
    );
    live::on_change(
        move |f| matches!(f, LiveFrame::Thread { patient_id, .. } if *patient_id == id),
        move || list.reload(),
    );
    let shape = shape(list);
    let total = Signal::derive(move || list.value().map(|p| (p.total, p.total_capped)));
    // Conversations are read by the patient's clinicians and administrators; other staff see
    // that they exist.
    let may_start = move || {
        auth.me().is_some_and(|me| {
            me.role.has(Permission::CorrespondenceWrite)
                && (me.role == Role::Admin || me.role.has(Permission::ClinicalAccess))
        })
    };
    let writing = RwSignal::new(false);
    let first_name = patient.first_name.clone();
    let on_started = Callback::new(move |detail: api_types::messaging::ThreadDetail| {
        navigate(
            &format!("/messages/{}", detail.thread.id),
            Default::default(),
        );
    });
    view! {
        <div class="split">
            <div class="split-main">
                <section class="card card-flush" aria-labelledby="patient-messages-heading">
                    <div class="card-header message-list-header">
                        <h2 id="patient-messages-heading" class="card-title">"Messages"</h2>
                    </div>
                    {move || match shape.get() {
                        Shape::Loading => view! { <SkeletonRows rows=3 /> }.into_any(),
                        Shape::Failed(problem) => view! { <ProblemAlert problem /> }.into_any(),
                        Shape::Empty => {
                            view! {
                                <EmptyState
                                    title="No conversations yet"
                                    detail="Secure conversations with the patient, from the portal or started here, appear here."
                                />
                            }
                                .into_any()
                        }
                        Shape::Items => view! { <ThreadRows list show_patient=false /> }.into_any(),
                    }}
                    <Pagination offset limit=PAGE_SIZE total />
                </section>
            </div>
            <aside class="split-side">
                <Show
                    when=may_start
                    fallback=|| view! {
                        <p class="muted">
                            "Conversations are between the patient and their care team: your role sees that they exist, not what they say."
                        </p>
                    }
                >
                    <section class="card" aria-labelledby="new-conversation-heading">
                        <h2 id="new-conversation-heading" class="card-title">
                            {format!("Write to {first_name}")}
                        </h2>
                        <Show
                            when=move || writing.get()
                            fallback=move || view! {
                                <p class="muted">"A secure message: the patient reads it, and answers, in the portal."</p>
                                <button type="button" class="button button-primary" on:click=move |_| writing.set(true)>
                                    "New conversation"
                                </button>
                            }
                        >
                            <NewConversationForm
                                patient_id=id
                                writer=Writer::Staff
                                on_started
                                on_cancel=Callback::new(move |()| writing.set(false))
                            />
                        </Show>
                    </section>
                </Show>
            </aside>
        </div>
    }
}
