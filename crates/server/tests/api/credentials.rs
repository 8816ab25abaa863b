//! What a credential can do, and when it stops: API keys never grant more than the person they
//! act for, and deactivating an account ends everything it holds.

use api_types::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{patient_body, TestApp};
use crate::scheduling::practice_with;

async fn key(app: &TestApp, token: &str, scopes: Value) -> reqwest::Response {
    app.post(
        "/api/v1/api-keys",
        Some(token),
        json!({"name": "Integration", "scopes": scopes}),
    )
    .await
}

#[tokio::test]
async fn a_key_cannot_make_a_key_with_more_than_it_holds() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let res = key(
        &app,
        &admin.token,
        json!(["api_keys:manage", "patients:read"]),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let minter: Value = res.json().await.unwrap();
    let minter = minter["secret"].as_str().unwrap().to_owned();

    let res = key(&app, &minter, json!(["clinical:access", "audit:read"])).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["field"], "scopes");
    assert_eq!(body["errors"][0]["code"], "not_held");

    let res = key(&app, &minter, json!(["patients:read"])).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let child: Value = res.json().await.unwrap();
    let child = child["secret"].as_str().unwrap();
    assert_eq!(
        app.get("/api/v1/patients", child).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/v1/audit-events", child).await.status(),
        StatusCode::FORBIDDEN
    );
}

/// A key that manages staff gives no one more than it holds: it cannot invite an administrator,
/// promote anyone to one, or reopen an administrator's account; within its scopes it can.
#[tokio::test]
async fn a_key_managing_staff_cannot_make_anyone_more_than_it_holds() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let scopes: Vec<&str> = Role::Receptionist
        .permissions()
        .iter()
        .map(|p| p.as_str())
        .chain(["users:manage"])
        .collect();
    let res = key(&app, &admin.token, json!(scopes)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let manager: Value = res.json().await.unwrap();
    let manager = manager["secret"].as_str().unwrap().to_owned();
    let invite = |role: &'static str| {
        app.post(
            "/api/v1/invitations",
            Some(&manager),
            json!({"name": "New Starter", "email": format!("{role}@clinic.test"), "role": role}),
        )
    };

    for role in ["admin", "practitioner"] {
        let res = invite(role).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{role}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["errors"][0]["field"], "role");
        assert_eq!(body["errors"][0]["code"], "not_held");
    }
    assert_eq!(invite("receptionist").await.status(), StatusCode::CREATED);

    let desk = app.user(Role::Receptionist).await;
    let promote = app
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{}", desk.id),
            Some(&manager),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(promote.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let other_admin = app.user(Role::Admin).await;
    let path = format!("/api/v1/users/{}", other_admin.id);
    let off = app
        .send(
            Method::PATCH,
            &path,
            Some(&admin.token),
            Some(json!({"status": "deactivated"})),
        )
        .await;
    assert_eq!(off.status(), StatusCode::OK);
    let reopen = app
        .send(
            Method::PATCH,
            &path,
            Some(&manager),
            Some(json!({"status": "active"})),
        )
        .await;
    assert_eq!(reopen.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

/// A leaked key that made keys leaves nothing behind once revoked: the keys it made stop with it,
/// and the keys they made, while a key its holder made directly goes on.
#[tokio::test]
async fn revoking_a_key_revokes_the_keys_it_made_and_theirs() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let made = |token: String| {
        let app = &app;
        async move {
            let res = key(app, &token, json!(["api_keys:manage", "patients:read"])).await;
            assert_eq!(res.status(), StatusCode::CREATED);
            let v: Value = res.json().await.unwrap();
            (
                v["id"].as_str().unwrap().to_owned(),
                v["secret"].as_str().unwrap().to_owned(),
            )
        }
    };
    let (parent_id, parent) = made(admin.token.clone()).await;
    let (_, sibling) = made(admin.token.clone()).await;
    let (child_id, child) = made(parent.clone()).await;
    let (grandchild_id, grandchild) = made(child.clone()).await;
    for k in [&parent, &child, &grandchild, &sibling] {
        assert_eq!(
            app.get("/api/v1/patients", k).await.status(),
            StatusCode::OK
        );
    }
    let res = app
        .send(
            Method::DELETE,
            &format!("/api/v1/api-keys/{parent_id}"),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    for (what, k) in [
        ("parent", &parent),
        ("child", &child),
        ("grandchild", &grandchild),
    ] {
        assert_eq!(
            app.get("/api/v1/patients", k).await.status(),
            StatusCode::UNAUTHORIZED,
            "the {what} key"
        );
    }
    assert_eq!(
        app.get("/api/v1/patients", &sibling).await.status(),
        StatusCode::OK,
        "a key the holder made directly"
    );
    let keys: Value = app
        .get("/api/v1/api-keys?limit=100", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    for id in [&parent_id, &child_id, &grandchild_id] {
        let k = keys["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["id"] == id.as_str())
            .unwrap();
        assert!(k["revoked_at"].is_string(), "listed as revoked: {k}");
    }
}

#[tokio::test]
async fn a_key_loses_what_its_maker_loses() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let other = app.user(Role::Admin).await;
    let res = key(&app, &other.token, json!(["audit:read", "patients:read"])).await;
    let made: Value = res.json().await.unwrap();
    let secret = made["secret"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get("/api/v1/audit-events", &secret).await.status(),
        StatusCode::OK
    );
    // Demoted to receptionist: the key keeps only what a receptionist may do.
    let res = app
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{}", other.id),
            Some(&admin.token),
            Some(json!({"role": "receptionist"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        app.get("/api/v1/audit-events", &secret).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/api/v1/patients", &secret).await.status(),
        StatusCode::OK
    );
    // Deactivated: the key stops altogether.
    let res = app
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{}", other.id),
            Some(&admin.token),
            Some(json!({"status": "deactivated"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        app.get("/api/v1/patients", &secret).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let keys: Value = app
        .get("/api/v1/api-keys", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(keys["items"][0]["revoked_at"].is_string());
}

#[tokio::test]
async fn deactivating_a_practitioner_ends_their_feed_invitations_and_access() {
    let p = practice_with(TestApp::spawn().await).await;
    let app = &p.app;
    let who = &p.practitioner;
    // Everything they hold: a session, a calendar feed, break-the-glass access, a reset link.
    let feed: Value = app
        .post(
            &format!("/api/v1/practitioners/{}/calendar-feed", who.id),
            Some(&who.token),
            json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    let feed = feed["url"]
        .as_str()
        .unwrap()
        .replace("http://carebase.test", &app.address);
    let other = app
        .create_patient(&p.admin.token, patient_body("Theo", "Marsh"))
        .await;
    let res = app
        .post(
            &format!(
                "/api/v1/patients/{}/break-glass",
                other["id"].as_str().unwrap()
            ),
            Some(&who.token),
            json!({"reason": "Covering for a colleague today"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    app.post(
        "/api/v1/auth/password-reset",
        None,
        json!({"email": who.email}),
    )
    .await;
    let reset =
        crate::helpers::token_from(app.message_to(&who.email).await["body"].as_str().unwrap());
    assert_eq!(
        app.client.get(&feed).send().await.unwrap().status(),
        StatusCode::OK
    );

    let res = app
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{}", who.id),
            Some(&p.admin.token),
            Some(json!({"status": "deactivated"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    assert_eq!(
        app.get("/api/v1/auth/me", &who.token).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.client.get(&feed).send().await.unwrap().status(),
        StatusCode::NOT_FOUND,
        "the feed stops with the account"
    );
    let res = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            None,
            json!({"token": reset, "new_password": "Granite-Pelican-Harbour-3"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // Reactivated, they hold none of it again.
    let res = app
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{}", who.id),
            Some(&p.admin.token),
            Some(json!({"status": "active"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let back = app.login_tokens(&who.email, crate::helpers::PASSWORD).await;
    let access: Value = app
        .get(
            &format!(
                "/api/v1/patients/{}/clinical-access",
                other["id"].as_str().unwrap()
            ),
            &back.access_token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        access["allowed"], false,
        "break-the-glass ended with the account"
    );
    assert_eq!(
        app.client.get(&feed).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_deactivated_admins_pending_invitations_stop_working() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let leaving = app.user(Role::Admin).await;
    let res = app
        .post(
            "/api/v1/invitations",
            Some(&leaving.token),
            json!({"email": "new.admin@clinic.test", "name": "New Admin", "role": "admin"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let token = crate::helpers::token_from(
        app.message_to("new.admin@clinic.test").await["body"]
            .as_str()
            .unwrap(),
    );
    let res = app
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{}", leaving.id),
            Some(&admin.token),
            Some(json!({"status": "deactivated"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .post(
            "/api/v1/auth/invitations/accept",
            None,
            json!({"token": token, "password": "Velvet-Compass-River-8"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}
