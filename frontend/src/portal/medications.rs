//! `/portal/medications`: the patient's medications, where they record doses taken or missed
//! and see how they are going.

use leptos::prelude::*;

use crate::auth::use_auth;
use crate::clinical::MedicationsPanel;
use crate::components::common::PageTitle;

#[component]
pub fn MyMedicationsPage() -> impl IntoView {
    let auth = use_auth();
    view! {
        <PageTitle text="My medications" />
        <div class="page page-narrow">
            <h1 class="page-title">"My medications"</h1>
            <p class="muted">
                "Your medications as your care team has them. Record each dose you take, or one you miss, and your care team sees how it is going."
            </p>
            {move || {
                auth.me()
                    .and_then(|me| me.patient_id)
                    .map(|patient_id| view! { <MedicationsPanel patient_id staff=false /> })
            }}
        </div>
    }
}
