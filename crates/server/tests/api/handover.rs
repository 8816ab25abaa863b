//! A server stopped while handing a message to its provider: the message is neither lost nor
//! sent twice. Twilio is asked whether an SMS went; a mail server cannot be asked, so such an
//! email is left for staff to send again rather than risk a second copy.

use api_types::Role;
use carebase::comms::deliver_due;
use chrono::{Duration, Utc};
use connectors::fakes::smtp::FakeSmtp;
use entity::comms::{correspondence, outbox_message};
use reqwest::StatusCode;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use crate::correspondence::clinic;
use crate::helpers::TestApp;
use crate::outbox::sender;

/// What a server stopped mid-handover leaves: every message, or the one given, claimed and
/// marked as being handed over `ago`, with nothing recorded of how it went.
async fn stopped_mid_handover(app: &TestApp, only: Option<uuid::Uuid>, ago: Duration) {
    let mut update = outbox_message::Entity::update_many()
        .col_expr(
            outbox_message::Column::Status,
            Expr::value(api_types::admin::OutboxStatus::Pending),
        )
        .col_expr(
            outbox_message::Column::SendingAt,
            Expr::value(Utc::now() - ago),
        )
        .col_expr(
            outbox_message::Column::NextAttemptAt,
            Expr::value(Utc::now()),
        )
        .col_expr(
            outbox_message::Column::SentAt,
            Expr::value(None::<chrono::DateTime<Utc>>),
        );
    if let Some(id) = only {
        update = update.filter(outbox_message::Column::Id.eq(id));
    }
    update.exec(&app.state.db).await.unwrap();
}

#[tokio::test]
async fn an_sms_whose_handover_was_cut_short_is_looked_up_at_twilio_not_sent_twice() {
    let c = clinic().await;
    let path = format!("/api/v1/patients/{}/correspondence", c.patient);
    let write = |body: &'static str| {
        c.app.post(
            &path,
            Some(&c.reception.token),
            json!({"channel": "sms", "body": body}),
        )
    };
    assert_eq!(
        write("Your results are in.").await.status(),
        StatusCode::CREATED
    );
    assert_eq!(c.deliver().await, 1);
    let first = c.twilio.sent();
    assert_eq!(first.len(), 1);

    // Twilio took it, but the server stopped before recording so.
    stopped_mid_handover(&c.app, None, Duration::seconds(2)).await;
    assert_eq!(c.deliver().await, 1);
    assert_eq!(c.twilio.sent().len(), 1, "not sent a second time");
    let history = c.history(&c.patient, &c.reception.token).await;
    assert_eq!(history[0]["status"], "sent");
    // Its delivery reports will find it: it knows Twilio's id for it.
    let entry = correspondence::Entity::find()
        .one(&c.app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(entry.provider_ref.as_deref(), Some(first[0].sid.as_str()));

    // The server stopped before Twilio had it: it goes now, once.
    assert_eq!(
        write("Please book a follow-up.").await.status(),
        StatusCode::CREATED
    );
    let waiting: Vec<uuid::Uuid> = outbox_message::Entity::find()
        .filter(outbox_message::Column::SentAt.is_null())
        .all(&c.app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(waiting.len(), 1);
    stopped_mid_handover(&c.app, Some(waiting[0]), Duration::seconds(1)).await;
    assert_eq!(c.deliver().await, 1);
    let sent = c.twilio.sent();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1].body, "Please book a follow-up.");
    assert_eq!(c.deliver().await, 0);
    assert_eq!(c.twilio.sent().len(), 2);
}

#[tokio::test]
async fn an_email_whose_handover_was_cut_short_waits_for_staff_rather_than_arrive_twice() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let res = app
        .post(
            "/api/v1/invitations",
            Some(&admin.token),
            json!({"email": "tessa@clinic.test", "name": "Tessa Hughes", "role": "nurse"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let smtp = FakeSmtp::start().await.unwrap();
    stopped_mid_handover(&app, None, Duration::seconds(2)).await;
    assert_eq!(
        deliver_due(&app.state.db, &app.state.crypto, &sender(smtp.port))
            .await
            .unwrap(),
        1
    );
    assert!(smtp.received().is_empty(), "not sent again by itself");
    let outbox: Vec<Value> = app.outbox(&admin.token).await;
    assert_eq!(outbox[0]["status"], "failed");
    assert!(
        outbox[0]["last_error"]
            .as_str()
            .unwrap()
            .contains("may have gone"),
        "{}",
        outbox[0]
    );
    // An administrator sends it again, once.
    let id = outbox[0]["id"].as_str().unwrap().to_owned();
    let res = app
        .post(
            &format!("/api/v1/outbox/{id}/retry"),
            Some(&admin.token),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = app
        .post(
            &format!("/api/v1/outbox/{id}/retry"),
            Some(&admin.token),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "only a failed one");
    assert_eq!(
        deliver_due(&app.state.db, &app.state.crypto, &sender(smtp.port))
            .await
            .unwrap(),
        1
    );
    assert_eq!(smtp.received().len(), 1);
    assert_eq!(app.outbox(&admin.token).await[0]["status"], "sent");
    // Nothing else is held back: a new message goes at once.
    let res = app
        .post(
            "/api/v1/invitations",
            Some(&admin.token),
            json!({"email": "omar@clinic.test", "name": "Omar Haddad", "role": "receptionist"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(
        deliver_due(&app.state.db, &app.state.crypto, &sender(smtp.port))
            .await
            .unwrap(),
        1
    );
    assert_eq!(smtp.received().len(), 2);
}
