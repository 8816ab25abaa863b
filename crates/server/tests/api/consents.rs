//! Consents given and withdrawn (and the messages that respect them), and the patient's view of
//! who has seen their record.

use api_types::Role;
use chrono::{Duration, Utc, Weekday};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{patient_body, TestApp};
use crate::scheduling::{at, next, practice_with};

#[tokio::test]
async fn consents_have_defaults_and_keep_every_decision() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let reception = app.user(Role::Receptionist).await;
    let p = app
        .create_patient(&admin.token, patient_body("Cora", "Sent"))
        .await;
    let id = p["id"].as_str().unwrap();
    let patient = app
        .user_for_patient(Role::Patient, Some(id.parse::<Uuid>().unwrap()))
        .await;
    let path = format!("/api/v1/patients/{id}/consents");
    let list: Vec<Value> = app.get(&path, &patient.token).await.json().await.unwrap();
    let given = |list: &[Value], kind: &str| -> (bool, bool) {
        let c = list.iter().find(|c| c["kind"] == kind).unwrap();
        (
            c["given"].as_bool().unwrap(),
            c["is_default"].as_bool().unwrap(),
        )
    };
    // Care and contact are implied; AI analysis and research need a yes.
    assert_eq!(given(&list, "data_processing"), (true, true));
    assert_eq!(given(&list, "sms_contact"), (true, true));
    assert_eq!(given(&list, "ai_analysis"), (false, true));
    assert_eq!(given(&list, "research"), (false, true));

    // The patient says yes to research in the portal; reception records an SMS opt-out.
    let res = app
        .send(
            Method::PUT,
            &format!("{path}/research"),
            Some(&patient.token),
            Some(json!({"given": true})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let research: Value = res.json().await.unwrap();
    assert_eq!(research["given"], true);
    assert_eq!(research["history"][0]["source"], "patient");
    app.send(
        Method::PUT,
        &format!("{path}/sms_contact"),
        Some(&reception.token),
        Some(json!({"given": false})),
    )
    .await;
    // Then withdraws research again: both decisions are kept, newest first.
    app.send(
        Method::PUT,
        &format!("{path}/research"),
        Some(&patient.token),
        Some(json!({"given": false})),
    )
    .await;
    let list: Vec<Value> = app.get(&path, &reception.token).await.json().await.unwrap();
    assert_eq!(given(&list, "sms_contact"), (false, false));
    let research = list.iter().find(|c| c["kind"] == "research").unwrap();
    assert_eq!(research["given"], false);
    let history: Vec<bool> = research["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["given"].as_bool().unwrap())
        .collect();
    assert_eq!(history, [false, true]);
    let sms = list.iter().find(|c| c["kind"] == "sms_contact").unwrap();
    assert_eq!(sms["history"][0]["source"], "staff");
    assert_eq!(sms["history"][0]["recorded_by"], reception.id.to_string());
    // Unknown kinds do not exist.
    let res = app
        .send(
            Method::PUT,
            &format!("{path}/marketing"),
            Some(&admin.token),
            Some(json!({"given": true})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn appointment_messages_respect_contact_consents() {
    let p = practice_with(TestApp::spawn().await).await;
    let monday = next(Weekday::Mon);
    let path = format!("/api/v1/patients/{}/consents/sms_contact", p.patient_id);
    let res = p
        .app
        .send(
            Method::PUT,
            &path,
            Some(&p.reception.token),
            Some(json!({"given": false})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    p.book_ok(p.booking(&at(monday, "09:00"))).await;
    let outbox = p.app.outbox(&p.admin.token).await;
    assert!(outbox.iter().any(|m| m["channel"] == "email"));
    assert!(
        !outbox.iter().any(|m| m["channel"] == "sms"),
        "no SMS once the patient has withdrawn consent to SMS"
    );
    // Consent to email withdrawn too: nothing at all for the next booking.
    p.app
        .send(
            Method::PUT,
            &path.replace("sms_contact", "email_contact"),
            Some(&p.reception.token),
            Some(json!({"given": false})),
        )
        .await;
    let before = p.app.outbox(&p.admin.token).await.len();
    p.book_ok(p.booking(&at(monday, "11:00"))).await;
    assert_eq!(p.app.outbox(&p.admin.token).await.len(), before);
}

#[tokio::test]
async fn a_patient_sees_who_has_seen_their_record() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let nurse = app.user(Role::Nurse).await;
    let p = app
        .create_patient(&admin.token, patient_body("Ida", "Watch"))
        .await;
    let id = p["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/patients/{id}/care-team"),
        Some(&admin.token),
        json!({"user_id": nurse.id}),
    )
    .await;
    let reading = json!({"metric": "weight", "value": 70.5, "effective_at": (Utc::now() - Duration::hours(1)).to_rfc3339()});
    let res = app
        .post(
            &format!("/api/v1/patients/{id}/observations"),
            Some(&nurse.token),
            reading,
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    app.get(
        &format!("/api/v1/patients/{id}/observations?metric=weight"),
        &nurse.token,
    )
    .await;
    let patient = app
        .user_for_patient(Role::Patient, Some(id.parse::<Uuid>().unwrap()))
        .await;
    let log: Value = app
        .get(&format!("/api/v1/patients/{id}/access-log"), &patient.token)
        .await
        .json()
        .await
        .unwrap();
    let items = log["items"].as_array().unwrap();
    let seen = items
        .iter()
        .find(|a| a["action"] == "observation.read")
        .expect("the nurse's reading of the chart is listed");
    assert_eq!(seen["what"], "Viewed your health readings");
    assert_eq!(seen["role"], "nurse");
    assert!(!seen["who"].as_str().unwrap().is_empty());
    assert!(items.iter().any(|a| a["action"] == "patient.create"));
    // Another patient's log does not exist for them; staff other than auditors cannot read it.
    let other = app
        .create_patient(&admin.token, patient_body("Other", "One"))
        .await;
    let res = app
        .get(
            &format!(
                "/api/v1/patients/{}/access-log",
                other["id"].as_str().unwrap()
            ),
            &patient.token,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = app
        .get(&format!("/api/v1/patients/{id}/access-log"), &nurse.token)
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app
        .get(&format!("/api/v1/patients/{id}/access-log"), &admin.token)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_patient_downloads_all_their_data_in_one_archive() {
    let p = practice_with(TestApp::spawn().await).await;
    let monday = next(Weekday::Mon);
    p.book_ok(p.booking(&at(monday, "09:00"))).await;
    let id: Uuid = p.patient_id.parse().unwrap();
    let patient = p.app.user_for_patient(Role::Patient, Some(id)).await;
    p.app
        .post(
            &format!("/api/v1/patients/{id}/assessments"),
            Some(&patient.token),
            json!({"instrument": "gad7", "answers": [1, 1, 1, 1, 1, 1, 1]}),
        )
        .await;
    let res = p
        .app
        .get(&format!("/api/v1/patients/{id}/export"), &patient.token)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/zip");
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("carebase-record-"));
    let bytes = res.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut names: Vec<String> = zip.file_names().map(str::to_owned).collect();
    names.sort();
    assert_eq!(names, ["README.txt", "observations.csv", "record.json"]);
    let mut json = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("record.json").unwrap(), &mut json).unwrap();
    let record: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(record["format"], "carebase-patient-export/1");
    assert_eq!(record["patient"]["details"]["first_name"], "Mia");
    assert_eq!(record["appointments"].as_array().unwrap().len(), 1);
    assert_eq!(record["assessments"][0]["score"], 7);
    assert_eq!(record["consents"].as_array().unwrap().len(), 6);
    assert!(record["record_accesses"]["total"].as_u64().unwrap() > 0);

    // Reception cannot export; another patient's export does not exist for them.
    let res = p
        .app
        .get(&format!("/api/v1/patients/{id}/export"), &p.reception.token)
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let other = p.another_patient("Else").await;
    let res = p
        .app
        .get(&format!("/api/v1/patients/{other}/export"), &patient.token)
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // The export is audited.
    let audit: Value = p
        .app
        .get(
            &format!("/api/v1/audit-events?action=patient.export&patient_id={id}"),
            &p.admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit["total"], 1);
}
