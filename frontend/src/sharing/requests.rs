//! Requests about the patient's data: the portal's "Ask for a correction or erasure" card, and
//! the staff queue at `/admin/data-requests` where they are answered (an erasure only by an
//! administrator, after seeing what will be erased and what the law keeps).

use api_types::sharing::{
    DataRequest, DataRequestKind, DataRequestStatus, NewDataRequest, ResolveDataRequest,
};
use api_types::Role;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use uuid::Uuid;

use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{
    use_toasts, PageTitle, ProblemAlert, SelectField, SkeletonRows, TextAreaField,
};
use crate::format;
use crate::forms::FieldErrors;

fn status_badge(s: DataRequestStatus) -> (&'static str, &'static str) {
    match s {
        DataRequestStatus::Open => ("badge badge-warning", "Waiting"),
        DataRequestStatus::Completed => ("badge badge-success", "Done"),
        DataRequestStatus::Declined => ("badge badge-muted", "Declined"),
    }
}

/// The patient's own requests, and a form to make one.
#[component]
pub fn RequestsCard(patient_id: Uuid) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let requests = Loader::new(
        || (),
        move |()| async move { api::patients::requests::of_patient(&auth.client(), patient_id).await },
    );
    let kind = RwSignal::new(DataRequestKind::Rectification.as_str().to_owned());
    let details = RwSignal::new(String::new());
    let errors = FieldErrors::new();
    let send = Action::new_unsync(move |input: &NewDataRequest| {
        let input = input.clone();
        async move {
            match api::patients::requests::create(&auth.client(), patient_id, &input).await {
                Ok(_) => {
                    toasts.success("Request sent to the practice");
                    details.set(String::new());
                    requests.reload();
                }
                Err(p) => {
                    if let Some(p) = errors.absorb(p) {
                        toasts.error(p.detail.unwrap_or(p.title));
                    }
                }
            }
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let input = NewDataRequest {
            kind: DataRequestKind::parse(&kind.get_untracked())
                .unwrap_or(DataRequestKind::Rectification),
            details: details.get_untracked(),
        };
        if errors.check(input.validate()) {
            send.dispatch(input);
        }
    };
    let kinds = vec![
        (
            "rectification".to_owned(),
            "Correct something in my record".to_owned(),
        ),
        ("erasure".to_owned(), "Erase my data".to_owned()),
    ];
    view! {
        <section class="card stack" aria-labelledby="requests-heading">
            <h2 class="card-title" id="requests-heading">"Corrections and erasure"</h2>
            <p class="field-hint">
                "Ask the practice to correct something that is wrong, or to erase your data. Health records must be kept for a time by law (usually seven years after your last visit); erasure removes everything else and the practice tells you what is kept and until when."
            </p>
            <form class="stack" on:submit=on_submit novalidate=true aria-label="Make a request">
                <SelectField id="request-kind" label="What would you like?" value=kind options=kinds />
                <TextAreaField id="request-details" label="Details" value=details error=errors.of("details") rows=3 />
                <div class="form-actions form-actions-start">
                    <button type="submit" class="button button-secondary" disabled=move || send.pending().get()>"Send request"</button>
                </div>
            </form>
            {move || match requests.get() {
                None => view! { <SkeletonRows rows=2 /> }.into_any(),
                Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                Some(Ok(list)) if list.is_empty() => ().into_any(),
                Some(Ok(list)) => view! {
                    <ul class="plain-list">
                        {list.into_iter().map(|r| {
                            let (class, label) = status_badge(r.status);
                            view! {
                                <li class="homework-row">
                                    <p>
                                        <span class="list-primary">{r.kind.label()}</span> " " <span class=class>{label}</span>
                                        <br />
                                        <span class="muted list-secondary">{format!("Asked {}", format::date_time(r.created_at))}</span>
                                    </p>
                                    <p class="preserve-lines">{r.details.clone()}</p>
                                    {r.response.clone().map(|a| view! { <p class="reflection"><strong>"The practice’s answer: "</strong>{a}</p> })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }
                    .into_any(),
            }}
        </section>
    }
}

/// `/admin/data-requests`: the queue of requests, oldest first.
#[component]
pub fn DataRequestsPage() -> impl IntoView {
    let auth = use_auth();
    let status = RwSignal::new("open".to_owned());
    let queue = Loader::new(
        move || status.get(),
        move |s| async move {
            let s = DataRequestStatus::parse(&s).unwrap_or(DataRequestStatus::Open);
            api::patients::requests::queue(&auth.client(), s).await
        },
    );
    let statuses = vec![
        ("open".to_owned(), "Waiting".to_owned()),
        ("completed".to_owned(), "Done".to_owned()),
        ("declined".to_owned(), "Declined".to_owned()),
    ];
    view! {
        <PageTitle text="Data requests" />
        <div class="page page-narrow">
            <h1 class="page-title">"Data requests"</h1>
            <p class="muted">"Patients’ requests to correct or erase their data. Make a correction on the patient’s record, then say here what changed; the patient sees your answer."</p>
            <SelectField id="requests-status" label="Show" value=status options=statuses />
            {move || match queue.get() {
                None => view! { <SkeletonRows rows=3 /> }.into_any(),
                Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="muted">"No requests here."</p> }.into_any(),
                Some(Ok(list)) => list
                    .into_iter()
                    .map(|r| view! { <RequestCard r on_done=Callback::new(move |()| queue.reload()) /> })
                    .collect_view()
                    .into_any(),
            }}
        </div>
    }
}

#[component]
fn RequestCard(r: DataRequest, on_done: Callback<()>) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let response = RwSignal::new(String::new());
    let errors = FieldErrors::new();
    let id = r.id;
    let open = r.status == DataRequestStatus::Open;
    let erasure = r.kind == DataRequestKind::Erasure;
    let is_admin = auth.me().is_some_and(|m| m.role == Role::Admin);
    let patient_id = r.patient_id;
    let preview = Loader::new(
        move || (),
        move |()| async move {
            if erasure && open && is_admin {
                api::patients::requests::erasure_preview(&auth.client(), patient_id)
                    .await
                    .map(Some)
            } else {
                Ok(None)
            }
        },
    );
    let resolve = Action::new_unsync(move |status: &DataRequestStatus| {
        let input = ResolveDataRequest {
            status: *status,
            response: response.get_untracked(),
        };
        async move {
            if !errors.check(input.validate()) {
                return;
            }
            match api::patients::requests::resolve(&auth.client(), id, &input).await {
                Ok(_) => {
                    toasts.success("Answer saved");
                    on_done.run(());
                }
                Err(p) => {
                    if let Some(p) = errors.absorb(p) {
                        toasts.error(p.detail.unwrap_or(p.title));
                    }
                }
            }
        }
    });
    let (class, label) = status_badge(r.status);
    let heading = format!("{}: {}", r.kind.label(), r.patient_name);
    let response_id = format!("response-{id}");
    view! {
        <section class="card stack" aria-label=heading.clone()>
            <h2 class="card-title">
                {r.kind.label()} ": " <A href=format!("/patients/{}", r.patient_id)>{r.patient_name.clone()}</A>
                " " <span class=class>{label}</span>
            </h2>
            <p class="muted list-secondary">
                {format!("Asked {}{}", format::date_time(r.created_at), if r.by_patient { " by the patient" } else { " on the patient’s behalf" })}
            </p>
            <p class="preserve-lines">{r.details.clone()}</p>
            {r.response.clone().map(|a| view! {
                <p class="reflection"><strong>{format!("Answer ({}): ", r.resolved_by_name.clone().unwrap_or_default())}</strong>{a}</p>
            })}
            {move || preview.value().flatten().map(|report| view! {
                <div class="erasure-report">
                    <h3 class="subheading">"Completing this erases"</h3>
                    <ul>{report.erased.into_iter().map(|i| view! { <li><strong>{i.what}</strong>" — "{i.why}</li> }).collect_view()}</ul>
                    <h3 class="subheading">{format!("and keeps, until {}", format::date(report.retain_until))}</h3>
                    <ul>{report.kept.into_iter().map(|i| view! { <li><strong>{i.what}</strong>" — "{i.why}</li> }).collect_view()}</ul>
                </div>
            })}
            {(open && (!erasure || is_admin)).then(|| view! {
                <TextAreaField id=response_id.clone() label="Answer to the patient" value=response error=errors.of("response") rows=2 />
                <div class="form-actions form-actions-start">
                    <button type="button" class="button button-primary" disabled=move || resolve.pending().get() on:click=move |_| { resolve.dispatch(DataRequestStatus::Completed); }>
                        {if erasure { "Erase and complete" } else { "Mark done" }}
                    </button>
                    <button type="button" class="button button-secondary" disabled=move || resolve.pending().get() on:click=move |_| { resolve.dispatch(DataRequestStatus::Declined); }>
                        "Decline"
                    </button>
                </div>
            })}
            {(open && erasure && !is_admin).then(|| view! { <p class="field-hint">"An administrator answers erasure requests."</p> })}
        </section>
    }
}
