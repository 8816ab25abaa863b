//! Project commands, run as `cargo xtask <command>`:
//!
//! - `run`: build the web app and the server, prepare a SQLite database with a demo practice on
//!   first run, and serve everything at http://127.0.0.1:8080.
//! - `test`: every check the project has, in the order CI runs them.
//! - `bench`: seed 100,000 patients on PostgreSQL and measure the API under load.
//!
//! Each installs what it needs (the wasm32 target, trunk, wasm-bindgen-cli, npm packages,
//! Chromium) when it is missing.

mod bench;
mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

pub type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("test") => test(&args[1..]),
        Some("bench") => bench::bench(&args[1..]),
        Some("frontend") => build_frontend().and_then(|()| frontend_size()),
        _ => {
            eprintln!(
                "usage: cargo xtask <run | test | bench | frontend>\n\n  \
                 run        serve the product with demo data (SQLite, http://127.0.0.1:8080)\n  \
                 test       run every check and test (add --skip-e2e or --skip-postgres to narrow)\n  \
                 bench      benchmark against PostgreSQL with 100,000 patients\n  \
                 frontend   build the web app into frontend/dist"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nxtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Where cargo puts build output (honours `CARGO_TARGET_DIR`).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

pub fn step(title: &str) {
    println!("\n==> {title}");
}

/// Runs a command in the workspace root; fails with its exit status.
pub fn sh(cmd: &mut Command) -> Result {
    let shown = format!("{cmd:?}");
    let status = cmd
        .current_dir_if_unset()
        .status()
        .map_err(|e| format!("could not start {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

/// Runs a command and returns its standard output.
pub fn output(cmd: &mut Command) -> Result<String> {
    let shown = format!("{cmd:?}");
    let out = cmd
        .current_dir_if_unset()
        .output()
        .map_err(|e| format!("could not start {shown}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{shown} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

trait InRoot {
    fn current_dir_if_unset(&mut self) -> &mut Self;
}

impl InRoot for Command {
    fn current_dir_if_unset(&mut self) -> &mut Self {
        if self.get_current_dir().is_none() {
            self.current_dir(root());
        }
        self
    }
}

pub fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// The server binary of a profile (`debug` or `release`).
pub fn carebase_bin(profile: &str) -> PathBuf {
    target_dir().join(profile).join("carebase")
}

/// Builds the web app into `frontend/dist`.
fn build_frontend() -> Result {
    step("Building the web app");
    tools::ensure_frontend_tools()?;
    // Trunk builds offline (nothing is downloaded mid-build), so crates are fetched first.
    sh(cargo().args(["fetch", "--locked"]))?;
    sh(Command::new("trunk")
        .args(["build", "--release"])
        .env("PATH", tools::path_with_frontend_bins()))?;
    precompress()
}

/// The files the browser loads: the WASM module, its JS glue and the CSS.
fn assets() -> Result<Vec<PathBuf>> {
    let dist = root().join("frontend/dist");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dist)
        .map_err(|e| format!("{}: {e}", dist.display()))?
        .flatten()
        .map(|entry| entry.path())
        .filter(|p| {
            p.extension()
                .is_some_and(|x| x == "wasm" || x == "js" || x == "css")
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Writes a Brotli copy (`<file>.br`, quality 11) and a gzip copy (`<file>.gz`, level 9) beside
/// each asset; the server sends the one the browser accepts.
fn precompress() -> Result {
    for file in assets()? {
        let gz = Command::new("gzip")
            .args(["-9", "-c", "-n"])
            .arg(&file)
            .output()
            .map_err(|e| format!("gzip: {e}"))?
            .stdout;
        let mut gz_path = file.clone().into_os_string();
        gz_path.push(".gz");
        std::fs::write(&gz_path, gz).map_err(|e| e.to_string())?;
        let raw = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let mut out = Vec::with_capacity(raw.len() / 3);
        {
            let mut w = brotli::CompressorWriter::new(&mut out, 1 << 16, 11, 24);
            std::io::Write::write_all(&mut w, &raw).map_err(|e| e.to_string())?;
        }
        let mut target = file.clone().into_os_string();
        target.push(".br");
        std::fs::write(&target, out).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// What the browser downloads, compressed as the server sends it (Brotli), must stay under 1 MB.
const FRONTEND_BUDGET_BYTES: u64 = 1_000_000;

/// Reports the size of each file the web app loads (WASM, JS, CSS) as sent (Brotli) and, for
/// browsers without Brotli, gzip; fails over budget.
fn frontend_size() -> Result {
    let mut total = 0_u64;
    let mut total_gz = 0_u64;
    for file in &assets()? {
        let raw = std::fs::metadata(file).map_err(|e| e.to_string())?.len();
        let mut br_path = file.clone().into_os_string();
        br_path.push(".br");
        let br = std::fs::metadata(&br_path)
            .map_err(|e| format!("{}: {e}", PathBuf::from(&br_path).display()))?
            .len();
        let mut gz_path = file.clone().into_os_string();
        gz_path.push(".gz");
        let gz = std::fs::metadata(&gz_path)
            .map_err(|e| e.to_string())?
            .len();
        total += br;
        total_gz += gz;
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        println!(
            "  {name:<50} {:>8} KB  brotli {:>6} KB  gzip {:>6} KB",
            raw / 1024,
            br / 1024,
            gz / 1024
        );
    }
    println!(
        "  total brotli {} KB of a {} KB budget (gzip {} KB)",
        total / 1024,
        FRONTEND_BUDGET_BYTES / 1024,
        total_gz / 1024
    );
    if total > FRONTEND_BUDGET_BYTES {
        return Err(format!(
            "the web app is {total} bytes compressed, over budget"
        ));
    }
    Ok(())
}

fn run(args: &[String]) -> Result {
    build_frontend()?;
    step("Building the server");
    sh(cargo().args(["build", "--release", "-p", "carebase"]))?;
    let bin = carebase_bin("release");
    let fresh = !root().join("data/carebase.db").exists();
    sh(Command::new(&bin).arg("migrate"))?;
    if fresh {
        step("Seeding the demo practice");
        sh(Command::new(&bin).args(["seed", "--demo"]))?;
    }
    step("Serving Carebase at http://127.0.0.1:8080 (Ctrl-C to stop)");
    let mut serve = Command::new(&bin);
    serve.arg("serve").args(args);
    sh(&mut serve)
}

const POSTGRES: &str = "postgres://postgres@127.0.0.1:5432";

fn test(args: &[String]) -> Result {
    let skip_e2e = args.iter().any(|a| a == "--skip-e2e");
    let skip_pg = args.iter().any(|a| a == "--skip-postgres");

    step("Formatting");
    sh(cargo().args(["fmt", "--all", "--", "--check"]))?;

    step("Lints (warnings are errors)");
    sh(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--all-features",
        "--",
        "-D",
        "warnings",
    ]))?;
    tools::ensure_wasm_target()?;
    sh(cargo().args([
        "clippy",
        "-p",
        "carebase-frontend",
        "--target",
        "wasm32-unknown-unknown",
        "--",
        "-D",
        "warnings",
    ]))?;

    step("api-types builds for the browser, with no server-only dependency");
    sh(cargo().args([
        "check",
        "-p",
        "api-types",
        "--target",
        "wasm32-unknown-unknown",
    ]))?;
    let tree = output(cargo().args([
        "tree",
        "-p",
        "api-types",
        "-e",
        "normal",
        "--prefix",
        "none",
    ]))?;
    for forbidden in ["sea-orm", "sqlx", "actix-web", "tokio", "utoipa"] {
        if tree
            .lines()
            .any(|l| l.starts_with(&format!("{forbidden} ")))
        {
            return Err(format!("api-types depends on {forbidden}"));
        }
    }

    step("Unit and integration tests on SQLite");
    sh(cargo().args(["test", "--workspace"]))?;

    if !skip_pg {
        step("Integration tests on PostgreSQL");
        tools::ensure_postgres()?;
        sh(cargo()
            .args(["test", "-p", "carebase", "--features", "postgres-tests"])
            .args(["--test", "api", "--test", "postgres"])
            .env(
                "CAREBASE_TEST_DATABASE_URL",
                std::env::var("CAREBASE_TEST_DATABASE_URL").unwrap_or_else(|_| POSTGRES.into()),
            ))?;
    }

    step("The checked-in OpenAPI document matches the server");
    let generated = output(Command::new(carebase_bin("debug")).arg("openapi"))?;
    let checked_in = std::fs::read_to_string(root().join("openapi/openapi.json"))
        .map_err(|e| format!("openapi/openapi.json: {e}"))?;
    if generated.trim() != checked_in.trim() {
        return Err("openapi/openapi.json is stale: run `cargo run -p carebase -- openapi > openapi/openapi.json` and commit it".into());
    }

    step("A client generated from the spec runs a journey");
    tools::client_smoke(&carebase_bin("debug"))?;

    step("Property-based API fuzzing against the served spec (schemathesis)");
    tools::fuzz(&carebase_bin("debug"))?;

    if !skip_e2e {
        build_frontend()?;
        step("The web app's compressed size is within budget");
        frontend_size()?;
        step("Browser tests");
        tools::e2e(&carebase_bin("debug"))?;
    }
    println!("\nAll checks passed.");
    Ok(())
}
