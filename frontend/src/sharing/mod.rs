//! Consents and "who has seen my record": in the portal under Privacy, and consents on the
//! patient's Overview for staff.

mod requests;

pub use requests::DataRequestsPage;

use api_types::sharing::{
    AccessLogQuery, Consent, ConsentSource, NewAccessGrant, RecordAccess, RecordCategory,
};
use leptos::prelude::*;
use uuid::Uuid;

use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{use_toasts, PageTitle, ProblemAlert, SkeletonRows};
use crate::format;

fn last_change(c: &Consent, patient_view: bool) -> String {
    match c.history.first() {
        // Nothing decided: say what holds meanwhile. A consent off until asked (AI analysis,
        // research) must not read as if it were in force.
        None if c.given => if patient_view {
            "Not asked yet: given by default, until you say otherwise."
        } else {
            "Not asked yet: given by default, until the patient says otherwise."
        }
        .to_owned(),
        None => if patient_view {
            "Not asked yet, so not given: nothing is done with your record for this unless you agree."
        } else {
            "Not asked yet, so not given: nothing is done with the record for this unless the patient agrees."
        }
        .to_owned(),
        Some(d) => {
            let who = match (d.source, patient_view) {
                (ConsentSource::Patient, true) => "you".to_owned(),
                (ConsentSource::Patient, false) => "the patient".to_owned(),
                (ConsentSource::Staff, _) => d
                    .recorded_by_name
                    .clone()
                    .unwrap_or_else(|| "the practice".to_owned()),
            };
            format!(
                "{} {} by {who}.",
                if d.given { "Given" } else { "Withdrawn" },
                format::date_time(d.at)
            )
        }
    }
}

/// Each consent with a switch to give or withdraw it, and when it last changed.
#[component]
pub fn ConsentsCard(
    patient_id: Uuid,
    /// The patient themself (their own words), or staff recording the patient's.
    patient_view: bool,
    can_edit: bool,
) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let consents = Loader::new(
        || (),
        move |()| async move { api::patients::consents(&auth.client(), patient_id).await },
    );
    let set = Action::new_unsync(
        move |(kind, given): &(api_types::sharing::ConsentKind, bool)| {
            let (kind, given) = (*kind, *given);
            async move {
                match api::patients::set_consent(&auth.client(), patient_id, kind, given).await {
                    Ok(_) => {
                        toasts.success(if given {
                            "Consent given."
                        } else {
                            "Consent withdrawn."
                        });
                        consents.reload();
                    }
                    Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
                }
            }
        },
    );
    view! {
        <section class="card stack" aria-labelledby="consents-heading">
            <h2 class="card-title" id="consents-heading">"Consents"</h2>
            {move || match consents.get() {
                None => view! { <SkeletonRows rows=3 /> }.into_any(),
                Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                Some(Ok(list)) => view! {
                    <ul class="plain-list consent-list">
                        {list.into_iter().map(|c| {
                            let kind = c.kind;
                            let id = format!("consent-{}", kind.as_str());
                            let label_for = id.clone();
                            let given = c.given;
                            let note = last_change(&c, patient_view);
                            view! {
                                <li class="consent-row">
                                    <input
                                        type="checkbox"
                                        class="switch"
                                        id=id
                                        prop:checked=given
                                        disabled=!can_edit
                                        on:change=move |ev| { set.dispatch((kind, event_target_checked(&ev))); }
                                    />
                                    <label for=label_for>
                                        <span class="list-primary">{c.label.clone()}</span>
                                        <br />
                                        <span class="muted list-secondary">{note}</span>
                                    </label>
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

/// Every access to the patient's record, newest first, in pages.
#[component]
pub fn AccessLogCard(patient_id: Uuid) -> impl IntoView {
    let auth = use_auth();
    let limit = RwSignal::new(25u64);
    let log = Loader::new(
        move || limit.get(),
        move |limit| async move {
            api::patients::access_log(
                &auth.client(),
                patient_id,
                &AccessLogQuery {
                    limit: Some(limit),
                    offset: None,
                },
            )
            .await
        },
    );
    view! {
        <section class="card stack" aria-labelledby="access-log-heading">
            <h2 class="card-title" id="access-log-heading">"Who has seen your record"</h2>
            <p class="field-hint">"Every time someone opens, searches for or changes your record is kept in the practice's audit log. This is that log, for you."</p>
            {move || match log.get() {
                None => view! { <SkeletonRows rows=5 /> }.into_any(),
                Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                Some(Ok(page)) => {
                    let more = page.total > page.items.len() as u64 && limit.get_untracked() < 100;
                    view! {
                        <table class="table">
                            <thead>
                                <tr>
                                    <th scope="col">"When"</th>
                                    <th scope="col">"Who"</th>
                                    <th scope="col">"What"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {runs(page.items).into_iter().map(|run| {
                                    let a = run.latest;
                                    let when = match run.earliest {
                                        Some(first) => format!("{} (from {})", format::date_time(a.at), format::time(format::local(first).time())),
                                        None => format::date_time(a.at),
                                    };
                                    view! {
                                        <tr>
                                            <td>{when}</td>
                                            <td>
                                                {a.who.clone()}
                                                {a.role.clone().map(|r| view! { <span class="muted">{format!(" ({r})")}</span> })}
                                            </td>
                                            <td>
                                                {a.what.clone()}
                                                {(run.count > 1).then(|| view! { <span class="muted">{format!(", {} times", run.count)}</span> })}
                                                {(a.outcome != "success").then(|| view! { <span class="badge badge-warning">" refused"</span> })}
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        {more.then(|| view! {
                            <button type="button" class="button button-secondary" on:click=move |_| limit.set(100)>"Show more"</button>
                        })}
                    }
                        .into_any()
                }
            }}
        </section>
    }
}

/// One line of the access log: the same person doing the same thing again and again within a
/// few minutes (a screen that reloads, a chart switched between metrics) reads as one line with
/// a count, from the first time to the latest.
struct Run {
    latest: RecordAccess,
    /// When the first of several happened; `None` for a single one.
    earliest: Option<chrono::DateTime<chrono::Utc>>,
    count: usize,
}

/// How far apart two of the same access may be and still read as one line.
const RUN_GAP_MINUTES: i64 = 10;

/// Folds the log (newest first) into runs of the same access.
fn runs(items: Vec<RecordAccess>) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    for a in items {
        if let Some(run) = out.last_mut() {
            let last_at = run.earliest.unwrap_or(run.latest.at);
            let same = run.latest.who == a.who
                && run.latest.role == a.role
                && run.latest.action == a.action
                && run.latest.outcome == a.outcome;
            if same && last_at - a.at <= chrono::Duration::minutes(RUN_GAP_MINUTES) {
                run.earliest = Some(a.at);
                run.count += 1;
                continue;
            }
        }
        out.push(Run {
            latest: a,
            earliest: None,
            count: 1,
        });
    }
    out
}

/// `/portal/privacy`: the patient's consents and who has seen their record.
#[component]
pub fn MyPrivacyPage() -> impl IntoView {
    let auth = use_auth();
    view! {
        <PageTitle text="Privacy" />
        <div class="page page-narrow">
            <h1 class="page-title">"Privacy"</h1>
            <p class="muted">"Who you share your record with, what you have agreed to, and everyone who has seen your record."</p>
            {move || {
                auth.me().and_then(|me| me.patient_id).map(|patient_id| view! {
                    <SharingCard patient_id />
                    <ConsentsCard patient_id patient_view=true can_edit=true />
                    <AccessLogCard patient_id />
                    <DownloadCard patient_id />
                    <requests::RequestsCard patient_id />
                })
            }}
        </div>
    }
}

/// Share the record with a practitioner outside the care team (all of it or some categories,
/// until a date if wanted), and stop sharing.
#[component]
pub fn SharingCard(patient_id: Uuid) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let grants = Loader::new(
        || (),
        move |()| async move { api::patients::access_grants(&auth.client(), patient_id).await },
    );
    let people = Loader::new(
        || (),
        move |()| async move { api::patients::sharing_candidates(&auth.client(), patient_id).await },
    );
    let who = RwSignal::new(String::new());
    let whole = RwSignal::new(true);
    let chosen = RwSignal::new(Vec::<RecordCategory>::new());
    let until = RwSignal::new(String::new());
    let problem = RwSignal::new(None);
    let share = Action::new_unsync(move |g: &NewAccessGrant| {
        let g = g.clone();
        async move {
            match api::patients::grant_access(&auth.client(), patient_id, &g).await {
                Ok(made) => {
                    toasts.success(format!("Your record is shared with {}.", made.grantee_name));
                    who.set(String::new());
                    grants.reload();
                }
                Err(p) => problem.set(Some(p)),
            }
        }
    });
    let revoke = Action::new_unsync(move |(id, name): &(Uuid, String)| {
        let (id, name) = (*id, name.clone());
        async move {
            match api::patients::revoke_access(&auth.client(), id).await {
                Ok(()) => {
                    toasts.success(format!("{name} no longer has access."));
                    grants.reload();
                }
                Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
            }
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        let Ok(grantee_id) = who.get_untracked().parse::<Uuid>() else {
            toasts.error("Choose who to share with.");
            return;
        };
        let categories = if whole.get_untracked() {
            Vec::new()
        } else {
            chosen.get_untracked()
        };
        if !whole.get_untracked() && categories.is_empty() {
            toasts.error("Choose what to share, or share the whole record.");
            return;
        }
        let expires_at = until
            .get_untracked()
            .parse::<chrono::NaiveDate>()
            .ok()
            .map(format::end_of_day);
        share.dispatch(NewAccessGrant {
            grantee_id,
            categories,
            expires_at,
        });
    };
    view! {
        <section class="card stack" aria-labelledby="sharing-heading">
            <h2 class="card-title" id="sharing-heading">"Sharing"</h2>
            <p class="field-hint">"Your care team sees your record. You can also share it, or parts of it, with another practitioner of the practice, and stop at any time: it takes effect at once."</p>
            {move || match grants.get() {
                None => view! { <SkeletonRows rows=2 /> }.into_any(),
                Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                Some(Ok(list)) if list.iter().all(|g| !g.active) => view! { <p class="muted">"You are not sharing your record with anyone else."</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <ul class="plain-list">
                        {list.into_iter().filter(|g| g.active).map(|g| {
                            let what = if g.all_records {
                                "Whole record".to_owned()
                            } else {
                                g.categories.iter().map(|c| c.label()).collect::<Vec<_>>().join(", ")
                            };
                            let until = g.expires_at.map(|t| format!(" until {}", format::until(t))).unwrap_or_default();
                            let (id, name) = (g.id, g.grantee_name.clone());
                            let label = format!("Stop sharing with {name}");
                            view! {
                                <li class="list-row">
                                    <span>
                                        <span class="list-primary">{g.grantee_name.clone()}</span>
                                        <br />
                                        <span class="muted list-secondary">{format!("{what}{until}")}</span>
                                    </span>
                                    <button type="button" class="button button-danger-outline button-small" aria-label=label on:click=move |_| { revoke.dispatch((id, name.clone())); }>
                                        "Stop sharing"
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }
                    .into_any(),
            }}
            <form class="stack" on:submit=on_submit novalidate=true aria-label="Share my record">
                {move || problem.get().map(|problem| view! { <ProblemAlert problem /> })}
                <div class="field">
                    <label class="field-label" for="share-with">"Share with"</label>
                    <select id="share-with" class="input select" prop:value=move || who.get() on:change=move |ev| who.set(event_target_value(&ev))>
                        <option value="">"Choose a practitioner"</option>
                        {move || people.value().unwrap_or_default().into_iter().filter(|p| !p.on_care_team).map(|p| view! {
                            <option value=p.id.to_string()>{p.name}</option>
                        }).collect_view()}
                    </select>
                </div>
                <fieldset class="fieldset">
                    <legend>"What to share"</legend>
                    <label class="choice-inline"><input type="radio" name="share-scope" prop:checked=move || whole.get() on:change=move |_| whole.set(true) />" My whole record"</label>
                    <label class="choice-inline"><input type="radio" name="share-scope" prop:checked=move || !whole.get() on:change=move |_| whole.set(false) />" Only:"</label>
                    <div class="choice-row">
                        {RecordCategory::ALL.into_iter().map(|c| view! {
                            <label class="choice-inline">
                                <input
                                    type="checkbox"
                                    disabled=move || whole.get()
                                    prop:checked=move || chosen.with(|v| v.contains(&c))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        chosen.update(|v| { v.retain(|x| *x != c); if on { v.push(c); } });
                                    }
                                />
                                " " {c.label()}
                            </label>
                        }).collect_view()}
                    </div>
                </fieldset>
                <div class="field">
                    <label class="field-label" for="share-until">"Until (optional)"</label>
                    <input id="share-until" type="date" class="input" bind:value=until />
                </div>
                <div class="form-actions form-actions-start">
                    <button type="submit" class="button button-primary" disabled=move || share.pending().get()>"Share"</button>
                </div>
            </form>
        </section>
    }
}

/// "Download my data": the whole record as one archive.
#[component]
pub fn DownloadCard(patient_id: Uuid) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let download = Action::new_unsync(move |_: &()| async move {
        match api::patients::export(&auth.client(), patient_id).await {
            Ok(bytes) => {
                let name = format!("carebase-record-{}.zip", crate::forms::today());
                format::download_bytes(&name, "application/zip", &bytes);
                toasts.success("Your data is downloaded.");
            }
            Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
        }
    });
    view! {
        <section class="card stack" aria-labelledby="download-heading">
            <h2 class="card-title" id="download-heading">"Download my data"</h2>
            <p class="field-hint">"Everything the practice holds about you in one archive: your details, appointments, readings, questionnaires, consents, sharing and who has seen your record, as JSON and CSV files a computer can read."</p>
            <div class="form-actions form-actions-start">
                <button type="button" class="button button-secondary" disabled=move || download.pending().get() on:click=move |_| { download.dispatch(()); }>
                    {move || if download.pending().get() { "Preparing…" } else { "Download my data" }}
                </button>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};

    fn access(minute: i64, who: &str, action: &str) -> RecordAccess {
        RecordAccess {
            at: Utc.with_ymd_and_hms(2026, 12, 5, 10, 0, 0).unwrap() + Duration::minutes(minute),
            who: who.into(),
            role: Some("nurse".into()),
            what: format!("did {action}"),
            action: action.into(),
            outcome: "success".into(),
        }
    }

    #[test]
    fn the_same_access_repeated_within_minutes_reads_as_one_line_with_a_count() {
        let log = vec![
            access(30, "Sam", "observation.read"),
            access(28, "Sam", "observation.read"),
            access(21, "Sam", "observation.read"),
            access(20, "Lee", "observation.read"),
            access(5, "Sam", "observation.read"),
            access(4, "Sam", "note.read"),
        ];
        let lines = runs(log);
        let shape: Vec<(&str, &str, usize)> = lines
            .iter()
            .map(|r| (r.latest.who.as_str(), r.latest.action.as_str(), r.count))
            .collect();
        assert_eq!(
            shape,
            [
                ("Sam", "observation.read", 3),
                ("Lee", "observation.read", 1),
                ("Sam", "observation.read", 1),
                ("Sam", "note.read", 1),
            ]
        );
        assert_eq!(lines[0].earliest, Some(access(21, "", "").at));
        assert_eq!(lines[1].earliest, None);
    }
}
