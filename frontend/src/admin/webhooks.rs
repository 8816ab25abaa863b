//! `/admin/webhooks` (Provider calls): every call a provider made to the practice — incoming
//! texts and emails, delivery reports, and the progress of phone calls — whether its signature was good, what came of it, and how
//! long it took. A refused call (a bad or missing signature) is shown with the reason. The list
//! updates by itself.

use api_types::comms::{WebhookEvent, WebhookEventQuery};
use leptos::prelude::*;

use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{
    EmptyState, PageTitle, Pagination, ProblemAlert, SelectField, SkeletonRows,
};
use crate::format;

const PAGE_SIZE: u64 = 25;
/// The log follows calls as the live connection reports them; this slow refresh only covers a
/// connection that is down and not yet back.
const SAFETY_REFRESH_MS: u64 = 60_000;

/// What was called, in words.
fn endpoint_label(endpoint: &str) -> String {
    match endpoint {
        "sms" => "Incoming SMS".to_owned(),
        "message_status" => "Delivery report".to_owned(),
        "email" => "Incoming email".to_owned(),
        "call_connect" => "Call answered by staff".to_owned(),
        "call_announce" => "Recording announcement".to_owned(),
        "call_dialed" => "Call to the patient ended".to_owned(),
        "call_status" => "Call ended".to_owned(),
        "call_recording" => "Call recording".to_owned(),
        other => other.replace('_', " "),
    }
}

/// What came of a call, in words.
fn outcome_label(outcome: &str) -> String {
    match outcome {
        "stored" => "Added to the patient's record".to_owned(),
        "triage" => "Waiting for staff to choose the patient".to_owned(),
        "duplicate" => "Already received; ignored".to_owned(),
        "opted_out" => "Patient stopped SMS".to_owned(),
        "opted_in" => "Patient restarted SMS".to_owned(),
        "status" => "Delivery status recorded".to_owned(),
        "connecting" => "Connecting the patient".to_owned(),
        "announced" => "Patient told the call is recorded".to_owned(),
        "answered" => "Call answered".to_owned(),
        "not_answered" => "Patient not reached".to_owned(),
        "ended" => "Call already over".to_owned(),
        "no_number" => "No number to call".to_owned(),
        "erased" => "Patient's data erased".to_owned(),
        "recording" => "Recording to be saved".to_owned(),
        "no_recording" => "No recording made".to_owned(),
        "unchanged" => "No change".to_owned(),
        "unknown" => "Not a message Carebase knows".to_owned(),
        "refused" => "Refused".to_owned(),
        "ignored" => "Nothing to do".to_owned(),
        "error" => "Failed in Carebase".to_owned(),
        other => other.replace('_', " "),
    }
}

fn provider_label(provider: &str) -> String {
    match provider {
        "twilio" => "Twilio".to_owned(),
        "mailgun" => "Mailgun".to_owned(),
        other => other.to_owned(),
    }
}

#[component]
pub fn WebhookEventsPage() -> impl IntoView {
    let auth = use_auth();
    let show = RwSignal::new(String::new());
    let offset = RwSignal::new(0_u64);
    Effect::new(move |_| {
        show.track();
        offset.set(0);
    });
    let calls = Loader::new(
        move || WebhookEventQuery {
            provider: None,
            verified: match show.get().as_str() {
                "verified" => Some(true),
                "refused" => Some(false),
                _ => None,
            },
            limit: Some(PAGE_SIZE),
            offset: Some(offset.get()),
        },
        move |q| async move { api::comms::webhook_events(&auth.client(), &q).await },
    );
    crate::api::live::on_change(
        |f| matches!(f, api_types::messaging::LiveFrame::Webhook),
        move || calls.reload(),
    );
    if let Ok(handle) = set_interval_with_handle(
        move || calls.reload(),
        std::time::Duration::from_millis(SAFETY_REFRESH_MS),
    ) {
        on_cleanup(move || handle.clear());
    }
    let total = Signal::derive(move || calls.value().map(|p| (p.total, p.total_capped)));
    let options = vec![
        (String::new(), "All calls".to_owned()),
        ("refused".to_owned(), "Refused".to_owned()),
        ("verified".to_owned(), "Verified".to_owned()),
    ];
    view! {
        <PageTitle text="Provider calls" />
        <div class="page">
            <div class="page-header">
                <h1 class="page-title">"Provider calls"</h1>
                <button type="button" class="button button-secondary" on:click=move |_| calls.reload()>
                    "Refresh"
                </button>
            </div>
            <p class="muted">
                "Each time a provider calls Carebase — with a text or email from a patient, a report on a message's delivery, or the progress of a phone call — the call is checked for the provider's signature and logged here. A refused call was not acted on. The list updates by itself."
            </p>
            <div class="toolbar">
                <SelectField id="webhooks-show" label="Show" value=show options />
            </div>
            <div class="card card-flush">
                {move || match calls.get() {
                    None => view! { <SkeletonRows rows=5 /> }.into_any(),
                    Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                    Some(Ok(page)) if page.items.is_empty() => {
                        view! { <EmptyState title="No calls yet" detail="Calls appear once a provider sends texts or emails from patients, delivery reports or news of phone calls." /> }
                            .into_any()
                    }
                    Some(Ok(page)) => {
                        view! {
                            <div class="table-scroll">
                                <table class="table">
                                    <thead>
                                        <tr>
                                            <th scope="col">"Time"</th>
                                            <th scope="col">"Provider"</th>
                                            <th scope="col">"What"</th>
                                            <th scope="col">"Signature"</th>
                                            <th scope="col">"Outcome"</th>
                                            <th scope="col">"Reference"</th>
                                            <th scope="col" class="numeric">"Duration"</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {page.items.into_iter().map(|call| view! { <CallRow call /> }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }
                            .into_any()
                    }
                }}
                <Pagination offset limit=PAGE_SIZE total />
            </div>
        </div>
    }
}

#[component]
fn CallRow(call: WebhookEvent) -> impl IntoView {
    let signature = if call.verified {
        view! { <span class="badge badge-success">"✓ Verified"</span> }.into_any()
    } else {
        view! {
            <span class="badge badge-danger">"Refused"</span>
            {call.refusal.clone().map(|r| view! { <div class="muted">{r}</div> })}
        }
        .into_any()
    };
    view! {
        <tr data-testid="provider-call">
            <td class="nowrap">{format::date_time(call.received_at)}</td>
            <td>{provider_label(&call.provider)}</td>
            <td>{endpoint_label(&call.endpoint)}</td>
            <td>{signature}</td>
            <td>{outcome_label(&call.outcome)}</td>
            <td><code>{call.reference.clone().unwrap_or_default()}</code></td>
            <td class="numeric">{format!("{} ms", call.duration_ms)}</td>
        </tr>
    }
}
