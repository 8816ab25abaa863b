//! The authorization matrix: every endpoint × every role × anonymous, against the table below.
//! A new endpoint fails `every_operation_in_the_spec_is_in_the_matrix` until it is added here.

use std::collections::BTreeSet;

use api_types::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{patient_body, TestApp};

/// Endpoints anyone may call.
const PUBLIC: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/mfa/verify"),
    ("POST", "/api/v1/auth/refresh"),
    ("POST", "/api/v1/auth/password-reset"),
    ("POST", "/api/v1/auth/password-reset/confirm"),
    ("GET", "/api/v1/auth/invitations/{token}"),
    ("POST", "/api/v1/auth/invitations/accept"),
    ("GET", "/api/v1/integrations/withings/callback"),
    ("POST", "/api/v1/integrations/withings/notify/{token}"),
    ("HEAD", "/api/v1/integrations/withings/notify/{token}"),
    ("GET", "/api/v1/calendar-feeds/{token}"),
    ("POST", "/api/v1/webhooks/twilio/messages"),
    ("POST", "/api/v1/webhooks/twilio/message-status"),
    ("POST", "/api/v1/webhooks/twilio/calls/{id}/connect"),
    ("POST", "/api/v1/webhooks/twilio/calls/{id}/announce"),
    ("POST", "/api/v1/webhooks/twilio/calls/{id}/dialed"),
    ("POST", "/api/v1/webhooks/twilio/calls/{id}/recording"),
    ("POST", "/api/v1/webhooks/twilio/call-status"),
    ("POST", "/api/v1/webhooks/mailgun/messages"),
    ("GET", "/api/v1/integrations/google/callback"),
    // The live connection signs in through its first frame: a browser cannot send a bearer
    // token with a WebSocket handshake (`messaging::a_live_connection_needs_a_token_and_ends_with_its_session`).
    ("GET", "/api/v1/live"),
];

/// Expected outcome per role, in the order admin, practitioner, nurse, receptionist, patient:
/// `y` allowed, `n` forbidden (403), `4` not found (a record the caller may not know exists).
const MATRIX: &[(&str, &str, &str)] = &[
    ("GET", "/api/v1/auth/me", "yyyyy"),
    ("GET", "/api/v1/auth/sessions", "yyyyy"),
    ("DELETE", "/api/v1/auth/sessions/{id}", "yyyyy"),
    ("GET", "/api/v1/auth/activity", "yyyyy"),
    ("POST", "/api/v1/auth/activity", "yyyyy"),
    ("POST", "/api/v1/auth/mfa/totp/enroll", "yyyyy"),
    ("POST", "/api/v1/auth/mfa/totp/confirm", "yyyyy"),
    ("POST", "/api/v1/auth/mfa/totp/disable", "yyyyy"),
    ("POST", "/api/v1/auth/mfa/recovery-codes", "yyyyy"),
    ("POST", "/api/v1/auth/password", "yyyyy"),
    ("GET", "/api/v1/api-keys", "ynnnn"),
    ("POST", "/api/v1/api-keys", "ynnnn"),
    ("DELETE", "/api/v1/api-keys/{id}", "ynnnn"),
    ("GET", "/api/v1/users", "yyyyn"),
    ("GET", "/api/v1/users/{id}", "yyyyn"),
    ("PATCH", "/api/v1/users/{id}", "ynnnn"),
    ("GET", "/api/v1/invitations", "ynnnn"),
    ("POST", "/api/v1/invitations", "ynnnn"),
    ("DELETE", "/api/v1/invitations/{id}", "ynnnn"),
    ("GET", "/api/v1/patients", "yyyyn"),
    ("GET", "/api/v1/patient-names", "yyyyn"),
    ("POST", "/api/v1/patients", "yyyyn"),
    ("GET", "/api/v1/patients/{id}", "yyyy4"),
    ("PATCH", "/api/v1/patients/{id}", "yyyy4"),
    ("DELETE", "/api/v1/patients/{id}", "yynyn"),
    ("GET", "/api/v1/patients/{id}/consents", "yyyy4"),
    ("PUT", "/api/v1/patients/{id}/consents/{kind}", "yyyy4"),
    ("GET", "/api/v1/patients/{id}/access-log", "ynnn4"),
    ("GET", "/api/v1/patients/{id}/export", "ynnn4"),
    ("GET", "/api/v1/patients/{id}/data-requests", "yyyy4"),
    ("POST", "/api/v1/patients/{id}/data-requests", "yyyy4"),
    ("GET", "/api/v1/data-requests", "yyyyn"),
    ("POST", "/api/v1/data-requests/{id}/resolve", "yyyyn"),
    ("GET", "/api/v1/patients/{id}/erasure", "ynnnn"),
    ("POST", "/api/v1/patients/{id}/erasure", "ynnnn"),
    ("GET", "/api/v1/patients/{id}/access-grants", "yyyy4"),
    (
        "GET",
        "/api/v1/patients/{id}/access-grants/candidates",
        "yyyy4",
    ),
    ("POST", "/api/v1/patients/{id}/access-grants", "ynnn4"),
    ("DELETE", "/api/v1/access-grants/{id}", "yyyyy"),
    ("POST", "/api/v1/patients/{id}/restore", "yynyn"),
    ("GET", "/api/v1/patients/{id}/care-team", "yyyy4"),
    ("POST", "/api/v1/patients/{id}/care-team", "yyynn"),
    (
        "DELETE",
        "/api/v1/patients/{id}/care-team/{user_id}",
        "yyynn",
    ),
    ("GET", "/api/v1/patients/{id}/clinical-access", "yyyn4"),
    ("POST", "/api/v1/patients/{id}/break-glass", "yyynn"),
    ("POST", "/api/v1/patients/{id}/portal-invitation", "yyyyn"),
    ("GET", "/api/v1/patients/{id}/portal-invitation", "yyyyn"),
    // Only an administrator or the care team approves; the matrix's clinicians are on neither.
    (
        "POST",
        "/api/v1/patients/{id}/portal-invitation/approve",
        "ynnnn",
    ),
    ("GET", "/api/v1/metric-definitions", "yyyyy"),
    ("POST", "/api/v1/patients/{id}/observations", "ynnn4"),
    ("GET", "/api/v1/patients/{id}/observations", "ynnn4"),
    ("GET", "/api/v1/patients/{id}/observations/latest", "ynnn4"),
    ("GET", "/api/v1/patients/{id}/observations/trends", "ynnn4"),
    ("GET", "/api/v1/patients/{id}/observations/export", "ynnn4"),
    ("GET", "/api/v1/patients/{id}/target-ranges", "ynnn4"),
    ("PUT", "/api/v1/patients/{id}/target-ranges", "ynnnn"),
    ("GET", "/api/v1/patients/{id}/devices", "ynnn4"),
    (
        "POST",
        "/api/v1/patients/{id}/devices/withings/connect",
        "ynnn4",
    ),
    (
        "POST",
        "/api/v1/patients/{id}/devices/withings/sync",
        "ynnn4",
    ),
    ("DELETE", "/api/v1/patients/{id}/devices/withings", "ynnn4"),
    ("GET", "/api/v1/assessment-instruments", "yyyyy"),
    ("GET", "/api/v1/patients/{id}/assessments", "ynnn4"),
    ("POST", "/api/v1/patients/{id}/assessments", "ynnn4"),
    ("GET", "/api/v1/assessments/urgent", "yyynn"),
    ("POST", "/api/v1/assessments/{id}/review", "yyynn"),
    ("GET", "/api/v1/note-templates", "yyynn"),
    ("POST", "/api/v1/note-templates", "ynnnn"),
    ("PUT", "/api/v1/note-templates/{id}", "ynnnn"),
    ("GET", "/api/v1/patients/{id}/notes", "ynnn4"),
    ("POST", "/api/v1/patients/{id}/notes", "ynnnn"),
    ("GET", "/api/v1/notes/{id}", "yyyn4"),
    ("PUT", "/api/v1/notes/{id}", "yyynn"),
    ("DELETE", "/api/v1/notes/{id}", "yyynn"),
    ("POST", "/api/v1/notes/{id}/sign", "yyynn"),
    ("POST", "/api/v1/notes/{id}/amendments", "yyynn"),
    ("POST", "/api/v1/notes/{id}/attachments", "yyynn"),
    ("GET", "/api/v1/patients/{id}/documents", "ynnn4"),
    ("POST", "/api/v1/patients/{id}/documents", "ynnn4"),
    ("GET", "/api/v1/documents/{id}/content", "yyyn4"),
    ("DELETE", "/api/v1/documents/{id}", "yyyn4"),
    ("GET", "/api/v1/patients/{id}/imaging-studies", "ynnn4"),
    ("POST", "/api/v1/patients/{id}/imaging-studies", "ynnnn"),
    ("PUT", "/api/v1/imaging-studies/{id}", "yyynn"),
    ("GET", "/api/v1/patients/{id}/timeline", "ynnn4"),
    ("GET", "/api/v1/patients/{id}/medications", "ynnn4"),
    ("POST", "/api/v1/patients/{id}/medications", "ynnnn"),
    ("PUT", "/api/v1/medications/{id}", "yyynn"),
    ("POST", "/api/v1/medications/{id}/prescriptions", "yynnn"),
    ("POST", "/api/v1/prescriptions/{id}/cancel", "yynnn"),
    ("POST", "/api/v1/medications/{id}/doses", "yyyn4"),
    ("GET", "/api/v1/medications/{id}/adherence", "yyyn4"),
    ("GET", "/api/v1/patients/{id}/therapy-sessions", "ynnnn"),
    ("POST", "/api/v1/patients/{id}/therapy-sessions", "ynnnn"),
    ("PUT", "/api/v1/therapy-sessions/{id}", "yyynn"),
    ("GET", "/api/v1/patients/{id}/homework", "ynnn4"),
    ("POST", "/api/v1/patients/{id}/homework", "ynnnn"),
    ("POST", "/api/v1/homework/{id}/complete", "yyyn4"),
    ("GET", "/api/v1/homework/overdue", "yyynn"),
    ("GET", "/api/v1/alerts", "yyynn"),
    ("POST", "/api/v1/alerts/{id}/acknowledge", "yyynn"),
    ("GET", "/api/v1/audit-events", "ynnnn"),
    ("GET", "/api/v1/audit-events/export", "ynnnn"),
    ("GET", "/api/v1/audit-events/verify", "ynnnn"),
    ("GET", "/api/v1/outbox", "ynnnn"),
    ("POST", "/api/v1/outbox/{id}/retry", "ynnnn"),
    ("GET", "/api/v1/patients/{id}/correspondence", "yyyy4"),
    ("POST", "/api/v1/patients/{id}/correspondence", "yyyyn"),
    ("GET", "/api/v1/correspondence", "yyyyn"),
    ("POST", "/api/v1/correspondence/{id}/retry", "yyyyn"),
    ("POST", "/api/v1/correspondence/{id}/answered", "yyyyn"),
    ("POST", "/api/v1/correspondence/{id}/assign", "yyyyn"),
    ("GET", "/api/v1/staff-templates", "yyyyn"),
    ("PUT", "/api/v1/staff-templates", "ynnnn"),
    ("GET", "/api/v1/patients/{id}/calls/setup", "yyyyn"),
    ("POST", "/api/v1/patients/{id}/calls", "yyyyn"),
    ("GET", "/api/v1/messages/threads", "yyyyy"),
    ("POST", "/api/v1/messages/threads", "yyyyy"),
    ("GET", "/api/v1/messages/threads/{id}", "yyyy4"),
    ("POST", "/api/v1/messages/threads/{id}/messages", "yyyy4"),
    ("POST", "/api/v1/messages/threads/{id}/read", "yyyy4"),
    ("POST", "/api/v1/messages/threads/{id}/assign", "yyyyn"),
    ("POST", "/api/v1/messages/threads/{id}/close", "yyyyn"),
    ("POST", "/api/v1/messages/threads/{id}/reopen", "yyyyn"),
    ("GET", "/api/v1/messages/unread", "yyyyy"),
    ("GET", "/api/v1/messages/recipients", "yyyyy"),
    ("GET", "/api/v1/webhook-events", "ynnnn"),
    ("GET", "/api/v1/appointment-types", "yyyyy"),
    ("POST", "/api/v1/appointment-types", "ynnnn"),
    ("GET", "/api/v1/appointment-types/{id}", "yyyyy"),
    ("PATCH", "/api/v1/appointment-types/{id}", "ynnnn"),
    ("GET", "/api/v1/practitioners", "yyyyy"),
    ("GET", "/api/v1/practitioners/{id}/availability", "yyyyn"),
    ("PUT", "/api/v1/practitioners/{id}/availability", "ynnnn"),
    ("GET", "/api/v1/practitioners/{id}/calendar-feed", "ynnnn"),
    ("POST", "/api/v1/practitioners/{id}/calendar-feed", "ynnnn"),
    (
        "DELETE",
        "/api/v1/practitioners/{id}/calendar-feed",
        "ynnnn",
    ),
    ("GET", "/api/v1/practitioners/{id}/google-calendar", "ynnnn"),
    (
        "DELETE",
        "/api/v1/practitioners/{id}/google-calendar",
        "ynnnn",
    ),
    // Only for one's own calendar: the id here is someone else's.
    (
        "POST",
        "/api/v1/practitioners/{id}/google-calendar/connect",
        "nnnnn",
    ),
    ("GET", "/api/v1/holidays", "yyyyy"),
    ("GET", "/api/v1/closures", "yyyyn"),
    ("POST", "/api/v1/closures", "ynnnn"),
    ("DELETE", "/api/v1/closures/{id}", "ynnnn"),
    ("GET", "/api/v1/scheduling-settings", "yyyyy"),
    ("PUT", "/api/v1/scheduling-settings", "ynnnn"),
    ("GET", "/api/v1/message-templates", "ynnnn"),
    ("PUT", "/api/v1/message-templates", "ynnnn"),
    ("GET", "/api/v1/slots", "yyyyy"),
    ("GET", "/api/v1/appointments", "yyyyy"),
    ("POST", "/api/v1/appointments", "yyyyy"),
    ("GET", "/api/v1/appointments/{id}", "yyyy4"),
    ("PATCH", "/api/v1/appointments/{id}", "yyyy4"),
    ("GET", "/api/v1/appointments/{id}/history", "yyyyn"),
    ("GET", "/api/v1/calendar-blocks", "yyyyn"),
    ("POST", "/api/v1/calendar-blocks", "yyyyn"),
    ("PATCH", "/api/v1/calendar-blocks/{id}", "yyyyn"),
    ("DELETE", "/api/v1/calendar-blocks/{id}", "yyyyn"),
    ("GET", "/api/v1/calendar", "yyyyn"),
    ("GET", "/api/v1/settings", "ynnnn"),
    ("PUT", "/api/v1/settings", "ynnnn"),
    ("GET", "/api/v1/integrations", "ynnnn"),
    ("PUT", "/api/v1/integrations/{provider}", "ynnnn"),
    ("DELETE", "/api/v1/integrations/{provider}", "ynnnn"),
    ("POST", "/api/v1/integrations/{provider}/check", "ynnnn"),
    ("GET", "/api/v1/jobs", "ynnnn"),
    ("GET", "/api/v1/jobs/counts", "ynnnn"),
    ("POST", "/api/v1/jobs/{id}/retry", "ynnnn"),
    // Last: it ends the caller's session.
    ("POST", "/api/v1/auth/logout", "yyyyy"),
];

fn body_for(method: &str, path: &str) -> Option<Value> {
    if method == "GET" || method == "DELETE" {
        return None;
    }
    Some(match path {
        "/api/v1/auth/mfa/totp/confirm"
        | "/api/v1/auth/mfa/totp/disable"
        | "/api/v1/auth/mfa/recovery-codes" => {
            json!({"code": "000000"})
        }
        "/api/v1/auth/password" => json!({"current_password": "wrong", "new_password": "x"}),
        "/api/v1/api-keys" => json!({"name": "matrix", "scopes": ["patients:read"]}),
        "/api/v1/invitations" => json!({"email": "", "name": "", "role": "nurse"}),
        "/api/v1/patients" => patient_body("Matrix", "Case"),
        "/api/v1/patients/{id}" => json!({}),
        "/api/v1/patients/{id}/care-team" => json!({"user_id": Uuid::now_v7()}),
        "/api/v1/patients/{id}/break-glass" => json!({"reason": "x"}),
        "/api/v1/patients/{id}/portal-invitation" => json!({"email": "not-an-email"}),
        "/api/v1/patients/{id}/observations" => {
            json!({"metric": "weight", "value": 70, "effective_at": "2026-01-01T00:00:00Z"})
        }
        "/api/v1/patients/{id}/target-ranges" => json!({"conditions": [], "overrides": []}),
        "/api/v1/alerts/{id}/acknowledge" => json!({"note": "Seen"}),
        "/api/v1/assessments/{id}/review" => json!({"note": "Seen"}),
        "/api/v1/patients/{id}/consents/{kind}" => json!({"given": true}),
        "/api/v1/patients/{id}/access-grants" => json!({"grantee_id": Uuid::now_v7()}),
        "/api/v1/patients/{id}/assessments" => {
            json!({"instrument": "gad7", "answers": [0, 0, 0, 0, 0, 0, 0]})
        }
        "/api/v1/note-templates" | "/api/v1/note-templates/{id}" => {
            json!({"name": "Matrix", "note_type": "soap", "body_html": "<p></p>"})
        }
        "/api/v1/patients/{id}/notes" | "/api/v1/notes/{id}" => {
            json!({"note_type": "soap", "title": "Matrix", "body_html": "<p>x</p>"})
        }
        "/api/v1/notes/{id}/amendments" => json!({"body_html": "<p>x</p>", "reason": "Matrix"}),
        "/api/v1/patients/{id}/imaging-studies" | "/api/v1/imaging-studies/{id}" => {
            json!({"modality": "MRI", "body_part": "Knee", "study_date": "2026-01-01"})
        }
        "/api/v1/patients/{id}/medications" | "/api/v1/medications/{id}" => json!({
            "name": "Matrix", "dose": "1", "route": "oral", "frequency": "daily",
            "start_date": "2026-01-01", "status": "active"
        }),
        "/api/v1/medications/{id}/prescriptions" => json!({"quantity": "1"}),
        "/api/v1/medications/{id}/doses" => json!({"taken": true}),
        "/api/v1/patients/{id}/therapy-sessions" | "/api/v1/therapy-sessions/{id}" => json!({
            "session_date": "2026-01-01", "goals": "x", "interventions": "x", "progress": "x"
        }),
        "/api/v1/patients/{id}/homework" => json!({"title": "x", "due_date": "2099-01-01"}),
        "/api/v1/homework/{id}/complete" => json!({}),
        "/api/v1/patients/{id}/correspondence" => json!({"channel": "sms", "body": "Matrix"}),
        "/api/v1/correspondence/{id}/assign" => json!({"patient_id": Uuid::now_v7()}),
        "/api/v1/patients/{id}/calls" => json!({"staff_phone": "+61400000009", "record": false}),
        "/api/v1/staff-templates" => {
            json!({"templates": [{"name": "Matrix", "subject": "Matrix", "body": "Matrix"}]})
        }
        "/api/v1/messages/threads" => json!({"subject": "Matrix", "body": "Matrix"}),
        "/api/v1/messages/threads/{id}/messages" => json!({"body": "Matrix"}),
        "/api/v1/messages/threads/{id}/assign" => json!({"user_id": null}),
        "/api/v1/patients/{id}/data-requests" => {
            json!({"kind": "rectification", "details": "Matrix"})
        }
        "/api/v1/data-requests/{id}/resolve" => json!({"status": "declined", "response": "x"}),
        // A reason too long to act on: the matrix must never erase its patient.
        "/api/v1/patients/{id}/erasure" => json!({"reason": "x".repeat(1001)}),
        "/api/v1/settings" => {
            json!({"practice_name": "Matrix Clinic", "time_zone": "Australia/Sydney", "mfa_required_roles": []})
        }
        "/api/v1/users/{id}" => json!({}),
        "/api/v1/appointment-types" => {
            json!({"name": "Matrix", "duration_minutes": 30, "colour": "#123456"})
        }
        "/api/v1/practitioners/{id}/availability" => json!({"weekly": []}),
        "/api/v1/closures" => {
            json!({"start_date": "2030-01-02", "end_date": "2030-01-02", "reason": "Matrix"})
        }
        "/api/v1/scheduling-settings" => json!({
            "holiday_region": "nsw", "slot_interval_minutes": 15, "reminders_enabled": true,
            "online_booking": {"enabled": true, "min_notice_hours": 2, "max_days_ahead": 60,
                               "cancellation_notice_hours": 24}
        }),
        "/api/v1/message-templates" => json!({"templates": []}),
        "/api/v1/appointments" => json!({
            "appointment_type_id": Uuid::now_v7(), "practitioner_id": Uuid::now_v7(),
            "patient_id": Uuid::now_v7(), "starts_at": "2030-01-02T00:00:00Z"
        }),
        "/api/v1/calendar-blocks" => json!({
            "practitioner_id": Uuid::now_v7(), "kind": "admin", "label": "Matrix",
            "starts_at": "2030-01-02T00:00:00Z", "duration_minutes": 30
        }),
        _ => json!({}),
    })
}

async fn code_of(res: reqwest::Response) -> (StatusCode, String) {
    let status = res.status();
    let v: Value = res.json().await.unwrap_or(Value::Null);
    (status, v["code"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn every_endpoint_answers_each_role_as_the_matrix_says() {
    let app = TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let patient = app
        .create_patient(&admin.token, patient_body("Grace", "Tran"))
        .await;
    let patient_id = patient["id"].as_str().unwrap().to_owned();
    let own = app
        .create_patient(&admin.token, patient_body("Own", "Record"))
        .await;
    let own_id: Uuid = own["id"].as_str().unwrap().parse().unwrap();

    let mut callers = vec![("admin", Some(admin.token.clone()))];
    for role in [Role::Practitioner, Role::Nurse, Role::Receptionist] {
        callers.push((role.as_str(), Some(app.user(role).await.token)));
    }
    callers.push((
        "patient",
        Some(
            app.user_for_patient(Role::Patient, Some(own_id))
                .await
                .token,
        ),
    ));
    callers.push(("anonymous", None));

    let mut failures = Vec::new();
    for (method, template, expected) in MATRIX {
        let other_id = admin_or_random(template, admin.id);
        let path = template
            .replace(
                "{id}",
                if template.contains("/patients/") {
                    &patient_id
                } else {
                    &other_id
                },
            )
            .replace("{user_id}", &Uuid::now_v7().to_string())
            .replace("{provider}", "withings")
            + query_for(method, template);
        for (i, (who, token)) in callers.iter().enumerate() {
            let m = Method::from_bytes(method.as_bytes()).unwrap();
            let res = app
                .send(m, &path, token.as_deref(), body_for(method, template))
                .await;
            let (status, code) = code_of(res).await;
            let ok = match token {
                None => status == StatusCode::UNAUTHORIZED && code == "unauthorized",
                Some(_) => match expected.as_bytes()[i] {
                    b'y' => {
                        status != StatusCode::FORBIDDEN
                            && !(status == StatusCode::UNAUTHORIZED && code == "unauthorized")
                    }
                    b'n' => status == StatusCode::FORBIDDEN,
                    b'4' => status == StatusCode::NOT_FOUND,
                    _ => false,
                },
            };
            if !ok {
                failures.push(format!("{method} {template} as {who}: got {status} {code}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "authorization matrix mismatches:\n{}",
        failures.join("\n")
    );
}

/// Required query parameters, so that the request reaches the permission check.
fn query_for(method: &str, template: &str) -> &'static str {
    match (method, template) {
        ("GET", "/api/v1/patients/{id}/observations")
        | ("GET", "/api/v1/patients/{id}/observations/trends") => "?metric=weight",
        ("GET", "/api/v1/calendar") => "?from=2030-01-07&to=2030-01-13",
        ("POST", "/api/v1/patients/{id}/documents")
        | ("POST", "/api/v1/notes/{id}/attachments") => "?filename=matrix.txt",
        ("GET", "/api/v1/slots") => "?appointment_type_id=0193a000-0000-7000-8000-000000000000",
        _ => "",
    }
}

fn admin_or_random(template: &str, admin_id: Uuid) -> String {
    if template.starts_with("/api/v1/users/") {
        admin_id.to_string()
    } else {
        Uuid::now_v7().to_string()
    }
}

#[tokio::test]
async fn every_operation_in_the_spec_is_in_the_matrix() {
    let spec = serde_json::to_value(carebase::app::openapi()).unwrap();
    let mut in_spec = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let method = method.to_uppercase();
            let secured = op
                .get("security")
                .and_then(Value::as_array)
                .is_some_and(|s| !s.is_empty());
            in_spec.insert((method.clone(), path.clone(), secured));
        }
    }
    let mut known = BTreeSet::new();
    for (m, p) in PUBLIC {
        known.insert((m.to_string(), p.to_string(), false));
    }
    for (m, p, _) in MATRIX {
        known.insert((m.to_string(), p.to_string(), true));
    }
    assert_eq!(
        in_spec, known,
        "the spec and the matrix disagree (method, path, has a security requirement)"
    );
}

#[tokio::test]
async fn a_caller_without_the_right_is_refused_before_their_body_or_query_is_read() {
    let app = TestApp::spawn().await;
    let reception = app.user(Role::Receptionist).await;
    // Each time, not only when the session check happens to finish first.
    for _ in 0..20 {
        let res = app
            .send(
                Method::PUT,
                "/api/v1/integrations/withings",
                Some(&reception.token),
                Some(json!({"no_such_field": 1})),
            )
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let res = app
            .get("/api/v1/audit-events?limit=many", &reception.token)
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
    // Someone with the right is told what is wrong with the request.
    let admin = app.user(Role::Admin).await;
    let res = app
        .get("/api/v1/audit-events?limit=many", &admin.token)
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}
