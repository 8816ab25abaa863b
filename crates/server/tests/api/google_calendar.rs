//! Google Calendar sync against the local server that plays Google: connecting through OAuth,
//! events that follow bookings, moves and cancellations, retries that never make a second
//! event, token refresh, a revoked grant, and disconnecting.

use api_types::Role;
use carebase::integrations::{run_due, JobPass};
use carebase::platform::config::GoogleSettings;
use chrono::{Duration, Utc, Weekday};
use connectors::fakes::google::{FakeGoogle, ACCOUNT, CLIENT_ID, CLIENT_SECRET};
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};

use crate::helpers::{Options, TestApp, TestUser};
use crate::scheduling::{at, next, practice_with, Practice};

const REDIRECT: &str = "http://carebase.test/api/v1/integrations/google/callback";

pub(crate) async fn practice_with_google() -> (Practice, FakeGoogle) {
    let fake = FakeGoogle::start(REDIRECT).await.unwrap();
    let c = fake.config();
    let app = TestApp::spawn_with(Options {
        google: Some(GoogleSettings {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.to_owned().into(),
            authorize_url: Some(c.authorize_url),
            token_url: Some(c.token_url),
            revoke_url: Some(c.revoke_url),
            calendar_base: Some(c.calendar_base),
        }),
        ..Options::default()
    })
    .await;
    (practice_with(app).await, fake)
}

fn google_path(user: &TestUser) -> String {
    format!("/api/v1/practitioners/{}/google-calendar", user.id)
}

/// Goes through consent as the practitioner's browser would: Carebase's link, Google's consent
/// page (which consents at once), and back to Carebase's callback.
pub(crate) async fn connect(p: &Practice, include_patient_names: bool) {
    let res = p
        .app
        .post(
            &format!("{}/connect", google_path(&p.practitioner)),
            Some(&p.practitioner.token),
            json!({"include_patient_names": include_patient_names}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let browser = crate::helpers::cookies_set(&res);
    let link: Value = res.json().await.unwrap();
    let url = link["authorize_url"].as_str().unwrap();
    assert!(url.contains("access_type=offline"));
    assert!(url.contains("prompt=consent"));
    assert!(url.contains("calendar.events"));
    let consent = p.app.client.get(url).send().await.unwrap();
    assert_eq!(consent.status(), StatusCode::FOUND);
    let back = consent.headers()["location"].to_str().unwrap().to_owned();
    let back = back.replace("http://carebase.test", &p.app.address);
    // Only the browser that asked can complete the connection.
    let elsewhere = p.app.client.get(&back).send().await.unwrap();
    assert_eq!(
        elsewhere.headers()["location"],
        "/schedule/availability?google=error"
    );
    let res = p
        .app
        .client
        .get(&back)
        .header(reqwest::header::COOKIE, &browser)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(
        res.headers()["location"],
        "/schedule/availability?google=connected"
    );
    // And only once.
    let replay = p
        .app
        .client
        .get(&back)
        .header(reqwest::header::COOKIE, &browser)
        .send()
        .await
        .unwrap();
    assert_eq!(
        replay.headers()["location"],
        "/schedule/availability?google=error"
    );
}

async fn status(p: &Practice) -> Value {
    let res = p
        .app
        .get(&google_path(&p.practitioner), &p.practitioner.token)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

async fn sync(p: &Practice) -> JobPass {
    run_due(&p.app.state, Utc::now()).await.unwrap()
}

pub(crate) fn event_for(fake: &FakeGoogle, appointment: &Value) -> Option<Value> {
    let id = connectors::google::event_id(appointment["id"].as_str().unwrap());
    fake.events().get(&id).cloned()
}

fn instant(v: &Value) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn a_connected_calendar_follows_bookings_moves_and_cancellations() {
    let (p, fake) = practice_with_google().await;
    let monday = next(Weekday::Mon);
    // Booked before connecting: written when the calendar is connected.
    let early = p.book_ok(p.booking(&at(monday, "09:00"))).await;

    let s = status(&p).await;
    assert_eq!(s["available"], true);
    assert!(s["connection"].is_null());
    connect(&p, false).await;
    let s = status(&p).await;
    assert_eq!(s["connection"]["account"], ACCOUNT);
    assert_eq!(s["connection"]["state"], "active");
    assert_eq!(s["connection"]["pending"], 1);

    assert_eq!(sync(&p).await.done, 1);
    let e = event_for(&fake, &early).expect("the earlier booking is in the calendar");
    // Only the appointment type: no patient's name leaves the practice unless chosen.
    assert_eq!(e["summary"], "Standard consultation");
    assert_eq!(e["start"]["timeZone"], "Australia/Sydney");
    assert_eq!(
        instant(&e["start"]["dateTime"]),
        instant(&early["starts_at"])
    );
    assert_eq!(instant(&e["end"]["dateTime"]), instant(&early["ends_at"]));
    assert_eq!(
        e["extendedProperties"]["private"]["carebaseAppointmentId"],
        early["id"]
    );

    // A new booking appears; a move moves it; a cancellation removes it.
    let later = p.book_ok(p.booking(&at(monday, "11:00"))).await;
    sync(&p).await;
    assert_eq!(fake.events().len(), 2);
    let res = p
        .patch(
            later["id"].as_str().unwrap(),
            json!({"local_start": at(monday, "14:00")}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let moved: Value = res.json().await.unwrap();
    sync(&p).await;
    let e = event_for(&fake, &later).unwrap();
    assert_eq!(
        instant(&e["start"]["dateTime"]),
        instant(&moved["starts_at"])
    );
    assert_eq!(e["sequence"], 1);
    let res = p
        .patch(
            early["id"].as_str().unwrap(),
            json!({"status": "cancelled", "cancellation_reason": "Unwell"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    sync(&p).await;
    assert!(event_for(&fake, &early).is_none());
    assert_eq!(fake.events().len(), 1);
    let s = status(&p).await;
    assert_eq!(s["connection"]["pending"], 0);
    assert!(s["connection"]["last_sync_at"].is_string());

    // Google's tokens are encrypted at rest.
    let row = p
        .app
        .state
        .db
        .query_one_raw(Statement::from_string(
            p.app.state.db.get_database_backend(),
            "SELECT access_token_enc, refresh_token_enc FROM calendar_connections",
        ))
        .await
        .unwrap()
        .unwrap();
    let access: String = row.try_get("", "access_token_enc").unwrap();
    let refresh: String = row.try_get("", "refresh_token_enc").unwrap();
    assert!(!access.contains("ya29") && !refresh.contains("1//"));
}

#[tokio::test]
async fn retries_after_a_lost_answer_an_expired_token_or_an_outage_never_make_two_events() {
    let (p, fake) = practice_with_google().await;
    let monday = next(Weekday::Mon);
    connect(&p, false).await;
    let a = p.book_ok(p.booking(&at(monday, "09:00"))).await;
    let id = a["id"].as_str().unwrap();
    sync(&p).await;
    assert_eq!(fake.events().len(), 1);

    // The event was made but Carebase never heard (its link is lost); the next change finds it.
    p.app
        .state
        .db
        .execute_unprepared("DELETE FROM calendar_event_links")
        .await
        .unwrap();
    p.patch(id, json!({"local_start": at(monday, "10:00")}))
        .await;
    sync(&p).await;
    assert_eq!(fake.all_events().len(), 1, "one event, never two");
    let e = event_for(&fake, &a).unwrap();
    assert!(e["start"]["dateTime"]
        .as_str()
        .unwrap()
        .contains("T10:00:00"));

    // Google stops accepting the access token: one refresh, then the change goes through.
    fake.expire_access_tokens();
    p.patch(id, json!({"local_start": at(monday, "11:00")}))
        .await;
    sync(&p).await;
    let e = event_for(&fake, &a).unwrap();
    assert!(e["start"]["dateTime"]
        .as_str()
        .unwrap()
        .contains("T11:00:00"));
    let refreshes = fake
        .requests()
        .iter()
        .filter(|r| {
            r.path == "/token"
                && r.form().get("grant_type").map(String::as_str) == Some("refresh_token")
        })
        .count();
    assert_eq!(refreshes, 1);

    // An outage: the job waits and is retried later.
    fake.fail_next(503);
    p.patch(id, json!({"local_start": at(monday, "12:00")}))
        .await;
    let pass = sync(&p).await;
    assert_eq!(pass.retrying, 1);
    assert!(status(&p).await["connection"]["last_error"].is_string());
    assert_eq!(sync(&p).await.done, 0, "not due yet");
    let later = run_due(&p.app.state, Utc::now() + Duration::minutes(5))
        .await
        .unwrap();
    assert_eq!(later.done, 1);
    let e = event_for(&fake, &a).unwrap();
    assert!(e["start"]["dateTime"]
        .as_str()
        .unwrap()
        .contains("T12:00:00"));
    assert!(status(&p).await["connection"]["last_error"].is_null());
    assert_eq!(fake.all_events().len(), 1);
}

#[tokio::test]
async fn a_revoked_grant_asks_to_reconnect_and_disconnecting_removes_the_events() {
    let (p, fake) = practice_with_google().await;
    let monday = next(Weekday::Mon);
    connect(&p, true).await;
    let a = p.book_ok(p.booking(&at(monday, "09:00"))).await;
    sync(&p).await;
    // With names chosen, the event says who, and that is audited.
    let e = event_for(&fake, &a).unwrap();
    assert_eq!(e["summary"], "Standard consultation – Mia Chen");
    let audit: Value = p
        .app
        .get(
            &format!(
                "/api/v1/audit-events?action=google_calendar.event_write&patient_id={}",
                p.patient_id
            ),
            &p.admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit["items"][0]["resource_id"], a["id"]);

    // The practitioner revokes Carebase in their Google account.
    fake.revoke_grant();
    p.patch(
        a["id"].as_str().unwrap(),
        json!({"local_start": at(monday, "10:00")}),
    )
    .await;
    let pass = sync(&p).await;
    assert_eq!(pass.failed, 1);
    let s = status(&p).await;
    assert_eq!(s["connection"]["state"], "reconnect");
    assert!(s["connection"]["last_error"]
        .as_str()
        .unwrap()
        .contains("Connect it again"));

    // Connecting again catches up with what changed meanwhile.
    connect(&p, true).await;
    assert_eq!(status(&p).await["connection"]["state"], "active");
    sync(&p).await;
    let e = event_for(&fake, &a).unwrap();
    assert!(e["start"]["dateTime"]
        .as_str()
        .unwrap()
        .contains("T10:00:00"));

    // Disconnecting removes the upcoming events and revokes the grant.
    let res = p
        .app
        .send(
            Method::DELETE,
            &google_path(&p.practitioner),
            Some(&p.practitioner.token),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(fake.events().is_empty());
    assert!(fake.is_revoked());
    assert!(status(&p).await["connection"].is_null());
    // Later changes queue nothing.
    p.patch(
        a["id"].as_str().unwrap(),
        json!({"local_start": at(monday, "11:00")}),
    )
    .await;
    assert_eq!(sync(&p).await, Default::default());
}

#[tokio::test]
async fn moving_an_appointment_to_another_practitioner_takes_it_out_of_the_calendar() {
    let (p, fake) = practice_with_google().await;
    let monday = next(Weekday::Mon);
    connect(&p, false).await;
    let other = p.app.user(Role::Practitioner).await;
    p.app
        .send(
            Method::PUT,
            &format!("/api/v1/practitioners/{}/availability", other.id),
            Some(&other.token),
            Some(json!({"weekly": [{"weekday": "monday", "start": "09:00", "end": "17:00"}]})),
        )
        .await;
    p.app
        .send(
            Method::PATCH,
            &format!("/api/v1/appointment-types/{}", p.type_id),
            Some(&p.admin.token),
            Some(json!({"practitioner_ids": [p.practitioner.id, other.id]})),
        )
        .await;
    let a = p.book_ok(p.booking(&at(monday, "09:00"))).await;
    sync(&p).await;
    assert_eq!(fake.events().len(), 1);
    let res = p
        .patch(
            a["id"].as_str().unwrap(),
            json!({"practitioner_id": other.id}),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    sync(&p).await;
    assert!(fake.events().is_empty());
}

#[tokio::test]
async fn only_the_practitioner_connects_their_calendar() {
    let (p, _fake) = practice_with_google().await;
    // Nobody connects someone else's Google account, not even an administrator.
    let res = p
        .app
        .post(
            &format!("{}/connect", google_path(&p.practitioner)),
            Some(&p.admin.token),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Reception cannot see it; an administrator can (and may end it).
    let res = p
        .app
        .get(&google_path(&p.practitioner), &p.reception.token)
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = p
        .app
        .get(&google_path(&p.practitioner), &p.admin.token)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // A forged or stale callback connects nothing.
    let res = p
        .app
        .client
        .get(
            p.app
                .url("/api/v1/integrations/google/callback?code=4%2Ffake-google-code&state=forged"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["location"],
        "/schedule/availability?google=error"
    );
    let res = p
        .app
        .client
        .get(
            p.app
                .url("/api/v1/integrations/google/callback?error=access_denied"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["location"],
        "/schedule/availability?google=declined"
    );
    assert!(status(&p).await["connection"].is_null());
}

#[tokio::test]
async fn a_deactivated_practitioners_calendar_stops_and_is_cleared() {
    let (p, fake) = practice_with_google().await;
    let monday = next(Weekday::Mon);
    connect(&p, true).await;
    let a = p.book_ok(p.booking(&at(monday, "09:00"))).await;
    sync(&p).await;
    assert!(event_for(&fake, &a).is_some());

    let res = p
        .app
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{}", p.practitioner.id),
            Some(&p.admin.token),
            Some(json!({"status": "deactivated"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // Nothing more is written to their calendar; what was there is removed, and Google's grant
    // revoked.
    p.patch(
        a["id"].as_str().unwrap(),
        json!({"local_start": at(monday, "10:00")}),
    )
    .await;
    sync(&p).await;
    assert!(fake.events().is_empty());
    assert!(fake.is_revoked());
    let s: Value = p
        .app
        .get(&google_path(&p.practitioner), &p.admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(s["connection"].is_null());
}

#[tokio::test]
async fn an_erased_patients_name_leaves_outside_calendars() {
    let (p, fake) = practice_with_google().await;
    let monday = next(Weekday::Mon);
    connect(&p, true).await;
    let a = p.book_ok(p.booking(&at(monday, "09:00"))).await;
    sync(&p).await;
    assert_eq!(
        event_for(&fake, &a).unwrap()["summary"],
        "Standard consultation – Mia Chen"
    );
    let res = p
        .app
        .post(
            &format!("/api/v1/patients/{}/erasure", p.patient_id),
            Some(&p.admin.token),
            json!({"reason": "The patient asked in writing."}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    sync(&p).await;
    // The upcoming booking was cancelled by the erasure: its event is gone.
    assert!(event_for(&fake, &a).is_none());
    assert!(!fake
        .events()
        .values()
        .any(|e| e["summary"].as_str().unwrap_or_default().contains("Mia")));
}

/// A consent given at Google after the practitioner's account was deactivated connects nothing:
/// Google's answer is refused and no connection (or grant to use) is kept.
#[tokio::test]
async fn a_google_consent_completed_after_deactivation_connects_nothing() {
    let (p, _fake) = practice_with_google().await;
    let res = p
        .app
        .post(
            &format!("{}/connect", google_path(&p.practitioner)),
            Some(&p.practitioner.token),
            json!({"include_patient_names": false}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let browser = crate::helpers::cookies_set(&res);
    let link: Value = res.json().await.unwrap();
    let consent = p
        .app
        .client
        .get(link["authorize_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let back = consent.headers()["location"].to_str().unwrap().to_owned();
    let back = back.replace("http://carebase.test", &p.app.address);
    // While the practitioner was at Google, an administrator deactivated the account.
    let res = p
        .app
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{}", p.practitioner.id),
            Some(&p.admin.token),
            Some(json!({"status": "deactivated"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = p
        .app
        .client
        .get(&back)
        .header(reqwest::header::COOKIE, &browser)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(
        res.headers()["location"],
        "/schedule/availability?google=error"
    );
    let kept = p
        .app
        .state
        .db
        .query_all_raw(Statement::from_string(
            p.app.state.db.get_database_backend(),
            "SELECT id FROM calendar_connections",
        ))
        .await
        .unwrap();
    assert!(kept.is_empty(), "no connection for a deactivated account");
}
