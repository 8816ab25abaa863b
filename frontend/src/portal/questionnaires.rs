//! `/portal/questionnaires`: questionnaires the patient completes, and their results over time.

use leptos::prelude::*;

use crate::auth::use_auth;
use crate::clinical::AssessmentsPanel;
use crate::components::common::PageTitle;

#[component]
pub fn MyQuestionnairesPage() -> impl IntoView {
    let auth = use_auth();
    view! {
        <PageTitle text="Questionnaires" />
        <div class="page page-narrow">
            <h1 class="page-title">"Questionnaires"</h1>
            <p class="muted">
                "Short questionnaires about how you have been feeling. Your answers go to your care team, who use them to see how you are going over time."
            </p>
            {move || {
                auth.me()
                    .and_then(|me| me.patient_id)
                    .map(|patient_id| view! { <AssessmentsPanel patient_id staff=false /> })
            }}
        </div>
    }
}
