//! A rolling upgrade: the previous release and this one serve one PostgreSQL database at once,
//! after this release's migrations (which only expand the schema).
//!
//! The previous release is the code just before the newest migration was added, built by
//! `cargo xtask test` and named by `CAREBASE_PREVIOUS_BIN`; `CAREBASE_OPERATIONS_TESTS=required`
//! makes it required rather than skipped.

use std::process::Command;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{patient_body, TestApp};
use crate::replicas::{assert_chain_verifies_at, replica, replica_of};

/// Whether the operations tests must run (CI), rather than be skipped when a tool is missing.
pub(crate) fn operations_tests_required() -> bool {
    std::env::var("CAREBASE_OPERATIONS_TESTS").is_ok_and(|v| v == "required")
}

#[tokio::test]
async fn the_previous_release_and_this_one_serve_one_database_during_a_rolling_upgrade() {
    let app = TestApp::spawn().await;
    if !app.is_postgres() {
        // Replicas share PostgreSQL; on SQLite there is one process.
        return;
    }
    let Some(previous) = std::env::var_os("CAREBASE_PREVIOUS_BIN") else {
        assert!(
            !operations_tests_required(),
            "CAREBASE_PREVIOUS_BIN must name the previous release's build"
        );
        eprintln!("no previous release named: the rolling-upgrade test is skipped");
        return;
    };
    let previous = std::path::PathBuf::from(previous);
    // The database is already at this release's schema: the previous release neither migrates
    // it back nor refuses it.
    let out = Command::new(&previous)
        .arg("migrate")
        .env("DATABASE_URL", &app.database_url)
        .env("CAREBASE_DATA_DIR", &app.data_dir)
        .env("CAREBASE_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the previous release refused the migrated database: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let admin = app.user(api_types::Role::Admin).await;
    let (old, new) = (
        replica_of(&previous, &app, &[]).await,
        replica(&app, &[]).await,
    );
    let client = &app.client;
    let create = |base: &str, first: &str| {
        client
            .post(format!("{base}/api/v1/patients"))
            .bearer_auth(&admin.token)
            .json(&patient_body(first, "Upgrade"))
            .send()
    };
    let read = |base: &str, id: &str| {
        client
            .get(format!("{base}/api/v1/patients/{id}"))
            .bearer_auth(&admin.token)
            .send()
    };

    // What each release writes, the other reads, and changes.
    let mut ids = Vec::new();
    for (writer, reader, first) in [(&old, &new, "Olive"), (&new, &old, "Nova")] {
        let res = create(&writer.base, first).await.unwrap();
        assert_eq!(res.status(), StatusCode::CREATED, "{}", writer.base);
        let created: Value = res.json().await.unwrap();
        let id = created["id"].as_str().unwrap().to_owned();
        let res = read(&reader.base, &id).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let seen: Value = res.json().await.unwrap();
        assert_eq!(seen["first_name"], first);
        let res = client
            .patch(format!("{}/api/v1/patients/{id}", reader.base))
            .bearer_auth(&admin.token)
            .header("if-match", "\"1\"")
            .json(&json!({"preferred_name": format!("{first} U")}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let res = read(&writer.base, &id).await.unwrap();
        let seen: Value = res.json().await.unwrap();
        assert_eq!(seen["preferred_name"], format!("{first} U"));
        assert_eq!(seen["version"], 2);
        ids.push(id);
    }
    for replica in [&old, &new] {
        let list: Value = client
            .get(format!("{}/api/v1/patients?q=Upgrade", replica.base))
            .bearer_auth(&admin.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list["total"], 2, "{list}");
    }

    // Both releases append to one unbroken audit chain.
    for replica in [&old, &new] {
        assert_chain_verifies_at(client, &replica.base, &admin.token).await;
    }
}
