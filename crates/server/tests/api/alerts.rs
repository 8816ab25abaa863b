//! Alerts for critical readings stay in proportion: one open alert per patient and measurement,
//! whatever the number of readings, and at most one email to the care team per patient per hour.

use api_types::Role;
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{patient_body, TestApp};

#[tokio::test]
async fn thousands_of_critical_readings_raise_one_alert_and_one_email() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let nurse = app.user(Role::Nurse).await;
    let p = app
        .create_patient(&admin.token, patient_body("Ruth", "Lane"))
        .await;
    let id = p["id"].as_str().unwrap();
    let res = app
        .post(
            &format!("/api/v1/patients/{id}/care-team"),
            Some(&admin.token),
            json!({"user_id": nurse.id}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let start = Utc::now() - Duration::days(3);
    let batch = |from: i64, n: i64| -> Value {
        (0..n)
            .map(|i| {
                json!({"metric": "spo2", "value": 82,
                       "effective_at": (start + Duration::seconds((from + i) * 60)).to_rfc3339()})
            })
            .collect()
    };
    let res = app
        .post(
            &format!("/api/v1/patients/{id}/observations"),
            Some(&admin.token),
            batch(0, 3000),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    let res = app
        .post(
            &format!("/api/v1/patients/{id}/observations"),
            Some(&admin.token),
            batch(3000, 500),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    let alerts: Value = app
        .get(&format!("/api/v1/alerts?patient_id={id}"), &nurse.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(alerts["total"], 1, "one open alert for the measurement");
    assert_eq!(alerts["items"][0]["readings"], 3500);
    assert_eq!(alerts["items"][0]["metric"], "spo2");
    let emails = app
        .delivered()
        .await
        .into_iter()
        .filter(|m| m["recipient"] == nurse.email.as_str())
        .count();
    assert_eq!(emails, 1, "one notice, not one per reading or per request");

    // Once acknowledged, the next critical reading opens a new alert; the email waits out the
    // hour since the last one (the alert is on the dashboard meanwhile).
    let alert_id = alerts["items"][0]["id"].as_str().unwrap();
    let res = app
        .post(
            &format!("/api/v1/alerts/{alert_id}/acknowledge"),
            Some(&nurse.token),
            json!({"note": "Called the patient; oximeter on cold fingers."}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    app.post(
        &format!("/api/v1/patients/{id}/observations"),
        Some(&admin.token),
        batch(4000, 1),
    )
    .await;
    let open: Value = app
        .get(&format!("/api/v1/alerts?patient_id={id}"), &nurse.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(open["total"], 1);
    assert_eq!(open["items"][0]["readings"], 1);
    let emails = app
        .delivered()
        .await
        .into_iter()
        .filter(|m| m["recipient"] == nurse.email.as_str())
        .count();
    assert_eq!(emails, 1);
}

#[tokio::test]
async fn simultaneous_batches_share_one_open_alert() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let p = app
        .create_patient(&admin.token, patient_body("Omar", "Said"))
        .await;
    let id = p["id"].as_str().unwrap();
    let start = Utc::now() - Duration::days(1);
    let path = format!("/api/v1/patients/{id}/observations");
    let posts = (0..6).map(|k| {
        let body: Value = (0..50)
            .map(|i| {
                json!({"metric": "heart_rate", "value": 190,
                       "effective_at": (start + Duration::seconds(k * 1000 + i)).to_rfc3339()})
            })
            .collect();
        app.post(&path, Some(&admin.token), body)
    });
    let answers = futures_util::future::join_all(posts).await;
    assert!(answers.iter().all(|r| r.status() == StatusCode::OK));
    let alerts: Value = app
        .get(&format!("/api/v1/alerts?patient_id={id}"), &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(alerts["total"], 1);
    assert_eq!(alerts["items"][0]["readings"], 300);
}

/// The hour's window of critical-reading emails is theirs alone: an answer that may mean the
/// patient is at risk (PHQ-9 item 9) is emailed at once, after a critical reading and again
/// after an earlier urgent answer.
#[tokio::test]
async fn an_urgent_answer_is_emailed_even_just_after_a_critical_reading_was() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let nurse = app.user(Role::Nurse).await;
    let p = app
        .create_patient(&admin.token, patient_body("Ines", "Brook"))
        .await;
    let id = p["id"].as_str().unwrap();
    let res = app
        .post(
            &format!("/api/v1/patients/{id}/care-team"),
            Some(&admin.token),
            json!({"user_id": nurse.id}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let emails = || async {
        app.delivered()
            .await
            .into_iter()
            .filter(|m| m["recipient"] == nurse.email.as_str())
            .map(|m| m["subject"].as_str().unwrap_or_default().to_owned())
            .collect::<Vec<_>>()
    };
    let res = app
        .post(
            &format!("/api/v1/patients/{id}/observations"),
            Some(&admin.token),
            json!({"metric": "spo2", "value": 82,
                   "effective_at": (Utc::now() - Duration::minutes(5)).to_rfc3339()}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(emails().await.len(), 1, "the critical reading's email");
    for round in 1..=2 {
        let res = app
            .post(
                &format!("/api/v1/patients/{id}/assessments"),
                Some(&admin.token),
                json!({"instrument": "phq9", "answers": [0, 1, 0, 0, 0, 0, 0, 0, 1]}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let sent = emails().await;
        assert_eq!(
            sent.len(),
            1 + round,
            "urgent answer {round} is emailed: {sent:?}"
        );
        assert_eq!(
            sent.iter().filter(|s| s.contains("urgent")).count(),
            round,
            "{sent:?}"
        );
    }
}
