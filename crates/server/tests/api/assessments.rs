//! Questionnaires through the API: exact scores and bands, the urgent PHQ-9 answer that alerts
//! the care team and waits for review, who may enter and read them, and encryption at rest.

use api_types::Role;
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{patient_body, problem_code, TestApp, TestUser};

struct Clinic {
    app: TestApp,
    admin: TestUser,
    nurse: TestUser,
    patient: TestUser,
    patient_id: String,
}

/// A patient with a portal account and a nurse on their care team.
async fn clinic() -> Clinic {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let nurse = app.user(Role::Nurse).await;
    let p = app
        .create_patient(&admin.token, patient_body("Noor", "Haddad"))
        .await;
    let patient_id = p["id"].as_str().unwrap().to_owned();
    let res = app
        .post(
            &format!("/api/v1/patients/{patient_id}/care-team"),
            Some(&admin.token),
            json!({"user_id": nurse.id}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let patient = app
        .user_for_patient(Role::Patient, Some(patient_id.parse::<Uuid>().unwrap()))
        .await;
    Clinic {
        app,
        admin,
        nurse,
        patient,
        patient_id,
    }
}

impl Clinic {
    fn path(&self) -> String {
        format!("/api/v1/patients/{}/assessments", self.patient_id)
    }

    async fn submit(&self, token: &str, instrument: &str, answers: Value) -> reqwest::Response {
        self.app
            .post(
                &self.path(),
                Some(token),
                json!({"instrument": instrument, "answers": answers}),
            )
            .await
    }

    async fn submit_ok(&self, token: &str, instrument: &str, answers: Value) -> Value {
        let res = self.submit(token, instrument, answers).await;
        assert_eq!(
            res.status(),
            StatusCode::CREATED,
            "{}",
            res.text().await.unwrap()
        );
        res.json().await.unwrap()
    }
}

#[tokio::test]
async fn each_instrument_is_scored_exactly_with_its_band() {
    let c = clinic().await;
    let t = &c.nurse.token;
    let phq = c
        .submit_ok(t, "phq9", json!([1, 1, 1, 1, 1, 2, 2, 1, 0]))
        .await;
    assert_eq!(phq["score"], 10);
    assert_eq!(phq["severity"]["code"], "moderate");
    assert_eq!(phq["max_score"], 27);
    assert_eq!(phq["flags"], json!([]));
    assert_eq!(phq["urgent"], false);
    assert_eq!(phq["source"], "staff");
    let gad = c.submit_ok(t, "gad7", json!([3, 3, 3, 3, 3, 0, 0])).await;
    assert_eq!(gad["score"], 15);
    assert_eq!(gad["severity"]["code"], "severe");
    let k10 = c
        .submit_ok(t, "k10", json!([2, 2, 2, 2, 2, 2, 2, 2, 2, 2]))
        .await;
    assert_eq!(k10["score"], 20);
    assert_eq!(k10["severity"]["code"], "mild");
    let dass = c
        .submit_ok(
            t,
            "dass21",
            json!([0, 1, 2, 1, 2, 0, 1, 0, 1, 2, 0, 0, 2, 0, 1, 1, 1, 0, 1, 1, 0]),
        )
        .await;
    let scales: Vec<(String, u64, String)> = dass["subscales"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["scale"].as_str().unwrap().to_owned(),
                s["score"].as_u64().unwrap(),
                s["severity"]["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    // Depression items 3,5,10,13,16,17,21 = 2+2+2+2+1+1+0 = 10 → 20; anxiety 2,4,7,9,15,19,20
    // = 1+1+1+1+1+1+1 = 7 → 14; stress 1,6,8,11,12,14,18 = 0 → 0.
    assert_eq!(
        scales,
        [
            ("depression".into(), 20, "moderate".into()),
            ("anxiety".into(), 14, "moderate".into()),
            ("stress".into(), 0, "normal".into()),
        ]
    );
    assert_eq!(dass["score"], 34);

    // The history, newest first, filterable by instrument.
    let list: Value = c.app.get(&c.path(), t).await.json().await.unwrap();
    assert_eq!(list["total"], 4);
    assert_eq!(list["items"][0]["instrument"], "dass21");
    let only: Value = c
        .app
        .get(&format!("{}?instrument=phq9", c.path()), t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(only["total"], 1);

    // Wrong answers are refused, naming the item.
    let res = c.submit(t, "phq9", json!([0, 0, 0])).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = c
        .submit(t, "k10", json!([0, 1, 1, 1, 1, 1, 1, 1, 1, 1]))
        .await;
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "answers[0]");
    let res = c.submit(t, "phq12", json!([0])).await;
    assert!(res.status().is_client_error());
}

#[tokio::test]
async fn phq9_item_9_alerts_the_care_team_and_waits_for_review() {
    let c = clinic().await;
    // The patient answers in the portal; a low total, but item 9 is above zero.
    let a = c
        .submit_ok(&c.patient.token, "phq9", json!([0, 1, 0, 0, 0, 0, 0, 0, 1]))
        .await;
    assert_eq!(a["score"], 2);
    assert_eq!(a["severity"]["code"], "minimal");
    assert_eq!(a["urgent"], true);
    assert_eq!(a["source"], "patient");
    assert_eq!(a["flags"][0]["item"], 9);
    assert_eq!(a["flags"][0]["code"], "self_harm_thoughts");

    // The nurse on the care team is emailed, with no health details in the message.
    let outbox = c.app.outbox(&c.admin.token).await;
    let email = outbox
        .iter()
        .find(|m| m["recipient"] == c.nurse.email.as_str())
        .expect("the care team is emailed");
    let body = email["body"].as_str().unwrap();
    assert!(body.contains(&format!("/patients/{}/assessments", c.patient_id)));
    assert!(!body.contains("Noor") && !body.contains("self-harm"));

    // It is in the nurse's review queue, and not in a colleague's who is not on the team.
    let queue: Value = c
        .app
        .get("/api/v1/assessments/urgent", &c.nurse.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(queue["total"], 1);
    assert_eq!(queue["items"][0]["patient_name"], "Noor Haddad");
    let other = c.app.user(Role::Practitioner).await;
    let theirs: Value = c
        .app
        .get("/api/v1/assessments/urgent", &other.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["total"], 0);

    // Reviewing needs a note, takes it off the queue, and happens once.
    let id = a["id"].as_str().unwrap();
    let review = format!("/api/v1/assessments/{id}/review");
    let res = c
        .app
        .post(&review, Some(&c.nurse.token), json!({"note": " "}))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = c
        .app
        .post(&review, Some(&other.token), json!({"note": "Called"}))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = c
        .app
        .post(
            &review,
            Some(&c.nurse.token),
            json!({"note": "Called the patient; safety plan reviewed."}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let reviewed: Value = res.json().await.unwrap();
    assert_eq!(
        reviewed["review"]["note"],
        "Called the patient; safety plan reviewed."
    );
    assert_eq!(reviewed["review"]["reviewed_by"], c.nurse.id.to_string());
    let queue: Value = c
        .app
        .get("/api/v1/assessments/urgent", &c.nurse.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(queue["total"], 0);
    let res = c
        .app
        .post(&review, Some(&c.nurse.token), json!({"note": "Again"}))
        .await;
    assert_eq!(problem_code(res).await, "conflict");
}

#[tokio::test]
async fn only_the_care_team_and_the_patient_see_them_and_answers_are_encrypted() {
    let c = clinic().await;
    let a = c
        .submit_ok(&c.nurse.token, "gad7", json!([2, 2, 2, 2, 2, 2, 2]))
        .await;
    // Reception never sees clinical content; a clinician off the care team is refused.
    let reception = c.app.user(Role::Receptionist).await;
    assert_eq!(
        c.app.get(&c.path(), &reception.token).await.status(),
        StatusCode::FORBIDDEN
    );
    let other = c.app.user(Role::Practitioner).await;
    assert_eq!(
        c.app.get(&c.path(), &other.token).await.status(),
        StatusCode::FORBIDDEN
    );
    // The patient sees their own; another patient's record does not exist for them.
    let own: Value = c
        .app
        .get(&c.path(), &c.patient.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["items"][0]["id"], a["id"]);
    let someone = c
        .app
        .create_patient(&c.admin.token, patient_body("Other", "Person"))
        .await;
    let res = c
        .app
        .get(
            &format!(
                "/api/v1/patients/{}/assessments",
                someone["id"].as_str().unwrap()
            ),
            &c.patient.token,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // The catalogue is there for every signed-in caller.
    let list: Vec<Value> = c
        .app
        .get("/api/v1/assessment-instruments", &c.patient.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.len(), 4);
    assert_eq!(list[0]["items"].as_array().unwrap().len(), 9);

    // Answers are encrypted at rest; reads are audited with the patient.
    let row = c
        .app
        .state
        .db
        .query_one_raw(Statement::from_string(
            c.app.state.db.get_database_backend(),
            "SELECT answers_enc FROM assessments",
        ))
        .await
        .unwrap()
        .unwrap();
    let stored: String = row.try_get("", "answers_enc").unwrap();
    assert!(!stored.contains("[2,2"));
    let audit: Value = c
        .app
        .send(
            Method::GET,
            &format!(
                "/api/v1/audit-events?action=assessment.list&patient_id={}",
                c.patient_id
            ),
            Some(&c.admin.token),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(audit["total"].as_u64().unwrap() >= 1);
}
