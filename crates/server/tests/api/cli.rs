//! The `carebase` command, as operators script it.

use std::process::Command;

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::TestApp;

fn carebase(app: &TestApp, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_carebase"))
        .args(args)
        .env("DATABASE_URL", &app.database_url)
        .env("CAREBASE_DATA_DIR", &app.data_dir)
        .env("CAREBASE_LOG", "warn")
        .output()
        .unwrap()
}

#[tokio::test]
async fn seeding_the_demo_practice_gives_working_accounts_and_is_repeatable() {
    let app = TestApp::spawn().await;
    let out = carebase(&app, &["seed", "--demo", "--patients", "12"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("admin@carebase.example"));
    let again = carebase(&app, &["seed", "--demo", "--patients", "12"]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    let admin = app
        .login_tokens("admin@carebase.example", carebase::seed::DEMO_PASSWORD)
        .await;
    let patients: Value = app
        .get("/api/v1/patients?limit=100", &admin.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(patients["total"], 12, "a second run adds nothing");
    let staff: Value = app
        .get("/api/v1/users", &admin.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(staff["total"], 8);

    let portal = app
        .login_tokens("patient@carebase.example", carebase::seed::DEMO_PASSWORD)
        .await;
    let me: Value = app
        .get("/api/v1/auth/me", &portal.access_token)
        .await
        .json()
        .await
        .unwrap();
    let own = me["patient_id"].as_str().unwrap();
    let res = app
        .get(&format!("/api/v1/patients/{own}"), &portal.access_token)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn create_user_enforces_the_role_and_password_rules() {
    let app = TestApp::spawn().await;
    let ok = carebase(
        &app,
        &[
            "admin",
            "create-user",
            "--email",
            "ops@clinic.test",
            "--password",
            "Quarry-Lantern-Fig-88",
            "--role",
            "admin",
            "--name",
            "Ops",
        ],
    );
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert_eq!(
        app.login("ops@clinic.test", "Quarry-Lantern-Fig-88")
            .await
            .status(),
        StatusCode::OK
    );
    for args in [
        [
            "--email",
            "a@clinic.test",
            "--password",
            "Quarry-Lantern-Fig-88",
            "--role",
            "patient",
            "--name",
            "A",
        ],
        [
            "--email",
            "b@clinic.test",
            "--password",
            "password123",
            "--role",
            "nurse",
            "--name",
            "B",
        ],
        [
            "--email",
            "ops@clinic.test",
            "--password",
            "Quarry-Lantern-Fig-88",
            "--role",
            "nurse",
            "--name",
            "Dup",
        ],
    ] {
        let mut all = vec!["admin", "create-user"];
        all.extend(args);
        let out = carebase(&app, &all);
        assert!(!out.status.success(), "{args:?} should fail");
    }
}

#[tokio::test]
async fn the_openapi_command_prints_the_served_document() {
    let app = TestApp::spawn().await;
    let out = Command::new(env!("CARGO_BIN_EXE_carebase"))
        .arg("openapi")
        .output()
        .unwrap();
    assert!(out.status.success());
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let served: Value = app.public_json("/api/openapi.json").await;
    assert_eq!(printed, served);
}
