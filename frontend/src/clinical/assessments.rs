//! Questionnaires: completing one (the patient in the portal, or staff entering the patient's
//! answers), the score shown as it is answered with the same scoring the server applies, each
//! instrument's history charted over its severity bands, and the review of urgent answers.

use api_types::assessments::{
    self as instruments, Assessment, AssessmentQuery, AssessmentSource, Instrument, NewAssessment,
    Severity,
};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use uuid::Uuid;

use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{
    use_toasts, ProblemAlert, SelectField, SkeletonRows, TextAreaField,
};
use crate::format;
use crate::forms::FieldErrors;

fn badge(s: &Severity) -> &'static str {
    match s.level {
        0 => "badge badge-success",
        1 | 2 => "badge badge-warning",
        _ => "badge badge-danger",
    }
}

/// A patient's questionnaires: complete a new one, and each instrument's results over time.
#[component]
pub fn AssessmentsPanel(patient_id: Uuid, staff: bool) -> impl IntoView {
    let auth = use_auth();
    let refresh = RwSignal::new(0u32);
    let list = Loader::new(
        move || refresh.get(),
        move |_| async move {
            api::clinical::assessments(
                &auth.client(),
                patient_id,
                &AssessmentQuery {
                    instrument: None,
                    limit: Some(100),
                    offset: None,
                },
            )
            .await
        },
    );
    let completing = RwSignal::new(false);
    let done = RwSignal::new(None::<Assessment>);
    view! {
        <div class="stack">
            {move || done.get().map(|a| view! { <ResultNotice a staff /> })}
            {move || if completing.get() {
                view! {
                    <QuestionnaireForm
                        patient_id
                        staff
                        on_cancel=Callback::new(move |()| completing.set(false))
                        on_done=Callback::new(move |a: Assessment| {
                            completing.set(false);
                            done.set(Some(a));
                            refresh.update(|n| *n += 1);
                        })
                    />
                }
                    .into_any()
            } else {
                view! {
                    <div class="form-actions form-actions-start">
                        <button type="button" class="button button-primary" on:click=move |_| { done.set(None); completing.set(true); }>
                            {if staff { "Enter questionnaire answers" } else { "Complete a questionnaire" }}
                        </button>
                    </div>
                }
                    .into_any()
            }}
            {move || match list.get() {
                None => view! { <SkeletonRows rows=3 /> }.into_any(),
                Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                Some(Ok(page)) if page.items.is_empty() => view! {
                    <p class="muted">"No questionnaires completed yet."</p>
                }
                    .into_any(),
                Some(Ok(page)) => Instrument::ALL
                    .into_iter()
                    .filter_map(|i| {
                        let mine: Vec<Assessment> = page.items.iter().filter(|a| a.instrument == i).cloned().collect();
                        (!mine.is_empty()).then(|| view! {
                            <InstrumentHistory instrument=i items=mine staff on_reviewed=Callback::new(move |()| refresh.update(|n| *n += 1)) />
                        })
                    })
                    .collect_view()
                    .into_any(),
            }}
        </div>
    }
}

/// What was just recorded; for a patient whose answers raised an urgent flag, where to get help
/// now.
#[component]
fn ResultNotice(a: Assessment, staff: bool) -> impl IntoView {
    let name = a.instrument.definition().name;
    view! {
        <div class="alert alert-info" role="status">
            <p>
                <strong>{format!("{name} recorded: {} of {}", a.score, a.max_score)}</strong>
                " "
                <span class=badge(&a.severity)>{a.severity.label.clone()}</span>
            </p>
            {(a.urgent && staff).then(|| view! {
                <p>"An urgent answer was given; the patient's care team has been alerted."</p>
            })}
            {(a.urgent && !staff).then(|| view! {
                <p>
                    "Thank you for telling us. Your care team has been told and will contact you. "
                    "If you are thinking about harming yourself, or are in danger now, call 000. "
                    "You can talk to someone at Lifeline any time on 13 11 14."
                </p>
            })}
        </div>
    }
}

/// Choose an instrument, answer each item, see the score as it adds up, record it.
#[component]
fn QuestionnaireForm(
    patient_id: Uuid,
    staff: bool,
    on_cancel: Callback<()>,
    on_done: Callback<Assessment>,
) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let chosen = RwSignal::new(Instrument::Phq9.as_str().to_owned());
    let instrument =
        Memo::new(move |_| Instrument::parse(&chosen.get()).unwrap_or(Instrument::Phq9));
    let answers = RwSignal::new(Vec::<Option<u8>>::new());
    Effect::new(move |_| {
        let n = instrument.get().definition().items.len();
        answers.set(vec![None; n]);
    });
    let errors = FieldErrors::new();
    let problem = RwSignal::new(None);
    let save = Action::new_unsync(move |input: &NewAssessment| {
        let input = input.clone();
        async move {
            match api::clinical::record_assessment(&auth.client(), patient_id, &input).await {
                Ok(a) => {
                    toasts.success("Questionnaire recorded.");
                    on_done.run(a);
                }
                Err(p) => problem.set(errors.absorb(p)),
            }
        }
    });
    let complete = move || -> Option<Vec<u8>> { answers.get().into_iter().collect() };
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        let Some(all) = complete() else {
            errors.show(vec![api_types::FieldError::new(
                "answers",
                "required",
                "Answer every question.",
            )]);
            return;
        };
        save.dispatch(NewAssessment {
            instrument: instrument.get_untracked(),
            answers: all,
            completed_at: None,
            appointment_id: None,
        });
    };
    let options: Vec<(String, String)> = Instrument::ALL
        .iter()
        .map(|i| (i.as_str().to_owned(), i.definition().title.to_owned()))
        .collect();
    view! {
        <form class="card stack questionnaire" on:submit=on_submit novalidate=true aria-label="Questionnaire">
            <SelectField id="instrument" label="Questionnaire" value=chosen options />
            {move || {
                let d = instrument.get().definition();
                view! {
                    <p class="question-prompt">{d.prompt}</p>
                    {d.items
                        .iter()
                        .enumerate()
                        .map(|(i, text)| view! {
                            <fieldset class="fieldset question">
                                <legend>{format!("{}. {text}", i + 1)}</legend>
                                <div class="choice-row">
                                    {d.choices
                                        .iter()
                                        .map(|c| {
                                            let value = c.value;
                                            let id = format!("{}-q{}-{}", d.instrument.as_str(), i + 1, value);
                                            let label_for = id.clone();
                                            view! {
                                                <label class="choice" for=label_for>
                                                    <input
                                                        type="radio"
                                                        id=id
                                                        name=format!("q{}", i + 1)
                                                        prop:checked=move || answers.with(|a| a.get(i).copied().flatten() == Some(value))
                                                        on:change=move |_| answers.update(|a| if let Some(slot) = a.get_mut(i) { *slot = Some(value); })
                                                    />
                                                    <span>{c.label}</span>
                                                </label>
                                            }
                                        })
                                        .collect_view()}
                                </div>
                            </fieldset>
                        })
                        .collect_view()}
                }
            }}
            <p class="question-score" aria-live="polite">
                {move || {
                    let given = answers.with(|a| a.iter().filter(|x| x.is_some()).count());
                    let total = answers.with(Vec::len);
                    match complete().and_then(|all| instruments::score(instrument.get(), &all).ok()) {
                        Some(s) if staff => format!("Score {} of {}: {}", s.score, s.max_score, s.severity.label),
                        Some(_) => "Every question is answered.".to_owned(),
                        None => format!("{given} of {total} answered"),
                    }
                }}
            </p>
            {move || errors.of("answers").get().map(|m| view! { <p class="field-error">{m}</p> })}
            {move || problem.get().map(|problem| view! { <ProblemAlert problem /> })}
            <div class="form-actions">
                <button type="button" class="button button-secondary" on:click=move |_| on_cancel.run(())>"Cancel"</button>
                <button type="submit" class="button button-primary" disabled=move || save.pending().get()>
                    {move || if save.pending().get() { "Saving…" } else { "Submit answers" }}
                </button>
            </div>
        </form>
    }
}

const W: f64 = 600.0;
const H: f64 = 150.0;
const PAD: f64 = 28.0;

/// Scores over time, drawn over the instrument's severity bands.
#[component]
fn ScoreChart(instrument: Instrument, items: Vec<Assessment>) -> impl IntoView {
    let (lo, hi) = instrument.range();
    let y = move |v: u32| H - PAD / 2.0 - (f64::from(v - lo) / f64::from(hi - lo)) * (H - PAD);
    let mut points: Vec<(i64, u32)> = items
        .iter()
        .map(|a| (a.completed_at.timestamp(), a.score))
        .collect();
    points.sort_unstable();
    let (t0, t1) = (
        points.first().map_or(0, |p| p.0),
        points.last().map_or(0, |p| p.0),
    );
    let x = move |t: i64| {
        if t1 == t0 {
            W / 2.0
        } else {
            PAD + (t - t0) as f64 / (t1 - t0) as f64 * (W - 2.0 * PAD)
        }
    };
    let path: String = points
        .iter()
        .enumerate()
        .map(|(i, (t, v))| {
            format!(
                "{}{:.1},{:.1}",
                if i == 0 { "M" } else { " L" },
                x(*t),
                y(*v)
            )
        })
        .collect();
    let name = instrument.definition().name;
    let summary = format!(
        "{name} scores over time: {}",
        points
            .iter()
            .map(|p| p.1.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    view! {
        <svg class="score-chart" viewBox=format!("0 0 {W} {H}") role="img" aria-label=summary preserveAspectRatio="none">
            {instruments::bands(instrument)
                .into_iter()
                .map(|(from, to, s)| {
                    let top = y(to) - if to == hi { PAD / 2.0 } else { 0.0 };
                    let bottom = if from == lo { H } else { y(from) };
                    view! {
                        <rect class=format!("band band-{}", s.level) x="0" y=format!("{top:.1}") width=W.to_string() height=format!("{:.1}", (bottom - top).max(0.0))>
                            <title>{format!("{}: {from}–{to}", s.label)}</title>
                        </rect>
                    }
                })
                .collect_view()}
            <path class="score-line" d=path />
            {points
                .iter()
                .map(|(t, v)| view! { <circle class="score-point" cx=format!("{:.1}", x(*t)) cy=format!("{:.1}", y(*v)) r="4" /> })
                .collect_view()}
        </svg>
    }
}

#[component]
fn InstrumentHistory(
    instrument: Instrument,
    items: Vec<Assessment>,
    staff: bool,
    on_reviewed: Callback<()>,
) -> impl IntoView {
    let d = instrument.definition();
    let heading = format!("history-{}", instrument.as_str());
    let labelled_by = heading.clone();
    let latest = items.first().cloned();
    view! {
        <section class="card stack" aria-labelledby=labelled_by>
            <h2 class="card-title" id=heading>{d.title}</h2>
            {latest.map(|a| view! {
                <p>
                    {format!("Latest: {} of {} ", a.score, a.max_score)}
                    <span class=badge(&a.severity)>{a.severity.label.clone()}</span>
                    <span class="muted">{format!(" on {}", format::date_time(a.completed_at))}</span>
                </p>
            })}
            <ScoreChart instrument items=items.clone() />
            <table class="table">
                <thead>
                    <tr>
                        <th scope="col">"Completed"</th>
                        <th scope="col">"Score"</th>
                        <th scope="col">"Severity"</th>
                        <th scope="col">"Flags"</th>
                        <th scope="col">"By"</th>
                    </tr>
                </thead>
                <tbody>
                    {items
                        .into_iter()
                        .map(|a| view! { <HistoryRow a staff on_reviewed /> })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
}

#[component]
fn HistoryRow(a: Assessment, staff: bool, on_reviewed: Callback<()>) -> impl IntoView {
    let reviewing = RwSignal::new(false);
    let scales = a
        .subscales
        .iter()
        .map(|s| {
            format!(
                "{} {} ({})",
                s.scale,
                s.score,
                s.severity.label.to_lowercase()
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let by = match a.source {
        AssessmentSource::Patient => "The patient".to_owned(),
        AssessmentSource::Staff => a.entered_by_name.clone().unwrap_or_else(|| "Staff".into()),
    };
    let waiting = a.urgent && a.review.is_none();
    let id = a.id;
    view! {
        <tr>
            <td>{format::date_time(a.completed_at)}</td>
            <td>
                {format!("{} of {}", a.score, a.max_score)}
                {(!scales.is_empty()).then(|| view! { <br /><span class="muted list-secondary">{scales.clone()}</span> })}
            </td>
            <td><span class=badge(&a.severity)>{a.severity.label.clone()}</span></td>
            <td>
                {a.flags
                    .iter()
                    .map(|f| view! {
                        <span class=if f.urgent { "badge badge-danger" } else { "badge badge-warning" }>
                            {format!("Item {}: {}", f.item, f.label)}
                        </span>
                        " "
                    })
                    .collect_view()}
                {a.review.clone().map(|r| view! {
                    <br />
                    <span class="muted list-secondary">{format!(
                        "Reviewed {}{}: {}",
                        format::date_time(r.reviewed_at),
                        r.reviewed_by_name.map(|n| format!(" by {n}")).unwrap_or_default(),
                        r.note
                    )}</span>
                })}
                {(waiting && staff).then(|| view! {
                    <br />
                    <button type="button" class="button button-secondary button-small" on:click=move |_| reviewing.set(true)>
                        "Mark reviewed"
                    </button>
                })}
                {move || reviewing.get().then(|| view! {
                    <ReviewForm id on_done=Callback::new(move |()| { reviewing.set(false); on_reviewed.run(()); }) />
                })}
            </td>
            <td>{by}</td>
        </tr>
    }
}

#[component]
fn ReviewForm(id: Uuid, on_done: Callback<()>) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let note = RwSignal::new(String::new());
    let errors = FieldErrors::new();
    let problem = RwSignal::new(None);
    let save = Action::new_unsync(move |text: &String| {
        let text = text.clone();
        async move {
            match api::clinical::review_assessment(&auth.client(), id, text).await {
                Ok(_) => {
                    toasts.success("Marked as reviewed.");
                    on_done.run(());
                }
                Err(p) => problem.set(errors.absorb(p)),
            }
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let text = note.get_untracked().trim().to_owned();
        if text.is_empty() {
            errors.show(vec![api_types::FieldError::new(
                "note",
                "required",
                "Say what was done about it.",
            )]);
            return;
        }
        save.dispatch(text);
    };
    view! {
        <form class="stack" on:submit=on_submit novalidate=true>
            {move || problem.get().map(|problem| view! { <ProblemAlert problem /> })}
            <TextAreaField id=format!("review-{id}") label="What was done" value=note error=errors.of("note") rows=2 />
            <div class="form-actions form-actions-start">
                <button type="submit" class="button button-primary button-small">"Save review"</button>
            </div>
        </form>
    }
}

/// The dashboard card for clinicians: urgent answers waiting for review.
#[component]
pub fn DashboardUrgentAnswers() -> impl IntoView {
    let auth = use_auth();
    let clinical = move || {
        auth.me()
            .is_some_and(|me| me.role.has(api_types::Permission::ClinicalAccess))
    };
    // Only clinicians may read answers; others never ask (the server would refuse).
    let list = Loader::new(clinical, move |clinical| async move {
        if clinical {
            api::clinical::urgent_assessments(&auth.client())
                .await
                .map(Some)
        } else {
            Ok(None)
        }
    });
    view! {
        <Show when=clinical>
            <section class="card" aria-labelledby="urgent-answers-heading">
                <h2 id="urgent-answers-heading" class="card-title">"Answers to review"</h2>
                {move || match list.get() {
                    None => view! { <SkeletonRows rows=2 /> }.into_any(),
                    Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                    Some(Ok(None)) => ().into_any(),
                    Some(Ok(Some(page))) if page.items.is_empty() => {
                        view! { <p class="muted">"No urgent answers waiting."</p> }.into_any()
                    }
                    Some(Ok(Some(page))) => view! {
                        <ul class="plain-list alert-list">
                            {page.items.into_iter().map(|a| {
                                let link = format!("/patients/{}/questionnaires", a.patient_id);
                                let what = a.flags.iter().filter(|f| f.urgent).map(|f| format!("item {}", f.item)).collect::<Vec<_>>().join(", ");
                                view! {
                                    <li class="list-row alert-row">
                                        <span>
                                            <span class="badge badge-danger">"Urgent"</span>
                                            " "
                                            <A href=link attr:class="table-link">{a.patient_name.clone()}</A>
                                            <span class="list-primary">{format!(" {} {what}", a.instrument.definition().name)}</span>
                                            <br />
                                            <span class="muted list-secondary">{format!("Answered {}", format::date_time(a.completed_at))}</span>
                                        </span>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }
                        .into_any(),
                }}
            </section>
        </Show>
    }
}
