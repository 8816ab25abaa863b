//! Writing to a patient from their record: by SMS or email, within their contact consents, from
//! one of the practice's templates or from scratch.

use api_types::comms::{CorrespondenceChannel, SendMessage, StaffTemplate, SMS_MAX_CHARS};
use api_types::sharing::ConsentKind;
use api_types::{ErrorCode, Problem};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use super::Correspondent;
use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{use_toasts, ProblemAlert, SelectField, TextAreaField, TextField};
use crate::format;
use crate::forms::FieldErrors;

fn consent_of(channel: CorrespondenceChannel) -> ConsentKind {
    match channel {
        CorrespondenceChannel::Sms => ConsentKind::SmsContact,
        _ => ConsentKind::EmailContact,
    }
}

#[component]
pub fn ComposePanel(patient: Correspondent, on_sent: Callback<()>) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let Correspondent {
        id,
        first_name,
        has_mobile,
        has_email,
    } = patient;
    let first_name = StoredValue::new(first_name);
    let channel = RwSignal::new(if has_mobile || !has_email {
        CorrespondenceChannel::Sms
    } else {
        CorrespondenceChannel::Email
    });
    let template = RwSignal::new(String::new());
    let subject = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let errors = FieldErrors::new();
    let problem = RwSignal::new(None::<Problem>);
    let consents = Loader::new(
        || (),
        move |()| async move { api::patients::consents(&auth.client(), id).await },
    );
    // The practice's templates. Until they arrive (or if they cannot be read) there is nothing
    // to choose from, and the message is written from scratch.
    let templates = Loader::new(
        || (),
        move |()| async move { api::comms::staff_templates(&auth.client()).await },
    );

    // A template fills in the subject and the message, which can then be changed.
    Effect::new(move |_| {
        let name = template.get();
        let chosen = untrack(|| templates.value())
            .and_then(|all| all.templates.into_iter().find(|t| t.name == name));
        let Some(t) = chosen else {
            return;
        };
        let practice = untrack(|| auth.me())
            .map(|me| me.practice_name)
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "the practice".to_owned());
        first_name.with_value(|first| {
            subject.set(StaffTemplate::render(&t.subject, first, &practice));
            body.set(StaffTemplate::render(&t.body, first, &practice));
        });
        errors.clear();
    });

    // Why the chosen channel cannot be used, if it cannot.
    let blocked = move || {
        let c = channel.get();
        let first = first_name.get_value();
        let (has, what, channel_name) = match c {
            CorrespondenceChannel::Sms => (has_mobile, "mobile number", "SMS"),
            _ => (has_email, "email address", "email"),
        };
        if !has {
            return Some(format!(
                "{first} has no {what} on file. Add one to their details to write to them by {channel_name}."
            ));
        }
        let withdrawn = consents.value().is_some_and(|all| {
            all.iter()
                .any(|consent| consent.kind == consent_of(c) && !consent.given)
        });
        withdrawn.then(|| {
            format!(
                "{first} has withdrawn consent to {channel_name} contact, so the practice may not write to them that way."
            )
        })
    };

    let send = Action::new_unsync(move |message: &SendMessage| {
        let message = message.clone();
        async move {
            match api::comms::send(&auth.client(), id, &message).await {
                Ok(_) => {
                    let what = match message.channel {
                        CorrespondenceChannel::Sms => "SMS",
                        _ => "Email",
                    };
                    toasts.success(format!(
                        "{what} to {} queued for sending.",
                        first_name.get_value()
                    ));
                    template.set(String::new());
                    subject.set(String::new());
                    body.set(String::new());
                    on_sent.run(());
                }
                Err(p) => {
                    if p.code == ErrorCode::ConsentWithdrawn {
                        consents.reload();
                    }
                    problem.set(errors.absorb(p));
                }
            }
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        let c = channel.get_untracked();
        let message = SendMessage {
            channel: c,
            subject: (c == CorrespondenceChannel::Email)
                .then(|| subject.get_untracked().trim().to_owned()),
            body: body.get_untracked().trim().to_owned(),
        };
        if errors.check(message.validate()) {
            send.dispatch(message);
        }
    };

    let template_picker = move || {
        let names = templates
            .value()
            .map(|all| all.templates)
            .filter(|all| !all.is_empty())?;
        let options = std::iter::once((String::new(), "Write my own".to_owned()))
            .chain(names.into_iter().map(|t| (t.name.clone(), t.name)))
            .collect::<Vec<_>>();
        Some(
            view! { <SelectField id="compose-template" label="Template" value=template options /> },
        )
    };
    let channels = [CorrespondenceChannel::Sms, CorrespondenceChannel::Email]
        .into_iter()
        .map(|c| {
            view! {
                <button
                    type="button"
                    class="segmented-button"
                    aria-pressed=move || (channel.get() == c).to_string()
                    on:click=move |_| {
                        channel.set(c);
                        problem.set(None);
                        errors.clear();
                    }
                >
                    {c.label()}
                </button>
            }
        })
        .collect_view();
    let chars = move || body.with(|b| b.trim().chars().count());
    let channel_error = errors.of("channel");
    view! {
        <section class="card" aria-labelledby="compose-heading">
            <h2 id="compose-heading" class="card-title">
                {move || format!("Write to {}", first_name.get_value())}
            </h2>
            <form class="stack" on:submit=on_submit novalidate=true>
                <div class="field">
                    <span class="field-label" id="compose-channel-label">"Send by"</span>
                    <div class="segmented" role="group" aria-labelledby="compose-channel-label">
                        {channels}
                    </div>
                    {move || channel_error.get().map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
                {move || {
                    blocked()
                        .map(|why| {
                            view! {
                                <div class="alert alert-warning" role="note" data-testid="compose-blocked">
                                    <p class="alert-body">{why}</p>
                                </div>
                            }
                        })
                }}
                {move || problem.get().map(|problem| view! { <ProblemAlert problem /> })}
                {template_picker}
                <Show when=move || channel.get() == CorrespondenceChannel::Email>
                    <TextField id="compose-subject" label="Subject" value=subject error=errors.of("subject") required=true />
                </Show>
                <TextAreaField id="compose-body" label="Message" value=body error=errors.of("body") rows=6 />
                <Show when=move || channel.get() == CorrespondenceChannel::Sms>
                    <p
                        class=move || {
                            if chars() > SMS_MAX_CHARS { "field-hint compose-count field-error" } else { "field-hint compose-count" }
                        }
                        data-testid="sms-count"
                    >
                        {move || format::sms_length(chars())}
                    </p>
                </Show>
                <div class="form-actions">
                    <button
                        type="submit"
                        class="button button-primary"
                        disabled=move || send.pending().get() || blocked().is_some()
                    >
                        {move || match channel.get() {
                            CorrespondenceChannel::Sms => "Send SMS",
                            _ => "Send email",
                        }}
                    </button>
                </div>
            </form>
        </section>
    }
}
