//! Patient-controlled sharing: a grant opens the record (or its categories) to a practitioner
//! outside the care team; revoking or expiry closes it at once.

use api_types::Role;
use chrono::{Duration, Utc};
use reqwest::{Method, StatusCode};
use sea_orm::EntityTrait;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{patient_body, problem_code, TestApp, TestUser};

struct Sharing {
    app: TestApp,
    admin: TestUser,
    patient: TestUser,
    outsider: TestUser,
    id: String,
}

/// A patient with a portal account, and a practitioner who is not on their care team.
async fn sharing() -> Sharing {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let outsider = app.user(Role::Practitioner).await;
    let p = app
        .create_patient(&admin.token, patient_body("Sam", "Share"))
        .await;
    let id = p["id"].as_str().unwrap().to_owned();
    let patient = app
        .user_for_patient(Role::Patient, Some(id.parse::<Uuid>().unwrap()))
        .await;
    Sharing {
        app,
        admin,
        patient,
        outsider,
        id,
    }
}

impl Sharing {
    async fn grant(&self, token: &str, body: Value) -> reqwest::Response {
        self.app
            .post(
                &format!("/api/v1/patients/{}/access-grants", self.id),
                Some(token),
                body,
            )
            .await
    }

    async fn health_status(&self) -> StatusCode {
        self.app
            .get(
                &format!("/api/v1/patients/{}/observations/latest", self.id),
                &self.outsider.token,
            )
            .await
            .status()
    }

    async fn assessments_status(&self) -> StatusCode {
        self.app
            .get(
                &format!("/api/v1/patients/{}/assessments", self.id),
                &self.outsider.token,
            )
            .await
            .status()
    }
}

#[tokio::test]
async fn a_grant_by_category_opens_only_that_and_revoking_closes_it_at_once() {
    let s = sharing().await;
    assert_eq!(s.health_status().await, StatusCode::FORBIDDEN);
    let res = s
        .grant(
            &s.patient.token,
            json!({"grantee_id": s.outsider.id, "categories": ["health"]}),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{}",
        res.text().await.unwrap()
    );
    let g: Value = res.json().await.unwrap();
    assert_eq!(g["all_records"], false);
    assert_eq!(g["categories"], json!(["health"]));
    assert_eq!(g["source"], "patient");
    assert_eq!(g["active"], true);

    // Health is open to them now; questionnaires are not.
    assert_eq!(s.health_status().await, StatusCode::OK);
    let res = s
        .app
        .get(
            &format!("/api/v1/patients/{}/assessments", s.id),
            &s.outsider.token,
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let problem: Value = res.json().await.unwrap();
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("has not shared their questionnaires"));
    let access: Value = s
        .app
        .get(
            &format!("/api/v1/patients/{}/clinical-access", s.id),
            &s.outsider.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(access["basis"], "grant");
    assert_eq!(access["categories"], json!(["health"]));

    // Revoked: closed with the very next request.
    let res = s
        .app
        .send(
            Method::DELETE,
            &format!("/api/v1/access-grants/{}", g["id"].as_str().unwrap()),
            Some(&s.patient.token),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(s.health_status().await, StatusCode::FORBIDDEN);
    let list: Vec<Value> = s
        .app
        .get(
            &format!("/api/v1/patients/{}/access-grants", s.id),
            &s.patient.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["active"], false);
    assert!(list[0]["revoked_at"].is_string());
}

#[tokio::test]
async fn a_whole_record_grant_ends_when_it_expires() {
    let s = sharing().await;
    let until = (Utc::now() + Duration::days(30)).to_rfc3339();
    let res = s
        .grant(
            &s.patient.token,
            json!({"grantee_id": s.outsider.id, "expires_at": until}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let g: Value = res.json().await.unwrap();
    assert_eq!(g["all_records"], true);
    assert_eq!(s.health_status().await, StatusCode::OK);
    assert_eq!(s.assessments_status().await, StatusCode::OK);
    // Time passes.
    entity::patients::access_grant::Entity::update_many()
        .col_expr(
            entity::patients::access_grant::Column::ExpiresAt,
            sea_orm::sea_query::Expr::value(Utc::now() - Duration::minutes(1)),
        )
        .exec(&s.app.state.db)
        .await
        .unwrap();
    assert_eq!(s.health_status().await, StatusCode::FORBIDDEN);
    assert_eq!(s.assessments_status().await, StatusCode::FORBIDDEN);
    // An end in the past is refused.
    let past = (Utc::now() - Duration::days(1)).to_rfc3339();
    let res = s
        .grant(
            &s.patient.token,
            json!({"grantee_id": s.outsider.id, "expires_at": past}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn only_the_patient_or_an_administrator_shares_and_only_with_clinicians() {
    let s = sharing().await;
    // A practitioner cannot give themselves access.
    let res = s
        .grant(&s.outsider.token, json!({"grantee_id": s.outsider.id}))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Reception is not someone to share clinical records with.
    let reception = s.app.user(Role::Receptionist).await;
    let res = s
        .grant(&s.patient.token, json!({"grantee_id": reception.id}))
        .await;
    assert_eq!(problem_code(res).await, "validation_failed");
    // An administrator records it on the patient's written request.
    let res = s
        .grant(&s.admin.token, json!({"grantee_id": s.outsider.id}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let g: Value = res.json().await.unwrap();
    assert_eq!(g["source"], "staff");
    // Another patient cannot see or end it.
    let other = s
        .app
        .create_patient(&s.admin.token, patient_body("Other", "Patient"))
        .await;
    let stranger = s
        .app
        .user_for_patient(
            Role::Patient,
            Some(other["id"].as_str().unwrap().parse::<Uuid>().unwrap()),
        )
        .await;
    let res = s
        .app
        .get(
            &format!("/api/v1/patients/{}/access-grants", s.id),
            &stranger.token,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let path = format!("/api/v1/access-grants/{}", g["id"].as_str().unwrap());
    let res = s
        .app
        .send(Method::DELETE, &path, Some(&stranger.token), None)
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // The practitioner may give it up.
    let res = s
        .app
        .send(Method::DELETE, &path, Some(&s.outsider.token), None)
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(s.health_status().await, StatusCode::FORBIDDEN);
}
