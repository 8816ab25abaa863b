use api_types::auth::{LoginResponse, RecoveryCodes, TotpEnrollResponse};
use api_types::Role;
use reqwest::StatusCode;
use sea_orm::EntityTrait;
use serde_json::json;

use crate::helpers::{problem_code, TestApp, TestUser, PASSWORD};

fn now() -> u64 {
    chrono::Utc::now().timestamp() as u64
}

fn code_at(secret_b32: &str, email: &str, unix: u64) -> String {
    let secret = totp_rs::Secret::Encoded(secret_b32.to_owned())
        .to_bytes()
        .unwrap();
    carebase::auth::totp(secret, email).unwrap().generate(unix)
}

/// Turns MFA on for `user`; returns the secret and recovery codes.
async fn enrol(app: &TestApp, user: &TestUser) -> (String, Vec<String>) {
    let res = app
        .post("/api/v1/auth/mfa/totp/enroll", Some(&user.token), json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let e: TotpEnrollResponse = res.json().await.unwrap();
    assert!(e.otpauth_uri.starts_with("otpauth://totp/Carebase:"));
    assert!(e.qr_svg.contains("<svg"));
    let wrong = app
        .post(
            "/api/v1/auth/mfa/totp/confirm",
            Some(&user.token),
            json!({"code": "000000"}),
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let res = app
        .post(
            "/api/v1/auth/mfa/totp/confirm",
            Some(&user.token),
            json!({"code": code_at(&e.secret, &user.email, now())}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let codes: RecoveryCodes = res.json().await.unwrap();
    assert_eq!(codes.recovery_codes.len(), 10);
    (e.secret, codes.recovery_codes)
}

async fn challenge(app: &TestApp, email: &str) -> String {
    let res = app.login(email, PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(
        body.get("access_token").is_none(),
        "the password step alone never yields an access token"
    );
    match serde_json::from_value::<LoginResponse>(body).unwrap() {
        LoginResponse::MfaRequired(c) => {
            assert!(c.mfa_required);
            c.mfa_token
        }
        LoginResponse::Tokens(_) => panic!("expected an MFA challenge"),
    }
}

#[tokio::test]
async fn with_mfa_on_sign_in_takes_a_code_and_each_code_works_once() {
    let app = TestApp::spawn().await;
    let user = app.user(Role::Practitioner).await;
    let (secret, _) = enrol(&app, &user).await;
    let mfa_token = challenge(&app, &user.email).await;
    // The challenge token is not an access token.
    assert_eq!(
        app.get("/api/v1/auth/me", &mfa_token).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let wrong = app
        .post(
            "/api/v1/auth/mfa/verify",
            None,
            json!({"mfa_token": mfa_token, "code": "123456"}),
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(problem_code(wrong).await, "invalid_mfa_code");
    let code = code_at(&secret, &user.email, now() + 30);
    let ok = app
        .post(
            "/api/v1/auth/mfa/verify",
            None,
            json!({"mfa_token": mfa_token, "code": code}),
        )
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert!(ok.headers().contains_key("set-cookie"));
    let again = app
        .post(
            "/api/v1/auth/mfa/verify",
            None,
            json!({"mfa_token": mfa_token, "code": code}),
        )
        .await;
    assert_eq!(
        again.status(),
        StatusCode::UNAUTHORIZED,
        "a TOTP code works once"
    );
}

#[tokio::test]
async fn a_recovery_code_signs_in_once() {
    let app = TestApp::spawn().await;
    let user = app.user(Role::Admin).await;
    let (_, codes) = enrol(&app, &user).await;
    let mfa_token = challenge(&app, &user.email).await;
    let body = json!({"mfa_token": mfa_token, "code": codes[3].to_uppercase()});
    assert_eq!(
        app.post("/api/v1/auth/mfa/verify", None, body.clone())
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.post("/api/v1/auth/mfa/verify", None, body)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn guessing_codes_locks_the_account_for_a_while() {
    let app = TestApp::spawn().await;
    let user = app.user(Role::Nurse).await;
    enrol(&app, &user).await;
    let mfa_token = challenge(&app, &user.email).await;
    for guess in 0..5 {
        let res = app
            .post(
                "/api/v1/auth/mfa/verify",
                None,
                json!({"mfa_token": mfa_token, "code": format!("{:06}", guess)}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = app
        .post(
            "/api/v1/auth/mfa/verify",
            None,
            json!({"mfa_token": mfa_token, "code": "999999"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn disabling_mfa_needs_a_code() {
    let app = TestApp::spawn().await;
    let user = app.user(Role::Receptionist).await;
    let (secret, _) = enrol(&app, &user).await;
    let res = app
        .post(
            "/api/v1/auth/mfa/totp/disable",
            Some(&user.token),
            json!({"code": "111111"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let code = code_at(&secret, &user.email, now() + 30);
    let res = app
        .post(
            "/api/v1/auth/mfa/totp/disable",
            Some(&user.token),
            json!({"code": code}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = app.login(&user.email, PASSWORD).await;
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(body.get("access_token").is_some());
}

#[tokio::test]
async fn when_the_practice_requires_mfa_a_role_must_enrol_before_anything_else() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let settings = json!({"practice_name": "Harbour Clinic", "time_zone": "Australia/Sydney", "mfa_required_roles": ["receptionist"]});
    let res = app
        .send(
            reqwest::Method::PUT,
            "/api/v1/settings",
            Some(&admin.token),
            Some(settings),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let user = app.user(Role::Receptionist).await;
    let res = app.get("/api/v1/patients", &user.token).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(problem_code(res).await, "mfa_enrollment_required");
    let me: serde_json::Value = app
        .get("/api/v1/auth/me", &user.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["mfa_enrollment_required"], true);
    enrol(&app, &user).await;
    let refreshed = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": user.refresh}),
        )
        .await;
    let tokens: api_types::auth::TokenResponse = refreshed.json().await.unwrap();
    assert_eq!(
        app.get("/api/v1/patients", &tokens.access_token)
            .await
            .status(),
        StatusCode::OK
    );
    let bad = json!({"practice_name": "", "time_zone": "Mars/Olympus", "mfa_required_roles": []});
    let res = app
        .send(
            reqwest::Method::PUT,
            "/api/v1/settings",
            Some(&admin.token),
            Some(bad),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_new_password_step_never_clears_second_factor_guesses() {
    let app = TestApp::spawn().await;
    let user = app.user(Role::Practitioner).await;
    let (secret, _) = enrol(&app, &user).await;
    // Sign in, guess a code, sign in again, guess again: the guesses add up all the same.
    for guess in 0..5 {
        let mfa_token = challenge(&app, &user.email).await;
        let res = app
            .post(
                "/api/v1/auth/mfa/verify",
                None,
                json!({"mfa_token": mfa_token, "code": format!("{:06}", guess)}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    // The second factor is locked, and with it the account: a correct password gets no new
    // challenge, and a correct code does not get in.
    let res = app.login(&user.email, PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(problem_code(res).await, "too_many_attempts");
    let res = app
        .post(
            "/api/v1/auth/mfa/totp/disable",
            Some(&user.token),
            json!({"code": code_at(&secret, &user.email, now())}),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "a signed-in session cannot keep guessing either"
    );
}

#[tokio::test]
async fn a_session_cannot_guess_codes_to_turn_off_mfa() {
    let app = TestApp::spawn().await;
    let user = app.user(Role::Nurse).await;
    enrol(&app, &user).await;
    for guess in 0..5 {
        let res = app
            .post(
                "/api/v1/auth/mfa/totp/disable",
                Some(&user.token),
                json!({"code": format!("{:06}", guess)}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = app
        .post(
            "/api/v1/auth/mfa/totp/disable",
            Some(&user.token),
            json!({"code": "999999"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let res = app.login(&user.email, PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
}

/// Guesses a burst evaluates: each answered 401 (evaluated and wrong) or 429 (refused unseen).
fn evaluated(answers: &[reqwest::Response]) -> usize {
    assert!(answers
        .iter()
        .all(|r| r.status() == StatusCode::UNAUTHORIZED
            || r.status() == StatusCode::TOO_MANY_REQUESTS));
    answers
        .iter()
        .filter(|r| r.status() == StatusCode::UNAUTHORIZED)
        .count()
}

#[tokio::test]
async fn simultaneous_wrong_passwords_are_each_counted_and_no_more_than_five_evaluated() {
    let app = TestApp::spawn().await;
    for round in 0..4 {
        let user = app.user(Role::Receptionist).await;
        let attempts = (0..12).map(|_| app.login(&user.email, "not-the-password"));
        let answers = futures_util::future::join_all(attempts).await;
        let counted = evaluated(&answers);
        let bidx = carebase::users::email_bidx(&app.state.crypto, &user.email);
        let row = entity::auth::login_attempt::Entity::find_by_id(bidx)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            row.failures as usize, counted,
            "round {round}: no failure lost in the race"
        );
        assert_eq!(
            counted, 5,
            "round {round}: guesses evaluated in a burst of 12"
        );
        let res = app.login(&user.email, PASSWORD).await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    }
}

#[tokio::test]
async fn simultaneous_wrong_codes_get_no_more_guesses_evaluated_than_the_lockout_allows() {
    let app = TestApp::spawn().await;
    for round in 0..4 {
        let user = app.user(Role::Practitioner).await;
        let (secret, _) = enrol(&app, &user).await;
        let mfa_token = challenge(&app, &user.email).await;
        let right = code_at(&secret, &user.email, now());
        let wrong: Vec<String> = (0..12)
            .map(|i| format!("{:06}", 100_000 + i * 7919))
            .filter(|c| *c != right)
            .collect();
        let attempts = wrong.iter().map(|code| {
            app.post(
                "/api/v1/auth/mfa/verify",
                None,
                json!({"mfa_token": mfa_token, "code": code}),
            )
        });
        let answers = futures_util::future::join_all(attempts).await;
        let counted = evaluated(&answers);
        let row = entity::auth::mfa_attempt::Entity::find_by_id(user.id)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.failures, 5, "round {round}: failures counted");
        assert!(
            counted <= 5,
            "round {round}: {counted} codes evaluated in a burst of {}",
            wrong.len()
        );
        // Locked now, the right code included, and the password step with it.
        let res = app
            .post(
                "/api/v1/auth/mfa/verify",
                None,
                json!({"mfa_token": mfa_token, "code": right}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "round {round}");
        let res = app.login(&user.email, PASSWORD).await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "round {round}");
    }
}

#[tokio::test]
async fn an_account_still_setting_up_mfa_reaches_only_its_own_account_endpoints() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let settings = json!({"practice_name": "Harbour Clinic", "time_zone": "Australia/Sydney", "mfa_required_roles": ["practitioner"]});
    let res = app
        .send(
            reqwest::Method::PUT,
            "/api/v1/settings",
            Some(&admin.token),
            Some(settings),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let user = app.user(Role::Practitioner).await;
    let spec = serde_json::to_value(carebase::app::openapi()).unwrap();
    let account = [
        "/api/v1/auth/me",
        "/api/v1/auth/sessions",
        "/api/v1/auth/sessions/{id}",
        "/api/v1/auth/activity",
        "/api/v1/auth/mfa/totp/enroll",
        "/api/v1/auth/mfa/totp/confirm",
        "/api/v1/auth/mfa/totp/disable",
        "/api/v1/auth/mfa/recovery-codes",
        "/api/v1/auth/password",
        "/api/v1/auth/logout",
    ];
    let mut reached = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
            if !secured || account.contains(&path.as_str()) || method == "head" {
                continue;
            }
            let concrete = path
                .replace("{id}", &uuid::Uuid::now_v7().to_string())
                .replace("{user_id}", &uuid::Uuid::now_v7().to_string())
                .replace("{kind}", "research");
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let body = (method != "get" && method != "delete").then(|| json!({}));
            let res = app.send(m, &concrete, Some(&user.token), body).await;
            let status = res.status();
            let code = problem_code(res).await;
            // A request its extractors could not read never reached the handler either.
            let unread = status == StatusCode::BAD_REQUEST && code == "bad_request";
            if code != "mfa_enrollment_required" && !unread {
                reached.push(format!("{method} {path}: {status} {code}"));
            }
        }
    }
    assert!(
        reached.is_empty(),
        "reachable before MFA is set up: {reached:?}"
    );
    // Nor does it hear anything on the live connection, which is not a spec operation: it is
    // closed as soon as the token arrives.
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let url = app.url("/api/v1/live").replace("http://", "ws://");
    let (ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let (mut tx, mut rx) = ws.split();
    tx.send(Message::text(
        json!({"type": "auth", "token": user.token}).to_string(),
    ))
    .await
    .unwrap();
    let first = crate::messaging::next_frame(&mut rx).await;
    assert_eq!(
        first,
        json!({"closed": api_types::messaging::close::MFA_ENROLLMENT_REQUIRED}),
        "the live connection of an account still setting up MFA"
    );
}
