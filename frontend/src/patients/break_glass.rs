//! "Break the glass": emergency access to a record outside the care team. The reason is required,
//! goes on the audit log, and the access lasts an hour.

use api_types::patients::ClinicalAccess;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use uuid::Uuid;

use crate::api;
use crate::auth::use_auth;
use crate::components::common::{use_toasts, Dialog, ProblemAlert, TextAreaField};
use crate::forms::FieldErrors;

#[component]
pub fn BreakGlassDialog(
    patient_id: Uuid,
    open: RwSignal<bool>,
    /// Called with the access granted.
    on_granted: Callback<ClinicalAccess>,
) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let reason = RwSignal::new(String::new());
    let errors = FieldErrors::new();
    let problem = RwSignal::new(None);
    let submit = Action::new_unsync(move |reason: &String| {
        let reason = reason.clone();
        async move {
            match api::patients::break_glass(&auth.client(), patient_id, reason).await {
                Ok(access) => {
                    open.set(false);
                    toasts.success(
                        "Emergency access granted. It has been recorded in the audit log.",
                    );
                    on_granted.run(access);
                }
                Err(p) => problem.set(errors.absorb(p)),
            }
        }
    });
    let pending = submit.pending();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        let text = reason.get_untracked().trim().to_owned();
        if text.chars().count() < 10 {
            errors.show(vec![api_types::FieldError {
                field: "reason".to_owned(),
                code: "too_short".to_owned(),
                message: "Say why you need access now, in a sentence.".to_owned(),
            }]);
            return;
        }
        submit.dispatch(text);
    };
    view! {
        <Dialog open title="Break the glass" id="break-glass">
            <form class="stack" on:submit=on_submit novalidate=true>
                <div class="alert alert-warning" role="note">
                    <p class="alert-body">
                        "You are not on this patient's care team. Emergency access is for situations where care cannot wait. Your name, the time and your reason are recorded and reviewed."
                    </p>
                </div>
                {move || problem.get().map(|problem| view! { <ProblemAlert problem /> })}
                <TextAreaField id="reason" label="Reason for access" value=reason error=errors.of("reason") rows=3 />
                <div class="form-actions">
                    <button type="button" class="button button-secondary" on:click=move |_| open.set(false)>
                        "Cancel"
                    </button>
                    <button type="submit" class="button button-danger" disabled=move || pending.get()>
                        {move || if pending.get() { "Requesting…" } else { "Get emergency access" }}
                    </button>
                </div>
            </form>
        </Dialog>
    }
}
