//! Health data: the catalogue, recording (one, bulk, idempotent, implausible), charts with
//! downsampling, target ranges, alerts, trends and export, with who may do each.

use api_types::Role;
use chrono::{DateTime, Duration, DurationRound, TimeDelta, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{patient_body, problem_code, TestApp, TestUser};

struct Clinic {
    app: TestApp,
    admin: TestUser,
    nurse: TestUser,
    patient_id: String,
}

/// A patient with a nurse on their care team.
async fn clinic() -> Clinic {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let nurse = app.user(Role::Nurse).await;
    let patient = app
        .create_patient(&admin.token, patient_body("Ada", "Hart"))
        .await;
    let patient_id = patient["id"].as_str().unwrap().to_owned();
    let res = app
        .post(
            &format!("/api/v1/patients/{patient_id}/care-team"),
            Some(&admin.token),
            json!({"user_id": nurse.id}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    Clinic {
        app,
        admin,
        nurse,
        patient_id,
    }
}

impl Clinic {
    fn path(&self, rest: &str) -> String {
        format!("/api/v1/patients/{}/{rest}", self.patient_id)
    }

    async fn record(&self, token: &str, body: Value) -> reqwest::Response {
        self.app
            .post(&self.path("observations"), Some(token), body)
            .await
    }
}

fn minutes_ago(n: i64) -> String {
    (Utc::now().duration_trunc(TimeDelta::minutes(1)).unwrap() - Duration::minutes(n)).to_rfc3339()
}

#[tokio::test]
async fn the_catalogue_lists_every_metric_with_codes_units_and_bounds() {
    let app = TestApp::spawn().await;
    let patient = app.user(Role::Patient).await;
    let res = app.get("/api/v1/metric-definitions", &patient.token).await;
    assert_eq!(res.status(), StatusCode::OK);
    let metrics: Vec<Value> = res.json().await.unwrap();
    assert!(metrics.len() >= 30);
    let sbp = metrics.iter().find(|m| m["code"] == "systolic_bp").unwrap();
    assert_eq!(sbp["loinc"], "8480-6");
    assert_eq!(sbp["unit"], "mm[Hg]");
    assert!(sbp["min"].as_f64().unwrap() < sbp["max"].as_f64().unwrap());
}

#[tokio::test]
async fn one_reading_is_recorded_judged_and_idempotent() {
    let c = clinic().await;
    let body = json!({"metric": "systolic_bp", "value": 150, "effective_at": minutes_ago(5)});
    let res = c.record(&c.nurse.token, body.clone()).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let first: Value = res.json().await.unwrap();
    assert_eq!(first["judgement"], "out_of_range");
    assert_eq!(first["source"]["kind"], "manual");
    assert_eq!(first["source"]["recorded_by"], c.nurse.id.to_string());

    // The same reading again changes nothing; the first value stands.
    let again = c
        .record(
            &c.nurse.token,
            json!({"metric": "systolic_bp", "value": 151, "effective_at": body["effective_at"]}),
        )
        .await;
    assert_eq!(again.status(), StatusCode::OK);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["value"], 150.0);

    // Implausible: refused with the reason, at the field.
    let res = c
        .record(
            &c.nurse.token,
            json!({"metric": "heart_rate", "value": 900, "effective_at": minutes_ago(1)}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "value");
    assert_eq!(problem["errors"][0]["code"], "implausible");
    assert!(problem["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("between 20 and 300"));

    let res = c
        .record(
            &c.nurse.token,
            json!({"metric": "mood", "value": 3, "effective_at": minutes_ago(1)}),
        )
        .await;
    assert_eq!(problem_code(res).await, "validation_failed");
    let future = (Utc::now() + Duration::hours(2)).to_rfc3339();
    let res = c
        .record(
            &c.nurse.token,
            json!({"metric": "weight", "value": 70, "effective_at": future}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn bulk_records_many_reports_each_refusal_and_never_duplicates() {
    let c = clinic().await;
    let device = json!({"vendor": "Withings", "device_id": "abc123", "model": "ScanWatch"});
    let mut batch: Vec<Value> = (0..2000)
        .map(|i| json!({"metric": "heart_rate_intraday", "value": 60 + (i % 40), "effective_at": minutes_ago(i), "device": device}))
        .collect();
    batch.push(json!({"metric": "spo2", "value": 130, "effective_at": minutes_ago(3)}));
    batch.push(json!({"metric": "pulse", "value": 60, "effective_at": minutes_ago(3)}));

    // An entry that is not an observation at all makes the request malformed, and names it.
    let mut malformed = batch.clone();
    malformed.insert(5, json!({"metric": "spo2", "value": "high"}));
    let res = c.record(&c.admin.token, Value::Array(malformed)).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let text = res.text().await.unwrap();
    assert!(!text.contains("high"), "{text}");
    let problem: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(problem["errors"][0]["field"], "[5].value");
    assert_eq!(problem["errors"][0]["code"], "invalid_type");

    // Well-formed but implausible entries are refused one by one; the rest are recorded.
    let res = c.record(&c.admin.token, Value::Array(batch.clone())).await;
    assert_eq!(res.status(), StatusCode::OK);
    let summary: Value = res.json().await.unwrap();
    assert_eq!(summary["accepted"], 2000);
    assert_eq!(summary["duplicates"], 0);
    let rejected = summary["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 2);
    assert_eq!(rejected[0]["index"], 2000);
    assert_eq!(rejected[0]["errors"][0]["code"], "implausible");
    assert_eq!(rejected[1]["index"], 2001);
    assert_eq!(rejected[1]["errors"][0]["code"], "unknown_metric");

    // A re-sync records nothing twice.
    let res = c.record(&c.admin.token, Value::Array(batch)).await;
    let summary: Value = res.json().await.unwrap();
    assert_eq!(summary["accepted"], 0);
    assert_eq!(summary["duplicates"], 2000);

    // The chart summarises 2,000 readings into at most 100 points, and loses none.
    let from = (Utc::now() - Duration::days(2)).to_rfc3339();
    let url = format!(
        "{}?metric=heart_rate_intraday&max_points=100&from={}",
        c.path("observations"),
        urlencoding(&from)
    );
    let series: Value = c.app.get(&url, &c.nurse.token).await.json().await.unwrap();
    assert_eq!(series["downsampled"], true);
    let points = series["points"].as_array().unwrap();
    assert!(
        !points.is_empty() && points.len() <= 100,
        "{}",
        points.len()
    );
    let total: u64 = points.iter().map(|p| p["count"].as_u64().unwrap()).sum();
    assert_eq!(total, 2000);
    let lowest = points
        .iter()
        .map(|p| p["min"].as_f64().unwrap())
        .fold(f64::MAX, f64::min);
    let highest = points
        .iter()
        .map(|p| p["max"].as_f64().unwrap())
        .fold(f64::MIN, f64::max);
    assert_eq!((lowest, highest), (60.0, 99.0));

    // A short range is answered with the readings themselves, and the source filter applies.
    let url = format!(
        "{}?metric=heart_rate_intraday&from={}&source=withings",
        c.path("observations"),
        urlencoding(&(Utc::now() - Duration::minutes(30)).to_rfc3339())
    );
    let series: Value = c.app.get(&url, &c.nurse.token).await.json().await.unwrap();
    assert_eq!(series["downsampled"], false);
    assert_eq!(series["points"].as_array().unwrap().len(), 30);
    assert!(series["points"][0].get("count").is_none());
    let url = format!(
        "{}?metric=heart_rate_intraday&source=manual",
        c.path("observations")
    );
    let series: Value = c.app.get(&url, &c.nurse.token).await.json().await.unwrap();
    assert!(series["points"].as_array().unwrap().is_empty());
}

fn urlencoding(s: &str) -> String {
    s.replace('+', "%2B").replace(':', "%3A")
}

#[tokio::test]
async fn every_bucket_holds_exactly_the_readings_in_its_time() {
    let c = clinic().await;
    let start: DateTime<Utc> = "2024-03-04T00:00:00Z".parse().unwrap();
    let minutes = 2 * 24 * 60;
    // Values that change within every hour, so a misplaced minute changes a mean or an extreme.
    let value = |minute: i64| 60 + (minute * 7) % 53;
    let readings: Vec<Value> = (0..minutes)
        .map(|m| {
            json!({
                "metric": "heart_rate_intraday",
                "value": value(m),
                "effective_at": (start + Duration::minutes(m)).to_rfc3339(),
                "device": {"vendor": "Withings"},
            })
        })
        .collect();
    for batch in readings.chunks(1000) {
        let res = c.record(&c.admin.token, Value::Array(batch.to_vec())).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    // Neither end on a minute, an hour or a day.
    let from = start + Duration::seconds(10 * 3600 + 17 * 60 + 23);
    let to = start + Duration::days(1) + Duration::seconds(21 * 3600 + 42 * 60 + 51);
    let minutes_in = |a: DateTime<Utc>, b: DateTime<Utc>| -> Vec<i64> {
        (0..minutes)
            .filter(|m| (a..b).contains(&(start + Duration::minutes(*m))))
            .collect()
    };

    // From readings alone (500 and a source), from hourly roll-ups (40 and 6), and from daily
    // ones (2 and 1), with the partial hours and days at the ends.
    for (max_points, source) in [
        (500, ""),
        (40, ""),
        (6, ""),
        (2, ""),
        (1, ""),
        (40, "&source=withings"),
    ] {
        let case = format!("max_points={max_points}{source}");
        let url = format!(
            "{}?metric=heart_rate_intraday&{case}&from={}&to={}",
            c.path("observations"),
            urlencoding(&from.to_rfc3339()),
            urlencoding(&to.to_rfc3339())
        );
        let series: Value = c.app.get(&url, &c.nurse.token).await.json().await.unwrap();
        assert_eq!(series["downsampled"], true, "{case}");
        let width = Duration::seconds(series["bucket_seconds"].as_i64().unwrap());
        let points = series["points"].as_array().unwrap();
        assert!(
            !points.is_empty() && points.len() <= max_points,
            "{case}: {} points",
            points.len()
        );
        let total: usize = points
            .iter()
            .map(|p| p["count"].as_u64().unwrap() as usize)
            .sum();
        assert_eq!(total, minutes_in(from, to).len(), "{case}");

        // A bucket ends where the next one begins or a width after its own start, whichever is
        // first: only the first and last buckets are cut short, by the range.
        let starts: Vec<DateTime<Utc>> = points
            .iter()
            .map(|p| p["t"].as_str().unwrap().parse().unwrap())
            .collect();
        assert_eq!(starts[0], from, "{case}");
        for (i, point) in points.iter().enumerate() {
            let end = starts
                .get(i + 1)
                .copied()
                .unwrap_or(to)
                .min(starts[i] + width);
            let inside: Vec<f64> = minutes_in(starts[i], end)
                .into_iter()
                .map(|m| value(m) as f64)
                .collect();
            let at = format!("{case}, bucket at {}", starts[i]);
            // Never more readings than the minutes in its time, and never fewer.
            assert_eq!(
                point["count"].as_u64().unwrap() as usize,
                inside.len(),
                "{at}"
            );
            let mean = inside.iter().sum::<f64>() / inside.len() as f64;
            assert!(
                (point["value"].as_f64().unwrap() - mean).abs() < 1e-9,
                "{at}"
            );
            let lowest = inside.iter().copied().fold(f64::MAX, f64::min);
            let highest = inside.iter().copied().fold(f64::MIN, f64::max);
            assert_eq!(point["min"].as_f64().unwrap(), lowest, "{at}");
            assert_eq!(point["max"].as_f64().unwrap(), highest, "{at}");
        }
    }
}

#[tokio::test]
async fn a_critical_reading_alerts_the_care_team_who_acknowledge_it() {
    let c = clinic().await;
    let outsider = c.app.user(Role::Practitioner).await;
    let res = c
        .record(
            &c.admin.token,
            json!({"metric": "spo2", "value": 84, "effective_at": minutes_ago(2)}),
        )
        .await;
    let reading: Value = res.json().await.unwrap();
    assert_eq!(reading["judgement"], "critical");

    let alerts: Value = c
        .app
        .get("/api/v1/alerts", &c.nurse.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(alerts["total"], 1);
    let alert = &alerts["items"][0];
    assert_eq!(alert["metric"], "spo2");
    assert_eq!(alert["patient_name"], "Ada Hart");
    assert_eq!(alert["status"], "open");
    let mine: Value = c
        .app
        .get("/api/v1/alerts", &outsider.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["total"], 0, "not on the care team: not their alert");
    let receptionist = c.app.user(Role::Receptionist).await;
    assert_eq!(
        c.app
            .get("/api/v1/alerts", &receptionist.token)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    // The care team is emailed, without health details.
    let mail: Vec<Value> = c.app.outbox(&c.admin.token).await;
    let to_nurse: Vec<&Value> = mail
        .iter()
        .filter(|m| m["recipient"] == c.nurse.email.as_str())
        .collect();
    assert_eq!(to_nurse.len(), 1);
    let body = to_nurse[0]["body"].as_str().unwrap();
    assert!(body.contains(&format!("/patients/{}/health", c.patient_id)));
    // Neither the name nor the reading (the link's id aside, which may contain any digits).
    let text = body.replace(&c.patient_id, "");
    assert!(
        !text.contains("Ada") && !text.contains("Hart") && !text.contains("84"),
        "no PHI in email: {body}"
    );

    // Re-sending the reading raises no second alert.
    c.record(
        &c.admin.token,
        json!({"metric": "spo2", "value": 84, "effective_at": reading["effective_at"]}),
    )
    .await;
    let alerts: Value = c
        .app
        .get("/api/v1/alerts", &c.nurse.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(alerts["total"], 1);

    let id = alert["id"].as_str().unwrap();
    let ack = format!("/api/v1/alerts/{id}/acknowledge");
    let res = c
        .app
        .post(&ack, Some(&outsider.token), json!({"note": "Seen"}))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = c
        .app
        .post(&ack, Some(&c.nurse.token), json!({"note": " "}))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = c
        .app
        .post(
            &ack,
            Some(&c.nurse.token),
            json!({"note": "Rechecked 96% on air; GP informed"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let done: Value = res.json().await.unwrap();
    assert_eq!(done["status"], "acknowledged");
    assert_eq!(
        done["acknowledgement_note"],
        "Rechecked 96% on air; GP informed"
    );
    assert_eq!(done["acknowledged_by"], c.nurse.id.to_string());
    let res = c
        .app
        .post(&ack, Some(&c.admin.token), json!({"note": "Again"}))
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let open: Value = c
        .app
        .get("/api/v1/alerts", &c.nurse.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(open["total"], 0);
    let closed: Value = c
        .app
        .get("/api/v1/alerts?status=acknowledged", &c.nurse.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(closed["total"], 1);
}

#[tokio::test]
async fn targets_follow_conditions_and_practitioner_overrides() {
    let c = clinic().await;
    let practitioner = c.app.user(Role::Practitioner).await;
    c.app
        .post(
            &c.path("care-team"),
            Some(&c.admin.token),
            json!({"user_id": practitioner.id}),
        )
        .await;
    let targets: Value = c
        .app
        .get(&c.path("target-ranges"), &c.nurse.token)
        .await
        .json()
        .await
        .unwrap();
    let sbp = targets["ranges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["metric"] == "systolic_bp")
        .unwrap()
        .clone();
    assert_eq!(sbp["high"], 140.0);
    assert_eq!(sbp["source"], "default");
    assert!(sbp["reference"]
        .as_str()
        .unwrap()
        .contains("Heart Foundation"));

    let res = c
        .record(
            &c.nurse.token,
            json!({"metric": "systolic_bp", "value": 135, "effective_at": minutes_ago(10)}),
        )
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["judgement"], "in_range");

    // Nurses may not set targets; the practitioner on the care team may.
    let put = json!({"conditions": ["diabetes"], "overrides": []});
    let res = c
        .app
        .send(
            Method::PUT,
            &c.path("target-ranges"),
            Some(&c.nurse.token),
            Some(put.clone()),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = c
        .app
        .send(
            Method::PUT,
            &c.path("target-ranges"),
            Some(&practitioner.token),
            Some(put),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let targets: Value = res.json().await.unwrap();
    assert_eq!(targets["conditions"], json!(["diabetes"]));
    let sbp = targets["ranges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["metric"] == "systolic_bp")
        .unwrap()
        .clone();
    assert_eq!(sbp["high"], 130.0);
    let res = c
        .record(
            &c.nurse.token,
            json!({"metric": "systolic_bp", "value": 135, "effective_at": minutes_ago(9)}),
        )
        .await;
    assert_eq!(
        res.json::<Value>().await.unwrap()["judgement"],
        "out_of_range"
    );

    // Overrides: bounds in order and plausible, one per metric.
    let bad = json!({"overrides": [{"metric": "heart_rate", "low": 90, "high": 60}]});
    let res = c
        .app
        .send(
            Method::PUT,
            &c.path("target-ranges"),
            Some(&practitioner.token),
            Some(bad),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "overrides[0].high");
    let good = json!({"conditions": [], "overrides": [{"metric": "heart_rate", "low": 45, "high": 85, "critical_high": 120, "note": "Athlete; beta-blocker"}]});
    let res = c
        .app
        .send(
            Method::PUT,
            &c.path("target-ranges"),
            Some(&practitioner.token),
            Some(good),
        )
        .await;
    let targets: Value = res.json().await.unwrap();
    let hr = targets["ranges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["metric"] == "heart_rate")
        .unwrap()
        .clone();
    assert_eq!(
        (hr["low"].as_f64(), hr["high"].as_f64()),
        (Some(45.0), Some(85.0))
    );
    assert_eq!(hr["source"], "override");
    assert_eq!(hr["reference"], "Athlete; beta-blocker");
    let res = c
        .record(
            &c.nurse.token,
            json!({"metric": "heart_rate", "value": 125, "effective_at": minutes_ago(8)}),
        )
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["judgement"], "critical");
}

#[tokio::test]
async fn patients_record_their_own_readings_and_no_one_elses() {
    let c = clinic().await;
    let patient = c
        .app
        .user_for_patient(Role::Patient, Some(c.patient_id.parse().unwrap()))
        .await;
    let res = c
        .record(
            &patient.token,
            json!({"metric": "weight", "value": 71.4, "effective_at": minutes_ago(60)}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = c
        .app
        .get(&c.path("observations?metric=weight"), &patient.token)
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    let other = c
        .app
        .create_patient(&c.admin.token, patient_body("Other", "Person"))
        .await;
    let other_path = format!(
        "/api/v1/patients/{}/observations",
        other["id"].as_str().unwrap()
    );
    let res = c
        .app
        .post(
            &other_path,
            Some(&patient.token),
            json!({"metric": "weight", "value": 70, "effective_at": minutes_ago(1)}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = c
        .app
        .get(&format!("{other_path}?metric=weight"), &patient.token)
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // Receptionists see no clinical content; clinicians off the care team are refused.
    let receptionist = c.app.user(Role::Receptionist).await;
    let res = c
        .app
        .get(&c.path("observations?metric=weight"), &receptionist.token)
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let outsider = c.app.user(Role::Practitioner).await;
    let res = c
        .app
        .get(&c.path("observations/latest"), &outsider.token)
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn latest_trends_and_export() {
    let c = clinic().await;
    let readings: Vec<Value> = (0..28)
        .map(|d| {
            json!({"metric": "weight", "value": 80.0 - 0.1 * d as f64, "effective_at": minutes_ago(d * 24 * 60 + 30)})
        })
        .chain([json!({"metric": "heart_rate", "value": 64, "effective_at": minutes_ago(3)})])
        .collect();
    let res = c.record(&c.nurse.token, Value::Array(readings)).await;
    assert_eq!(res.json::<Value>().await.unwrap()["accepted"], 29);

    let latest: Vec<Value> = c
        .app
        .get(&c.path("observations/latest"), &c.nurse.token)
        .await
        .json()
        .await
        .unwrap();
    let weight = latest.iter().find(|l| l["metric"] == "weight").unwrap();
    assert_eq!(weight["value"], 80.0);
    assert!(latest
        .iter()
        .any(|l| l["metric"] == "heart_rate" && l["judgement"] == "in_range"));

    let trend: Value = c
        .app
        .get(&c.path("observations/trends?metric=weight"), &c.nurse.token)
        .await
        .json()
        .await
        .unwrap();
    let slope = trend["weekly_slope"].as_f64().unwrap();
    assert!(
        (slope - 0.7).abs() < 0.05,
        "rising 0.1 kg a day toward today: {slope}"
    );
    assert_eq!(trend["readings_30d"], 28);

    let res = c
        .app
        .get(&c.path("observations/export?metric=weight"), &c.nurse.token)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = res.text().await.unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "metric,loinc,value,unit,effective_at,source,vendor,device_id,model"
    );
    assert_eq!(lines.count(), 28);
    assert!(csv.contains("weight,29463-7,80,kg,"));

    // Every read was audited against the patient.
    let events: Value = c
        .app
        .get(
            &format!("/api/v1/audit-events?patient_id={}&limit=100", c.patient_id),
            &c.admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "observation.create",
        "observation.read",
        "observation.export",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
}

/// The cells of a CSV text, line by line, with quoting undone.
fn csv_cells(text: &str) -> Vec<Vec<String>> {
    let mut rows = vec![];
    let (mut row, mut cell, mut quoted, mut chars) =
        (vec![], String::new(), false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') if cell.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    rows
}

/// Text a device sends, which the export writes out, opens in a spreadsheet as text: a cell
/// starting with `=`, `+`, `-`, `@`, a tab or a carriage return is kept from running.
#[tokio::test]
async fn a_health_export_never_hands_a_spreadsheet_a_formula() {
    let c = clinic().await;
    let dangerous = [
        "=HYPERLINK(\"http://x\")",
        "+1+2",
        "-2+3",
        "@SUM(A1)",
        "\t=1",
        "\r=1",
    ];
    let readings: Vec<Value> = dangerous
        .iter()
        .enumerate()
        .map(|(i, d)| {
            json!({"metric": "weight", "value": 80,
                   "effective_at": (Utc::now() - Duration::minutes(10 + i as i64)).to_rfc3339(),
                   "device": {"vendor": d, "device_id": d, "model": d}})
        })
        .collect();
    let res = c
        .app
        .post(
            &c.path("observations"),
            Some(&c.admin.token),
            json!(readings),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    let res = c
        .app
        .get(&c.path("observations/export?metric=weight"), &c.nurse.token)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let rows = csv_cells(&res.text().await.unwrap());
    assert_eq!(rows[0][6..], ["vendor", "device_id", "model"]);
    let written: Vec<&String> = rows[1..].iter().flat_map(|r| &r[6..9]).collect();
    assert_eq!(written.len(), dangerous.len() * 3, "{rows:?}");
    for cell in written {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "a cell a spreadsheet would run: {cell:?}"
        );
        assert!(cell.starts_with('\''), "kept as text: {cell:?}");
    }
}
