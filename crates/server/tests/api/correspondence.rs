//! Correspondence: messages staff write from a record, the product's own messages, Twilio's
//! inbound SMS and delivery reports (signed with Twilio's real scheme), matching by number,
//! triage, STOP and START, retries, and the webhook log.

use std::sync::Arc;

use api_types::Role;
use carebase::comms::{deliver_due, Senders};
use carebase::platform::config::TwilioSettings;
use connectors::fakes::twilio::{FakeTwilio, ACCOUNT_SID, AUTH_TOKEN, FROM};
use connectors::twilio::{signature, TwilioClient};
use entity::audit::event;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};

use crate::helpers::{patient_body, problem_code, Options, TestApp, TestUser};

/// The address the test server believes it is reached at (its `public_url`).
const PUBLIC: &str = "http://carebase.test";

pub(crate) struct Clinic {
    pub(crate) app: TestApp,
    pub(crate) twilio: FakeTwilio,
    pub(crate) reception: TestUser,
    pub(crate) patient: String,
}

/// A server whose Twilio account is the local fake.
async fn with_twilio() -> (FakeTwilio, TestApp) {
    let twilio = FakeTwilio::start().await.unwrap();
    let app = TestApp::spawn_with(Options {
        twilio: Some(TwilioSettings {
            account_sid: ACCOUNT_SID.into(),
            auth_token: AUTH_TOKEN.to_owned().into(),
            from: Some(FROM.into()),
            messaging_service_sid: None,
            api_base: Some(twilio.base_url.clone()),
        }),
        ..Options::default()
    })
    .await;
    (twilio, app)
}

pub(crate) async fn clinic() -> Clinic {
    let (twilio, app) = with_twilio().await;
    let reception = app.user(Role::Receptionist).await;
    let mut body = patient_body("Mia", "Nguyen");
    body["phone_numbers"] = json!([{"phone_type": "mobile", "number": "0400 111 222"}]);
    let patient = app.create_patient(&reception.token, body).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Clinic {
        app,
        twilio,
        reception,
        patient,
    }
}

impl Clinic {
    fn senders(&self) -> Senders {
        let mut config = self.twilio.config();
        config.status_callback = Some(format!("{PUBLIC}/api/v1/webhooks/twilio/message-status"));
        Senders {
            email: None,
            sms: Some(Arc::new(TwilioClient::new(config).unwrap())),
        }
    }

    pub(crate) async fn deliver(&self) -> usize {
        deliver_due(&self.app.state.db, &self.app.state.crypto, &self.senders())
            .await
            .unwrap()
    }

    /// Posts `params` to a Twilio webhook as Twilio would: signed over the public URL.
    async fn twilio_calls(&self, path: &str, params: &[(&str, &str)]) -> reqwest::Response {
        let owned: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let sig = signature(AUTH_TOKEN, &format!("{PUBLIC}{path}"), &owned);
        self.signed(path, params, &sig).await
    }

    async fn signed(&self, path: &str, params: &[(&str, &str)], sig: &str) -> reqwest::Response {
        self.app
            .client
            .post(self.app.url(path))
            .header("X-Twilio-Signature", sig)
            .form(params)
            .send()
            .await
            .unwrap()
    }

    async fn inbound(&self, sid: &str, from: &str, body: &str) -> reqwest::Response {
        self.twilio_calls(
            "/api/v1/webhooks/twilio/messages",
            &[
                ("MessageSid", sid),
                ("SmsSid", sid),
                ("AccountSid", ACCOUNT_SID),
                ("From", from),
                ("To", FROM),
                ("Body", body),
                ("NumMedia", "0"),
                ("ApiVersion", "2010-04-01"),
            ],
        )
        .await
    }

    async fn status(&self, sid: &str, status: &str) -> reqwest::Response {
        self.twilio_calls(
            "/api/v1/webhooks/twilio/message-status",
            &[
                ("MessageSid", sid),
                ("MessageStatus", status),
                ("AccountSid", ACCOUNT_SID),
                ("To", "+61400111222"),
                ("From", FROM),
                ("ApiVersion", "2010-04-01"),
            ],
        )
        .await
    }

    pub(crate) async fn history(&self, patient: &str, token: &str) -> Vec<Value> {
        let res = self
            .app
            .get(&format!("/api/v1/patients/{patient}/correspondence"), token)
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json::<Value>().await.unwrap()["items"]
            .as_array()
            .unwrap()
            .clone()
    }

    async fn practice(&self, query: &str) -> Vec<Value> {
        let res = self
            .app
            .get(
                &format!("/api/v1/correspondence?{query}"),
                &self.reception.token,
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json::<Value>().await.unwrap()["items"]
            .as_array()
            .unwrap()
            .clone()
    }

    async fn sms_consent(&self, patient: &str) -> bool {
        let consents: Value = self
            .app
            .get(
                &format!("/api/v1/patients/{patient}/consents"),
                &self.reception.token,
            )
            .await
            .json()
            .await
            .unwrap();
        consents
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["kind"] == "sms_contact")
            .unwrap()["given"]
            .as_bool()
            .unwrap()
    }

    /// The audit events of `action`, as (patient, resource id).
    async fn audited(&self, action: &str) -> Vec<(Option<String>, Option<String>)> {
        self.app.state.audit.flush().await.unwrap();
        event::Entity::find()
            .filter(event::Column::Action.eq(action))
            .all(&self.app.state.db)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.patient_id.map(|p| p.to_string()), e.resource_id))
            .collect()
    }

    async fn webhook_log(&self) -> Vec<Value> {
        let admin = self.app.user(Role::Admin).await;
        let res = self.app.get("/api/v1/webhook-events", &admin.token).await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json::<Value>().await.unwrap()["items"]
            .as_array()
            .unwrap()
            .clone()
    }
}

#[tokio::test]
async fn an_sms_written_from_the_record_is_delivered_and_follows_twilios_status_reports() {
    let c = clinic().await;
    let res = c
        .app
        .post(
            &format!("/api/v1/patients/{}/correspondence", c.patient),
            Some(&c.reception.token),
            json!({"channel": "sms", "body": "Hi Mia, please call us."}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let entry: Value = res.json().await.unwrap();
    assert_eq!(entry["status"], "queued");
    assert_eq!(entry["direction"], "outbound");
    assert_eq!(entry["kind"], "written");
    assert_eq!(entry["counterpart"], "+61400111222");
    assert_eq!(entry["staff_id"], c.reception.id.to_string());

    assert_eq!(c.deliver().await, 1);
    let sent = c.twilio.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, "+61400111222");
    assert_eq!(sent[0].body, "Hi Mia, please call us.");
    assert_eq!(
        sent[0].status_callback.as_deref(),
        Some("http://carebase.test/api/v1/webhooks/twilio/message-status")
    );
    let history = c.history(&c.patient, &c.reception.token).await;
    assert_eq!(history[0]["status"], "sent");

    assert_eq!(
        c.status(&sent[0].sid, "delivered").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        c.history(&c.patient, &c.reception.token).await[0]["status"],
        "delivered"
    );
    // A late `sent` report does not move it back.
    assert_eq!(
        c.status(&sent[0].sid, "sent").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        c.history(&c.patient, &c.reception.token).await[0]["status"],
        "delivered"
    );

    let log = c.webhook_log().await;
    assert_eq!(log.len(), 2);
    assert!(log.iter().all(|e| e["verified"] == true));
    assert_eq!(log[1]["outcome"], "status");
    assert_eq!(log[0]["outcome"], "unchanged");
}

#[tokio::test]
async fn a_withdrawn_contact_consent_refuses_the_message_and_says_why() {
    let c = clinic().await;
    c.app
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/patients/{}/consents/sms_contact", c.patient),
            Some(&c.reception.token),
            Some(json!({"given": false})),
        )
        .await;
    let res = c
        .app
        .post(
            &format!("/api/v1/patients/{}/correspondence", c.patient),
            Some(&c.reception.token),
            json!({"channel": "sms", "body": "Hello"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "consent_withdrawn");
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("withdrawn consent to SMS contact"));
    assert!(c.history(&c.patient, &c.reception.token).await.is_empty());
    // Email is a separate consent.
    let res = c
        .app
        .post(
            &format!("/api/v1/patients/{}/correspondence", c.patient),
            Some(&c.reception.token),
            json!({"channel": "email", "subject": "Your results", "body": "Please call us."}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn an_inbound_sms_is_matched_to_its_patient_by_number_and_stored_once() {
    let c = clinic().await;
    let sid = "SM11111111111111111111111111111111";
    let res = c
        .inbound(sid, "+61400111222", "Can I move my appointment?")
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("<Response/>"));
    let history = c.history(&c.patient, &c.reception.token).await;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["direction"], "inbound");
    assert_eq!(history[0]["status"], "received");
    assert_eq!(history[0]["body"], "Can I move my appointment?");
    assert_eq!(history[0]["answered_at"], Value::Null);

    // Twilio retries: answered 200 and ignored.
    let again = c
        .inbound(sid, "+61400111222", "Can I move my appointment?")
        .await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(c.history(&c.patient, &c.reception.token).await.len(), 1);
    let log = c.webhook_log().await;
    assert_eq!(log[0]["outcome"], "duplicate");
    assert_eq!(log[1]["outcome"], "stored");
    assert_eq!(log[1]["reference"], sid);

    let received = c.audited("correspondence.receive").await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].0, Some(c.patient.clone()));

    // It waits first in the practice's view until someone answers it.
    c.app
        .post(
            &format!("/api/v1/patients/{}/correspondence", c.patient),
            Some(&c.reception.token),
            json!({"channel": "email", "subject": "Appointments", "body": "Sure, which day?"}),
        )
        .await;
    let practice = c.practice("").await;
    assert_eq!(practice.len(), 2);
    assert_eq!(practice[0]["direction"], "inbound");
    assert_eq!(
        practice[0]["answered_at"],
        Value::Null,
        "an email does not answer an SMS"
    );
    c.app
        .post(
            &format!("/api/v1/patients/{}/correspondence", c.patient),
            Some(&c.reception.token),
            json!({"channel": "sms", "body": "Sure, which day?"}),
        )
        .await;
    let unanswered = c.practice("unanswered=true").await;
    assert!(unanswered.is_empty(), "replying by SMS answers the SMS");
}

/// Twilio sometimes calls twice at once with the same message or the same report. Each call is
/// answered at once and the message stored once: the one that finds the other's copy does not
/// wait for a database connection it holds itself (SQLite has only one).
#[tokio::test]
async fn the_same_sms_or_report_delivered_twice_at_once_is_answered_promptly_and_kept_once() {
    let c = clinic().await;
    for round in 0..4 {
        let sid = format!("SM{round:032}");
        let started = std::time::Instant::now();
        let answers = futures_util::future::join_all(
            (0..4).map(|_| c.inbound(&sid, "+61400111222", "Running late")),
        )
        .await;
        let took = started.elapsed();
        for res in answers {
            assert_eq!(res.status(), StatusCode::OK, "round {round}");
        }
        assert!(
            took < std::time::Duration::from_secs(3),
            "round {round} took {took:?}"
        );
        let reports = futures_util::future::join_all((0..4).map(|_| c.status(&sid, "read"))).await;
        for res in reports {
            assert_eq!(res.status(), StatusCode::OK, "round {round}");
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "round {round}"
        );
    }
    let history = c.history(&c.patient, &c.reception.token).await;
    assert_eq!(history.len(), 4, "each message is kept once");
}

#[tokio::test]
async fn a_number_shared_by_two_patients_waits_in_triage_until_staff_choose() {
    let c = clinic().await;
    let first = c
        .app
        .create_patient(&c.reception.token, patient_body("Ava", "Stone"))
        .await;
    let second = c
        .app
        .create_patient(&c.reception.token, patient_body("Leo", "Stone"))
        .await;
    let res = c
        .inbound(
            "SM22222222222222222222222222222222",
            "+61 412 345 678",
            "Running late",
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let triage = c.practice("triage=true").await;
    assert_eq!(triage.len(), 1);
    assert_eq!(triage[0]["patient_id"], Value::Null);
    let mut names: Vec<&str> = triage[0]["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, vec!["Ava Stone", "Leo Stone"]);

    let id = triage[0]["id"].as_str().unwrap();
    let res = c
        .app
        .post(
            &format!("/api/v1/correspondence/{id}/assign"),
            Some(&c.reception.token),
            json!({"patient_id": second["id"]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(c.practice("triage=true").await.is_empty());
    let leo = second["id"].as_str().unwrap();
    assert_eq!(
        c.audited("correspondence.assign").await,
        vec![(Some(leo.to_owned()), Some(id.to_owned()))]
    );
    let res = c
        .app
        .post(
            &format!("/api/v1/correspondence/{id}/answered"),
            Some(&c.reception.token),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_ne!(
        res.json::<Value>().await.unwrap()["answered_at"],
        Value::Null
    );
    assert_eq!(
        c.audited("correspondence.answer").await,
        vec![(Some(leo.to_owned()), Some(id.to_owned()))]
    );
    assert_eq!(c.history(leo, &c.reception.token).await.len(), 1);
    assert!(c
        .history(first["id"].as_str().unwrap(), &c.reception.token)
        .await
        .is_empty());
    // Once matched, it cannot be moved.
    let res = c
        .app
        .post(
            &format!("/api/v1/correspondence/{id}/assign"),
            Some(&c.reception.token),
            json!({"patient_id": first["id"]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);

    // A number nobody has also waits in triage, with no candidates.
    c.inbound(
        "SM33333333333333333333333333333333",
        "+61499999999",
        "Who is this?",
    )
    .await;
    let triage = c.practice("triage=true").await;
    assert_eq!(triage.len(), 1);
    assert!(triage[0]["candidates"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn stop_withdraws_the_sms_consent_and_start_restores_it() {
    let c = clinic().await;
    assert!(c.sms_consent(&c.patient).await);
    c.inbound("SM44444444444444444444444444444444", "+61400111222", "STOP")
        .await;
    assert!(!c.sms_consent(&c.patient).await);
    let history = c.history(&c.patient, &c.reception.token).await;
    assert_ne!(
        history[0]["answered_at"],
        Value::Null,
        "STOP needs no reply"
    );
    // Appointment reminders and staff SMS now stop.
    let res = c
        .app
        .post(
            &format!("/api/v1/patients/{}/correspondence", c.patient),
            Some(&c.reception.token),
            json!({"channel": "sms", "body": "Hello"}),
        )
        .await;
    assert_eq!(problem_code(res).await, "consent_withdrawn");
    c.inbound(
        "SM55555555555555555555555555555555",
        "+61400111222",
        "start",
    )
    .await;
    assert!(c.sms_consent(&c.patient).await);
    let log = c.webhook_log().await;
    assert_eq!(log[0]["outcome"], "opted_in");
    assert_eq!(log[1]["outcome"], "opted_out");

    // A withdrawal made at the desk stands: a text saying START does not undo it.
    c.app
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/patients/{}/consents/sms_contact", c.patient),
            Some(&c.reception.token),
            Some(json!({"given": false})),
        )
        .await;
    c.inbound(
        "SM56565656565656565656565656565656",
        "+61400111222",
        "START",
    )
    .await;
    assert!(!c.sms_consent(&c.patient).await);
}

#[tokio::test]
async fn a_message_is_not_sent_once_the_patient_withdraws_consent_after_it_was_queued() {
    let c = clinic().await;
    let res = c
        .app
        .post(
            &format!("/api/v1/patients/{}/correspondence", c.patient),
            Some(&c.reception.token),
            json!({"channel": "sms", "body": "Your results are in."}),
        )
        .await;
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    c.app
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/patients/{}/consents/sms_contact", c.patient),
            Some(&c.reception.token),
            Some(json!({"given": false})),
        )
        .await;
    c.deliver().await;
    assert!(c.twilio.sent().is_empty());
    let history = c.history(&c.patient, &c.reception.token).await;
    assert_eq!(history[0]["status"], "failed");
    assert!(history[0]["error"]
        .as_str()
        .unwrap()
        .contains("withdrew consent"));
    // Nor when retried.
    let res = c
        .app
        .post(
            &format!("/api/v1/correspondence/{id}/retry"),
            Some(&c.reception.token),
            json!({}),
        )
        .await;
    assert_eq!(problem_code(res).await, "consent_withdrawn");
}

#[tokio::test]
async fn erasing_a_patient_leaves_their_messages_without_content_and_no_copy_in_the_outbox() {
    let c = clinic().await;
    let admin = c.app.user(Role::Admin).await;
    c.app
        .post(
            &format!("/api/v1/patients/{}/correspondence", c.patient),
            Some(&c.reception.token),
            json!({"channel": "sms", "body": "About your referral"}),
        )
        .await;
    c.twilio.fail_next(400, 21211);
    c.deliver().await;
    c.inbound(
        "SM88888888888888888888888888888888",
        "+61400111222",
        "My new address is 1 Elm St",
    )
    .await;
    let res = c
        .app
        .post(
            &format!("/api/v1/patients/{}/erasure", c.patient),
            Some(&admin.token),
            json!({"reason": "The patient asked in writing."}),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    let history = c.history(&c.patient, &admin.token).await;
    assert_eq!(history.len(), 2);
    for entry in &history {
        assert_eq!(entry["counterpart"], "");
        assert!(!entry["body"].as_str().unwrap().contains("Elm"));
        assert!(!entry["body"].as_str().unwrap().contains("referral"));
        assert_eq!(entry["error"], Value::Null);
    }
    assert!(c.app.outbox(&admin.token).await.is_empty());
}

#[tokio::test]
async fn a_call_not_signed_by_the_practices_twilio_is_refused_logged_and_ignored() {
    let c = clinic().await;
    let path = "/api/v1/webhooks/twilio/messages";
    let params = [
        ("MessageSid", "SM66666666666666666666666666666666"),
        ("From", "+61400111222"),
        ("To", FROM),
        ("Body", "Hello"),
    ];
    let owned: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    // Signed for another URL, another body, another account, or not at all.
    let other_url = signature(
        AUTH_TOKEN,
        &format!("{PUBLIC}/api/v1/webhooks/other"),
        &owned,
    );
    let mut altered = owned.clone();
    altered[3].1 = "Goodbye".into();
    let other_body = signature(AUTH_TOKEN, &format!("{PUBLIC}{path}"), &altered);
    let other_token = signature("another-token", &format!("{PUBLIC}{path}"), &owned);
    for sig in [
        other_url.as_str(),
        other_body.as_str(),
        other_token.as_str(),
        "",
    ] {
        let res = c.signed(path, &params, sig).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "signature {sig:?}");
    }
    assert!(c.history(&c.patient, &c.reception.token).await.is_empty());
    let log = c.webhook_log().await;
    assert_eq!(log.len(), 4);
    assert!(log
        .iter()
        .all(|e| e["verified"] == false && e["outcome"] == "refused"));
    assert!(log.iter().any(|e| e["refusal"] == "no X-Twilio-Signature"));
}

#[tokio::test]
async fn webhooks_are_refused_when_twilio_is_not_set_up() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .post(app.url("/api/v1/webhooks/twilio/messages"))
        .header("X-Twilio-Signature", "anything")
        .form(&[("MessageSid", "SM1"), ("From", "+61400111222")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_message_twilio_refuses_fails_with_its_reason_and_can_be_retried() {
    let c = clinic().await;
    c.twilio.fail_next(400, 21211);
    let res = c
        .app
        .post(
            &format!("/api/v1/patients/{}/correspondence", c.patient),
            Some(&c.reception.token),
            json!({"channel": "sms", "body": "Your results are in."}),
        )
        .await;
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    c.deliver().await;
    let failed = c.practice("status=failed").await;
    assert_eq!(failed.len(), 1);
    assert!(failed[0]["error"].as_str().unwrap().contains("21211"));
    assert_eq!(failed[0]["can_retry"], true);

    let res = c
        .app
        .post(
            &format!("/api/v1/correspondence/{id}/retry"),
            Some(&c.reception.token),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "queued");
    assert_eq!(
        c.audited("correspondence.retry").await,
        vec![(Some(c.patient.clone()), Some(id.clone()))]
    );
    assert_eq!(c.deliver().await, 1);
    assert_eq!(
        c.history(&c.patient, &c.reception.token).await[0]["status"],
        "sent"
    );
    // Only a failed message can be retried.
    let res = c
        .app
        .post(
            &format!("/api/v1/correspondence/{id}/retry"),
            Some(&c.reception.token),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn the_products_own_messages_to_a_patient_are_in_their_correspondence() {
    let c = clinic().await;
    let admin = c.app.user(Role::Admin).await;
    let res = c
        .app
        .post(
            &format!("/api/v1/patients/{}/portal-invitation", c.patient),
            Some(&admin.token),
            json!({}),
        )
        .await;
    assert!(res.status().is_success());
    let history = c.history(&c.patient, &c.reception.token).await;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["kind"], "invitation");
    assert_eq!(history[0]["channel"], "email");
    assert!(
        !history[0]["body"].as_str().unwrap().contains("token="),
        "the one-time link is never shown"
    );

    // The patient reads their own; another patient cannot.
    let own = c
        .app
        .user_for_patient(Role::Patient, Some(c.patient.parse().unwrap()))
        .await;
    assert_eq!(c.history(&c.patient, &own.token).await.len(), 1);
    let other = c.app.user_for_patient(Role::Patient, None).await;
    let res = c
        .app
        .get(
            &format!("/api/v1/patients/{}/correspondence", c.patient),
            &other.token,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn twilio_set_up_in_the_app_is_checked_and_then_signs_the_calls_it_makes() {
    let twilio = FakeTwilio::start().await.unwrap();
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let save = |values: Value| {
        let token = admin.token.clone();
        let app = &app;
        async move {
            app.send(
                reqwest::Method::PUT,
                "/api/v1/integrations/twilio",
                Some(&token),
                Some(json!({ "values": values })),
            )
            .await
        }
    };
    // A sender is needed: a number in international form, or a messaging service.
    let res = save(json!({"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN,
                          "api_base": twilio.base_url}))
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = save(json!({"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN,
                          "from": "0480 000 000", "api_base": twilio.base_url}))
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = save(
        json!({"account_sid": ACCOUNT_SID, "auth_token": "a-wrong-token",
                          "from": FROM, "api_base": twilio.base_url}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let integration: Value = res.json().await.unwrap();
    assert_eq!(integration["source"], "app");
    assert_eq!(
        integration["redirect_uri"],
        "http://carebase.test/api/v1/webhooks/twilio/messages"
    );
    assert_eq!(integration["secrets_set"], json!(["auth_token"]));
    let check: Value = app
        .post(
            "/api/v1/integrations/twilio/check",
            Some(&admin.token),
            json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(check["ok"], false);
    assert!(check["message"].as_str().unwrap().contains("20003"));

    let res = save(json!({"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN,
                          "from": FROM, "api_base": twilio.base_url}))
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let check: Value = app
        .post(
            "/api/v1/integrations/twilio/check",
            Some(&admin.token),
            json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(check["ok"], true, "{check}");

    // A new address needs the token entered again: a kept secret never goes somewhere new.
    let res = save(json!({"account_sid": ACCOUNT_SID, "from": FROM,
                          "api_base": "https://collector.example"}))
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Twilio's calls are now checked against the saved auth token.
    let params = [
        ("MessageSid", "SM77777777777777777777777777777777"),
        ("From", "+61499999998"),
        ("Body", "Hi"),
    ];
    let owned: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let path = "/api/v1/webhooks/twilio/messages";
    let good = signature(AUTH_TOKEN, &format!("{PUBLIC}{path}"), &owned);
    let res = app
        .client
        .post(app.url(path))
        .header("X-Twilio-Signature", good)
        .form(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let stale = signature("a-wrong-token", &format!("{PUBLIC}{path}"), &owned);
    let res = app
        .client
        .post(app.url(path))
        .header("X-Twilio-Signature", stale)
        .form(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_practice_edits_the_messages_staff_start_from() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let reception = app.user(Role::Receptionist).await;
    let res = app.get("/api/v1/staff-templates", &reception.token).await;
    assert_eq!(res.status(), StatusCode::OK);
    let start: Value = res.json().await.unwrap();
    assert_eq!(start["templates"][0]["name"], "Please call us");

    let ours = json!({"templates": [
        {"name": " Bring your referral ", "subject": "Your referral", "body": "Hi {first_name}, please bring your referral. {practice}"}
    ]});
    let put = |token: String, body: Value| {
        let app = &app;
        async move {
            app.send(
                reqwest::Method::PUT,
                "/api/v1/staff-templates",
                Some(&token),
                Some(body),
            )
            .await
        }
    };
    assert_eq!(
        put(reception.token.clone(), ours.clone()).await.status(),
        StatusCode::FORBIDDEN
    );
    let bad = json!({"templates": [{"name": "X", "subject": "X", "body": "Hi {patient}"}]});
    let res = put(admin.token.clone(), bad).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem_code(res).await, "validation_failed");
    assert_eq!(
        put(admin.token.clone(), ours).await.status(),
        StatusCode::OK
    );
    let now: Value = app
        .get("/api/v1/staff-templates", &reception.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(now["templates"].as_array().unwrap().len(), 1);
    assert_eq!(now["templates"][0]["name"], "Bring your referral");
    // The change's event is staged with it and chained moments later.
    app.state.audit.flush().await.unwrap();
    let changed = event::Entity::find()
        .filter(event::Column::Action.eq("staff_templates.update"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(changed, 1);
}

#[tokio::test]
async fn a_message_waiting_for_its_patient_is_erased_once_it_can_only_have_been_an_erased_patients()
{
    let c = clinic().await;
    let admin = c.app.user(Role::Admin).await;
    let ava = c
        .app
        .create_patient(&c.reception.token, patient_body("Ava", "Stone"))
        .await;
    let leo = c
        .app
        .create_patient(&c.reception.token, patient_body("Leo", "Stone"))
        .await;
    c.inbound(
        "SM23232323232323232323232323232323",
        "+61 412 345 678",
        "My new address is 2 Oak St",
    )
    .await;
    let erase = |id: String| {
        let c = &c;
        let token = admin.token.clone();
        async move {
            let res = c.app.erase(&token, id).await;
            assert_eq!(res.status(), StatusCode::OK);
        }
    };
    // It may still be Leo's: it keeps its text, and no longer names Ava.
    erase(ava["id"].as_str().unwrap().to_owned()).await;
    let triage = c.practice("triage=true").await;
    assert_eq!(triage[0]["body"], "My new address is 2 Oak St");
    assert_eq!(triage[0]["candidates"].as_array().unwrap().len(), 1);
    assert_eq!(triage[0]["candidates"][0]["name"], "Leo Stone");
    // Now it can only have been one of two erased patients'.
    erase(leo["id"].as_str().unwrap().to_owned()).await;
    let triage = c.practice("triage=true").await;
    assert!(!triage[0]["body"].as_str().unwrap().contains("Oak"));
    assert_eq!(triage[0]["counterpart"], "");
}

/// A patient answers the reminder text with "C": the appointment it reminded them of is
/// confirmed, in its history and the audit log, and the text needs no reply. A "C" with nothing
/// reminded to confirm is an ordinary message.
#[tokio::test]
async fn answering_the_reminder_with_c_confirms_the_appointment_it_reminded_of() {
    use chrono_tz::Australia::Sydney;
    let (twilio, app) = with_twilio().await;
    let p = crate::scheduling::practice_with(app).await;
    let today = chrono::Utc::now().with_timezone(&Sydney).date_naive();
    let tomorrow = today + chrono::Duration::days(1);
    let mut body = p.booking(&crate::scheduling::at(tomorrow, "10:00"));
    body["allow_outside_availability"] = json!(true);
    let booked = p.book_ok(body).await;
    let id = booked["id"].as_str().unwrap().to_owned();
    let ten = today
        .and_hms_opt(10, 0, 0)
        .unwrap()
        .and_local_timezone(Sydney)
        .earliest()
        .unwrap()
        .with_timezone(&chrono::Utc);
    let reminded =
        carebase::scheduling::send_due_reminders(&p.app.state.db, &p.app.state.crypto, ten)
            .await
            .unwrap();
    assert_eq!(reminded, 1);
    let admin = p.admin;
    let c = Clinic {
        app: p.app,
        twilio,
        reception: p.reception,
        patient: p.patient_id,
    };
    let res = c
        .inbound("SM77777777777777777777777777777777", "+61412345678", "c")
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let a: Value = c
        .app
        .get(&format!("/api/v1/appointments/{id}"), &c.reception.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(a["confirmation"]["via"], "sms", "{a}");
    assert_eq!(c.webhook_log().await[0]["outcome"], "confirmed");
    let history = c.history(&c.patient, &c.reception.token).await;
    assert_ne!(history[0]["answered_at"], Value::Null, "a C needs no reply");
    let events: Value = c
        .app
        .get(
            &format!(
                "/api/v1/audit-events?action=appointment.confirm&patient_id={}",
                c.patient
            ),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(events["total"], 1);

    // Nothing left to confirm: the next "C" waits for staff like any message.
    c.inbound("SM88888888888888888888888888888888", "+61412345678", "C")
        .await;
    assert_eq!(c.webhook_log().await[0]["outcome"], "stored");
}
