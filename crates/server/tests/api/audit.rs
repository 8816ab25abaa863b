use api_types::Role;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::Value;

use crate::helpers::{patient_body, TestApp, PASSWORD};

#[tokio::test]
async fn reads_and_writes_of_patient_data_are_audited() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let nurse = app.user(Role::Nurse).await;
    let p = app
        .create_patient(&nurse.token, patient_body("Evie", "Walker"))
        .await;
    let id = p["id"].as_str().unwrap();
    app.get(&format!("/api/v1/patients/{id}"), &nurse.token)
        .await;
    app.get("/api/v1/patients?q=evie", &nurse.token).await;
    app.login("nurse-nobody@carebase.test", "Wrong-Password-1")
        .await;

    let v: Value = app
        .get(
            &format!("/api/v1/audit-events?patient_id={id}"),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["patient.read", "patient.create"]);
    let read = &v["items"][0];
    assert_eq!(read["actor_id"], nurse.id.to_string());
    assert_eq!(read["actor_role"], "nurse");
    assert_eq!(read["outcome"], "success");
    assert_eq!(read["ip"], "127.0.0.1");

    let v: Value = app
        .get("/api/v1/audit-events?action=patient.search", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        v["items"][0]["detail"].as_str().unwrap().contains(id),
        "searches record which patients they returned"
    );
    let v: Value = app
        .get(
            "/api/v1/audit-events?action=auth.&outcome=failure",
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["total"], 1);
    assert_eq!(v["items"][0]["action"], "auth.login");

    let csv = app
        .get("/api/v1/audit-events/export?action=patient.", &admin.token)
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = csv.text().await.unwrap();
    assert!(text.starts_with("seq,occurred_at,"));
    assert_eq!(text.lines().count(), 4, "{text}");
}

#[tokio::test]
async fn the_database_refuses_to_change_audit_events() {
    let app = TestApp::spawn().await;
    app.user(Role::Admin).await;
    // The sign-in's event is on the chain.
    app.state.audit.flush().await.unwrap();
    let db = &app.state.db;
    assert!(db
        .execute_unprepared("UPDATE audit_events SET action = 'x'")
        .await
        .is_err());
    assert!(db
        .execute_unprepared("DELETE FROM audit_events")
        .await
        .is_err());
}

#[tokio::test]
async fn an_event_staged_with_its_change_cannot_be_altered_or_dropped_before_it_is_chained() {
    let app = TestApp::spawn().await;
    app.user(Role::Admin).await;
    app.state.audit.flush().await.unwrap();
    let db = &app.state.db;
    let client = carebase::platform::ClientInfo {
        ip: None,
        user_agent: None,
    };
    let entry = carebase::audit::AuditEntry::anonymous(
        &client,
        api_types::audit::AuditAction::PatientSearch,
    );
    // Inside the transaction that stages it, as a change's own would be: nothing else sees it.
    for tamper in [
        "UPDATE audit_pending SET action = 'x'",
        "DELETE FROM audit_pending",
    ] {
        let txn = db.begin().await.unwrap();
        carebase::audit::stage(&txn, &entry).await.unwrap();
        assert!(txn.execute_unprepared(tamper).await.is_err(), "{tamper}");
        txn.rollback().await.unwrap();
    }

    // Committed, it is moved onto the chain and only then leaves.
    carebase::audit::stage(db, &entry).await.unwrap();
    app.state.audit.flush().await.unwrap();
    let left = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM audit_pending",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(left, 0);
    assert!(carebase::audit::verify(db).await.unwrap().ok);
}

#[tokio::test]
async fn the_chain_verifies_and_a_tampered_event_is_caught() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    for _ in 0..3 {
        app.login(&admin.email, PASSWORD).await;
    }
    let v: Value = app
        .get("/api/v1/audit-events/verify", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["ok"], true);
    assert!(v["events_checked"].as_u64().unwrap() >= 4);

    // Someone with direct database access goes around the triggers.
    let db = &app.state.db;
    if app.is_postgres() {
        db.execute_unprepared("ALTER TABLE audit_events DISABLE TRIGGER USER")
            .await
            .unwrap();
        db.execute_unprepared("UPDATE audit_events SET ip = '10.9.9.9' WHERE seq = 2")
            .await
            .unwrap();
        db.execute_unprepared("ALTER TABLE audit_events ENABLE TRIGGER USER")
            .await
            .unwrap();
    } else {
        db.execute_unprepared("DROP TRIGGER audit_events_no_update")
            .await
            .unwrap();
        db.execute_unprepared("UPDATE audit_events SET ip = '10.9.9.9' WHERE seq = 2")
            .await
            .unwrap();
    }
    let result = carebase::audit::verify(db).await.unwrap();
    assert!(!result.ok);
    assert_eq!(result.first_broken_seq, Some(2));

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_carebase"))
        .args(["audit", "verify", "--database-url", &app.database_url])
        .env("CAREBASE_DATA_DIR", &app.data_dir)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("BROKEN at event 2"));
}
