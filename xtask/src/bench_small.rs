//! A small practice's shape, as single-practice tools such as CaptureCare are measured: 1,000
//! patients with 100 heart-rate readings each, on a database of its own. The list of patients at
//! the app's page size and all of them in one page, one patient's readings, and sign-in, each at
//! 2 and at 16 connections.

use std::process::Command;
use std::time::Duration;

use crate::bench::{build_request, load, load_each, print_row, request, rfc3339, Conn, Practice};
use crate::{output, sh, target_dir, Result};

const DB_NAME: &str = "carebase_bench_small";
const PATIENTS: usize = 1_000;
const READINGS: usize = 100;
const EMAIL: &str = "small-admin@carebase.test";
const PASSWORD: &str = "Small-Practice-Password-2026";

pub fn scenarios(bin: &std::path::Path, duration: Duration) -> Result {
    println!(
        "\nA small practice: {PATIENTS} patients with {READINGS} readings each (kept between runs)"
    );
    let practice = Practice::open(
        bin,
        DB_NAME,
        &target_dir().join("bench-data-small"),
        PATIENTS,
        (EMAIL, PASSWORD, "Small Admin"),
    )?;
    let (url, port, token) = (practice.url.clone(), practice.port, practice.token.clone());
    let server = &practice.server;
    let ids = patient_ids(port, &token)?;
    let readings = output(Command::new("psql").args([
        url.as_str(),
        "-tAc",
        "SELECT count(*) FROM observations",
    ]))
    .unwrap_or_default();
    if readings.trim().parse::<usize>().unwrap_or(0) < PATIENTS * READINGS {
        add_readings(port, &token, &ids)?;
        sh(Command::new("psql").args([url.as_str(), "-qc", "VACUUM ANALYZE"]))?;
    }
    let one = ids.last().ok_or("no patients")?;
    let since = rfc3339(first_reading()? - 86_400);
    let heart_rate = format!("/api/v1/patients/{one}/observations?metric=heart_rate&from={since}");
    let (status, body) = request(port, "GET", &heart_rate, Some(&token), None)?;
    if status != 200 {
        return Err(format!("reading one patient's heart rate: {status} {body}"));
    }
    println!(
        "\nsmall practice: {} patients; one patient's heart rate is {} readings, {} bytes",
        ids.len(),
        body.matches("\"value\"").count(),
        body.len()
    );
    println!(
        "{:<34} {:>9} {:>8} {:>8} {:>8} {:>7} {:>7}",
        "scenario", "req/s", "p50 ms", "p99 ms", "max ms", "errors", "RSS MB"
    );
    let staff = practice.staff_sign_ins(bin, 16)?;
    for conns in [2, 16] {
        for (name, method, path, body) in [
            (
                "small: patient list, page of 25",
                "GET",
                "/api/v1/patients?limit=25".to_owned(),
                None,
            ),
            (
                "small: patient list, all 1,000",
                "GET",
                "/api/v1/patients?limit=1000".to_owned(),
                None,
            ),
            (
                "small: one patient's heart rate",
                "GET",
                heart_rate.clone(),
                None,
            ),
        ] {
            let auth = (method == "GET").then(|| token.clone());
            let r = load(port, method, &path, auth, body, conns, duration)?;
            print_row(&format!("{name}, {conns} conns"), &r, server);
        }
        // Staff arriving together: each connection signs in to an account of its own.
        let sign_ins = staff
            .iter()
            .take(conns)
            .map(|body| build_request("POST", "/api/v1/auth/login", None, Some(body)))
            .collect();
        let r = load_each(port, sign_ins, conns, duration)?;
        print_row(&format!("small: sign in, {conns} conns"), &r, server);
    }
    Ok(())
}

/// Every patient's id, oldest first, read through the API a page at a time.
fn patient_ids(port: u16, token: &str) -> Result<Vec<String>> {
    let mut ids = Vec::new();
    let mut conn = Conn::open(port)?;
    loop {
        let path = format!(
            "/api/v1/patients?limit=100&sort=created_asc&offset={}",
            ids.len()
        );
        let (status, body) = conn.send(&build_request("GET", &path, Some(token), None))?;
        if status != 200 {
            return Err(format!("listing patients: {status} {body}"));
        }
        let before = ids.len();
        let mut rest = body.as_str();
        while let Some(i) = rest.find("{\"id\":\"") {
            rest = &rest[i + 7..];
            ids.push(rest[..36].to_owned());
        }
        if ids.len() - before < 100 {
            return Ok(ids);
        }
    }
}

/// When each patient's first reading is: 08:00 UTC, [`READINGS`] days ago.
fn first_reading() -> Result<i64> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs() as i64;
    Ok((now / 86_400 - READINGS as i64) * 86_400 + 8 * 3600)
}

/// A hundred heart rates for each patient through the bulk API, one a day up to today, from
/// two connections.
fn add_readings(port: u16, token: &str, ids: &[String]) -> Result {
    let first = first_reading()?;
    let queue = std::sync::Arc::new(std::sync::Mutex::new(ids.to_vec()));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let (queue, token) = (queue.clone(), token.to_owned());
            std::thread::spawn(move || -> Result {
                let mut conn = Conn::open(port)?;
                loop {
                    let next = queue.lock().map_err(|_| "poisoned")?.pop();
                    let Some(id) = next else { return Ok(()) };
                    let mut body = String::from("[");
                    for day in 0..READINGS {
                        if day > 0 {
                            body.push(',');
                        }
                        let value = 58 + (day * 7 + id.len()) % 30;
                        body.push_str(&format!(
                            "{{\"metric\":\"heart_rate\",\"value\":{value},\"effective_at\":\"{}\",\"device\":{{\"vendor\":\"withings\",\"device_id\":\"small-{id}\",\"model\":\"BPM Connect\"}}}}",
                            rfc3339(first + day as i64 * 86_400)
                        ));
                    }
                    body.push(']');
                    let path = format!("/api/v1/patients/{id}/observations");
                    let (status, answer) =
                        conn.send(&build_request("POST", &path, Some(&token), Some(&body)))?;
                    if status != 200 {
                        return Err(format!("adding readings answered {status}: {answer}"));
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().map_err(|_| "a readings thread panicked")??;
    }
    Ok(())
}
