//! Medications: the list with prescriptions (staff keep it, practitioners prescribe), and
//! adherence: the patient records doses taken or missed in the portal, and both see each day of
//! the last 30 against the schedule.

use api_types::medications::{
    AdherenceDay, Medication, MedicationInput, MedicationRoute, MedicationStatus, NewDose,
    NewPrescription, PrescriptionStatus,
};
use api_types::Permission;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use uuid::Uuid;

use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{
    use_toasts, CheckboxField, ProblemAlert, SelectField, SkeletonRows, TextField,
};
use crate::format;
use crate::forms::{optional, today, FieldErrors};

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(
        || "No doses due yet".to_owned(),
        |r| format!("{:.0}% of doses due taken", r * 100.0),
    )
}

/// The patient's medications; `staff` chooses the clinician's view or the patient's.
#[component]
pub fn MedicationsPanel(patient_id: Uuid, staff: bool) -> impl IntoView {
    let auth = use_auth();
    let include_past = RwSignal::new(false);
    let refresh = RwSignal::new(0u32);
    let meds = Loader::new(
        move || (include_past.get(), refresh.get()),
        move |(past, _)| async move {
            api::clinical::medications::list(&auth.client(), patient_id, past).await
        },
    );
    let adding = RwSignal::new(false);
    let bump = Callback::new(move |()| refresh.update(|n| *n += 1));
    view! {
        <section class="card stack" aria-labelledby="medications-heading">
            <div class="card-header">
                <h2 class="card-title" id="medications-heading">"Medications"</h2>
                {staff.then(|| view! {
                    <button type="button" class="button button-secondary" on:click=move |_| adding.update(|a| *a = !*a)>
                        {move || if adding.get() { "Close" } else { "Add medication" }}
                    </button>
                })}
            </div>
            {move || adding.get().then(|| view! {
                <MedicationForm patient_id existing=None on_saved=Callback::new(move |()| { adding.set(false); bump.run(()); }) />
            })}
            <CheckboxField id="medications-past" label="Show stopped and completed" checked=include_past />
            {move || match meds.get() {
                None => view! { <SkeletonRows rows=3 /> }.into_any(),
                Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="muted">"No current medications."</p> }.into_any(),
                Some(Ok(list)) => list
                    .into_iter()
                    .map(|m| view! { <MedicationCard med=m staff on_changed=bump /> })
                    .collect_view()
                    .into_any(),
            }}
        </section>
    }
}

#[component]
fn MedicationCard(med: Medication, staff: bool, on_changed: Callback<()>) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let editing = RwSignal::new(false);
    let prescribing = RwSignal::new(false);
    let can_prescribe = auth.me().is_some_and(|m| m.role.has(Permission::Prescribe));
    let id = med.id;
    let current = matches!(
        med.status,
        MedicationStatus::Active | MedicationStatus::OnHold
    );
    let note = RwSignal::new(String::new());
    let record = Action::new_unsync(move |taken: &bool| {
        let taken = *taken;
        async move {
            let input = NewDose {
                taken,
                at: None,
                note: optional(&note.get_untracked()),
            };
            match api::clinical::medications::record_dose(&auth.client(), id, &input).await {
                Ok(_) => {
                    toasts.success(if taken {
                        "Dose recorded as taken"
                    } else {
                        "Dose recorded as missed"
                    });
                    note.set(String::new());
                    on_changed.run(());
                }
                Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
            }
        }
    });
    let cancel = Action::new_unsync(move |script: &Uuid| {
        let script = *script;
        async move {
            match api::clinical::medications::cancel_prescription(&auth.client(), script).await {
                Ok(_) => {
                    toasts.success("Prescription cancelled");
                    on_changed.run(());
                }
                Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
            }
        }
    });
    let title = [Some(med.name.clone()), med.strength.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let how = format!("{} · {} · {}", med.dose, med.route.label(), med.frequency);
    let when = match med.end_date {
        Some(end) => format!("{} to {}", format::date(med.start_date), format::date(end)),
        None => format!("Since {}", format::date(med.start_date)),
    };
    let facts = [
        Some(when),
        med.prescriber_name
            .clone()
            .map(|p| format!("prescribed by {p}")),
        med.reason.clone().map(|r| format!("for {r}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let badge = match med.status {
        MedicationStatus::Active => "badge badge-success",
        MedicationStatus::OnHold => "badge badge-warning",
        _ => "badge badge-muted",
    };
    let existing = med.clone();
    let scripts = med.prescriptions.clone();
    let note_id = format!("dose-note-{id}");
    view! {
        <article class="medication" aria-label=title.clone()>
            <h3 class="study-title">{title.clone()} " " <span class=badge>{med.status.label()}</span></h3>
            <p>{how}</p>
            <p class="muted list-secondary">{facts}</p>
            {med.instructions.clone().map(|i| view! { <p class="preserve-lines">{i}</p> })}
            <AdherenceStrip medication_id=id />
            {(!staff && current).then(|| view! {
                <div class="dose-record">
                    <TextField id=note_id label="Note (optional)" value=note />
                    <div class="form-actions form-actions-start">
                        <button type="button" class="button button-primary" disabled=move || record.pending().get() on:click=move |_| { record.dispatch(true); }>
                            "I took a dose"
                        </button>
                        <button type="button" class="button button-secondary" disabled=move || record.pending().get() on:click=move |_| { record.dispatch(false); }>
                            "I missed a dose"
                        </button>
                    </div>
                </div>
            })}
            {(!scripts.is_empty()).then(|| view! {
                <ul class="plain-list">
                    {scripts.into_iter().map(|s| {
                        let script_id = s.id;
                        let issued = s.status == PrescriptionStatus::Issued;
                        view! {
                            <li class="list-row">
                                <span class="list-secondary">
                                    {format!(
                                        "Prescription: {}, {} repeats · {} · {}{}",
                                        s.quantity,
                                        s.repeats,
                                        s.prescriber_name.clone().unwrap_or_default(),
                                        format::date_time(s.issued_at),
                                        if issued { "" } else { " · cancelled" }
                                    )}
                                </span>
                                {(staff && can_prescribe && issued).then(|| view! {
                                    <button type="button" class="button button-ghost button-danger-text" on:click=move |_| { cancel.dispatch(script_id); }>"Cancel"</button>
                                })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
            {staff.then(|| view! {
                <div class="form-actions form-actions-start">
                    <button type="button" class="button button-ghost" on:click=move |_| editing.update(|e| *e = !*e)>"Edit"</button>
                    {(can_prescribe && current).then(|| view! {
                        <button type="button" class="button button-ghost" on:click=move |_| prescribing.update(|p| *p = !*p)>"Prescribe"</button>
                    })}
                </div>
            })}
            {move || editing.get().then(|| view! {
                <MedicationForm patient_id=existing.patient_id existing=Some(existing.clone()) on_saved=Callback::new(move |()| { editing.set(false); on_changed.run(()); }) />
            })}
            {move || prescribing.get().then(|| view! {
                <PrescriptionForm medication_id=id on_saved=Callback::new(move |()| { prescribing.set(false); on_changed.run(()); }) />
            })}
        </article>
    }
}

/// How a day of a medication's schedule stands: what the strip paints and the counts add up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayState {
    /// Every expected dose taken (or, without a schedule, doses taken and none missed).
    Taken,
    /// Some taken; the rest missed or not recorded.
    Partial,
    /// None taken and at least one recorded as missed.
    Missed,
    /// Doses were due and nothing was recorded: not known to be missed.
    Unrecorded,
    /// Today, with doses still to come.
    NotYetDue,
    /// Nothing expected and nothing recorded.
    Nothing,
}

impl DayState {
    pub fn of(d: &AdherenceDay, today: chrono::NaiveDate) -> DayState {
        let recorded = d.taken + d.missed;
        let expected = d.expected.unwrap_or(0);
        match () {
            _ if d.taken > 0 && d.taken >= expected && d.missed == 0 => DayState::Taken,
            _ if d.date >= today && d.missed == 0 && recorded < expected => DayState::NotYetDue,
            _ if d.taken > 0 => DayState::Partial,
            _ if d.missed > 0 => DayState::Missed,
            _ if expected > 0 => DayState::Unrecorded,
            _ => DayState::Nothing,
        }
    }

    fn class_and_words(self) -> (&'static str, &'static str) {
        match self {
            DayState::Taken => ("day day-full", "taken"),
            DayState::Partial => ("day day-partial", "some doses taken"),
            DayState::Missed => ("day day-none", "missed"),
            DayState::Unrecorded => ("day day-unrecorded", "not recorded"),
            DayState::NotYetDue => ("day day-pending", "not yet due"),
            DayState::Nothing => ("day", "nothing due"),
        }
    }
}

/// Doses over the days shown: taken, missed, due but not recorded, and today's still to come.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DoseCounts {
    pub taken: u32,
    pub missed: u32,
    pub unrecorded: u32,
    pub not_yet_due: u32,
}

impl DoseCounts {
    pub fn of(days: &[AdherenceDay], today: chrono::NaiveDate) -> DoseCounts {
        let mut c = DoseCounts::default();
        for d in days {
            c.taken += d.taken;
            c.missed += d.missed;
            let open = d.expected.unwrap_or(0).saturating_sub(d.taken + d.missed);
            if d.date >= today {
                c.not_yet_due += open;
            } else {
                c.unrecorded += open;
            }
        }
        c
    }

    /// Doses taken of those due so far (taken, missed and not recorded; today's still to come
    /// left out), so the share reads the same as the strip.
    pub fn rate(self) -> Option<f64> {
        let due = self.taken + self.missed + self.unrecorded;
        (due > 0).then(|| f64::from(self.taken.min(due)) / f64::from(due))
    }
}

/// The last 30, 90 or 180 days, one cell a day: taken, partly taken, missed, not recorded, not
/// yet due (today) or nothing due; with the share of the doses due so far that were taken.
#[component]
fn AdherenceStrip(medication_id: Uuid) -> impl IntoView {
    let auth = use_auth();
    let range = RwSignal::new("30".to_owned());
    let adherence = Loader::new(
        move || range.get().parse::<u32>().unwrap_or(30),
        move |days| async move {
            api::clinical::medications::adherence(&auth.client(), medication_id, days).await
        },
    );
    let today = today();
    let cell = move |d: &AdherenceDay| {
        let state = DayState::of(d, today);
        let (class, words) = state.class_and_words();
        let counts = if d.taken + d.missed > 0 {
            format!(
                " ({} taken{}{})",
                d.taken,
                if d.missed > 0 {
                    format!(", {} missed", d.missed)
                } else {
                    String::new()
                },
                d.expected.map(|e| format!(" of {e}")).unwrap_or_default()
            )
        } else {
            String::new()
        };
        let label = format!("{}: {words}{counts}", format::date(d.date));
        view! { <span class=class title=label.clone() role="img" aria-label=label data-state=words></span> }
    };
    let ranges = vec![
        ("30".to_owned(), "Last 30 days".to_owned()),
        ("90".to_owned(), "Last 90 days".to_owned()),
        ("180".to_owned(), "Last 180 days".to_owned()),
    ];
    view! {
        <div class="adherence">
            <SelectField id=format!("adherence-range-{medication_id}") label="Adherence over" value=range options=ranges />
            {move || adherence.value().map(|a| {
                let c = DoseCounts::of(&a.days, today);
                let mut parts = vec![format!("{} taken", c.taken), format!("{} missed", c.missed)];
                if c.unrecorded > 0 {
                    parts.push(format!("{} not recorded", c.unrecorded));
                }
                if c.not_yet_due > 0 {
                    parts.push(format!("{} not yet due today", c.not_yet_due));
                }
                view! {
                    <p class="list-secondary adherence-summary">
                        <strong>{percent(c.rate())}</strong>
                        {format!(" in the last {} days ({})", a.summary.days, parts.join(", "))}
                    </p>
                    <div class="adherence-strip" role="group" aria-label=format!("Doses each day, last {} days", a.summary.days)>
                        {a.days.iter().map(cell).collect_view()}
                    </div>
                    <ul class="adherence-legend muted" aria-hidden="true">
                        <li><span class="day day-full"></span>"Taken"</li>
                        <li><span class="day day-partial"></span>"Some taken"</li>
                        <li><span class="day day-none"></span>"Missed"</li>
                        <li><span class="day day-unrecorded"></span>"Not recorded"</li>
                        <li><span class="day day-pending"></span>"Not yet due"</li>
                    </ul>
                    {a.recent.iter().find(|d| d.note.is_some()).map(|d| view! {
                        <p class="muted list-secondary">{format!("Latest note ({}): {}", format::date_time(d.at), d.note.clone().unwrap_or_default())}</p>
                    })}
                }
            })}
        </div>
    }
}

#[component]
fn MedicationForm(
    patient_id: Uuid,
    existing: Option<Medication>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let e = existing.clone();
    let text = |f: fn(&Medication) -> Option<String>| {
        RwSignal::new(e.as_ref().and_then(f).unwrap_or_default())
    };
    let name = text(|m| Some(m.name.clone()));
    let strength = text(|m| m.strength.clone());
    let dose = text(|m| Some(m.dose.clone()));
    let frequency = text(|m| Some(m.frequency.clone()));
    let per_day = text(|m| m.doses_per_day.map(|n| n.to_string()));
    let prescriber = text(|m| {
        if m.prescriber_id.is_none() {
            m.prescriber_name.clone()
        } else {
            None
        }
    });
    let reason = text(|m| m.reason.clone());
    let instructions = text(|m| m.instructions.clone());
    let start = RwSignal::new(
        e.as_ref()
            .map_or_else(today, |m| m.start_date)
            .format("%Y-%m-%d")
            .to_string(),
    );
    let end = text(|m| m.end_date.map(|d| d.format("%Y-%m-%d").to_string()));
    let route = RwSignal::new(
        e.as_ref()
            .map_or(MedicationRoute::Oral, |m| m.route)
            .as_str()
            .to_owned(),
    );
    let status = RwSignal::new(
        e.as_ref()
            .map_or(MedicationStatus::Active, |m| m.status)
            .as_str()
            .to_owned(),
    );
    let errors = FieldErrors::new();
    let existing_id = existing.as_ref().map(|m| m.id);
    let save = Action::new_unsync(move |input: &MedicationInput| {
        let input = input.clone();
        async move {
            let client = auth.client();
            let result = match existing_id {
                Some(id) => api::clinical::medications::update(&client, id, &input).await,
                None => api::clinical::medications::create(&client, patient_id, &input).await,
            };
            match result {
                Ok(m) => {
                    toasts.success(format!("{} saved", m.name));
                    on_saved.run(());
                }
                Err(p) => {
                    if let Some(p) = errors.absorb(p) {
                        toasts.error(p.detail.unwrap_or(p.title));
                    }
                }
            }
        }
    });
    let date = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(start_date) = date(&start.get_untracked()) else {
            errors.show(vec![api_types::FieldError::new(
                "start_date",
                "required",
                "Enter when it was started.",
            )]);
            return;
        };
        let doses_per_day = match per_day.get_untracked().trim() {
            "" => None,
            n => match n.parse::<u8>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errors.show(vec![api_types::FieldError::new(
                        "doses_per_day",
                        "invalid",
                        "Enter a number of doses, or leave it empty.",
                    )]);
                    return;
                }
            },
        };
        let input = MedicationInput {
            name: name.get_untracked(),
            strength: optional(&strength.get_untracked()),
            dose: dose.get_untracked(),
            route: MedicationRoute::parse(&route.get_untracked()).unwrap_or(MedicationRoute::Other),
            frequency: frequency.get_untracked(),
            doses_per_day,
            start_date,
            end_date: date(&end.get_untracked()),
            status: MedicationStatus::parse(&status.get_untracked())
                .unwrap_or(MedicationStatus::Active),
            prescriber_name: optional(&prescriber.get_untracked()),
            reason: optional(&reason.get_untracked()),
            instructions: optional(&instructions.get_untracked()),
        };
        if errors.check(input.validate()) {
            save.dispatch(input);
        }
    };
    let routes = MedicationRoute::ALL
        .into_iter()
        .map(|r| (r.as_str().to_owned(), r.label().to_owned()))
        .collect::<Vec<_>>();
    let statuses = MedicationStatus::ALL
        .into_iter()
        .map(|s| (s.as_str().to_owned(), s.label().to_owned()))
        .collect::<Vec<_>>();
    let p = if existing_id.is_some() {
        "med-edit"
    } else {
        "med-new"
    };
    view! {
        <form class="stack medication-form" on:submit=on_submit novalidate=true aria-label="Medication">
            <div class="form-grid">
                <TextField id=format!("{p}-name") label="Medicine" value=name error=errors.of("name") required=true />
                <TextField id=format!("{p}-strength") label="Strength" value=strength error=errors.of("strength") placeholder="500 mg" />
                <TextField id=format!("{p}-dose") label="Dose" value=dose error=errors.of("dose") required=true placeholder="1 tablet" />
                <SelectField id=format!("{p}-route") label="Route" value=route options=routes />
                <TextField id=format!("{p}-frequency") label="How often" value=frequency error=errors.of("frequency") required=true placeholder="twice a day" />
                <TextField id=format!("{p}-per-day") label="Doses a day (empty if as needed)" value=per_day error=errors.of("doses_per_day") inputmode="numeric" />
                <TextField id=format!("{p}-start") label="Started" value=start input_type="date" error=errors.of("start_date") required=true />
                <TextField id=format!("{p}-end") label="Ends (optional)" value=end input_type="date" error=errors.of("end_date") />
                <SelectField id=format!("{p}-status") label="Status" value=status options=statuses />
                <TextField id=format!("{p}-prescriber") label="Prescribed elsewhere by (optional)" value=prescriber error=errors.of("prescriber_name") />
                <TextField id=format!("{p}-reason") label="Reason (optional)" value=reason error=errors.of("reason") />
                <TextField id=format!("{p}-instructions") label="Instructions (optional)" value=instructions error=errors.of("instructions") />
            </div>
            <div class="form-actions form-actions-start">
                <button type="submit" class="button button-primary" disabled=move || save.pending().get()>"Save medication"</button>
            </div>
        </form>
    }
}

#[component]
fn PrescriptionForm(medication_id: Uuid, on_saved: Callback<()>) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let quantity = RwSignal::new(String::new());
    let repeats = RwSignal::new("0".to_owned());
    let instructions = RwSignal::new(String::new());
    let errors = FieldErrors::new();
    let save = Action::new_unsync(move |input: &NewPrescription| {
        let input = input.clone();
        async move {
            match api::clinical::medications::prescribe(&auth.client(), medication_id, &input).await
            {
                Ok(_) => {
                    toasts.success("Prescription written");
                    on_saved.run(());
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
        let input = NewPrescription {
            quantity: quantity.get_untracked(),
            repeats: repeats.get_untracked().trim().parse().unwrap_or(u8::MAX),
            instructions: optional(&instructions.get_untracked()),
        };
        if errors.check(input.validate()) {
            save.dispatch(input);
        }
    };
    let p = format!("rx-{medication_id}");
    view! {
        <form class="stack" on:submit=on_submit novalidate=true aria-label="Prescription">
            <div class="form-grid">
                <TextField id=format!("{p}-quantity") label="Quantity" value=quantity error=errors.of("quantity") required=true placeholder="60 tablets" />
                <TextField id=format!("{p}-repeats") label="Repeats" value=repeats error=errors.of("repeats") inputmode="numeric" />
                <TextField id=format!("{p}-instructions") label="Instructions (optional)" value=instructions error=errors.of("instructions") />
            </div>
            <div class="form-actions form-actions-start">
                <button type="submit" class="button button-primary" disabled=move || save.pending().get()>"Write prescription"</button>
            </div>
        </form>
    }
}
