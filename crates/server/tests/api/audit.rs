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

/// An export longer than one page is read and sent a page at a time: every event once, in
/// order, and `offset` and `limit` pick the same stretch a single read would.
#[tokio::test]
async fn a_long_audit_export_holds_every_event_once_in_order() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let p = app
        .create_patient(&admin.token, patient_body("Iris", "Lund"))
        .await;
    let path = format!("/api/v1/patients/{}", p["id"].as_str().unwrap());
    for _ in 0..21 {
        let reads = (0..50).map(|_| app.get(&path, &admin.token));
        for res in futures_util::future::join_all(reads).await {
            assert_eq!(res.status(), StatusCode::OK);
        }
    }
    let export = |query: &'static str| {
        let app = &app;
        let token = &admin.token;
        async move {
            let res = app
                .get(
                    &format!("/api/v1/audit-events/export?action=patient.read{query}"),
                    token,
                )
                .await;
            assert_eq!(res.status(), StatusCode::OK);
            let text = res.text().await.unwrap();
            text.lines()
                .skip(1)
                .map(|l| l.split(',').next().unwrap().parse::<i64>().unwrap())
                .collect::<Vec<i64>>()
        }
    };
    let all = export("").await;
    assert_eq!(all.len(), 1050);
    assert!(
        all.windows(2).all(|w| w[0] < w[1]),
        "oldest first, each once"
    );
    assert_eq!(export("&offset=990&limit=30").await, all[990..1020]);
    assert_eq!(export("&offset=1040").await, all[1040..]);
}

/// The log can leave out what screens do on their own (checking for alerts every minute), and
/// name the patients it shows for a reader who may see patients.
#[tokio::test]
async fn the_log_can_leave_out_routine_events_and_its_patients_can_be_named() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let p = app
        .create_patient(&admin.token, patient_body("Maren", "Holt"))
        .await;
    let id = p["id"].as_str().unwrap();
    for _ in 0..3 {
        assert_eq!(
            app.get("/api/v1/alerts", &admin.token).await.status(),
            StatusCode::OK
        );
    }
    let actions = |query: &'static str| {
        let (app, token) = (&app, &admin.token);
        async move {
            let v: Value = app
                .get(&format!("/api/v1/audit-events?limit=100{query}"), token)
                .await
                .json()
                .await
                .unwrap();
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["action"].as_str().unwrap().to_owned())
                .collect::<Vec<String>>()
        }
    };
    assert!(actions("").await.iter().any(|a| a == "alert.list"));
    let meaningful = actions("&routine=false").await;
    assert!(!meaningful.iter().any(|a| a == "alert.list"));
    assert!(meaningful.iter().any(|a| a == "patient.create"));

    let unknown = uuid::Uuid::now_v7();
    let res = app
        .get(
            &format!("/api/v1/patient-names?ids={id},{unknown}"),
            &admin.token,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let names: Value = res.json().await.unwrap();
    assert_eq!(
        names,
        serde_json::json!([{"patient_id": id, "name": "Maren Holt"}])
    );
    let res = app
        .get("/api/v1/patient-names?ids=not-an-id", &admin.token)
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_on_several_threads_take_turns_and_put_every_event_on_one_chain_once() {
    let app = TestApp::spawn().await;
    app.user(Role::Admin).await;
    app.state.audit.flush().await.unwrap();
    let client = carebase::platform::ClientInfo {
        ip: None,
        user_agent: None,
    };
    let entry = |n: usize| {
        carebase::audit::AuditEntry::anonymous(
            &client,
            api_types::audit::AuditAction::PatientSearch,
        )
        .detail(format!("turns {n}"))
    };

    // Each HTTP worker thread has a writer of its own on its own event loop and connection,
    // beside the process's first; all of them record at once, with changes staged meanwhile.
    let threads: Vec<_> = (0..3)
        .map(|t| {
            let audit = app.state.audit.clone();
            let (url, shared) = (app.database_url.clone(), app.state.db.clone());
            let postgres = app.is_postgres();
            let events: Vec<_> = (0..100).map(|i| entry(t * 100 + i)).collect();
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async move {
                    let db = if postgres {
                        carebase::platform::db::connect(&url, 1).await.unwrap()
                    } else {
                        shared
                    };
                    let writer = audit.on_this_thread(db);
                    let recorded = events.into_iter().map(|e| writer.record(e));
                    for result in futures_util::future::join_all(recorded).await {
                        result.unwrap();
                    }
                })
            })
        })
        .collect();
    let db = &app.state.db;
    for n in 300..310 {
        carebase::audit::stage(db, &entry(n)).await.unwrap();
        app.state.audit.wake();
    }
    for t in threads {
        t.join().unwrap();
    }
    app.state.audit.flush().await.unwrap();

    let details: Vec<String> = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT detail FROM audit_events WHERE detail LIKE 'turns %' ORDER BY seq",
        ))
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.try_get::<String>("", "detail").unwrap())
        .collect();
    let mut seen: Vec<usize> = details
        .iter()
        .map(|d| d["turns ".len()..].parse().unwrap())
        .collect();
    seen.sort_unstable();
    assert_eq!(seen, (0..310).collect::<Vec<_>>());
    // A writer's own events keep the order it was given them in.
    for t in 0..3 {
        let own: Vec<usize> = details
            .iter()
            .map(|d| d["turns ".len()..].parse::<usize>().unwrap())
            .filter(|n| n / 100 == t && *n < 300)
            .collect();
        assert!(own.is_sorted(), "writer {t}: {own:?}");
    }
    assert!(carebase::audit::verify(db).await.unwrap().ok);
}
