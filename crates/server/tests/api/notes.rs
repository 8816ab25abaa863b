//! Clinical notes through the API: drafts private to their author, sanitised rich text,
//! signing that locks, amendments that keep every version, attachments stored encrypted,
//! templates, the timeline, and who may see what.

use api_types::Role;
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{patient_body, problem_code, TestApp, TestUser};

pub(crate) struct Clinic {
    pub(crate) app: TestApp,
    pub(crate) admin: TestUser,
    pub(crate) practitioner: TestUser,
    pub(crate) nurse: TestUser,
    pub(crate) patient: TestUser,
    pub(crate) patient_id: String,
}

/// A patient with a portal account; a practitioner and a nurse on their care team.
pub(crate) async fn clinic() -> Clinic {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let practitioner = app.user(Role::Practitioner).await;
    let nurse = app.user(Role::Nurse).await;
    let p = app
        .create_patient(&admin.token, patient_body("Ada", "Okafor"))
        .await;
    let patient_id = p["id"].as_str().unwrap().to_owned();
    for member in [&practitioner, &nurse] {
        let res = app
            .post(
                &format!("/api/v1/patients/{patient_id}/care-team"),
                Some(&admin.token),
                json!({"user_id": member.id}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    let patient = app
        .user_for_patient(Role::Patient, Some(patient_id.parse::<Uuid>().unwrap()))
        .await;
    Clinic {
        app,
        admin,
        practitioner,
        nurse,
        patient,
        patient_id,
    }
}

impl Clinic {
    pub(crate) async fn write(&self, token: &str, body: Value) -> reqwest::Response {
        self.app
            .post(
                &format!("/api/v1/patients/{}/notes", self.patient_id),
                Some(token),
                body,
            )
            .await
    }

    pub(crate) async fn draft(&self, title: &str, html: &str) -> Value {
        let res = self
            .write(
                &self.practitioner.token,
                json!({"note_type": "soap", "title": title, "body_html": html}),
            )
            .await;
        assert_eq!(
            res.status(),
            StatusCode::CREATED,
            "{}",
            res.text().await.unwrap()
        );
        res.json().await.unwrap()
    }

    async fn notes(&self, token: &str) -> Vec<Value> {
        let res = self
            .app
            .get(
                &format!("/api/v1/patients/{}/notes", self.patient_id),
                token,
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let page: Value = res.json().await.unwrap();
        page["items"].as_array().unwrap().clone()
    }

    pub(crate) async fn upload(
        &self,
        path: &str,
        token: &str,
        bytes: Vec<u8>,
    ) -> reqwest::Response {
        self.app
            .client
            .post(self.app.url(path))
            .bearer_auth(token)
            .header("content-type", "application/octet-stream")
            .body(bytes)
            .send()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn a_draft_is_private_until_signed_then_locked_and_amended_with_every_version_kept() {
    let c = clinic().await;
    let note = c
        .draft(
            "Knee review",
            "<h3>Subjective</h3><p>Pain <b>4/10</b><script>alert(1)</script></p><p onclick=\"x()\">Walking more</p>",
        )
        .await;
    let id = note["id"].as_str().unwrap().to_owned();
    assert_eq!(note["status"], "draft");
    let html = note["body_html"].as_str().unwrap();
    assert!(html.contains("<b>4/10</b>") && !html.contains("script") && !html.contains("onclick"));

    // Drafts belong to their author: the nurse and the patient do not see it.
    assert!(c.notes(&c.nurse.token).await.is_empty());
    assert!(c.notes(&c.patient.token).await.is_empty());
    let res = c
        .app
        .get(&format!("/api/v1/notes/{id}"), &c.nurse.token)
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // Only the author changes or signs it.
    let change =
        json!({"note_type": "soap", "title": "Knee review", "body_html": "<p>Pain 3/10</p>"});
    let res = c
        .app
        .send(
            Method::PUT,
            &format!("/api/v1/notes/{id}"),
            Some(&c.admin.token),
            Some(change.clone()),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "an admin does not see another's draft"
    );
    let res = c
        .app
        .send(
            Method::PUT,
            &format!("/api/v1/notes/{id}"),
            Some(&c.practitioner.token),
            Some(change),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    let res = c
        .app
        .post(
            &format!("/api/v1/notes/{id}/sign"),
            Some(&c.practitioner.token),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let signed: Value = res.json().await.unwrap();
    assert_eq!(signed["status"], "signed");
    assert_eq!(signed["versions"].as_array().unwrap().len(), 1);
    assert_eq!(signed["versions"][0]["kind"], "original");
    assert!(signed["signed_at"].is_string());

    // Locked: no edits, no discarding, no second signature.
    let res = c
        .app
        .send(
            Method::PUT,
            &format!("/api/v1/notes/{id}"),
            Some(&c.practitioner.token),
            Some(json!({"note_type": "soap", "title": "X", "body_html": "<p>rewritten</p>"})),
        )
        .await;
    assert_eq!(problem_code(res).await, "conflict");
    let res = c
        .app
        .send(
            Method::DELETE,
            &format!("/api/v1/notes/{id}"),
            Some(&c.practitioner.token),
            None,
        )
        .await;
    assert_eq!(problem_code(res).await, "conflict");
    let res = c
        .app
        .post(
            &format!("/api/v1/notes/{id}/sign"),
            Some(&c.practitioner.token),
            json!({}),
        )
        .await;
    assert_eq!(problem_code(res).await, "conflict");

    // An amendment needs a reason, and any clinician with access may add one.
    let res = c
        .app
        .post(
            &format!("/api/v1/notes/{id}/amendments"),
            Some(&c.nurse.token),
            json!({"body_html": "<p>Pain 3/10; swelling noted</p>", "reason": ""}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    for (who, text) in [
        (&c.nurse, "swelling noted"),
        (&c.practitioner, "ice twice daily"),
    ] {
        let res = c
            .app
            .post(
                &format!("/api/v1/notes/{id}/amendments"),
                Some(&who.token),
                json!({"body_html": format!("<p>Pain 3/10; {text}</p>"), "reason": format!("Added: {text}")}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    let res = c
        .app
        .get(&format!("/api/v1/notes/{id}"), &c.patient.token)
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "the patient reads the signed note"
    );
    let amended: Value = res.json().await.unwrap();
    assert_eq!(amended["status"], "amended");
    let versions = amended["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 3);
    assert_eq!(
        versions[0]["body_html"], "<p>Pain 3/10</p>",
        "what was signed is kept as it was"
    );
    assert_eq!(versions[1]["reason"], "Added: swelling noted");
    assert_eq!(versions[1]["author_id"], c.nurse.id.to_string());
    assert_eq!(versions[2]["version"], 3);
    assert_eq!(amended["body_html"], "<p>Pain 3/10; ice twice daily</p>");

    // At rest, neither the note nor its versions hold the text.
    let db = &c.app.state.db;
    for sql in [
        "SELECT title_enc AS t, body_enc AS b FROM clinical_notes",
        "SELECT title_enc AS t, body_enc AS b FROM clinical_note_versions",
    ] {
        let rows = db
            .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .unwrap();
        assert!(!rows.is_empty());
        for r in rows {
            let t: String = r.try_get("", "t").unwrap();
            let b: String = r.try_get("", "b").unwrap();
            assert!(t.starts_with("v1.") && b.starts_with("v1."));
            assert!(!t.contains("Knee") && !b.contains("Pain"));
        }
    }

    // Each step is in the audit log with the patient.
    let audit: Value = c
        .app
        .get(
            &format!("/api/v1/audit-events?patient_id={}&limit=100", c.patient_id),
            &c.admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for a in [
        "note.create",
        "note.update",
        "note.sign",
        "note.amend",
        "note.read",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
}

#[tokio::test]
async fn racing_amendments_never_share_a_version() {
    let c = clinic().await;
    let note = c.draft("Race", "<p>Start</p>").await;
    let id = note["id"].as_str().unwrap().to_owned();
    let res = c
        .app
        .post(
            &format!("/api/v1/notes/{id}/sign"),
            Some(&c.practitioner.token),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let path = format!("/api/v1/notes/{id}/amendments");
    let sends = (0..6).map(|i| {
        c.app.post(
            &path,
            Some(&c.practitioner.token),
            json!({"body_html": format!("<p>Edit {i}</p>"), "reason": "Race"}),
        )
    });
    let results = futures_util::future::join_all(sends).await;
    let mut created = 0;
    for r in results {
        match r.status() {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => {}
            other => panic!("unexpected {other}"),
        }
    }
    let got: Value = c
        .app
        .get(&format!("/api/v1/notes/{id}"), &c.practitioner.token)
        .await
        .json()
        .await
        .unwrap();
    let versions: Vec<i64> = got["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_i64().unwrap())
        .collect();
    assert!(created >= 1);
    assert_eq!(versions, (1..=created + 1).collect::<Vec<i64>>());
}

#[tokio::test]
async fn a_note_links_only_to_its_own_patients_appointment_and_drafts_can_be_discarded() {
    let c = clinic().await;
    let res = c
        .write(
            &c.practitioner.token,
            json!({"note_type": "progress", "title": "Follow-up", "body_html": "<p>x</p>",
                   "appointment_id": Uuid::now_v7()}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = c
        .write(
            &c.practitioner.token,
            json!({"note_type": "progress", "title": "", "body_html": "<p>x</p>"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let note = c.draft("Throwaway", "<p>oops</p>").await;
    let id = note["id"].as_str().unwrap();
    let res = c
        .app
        .send(
            Method::DELETE,
            &format!("/api/v1/notes/{id}"),
            Some(&c.nurse.token),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = c
        .app
        .send(
            Method::DELETE,
            &format!("/api/v1/notes/{id}"),
            Some(&c.practitioner.token),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(c.notes(&c.practitioner.token).await.is_empty());
    // A patient cannot write notes, and a receptionist cannot read them.
    let res = c
        .write(
            &c.patient.token,
            json!({"note_type": "admin", "title": "Mine", "body_html": "<p>x</p>"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let reception = c.app.user(Role::Receptionist).await;
    let res = c
        .app
        .get(
            &format!("/api/v1/patients/{}/notes", c.patient_id),
            &reception.token,
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn templates_start_with_soap_and_are_managed_by_admins() {
    let c = clinic().await;
    let list: Vec<Value> = c
        .app
        .get("/api/v1/note-templates", &c.nurse.token)
        .await
        .json()
        .await
        .unwrap();
    let soap = list
        .iter()
        .find(|t| t["note_type"] == "soap" && t["is_default"] == true)
        .expect("a default SOAP template");
    for section in ["Subjective", "Objective", "Assessment", "Plan"] {
        assert!(soap["body_html"].as_str().unwrap().contains(section));
    }
    assert_eq!(list.len(), 5, "one default per note type");
    let body = json!({"name": "Physio SOAP", "note_type": "soap",
                      "body_html": "<h3>Range of motion</h3><p></p><style>x</style>", "is_default": true});
    let res = c
        .app
        .post("/api/v1/note-templates", Some(&c.nurse.token), body.clone())
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = c
        .app
        .post("/api/v1/note-templates", Some(&c.admin.token), body)
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    assert!(!created["body_html"].as_str().unwrap().contains("style"));
    let list: Vec<Value> = c
        .app
        .get("/api/v1/note-templates", &c.nurse.token)
        .await
        .json()
        .await
        .unwrap();
    let defaults: Vec<&Value> = list
        .iter()
        .filter(|t| t["note_type"] == "soap" && t["is_default"] == true)
        .collect();
    assert_eq!(defaults.len(), 1);
    assert_eq!(defaults[0]["name"], "Physio SOAP");
}

#[tokio::test]
async fn attachments_are_typed_by_content_capped_in_size_and_encrypted_at_rest() {
    let c = clinic().await;
    let note = c.draft("Scan", "<p>See attached</p>").await;
    let id = note["id"].as_str().unwrap();
    let pdf = b"%PDF-1.4\n1 0 obj << /Title (Ada Okafor knee) >> endobj\n%%EOF\n".to_vec();
    let res = c
        .upload(
            &format!("/api/v1/notes/{id}/attachments?filename=..%2F..%2Fknee%20scan.exe"),
            &c.practitioner.token,
            pdf.clone(),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{}",
        res.text().await.unwrap()
    );
    let doc: Value = res.json().await.unwrap();
    assert_eq!(doc["media_type"], "application/pdf");
    assert_eq!(doc["name"], "knee scan.pdf");
    assert_eq!(doc["previewable"], true);

    // An executable, and a file over the limit, are refused.
    let res = c
        .upload(
            &format!("/api/v1/notes/{id}/attachments?filename=report.pdf"),
            &c.practitioner.token,
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00".to_vec(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let mut big = b"%PDF-1.4\n".to_vec();
    big.resize(2 * 1024 * 1024 + 1, b'a');
    let res = c
        .upload(
            &format!("/api/v1/notes/{id}/attachments?filename=big.pdf"),
            &c.practitioner.token,
            big,
        )
        .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // The file comes back as it went in, with a safe disposition; the stored bytes are not it.
    let doc_id = doc["id"].as_str().unwrap();
    let res = c
        .app
        .get(
            &format!("/api/v1/documents/{doc_id}/content?disposition=inline"),
            &c.practitioner.token,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("inline; filename=\"knee scan.pdf\""));
    assert_eq!(res.bytes().await.unwrap().to_vec(), pdf);
    let db = &c.app.state.db;
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT data FROM document_chunks",
        ))
        .await
        .unwrap()
        .unwrap();
    let stored: Vec<u8> = row.try_get("", "data").unwrap();
    assert!(!stored.windows(4).any(|w| w == b"%PDF"));
    assert!(!stored.windows(4).any(|w| w == b"Okaf"));
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT name_enc FROM documents",
        ))
        .await
        .unwrap()
        .unwrap();
    let name: String = row.try_get("", "name_enc").unwrap();
    assert!(!name.contains("knee"));

    // While the note is a draft, its attachment is the author's only.
    let res = c
        .app
        .get(
            &format!("/api/v1/documents/{doc_id}/content"),
            &c.nurse.token,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = c
        .app
        .post(
            &format!("/api/v1/notes/{id}/sign"),
            Some(&c.practitioner.token),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let signed: Value = res.json().await.unwrap();
    assert_eq!(signed["attachments"][0]["id"], doc_id);
    let res = c
        .app
        .get(
            &format!("/api/v1/documents/{doc_id}/content"),
            &c.patient.token,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment;"));
    // It is kept with the signed note.
    let res = c
        .app
        .send(
            Method::DELETE,
            &format!("/api/v1/documents/{doc_id}"),
            Some(&c.practitioner.token),
            None,
        )
        .await;
    assert_eq!(problem_code(res).await, "conflict");

    let audit: Value = c
        .app
        .get(
            &format!("/api/v1/audit-events?patient_id={}&limit=100", c.patient_id),
            &c.admin.token,
        )
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for a in ["document.upload", "document.preview", "document.download"] {
        assert!(actions.contains(&a), "{a} missing");
    }
}

#[tokio::test]
async fn the_timeline_merges_the_record_and_filters_by_kind_and_note_type() {
    let c = clinic().await;
    let soap = c.draft("SOAP one", "<p>a</p>").await;
    let res = c
        .write(
            &c.practitioner.token,
            json!({"note_type": "phone_call", "title": "Called back", "body_html": "<p>b</p>"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = c
        .app
        .post(
            &format!("/api/v1/patients/{}/assessments", c.patient_id),
            Some(&c.nurse.token),
            json!({"instrument": "gad7", "answers": [1, 1, 1, 1, 1, 0, 0]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = c
        .upload(
            &format!(
                "/api/v1/patients/{}/documents?filename=letter.txt&kind=letter",
                c.patient_id
            ),
            &c.patient.token,
            b"Dear doctor".to_vec(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);

    let base = format!("/api/v1/patients/{}/timeline", c.patient_id);
    let all: Vec<Value> = c
        .app
        .get(&base, &c.practitioner.token)
        .await
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = all.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "note").count(), 2);
    assert!(kinds.contains(&"assessment") && kinds.contains(&"document"));
    let soaps: Vec<Value> = c
        .app
        .get(
            &format!("{base}?kinds=note&note_type=soap"),
            &c.practitioner.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(soaps.len(), 1);
    assert_eq!(soaps[0]["id"], soap["id"]);
    let res = c
        .app
        .get(&format!("{base}?kinds=gossip"), &c.practitioner.token)
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // The nurse sees neither of the practitioner's drafts.
    let nurse_view: Vec<Value> = c.app.get(&base, &c.nurse.token).await.json().await.unwrap();
    assert!(nurse_view.iter().all(|e| e["kind"] != "note"));
}

#[tokio::test]
async fn a_grant_by_category_opens_notes_and_documents_only_when_shared() {
    let c = clinic().await;
    let note = c.draft("Shared?", "<p>text</p>").await;
    let id = note["id"].as_str().unwrap();
    c.app
        .post(
            &format!("/api/v1/notes/{id}/sign"),
            Some(&c.practitioner.token),
            json!({}),
        )
        .await;
    let outsider = c.app.user(Role::Practitioner).await;
    let notes = format!("/api/v1/patients/{}/notes", c.patient_id);
    let documents = format!("/api/v1/patients/{}/documents", c.patient_id);
    assert_eq!(
        c.app.get(&notes, &outsider.token).await.status(),
        StatusCode::FORBIDDEN
    );
    let res = c
        .app
        .post(
            &format!("/api/v1/patients/{}/access-grants", c.patient_id),
            Some(&c.patient.token),
            json!({"grantee_id": outsider.id, "categories": ["notes"]}),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{}",
        res.text().await.unwrap()
    );
    let grant: Value = res.json().await.unwrap();
    assert_eq!(
        c.app.get(&notes, &outsider.token).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        c.app.get(&documents, &outsider.token).await.status(),
        StatusCode::FORBIDDEN
    );
    let timeline: Vec<Value> = c
        .app
        .get(
            &format!("/api/v1/patients/{}/timeline", c.patient_id),
            &outsider.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(timeline
        .iter()
        .all(|e| e["kind"] == "note" || e["kind"] == "appointment"));
    let res = c
        .app
        .send(
            Method::DELETE,
            &format!("/api/v1/access-grants/{}", grant["id"].as_str().unwrap()),
            Some(&c.patient.token),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        c.app.get(&notes, &outsider.token).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn searching_patients_never_reaches_clinical_content() {
    let c = clinic().await;
    let note = c.draft("Diabetes review", "<p>Metformin started</p>").await;
    c.app
        .post(
            &format!("/api/v1/notes/{}/sign", note["id"].as_str().unwrap()),
            Some(&c.practitioner.token),
            json!({}),
        )
        .await;
    let reception = c.app.user(Role::Receptionist).await;
    for who in [&reception, &c.practitioner] {
        let found: Value = c
            .app
            .get("/api/v1/patients?q=Metformin", &who.token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(found["total"], 0, "note text is not searchable");
    }
    let found: Value = c
        .app
        .get("/api/v1/patients?q=Okafor", &reception.token)
        .await
        .json()
        .await
        .unwrap();
    let hit = found["items"][0].as_object().unwrap();
    let mut keys: Vec<&str> = hit.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "archived_at",
            "created_at",
            "date_of_birth",
            "email",
            "first_name",
            "id",
            "last_name",
            "phone",
            "preferred_name",
            "title"
        ],
        "a search result is demographics only"
    );
    let res = c
        .app
        .get(
            &format!("/api/v1/patients/{}/timeline", c.patient_id),
            &reception.token,
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_timeline_asked_for_too_many_entries_is_refused() {
    let c = clinic().await;
    let base = format!("/api/v1/patients/{}/timeline", c.patient_id);
    for limit in ["0", "501", "9223372036854775808"] {
        let res = c
            .app
            .get(&format!("{base}?limit={limit}"), &c.practitioner.token)
            .await;
        assert_eq!(
            res.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "limit={limit}"
        );
    }
    let res = c
        .app
        .get(&format!("{base}?limit=500"), &c.practitioner.token)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn every_page_of_notes_says_how_many_there_are_whether_full_partial_or_past_the_end() {
    let c = clinic().await;
    let mut written = Vec::new();
    for n in 0..5 {
        written.push(c.draft(&format!("Visit {n}"), "<p>Seen.</p>").await["id"].clone());
    }
    written.reverse();
    let base = format!("/api/v1/patients/{}/notes", c.patient_id);
    // (limit, offset) → how many shown; every page says 5 in all, and shows the newest first.
    for (limit, offset, shown) in [
        (2, 0, 2),
        (2, 2, 2),
        (2, 4, 1),
        (5, 0, 5),
        (10, 0, 5),
        (3, 7, 0),
    ] {
        let page: Value = c
            .app
            .get(
                &format!("{base}?limit={limit}&offset={offset}"),
                &c.practitioner.token,
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(page["total"], 5, "limit {limit}, offset {offset}");
        let ids: Vec<Value> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["id"].clone())
            .collect();
        assert_eq!(ids.len(), shown, "limit {limit}, offset {offset}");
        let newest: Vec<Value> = written.iter().skip(offset).take(shown).cloned().collect();
        assert_eq!(ids, newest, "limit {limit}, offset {offset}");
    }
}
