//! Scheduling screens: the calendar (day, week and month, drag to reschedule, click to book),
//! the booking dialog, appointment details, appointment lists for a patient and the portal,
//! availability, the team's week, appointment types and the practice's scheduling rules.
//!
//! Every time shown is the practice's wall-clock time as the server gives it (`local_start`),
//! so the app needs no time-zone database of its own.

mod appointment_list;
mod availability;
mod booking;
mod calendar;
mod details;
mod settings;
mod team;
mod types;

pub use appointment_list::AppointmentsPanel;
use availability::AvailabilityPage;
use calendar::CalendarPage;
use leptos::prelude::*;
use settings::SchedulingSettingsPage;
use team::TeamAvailabilityPage;
use types::AppointmentTypesPage;

/// A screen of the scheduling area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SchedulingPage {
    Calendar,
    Availability,
    Team,
    AppointmentTypes,
    Settings,
}

/// A scheduling screen; the area's code arrives the first time one is opened.
#[cfg_attr(feature = "split", leptos::lazy(scheduling))]
pub async fn page(page: SchedulingPage) -> AnyView {
    match page {
        SchedulingPage::Calendar => view! { <CalendarPage /> }.into_any(),
        SchedulingPage::Availability => view! { <AvailabilityPage /> }.into_any(),
        SchedulingPage::Team => view! { <TeamAvailabilityPage /> }.into_any(),
        SchedulingPage::AppointmentTypes => view! { <AppointmentTypesPage /> }.into_any(),
        SchedulingPage::Settings => view! { <SchedulingSettingsPage /> }.into_any(),
    }
}

use api_types::scheduling::AppointmentStatus;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Timelike};

/// `9:30 am`: the app's one way of writing a time (`format::time`).
pub fn clock(t: NaiveDateTime) -> String {
    crate::format::time(t.time())
}

/// `Mon 7 Dec`.
pub fn short_day(d: NaiveDate) -> String {
    d.format("%a %-d %b").to_string()
}

/// `Monday 7 December 2026`.
pub fn long_day(d: NaiveDate) -> String {
    d.format("%A %-d %B %Y").to_string()
}

/// `Monday 7 December 2026, 9:30 am`.
pub fn when(t: NaiveDateTime) -> String {
    format!("{}, {}", long_day(t.date()), clock(t))
}

/// The Monday on or before `d`.
pub fn week_start(d: NaiveDate) -> NaiveDate {
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

/// Minutes after midnight.
pub fn minute_of_day(t: NaiveDateTime) -> i64 {
    i64::from(t.hour()) * 60 + i64::from(t.minute())
}

/// `$85.00`.
pub fn price(cents: i64) -> String {
    format!("${}.{:02}", cents / 100, cents % 100)
}

/// The badge class and words for a status.
pub fn status_badge(s: AppointmentStatus) -> (&'static str, &'static str) {
    match s {
        AppointmentStatus::Booked => ("badge", "Booked"),
        AppointmentStatus::Arrived => ("badge badge-warning", "Arrived"),
        AppointmentStatus::Completed => ("badge badge-success", "Completed"),
        AppointmentStatus::Cancelled => ("badge badge-muted", "Cancelled"),
        AppointmentStatus::NoShow => ("badge badge-danger", "Did not attend"),
    }
}
