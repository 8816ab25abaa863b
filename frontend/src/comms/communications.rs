//! `/communications`: everything the practice sent and received. Replies nobody has answered
//! come first (the server's order), then the newest; failed messages carry their error and can
//! be sent again; a message whose number matched no patient, or several, waits here until staff
//! say whose it is. The list follows changes as the live connection reports them.

use api_types::admin::UserQuery;
use api_types::comms::{
    Correspondence, CorrespondenceChannel, CorrespondenceQuery, CorrespondenceStatus, Direction,
};
use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_router::components::A;
use uuid::Uuid;

use super::call::CallSummary;
use super::entry::{
    items, key, origin, route, shape, EntryActions, EntryMeta, SecureMessageLink, Shape,
};
use super::follow_correspondence;
use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{
    use_toasts, CheckboxField, EmptyState, PageTitle, Pagination, PatientPicker, ProblemAlert,
    SelectField, SkeletonRows, TextField,
};

const PAGE_SIZE: u64 = 25;
/// How much of a message a row shows.
const PREVIEW_CHARS: usize = 160;

fn channel_value(c: CorrespondenceChannel) -> &'static str {
    match c {
        CorrespondenceChannel::Email => "email",
        CorrespondenceChannel::Sms => "sms",
        CorrespondenceChannel::Call => "call",
        CorrespondenceChannel::Portal => "portal",
        CorrespondenceChannel::Video => "video",
    }
}

const STATUSES: [(CorrespondenceStatus, &str); 6] = [
    (CorrespondenceStatus::Queued, "queued"),
    (CorrespondenceStatus::Sent, "sent"),
    (CorrespondenceStatus::Delivered, "delivered"),
    (CorrespondenceStatus::Failed, "failed"),
    (CorrespondenceStatus::Received, "received"),
    (CorrespondenceStatus::Read, "read"),
];

fn date(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").ok()
}

/// The start of a message, for a row.
fn preview(c: &Correspondence) -> String {
    let text = c.body.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut short: String = text.chars().take(PREVIEW_CHARS).collect();
    if text.chars().count() > PREVIEW_CHARS {
        short.push('…');
    }
    match &c.subject {
        Some(s) if !s.is_empty() => format!("{s} — {short}"),
        _ => short,
    }
}

#[component]
pub fn CommunicationsPage() -> impl IntoView {
    let auth = use_auth();
    let channel = RwSignal::new(String::new());
    let direction = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let staff = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let triage = RwSignal::new(false);
    let unanswered = RwSignal::new(false);
    let offset = RwSignal::new(0_u64);
    Effect::new(move |_| {
        channel.track();
        direction.track();
        status.track();
        staff.track();
        from.track();
        to.track();
        triage.track();
        unanswered.track();
        offset.set(0);
    });
    let list = Loader::new(
        move || CorrespondenceQuery {
            channel: CorrespondenceChannel::ALL
                .into_iter()
                .find(|c| channel_value(*c) == channel.get()),
            direction: match direction.get().as_str() {
                "outbound" => Some(Direction::Outbound),
                "inbound" => Some(Direction::Inbound),
                _ => None,
            },
            status: STATUSES
                .into_iter()
                .find(|(_, v)| *v == status.get())
                .map(|(s, _)| s),
            staff_id: Uuid::parse_str(&staff.get()).ok(),
            from: date(&from.get()),
            to: date(&to.get()),
            triage: triage.get().then_some(true),
            unanswered: unanswered.get().then_some(true),
            limit: Some(PAGE_SIZE),
            offset: Some(offset.get()),
        },
        move |q| async move { api::comms::list(&auth.client(), &q).await },
    );
    follow_correspondence(None, move || list.reload());
    let shape = shape(list);
    let total = Signal::derive(move || list.value().map(|p| (p.total, p.total_capped)));
    let on_change = Callback::new(move |()| list.reload());
    let members = Loader::new(
        || (),
        move |()| async move {
            let query = UserQuery {
                role: None,
                limit: Some(100),
                offset: None,
            };
            api::admin::users(&auth.client(), &query).await.map(|p| {
                p.items
                    .into_iter()
                    .filter(|u| u.role.is_staff())
                    .map(|u| (u.id.to_string(), u.name))
                    .collect::<Vec<_>>()
            })
        },
    );
    let channel_options = std::iter::once((String::new(), "All channels".to_owned()))
        .chain(
            CorrespondenceChannel::ALL.map(|c| (channel_value(c).to_owned(), c.label().to_owned())),
        )
        .collect::<Vec<_>>();
    let direction_options = vec![
        (String::new(), "Both ways".to_owned()),
        ("outbound".to_owned(), "Sent to patients".to_owned()),
        ("inbound".to_owned(), "From patients".to_owned()),
    ];
    let status_options = std::iter::once((String::new(), "Any status".to_owned()))
        .chain(
            STATUSES
                .into_iter()
                .map(|(s, v)| (v.to_owned(), s.label().to_owned())),
        )
        .collect::<Vec<_>>();
    view! {
        <PageTitle text="Communications" />
        <div class="page">
            <div class="page-header">
                <h1 class="page-title">"Communications"</h1>
                <button type="button" class="button button-secondary" on:click=move |_| list.reload()>
                    "Refresh"
                </button>
            </div>
            <p class="muted">
                "Every message to and from patients. Replies nobody has answered yet come first; writing back to the patient, or marking a reply answered, clears it. The list updates by itself."
            </p>
            <div class="toolbar comms-filters">
                <SelectField id="comms-channel" label="Channel" value=channel options=channel_options />
                <SelectField id="comms-direction" label="Direction" value=direction options=direction_options />
                <SelectField id="comms-status" label="Status" value=status options=status_options />
                {move || {
                    let options = std::iter::once((String::new(), "Anyone".to_owned()))
                        .chain(members.value().unwrap_or_default())
                        .collect::<Vec<_>>();
                    view! { <SelectField id="comms-staff" label="Staff member" value=staff options /> }
                }}
                <TextField id="comms-from" label="From" input_type="date" value=from />
                <TextField id="comms-to" label="To" input_type="date" value=to />
                <div class="comms-checks">
                    <CheckboxField id="comms-triage" label="Needs a patient" checked=triage />
                    <CheckboxField id="comms-unanswered" label="Unanswered" checked=unanswered />
                </div>
            </div>
            <section class="card card-flush" aria-label="Messages">
                {move || match shape.get() {
                    Shape::Loading => view! { <SkeletonRows rows=5 /> }.into_any(),
                    Shape::Failed(problem) => view! { <ProblemAlert problem /> }.into_any(),
                    Shape::Empty => view! { <EmptyState title="No messages match" /> }.into_any(),
                    Shape::Items => {
                        view! {
                            <ul class="plain-list message-list">
                                <For
                                    each=move || items(list)
                                    key=key
                                    children=move |entry| view! { <PracticeEntry entry on_change /> }
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

/// One message in the practice's list.
#[component]
fn PracticeEntry(entry: Correspondence, on_change: Callback<()>) -> impl IntoView {
    let who = match (entry.patient_id, entry.patient_name.clone()) {
        (Some(id), name) => {
            let name = name.unwrap_or_else(|| "The patient".to_owned());
            view! {
                <A href=format!("/patients/{id}/correspondence") attr:class="list-primary">
                    {name}
                </A>
            }
            .into_any()
        }
        (None, _) => {
            view! { <span class="badge badge-warning">"Needs a patient"</span> }.into_any()
        }
    };
    let origin = origin(&entry);
    let in_triage = entry.patient_id.is_none() && entry.direction == Direction::Inbound;
    view! {
        <li class="message" data-testid="communication">
            <div class="message-head">
                {who}
                <span class="muted">{route(&entry)}</span>
                <EntryMeta entry=entry.clone() />
            </div>
            {match entry.thread_id {
                Some(thread_id) => view! { <SecureMessageLink thread_id /> }.into_any(),
                None if entry.channel == CorrespondenceChannel::Call => {
                    view! { <CallSummary entry=entry.clone() /> }.into_any()
                }
                None => view! { <p class="message-text">{preview(&entry)}</p> }.into_any(),
            }}
            <p class="muted message-note">{origin}</p>
            <EntryActions entry=entry.clone() on_change />
            {in_triage.then(|| view! { <Triage entry on_change /> })}
        </li>
    }
}

/// Choosing the patient a message is from: one of those sharing the number, or anyone found by
/// search.
#[component]
fn Triage(entry: Correspondence, on_change: Callback<()>) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let id = entry.id;
    let chosen = RwSignal::new(None::<(Uuid, String)>);
    let assign = Action::new_unsync(move |(patient, name): &(Uuid, String)| {
        let (patient, name) = (*patient, name.clone());
        async move {
            match api::comms::assign(&auth.client(), id, patient).await {
                Ok(_) => {
                    toasts.success(format!("The message is now on {name}'s record."));
                    on_change.run(());
                }
                Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
            }
        }
    });
    let intro = if entry.candidates.is_empty() {
        "No patient has this number on file. Find the patient it is from:"
    } else {
        "Several patients have this number. Whose message is it?"
    };
    let candidates = entry
        .candidates
        .iter()
        .map(|c| {
            let choice = (c.patient_id, c.name.clone());
            let label = format!("Assign to {}", c.name);
            view! {
                <button
                    type="button"
                    class="button button-secondary button-small"
                    disabled=move || assign.pending().get()
                    on:click=move |_| {
                        assign.dispatch(choice.clone());
                    }
                >
                    {label}
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="triage" role="group" aria-label="Whose message is it?">
            <p class="message-note">{intro}</p>
            <div class="row-actions">{candidates}</div>
            <PatientPicker id=format!("assign-{id}") chosen />
            {move || {
                chosen
                    .get()
                    .map(|choice| {
                        let label = format!("Assign to {}", choice.1);
                        view! {
                            <button
                                type="button"
                                class="button button-primary button-small"
                                disabled=move || assign.pending().get()
                                on:click=move |_| {
                                    assign.dispatch(choice.clone());
                                }
                            >
                                {label}
                            </button>
                        }
                    })
            }}
        </div>
    }
}
