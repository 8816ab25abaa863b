#![allow(clippy::unwrap_used, clippy::expect_used)] // Test fixtures fail loudly.

//! What happens when PostgreSQL goes away and comes back. Runs only with
//! `CAREBASE_TEST_DATABASE_URL` (a PostgreSQL server); skipped without it.

#[path = "../api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use std::time::{Duration, Instant};

use api_types::Role;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

use helpers::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_answers_503_quickly_and_the_service_recovers_by_itself() {
    if std::env::var("CAREBASE_TEST_DATABASE_URL").is_err() {
        eprintln!("skipped: this needs CAREBASE_TEST_DATABASE_URL (a PostgreSQL server)");
        return;
    }
    let app = TestApp::spawn().await;
    assert!(app.is_postgres());
    let admin = app.user(Role::Admin).await;
    assert_eq!(
        app.get("/api/v1/patients", &admin.token).await.status(),
        StatusCode::OK
    );

    let (server, name) = app.database_url.rsplit_once('/').unwrap();
    let control = Database::connect(format!("{server}/postgres"))
        .await
        .unwrap();
    control
        .execute_unprepared(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"))
        .await
        .unwrap();
    control
        .execute_unprepared(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        ))
        .await
        .unwrap();

    for path in ["/readyz", "/api/v1/patients"] {
        let started = Instant::now();
        let res = app.get(path, &admin.token).await;
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert!(
            started.elapsed() < Duration::from_secs(7),
            "{path} took {:?}",
            started.elapsed()
        );
        assert!(res.headers().contains_key("retry-after"));
    }
    let res = app.get("/api/v1/patients", &admin.token).await;
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "service_unavailable");
    assert!(!body.to_string().contains("ALLOW_CONNECTIONS") && !body.to_string().contains("sqlx"));

    control
        .execute_unprepared(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if app.get("/api/v1/patients", &admin.token).await.status() == StatusCode::OK {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the service did not recover within 20 s"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(
        app.get("/readyz", &admin.token).await.status(),
        StatusCode::OK
    );
    let v: serde_json::Value = app
        .get("/api/v1/audit-events/verify", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["ok"], true, "the audit chain survived the outage");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_abandoned_midway_leaves_its_pooled_connection_in_step_for_the_next() {
    let Ok(server) = std::env::var("CAREBASE_TEST_DATABASE_URL") else {
        eprintln!("skipped: this needs CAREBASE_TEST_DATABASE_URL (a PostgreSQL server)");
        return;
    };
    // A pool of one connection (as an audit writer's is), so the next query gets that connection.
    let db = carebase::platform::db::worker_pool(&format!("{server}/postgres"), 1)
        .unwrap()
        .unwrap();
    let answer = |sql: String| {
        let db = db.clone();
        async move {
            db.query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
                .await
                .unwrap()
                .unwrap()
                .try_get::<i32>("", "n")
                .unwrap()
        }
    };
    assert_eq!(answer("SELECT 1 AS n".into()).await, 1);

    // A request that gives up while its query runs (the client went away, say) drops the query
    // with its answer still to come.
    let abandoned = answer("SELECT 2 AS n FROM pg_sleep(1)".into());
    assert!(tokio::time::timeout(Duration::from_millis(100), abandoned)
        .await
        .is_err());

    // The connection goes back to the pool only once that answer is read and discarded: the
    // next query gets its own answer, not the one left over.
    let started = Instant::now();
    assert_eq!(answer("SELECT 3 AS n".into()).await, 3);
    assert!(started.elapsed() >= Duration::from_millis(500));
    for n in 0..20 {
        assert_eq!(answer(format!("SELECT {n} AS n")).await, n);
    }
}
