//! The `carebase` command, as operators script it.

use std::process::Command;

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::TestApp;

fn command(app: &TestApp, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_carebase"));
    command
        .args(args)
        .env("DATABASE_URL", &app.database_url)
        .env("CAREBASE_DATA_DIR", &app.data_dir)
        .env("CAREBASE_LOG", "warn");
    command
}

fn carebase(app: &TestApp, args: &[&str]) -> std::process::Output {
    command(app, args).output().unwrap()
}

/// `carebase` run while the app's own server goes on serving (and writing its audit log).
pub(crate) async fn carebase_beside(app: &TestApp, args: &[&str]) -> std::process::Output {
    let mut command = command(app, args);
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
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

fn carebase_on(
    database_url: &str,
    data_dir: &std::path::Path,
    args: &[&str],
) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_carebase"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("CAREBASE_DATA_DIR", data_dir)
        .env("CAREBASE_LOG", "warn")
        .output()
        .unwrap()
}

#[tokio::test]
async fn a_backup_restores_into_an_empty_database_with_its_audit_chain_and_readable_records() {
    let app = TestApp::spawn().await;
    let admin = app.user(api_types::Role::Admin).await;
    for i in 0..5 {
        app.create_patient(
            &admin.token,
            crate::helpers::patient_body("Backup", &format!("Patient{i}")),
        )
        .await;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("practice.cbk");
    let out = carebase(&app, &["backup", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("backup written"));
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.starts_with(b"carebase-backup 1\n"));
    // A second backup never overwrites the first.
    assert!(!carebase(&app, &["backup", file.to_str().unwrap()])
        .status
        .success());

    // Into a new, empty database, with the practice's keys.
    let target = crate::helpers::fresh_database(&dir.path().join("restored")).await;
    std::fs::create_dir_all(dir.path().join("restored")).unwrap();
    let restore = |url: &str, keys: &std::path::Path, file: &std::path::Path| {
        carebase_on(url, keys, &["restore", file.to_str().unwrap()])
    };
    let out = restore(&target, &app.data_dir, &file);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("audit chain intact"), "{said}");
    assert!(said.contains("5 patients' records decrypt"), "{said}");
    let restored = carebase::platform::db::connect(&target, 2).await.unwrap();
    let checked = carebase::patients::check_decrypts(&restored, &app.state.crypto, 100)
        .await
        .unwrap();
    assert!(checked >= 5);
    let verify = carebase_on(&target, &app.data_dir, &["audit", "verify"]);
    assert!(verify.status.success());

    // Never over a database in use; never with other keys; never once altered.
    let out = restore(&target, &app.data_dir, &file);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not empty"));
    let other_keys = dir.path().join("other-keys");
    let empty = crate::helpers::fresh_database(&dir.path().join("b")).await;
    std::fs::create_dir_all(dir.path().join("b")).unwrap();
    let out = restore(&empty, &other_keys, &file);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not open"));
    let mut altered = bytes.clone();
    let at = altered.len() / 2;
    altered[at] ^= 0x40;
    let altered_file = dir.path().join("altered.cbk");
    std::fs::write(&altered_file, altered).unwrap();
    let out = restore(&empty, &app.data_dir, &altered_file);
    assert!(!out.status.success());
}

#[tokio::test]
async fn rotating_keys_re_encrypts_everything_so_the_old_key_can_go() {
    let app = TestApp::spawn().await;
    let admin = app.user(api_types::Role::Admin).await;
    let mut body = crate::helpers::patient_body("Rota", "Tion");
    body["email"] = serde_json::json!("rota@example.com");
    let patient = app.create_patient(&admin.token, body).await;
    let id = patient["id"].as_str().unwrap();
    let res = app
        .post(
            &format!("/api/v1/patients/{id}/correspondence"),
            Some(&admin.token),
            serde_json::json!({"channel": "email", "subject": "Hello", "body": "Please call us."}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = app
        .client
        .post(app.url(&format!(
            "/api/v1/patients/{id}/documents?filename=referral.pdf&kind=referral"
        )))
        .bearer_auth(&admin.token)
        .header("content-type", "application/octet-stream")
        .body(b"%PDF-1.7 referral".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{}",
        res.text().await.unwrap()
    );

    // A new key, made active; the old one still configured.
    let key_file = app.data_dir.join("keys.json");
    let mut keys: Value = serde_json::from_slice(&std::fs::read(&key_file).unwrap()).unwrap();
    keys["encryption_keys"]["2"] = Value::from(base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        [42u8; 32],
    ));
    keys["active_key_id"] = Value::from(2);
    std::fs::write(&key_file, serde_json::to_vec(&keys).unwrap()).unwrap();

    let out = carebase(&app, &["keys", "rotate", "--batch", "2"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("patients.data_enc"), "{said}");
    assert!(said.contains("document_chunks.data"), "{said}");
    assert!(said.contains("under key 2"), "{said}");
    // Run again, it finds nothing left.
    let again = carebase(&app, &["keys", "rotate"]);
    assert!(String::from_utf8_lossy(&again.stdout).starts_with("0 values re-encrypted"));

    // Without the old key, everything still reads.
    keys["encryption_keys"].as_object_mut().unwrap().remove("1");
    std::fs::write(&key_file, serde_json::to_vec(&keys).unwrap()).unwrap();
    let crypto = carebase::platform::crypto::Crypto::load(
        &carebase::platform::config::KeySettings::default(),
        &app.data_dir,
    )
    .unwrap();
    for s in carebase::ops::sealed_columns() {
        assert_eq!(
            carebase::platform::rotation::remaining(&app.state.db, &crypto, s)
                .await
                .unwrap(),
            0,
            "{}.{}",
            s.table,
            s.column
        );
    }
    assert!(
        carebase::patients::check_decrypts(&app.state.db, &crypto, 100)
            .await
            .unwrap()
            >= 1
    );
    let out = carebase(&app, &["outbox", "--to", "rota@example.com"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Please call us."));
    let verify = carebase(&app, &["audit", "verify"]);
    assert!(verify.status.success());
}
