//! Connected devices on the Health tab and the portal: connect Withings (through Withings' own
//! consent page), see when it last synced and any error, sync now, disconnect.

use api_types::health::ConnectionStatus;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use crate::api::{self, Loader};
use crate::auth::use_auth;
use crate::components::common::{use_toasts, ProblemAlert, SkeletonRows};
use crate::format;

#[component]
pub fn DevicesCard(
    patient_id: Uuid,
    /// Called after a sync brought readings in.
    on_synced: Callback<()>,
) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let query = use_query_map();
    let devices = Loader::new(
        || (),
        move |()| async move { api::health::devices(&auth.client(), patient_id).await },
    );
    // Back from Withings' consent page.
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) {
            return true;
        }
        match query.with_untracked(|q| q.get("withings")).as_deref() {
            Some("connected") => toasts.success(
                "Withings is connected. Readings from the last 90 days are being fetched.",
            ),
            Some("error") => toasts.error("Withings could not be connected. Try again."),
            _ => {}
        }
        true
    });
    let connect = Action::new_unsync(move |_: &()| async move {
        match api::health::connect_withings(&auth.client(), patient_id).await {
            Ok(link) => {
                let _ = window().location().assign(&link.authorize_url);
            }
            Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
        }
    });
    let sync = Action::new_unsync(move |_: &()| async move {
        match api::health::sync_withings(&auth.client(), patient_id).await {
            Ok(s) => {
                toasts.success(format!("Synced: {} new readings.", s.accepted));
                on_synced.run(());
            }
            Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
        }
        devices.reload();
    });
    let disconnect = Action::new_unsync(move |_: &()| async move {
        match api::health::disconnect_withings(&auth.client(), patient_id).await {
            Ok(()) => toasts.success("Withings is disconnected. Readings already recorded stay."),
            Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
        }
        devices.reload();
    });
    view! {
        <section class="card" aria-labelledby="devices-heading">
            <h2 id="devices-heading" class="card-title">"Devices"</h2>
            {move || match devices.get() {
                None => view! { <SkeletonRows rows=1 /> }.into_any(),
                Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                Some(Ok(d)) => {
                    let withings = d.connections.into_iter().find(|c| c.vendor == "withings");
                    match (withings, d.withings_available) {
                        (Some(c), _) => {
                            let status = match c.status {
                                ConnectionStatus::Active => view! { <span class="badge badge-success">"Connected"</span> }.into_any(),
                                ConnectionStatus::Error => view! { <span class="badge badge-danger">"Sync failing"</span> }.into_any(),
                            };
                            view! {
                                <p>
                                    <strong>"Withings"</strong> " " {status}
                                    <br />
                                    <span class="muted list-secondary">
                                        "Connected " {format::date_time(c.connected_at)} " · "
                                        {c.last_sync_at.map_or_else(|| "first sync in progress".to_owned(), |t| format!("last synced {}", format::date_time(t)))}
                                    </span>
                                </p>
                                {c.last_error.map(|e| view! { <p class="field-error">{e}</p> })}
                                <div class="form-actions form-actions-start">
                                    <button type="button" class="button button-secondary button-small" disabled=move || sync.pending().get() on:click=move |_| { sync.dispatch(()); }>
                                        {move || if sync.pending().get() { "Syncing…" } else { "Sync now" }}
                                    </button>
                                    <button type="button" class="button button-ghost button-small" disabled=move || disconnect.pending().get() on:click=move |_| { disconnect.dispatch(()); }>
                                        "Disconnect"
                                    </button>
                                </div>
                            }
                                .into_any()
                        }
                        (None, true) => {
                            view! {
                                <p class="muted">
                                    "Connect a Withings account (scales, blood pressure monitors, watches, sleep analysers) to bring its readings in automatically."
                                </p>
                                <button type="button" class="button button-primary" disabled=move || connect.pending().get() on:click=move |_| { connect.dispatch(()); }>
                                    "Connect Withings"
                                </button>
                            }
                                .into_any()
                        }
                        (None, false) => {
                            view! {
                                <p class="muted">
                                    "Withings is not set up for this practice yet. Readings can be entered by hand below."
                                </p>
                            }
                                .into_any()
                        }
                    }
                }
            }}
        </section>
    }
}
