//! `cargo xtask bench`: seeds a practice of 100,000 patients on PostgreSQL, starts a release
//! build of the server, drives it with keep-alive HTTP/1.1 connections from this process (see
//! [`crate::load`]), and prints throughput and latency percentiles for each scenario.
//!
//! Options: `--patients N` (default 100000), `--seconds S` per scenario (default 10),
//! `--connections C` (default 16), `--bin PATH` (measure that server binary rather than
//! building one), `--small-only` (only the small practice of
//! `bench_small`), `--save-baseline` (make this run the baseline). The figures are also written
//! as JSON and compared with the baseline (`bench_report`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::bench_report as report;
use crate::tools::ensure_postgres;
use crate::{carebase_bin, cargo, output, sh, step, target_dir, Result};

const DB_SERVER: &str = "postgres://postgres@127.0.0.1:5432";
const DB_NAME: &str = "carebase_bench";
const ADMIN_EMAIL: &str = "bench-admin@carebase.test";
const ADMIN_PASSWORD: &str = "Bench-Admin-Password-2026";

fn arg(args: &[String], name: &str, default: u64) -> Result<u64> {
    match args.iter().position(|a| a == name) {
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("{name} takes a number")),
        None => Ok(default),
    }
}

pub(crate) struct Server(pub(crate) Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn bench(args: &[String]) -> Result {
    let patients = arg(args, "--patients", 100_000)?;
    let seconds = arg(args, "--seconds", 10)?;
    let connections = arg(args, "--connections", 16)? as usize;
    let save = args.iter().any(|a| a == "--save-baseline");
    report::begin(&format!("cargo xtask bench {}", args.join(" ")));

    ensure_postgres()?;
    // `--bin PATH` measures a server built elsewhere (an earlier release, say) instead.
    let bin = match args.iter().position(|a| a == "--bin") {
        Some(i) => std::path::PathBuf::from(args.get(i + 1).ok_or("--bin takes a path")?),
        None => {
            step("Building the release server");
            sh(cargo().args(["build", "--release", "-p", "carebase"]))?;
            carebase_bin("release")
        }
    };
    let duration = Duration::from_secs(seconds);
    if args.iter().any(|a| a == "--small-only") {
        crate::bench_small::scenarios(&bin, duration)?;
        return finish(save);
    }
    let practice = Practice::open(
        &bin,
        DB_NAME,
        &target_dir().join("bench-data"),
        patients as usize,
        (ADMIN_EMAIL, ADMIN_PASSWORD, "Bench Admin"),
    )?;
    let env = |c: &mut Command| practice.env(c);
    let (url, port, token) = (practice.url.clone(), practice.port, practice.token.clone());
    let login_body = practice.login_body.clone();
    let server = &practice.server;
    let (_, page) = request(port, "GET", "/api/v1/patients?limit=1", Some(&token), None)?;
    let patient_id = json_string(&page, "id").ok_or("no patient to read")?;
    let total =
        output(Command::new("psql").args([url.as_str(), "-tAc", "SELECT count(*) FROM patients"]))?
            .trim()
            .to_owned();

    let version = output(Command::new(&bin).arg("--version")).unwrap_or_default();
    println!("\n{} — {total} patients on PostgreSQL, {connections} connections, {seconds} s per scenario\n", version.trim());
    println!(
        "{:<34} {:>9} {:>8} {:>8} {:>8} {:>7} {:>7}",
        "scenario", "req/s", "p50 ms", "p99 ms", "max ms", "errors", "RSS MB"
    );
    let scenarios: Vec<(&str, &str, String, Option<String>, usize)> = vec![
        (
            report::REFERENCE,
            "GET",
            "/healthz".into(),
            None,
            connections,
        ),
        (
            "sign in (argon2id)",
            "POST",
            "/api/v1/auth/login".into(),
            Some(login_body.clone()),
            4.min(connections),
        ),
        (
            "own account (no patient data)",
            "GET",
            "/api/v1/auth/me".into(),
            None,
            connections,
        ),
        (
            "read one patient",
            "GET",
            format!("/api/v1/patients/{patient_id}"),
            None,
            connections,
        ),
        (
            "patient list, first page",
            "GET",
            "/api/v1/patients?limit=25".into(),
            None,
            connections,
        ),
        (
            "patient list, page 40",
            "GET",
            "/api/v1/patients?limit=25&offset=1000".into(),
            None,
            connections,
        ),
        (
            "search by name prefix \"smi\"",
            "GET",
            "/api/v1/patients?q=smi".into(),
            None,
            connections,
        ),
        (
            "search by two names",
            "GET",
            "/api/v1/patients?q=oli%20tay".into(),
            None,
            connections,
        ),
    ];
    for (name, method, path, body, conns) in scenarios {
        let auth = (method == "GET").then(|| token.clone());
        let r = load(port, method, &path, auth, body, conns, duration)?;
        print_row(name, &r, server);
    }
    health(port, &token, connections, duration, server)?;
    clinical(port, &token, connections, duration, server)?;
    scheduling(
        &bin,
        &env,
        &url,
        port,
        &token,
        connections,
        duration,
        server,
    )?;
    // Secure messaging across two replicas: a second process on the same database.
    let port_b = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let mut serve_b = Command::new(&bin);
    serve_b
        .args(["serve", "--bind", &format!("127.0.0.1:{port_b}")])
        .stdout(Stdio::null());
    env(&mut serve_b);
    let replica = Server(serve_b.spawn().map_err(|e| e.to_string())?);
    wait_ready(port_b)?;
    let live =
        crate::live_bench::scenarios(port, server.0.id(), port_b, &token, &patient_id, 200, 2000)?;
    drop(replica);
    println!(
        "\nmessage delivery across two replicas (request to the other replica's live frame, 200 messages): p50 {:.1} ms, p99 {:.1} ms",
        live.delivery_p50_ms, live.delivery_p99_ms
    );
    println!(
        "{} idle live connections added {:.1} MB to the server",
        live.idle_connections, live.idle_added_mb
    );
    report::figure(
        "message delivery across replicas, p50",
        live.delivery_p50_ms,
        "ms",
        false,
    );
    report::figure(
        "message delivery across replicas, p99",
        live.delivery_p99_ms,
        "ms",
        false,
    );
    report::figure(
        "2,000 idle live connections",
        live.idle_added_mb,
        "MB",
        false,
    );
    if let Some(kb) = memory_kb(server.0.id(), "VmHWM:") {
        println!("\npeak server memory (VmHWM): {:.0} MB", kb as f64 / 1024.0);
        report::figure("peak server memory", kb as f64 / 1024.0, "MB", false);
    }
    drop(practice);
    crate::bench_small::scenarios(&bin, duration)?;
    finish(save)
}

/// A practice to measure: a database and data directory of its own (made once, and kept between
/// runs), seeded with its patients and analysed, an administrator, and a server on a free port
/// that the administrator is signed in to.
pub(crate) struct Practice {
    pub(crate) url: String,
    data_dir: std::path::PathBuf,
    pub(crate) port: u16,
    pub(crate) token: String,
    /// The administrator's sign-in, as a request body.
    pub(crate) login_body: String,
    pub(crate) server: Server,
}

impl Practice {
    pub(crate) fn open(
        bin: &std::path::Path,
        db_name: &str,
        data_dir: &std::path::Path,
        patients: usize,
        (email, password, name): (&str, &str, &str),
    ) -> Result<Practice> {
        let url = format!("{DB_SERVER}/{db_name}");
        let env = |c: &mut Command| settings(&url, data_dir, c);
        let exists = output(Command::new("psql").args([
            &format!("{DB_SERVER}/postgres"),
            "-tAc",
            &format!("SELECT 1 FROM pg_database WHERE datname = '{db_name}'"),
        ]))?;
        // The database and the keys that encrypt it go together: without either, both are new.
        if exists.trim() != "1" || !data_dir.join("keys.json").exists() {
            let _ = Command::new("psql")
                .args([
                    &format!("{DB_SERVER}/postgres"),
                    "-qc",
                    &format!("DROP DATABASE IF EXISTS {db_name}"),
                ])
                .status();
            let _ = std::fs::remove_dir_all(data_dir);
            sh(Command::new("psql").args([
                &format!("{DB_SERVER}/postgres"),
                "-qc",
                &format!("CREATE DATABASE {db_name}"),
            ]))?;
        }
        step(&format!("Seeding {patients} patients (kept between runs)"));
        let started = Instant::now();
        let mut seed = Command::new(bin);
        seed.args(["seed", "--demo", "--patients", &patients.to_string()])
            .stdout(Stdio::null());
        env(&mut seed);
        sh(&mut seed)?;
        println!("    seeded in {:.0} s", started.elapsed().as_secs_f64());
        // A bulk load leaves the planner without statistics until autovacuum gets to it; a live
        // database has them, so the benchmark measures with them.
        sh(Command::new("psql").args([url.as_str(), "-qc", "VACUUM ANALYZE"]))?;
        let mut admin = Command::new(bin);
        admin.args([
            "admin",
            "create-user",
            "--email",
            email,
            "--password",
            password,
            "--role",
            "admin",
            "--name",
            name,
        ]);
        env(&mut admin);
        // Made on the first run; on later runs it is there already.
        let _ = admin.stdout(Stdio::null()).stderr(Stdio::null()).status();

        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let mut serve = Command::new(bin);
        serve
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null());
        env(&mut serve);
        let server = Server(serve.spawn().map_err(|e| e.to_string())?);
        wait_ready(port)?;
        let login_body = format!("{{\"email\":\"{email}\",\"password\":\"{password}\"}}");
        let (status, body) = request(port, "POST", "/api/v1/auth/login", None, Some(&login_body))?;
        if status != 200 {
            return Err(format!("{name} could not sign in: {status} {body}"));
        }
        let token = json_string(&body, "access_token").ok_or("no access token")?;
        Ok(Practice {
            url,
            data_dir: data_dir.to_owned(),
            port,
            token,
            login_body,
            server,
        })
    }

    /// Sign-in bodies for `n` practitioners of the practice, made on the first run: staff who
    /// sign in at the same moment each use their own account (one account signed in to from
    /// many connections at once is what the lockout's guard against parallel guessing refuses).
    pub(crate) fn staff_sign_ins(&self, bin: &std::path::Path, n: usize) -> Result<Vec<String>> {
        (0..n)
            .map(|i| {
                let email = format!("bench-staff-{i}@carebase.test");
                let password = format!("Bench-Staff-Password-{i}-2026");
                let mut create = Command::new(bin);
                create.args([
                    "admin",
                    "create-user",
                    "--email",
                    &email,
                    "--password",
                    &password,
                    "--role",
                    "practitioner",
                    "--name",
                    &format!("Bench Practitioner {i}"),
                ]);
                self.env(&mut create);
                // Made on the first run; on later runs it is there already.
                let _ = create.stdout(Stdio::null()).stderr(Stdio::null()).status();
                let body = format!("{{\"email\":\"{email}\",\"password\":\"{password}\"}}");
                let (status, answer) =
                    request(self.port, "POST", "/api/v1/auth/login", None, Some(&body))?;
                if status != 200 {
                    return Err(format!("{email} could not sign in: {status} {answer}"));
                }
                Ok(body)
            })
            .collect()
    }

    /// The server's settings for this practice, on a command that runs `carebase`.
    pub(crate) fn env(&self, c: &mut Command) {
        settings(&self.url, &self.data_dir, c);
    }
}

fn settings(url: &str, data_dir: &std::path::Path, c: &mut Command) {
    c.env("DATABASE_URL", url)
        .env("CAREBASE_DATA_DIR", data_dir)
        .env("CAREBASE_LOG", "warn")
        .env("CAREBASE_AUTH_RATE_PER_MINUTE", "100000000");
}

/// Writes the summary, compares it with the baseline, and fails when a figure went backwards.
fn finish(save: bool) -> Result {
    let flagged = report::finish(save)?;
    if flagged.is_empty() || save {
        Ok(())
    } else {
        Err(format!(
            "{} figure(s) more than 20 % worse than the baseline",
            flagged.len()
        ))
    }
}

/// Practitioners in the scheduling benchmark.
const PRACTITIONERS: usize = 20;
/// Days of the slot search.
const SEARCH_DAYS: i64 = 28;

/// Scheduling: 20 practitioners with weekday hours, four weeks of them about half booked
/// (booked through the API, from many connections at once, which is the booking-throughput
/// figure), then slot search for "any practitioner" over those four weeks.
#[expect(clippy::too_many_arguments)]
fn scheduling(
    bin: &std::path::Path,
    env: &dyn Fn(&mut Command),
    url: &str,
    port: u16,
    token: &str,
    connections: usize,
    duration: Duration,
    server: &Server,
) -> Result {
    // Accounts first (the command hashes a password each, as an admin would).
    for i in 0..PRACTITIONERS {
        let mut c = Command::new(bin);
        c.args([
            "admin",
            "create-user",
            "--email",
            &format!("bench-practitioner-{i}@carebase.test"),
            "--password",
            ADMIN_PASSWORD,
            "--role",
            "practitioner",
            "--name",
            &format!("Bench Practitioner {i:02}"),
        ]);
        env(&mut c);
        // Already there from an earlier run is fine.
        let _ = c.stdout(Stdio::null()).stderr(Stdio::null()).status();
    }
    let (_, list) = request(port, "GET", "/api/v1/practitioners", Some(token), None)?;
    let ids: Vec<String> = list
        .split("{\"id\":\"")
        .skip(1)
        .filter(|p| p.contains("\"name\":\"Bench Practitioner"))
        .filter_map(|p| p.split('"').next().map(str::to_owned))
        .collect();
    if ids.len() != PRACTITIONERS {
        return Err(format!(
            "expected {PRACTITIONERS} bench practitioners, found {}",
            ids.len()
        ));
    }
    let weekly = "[{\"weekday\":\"monday\",\"start\":\"09:00\",\"end\":\"12:30\"},{\"weekday\":\"monday\",\"start\":\"13:30\",\"end\":\"17:00\"},\
{\"weekday\":\"tuesday\",\"start\":\"09:00\",\"end\":\"12:30\"},{\"weekday\":\"tuesday\",\"start\":\"13:30\",\"end\":\"17:00\"},\
{\"weekday\":\"wednesday\",\"start\":\"09:00\",\"end\":\"12:30\"},{\"weekday\":\"wednesday\",\"start\":\"13:30\",\"end\":\"17:00\"},\
{\"weekday\":\"thursday\",\"start\":\"09:00\",\"end\":\"12:30\"},{\"weekday\":\"thursday\",\"start\":\"13:30\",\"end\":\"17:00\"},\
{\"weekday\":\"friday\",\"start\":\"09:00\",\"end\":\"12:30\"},{\"weekday\":\"friday\",\"start\":\"13:30\",\"end\":\"17:00\"}]";
    for id in &ids {
        let body = format!("{{\"weekly\":{weekly}}}");
        let (status, text) = request(
            port,
            "PUT",
            &format!("/api/v1/practitioners/{id}/availability"),
            Some(token),
            Some(&body),
        )?;
        if status != 200 {
            return Err(format!("availability answered {status}: {text}"));
        }
    }
    let quoted: Vec<String> = ids.iter().map(|i| format!("\"{i}\"")).collect();
    let kind = format!(
        "{{\"name\":\"Bench consult {}\",\"duration_minutes\":30,\"colour\":\"#2563eb\",\"buffer_after_minutes\":5,\"online_bookable\":true,\"practitioner_ids\":[{}]}}",
        std::process::id(),
        quoted.join(",")
    );
    let (status, text) = request(
        port,
        "POST",
        "/api/v1/appointment-types",
        Some(token),
        Some(&kind),
    )?;
    if status != 201 {
        return Err(format!("appointment type answered {status}: {text}"));
    }
    let type_id = json_string(&text, "id").ok_or("no type id")?;
    // Four weeks from the Monday after next, clear of an earlier run's bookings.
    let _ = Command::new("psql")
        .args([
            url,
            "-qc",
            &format!(
                "DELETE FROM appointments WHERE practitioner_id IN ({})",
                ids.iter()
                    .map(|i| format!("'{i}'"))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        ])
        .status();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs() as i64;
    let today = now.div_euclid(86_400);
    // 1970-01-01 was a Thursday: (days + 3) % 7 is 0 on Mondays.
    let monday = today + 14 - (today + 3).rem_euclid(7);
    let date = |day: i64| rfc3339(day * 86_400)[..10].to_owned();
    let (_, holidays) = request(
        port,
        "GET",
        &format!(
            "/api/v1/holidays?from={}&to={}",
            date(monday),
            date(monday + SEARCH_DAYS)
        ),
        Some(token),
        None,
    )?;
    let patients: Vec<String> = output(Command::new("psql").args([
        url,
        "-tAc",
        "SELECT id FROM patients ORDER BY id LIMIT 4000",
    ]))?
    .lines()
    .map(str::to_owned)
    .filter(|l| !l.is_empty())
    .collect();
    // Every other 45-minute step booked: about half the time taken, never overlapping.
    let mut bookings = Vec::new();
    let mut next_patient = 0;
    for d in 0..SEARCH_DAYS {
        let day = monday + d;
        if (day + 3).rem_euclid(7) >= 5 || holidays.contains(&date(day)) {
            continue;
        }
        for (p, id) in ids.iter().enumerate() {
            for start in (540 + (p as i64 % 2) * 45..990).step_by(90) {
                if (750..810).contains(&start) || (start < 750 && start + 35 > 750) {
                    continue;
                }
                let Some(patient) = patients.get(next_patient % patients.len()) else {
                    break;
                };
                // A patient is booked at most once a day: their id cycles every 4000 bookings.
                next_patient += 1;
                let body = format!(
                    "{{\"appointment_type_id\":\"{type_id}\",\"practitioner_id\":\"{id}\",\"patient_id\":\"{patient}\",\"local_start\":\"{}T{:02}:{:02}:00\"}}",
                    date(day),
                    start / 60,
                    start % 60
                );
                bookings.push(build_request(
                    "POST",
                    "/api/v1/appointments",
                    Some(token),
                    Some(&body),
                ));
            }
        }
    }
    let total = bookings.len();
    let queue = Arc::new(std::sync::Mutex::new(bookings));
    let started = Instant::now();
    let workers: Vec<_> = (0..connections)
        .map(|_| {
            let queue = queue.clone();
            std::thread::spawn(move || -> Result<(Vec<u32>, Vec<Refusal>)> {
                let mut conn = Conn::open(port)?;
                let mut latencies = Vec::new();
                let mut refused = Vec::new();
                loop {
                    let next = queue.lock().map_err(|_| "poisoned")?.pop();
                    let Some(req) = next else { break };
                    let t = Instant::now();
                    let (status, body) = conn.send(&req)?;
                    if status == 201 {
                        latencies.push(t.elapsed().as_micros() as u32);
                    } else {
                        refused.push((status, json_string(&body, "detail").unwrap_or(body)));
                    }
                }
                Ok((latencies, refused))
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut refusals = Vec::new();
    for w in workers {
        let (l, r) = w.join().map_err(|_| "a booking thread panicked")??;
        latencies.extend(l);
        refusals.extend(r);
    }
    let refused = refusals.len();
    if refusals.iter().any(|(status, _)| *status >= 500) {
        return Err(format!("bookings failed with server errors: {refusals:?}"));
    }
    for (status, why) in refusals.iter().take(5) {
        println!("  refused {status}: {why}");
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len().max(1) - 1) as f64 * p).round() as usize)
            .map_or(0.0, |v| f64::from(*v) / 1000.0)
    };
    println!(
        "\nbooking: {} of {total} booked ({refused} refused) over {connections} connections in {elapsed:.1} s: {:.0} bookings/s, p50 {:.1} ms, p99 {:.1} ms",
        latencies.len(),
        latencies.len() as f64 / elapsed,
        pct(0.5),
        pct(0.99)
    );
    report::figure(
        "booking",
        latencies.len() as f64 / elapsed,
        "bookings/s",
        true,
    );
    report::figure("booking, p99", pct(0.99), "ms", false);
    let search = format!(
        "/api/v1/slots?appointment_type_id={type_id}&from={}&to={}",
        date(monday),
        date(monday + SEARCH_DAYS - 1)
    );
    let (status, body) = request(port, "GET", &search, Some(token), None)?;
    if status != 200 {
        return Err(format!("slot search answered {status}: {body}"));
    }
    println!(
        "slot search, any of {} practitioners over {SEARCH_DAYS} days: {} free times, {} bytes",
        ids.len(),
        body.matches("\"starts_at\"").count(),
        body.len()
    );
    println!(
        "{:<34} {:>9} {:>8} {:>8} {:>8} {:>7} {:>7}",
        "scenario", "req/s", "p50 ms", "p99 ms", "max ms", "errors", "RSS MB"
    );
    let one = format!("{search}&practitioner_id={}", ids[0]);
    for (name, path, conns) in [
        (
            "slots: 20 practitioners, 4 weeks, 1 conn",
            search.as_str(),
            1,
        ),
        (
            "slots: 20 practitioners, 4 weeks",
            search.as_str(),
            connections,
        ),
        ("slots: 1 practitioner, 4 weeks", one.as_str(), connections),
    ] {
        let r = load(
            port,
            "GET",
            path,
            Some(token.to_owned()),
            None,
            conns,
            duration,
        )?;
        print_row(name, &r, server);
    }
    Ok(())
}

/// A booking the server refused: its status and why.
type Refusal = (u16, String);

/// Readings a year of minute-level heart rate holds.
const YEAR_OF_MINUTES: u64 = 365 * 24 * 60;
/// Readings per bulk request.
const BATCH: u64 = 10_000;

/// `YYYY-MM-DDTHH:MM:SSZ` for a Unix time (days-from-civil, Howard Hinnant's algorithm).
pub(crate) fn rfc3339(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// One bulk request's body: `BATCH` minute-level heart rates from `start`.
fn heart_rate_batch(start: i64, from_minute: u64) -> String {
    let mut body = String::with_capacity(BATCH as usize * 150);
    body.push('[');
    for m in from_minute..(from_minute + BATCH).min(YEAR_OF_MINUTES) {
        if m > from_minute {
            body.push(',');
        }
        // A plausible day: 55–75 at night, up to about 110 in the afternoon.
        let minute_of_day = m % 1440;
        let value = 62 + (minute_of_day * 37 / 1440) + (m * 7919 % 13);
        body.push_str(&format!(
            "{{\"metric\":\"heart_rate_intraday\",\"value\":{value},\"effective_at\":\"{}\",\"device\":{{\"vendor\":\"withings\",\"device_id\":\"bench-watch\",\"model\":\"ScanWatch\"}}}}",
            rfc3339(start + m as i64 * 60)
        ));
    }
    body.push(']');
    body
}

/// Health data: bulk ingest of a year of minute-level heart rate for a new patient, then the
/// year charted.
fn health(
    port: u16,
    token: &str,
    connections: usize,
    duration: Duration,
    server: &Server,
) -> Result {
    let patient = "{\"first_name\":\"Bench\",\"last_name\":\"Heartrate\"}";
    let (status, body) = request(port, "POST", "/api/v1/patients", Some(token), Some(patient))?;
    if status != 201 {
        return Err(format!(
            "could not create the health patient: {status} {body}"
        ));
    }
    let id = json_string(&body, "id").ok_or("no patient id")?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs() as i64;
    let start = (now - 366 * 86_400) / 60 * 60;
    let path = format!("/api/v1/patients/{id}/observations");
    let batches: Vec<u64> = (0..YEAR_OF_MINUTES).step_by(BATCH as usize).collect();
    // Bodies are built first, so that only sending them is timed.
    let bodies: Vec<Vec<u8>> = batches
        .iter()
        .map(|from| {
            build_request(
                "POST",
                &path,
                Some(token),
                Some(&heart_rate_batch(start, *from)),
            )
        })
        .collect();
    let bytes: usize = bodies.iter().map(Vec::len).sum();
    let senders = 2;
    let queue = Arc::new(std::sync::Mutex::new(bodies));
    let started = Instant::now();
    let workers: Vec<_> = (0..senders)
        .map(|_| {
            let queue = queue.clone();
            std::thread::spawn(move || -> Result<u64> {
                let mut conn = Conn::open(port)?;
                let mut accepted = 0;
                loop {
                    let next = queue.lock().map_err(|_| "poisoned")?.pop();
                    let Some(req) = next else { break };
                    let (status, body) = conn.send(&req)?;
                    if status != 200 {
                        return Err(format!("bulk ingest answered {status}: {body}"));
                    }
                    accepted += json_number(&body, "accepted").unwrap_or(0);
                }
                Ok(accepted)
            })
        })
        .collect();
    let mut accepted = 0;
    for w in workers {
        accepted += w.join().map_err(|_| "an ingest thread panicked")??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "\nbulk ingest: {accepted} readings in {} requests of {BATCH} ({:.1} MB) over {senders} connections: {elapsed:.1} s, {:.0} observations/s",
        batches.len(),
        bytes as f64 / 1e6,
        accepted as f64 / elapsed
    );
    report::figure(
        "bulk ingest",
        accepted as f64 / elapsed,
        "observations/s",
        true,
    );
    let chart = format!(
        "{path}?metric=heart_rate_intraday&from={}&to={}&max_points=500",
        rfc3339(start),
        rfc3339(now)
    );
    let (status, body) = request(port, "GET", &chart, Some(token), None)?;
    if status != 200 {
        return Err(format!("chart query answered {status}: {body}"));
    }
    println!(
        "a year of minute-level heart rate charted (max_points=500): {} bytes, {} points",
        body.len(),
        body.matches("\"t\":").count()
    );
    println!(
        "{:<34} {:>9} {:>8} {:>8} {:>8} {:>7} {:>7}",
        "scenario", "req/s", "p50 ms", "p99 ms", "max ms", "errors", "RSS MB"
    );
    // One person looking (response time), then many at once (throughput).
    for (name, conns) in [
        ("chart: a year, 1 connection", 1),
        ("chart: a year of minute HR", connections),
    ] {
        let r = load(
            port,
            "GET",
            &chart,
            Some(token.to_owned()),
            None,
            conns,
            duration,
        )?;
        print_row(name, &r, server);
    }
    Ok(())
}

/// Notes written and signed by one clinician.
const NOTES: usize = 300;
/// The size of the file uploaded and downloaded.
const FILE_MB: usize = 10;

/// The clinical record: writing and signing notes one after another (a clinician's pace is far
/// slower; this is the cost of each), reading the newest notes and the timeline of a patient
/// with many, and a large file through upload (typing, encryption, storage) and download.
fn clinical(
    port: u16,
    token: &str,
    connections: usize,
    duration: Duration,
    server: &Server,
) -> Result {
    let patient = "{\"first_name\":\"Bench\",\"last_name\":\"Notes\"}";
    let (status, body) = request(port, "POST", "/api/v1/patients", Some(token), Some(patient))?;
    if status != 201 {
        return Err(format!(
            "could not create the notes patient: {status} {body}"
        ));
    }
    let id = json_string(&body, "id").ok_or("no patient id")?;
    let mut conn = Conn::open(port)?;
    let note = "{\"note_type\":\"soap\",\"title\":\"Review\",\"body_html\":\"<h3>Subjective</h3><p>Feeling <b>better</b> since the last visit; sleeping well.</p><h3>Objective</h3><p>BP 128/82, HR 70.</p><h3>Assessment</h3><p>Improving.</p><h3>Plan</h3><ul><li>Continue</li><li>Review in 4 weeks</li></ul>\"}";
    let create = build_request(
        "POST",
        &format!("/api/v1/patients/{id}/notes"),
        Some(token),
        Some(note),
    );
    let started = Instant::now();
    for _ in 0..NOTES {
        let (status, body) = conn.send(&create)?;
        if status != 201 {
            return Err(format!("writing a note answered {status}: {body}"));
        }
        let note_id = json_string(&body, "id").ok_or("no note id")?;
        let sign = build_request(
            "POST",
            &format!("/api/v1/notes/{note_id}/sign"),
            Some(token),
            Some("{}"),
        );
        let (status, body) = conn.send(&sign)?;
        if status != 200 {
            return Err(format!("signing a note answered {status}: {body}"));
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "\nnotes: {NOTES} written and signed one after another in {elapsed:.1} s ({:.1} ms each, write + sign)",
        elapsed * 1000.0 / NOTES as f64
    );
    report::figure(
        "a note written and signed",
        elapsed * 1000.0 / NOTES as f64,
        "ms",
        false,
    );

    let mut file = b"%PDF-1.7\n".to_vec();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    while file.len() < FILE_MB * 1024 * 1024 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        file.extend_from_slice(&x.to_le_bytes());
    }
    let mut upload = format!(
        "POST /api/v1/patients/{id}/documents?filename=scan.pdf HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
        file.len()
    )
    .into_bytes();
    upload.extend_from_slice(&file);
    let rounds = 5;
    let mut doc_id = String::new();
    let started = Instant::now();
    for _ in 0..rounds {
        let (status, body) = conn.send(&upload)?;
        if status != 201 {
            return Err(format!("uploading answered {status}: {body}"));
        }
        doc_id = json_string(&body, "id").ok_or("no document id")?;
    }
    let up = started.elapsed().as_secs_f64() / f64::from(rounds);
    let download = build_request(
        "GET",
        &format!("/api/v1/documents/{doc_id}/content"),
        Some(token),
        None,
    );
    let started = Instant::now();
    for _ in 0..rounds {
        let (status, body) = conn.send(&download)?;
        if status != 200 || body.len() < file.len() / 2 {
            return Err(format!("downloading answered {status}"));
        }
    }
    let down = started.elapsed().as_secs_f64() / f64::from(rounds);
    println!(
        "a {FILE_MB} MB file: upload {:.0} ms ({:.0} MB/s), download {:.0} ms ({:.0} MB/s), mean of {rounds}",
        up * 1000.0,
        FILE_MB as f64 / up,
        down * 1000.0,
        FILE_MB as f64 / down
    );
    report::figure("10 MB upload", up * 1000.0, "ms", false);
    report::figure("10 MB download", down * 1000.0, "ms", false);
    // The whole record as the patient would download it: the notes and every file, streamed.
    let export = build_request(
        "GET",
        &format!("/api/v1/patients/{id}/export"),
        Some(token),
        None,
    );
    let started = Instant::now();
    let (status, body) = conn.send_for_bytes(&export)?;
    if status != 200 || body.len() < rounds as usize * file.len() {
        return Err(format!("exporting answered {status}, {} bytes", body.len()));
    }
    let took = started.elapsed().as_secs_f64();
    println!(
        "the record exported: a {:.0} MB archive ({NOTES} notes, {rounds} files of {FILE_MB} MB) in {:.0} ms; server RSS {:.0} MB",
        body.len() as f64 / 1e6,
        took * 1000.0,
        memory_kb(server.0.id(), "VmRSS:").unwrap_or(0) as f64 / 1024.0
    );
    report::figure("record export, 50 MB of files", took * 1000.0, "ms", false);
    println!(
        "{:<34} {:>9} {:>8} {:>8} {:>8} {:>7} {:>7}",
        "scenario", "req/s", "p50 ms", "p99 ms", "max ms", "errors", "RSS MB"
    );
    let notes = format!("/api/v1/patients/{id}/notes?limit=50");
    let timeline = format!("/api/v1/patients/{id}/timeline");
    for (name, path, conns) in [
        ("notes: newest 50, 1 connection", &notes, 1),
        ("notes: newest 50", &notes, connections),
        ("timeline: 200 of 300 notes, 1 conn", &timeline, 1),
    ] {
        let r = load(
            port,
            "GET",
            path,
            Some(token.to_owned()),
            None,
            conns,
            duration,
        )?;
        print_row(name, &r, server);
    }
    Ok(())
}

/// Finds `"key":123` in a JSON text.
pub(crate) fn json_number(body: &str, key: &str) -> Option<u64> {
    let start = body.find(&format!("\"{key}\":"))? + key.len() + 3;
    body[start..]
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// One scenario's line of the results table, with the server's memory at the end of it.
pub(crate) fn print_row(name: &str, r: &LoadResult, server: &Server) {
    let rss_mb = memory_kb(server.0.id(), "VmRSS:").unwrap_or(0) as f64 / 1024.0;
    println!(
        "{:<34} {:>9.0} {:>8.2} {:>8.2} {:>8.2} {:>7} {:>7.0}",
        name, r.rps, r.p50_ms, r.p99_ms, r.max_ms, r.errors, rss_mb
    );
    report::row(report::Row {
        scenario: name.to_owned(),
        connections: r.connections,
        rps: r.rps,
        p50_ms: r.p50_ms,
        p99_ms: r.p99_ms,
        max_ms: r.max_ms,
        errors: r.errors,
        rss_mb,
    });
}

/// A memory figure of a process from /proc, in kB.
pub(crate) fn memory_kb(pid: u32, field: &str) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

pub(crate) fn wait_ready(port: u16) -> Result {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if request(port, "GET", "/readyz", None, None).is_ok_and(|(s, _)| s == 200) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Err("the server did not become ready".into())
}

/// Finds `"key":"value"` in a JSON text.
pub(crate) fn json_string(body: &str, key: &str) -> Option<String> {
    let start = body.find(&format!("\"{key}\":\""))? + key.len() + 4;
    Some(body[start..].split('"').next()?.to_owned())
}

pub(crate) struct Conn {
    reader: BufReader<TcpStream>,
}

impl Conn {
    pub(crate) fn open(port: u16) -> Result<Conn> {
        let s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
        s.set_nodelay(true).map_err(|e| e.to_string())?;
        s.set_read_timeout(Some(Duration::from_secs(30)))
            .map_err(|e| e.to_string())?;
        Ok(Conn {
            reader: BufReader::new(s),
        })
    }

    /// One request on the kept-alive connection: status and body.
    pub(crate) fn send(&mut self, req: &[u8]) -> Result<(u16, String)> {
        let (status, body) = self.send_for_bytes(req)?;
        Ok((status, String::from_utf8_lossy(&body).into_owned()))
    }

    /// [`Conn::send`], the body as it came.
    pub(crate) fn send_for_bytes(&mut self, req: &[u8]) -> Result<(u16, Vec<u8>)> {
        self.reader
            .get_mut()
            .write_all(req)
            .map_err(|e| e.to_string())?;
        let mut line = String::new();
        self.reader
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or("bad status line")?;
        let mut length = 0usize;
        let mut chunked = false;
        loop {
            line.clear();
            self.reader
                .read_line(&mut line)
                .map_err(|e| e.to_string())?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().map_err(|_| "bad content-length")?;
                }
                if k.eq_ignore_ascii_case("transfer-encoding") && v.trim() == "chunked" {
                    chunked = true;
                }
            }
        }
        let body = if chunked {
            self.chunked_body()?
        } else {
            let mut body = vec![0u8; length];
            self.reader
                .read_exact(&mut body)
                .map_err(|e| e.to_string())?;
            body
        };
        Ok((status, body))
    }

    /// A body sent in chunks (a streamed archive), read to its end.
    fn chunked_body(&mut self) -> Result<Vec<u8>> {
        let mut body = Vec::new();
        let mut line = String::new();
        loop {
            line.clear();
            self.reader
                .read_line(&mut line)
                .map_err(|e| e.to_string())?;
            let size = usize::from_str_radix(line.trim_end().split(';').next().unwrap_or(""), 16)
                .map_err(|_| format!("bad chunk size {line:?}"))?;
            let start = body.len();
            body.resize(start + size + 2, 0);
            self.reader
                .read_exact(&mut body[start..])
                .map_err(|e| e.to_string())?;
            body.truncate(start + size);
            if size == 0 {
                return Ok(body);
            }
        }
    }
}

pub(crate) fn build_request(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> Vec<u8> {
    let mut r = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    if let Some(t) = token {
        r.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    match body {
        Some(b) => r.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{b}",
            b.len()
        )),
        None => r.push_str("\r\n"),
    }
    r.into_bytes()
}

pub(crate) fn request(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> Result<(u16, String)> {
    Conn::open(port)?.send(&build_request(method, path, token, body))
}

pub(crate) struct LoadResult {
    connections: usize,
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    errors: usize,
}

pub(crate) fn load(
    port: u16,
    method: &str,
    path: &str,
    token: Option<String>,
    body: Option<String>,
    connections: usize,
    duration: Duration,
) -> Result<LoadResult> {
    let req = build_request(method, path, token.as_deref(), body.as_deref());
    load_each(port, vec![req], connections, duration)
}

/// [`load`] with a request of its own for each connection (connection `i` sends
/// `requests[i % len]`): staff signing in at once each sign in to their own account.
pub(crate) fn load_each(
    port: u16,
    requests: Vec<Vec<u8>>,
    connections: usize,
    duration: Duration,
) -> Result<LoadResult> {
    let requests: Vec<Arc<Vec<u8>>> = requests.into_iter().map(Arc::new).collect();
    if requests.is_empty() {
        return Err("no request to send".into());
    }
    let driven = crate::load::drive(port, &requests, connections, duration)?;
    let (mut all, errors, elapsed) = (driven.latencies, driven.errors, driven.seconds);
    all.sort_unstable();
    let pct = |p: f64| -> f64 {
        if all.is_empty() {
            return 0.0;
        }
        let i = ((all.len() as f64 - 1.0) * p).round() as usize;
        f64::from(all[i]) / 1000.0
    };
    Ok(LoadResult {
        connections,
        rps: all.len() as f64 / elapsed,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        max_ms: all.last().map_or(0.0, |m| f64::from(*m) / 1000.0),
        errors,
    })
}
