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
