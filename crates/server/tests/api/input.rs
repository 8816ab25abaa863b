use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{patient_body, problem_code, TestApp};
use api_types::Role;

/// A 400 problem naming one field, as validation problems do; returns the field error. The raw
/// body is checked for `sent`, a value the client submitted, which must not come back.
async fn unreadable(res: reqwest::Response, sent: &str) -> Value {
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let text = res.text().await.unwrap();
    assert!(!text.contains(sent), "{sent} came back in {text}");
    let problem: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(problem["code"], "bad_request");
    let errors = problem["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{problem}");
    assert!(!errors[0]["message"].as_str().unwrap().is_empty());
    errors[0].clone()
}

#[tokio::test]
async fn malformed_json_is_a_400_problem() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let res = app
        .client
        .post(app.url("/api/v1/patients"))
        .bearer_auth(&admin.token)
        .header("content-type", "application/json")
        .body("{\"first_name\": ")
        .send()
        .await
        .unwrap();
    let error = unreadable(res, "first_name").await;
    assert_eq!(error["code"], "invalid_json");
}

#[tokio::test]
async fn a_wrong_content_type_is_a_415() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let res = app
        .client
        .post(app.url("/api/v1/patients"))
        .bearer_auth(&admin.token)
        .header("content-type", "text/plain")
        .body("first_name=Jo")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(problem_code(res).await, "unsupported_media_type");
}

#[tokio::test]
async fn an_oversized_body_is_a_413() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let huge = "x".repeat(100 * 1024);
    let res = app
        .post(
            "/api/v1/patients",
            Some(&admin.token),
            json!({"first_name": "A", "last_name": "B", "notes": huge}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(problem_code(res).await, "payload_too_large");
}

#[tokio::test]
async fn page_sizes_above_the_maximum_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    for path in [
        "/api/v1/patients?limit=1001",
        "/api/v1/audit-events?limit=1000",
        "/api/v1/users?limit=0",
    ] {
        let res = app.get(path, &admin.token).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        let v: serde_json::Value = res.json().await.unwrap();
        assert_eq!(v["errors"][0]["field"], "limit");
    }
    let res = app.get("/api/v1/patients?limit=abc", &admin.token).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn unknown_fields_are_refused_rather_than_ignored() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    for extra in [
        json!({"id": "00000000-0000-0000-0000-000000000000"}),
        json!({"version": 99}),
        json!({"created_by": "x"}),
    ] {
        let mut body = json!({"first_name": "Ana", "last_name": "Lima"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let res = app.post("/api/v1/patients", Some(&admin.token), body).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn an_impossible_date_is_answered_with_the_field_at_fault_and_not_the_date() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let mut body = patient_body("Ana", "Lima");
    body["date_of_birth"] = json!("2023-02-30");
    let res = app.post("/api/v1/patients", Some(&admin.token), body).await;
    let error = unreadable(res, "2023-02-30").await;
    assert_eq!(error["field"], "date_of_birth");
    assert_eq!(error["code"], "invalid_date");
}

#[tokio::test]
async fn a_wrong_type_deep_in_a_body_is_named_by_its_path_as_validation_names_it() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let mut body = patient_body("Ana", "Lima");
    body["phone_numbers"] = json!([{"phone_type": "mobile", "number": 412345678}]);
    let res = app.post("/api/v1/patients", Some(&admin.token), body).await;
    let error = unreadable(res, "412345678").await;
    assert_eq!(error["field"], "phone_numbers[0].number");
    assert_eq!(error["code"], "invalid_type");

    let mut body = patient_body("Ana", "Lima");
    body["address"]["postcode"] = json!(["2042-secret"]);
    let res = app.post("/api/v1/patients", Some(&admin.token), body).await;
    let error = unreadable(res, "2042-secret").await;
    assert_eq!(error["field"], "address.postcode");
    assert_eq!(error["code"], "invalid_type");
}

#[tokio::test]
async fn an_unknown_field_is_named_without_its_value() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let mut body = patient_body("Ana", "Lima");
    body["address"]["suburb"] = json!("Secret Gully");
    let res = app.post("/api/v1/patients", Some(&admin.token), body).await;
    let error = unreadable(res, "Secret Gully").await;
    assert_eq!(error["field"], "address.suburb");
    assert_eq!(error["code"], "unknown_field");
}

#[tokio::test]
async fn a_missing_required_field_is_named_as_validation_names_it() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let mut body = patient_body("Ana", "Lima-Secret");
    body.as_object_mut().unwrap().remove("first_name");
    let res = app.post("/api/v1/patients", Some(&admin.token), body).await;
    let error = unreadable(res, "Lima-Secret").await;
    assert_eq!(error["field"], "first_name");
    assert_eq!(error["code"], "required");

    let mut body = patient_body("Ana", "Lima");
    body["phone_numbers"] = json!([{"phone_type": "mobile"}]);
    let res = app.post("/api/v1/patients", Some(&admin.token), body).await;
    let error = unreadable(res, "mobile").await;
    assert_eq!(error["field"], "phone_numbers[0].number");
    assert_eq!(error["code"], "required");
}

#[tokio::test]
async fn a_value_outside_the_allowed_ones_is_refused_without_repeating_it() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let mut body = patient_body("Ana", "Lima");
    body["phone_numbers"][0]["phone_type"] = json!("pager-secret");
    let res = app.post("/api/v1/patients", Some(&admin.token), body).await;
    let error = unreadable(res, "pager-secret").await;
    assert_eq!(error["field"], "phone_numbers[0].phone_type");
    assert_eq!(error["code"], "invalid_value");
    assert!(error["message"].as_str().unwrap().contains("`mobile`"));
}

#[tokio::test]
async fn a_query_parameter_that_cannot_be_read_is_named_without_its_value() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    for (path, field, code, sent) in [
        (
            "/api/v1/patients?limit=12abc",
            "limit",
            "invalid_value",
            "12abc",
        ),
        (
            "/api/v1/appointments?from=2026-02-30",
            "from",
            "invalid_date",
            "2026-02-30",
        ),
        (
            "/api/v1/appointments?patient_id=not-an-id",
            "patient_id",
            "invalid_value",
            "not-an-id",
        ),
        (
            "/api/v1/appointments?status=maybe-later",
            "status",
            "invalid_value",
            "maybe-later",
        ),
        (
            "/api/v1/calendar?to=2026-03-01",
            "from",
            "required",
            "2026-03-01",
        ),
    ] {
        let res = app.get(path, &admin.token).await;
        let error = unreadable(res, sent).await;
        assert_eq!(
            (&error["field"], &error["code"]),
            (&json!(field), &json!(code)),
            "{path}"
        );
    }
}

#[tokio::test]
async fn bad_path_ids_are_not_found() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let res = app.get("/api/v1/patients/not-a-uuid", &admin.token).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(problem_code(res).await, "not_found");
}

/// serde would read a struct from an array of its fields in order; a body must be an object.
#[tokio::test]
async fn a_body_that_is_not_an_object_is_refused() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let patient = app
        .create_patient(&admin.token, crate::helpers::patient_body("Array", "Body"))
        .await;
    let id = patient["id"].as_str().unwrap();
    for (method, path, body) in [
        (
            reqwest::Method::PATCH,
            format!("/api/v1/patients/{id}"),
            json!([null, null]),
        ),
        (
            reqwest::Method::PUT,
            format!("/api/v1/patients/{id}/target-ranges"),
            json!([]),
        ),
        (
            reqwest::Method::POST,
            "/api/v1/patients".to_owned(),
            json!(["A", "B"]),
        ),
    ] {
        let res = app
            .send(method.clone(), &path, Some(&admin.token), Some(body))
            .await;
        let error = unreadable(res, "\"A\"").await;
        assert_eq!(error["field"], "", "{method} {path}");
        assert_eq!(error["code"], "invalid_type", "{method} {path}");
    }
}
