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

#[tokio::test]
async fn an_erased_patient_stays_erased_whatever_anyone_tries() {
    let app = crate::helpers::TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let reception = app.user(Role::Receptionist).await;
    let practitioner = app.user(Role::Practitioner).await;
    let p = app
        .create_patient(
            &reception.token,
            crate::helpers::patient_body("Iris", "Vance"),
        )
        .await;
    let id = p["id"].as_str().unwrap().to_owned();
    // A portal invitation is waiting, sent by an administrator.
    let res = app
        .post(
            &format!("/api/v1/patients/{id}/portal-invitation"),
            Some(&admin.token),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let token = crate::helpers::token_from(
        app.message_to("iris.vance@example.com").await["body"]
            .as_str()
            .unwrap(),
    );
    let res = app.erase(&admin.token, &id).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    let erased: Value = app
        .get(&format!("/api/v1/patients/{id}"), &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(erased["erased_at"].is_string());
    let version = erased["version"].as_i64().unwrap();

    let refused = |res: reqwest::Response, what: &'static str| async move {
        let status = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        assert!(
            status == StatusCode::CONFLICT && body["code"] == "patient_erased",
            "{what}: {status} {body}"
        );
    };
    // The invitation sent before no longer opens an account.
    let res = app
        .post(
            "/api/v1/auth/invitations/accept",
            None,
            json!({"token": token, "password": "Saffron-Lighthouse-42"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // Nobody brings the record back, changes it, or opens it to anyone new.
    let attempts: Vec<(Method, String, &str, Value, &'static str)> = vec![
        (
            Method::POST,
            format!("/api/v1/patients/{id}/restore"),
            &reception.token,
            json!({}),
            "restore",
        ),
        (
            Method::PATCH,
            format!("/api/v1/patients/{id}"),
            &reception.token,
            json!({"email": "iris@new.test"}),
            "update",
        ),
        (
            Method::POST,
            format!("/api/v1/patients/{id}/portal-invitation"),
            &admin.token,
            json!({"email": "iris@new.test"}),
            "invite",
        ),
        (
            Method::POST,
            format!("/api/v1/patients/{id}/access-grants"),
            &admin.token,
            json!({"grantee_id": practitioner.id}),
            "share",
        ),
        (
            Method::POST,
            format!("/api/v1/patients/{id}/break-glass"),
            &practitioner.token,
            json!({"reason": "Emergency in the clinic"}),
            "break the glass",
        ),
        (
            Method::POST,
            format!("/api/v1/patients/{id}/care-team"),
            &admin.token,
            json!({"user_id": practitioner.id}),
            "care team",
        ),
        (
            Method::PUT,
            format!("/api/v1/patients/{id}/consents/research"),
            &admin.token,
            json!({"given": true}),
            "consent",
        ),
        (
            Method::POST,
            format!("/api/v1/patients/{id}/notes"),
            &admin.token,
            json!({"note_type": "soap", "title": "New", "body_html": "<p>x</p>"}),
            "new note",
        ),
        (
            Method::POST,
            format!("/api/v1/patients/{id}/observations"),
            &admin.token,
            json!({"metric": "weight", "value": 70, "effective_at": "2026-01-01T00:00:00Z"}),
            "new reading",
        ),
        (
            Method::POST,
            format!("/api/v1/patients/{id}/erasure"),
            &admin.token,
            json!({"reason": "Again"}),
            "erase twice",
        ),
    ];
    for (method, path, token, body, what) in attempts {
        let mut req = app
            .client
            .request(method, app.url(&path))
            .bearer_auth(token)
            .json(&body);
        if what == "restore" || what == "update" {
            req = req.header("If-Match", format!("\"{version}\""));
        }
        refused(req.send().await.unwrap(), what).await;
    }
    // The portal account (none here) cannot be reactivated either: covered by the account's
    // own test. The record stays out of search.
    let found: Value = app
        .get("/api/v1/patients?q=Vance&status=all", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["total"], 0);
}

/// Changes an erased record may still take: each closes something or changes nothing, or is a
/// request the patient may still make about what the law keeps; none adds to it or reopens it.
const CLOSING_AFTER_ERASURE: &[(&str, &str, &str)] = &[
    ("POST", "/api/v1/patients", "a new patient, not this record"),
    (
        "DELETE",
        "/api/v1/invitations/{id}",
        "withdrawing an invitation closes it",
    ),
    (
        "DELETE",
        "/api/v1/access-grants/{id}",
        "revoking a grant closes access",
    ),
    (
        "DELETE",
        "/api/v1/patients/{id}/care-team/{user_id}",
        "leaving the care team closes access",
    ),
    (
        "POST",
        "/api/v1/data-requests/{id}/resolve",
        "the practice answers the patient's request",
    ),
    (
        "POST",
        "/api/v1/patients/{id}/data-requests",
        "the patient keeps their rights over what the law keeps (to see it, to correct it)",
    ),
    (
        "DELETE",
        "/api/v1/patients/{id}",
        "archived at erasure: archiving again changes nothing",
    ),
];

/// Every change the API offers on a record, whether its route names the patient or one of the
/// record's own rows (a note, a medication, a session, a study, a questionnaire…), is refused
/// once the patient is erased; only what closes something goes on.
#[tokio::test]
async fn no_route_changes_an_erased_patients_record_not_even_through_one_of_its_rows() {
    use crate::audit_coverage::{Fixture, Kind, OPERATIONS};
    let f = Fixture::new().await;
    let app = &f.p.app;
    let admin = f.p.admin.token.clone();
    let res = app
        .post(
            &format!("/api/v1/patients/{}/erasure", f.patient),
            Some(&admin),
            json!({"reason": "The patient asked in writing."}),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    let writes = OPERATIONS
        .iter()
        .filter(|(m, _, k)| matches!(k, Kind::Record) && !matches!(*m, "GET" | "HEAD"));
    let also = [
        ("POST", "/api/v1/patients/{id}/devices/withings/sync"),
        ("POST", "/api/v1/patients/{id}/calls"),
    ];
    let mut let_through = Vec::new();
    for (method, template) in writes.map(|(m, p, _)| (*m, *p)).chain(also) {
        if CLOSING_AFTER_ERASURE
            .iter()
            .any(|(m, p, _)| *m == method && *p == template)
        {
            continue;
        }
        let (_, path, body) = f.request(method, template);
        // Every change aims at the erased record, as the one caller who may make them all.
        let path = path
            .replace(&f.invitee, &f.patient)
            .replace(&f.erasable, &f.patient);
        let m = Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = app.client.request(m, app.url(&path)).bearer_auth(&admin);
        if template.ends_with("/attachments")
            || template.ends_with("/documents") && method == "POST"
        {
            req = req
                .header("content-type", "application/octet-stream")
                .body("Scanned page");
        } else if let Some(b) = body {
            req = req.json(&b);
        } else if method == "POST" {
            req = req.json(&json!({}));
        }
        if template == "/api/v1/patients/{id}" || template.ends_with("/restore") {
            let current: Value = app
                .get(&format!("/api/v1/patients/{}", f.patient), &admin)
                .await
                .json()
                .await
                .unwrap();
            req = req.header("If-Match", format!("\"{}\"", current["version"]));
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let answer: Value = res.json().await.unwrap_or(Value::Null);
        if !(status == StatusCode::CONFLICT && answer["code"] == "patient_erased") {
            let_through.push(format!("{method} {template}: {status} {answer}"));
        }
    }
    assert!(
        let_through.is_empty(),
        "changes to an erased record not refused with patient_erased: {let_through:#?}"
    );
    // What waits for someone to act on no longer shows the erased record's.
    for list in [
        "/api/v1/alerts",
        "/api/v1/assessments/urgent",
        "/api/v1/homework/overdue",
    ] {
        let page: Value = app.get(list, &admin).await.json().await.unwrap();
        assert!(
            !page.to_string().contains(&f.patient),
            "{list} still shows the erased record: {page}"
        );
    }
}

#[tokio::test]
async fn an_erased_patients_portal_account_cannot_be_reactivated_or_reset() {
    let c = clinic().await;
    let me: Value = c
        .app
        .get("/api/v1/auth/me", &c.patient.token)
        .await
        .json()
        .await
        .unwrap();
    let account = me["id"].as_str().unwrap().to_owned();
    // A reset link asked for before the erasure.
    c.app
        .post(
            "/api/v1/auth/password-reset",
            None,
            json!({"email": c.patient.email}),
        )
        .await;
    let token = crate::helpers::token_from(
        c.app.message_to(&c.patient.email).await["body"]
            .as_str()
            .unwrap(),
    );
    let res = c
        .app
        .post(
            &format!("/api/v1/patients/{}/erasure", c.patient_id),
            Some(&c.admin.token),
            json!({"reason": "The patient asked in writing."}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = c
        .app
        .post(
            "/api/v1/auth/password-reset/confirm",
            None,
            json!({"token": token, "new_password": "Granite-Pelican-Harbour-3"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = c
        .app
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{account}"),
            Some(&c.admin.token),
            Some(json!({"status": "active"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(
        c.app
            .login(&c.patient.email, crate::helpers::PASSWORD)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}
