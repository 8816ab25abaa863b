//! The Carebase web app: one client-side-rendered Leptos app for staff and for patients.

mod api;
mod app;
mod auth;
mod components;
mod layouts;
mod pages;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
