//! `/admin/appointment-types`: what the practice offers — length, colour, price, buffers,
//! telehealth or in person, online booking, and who offers each.

use api_types::scheduling::{
    AppointmentMode, AppointmentType, AppointmentTypeInput, AppointmentTypePatch,
};
use leptos::prelude::*;
use uuid::Uuid;

use super::price;
use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{
    use_toasts, CheckboxField, Dialog, PageTitle, ProblemAlert, SelectField, SkeletonRows,
    TextField,
};
use crate::forms::FieldErrors;

#[component]
pub fn AppointmentTypesPage() -> impl IntoView {
    let auth = use_auth();
    let types = Loader::new(
        || (),
        move |()| async move { api::scheduling::types(&auth.client(), true).await },
    );
    let editing = RwSignal::new(None::<Option<AppointmentType>>);
    let open = RwSignal::new(false);
    Effect::new(move |_| {
        if !open.get() {
            editing.set(None);
        }
    });
    view! {
        <PageTitle text="Appointment types" />
        <div class="page">
            <div class="page-header">
                <h1 class="page-title">"Appointment types"</h1>
                <button type="button" class="button button-primary" on:click=move |_| { editing.set(Some(None)); open.set(true); }>
                    "New appointment type"
                </button>
            </div>
            <div class="card card-flush">
                {move || match types.get() {
                    None => view! { <SkeletonRows rows=4 /> }.into_any(),
                    Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                    Some(Ok(list)) if list.is_empty() => view! { <p class="muted card-body">"No appointment types yet."</p> }.into_any(),
                    Some(Ok(list)) => view! {
                        <table class="table">
                            <caption class="visually-hidden">"Appointment types"</caption>
                            <thead><tr>
                                <th scope="col">"Name"</th><th scope="col">"Length"</th><th scope="col">"Price"</th>
                                <th scope="col" class="hide-narrow">"Buffers"</th><th scope="col" class="hide-narrow">"Online"</th>
                                <th scope="col">"Status"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th>
                            </tr></thead>
                            <tbody>
                                {list.into_iter().map(|t| {
                                    let swatch = format!("--swatch: {}", t.colour);
                                    let edit_label = format!("Edit {}", t.name);
                                    let buffers = format!("{} / {} min", t.buffer_before_minutes, t.buffer_after_minutes);
                                    view! {
                                        <tr>
                                            <td><span class="swatch" style=swatch aria-hidden="true"></span>" "{t.name.clone()}
                                                {(t.mode == AppointmentMode::Telehealth).then(|| view! { " " <span class="badge">"Telehealth"</span> })}
                                            </td>
                                            <td>{format!("{} min", t.duration_minutes)}</td>
                                            <td>{price(t.price_cents)}</td>
                                            <td class="hide-narrow">{buffers}</td>
                                            <td class="hide-narrow">{if t.online_bookable { "Yes" } else { "No" }}</td>
                                            <td>{if t.active { view! { <span class="badge badge-success">"Active"</span> } } else { view! { <span class="badge badge-muted">"Inactive"</span> } }}</td>
                                            <td>
                                                <button type="button" class="button button-secondary button-small" aria-label=edit_label
                                                    on:click=move |_| { editing.set(Some(Some(t.clone()))); open.set(true); }>
                                                    "Edit"
                                                </button>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                }}
            </div>
        </div>
        <Dialog open title=Signal::derive(move || if matches!(editing.get(), Some(Some(_))) { "Edit appointment type".to_owned() } else { "New appointment type".to_owned() }) id="appointment-type">
            {move || editing.get_untracked().map(|t| view! { <TypeForm current=t open on_saved=Callback::new(move |_| types.reload()) /> })}
        </Dialog>
    }
}

#[component]
fn TypeForm(
    current: Option<AppointmentType>,
    open: RwSignal<bool>,
    on_saved: Callback<AppointmentType>,
) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let people = Loader::new(
        || (),
        move |()| async move { api::scheduling::practitioners(&auth.client()).await },
    );
    let c = current.clone();
    let name = RwSignal::new(c.as_ref().map(|t| t.name.clone()).unwrap_or_default());
    let duration = RwSignal::new(
        c.as_ref()
            .map_or("30".into(), |t| t.duration_minutes.to_string()),
    );
    let colour = RwSignal::new(c.as_ref().map_or("#2563eb".into(), |t| t.colour.clone()));
    let dollars = RwSignal::new(c.as_ref().map_or(String::new(), |t| {
        format!("{}.{:02}", t.price_cents / 100, t.price_cents % 100)
    }));
    let before = RwSignal::new(
        c.as_ref()
            .map_or("0".into(), |t| t.buffer_before_minutes.to_string()),
    );
    let after = RwSignal::new(
        c.as_ref()
            .map_or("0".into(), |t| t.buffer_after_minutes.to_string()),
    );
    let mode = RwSignal::new(
        c.as_ref()
            .map_or("in_person".into(), |t| t.mode.as_str().to_owned()),
    );
    let online = RwSignal::new(c.as_ref().is_some_and(|t| t.online_bookable));
    let active = RwSignal::new(c.as_ref().is_none_or(|t| t.active));
    let offered = RwSignal::new(
        c.as_ref()
            .map(|t| t.practitioner_ids.clone())
            .unwrap_or_default(),
    );
    let errors = FieldErrors::new();
    let problem = RwSignal::new(None);
    let save = Action::new_unsync(move |input: &AppointmentTypeInput| {
        let input = input.clone();
        let current = current.clone();
        async move {
            let client = auth.client();
            let result = match &current {
                Some(t) => {
                    let patch = AppointmentTypePatch {
                        name: Some(input.name),
                        description: None,
                        duration_minutes: Some(input.duration_minutes),
                        colour: Some(input.colour),
                        price_cents: Some(input.price_cents),
                        buffer_before_minutes: Some(input.buffer_before_minutes),
                        buffer_after_minutes: Some(input.buffer_after_minutes),
                        mode: Some(input.mode),
                        online_bookable: Some(input.online_bookable),
                        active: Some(input.active),
                        practitioner_ids: Some(input.practitioner_ids),
                    };
                    api::scheduling::update_type(&client, t.id, &patch, t.version).await
                }
                None => api::scheduling::create_type(&client, &input).await,
            };
            match result {
                Ok(t) => {
                    toasts.success(format!("Saved {}.", t.name));
                    open.set(false);
                    on_saved.run(t);
                }
                Err(p) => problem.set(errors.absorb(p)),
            }
        }
    });
    let number = |s: RwSignal<String>| s.get_untracked().trim().parse::<u32>().unwrap_or(u32::MAX);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        let price_cents = dollars
            .get_untracked()
            .trim()
            .trim_start_matches('$')
            .parse::<f64>()
            .map_or(
                if dollars.get_untracked().trim().is_empty() {
                    0
                } else {
                    -1
                },
                |d| (d * 100.0).round() as i64,
            );
        let input = AppointmentTypeInput {
            name: name.get_untracked().trim().to_owned(),
            description: None,
            duration_minutes: number(duration),
            colour: colour.get_untracked(),
            price_cents,
            buffer_before_minutes: number(before),
            buffer_after_minutes: number(after),
            mode: AppointmentMode::parse(&mode.get_untracked()).unwrap_or_default(),
            online_bookable: online.get_untracked(),
            active: active.get_untracked(),
            practitioner_ids: offered.get_untracked(),
        };
        if errors.check(input.validate()) {
            save.dispatch(input);
        }
    };
    view! {
        <form class="stack" on:submit=on_submit novalidate=true>
            {move || problem.get().map(|problem| view! { <ProblemAlert problem /> })}
            <TextField id="name" label="Name" value=name required=true error=errors.of("name") />
            <div class="grid">
                <TextField id="duration_minutes" label="Length (minutes)" value=duration input_type="number" step="5" error=errors.of("duration_minutes") />
                <TextField id="price" label="Price ($, GST included)" value=dollars inputmode="decimal" error=errors.of("price_cents") />
                <TextField id="buffer_before_minutes" label="Buffer before (minutes)" value=before input_type="number" step="5" error=errors.of("buffer_before_minutes") />
                <TextField id="buffer_after_minutes" label="Buffer after (minutes)" value=after input_type="number" step="5" error=errors.of("buffer_after_minutes") />
                <TextField id="colour" label="Colour" value=colour input_type="color" error=errors.of("colour") />
                <SelectField id="mode" label="Held" value=mode options=vec![("in_person".into(), "In person".into()), ("telehealth".into(), "Telehealth".into())] />
            </div>
            <CheckboxField id="online_bookable" label="Patients may book it online" checked=online />
            <CheckboxField id="active" label="Active (can be booked)" checked=active />
            <fieldset class="fieldset">
                <legend>"Offered by"</legend>
                <div class="checkbox-grid">
                    {move || people.value().unwrap_or_default().into_iter().map(|p| {
                        let id: Uuid = p.id;
                        view! {
                            <div class="checkbox-field">
                                <input
                                    id=format!("offered-{id}")
                                    type="checkbox"
                                    class="checkbox"
                                    prop:checked=move || offered.with(|o| o.contains(&id))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        offered.update(|o| { o.retain(|x| *x != id); if on { o.push(id); } });
                                    }
                                />
                                <label for=format!("offered-{id}")>{p.name.clone()}</label>
                            </div>
                        }
                    }).collect_view()}
                </div>
            </fieldset>
            <div class="form-actions">
                <button type="button" class="button button-secondary" on:click=move |_| open.set(false)>"Cancel"</button>
                <button type="submit" class="button button-primary">"Save"</button>
            </div>
        </form>
    }
}
