//! `/admin/jobs`: the background work Carebase does with outside services — what waits, runs,
//! finished or failed, why it was asked for, its last error — and a retry for a failed job.

use api_types::integrations::{Job, JobCounts, JobQuery, JobStatus};
use leptos::prelude::*;

use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{
    use_toasts, EmptyState, PageTitle, Pagination, ProblemAlert, SelectField, SkeletonRows,
};
use crate::format;

const PAGE_SIZE: u64 = 25;

fn status_badge(status: JobStatus) -> (&'static str, &'static str) {
    match status {
        JobStatus::Queued => ("badge-warning", "Waiting"),
        JobStatus::Running => ("badge-info", "Running"),
        JobStatus::Done => ("badge-success", "Done"),
        JobStatus::Failed => ("badge-danger", "Failed"),
    }
}

#[component]
pub fn JobsPage() -> impl IntoView {
    let auth = use_auth();
    let status = RwSignal::new(String::new());
    let offset = RwSignal::new(0_u64);
    Effect::new(move |_| {
        status.track();
        offset.set(0);
    });
    let list = Loader::new(
        move || JobQuery {
            status: JobStatus::parse(&status.get()),
            kind: None,
            limit: Some(PAGE_SIZE),
            offset: Some(offset.get()),
        },
        move |q| async move { api::admin::jobs(&auth.client(), &q).await },
    );
    let counts = Loader::new(
        || (),
        move |()| async move { api::admin::job_counts(&auth.client()).await },
    );
    let reload = move || {
        list.reload();
        counts.reload();
    };
    let total = Signal::derive(move || list.value().map(|p| (p.total, p.total_capped)));
    let options = vec![
        (String::new(), "All jobs".to_owned()),
        ("queued".to_owned(), "Waiting".to_owned()),
        ("running".to_owned(), "Running".to_owned()),
        ("failed".to_owned(), "Failed".to_owned()),
        ("done".to_owned(), "Done".to_owned()),
    ];
    view! {
        <PageTitle text="Background jobs" />
        <div class="page">
            <div class="page-header">
                <h1 class="page-title">"Background jobs"</h1>
                <button type="button" class="button button-secondary" on:click=move |_| reload()>
                    "Refresh"
                </button>
            </div>
            <p class="muted">
                "Work with outside services runs in the background: calendar events, device readings. A job that fails is retried with growing waits, for about a day, before it is given up. Finished jobs are kept for a week, failed ones for a month."
            </p>
            {move || counts.value().map(|c| view! { <Counts counts=c /> })}
            <div class="toolbar">
                <SelectField id="jobs-status" label="Show" value=status options />
            </div>
            <div class="card card-flush">
                {move || match list.get() {
                    None => view! { <SkeletonRows rows=5 /> }.into_any(),
                    Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                    Some(Ok(page)) if page.items.is_empty() => {
                        view! { <EmptyState title="No jobs" /> }.into_any()
                    }
                    Some(Ok(page)) => view! {
                        <table class="table">
                            <thead>
                                <tr>
                                    <th scope="col">"Job"</th>
                                    <th scope="col">"Status"</th>
                                    <th scope="col">"Attempts"</th>
                                    <th scope="col">"Next or last run"</th>
                                    <th scope="col">"Last error"</th>
                                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                </tr>
                            </thead>
                            <tbody>
                                {page
                                    .items
                                    .into_iter()
                                    .map(|job| view! { <JobRow job on_change=Callback::new(move |()| reload()) /> })
                                    .collect_view()}
                            </tbody>
                        </table>
                    }
                    .into_any(),
                }}
                <Pagination offset limit=PAGE_SIZE total />
            </div>
        </div>
    }
}

#[component]
fn Counts(counts: JobCounts) -> impl IntoView {
    view! {
        <dl class="stat-row" aria-label="Jobs by status">
            <div class="stat"><dt>"Waiting"</dt><dd>{counts.queued}</dd></div>
            <div class="stat"><dt>"Running"</dt><dd>{counts.running}</dd></div>
            <div class="stat"><dt>"Failed"</dt><dd>{counts.failed}</dd></div>
            <div class="stat"><dt>"Done today"</dt><dd>{counts.done_last_day}</dd></div>
        </dl>
    }
}

#[component]
fn JobRow(job: Job, on_change: Callback<()>) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let id = job.id;
    let retry = Action::new_unsync(move |_: &()| async move {
        match api::admin::retry_job(&auth.client(), id).await {
            Ok(_) => {
                toasts.success("The job will run again shortly.");
                on_change.run(());
            }
            Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
        }
    });
    let (class, label) = status_badge(job.status);
    let subject = format!(
        "{} {}",
        job.kind.subject(),
        job.subject_id
            .to_string()
            .split('-')
            .next()
            .unwrap_or_default()
    );
    let reason = job.reason.clone().map(|r| r.replace('_', " "));
    let when = format::date_time(job.run_at);
    view! {
        <tr>
            <td>
                <div class="list-primary">{job.kind.label()}</div>
                <div class="muted">
                    {subject}
                    {reason.map(|r| format!(" · asked for: {r}"))}
                </div>
            </td>
            <td><span class=format!("badge {class}")>{label}</span></td>
            <td>{job.attempts}</td>
            <td>{when}</td>
            <td class="muted">{job.last_error.clone().unwrap_or_default()}</td>
            <td>
                {(job.status == JobStatus::Failed).then(|| view! {
                    <button
                        type="button"
                        class="button button-secondary button-small"
                        disabled=move || retry.pending().get()
                        on:click=move |_| { retry.dispatch(()); }
                    >
                        "Retry"
                    </button>
                })}
            </td>
        </tr>
    }
}
