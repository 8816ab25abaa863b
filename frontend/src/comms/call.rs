//! Telephone calls with a patient: calling them from their record (the member of staff's phone
//! rings first, then the patient is connected and sees the practice's number), and what a call
//! shows wherever correspondence is listed — how it went, how long it lasted, its recording and
//! its transcript.

use api_types::comms::{
    CallDetails, CallSetup, Correspondence, CorrespondenceStatus, RecordingState, StartCall,
    TranscriptState,
};
use api_types::{ErrorCode, FieldError, Permission, Problem};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use uuid::Uuid;

use super::Correspondent;
use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{use_toasts, Dialog, ProblemAlert, SkeletonRows, TextField};
use crate::format;
use crate::forms::{self, FieldErrors};

/// A call's status in the words of a call: who is being rung, whether it was answered.
pub fn status_words(c: &Correspondence, me: Option<Uuid>) -> String {
    match c.status {
        CorrespondenceStatus::Queued => match (&c.staff_name, c.staff_id) {
            (_, Some(id)) if Some(id) == me => "Ringing your phone".to_owned(),
            (Some(name), _) => format!("Ringing {name}'s phone"),
            (None, _) => "Ringing the caller's phone".to_owned(),
        },
        CorrespondenceStatus::Sent => "Connecting".to_owned(),
        CorrespondenceStatus::Delivered => "Answered".to_owned(),
        CorrespondenceStatus::Failed => "Failed".to_owned(),
        other => other.label().to_owned(),
    }
}

/// The Phone card beside writing to the patient: the Call button and its dialog.
#[component]
pub fn CallPanel(
    patient: Correspondent,
    /// Called once the call has started, to show its entry.
    on_started: Callback<()>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let first_name = patient.first_name.clone();
    let title = format!("Call {first_name}");
    let button = title.clone();
    view! {
        <section class="card stack" aria-labelledby="call-heading">
            <h2 id="call-heading" class="card-title">"Phone"</h2>
            <p class="muted">
                {format!(
                    "Your phone rings first. When you answer, {first_name} is called and sees the practice's number."
                )}
            </p>
            <div class="form-actions form-actions-start">
                <button
                    type="button"
                    class="button button-secondary"
                    aria-haspopup="dialog"
                    on:click=move |_| open.set(true)
                >
                    {button}
                </button>
            </div>
            <Dialog open title id="call">
                <CallForm patient=patient.clone() open on_started />
            </Dialog>
        </section>
    }
}

/// What the dialog asks before a call: the phone to ring first, and whether to record it.
#[component]
fn CallForm(
    patient: Correspondent,
    open: RwSignal<bool>,
    on_started: Callback<()>,
) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let patient_id = patient.id;
    let first_name = StoredValue::new(patient.first_name);
    let setup = Loader::new(
        || (),
        move |()| async move { api::comms::call_setup(&auth.client(), patient_id).await },
    );
    let phone = RwSignal::new(String::new());
    let record = RwSignal::new(false);
    let errors = FieldErrors::new();
    let problem = RwSignal::new(None::<Problem>);

    // The phone rung last time, once the setup arrives; what was typed meanwhile is kept.
    let prefilled = StoredValue::new(false);
    Effect::new(move |_| {
        let Some(Ok(s)) = setup.get() else { return };
        if !s.may_record {
            record.set(false);
        }
        if !prefilled.get_value() {
            prefilled.set_value(true);
            if phone.get_untracked().trim().is_empty() {
                phone.set(s.staff_phone.unwrap_or_default());
            }
        }
    });

    let start = Action::new_unsync(move |call: &StartCall| {
        let call = call.clone();
        async move {
            match api::comms::start_call(&auth.client(), patient_id, &call).await {
                Ok(_) => {
                    toasts.success(format!(
                        "Your phone will ring now. Answer it to be connected to {}.",
                        first_name.get_value()
                    ));
                    on_started.run(());
                    open.set(false);
                }
                Err(p) => {
                    if p.code == ErrorCode::ConsentWithdrawn {
                        record.set(false);
                        setup.reload();
                    }
                    problem.set(errors.absorb(p));
                }
            }
        }
    });
    let pending = start.pending();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        let staff_phone = forms::optional(&phone.get_untracked());
        if staff_phone.is_none() {
            errors.check(Err(vec![FieldError {
                field: "staff_phone".to_owned(),
                code: "required".to_owned(),
                message: "Give the phone to ring first, such as +61412345678.".to_owned(),
            }]));
            return;
        }
        let may_record = matches!(
            setup.get_untracked(),
            Some(Ok(CallSetup {
                may_record: true,
                ..
            }))
        );
        let call = StartCall {
            staff_phone,
            record: record.get_untracked() && may_record,
        };
        if errors.check(call.validate()) {
            start.dispatch(call);
        }
    };

    let record_error = errors.of("record");
    let consents_link = format!("/patients/{patient_id}");
    view! {
        {move || match setup.get() {
            None => view! { <SkeletonRows rows=3 /> }.into_any(),
            Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
            Some(Ok(s)) => {
                let first = first_name.get_value();
                let number = s.patient_phone.clone().map(|n| {
                    view! {
                        <p>
                            {format!("{first} will be called on ")}
                            <strong data-testid="call-patient-phone">{n}</strong>
                            "."
                        </p>
                    }
                });
                if !s.ready {
                    let why = s
                        .not_ready
                        .clone()
                        .unwrap_or_else(|| "Calls cannot be made just now.".to_owned());
                    return view! {
                        <div class="stack">
                            {number}
                            <div class="alert alert-warning" role="note" data-testid="call-not-ready">
                                <p class="alert-body">{why}</p>
                            </div>
                            <div class="form-actions">
                                <button type="button" class="button button-secondary" on:click=move |_| open.set(false)>
                                    "Close"
                                </button>
                            </div>
                        </div>
                    }
                        .into_any();
                }
                let may_record = s.may_record;
                let transcripts = s.transcripts;
                let record_hint = {
                    let first = first.clone();
                    let link = consents_link.clone();
                    move || {
                        if !may_record {
                            view! {
                                {format!("{first} has not agreed to their calls being recorded. Their consent is recorded under Consents on ")}
                                <A href=link.clone()>"the Overview tab"</A>
                                "."
                            }
                                .into_any()
                        } else if record.get() {
                            let transcript = if transcripts {
                                "A transcript will be written after the call."
                            } else {
                                "No transcript will be written: no speech-to-text service is set up."
                            };
                            format!("{first} will hear that the call is recorded before it connects. {transcript}")
                                .into_any()
                        } else {
                            format!("{first} has agreed to their calls being recorded. They hear that it is recorded before it connects.")
                                .into_any()
                        }
                    }
                };
                view! {
                    <form class="stack" on:submit=on_submit novalidate=true>
                        {number}
                        {move || problem.get().map(|problem| view! { <ProblemAlert problem /> })}
                        <TextField
                            id="call-staff-phone"
                            label="Your phone"
                            input_type="tel"
                            autocomplete="tel"
                            inputmode="tel"
                            hint="It rings first, and is remembered for your next call. Such as 0412 345 678 or +61412345678."
                            required=true
                            value=phone
                            error=errors.of("staff_phone")
                        />
                        <div class="field">
                            <div class="checkbox-field">
                                <input
                                    id="call-record"
                                    type="checkbox"
                                    class="checkbox"
                                    disabled=!may_record
                                    aria-describedby="call-record-hint"
                                    aria-invalid=move || record_error.with(Option::is_some).then_some("true")
                                    bind:checked=record
                                />
                                <label for="call-record">"Record this call"</label>
                            </div>
                            <p class="field-hint" id="call-record-hint" data-testid="call-record-hint">
                                {record_hint}
                            </p>
                            {move || record_error.get().map(|m| view! { <p class="field-error">{m}</p> })}
                        </div>
                        <div class="form-actions">
                            <button type="button" class="button button-secondary" on:click=move |_| open.set(false)>
                                "Cancel"
                            </button>
                            <button type="submit" class="button button-primary" disabled=move || pending.get()>
                                {move || if pending.get() { "Calling…" } else { "Call now" }}
                            </button>
                        </div>
                    </form>
                }
                    .into_any()
            }
        }}
    }
}

/// What a call's entry shows under its heading: how long it lasted, its recording (to play, for
/// those who may read the patient's documents) and its transcript.
#[component]
pub fn CallSummary(entry: Correspondence) -> impl IntoView {
    let auth = use_auth();
    let details = entry.call.clone().unwrap_or(CallDetails {
        seconds: None,
        recording: None,
        recording_document_id: None,
        transcript: None,
    });
    let mut facts = Vec::new();
    if let Some(seconds) = details.seconds {
        facts.push(format!("Lasted {}", format::minutes_seconds(seconds)));
    }
    if let Some(recording) = details.recording {
        facts.push(recording.label().to_owned());
    }
    if let Some(t) = details.transcript.filter(|t| *t != TranscriptState::Done) {
        facts.push(t.label().to_owned());
    }
    let facts = (!facts.is_empty()).then(|| {
        view! { <p class="muted message-note" data-testid="call-facts">{facts.join(" · ")}</p> }
    });
    let may_play = move || {
        auth.me()
            .is_some_and(|me| me.role.has(Permission::ClinicalAccess))
    };
    let recording = details
        .recording_document_id
        .filter(|_| details.recording == Some(RecordingState::Stored))
        .map(|document_id| {
            view! {
                <Show when=may_play>
                    <RecordingPlayer document_id />
                </Show>
            }
        });
    let transcript = (details.transcript == Some(TranscriptState::Done)).then(|| {
        view! {
            <details class="details-disclosure call-transcript">
                <summary>"Transcript"</summary>
                <p class="pre-wrap message-text">{entry.body.clone()}</p>
            </details>
        }
    });
    view! {
        {facts}
        {recording}
        {transcript}
    }
}

/// "Play recording": fetches the recording with the app's credentials and plays it from a
/// `blob:` address, revoked when the player goes.
#[component]
fn RecordingPlayer(document_id: Uuid) -> impl IntoView {
    let requested = RwSignal::new(false);
    view! {
        <Show
            when=move || requested.get()
            fallback=move || {
                view! {
                    <div class="row-actions message-actions">
                        <button
                            type="button"
                            class="button button-secondary button-small"
                            on:click=move |_| requested.set(true)
                        >
                            "Play recording"
                        </button>
                    </div>
                }
            }
        >
            <RecordingAudio document_id />
        </Show>
    }
}

#[component]
fn RecordingAudio(document_id: Uuid) -> impl IntoView {
    let auth = use_auth();
    let audio = Loader::new(
        || (),
        move |()| async move { api::comms::recording(&auth.client(), document_id).await },
    );
    view! {
        {move || match audio.get() {
            None => view! { <p class="muted message-note" role="status">"Loading the recording…"</p> }.into_any(),
            Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
            Some(Ok(bytes)) => {
                let url = format::object_url("audio/mpeg", &bytes).unwrap_or_default();
                let revoke = url.clone();
                on_cleanup(move || {
                    let _ = web_sys::Url::revoke_object_url(&revoke);
                });
                view! {
                    <audio class="call-audio" controls=true preload="auto" src=url aria-label="Recording of the call"></audio>
                }
                    .into_any()
            }
        }}
    }
}
