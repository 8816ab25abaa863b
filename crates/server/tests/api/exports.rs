//! A patient's export holds exactly what its reader may read through the API: for the patient
//! and for an administrator, each part of `record.json` side by side with the API's own list.

use std::collections::BTreeSet;
use std::io::Read;

use api_types::Role;
use chrono::Weekday;
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::TestApp;
use crate::scheduling::{at, next, practice_with};

fn ids(v: &Value) -> BTreeSet<String> {
    ids_at(v, &["id"])
}

/// The ids found at `path` in each item of the list `v`.
fn ids_at(v: &Value, path: &[&str]) -> BTreeSet<String> {
    v.as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|x| {
            let found = path.iter().fold(x, |x, k| &x[*k]);
            found.as_str().unwrap_or_default().to_owned()
        })
        .collect()
}

async fn record_of(app: &TestApp, id: &str, token: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/patients/{id}/export"), token)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut json = String::new();
    zip.by_name("record.json")
        .unwrap()
        .read_to_string(&mut json)
        .unwrap();
    serde_json::from_str(&json).unwrap()
}

/// One file of the export, as text.
async fn file_of(app: &TestApp, id: &str, token: &str, name: &str) -> String {
    let res = app
        .get(&format!("/api/v1/patients/{id}/export"), token)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut text = String::new();
    zip.by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// The API's answer for a list, as the same caller: the items, or `None` when refused.
async fn api_list(app: &TestApp, path: &str, token: &str) -> Option<Value> {
    let res = app.get(path, token).await;
    match res.status() {
        StatusCode::OK => {
            let v: Value = res.json().await.unwrap();
            Some(v.get("items").cloned().unwrap_or(v))
        }
        StatusCode::FORBIDDEN | StatusCode::NOT_FOUND => None,
        other => panic!("{path}: {other}"),
    }
}

#[tokio::test]
async fn every_part_of_an_export_matches_what_its_reader_can_read_through_the_api() {
    let p = practice_with(TestApp::spawn().await).await;
    let app = &p.app;
    let id = p.patient_id.clone();
    let patient_id: Uuid = id.parse().unwrap();
    let res = app
        .post(
            &format!("/api/v1/patients/{id}/care-team"),
            Some(&p.admin.token),
            json!({"user_id": p.practitioner.id}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let patient = app.user_for_patient(Role::Patient, Some(patient_id)).await;
    let clinician = &p.practitioner.token;

    // A record with something in every part, including what patients do not see: a draft note,
    // a therapy session's working notes, and the booking's staff note.
    let mut booking = p.booking(&at(next(Weekday::Mon), "09:00"));
    booking["notes"] = json!("Prefers mornings");
    p.book_ok(booking).await;
    let post = |path: String, token: String, body: Value| async move {
        let res = app.post(&path, Some(&token), body).await;
        assert!(res.status().is_success(), "{path}: {}", res.status());
        res.json::<Value>().await.unwrap()
    };
    let signed = post(
        format!("/api/v1/patients/{id}/notes"),
        clinician.clone(),
        json!({"note_type": "soap", "title": "Review", "body_html": "<p>Stable.</p>"}),
    )
    .await;
    post(
        format!("/api/v1/notes/{}/sign", signed["id"].as_str().unwrap()),
        clinician.clone(),
        json!({}),
    )
    .await;
    post(
        format!("/api/v1/patients/{id}/notes"),
        clinician.clone(),
        json!({"note_type": "progress", "title": "Draft", "body_html": "<p>Thinking.</p>"}),
    )
    .await;
    post(
        format!("/api/v1/patients/{id}/therapy-sessions"),
        clinician.clone(),
        json!({"session_date": "2026-01-05", "goals": "Sleep", "interventions": "CBT-I",
               "progress": "Working notes for the clinician"}),
    )
    .await;
    post(
        format!("/api/v1/patients/{id}/homework"),
        clinician.clone(),
        json!({"title": "Sleep diary", "due_date": "2099-01-01"}),
    )
    .await;
    post(
        format!("/api/v1/patients/{id}/medications"),
        clinician.clone(),
        json!({"name": "Sertraline", "dose": "50 mg", "route": "oral", "frequency": "daily",
               "start_date": "2026-01-01", "status": "active"}),
    )
    .await;
    post(
        format!("/api/v1/patients/{id}/imaging-studies"),
        clinician.clone(),
        json!({"modality": "MRI", "body_part": "Knee", "study_date": "2026-01-01"}),
    )
    .await;
    post(
        format!("/api/v1/patients/{id}/assessments"),
        patient.token.clone(),
        json!({"instrument": "gad7", "answers": [1, 1, 1, 1, 1, 1, 1]}),
    )
    .await;
    // A document the patient adds, readings, a conversation with the care team, a message
    // from the practice, and a consent withdrawn.
    let res = app
        .client
        .post(app.url(&format!(
            "/api/v1/patients/{id}/documents?filename=referral.txt"
        )))
        .bearer_auth(&patient.token)
        .header("content-type", "application/octet-stream")
        .body("Referral letter")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let readings: Vec<Value> = (1..=3)
        .map(|h| {
            json!({"metric": "weight", "value": 70 + h,
                   "effective_at": (chrono::Utc::now() - chrono::Duration::hours(h)).to_rfc3339()})
        })
        .collect();
    post(
        format!("/api/v1/patients/{id}/observations"),
        patient.token.clone(),
        json!(readings),
    )
    .await;
    post(
        "/api/v1/messages/threads".to_owned(),
        patient.token.clone(),
        json!({"subject": "Dosage", "body": "Should I take it with food?"}),
    )
    .await;
    post(
        format!("/api/v1/patients/{id}/correspondence"),
        p.admin.token.clone(),
        json!({"channel": "email", "subject": "Results", "body": "Your results are in."}),
    )
    .await;
    let res = app
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/patients/{id}/consents/research"),
            Some(&patient.token),
            Some(json!({"given": false})),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );

    for (who, token) in [("patient", &patient.token), ("admin", &p.admin.token)] {
        let record = record_of(app, &id, token).await;
        let withheld: BTreeSet<String> = record["withheld"]["parts"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| x.as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        let appointments = if who == "patient" {
            "/api/v1/appointments?limit=100".to_owned()
        } else {
            format!("/api/v1/appointments?patient_id={id}&limit=100")
        };
        let parts = [
            ("notes", format!("/api/v1/patients/{id}/notes?limit=100")),
            (
                "assessments",
                format!("/api/v1/patients/{id}/assessments?limit=100"),
            ),
            (
                "medications",
                format!("/api/v1/patients/{id}/medications?include_past=true"),
            ),
            (
                "therapy_sessions",
                format!("/api/v1/patients/{id}/therapy-sessions"),
            ),
            ("homework", format!("/api/v1/patients/{id}/homework")),
            (
                "imaging_studies",
                format!("/api/v1/patients/{id}/imaging-studies"),
            ),
            ("appointments", appointments),
            (
                "access_grants",
                format!("/api/v1/patients/{id}/access-grants"),
            ),
        ];
        for (part, path) in parts.clone() {
            match api_list(app, &path, token).await {
                Some(items) => {
                    assert_eq!(
                        ids(&record[part]),
                        ids(&items),
                        "{part} as {who}: the export and the API disagree"
                    );
                    assert!(!withheld.contains(part), "{part} as {who}");
                }
                None => {
                    assert!(
                        record.get(part).is_none(),
                        "{part} as {who}: the API refuses it, the export must not hold it"
                    );
                    assert!(
                        withheld.contains(part),
                        "{part} as {who} is named as withheld"
                    );
                }
            }
        }
        // Parts whose items are shaped otherwise in the export: their ids, found where each
        // side keeps them.
        let shaped = [
            (
                "documents",
                &["document", "id"][..],
                format!("/api/v1/patients/{id}/documents?limit=100"),
                &["id"][..],
            ),
            (
                "correspondence",
                &["id"][..],
                format!("/api/v1/patients/{id}/correspondence?limit=100"),
                &["id"][..],
            ),
            (
                "messages",
                &["thread", "id"][..],
                format!("/api/v1/messages/threads?patient_id={id}&limit=100"),
                &["id"][..],
            ),
            (
                "care_team",
                &["user_id"][..],
                format!("/api/v1/patients/{id}/care-team"),
                &["user_id"][..],
            ),
        ];
        for (part, in_export, path, in_api) in shaped {
            match api_list(app, &path, token).await {
                Some(items) => {
                    let listed = ids_at(&items, in_api);
                    assert!(!listed.is_empty(), "{part} as {who}: nothing to compare");
                    assert_eq!(
                        ids_at(&record[part], in_export),
                        listed,
                        "{part} as {who}: the export and the API disagree"
                    );
                }
                None => assert!(
                    record.get(part).is_none() && withheld.contains(part),
                    "{part} as {who}: the API refuses it, the export must not hold it"
                ),
            }
        }
        // Consents are the same, decision by decision.
        let consents = api_list(app, &format!("/api/v1/patients/{id}/consents"), token)
            .await
            .unwrap();
        assert_eq!(record["consents"], consents, "consents as {who}");
        // Readings: the export's CSV holds the lines the API's own export gives.
        let res = app
            .get(
                &format!("/api/v1/patients/{id}/observations/export?metric=weight"),
                token,
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let api_csv = res.text().await.unwrap();
        let exported = file_of(app, &id, token, "observations.csv").await;
        let lines = |t: &str| {
            t.lines()
                .skip(1)
                .map(str::to_owned)
                .collect::<BTreeSet<_>>()
        };
        assert_eq!(lines(&exported).len(), 3, "as {who}");
        assert_eq!(lines(&exported), lines(&api_csv), "observations as {who}");
        // Field by field too: what a reader sees of an appointment is the same both ways.
        let listed = api_list(app, &parts[6].1, token).await.unwrap();
        assert_eq!(
            record["appointments"][0]["notes"], listed[0]["notes"],
            "as {who}"
        );
    }

    // The patient's export has no working notes or drafts anywhere in it.
    let res = app
        .get(&format!("/api/v1/patients/{id}/export"), &patient.token)
        .await;
    let bytes = res.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut everything = String::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut s = String::new();
        let _ = f.read_to_string(&mut s);
        everything.push_str(&s);
    }
    for hidden in [
        "Working notes for the clinician",
        "Thinking.",
        "Prefers mornings",
    ] {
        assert!(
            !everything.contains(hidden),
            "{hidden:?} is in the patient's export"
        );
    }
}
