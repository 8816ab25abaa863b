use api_types::Role;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use carebase::auth::{Claims, JwtKeys, TokenType};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;

fn parts(token: &str) -> (serde_json::Value, serde_json::Value, String) {
    let mut it = token.split('.');
    let h = URL_SAFE_NO_PAD.decode(it.next().unwrap()).unwrap();
    let c = URL_SAFE_NO_PAD.decode(it.next().unwrap()).unwrap();
    (
        serde_json::from_slice(&h).unwrap(),
        serde_json::from_slice(&c).unwrap(),
        it.next().unwrap().to_owned(),
    )
}

fn join(header: &serde_json::Value, claims: &serde_json::Value, sig: &str) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        sig
    )
}

#[tokio::test]
async fn forged_and_misused_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let user = app.user(Role::Practitioner).await;
    let (header, claims, sig) = parts(&user.token);
    let claims_t: Claims = serde_json::from_value(claims.clone()).unwrap();

    let mut bad = Vec::new();
    // alg: none, no signature.
    bad.push((
        "alg none",
        join(&json!({"alg": "none", "typ": "JWT"}), &claims, ""),
    ));
    // A claim changed under the original signature.
    let mut elevated = claims.clone();
    elevated["role"] = json!("admin");
    bad.push(("tampered role", join(&header, &elevated, &sig)));
    // Signed with another key.
    let other = JwtKeys::new(&[7u8; 48], 900);
    bad.push(("wrong key", other.issue(&claims_t).unwrap()));
    // Right key, but expired / wrong audience / wrong type.
    let keys = JwtKeys::new(app.state.crypto.jwt_secret(), 900);
    let mut expired = claims_t.clone();
    expired.exp = chrono::Utc::now().timestamp() - 3600;
    bad.push(("expired", keys.issue(&expired).unwrap()));
    let mut aud = claims_t.clone();
    aud.aud = "someone-else".into();
    bad.push(("wrong aud", keys.issue(&aud).unwrap()));
    let mut iss = claims_t.clone();
    iss.iss = "evil".into();
    bad.push(("wrong iss", keys.issue(&iss).unwrap()));
    let mut mfa = claims_t.clone();
    mfa.typ = TokenType::MfaChallenge;
    bad.push(("mfa token as access", keys.issue(&mfa).unwrap()));
    bad.push(("refresh token as access", user.refresh.clone()));
    bad.push(("garbage", "not.a.jwt".into()));

    for (what, token) in bad {
        let res = app.get("/api/v1/patients", &token).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{what}");
        assert_eq!(res.headers()["www-authenticate"], "Bearer");
    }
    // The genuine token still works.
    assert_eq!(
        app.get("/api/v1/patients", &user.token).await.status(),
        StatusCode::OK
    );
    // A genuine signature with a forged role is caught by the key; a forged session id by the
    // session check.
    let mut other_session = claims_t.clone();
    other_session.sid = Some(uuid::Uuid::now_v7());
    assert_eq!(
        app.get("/api/v1/patients", &keys.issue(&other_session).unwrap())
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}
