//! The shared job queue: one pending job per piece of work, claims that keep two servers off
//! the same job, a lapsed claim taken over, a change made mid-run run again, retries that give
//! up and are visible to administrators, who may retry them; and Withings' periodic sync.

use carebase::integrations::{run_due, run_periodic};
use chrono::{Duration, Utc, Weekday};
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};

use crate::google_calendar::{connect, event_for, practice_with_google};
use crate::scheduling::{at, next, Practice};

async fn jobs(p: &Practice, query: &str) -> Value {
    let res = p
        .app
        .get(&format!("/api/v1/jobs{query}"), &p.admin.token)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

async fn sql(p: &Practice, statement: &str) {
    p.app.state.db.execute_unprepared(statement).await.unwrap();
}

#[tokio::test]
async fn a_burst_of_changes_to_one_appointment_is_one_job() {
    let (p, fake) = practice_with_google().await;
    let monday = next(Weekday::Mon);
    connect(&p, false).await;
    let a = p.book_ok(p.booking(&at(monday, "09:00"))).await;
    let id = a["id"].as_str().unwrap();
    for hm in ["10:00", "11:00", "12:00"] {
        p.patch(id, json!({"local_start": at(monday, hm)})).await;
    }
    let queued = jobs(&p, "?status=queued&kind=google_calendar.event").await;
    assert_eq!(queued["total"], 1);
    assert_eq!(queued["items"][0]["subject_id"], a["id"]);
    assert_eq!(queued["items"][0]["reason"], "appointment_changed");

    let pass = run_due(&p.app.state, Utc::now()).await.unwrap();
    assert_eq!(pass.done, 1);
    assert!(event_for(&fake, &a).unwrap()["start"]["dateTime"]
        .as_str()
        .unwrap()
        .contains("T12:00:00"));
    assert_eq!(jobs(&p, "?status=queued").await["total"], 0);
    let counts: Value = p
        .app
        .get("/api/v1/jobs/counts", &p.admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(counts["done_last_day"], 1);
}

#[tokio::test]
async fn servers_running_the_queue_at_once_never_run_a_job_twice() {
    let (p, fake) = practice_with_google().await;
    let monday = next(Weekday::Mon);
    connect(&p, false).await;
    let mut booked = Vec::new();
    for hm in ["09:00", "10:00", "11:00", "12:00", "14:00"] {
        booked.push(p.book_ok(p.booking(&at(monday, hm))).await);
    }
    let state = &p.app.state;
    let (a, b) = tokio::join!(run_due(state, Utc::now()), run_due(state, Utc::now()));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.done + b.done, 5, "{a:?} {b:?}");
    let inserts = fake
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/events"))
        .count();
    assert_eq!(inserts, 5, "each event written once");
    for appointment in &booked {
        assert!(event_for(&fake, appointment).is_some());
    }
}

#[tokio::test]
async fn a_lapsed_claim_is_taken_over_and_a_change_made_meanwhile_runs_again() {
    let (p, fake) = practice_with_google().await;
    let monday = next(Weekday::Mon);
    connect(&p, false).await;
    let a = p.book_ok(p.booking(&at(monday, "09:00"))).await;
    // A server claimed the job and stopped.
    sql(
        &p,
        "UPDATE jobs SET status = 'running', attempts = 1, locked_until = '2000-01-01T00:00:00Z'",
    )
    .await;
    // Meanwhile the appointment moves: the running job is marked to run again.
    p.patch(
        a["id"].as_str().unwrap(),
        json!({"local_start": at(monday, "15:00")}),
    )
    .await;
    let running = jobs(&p, "?status=running").await;
    assert_eq!(running["total"], 1);

    // The lease lapsed: another server takes the job over, and runs it again after.
    let pass = run_due(&p.app.state, Utc::now()).await.unwrap();
    assert_eq!(pass.retrying, 1, "queued again for the change: {pass:?}");
    let pass = run_due(&p.app.state, Utc::now()).await.unwrap();
    assert_eq!(pass.done, 1);
    assert!(event_for(&fake, &a).unwrap()["start"]["dateTime"]
        .as_str()
        .unwrap()
        .contains("T15:00:00"));
    assert_eq!(jobs(&p, "?status=queued").await["total"], 0);
}

#[tokio::test]
async fn a_job_that_keeps_failing_is_given_up_shown_to_administrators_and_retried() {
    let (p, fake) = practice_with_google().await;
    let monday = next(Weekday::Mon);
    connect(&p, false).await;
    let a = p.book_ok(p.booking(&at(monday, "09:00"))).await;

    fake.fail_next(503);
    let pass = run_due(&p.app.state, Utc::now()).await.unwrap();
    assert_eq!(pass.retrying, 1);
    let waiting = jobs(&p, "?status=queued").await;
    let job = &waiting["items"][0];
    assert_eq!(job["attempts"], 1);
    assert!(job["last_error"].is_string());
    let next_run = chrono::DateTime::parse_from_rfc3339(job["run_at"].as_str().unwrap()).unwrap();
    assert!(next_run > Utc::now() + Duration::seconds(30), "backs off");

    // The last attempt fails too: given up.
    sql(&p, "UPDATE jobs SET attempts = 11").await;
    fake.fail_next(503);
    let pass = run_due(&p.app.state, Utc::now() + Duration::hours(3))
        .await
        .unwrap();
    assert_eq!(pass.failed, 1);
    let failed = jobs(&p, "?status=failed").await;
    assert_eq!(failed["total"], 1);
    let id = failed["items"][0]["id"].as_str().unwrap().to_owned();
    let counts: Value = p
        .app
        .get("/api/v1/jobs/counts", &p.admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(counts["failed"], 1);
    assert!(event_for(&fake, &a).is_none());

    // Staff other than administrators see nothing of it.
    let res = p.app.get("/api/v1/jobs", &p.practitioner.token).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let res = p
        .app
        .post(
            &format!("/api/v1/jobs/{id}/retry"),
            Some(&p.admin.token),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let again: Value = res.json().await.unwrap();
    assert_eq!(again["status"], "queued");
    assert_eq!(again["reason"], "retried");
    assert_eq!(again["attempts"], 0);
    let res = p
        .app
        .post(
            &format!("/api/v1/jobs/{id}/retry"),
            Some(&p.admin.token),
            json!({}),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "retrying twice joins the waiting job"
    );
    let res = p
        .app
        .post(
            &format!("/api/v1/jobs/{}/retry", again["id"].as_str().unwrap()),
            Some(&p.admin.token),
            json!({}),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::CONFLICT,
        "only a failed job is retried"
    );

    assert_eq!(run_due(&p.app.state, Utc::now()).await.unwrap().done, 1);
    assert!(event_for(&fake, &a).is_some());
    let audit: Value = p
        .app
        .get("/api/v1/audit-events?action=job.retry", &p.admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit["total"], 2);
}

#[tokio::test]
async fn jobs_wait_without_counting_attempts_while_their_provider_is_not_set_up() {
    let (p, _fake) = practice_with_google().await;
    let monday = next(Weekday::Mon);
    connect(&p, false).await;
    p.book_ok(p.booking(&at(monday, "09:00"))).await;
    // Work for a provider the practice has not set up (this one has Google, not Withings).
    let app = &p.app;
    sql(&p, "UPDATE jobs SET kind = 'withings.sync'").await;
    let pass = run_due(&app.state, Utc::now()).await.unwrap();
    assert_eq!(pass.waiting, 1, "{pass:?}");
    let waiting = jobs(&p, "?status=queued").await;
    assert_eq!(waiting["items"][0]["attempts"], 0);
    assert_eq!(waiting["items"][0]["last_error"], "Withings is not set up.");
    assert_eq!(
        run_due(&app.state, Utc::now()).await.unwrap().handled(),
        0,
        "not due again for a while"
    );
}

#[tokio::test]
async fn periodic_work_is_queued_once_and_old_jobs_are_forgotten() {
    let (p, _fake) = practice_with_google().await;
    connect(&p, false).await;
    let monday = next(Weekday::Mon);
    p.book_ok(p.booking(&at(monday, "09:00"))).await;
    assert_eq!(run_due(&p.app.state, Utc::now()).await.unwrap().done, 1);
    sql(&p, "UPDATE jobs SET finished_at = '2000-01-01T00:00:00Z'").await;
    run_periodic(&p.app.state, Utc::now()).await.unwrap();
    assert_eq!(jobs(&p, "").await["total"], 0);
}
