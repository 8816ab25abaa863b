//! Two `carebase serve` processes on one PostgreSQL, as replicas run behind a load balancer:
//! what one process changes, the other acts on at once.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use api_types::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{TestApp, PASSWORD};

/// A `carebase serve` process, stopped when dropped.
pub(crate) struct Replica {
    pub(crate) child: Child,
    pub(crate) base: String,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) async fn replica(app: &TestApp, env: &[(&str, &str)]) -> Replica {
    replica_of(env!("CARGO_BIN_EXE_carebase").as_ref(), app, env).await
}

/// A replica running the given build of `carebase` (another release's, say).
pub(crate) async fn replica_of(
    bin: &std::path::Path,
    app: &TestApp,
    env: &[(&str, &str)],
) -> Replica {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(bin)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", &app.database_url)
        .env("CAREBASE_DATA_DIR", &app.data_dir)
        .env("CAREBASE_LOG", "warn")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let replica = Replica {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    ready_at(&app.client, &replica.base, "a replica").await;
    replica
}

/// Waits until `base` answers `/readyz` (a replica, or a proxy in front of some), for at most
/// 30 seconds.
pub(crate) async fn ready_at(client: &reqwest::Client, base: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == StatusCode::OK);
        if ready {
            return;
        }
        assert!(Instant::now() < deadline, "{what} did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Asks `base` to verify the audit chain, and checks that it is unbroken.
pub(crate) async fn assert_chain_verifies_at(client: &reqwest::Client, base: &str, token: &str) {
    let verified: Value = client
        .get(format!("{base}/api/v1/audit-events/verify"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(verified["ok"], true, "{verified}");
}

#[tokio::test]
async fn a_session_ended_on_one_replica_is_refused_by_the_other_at_once() {
    let app = TestApp::spawn().await;
    if !app.is_postgres() {
        // Replicas share PostgreSQL; on SQLite there is one process.
        return;
    }
    let user = app.user(Role::Nurse).await;
    let (a, b) = (replica(&app, &[]).await, replica(&app, &[]).await);
    let client = &app.client;
    let login: Value = client
        .post(format!("{}/api/v1/auth/login", a.base))
        .json(&json!({"email": user.email, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap().to_owned();
    let me = |base: &str| {
        client
            .get(format!("{base}/api/v1/auth/me"))
            .bearer_auth(&token)
            .send()
    };
    // Both replicas know the session live (and keep it so for a while).
    assert_eq!(me(&a.base).await.unwrap().status(), StatusCode::OK);
    assert_eq!(me(&b.base).await.unwrap().status(), StatusCode::OK);

    let res = client
        .post(format!("{}/api/v1/auth/logout", a.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let ended = Instant::now();
    loop {
        if me(&b.base).await.unwrap().status() == StatusCode::UNAUTHORIZED {
            eprintln!(
                "the other replica refused the ended session {} ms after the logout answered",
                ended.elapsed().as_millis()
            );
            break;
        }
        assert!(
            ended.elapsed() < Duration::from_secs(2),
            "the other replica still takes the ended session"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        me(&a.base).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn sign_in_attempts_are_counted_across_replicas() {
    let app = TestApp::spawn().await;
    if !app.is_postgres() {
        return;
    }
    let limit = [("CAREBASE_AUTH_RATE_PER_MINUTE", "4")];
    let (a, b) = (replica(&app, &limit).await, replica(&app, &limit).await);
    // Counts are per minute: start early in one.
    let second = chrono::Utc::now().timestamp().rem_euclid(60);
    if second > 45 {
        tokio::time::sleep(Duration::from_secs((61 - second) as u64)).await;
    }
    let attempt = |base: &str| {
        app.client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"email": "nobody@carebase.test", "password": "Not-The-Password-1"}))
            .send()
    };
    for base in [&a.base, &b.base, &a.base, &b.base] {
        assert_eq!(
            attempt(base).await.unwrap().status(),
            StatusCode::UNAUTHORIZED
        );
    }
    for base in [&a.base, &b.base] {
        let res = attempt(base).await.unwrap();
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        let wait: u64 = res.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&wait), "{wait}");
    }
}

#[tokio::test]
async fn a_stopping_replica_turns_new_requests_away_then_exits() {
    let app = TestApp::spawn().await;
    if !app.is_postgres() {
        return;
    }
    let mut a = replica(&app, &[("CAREBASE_SHUTDOWN_NOTICE_SECS", "3")]).await;
    let pid = a.child.id().to_string();
    let stopped = Instant::now();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    tokio::time::sleep(Duration::from_millis(200)).await;
    for path in ["/readyz", "/api/v1/auth/me", "/api/v1/patients"] {
        let res = app
            .client
            .get(format!("{}{path}", a.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert_eq!(res.headers()["retry-after"], "2", "{path}");
    }
    let alive = app
        .client
        .get(format!("{}/healthz", a.base))
        .send()
        .await
        .unwrap();
    assert_eq!(alive.status(), StatusCode::OK);
    loop {
        if let Some(status) = a.child.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(
            stopped.elapsed() < Duration::from_secs(15),
            "the replica did not stop"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(stopped.elapsed() >= Duration::from_secs(3));
}

#[tokio::test]
async fn a_message_written_on_one_replica_reaches_an_app_open_on_the_other_at_once() {
    use crate::messaging::{live_at, next_frame};
    let app = TestApp::spawn().await;
    if !app.is_postgres() {
        return;
    }
    let admin = app.user(Role::Admin).await;
    let patient = app
        .create_patient(&admin.token, crate::helpers::patient_body("Rosa", "Live"))
        .await;
    let patient_id = patient["id"].as_str().unwrap().to_owned();
    let clinician = app.user(Role::Practitioner).await;
    let res = app
        .post(
            &format!("/api/v1/patients/{patient_id}/care-team"),
            Some(&admin.token),
            json!({"user_id": clinician.id}),
        )
        .await;
    assert!(res.status().is_success());
    let portal = app
        .user_for_patient(Role::Patient, Some(patient_id.parse().unwrap()))
        .await;
    let (a, b) = (replica(&app, &[]).await, replica(&app, &[]).await);

    // The patient's app is open on one replica, the clinician's on the other.
    let (_ptx, mut patient_rx) = live_at(&a.base, &portal.token).await;
    let (_ctx, mut clinician_rx) = live_at(&b.base, &clinician.token).await;
    let started: Value = app
        .client
        .post(format!("{}/api/v1/messages/threads", a.base))
        .bearer_auth(&portal.token)
        .json(&json!({"subject": "Across replicas", "body": "Are you there?"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let thread = started["thread"]["id"].as_str().unwrap().to_owned();
    let heard = next_frame(&mut clinician_rx).await;
    assert_eq!(heard["type"], "thread");
    assert_eq!(heard["thread_id"], thread.as_str());

    let mut latencies = Vec::new();
    for i in 0..20 {
        let sent = Instant::now();
        let res = app
            .client
            .post(format!(
                "{}/api/v1/messages/threads/{thread}/messages",
                b.base
            ))
            .bearer_auth(&clinician.token)
            .json(&json!({"body": format!("Answer {i}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        loop {
            let frame = next_frame(&mut patient_rx).await;
            if frame["type"] == "thread" && frame["thread_id"] == thread.as_str() {
                latencies.push(sent.elapsed());
                break;
            }
        }
    }
    latencies.sort_unstable();
    let median = latencies[latencies.len() / 2];
    let slowest = latencies[latencies.len() - 1];
    eprintln!(
        "a message written on one replica reached the app open on the other {} ms (median) and {} ms (slowest of 20) after the request was sent",
        median.as_millis(),
        slowest.as_millis()
    );
    assert!(slowest < Duration::from_secs(1), "{slowest:?}");
    // What the frame announced is there to fetch on the patient's replica.
    let detail: Value = app
        .client
        .get(format!("{}/api/v1/messages/threads/{thread}", a.base))
        .bearer_auth(&portal.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(detail["messages"].as_array().unwrap().len(), 21);
}

#[tokio::test]
async fn a_stopping_replica_tells_open_apps_to_reconnect() {
    use crate::messaging::{live_at, next_frame};
    let app = TestApp::spawn().await;
    if !app.is_postgres() {
        return;
    }
    let nurse = app.user(Role::Nurse).await;
    let a = replica(&app, &[("CAREBASE_SHUTDOWN_NOTICE_SECS", "2")]).await;
    let (_tx, mut rx) = live_at(&a.base, &nurse.token).await;
    assert!(Command::new("kill")
        .args(["-TERM", &a.child.id().to_string()])
        .status()
        .unwrap()
        .success());
    assert_eq!(next_frame(&mut rx).await["type"], "reconnect");
    assert_eq!(next_frame(&mut rx).await["closed"], 1012);
}

#[tokio::test]
async fn reads_on_two_replicas_at_once_keep_one_unbroken_audit_chain() {
    let app = TestApp::spawn().await;
    if !app.is_postgres() {
        return;
    }
    let admin = app.user(Role::Admin).await;
    let patient = app
        .create_patient(
            &admin.token,
            crate::helpers::patient_body("Chain", "Reader"),
        )
        .await;
    let id = patient["id"].as_str().unwrap().to_owned();
    let (a, b) = (replica(&app, &[]).await, replica(&app, &[]).await);
    let client = &app.client;
    let login: Value = client
        .post(format!("{}/api/v1/auth/login", a.base))
        .json(&json!({"email": admin.email, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap().to_owned();
    // Each replica's writer remembers the chain's head; the other's appends move it.
    let reads_per_replica = 60;
    let mut reads = Vec::new();
    for i in 0..reads_per_replica * 2 {
        let base = if i % 2 == 0 { &a.base } else { &b.base };
        let url = format!("{base}/api/v1/patients/{id}");
        let (client, token) = (client.clone(), token.clone());
        reads.push(tokio::spawn(async move {
            client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    for r in reads {
        assert_eq!(r.await.unwrap(), StatusCode::OK);
    }
    assert_chain_verifies_at(client, &a.base, &token).await;
    let events: Value = client
        .get(format!(
            "{}/api/v1/audit-events?action=patient.read&patient_id={id}&limit=1",
            b.base
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        events["total"].as_u64(),
        Some(reads_per_replica * 2),
        "every read on either replica has its event"
    );
}
