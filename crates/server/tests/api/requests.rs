//! Requests about data: a correction reaches staff and is answered; erasure anonymises what it
//! may, keeps the health record it must, and says which.

use api_types::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::notes::clinic;

#[tokio::test]
async fn a_correction_request_reaches_staff_and_the_patient_sees_the_answer() {
    let c = clinic().await;
    let path = format!("/api/v1/patients/{}/data-requests", c.patient_id);
    let res = c
        .app
        .post(&path, Some(&c.patient.token), json!({"kind": "rectification", "details": "My surname is Okafor-Bello since my marriage."}))
        .await;
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{}",
        res.text().await.unwrap()
    );
    let request: Value = res.json().await.unwrap();
    assert_eq!(request["by_patient"], true);
    // The administrators are told, without the details.
    let outbox = c.app.outbox(&c.admin.token).await;
    let told = outbox
        .iter()
        .find(|m| {
            m["subject"]
                .as_str()
                .unwrap_or_default()
                .contains("request about their data")
        })
        .expect("an email to the administrators");
    assert!(!told["body"].as_str().unwrap().contains("Okafor-Bello"));

    // Reception has it in the queue, answers it; the patient reads the answer.
    let reception = c.app.user(Role::Receptionist).await;
    let queue: Vec<Value> = c
        .app
        .get("/api/v1/data-requests", &reception.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0]["patient_name"], "Ada Okafor");
    let res = c.app.get("/api/v1/data-requests", &c.patient.token).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = c
        .app
        .post(
            &format!(
                "/api/v1/data-requests/{}/resolve",
                request["id"].as_str().unwrap()
            ),
            Some(&reception.token),
            json!({"status": "completed", "response": "Surname updated."}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let mine: Vec<Value> = c
        .app
        .get(&path, &c.patient.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine[0]["status"], "completed");
    assert_eq!(mine[0]["response"], "Surname updated.");
    let queue: Vec<Value> = c
        .app
        .get("/api/v1/data-requests", &reception.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(queue.is_empty());
}

#[tokio::test]
async fn erasure_removes_contact_and_access_keeps_the_health_record_and_says_until_when() {
    let c = clinic().await;
    let note = c.draft("Kept", "<p>Retained</p>").await;
    c.app
        .post(
            &format!("/api/v1/notes/{}/sign", note["id"].as_str().unwrap()),
            Some(&c.practitioner.token),
            json!({}),
        )
        .await;
    let res = c
        .app
        .post(
            &format!("/api/v1/patients/{}/data-requests", c.patient_id),
            Some(&c.patient.token),
            json!({"kind": "erasure", "details": "Please delete my data."}),
        )
        .await;
    let request: Value = res.json().await.unwrap();
    // Only an administrator answers an erasure request; the preview says what will happen.
    let reception = c.app.user(Role::Receptionist).await;
    let resolve = format!(
        "/api/v1/data-requests/{}/resolve",
        request["id"].as_str().unwrap()
    );
    let answer = json!({"status": "completed", "response": "Erased as far as the law allows."});
    let res = c
        .app
        .post(&resolve, Some(&reception.token), answer.clone())
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let preview: Value = c
        .app
        .get(
            &format!("/api/v1/patients/{}/erasure", c.patient_id),
            &c.admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(preview["erased_at"].is_null());
    assert!(preview["kept"][0]["why"]
        .as_str()
        .unwrap()
        .contains("7 years"));
    let res = c.app.post(&resolve, Some(&c.admin.token), answer).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );

    // Contact details are gone, the name and the record stay, out of search.
    let p: Value = c
        .app
        .get(
            &format!("/api/v1/patients/{}", c.patient_id),
            &c.admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(p["email"].is_null() && p["phone_numbers"].as_array().unwrap().is_empty());
    assert_eq!(p["last_name"], "Okafor");
    assert!(p["archived_at"].is_string());
    let found: Value = c
        .app
        .get("/api/v1/patients?q=Okafor&status=all", &c.admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["total"], 0);
    let notes: Value = c
        .app
        .get(
            &format!("/api/v1/patients/{}/notes", c.patient_id),
            &c.practitioner.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(notes["total"], 1, "the health record is kept");
    // The portal account no longer works; optional consents read as withdrawn.
    let res = c.app.get("/api/v1/auth/me", &c.patient.token).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let consents: Vec<Value> = c
        .app
        .get(
            &format!("/api/v1/patients/{}/consents", c.patient_id),
            &c.admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(consents
        .iter()
        .filter(|k| k["kind"] != "data_processing")
        .all(|k| k["given"] == false));
    // Erasure by a practitioner is refused.
    let res = c
        .app
        .send(
            Method::POST,
            &format!("/api/v1/patients/{}/erasure", c.patient_id),
            Some(&c.practitioner.token),
            Some(json!({"reason": "x"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}
