//! `/admin/outbox`: messages waiting to be sent, sent, or given up on, with their last error.

use api_types::admin::{OutboxMessage, OutboxQuery, OutboxStatus};
use api_types::integrations::{CredentialSource, Provider};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{
    use_toasts, EmptyState, PageTitle, Pagination, ProblemAlert, SelectField, SkeletonRows,
};
use crate::format;

const PAGE_SIZE: u64 = 25;

#[component]
pub fn OutboxPage() -> impl IntoView {
    let auth = use_auth();
    let status = RwSignal::new(String::new());
    let offset = RwSignal::new(0_u64);
    Effect::new(move |_| {
        status.track();
        offset.set(0);
    });
    let messages = Loader::new(
        move || OutboxQuery {
            status: match status.get().as_str() {
                "pending" => Some(OutboxStatus::Pending),
                "sent" => Some(OutboxStatus::Sent),
                "failed" => Some(OutboxStatus::Failed),
                _ => None,
            },
            recipient: None,
            limit: Some(PAGE_SIZE),
            offset: Some(offset.get()),
        },
        move |q| async move { api::admin::outbox(&auth.client(), &q).await },
    );
    let total = Signal::derive(move || messages.value().map(|p| (p.total, p.total_capped)));
    let options = vec![
        (String::new(), "All messages".to_owned()),
        ("pending".to_owned(), "Waiting to send".to_owned()),
        ("sent".to_owned(), "Sent".to_owned()),
        ("failed".to_owned(), "Failed".to_owned()),
    ];
    view! {
        <PageTitle text="Outbox" />
        <div class="page">
            <div class="page-header">
                <h1 class="page-title">"Outbox"</h1>
                <button type="button" class="button button-secondary" on:click=move |_| messages.reload()>
                    "Refresh"
                </button>
            </div>
            <p class="muted">
                "Every email and text Carebase sends goes through the outbox, so that none is lost if a mail server is down. Failed messages were retried several times first."
            </p>
            <NotSending />
            <div class="toolbar">
                <SelectField id="outbox-status" label="Show" value=status options />
            </div>
            <div class="card card-flush">
                {move || match messages.get() {
                    None => view! { <SkeletonRows rows=5 /> }.into_any(),
                    Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                    Some(Ok(page)) if page.items.is_empty() => {
                        view! { <EmptyState title="No messages" /> }.into_any()
                    }
                    Some(Ok(page)) => {
                        view! {
                            <ul class="plain-list outbox-list">
                                {page.items.into_iter().map(|m| view! { <MessageRow message=m on_change=Callback::new(move |()| messages.reload()) /> }).collect_view()}
                            </ul>
                        }
                            .into_any()
                    }
                }}
                <Pagination offset limit=PAGE_SIZE total />
            </div>
        </div>
    }
}

/// How long a message may wait untried before the outbox says its channel is not being sent.
const UNTRIED_MINUTES: i64 = 2;

/// Says so when a channel's messages wait without ever being tried: email with no mail server
/// set up, or texts without Twilio; with where to set it up.
#[component]
fn NotSending() -> impl IntoView {
    let auth = use_auth();
    let waiting = Loader::new(
        || (),
        move |()| async move {
            let query = OutboxQuery {
                status: Some(OutboxStatus::Pending),
                recipient: None,
                limit: Some(100),
                offset: None,
            };
            let page = api::admin::outbox(&auth.client(), &query).await?;
            let twilio = api::admin::integrations(&auth.client())
                .await
                .ok()
                .and_then(|list| list.into_iter().find(|i| i.provider == Provider::Twilio))
                .map(|i| i.source != CredentialSource::None);
            let cutoff = format::now() - chrono::Duration::minutes(UNTRIED_MINUTES);
            let stuck = |channel: &str| {
                page.items
                    .iter()
                    .filter(|m| m.channel == channel && m.attempts == 0 && m.created_at < cutoff)
                    .count()
            };
            Ok::<_, api_types::Problem>((stuck("email"), stuck("sms"), twilio))
        },
    );
    move || {
        let (email, sms, twilio) = waiting.value()?;
        let sms = if twilio == Some(true) { 0 } else { sms };
        (email > 0 || sms > 0).then(|| {
            view! {
                <div class="alert alert-warning" role="note" data-testid="outbox-not-sending">
                    <p class="alert-title">"Some messages are not being sent"</p>
                    {(email > 0).then(|| view! {
                        <p class="alert-body">
                            {format!("{email} email{} waiting and never tried: email is not set up on this server. ", if email == 1 { " is" } else { "s are" })}
                            "Emails are sent through the mail server named in the server's configuration (the "
                            <code>"CAREBASE_SMTP__*"</code>
                            " settings); until it is set, they wait here and nothing is lost. "
                            <A href="/admin/integrations">"See the practice's services under Integrations"</A>
                        </p>
                    })}
                    {(sms > 0).then(|| view! {
                        <p class="alert-body">
                            {format!("{sms} text{} waiting: texting is not set up. ", if sms == 1 { " is" } else { "s are" })}
                            <A href="/admin/integrations">"Set up Twilio under Integrations"</A>
                        </p>
                    })}
                </div>
            }
        })
    }
}

#[component]
fn MessageRow(message: OutboxMessage, on_change: Callback<()>) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let m = message;
    let id = m.id;
    let again = Action::new_unsync(move |_: &()| async move {
        match api::admin::retry_outbox_message(&auth.client(), id).await {
            Ok(()) => {
                toasts.success("The message will be sent again shortly.");
                on_change.run(());
            }
            Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
        }
    });
    let failed = m.status == OutboxStatus::Failed;
    let (class, label) = match m.status {
        OutboxStatus::Pending => ("badge-warning", "Waiting"),
        OutboxStatus::Sent => ("badge-success", "Sent"),
        OutboxStatus::Failed => ("badge-danger", "Failed"),
    };
    view! {
        <li class="outbox-item">
            <details>
                <summary class="outbox-summary">
                    <span class=format!("badge {class}")>{label}</span>
                    <span class="list-primary">{m.subject.clone()}</span>
                    <span class="muted">" to " {m.recipient.clone()} " · " {m.channel.clone()}</span>
                    <span class="muted outbox-time">{format::date_time(m.created_at)}</span>
                </summary>
                <div class="outbox-body">
                    <pre class="pre-wrap message-body">{m.body.clone()}</pre>
                    <p class="muted">
                        {format!("Attempts: {}", m.attempts)}
                        {m.sent_at.map(|t| format!(" · sent {}", format::date_time(t)))}
                    </p>
                    {m.last_error.clone().map(|e| view! { <p class="field-error">"Last error: " {e}</p> })}
                    {failed.then(|| view! {
                        <button
                            type="button"
                            class="button button-secondary button-small"
                            disabled=move || again.pending().get()
                            on:click=move |_| { again.dispatch(()); }
                        >
                            "Send again"
                        </button>
                    })}
                </div>
            </details>
        </li>
    }
}
