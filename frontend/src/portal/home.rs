//! The portal's home page: a patient's own place in Carebase.

use leptos::prelude::*;
use leptos_router::components::A;

use super::details::own_record;
use crate::auth::use_auth;
use crate::components::common::{PageTitle, ProblemAlert, SkeletonRows};
use crate::patients::PatientDetails;

#[component]
pub fn PortalHome() -> impl IntoView {
    let auth = use_auth();
    let record = own_record();
    let first_name = move || {
        record
            .value()
            .map(|p| {
                p.details
                    .preferred_name
                    .clone()
                    .unwrap_or(p.details.first_name)
            })
            .or_else(|| auth.me().map(|me| me.name))
            .unwrap_or_default()
    };
    view! {
        <PageTitle text="Home" />
        <div class="page page-narrow">
            <h1 class="page-title">"Hello, " {first_name}</h1>
            <p class="muted">"This is your own space at the practice: write to your care team, book and manage your appointments, and see your health, records and details."</p>
            <section class="card" aria-labelledby="my-messages-heading">
                <div class="card-header">
                    <h2 id="my-messages-heading" class="card-title">"Messages"</h2>
                    <A href="/portal/messages" attr:class="button button-secondary button-small">
                        "Open messages"
                    </A>
                </div>
                <p class="muted">"Write securely to your care team, with files if you need to, and read their answers."</p>
            </section>
            <section class="card" aria-labelledby="my-contact-heading">
                <div class="card-header">
                    <h2 id="my-contact-heading" class="card-title">"How the practice reaches you"</h2>
                    <A href="/portal/details" attr:class="button button-secondary button-small">
                        "View and update"
                    </A>
                </div>
                {move || match record.get() {
                    None => view! { <SkeletonRows rows=3 /> }.into_any(),
                    Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                    Some(Ok(p)) => view! { <PatientDetails details=p.details contact_only=true /> }.into_any(),
                }}
            </section>
        </div>
    }
}
