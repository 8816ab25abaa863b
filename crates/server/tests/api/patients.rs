use api_types::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{patient_body, problem_code, TestApp};

#[tokio::test]
async fn a_patient_is_created_read_and_updated_with_etags() {
    let app = TestApp::spawn().await;
    let staff = app.user(Role::Receptionist).await;
    let created = app
        .create_patient(&staff.token, patient_body("Margaret", "O'Brien"))
        .await;
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["first_name"], "Margaret");
    assert_eq!(created["version"], 1);
    let res = app
        .get(&format!("/api/v1/patients/{id}"), &staff.token)
        .await;
    assert_eq!(res.headers()["etag"], "\"1\"");
    let read: Value = res.json().await.unwrap();
    assert_eq!(read["medicare_number"], "2123456701");
    assert_eq!(read["address"]["postcode"], "2042");

    let patch = |etag: &'static str, body: Value| {
        app.client
            .patch(app.url(&format!("/api/v1/patients/{id}")))
            .bearer_auth(&staff.token)
            .header("if-match", etag)
            .json(&body)
            .send()
    };
    let res = patch(
        "\"1\"",
        json!({"preferred_name": "Peggy", "occupation": null}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["etag"], "\"2\"");
    let updated: Value = res.json().await.unwrap();
    assert_eq!(updated["preferred_name"], "Peggy");
    assert_eq!(
        updated["last_name"], "O'Brien",
        "fields left out stay as they were"
    );
    // A stale ETag: someone else saved first.
    let res = patch("\"1\"", json!({"preferred_name": "Maggie"}))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PRECONDITION_FAILED);
    assert_eq!(problem_code(res).await, "precondition_failed");
}

#[tokio::test]
async fn validation_errors_name_each_field() {
    let app = TestApp::spawn().await;
    let staff = app.user(Role::Practitioner).await;
    let res = app
        .post(
            "/api/v1/patients",
            Some(&staff.token),
            json!({
                "first_name": " ",
                "last_name": "Nguyen",
                "email": "not-an-email",
                "date_of_birth": "2999-01-01",
                "medicare_number": "2123456791",
                "phone_numbers": [{"phone_type": "mobile", "number": "12"}],
                "address": {"postcode": "20"}
            }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["code"], "validation_failed");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in [
        "first_name",
        "email",
        "date_of_birth",
        "medicare_number",
        "phone_numbers[0].number",
        "address.postcode",
    ] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
    let bad_date = app
        .post(
            "/api/v1/patients",
            Some(&staff.token),
            json!({"first_name": "A", "last_name": "B", "date_of_birth": "2023-02-30"}),
        )
        .await;
    assert_eq!(bad_date.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn search_matches_name_prefixes_email_phone_and_date_of_birth() {
    let app = TestApp::spawn().await;
    let staff = app.user(Role::Receptionist).await;
    let zoe = app
        .create_patient(&staff.token, patient_body("Zoë", "Papadopoulos"))
        .await;
    let mut other = patient_body("Oliver", "Smith");
    other["phone_numbers"] = json!([{"phone_type": "mobile", "number": "0499 000 111"}]);
    other["date_of_birth"] = json!("1950-03-01");
    app.create_patient(&staff.token, other).await;
    let ids = |v: Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let zid = zoe["id"].as_str().unwrap().to_owned();
    for q in [
        "zo",
        "ZOE",
        "papa",
        "zoe%20pap",
        "zo%C3%AB.papadopoulos%40example.com",
        "%2B61%20412%20345%20678",
        "12/07/1984",
        "1984-07-12",
    ] {
        let v: Value = app
            .get(&format!("/api/v1/patients?q={q}"), &staff.token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(ids(v), vec![zid.clone()], "q={q}");
    }
    let v: Value = app
        .get("/api/v1/patients?q=smi", &staff.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["total"], 1);
    assert_eq!(v["items"][0]["last_name"], "Smith");
    let v: Value = app
        .get("/api/v1/patients?date_of_birth=1950-03-01", &staff.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["items"][0]["first_name"], "Oliver");
    let v: Value = app
        .get("/api/v1/patients?q=nobody", &staff.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["total"], 0);
    let v: Value = app
        .get(
            "/api/v1/patients?limit=1&offset=1&sort=created_asc",
            &staff.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["total"], 2);
    assert_eq!(v["items"][0]["first_name"], "Oliver");
}

#[tokio::test]
async fn archived_patients_leave_default_searches_until_restored() {
    let app = TestApp::spawn().await;
    let staff = app.user(Role::Receptionist).await;
    let p = app
        .create_patient(&staff.token, patient_body("Hamish", "Kowalski"))
        .await;
    let id = p["id"].as_str().unwrap();
    let res = app
        .send(
            Method::DELETE,
            &format!("/api/v1/patients/{id}"),
            Some(&staff.token),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = res.json().await.unwrap();
    assert!(v["archived_at"].is_string());
    let v: Value = app
        .get("/api/v1/patients?q=hamish", &staff.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["total"], 0);
    for query in [
        "q=hamish&status=all",
        "q=kowal%20ham&status=archived",
        "date_of_birth=1984-07-12&status=all",
    ] {
        let v: Value = app
            .get(&format!("/api/v1/patients?{query}"), &staff.token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(v["total"], 1, "{query}");
    }
    let v: Value = app
        .get("/api/v1/patients?date_of_birth=1984-07-12", &staff.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["total"], 0);
    let v: Value = app
        .get("/api/v1/patients?q=hamish&status=archived", &staff.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["total"], 1);
    let res = app
        .send(
            Method::POST,
            &format!("/api/v1/patients/{id}/restore"),
            Some(&staff.token),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = app
        .get("/api/v1/patients?q=hamish", &staff.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["total"], 1);
}

#[tokio::test]
async fn a_patient_sees_and_edits_only_their_own_contact_details() {
    let app = TestApp::spawn().await;
    let staff = app.user(Role::Receptionist).await;
    let mine = app
        .create_patient(&staff.token, patient_body("Ruby", "Chen"))
        .await;
    let theirs = app
        .create_patient(&staff.token, patient_body("Jack", "Ryan"))
        .await;
    let mine_id: uuid::Uuid = mine["id"].as_str().unwrap().parse().unwrap();
    let patient = app.user_for_patient(Role::Patient, Some(mine_id)).await;
    assert_eq!(
        app.get(&format!("/api/v1/patients/{mine_id}"), &patient.token)
            .await
            .status(),
        StatusCode::OK
    );
    let other = app
        .get(
            &format!("/api/v1/patients/{}", theirs["id"].as_str().unwrap()),
            &patient.token,
        )
        .await;
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
    let missing = app
        .get(
            &format!("/api/v1/patients/{}", uuid::Uuid::now_v7()),
            &patient.token,
        )
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/api/v1/patients", &patient.token).await.status(),
        StatusCode::FORBIDDEN
    );
    let res = app
        .send(
            Method::PATCH,
            &format!("/api/v1/patients/{mine_id}"),
            Some(&patient.token),
            Some(json!({"email": "ruby.new@example.com"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .send(
            Method::PATCH,
            &format!("/api/v1/patients/{mine_id}"),
            Some(&patient.token),
            Some(json!({"last_name": "Smith", "medicare_number": null})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["errors"][0]["code"], "read_only");
    let res = app
        .send(
            Method::PATCH,
            &format!("/api/v1/patients/{}", theirs["id"].as_str().unwrap()),
            Some(&patient.token),
            Some(json!({"email": "x@example.com"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn clinical_access_follows_the_care_team_and_break_the_glass() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let doctor = app.user(Role::Practitioner).await;
    let outsider = app.user(Role::Practitioner).await;
    let reception = app.user(Role::Receptionist).await;
    let p = app
        .create_patient(&admin.token, patient_body("Leila", "Singh"))
        .await;
    let id = p["id"].as_str().unwrap();
    let path = format!("/api/v1/patients/{id}/clinical-access");
    let access = |token: String| {
        let (app, path) = (&app, &path);
        async move { app.get(path, &token).await }
    };
    let res = app
        .post(
            &format!("/api/v1/patients/{id}/care-team"),
            Some(&admin.token),
            json!({"user_id": doctor.id}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = app
        .post(
            &format!("/api/v1/patients/{id}/care-team"),
            Some(&admin.token),
            json!({"user_id": reception.id}),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "receptionists are not clinicians"
    );
    let v: Value = access(doctor.token.clone()).await.json().await.unwrap();
    assert_eq!(
        v,
        json!({"allowed": true, "basis": "care_team", "expires_at": null, "categories": null})
    );
    let v: Value = access(outsider.token.clone()).await.json().await.unwrap();
    assert_eq!(v["allowed"], false);
    assert_eq!(
        access(reception.token.clone()).await.status(),
        StatusCode::FORBIDDEN
    );
    let short = app
        .post(
            &format!("/api/v1/patients/{id}/break-glass"),
            Some(&outsider.token),
            json!({"reason": "now"}),
        )
        .await;
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = app
        .post(
            &format!("/api/v1/patients/{id}/break-glass"),
            Some(&outsider.token),
            json!({"reason": "Unconscious in ED, need medication history"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let v: Value = access(outsider.token.clone()).await.json().await.unwrap();
    assert_eq!(v["basis"], "break_glass");
    let audit: Value = app
        .get(
            &format!("/api/v1/audit-events?patient_id={id}&action=clinical.break_glass"),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit["total"], 1);
    assert_eq!(audit["items"][0]["detail"], "flagged_for_review");
    assert_eq!(audit["items"][0]["actor_id"], outsider.id.to_string());
    let team: Vec<Value> = app
        .get(
            &format!("/api/v1/patients/{id}/care-team"),
            &reception.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(team.len(), 1);
    let res = app
        .send(
            Method::DELETE,
            &format!("/api/v1/patients/{id}/care-team/{}", doctor.id),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let v: Value = access(doctor.token.clone()).await.json().await.unwrap();
    assert_eq!(v["allowed"], false, "removal takes effect at once");
}

#[tokio::test]
async fn counting_stops_at_the_cap_so_large_lists_stay_fast() {
    use sea_orm::TransactionTrait;
    let app = TestApp::spawn().await;
    let staff = app.user(Role::Receptionist).await;
    let cap = carebase::patients::COUNT_CAP as usize;
    let txn = app.state.db.begin().await.unwrap();
    for i in 0..=cap {
        let details = api_types::patients::PatientInput {
            first_name: format!("Bulk{i}"),
            last_name: if i == 7 {
                "Quillfeather".into()
            } else {
                "Many".into()
            },
            ..Default::default()
        };
        carebase::patients::create(&txn, &app.state.crypto, details, None)
            .await
            .unwrap();
    }
    txn.commit().await.unwrap();
    let v: Value = app
        .get("/api/v1/patients", &staff.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["total"], cap);
    assert_eq!(v["total_capped"], true);
    assert_eq!(v["items"].as_array().unwrap().len(), 25);
    // The next pages, in either order, are read without counting again and say the same.
    for path in [
        "/api/v1/patients?offset=25",
        "/api/v1/patients?offset=975&sort=updated_desc",
    ] {
        let page: Value = app.get(path, &staff.token).await.json().await.unwrap();
        assert_eq!(page["total"], cap, "{path}");
        assert_eq!(page["total_capped"], true, "{path}");
        assert_eq!(page["items"].as_array().unwrap().len(), 25, "{path}");
        assert_ne!(page["items"][0]["id"], v["items"][0]["id"], "{path}");
    }
    let v: Value = app
        .get("/api/v1/patients?q=quill", &staff.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["total"], 1);
    assert_eq!(v["total_capped"], false);
    // A search matching exactly the cap is counted, every time.
    for _ in 0..2 {
        let v: Value = app
            .get("/api/v1/patients?q=many", &staff.token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(v["total"], cap);
        assert_eq!(v["total_capped"], false);
    }
}

#[tokio::test]
async fn a_retried_create_with_an_idempotency_key_creates_one_patient() {
    let app = TestApp::spawn().await;
    let staff = app.user(Role::Receptionist).await;
    let other = app.user(Role::Receptionist).await;
    let create = |token: &str, key: &str, body: Value| {
        app.client
            .post(app.url("/api/v1/patients"))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
    };
    let body = patient_body("Idris", "Okonkwo");
    let first = create(&staff.token, "create-idris-1", body.clone())
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let retry = create(&staff.token, "create-idris-1", body.clone())
        .await
        .unwrap();
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert_eq!(retry.headers()["idempotency-replayed"], "true");
    let retry: Value = retry.json().await.unwrap();
    assert_eq!(retry["id"], first["id"]);
    let v: Value = app
        .get("/api/v1/patients?q=okonkwo", &staff.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["total"], 1, "the retry created nothing");

    let changed = create(
        &staff.token,
        "create-idris-1",
        patient_body("Idris", "Other"),
    )
    .await
    .unwrap();
    assert_eq!(changed.status(), StatusCode::CONFLICT);
    // Keys belong to the caller: another account's identical key is its own.
    let theirs = create(&other.token, "create-idris-1", body.clone())
        .await
        .unwrap();
    assert_eq!(theirs.status(), StatusCode::CREATED);
    assert!(theirs.headers().get("idempotency-replayed").is_none());
    let bad = create(&staff.token, &"k".repeat(201), body.clone())
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A failed request releases its key.
    let invalid = create(
        &staff.token,
        "create-bad",
        json!({"first_name": "", "last_name": "X"}),
    )
    .await
    .unwrap();
    assert_eq!(invalid.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let fixed = create(
        &staff.token,
        "create-bad",
        json!({"first_name": "Y", "last_name": "X"}),
    )
    .await
    .unwrap();
    assert_eq!(fixed.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn search_results_come_in_creation_order_either_way() {
    let app = TestApp::spawn().await;
    let staff = app.user(Role::Receptionist).await;
    for first in ["Ana", "Bea", "Cai"] {
        app.create_patient(
            &staff.token,
            json!({"first_name": first, "last_name": "Ngata"}),
        )
        .await;
    }
    let names = |v: Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["first_name"].as_str().unwrap().to_owned())
            .collect()
    };
    let v: Value = app
        .get("/api/v1/patients?q=ngat", &staff.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(names(v), ["Cai", "Bea", "Ana"]);
    let v: Value = app
        .get("/api/v1/patients?q=ngat&sort=created_asc", &staff.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(names(v), ["Ana", "Bea", "Cai"]);
    let v: Value = app
        .get(
            "/api/v1/patients?q=ngat&sort=created_asc&limit=1&offset=1",
            &staff.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["total"], 3);
    assert_eq!(names(v), ["Bea"]);
    let v: Value = app
        .get(
            "/api/v1/patients?q=ngata%20b&sort=updated_desc",
            &staff.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(names(v), ["Bea"]);
}
