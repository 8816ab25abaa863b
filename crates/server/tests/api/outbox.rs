use std::sync::Arc;

use api_types::Role;
use carebase::comms::{deliver_due, Senders};
use connectors::email::{SmtpConfig, SmtpSender, SmtpTls};
use connectors::fakes::smtp::FakeSmtp;
use serde_json::{json, Value};

use crate::helpers::TestApp;

pub(crate) fn sender(port: u16) -> Senders {
    Senders {
        email: Some(Arc::new(
            SmtpSender::new(&SmtpConfig {
                host: "127.0.0.1".into(),
                port,
                username: None,
                password: None,
                from: "Carebase <no-reply@carebase.test>".into(),
                tls: SmtpTls::None,
            })
            .unwrap(),
        )),
        sms: None,
    }
}

#[tokio::test]
async fn queued_email_is_delivered_once_through_smtp() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    app.post(
        "/api/v1/invitations",
        Some(&admin.token),
        json!({"email": "tessa@clinic.test", "name": "Tessa Hughes", "role": "nurse"}),
    )
    .await;
    let smtp = FakeSmtp::start().await.unwrap();
    let smtp_sender = sender(smtp.port);
    assert_eq!(
        deliver_due(&app.state.db, &app.state.crypto, &smtp_sender)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        deliver_due(&app.state.db, &app.state.crypto, &smtp_sender)
            .await
            .unwrap(),
        0,
        "never sent twice"
    );
    let mail = smtp.received();
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].to, vec!["tessa@clinic.test"]);
    assert!(mail[0].data.contains("/invite?token="));
    let outbox = app.outbox(&admin.token).await;
    assert_eq!(outbox[0]["status"], "sent");
    assert_eq!(outbox[0]["attempts"], 1);
}

#[tokio::test]
async fn a_refused_delivery_is_retried_later_and_the_error_is_visible() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    app.post(
        "/api/v1/auth/password-reset",
        None,
        json!({"email": admin.email}),
    )
    .await;
    app.message_to(&admin.email).await;
    let smtp = FakeSmtp::start_refusing().await.unwrap();
    assert_eq!(
        deliver_due(&app.state.db, &app.state.crypto, &sender(smtp.port))
            .await
            .unwrap(),
        1
    );
    let outbox: Vec<Value> = app.outbox(&admin.token).await;
    assert_eq!(outbox[0]["status"], "pending");
    assert_eq!(outbox[0]["attempts"], 1);
    assert!(outbox[0]["last_error"].as_str().unwrap().contains("451"));
    // Backed off: not due again straight away.
    assert_eq!(
        deliver_due(&app.state.db, &app.state.crypto, &sender(smtp.port))
            .await
            .unwrap(),
        0
    );
}

/// Reading the outbox shows patients' addresses and subjects, so its audit event names each
/// patient whose messages were on the page.
#[tokio::test]
async fn reading_the_outbox_is_audited_against_the_patients_whose_messages_it_showed() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let p = app
        .create_patient(
            &admin.token,
            crate::helpers::patient_body("Lena", "Fischer"),
        )
        .await;
    let id = p["id"].as_str().unwrap();
    let res = app
        .post(
            &format!("/api/v1/patients/{id}/portal-invitation"),
            Some(&admin.token),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), reqwest::StatusCode::CREATED);
    assert!(!app.outbox(&admin.token).await.is_empty());
    let events: Value = app
        .get(
            &format!("/api/v1/audit-events?action=outbox.read&patient_id={id}"),
            &admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(events["total"], 1, "{events}");
}
