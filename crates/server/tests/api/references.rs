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

/// A file still arriving when its draft is signed does not slip onto the signed note without an
/// amendment: the note, read before the file came, is checked again as the file is stored.
#[tokio::test]
async fn a_file_still_arriving_when_its_draft_is_signed_is_refused_not_slipped_in() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let c = clinic().await;
    let note = c.draft("Wound review", "<p>Healing well.</p>").await;
    let id = note["id"].as_str().unwrap();
    // The upload starts: the request is read and the note opened, and the file trickles in.
    let content = b"Photo of the wound, arriving slowly over a poor connection";
    let host = c.app.address.trim_start_matches("http://").to_owned();
    let mut upload = tokio::net::TcpStream::connect(&host).await.unwrap();
    let head = format!(
        "POST /api/v1/notes/{id}/attachments?filename=photo.txt HTTP/1.1\r\nHost: {host}\r\n\
         Authorization: Bearer {}\r\nContent-Type: application/octet-stream\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        c.practitioner.token,
        content.len()
    );
    upload.write_all(head.as_bytes()).await.unwrap();
    upload.write_all(&content[..12]).await.unwrap();
    upload.flush().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    // Meanwhile the author signs the draft.
    let res = c
        .app
        .post(
            &format!("/api/v1/notes/{id}/sign"),
            Some(&c.practitioner.token),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // The rest of the file arrives.
    upload.write_all(&content[12..]).await.unwrap();
    let mut answer = String::new();
    upload.read_to_string(&mut answer).await.unwrap();
    let status = answer
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    assert_eq!(status, "409", "{answer}");
    let after: Value = c
        .app
        .get(&format!("/api/v1/notes/{id}"), &c.practitioner.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["status"], "signed");
    assert_eq!(after["versions"].as_array().unwrap().len(), 1);
    assert_eq!(
        after["attachments"],
        json!([]),
        "no file on the signed note"
    );
}

/// A therapy session links only to its own patient's appointment, and homework only to its own
/// patient's session: another patient's id is refused as one that does not exist is.
#[tokio::test]
async fn a_session_and_homework_link_only_to_their_own_patients_records() {
    let p = practice_with(TestApp::spawn().await).await;
    let theirs = p.book_ok(p.booking(&at(next(Weekday::Mon), "09:00"))).await;
    let session = |appointment: Value| {
        json!({"session_date": "2026-01-05", "goals": "Sleep", "interventions": "CBT-I",
               "progress": "Early days", "appointment_id": appointment})
    };
    let res = p
        .app
        .post(
            &format!("/api/v1/patients/{}/therapy-sessions", p.patient_id),
            Some(&p.admin.token),
            session(theirs["id"].clone()),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{}",
        res.text().await.unwrap()
    );
    let their_session: Value = res.json().await.unwrap();
    let other = p
        .app
        .create_patient(&p.admin.token, patient_body("Ola", "Other"))
        .await;
    let other_id = other["id"].as_str().unwrap();
    let refused = |res: reqwest::Response, field: &'static str| async move {
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["errors"][0]["field"], field, "{body}");
    };
    for appointment in [theirs["id"].clone(), json!(Uuid::now_v7())] {
        let res = p
            .app
            .post(
                &format!("/api/v1/patients/{other_id}/therapy-sessions"),
                Some(&p.admin.token),
                session(appointment),
            )
            .await;
        refused(res, "appointment_id").await;
    }
    // Nor can a session of the other patient's be moved onto it.
    let res = p
        .app
        .post(
            &format!("/api/v1/patients/{other_id}/therapy-sessions"),
            Some(&p.admin.token),
            session(Value::Null),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let own: Value = res.json().await.unwrap();
    let res = p
        .app
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/therapy-sessions/{}", own["id"].as_str().unwrap()),
            Some(&p.admin.token),
            Some(session(theirs["id"].clone())),
        )
        .await;
    refused(res, "appointment_id").await;
    for session_id in [their_session["id"].clone(), json!(Uuid::now_v7())] {
        let res = p
            .app
            .post(
                &format!("/api/v1/patients/{other_id}/homework"),
                Some(&p.admin.token),
                json!({"title": "Sleep diary", "due_date": "2099-01-01", "session_id": session_id}),
            )
            .await;
        refused(res, "session_id").await;
    }
    let res = p
        .app
        .post(
            &format!("/api/v1/patients/{other_id}/homework"),
            Some(&p.admin.token),
            json!({"title": "Sleep diary", "due_date": "2099-01-01", "session_id": own["id"]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
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
