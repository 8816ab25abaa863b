use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{problem_code, TestApp};
use api_types::Role;

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
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    assert_eq!(problem_code(res).await, "bad_request");
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
        "/api/v1/patients?limit=101",
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
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{method} {path}");
        assert_eq!(problem_code(res).await, "bad_request");
    }
}
