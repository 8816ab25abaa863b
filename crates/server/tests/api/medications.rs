//! Medications, prescriptions and adherence; therapy sessions and homework.

use api_types::Role;
use chrono::{Duration, Utc};
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};

use crate::helpers::problem_code;
use crate::notes::clinic;

fn metformin() -> Value {
    json!({
        "name": "Metformin", "strength": "500 mg", "dose": "1 tablet", "route": "oral",
        "frequency": "twice a day with meals", "doses_per_day": 2,
        "start_date": (Utc::now() - Duration::days(10)).date_naive(), "status": "active",
        "reason": "Type 2 diabetes"
    })
}

#[tokio::test]
async fn a_practitioner_prescribes_and_the_patient_records_doses_counted_as_adherence() {
    let c = clinic().await;
    let path = format!("/api/v1/patients/{}/medications", c.patient_id);
    let res = c.app.post(&path, Some(&c.patient.token), metformin()).await;
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "patients do not add to their list"
    );
    let res = c.app.post(&path, Some(&c.nurse.token), metformin()).await;
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{}",
        res.text().await.unwrap()
    );
    let med: Value = res.json().await.unwrap();
    let id = med["id"].as_str().unwrap().to_owned();
    assert_eq!(med["adherence"]["rate"], 0.0, "nothing taken yet");

    // Nurses keep the list; only practitioners prescribe.
    let script = json!({"quantity": "60 tablets", "repeats": 5, "instructions": "With food"});
    let res = c
        .app
        .post(
            &format!("/api/v1/medications/{id}/prescriptions"),
            Some(&c.nurse.token),
            script.clone(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = c
        .app
        .post(
            &format!("/api/v1/medications/{id}/prescriptions"),
            Some(&c.practitioner.token),
            script,
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let med: Value = res.json().await.unwrap();
    assert_eq!(med["prescriber_id"], c.practitioner.id.to_string());
    assert_eq!(med["prescriptions"][0]["repeats"], 5);
    assert_eq!(med["prescriptions"][0]["status"], "issued");

    // The patient records today's doses: one taken, one missed.
    let doses = format!("/api/v1/medications/{id}/doses");
    for taken in [true, false] {
        let res = c
            .app
            .post(
                &doses,
                Some(&c.patient.token),
                json!({"taken": taken, "note": if taken { "" } else { "Forgot at lunch" }}),
            )
            .await;
        assert_eq!(
            res.status(),
            StatusCode::CREATED,
            "{}",
            res.text().await.unwrap()
        );
    }
    let res = c
        .app
        .post(
            &doses,
            Some(&c.patient.token),
            json!({"taken": true, "at": Utc::now() + Duration::days(1)}),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "not a dose still to come"
    );
    let adherence: Value = c
        .app
        .get(
            &format!("/api/v1/medications/{id}/adherence?days=7"),
            &c.practitioner.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let days = adherence["days"].as_array().unwrap();
    assert_eq!(days.len(), 7);
    let today = days.last().unwrap();
    assert_eq!(
        (
            today["taken"].as_u64(),
            today["missed"].as_u64(),
            today["expected"].as_u64()
        ),
        (Some(1), Some(1), Some(2))
    );
    assert_eq!(adherence["summary"]["taken"], 1);
    // Seven days of two doses expected, one taken.
    let rate = adherence["summary"]["rate"].as_f64().unwrap();
    assert!((rate - 1.0 / 14.0).abs() < 1e-9, "{rate}");
    assert_eq!(adherence["recent"][0]["note"], "Forgot at lunch");
    assert_eq!(adherence["recent"][0]["by_patient"], true);

    // Stopping it takes it off the current list; it stays in the history.
    let mut stopped = metformin();
    stopped["status"] = json!("stopped");
    stopped["end_date"] = json!(Utc::now().date_naive());
    let res = c
        .app
        .send(
            Method::PUT,
            &format!("/api/v1/medications/{id}"),
            Some(&c.practitioner.token),
            Some(stopped),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let current: Vec<Value> = c
        .app
        .get(&path, &c.patient.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(current.is_empty());
    let all: Vec<Value> = c
        .app
        .get(&format!("{path}?include_past=true"), &c.patient.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
    let res = c
        .app
        .post(&doses, Some(&c.patient.token), json!({"taken": true}))
        .await;
    assert_eq!(problem_code(res).await, "conflict");

    // At rest, the name and reason are not readable.
    let db = &c.app.state.db;
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT details_enc FROM medications",
        ))
        .await
        .unwrap()
        .unwrap();
    let stored: String = row.try_get("", "details_enc").unwrap();
    assert!(!stored.contains("Metformin") && !stored.contains("diabetes"));

    // Reception sees none of it.
    let reception = c.app.user(Role::Receptionist).await;
    assert_eq!(
        c.app.get(&path, &reception.token).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn homework_set_in_a_session_is_done_in_the_portal_and_overdue_work_reaches_the_clinician() {
    let c = clinic().await;
    let today = Utc::now().date_naive();
    let res = c
        .app
        .post(
            &format!("/api/v1/patients/{}/therapy-sessions", c.patient_id),
            Some(&c.practitioner.token),
            json!({"session_date": today, "goals": "Sleep through the night", "interventions": "Sleep hygiene; CBT-I",
                   "progress": "Falling asleep faster", "plan": "Review diary next week"}),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{}",
        res.text().await.unwrap()
    );
    let session: Value = res.json().await.unwrap();
    let homework = format!("/api/v1/patients/{}/homework", c.patient_id);
    let res = c
        .app
        .post(
            &homework,
            Some(&c.practitioner.token),
            json!({"title": "Sleep diary", "instructions": "Each morning", "due_date": today + Duration::days(7),
                   "session_id": session["id"]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let diary: Value = res.json().await.unwrap();
    let res = c
        .app
        .post(
            &homework,
            Some(&c.practitioner.token),
            json!({"title": "Late", "due_date": today - Duration::days(1)}),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "not due in the past"
    );
    // One set earlier that is now overdue.
    let res = c
        .app
        .post(
            &homework,
            Some(&c.practitioner.token),
            json!({"title": "Relaxation audio", "due_date": today + Duration::days(2)}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let late: Value = res.json().await.unwrap();
    let db = &c.app.state.db;
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        if c.app.is_postgres() {
            "UPDATE homework_tasks SET due_date = $1 WHERE id = $2"
        } else {
            "UPDATE homework_tasks SET due_date = ? WHERE id = ?"
        },
        [
            (today - Duration::days(3)).into(),
            late["id"]
                .as_str()
                .unwrap()
                .parse::<uuid::Uuid>()
                .unwrap()
                .into(),
        ],
    ))
    .await
    .unwrap();

    // The patient sees both, and marks the diary done with a reflection.
    let mine: Vec<Value> = c
        .app
        .get(&homework, &c.patient.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine.len(), 2);
    let res = c
        .app
        .post(
            &format!(
                "/api/v1/homework/{}/complete",
                diary["id"].as_str().unwrap()
            ),
            Some(&c.patient.token),
            json!({"reflection": "Harder on weekends"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let done: Value = res.json().await.unwrap();
    assert_eq!(done["status"], "done");
    assert_eq!(done["reflection"], "Harder on weekends");

    // The clinician's overdue list has the late one only; an outsider's is empty.
    let overdue: Value = c
        .app
        .get("/api/v1/homework/overdue", &c.practitioner.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(overdue["total"], 1);
    assert_eq!(overdue["items"][0]["title"], "Relaxation audio");
    assert_eq!(overdue["items"][0]["overdue"], true);
    assert_eq!(overdue["items"][0]["patient_name"], "Ada Okafor");
    let outsider = c.app.user(Role::Practitioner).await;
    let theirs: Value = c
        .app
        .get("/api/v1/homework/overdue", &outsider.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["total"], 0);

    // The session lists its homework with the reflection; patients do not read session notes.
    let sessions: Vec<Value> = c
        .app
        .get(
            &format!("/api/v1/patients/{}/therapy-sessions", c.patient_id),
            &c.nurse.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        sessions[0]["homework"][0]["reflection"],
        "Harder on weekends"
    );
    let res = c
        .app
        .get(
            &format!("/api/v1/patients/{}/therapy-sessions", c.patient_id),
            &c.patient.token,
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}
