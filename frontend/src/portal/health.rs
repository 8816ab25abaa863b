//! `/portal/health`: a patient's own readings, charted, with their own entry.

use leptos::prelude::*;

use crate::areas::deferred;
use crate::auth::use_auth;
use crate::components::common::PageTitle;

#[component]
pub fn MyHealthPage() -> impl IntoView {
    let auth = use_auth();
    view! {
        <PageTitle text="My health" />
        <div class="page">
            <h1 class="page-title">"My health"</h1>
            <p class="muted">
                "Your readings, from your devices and what you enter here. Your care team sees them too, and is alerted to any reading that needs attention."
            </p>
            {move || {
                auth.me()
                    .and_then(|me| me.patient_id)
                    .map(|patient_id| deferred(crate::health::panel(patient_id, false)))
            }}
        </div>
    }
}
