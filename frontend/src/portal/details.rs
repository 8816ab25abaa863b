//! `/portal/details`: a patient's own details, and changing their contact details. Other fields
//! are changed by the practice.

use api_types::patients::Patient;
use api_types::ErrorCode;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{use_toasts, PageTitle, ProblemAlert, SkeletonRows};
use crate::patients::{PatientDetails, PatientForm, PatientFormFields, Section};

/// The signed-in patient's own record.
pub fn own_record() -> Loader<Patient> {
    let auth = use_auth();
    Loader::new(
        move || auth.me().and_then(|me| me.patient_id),
        move |id| async move {
            match id {
                Some(id) => api::patients::get(&auth.client(), id).await,
                None => Err(api_types::Problem::new(
                    ErrorCode::NotFound,
                    Some("This account is not linked to a patient record.".to_owned()),
                )),
            }
        },
    )
}

#[component]
pub fn MyDetailsPage() -> impl IntoView {
    let record = own_record();
    let editing = RwSignal::new(false);
    view! {
        <PageTitle text="My details" />
        <div class="page page-narrow">
            <div class="page-header">
                <h1 class="page-title">"My details"</h1>
                <Show when=move || !editing.get() && record.value().is_some()>
                    <button type="button" class="button button-secondary" on:click=move |_| editing.set(true)>
                        "Update contact details"
                    </button>
                </Show>
            </div>
            <section class="card">
                {move || match record.get() {
                    None => view! { <SkeletonRows rows=6 /> }.into_any(),
                    Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                    Some(Ok(p)) if editing.get() => view! { <EditContact patient=p record editing /> }.into_any(),
                    Some(Ok(p)) => {
                        view! {
                            <PatientDetails details=p.details />
                            <p class="field-hint">
                                "Something else wrong, such as your name or date of birth? Tell the practice and they will correct it."
                            </p>
                        }
                            .into_any()
                    }
                }}
            </section>
        </div>
    }
}

#[component]
fn EditContact(
    patient: Patient,
    record: Loader<Patient>,
    editing: RwSignal<bool>,
) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let form = PatientForm::new(&patient.details);
    let problem = RwSignal::new(None);
    let (id, version) = (patient.id, patient.version);
    let save = Action::new_unsync(move |input: &api_types::patients::PatientInput| {
        let patch = crate::patients::contact_patch(input.clone());
        async move {
            match api::patients::update(&auth.client(), id, &patch, version).await {
                Ok(saved) => {
                    record.set(saved);
                    editing.set(false);
                    toasts.success("Your contact details have been updated.");
                }
                Err(p) if p.code == ErrorCode::PreconditionFailed => {
                    toasts.error("Your details changed while you were editing. Here they are as they are now.");
                    editing.set(false);
                    record.reload();
                }
                Err(p) => problem.set(form.errors.absorb(p)),
            }
        }
    });
    let pending = save.pending();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        if let Some(input) = form.checked_input() {
            save.dispatch(input);
        }
    };
    view! {
        <form class="stack" on:submit=on_submit novalidate=true>
            {move || problem.get().map(|problem| view! { <ProblemAlert problem /> })}
            <PatientFormFields form section=Section::ContactOnly />
            <div class="form-actions">
                <button type="button" class="button button-secondary" on:click=move |_| editing.set(false)>
                    "Cancel"
                </button>
                <button type="submit" class="button button-primary" disabled=move || pending.get()>
                    {move || if pending.get() { "Saving…" } else { "Save" }}
                </button>
            </div>
        </form>
    }
}
