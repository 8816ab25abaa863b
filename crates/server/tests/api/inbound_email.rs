//! Patients' emails through the practice's Mailgun inbound route: signed with Mailgun's real
//! scheme, matched by the sender's address, attachments filed in the documents by their content,
//! replays refused, unknown senders held in triage with their files.

use api_types::Role;
use carebase::platform::config::MailgunSettings;
use chrono::Utc;
use connectors::mailgun::sign;
use entity::audit::event;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{patient_body, Options, TestApp, TestUser};

const KEY: &str = "key-clinic-webhook-signing";
const PATH: &str = "/api/v1/webhooks/mailgun/messages";

struct Clinic {
    app: TestApp,
    staff: TestUser,
    patient: String,
}

async fn clinic() -> Clinic {
    let app = TestApp::spawn_with(Options {
        mailgun: Some(MailgunSettings {
            webhook_signing_key: KEY.to_owned().into(),
        }),
        ..Options::default()
    })
    .await;
    let staff = app.user(Role::Admin).await;
    let mut body = patient_body("Mia", "Nguyen");
    body["email"] = json!("mia.nguyen@example.com");
    let patient = app.create_patient(&staff.token, body).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Clinic {
        app,
        staff,
        patient,
    }
}

/// A multipart body as Mailgun's `forward()` posts it.
struct Email {
    fields: Vec<(String, String)>,
    files: Vec<(String, String, Vec<u8>)>,
}

impl Email {
    fn from(sender: &str, subject: &str, text: &str) -> Email {
        let timestamp = Utc::now().timestamp().to_string();
        let token = Uuid::now_v7().simple().to_string();
        let signature = sign(KEY, &timestamp, &token);
        let message_id = format!("<{}@mail.example.com>", Uuid::now_v7().simple());
        Email {
            fields: [
                ("recipient", "reception@mg.clinic.example"),
                ("sender", sender),
                ("from", &format!("Someone <{sender}>")),
                ("subject", subject),
                ("body-plain", &format!("{text}\n\n-- \nSent from my phone")),
                ("stripped-text", text),
                ("Message-Id", &message_id),
                ("X-Mailgun-Dkim-Check-Result", "Pass"),
                ("X-Mailgun-Spf", "Pass"),
                ("timestamp", &timestamp),
                ("token", &token),
                ("signature", &signature),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
            files: Vec::new(),
        }
    }

    fn set(mut self, name: &str, value: &str) -> Email {
        for f in &mut self.fields {
            if f.0 == name {
                f.1 = value.to_owned();
            }
        }
        self
    }

    fn attach(mut self, filename: &str, content_type: &str, bytes: &[u8]) -> Email {
        self.files
            .push((filename.to_owned(), content_type.to_owned(), bytes.to_vec()));
        let count = self.files.len().to_string();
        self.fields.retain(|f| f.0 != "attachment-count");
        self.fields.push(("attachment-count".into(), count));
        self
    }

    async fn post(&self, app: &TestApp) -> reqwest::Response {
        let boundary = "----carebase-test-boundary";
        let mut body = Vec::new();
        for (name, value) in &self.fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        for (i, (filename, content_type, bytes)) in self.files.iter().enumerate() {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"attachment-{}\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n",
                    i + 1
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        app.client
            .post(app.url(PATH))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .unwrap()
    }
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

impl Clinic {
    async fn history(&self, patient: &str) -> Vec<Value> {
        let res = self
            .app
            .get(
                &format!("/api/v1/patients/{patient}/correspondence"),
                &self.staff.token,
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json::<Value>().await.unwrap()["items"]
            .as_array()
            .unwrap()
            .clone()
    }

    async fn documents(&self, patient: &str) -> Vec<Value> {
        let res = self
            .app
            .get(
                &format!("/api/v1/patients/{patient}/documents"),
                &self.staff.token,
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json::<Value>().await.unwrap()["items"]
            .as_array()
            .unwrap()
            .clone()
    }

    async fn log(&self) -> Vec<Value> {
        let res = self
            .app
            .get("/api/v1/webhook-events?provider=mailgun", &self.staff.token)
            .await;
        res.json::<Value>().await.unwrap()["items"]
            .as_array()
            .unwrap()
            .clone()
    }
}

#[tokio::test]
async fn an_email_from_a_patient_lands_in_their_correspondence_with_its_attachment_filed() {
    let c = clinic().await;
    let email = Email::from(
        "mia.nguyen@example.com",
        "My referral",
        "Here is the letter.",
    )
    .attach("referral letter.pdf", "application/pdf", PDF);
    let res = email.post(&c.app).await;
    assert_eq!(res.status(), StatusCode::OK);

    let history = c.history(&c.patient).await;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["channel"], "email");
    assert_eq!(history[0]["direction"], "inbound");
    assert_eq!(history[0]["subject"], "My referral");
    assert_eq!(history[0]["body"], "Here is the letter.");
    assert_eq!(history[0]["attachments"], json!(["referral letter.pdf"]));
    let documents = c.documents(&c.patient).await;
    assert_eq!(documents.len(), 1);
    assert_eq!(documents[0]["media_type"], "application/pdf");
    assert_eq!(documents[0]["source"], "patient");
    c.app.state.audit.flush().await.unwrap();
    let events = event::Entity::find()
        .filter(event::Column::Action.is_in(["correspondence.receive", "document.upload"]))
        .all(&c.app.state.db)
        .await
        .unwrap();
    assert_eq!(events.len(), 2, "the email and its filed attachment");
    assert!(events
        .iter()
        .all(|e| e.patient_id.map(|p| p.to_string()) == Some(c.patient.clone())));

    // The same call again (its token already taken) is answered and ignored.
    let again = email.post(&c.app).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(c.history(&c.patient).await.len(), 1);
    assert_eq!(c.documents(&c.patient).await.len(), 1);
    let log = c.log().await;
    assert_eq!(log[0]["outcome"], "duplicate");
    assert_eq!(log[1]["outcome"], "stored");

    // The check in Settings → Integrations reads how Mailgun's last call went.
    let check: Value = c
        .app
        .post(
            "/api/v1/integrations/mailgun/check",
            Some(&c.staff.token),
            json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(check["ok"], true, "{check}");
}

#[tokio::test]
async fn an_email_not_signed_with_the_practices_key_or_too_old_is_refused() {
    let c = clinic().await;
    let forged = Email::from("mia.nguyen@example.com", "Hello", "Hi")
        .set("signature", &sign("another-key", "1", "2"));
    assert_eq!(forged.post(&c.app).await.status(), StatusCode::FORBIDDEN);
    let old = (Utc::now().timestamp() - 600).to_string();
    let stale = Email::from("mia.nguyen@example.com", "Hello", "Hi")
        .set("timestamp", &old)
        .set("signature", &sign(KEY, &old, "tok"))
        .set("token", "tok");
    assert_eq!(stale.post(&c.app).await.status(), StatusCode::FORBIDDEN);
    assert!(c.history(&c.patient).await.is_empty());
    let log = c.log().await;
    assert_eq!(log.len(), 2);
    assert!(log.iter().all(|e| e["verified"] == false));
    assert_eq!(
        log[0]["refusal"],
        "the timestamp is more than five minutes from now"
    );
    assert_eq!(log[1]["refusal"], "the signature does not match");
}

#[tokio::test]
async fn an_email_from_an_unknown_sender_keeps_its_files_until_staff_choose_the_patient() {
    let c = clinic().await;
    let res = Email::from(
        "someone.else@example.net",
        "Scan",
        "From my partner's account",
    )
    .attach("scan.pdf", "application/pdf", PDF)
    .post(&c.app)
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let triage: Value = c
        .app
        .get("/api/v1/correspondence?triage=true", &c.staff.token)
        .await
        .json()
        .await
        .unwrap();
    let item = &triage["items"][0];
    assert_eq!(item["attachments"], json!(["scan.pdf"]));
    assert!(c.documents(&c.patient).await.is_empty());
    let id = item["id"].as_str().unwrap();
    let res = c
        .app
        .post(
            &format!("/api/v1/correspondence/{id}/assign"),
            Some(&c.staff.token),
            json!({"patient_id": c.patient}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let documents = c.documents(&c.patient).await;
    assert_eq!(documents.len(), 1);
    assert_eq!(documents[0]["description"], "Emailed by the patient: Scan");
}

#[tokio::test]
async fn an_email_whose_sender_is_not_vouched_for_waits_in_triage_with_its_files() {
    let c = clinic().await;
    let res = Email::from(
        "mia.nguyen@example.com",
        "Urgent",
        "Please add this to my file",
    )
    .set("X-Mailgun-Dkim-Check-Result", "Fail")
    .set("X-Mailgun-Spf", "SoftFail")
    .attach("forged.pdf", "application/pdf", PDF)
    .post(&c.app)
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(c.history(&c.patient).await.is_empty());
    assert!(c.documents(&c.patient).await.is_empty());
    let triage: Value = c
        .app
        .get("/api/v1/correspondence?triage=true", &c.staff.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(triage["items"][0]["candidates"][0]["patient_id"], c.patient);
}

#[tokio::test]
async fn an_attachment_larger_than_the_practice_keeps_is_named_in_the_email_and_a_huge_body_is_refused(
) {
    let c = clinic().await;
    // Twice the upload limit (2 MB in tests) is the most an email's files may hold: the email
    // still arrives, and says which file was not kept.
    let res = Email::from("mia.nguyen@example.com", "Scans", "All my scans")
        .attach("letter.pdf", "application/pdf", PDF)
        .attach("scans.pdf", "application/pdf", &vec![b'%'; 5 * 1024 * 1024])
        .post(&c.app)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let history = c.history(&c.patient).await;
    assert_eq!(history.len(), 1);
    let body = history[0]["body"].as_str().unwrap();
    assert!(body.starts_with("All my scans"), "{body}");
    assert!(
        body.contains(
            "[Attachment not kept: scans.pdf (5.0 MB) is larger than the practice accepts."
        ),
        "{body}"
    );
    assert_eq!(history[0]["attachments"], json!(["letter.pdf"]));
    assert_eq!(c.documents(&c.patient).await.len(), 1);

    // Beyond four times that, nothing is read.
    let res = Email::from("mia.nguyen@example.com", "Everything", "All of it")
        .attach("all.pdf", "application/pdf", &vec![b'%'; 17 * 1024 * 1024])
        .post(&c.app)
        .await;
    assert_eq!(res.status(), StatusCode::NOT_ACCEPTABLE);
    assert_eq!(c.history(&c.patient).await.len(), 1);
    let log = c.log().await;
    assert_eq!(
        log[0]["refusal"],
        "the email is larger than the practice accepts"
    );
}
