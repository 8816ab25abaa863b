#![allow(clippy::unwrap_used, clippy::expect_used)] // Test fixtures fail loudly.

//! The real Withings client against the local server that plays Withings.

use chrono::{TimeZone, Utc};
use connectors::fakes::withings::{FakeWithings, CLIENT_ID, CLIENT_SECRET, CODE, USER_ID};
use connectors::withings::{
    parse_notification, Notification, Tokens, WithingsClient, WithingsConfig, WithingsError,
};
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
        // On the boundary between the two windows.
        (
            start + 24 * 3600,
            json!({"deviceid": "watch-1", "model": "ScanWatch", "heart_rate": 64}),
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
    let days: Vec<_> = activity
        .iter()
        .filter(|r| r.metric == "steps")
        .map(|r| r.at)
        .collect();
    assert_eq!(
        days,
        vec![
            // Midnight in Sydney (UTC+11 in November), and UTC midnight when no zone is given.
            Utc.with_ymd_and_hms(2026, 11, 19, 13, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 21, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 22, 0, 0, 0).unwrap(),
        ]
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
    let windows: Vec<(String, String)> = fake
        .received()
        .into_iter()
        .filter(|r| r.action() == "getintradayactivity")
        .map(|r| (r.form["startdate"].clone(), r.form["enddate"].clone()))
        .collect();
    assert_eq!(
        windows,
        vec![
            (start.to_string(), (start + 86_400).to_string()),
            ((start + 86_400).to_string(), (start + 172_800).to_string()),
        ]
    );
    let values: Vec<f64> = hr.iter().map(|r| r.value).collect();
    assert_eq!(
        values,
        vec![71.0, 64.0, 88.0],
        "in time order, the boundary minute once, entries without a heart rate skipped"
    );
    assert_eq!(hr[0].metric, "heart_rate_intraday");
    assert_eq!(hr[0].at, Utc.timestamp_opt(start + 60, 0).unwrap());
    assert_eq!(hr[0].model.as_deref(), Some("ScanWatch"));
    assert_eq!(hr[0].device_id.as_deref(), Some("watch-1"));

    let sleep = client
        .sleep_summaries(&tokens.access_token, since)
        .await
        .unwrap();
    let value = |m: &str| sleep.iter().find(|r| r.metric == m).map(|r| r.value);
    assert_eq!(value("sleep_duration"), Some(6.5));
    assert_eq!(value("light_sleep"), Some(3.5));
    assert_eq!(value("rem_sleep"), Some(1.5));
    assert_eq!(sleep[0].at, Utc.timestamp_opt(start + 28_800, 0).unwrap());
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

#[tokio::test]
async fn a_userid_sent_as_text_is_read_too() {
    let (fake, client) = setup().await;
    fake.send_userid_as_string(true);
    let tokens = client.exchange_code(CODE).await.unwrap();
    assert_eq!(tokens.user_id, USER_ID.to_string());
    let refreshed = client.refresh(&tokens.refresh_token).await.unwrap();
    assert_eq!(refreshed.user_id, USER_ID.to_string());
    assert_eq!(
        refreshed.scope,
        "user.info,user.metrics,user.activity,user.sleepevents"
    );
}

#[tokio::test]
async fn requests_are_form_posts_with_the_bearer_only_on_data_calls() {
    let (fake, client) = setup().await;
    let tokens = client.exchange_code(CODE).await.unwrap();
    let since = Utc::now() - chrono::Duration::days(1);
    client.measures(&tokens.access_token, since).await.unwrap();
    client.activity(&tokens.access_token, since).await.unwrap();
    client
        .sleep_summaries(&tokens.access_token, since)
        .await
        .unwrap();
    let refreshed = client.refresh(&tokens.refresh_token).await.unwrap();

    let received = fake.received();
    assert_eq!(received.len(), 5);
    for r in &received {
        assert_eq!(r.method, "POST");
        assert!(!r.action().is_empty(), "{} without an action", r.path);
        assert!(
            !r.form.contains_key("access_token"),
            "tokens travel in the header"
        );
        if r.path == "/v2/oauth2" {
            assert!(r.bearer.is_none(), "no Bearer on the token endpoint");
            assert_eq!(r.action(), "requesttoken");
            assert_eq!(r.form["client_id"], CLIENT_ID);
            assert_eq!(r.form["client_secret"], CLIENT_SECRET);
        } else {
            assert_eq!(r.bearer.as_deref(), Some(tokens.access_token.as_str()));
            assert!(!r.form.contains_key("client_secret"));
        }
    }
    let refresh = &received[4];
    assert_eq!(refresh.form["grant_type"], "refresh_token");
    assert_eq!(refresh.form["refresh_token"], tokens.refresh_token);
    assert!(!refresh.form.contains_key("code"));
    assert_eq!(fake.current_access_token(), refreshed.access_token);
}

#[tokio::test]
async fn a_refused_token_is_refreshed_once_and_the_call_retried() {
    let (fake, client) = setup().await;
    let t = 1_700_000_000;
    fake.set_measure_groups(vec![
        json!({"grpid": 1, "attrib": 0, "date": t, "category": 1, "measures": [{"value": 8012, "type": 1, "unit": -2}]}),
    ]);
    let tokens = client.exchange_code(CODE).await.unwrap();
    let since = Utc.timestamp_opt(t - 10, 0).unwrap();

    // A working token: one call, nothing renewed.
    let (readings, renewed) = client
        .with_fresh_token(&tokens, |token| {
            let client = &client;
            async move { client.measures(&token, since).await }
        })
        .await
        .unwrap();
    assert_eq!(readings[0].value, 80.12);
    assert!(renewed.is_none());

    // Withings refuses it (401 inside HTTP 200): refreshed once, retried, new tokens returned.
    fake.expire_access_token();
    let (readings, renewed) = client
        .with_fresh_token(&tokens, |token| {
            let client = &client;
            async move { client.measures(&token, since).await }
        })
        .await
        .unwrap();
    assert_eq!(readings.len(), 1);
    let renewed = renewed.expect("the refreshed tokens come back to be stored");
    assert_ne!(renewed.refresh_token, tokens.refresh_token);
    assert_eq!(renewed.refresh_token, fake.current_refresh_token());
    let actions: Vec<String> = fake
        .received()
        .into_iter()
        .skip(2)
        .map(|r| {
            r.form
                .get("grant_type")
                .cloned()
                .unwrap_or(r.action().to_owned())
        })
        .collect();
    assert_eq!(actions, vec!["getmeas", "refresh_token", "getmeas"]);

    // The old refresh token is spent: a refused call with stale tokens fails, once.
    fake.expire_access_token();
    let stale = client
        .with_fresh_token(&tokens, |token| {
            let client = &client;
            async move { client.measures(&token, since).await }
        })
        .await;
    assert!(matches!(stale, Err(WithingsError::InvalidRequest(503))));

    // Tokens past their expiry are refreshed before the call, not after a refusal.
    let before = fake.received().len();
    let expired = Tokens {
        expires_at: Utc::now() - chrono::Duration::minutes(1),
        ..renewed
    };
    let (_, renewed) = client
        .with_fresh_token(&expired, |token| {
            let client = &client;
            async move { client.measures(&token, since).await }
        })
        .await
        .unwrap();
    assert!(renewed.is_some());
    let after: Vec<_> = fake.received().into_iter().skip(before).collect();
    assert_eq!(after.len(), 2);
    assert_eq!(after[0].path, "/v2/oauth2");
}

#[tokio::test]
async fn other_statuses_map_to_their_errors() {
    let (fake, client) = setup().await;
    let tokens = client.exchange_code(CODE).await.unwrap();
    let since = Utc::now() - chrono::Duration::days(1);
    fake.fail_next(503);
    let err = client
        .activity(&tokens.access_token, since)
        .await
        .unwrap_err();
    assert!(matches!(err, WithingsError::InvalidRequest(503)));
    assert!(!err.is_transient());
    fake.fail_next(522);
    let err = client
        .sleep_summaries(&tokens.access_token, since)
        .await
        .unwrap_err();
    assert!(matches!(err, WithingsError::Timeout));
    assert!(err.is_transient());
    fake.fail_next(2555);
    assert!(matches!(
        client
            .subscribe(&tokens.access_token, "https://x.example/n", 1)
            .await,
        Err(WithingsError::Unexpected(2555))
    ));
    // A rate limit is not an expired token: no refresh is attempted.
    fake.fail_next(601);
    let outcome = client
        .with_fresh_token(&tokens, |token| {
            let client = &client;
            async move { client.measures(&token, since).await }
        })
        .await;
    assert!(matches!(outcome, Err(WithingsError::RateLimited)));
    assert_eq!(
        fake.received()
            .iter()
            .filter(|r| r.path == "/v2/oauth2")
            .count(),
        1
    );
}

#[tokio::test]
async fn an_unreachable_withings_is_an_http_error() {
    let client = WithingsClient::new(WithingsConfig {
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        // Nothing listens on the discard port.
        api_base: "http://127.0.0.1:9".into(),
        authorize_base: "https://account.withings.com".into(),
        redirect_uri: REDIRECT.into(),
    })
    .unwrap();
    let err = client.exchange_code(CODE).await.unwrap_err();
    assert!(matches!(err, WithingsError::Http(_)));
    assert!(err.is_transient());
}

#[test]
fn notifications_are_parsed_from_the_webhook_form() {
    assert_eq!(
        parse_notification("userid=12345&appli=1&startdate=1530576000&enddate=1530698753"),
        Some(Notification {
            user_id: "12345".into(),
            appli: 1,
            start: Some(1_530_576_000),
            end: Some(1_530_698_753),
        })
    );
    // Event notifications carry a date instead of a range; extra fields are ignored.
    assert_eq!(
        parse_notification("userid=12345&appli=46&action=unlink&date=2026-11-20"),
        Some(Notification {
            user_id: "12345".into(),
            appli: 46,
            start: None,
            end: None,
        })
    );
    assert_eq!(parse_notification("appli=1&startdate=1"), None);
    assert_eq!(parse_notification("userid=1&appli=weight"), None);
    assert_eq!(parse_notification(""), None);
}

#[tokio::test]
async fn the_fake_refuses_what_withings_would() {
    let (fake, client) = setup().await;
    let tokens = client.exchange_code(CODE).await.unwrap();
    let http = reqwest::Client::new();
    let status = |form: Vec<(&'static str, String)>, path: &'static str, bearer: bool| {
        let mut request = http.post(format!("{}{path}", fake.base_url)).form(&form);
        if bearer {
            request = request.bearer_auth(&tokens.access_token);
        }
        async move {
            let answer: serde_json::Value = request.send().await.unwrap().json().await.unwrap();
            answer["status"].as_i64().unwrap()
        }
    };
    let getmeas = |extra: &[(&'static str, &str)]| {
        let mut form = vec![("action", "getmeas".to_owned())];
        form.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        form
    };
    assert_eq!(
        status(getmeas(&[("lastupdate", "1")]), "/measure", true).await,
        0
    );
    assert_eq!(
        status(getmeas(&[("lastupdate", "1")]), "/measure", false).await,
        401,
        "no Bearer"
    );
    assert_eq!(
        status(getmeas(&[]), "/measure", true).await,
        503,
        "no range"
    );
    assert_eq!(
        status(getmeas(&[("startdate", "1")]), "/measure", true).await,
        503,
        "half a range"
    );
    assert_eq!(
        status(
            getmeas(&[("lastupdate", "1"), ("offset", "two")]),
            "/measure",
            true
        )
        .await,
        503
    );
    assert_eq!(
        status(
            vec![
                ("action", "getintradayactivity".into()),
                ("startdate", "0".into()),
                ("enddate", "90000".into())
            ],
            "/v2/measure",
            true
        )
        .await,
        503,
        "more than 24 hours"
    );
    assert_eq!(
        status(
            vec![
                ("action", "requesttoken".into()),
                ("grant_type", "refresh_token".into()),
                ("client_id", CLIENT_ID.into()),
                ("client_secret", CLIENT_SECRET.into()),
                ("refresh_token", tokens.refresh_token.clone()),
            ],
            "/v2/oauth2",
            true
        )
        .await,
        503,
        "a Bearer header on the token endpoint"
    );
    assert_eq!(
        status(
            vec![
                ("action", "requesttoken".into()),
                ("grant_type", "authorization_code".into()),
                ("client_id", CLIENT_ID.into()),
                ("client_secret", CLIENT_SECRET.into()),
                ("code", CODE.into()),
                ("redirect_uri", "https://elsewhere.example/cb".into()),
            ],
            "/v2/oauth2",
            false
        )
        .await,
        503,
        "another redirect_uri"
    );
    let get: serde_json::Value = http
        .get(format!(
            "{}/measure?action=getmeas&lastupdate=1",
            fake.base_url
        ))
        .bearer_auth(&tokens.access_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_ne!(get["status"], 0, "only form POSTs");
}
