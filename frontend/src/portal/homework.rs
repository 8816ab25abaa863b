//! `/portal/homework`: what the patient's clinician asked them to do between sessions.

use leptos::prelude::*;

use crate::auth::use_auth;
use crate::clinical::HomeworkCard;
use crate::components::common::PageTitle;

#[component]
pub fn MyHomeworkPage() -> impl IntoView {
    let auth = use_auth();
    view! {
        <PageTitle text="Homework" />
        <div class="page page-narrow">
            <h1 class="page-title">"Homework"</h1>
            <p class="muted">
                "Tasks from your sessions. Mark each one done when you have, and say how it went if you like; your clinician reads it before your next session."
            </p>
            {move || {
                auth.me()
                    .and_then(|me| me.patient_id)
                    .map(|patient_id| view! { <HomeworkCard patient_id staff=false /> })
            }}
        </div>
    }
}
