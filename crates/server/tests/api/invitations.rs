use api_types::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{patient_body, problem_code, token_from, TestApp, TestUser};

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
    let message = app.message_to("jordan@clinic.test").await;
    assert_eq!(
        message["status"], "pending",
        "no SMTP configured: it waits in the outbox"
    );
    let listed = app.outbox(&admin.token).await;
    assert!(!listed[0]["body"].as_str().unwrap().contains("token="));
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

/// A practitioner on the patient's care team.
async fn care_team_practitioner(app: &TestApp, admin: &str, patient_id: &str) -> TestUser {
    let practitioner = app.user(Role::Practitioner).await;
    let res = app
        .post(
            &format!("/api/v1/patients/{patient_id}/care-team"),
            Some(admin),
            json!({"user_id": practitioner.id}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    practitioner
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
    let clinician = care_team_practitioner(&app, &admin.token, id).await;
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
    assert_eq!(
        inv["approved_at"],
        Value::Null,
        "from reception it waits for a clinician"
    );
    assert!(app.delivered().await.is_empty(), "nothing is sent yet");

    // The care team sees it waiting, and approves it.
    let status: Value = app
        .get(
            &format!("/api/v1/patients/{id}/portal-invitation"),
            &clinician.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["has_account"], false);
    assert_eq!(status["can_approve"], true);
    assert_eq!(status["invitation"]["id"], inv["id"]);
    let approved = app
        .post(
            &format!("/api/v1/patients/{id}/portal-invitation/approve"),
            Some(&clinician.token),
            json!({}),
        )
        .await;
    assert_eq!(approved.status(), StatusCode::OK);
    let token = token_from(
        app.message_to("aisha.patel@example.com").await["body"]
            .as_str()
            .unwrap(),
    );
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
    let token = token_from(
        app.message_to("kai@clinic.test").await["body"]
            .as_str()
            .unwrap(),
    );
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

#[tokio::test]
async fn reception_cannot_send_a_portal_invitation_to_an_address_it_chooses() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let reception = app.user(Role::Receptionist).await;
    let p = app
        .create_patient(&reception.token, patient_body("Noor", "Haddad"))
        .await;
    let id = p["id"].as_str().unwrap();
    let path = format!("/api/v1/patients/{id}/portal-invitation");

    // Another address is refused outright.
    let res = app
        .post(
            &path,
            Some(&reception.token),
            json!({"email": "front-desk@evil.test"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["field"], "email");

    // Changing the email on file first, then inviting, sends nothing either: the invitation
    // waits for a clinician, who sees where it would go.
    let res = app
        .send(
            Method::PATCH,
            &format!("/api/v1/patients/{id}"),
            Some(&reception.token),
            Some(json!({"email": "front-desk@evil.test"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let inv: Value = app
        .post(&path, Some(&reception.token), json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(inv["email"], "front-desk@evil.test");
    assert_eq!(inv["approved_at"], Value::Null);
    let to_reception = |sent: &[Value]| {
        sent.iter()
            .any(|m| m["recipient"] == "front-desk@evil.test")
    };
    assert!(!to_reception(&app.delivered().await));
    // The patient hears of the change at the address the practice held before, and the new
    // address is shown only in part.
    let notice = app.message_to("noor.haddad@example.com").await;
    let text = notice["body"].as_str().unwrap();
    assert!(text.contains("fr•••@evil.test"), "{text}");
    assert!(!text.contains("front-desk@"), "{text}");

    // Reception cannot approve its own invitation, nor can a clinician off the care team.
    let approve = format!("{path}/approve");
    let res = app.post(&approve, Some(&reception.token), json!({})).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let outsider = app.user(Role::Practitioner).await;
    let res = app.post(&approve, Some(&outsider.token), json!({})).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(!to_reception(&app.delivered().await));

    // A care-team clinician may send it elsewhere, deliberately; that approval is audited.
    let clinician = care_team_practitioner(&app, &admin.token, id).await;
    let res = app
        .post(
            &path,
            Some(&clinician.token),
            json!({"email": "noor.h@example.com"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let sent: Value = res.json().await.unwrap();
    assert!(sent["approved_at"].is_string());
    app.message_to("noor.h@example.com").await;
    let events: Value = app
        .get(
            &format!("/api/v1/audit-events?patient_id={id}&action=patient.invite"),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(events["items"][0]["detail"], "sent_to_other_email_approved");
    assert_eq!(events["items"][1]["detail"], "awaiting_approval");
}

#[tokio::test]
async fn a_new_portal_invitation_withdraws_the_previous_one() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let p = app
        .create_patient(&admin.token, patient_body("Lena", "Fischer"))
        .await;
    let id = p["id"].as_str().unwrap();
    let path = format!("/api/v1/patients/{id}/portal-invitation");
    let res = app
        .post(
            &path,
            Some(&admin.token),
            json!({"email": "lena.first@example.com"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let first = token_from(
        app.message_to("lena.first@example.com").await["body"]
            .as_str()
            .unwrap(),
    );
    let res = app
        .post(
            &path,
            Some(&admin.token),
            json!({"email": "lena@example.com"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let second = token_from(
        app.message_to("lena@example.com").await["body"]
            .as_str()
            .unwrap(),
    );

    let res = app
        .post(
            "/api/v1/auth/invitations/accept",
            None,
            json!({"token": first, "password": "Saffron-Lighthouse-42"}),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "the first link no longer works"
    );
    let res = app
        .post(
            "/api/v1/auth/invitations/accept",
            None,
            json!({"token": second, "password": "Saffron-Lighthouse-42"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
}
