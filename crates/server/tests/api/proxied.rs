//! A clinic's day through the production shape: Caddy, with the project's own
//! `deploy/Caddyfile`, in front of two `carebase serve` processes on one PostgreSQL.
//!
//! Caddy comes from Debian's packages; `cargo xtask test` installs it when it is missing and
//! requires this journey to run (`CAREBASE_OPERATIONS_TESTS=required`). Run alone without Caddy,
//! it says so and passes.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use api_types::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{TestApp, PASSWORD};
use crate::messaging::{live_at, next_frame};
use crate::replicas::{assert_chain_verifies_at, ready_at, replica, Replica};
use crate::scheduling::{at, next, practice_with};

/// Caddy serving `deploy/Caddyfile` for the given replicas, stopped when dropped.
struct Proxy {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn caddy() -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("caddy"))
            .find(|p| p.is_file())
    })
}

async fn proxy(client: &reqwest::Client, caddy: &Path, replicas: &[&Replica]) -> Proxy {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/Caddyfile");
    // The shipped site, imported unchanged; only this machine's options differ (no admin
    // endpoint, plain HTTP on a free port).
    let config = dir.path().join("Caddyfile");
    std::fs::write(
        &config,
        format!(
            "{{\n\tadmin off\n\tauto_https off\n}}\nimport {}\n",
            shipped.canonicalize().unwrap().display()
        ),
    )
    .unwrap();
    let upstreams: Vec<&str> = replicas
        .iter()
        .map(|r| r.base.trim_start_matches("http://"))
        .collect();
    let child = Command::new(caddy)
        .args(["run", "--adapter", "caddyfile", "--config"])
        .arg(&config)
        .env("HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path())
        .env("CAREBASE_DOMAIN", format!("http://127.0.0.1:{port}"))
        .env("CAREBASE_UPSTREAMS", upstreams.join(" "))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let proxy = Proxy {
        child,
        base: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    };
    ready_at(client, &proxy.base, "Caddy").await;
    proxy
}

/// How many API requests a replica has answered, from its own metrics.
async fn api_requests(client: &reqwest::Client, replica: &Replica) -> u64 {
    let text = client
        .get(format!("{}/metrics", replica.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter(|l| {
            l.starts_with("carebase_http_requests_total{") && l.contains("route=\"/api/v1/")
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

#[tokio::test]
async fn a_clinic_day_through_the_reverse_proxy_reaches_both_replicas_and_survives_one_stopping() {
    let app = TestApp::spawn().await;
    if !app.is_postgres() {
        // Replicas share PostgreSQL; on SQLite there is one process.
        return;
    }
    let Some(caddy) = caddy() else {
        assert!(
            !crate::upgrade::operations_tests_required(),
            "Caddy is required for this journey: install it (apt-get install caddy)"
        );
        eprintln!("Caddy is not installed: the journey through the reverse proxy is skipped");
        return;
    };
    let p = practice_with(app).await;
    let app = &p.app;
    let client = &app.client;
    let trusting = [("CAREBASE_TRUST_PROXY", "true")];
    let (a, b) = (replica(app, &trusting).await, replica(app, &trusting).await);
    let proxy = proxy(client, &caddy, &[&a, &b]).await;
    let url = |path: &str| format!("{}{path}", proxy.base);

    // Metrics stay on the internal network.
    let res = client.get(url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // Reception signs in through the proxy; the address a client claims is not the one kept.
    let res = client
        .post(url("/api/v1/auth/login"))
        .header("x-forwarded-for", "203.0.113.9")
        .json(&json!({"email": p.reception.email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let login: Value = res.json().await.unwrap();
    let reception = login["access_token"].as_str().unwrap().to_owned();
    let signed_in: Value = client
        .get(url(&format!(
            "/api/v1/audit-events?action=auth.login&actor_id={}&limit=10",
            p.reception.id
        )))
        .bearer_auth(&p.admin.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let addresses: Vec<&str> = signed_in["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["ip"].as_str())
        .collect();
    assert!(
        !addresses.is_empty() && addresses.iter().all(|ip| *ip == "127.0.0.1"),
        "sign-ins are recorded from the proxy's connection: {addresses:?}"
    );

    // Eight receptionists book the same slot at once: one booking holds it.
    let mut patients = Vec::new();
    for i in 0..8 {
        patients.push(p.another_patient(&format!("Proxied{i}")).await);
    }
    let wednesday = next(chrono::Weekday::Wed);
    let bookings = patients.iter().map(|patient| {
        let mut body = p.booking(&at(wednesday, "10:00"));
        body["patient_id"] = json!(patient);
        client
            .post(url("/api/v1/appointments"))
            .bearer_auth(&reception)
            .json(&body)
            .send()
    });
    let mut statuses: Vec<u16> = futures_util::future::join_all(bookings)
        .await
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409, 409, 409, 409, 409, 409, 409]);

    // A patient writes to the care team; the practitioner's app, open through the proxy too
    // (its WebSocket on whichever replica), hears of it at once.
    let res = app
        .post(
            &format!("/api/v1/patients/{}/care-team", p.patient_id),
            Some(&p.admin.token),
            json!({"user_id": p.practitioner.id}),
        )
        .await;
    assert!(res.status().is_success());
    let portal = app
        .user_for_patient(Role::Patient, Some(p.patient_id.parse().unwrap()))
        .await;
    let (_tx, mut practitioner_rx) = live_at(&proxy.base, &p.practitioner.token).await;
    let started: Value = client
        .post(url("/api/v1/messages/threads"))
        .bearer_auth(&portal.token)
        .json(&json!({"subject": "Through the proxy", "body": "Is Wednesday still on?"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let heard = next_frame(&mut practitioner_rx).await;
    assert_eq!(heard["type"], "thread");
    assert_eq!(heard["thread_id"], started["thread"]["id"]);

    // Both replicas took their share of the day.
    for _ in 0..20 {
        let res = client
            .get(url(&format!("/api/v1/patients/{}", p.patient_id)))
            .bearer_auth(&reception)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
    let (on_a, on_b) = (
        api_requests(client, &a).await,
        api_requests(client, &b).await,
    );
    eprintln!("API requests answered: {on_a} by one replica, {on_b} by the other");
    assert!(on_a > 0 && on_b > 0, "{on_a} and {on_b}");

    // One replica stops (a rolling restart): the proxy takes it out of rotation, and a client
    // that honours Retry-After never fails.
    assert!(Command::new("kill")
        .args(["-TERM", &a.child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let mut turned_away = 0;
    for _ in 0..30 {
        let read = || {
            client
                .get(url(&format!("/api/v1/patients/{}", p.patient_id)))
                .bearer_auth(&reception)
                .send()
        };
        let mut res = read().await.unwrap();
        if res.status() == StatusCode::SERVICE_UNAVAILABLE {
            turned_away += 1;
            let wait: u64 = res.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            tokio::time::sleep(Duration::from_secs(wait)).await;
            res = read().await.unwrap();
        }
        assert_eq!(res.status(), StatusCode::OK);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!("while one replica stopped, {turned_away} of 30 reads were asked to retry");
    assert!(turned_away <= 2, "{turned_away}");

    // Signing out through the proxy ends the session on every replica.
    let res = client
        .post(url("/api/v1/auth/logout"))
        .bearer_auth(&reception)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let ended = Instant::now();
    for base in [&proxy.base, &b.base] {
        loop {
            let res = client
                .get(format!("{base}/api/v1/auth/me"))
                .bearer_auth(&reception)
                .send()
                .await
                .unwrap();
            if res.status() == StatusCode::UNAUTHORIZED {
                break;
            }
            assert!(
                ended.elapsed() < Duration::from_secs(2),
                "a replica still takes the ended session"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    // And every one of the day's events is on one unbroken chain.
    assert_chain_verifies_at(client, &proxy.base, &p.admin.token).await;
}
