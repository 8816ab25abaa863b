//! Settings → Integrations: an administrator enters a provider's credentials in the app, checks
//! them against the provider, and the provider's features follow at once; secrets are write-only
//! and encrypted; the server's configuration takes precedence.

use api_types::Role;
use carebase::platform::config::WithingsSettings;
use connectors::fakes::google::FakeGoogle;
use connectors::fakes::withings::{FakeWithings, CLIENT_ID, CLIENT_SECRET};
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};

use crate::helpers::{patient_body, problem_code, Options, TestApp};

const WITHINGS_REDIRECT: &str = "http://carebase.test/api/v1/integrations/withings/callback";
const GOOGLE_REDIRECT: &str = "http://carebase.test/api/v1/integrations/google/callback";

async fn save(app: &TestApp, token: &str, provider: &str, values: Value) -> reqwest::Response {
    app.send(
        Method::PUT,
        &format!("/api/v1/integrations/{provider}"),
        Some(token),
        Some(json!({ "values": values })),
    )
    .await
}

async fn check(app: &TestApp, token: &str, provider: &str) -> Value {
    let res = app
        .post(
            &format!("/api/v1/integrations/{provider}/check"),
            Some(token),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

async fn listed(app: &TestApp, token: &str, provider: &str) -> Value {
    let all: Value = app
        .get("/api/v1/integrations", token)
        .await
        .json()
        .await
        .unwrap();
    all.as_array()
        .unwrap()
        .iter()
        .find(|i| i["provider"] == provider)
        .cloned()
        .unwrap()
}

#[tokio::test]
async fn an_administrator_connects_withings_in_the_app_and_patients_can_link_devices_at_once() {
    let fake = FakeWithings::start(WITHINGS_REDIRECT).await.unwrap();
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let patient = app
        .create_patient(&admin.token, patient_body("Ada", "Scales"))
        .await;
    let devices = format!(
        "/api/v1/patients/{}/devices",
        patient["id"].as_str().unwrap()
    );

    let before = listed(&app, &admin.token, "withings").await;
    assert_eq!(before["source"], "none");
    let res = app
        .post(
            &format!("{devices}/withings/connect"),
            Some(&admin.token),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);

    let res = save(
        &app,
        &admin.token,
        "withings",
        json!({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "api_base": fake.base_url}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let shown: Value = res.json().await.unwrap();
    assert_eq!(shown["source"], "app");
    assert_eq!(shown["secrets_set"], json!(["client_secret"]));
    assert_eq!(shown["values"]["client_id"], CLIENT_ID);
    assert!(shown["values"].get("client_secret").is_none());
    assert!(shown["updated_by_name"].is_string());

    let outcome = check(&app, &admin.token, "withings").await;
    assert_eq!(outcome["ok"], true, "{outcome}");
    assert_eq!(
        listed(&app, &admin.token, "withings").await["last_check"]["ok"],
        true
    );

    let v: Value = app.get(&devices, &admin.token).await.json().await.unwrap();
    assert_eq!(v["withings_available"], true);
    let res = app
        .post(
            &format!("{devices}/withings/connect"),
            Some(&admin.token),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let link: Value = res.json().await.unwrap();
    assert!(link["authorize_url"]
        .as_str()
        .unwrap()
        .contains(&format!("client_id={CLIENT_ID}")));

    // Removing them turns the feature off again.
    let res = app
        .send(
            Method::DELETE,
            "/api/v1/integrations/withings",
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let v: Value = app.get(&devices, &admin.token).await.json().await.unwrap();
    assert_eq!(v["withings_available"], false);

    let events: Value = app
        .get("/api/v1/audit-events?action=integration.", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in [
        "integration.save",
        "integration.check",
        "integration.remove",
    ] {
        assert!(
            actions.contains(&action),
            "{action} missing from {actions:?}"
        );
    }
}

#[tokio::test]
async fn a_wrong_secret_is_reported_by_the_check_and_a_secret_left_out_is_kept() {
    let fake = FakeWithings::start(WITHINGS_REDIRECT).await.unwrap();
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;

    let res = save(
        &app,
        &admin.token,
        "withings",
        json!({"client_id": CLIENT_ID, "client_secret": "not-the-secret", "api_base": fake.base_url}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let outcome = check(&app, &admin.token, "withings").await;
    assert_eq!(outcome["ok"], false);
    assert!(outcome["message"].as_str().unwrap().contains("Withings"));
    let shown = listed(&app, &admin.token, "withings").await;
    assert_eq!(shown["last_check"]["ok"], false);

    let res = save(
        &app,
        &admin.token,
        "withings",
        json!({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "api_base": fake.base_url}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let shown: Value = res.json().await.unwrap();
    assert!(
        shown["last_check"].is_null(),
        "a new save clears the last check"
    );
    assert_eq!(check(&app, &admin.token, "withings").await["ok"], true);

    // Changing the address without retyping the secret keeps the secret.
    let res = save(
        &app,
        &admin.token,
        "withings",
        json!({"client_id": CLIENT_ID, "api_base": fake.base_url}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(check(&app, &admin.token, "withings").await["ok"], true);
}

#[tokio::test]
async fn secrets_are_never_shown_never_logged_and_encrypted_at_rest() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let secret = "sekrit-value-that-must-not-leak";
    let res = save(
        &app,
        &admin.token,
        "google",
        json!({"client_id": "clinic.apps.googleusercontent.com", "client_secret": secret}),
    )
    .await;
    let body = res.text().await.unwrap();
    assert!(!body.contains(secret));
    let list = app
        .get("/api/v1/integrations", &admin.token)
        .await
        .text()
        .await
        .unwrap();
    assert!(!list.contains(secret));
    let audit = app
        .get("/api/v1/audit-events?action=integration.", &admin.token)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        audit.contains("client_secret"),
        "the audit names the fields changed"
    );
    assert!(!audit.contains(secret));

    let db = &app.state.db;
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT data_enc FROM integration_credentials",
        ))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let stored: String = rows[0].try_get("", "data_enc").unwrap();
    assert!(!stored.contains(secret));
    assert!(!stored.contains("clinic.apps"));
}

#[tokio::test]
async fn credentials_are_checked_before_they_are_saved() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;

    let res = save(&app, &admin.token, "withings", json!({"client_id": "abc"})).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "values.client_secret");

    let res = save(
        &app,
        &admin.token,
        "withings",
        json!({"client_id": "abc", "client_secret": "x", "api_base": "http://wbsapi.example"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let res = save(
        &app,
        &admin.token,
        "withings",
        json!({"client_id": "a", "client_secret": "b", "region": "eu"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let res = save(&app, &admin.token, "fitbit", json!({})).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    let res = app
        .post(
            "/api/v1/integrations/google/check",
            Some(&admin.token),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(app
        .get("/api/v1/integrations", &admin.token)
        .await
        .text()
        .await
        .unwrap()
        .contains("\"source\":\"none\""));
}

#[tokio::test]
async fn the_servers_configuration_takes_precedence_over_the_app() {
    let app = TestApp::spawn_with(Options {
        withings: Some(WithingsSettings {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.to_owned().into(),
            api_base: None,
            authorize_base: None,
        }),
        ..Options::default()
    })
    .await;
    let admin = app.user(Role::Admin).await;
    let shown = listed(&app, &admin.token, "withings").await;
    assert_eq!(shown["source"], "config");
    assert_eq!(
        shown["values"],
        json!({}),
        "configured values are not shown"
    );

    let res = save(
        &app,
        &admin.token,
        "withings",
        json!({"client_id": "x", "client_secret": "y"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(problem_code(res).await, "conflict");
    let res = app
        .send(
            Method::DELETE,
            "/api/v1/integrations/withings",
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn google_calendar_follows_the_oauth_client_entered_in_the_app() {
    let fake = FakeGoogle::start(GOOGLE_REDIRECT).await.unwrap();
    let c = fake.config();
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let practitioner = app.user(Role::Practitioner).await;
    let path = format!("/api/v1/practitioners/{}/google-calendar", practitioner.id);

    let v: Value = app
        .get(&path, &practitioner.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["available"], false);

    let res = save(
        &app,
        &admin.token,
        "google",
        json!({
            "client_id": "someone-else.apps.googleusercontent.com",
            "client_secret": connectors::fakes::google::CLIENT_SECRET,
            "authorize_url": c.authorize_url, "token_url": c.token_url,
            "revoke_url": c.revoke_url, "calendar_base": c.calendar_base,
        }),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let outcome = check(&app, &admin.token, "google").await;
    assert_eq!(
        outcome["ok"], false,
        "Google does not know that client: {outcome}"
    );

    let res = save(
        &app,
        &admin.token,
        "google",
        json!({
            "client_id": connectors::fakes::google::CLIENT_ID,
            "authorize_url": c.authorize_url, "token_url": c.token_url,
            "revoke_url": c.revoke_url, "calendar_base": c.calendar_base,
        }),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let outcome = check(&app, &admin.token, "google").await;
    assert_eq!(outcome["ok"], true, "{outcome}");

    let v: Value = app
        .get(&path, &practitioner.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["available"], true);
    let res = app
        .post(
            &format!("{path}/connect"),
            Some(&practitioner.token),
            json!({"include_patient_names": false}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn only_administrators_see_or_change_integrations() {
    let app = TestApp::spawn().await;
    for role in [
        Role::Practitioner,
        Role::Nurse,
        Role::Receptionist,
        Role::Patient,
    ] {
        let user = app.user(role).await;
        let res = app.get("/api/v1/integrations", &user.token).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{role:?}");
        let res = save(
            &app,
            &user.token,
            "withings",
            json!({"client_id": "a", "client_secret": "b"}),
        )
        .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{role:?}");
    }
}
