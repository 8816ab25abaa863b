//! Secure messaging: conversations between a patient and their care team, who may read them,
//! files, closing and assigning, notices to someone offline, and the live connection.

use std::time::Duration;

use api_types::Role;
use entity::audit::event;
use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

use crate::helpers::{patient_body, problem_code, TestApp, TestUser};

/// A patient with a portal account, a practitioner on their care team, and other staff.
struct Clinic {
    app: TestApp,
    admin: TestUser,
    practitioner: TestUser,
    patient: TestUser,
    patient_id: String,
}

impl Clinic {
    async fn new() -> Clinic {
        Clinic::on(TestApp::spawn().await).await
    }

    async fn on(app: TestApp) -> Clinic {
        let admin = app.user(Role::Admin).await;
        let p = app
            .create_patient(&admin.token, patient_body("Maya", "Reid"))
            .await;
        let patient_id = p["id"].as_str().unwrap().to_owned();
        let practitioner = app.user(Role::Practitioner).await;
        let res = app
            .post(
                &format!("/api/v1/patients/{patient_id}/care-team"),
                Some(&admin.token),
                json!({"user_id": practitioner.id}),
            )
            .await;
        assert!(res.status().is_success());
        let patient = app
            .user_for_patient(Role::Patient, Some(patient_id.parse().unwrap()))
            .await;
        Clinic {
            app,
            admin,
            practitioner,
            patient,
            patient_id,
        }
    }

    /// The patient starts a conversation with their care team.
    async fn patient_writes(&self, subject: &str, body: &str) -> Value {
        let res = self
            .app
            .post(
                "/api/v1/messages/threads",
                Some(&self.patient.token),
                json!({"subject": subject, "body": body}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        res.json().await.unwrap()
    }

    async fn json(&self, path: &str, token: &str) -> Value {
        let res = self.app.get(path, token).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        res.json().await.unwrap()
    }

    async fn unread(&self, token: &str) -> u64 {
        self.json("/api/v1/messages/unread", token).await["threads"]
            .as_u64()
            .unwrap()
    }

    async fn audited(&self, action: &str) -> Vec<Option<Uuid>> {
        self.app.state.audit.flush().await.unwrap();
        event::Entity::find()
            .filter(event::Column::Action.eq(action))
            .all(&self.app.state.db)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.patient_id)
            .collect()
    }

    async fn upload(&self, token: &str, name: &str, content: &str) -> String {
        let res = self
            .app
            .client
            .post(self.app.url(&format!(
                "/api/v1/patients/{}/documents?filename={name}",
                self.patient_id
            )))
            .bearer_auth(token)
            .header("content-type", "application/octet-stream")
            .body(content.to_owned())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let doc: Value = res.json().await.unwrap();
        doc["id"].as_str().unwrap().to_owned()
    }
}

#[tokio::test]
async fn a_patient_writes_to_their_care_team_and_a_clinician_on_it_reads_and_answers() {
    let c = Clinic::new().await;
    let started = c
        .patient_writes("Dizzy since the new dose", "I feel dizzy in the mornings.")
        .await;
    let id = started["thread"]["id"].as_str().unwrap().to_owned();
    assert_eq!(started["messages"][0]["from"], "patient");
    assert_eq!(c.unread(&c.practitioner.token).await, 1);
    assert_eq!(c.unread(&c.patient.token).await, 0);

    let list = c
        .json(
            "/api/v1/messages/threads?waiting=true",
            &c.practitioner.token,
        )
        .await;
    assert_eq!(list["items"][0]["subject"], "Dizzy since the new dose");
    assert_eq!(list["items"][0]["patient_name"], "Maya Reid");
    assert_eq!(list["items"][0]["unread"], true);

    let detail = c
        .json(
            &format!("/api/v1/messages/threads/{id}"),
            &c.practitioner.token,
        )
        .await;
    assert_eq!(
        detail["messages"][0]["body"],
        "I feel dizzy in the mornings."
    );
    assert_eq!(detail["messages"][0]["author_name"], "Maya Reid");
    assert!(detail["messages"][0]["read_at"].is_null());

    let res = c
        .app
        .post(
            &format!("/api/v1/messages/threads/{id}/read"),
            Some(&c.practitioner.token),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(c.unread(&c.practitioner.token).await, 0);
    let res = c
        .app
        .post(
            &format!("/api/v1/messages/threads/{id}/messages"),
            Some(&c.practitioner.token),
            json!({"body": "Please take it with food, and call if it goes on."}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let answer: Value = res.json().await.unwrap();
    assert_eq!(answer["from"], "practice");
    assert_eq!(answer["author_name"], "Test practitioner");

    assert_eq!(c.unread(&c.patient.token).await, 1);
    let mine = c
        .json(&format!("/api/v1/messages/threads/{id}"), &c.patient.token)
        .await;
    assert_eq!(mine["messages"].as_array().unwrap().len(), 2);
    assert!(
        !mine["messages"][0]["read_at"].is_null(),
        "the patient's message shows it was read"
    );
    assert!(mine["thread"]["patient_name"].is_null());

    // The patient's correspondence lists both, without their content.
    let entries = c
        .json(
            &format!(
                "/api/v1/patients/{}/correspondence?channel=portal",
                c.patient_id
            ),
            &c.admin.token,
        )
        .await;
    let items = entries["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items
        .iter()
        .all(|e| e["body"] == "" && e["thread_id"] == id.as_str()));

    let patient: Uuid = c.patient_id.parse().unwrap();
    for action in [
        "thread.create",
        "thread.read",
        "thread.reply",
        "thread.list",
    ] {
        assert!(
            c.audited(action).await.contains(&Some(patient)),
            "{action} names the patient"
        );
    }
}

#[tokio::test]
async fn staff_off_the_care_team_and_reception_see_a_conversation_exists_but_not_what_it_says() {
    let c = Clinic::new().await;
    let id = c.patient_writes("Private", "Something personal.").await["thread"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reception = c.app.user(Role::Receptionist).await;
    let outsider = c.app.user(Role::Practitioner).await;
    // A practitioner the patient shared their whole record with still does not read their
    // conversations.
    let res = c
        .app
        .post(
            &format!("/api/v1/patients/{}/access-grants", c.patient_id),
            Some(&c.admin.token),
            json!({"grantee_id": outsider.id}),
        )
        .await;
    assert!(res.status().is_success());
    for who in [&reception, &outsider] {
        let list = c.json("/api/v1/messages/threads", &who.token).await;
        assert_eq!(list["items"][0]["id"], id.as_str());
        assert_eq!(list["items"][0]["content_visible"], false);
        assert!(list["items"][0]["subject"].is_null());
        let res = c
            .app
            .get(&format!("/api/v1/messages/threads/{id}"), &who.token)
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let res = c
            .app
            .post(
                &format!("/api/v1/messages/threads/{id}/messages"),
                Some(&who.token),
                json!({"body": "Hello"}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert_eq!(c.unread(&who.token).await, 0);
    }
}

#[tokio::test]
async fn another_patients_conversation_is_not_found() {
    let c = Clinic::new().await;
    let id = c.patient_writes("Mine", "Mine.").await["thread"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = c
        .app
        .create_patient(&c.admin.token, patient_body("Noah", "Other"))
        .await;
    let stranger = c
        .app
        .user_for_patient(
            Role::Patient,
            Some(other["id"].as_str().unwrap().parse().unwrap()),
        )
        .await;
    let res = c
        .app
        .get(&format!("/api/v1/messages/threads/{id}"), &stranger.token)
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let list = c.json("/api/v1/messages/threads", &stranger.token).await;
    assert_eq!(list["total"], 0);
}

#[tokio::test]
async fn a_conversation_with_one_clinician_is_read_by_them_and_not_by_the_rest_of_the_team() {
    let c = Clinic::new().await;
    let nurse = c.app.user(Role::Nurse).await;
    let res = c
        .app
        .post(
            &format!("/api/v1/patients/{}/care-team", c.patient_id),
            Some(&c.admin.token),
            json!({"user_id": nurse.id}),
        )
        .await;
    assert!(res.status().is_success());
    let recipients = c
        .json("/api/v1/messages/recipients", &c.patient.token)
        .await;
    assert_eq!(recipients.as_array().unwrap().len(), 2);
    let res = c
        .app
        .post(
            "/api/v1/messages/threads",
            Some(&c.patient.token),
            json!({"subject": "For the doctor", "body": "Only for you.",
                   "with_staff_id": c.practitioner.id}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let t: Value = res.json().await.unwrap();
    let id = t["thread"]["id"].as_str().unwrap();
    assert_eq!(
        t["thread"]["with_staff"]["id"],
        c.practitioner.id.to_string()
    );
    let res = c
        .app
        .get(
            &format!("/api/v1/messages/threads/{id}"),
            &c.practitioner.token,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = c
        .app
        .get(&format!("/api/v1/messages/threads/{id}"), &nurse.token)
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Someone off the care team cannot be chosen.
    let stranger = c.app.user(Role::Practitioner).await;
    let res = c
        .app
        .post(
            "/api/v1/messages/threads",
            Some(&c.patient.token),
            json!({"subject": "x", "body": "y", "with_staff_id": stranger.id}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_closed_conversation_takes_no_more_messages_until_it_is_reopened() {
    let c = Clinic::new().await;
    let id = c
        .patient_writes("Repeat script", "Could I have a repeat?")
        .await["thread"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = c
        .app
        .post(
            &format!("/api/v1/messages/threads/{id}/close"),
            Some(&c.practitioner.token),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let closed: Value = res.json().await.unwrap();
    assert_eq!(closed["status"], "closed");
    let res = c
        .app
        .post(
            &format!("/api/v1/messages/threads/{id}/messages"),
            Some(&c.patient.token),
            json!({"body": "One more thing"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let mine = c
        .json(&format!("/api/v1/messages/threads/{id}"), &c.patient.token)
        .await;
    assert_eq!(mine["thread"]["can_write"], false);
    // A patient cannot reopen it; staff can.
    let res = c
        .app
        .post(
            &format!("/api/v1/messages/threads/{id}/reopen"),
            Some(&c.patient.token),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = c
        .app
        .post(
            &format!("/api/v1/messages/threads/{id}/reopen"),
            Some(&c.practitioner.token),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = c
        .app
        .post(
            &format!("/api/v1/messages/threads/{id}/messages"),
            Some(&c.patient.token),
            json!({"body": "One more thing"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_conversation_changes_leave_their_audit_events() {
    let c = Clinic::new().await;
    let id = c.patient_writes("Audit", "Audited.").await["thread"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    c.json("/api/v1/messages/recipients", &c.patient.token)
        .await;
    for (path, body) in [
        ("read", json!({})),
        ("assign", json!({"user_id": c.practitioner.id})),
        ("close", json!({})),
        ("reopen", json!({})),
    ] {
        let res = c
            .app
            .post(
                &format!("/api/v1/messages/threads/{id}/{path}"),
                Some(&c.practitioner.token),
                body,
            )
            .await;
        assert!(res.status().is_success(), "{path}");
    }
    let patient: Uuid = c.patient_id.parse().unwrap();
    for action in [
        "thread.seen",
        "thread.assign",
        "thread.close",
        "thread.reopen",
        "care_team.read",
    ] {
        assert!(
            c.audited(action).await.contains(&Some(patient)),
            "{action} names the patient"
        );
    }
}

#[tokio::test]
async fn a_file_sent_with_a_message_must_be_one_of_the_patients_documents() {
    let c = Clinic::new().await;
    let doc = c.upload(&c.patient.token, "rash.txt", "Photo notes").await;
    let res = c
        .app
        .post(
            "/api/v1/messages/threads",
            Some(&c.patient.token),
            json!({"subject": "Rash", "body": "", "attachment_ids": [doc]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let t: Value = res.json().await.unwrap();
    assert_eq!(
        t["messages"][0]["attachments"][0]["document_id"],
        doc.as_str()
    );
    assert_eq!(t["messages"][0]["attachments"][0]["name"], "rash.txt");
    assert_eq!(
        t["messages"][0]["attachments"][0]["media_type"],
        "text/plain"
    );
    assert!(
        t["messages"][0]["attachments"][0]["size_bytes"]
            .as_i64()
            .unwrap()
            > 0
    );

    let other = c
        .app
        .create_patient(&c.admin.token, patient_body("Noah", "Other"))
        .await;
    let res = c
        .app
        .client
        .post(c.app.url(&format!(
            "/api/v1/patients/{}/documents?filename=theirs.txt",
            other["id"].as_str().unwrap()
        )))
        .bearer_auth(&c.admin.token)
        .header("content-type", "application/octet-stream")
        .body("Not Maya's")
        .send()
        .await
        .unwrap();
    let theirs: Value = res.json().await.unwrap();
    let id = t["thread"]["id"].as_str().unwrap();
    let res = c
        .app
        .post(
            &format!("/api/v1/messages/threads/{id}/messages"),
            Some(&c.practitioner.token),
            json!({"body": "See attached", "attachment_ids": [theirs["id"]]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_conversation_is_given_only_to_someone_who_may_read_it_and_counts_as_theirs() {
    let c = Clinic::new().await;
    let id = c.patient_writes("Results", "Are my results in?").await["thread"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reception = c.app.user(Role::Receptionist).await;
    let res = c
        .app
        .post(
            &format!("/api/v1/messages/threads/{id}/assign"),
            Some(&c.admin.token),
            json!({"user_id": reception.id}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = c
        .app
        .post(
            &format!("/api/v1/messages/threads/{id}/assign"),
            Some(&c.admin.token),
            json!({"user_id": c.practitioner.id}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let t: Value = res.json().await.unwrap();
    assert_eq!(t["assigned_to"]["id"], c.practitioner.id.to_string());
    let mine = c
        .json("/api/v1/messages/threads?mine=true", &c.practitioner.token)
        .await;
    assert_eq!(mine["total"], 1);
    // Given to the practitioner, it is no longer the admin's to count.
    assert_eq!(c.unread(&c.admin.token).await, 0);
    assert_eq!(c.unread(&c.practitioner.token).await, 1);
}

#[tokio::test]
async fn an_unread_message_sends_one_notice_without_its_content_to_a_patient_who_is_offline() {
    let c = Clinic::new().await;
    let id = c.patient_writes("Question", "A question.").await["thread"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = c
        .app
        .post(
            &format!("/api/v1/messages/threads/{id}/messages"),
            Some(&c.practitioner.token),
            json!({"body": "Your potassium is low; please eat bananas."}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    // Nothing yet: the patient has five minutes to read it.
    assert_eq!(
        carebase::comms::send_due_notices(&c.app.state)
            .await
            .unwrap(),
        0
    );
    entity::comms::message_thread::Entity::update_many()
        .col_expr(
            entity::comms::message_thread::Column::LastPracticeMessageAt,
            sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::minutes(10)),
        )
        .col_expr(
            entity::comms::message_thread::Column::PatientReadAt,
            sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::minutes(20)),
        )
        .exec(&c.app.state.db)
        .await
        .unwrap();
    assert_eq!(
        carebase::comms::send_due_notices(&c.app.state)
            .await
            .unwrap(),
        1
    );
    let notice = c.app.message_to("maya.reid@example.com").await;
    let text = notice.to_string();
    assert!(text.contains("new secure message"), "{text}");
    assert!(
        !text.contains("potassium") && !text.contains("Question"),
        "{text}"
    );
    // One notice per quiet period.
    assert_eq!(
        carebase::comms::send_due_notices(&c.app.state)
            .await
            .unwrap(),
        0
    );
}

pub type LiveTx = futures_util::stream::SplitSink<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    Message,
>;
pub type LiveRx = futures_util::stream::SplitStream<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
>;

async fn live(app: &TestApp, token: &str) -> (LiveTx, LiveRx) {
    live_at(&app.address, token).await
}

/// A live connection to the server at `base`, signed in with `token` and ready.
pub async fn live_at(base: &str, token: &str) -> (LiveTx, LiveRx) {
    let url = format!("{base}/api/v1/live").replace("http://", "ws://");
    let (ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let (mut tx, mut rx) = ws.split();
    tx.send(Message::text(
        json!({"type": "auth", "token": token}).to_string(),
    ))
    .await
    .unwrap();
    let ready = next_frame(&mut rx).await;
    assert_eq!(ready["type"], "ready");
    (tx, rx)
}

pub async fn next_frame(
    rx: &mut (impl futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>>
              + Unpin),
) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(20), rx.next())
            .await
            .expect("a frame within twenty seconds")
            .expect("the connection is open")
            .unwrap();
        match msg {
            Message::Text(t) => return serde_json::from_str(t.as_str()).unwrap(),
            Message::Close(c) => return json!({"closed": c.map(|c| u16::from(c.code))}),
            _ => continue,
        }
    }
}

#[tokio::test]
async fn a_reply_reaches_the_patients_open_app_at_once_and_only_theirs() {
    let c = Clinic::new().await;
    let id = c.patient_writes("Live", "Hello?").await["thread"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_ptx, mut patient_rx) = live(&c.app, &c.patient.token).await;
    let other = c
        .app
        .create_patient(&c.admin.token, patient_body("Noah", "Other"))
        .await;
    let stranger = c
        .app
        .user_for_patient(
            Role::Patient,
            Some(other["id"].as_str().unwrap().parse().unwrap()),
        )
        .await;
    let (_stx, mut stranger_rx) = live(&c.app, &stranger.token).await;
    let res = c
        .app
        .post(
            &format!("/api/v1/messages/threads/{id}/messages"),
            Some(&c.practitioner.token),
            json!({"body": "Here."}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let frame = next_frame(&mut patient_rx).await;
    assert_eq!(frame["type"], "thread");
    assert_eq!(frame["thread_id"], id.as_str());
    assert!(
        tokio::time::timeout(Duration::from_millis(300), stranger_rx.next())
            .await
            .is_err(),
        "another patient hears nothing"
    );
}

#[tokio::test]
async fn a_live_connection_needs_a_token_and_ends_with_its_session() {
    let c = Clinic::new().await;
    // Not a WebSocket handshake: a problem, as documented.
    let plain = c.app.get("/api/v1/live", &c.patient.token).await;
    assert_eq!(plain.status(), StatusCode::BAD_REQUEST);
    assert_eq!(problem_code(plain).await, "bad_request");
    let url = c.app.url("/api/v1/live").replace("http://", "ws://");
    let (ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let (mut tx, mut rx) = ws.split();
    tx.send(Message::text(r#"{"type":"auth","token":"forged"}"#))
        .await
        .unwrap();
    assert_eq!(next_frame(&mut rx).await["closed"], 4401);

    let (_tx, mut rx) = live(&c.app, &c.patient.token).await;
    let res = c
        .app
        .post("/api/v1/auth/logout", Some(&c.patient.token), json!({}))
        .await;
    assert!(res.status().is_success(), "{}", problem_code(res).await);
    assert_eq!(next_frame(&mut rx).await["closed"], 4401);
}

#[tokio::test]
async fn a_patient_with_the_app_open_gets_no_notice_until_they_close_it() {
    let c = Clinic::new().await;
    let id = c.patient_writes("Online", "Here.").await["thread"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (tx, rx) = live(&c.app, &c.patient.token).await;
    let res = c
        .app
        .post(
            &format!("/api/v1/messages/threads/{id}/messages"),
            Some(&c.practitioner.token),
            json!({"body": "An answer."}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    entity::comms::message_thread::Entity::update_many()
        .col_expr(
            entity::comms::message_thread::Column::LastPracticeMessageAt,
            sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::minutes(10)),
        )
        .col_expr(
            entity::comms::message_thread::Column::PatientReadAt,
            sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::minutes(20)),
        )
        .exec(&c.app.state.db)
        .await
        .unwrap();
    assert_eq!(
        carebase::comms::send_due_notices(&c.app.state)
            .await
            .unwrap(),
        0,
        "the patient is online"
    );
    drop((tx, rx));
    // The server notices the closed connection and ends its presence.
    let mut sent = 0;
    for _ in 0..50 {
        sent = carebase::comms::send_due_notices(&c.app.state)
            .await
            .unwrap();
        if sent > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(sent, 1);
}
