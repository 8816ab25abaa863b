//! Calling a patient from their record through a local Twilio: the member of staff's phone rings
//! first and the patient is connected from the practice's number (click-to-call TwiML), recording
//! only with the patient's consent and an announcement, each of Twilio's calls signed with its
//! real scheme, and the recording kept encrypted with its transcript and deleted from Twilio.

use api_types::Role;
use carebase::integrations::run_due;
use carebase::platform::config::{TranscriptionSettings, TwilioSettings};
use connectors::fakes::transcription::{self, FakeTranscription};
use connectors::fakes::twilio::{recording_audio, FakeTwilio, ACCOUNT_SID, AUTH_TOKEN, FROM};
use connectors::twilio::signature;
use entity::audit::event;
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};

use crate::helpers::{patient_body, problem_code, Options, TestApp, TestUser};

/// The address the test server believes it is reached at (its `public_url`).
const PUBLIC: &str = "http://carebase.test";
const RECORDING: &str = "RE0123456789abcdef0123456789abcdef";

struct Clinic {
    app: TestApp,
    twilio: FakeTwilio,
    transcriber: FakeTranscription,
    nurse: TestUser,
    patient: String,
}

async fn clinic() -> Clinic {
    let twilio = FakeTwilio::start().await.unwrap();
    let transcriber = FakeTranscription::start().await.unwrap();
    let app = TestApp::spawn_with(Options {
        twilio: Some(TwilioSettings {
            account_sid: ACCOUNT_SID.into(),
            auth_token: AUTH_TOKEN.to_owned().into(),
            from: Some(FROM.into()),
            messaging_service_sid: None,
            api_base: Some(twilio.base_url.clone()),
        }),
        transcription: Some(TranscriptionSettings {
            api_base: Some(transcriber.base_url.clone()),
            api_key: Some(transcription::API_KEY.to_owned().into()),
            model: None,
        }),
        ..Options::default()
    })
    .await;
    let nurse = app.user(Role::Nurse).await;
    let mut body = patient_body("Mia", "Nguyen");
    body["phone_numbers"] = json!([{"phone_type": "mobile", "number": "0400 111 222"}]);
    let patient = app.create_patient(&nurse.token, body).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Clinic {
        app,
        twilio,
        transcriber,
        nurse,
        patient,
    }
}

impl Clinic {
    /// Posts `params` to one of Twilio's webhooks as Twilio would: signed over the public URL.
    async fn twilio_posts(&self, path: &str, params: &[(&str, &str)]) -> reqwest::Response {
        let owned: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let sig = signature(AUTH_TOKEN, &format!("{PUBLIC}{path}"), &owned);
        self.app
            .client
            .post(self.app.url(path))
            .header("X-Twilio-Signature", sig)
            .form(params)
            .send()
            .await
            .unwrap()
    }

    async fn twiml(&self, path: &str, params: &[(&str, &str)]) -> String {
        let res = self.twilio_posts(path, params).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/xml"));
        res.text().await.unwrap()
    }

    async fn call(&self, body: Value) -> reqwest::Response {
        self.app
            .send(
                Method::POST,
                &format!("/api/v1/patients/{}/calls", self.patient),
                Some(&self.nurse.token),
                Some(body),
            )
            .await
    }

    async fn setup(&self) -> Value {
        let res = self
            .app
            .get(
                &format!("/api/v1/patients/{}/calls/setup", self.patient),
                &self.nurse.token,
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.unwrap()
    }

    async fn consent(&self, given: bool) {
        let res = self
            .app
            .send(
                Method::PUT,
                &format!("/api/v1/patients/{}/consents/call_recording", self.patient),
                Some(&self.nurse.token),
                Some(json!({"given": given})),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }

    async fn entry(&self, id: &str) -> Value {
        let res = self
            .app
            .get(
                &format!(
                    "/api/v1/patients/{}/correspondence?channel=call",
                    self.patient
                ),
                &self.nurse.token,
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let page: Value = res.json().await.unwrap();
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == id)
            .cloned()
            .expect("the call is in the patient's correspondence")
    }

    /// Starts a call and has the member of staff answer it: the TwiML Twilio is given.
    async fn answered_call(&self, record: bool) -> (String, String, String) {
        let res = self.call(json!({"record": record})).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let entry: Value = res.json().await.unwrap();
        let id = entry["id"].as_str().unwrap().to_owned();
        let placed = self.twilio.calls().last().cloned().unwrap();
        let path = placed.url.strip_prefix(PUBLIC).unwrap().to_owned();
        let twiml = self.twiml(&path, &connect_params(&placed.sid)).await;
        (id, placed.sid, twiml)
    }
}

fn connect_params(sid: &str) -> Vec<(&str, &str)> {
    vec![
        ("CallSid", sid),
        ("AccountSid", ACCOUNT_SID),
        ("From", FROM),
        ("To", "+61400999888"),
        ("CallStatus", "in-progress"),
        ("Direction", "outbound-api"),
        ("ApiVersion", "2010-04-01"),
    ]
}

#[tokio::test]
async fn a_call_rings_the_member_of_staff_then_connects_the_patient_and_records_only_with_consent()
{
    let c = clinic().await;
    let setup = c.setup().await;
    assert_eq!(setup["ready"], true);
    assert_eq!(setup["patient_phone"], "+61400111222");
    assert_eq!(setup["staff_phone"], Value::Null);
    assert_eq!(setup["may_record"], false);
    assert_eq!(setup["transcripts"], true);

    // Recording needs the patient's consent; a first call needs the phone to ring.
    let res = c
        .call(json!({"staff_phone": "0400 999 888", "record": true}))
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(problem_code(res).await, "consent_withdrawn");
    let res = c.call(json!({})).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(c.twilio.calls().is_empty());

    let res = c.call(json!({"staff_phone": "0400 999 888"})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let entry: Value = res.json().await.unwrap();
    let id = entry["id"].as_str().unwrap().to_owned();
    assert_eq!(entry["channel"], "call");
    assert_eq!(entry["status"], "queued");
    assert_eq!(entry["counterpart"], "+61400111222");
    assert_eq!(entry["call"]["recording"], Value::Null);
    // Twilio rings the nurse's phone from the practice's number, and asks the practice what to
    // do once it is answered.
    let placed = c.twilio.calls()[0].clone();
    assert_eq!(placed.to, "+61400999888");
    assert_eq!(placed.from, FROM);
    let connect = format!("/api/v1/webhooks/twilio/calls/{id}/connect");
    assert_eq!(placed.url, format!("{PUBLIC}{connect}"));
    assert_eq!(
        placed.status_callback.as_deref(),
        Some("http://carebase.test/api/v1/webhooks/twilio/call-status")
    );
    assert_eq!(c.setup().await["staff_phone"], "+61400999888");

    // A call not signed by the practice's account is refused; one naming another call hangs up.
    let res = c
        .app
        .client
        .post(c.app.url(&connect))
        .header("X-Twilio-Signature", "forged")
        .form(&connect_params(&placed.sid))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let other = c
        .twiml(
            &connect,
            &connect_params("CA0000000000000000000000000000ffff"),
        )
        .await;
    assert!(other.contains("<Hangup/>") && !other.contains("<Dial"));

    // The nurse answers: the patient is dialled from the practice's number, not recorded.
    let twiml = c.twiml(&connect, &connect_params(&placed.sid)).await;
    assert!(
        twiml.contains(&format!(r#"<Dial callerId="{FROM}""#)),
        "{twiml}"
    );
    assert!(twiml.contains("<Number>+61400111222</Number>"), "{twiml}");
    assert!(!twiml.contains("record="), "{twiml}");
    let action = format!("{PUBLIC}/api/v1/webhooks/twilio/calls/{id}/dialed");
    assert!(twiml.contains(&format!(r#"action="{action}""#)), "{twiml}");
    assert_eq!(c.entry(&id).await["status"], "sent");
    // A second answer to the same call (a replay) does not dial the patient twice.
    let again = c.twiml(&connect, &connect_params(&placed.sid)).await;
    assert!(!again.contains("<Dial"));

    let dialed = format!("/api/v1/webhooks/twilio/calls/{id}/dialed");
    let done = [
        ("CallSid", placed.sid.as_str()),
        ("AccountSid", ACCOUNT_SID),
        ("DialCallStatus", "completed"),
        ("DialCallDuration", "65"),
    ];
    assert!(c.twiml(&dialed, &done).await.contains("<Hangup/>"));
    let entry = c.entry(&id).await;
    assert_eq!(entry["status"], "delivered");
    assert_eq!(entry["call"]["seconds"], 65);
    assert_eq!(entry["staff_id"], c.nurse.id.to_string());

    c.app.state.audit.flush().await.unwrap();
    let started = event::Entity::find()
        .filter(event::Column::Action.eq("call.start"))
        .filter(event::Column::PatientId.eq(c.patient.parse::<uuid::Uuid>().unwrap()))
        .count(&c.app.state.db)
        .await
        .unwrap();
    assert_eq!(started, 1);

    // With consent, the call records both sides and the patient hears so before connecting.
    c.consent(true).await;
    assert_eq!(c.setup().await["may_record"], true);
    let (id, _, twiml) = c.answered_call(true).await;
    assert!(
        twiml.contains(r#"record="record-from-answer-dual""#),
        "{twiml}"
    );
    let announce = format!("/api/v1/webhooks/twilio/calls/{id}/announce");
    assert!(
        twiml.contains(&format!(
            r#"<Number url="{PUBLIC}{announce}" method="POST">"#
        )),
        "{twiml}"
    );
    let words = c
        .twiml(
            &announce,
            &[("CallSid", "CA00000000000000000000000000000abc")],
        )
        .await;
    assert!(
        words.contains("<Say>") && words.contains("recorded, as you agreed"),
        "{words}"
    );
    assert_eq!(c.entry(&id).await["call"]["recording"], "pending");

    // Consent withdrawn after the call was placed: it connects, unrecorded.
    let res = c.call(json!({"record": true})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let id: String = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .into();
    c.consent(false).await;
    let placed = c.twilio.calls().last().cloned().unwrap();
    let twiml = c
        .twiml(
            placed.url.strip_prefix(PUBLIC).unwrap(),
            &connect_params(&placed.sid),
        )
        .await;
    assert!(
        twiml.contains("<Dial") && !twiml.contains("record="),
        "{twiml}"
    );
    assert_eq!(c.entry(&id).await["call"]["recording"], Value::Null);

    // The patient does not answer; the nurse does not answer.
    let path = format!("/api/v1/webhooks/twilio/calls/{id}/dialed");
    let missed = [
        ("CallSid", placed.sid.as_str()),
        ("AccountSid", ACCOUNT_SID),
        ("DialCallStatus", "no-answer"),
    ];
    c.twiml(&path, &missed).await;
    let entry = c.entry(&id).await;
    assert_eq!(entry["status"], "failed");
    assert_eq!(entry["error"], "The patient did not answer.");
    let res = c.call(json!({})).await;
    let id: String = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .into();
    let placed = c.twilio.calls().last().cloned().unwrap();
    let status = [
        ("CallSid", placed.sid.as_str()),
        ("AccountSid", ACCOUNT_SID),
        ("CallStatus", "no-answer"),
    ];
    c.twiml("/api/v1/webhooks/twilio/call-status", &status)
        .await;
    let entry = c.entry(&id).await;
    assert_eq!(entry["status"], "failed");
    assert_eq!(
        entry["error"],
        "Your phone was not answered, so the patient was not called."
    );
}

#[tokio::test]
async fn a_recorded_call_is_kept_encrypted_with_its_transcript_and_deleted_at_twilio() {
    let c = clinic().await;
    c.consent(true).await;
    let res = c
        .call(json!({"staff_phone": "+61400999888", "record": true}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let id: String = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .into();
    let placed = c.twilio.calls()[0].clone();
    let connect = placed.url.strip_prefix(PUBLIC).unwrap().to_owned();
    c.twiml(&connect, &connect_params(&placed.sid)).await;
    let dialed = format!("/api/v1/webhooks/twilio/calls/{id}/dialed");
    c.twiml(
        &dialed,
        &[
            ("CallSid", placed.sid.as_str()),
            ("AccountSid", ACCOUNT_SID),
            ("DialCallStatus", "completed"),
            ("DialCallDuration", "42"),
        ],
    )
    .await;

    let recording = format!("/api/v1/webhooks/twilio/calls/{id}/recording");
    let url = format!(
        "{}/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{RECORDING}",
        c.twilio.base_url
    );
    let ready = [
        ("AccountSid", ACCOUNT_SID),
        ("CallSid", placed.sid.as_str()),
        ("RecordingSid", RECORDING),
        ("RecordingUrl", url.as_str()),
        ("RecordingStatus", "completed"),
        ("RecordingDuration", "42"),
        ("RecordingChannels", "2"),
        ("RecordingSource", "DialVerb"),
    ];
    c.twiml(&recording, &ready).await;
    assert_eq!(c.entry(&id).await["call"]["recording"], "pending");

    let pass = run_due(&c.app.state, chrono::Utc::now()).await.unwrap();
    assert_eq!(pass.done, 1, "{pass:?}");
    let entry = c.entry(&id).await;
    assert_eq!(entry["call"]["recording"], "stored");
    assert_eq!(entry["call"]["transcript"], "done");
    assert_eq!(entry["body"], transcription::TEXT);
    // The speech-to-text service was sent the recording as a multipart upload.
    let asked = c.transcriber.requests();
    assert_eq!(asked.len(), 1);
    assert!(
        String::from_utf8_lossy(&asked[0].body).contains("name=\"file\"; filename=\"call.mp3\"")
    );
    // Twilio's copy is gone; the practice's is a document of the patient's, played in place.
    assert_eq!(c.twilio.deleted_recordings(), vec![RECORDING.to_owned()]);
    // It is read like any document of the patient's clinical record (the nurse is not on the
    // patient's care team, so an administrator plays it).
    let document = entry["call"]["recording_document_id"].as_str().unwrap();
    let admin = c.app.user(Role::Admin).await;
    let res = c
        .app
        .get(
            &format!("/api/v1/documents/{document}/content"),
            &admin.token,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "audio/mpeg");
    assert_eq!(
        res.bytes().await.unwrap().to_vec(),
        recording_audio(RECORDING)
    );
    // Kept encrypted: neither the transcript nor the audio is in the database in the clear.
    let row = entity::comms::correspondence::Entity::find_by_id(id.parse::<uuid::Uuid>().unwrap())
        .one(&c.app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert!(!row.body_enc.contains("results"));
    assert_eq!(row.recording_sid, None);
    c.app.state.audit.flush().await.unwrap();
    let kept = event::Entity::find()
        .filter(event::Column::Action.eq("call.recording_store"))
        .filter(event::Column::PatientId.eq(c.patient.parse::<uuid::Uuid>().unwrap()))
        .count(&c.app.state.db)
        .await
        .unwrap();
    assert_eq!(kept, 1);

    // Twilio telling again changes nothing.
    c.twiml(&recording, &ready).await;
    assert_eq!(
        run_due(&c.app.state, chrono::Utc::now())
            .await
            .unwrap()
            .handled(),
        0
    );

    // A transcription the service refuses leaves the recording, without a transcript; a call
    // Twilio made no recording of says so.
    c.transcriber.fail_next(400);
    let (id, sid, _) = c.answered_call(true).await;
    let second = "RE0123456789abcdef0123456789abcdee";
    let ready = [
        ("AccountSid", ACCOUNT_SID),
        ("CallSid", sid.as_str()),
        ("RecordingSid", second),
        ("RecordingStatus", "completed"),
    ];
    c.twiml(
        &format!("/api/v1/webhooks/twilio/calls/{id}/recording"),
        &ready,
    )
    .await;
    run_due(&c.app.state, chrono::Utc::now()).await.unwrap();
    let entry = c.entry(&id).await;
    assert_eq!(entry["call"]["recording"], "stored");
    assert_eq!(entry["call"]["transcript"], "failed");
    let (id, sid, _) = c.answered_call(true).await;
    let absent = [
        ("AccountSid", ACCOUNT_SID),
        ("CallSid", sid.as_str()),
        ("RecordingSid", ""),
        ("RecordingStatus", "absent"),
    ];
    c.twiml(
        &format!("/api/v1/webhooks/twilio/calls/{id}/recording"),
        &absent,
    )
    .await;
    assert_eq!(c.entry(&id).await["call"]["recording"], "failed");
}
