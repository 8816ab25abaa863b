//! Scheduling: appointment types, practitioners and their availability, slots, appointments,
//! the calendar view, blocks, closures, rules, message templates and calendar feeds.

use api_types::scheduling::{
    Appointment, AppointmentChange, AppointmentPatch, AppointmentQuery, AppointmentType,
    AppointmentTypeInput, AppointmentTypePatch, Availability, AvailabilityInput, CalendarBlock,
    CalendarFeed, CalendarView, Closure, ClosureInput, ConnectGoogleCalendar, GoogleCalendarStatus,
    GoogleConsentLink, MessageTemplates, NewAppointment, NewCalendarBlock, NewCalendarFeed,
    Practitioner, SchedulingSettings, SlotList,
};
use api_types::Page;
use chrono::NaiveDate;
use uuid::Uuid;

use super::{ApiResult, Client};

pub async fn types(client: &Client, include_inactive: bool) -> ApiResult<Vec<AppointmentType>> {
    let path = if include_inactive {
        "/appointment-types?include_inactive=true"
    } else {
        "/appointment-types"
    };
    client.get(path).await
}

pub async fn create_type(
    client: &Client,
    input: &AppointmentTypeInput,
) -> ApiResult<AppointmentType> {
    client.post("/appointment-types", input).await
}

pub async fn update_type(
    client: &Client,
    id: Uuid,
    patch: &AppointmentTypePatch,
    version: i32,
) -> ApiResult<AppointmentType> {
    client
        .patch(&format!("/appointment-types/{id}"), patch, Some(version))
        .await
}

pub async fn practitioners(client: &Client) -> ApiResult<Vec<Practitioner>> {
    client.get("/practitioners").await
}

pub async fn availability(client: &Client, id: Uuid) -> ApiResult<Availability> {
    client
        .get(&format!("/practitioners/{id}/availability"))
        .await
}

pub async fn save_availability(
    client: &Client,
    id: Uuid,
    input: &AvailabilityInput,
) -> ApiResult<Availability> {
    client
        .put(&format!("/practitioners/{id}/availability"), input)
        .await
}

/// Slots for a type over whole days (practice time), for one practitioner or anyone.
pub async fn slots(
    client: &Client,
    type_id: Uuid,
    practitioner: Option<Uuid>,
    from: NaiveDate,
    to: NaiveDate,
    patient: Option<Uuid>,
) -> ApiResult<SlotList> {
    let mut path = format!("/slots?appointment_type_id={type_id}&from={from}&to={to}");
    if let Some(p) = practitioner {
        path.push_str(&format!("&practitioner_id={p}"));
    }
    if let Some(p) = patient {
        path.push_str(&format!("&patient_id={p}"));
    }
    client.get(&path).await
}

pub async fn book(client: &Client, input: &NewAppointment) -> ApiResult<Appointment> {
    client.post("/appointments", input).await
}

pub async fn appointments(
    client: &Client,
    query: &AppointmentQuery,
) -> ApiResult<Page<Appointment>> {
    client.get_query("/appointments", query).await
}

pub async fn update(
    client: &Client,
    id: Uuid,
    patch: &AppointmentPatch,
    version: Option<i32>,
) -> ApiResult<Appointment> {
    client
        .patch(&format!("/appointments/{id}"), patch, version)
        .await
}

pub async fn history(client: &Client, id: Uuid) -> ApiResult<Vec<AppointmentChange>> {
    client.get(&format!("/appointments/{id}/history")).await
}

pub async fn calendar(
    client: &Client,
    from: NaiveDate,
    to: NaiveDate,
    practitioners: &[Uuid],
) -> ApiResult<CalendarView> {
    let mut path = format!("/calendar?from={from}&to={to}");
    if !practitioners.is_empty() {
        let ids: Vec<String> = practitioners.iter().map(Uuid::to_string).collect();
        path.push_str(&format!("&practitioner_ids={}", ids.join(",")));
    }
    client.get(&path).await
}

pub async fn create_block(client: &Client, input: &NewCalendarBlock) -> ApiResult<CalendarBlock> {
    client.post("/calendar-blocks", input).await
}

pub async fn delete_block(client: &Client, id: Uuid) -> ApiResult<()> {
    client.delete(&format!("/calendar-blocks/{id}"), None).await
}

pub async fn closures(client: &Client) -> ApiResult<Vec<Closure>> {
    client.get("/closures").await
}

pub async fn create_closure(client: &Client, input: &ClosureInput) -> ApiResult<Closure> {
    client.post("/closures", input).await
}

pub async fn delete_closure(client: &Client, id: Uuid) -> ApiResult<()> {
    client.delete(&format!("/closures/{id}"), None).await
}

pub async fn settings(client: &Client) -> ApiResult<SchedulingSettings> {
    client.get("/scheduling-settings").await
}

pub async fn save_settings(
    client: &Client,
    s: &SchedulingSettings,
) -> ApiResult<SchedulingSettings> {
    client.put("/scheduling-settings", s).await
}

pub async fn templates(client: &Client) -> ApiResult<MessageTemplates> {
    client.get("/message-templates").await
}

pub async fn save_templates(client: &Client, t: &MessageTemplates) -> ApiResult<MessageTemplates> {
    client.put("/message-templates", t).await
}

/// The practitioner's calendar feed; `None` when they have not made one.
pub async fn feed(client: &Client, practitioner: Uuid) -> ApiResult<Option<CalendarFeed>> {
    client
        .get(&format!("/practitioners/{practitioner}/calendar-feed"))
        .await
}

pub async fn create_feed(
    client: &Client,
    practitioner: Uuid,
    include_patient_names: bool,
) -> ApiResult<CalendarFeed> {
    client
        .post(
            &format!("/practitioners/{practitioner}/calendar-feed"),
            &NewCalendarFeed {
                include_patient_names,
            },
        )
        .await
}

pub async fn delete_feed(client: &Client, practitioner: Uuid) -> ApiResult<()> {
    client
        .delete(
            &format!("/practitioners/{practitioner}/calendar-feed"),
            None,
        )
        .await
}

pub async fn google_calendar(
    client: &Client,
    practitioner: Uuid,
) -> ApiResult<GoogleCalendarStatus> {
    client
        .get(&format!("/practitioners/{practitioner}/google-calendar"))
        .await
}

pub async fn connect_google_calendar(
    client: &Client,
    practitioner: Uuid,
    include_patient_names: bool,
) -> ApiResult<GoogleConsentLink> {
    client
        .post(
            &format!("/practitioners/{practitioner}/google-calendar/connect"),
            &ConnectGoogleCalendar {
                include_patient_names,
            },
        )
        .await
}

pub async fn disconnect_google_calendar(client: &Client, practitioner: Uuid) -> ApiResult<()> {
    client
        .delete(
            &format!("/practitioners/{practitioner}/google-calendar"),
            None,
        )
        .await
}
