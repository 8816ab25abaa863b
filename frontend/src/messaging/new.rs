//! Starting a conversation: a patient writes to their care team or to one clinician on it; staff
//! write to a patient from their record. Either may attach files.

use api_types::messaging::{NewThread, StaffRef, ThreadDetail};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use uuid::Uuid;

use super::attachments::{AttachmentPicker, Attachments};
use crate::api;
use crate::auth::use_auth;
use crate::components::common::{ProblemAlert, SelectField, TextAreaField, TextField};
use crate::forms::FieldErrors;

/// Who a new conversation is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writer {
    /// The patient, writing to their care team or one clinician on it.
    Patient,
    /// Staff, writing to this patient.
    Staff,
}

/// The form for a new conversation. `patient_id` is whose record the files are added to (the
/// patient's own, in the portal). `recipients`: the clinicians a patient may write to alone.
#[component]
pub fn NewConversationForm(
    patient_id: Uuid,
    writer: Writer,
    #[prop(optional, into)] recipients: Signal<Vec<StaffRef>>,
    /// A subject to start from, such as when a closed conversation is taken up again.
    #[prop(optional)]
    subject: String,
    on_started: Callback<ThreadDetail>,
    #[prop(optional)] on_cancel: Option<Callback<()>>,
) -> impl IntoView {
    let auth = use_auth();
    let subject = RwSignal::new(subject);
    let to = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let attachments = Attachments::new();
    let errors = FieldErrors::new();
    let problem = RwSignal::new(None::<api_types::Problem>);
    let start = Action::new_unsync(move |new: &NewThread| {
        let mut new = new.clone();
        async move {
            let client = auth.client();
            match attachments.upload(&client, patient_id).await {
                Ok(ids) => new.attachment_ids = ids,
                Err(p) => {
                    problem.set(Some(p));
                    return;
                }
            }
            match api::messaging::start(&client, &new).await {
                Ok(detail) => {
                    subject.set(String::new());
                    body.set(String::new());
                    attachments.clear();
                    on_started.run(detail);
                }
                Err(p) => problem.set(errors.absorb(p)),
            }
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        let new = NewThread {
            patient_id: (writer == Writer::Staff).then_some(patient_id),
            subject: subject.get_untracked().trim().to_owned(),
            body: body.get_untracked().trim().to_owned(),
            with_staff_id: Uuid::parse_str(&to.get_untracked()).ok(),
            // A stand-in for each file, so that the browser applies the server's rules.
            attachment_ids: vec![Uuid::nil(); attachments.count()],
        };
        if errors.check(new.validate()) {
            start.dispatch(new);
        }
    };
    let to_field = move || {
        (writer == Writer::Patient).then(|| {
            let options = std::iter::once((String::new(), "My care team".to_owned()))
                .chain(
                    recipients
                        .get()
                        .into_iter()
                        .map(|r| (r.id.to_string(), r.name)),
                )
                .collect::<Vec<_>>();
            view! {
                <SelectField
                    id="new-message-to"
                    label="To"
                    value=to
                    options
                    error=errors.of("with_staff_id")
                    hint="Everyone on your care team reads it, or only the one you choose."
                />
            }
        })
    };
    view! {
        <form class="stack" on:submit=on_submit novalidate=true aria-label="New conversation">
            {move || problem.get().map(|problem| view! { <ProblemAlert problem /> })}
            <TextField id="new-message-subject" label="Subject" value=subject error=errors.of("subject") required=true />
            {to_field}
            <TextAreaField id="new-message-body" label="Message" value=body error=errors.of("body") rows=6 />
            <AttachmentPicker id="new-message-files" attachments error=errors.of("attachment_ids") />
            <div class="form-actions form-actions-start">
                <button type="submit" class="button button-primary" disabled=move || start.pending().get()>
                    {move || if start.pending().get() { "Sending…" } else { "Send" }}
                </button>
                {on_cancel.map(|cancel| view! {
                    <button type="button" class="button button-secondary" on:click=move |_| cancel.run(())>
                        "Cancel"
                    </button>
                })}
            </div>
        </form>
    }
}
