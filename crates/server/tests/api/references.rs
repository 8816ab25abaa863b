//! What a request names and sends is checked before it is taken: references to other records
//! (existence, the same patient), a signed note's files (only by amendment), a range's reason,
//! and who may write to a record before a large body is read.

use chrono::Weekday;
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{patient_body, TestApp};
use crate::notes::clinic;
use crate::scheduling::{at, next, practice_with};

#[tokio::test]
async fn a_questionnaire_links_only_to_its_own_patients_appointment() {
    let p = practice_with(TestApp::spawn().await).await;
    let theirs = p.book_ok(p.booking(&at(next(Weekday::Mon), "09:00"))).await;
    let other = p
        .app
        .create_patient(&p.admin.token, patient_body("Ola", "Other"))
        .await;
    let other_id = other["id"].as_str().unwrap();
    let path = format!("/api/v1/patients/{other_id}/assessments");
    let answers = json!([0, 1, 0, 1, 0, 1, 0]);
    for appointment in [json!(theirs["id"]), json!(Uuid::now_v7())] {
        let res = p
            .app
            .post(
                &path,
                Some(&p.admin.token),
                json!({"instrument": "gad7", "answers": answers, "appointment_id": appointment}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["errors"][0]["field"], "appointment_id");
    }
    let own = format!("/api/v1/patients/{}/assessments", p.patient_id);
    let res = p
        .app
        .post(
            &own,
            Some(&p.admin.token),
            json!({"instrument": "gad7", "answers": answers, "appointment_id": theirs["id"]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_file_added_to_a_signed_note_is_an_amendment_with_its_reason() {
    let c = clinic().await;
    let note = c.draft("Wound review", "<p>Healing well.</p>").await;
    let id = note["id"].as_str().unwrap();
    let res = c
        .app
        .post(
            &format!("/api/v1/notes/{id}/sign"),
            Some(&c.practitioner.token),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let path = format!("/api/v1/notes/{id}/attachments?filename=photo.txt");
    let res = c
        .upload(&path, &c.nurse.token, b"Photo of the wound".to_vec())
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["field"], "reason");
    let res = c
        .upload(
            &format!("{path}&reason=Photo%20taken%20at%20the%20visit"),
            &c.nurse.token,
            b"Photo of the wound".to_vec(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let after: Value = c
        .app
        .get(&format!("/api/v1/notes/{id}"), &c.practitioner.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["status"], "amended");
    assert_eq!(after["versions"].as_array().unwrap().len(), 2);
    let reasons: Vec<&str> = after["versions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v["reason"].as_str())
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("photo.txt") && r.contains("Photo taken at the visit")),
        "{reasons:?}"
    );
    assert_eq!(after["attachments"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_practitioners_range_for_a_patient_needs_its_reason() {
    let c = clinic().await;
    let path = format!("/api/v1/patients/{}/target-ranges", c.patient_id);
    let res = c
        .app
        .send(
            reqwest::Method::PUT,
            &path,
            Some(&c.practitioner.token),
            Some(json!({"conditions": [], "overrides": [
                {"metric": "heart_rate", "low": 45, "high": 85}]})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["field"], "overrides[0].note");
    let res = c
        .app
        .send(
            reqwest::Method::PUT,
            &path,
            Some(&c.practitioner.token),
            Some(json!({"conditions": [], "overrides": [
                {"metric": "heart_rate", "low": 45, "high": 85, "note": "Marathon runner"}]})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let ranges: Value = res.json().await.unwrap();
    let hr = ranges["ranges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["metric"] == "heart_rate")
        .unwrap();
    assert_eq!(hr["reference"], "Marathon runner");
}

#[tokio::test]
async fn who_may_add_readings_is_settled_before_a_large_body_is_read() {
    let c = clinic().await;
    let other = c
        .app
        .create_patient(&c.admin.token, patient_body("Nell", "Other"))
        .await;
    // Another patient's record, sent ten megabytes of something that is not even JSON.
    let junk = vec![b'['; 10 * 1024 * 1024];
    let started = std::time::Instant::now();
    let res = c
        .app
        .client
        .post(c.app.url(&format!(
            "/api/v1/patients/{}/observations",
            other["id"].as_str().unwrap()
        )))
        .bearer_auth(&c.patient.token)
        .header("content-type", "application/json")
        .body(junk)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "refused for whose record it is, not for what was sent"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}
