//! Canary PHI must never reach a log line or sit in the database as plaintext.

use api_types::Role;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;

use crate::helpers::{captured_logs, TestApp};

const CANARIES: [&str; 5] = [
    "Quenbyzxq",
    "Vortelline",
    "canary.vortelline@example.org",
    "0455 913 377",
    "3456 78908 2",
];

#[tokio::test]
async fn canary_phi_is_absent_from_logs_and_from_the_database() {
    let app = TestApp::spawn().await;
    let staff = app.user(Role::Practitioner).await;
    let p = app
        .create_patient(
            &staff.token,
            json!({
                "first_name": CANARIES[0],
                "last_name": CANARIES[1],
                "email": CANARIES[2],
                "phone_numbers": [{"phone_type": "mobile", "number": CANARIES[3]}],
                "medicare_number": "3456789082",
                "notes": "Canary note Quenbyzxq Vortelline"
            }),
        )
        .await;
    let id = p["id"].as_str().unwrap();
    app.get(&format!("/api/v1/patients/{id}"), &staff.token)
        .await;
    app.get(&format!("/api/v1/patients?q={}", CANARIES[0]), &staff.token)
        .await;
    app.get(
        &format!("/api/v1/patients?email={}", CANARIES[2]),
        &staff.token,
    )
    .await;
    // A failed sign-in with a canary email, and a validation failure echoing PHI back.
    app.login(CANARIES[2], "Wrong-Password-1").await;
    app.post(
        "/api/v1/patients",
        Some(&staff.token),
        json!({"first_name": CANARIES[0], "last_name": "", "email": "bad"}),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    let logs = captured_logs();
    assert!(logs.contains("/api/v1/patients"), "logs were captured");
    for c in CANARIES.iter().chain(["Quenbyzxq"].iter()) {
        assert!(!logs.contains(c), "{c} appears in the logs");
    }

    let dump = database_text(&app).await;
    assert!(dump.len() > 1000, "the dump has content");
    for c in CANARIES
        .iter()
        .chain(["3456789082", "0455913377", "quenbyzxq", "vortelline"].iter())
    {
        assert!(
            !dump.to_lowercase().contains(&c.to_lowercase()),
            "{c} is stored in plaintext"
        );
    }
}

/// Every row of every table as text (PostgreSQL), or the raw SQLite files.
async fn database_text(app: &TestApp) -> String {
    let db = &app.state.db;
    if app.is_postgres() {
        let tables = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
            ))
            .await
            .unwrap();
        let mut out = String::new();
        for t in tables {
            let name: String = t.try_get("", "table_name").unwrap();
            let rows = db
                .query_all_raw(Statement::from_string(
                    db.get_database_backend(),
                    format!("SELECT t::text AS row FROM \"{name}\" t"),
                ))
                .await
                .unwrap();
            for r in rows {
                out.push_str(&r.try_get::<String>("", "row").unwrap());
                out.push('\n');
            }
        }
        out
    } else {
        db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await
            .unwrap();
        let path = app
            .database_url
            .trim_start_matches("sqlite://")
            .split('?')
            .next()
            .unwrap()
            .to_owned();
        let mut bytes = std::fs::read(&path).unwrap();
        if let Ok(wal) = std::fs::read(format!("{path}-wal")) {
            bytes.extend(wal);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }
}
