//! `/patients/new`: registers a patient.

use api_types::patients::PatientInput;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use super::form::{PatientForm, PatientFormFields, Section};
use crate::api;
use crate::auth::use_auth;
use crate::components::common::{use_toasts, PageTitle, ProblemAlert};

#[component]
pub fn NewPatientPage() -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let navigate = use_navigate();
    let form = PatientForm::new(&PatientInput::default());
    let problem = RwSignal::new(None);
    let save = Action::new_unsync(move |input: &PatientInput| {
        let input = input.clone();
        let navigate = navigate.clone();
        async move {
            match api::patients::create(&auth.client(), &input).await {
                Ok(patient) => {
                    toasts.success(format!(
                        "{} {} has been added.",
                        patient.details.first_name, patient.details.last_name
                    ));
                    navigate(&format!("/patients/{}", patient.id), Default::default());
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
        <PageTitle text="New patient" />
        <div class="page page-narrow">
            <nav class="breadcrumbs" aria-label="Breadcrumbs">
                <A href="/patients">"Patients"</A>
            </nav>
            <h1 class="page-title">"New patient"</h1>
            <form class="card stack" on:submit=on_submit novalidate=true>
                {move || problem.get().map(|problem| view! { <ProblemAlert problem /> })}
                <PatientFormFields form section=Section::All />
                <div class="form-actions">
                    <A href="/patients" attr:class="button button-secondary">
                        "Cancel"
                    </A>
                    <button type="submit" class="button button-primary" disabled=move || pending.get()>
                        {move || if pending.get() { "Saving…" } else { "Add patient" }}
                    </button>
                </div>
            </form>
        </div>
    }
}
