//! Project commands, run as `cargo xtask <command>`:
//!
//! - `run`: build the web app and the server, prepare a SQLite database with a demo practice on
//!   first run, and serve everything at http://127.0.0.1:8080.
//! - `test`: every check the project has, in the order CI runs them.
//! - `bench`: seed 100,000 patients on PostgreSQL and measure the API under load.
//!
//! Each installs what it needs (the wasm32 target, wasm-bindgen-cli, npm packages,
//! Chromium) when it is missing.

mod bench;
mod bench_report;
mod bench_small;
mod live_bench;
mod load;
mod releases;
mod tools;
mod wasm_merge;
mod webapp;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

pub type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("test") => test(&args[1..]),
        Some("bench") => bench::bench(&args[1..]),
        Some("frontend") => webapp::build().and_then(|parts| frontend_size(&parts)),
        _ => {
            eprintln!(
                "usage: cargo xtask <run | test | bench | frontend>\n\n  \
                 run        serve the product with demo data (SQLite, http://127.0.0.1:8080)\n  \
                 test       run every check and test (add --skip-e2e or --skip-postgres to narrow)\n  \
                 bench      benchmark against PostgreSQL with 100,000 patients\n  \
                 frontend   build the web app into frontend/dist and report its size"
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

/// When the current step began, and what it is, so each step's time is reported.
static STEP: std::sync::Mutex<Option<(std::time::Instant, String)>> = std::sync::Mutex::new(None);

/// Starts a step, saying how long the one before took.
pub fn step(title: &str) {
    end_step();
    println!("\n==> {title}");
    if let Ok(mut s) = STEP.lock() {
        *s = Some((std::time::Instant::now(), title.to_owned()));
    }
}

/// Says how long the current step took.
pub fn end_step() {
    if let Ok(mut s) = STEP.lock() {
        if let Some((at, title)) = s.take() {
            println!("    ({title}: {:.0} s)", at.elapsed().as_secs_f64());
        }
    }
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

/// The files the browser loads: the WASM modules, their JS glue and the CSS.
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
pub fn precompress() -> Result {
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

/// What the first screen (sign-in) loads, compressed as the server sends it (Brotli).
const FIRST_SCREEN_BUDGET_BYTES: u64 = 350 * 1024;
/// Any one module an area fetches when it is first opened.
const MODULE_BUDGET_BYTES: u64 = 250 * 1024;
/// Every file of the web app together: more than any one person loads (staff never open the
/// portal, patients never open administration), kept as a guard against growth no one meant.
const TOTAL_BUDGET_BYTES: u64 = 1_600_000;

/// Sizes of one built file: as built, Brotli (as sent), gzip (for browsers without Brotli).
struct Sizes {
    raw: u64,
    br: u64,
    gz: u64,
}

fn sizes(file: &Path) -> Result<Sizes> {
    let len = |p: &Path| {
        std::fs::metadata(p)
            .map(|m| m.len())
            .map_err(|e| format!("{}: {e}", p.display()))
    };
    let with = |suffix: &str| {
        let mut p = file.as_os_str().to_owned();
        p.push(suffix);
        PathBuf::from(p)
    };
    Ok(Sizes {
        raw: len(file)?,
        br: len(&with(".br"))?,
        gz: len(&with(".gz"))?,
    })
}

/// Reports each file the web app loads (WASM, JS, CSS) as sent (Brotli) and, for browsers
/// without Brotli, gzip, with what loads it; then what the first screen loads and what opening
/// each area adds. Fails over budget: the first screen, any one area module, or all together.
fn frontend_size(parts: &webapp::Parts) -> Result {
    let dist = root().join("frontend/dist");
    let mut over = Vec::new();
    let mut total = Sizes {
        raw: 0,
        br: 0,
        gz: 0,
    };
    println!(
        "  {:<46} {:>8} {:>8} {:>8}  loaded by",
        "file", "built", "brotli", "gzip"
    );
    for file in &assets()? {
        let s = sizes(file)?;
        total.raw += s.raw;
        total.br += s.br;
        total.gz += s.gz;
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let first = parts.first_screen.contains(&name);
        let areas = parts.areas_fetching(&name);
        let loaded_by = if first {
            "first screen".to_owned()
        } else if areas.is_empty() {
            "nothing (not fetched)".to_owned()
        } else {
            areas.join(", ")
        };
        println!(
            "  {name:<46} {:>5} KB {:>5} KB {:>5} KB  {loaded_by}",
            s.raw / 1024,
            s.br / 1024,
            s.gz / 1024
        );
        if !first && s.br > MODULE_BUDGET_BYTES {
            over.push(format!(
                "{name} is {} KB compressed, over the {} KB budget of one area module",
                s.br / 1024,
                MODULE_BUDGET_BYTES / 1024
            ));
        }
    }
    let sum = |files: &[String]| -> Result<u64> {
        files
            .iter()
            .map(|f| sizes(&dist.join(f)).map(|s| s.br))
            .sum::<Result<u64>>()
    };
    let first = sum(&parts.first_screen)?;
    println!(
        "\n  first screen (sign-in and the shell): brotli {} KB of a {} KB budget",
        first / 1024,
        FIRST_SCREEN_BUDGET_BYTES / 1024
    );
    if first > FIRST_SCREEN_BUDGET_BYTES {
        over.push(format!(
            "the first screen loads {first} bytes compressed, over budget"
        ));
    }
    for (area, files) in &parts.areas {
        println!(
            "  opening {area:<12} fetches {} KB ({} file{})",
            sum(files)? / 1024,
            files.len(),
            if files.len() == 1 { "" } else { "s" }
        );
    }
    println!(
        "  all files: brotli {} KB of a {} KB budget (gzip {} KB, built {} KB)",
        total.br / 1024,
        TOTAL_BUDGET_BYTES / 1024,
        total.gz / 1024,
        total.raw / 1024
    );
    if total.br > TOTAL_BUDGET_BYTES {
        over.push(format!(
            "the web app is {} bytes compressed in all, over budget",
            total.br
        ));
    }
    if over.is_empty() {
        Ok(())
    } else {
        Err(over.join("; "))
    }
}

fn run(args: &[String]) -> Result {
    webapp::build()?;
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
        tools::ensure_postgres()?;
        tools::ensure_caddy()?;
        let previous = releases::previous_release_bin()?;
        step("Integration tests on PostgreSQL");
        sh(cargo()
            // Exactly the SQLite run's command, so that nothing is compiled again (selecting
            // test targets would resolve features differently and build everything twice): only
            // the database differs, and the few tests that use none simply run again.
            .args(["test", "--workspace"])
            // Two replicas behind the production reverse proxy, and the previous release
            // beside this one: required here, not skipped.
            .env("CAREBASE_OPERATIONS_TESTS", "required")
            .env("CAREBASE_PREVIOUS_BIN", &previous)
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
        let parts = webapp::build()?;
        step("The web app's compressed size is within budget");
        frontend_size(&parts)?;
        step("Browser tests");
        tools::e2e(&carebase_bin("debug"))?;
    }
    end_step();
    println!("\nAll checks passed.");
    Ok(())
}
