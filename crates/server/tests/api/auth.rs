use api_types::auth::{Me, TokenResponse};
use api_types::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{problem_code, token_from, Options, TestApp, PASSWORD};

#[tokio::test]
async fn signing_in_gives_tokens_and_a_secure_refresh_cookie() {
    let app = TestApp::spawn().await;
    let user = app.user(Role::Nurse).await;
    let res = app.login(&user.email, PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    for attr in [
        "carebase_refresh=",
        "HttpOnly",
        "Secure",
        "SameSite=Strict",
        "Path=/api/v1/auth",
    ] {
        assert!(cookie.contains(attr), "{attr} missing from {cookie}");
    }
    let tokens: TokenResponse = res.json().await.unwrap();
    assert_eq!(tokens.token_type, "Bearer");
    assert_eq!(tokens.expires_in, 900);
    let me: Me = app
        .get("/api/v1/auth/me", &tokens.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me.email, user.email);
    assert_eq!(me.role, Role::Nurse);
}

#[tokio::test]
async fn every_member_of_staff_learns_the_practice_name_with_their_account() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let reception = app.user(Role::Receptionist).await;
    let settings = json!({"practice_name": "Harbour Clinic", "time_zone": "Australia/Sydney", "mfa_required_roles": []});
    let res = app
        .send(
            Method::PUT,
            "/api/v1/settings",
            Some(&admin.token),
            Some(settings),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let me: Me = app
        .get("/api/v1/auth/me", &reception.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me.practice_name, "Harbour Clinic");
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_look_the_same() {
    let app = TestApp::spawn().await;
    let user = app.user(Role::Receptionist).await;
    let wrong = app.login(&user.email, "Not-The-Password-99").await;
    let unknown = app
        .login("nobody@carebase.test", "Not-The-Password-99")
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let a: Value = wrong.json().await.unwrap();
    let b: Value = unknown.json().await.unwrap();
    assert_eq!(a, b);
    assert_eq!(a["code"], "invalid_credentials");
}

#[tokio::test]
async fn repeated_failures_lock_the_email_whether_or_not_it_exists() {
    let app = TestApp::spawn().await;
    let user = app.user(Role::Practitioner).await;
    for email in [user.email.as_str(), "ghost@carebase.test"] {
        for _ in 0..5 {
            assert_eq!(
                app.login(email, "Wrong-Password-123").await.status(),
                StatusCode::UNAUTHORIZED
            );
        }
        let locked = app.login(email, "Wrong-Password-123").await;
        assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS, "{email}");
        assert!(locked.headers().contains_key("retry-after"));
        assert_eq!(problem_code(locked).await, "too_many_attempts");
    }
    // Even the right password waits out the lock.
    assert_eq!(
        app.login(&user.email, PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn sign_in_is_rate_limited_per_address() {
    let app = TestApp::spawn_with(Options {
        auth_rate_per_minute: 3,
        ..Options::default()
    })
    .await;
    for _ in 0..3 {
        app.login("someone@carebase.test", "Whatever-Password-1")
            .await;
    }
    let res = app
        .login("someone-else@carebase.test", "Whatever-Password-1")
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(problem_code(res).await, "rate_limited");
}

#[tokio::test]
async fn refresh_rotates_and_a_reused_token_revokes_the_session() {
    let app = TestApp::spawn().await;
    let user = app.user(Role::Admin).await;
    let first = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": user.refresh}),
        )
        .await;
    assert_eq!(first.status(), StatusCode::OK);
    let rotated: TokenResponse = first.json().await.unwrap();
    assert_ne!(rotated.refresh_token, user.refresh);
    // The old token again: theft is assumed, and the whole family is revoked.
    let reuse = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": user.refresh}),
        )
        .await;
    assert_eq!(reuse.status(), StatusCode::UNAUTHORIZED);
    let after = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": rotated.refresh_token}),
        )
        .await;
    assert_eq!(
        after.status(),
        StatusCode::UNAUTHORIZED,
        "the rotated token dies with its family"
    );
    let me = app.get("/api/v1/auth/me", &rotated.access_token).await;
    assert_eq!(
        me.status(),
        StatusCode::UNAUTHORIZED,
        "access tokens of the session stop working"
    );
}

#[tokio::test]
async fn the_refresh_cookie_works_without_a_body() {
    let app = TestApp::spawn().await;
    let user = app.user(Role::Nurse).await;
    let res = app
        .client
        .post(app.url("/api/v1/auth/refresh"))
        .header("cookie", format!("carebase_refresh={}", user.refresh))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let none = app
        .client
        .post(app.url("/api/v1/auth/refresh"))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = TestApp::spawn().await;
    let user = app.user(Role::Practitioner).await;
    let res = app
        .send(Method::POST, "/api/v1/auth/logout", Some(&user.token), None)
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    assert_eq!(
        app.get("/api/v1/auth/me", &user.token).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let refresh = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": user.refresh}),
        )
        .await;
    assert_eq!(refresh.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn people_see_and_revoke_their_own_sessions_only() {
    let app = TestApp::spawn().await;
    let user = app.user(Role::Nurse).await;
    let other = app.user(Role::Nurse).await;
    let second = app.login_tokens(&user.email, PASSWORD).await;
    let sessions: Vec<Value> = app
        .get("/api/v1/auth/sessions", &user.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    let theirs: Vec<Value> = app
        .get("/api/v1/auth/sessions", &other.token)
        .await
        .json()
        .await
        .unwrap();
    let their_id = theirs[0]["id"].as_str().unwrap();
    let res = app
        .send(
            Method::DELETE,
            &format!("/api/v1/auth/sessions/{their_id}"),
            Some(&user.token),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let other_session = sessions.iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .send(
            Method::DELETE,
            &format!("/api/v1/auth/sessions/{other_session}"),
            Some(&user.token),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/auth/me", &second.access_token)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/api/v1/auth/me", &user.token).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn passwords_must_be_long_and_hard_to_guess() {
    let app = TestApp::spawn().await;
    let user = app.user(Role::Receptionist).await;
    for (pw, code) in [("short-pw", "too_short"), ("password1234", "weak_password")] {
        let res = app
            .post(
                "/api/v1/auth/password",
                Some(&user.token),
                json!({"current_password": PASSWORD, "new_password": pw}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["errors"][0]["field"], "new_password");
        assert_eq!(v["errors"][0]["code"], code);
    }
    let res = app
        .post(
            "/api/v1/auth/password",
            Some(&user.token),
            json!({"current_password": PASSWORD, "new_password": "Lantern-Orbit-Meadow-7"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.login(&user.email, PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login(&user.email, "Lantern-Orbit-Meadow-7")
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_password_reset_link_works_once_and_signs_out_everywhere() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let user = app.user(Role::Practitioner).await;
    let res = app
        .post(
            "/api/v1/auth/password-reset",
            None,
            json!({"email": user.email}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let unknown = app
        .post(
            "/api/v1/auth/password-reset",
            None,
            json!({"email": "nobody@carebase.test"}),
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::ACCEPTED);
    let message = app.message_to(&user.email).await;
    let outbox = app.outbox(&admin.token).await;
    assert_eq!(outbox.len(), 1, "no message for an unknown email");
    assert_eq!(outbox[0]["recipient"], user.email.as_str());
    assert!(
        !outbox[0]["body"].as_str().unwrap().contains("token="),
        "the outbox shows that a link was sent, never the link"
    );
    let token = token_from(message["body"].as_str().unwrap());
    let body = json!({"token": token, "new_password": "Granite-Pelican-Harbour-3"});
    let res = app
        .post("/api/v1/auth/password-reset/confirm", None, body.clone())
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let again = app
        .post("/api/v1/auth/password-reset/confirm", None, body)
        .await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(problem_code(again).await, "invalid_token");
    assert_eq!(
        app.get("/api/v1/auth/me", &user.token).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login(&user.email, "Granite-Pelican-Harbour-3")
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn api_keys_work_within_their_scopes_until_revoked() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let res = app
        .post(
            "/api/v1/api-keys",
            Some(&admin.token),
            json!({"name": "Nightly CI", "scopes": ["patients:read", "patients:write"]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("cbk_"));
    let p = app
        .create_patient(&secret, crate::helpers::patient_body("Ivy", "Hart"))
        .await;
    assert_eq!(
        app.get(
            &format!("/api/v1/patients/{}", p["id"].as_str().unwrap()),
            &secret
        )
        .await
        .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/v1/audit-events", &secret).await.status(),
        StatusCode::FORBIDDEN
    );
    let listed: Value = app
        .get("/api/v1/api-keys", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert!(
        !listed.to_string().contains(&secret[12..]),
        "the secret is never shown again"
    );
    let id = created["id"].as_str().unwrap();
    let res = app
        .send(
            Method::DELETE,
            &format!("/api/v1/api-keys/{id}"),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/patients", &secret).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let tampered = format!("{}x", &secret[..secret.len() - 1]);
    assert_eq!(
        app.get("/api/v1/patients", &tampered).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_last_admin_cannot_be_demoted_and_deactivation_signs_out() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let res = app
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{}", admin.id),
            Some(&admin.token),
            Some(json!({"role": "nurse"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let nurse = app.user(Role::Nurse).await;
    let res = app
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{}", nurse.id),
            Some(&admin.token),
            Some(json!({"status": "deactivated"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        app.get("/api/v1/auth/me", &nurse.token).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login(&nurse.email, PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn role_and_mfa_flags_cannot_be_set_through_ordinary_updates() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let nurse = app.user(Role::Nurse).await;
    let res = app
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{}", nurse.id),
            Some(&admin.token),
            Some(json!({"mfa_enabled": false})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = app
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{}", nurse.id),
            Some(&admin.token),
            Some(json!({"role": "patient"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = app
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{}", nurse.id),
            Some(&nurse.token),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let users: Value = app
        .get("/api/v1/users", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    let text = users.to_string();
    assert!(
        !text.contains("argon2") && !text.contains("password_hash") && !text.contains("mfa_secret")
    );
}

#[tokio::test]
async fn staff_sign_in_only_from_the_practices_networks_and_patients_from_anywhere() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let settings: Value = app
        .get("/api/v1/settings", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    let with = |networks: Value| {
        let mut s = settings.clone();
        s["staff_networks"] = networks;
        s
    };
    // A list that leaves out the admin's own address is refused: it would lock them out.
    let res = app
        .send(
            reqwest::Method::PUT,
            "/api/v1/settings",
            Some(&admin.token),
            Some(with(json!(["203.0.113.0/24"]))),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "excludes_you");
    let res = app
        .send(
            reqwest::Method::PUT,
            "/api/v1/settings",
            Some(&admin.token),
            Some(with(json!(["not a network"]))),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = app
        .send(
            reqwest::Method::PUT,
            "/api/v1/settings",
            Some(&admin.token),
            Some(with(json!(["203.0.113.0/24", " 127.0.0.0/8 "]))),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let nurse = app.user(Role::Nurse).await;
    assert_eq!(
        app.login(&nurse.email, PASSWORD).await.status(),
        StatusCode::OK
    );

    // The practice moves to another network (saved as an administrator there would).
    let mut moved = carebase::settings::load(&app.state.db).await.unwrap();
    moved.staff_networks = vec!["203.0.113.0/24".into()];
    carebase::settings::save(&app.state.db, &moved)
        .await
        .unwrap();
    let res = app.login(&nurse.email, PASSWORD).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(problem_code(res).await, "network_not_allowed");
    // A session started inside cannot be refreshed from outside.
    let res = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": nurse.refresh}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Patients sign in from anywhere.
    let patient = app.user(Role::Patient).await;
    assert_eq!(
        app.login(&patient.email, PASSWORD).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_session_left_without_activity_is_signed_out_and_background_requests_do_not_keep_it() {
    use entity::auth::session;
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let nurse = app.user(Role::Nurse).await;
    let activity = |token: String, post: bool| {
        let app = &app;
        async move {
            let method = if post { Method::POST } else { Method::GET };
            let res = app
                .send(method, "/api/v1/auth/activity", Some(&token), None)
                .await;
            assert_eq!(res.status(), StatusCode::OK);
            res.json::<Value>().await.unwrap()
        }
    };
    let first = activity(nurse.token.clone(), false).await;
    assert_eq!(first["idle_minutes"], 30);
    let until = |v: &Value| {
        chrono::DateTime::parse_from_rfc3339(v["idle_until"].as_str().unwrap())
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    let left = until(&first) - chrono::Utc::now();
    assert!(left > chrono::Duration::minutes(29) && left <= chrono::Duration::minutes(30));
    // Work the app does on its own does not count as activity; the person's does.
    app.get("/api/v1/patients?limit=5", &nurse.token).await;
    assert_eq!(
        until(&activity(nurse.token.clone(), false).await),
        until(&first)
    );
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    assert!(until(&activity(nurse.token.clone(), true).await) > until(&first));
    let patient = app.user(Role::Patient).await;
    assert_eq!(
        activity(patient.token.clone(), false).await["idle_minutes"],
        60
    );

    // The practice chooses the time, within bounds.
    let mut settings: Value = app
        .get("/api/v1/settings", &admin.token)
        .await
        .json()
        .await
        .unwrap();
    settings["staff_idle_minutes"] = json!(2);
    let res = app
        .send(
            Method::PUT,
            "/api/v1/settings",
            Some(&admin.token),
            Some(settings.clone()),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    settings["staff_idle_minutes"] = json!(10);
    let res = app
        .send(
            Method::PUT,
            "/api/v1/settings",
            Some(&admin.token),
            Some(settings),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        activity(nurse.token.clone(), true).await["idle_minutes"],
        10
    );

    // Ten minutes pass without activity: the session ends at the next refresh, with why.
    let row = session::Entity::find()
        .filter(session::Column::UserId.eq(nurse.id))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut idle: session::ActiveModel = row.clone().into();
    idle.idle_until = Set(Some(chrono::Utc::now() - chrono::Duration::seconds(1)));
    idle.update(&app.state.db).await.unwrap();
    let res = app
        .client
        .post(app.url("/api/v1/auth/refresh"))
        .json(&json!({"refresh_token": nurse.refresh}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(problem_code(res).await, "session_idle");
    // Another tab's refresh of the same session is told the same.
    let res = app
        .client
        .post(app.url("/api/v1/auth/refresh"))
        .json(&json!({"refresh_token": nurse.refresh}))
        .send()
        .await
        .unwrap();
    assert_eq!(problem_code(res).await, "session_idle");
    let res = app.get("/api/v1/auth/me", &nurse.token).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let ended = session::Entity::find_by_id(row.id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ended.revoked_reason.as_deref(), Some("idle"));
    // The sign-out's event is staged with it and chained moments later.
    app.state.audit.flush().await.unwrap();
    let events = entity::audit::event::Entity::find()
        .filter(entity::audit::event::Column::Action.eq("auth.idle_sign_out"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    // Activity cannot bring an ended session back.
    let res = app
        .send(
            Method::POST,
            "/api/v1/auth/activity",
            Some(&nurse.token),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

/// Asking for a reset link answers as fast for an address with an account as for one without,
/// so the time taken says nothing of who has an account: the medians of twenty requests each,
/// made in turns, are within a generous margin of each other.
#[tokio::test]
async fn a_reset_request_takes_as_long_for_a_real_account_as_for_an_unknown_address() {
    let app = TestApp::spawn().await;
    let user = app.user(Role::Nurse).await;
    let timed = |email: String| {
        let app = &app;
        async move {
            let started = std::time::Instant::now();
            let res = app
                .post("/api/v1/auth/password-reset", None, json!({"email": email}))
                .await;
            let took = started.elapsed();
            assert_eq!(res.status(), StatusCode::ACCEPTED);
            took
        }
    };
    let (mut real, mut unknown) = (Vec::new(), Vec::new());
    for i in 0..20 {
        real.push(timed(user.email.clone()).await);
        unknown.push(timed(format!("nobody-{i}@carebase.test")).await);
    }
    let median = |mut v: Vec<std::time::Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let (real, unknown) = (median(real), median(unknown));
    let margin = std::time::Duration::from_millis(25);
    assert!(
        real <= unknown * 3 + margin && unknown <= real * 3 + margin,
        "median for a real account {real:?}, for an unknown address {unknown:?}"
    );
}
