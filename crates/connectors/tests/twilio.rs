#![allow(clippy::unwrap_used)]

//! The real Twilio client against a local Twilio.

use connectors::fakes::twilio::{FakeTwilio, ACCOUNT_SID, AUTH_TOKEN, FROM};
use connectors::twilio::{SmsSender, TwilioClient, TwilioError};

#[tokio::test]
async fn an_sms_is_sent_with_basic_auth_and_the_documented_form() {
    let twilio = FakeTwilio::start().await.unwrap();
    let client = TwilioClient::new(twilio.config()).unwrap();
    let sent = client
        .send_sms("+61412345678", "Your appointment is confirmed.")
        .await
        .unwrap();
    assert!(sent.sid.starts_with("SM"), "{sent:?}");
    assert_eq!(sent.status, "queued");

    let requests = twilio.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.method, "POST");
    assert_eq!(
        r.path,
        format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json")
    );
    assert_eq!(
        r.basic_auth(),
        Some((ACCOUNT_SID.to_owned(), AUTH_TOKEN.to_owned()))
    );
    let form = r.form();
    assert_eq!(form["To"], "+61412345678");
    assert_eq!(form["From"], FROM);
    assert_eq!(form["Body"], "Your appointment is confirmed.");
    assert_eq!(twilio.sent().len(), 1);
}

#[tokio::test]
async fn a_messaging_service_replaces_the_sending_number() {
    let twilio = FakeTwilio::start().await.unwrap();
    let mut config = twilio.config();
    config.from = None;
    config.messaging_service_sid = Some("MG00000000000000000000000000000000".into());
    let client = TwilioClient::new(config).unwrap();
    client.send_sms("+61412345678", "Hi").await.unwrap();
    let form = twilio.requests()[0].form();
    assert_eq!(
        form["MessagingServiceSid"],
        "MG00000000000000000000000000000000"
    );
    assert!(!form.contains_key("From"));
}

#[tokio::test]
async fn an_invalid_number_is_a_permanent_refusal() {
    let twilio = FakeTwilio::start().await.unwrap();
    let client = TwilioClient::new(twilio.config()).unwrap();
    let err = client.send_sms("0412 345", "Hi").await.unwrap_err();
    match &err {
        TwilioError::Rejected { status, code, .. } => {
            assert_eq!((*status, *code), (400, 21211));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(!err.is_transient());
}

#[tokio::test]
async fn throttling_and_server_errors_are_transient_and_bad_credentials_are_not() {
    let twilio = FakeTwilio::start().await.unwrap();
    let client = TwilioClient::new(twilio.config()).unwrap();
    twilio.fail_next(429, 20429);
    let err = client.send_sms("+61412345678", "Hi").await.unwrap_err();
    assert!(err.is_transient(), "{err}");
    twilio.fail_next(500, 20500);
    assert!(client
        .send_sms("+61412345678", "Hi")
        .await
        .unwrap_err()
        .is_transient());
    // Nothing was sent by the refused attempts; the next one goes through.
    client.send_sms("+61412345678", "Hi").await.unwrap();
    assert_eq!(twilio.sent().len(), 1);

    let mut config = twilio.config();
    config.auth_token = "wrong".into();
    let err = TwilioClient::new(config)
        .unwrap()
        .send_sms("+61412345678", "Hi")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            TwilioError::Rejected {
                status: 401,
                code: 20003,
                ..
            }
        ),
        "{err}"
    );
    assert!(!err.is_transient());
}

#[tokio::test]
async fn an_unreachable_twilio_is_transient() {
    let mut config = FakeTwilio::start().await.unwrap().config();
    config.api_base = "http://127.0.0.1:9".into();
    let err = TwilioClient::new(config)
        .unwrap()
        .send_sms("+61412345678", "Hi")
        .await
        .unwrap_err();
    assert!(err.is_transient(), "{err}");
}
