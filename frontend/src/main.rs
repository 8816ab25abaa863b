//! The Carebase web app: one client-side-rendered Leptos app for staff and for patients.
//! Code is organised by domain, like the server: each domain's screens sit beside the typed API
//! calls they make (`api::<domain>`), and share the building blocks in `components` and `forms`.

mod account;
mod admin;
mod api;
mod app;
mod areas;
mod auth;
mod clinical;
mod comms;
mod components;
mod format;
mod forms;
mod health;
mod layouts;
mod messaging;
mod pages;
mod patients;
mod portal;
mod scheduling;
mod sharing;

fn main() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        areas::reload_if_an_area_could_not_load(info);
    }));
    leptos::mount::mount_to_body(app::App);
}
