//! Records past their retention: an erased patient's kept record is destroyed whole, files and
//! all, once the law no longer requires it, leaving an audit event that names no one.

use chrono::{Days, NaiveDate};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement, Value as SqlValue};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::audit_coverage::Fixture;
use crate::cli::carebase_beside;
use crate::helpers::TestApp;

/// How many rows of `table` match `column = id`.
async fn rows_with(app: &TestApp, table: &str, column: &str, id: Uuid) -> i64 {
    let db = &app.state.db;
    let placeholder = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => "$1",
        _ => "?",
    };
    db.query_one_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        format!("SELECT COUNT(*) AS n FROM {table} WHERE {column} = {placeholder}"),
        [SqlValue::from(id)],
    ))
    .await
    .unwrap()
    .unwrap()
    .try_get::<i64>("", "n")
    .unwrap()
}

/// How many rows `table` holds.
async fn rows_in(app: &TestApp, table: &str) -> i64 {
    let db = &app.state.db;
    db.query_one_raw(Statement::from_string(
        db.get_database_backend(),
        format!("SELECT COUNT(*) AS n FROM {table}"),
    ))
    .await
    .unwrap()
    .unwrap()
    .try_get::<i64>("", "n")
    .unwrap()
}

/// Every table with a `patient_id` column.
async fn tables_naming_patients(app: &TestApp) -> Vec<String> {
    let db = &app.state.db;
    let sql = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            "SELECT table_name AS t FROM information_schema.columns \
             WHERE column_name = 'patient_id' AND table_schema = current_schema()"
        }
        _ => {
            "SELECT m.name AS t FROM sqlite_master m, pragma_table_info(m.name) c \
             WHERE m.type = 'table' AND c.name = 'patient_id'"
        }
    };
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.try_get::<String>("", "t").unwrap())
        .collect()
}

#[tokio::test]
async fn a_record_past_its_retention_is_destroyed_whole_with_an_event_that_names_no_one() {
    let f = Fixture::new().await;
    let app = &f.p.app;
    let admin = f.p.admin.token.clone();
    let id: Uuid = f.patient.parse().unwrap();
    let kept_patient: Uuid = f.invitee.parse().unwrap();
    // The patient has written to the practice too.
    let res = app
        .post(
            "/api/v1/messages/threads",
            Some(&f.portal_user.token),
            json!({"subject": "Results", "body": "Are my results back?"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);

    let res = app.erase(&admin, id).await;
    assert_eq!(res.status(), StatusCode::OK);
    let report: Value = res.json().await.unwrap();
    let until: NaiveDate = report["retain_until"].as_str().unwrap().parse().unwrap();

    // Within its retention the kept record stays, whoever runs the pass.
    let out = carebase_beside(app, &["retention", "run"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("0 records"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let on_last_day = carebase::records::destroy_past_retention(&app.state, until)
        .await
        .unwrap();
    assert_eq!(on_last_day.destroyed, 0);
    let res = app.get(&format!("/api/v1/patients/{id}"), &admin).await;
    assert_eq!(res.status(), StatusCode::OK);
    let tables = tables_naming_patients(app).await;
    let mut held = Vec::new();
    for table in &tables {
        if rows_with(app, table, "patient_id", id).await > 0 {
            held.push(table.clone());
        }
    }
    for kind in [
        "clinical_notes",
        "documents",
        "observations",
        "medications",
        "prescriptions",
        "appointments",
        "assessments",
        "data_requests",
        "users",
    ] {
        assert!(held.iter().any(|t| t == kind), "{kind} not in {held:?}");
    }
    let children = [
        "clinical_note_versions",
        "document_chunks",
        "appointment_changes",
    ];
    for table in children {
        assert!(rows_in(app, table).await > 0, "{table}");
    }

    // The day after, it goes: every part of it, the files' pieces too.
    let after = until.checked_add_days(Days::new(1)).unwrap();
    let done = carebase::records::destroy_past_retention(&app.state, after)
        .await
        .unwrap();
    assert_eq!(done.destroyed, 1);
    assert_eq!(done.gone.files, 2, "{done:?}");
    assert!(done.gone.rows > 30, "{done:?}");
    for table in &tables {
        if table.starts_with("audit_") {
            continue;
        }
        assert_eq!(
            rows_with(app, table, "patient_id", id).await,
            0,
            "{table} still names the patient"
        );
    }
    for table in children {
        assert_eq!(rows_in(app, table).await, 0, "{table}");
    }
    assert_eq!(
        rows_with(app, "sessions", "user_id", f.portal_user.id).await,
        0
    );
    let res = app.get(&format!("/api/v1/patients/{id}"), &admin).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // Another patient's record is untouched.
    let res = app
        .get(&format!("/api/v1/patients/{kept_patient}"), &admin)
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    // The audit log says what went and why, naming no one, and stays one unbroken chain.
    app.state.audit.flush().await.unwrap();
    let events: Value = app
        .get("/api/v1/audit-events?action=patient.destroy", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(events["total"], 1, "{events}");
    let event = &events["items"][0];
    assert_eq!(event["actor_kind"], "system");
    assert!(event["actor_id"].is_null() && event["patient_id"].is_null());
    let detail = event["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("kind=patient_record reason=retention_period_ended"),
        "{detail}"
    );
    let text = event.to_string();
    for trace in [id.to_string(), until.to_string(), "Chen".to_owned()] {
        assert!(!text.contains(&trace), "{trace} in {text}");
    }
    let verified: Value = app
        .get("/api/v1/audit-events/verify", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(verified["ok"], true, "{verified}");

    // Another pass finds nothing more.
    let again = carebase::records::destroy_past_retention(&app.state, after)
        .await
        .unwrap();
    assert_eq!(again.destroyed, 0);
}

#[tokio::test]
async fn a_record_that_cannot_be_destroyed_is_reported_and_the_pass_goes_on_to_the_rest() {
    let app = TestApp::spawn().await;
    let admin = app.user(api_types::Role::Admin).await;
    let mut ids = Vec::new();
    for last in ["Held", "Due"] {
        let patient = app
            .create_patient(&admin.token, crate::helpers::patient_body("Ada", last))
            .await;
        let id: Uuid = patient["id"].as_str().unwrap().parse().unwrap();
        let res = app.erase(&admin.token, id).await;
        assert_eq!(res.status(), StatusCode::OK);
        ids.push(id);
    }
    let (held, due) = (ids[0], ids[1]);
    // Both are long past their retention; something outside Carebase still refers to the first,
    // so the database refuses to delete it.
    let db = &app.state.db;
    let backend = db.get_database_backend();
    let (column, placeholder) = match backend {
        sea_orm::DbBackend::Postgres => ("uuid", "$1"),
        _ => ("", "?"),
    };
    db.execute_unprepared("UPDATE patients SET retain_until = '2020-01-01'")
        .await
        .unwrap();
    db.execute_unprepared(&format!(
        "CREATE TABLE legal_holds (patient_id {column} REFERENCES patients(id))"
    ))
    .await
    .unwrap();
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        format!("INSERT INTO legal_holds (patient_id) VALUES ({placeholder})"),
        [SqlValue::from(held)],
    ))
    .await
    .unwrap();

    // The job reports the one it could not destroy and destroys the other.
    let today = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
    let done = carebase::records::destroy_past_retention(&app.state, today)
        .await
        .unwrap();
    assert_eq!((done.destroyed, done.failed), (1, 1), "{done:?}");
    assert_eq!(rows_with(&app, "patients", "id", due).await, 0);
    // The one refused is whole: its transaction rolled back every domain's part.
    assert_eq!(rows_with(&app, "patients", "id", held).await, 1);
    let res = app
        .get(&format!("/api/v1/patients/{held}"), &admin.token)
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    // Run by hand, the pass says so and fails, so an operator's script notices.
    let out = carebase_beside(&app, &["retention", "run"]).await;
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("1 records could not be dealt with"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Once the hold is lifted, the next pass destroys it.
    db.execute_unprepared("DROP TABLE legal_holds")
        .await
        .unwrap();
    let done = carebase::records::destroy_past_retention(&app.state, today)
        .await
        .unwrap();
    assert_eq!((done.destroyed, done.failed), (1, 0), "{done:?}");
}
