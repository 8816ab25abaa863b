//! Finding a patient by name, phone, email or date of birth, to book for them or to say whom a
//! message is from.

use api_types::patients::{PatientQuery, PatientSummary};
use leptos::prelude::*;
use uuid::Uuid;

use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::format;

/// Finds a patient by name, phone, email or date of birth as you type.
#[component]
pub fn PatientPicker(
    /// The search box's id, unique on the page.
    #[prop(into)]
    id: String,
    /// The patient chosen, with the name to show, or `None` while searching.
    chosen: RwSignal<Option<(Uuid, String)>>,
) -> impl IntoView {
    let auth = use_auth();
    let q = RwSignal::new(String::new());
    let results = Loader::new(
        move || q.get(),
        move |text: String| async move {
            if text.trim().chars().count() < 2 {
                return Ok(Vec::new());
            }
            api::patients::list(
                &auth.client(),
                &PatientQuery {
                    q: Some(text),
                    limit: Some(8),
                    ..PatientQuery::default()
                },
            )
            .await
            .map(|p| p.items)
        },
    );
    view! {
        {move || match chosen.get() {
            Some((_, name)) => {
                view! {
                    <p class="booking-chosen">
                        <strong>{name}</strong>
                        " "
                        <button type="button" class="link-button" on:click=move |_| chosen.set(None)>
                            "Change"
                        </button>
                    </p>
                }
                    .into_any()
            }
            None => {
                view! {
                    <div class="field">
                        <label class="field-label" for=id.clone()>"Find the patient"</label>
                        <input
                            id=id.clone()
                            class="input"
                            type="search"
                            autocomplete="off"
                            placeholder="Name, phone, email or date of birth"
                            prop:value=move || q.get()
                            on:input=move |ev| q.set(event_target_value(&ev))
                        />
                    </div>
                    <ul class="plain-list picker-results" aria-label="Matching patients">
                        {move || {
                            results
                                .value()
                                .unwrap_or_default()
                                .into_iter()
                                .map(|p: PatientSummary| {
                                    let name = format!("{} {}", p.preferred_name.clone().unwrap_or_else(|| p.first_name.clone()), p.last_name);
                                    let label = format::listed_name(&p);
                                    let dob = p.date_of_birth.map(format::date).unwrap_or_default();
                                    let id = p.id;
                                    view! {
                                        <li>
                                            <button
                                                type="button"
                                                class="picker-result"
                                                on:click=move |_| chosen.set(Some((id, name.clone())))
                                            >
                                                <span>{label}</span>
                                                <span class="muted">{dob}</span>
                                            </button>
                                        </li>
                                    }
                                })
                                .collect_view()
                        }}
                    </ul>
                }
                    .into_any()
            }
        }}
    }
}
