//! The app's areas, each loaded when first opened.
//!
//! The first screen (sign-in, the shell around the signed-in app) is in the module the page
//! loads. Each area — the dashboard, the account pages, patients, health, clinical records,
//! scheduling, administration, the patient portal — is a `#[lazy]` function whose code the built
//! app (the `split` feature) keeps in a module of its own, which the browser fetches the first
//! time the area is shown. Code that several areas use is fetched once, with whichever opens
//! first. Without the feature (a development build) each of these functions is an ordinary
//! `async fn` in the one module.

use std::future::Future;

use leptos::prelude::*;
use send_wrapper::SendWrapper;

/// The view an area's function makes, shown once its code has arrived (at once, when it has
/// already).
pub fn deferred(view: impl Future<Output = AnyView> + 'static) -> AnyView {
    Suspend::new(SendWrapper::new(view)).into_any()
}

/// The message of the panic that ends the app when an area's code cannot be fetched.
const AREA_LOAD_FAILED: &str = "load callback should succeed";
/// Where the time of the last reload for a missing area is kept, for this tab.
const RELOADED_AT: &str = "carebase.area-reload-at";

/// When an area's code could not be fetched, the app cannot go on (the page is stopped); most
/// often a new version was installed while the page was open, and the files it names are gone.
/// Reloading the screen the person is on fetches the new version, and opening the area again
/// then works. At most once a minute, so that an area that cannot be fetched at all (the network
/// is down) never reloads the page in a loop.
pub fn reload_if_an_area_could_not_load(info: &std::panic::PanicHookInfo<'_>) {
    if !info
        .payload_as_str()
        .is_some_and(|m| m.contains(AREA_LOAD_FAILED))
    {
        return;
    }
    let Some(window) = web_sys::window() else {
        return;
    };
    // Whole seconds, as integers: parsing and printing floats would add to the first screen.
    let now = (js_sys::Date::now() / 1000.0) as u64;
    let storage = window.session_storage().ok().flatten();
    let last = storage
        .as_ref()
        .and_then(|s| s.get_item(RELOADED_AT).ok().flatten())
        .and_then(|t| t.parse::<u64>().ok());
    if last.is_some_and(|t| now.saturating_sub(t) < 60) {
        return;
    }
    if let Some(s) = &storage {
        let _ = s.set_item(RELOADED_AT, &now.to_string());
    }
    let _ = window.location().reload();
}
