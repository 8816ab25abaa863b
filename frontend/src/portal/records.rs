//! `/portal/records`: the patient's own record: notes their care team has signed, their
//! documents (they add their own too) and imaging.

use leptos::prelude::*;

use crate::auth::use_auth;
use crate::clinical::{DocumentsPanel, MyNotes};
use crate::components::common::PageTitle;

#[component]
pub fn MyRecordsPage() -> impl IntoView {
    let auth = use_auth();
    view! {
        <PageTitle text="My records" />
        <div class="page page-narrow">
            <h1 class="page-title">"My records"</h1>
            <p class="muted">
                "Notes your care team has signed, your documents and your imaging. Add letters, results or photos for your care team here; they are stored encrypted."
            </p>
            {move || {
                auth.me()
                    .and_then(|me| me.patient_id)
                    .map(|patient_id| view! {
                        <div class="stack">
                            <MyNotes patient_id />
                            <DocumentsPanel patient_id staff=false />
                        </div>
                    })
            }}
        </div>
    }
}
