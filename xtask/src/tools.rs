//! Installing what the commands need, and running the server for checks that drive it from
//! outside (the generated client, the browser tests).

use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{cargo, output, root, sh, step, target_dir, Result};

const OPENAPI_PYTHON_CLIENT: &str = "openapi-python-client==0.29.1";
const RUFF: &str = "ruff==0.17.6";

fn has(cmd: &str, arg: &str) -> Option<String> {
    Command::new(cmd)
        .arg(arg)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
}

pub fn ensure_wasm_target() -> Result {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"]))?;
    if !installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        step("Installing the wasm32-unknown-unknown target");
        sh(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    Ok(())
}

/// The version of a package in Cargo.lock.
fn locked_version(package: &str) -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).map_err(|e| e.to_string())?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == format!("name = \"{package}\"") {
            if let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                return Ok(v.trim_end_matches('"').to_owned());
            }
        }
    }
    Err(format!("{package} is not in Cargo.lock"))
}

/// npm packages of a folder, installed exactly as locked.
fn npm_ci(dir: &Path) -> Result {
    if dir.join("node_modules/.package-lock.json").exists() {
        let lock = std::fs::metadata(dir.join("package-lock.json")).and_then(|m| m.modified());
        let installed = std::fs::metadata(dir.join("node_modules/.package-lock.json"))
            .and_then(|m| m.modified());
        if let (Ok(lock), Ok(installed)) = (lock, installed) {
            if installed >= lock {
                return Ok(());
            }
        }
    }
    sh(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
        .current_dir(dir))
}

/// wasm-bindgen-cli at the locked wasm-bindgen version, and wasm-opt from npm. (Trunk, for
/// `trunk serve` during development, is not needed to build the app.)
pub fn ensure_frontend_tools() -> Result {
    ensure_wasm_target()?;
    let wb = locked_version("wasm-bindgen")?;
    if !has("wasm-bindgen", "--version").is_some_and(|v| v.trim().ends_with(&wb)) {
        step(&format!("Installing wasm-bindgen-cli {wb}"));
        sh(cargo().args(["install", "wasm-bindgen-cli", "--version", &wb]))?;
    }
    npm_ci(&root().join("frontend"))
}

/// PATH with the web app's npm tools (wasm-opt) first.
pub fn path_with_frontend_bins() -> OsString {
    let mut paths = vec![root().join("frontend/node_modules/.bin")];
    if let Some(p) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&p));
    }
    std::env::join_paths(paths).unwrap_or_default()
}

fn postgres_up() -> bool {
    TcpStream::connect_timeout(&([127, 0, 0, 1], 5432).into(), Duration::from_secs(1)).is_ok()
}

/// Starts the local PostgreSQL cluster if it is not answering.
pub fn ensure_postgres() -> Result {
    if postgres_up() {
        return Ok(());
    }
    step("Starting PostgreSQL");
    let versions = std::fs::read_dir("/etc/postgresql")
        .map_err(|e| format!("PostgreSQL is not installed: {e}"))?;
    for v in versions.flatten() {
        let _ = Command::new("pg_ctlcluster")
            .args([
                "--skip-systemctl-redirect",
                &v.file_name().to_string_lossy(),
                "main",
                "start",
            ])
            .status();
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if postgres_up() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    Err("PostgreSQL did not start on 127.0.0.1:5432".into())
}

/// A server on a fresh SQLite database, stopped when dropped.
pub struct TestServer {
    child: Child,
    pub url: String,
    pub dir: PathBuf,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> Result<u16> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

/// Starts `carebase serve` on a new SQLite database with one admin account.
pub fn start_server(bin: &Path, admin_email: &str, admin_password: &str) -> Result<TestServer> {
    let dir = std::env::temp_dir().join(format!(
        "carebase-xtask-{}-{}",
        std::process::id(),
        free_port()?
    ));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let db = format!("sqlite://{}?mode=rwc", dir.join("carebase.db").display());
    let env = |c: &mut Command| {
        c.env("DATABASE_URL", &db)
            .env("CAREBASE_DATA_DIR", dir.join("data"))
            .env("CAREBASE_LOG", "warn");
    };
    let mut create = Command::new(bin);
    create.args([
        "admin",
        "create-user",
        "--email",
        admin_email,
        "--password",
        admin_password,
        "--role",
        "admin",
        "--name",
        "Smoke Test Admin",
    ]);
    env(&mut create);
    sh(&mut create)?;
    let port = free_port()?;
    let mut serve = Command::new(bin);
    serve
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    env(&mut serve);
    let child = serve
        .spawn()
        .map_err(|e| format!("could not start the server: {e}"))?;
    let server = TestServer {
        child,
        url: format!("http://127.0.0.1:{port}"),
        dir,
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if http_status(port, "/readyz") == Some(200) {
            return Ok(server);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Err("the server did not become ready".into())
}

fn http_status(port: u16, path: &str) -> Option<u16> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok()?;
    buf.split_whitespace().nth(1)?.parse().ok()
}

/// Generates a Python client from the checked-in spec with a standard generator and runs a
/// journey through it: sign in, create a patient, read it back, find it by search.
pub fn client_smoke(bin: &Path) -> Result {
    let venv = python_env("python-client-venv", &[OPENAPI_PYTHON_CLIENT, RUFF])?;
    let python = venv.join("bin/python");
    let out = target_dir().join("carebase_api_client");
    let _ = std::fs::remove_dir_all(&out);
    sh(Command::new(venv.join("bin/openapi-python-client"))
        .args([
            "generate",
            "--path",
            "openapi/openapi.json",
            "--meta",
            "none",
            "--output-path",
        ])
        .arg(&out)
        .env("PATH", venv_path(&venv)))?;
    let server = start_server(bin, "smoke@carebase.test", "Smoke-Test-Journey-2026")?;
    sh(Command::new(&python)
        .arg(root().join("openapi/clients/python/smoke.py"))
        .env("PYTHONPATH", target_dir())
        .env("CAREBASE_URL", &server.url)
        .env("CAREBASE_EMAIL", "smoke@carebase.test")
        .env("CAREBASE_PASSWORD", "Smoke-Test-Journey-2026"))
}

/// A Python virtual environment in the build directory with `packages` installed (from PyPI).
fn python_env(name: &str, packages: &[&str]) -> Result<PathBuf> {
    let venv = target_dir().join(name);
    if !venv.join("bin/python").exists() {
        sh(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    }
    sh(Command::new(venv.join("bin/python"))
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(packages))?;
    Ok(venv)
}

fn venv_path(venv: &Path) -> OsString {
    let mut paths = vec![venv.join("bin")];
    if let Some(p) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&p));
    }
    std::env::join_paths(paths).unwrap_or_default()
}

/// Debian's Chromium, installed with apt when missing.
fn ensure_chromium() -> Result {
    if Path::new("/usr/bin/chromium").exists() {
        return Ok(());
    }
    step("Installing Chromium");
    apt_install("chromium")
}

/// Caddy, the reverse proxy of the production shape (`deploy/Caddyfile`), installed with apt
/// when missing.
pub fn ensure_caddy() -> Result {
    if Path::new("/usr/bin/caddy").exists() {
        return Ok(());
    }
    step("Installing Caddy");
    apt_install("caddy")
}

fn apt_install(package: &str) -> Result {
    sh(Command::new("apt-get").args(["update", "-qq"]))?;
    sh(Command::new("apt-get")
        .args(["install", "-y", "-qq", package])
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

/// Playwright, driving Debian's Chromium against the real server and the built web app.
pub fn e2e(bin: &Path) -> Result {
    ensure_chromium()?;
    let dir = root().join("e2e");
    npm_ci(&dir)?;
    sh(Command::new("npx")
        .args(["playwright", "test"])
        .current_dir(&dir)
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
        .env("CAREBASE_BIN", bin)
        .env("CAREBASE_STATIC_DIR", root().join("frontend/dist")))
}

const SCHEMATHESIS: &str = "schemathesis==4.32.5";

/// Property-based fuzzing of every operation in the served spec: no 5xx, and every status code,
/// content type and body as documented. Endpoints that end or change the fuzzing account's own
/// session (sign out, password, settings, account changes) are left out; their own tests cover
/// them.
pub fn fuzz(bin: &Path) -> Result {
    let venv = python_env("schemathesis-venv", &[SCHEMATHESIS])?;
    let (email, password) = ("fuzz@carebase.test", "Fuzzing-Every-Endpoint-7");
    let server = start_server(bin, email, password)?;
    let body = format!("{{\"email\":\"{email}\",\"password\":\"{password}\"}}");
    let out = output(Command::new("curl").args([
        "-sf",
        "-H",
        "content-type: application/json",
        "-d",
        &body,
        &format!("{}/api/v1/auth/login", server.url),
    ]))?;
    let token = out
        .split("\"access_token\":\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .ok_or("could not sign in for fuzzing")?;
    sh(Command::new(venv.join("bin/schemathesis"))
        .arg("run")
        .arg(format!("{}/api/openapi.json", server.url))
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(["--max-examples", "25", "--seed", "20261123"])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,negative_data_rejection",
        ])
        .args(["--exclude-path", "/api/v1/auth/logout"])
        .args(["--exclude-path", "/api/v1/auth/sessions/{id}"])
        .args(["--exclude-path", "/api/v1/auth/password"])
        .args(["--exclude-path", "/api/v1/settings"])
        .args(["--exclude-path", "/api/v1/users/{id}"])
        .env("PATH", venv_path(&venv)))
}
