//! `/admin/settings`: the practice's name, time zone and two-step verification policy, the
//! messages staff start from when they write to a patient, and the practice's note templates.

use api_types::admin::PracticeSettings;
use api_types::validation::Errors;
use api_types::Role;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use crate::api::{self, Loader};
use crate::auth::{role_label, use_auth};
use crate::components::common::{
    use_toasts, CheckboxField, PageTitle, ProblemAlert, SelectField, SkeletonRows, TextAreaField,
    TextField,
};
use crate::forms::FieldErrors;

/// Time zones a practice in Australia or New Zealand would pick.
const TIME_ZONES: [&str; 12] = [
    "Australia/Sydney",
    "Australia/Melbourne",
    "Australia/Brisbane",
    "Australia/Adelaide",
    "Australia/Darwin",
    "Australia/Perth",
    "Australia/Hobart",
    "Australia/Canberra",
    "Australia/Lord_Howe",
    "Australia/Broken_Hill",
    "Pacific/Auckland",
    "UTC",
];

#[component]
pub fn SettingsPage() -> impl IntoView {
    let auth = use_auth();
    let settings = Loader::new(
        || (),
        move |()| async move { api::admin::settings(&auth.client()).await },
    );
    view! {
        <PageTitle text="Practice settings" />
        <div class="page page-narrow">
            <h1 class="page-title">"Practice settings"</h1>
            {move || match settings.get() {
                None => view! { <SkeletonRows rows=4 /> }.into_any(),
                Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                Some(Ok(current)) => view! { <SettingsForm current settings /> }.into_any(),
            }}
            <super::staff_templates::StaffTemplatesCard />
            <super::note_templates::NoteTemplatesCard />
        </div>
    }
}

#[component]
fn SettingsForm(current: PracticeSettings, settings: Loader<PracticeSettings>) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let name = RwSignal::new(current.practice_name.clone());
    let zone = RwSignal::new(current.time_zone.clone());
    let mut zones: Vec<(String, String)> = TIME_ZONES
        .iter()
        .map(|z| ((*z).to_owned(), z.replace('_', " ")))
        .collect();
    if !TIME_ZONES.contains(&current.time_zone.as_str()) {
        zones.insert(0, (current.time_zone.clone(), current.time_zone.clone()));
    }
    let staff = [
        Role::Admin,
        Role::Practitioner,
        Role::Nurse,
        Role::Receptionist,
    ];
    let mfa: Vec<(Role, RwSignal<bool>)> = staff
        .into_iter()
        .map(|r| (r, RwSignal::new(current.mfa_required_roles.contains(&r))))
        .collect();
    let networks = RwSignal::new(current.staff_networks.join("\n"));
    let staff_idle = RwSignal::new(current.staff_idle_minutes.to_string());
    let patient_idle = RwSignal::new(current.patient_idle_minutes.to_string());
    let errors = FieldErrors::new();
    let problem = RwSignal::new(None);
    let save = Action::new_unsync(move |s: &PracticeSettings| {
        let s = s.clone();
        async move {
            match api::admin::save_settings(&auth.client(), &s).await {
                Ok(saved) => {
                    toasts.success("Settings saved.");
                    settings.set(saved);
                    auth.reload_me().await;
                }
                Err(p) => problem.set(errors.absorb(p)),
            }
        }
    });
    let pending = save.pending();
    let chosen = mfa.clone();
    // Not a whole number: out of range, and refused at the field.
    let minutes = |s: RwSignal<String>| s.get_untracked().trim().parse::<u32>().unwrap_or(0);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        let s = PracticeSettings {
            practice_name: name.get_untracked().trim().to_owned(),
            time_zone: zone.get_untracked(),
            mfa_required_roles: chosen
                .iter()
                .filter(|(_, on)| on.get_untracked())
                .map(|(r, _)| *r)
                .collect(),
            staff_networks: networks
                .get_untracked()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
            staff_idle_minutes: minutes(staff_idle),
            patient_idle_minutes: minutes(patient_idle),
        };
        let mut e = Errors::default();
        e.required_text("practice_name", &s.practice_name, 200);
        for (field, value) in [
            ("staff_idle_minutes", s.staff_idle_minutes),
            ("patient_idle_minutes", s.patient_idle_minutes),
        ] {
            if !api_types::admin::IDLE_MINUTES.contains(&value) {
                e.push(
                    field,
                    "out_of_range",
                    "Choose between 5 minutes and 12 hours (720 minutes).",
                );
            }
        }
        if let Some(bad) = s
            .staff_networks
            .iter()
            .find(|n| api_types::validation::parse_network(n).is_none())
        {
            e.push(
                "staff_networks",
                "invalid_network",
                format!("“{bad}” is not an address or a range such as 203.0.113.0/24."),
            );
        }
        if errors.check(e.finish()) {
            save.dispatch(s);
        }
    };
    view! {
        <form class="card stack" on:submit=on_submit novalidate=true>
            {move || problem.get().map(|problem| view! { <ProblemAlert problem /> })}
            <TextField id="practice_name" label="Practice name" required=true value=name error=errors.of("practice_name") />
            <SelectField
                id="time_zone"
                label="Time zone"
                hint="Appointments, reminders and reports use this time zone."
                value=zone
                options=zones
                error=errors.of("time_zone")
            />
            <fieldset class="fieldset">
                <legend>"Require two-step verification for"</legend>
                <p class="field-hint">
                    "People in these roles must set up two-step verification before they can use Carebase. Patients choose for themselves."
                </p>
                <div class="checkbox-grid">
                    {mfa
                        .into_iter()
                        .map(|(r, on)| {
                            view! {
                                <CheckboxField id=format!("mfa-{}", r.as_str()) label=role_label(r) checked=on />
                            }
                        })
                        .collect_view()}
                </div>
            </fieldset>
            <TextAreaField
                id="staff_networks"
                label="Staff sign in only from"
                hint="One address or range per line, such as 203.0.113.0/24. Leave empty to allow any network. Patients sign in from anywhere; your own address must be in the list."
                value=networks
                rows=3
                error=errors.of("staff_networks")
            />
            <TextField
                id="staff_idle_minutes"
                label="Sign staff out after (minutes without activity)"
                hint="From 5 to 720. A warning shows a minute before."
                value=staff_idle
                input_type="number"
                inputmode="numeric"
                error=errors.of("staff_idle_minutes")
            />
            <TextField
                id="patient_idle_minutes"
                label="Sign patients out after (minutes without activity)"
                hint="From 5 to 720, for the patient portal."
                value=patient_idle
                input_type="number"
                inputmode="numeric"
                error=errors.of("patient_idle_minutes")
            />
            <div class="form-actions">
                <button type="submit" class="button button-primary" disabled=move || pending.get()>
                    {move || if pending.get() { "Saving…" } else { "Save settings" }}
                </button>
            </div>
        </form>
    }
}
