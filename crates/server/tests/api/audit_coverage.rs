//! Every operation that reads or writes a patient's data leaves an audit event naming them.
//!
//! Each operation of the API is listed below: as one on a patient's record (driven here, on a
//! record with one of everything, and expected to add an event whose patient is the record's),
//! as a list across patients (an event naming the patient among those shown), as one driven by
//! another test that checks its event (the provider callbacks, feeds and invitations), or as not
//! touching patient data, with why. A new operation fails `every_operation_is_classified` until it
//! is listed, so an unaudited read of patient data cannot be added unnoticed.

use std::collections::{BTreeMap, BTreeSet};

use api_types::Role;
use chrono::{Duration, Utc, Weekday};
use entity::audit::event;
use reqwest::Method;
use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{patient_body, TestApp, TestUser};
use crate::scheduling::{at, next, practice_with, Practice};

/// How an operation relates to patient data.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    /// Reads or writes one patient's record: driven here.
    Record,
    /// Lists across patients: driven here, the event names the patients shown.
    List,
    /// Driven by the named test, which checks its audit event.
    Elsewhere(&'static str),
    /// Touches no patient's data.
    NotPatient(&'static str),
}

use Kind::*;

pub(crate) const OPERATIONS: &[(&str, &str, Kind)] = &[
    ("GET", "/healthz", NotPatient("liveness")),
    ("GET", "/readyz", NotPatient("readiness")),
    ("GET", "/metrics", NotPatient("counters only")),
    ("POST", "/api/v1/auth/login", NotPatient("the account's own sign-in, audited as auth.login")),
    ("POST", "/api/v1/auth/mfa/verify", NotPatient("the account's own sign-in")),
    ("POST", "/api/v1/auth/refresh", NotPatient("the account's own session")),
    ("POST", "/api/v1/auth/logout", NotPatient("the account's own session")),
    ("GET", "/api/v1/auth/me", NotPatient("the account itself")),
    ("GET", "/api/v1/auth/sessions", NotPatient("the account itself")),
    ("DELETE", "/api/v1/auth/sessions/{id}", NotPatient("the account itself")),
    ("GET", "/api/v1/auth/activity", NotPatient("the session's idle time")),
    ("POST", "/api/v1/auth/activity", NotPatient("the session's idle time")),
    ("POST", "/api/v1/auth/mfa/totp/enroll", NotPatient("the account itself")),
    ("POST", "/api/v1/auth/mfa/totp/confirm", NotPatient("the account itself")),
    ("POST", "/api/v1/auth/mfa/totp/disable", NotPatient("the account itself")),
    ("POST", "/api/v1/auth/mfa/recovery-codes", NotPatient("the account itself")),
    ("POST", "/api/v1/auth/password", NotPatient("the account itself")),
    ("POST", "/api/v1/auth/password-reset", NotPatient("the account itself")),
    ("POST", "/api/v1/auth/password-reset/confirm", NotPatient("the account itself")),
    ("GET", "/api/v1/auth/invitations/{token}", NotPatient("shows the invitee their own invitation")),
    ("POST", "/api/v1/auth/invitations/accept", Elsewhere("invitations::staff_invite_a_patient_to_the_portal_and_the_account_is_linked")),
    ("GET", "/api/v1/api-keys", NotPatient("keys")),
    ("POST", "/api/v1/api-keys", NotPatient("keys")),
    ("DELETE", "/api/v1/api-keys/{id}", NotPatient("keys")),
    ("GET", "/api/v1/users", List),
    ("GET", "/api/v1/users/{id}", Record),
    ("PATCH", "/api/v1/users/{id}", Record),
    ("GET", "/api/v1/invitations", List),
    ("POST", "/api/v1/invitations", NotPatient("staff invitations only")),
    ("DELETE", "/api/v1/invitations/{id}", Record),
    ("GET", "/api/v1/patients", List),
    ("GET", "/api/v1/patient-names", List),
    ("POST", "/api/v1/patients", Record),
    ("GET", "/api/v1/patients/{id}", Record),
    ("PATCH", "/api/v1/patients/{id}", Record),
    ("DELETE", "/api/v1/patients/{id}", Record),
    ("POST", "/api/v1/patients/{id}/restore", Record),
    ("GET", "/api/v1/patients/{id}/consents", Record),
    ("PUT", "/api/v1/patients/{id}/consents/{kind}", Record),
    ("GET", "/api/v1/patients/{id}/access-log", Record),
    ("GET", "/api/v1/patients/{id}/export", Record),
    ("GET", "/api/v1/patients/{id}/data-requests", Record),
    ("POST", "/api/v1/patients/{id}/data-requests", Record),
    ("GET", "/api/v1/data-requests", List),
    ("POST", "/api/v1/data-requests/{id}/resolve", Record),
    ("GET", "/api/v1/patients/{id}/erasure", Record),
    ("POST", "/api/v1/patients/{id}/erasure", Record),
    ("GET", "/api/v1/patients/{id}/access-grants", Record),
    ("GET", "/api/v1/patients/{id}/access-grants/candidates", Record),
    ("POST", "/api/v1/patients/{id}/access-grants", Record),
    ("DELETE", "/api/v1/access-grants/{id}", Record),
    ("GET", "/api/v1/patients/{id}/care-team", Record),
    ("POST", "/api/v1/patients/{id}/care-team", Record),
    ("DELETE", "/api/v1/patients/{id}/care-team/{user_id}", Record),
    ("GET", "/api/v1/patients/{id}/clinical-access", Record),
    ("POST", "/api/v1/patients/{id}/break-glass", Record),
    ("POST", "/api/v1/patients/{id}/portal-invitation", Record),
    ("GET", "/api/v1/patients/{id}/portal-invitation", Record),
    ("POST", "/api/v1/patients/{id}/portal-invitation/approve", Record),
    ("GET", "/api/v1/metric-definitions", NotPatient("the catalogue")),
    ("POST", "/api/v1/patients/{id}/observations", Record),
    ("GET", "/api/v1/patients/{id}/observations", Record),
    ("GET", "/api/v1/patients/{id}/observations/latest", Record),
    ("GET", "/api/v1/patients/{id}/observations/trends", Record),
    ("GET", "/api/v1/patients/{id}/observations/export", Record),
    ("GET", "/api/v1/patients/{id}/target-ranges", Record),
    ("PUT", "/api/v1/patients/{id}/target-ranges", Record),
    ("GET", "/api/v1/patients/{id}/devices", Record),
    ("POST", "/api/v1/patients/{id}/devices/withings/connect", Elsewhere("devices::a_patient_connects_withings_and_readings_flow_in")),
    ("POST", "/api/v1/patients/{id}/devices/withings/sync", Elsewhere("devices::a_patient_connects_withings_and_readings_flow_in")),
    ("DELETE", "/api/v1/patients/{id}/devices/withings", Elsewhere("devices::a_patient_connects_withings_and_readings_flow_in")),
    ("GET", "/api/v1/integrations/withings/callback", Elsewhere("devices::a_patient_connects_withings_and_readings_flow_in")),
    ("POST", "/api/v1/integrations/withings/notify/{token}", Elsewhere("devices::a_patient_connects_withings_and_readings_flow_in")),
    ("HEAD", "/api/v1/integrations/withings/notify/{token}", NotPatient("Withings checking the address answers")),
    ("GET", "/api/v1/assessment-instruments", NotPatient("the catalogue")),
    ("GET", "/api/v1/patients/{id}/assessments", Record),
    ("POST", "/api/v1/patients/{id}/assessments", Record),
    ("GET", "/api/v1/assessments/urgent", List),
    ("POST", "/api/v1/assessments/{id}/review", Record),
    ("GET", "/api/v1/note-templates", NotPatient("the practice's templates")),
    ("POST", "/api/v1/note-templates", NotPatient("the practice's templates")),
    ("PUT", "/api/v1/note-templates/{id}", NotPatient("the practice's templates")),
    ("GET", "/api/v1/patients/{id}/notes", Record),
    ("POST", "/api/v1/patients/{id}/notes", Record),
    ("GET", "/api/v1/notes/{id}", Record),
    ("PUT", "/api/v1/notes/{id}", Record),
    ("DELETE", "/api/v1/notes/{id}", Record),
    ("POST", "/api/v1/notes/{id}/sign", Record),
    ("POST", "/api/v1/notes/{id}/amendments", Record),
    ("POST", "/api/v1/notes/{id}/attachments", Record),
    ("GET", "/api/v1/patients/{id}/documents", Record),
    ("POST", "/api/v1/patients/{id}/documents", Record),
    ("GET", "/api/v1/documents/{id}/content", Record),
    ("DELETE", "/api/v1/documents/{id}", Record),
    ("GET", "/api/v1/patients/{id}/imaging-studies", Record),
    ("POST", "/api/v1/patients/{id}/imaging-studies", Record),
    ("PUT", "/api/v1/imaging-studies/{id}", Record),
    ("GET", "/api/v1/patients/{id}/timeline", Record),
    ("GET", "/api/v1/patients/{id}/medications", Record),
    ("POST", "/api/v1/patients/{id}/medications", Record),
    ("PUT", "/api/v1/medications/{id}", Record),
    ("POST", "/api/v1/medications/{id}/prescriptions", Record),
    ("POST", "/api/v1/prescriptions/{id}/cancel", Record),
    ("POST", "/api/v1/medications/{id}/doses", Record),
    ("GET", "/api/v1/medications/{id}/adherence", Record),
    ("GET", "/api/v1/patients/{id}/therapy-sessions", Record),
    ("POST", "/api/v1/patients/{id}/therapy-sessions", Record),
    ("PUT", "/api/v1/therapy-sessions/{id}", Record),
    ("GET", "/api/v1/patients/{id}/homework", Record),
    ("POST", "/api/v1/patients/{id}/homework", Record),
    ("POST", "/api/v1/homework/{id}/complete", Record),
    ("GET", "/api/v1/homework/overdue", List),
    ("GET", "/api/v1/alerts", List),
    ("POST", "/api/v1/alerts/{id}/acknowledge", Record),
    ("GET", "/api/v1/audit-events", Record),
    ("GET", "/api/v1/audit-events/export", Record),
    ("GET", "/api/v1/audit-events/verify", NotPatient("recomputes hashes; shows no event")),
    ("GET", "/api/v1/outbox", Elsewhere("outbox::reading_the_outbox_is_audited_against_the_patients_whose_messages_it_showed")),
    ("POST", "/api/v1/outbox/{id}/retry", NotPatient("a message the outbox keeps for staff (a patient's goes again from their correspondence)")),
    ("GET", "/api/v1/patients/{id}/correspondence", Record),
    ("POST", "/api/v1/patients/{id}/correspondence", Record),
    ("GET", "/api/v1/correspondence", List),
    ("POST", "/api/v1/correspondence/{id}/retry", Elsewhere("correspondence::a_message_twilio_refuses_fails_with_its_reason_and_can_be_retried")),
    ("POST", "/api/v1/correspondence/{id}/answered", Elsewhere("correspondence::a_number_shared_by_two_patients_waits_in_triage_until_staff_choose")),
    ("POST", "/api/v1/correspondence/{id}/assign", Elsewhere("correspondence::a_number_shared_by_two_patients_waits_in_triage_until_staff_choose")),
    ("POST", "/api/v1/webhooks/twilio/messages", Elsewhere("correspondence::an_inbound_sms_is_matched_to_its_patient_by_number_and_stored_once")),
    ("GET", "/api/v1/staff-templates", NotPatient("the practice's message templates")),
    ("PUT", "/api/v1/staff-templates", NotPatient("the practice's message templates, audited as staff_templates.update")),
    ("GET", "/api/v1/patients/{id}/calls/setup", Record),
    ("POST", "/api/v1/patients/{id}/calls", Elsewhere("calls::a_call_rings_the_member_of_staff_then_connects_the_patient_and_records_only_with_consent")),
    ("POST", "/api/v1/webhooks/twilio/calls/{id}/connect", NotPatient("Twilio asking what to do with a call already audited as call.start: it answers with TwiML")),
    ("POST", "/api/v1/webhooks/twilio/calls/{id}/announce", NotPatient("the words a recorded call opens with; nothing of the patient")),
    ("POST", "/api/v1/webhooks/twilio/calls/{id}/dialed", NotPatient("how a call's leg ended, found by Twilio's call id; it carries no content")),
    ("POST", "/api/v1/webhooks/twilio/call-status", NotPatient("how a call ended, found by Twilio's call id; it carries no content")),
    ("POST", "/api/v1/webhooks/twilio/calls/{id}/recording", Elsewhere("calls::a_recorded_call_is_kept_encrypted_with_its_transcript_and_deleted_at_twilio")),
    ("POST", "/api/v1/webhooks/mailgun/messages", Elsewhere("inbound_email::an_email_from_a_patient_lands_in_their_correspondence_with_its_attachment_filed")),
    ("POST", "/api/v1/webhooks/twilio/message-status", NotPatient("a delivery status, found by Twilio's message id; it carries no content")),
    ("GET", "/api/v1/webhook-events", NotPatient("the log of providers' calls holds no message content or patient")),
    ("GET", "/api/v1/messages/threads", Elsewhere("messaging::a_patient_writes_to_their_care_team_and_a_clinician_on_it_reads_and_answers")),
    ("POST", "/api/v1/messages/threads", Elsewhere("messaging::a_patient_writes_to_their_care_team_and_a_clinician_on_it_reads_and_answers")),
    ("GET", "/api/v1/messages/threads/{id}", Elsewhere("messaging::a_patient_writes_to_their_care_team_and_a_clinician_on_it_reads_and_answers")),
    ("POST", "/api/v1/messages/threads/{id}/messages", Elsewhere("messaging::a_patient_writes_to_their_care_team_and_a_clinician_on_it_reads_and_answers")),
    ("POST", "/api/v1/messages/threads/{id}/read", Elsewhere("messaging::a_conversation_changes_leave_their_audit_events")),
    ("POST", "/api/v1/messages/threads/{id}/assign", Elsewhere("messaging::a_conversation_changes_leave_their_audit_events")),
    ("POST", "/api/v1/messages/threads/{id}/close", Elsewhere("messaging::a_conversation_changes_leave_their_audit_events")),
    ("POST", "/api/v1/messages/threads/{id}/reopen", Elsewhere("messaging::a_conversation_changes_leave_their_audit_events")),
    ("GET", "/api/v1/messages/recipients", Elsewhere("messaging::a_conversation_changes_leave_their_audit_events")),
    ("GET", "/api/v1/messages/unread", NotPatient("a count of the caller's own unread conversations, no patient named")),
    ("GET", "/api/v1/live", NotPatient("frames carry ids only; content is fetched through the audited reads")),
    ("GET", "/api/v1/appointment-types", NotPatient("the practice's services")),
    ("POST", "/api/v1/appointment-types", NotPatient("the practice's services")),
    ("GET", "/api/v1/appointment-types/{id}", NotPatient("the practice's services")),
    ("PATCH", "/api/v1/appointment-types/{id}", NotPatient("the practice's services")),
    ("GET", "/api/v1/practitioners", NotPatient("staff")),
    ("GET", "/api/v1/practitioners/{id}/availability", NotPatient("staff hours")),
    ("PUT", "/api/v1/practitioners/{id}/availability", NotPatient("staff hours")),
    ("GET", "/api/v1/practitioners/{id}/calendar-feed", NotPatient("the feed's settings")),
    ("POST", "/api/v1/practitioners/{id}/calendar-feed", NotPatient("the feed's settings")),
    ("DELETE", "/api/v1/practitioners/{id}/calendar-feed", NotPatient("the feed's settings")),
    ("GET", "/api/v1/calendar-feeds/{token}", Elsewhere("scheduling::a_private_calendar_feed_lists_appointments_until_revoked")),
    ("GET", "/api/v1/practitioners/{id}/google-calendar", NotPatient("the connection's status")),
    ("DELETE", "/api/v1/practitioners/{id}/google-calendar", Elsewhere("google_calendar::a_revoked_grant_asks_to_reconnect_and_disconnecting_removes_the_events")),
    ("POST", "/api/v1/practitioners/{id}/google-calendar/connect", NotPatient("a consent link")),
    ("GET", "/api/v1/integrations/google/callback", Elsewhere("google_calendar::a_connected_calendar_follows_bookings_moves_and_cancellations")),
    ("GET", "/api/v1/holidays", NotPatient("public holidays")),
    ("GET", "/api/v1/closures", NotPatient("practice closures")),
    ("POST", "/api/v1/closures", NotPatient("practice closures")),
    ("DELETE", "/api/v1/closures/{id}", NotPatient("practice closures")),
    ("GET", "/api/v1/scheduling-settings", NotPatient("practice settings")),
    ("PUT", "/api/v1/scheduling-settings", NotPatient("practice settings")),
    ("GET", "/api/v1/message-templates", NotPatient("practice settings")),
    ("PUT", "/api/v1/message-templates", NotPatient("practice settings")),
    ("GET", "/api/v1/slots", Record),
    ("GET", "/api/v1/appointments", List),
    ("POST", "/api/v1/appointments", Record),
    ("GET", "/api/v1/appointments/{id}", Record),
    ("PATCH", "/api/v1/appointments/{id}", Record),
    ("GET", "/api/v1/appointments/{id}/history", Record),
    ("GET", "/api/v1/calendar-blocks", NotPatient("blocks of staff time")),
    ("POST", "/api/v1/calendar-blocks", NotPatient("blocks of staff time")),
    ("PATCH", "/api/v1/calendar-blocks/{id}", NotPatient("blocks of staff time; moving booked patients is audited per appointment")),
    ("DELETE", "/api/v1/calendar-blocks/{id}", NotPatient("blocks of staff time")),
    ("GET", "/api/v1/calendar", List),
    ("GET", "/api/v1/settings", NotPatient("practice settings")),
    ("PUT", "/api/v1/settings", NotPatient("practice settings")),
    ("GET", "/api/v1/integrations", NotPatient("practice settings")),
    ("PUT", "/api/v1/integrations/{provider}", NotPatient("practice settings")),
    ("DELETE", "/api/v1/integrations/{provider}", NotPatient("practice settings")),
    ("POST", "/api/v1/integrations/{provider}/check", NotPatient("practice settings")),
    ("GET", "/api/v1/jobs", NotPatient("background work, by id only")),
    ("GET", "/api/v1/jobs/counts", NotPatient("background work, by id only")),
    ("POST", "/api/v1/jobs/{id}/retry", NotPatient("background work, by id only")),
];

#[tokio::test]
async fn every_operation_is_classified() {
    let spec = serde_json::to_value(carebase::app::openapi()).unwrap();
    let mut in_spec = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            in_spec.insert((method.to_uppercase(), path.clone()));
        }
    }
    let listed: BTreeSet<(String, String)> = OPERATIONS
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(
        listed.len(),
        OPERATIONS.len(),
        "an operation is listed twice"
    );
    for (m, p, kind) in OPERATIONS {
        let said = match kind {
            Record | List => "driven here",
            Elsewhere(test) => test,
            NotPatient(why) => why,
        };
        assert!(!said.is_empty(), "{m} {p} says nothing of why");
    }
    assert_eq!(
        in_spec, listed,
        "the spec and the audit classification disagree"
    );
}

/// An operation left to another test names one that exists (`module::test`, in this suite), so a
/// renamed or removed test cannot leave an operation covered by nothing.
#[test]
fn every_operation_left_to_another_test_names_one_that_exists() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/api");
    let mut dangling = Vec::new();
    for (m, p, kind) in OPERATIONS {
        let Elsewhere(test) = kind else { continue };
        let found = test.split_once("::").is_some_and(|(module, name)| {
            std::fs::read_to_string(dir.join(format!("{module}.rs")))
                .is_ok_and(|src| src.contains(&format!("async fn {name}(")))
        });
        if !found {
            dangling.push(format!("{m} {p}: {test}"));
        }
    }
    assert!(dangling.is_empty(), "no such test: {dangling:#?}");
}

/// A record with one of everything, and the ids the operations act on.
pub(crate) struct Fixture {
    pub(crate) p: Practice,
    /// The patient whose record is used, one to invite to the portal, and one to erase.
    pub(crate) patient: String,
    pub(crate) invitee: String,
    pub(crate) erasable: String,
    pub(crate) ids: BTreeMap<&'static str, String>,
    pub(crate) portal_user: TestUser,
}

async fn created(res: reqwest::Response, what: &str) -> Value {
    let status = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{what}: {status} {body}");
    body
}

impl Fixture {
    pub(crate) async fn new() -> Fixture {
        let p = practice_with(TestApp::spawn().await).await;
        let patient = p.patient_id.clone();
        let (app, admin) = (&p.app, p.admin.token.clone());
        let path = |rest: &str| format!("/api/v1/patients/{patient}/{rest}");
        let mut ids = BTreeMap::new();
        let post = |path: String, body: Value| {
            let admin = admin.clone();
            async move { created(app.post(&path, Some(&admin), body).await, &path).await }
        };
        post(path("care-team"), json!({"user_id": p.practitioner.id})).await;
        let booked = p.book_ok(p.booking(&at(next(Weekday::Mon), "09:00"))).await;
        ids.insert("appointment", booked["id"].as_str().unwrap().to_owned());
        for name in [
            "note_put",
            "note_delete",
            "note_sign",
            "note_attach",
            "note_signed",
        ] {
            let n = post(
                path("notes"),
                json!({"note_type": "soap", "title": name, "body_html": "<p>Seen.</p>"}),
            )
            .await;
            ids.insert(name, n["id"].as_str().unwrap().to_owned());
        }
        post(
            format!("/api/v1/notes/{}/sign", ids["note_signed"]),
            json!({}),
        )
        .await;
        for name in ["document", "document_delete"] {
            let res = app
                .client
                .post(app.url(&path("documents?filename=letter.txt")))
                .bearer_auth(&admin)
                .header("content-type", "application/octet-stream")
                .body("Referral letter")
                .send()
                .await
                .unwrap();
            let d = created(res, "document").await;
            ids.insert(name, d["id"].as_str().unwrap().to_owned());
        }
        let s = post(
            path("imaging-studies"),
            json!({"modality": "MRI", "body_part": "Knee", "study_date": "2026-01-01"}),
        )
        .await;
        ids.insert("study", s["id"].as_str().unwrap().to_owned());
        let m = post(
            path("medications"),
            json!({"name": "Metformin", "dose": "500 mg", "route": "oral",
                   "frequency": "twice daily", "start_date": "2026-01-01", "status": "active"}),
        )
        .await;
        let med = m["id"].as_str().unwrap().to_owned();
        let with_script = created(
            app.post(
                &format!("/api/v1/medications/{med}/prescriptions"),
                Some(&p.practitioner.token),
                json!({"quantity": "60 tablets"}),
            )
            .await,
            "prescription",
        )
        .await;
        ids.insert(
            "prescription",
            with_script["prescriptions"][0]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        ids.insert("medication", med);
        let t = post(
            path("therapy-sessions"),
            json!({"session_date": "2026-01-05", "goals": "Sleep", "interventions": "CBT-I",
                   "progress": "Early days"}),
        )
        .await;
        ids.insert("therapy", t["id"].as_str().unwrap().to_owned());
        let h = post(
            path("homework"),
            json!({"title": "Sleep diary", "due_date": "2099-01-01"}),
        )
        .await;
        ids.insert("homework", h["id"].as_str().unwrap().to_owned());
        let a = post(
            path("assessments"),
            json!({"instrument": "phq9", "answers": [1, 1, 1, 1, 1, 1, 1, 1, 1]}),
        )
        .await;
        ids.insert("assessment", a["id"].as_str().unwrap().to_owned());
        post(
            path("observations"),
            json!({"metric": "spo2", "value": 82,
                   "effective_at": (Utc::now() - Duration::hours(2)).to_rfc3339()}),
        )
        .await;
        let alerts: Value = app
            .get(&format!("/api/v1/alerts?patient_id={patient}"), &admin)
            .await
            .json()
            .await
            .unwrap();
        ids.insert(
            "alert",
            alerts["items"][0]["id"].as_str().unwrap().to_owned(),
        );
        let r = post(
            path("data-requests"),
            json!({"kind": "rectification", "details": "My middle name is missing."}),
        )
        .await;
        ids.insert("data_request", r["id"].as_str().unwrap().to_owned());
        let other = app.user(Role::Practitioner).await;
        let g = post(path("access-grants"), json!({"grantee_id": other.id})).await;
        ids.insert("grant", g["id"].as_str().unwrap().to_owned());
        ids.insert("grantee", other.id.to_string());
        let nurse = app.user(Role::Nurse).await;
        post(path("care-team"), json!({"user_id": nurse.id})).await;
        ids.insert("nurse", nurse.id.to_string());
        let invitee_patient = app
            .create_patient(&admin, patient_body("Ivy", "Invitee"))
            .await;
        let invitee = invitee_patient["id"].as_str().unwrap().to_owned();
        post(
            format!("/api/v1/patients/{invitee}/care-team"),
            json!({"user_id": p.practitioner.id}),
        )
        .await;
        let erasable_patient = app
            .create_patient(&admin, patient_body("Erin", "Erasable"))
            .await;
        let erasable = erasable_patient["id"].as_str().unwrap().to_owned();
        let w = created(
            app.post(
                &format!("/api/v1/patients/{erasable}/portal-invitation"),
                Some(&admin),
                json!({}),
            )
            .await,
            "invitation",
        )
        .await;
        ids.insert("invitation", w["id"].as_str().unwrap().to_owned());
        let portal_user = app
            .user_for_patient(Role::Patient, Some(patient.parse().unwrap()))
            .await;
        Fixture {
            p,
            patient,
            invitee,
            erasable,
            ids,
            portal_user,
        }
    }

    /// The request an operation is driven with: caller, path and body.
    pub(crate) fn request(&self, method: &str, template: &str) -> (String, String, Option<Value>) {
        let p = &self.p;
        let id = |k: &str| self.ids[k].clone();
        let mut token = p.admin.token.clone();
        let mut target = template.replace("{id}", &self.patient);
        let mut body = None;
        let key = (method, template);
        let on = |k: &str| template.replacen("{id}", &id(k), 1);
        match key {
            ("GET" | "PATCH", "/api/v1/users/{id}") => {
                target = template.replace("{id}", &self.portal_user.id.to_string());
                if method == "PATCH" {
                    body = Some(json!({"name": "Ada Lovelace-King"}));
                }
            }
            ("DELETE", "/api/v1/invitations/{id}") => target = on("invitation"),
            ("POST", "/api/v1/patients/{id}/correspondence") => {
                body =
                    Some(json!({"channel": "email", "subject": "Hello", "body": "Please call us."}))
            }
            ("POST", "/api/v1/patients") => body = Some(patient_body("New", "Patient")),
            ("PATCH", "/api/v1/patients/{id}") => body = Some(json!({"occupation": "Teacher"})),
            ("PUT", "/api/v1/patients/{id}/consents/{kind}") => {
                target = target.replace("{kind}", "research");
                body = Some(json!({"given": true}));
            }
            ("POST", "/api/v1/patients/{id}/data-requests") => {
                body = Some(json!({"kind": "rectification", "details": "Spelling."}))
            }
            ("POST", "/api/v1/data-requests/{id}/resolve") => {
                target = on("data_request");
                body = Some(json!({"status": "completed", "response": "Corrected."}));
            }
            (_, "/api/v1/patients/{id}/erasure") => {
                target = template.replace("{id}", &self.erasable);
                body = (method == "POST").then(|| json!({"reason": "Asked in writing."}));
            }
            ("POST", "/api/v1/patients/{id}/access-grants") => {
                let again = json!({"grantee_id": id("grantee"), "categories": ["health"]});
                body = Some(again);
            }
            ("DELETE", "/api/v1/access-grants/{id}") => target = on("grant"),
            ("POST", "/api/v1/patients/{id}/care-team") => {
                body = Some(json!({"user_id": p.practitioner.id}))
            }
            ("DELETE", "/api/v1/patients/{id}/care-team/{user_id}") => {
                target = target.replace("{user_id}", &id("nurse"))
            }
            ("GET", "/api/v1/patient-names") => target = format!("{template}?ids={}", self.patient),
            ("POST", "/api/v1/patients/{id}/break-glass") => {
                body = Some(json!({"reason": "Emergency cover for the clinic"}))
            }
            (_, "/api/v1/patients/{id}/portal-invitation") => {
                target = template.replace("{id}", &self.invitee);
                if method == "POST" {
                    token = p.reception.token.clone();
                    body = Some(json!({}));
                }
            }
            ("POST", "/api/v1/patients/{id}/portal-invitation/approve") => {
                target = template.replace("{id}", &self.invitee);
                body = Some(json!({}));
            }
            ("POST", "/api/v1/patients/{id}/observations") => {
                body = Some(json!({"metric": "weight", "value": 71.5,
                                   "effective_at": (Utc::now() - Duration::hours(1)).to_rfc3339()}))
            }
            ("GET", "/api/v1/patients/{id}/observations")
            | ("GET", "/api/v1/patients/{id}/observations/trends") => {
                target.push_str("?metric=spo2")
            }
            ("PUT", "/api/v1/patients/{id}/target-ranges") => {
                body = Some(json!({"conditions": [], "overrides": [
                    {"metric": "heart_rate", "low": 45, "high": 85, "note": "Trained athlete"}]}))
            }
            ("POST", "/api/v1/patients/{id}/assessments") => {
                body = Some(json!({"instrument": "gad7", "answers": [0, 0, 0, 0, 0, 0, 0]}))
            }
            ("POST", "/api/v1/assessments/{id}/review") => {
                target = on("assessment");
                body = Some(json!({"note": "Called the patient; safe."}));
            }
            ("POST", "/api/v1/patients/{id}/notes") => {
                body =
                    Some(json!({"note_type": "soap", "title": "Another", "body_html": "<p>x</p>"}))
            }
            ("GET", "/api/v1/notes/{id}") => target = on("note_signed"),
            ("PUT", "/api/v1/notes/{id}") => {
                target = on("note_put");
                body =
                    Some(json!({"note_type": "soap", "title": "Edited", "body_html": "<p>y</p>"}));
            }
            ("DELETE", "/api/v1/notes/{id}") => target = on("note_delete"),
            ("POST", "/api/v1/notes/{id}/sign") => {
                target = on("note_sign");
                body = Some(json!({}));
            }
            ("POST", "/api/v1/notes/{id}/amendments") => {
                target = on("note_signed");
                body = Some(json!({"body_html": "<p>Corrected.</p>", "reason": "Typo"}));
            }
            ("POST", "/api/v1/notes/{id}/attachments") => {
                target = on("note_attach") + "?filename=scan.txt"
            }
            ("POST", "/api/v1/patients/{id}/documents") => target.push_str("?filename=form.txt"),
            ("GET", "/api/v1/documents/{id}/content") => target = on("document"),
            ("DELETE", "/api/v1/documents/{id}") => target = on("document_delete"),
            ("POST", "/api/v1/patients/{id}/imaging-studies") => {
                body = Some(
                    json!({"modality": "CT", "body_part": "Chest", "study_date": "2026-01-02"}),
                )
            }
            ("PUT", "/api/v1/imaging-studies/{id}") => {
                target = on("study");
                body = Some(
                    json!({"modality": "MRI", "body_part": "Knee", "study_date": "2026-01-01",
                                   "report": "No tear."}),
                );
            }
            ("POST", "/api/v1/patients/{id}/medications") | ("PUT", "/api/v1/medications/{id}") => {
                if method == "PUT" {
                    target = on("medication");
                }
                body = Some(json!({"name": "Metformin", "dose": "1 g", "route": "oral",
                                   "frequency": "daily", "start_date": "2026-01-01", "status": "active"}));
            }
            ("POST", "/api/v1/medications/{id}/prescriptions") => {
                target = on("medication");
                token = p.practitioner.token.clone();
                body = Some(json!({"quantity": "30 tablets"}));
            }
            ("POST", "/api/v1/prescriptions/{id}/cancel") => {
                target = on("prescription");
                token = p.practitioner.token.clone();
                body = Some(json!({}));
            }
            ("POST", "/api/v1/medications/{id}/doses") => {
                target = on("medication");
                body = Some(json!({"taken": true}));
            }
            ("GET", "/api/v1/medications/{id}/adherence") => target = on("medication"),
            ("POST", "/api/v1/patients/{id}/therapy-sessions")
            | ("PUT", "/api/v1/therapy-sessions/{id}") => {
                if method == "PUT" {
                    target = on("therapy");
                }
                body = Some(json!({"session_date": "2026-01-06", "goals": "Sleep",
                                   "interventions": "CBT-I", "progress": "Better"}));
            }
            ("POST", "/api/v1/patients/{id}/homework") => {
                body = Some(json!({"title": "Walk", "due_date": "2099-02-01"}))
            }
            ("POST", "/api/v1/homework/{id}/complete") => {
                target = on("homework");
                token = self.portal_user.token.clone();
                body = Some(json!({}));
            }
            ("POST", "/api/v1/alerts/{id}/acknowledge") => {
                target = on("alert");
                body = Some(json!({"note": "Repeated; normal."}));
            }
            ("GET", "/api/v1/audit-events") | ("GET", "/api/v1/audit-events/export") => {
                target = format!("{template}?patient_id={}", self.patient)
            }
            ("GET", "/api/v1/slots") => {
                target = format!(
                    "{template}?appointment_type_id={}&patient_id={}",
                    p.type_id, self.patient
                )
            }
            ("POST", "/api/v1/appointments") => {
                let mut b = p.booking(&at(next(Weekday::Tue), "11:00"));
                b["notes"] = json!("Second visit");
                token = p.reception.token.clone();
                body = Some(b);
            }
            ("GET", "/api/v1/appointments/{id}") | ("GET", "/api/v1/appointments/{id}/history") => {
                target = on("appointment")
            }
            ("PATCH", "/api/v1/appointments/{id}") => {
                target = on("appointment");
                body = Some(json!({"notes": "Bring results"}));
            }
            ("GET", "/api/v1/users") => target.push_str("?role=patient"),
            ("GET", "/api/v1/appointments") => {
                target = format!("{template}?patient_id={}", self.patient)
            }
            ("GET", "/api/v1/calendar") => {
                let d = next(Weekday::Mon);
                target = format!("{template}?from={d}&to={d}");
            }
            ("POST", "/api/v1/patients/{id}/restore") => body = Some(json!({})),
            _ => {
                if method != "GET" && method != "DELETE" {
                    body = Some(json!({}));
                }
            }
        }
        (token, target, body)
    }
}

/// The patients a list answer shows: every `patient_id` in it, and for the patient list itself
/// its items' ids.
fn patient_ids(v: &Value, items_are_patients: bool, found: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                match (k.as_str(), x) {
                    ("patient_id", Value::String(id)) => {
                        found.insert(id.clone());
                    }
                    ("items", Value::Array(items)) if items_are_patients => {
                        for i in items {
                            if let Some(id) = i["id"].as_str() {
                                found.insert(id.to_owned());
                            }
                        }
                    }
                    _ => patient_ids(x, items_are_patients, found),
                }
            }
        }
        Value::Array(a) => a
            .iter()
            .for_each(|x| patient_ids(x, items_are_patients, found)),
        _ => {}
    }
}

/// Events naming the patient, as stored (read from the database, so that counting them is not
/// itself an audited read).
async fn events_naming(app: &TestApp, patient: &str) -> u64 {
    app.state.audit.flush().await.unwrap();
    let id: Uuid = patient.parse().unwrap();
    event::Entity::find()
        .filter(
            Condition::any()
                .add(event::Column::PatientId.eq(id))
                .add(event::Column::Detail.contains(patient)),
        )
        .count(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn every_operation_on_a_patients_data_leaves_an_event_naming_them() {
    let f = Fixture::new().await;
    let app = &f.p.app;
    // Reads first, then writes, then archiving and erasure, which close the record.
    let order = |m: &str, p: &str| match (m, p) {
        (_, "/api/v1/patients/{id}/erasure") => 4,
        ("DELETE", "/api/v1/patients/{id}") => 2,
        ("POST", "/api/v1/patients/{id}/restore") => 3,
        ("GET", _) => 0,
        _ => 1,
    };
    let mut driven: Vec<&(&str, &str, Kind)> = OPERATIONS
        .iter()
        .filter(|(_, _, k)| matches!(k, Record | List))
        .collect();
    driven.sort_by_key(|(m, p, _)| order(m, p));
    let mut missing = Vec::new();
    let known = [f.patient.clone(), f.invitee.clone(), f.erasable.clone()];
    for &(method, template, kind) in driven {
        let (token, path, body) = f.request(method, template);
        let mut before = BTreeMap::new();
        for k in &known {
            before.insert(k.clone(), events_naming(app, k).await);
        }
        let m = Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = app.client.request(m, app.url(&path)).bearer_auth(&token);
        if template.ends_with("/attachments")
            || template.ends_with("/documents") && method == "POST"
        {
            req = req
                .header("content-type", "application/octet-stream")
                .body("Scanned page");
        } else if let Some(b) = body {
            req = req.json(&b);
        }
        if method == "DELETE" && template == "/api/v1/patients/{id}"
            || template == "/api/v1/patients/{id}/restore"
        {
            let current: Value = app
                .get(&format!("/api/v1/patients/{}", f.patient), &f.p.admin.token)
                .await
                .json()
                .await
                .unwrap();
            req = req.header("If-Match", format!("\"{}\"", current["version"]));
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        if !status.is_success() {
            let text = res.text().await.unwrap_or_default();
            panic!("{method} {template} could not be driven: {status} {text}");
        }
        let answer: Value = res.json().await.unwrap_or(Value::Null);
        // Whose data the answer held: the record's patient, or every patient a list showed.
        let named: BTreeSet<String> = match kind {
            List => {
                let mut found = BTreeSet::new();
                patient_ids(&answer, template == "/api/v1/patients", &mut found);
                found
            }
            _ if template == "/api/v1/patients" => {
                BTreeSet::from([answer["id"].as_str().unwrap_or_default().to_owned()])
            }
            _ if template.contains("/erasure") || template.starts_with("/api/v1/invitations") => {
                BTreeSet::from([f.erasable.clone()])
            }
            _ if template.contains("/portal-invitation") => BTreeSet::from([f.invitee.clone()]),
            _ => BTreeSet::from([f.patient.clone()]),
        };
        for patient in named {
            let was = before.get(&patient).copied().unwrap_or(0);
            if events_naming(app, &patient).await == was {
                missing.push(format!("{method} {template} (patient {patient})"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "patient data read or written without an audit event naming the patient: {missing:#?}"
    );
}
