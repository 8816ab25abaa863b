//! `/portal/appointments`: a patient's own appointments, with online booking and cancellation
//! within the practice's rules.

use leptos::prelude::*;

use crate::auth::use_auth;
use crate::components::common::PageTitle;
use crate::scheduling::AppointmentsPanel;

#[component]
pub fn MyAppointmentsPage() -> impl IntoView {
    let auth = use_auth();
    view! {
        <PageTitle text="My appointments" />
        <div class="page">
            <h1 class="page-title">"My appointments"</h1>
            {move || {
                auth.me().and_then(|me| {
                    me.patient_id.map(|patient_id| view! { <AppointmentsPanel patient_id patient_name=me.name.clone() portal=true /> })
                })
            }}
        </div>
    }
}
