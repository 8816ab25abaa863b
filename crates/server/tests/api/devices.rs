//! Withings: connecting through OAuth, the backfill, token refresh, notifications and
//! disconnecting, against the local server that plays Withings.

use std::time::Duration;

use api_types::Role;
use carebase::integrations::{run_due, run_periodic};
use carebase::platform::config::WithingsSettings;
use connectors::fakes::withings::{FakeWithings, CLIENT_ID, CLIENT_SECRET, CODE, USER_ID};
use reqwest::{Method, StatusCode};
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};

use crate::helpers::{cookies_set, patient_body, Options, TestApp};

const REDIRECT: &str = "http://carebase.test/api/v1/integrations/withings/callback";

async fn app_with_withings() -> (TestApp, FakeWithings) {
    let fake = FakeWithings::start(REDIRECT).await.unwrap();
    let app = TestApp::spawn_with(Options {
        withings: Some(WithingsSettings {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.to_owned().into(),
            api_base: Some(fake.base_url.clone()),
            authorize_base: Some("https://account.withings.com".into()),
        }),
        ..Options::default()
    })
    .await;
    (app, fake)
}

fn bp(date: i64, sys: i64, dia: i64) -> Value {
    json!({"grpid": date, "attrib": 0, "date": date, "category": 1, "deviceid": "bpm-1", "model": "BPM Connect",
        "measures": [{"value": sys, "type": 10, "unit": 0}, {"value": dia, "type": 9, "unit": 0}]})
}

/// Runs the queued sync as the job worker would, and returns the devices after it.
async fn after_sync(app: &TestApp, path: &str, token: &str, previous: Option<&str>) -> Value {
    let pass = run_due(&app.state, chrono::Utc::now()).await.unwrap();
    assert_eq!(pass.done, 1, "one sync was queued and ran: {pass:?}");
    let devices: Value = app.get(path, token).await.json().await.unwrap();
    let last = devices["connections"][0]["last_sync_at"].as_str();
    assert!(last.is_some() && last != previous, "the sync was recorded");
    devices
}

#[tokio::test]
async fn a_patient_connects_withings_and_readings_flow_in() {
    let (app, fake) = app_with_withings().await;
    let admin = app.user(Role::Admin).await;
    let patient = app
        .create_patient(&admin.token, patient_body("Wes", "Ithings"))
        .await;
    let id = patient["id"].as_str().unwrap().to_owned();
    let me = app
        .user_for_patient(Role::Patient, Some(id.parse().unwrap()))
        .await;
    let devices_path = format!("/api/v1/patients/{id}/devices");

    let now = chrono::Utc::now().timestamp();
    fake.set_measure_groups(vec![bp(now - 3600, 128, 82), bp(now - 1800, 186, 101)]);

    let devices: Value = app
        .get(&devices_path, &me.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        devices,
        json!({"withings_available": true, "connections": []})
    );

    // The consent link carries a signed state; Withings sends the person back with a code.
    let res = app
        .post(
            &format!("{devices_path}/withings/connect"),
            Some(&me.token),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let browser = cookies_set(&res);
    let link: Value = res.json().await.unwrap();
    let url = reqwest::Url::parse(link["authorize_url"].as_str().unwrap()).unwrap();
    let state = url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();

    // A forged or tampered state is refused.
    let forged = state.replace(&id, &uuid::Uuid::now_v7().to_string());
    let res = app
        .get_as_browser(
            &format!("/api/v1/integrations/withings/callback?code={CODE}&state={forged}"),
            &browser,
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()["location"], "/?withings=error");

    // Another browser holding the state (it was sent somewhere, or copied) connects nothing.
    let res = app
        .get_as_browser(
            &format!("/api/v1/integrations/withings/callback?code={CODE}&state={state}"),
            "",
        )
        .await;
    assert_eq!(res.headers()["location"], "/?withings=error");

    let res = app
        .get_as_browser(
            &format!("/api/v1/integrations/withings/callback?code={CODE}&state={state}"),
            &browser,
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(
        res.headers()["location"],
        "/portal/health?withings=connected"
    );

    // The state works once: replayed, even from the same browser, it connects nothing.
    let res = app
        .get_as_browser(
            &format!("/api/v1/integrations/withings/callback?code={CODE}&state={state}"),
            &browser,
        )
        .await;
    assert_eq!(res.headers()["location"], "/?withings=error");

    // The backfill runs: readings, a critical one alerted, the device recorded as the source.
    let devices = after_sync(&app, &devices_path, &me.token, None).await;
    assert_eq!(devices["connections"][0]["vendor"], "withings");
    assert_eq!(devices["connections"][0]["status"], "active");
    let series: Value = app
        .get(
            &format!("/api/v1/patients/{id}/observations?metric=systolic_bp&source=withings"),
            &me.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let values: Vec<f64> = series["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["value"].as_f64().unwrap())
        .collect();
    assert_eq!(values, vec![128.0, 186.0]);
    let alerts: Value = app
        .get(&format!("/api/v1/alerts?patient_id={id}"), &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(alerts["total"], 1);

    // Tokens are stored encrypted.
    let row = app
        .state
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.state.db.get_database_backend(),
            "SELECT access_token_enc, refresh_token_enc FROM device_connections",
        ))
        .await
        .unwrap()
        .unwrap();
    let access: String = row.try_get("", "access_token_enc").unwrap();
    let refresh: String = row.try_get("", "refresh_token_enc").unwrap();
    assert!(!access.contains("access-") && !refresh.contains("refresh-"));

    // Notifications were asked for, at a secret path; one arrives and triggers a sync.
    let subscriptions = fake.subscriptions();
    assert_eq!(subscriptions.len(), 5);
    let callback = subscriptions[0].0.clone();
    assert!(callback.starts_with("http://carebase.test/api/v1/integrations/withings/notify/"));
    let path = callback.trim_start_matches("http://carebase.test");
    let previous = devices["connections"][0]["last_sync_at"]
        .as_str()
        .unwrap()
        .to_owned();
    fake.set_measure_groups(vec![
        bp(now - 3600, 128, 82),
        bp(now - 1800, 186, 101),
        bp(now - 60, 131, 84),
    ]);
    fake.expire_access_token();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let res = app
        .client
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "userid={USER_ID}&appli=4&startdate={}&enddate={now}",
            now - 120
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let devices = after_sync(&app, &devices_path, &me.token, Some(&previous)).await;
    assert_eq!(devices["connections"][0]["status"], "active");
    // The refused token was refreshed once, and the new refresh token kept.
    let refreshes = fake
        .received()
        .into_iter()
        .filter(|r| {
            r.path == "/v2/oauth2"
                && r.form.get("grant_type").map(String::as_str) == Some("refresh_token")
        })
        .count();
    assert_eq!(refreshes, 1);
    let series: Value = app
        .get(
            &format!("/api/v1/patients/{id}/observations?metric=systolic_bp"),
            &me.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        series["points"].as_array().unwrap().len(),
        3,
        "the re-sent readings were not duplicated"
    );

    // Sync on request, then disconnect.
    let res = app
        .post(
            &format!("{devices_path}/withings/sync"),
            Some(&me.token),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let summary: Value = res.json().await.unwrap();
    assert_eq!(summary["accepted"], 0);
    let res = app
        .send(
            Method::DELETE,
            &format!("{devices_path}/withings"),
            Some(&me.token),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(fake.subscriptions().is_empty());
    let devices: Value = app
        .get(&devices_path, &me.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(devices["connections"], json!([]));

    // Every step is in the patient's audit trail: the connection, each sync and what set it
    // off (the callback's backfill, Withings' notification, the request), and the disconnection.
    let trail: Value = app
        .get(
            &format!("/api/v1/audit-events?patient_id={id}&action=device.&limit=100"),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let steps: Vec<(String, String)> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["detail"]
                    .as_str()
                    .unwrap_or_default()
                    .split(' ')
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    for expected in [
        ("device.connect_start", ""),
        ("device.connect", ""),
        ("device.sync", "trigger=connected"),
        ("device.sync", "trigger=withings_notification"),
        ("device.disconnect", ""),
    ] {
        assert!(
            steps
                .iter()
                .any(|(a, d)| a == expected.0 && (expected.1.is_empty() || d == expected.1)),
            "{expected:?} missing from {steps:?}"
        );
    }
    assert!(steps
        .iter()
        .any(|(a, d)| a == "device.sync" && d.starts_with("fetched=")));
}

/// Connects a new patient's Withings account as staff would (the consent link, Withings'
/// redirect back in the same browser) and runs the first sync; returns the devices path.
async fn connected_patient(app: &TestApp, token: &str, name: &str) -> String {
    let patient = app
        .create_patient(token, patient_body(name, "Devices"))
        .await;
    let id = patient["id"].as_str().unwrap().to_owned();
    let devices_path = format!("/api/v1/patients/{id}/devices");
    let res = app
        .post(
            &format!("{devices_path}/withings/connect"),
            Some(token),
            json!({}),
        )
        .await;
    let browser = cookies_set(&res);
    let link: Value = res.json().await.unwrap();
    let url = reqwest::Url::parse(link["authorize_url"].as_str().unwrap()).unwrap();
    let state = url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let res = app
        .get_as_browser(
            &format!("/api/v1/integrations/withings/callback?code={CODE}&state={state}"),
            &browser,
        )
        .await;
    assert_eq!(
        res.headers()["location"],
        format!("/patients/{id}/health?withings=connected")
    );
    after_sync(app, &devices_path, token, None).await;
    devices_path
}

#[tokio::test]
async fn a_failed_sync_is_shown_with_its_reason() {
    let (app, fake) = app_with_withings().await;
    let admin = app.user(Role::Admin).await;
    let devices_path = connected_patient(&app, &admin.token, "Rae").await;

    fake.fail_next(601);
    let res = app
        .post(
            &format!("{devices_path}/withings/sync"),
            Some(&admin.token),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let devices: Value = app
        .get(&devices_path, &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(devices["connections"][0]["status"], "error");
    assert!(devices["connections"][0]["last_error"]
        .as_str()
        .unwrap()
        .contains("slow down"));
}

#[tokio::test]
async fn without_credentials_withings_is_unavailable() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let patient = app
        .create_patient(&admin.token, patient_body("No", "Creds"))
        .await;
    let id = patient["id"].as_str().unwrap();
    let devices: Value = app
        .get(&format!("/api/v1/patients/{id}/devices"), &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(devices["withings_available"], false);
    let res = app
        .post(
            &format!("/api/v1/patients/{id}/devices/withings/connect"),
            Some(&admin.token),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn every_connection_is_synced_periodically_without_a_notification() {
    let (app, _fake) = app_with_withings().await;
    let admin = app.user(Role::Admin).await;
    let devices_path = connected_patient(&app, &admin.token, "Per").await;
    let state = &app.state;

    run_periodic(state, chrono::Utc::now()).await.unwrap();
    assert_eq!(
        run_due(state, chrono::Utc::now()).await.unwrap().handled(),
        0,
        "synced just now: nothing to do"
    );

    state
        .db
        .execute_unprepared("UPDATE device_connections SET last_sync_at = '2000-01-01T00:00:00Z'")
        .await
        .unwrap();
    run_periodic(state, chrono::Utc::now()).await.unwrap();
    run_periodic(state, chrono::Utc::now()).await.unwrap();
    let queued: Value = app
        .get(
            "/api/v1/jobs?status=queued&kind=withings.sync",
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(queued["total"], 1, "queued once however often it is asked");
    assert_eq!(queued["items"][0]["reason"], "periodic");
    after_sync(
        &app,
        &devices_path,
        &admin.token,
        Some("2000-01-01T00:00:00Z"),
    )
    .await;
    let audit: Value = app
        .get("/api/v1/audit-events?action=device.sync", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["detail"]
            .as_str()
            .unwrap_or_default()
            .starts_with("trigger=periodic")));
}

#[tokio::test]
async fn erasing_a_record_ends_its_withings_connection_at_withings_too() {
    let (app, fake) = app_with_withings().await;
    let admin = app.user(Role::Admin).await;
    let devices_path = connected_patient(&app, &admin.token, "Era").await;
    assert!(!fake.subscriptions().is_empty());
    let patient_path = devices_path.trim_end_matches("/devices").to_owned();

    let res = app
        .post(
            &format!("{patient_path}/erasure"),
            Some(&admin.token),
            json!({"reason": "The patient asked in writing."}),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    // Nothing more is collected, even before the connection is removed at Withings.
    let found = app
        .state
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.state.db.get_database_backend(),
            "SELECT status FROM device_connections",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.try_get::<String>("", "status").unwrap(), "ended");
    run_periodic(&app.state, chrono::Utc::now() + chrono::Duration::days(1))
        .await
        .unwrap();

    let pass = run_due(&app.state, chrono::Utc::now()).await.unwrap();
    assert_eq!(pass.done, 1, "{pass:?}");
    assert!(fake.subscriptions().is_empty(), "notifications revoked");
    let left = app
        .state
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            app.state.db.get_database_backend(),
            "SELECT id FROM device_connections",
        ))
        .await
        .unwrap();
    assert!(left.is_empty(), "the tokens are gone");
    let jobs: Value = app
        .get("/api/v1/jobs?kind=withings.remove", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(jobs["items"][0]["reason"], "record_erased");
    assert_eq!(jobs["items"][0]["status"], "done");
}

/// Starts connecting Withings for the patient `id` as `token`: the browser's cookies and the
/// callback Withings would send the person back to.
async fn consent_started(app: &TestApp, token: &str, id: &str) -> (String, String) {
    let res = app
        .post(
            &format!("/api/v1/patients/{id}/devices/withings/connect"),
            Some(token),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let browser = cookies_set(&res);
    let link: Value = res.json().await.unwrap();
    let url = reqwest::Url::parse(link["authorize_url"].as_str().unwrap()).unwrap();
    let state = url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    (
        browser,
        format!("/api/v1/integrations/withings/callback?code={CODE}&state={state}"),
    )
}

async fn connections(app: &TestApp) -> usize {
    app.state
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            app.state.db.get_database_backend(),
            "SELECT id FROM device_connections",
        ))
        .await
        .unwrap()
        .len()
}

/// A consent given at Withings that comes back after the record was erased, or after the
/// account that asked was deactivated, connects nothing.
#[tokio::test]
async fn a_withings_consent_completed_after_erasure_or_deactivation_connects_nothing() {
    let (app, _fake) = app_with_withings().await;
    let admin = app.user(Role::Admin).await;
    // The patient asks in the portal; the record is erased while they are at Withings.
    let erased = app
        .create_patient(&admin.token, patient_body("Eli", "Gone"))
        .await;
    let erased = erased["id"].as_str().unwrap().to_owned();
    let me = app
        .user_for_patient(Role::Patient, Some(erased.parse().unwrap()))
        .await;
    let (browser, back) = consent_started(&app, &me.token, &erased).await;
    let res = app.erase(&admin.token, erased).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.get_as_browser(&back, &browser).await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()["location"], "/?withings=error");
    assert_eq!(
        connections(&app).await,
        0,
        "nothing connected to an erased record"
    );

    // A nurse asks for another patient and is deactivated while at Withings.
    let nurse = app.user(Role::Nurse).await;
    let other = app
        .create_patient(&admin.token, patient_body("Ada", "Stays"))
        .await;
    let other = other["id"].as_str().unwrap().to_owned();
    let res = app
        .post(
            &format!("/api/v1/patients/{other}/care-team"),
            Some(&admin.token),
            json!({"user_id": nurse.id}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let (browser, back) = consent_started(&app, &nurse.token, &other).await;
    let res = app
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{}", nurse.id),
            Some(&admin.token),
            Some(json!({"status": "deactivated"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.get_as_browser(&back, &browser).await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()["location"], "/?withings=error");
    assert_eq!(
        connections(&app).await,
        0,
        "nothing connected for a deactivated account"
    );
}
