#![allow(clippy::unwrap_used, clippy::expect_used)] // Test fixtures fail loudly.

//! The real Withings client against the local server that plays Withings.

use chrono::{TimeZone, Utc};
use connectors::fakes::withings::{FakeWithings, CLIENT_ID, CLIENT_SECRET, CODE, USER_ID};
use connectors::withings::{WithingsClient, WithingsConfig, WithingsError};
use serde_json::json;

const REDIRECT: &str = "https://clinic.example/api/v1/integrations/withings/callback";

async fn setup() -> (FakeWithings, WithingsClient) {
    let fake = FakeWithings::start(REDIRECT).await.unwrap();
    let client = WithingsClient::new(WithingsConfig {
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        api_base: fake.base_url.clone(),
        authorize_base: "https://account.withings.com".into(),
        redirect_uri: REDIRECT.into(),
    })
    .unwrap();
    (fake, client)
}

fn bp_group(date: i64, sys: i64, dia: i64, hr: i64) -> serde_json::Value {
    json!({"grpid": date, "attrib": 0, "date": date, "created": date, "modified": date, "category": 1,
        "deviceid": "bpm-1", "model": "BPM Connect", "timezone": "Australia/Sydney",
        "measures": [
            {"value": dia, "type": 9, "unit": 0, "algo": 0, "fm": 3},
            {"value": sys, "type": 10, "unit": 0, "algo": 0, "fm": 3},
            {"value": hr, "type": 11, "unit": 0, "algo": 0, "fm": 3}
        ], "comment": null})
}

#[tokio::test]
async fn the_consent_link_asks_for_the_right_scopes() {
    let (_fake, client) = setup().await;
    let url = client.authorize_url("state-123");
    assert!(url.starts_with("https://account.withings.com/oauth2_user/authorize2?response_type=code&client_id=fake-client-id"));
    assert!(url.contains("scope=user.info%2Cuser.metrics%2Cuser.activity%2Cuser.sleepevents"));
    assert!(url.contains(
        "redirect_uri=https%3A%2F%2Fclinic.example%2Fapi%2Fv1%2Fintegrations%2Fwithings%2Fcallback"
    ));
    assert!(url.contains("state=state-123"));
}

#[tokio::test]
async fn codes_become_tokens_and_refresh_rotates_them() {
    let (fake, client) = setup().await;
    assert!(matches!(
        client.exchange_code("wrong").await,
        Err(WithingsError::InvalidRequest(503))
    ));
    let tokens = client.exchange_code(CODE).await.unwrap();
    assert_eq!(
        tokens.user_id,
        USER_ID.to_string(),
        "an integer userid is read as text"
    );
    assert!(tokens.expires_at > Utc::now() + chrono::Duration::hours(2));
    let exchange = fake
        .received()
        .into_iter()
        .find(|r| r.path == "/v2/oauth2")
        .unwrap();
    assert_eq!(exchange.form["grant_type"], "authorization_code");
    assert_eq!(exchange.form["redirect_uri"], REDIRECT);
    assert!(exchange.bearer.is_none());

    let refreshed = client.refresh(&tokens.refresh_token).await.unwrap();
    assert_ne!(refreshed.refresh_token, tokens.refresh_token);
    assert_ne!(refreshed.access_token, tokens.access_token);
    // The old refresh token is spent.
    assert!(client.refresh(&tokens.refresh_token).await.is_err());
    assert_eq!(fake.current_refresh_token(), refreshed.refresh_token);
}

#[tokio::test]
async fn measures_follow_every_page_and_decode_values_exactly() {
    let (fake, client) = setup().await;
    let t = 1_700_000_000;
    fake.set_measure_groups(vec![
        json!({"grpid": 1, "attrib": 0, "date": t, "category": 1, "deviceid": "scale-1", "model": "Body+",
            "measures": [{"value": 72350, "type": 1, "unit": -3}, {"value": 178, "type": 4, "unit": -2}]}),
        bp_group(t + 60, 128, 82, 67),
        // An objective, and an ambiguous weigh-in: neither is a reading of this person.
        json!({"grpid": 3, "attrib": 0, "date": t + 120, "category": 2, "measures": [{"value": 70, "type": 1, "unit": 0}]}),
        json!({"grpid": 4, "attrib": 1, "date": t + 180, "category": 1, "measures": [{"value": 90, "type": 1, "unit": 0}]}),
        json!({"grpid": 5, "attrib": 0, "date": t + 240, "category": 1, "measures": [{"value": 97, "type": 54, "unit": 0}, {"value": 3651, "type": 71, "unit": -2}]}),
    ]);
    let tokens = client.exchange_code(CODE).await.unwrap();
    let since = Utc.timestamp_opt(t - 10, 0).unwrap();
    let readings = client.measures(&tokens.access_token, since).await.unwrap();
    let pages: Vec<_> = fake
        .received()
        .into_iter()
        .filter(|r| r.action() == "getmeas")
        .collect();
    assert_eq!(pages.len(), 3, "five groups, two a page");
    assert_eq!(pages[1].form["offset"], "2");
    assert_eq!(pages[0].form["lastupdate"], (t - 10).to_string());
    assert_eq!(
        pages[0].bearer.as_deref(),
        Some(tokens.access_token.as_str())
    );

    let value = |metric: &str| {
        readings
            .iter()
            .find(|r| r.metric == metric)
            .map(|r| r.value)
    };
    assert_eq!(value("weight"), Some(72.35));
    assert_eq!(value("height"), Some(178.0), "metres become centimetres");
    assert_eq!(value("systolic_bp"), Some(128.0));
    assert_eq!(value("diastolic_bp"), Some(82.0));
    assert_eq!(value("heart_rate"), Some(67.0));
    assert_eq!(value("spo2"), Some(97.0));
    assert_eq!(value("body_temperature"), Some(36.51));
    assert_eq!(
        readings.iter().filter(|r| r.metric == "weight").count(),
        1,
        "objective and ambiguous skipped"
    );
    let bp = readings.iter().find(|r| r.metric == "systolic_bp").unwrap();
    assert_eq!(bp.device_id.as_deref(), Some("bpm-1"));
    assert_eq!(bp.model.as_deref(), Some("BPM Connect"));
}

#[tokio::test]
async fn errors_come_from_the_status_field() {
    let (fake, client) = setup().await;
    let tokens = client.exchange_code(CODE).await.unwrap();
    fake.fail_next(601);
    let since = Utc::now() - chrono::Duration::days(1);
    assert!(matches!(
        client.measures(&tokens.access_token, since).await,
        Err(WithingsError::RateLimited)
    ));
    fake.expire_access_token();
    assert!(matches!(
        client.measures(&tokens.access_token, since).await,
        Err(WithingsError::AuthExpired(401))
    ));
    let fresh = client.refresh(&tokens.refresh_token).await.unwrap();
    assert!(client
        .measures(&fresh.access_token, since)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn activity_intraday_and_sleep_are_mapped() {
    let (fake, client) = setup().await;
    fake.set_activities(vec![
        json!({"date": "2026-11-20", "timezone": "Australia/Sydney", "deviceid": null, "steps": 8123, "distance": 6012.5, "calories": 310.2, "totalcalories": 2210.0}),
        json!({"date": "2026-11-21", "steps": 4000, "distance": null}),
        json!({"date": "2026-11-22", "steps": 12000}),
    ]);
    let start = 1_763_900_000_i64;
    fake.set_intraday(vec![
        (
            start + 60,
            json!({"deviceid": "watch-1", "model": "ScanWatch", "heart_rate": 71, "steps": 10}),
        ),
        (
            start + 30 * 3600,
            json!({"deviceid": "watch-1", "model": "ScanWatch", "heart_rate": 88}),
        ),
        (
            start + 30 * 3600 + 60,
            json!({"deviceid": "watch-1", "model": "ScanWatch", "steps": 12}),
        ),
    ]);
    fake.set_sleep(vec![json!({"id": 1, "model": 32, "startdate": start, "enddate": start + 28_800, "date": "2026-11-23",
        "data": {"lightsleepduration": 12_600, "deepsleepduration": 5400, "remsleepduration": 5400, "wakeupcount": 2, "hr_average": 58, "sleep_score": 81}})]);
    let tokens = client.exchange_code(CODE).await.unwrap();
    let since = Utc::now() - chrono::Duration::days(30);

    let activity = client.activity(&tokens.access_token, since).await.unwrap();
    assert_eq!(activity.iter().filter(|r| r.metric == "steps").count(), 3);
    assert_eq!(
        activity.iter().filter(|r| r.metric == "distance").count(),
        1,
        "null fields are skipped"
    );
    let steps = activity.iter().find(|r| r.metric == "steps").unwrap();
    assert_eq!(
        steps.at,
        Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap()
    );
    assert_eq!(
        activity
            .iter()
            .find(|r| r.metric == "active_calories")
            .unwrap()
            .value,
        310.2
    );

    let from = Utc.timestamp_opt(start, 0).unwrap();
    let hr = client
        .intraday_heart_rate(
            &tokens.access_token,
            from,
            from + chrono::Duration::hours(48),
        )
        .await
        .unwrap();
    let calls = fake
        .received()
        .into_iter()
        .filter(|r| r.action() == "getintradayactivity")
        .count();
    assert_eq!(calls, 2, "48 hours are asked for a day at a time");
    assert_eq!(hr.len(), 2, "entries without a heart rate are skipped");
    assert_eq!(hr[0].metric, "heart_rate_intraday");
    assert_eq!(hr[0].model.as_deref(), Some("ScanWatch"));

    let sleep = client
        .sleep_summaries(&tokens.access_token, since)
        .await
        .unwrap();
    let value = |m: &str| sleep.iter().find(|r| r.metric == m).map(|r| r.value);
    assert_eq!(value("sleep_duration"), Some(6.5));
    assert_eq!(value("deep_sleep"), Some(1.5));
    assert_eq!(value("sleep_score"), Some(81.0));
    assert_eq!(value("sleep_heart_rate"), Some(58.0));
    assert_eq!(value("wakeups"), Some(2.0));
    assert_eq!(sleep[0].model.as_deref(), Some("Sleep Analyzer"));
}

#[tokio::test]
async fn subscriptions_are_made_and_revoked() {
    let (fake, client) = setup().await;
    let tokens = client.exchange_code(CODE).await.unwrap();
    let url = "https://clinic.example/api/v1/integrations/withings/notify/secret";
    client
        .subscribe(&tokens.access_token, url, 4)
        .await
        .unwrap();
    assert_eq!(fake.subscriptions(), vec![(url.to_owned(), 4)]);
    client
        .revoke_subscription(&tokens.access_token, url, 4)
        .await
        .unwrap();
    assert!(fake.subscriptions().is_empty());
}
