//! The portal's home page: a patient's own place in Carebase.

use api_types::messaging::ThreadQuery;
use api_types::scheduling::{AppointmentQuery, AppointmentStatus, DateOrInstant};
use leptos::prelude::*;
use leptos_router::components::A;

use super::details::own_record;
use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{PageTitle, ProblemAlert, SkeletonRows};
use crate::format;
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
            <NextAppointment />
            <section class="card" aria-labelledby="my-messages-heading">
                <div class="card-header">
                    <h2 id="my-messages-heading" class="card-title">"Messages"</h2>
                    <A href="/portal/messages" attr:class="button button-secondary button-small">
                        "Open messages"
                    </A>
                </div>
                <Unread />
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

/// The patient's next appointment, and whether the practice still asks them to confirm it.
#[component]
fn NextAppointment() -> impl IntoView {
    let auth = use_auth();
    let next = Loader::new(
        || (),
        move |_| async move {
            let query = AppointmentQuery {
                from: Some(DateOrInstant::Instant(format::now())),
                status: Some(AppointmentStatus::Booked),
                limit: Some(1),
                ..AppointmentQuery::default()
            };
            api::scheduling::appointments(&auth.client(), &query).await
        },
    );
    view! {
        <section class="card" aria-labelledby="my-next-heading">
            <div class="card-header">
                <h2 id="my-next-heading" class="card-title">"Your next appointment"</h2>
                <A href="/portal/appointments" attr:class="button button-secondary button-small">
                    "Appointments"
                </A>
            </div>
            {move || match next.get() {
                None => view! { <SkeletonRows rows=1 /> }.into_any(),
                Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                Some(Ok(page)) => match page.items.into_iter().next() {
                    None => view! {
                        <p class="muted">"Nothing booked. Book a time that suits you under Appointments."</p>
                    }
                    .into_any(),
                    Some(a) => {
                        let confirmed = a.confirmation.is_some();
                        view! {
                            <p class="next-appointment">
                                <strong>{format::date_time(a.starts_at)}</strong>
                                " · " {a.appointment_type_name} " with " {a.practitioner_name}
                            </p>
                            {if confirmed {
                                view! { <p class="muted">"You have confirmed you are coming."</p> }.into_any()
                            } else {
                                view! {
                                    <p class="muted">"Let the practice know you are coming: confirm it under Appointments."</p>
                                }
                                .into_any()
                            }}
                        }
                        .into_any()
                    }
                },
            }}
        </section>
    }
}

/// How many conversations have answers the patient has not read yet.
#[component]
fn Unread() -> impl IntoView {
    let auth = use_auth();
    let threads = Loader::new(
        || (),
        move |_| async move {
            let query = ThreadQuery {
                limit: Some(100),
                ..ThreadQuery::default()
            };
            api::messaging::threads(&auth.client(), &query).await
        },
    );
    move || {
        let unread = threads
            .value()
            .map(|page| page.items.iter().filter(|t| t.unread).count())
            .unwrap_or(0);
        match unread {
            0 => view! { <p class="muted">"Write securely to your care team, with files if you need to, and read their answers."</p> }.into_any(),
            1 => view! { <p><strong>"1 conversation has an answer you have not read."</strong></p> }.into_any(),
            n => view! { <p><strong>{n} " conversations have answers you have not read."</strong></p> }.into_any(),
        }
    }
}
