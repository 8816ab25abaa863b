use api_types::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{patient_body, problem_code, token_from, TestApp};

#[tokio::test]
async fn an_invited_receptionist_sets_a_password_and_has_no_clinical_access() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let res = app
        .post(
            "/api/v1/invitations",
            Some(&admin.token),
            json!({"email": "jordan@clinic.test", "name": "Jordan Price", "role": "receptionist"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let outbox = app.outbox(&admin.token).await;
    let message = outbox
        .iter()
        .find(|m| m["recipient"] == "jordan@clinic.test")
        .unwrap();
    assert_eq!(
        message["status"], "pending",
        "no SMTP configured: it waits in the outbox"
    );
    let body = message["body"].as_str().unwrap();
    assert!(body.contains("http://carebase.test/invite?token="));
    let token = token_from(body);

    let preview: Value = app
        .public_json(&format!("/api/v1/auth/invitations/{token}"))
        .await;
    assert_eq!(preview["role"], "receptionist");
    assert_eq!(preview["name"], "Jordan Price");

    let weak = app
        .post(
            "/api/v1/auth/invitations/accept",
            None,
            json!({"token": token, "password": "jordanprice1"}),
        )
        .await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = app
        .post(
            "/api/v1/auth/invitations/accept",
            None,
            json!({"token": token, "password": "Velvet-Compass-River-8"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let tokens: api_types::auth::TokenResponse = res.json().await.unwrap();
    let again = app
        .post(
            "/api/v1/auth/invitations/accept",
            None,
            json!({"token": token, "password": "Velvet-Compass-River-8"}),
        )
        .await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED, "links work once");
    assert_eq!(problem_code(again).await, "invalid_token");

    let me: Value = app
        .get("/api/v1/auth/me", &tokens.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "receptionist");
    assert!(!me["permissions"]
        .as_array()
        .unwrap()
        .contains(&json!("clinical:access")));
    let p = app
        .create_patient(&admin.token, patient_body("Mia", "Lee"))
        .await;
    let res = app
        .get(
            &format!(
                "/api/v1/patients/{}/clinical-access",
                p["id"].as_str().unwrap()
            ),
            &tokens.access_token,
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.login("jordan@clinic.test", "Velvet-Compass-River-8")
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn staff_invite_a_patient_to_the_portal_and_the_account_is_linked() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let reception = app.user(Role::Receptionist).await;
    let p = app
        .create_patient(&reception.token, patient_body("Aisha", "Patel"))
        .await;
    let id = p["id"].as_str().unwrap();
    let res = app
        .post(
            &format!("/api/v1/patients/{id}/portal-invitation"),
            Some(&reception.token),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let inv: Value = res.json().await.unwrap();
    assert_eq!(inv["email"], "aisha.patel@example.com");
    let token = token_from(app.outbox(&admin.token).await[0]["body"].as_str().unwrap());
    let res = app
        .post(
            "/api/v1/auth/invitations/accept",
            None,
            json!({"token": token, "password": "Saffron-Lighthouse-42"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let tokens: api_types::auth::TokenResponse = res.json().await.unwrap();
    let me: Value = app
        .get("/api/v1/auth/me", &tokens.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "patient");
    assert_eq!(me["patient_id"], id);
    assert_eq!(
        app.get(&format!("/api/v1/patients/{id}"), &tokens.access_token)
            .await
            .status(),
        StatusCode::OK
    );
    let again = app
        .post(
            &format!("/api/v1/patients/{id}/portal-invitation"),
            Some(&reception.token),
            json!({}),
        )
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_withdrawn_invitation_no_longer_works() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let inv: Value = app
        .post(
            "/api/v1/invitations",
            Some(&admin.token),
            json!({"email": "kai@clinic.test", "name": "Kai Tan", "role": "nurse"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let token = token_from(app.outbox(&admin.token).await[0]["body"].as_str().unwrap());
    let res = app
        .send(
            Method::DELETE,
            &format!("/api/v1/invitations/{}", inv["id"].as_str().unwrap()),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = app
        .post(
            "/api/v1/auth/invitations/accept",
            None,
            json!({"token": token, "password": "Saffron-Lighthouse-42"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let patient_role = app
        .post(
            "/api/v1/invitations",
            Some(&admin.token),
            json!({"email": "p@clinic.test", "name": "P", "role": "patient"}),
        )
        .await;
    assert_eq!(patient_role.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
