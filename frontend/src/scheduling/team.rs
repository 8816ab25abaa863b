//! `/schedule/team`: the week at a glance for reception: each practitioner's hours per day,
//! their time off, public holidays and how many appointments each day holds.

use api_types::scheduling::{AppointmentStatus, TimeOffKind};
use chrono::Duration;
use leptos::prelude::*;

use super::{clock, short_day, week_start};
use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{PageTitle, ProblemAlert, SkeletonRows};
use crate::forms::today;

#[component]
pub fn TeamAvailabilityPage() -> impl IntoView {
    let auth = use_auth();
    let monday = RwSignal::new(week_start(today()));
    let week = Loader::new(
        move || monday.get(),
        move |from| async move {
            api::scheduling::calendar(&auth.client(), from, from + Duration::days(6), &[]).await
        },
    );
    view! {
        <PageTitle text="Team availability" />
        <div class="page page-wide">
            <div class="page-header">
                <h1 class="page-title">"Team availability"</h1>
                <div class="button-group" role="group" aria-label="Week">
                    <button type="button" class="button button-secondary button-small" aria-label="Previous week" on:click=move |_| monday.update(|d| *d -= Duration::days(7))>"‹"</button>
                    <button type="button" class="button button-secondary button-small" on:click=move |_| monday.set(week_start(today()))>"This week"</button>
                    <button type="button" class="button button-secondary button-small" aria-label="Next week" on:click=move |_| monday.update(|d| *d += Duration::days(7))>"›"</button>
                </div>
            </div>
            <div class="card card-flush table-scroll" tabindex="0" role="region" aria-label="Team week">
                {move || match week.get() {
                    None => view! { <SkeletonRows rows=5 /> }.into_any(),
                    Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                    Some(Ok(cal)) => {
                        let days: Vec<_> = cal.from.iter_days().take(7).collect();
                        view! {
                            <table class="table team-table">
                                <caption class="visually-hidden">"Who works when this week"</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">"Practitioner"</th>
                                        {days.iter().map(|d| {
                                            let holiday = cal.holidays.iter().find(|h| h.date == *d).map(|h| h.name.clone());
                                            view! {
                                                <th scope="col">
                                                    {short_day(*d)}
                                                    {holiday.map(|h| view! { <div class="cal-head-holiday">{h}</div> })}
                                                </th>
                                            }
                                        }).collect_view()}
                                    </tr>
                                </thead>
                                <tbody>
                                    {cal.columns.iter().map(|col| {
                                        view! {
                                            <tr>
                                                <th scope="row">{col.practitioner.name.clone()}</th>
                                                {days.iter().map(|d| {
                                                    let hours: Vec<String> = col.available.iter()
                                                        .filter(|s| s.start.date() == *d)
                                                        .map(|s| format!("{}–{}", clock(s.start), clock(s.end)))
                                                        .collect();
                                                    let off: Vec<String> = col.time_off.iter()
                                                        .filter(|t| t.start.date() <= *d && *d < t.end.date().max(t.start.date() + Duration::days(1)))
                                                        .map(|t| match t.kind {
                                                            TimeOffKind::Leave => format!("Away: {}", t.label),
                                                            _ => t.label.clone(),
                                                        })
                                                        .collect();
                                                    let booked = cal.appointments.iter()
                                                        .filter(|a| a.practitioner_id == col.practitioner.id && a.local_start.date() == *d && a.status != AppointmentStatus::Cancelled)
                                                        .count();
                                                    view! {
                                                        <td class=if hours.is_empty() { "team-off" } else { "" }>
                                                            {if hours.is_empty() { view! { <span class="muted">"Not working"</span> }.into_any() } else { hours.join(", ").into_any() }}
                                                            {off.into_iter().map(|o| view! { <div class="team-note">{o}</div> }).collect_view()}
                                                            {(booked > 0).then(|| view! { <div class="team-note">{format!("{booked} booked")}</div> })}
                                                        </td>
                                                    }
                                                }).collect_view()}
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }
                            .into_any()
                    }
                }}
            </div>
        </div>
    }
}
