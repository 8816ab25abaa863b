//! A full disk: a server whose SQLite database sits on a small file system that fills up
//! refuses changes with a clear `507 storage_full`, stays up, keeps what it had, and carries on
//! by itself once space is freed.
//!
//! The file system is a `tmpfs` mounted for the test, which needs root; `cargo xtask test` runs
//! as root and requires it (`CAREBASE_OPERATIONS_TESTS=required`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::{json, Value};

use crate::helpers::{patient_body, TestApp};
use crate::replicas::{assert_chain_verifies_at, replica_of};
use crate::upgrade::operations_tests_required;

/// A small file system of its own, unmounted when dropped.
struct Tiny {
    dir: tempfile::TempDir,
}

impl Tiny {
    fn mount(megabytes: u32) -> Option<Tiny> {
        let dir = tempfile::tempdir().unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        mounted.then_some(Tiny { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tiny {
    fn drop(&mut self) {
        // Lazily: a file still open (a connection not yet closed) does not keep it mounted.
        let _ = Command::new("umount")
            .arg("--lazy")
            .arg(self.dir.path())
            .status();
    }
}

/// Writes a file until the file system has no room left.
fn fill(path: &Path) -> PathBuf {
    let filler = path.join("filler");
    let mut file = std::fs::File::create(&filler).unwrap();
    let block = vec![0x5a_u8; 16 * 1024];
    while file
        .write_all(&block)
        .and_then(|()| file.sync_data())
        .is_ok()
    {}
    filler
}

#[tokio::test]
async fn a_full_disk_refuses_changes_clearly_and_the_server_carries_on_once_space_is_freed() {
    let app = TestApp::spawn().await;
    if app.is_postgres() {
        // The database's disk is PostgreSQL's own there; this is the embedded database's case.
        return;
    }
    let Some(tiny) = Tiny::mount(8) else {
        assert!(
            !operations_tests_required(),
            "mounting a tmpfs for the full-disk test needs root"
        );
        eprintln!("no tmpfs could be mounted: the full-disk test is skipped");
        return;
    };
    let url = format!(
        "sqlite://{}?mode=rwc",
        tiny.path().join("carebase.db").display()
    );
    let data = tiny.path().join("data");
    let data = data.to_str().unwrap();
    let (email, password) = ("disk-admin@carebase.test", "Full-Disk-Admin-2026");
    let bin = Path::new(env!("CARGO_BIN_EXE_carebase"));
    let created = Command::new(bin)
        .args(["admin", "create-user", "--email", email, "--password"])
        .args([password, "--role", "admin", "--name", "Disk Admin"])
        .env("DATABASE_URL", &url)
        .env("CAREBASE_DATA_DIR", data)
        .env("CAREBASE_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let server = replica_of(
        bin,
        &app,
        &[("DATABASE_URL", url.as_str()), ("CAREBASE_DATA_DIR", data)],
    )
    .await;
    let client = &app.client;
    let login: Value = client
        .post(format!("{}/api/v1/auth/login", server.base))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap().to_owned();
    let register = |n: u32| {
        client
            .post(format!("{}/api/v1/patients", server.base))
            .bearer_auth(&token)
            .json(&patient_body(&format!("Full{n}"), "Disk"))
            .send()
    };
    let mut kept = Vec::new();
    let mut keep = |res: Value| kept.push(res["id"].as_str().unwrap().to_owned());
    let res = register(0).await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    keep(res.json().await.unwrap());

    // The disk fills up: changes are refused, saying why, and nothing else breaks.
    let filler = fill(tiny.path());
    let mut refused = None;
    for n in 1..200 {
        let res = register(n).await.unwrap();
        match res.status() {
            StatusCode::CREATED => keep(res.json().await.unwrap()),
            StatusCode::INSUFFICIENT_STORAGE => {
                assert!(res.headers().contains_key("retry-after"));
                refused = Some(res.json::<Value>().await.unwrap());
                break;
            }
            other => panic!("a change on a full disk answered {other}"),
        }
    }
    let refused = refused.expect("a change refused for want of space");
    assert_eq!(refused["code"], "storage_full");
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains("run out of storage"),
        "{refused}"
    );
    let alive = client
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(alive.status(), StatusCode::OK);

    // Space is freed: the same server carries on, with no one restarting it.
    std::fs::remove_file(filler).unwrap();
    let res = register(1000).await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    keep(res.json().await.unwrap());
    for id in &kept {
        let res = client
            .get(format!("{}/api/v1/patients/{id}", server.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{id}");
    }
    assert_chain_verifies_at(client, &server.base, &token).await;
    drop(server);
    let db = Database::connect(&url).await.unwrap();
    let check = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "PRAGMA integrity_check",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<String>(0)
        .unwrap();
    assert_eq!(check, "ok", "the database file is whole");
    db.close().await.unwrap();
    eprintln!(
        "on a full disk: {} patients saved before the refusal, all kept and readable after",
        kept.len() - 1
    );
}
