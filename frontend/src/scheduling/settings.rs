//! `/admin/scheduling`: the practice's scheduling rules (public holidays, slot grid, online
//! booking, reminders), practice closures, and the messages patients get.

use api_types::scheduling::{
    ClosureInput, HolidayRegion, MessageEvent, MessageTemplate, MessageTemplates, OnlineBooking,
    SchedulingSettings, TEMPLATE_PLACEHOLDERS,
};
use chrono::NaiveDate;
use leptos::prelude::*;

use super::long_day;
use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{
    use_toasts, CheckboxField, PageTitle, ProblemAlert, SelectField, SkeletonRows, TextAreaField,
    TextField,
};
use crate::forms::{today, FieldErrors};

#[component]
pub fn SchedulingSettingsPage() -> impl IntoView {
    let auth = use_auth();
    let rules = Loader::new(
        || (),
        move |()| async move { api::scheduling::settings(&auth.client()).await },
    );
    let templates = Loader::new(
        || (),
        move |()| async move { api::scheduling::templates(&auth.client()).await },
    );
    view! {
        <PageTitle text="Scheduling" />
        <div class="page page-narrow">
            <h1 class="page-title">"Scheduling"</h1>
            {move || match rules.get() {
                None => view! { <SkeletonRows rows=4 /> }.into_any(),
                Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                Some(Ok(current)) => view! { <RulesForm current rules /> }.into_any(),
            }}
            <Closures />
            {move || match templates.get() {
                None => view! { <SkeletonRows rows=4 /> }.into_any(),
                Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                Some(Ok(current)) => view! { <TemplatesForm current templates /> }.into_any(),
            }}
        </div>
    }
}

#[component]
fn RulesForm(current: SchedulingSettings, rules: Loader<SchedulingSettings>) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let region = RwSignal::new(current.holiday_region.code().to_owned());
    let interval = RwSignal::new(current.slot_interval_minutes.to_string());
    let enabled = RwSignal::new(current.online_booking.enabled);
    let notice = RwSignal::new(current.online_booking.min_notice_hours.to_string());
    let ahead = RwSignal::new(current.online_booking.max_days_ahead.to_string());
    let cancel = RwSignal::new(current.online_booking.cancellation_notice_hours.to_string());
    let reminders = RwSignal::new(current.reminders_enabled);
    let errors = FieldErrors::new();
    let problem = RwSignal::new(None);
    let save = Action::new_unsync(move |s: &SchedulingSettings| {
        let s = s.clone();
        async move {
            match api::scheduling::save_settings(&auth.client(), &s).await {
                Ok(saved) => {
                    toasts.success("Scheduling rules saved.");
                    rules.set(saved);
                }
                Err(p) => problem.set(errors.absorb(p)),
            }
        }
    });
    let n = |s: RwSignal<String>| s.get_untracked().trim().parse::<u32>().unwrap_or(u32::MAX);
    let time_zone = current.time_zone.clone();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        let s = SchedulingSettings {
            holiday_region: HolidayRegion::ALL
                .into_iter()
                .find(|r| r.code() == region.get_untracked())
                .unwrap_or_default(),
            slot_interval_minutes: n(interval),
            online_booking: OnlineBooking {
                enabled: enabled.get_untracked(),
                min_notice_hours: n(notice),
                max_days_ahead: n(ahead),
                cancellation_notice_hours: n(cancel),
            },
            reminders_enabled: reminders.get_untracked(),
            time_zone: time_zone.clone(),
        };
        if errors.check(s.validate()) {
            save.dispatch(s);
        }
    };
    view! {
        <form class="card stack" on:submit=on_submit novalidate=true aria-label="Scheduling rules">
            <h2 class="card-title">"Rules"</h2>
            {move || problem.get().map(|problem| view! { <ProblemAlert problem /> })}
            <SelectField
                id="holiday_region"
                label="Public holidays of"
                value=region
                options=HolidayRegion::ALL.iter().map(|r| (r.code().to_owned(), r.label().to_owned())).collect()
            />
            <SelectField
                id="slot_interval_minutes"
                label="Appointments start every"
                value=interval
                options=[5, 10, 15, 20, 30, 60].iter().map(|m| (m.to_string(), format!("{m} minutes"))).collect()
                error=errors.of("slot_interval_minutes")
            />
            <CheckboxField id="online-enabled" label="Patients may book online in the portal" checked=enabled />
            <div class="grid">
                <TextField id="online_booking.min_notice_hours" label="Online bookings at least (hours ahead)" value=notice input_type="number" error=errors.of("online_booking.min_notice_hours") />
                <TextField id="online_booking.max_days_ahead" label="Online bookings at most (days ahead)" value=ahead input_type="number" error=errors.of("online_booking.max_days_ahead") />
                <TextField id="online_booking.cancellation_notice_hours" label="Online cancellations up to (hours before)" value=cancel input_type="number" error=errors.of("online_booking.cancellation_notice_hours") />
            </div>
            <CheckboxField id="reminders" label="Send a reminder the day before each appointment" checked=reminders />
            <div class="form-actions"><button type="submit" class="button button-primary">"Save rules"</button></div>
        </form>
    }
}

#[component]
fn Closures() -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let list = Loader::new(
        || (),
        move |()| async move { api::scheduling::closures(&auth.client()).await },
    );
    let from = RwSignal::new(today().to_string());
    let to = RwSignal::new(today().to_string());
    let reason = RwSignal::new(String::new());
    let errors = FieldErrors::new();
    let problem = RwSignal::new(None);
    let add = Action::new_unsync(move |input: &ClosureInput| {
        let input = input.clone();
        async move {
            match api::scheduling::create_closure(&auth.client(), &input).await {
                Ok(_) => {
                    toasts.success("The practice is marked closed on those days.");
                    reason.set(String::new());
                    list.reload();
                }
                Err(p) => problem.set(errors.absorb(p)),
            }
        }
    });
    let remove = Action::new_unsync(move |id: &uuid::Uuid| {
        let id = *id;
        async move {
            match api::scheduling::delete_closure(&auth.client(), id).await {
                Ok(()) => list.reload(),
                Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
            }
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        let parse = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or(today());
        let input = ClosureInput {
            start_date: parse(&from.get_untracked()),
            end_date: parse(&to.get_untracked()),
            reason: reason.get_untracked().trim().to_owned(),
        };
        if errors.check(input.validate()) {
            add.dispatch(input);
        }
    };
    view! {
        <section class="card stack" aria-labelledby="closures-title">
            <h2 class="card-title" id="closures-title">"Practice closures"</h2>
            {move || list.value().map(|items| {
                if items.is_empty() {
                    return view! { <p class="muted">"No closures ahead."</p> }.into_any();
                }
                view! {
                    <ul class="plain-list">
                        {items.into_iter().map(|c| {
                            let text = if c.start_date == c.end_date { long_day(c.start_date) } else { format!("{} to {}", long_day(c.start_date), long_day(c.end_date)) };
                            let id = c.id;
                            view! {
                                <li class="list-row">
                                    <span>{format!("{text}: {}", c.reason)}</span>
                                    <button type="button" class="button button-ghost button-small" on:click=move |_| { remove.dispatch(id); }>"Reopen"</button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            })}
            <form class="stack" on:submit=on_submit novalidate=true aria-label="Close the practice">
                {move || problem.get().map(|problem| view! { <ProblemAlert problem /> })}
                <div class="grid">
                    <TextField id="closure-from" label="First day" value=from input_type="date" error=errors.of("start_date") />
                    <TextField id="closure-to" label="Last day" value=to input_type="date" error=errors.of("end_date") />
                </div>
                <TextField id="closure-reason" label="Reason" value=reason error=errors.of("reason") />
                <div class="form-actions form-actions-start"><button type="submit" class="button button-secondary">"Close the practice"</button></div>
            </form>
        </section>
    }
}

/// One event's editable template: email subject, email body, SMS.
type TemplateFields = (
    MessageEvent,
    RwSignal<String>,
    RwSignal<String>,
    RwSignal<String>,
);

#[component]
fn TemplatesForm(current: MessageTemplates, templates: Loader<MessageTemplates>) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let fields: Vec<TemplateFields> = MessageEvent::ALL
        .into_iter()
        .map(|e| {
            let t = current.get(e);
            (
                e,
                RwSignal::new(t.map(|t| t.email_subject.clone()).unwrap_or_default()),
                RwSignal::new(t.map(|t| t.email_body.clone()).unwrap_or_default()),
                RwSignal::new(t.map(|t| t.sms_body.clone()).unwrap_or_default()),
            )
        })
        .collect();
    let errors = FieldErrors::new();
    let problem = RwSignal::new(None);
    let save = Action::new_unsync(move |t: &MessageTemplates| {
        let t = t.clone();
        async move {
            match api::scheduling::save_templates(&auth.client(), &t).await {
                Ok(saved) => {
                    toasts.success("Messages saved.");
                    templates.set(saved);
                }
                Err(p) => problem.set(errors.absorb(p)),
            }
        }
    });
    let read = fields.clone();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        let t = MessageTemplates {
            templates: read
                .iter()
                .map(|(e, s, b, m)| MessageTemplate {
                    event: *e,
                    email_subject: s.get_untracked(),
                    email_body: b.get_untracked(),
                    sms_body: m.get_untracked(),
                })
                .collect(),
        };
        if errors.check(t.validate()) {
            save.dispatch(t);
        }
    };
    let placeholders = TEMPLATE_PLACEHOLDERS
        .iter()
        .map(|(p, what)| format!("{{{{{p}}}}}: {what}"))
        .collect::<Vec<_>>();
    view! {
        <form class="card stack" on:submit=on_submit novalidate=true aria-label="Messages to patients">
            <h2 class="card-title">"Messages to patients"</h2>
            <p class="field-hint">"Sent by email (with a calendar invitation) and by SMS to the patient's mobile. Placeholders:"</p>
            <ul class="field-hint placeholder-list">{placeholders.into_iter().map(|p| view! { <li><code>{p}</code></li> }).collect_view()}</ul>
            {move || problem.get().map(|problem| view! { <ProblemAlert problem /> })}
            {fields.into_iter().enumerate().map(|(i, (e, subject, body, sms))| view! {
                <fieldset class="fieldset">
                    <legend>{e.label()}</legend>
                    <TextField id=format!("templates[{i}].email_subject") label="Email subject" value=subject error=errors.of(format!("templates[{i}].email_subject")) />
                    <TextAreaField id=format!("templates[{i}].email_body") label="Email" value=body rows=5 error=errors.of(format!("templates[{i}].email_body")) />
                    <TextAreaField id=format!("templates[{i}].sms_body") label="SMS" value=sms rows=2 error=errors.of(format!("templates[{i}].sms_body")) />
                </fieldset>
            }).collect_view()}
            <div class="form-actions"><button type="submit" class="button button-primary">"Save messages"</button></div>
        </form>
    }
}
