#![allow(clippy::unwrap_used, clippy::expect_used)] // Test fixtures fail loudly.

//! The real SMTP client against a local SMTP server.

use connectors::email::{Email, EmailSender, SmtpConfig, SmtpSender, SmtpTls};
use connectors::fakes::smtp::FakeSmtp;

fn config(port: u16) -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        username: None,
        password: None,
        from: "Harbour Clinic <no-reply@harbour.example>".into(),
        tls: SmtpTls::None,
    }
}

#[tokio::test]
async fn a_message_is_delivered_with_its_envelope_headers_and_body() {
    let server = FakeSmtp::start().await.unwrap();
    let sender = SmtpSender::new(&config(server.port)).unwrap();
    sender
        .send(&Email {
            to: "jordan@clinic.test".into(),
            subject: "You're invited".into(),
            body: "Set your password here:\nhttps://carebase.test/invite?token=abc\n.\nThanks"
                .into(),
            attachments: Vec::new(),
        })
        .await
        .unwrap();
    let mail = server.received();
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].from, "no-reply@harbour.example");
    assert_eq!(mail[0].to, vec!["jordan@clinic.test"]);
    assert!(
        mail[0].data.contains("Subject: You're invited"),
        "{}",
        mail[0].data
    );
    assert!(mail[0].data.contains("To: jordan@clinic.test"));
    assert!(mail[0].data.contains("invite?token=abc"));
}

#[tokio::test]
async fn a_temporary_refusal_is_reported_as_transient() {
    let server = FakeSmtp::start_refusing().await.unwrap();
    let sender = SmtpSender::new(&config(server.port)).unwrap();
    let err = sender
        .send(&Email {
            to: "a@b.test".into(),
            subject: "s".into(),
            body: "b".into(),
            attachments: Vec::new(),
        })
        .await
        .unwrap_err();
    assert!(err.is_transient(), "{err}");
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn a_bad_address_is_not_retried() {
    let server = FakeSmtp::start().await.unwrap();
    let sender = SmtpSender::new(&config(server.port)).unwrap();
    let err = sender
        .send(&Email {
            to: "not an address".into(),
            subject: "s".into(),
            body: "b".into(),
            attachments: Vec::new(),
        })
        .await
        .unwrap_err();
    assert!(!err.is_transient());
}

#[tokio::test]
async fn an_invite_travels_as_a_calendar_attachment() {
    let server = FakeSmtp::start().await.unwrap();
    let sender = SmtpSender::new(&config(server.port)).unwrap();
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n";
    sender
        .send(&Email {
            to: "jordan@clinic.test".into(),
            subject: "Your appointment".into(),
            body: "See you then.".into(),
            attachments: vec![connectors::email::Attachment {
                filename: "appointment.ics".into(),
                content_type: "text/calendar; charset=UTF-8; method=REQUEST".into(),
                content: ics.into(),
            }],
        })
        .await
        .unwrap();
    let data = &server.received()[0].data;
    assert!(data.contains("multipart/mixed"), "{data}");
    assert!(data.contains("text/calendar"), "{data}");
    assert!(data.contains("method=REQUEST"), "{data}");
    assert!(data.contains("appointment.ics"), "{data}");
    assert!(data.contains("See you then."), "{data}");
}
