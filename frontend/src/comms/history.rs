//! A patient's Correspondence tab: every message to and from them, newest first, by channel,
//! following changes as the live connection reports them so that a message's delivery (or a
//! call's progress) shows as it happens; and the panels for writing to them and calling them.

use api_types::comms::{Correspondence, CorrespondenceChannel, PatientCorrespondenceQuery};
use leptos::prelude::*;

use super::call::{CallPanel, CallSummary};
use super::compose::ComposePanel;
use super::entry::{
    items, key, origin, route, shape, EntryActions, EntryMeta, SecureMessageLink, Shape,
};
use super::{follow_correspondence, Correspondent};
use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{EmptyState, Pagination, ProblemAlert, SkeletonRows};

const PAGE_SIZE: u64 = 20;

#[component]
pub fn CorrespondenceTab(patient: Correspondent) -> impl IntoView {
    let auth = use_auth();
    let id = patient.id;
    let channel = RwSignal::new(None::<CorrespondenceChannel>);
    let offset = RwSignal::new(0_u64);
    Effect::new(move |_| {
        channel.track();
        offset.set(0);
    });
    let list = Loader::new(
        move || PatientCorrespondenceQuery {
            channel: channel.get(),
            limit: Some(PAGE_SIZE),
            offset: Some(offset.get()),
        },
        move |q| async move { api::comms::of_patient(&auth.client(), id, &q).await },
    );
    follow_correspondence(Some(id), move || list.reload());
    let shape = shape(list);
    let total = Signal::derive(move || list.value().map(|p| (p.total, p.total_capped)));
    let on_change = Callback::new(move |()| list.reload());
    // A call just started: show it at the top of the full list.
    let on_called = Callback::new(move |()| {
        if channel
            .get_untracked()
            .is_some_and(|c| c != CorrespondenceChannel::Call)
        {
            channel.set(None);
        }
        offset.set(0);
        list.reload();
    });
    let can_write = move || {
        auth.me()
            .is_some_and(|me| me.role.has(api_types::Permission::CorrespondenceWrite))
    };
    let filters = std::iter::once((None, "All"))
        .chain(CorrespondenceChannel::ALL.map(|c| (Some(c), c.label())))
        .map(|(c, label)| {
            view! {
                <button
                    type="button"
                    class="segmented-button"
                    aria-pressed=move || (channel.get() == c).to_string()
                    on:click=move |_| channel.set(c)
                >
                    {label}
                </button>
            }
        })
        .collect_view();
    let compose_patient = patient.clone();
    let call_patient = patient.clone();
    view! {
        <div class="split">
            <div class="split-main">
                <section class="card card-flush" aria-labelledby="correspondence-heading">
                    <div class="card-header message-list-header">
                        <h2 id="correspondence-heading" class="card-title">"Correspondence"</h2>
                        <div class="segmented segmented-wrap" role="group" aria-label="Channel">
                            {filters}
                        </div>
                    </div>
                    {move || match shape.get() {
                        Shape::Loading => view! { <SkeletonRows rows=4 /> }.into_any(),
                        Shape::Failed(problem) => view! { <ProblemAlert problem /> }.into_any(),
                        Shape::Empty => {
                            let title = match channel.get_untracked() {
                                None => "No messages yet".to_owned(),
                                Some(c) => format!("No {} messages", c.label()),
                            };
                            view! {
                                <EmptyState
                                    title
                                    detail="Appointment messages, reminders, calls, what staff write and what the patient sends back all appear here."
                                />
                            }
                                .into_any()
                        }
                        Shape::Items => {
                            view! {
                                <ul class="plain-list message-list" aria-label="Messages">
                                    <For
                                        each=move || items(list)
                                        key=key
                                        children=move |entry| view! { <HistoryEntry entry on_change /> }
                                    />
                                </ul>
                            }
                                .into_any()
                        }
                    }}
                    <Pagination offset limit=PAGE_SIZE total />
                </section>
            </div>
            <aside class="split-side">
                <Show
                    when=can_write
                    fallback=|| {
                        view! { <p class="muted">"Your role may read this patient's correspondence but not write to them."</p> }
                    }
                >
                    <div class="stack">
                        <CallPanel patient=call_patient.clone() on_started=on_called />
                        <ComposePanel patient=compose_patient.clone() on_sent=on_change />
                    </div>
                </Show>
            </aside>
        </div>
    }
}

/// One message in the patient's history.
#[component]
fn HistoryEntry(entry: Correspondence, on_change: Callback<()>) -> impl IntoView {
    let heading = route(&entry);
    let origin = origin(&entry);
    view! {
        <li class="message" data-testid="correspondence-entry">
            <div class="message-head">
                <span class="list-primary">{heading}</span>
                <EntryMeta entry=entry.clone() />
            </div>
            <p class="muted message-note">{origin}</p>
            {match entry.thread_id {
                Some(thread_id) => view! { <SecureMessageLink thread_id /> }.into_any(),
                None if entry.channel == CorrespondenceChannel::Call => {
                    view! { <CallSummary entry=entry.clone() /> }.into_any()
                }
                None => view! {
                    {entry.subject.clone().map(|s| view! { <p class="message-subject">{s}</p> })}
                    <p class="pre-wrap message-text">{entry.body.clone()}</p>
                }
                    .into_any(),
            }}
            <EntryActions entry on_change />
        </li>
    }
}
