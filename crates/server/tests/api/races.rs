//! Simultaneous writes, many rounds: every request waits its turn (SQLite has one writer, and
//! PostgreSQL locks what must be), none answers 5xx, and each committed change has its audit
//! event, committed with it.

use api_types::Role;
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::notes::clinic;

async fn events(app: &crate::helpers::TestApp, admin: &str, query: &str) -> Vec<Value> {
    let v: Value = app
        .get(&format!("/api/v1/audit-events?limit=100&{query}"), admin)
        .await
        .json()
        .await
        .unwrap();
    v["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn simultaneous_signatures_sign_once_and_audit_once_every_round() {
    let c = clinic().await;
    for round in 0..8 {
        let note = c
            .draft(&format!("Round {round}"), "<p>Reviewed today.</p>")
            .await;
        let id = note["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/notes/{id}/sign");
        let tries = (0..6).map(|_| c.app.post(&path, Some(&c.practitioner.token), json!({})));
        let answers = futures_util::future::join_all(tries).await;
        let statuses: Vec<StatusCode> = answers.iter().map(|r| r.status()).collect();
        assert_eq!(
            statuses.iter().filter(|s| **s == StatusCode::OK).count(),
            1,
            "round {round}: {statuses:?}"
        );
        assert!(
            statuses
                .iter()
                .all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT),
            "round {round}: {statuses:?}"
        );
        let signed = events(
            &c.app,
            &c.admin.token,
            &format!("action=note.sign&patient_id={}", c.patient_id),
        )
        .await
        .into_iter()
        .filter(|e| e["resource_id"] == id.as_str())
        .count();
        assert_eq!(signed, 1, "round {round}: one signature, one event");
    }
    let verified: Value = c
        .app
        .get("/api/v1/audit-events/verify", &c.admin.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(verified["ok"], true);
}

#[tokio::test]
async fn simultaneous_posts_of_one_batch_all_succeed_and_are_each_audited() {
    let c = clinic().await;
    let path = format!("/api/v1/patients/{}/observations", c.patient_id);
    for round in 0..8 {
        let start = Utc::now() - Duration::days(20 - round);
        let batch: Value = (0..200)
            .map(|i| {
                json!({"metric": "heart_rate", "value": 60 + (i % 30),
                       "effective_at": (start + Duration::seconds(i * 60)).to_rfc3339()})
            })
            .collect();
        let posts = (0..4).map(|_| c.app.post(&path, Some(&c.nurse.token), batch.clone()));
        let answers = futures_util::future::join_all(posts).await;
        let mut accepted = 0;
        for res in answers {
            assert_eq!(res.status(), StatusCode::OK, "round {round}");
            let summary: Value = res.json().await.unwrap();
            accepted += summary["accepted"].as_u64().unwrap();
        }
        assert_eq!(accepted, 200, "round {round}: each reading stored once");
    }
    let created = events(
        &c.app,
        &c.admin.token,
        &format!("action=observation.create&patient_id={}", c.patient_id),
    )
    .await;
    assert_eq!(created.len(), 32, "every request's change has its event");
}

#[tokio::test]
async fn a_burst_of_reads_and_writes_loses_no_audit_event() {
    let c = clinic().await;
    let admin = c.app.user(Role::Admin).await;
    let before = events(&c.app, &admin.token, "action=patient.read")
        .await
        .len();
    let one = format!("/api/v1/patients/{}", c.patient_id);
    let reads = (0..40).map(|_| c.app.get(&one, &c.nurse.token));
    let writes = (0..20).map(|i| {
        c.app.create_patient(
            &c.nurse.token,
            crate::helpers::patient_body("Burst", &format!("Case{i}")),
        )
    });
    let (reads, _) = futures_util::future::join(
        futures_util::future::join_all(reads),
        futures_util::future::join_all(writes),
    )
    .await;
    assert!(reads.iter().all(|r| r.status() == StatusCode::OK));
    let after = events(&c.app, &admin.token, "action=patient.read")
        .await
        .len();
    assert_eq!(after - before, 40);
    let created = events(&c.app, &admin.token, "action=patient.create").await;
    assert!(created.len() >= 21);
}

#[tokio::test]
async fn two_admins_demoting_each_other_at_once_leave_one_admin_every_round() {
    for round in 0..6 {
        let app = crate::helpers::TestApp::spawn().await;
        let a = app.user(Role::Admin).await;
        let b = app.user(Role::Admin).await;
        let demote = |by: String, whom: uuid::Uuid| {
            let app = &app;
            async move {
                app.send(
                    reqwest::Method::PATCH,
                    &format!("/api/v1/users/{whom}"),
                    Some(&by),
                    Some(json!({"role": "practitioner"})),
                )
                .await
            }
        };
        let answers = futures_util::future::join(
            demote(a.token.clone(), b.id),
            demote(b.token.clone(), a.id),
        )
        .await;
        let statuses = [answers.0.status(), answers.1.status()];
        assert_eq!(
            statuses.iter().filter(|s| **s == StatusCode::OK).count(),
            1,
            "round {round}: {statuses:?}"
        );
        let admins = carebase::users::active_admins(&app.state.db, &app.state.crypto)
            .await
            .unwrap();
        assert_eq!(admins.len(), 1, "round {round}: {statuses:?}");
    }
}

#[tokio::test]
async fn replicas_starting_together_apply_each_migration_once() {
    use carebase::platform::db;
    use migration::MigratorTrait;
    use sea_orm::{ConnectionTrait, Statement};
    let dir = tempfile::tempdir().unwrap();
    let url = crate::helpers::fresh_database(dir.path()).await;
    if !url.starts_with("postgres") {
        // One process owns a SQLite file: there are no replicas to race.
        return;
    }
    let replicas: Vec<_> = futures_util::future::join_all((0..3).map(|_| db::connect(&url, 4)))
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let outcomes = futures_util::future::join_all(replicas.iter().map(db::migrate)).await;
    for outcome in outcomes {
        outcome.unwrap();
    }
    let row = replicas[0]
        .query_one_raw(Statement::from_string(
            replicas[0].get_database_backend(),
            "SELECT COUNT(*) AS n FROM seaql_migrations",
        ))
        .await
        .unwrap()
        .unwrap();
    let applied: i64 = row.try_get("", "n").unwrap();
    assert_eq!(applied as usize, migration::Migrator::migrations().len());
}

/// Two clinicians answering one urgent answer at once leave one review, the one that answered
/// first, and the other is told; a patient marking homework done twice at once keeps the first
/// reflection. Every round.
#[tokio::test]
async fn simultaneous_reviews_and_completions_keep_the_first_and_refuse_the_second_every_round() {
    let c = clinic().await;
    for round in 0..6 {
        let res = c
            .app
            .post(
                &format!("/api/v1/patients/{}/assessments", c.patient_id),
                Some(&c.patient.token),
                json!({"instrument": "phq9", "answers": [0, 1, 0, 0, 0, 0, 0, 0, 1]}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let urgent: Value = res.json().await.unwrap();
        let path = format!(
            "/api/v1/assessments/{}/review",
            urgent["id"].as_str().unwrap()
        );
        let notes = [
            format!("Called, round {round}"),
            format!("Visited, round {round}"),
        ];
        let tries = [&c.practitioner.token, &c.nurse.token]
            .into_iter()
            .zip(&notes)
            .map(|(token, note)| c.app.post(&path, Some(token), json!({"note": note})));
        let answers = futures_util::future::join_all(tries).await;
        let statuses: Vec<StatusCode> = answers.iter().map(|r| r.status()).collect();
        assert!(
            statuses.contains(&StatusCode::OK) && statuses.contains(&StatusCode::CONFLICT),
            "round {round}: {statuses:?}"
        );
        let winner = statuses.iter().position(|s| *s == StatusCode::OK).unwrap();
        let list: Value = c
            .app
            .get(
                &format!("/api/v1/patients/{}/assessments?limit=100", c.patient_id),
                &c.admin.token,
            )
            .await
            .json()
            .await
            .unwrap();
        let kept = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == urgent["id"])
            .unwrap();
        assert_eq!(
            kept["review"]["note"],
            notes[winner].as_str(),
            "round {round}"
        );

        let res = c
            .app
            .post(
                &format!("/api/v1/patients/{}/homework", c.patient_id),
                Some(&c.practitioner.token),
                json!({"title": format!("Diary {round}"), "due_date": "2099-01-01"}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let task: Value = res.json().await.unwrap();
        let path = format!("/api/v1/homework/{}/complete", task["id"].as_str().unwrap());
        let reflections = ["Slept better", "Slept worse"];
        let tries = reflections.iter().map(|r| {
            c.app
                .post(&path, Some(&c.patient.token), json!({"reflection": r}))
        });
        let answers = futures_util::future::join_all(tries).await;
        let statuses: Vec<StatusCode> = answers.iter().map(|r| r.status()).collect();
        assert!(
            statuses.contains(&StatusCode::OK) && statuses.contains(&StatusCode::CONFLICT),
            "round {round}: {statuses:?}"
        );
        let winner = statuses.iter().position(|s| *s == StatusCode::OK).unwrap();
        let list: Value = c
            .app
            .get(
                &format!("/api/v1/patients/{}/homework", c.patient_id),
                &c.patient.token,
            )
            .await
            .json()
            .await
            .unwrap();
        let items = list.get("items").unwrap_or(&list);
        let kept = items
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["id"] == task["id"])
            .unwrap();
        assert_eq!(kept["reflection"], reflections[winner], "round {round}");
    }
}

/// Readings posted while the patient is being erased: each is either stored before the erasure
/// (its event comes before the erasure's on the chain) or refused as `patient_erased`, never
/// slipped in after it by a request that checked the record a moment too early.
#[tokio::test]
async fn a_change_racing_an_erasure_lands_before_it_or_is_refused_every_round() {
    let app = crate::helpers::TestApp::spawn().await;
    let admin = app.user(Role::Admin).await;
    let nurse = app.user(Role::Nurse).await;
    for round in 0..6 {
        let p = app
            .create_patient(
                &admin.token,
                crate::helpers::patient_body("Round", &format!("Erased{round}")),
            )
            .await;
        let id = p["id"].as_str().unwrap().to_owned();
        let res = app
            .post(
                &format!("/api/v1/patients/{id}/care-team"),
                Some(&admin.token),
                json!({"user_id": nurse.id}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let path = format!("/api/v1/patients/{id}/observations");
        let writer = |n: i64| {
            let (app, path, token) = (&app, &path, &nurse.token);
            async move {
                for i in 0..40 {
                    let at = Utc::now() - Duration::minutes(n * 100 + i);
                    let res = app
                        .post(
                            path,
                            Some(token),
                            json!({"metric": "weight", "value": 70, "effective_at": at.to_rfc3339()}),
                        )
                        .await;
                    match res.status() {
                        StatusCode::CREATED | StatusCode::OK => {}
                        StatusCode::CONFLICT => {
                            let body: Value = res.json().await.unwrap();
                            assert_eq!(body["code"], "patient_erased");
                            return;
                        }
                        other => panic!("round {round}: {other}"),
                    }
                }
            }
        };
        let erase = async {
            tokio::time::sleep(std::time::Duration::from_millis(15)).await;
            let res = app.erase(&admin.token, &id).await;
            assert_eq!(res.status(), StatusCode::OK, "round {round}");
        };
        futures_util::future::join4(writer(0), writer(1), writer(2), erase).await;

        let erased = events(
            &app,
            &admin.token,
            &format!("action=patient.erase&patient_id={id}"),
        )
        .await;
        let erased_at = erased[0]["seq"].as_i64().unwrap();
        let stored = events(
            &app,
            &admin.token,
            &format!("action=observation.create&patient_id={id}"),
        )
        .await;
        let late: Vec<i64> = stored
            .iter()
            .map(|e| e["seq"].as_i64().unwrap())
            .filter(|seq| *seq > erased_at)
            .collect();
        assert!(
            late.is_empty(),
            "round {round}: readings stored after the erasure (events {late:?}, erasure {erased_at})"
        );
    }
}
