//! Scheduling through the API: availability, slot search, booking with conflict rules (under
//! concurrency too), daylight-saving edges, public holidays, repeating bookings, rescheduling,
//! cancellation, messages and reminders, blocks, the calendar view, the portal, and feeds.

use api_types::Role;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Utc, Weekday};
use chrono_tz::Australia::Sydney;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{patient_body, problem_code, TestApp, TestUser};

pub(crate) struct Practice {
    pub(crate) app: TestApp,
    pub(crate) admin: TestUser,
    pub(crate) practitioner: TestUser,
    pub(crate) reception: TestUser,
    pub(crate) type_id: String,
    pub(crate) patient_id: String,
}

fn today() -> NaiveDate {
    Utc::now().with_timezone(&Sydney).date_naive()
}

fn is_holiday(d: NaiveDate) -> bool {
    carebase::scheduling::public_holidays_of_year(
        api_types::scheduling::HolidayRegion::Nsw,
        d.year(),
    )
    .iter()
    .any(|h| h.date == d)
}

/// The first `weekday` at least a week from today (Sydney) that is not a public holiday, so
/// that it is always bookable.
pub(crate) fn next(weekday: Weekday) -> NaiveDate {
    let mut d = today() + Duration::days(7);
    while d.weekday() != weekday || is_holiday(d) {
        d += Duration::days(1);
    }
    d
}

/// The next first Sunday of `month` (Sydney's daylight saving ends on the first Sunday of April
/// and starts on the first Sunday of October).
fn next_first_sunday(month: u32) -> NaiveDate {
    let mut year = today().year();
    loop {
        let d = NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Sun, 1).unwrap();
        if d > today() + Duration::days(2) {
            return d;
        }
        year += 1;
    }
}

pub(crate) fn at(date: NaiveDate, hm: &str) -> String {
    format!("{date}T{hm}:00")
}

const WEEKDAYS: [&str; 5] = ["monday", "tuesday", "wednesday", "thursday", "friday"];

fn weekly_nine_to_five() -> Value {
    json!(WEEKDAYS
        .iter()
        .map(|d| json!({"weekday": d, "start": "09:00", "end": "17:00"}))
        .collect::<Vec<_>>())
}

async fn json_of(res: reqwest::Response) -> Value {
    res.json().await.unwrap()
}

/// A practice with a practitioner working 09:00–17:00 on weekdays, a 30-minute consult with a
/// 10-minute buffer after it, and a patient with an email and a mobile.
async fn practice() -> Practice {
    practice_with(TestApp::spawn().await).await
}

/// The same practice in a given app.
pub(crate) async fn practice_with(app: TestApp) -> Practice {
    let admin = app.user(Role::Admin).await;
    let practitioner = app.user(Role::Practitioner).await;
    let reception = app.user(Role::Receptionist).await;
    let res = app
        .send(
            Method::PUT,
            &format!("/api/v1/practitioners/{}/availability", practitioner.id),
            Some(&practitioner.token),
            Some(json!({"weekly": weekly_nine_to_five()})),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    let res = app
        .post(
            "/api/v1/appointment-types",
            Some(&admin.token),
            json!({
                "name": "Standard consultation",
                "duration_minutes": 30,
                "colour": "#2563EB",
                "price_cents": 8500,
                "buffer_after_minutes": 10,
                "online_bookable": true,
                "practitioner_ids": [practitioner.id],
            }),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{}",
        res.text().await.unwrap()
    );
    let t = json_of(res).await;
    assert_eq!(t["colour"], "#2563eb");
    let patient = app
        .create_patient(&admin.token, patient_body("Mia", "Chen"))
        .await;
    Practice {
        type_id: t["id"].as_str().unwrap().to_owned(),
        patient_id: patient["id"].as_str().unwrap().to_owned(),
        app,
        admin,
        practitioner,
        reception,
    }
}

impl Practice {
    pub(crate) fn booking(&self, local_start: &str) -> Value {
        json!({
            "appointment_type_id": self.type_id,
            "practitioner_id": self.practitioner.id,
            "patient_id": self.patient_id,
            "local_start": local_start,
        })
    }

    pub(crate) async fn book(&self, token: &str, body: Value) -> reqwest::Response {
        self.app
            .post("/api/v1/appointments", Some(token), body)
            .await
    }

    pub(crate) async fn book_ok(&self, body: Value) -> Value {
        let res = self.book(&self.reception.token, body).await;
        assert_eq!(
            res.status(),
            StatusCode::CREATED,
            "{}",
            res.text().await.unwrap()
        );
        json_of(res).await
    }

    pub(crate) async fn another_patient(&self, first: &str) -> String {
        let p = self
            .app
            .create_patient(&self.admin.token, patient_body(first, "Other"))
            .await;
        p["id"].as_str().unwrap().to_owned()
    }

    async fn slots(&self, token: &str, query: &str) -> Value {
        let res = self
            .app
            .get(
                &format!("/api/v1/slots?appointment_type_id={}&{query}", self.type_id),
                token,
            )
            .await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "{}",
            res.text().await.unwrap()
        );
        json_of(res).await
    }

    pub(crate) async fn patch(&self, id: &str, body: Value) -> reqwest::Response {
        self.app
            .send(
                Method::PATCH,
                &format!("/api/v1/appointments/{id}"),
                Some(&self.reception.token),
                Some(body),
            )
            .await
    }
}

fn local_times(slots: &Value) -> Vec<String> {
    slots["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["local_start"].as_str().unwrap()[11..16].to_owned())
        .collect()
}

#[tokio::test]
async fn booking_a_free_slot_then_the_same_slot_again_returns_409_slot_conflict() {
    let p = practice().await;
    let monday = next(Weekday::Mon);
    let a = p.book_ok(p.booking(&at(monday, "10:00"))).await;
    assert_eq!(a["status"], "booked");
    assert_eq!(a["local_start"], at(monday, "10:00"));
    assert_eq!(a["buffer_after_minutes"], 10);
    assert_eq!(a["patient_name"], "Mia Chen");
    assert_eq!(a["source"], "staff");

    // The same time for another patient: the practitioner is taken.
    let other = p.another_patient("Noah").await;
    let mut again = p.booking(&at(monday, "10:00"));
    again["patient_id"] = json!(other);
    let res = p.book(&p.reception.token, again.clone()).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let problem = json_of(res).await;
    assert_eq!(problem["code"], "slot_conflict");
    assert!(
        problem["detail"].as_str().unwrap().contains("10:00"),
        "{problem}"
    );
    // 10:30 falls inside the 10-minute buffer after the first appointment; 10:40 is free.
    again["local_start"] = json!(at(monday, "10:30"));
    assert_eq!(
        problem_code(p.book(&p.reception.token, again.clone()).await).await,
        "slot_conflict"
    );
    again["local_start"] = json!(at(monday, "10:40"));
    assert_eq!(
        p.book(&p.reception.token, again).await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_patient_cannot_be_in_two_places_at_once() {
    let p = practice().await;
    let second = p.app.user(Role::Practitioner).await;
    p.app
        .send(
            Method::PUT,
            &format!("/api/v1/practitioners/{}/availability", second.id),
            Some(&p.admin.token),
            Some(json!({"weekly": weekly_nine_to_five()})),
        )
        .await;
    p.app
        .send(
            Method::PATCH,
            &format!("/api/v1/appointment-types/{}", p.type_id),
            Some(&p.admin.token),
            Some(json!({"practitioner_ids": [p.practitioner.id, second.id]})),
        )
        .await;
    let tuesday = next(Weekday::Tue);
    p.book_ok(p.booking(&at(tuesday, "11:00"))).await;
    let mut with_second = p.booking(&at(tuesday, "11:15"));
    with_second["practitioner_id"] = json!(second.id);
    let res = p.book(&p.reception.token, with_second).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let problem = json_of(res).await;
    assert!(
        problem["detail"].as_str().unwrap().contains("patient"),
        "{problem}"
    );
}

#[tokio::test]
async fn simultaneous_bookings_of_one_slot_give_one_201_and_the_rest_409() {
    let p = practice().await;
    let wednesday = next(Weekday::Wed);
    let mut patients = Vec::new();
    for i in 0..12 {
        patients.push(p.another_patient(&format!("Racer{i}")).await);
    }
    let requests = patients.iter().map(|patient| {
        let mut body = p.booking(&at(wednesday, "14:00"));
        body["patient_id"] = json!(patient);
        p.book(&p.reception.token, body)
    });
    let statuses: Vec<StatusCode> = futures_util::future::join_all(requests)
        .await
        .into_iter()
        .map(|r| r.status())
        .collect();
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let conflicts = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((created, conflicts), (1, 11), "{statuses:?}");
    // And the database agrees: one appointment holds the time.
    let list = json_of(
        p.app
            .get(
                &format!("/api/v1/appointments?from={wednesday}&to={wednesday}"),
                &p.reception.token,
            )
            .await,
    )
    .await;
    assert_eq!(list["total"], 1);
}

#[tokio::test]
async fn overlapping_bookings_at_different_starts_race_safely_too() {
    let p = practice().await;
    let thursday = next(Weekday::Thu);
    let mut requests = Vec::new();
    for (i, start) in ["09:00", "09:10", "09:20", "09:30", "09:00", "09:20"]
        .iter()
        .enumerate()
    {
        let patient = p.another_patient(&format!("Overlap{i}")).await;
        let mut body = p.booking(&at(thursday, start));
        body["patient_id"] = json!(patient);
        requests.push(body);
    }
    let results =
        futures_util::future::join_all(requests.into_iter().map(|b| p.book(&p.reception.token, b)))
            .await;
    let statuses: Vec<u16> = results.iter().map(|r| r.status().as_u16()).collect();
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 409),
        "{statuses:?}"
    );
    // Whatever won, no two booked appointments (with their buffers) overlap.
    let list = json_of(
        p.app
            .get(
                &format!("/api/v1/appointments?from={thursday}&to={thursday}"),
                &p.reception.token,
            )
            .await,
    )
    .await;
    let mut spans: Vec<(String, String)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["starts_at"].as_str().unwrap().to_owned(),
                a["ends_at"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    spans.sort();
    assert!(!spans.is_empty());
    for w in spans.windows(2) {
        let end = chrono::DateTime::parse_from_rfc3339(&w[0].1).unwrap() + Duration::minutes(10);
        let next_start = chrono::DateTime::parse_from_rfc3339(&w[1].0).unwrap();
        assert!(end <= next_start, "{spans:?}");
    }
}

#[tokio::test]
async fn outside_hours_is_refused_unless_staff_say_so() {
    let p = practice().await;
    let monday = next(Weekday::Mon);
    let res = p
        .book(&p.reception.token, p.booking(&at(monday, "18:00")))
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(problem_code(res).await, "outside_availability");
    let mut anyway = p.booking(&at(monday, "18:00"));
    anyway["allow_outside_availability"] = json!(true);
    assert_eq!(
        p.book(&p.reception.token, anyway).await.status(),
        StatusCode::CREATED
    );
    // Saturday: no hours at all.
    let res = p
        .book(
            &p.reception.token,
            p.booking(&at(next(Weekday::Sat), "10:00")),
        )
        .await;
    assert_eq!(problem_code(res).await, "outside_availability");
}

#[tokio::test]
async fn leave_and_closures_take_time_away_and_extra_hours_add_it() {
    let p = practice().await;
    let monday = next(Weekday::Mon);
    let saturday = monday + Duration::days(5);
    let res = p
        .app
        .send(
            Method::PUT,
            &format!("/api/v1/practitioners/{}/availability", p.practitioner.id),
            Some(&p.practitioner.token),
            Some(json!({
                "weekly": weekly_nine_to_five(),
                "exceptions": [
                    {"kind": "unavailable", "start_date": monday, "end_date": monday,
                     "start_time": "12:00", "end_time": "14:00", "reason": "Training"},
                    {"kind": "available", "start_date": saturday, "end_date": saturday,
                     "start_time": "09:00", "end_time": "11:00"}
                ]
            })),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let monday_slots = local_times(
        &p.slots(&p.reception.token, &format!("from={monday}&to={monday}"))
            .await,
    );
    assert!(
        monday_slots.contains(&"11:30".to_owned()),
        "{monday_slots:?}"
    );
    assert!(!monday_slots.contains(&"12:00".to_owned()));
    assert!(!monday_slots.contains(&"13:45".to_owned()));
    assert!(monday_slots.contains(&"14:00".to_owned()));
    let saturday_slots = local_times(
        &p.slots(
            &p.reception.token,
            &format!("from={saturday}&to={saturday}"),
        )
        .await,
    );
    assert_eq!(saturday_slots.first().map(String::as_str), Some("09:00"));
    assert_eq!(saturday_slots.last().map(String::as_str), Some("10:30"));

    // A practice closure on Tuesday removes it for everyone.
    let tuesday = monday + Duration::days(1);
    let res = p
        .app
        .post(
            "/api/v1/closures",
            Some(&p.admin.token),
            json!({"start_date": tuesday, "end_date": tuesday, "reason": "Staff training day"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let closed = p
        .slots(&p.reception.token, &format!("from={tuesday}&to={tuesday}"))
        .await;
    assert!(closed["slots"].as_array().unwrap().is_empty());
    let res = p
        .book(&p.reception.token, p.booking(&at(tuesday, "10:00")))
        .await;
    assert_eq!(problem_code(res).await, "outside_availability");
}

#[tokio::test]
async fn public_holidays_block_bookings_unless_the_practitioner_works_them() {
    let p = practice().await;
    // The practice observes New South Wales holidays by default.
    let holidays = json_of(
        p.app
            .get(
                "/api/v1/holidays?from=2026-12-20&to=2027-01-31",
                &p.reception.token,
            )
            .await,
    )
    .await;
    let dates: Vec<&str> = holidays
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["date"].as_str().unwrap())
        .collect();
    assert_eq!(
        dates,
        [
            "2026-12-25",
            "2026-12-26",
            "2026-12-28",
            "2027-01-01",
            "2027-01-26"
        ]
    );

    // Find the next weekday public holiday and try to book it.
    let next_year = json_of(p.app.get("/api/v1/holidays", &p.reception.token).await).await;
    let holiday = next_year
        .as_array()
        .unwrap()
        .iter()
        .map(|h| NaiveDate::parse_from_str(h["date"].as_str().unwrap(), "%Y-%m-%d").unwrap())
        .find(|d| d.weekday().num_days_from_monday() < 5 && *d > today() + Duration::days(1))
        .unwrap();
    let res = p
        .book(&p.reception.token, p.booking(&at(holiday, "10:00")))
        .await;
    assert_eq!(problem_code(res).await, "outside_availability");
    let slots = p
        .slots(&p.reception.token, &format!("from={holiday}&to={holiday}"))
        .await;
    assert!(slots["slots"].as_array().unwrap().is_empty());

    p.app
        .send(
            Method::PUT,
            &format!("/api/v1/practitioners/{}/availability", p.practitioner.id),
            Some(&p.practitioner.token),
            Some(json!({"weekly": weekly_nine_to_five(), "works_public_holidays": true})),
        )
        .await;
    assert_eq!(
        p.book(&p.reception.token, p.booking(&at(holiday, "10:00")))
            .await
            .status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_local_time_that_does_not_exist_is_refused_and_one_that_occurs_twice_must_be_chosen() {
    let p = practice().await;
    let spring = next_first_sunday(10);
    let autumn = next_first_sunday(4);
    let mut gap = p.booking(&at(spring, "02:30"));
    gap["allow_outside_availability"] = json!(true);
    let res = p.book(&p.reception.token, gap).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem = json_of(res).await;
    assert_eq!(problem["errors"][0]["code"], "nonexistent_local_time");
    assert!(problem["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("03:00"));

    let mut twice = p.booking(&at(autumn, "02:30"));
    twice["allow_outside_availability"] = json!(true);
    let res = p.book(&p.reception.token, twice.clone()).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        json_of(res).await["errors"][0]["code"],
        "ambiguous_local_time"
    );
    twice["fold"] = json!("later");
    let a = p.book_ok(twice.clone()).await;
    // The second 02:30 is standard time, UTC+10.
    let local = NaiveDateTime::parse_from_str(&at(autumn, "02:30"), "%Y-%m-%dT%H:%M:%S").unwrap();
    assert_eq!(
        a["starts_at"].as_str().unwrap(),
        (local - Duration::hours(10))
            .and_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    // The earlier 02:30 is another instant, an hour before: a different patient may have it.
    twice["fold"] = json!("earlier");
    twice["patient_id"] = json!(p.another_patient("Early").await);
    let res = p.book(&p.reception.token, twice).await;
    // 30 minutes plus the 10-minute buffer end at the later 02:30's start minus 20 minutes:
    // no overlap, so it is booked.
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{}",
        res.text().await.unwrap()
    );
}

#[tokio::test]
async fn a_weekly_series_keeps_its_local_time_across_daylight_saving_and_books_all_or_nothing() {
    let p = practice().await;
    // Four Tuesdays starting two weeks before the April change (staff book them whatever the
    // holidays around Easter).
    let change = next_first_sunday(4);
    let first = change - Duration::days(12);
    let mut series = p.booking(&at(first, "09:00"));
    series["repeat"] = json!({"every_weeks": 1, "count": 4});
    series["allow_outside_availability"] = json!(true);
    let a = p.book_ok(series.clone()).await;
    assert_eq!(a["series"]["count"], 4);
    let list = json_of(
        p.app
            .get(
                &format!("/api/v1/appointments?patient_id={}&limit=10", p.patient_id),
                &p.reception.token,
            )
            .await,
    )
    .await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    for (i, item) in items.iter().enumerate() {
        assert_eq!(
            item["local_start"],
            at(first + Duration::weeks(i as i64), "09:00")
        );
    }
    let offsets: Vec<i64> = items
        .iter()
        .map(|i| {
            let utc =
                chrono::DateTime::parse_from_rfc3339(i["starts_at"].as_str().unwrap()).unwrap();
            let local = NaiveDateTime::parse_from_str(
                i["local_start"].as_str().unwrap(),
                "%Y-%m-%dT%H:%M:%S",
            )
            .unwrap();
            (local - utc.naive_utc()).num_hours()
        })
        .collect();
    assert_eq!(offsets, [11, 11, 10, 10], "the clocks went back in between");

    // A second series that collides on its third week books nothing.
    let other = p.another_patient("Clash").await;
    let mut clash = p.booking(&at(first - Duration::weeks(2), "09:00"));
    clash["patient_id"] = json!(other);
    clash["repeat"] = json!({"every_weeks": 1, "count": 3});
    clash["allow_outside_availability"] = json!(true);
    let res = p.book(&p.reception.token, clash).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(json_of(res).await["detail"]
        .as_str()
        .unwrap()
        .starts_with("Appointment 3 of 3"));
    let theirs = json_of(
        p.app
            .get(
                &format!("/api/v1/appointments?patient_id={other}"),
                &p.reception.token,
            )
            .await,
    )
    .await;
    assert_eq!(theirs["total"], 0);

    // Cancelling "this and following" from the second cancels three.
    let second = items[1]["id"].as_str().unwrap();
    let res = p
        .patch(
            second,
            json!({"status": "cancelled", "cancellation_reason": "Course finished", "apply_to": "following"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let cancelled = json_of(
        p.app
            .get(
                &format!(
                    "/api/v1/appointments?patient_id={}&status=cancelled",
                    p.patient_id
                ),
                &p.reception.token,
            )
            .await,
    )
    .await;
    assert_eq!(cancelled["total"], 3);
}

#[tokio::test]
async fn slot_search_respects_bookings_buffers_and_any_practitioner() {
    let p = practice().await;
    let friday = next(Weekday::Fri);
    p.book_ok(p.booking(&at(friday, "09:30"))).await;
    let one = p
        .slots(
            &p.reception.token,
            &format!(
                "practitioner_id={}&from={friday}&to={friday}",
                p.practitioner.id
            ),
        )
        .await;
    let times = local_times(&one);
    // 09:00 would run into the 09:30 booking; the booking and its buffer hold 09:30–10:10, and
    // the next slot on the 15-minute grid whose buffer clears it is 10:15.
    assert_eq!(&times[..2], ["10:15", "10:30"], "{times:?}");
    assert!(!times.contains(&"09:00".to_owned()));
    assert_eq!(times.last().map(String::as_str), Some("16:30"));
    assert_eq!(one["duration_minutes"], 30);
    assert_eq!(one["time_zone"], "Australia/Sydney");

    // Another practitioner with the same hours: "any practitioner" offers 09:00 with them.
    let second = p.app.user(Role::Nurse).await;
    p.app
        .send(
            Method::PUT,
            &format!("/api/v1/practitioners/{}/availability", second.id),
            Some(&second.token),
            Some(json!({"weekly": weekly_nine_to_five()})),
        )
        .await;
    p.app
        .send(
            Method::PATCH,
            &format!("/api/v1/appointment-types/{}", p.type_id),
            Some(&p.admin.token),
            Some(json!({"practitioner_ids": [p.practitioner.id, second.id]})),
        )
        .await;
    let any = p
        .slots(&p.reception.token, &format!("from={friday}&to={friday}"))
        .await;
    let first = &any["slots"][0];
    assert_eq!(first["local_start"], at(friday, "09:00"));
    assert_eq!(first["practitioner_ids"], json!([second.id]));
    let ten_fifteen = any["slots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["local_start"] == at(friday, "10:15"))
        .unwrap();
    // Both are free; the less booked comes first.
    assert_eq!(
        ten_fifteen["practitioner_ids"],
        json!([second.id, p.practitioner.id])
    );
    // The patient's own appointment removes their double-booking times for everyone.
    let mine = p
        .slots(
            &p.reception.token,
            &format!("from={friday}&to={friday}&patient_id={}", p.patient_id),
        )
        .await;
    assert!(!local_times(&mine).contains(&"09:30".to_owned()));

    // Bad queries are 4xx, not errors.
    for q in [
        "from=tomorrow",
        "from=2026-13-01",
        "from=2027-01-10&to=2027-01-01",
        "from=2027-01-01&to=2027-06-01",
    ] {
        let res = p
            .app
            .get(
                &format!("/api/v1/slots?appointment_type_id={}&{q}", p.type_id),
                &p.reception.token,
            )
            .await;
        assert!(res.status().is_client_error(), "{q}: {}", res.status());
    }
}

#[tokio::test]
async fn rescheduling_follows_the_same_rules_and_keeps_a_history() {
    let p = practice().await;
    let monday = next(Weekday::Mon);
    let a = p.book_ok(p.booking(&at(monday, "09:00"))).await;
    let other = p.another_patient("Blocker").await;
    let mut blocker = p.booking(&at(monday, "11:00"));
    blocker["patient_id"] = json!(other);
    p.book_ok(blocker).await;
    let id = a["id"].as_str().unwrap();

    let res = p
        .patch(id, json!({"local_start": at(monday, "11:15")}))
        .await;
    assert_eq!(problem_code(res).await, "slot_conflict");
    let res = p
        .patch(id, json!({"local_start": at(monday, "19:00")}))
        .await;
    assert_eq!(problem_code(res).await, "outside_availability");

    let res = p
        .app
        .client
        .patch(p.app.url(&format!("/api/v1/appointments/{id}")))
        .bearer_auth(&p.reception.token)
        .header("If-Match", "\"1\"")
        .json(&json!({"local_start": at(monday, "13:00")}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["etag"], "\"2\"");
    let moved = json_of(res).await;
    assert_eq!(moved["local_start"], at(monday, "13:00"));
    // A stale version is refused.
    let res = p
        .app
        .client
        .patch(p.app.url(&format!("/api/v1/appointments/{id}")))
        .bearer_auth(&p.reception.token)
        .header("If-Match", "\"1\"")
        .json(&json!({"local_start": at(monday, "14:00")}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PRECONDITION_FAILED);

    // Status changes: arrived, completed; a completed appointment cannot be cancelled.
    assert_eq!(
        p.patch(id, json!({"status": "arrived"})).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        p.patch(id, json!({"status": "completed"})).await.status(),
        StatusCode::OK
    );
    let res = p
        .patch(
            id,
            json!({"status": "cancelled", "cancellation_reason": "x"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = p
        .patch(id, json!({"local_start": at(monday, "15:00")}))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let history = json_of(
        p.app
            .get(
                &format!("/api/v1/appointments/{id}/history"),
                &p.reception.token,
            )
            .await,
    )
    .await;
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["created", "rescheduled", "status_changed", "status_changed"]
    );
    assert_eq!(history[1]["from_starts_at"], a["starts_at"]);
    assert_eq!(history[1]["actor_name"], "Test receptionist");
}

#[tokio::test]
async fn cancelling_needs_a_reason_frees_the_time_and_tells_the_patient() {
    let p = practice().await;
    let monday = next(Weekday::Mon);
    let a = p.book_ok(p.booking(&at(monday, "09:00"))).await;
    let id = a["id"].as_str().unwrap();

    // Booked: an email with the invitation and an SMS to the mobile.
    let outbox = p.app.outbox(&p.admin.token).await;
    let email = outbox
        .iter()
        .find(|m| m["channel"] == "email" && m["recipient"] == "mia.chen@example.com")
        .unwrap();
    assert_eq!(email["attachments"], json!(["appointment.ics"]));
    assert!(email["body"]
        .as_str()
        .unwrap()
        .contains("Standard consultation"));
    assert!(email["body"].as_str().unwrap().contains("9:00 am"));
    let sms = outbox.iter().find(|m| m["channel"] == "sms").unwrap();
    assert_eq!(sms["recipient"], "+61412345678");

    let res = p.patch(id, json!({"status": "cancelled"})).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = p
        .patch(
            id,
            json!({"status": "cancelled", "cancellation_reason": "Patient unwell"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let c = json_of(res).await;
    assert_eq!(c["cancellation"]["reason"], "Patient unwell");
    let outbox = p.app.outbox(&p.admin.token).await;
    assert!(outbox.iter().any(|m| m["subject"]
        .as_str()
        .unwrap_or_default()
        .contains("cancelled")));

    // The time is free again.
    let other = p.another_patient("Next").await;
    let mut again = p.booking(&at(monday, "09:00"));
    again["patient_id"] = json!(other);
    assert_eq!(
        p.book(&p.reception.token, again).await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn messages_go_out_by_email_with_an_invitation_and_by_sms_through_twilio() {
    use carebase::comms::{deliver_due, Senders};
    use connectors::fakes::{smtp::FakeSmtp, twilio::FakeTwilio};
    use std::sync::Arc;

    let p = practice().await;
    p.book_ok(p.booking(&at(next(Weekday::Tue), "10:00"))).await;
    let smtp = FakeSmtp::start().await.unwrap();
    let twilio = FakeTwilio::start().await.unwrap();
    let senders = Senders {
        email: Some(Arc::new(
            connectors::email::SmtpSender::new(&connectors::email::SmtpConfig {
                host: "127.0.0.1".into(),
                port: smtp.port,
                username: None,
                password: None,
                from: "Harbour Clinic <bookings@harbour.test>".into(),
                tls: connectors::email::SmtpTls::None,
            })
            .unwrap(),
        )),
        sms: Some(Arc::new(
            connectors::twilio::TwilioClient::new(twilio.config()).unwrap(),
        )),
    };
    assert_eq!(
        deliver_due(&p.app.state.db, &p.app.state.crypto, &senders)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        deliver_due(&p.app.state.db, &p.app.state.crypto, &senders)
            .await
            .unwrap(),
        0
    );
    let mail = smtp.received();
    assert_eq!(mail.len(), 1);
    assert!(mail[0].data.contains("text/calendar"), "{}", mail[0].data);
    assert!(mail[0].data.contains("method=REQUEST"));
    let sent = twilio.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, "+61412345678");
    assert!(
        sent[0].body.contains("Standard consultation"),
        "{}",
        sent[0].body
    );
}

#[tokio::test]
async fn reminders_go_out_once_the_day_before() {
    let p = practice().await;
    let tomorrow = today() + Duration::days(1);
    let mut body = p.booking(&at(tomorrow, "10:00"));
    body["allow_outside_availability"] = json!(true);
    let a = p.book_ok(body).await;
    let before = p.app.outbox(&p.admin.token).await.len();
    // At 08:00 Sydney nothing is sent yet; from 09:00 the reminder is queued, once.
    let morning = |h: u32| {
        today()
            .and_hms_opt(h, 0, 0)
            .unwrap()
            .and_local_timezone(Sydney)
            .earliest()
            .unwrap()
            .with_timezone(&Utc)
    };
    let send =
        |t| carebase::scheduling::send_due_reminders(&p.app.state.db, &p.app.state.crypto, t);
    assert_eq!(send(morning(8)).await.unwrap(), 0);
    assert_eq!(send(morning(10)).await.unwrap(), 1);
    assert_eq!(send(morning(11)).await.unwrap(), 0);
    let outbox = p.app.outbox(&p.admin.token).await;
    assert_eq!(outbox.len(), before + 2);
    assert!(outbox
        .iter()
        .any(|m| m["subject"].as_str().unwrap().starts_with("Reminder")));
    // Moving the appointment makes it due for a reminder again.
    let res = p
        .patch(
            a["id"].as_str().unwrap(),
            json!({"local_start": at(tomorrow, "11:00"), "allow_outside_availability": true}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(send(morning(12)).await.unwrap(), 1);
}

/// The front desk marks an appointment confirmed when the patient says they are coming, the
/// patient may confirm their own in the portal, and a new time needs confirming again.
#[tokio::test]
async fn a_patient_confirms_they_are_coming_at_the_desk_or_in_the_portal() {
    let p = practice().await;
    let monday = next(Weekday::Mon);
    let a = p.book_ok(p.booking(&at(monday, "10:00"))).await;
    assert!(a["confirmation"].is_null(), "not confirmed when booked");
    let id = a["id"].as_str().unwrap();

    let res = p.patch(id, json!({"confirmed": true})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let a = json_of(res).await;
    assert_eq!(a["confirmation"]["via"], "desk");
    let history = json_of(
        p.app
            .get(
                &format!("/api/v1/appointments/{id}/history"),
                &p.reception.token,
            )
            .await,
    )
    .await;
    assert!(history.to_string().contains("\"confirmed\""), "{history}");

    // Confirming is a change of its own, not folded into another.
    let res = p
        .patch(
            id,
            json!({"confirmed": true, "notes": "Parking at the back"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Moved: the patient has not confirmed the new time.
    let res = p
        .patch(id, json!({"local_start": at(monday, "11:00")}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(json_of(res).await["confirmation"].is_null());

    // In the portal, the patient confirms their own, and only that.
    let own = p
        .app
        .user_for_patient(Role::Patient, Some(p.patient_id.parse().unwrap()))
        .await;
    let path = format!("/api/v1/appointments/{id}");
    let res = p
        .app
        .send(
            Method::PATCH,
            &path,
            Some(&own.token),
            Some(json!({"confirmed": true})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(json_of(res).await["confirmation"]["via"], "portal");
    let res = p
        .app
        .send(
            Method::PATCH,
            &path,
            Some(&own.token),
            Some(json!({"confirmed": false})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json_of(res).await["code"], "booking_policy");

    let other = p.another_patient("Quinn").await;
    let theirs = p
        .book_ok(json!({
            "appointment_type_id": p.type_id,
            "practitioner_id": p.practitioner.id,
            "patient_id": other,
            "local_start": at(monday, "14:00"),
        }))
        .await;
    let res = p
        .app
        .send(
            Method::PATCH,
            &format!("/api/v1/appointments/{}", theirs["id"].as_str().unwrap()),
            Some(&own.token),
            Some(json!({"confirmed": true})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // Each confirmation is audited against the patient.
    let events = json_of(
        p.app
            .get(
                &format!(
                    "/api/v1/audit-events?action=appointment.confirm&patient_id={}",
                    p.patient_id
                ),
                &p.admin.token,
            )
            .await,
    )
    .await;
    assert_eq!(events["total"], 2);
}

#[tokio::test]
async fn patients_book_and_cancel_their_own_within_the_practice_rules() {
    let p = practice().await;
    let own = p
        .app
        .user_for_patient(Role::Patient, Some(p.patient_id.parse().unwrap()))
        .await;
    let other = p.another_patient("Stranger").await;
    let monday = next(Weekday::Mon);

    // Online slots, then a booking from the portal.
    let slots = p
        .slots(&own.token, &format!("from={monday}&to={monday}"))
        .await;
    assert!(!slots["slots"].as_array().unwrap().is_empty());
    let res = p.book(&own.token, p.booking(&at(monday, "09:00"))).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let a = json_of(res).await;
    assert_eq!(a["source"], "portal");
    assert!(a["notes"].is_null());

    // Not for someone else, not outside hours, not a type booked by the practice.
    let mut theirs = p.booking(&at(monday, "10:00"));
    theirs["patient_id"] = json!(other);
    assert_eq!(
        p.book(&own.token, theirs).await.status(),
        StatusCode::NOT_FOUND
    );
    let mut late = p.booking(&at(monday, "18:00"));
    late["allow_outside_availability"] = json!(true);
    assert_eq!(
        problem_code(p.book(&own.token, late).await).await,
        "booking_policy"
    );
    let practice_only = json_of(
        p.app
            .post(
                "/api/v1/appointment-types",
                Some(&p.admin.token),
                json!({"name": "Procedure", "duration_minutes": 60, "colour": "#dc2626",
                       "practitioner_ids": [p.practitioner.id]}),
            )
            .await,
    )
    .await;
    let mut procedure = p.booking(&at(monday, "14:00"));
    procedure["appointment_type_id"] = practice_only["id"].clone();
    assert_eq!(
        problem_code(p.book(&own.token, procedure).await).await,
        "booking_policy"
    );
    let types = json_of(p.app.get("/api/v1/appointment-types", &own.token).await).await;
    assert_eq!(
        types.as_array().unwrap().len(),
        1,
        "patients see only online types"
    );

    // Their list holds only their own; another patient's appointment is 404.
    let mut staff_booking = p.booking(&at(monday, "11:00"));
    staff_booking["patient_id"] = json!(other);
    let someone_elses = p.book_ok(staff_booking).await;
    let mine = json_of(p.app.get("/api/v1/appointments", &own.token).await).await;
    assert_eq!(mine["total"], 1);
    let res = p
        .app
        .get(
            &format!(
                "/api/v1/appointments/{}",
                someone_elses["id"].as_str().unwrap()
            ),
            &own.token,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // They may cancel, with a reason, but not move it.
    let id = a["id"].as_str().unwrap();
    let res = p
        .app
        .send(
            Method::PATCH,
            &format!("/api/v1/appointments/{id}"),
            Some(&own.token),
            Some(json!({"local_start": at(monday, "15:00")})),
        )
        .await;
    assert_eq!(problem_code(res).await, "booking_policy");
    let res = p
        .app
        .send(
            Method::PATCH,
            &format!("/api/v1/appointments/{id}"),
            Some(&own.token),
            Some(json!({"status": "cancelled", "cancellation_reason": "Feeling better"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        json_of(res).await["cancellation"]["reason"],
        "Feeling better"
    );

    // Within the cancellation notice, the portal refers them to the practice.
    let mut soon = p.booking("");
    soon.as_object_mut().unwrap().remove("local_start");
    let in_three_hours = Utc::now() + Duration::hours(3);
    soon["starts_at"] = json!(in_three_hours.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    soon["allow_outside_availability"] = json!(true);
    let soon = p.book_ok(soon).await;
    let res = p
        .app
        .send(
            Method::PATCH,
            &format!("/api/v1/appointments/{}", soon["id"].as_str().unwrap()),
            Some(&own.token),
            Some(json!({"status": "cancelled", "cancellation_reason": "Busy"})),
        )
        .await;
    assert_eq!(problem_code(res).await, "booking_policy");
}

#[tokio::test]
async fn availability_is_set_by_the_practitioner_or_a_manager_and_validated() {
    let p = practice().await;
    let other = p.app.user(Role::Practitioner).await;
    let path = format!("/api/v1/practitioners/{}/availability", other.id);
    let res = p
        .app
        .send(
            Method::PUT,
            &path,
            Some(&p.practitioner.token),
            Some(json!({"weekly": []})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = p
        .app
        .send(
            Method::PUT,
            &path,
            Some(&other.token),
            Some(json!({"weekly": [
                {"weekday": "monday", "start": "09:00", "end": "12:00"},
                {"weekday": "monday", "start": "11:00", "end": "13:00"},
                {"weekday": "tuesday", "start": "17:00", "end": "09:00"},
                {"weekday": "wednesday", "start": "9am", "end": "12:00"}
            ]})),
        )
        .await;
    assert!(res.status().is_client_error());
    let spring = next_first_sunday(10);
    let res = p
        .app
        .send(
            Method::PUT,
            &path,
            Some(&other.token),
            Some(json!({"exceptions": [{"kind": "available", "start_date": spring, "end_date": spring, "start_time": "02:15", "end_time": "04:00"}]})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        json_of(res).await["errors"][0]["code"],
        "nonexistent_local_time"
    );
    let res = p
        .app
        .send(
            Method::PUT,
            &path,
            Some(&p.admin.token),
            Some(json!({"weekly": weekly_nine_to_five()})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let read = json_of(p.app.get(&path, &p.reception.token).await).await;
    assert_eq!(read["weekly"].as_array().unwrap().len(), 5);
    assert_eq!(read["time_zone"], "Australia/Sydney");
    // Receptionists are not bookable practitioners.
    let res = p
        .app
        .get(
            &format!("/api/v1/practitioners/{}/availability", p.reception.id),
            &p.admin.token,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn blocks_hold_time_and_group_sessions_take_their_capacity() {
    let p = practice().await;
    let tuesday = next(Weekday::Tue);
    let res = p
        .app
        .post(
            "/api/v1/calendar-blocks",
            Some(&p.reception.token),
            json!({"practitioner_id": p.practitioner.id, "kind": "admin", "label": "Reports",
                   "local_start": at(tuesday, "12:00"), "duration_minutes": 60}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = p
        .book(&p.reception.token, p.booking(&at(tuesday, "12:15")))
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(json_of(res).await["detail"]
        .as_str()
        .unwrap()
        .contains("Reports"));
    let slots = local_times(
        &p.slots(&p.reception.token, &format!("from={tuesday}&to={tuesday}"))
            .await,
    );
    assert!(
        !slots.contains(&"12:00".to_owned()) && !slots.contains(&"11:30".to_owned()),
        "{slots:?}"
    );

    let group = json_of(
        p.app
            .post(
                "/api/v1/calendar-blocks",
                Some(&p.reception.token),
                json!({"practitioner_id": p.practitioner.id, "kind": "group", "label": "Back class",
                       "local_start": at(tuesday, "15:00"), "duration_minutes": 60, "capacity": 2}),
            )
            .await,
    )
    .await;
    let mut places = Vec::new();
    for i in 0..3 {
        let patient = p.another_patient(&format!("Class{i}")).await;
        let mut body = p.booking(&at(tuesday, "15:00"));
        body["patient_id"] = json!(patient);
        body["block_id"] = group["id"].clone();
        places.push(p.book(&p.reception.token, body).await.status());
    }
    assert_eq!(
        places,
        [
            StatusCode::CREATED,
            StatusCode::CREATED,
            StatusCode::CONFLICT
        ]
    );
    let res = p
        .app
        .send(
            Method::DELETE,
            &format!("/api/v1/calendar-blocks/{}", group["id"].as_str().unwrap()),
            Some(&p.reception.token),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn the_calendar_shows_columns_holidays_appointments_and_blocks() {
    let p = practice().await;
    let monday = next(Weekday::Mon);
    p.book_ok(p.booking(&at(monday, "09:00"))).await;
    let friday = monday + Duration::days(4);
    let view = json_of(
        p.app
            .get(
                &format!("/api/v1/calendar?from={monday}&to={friday}"),
                &p.reception.token,
            )
            .await,
    )
    .await;
    assert_eq!(view["time_zone"], "Australia/Sydney");
    let columns = view["columns"].as_array().unwrap();
    assert_eq!(columns.len(), 1);
    assert!(columns[0]["available"].as_array().unwrap().len() >= 4);
    assert_eq!(columns[0]["available"][0]["start"], at(monday, "09:00"));
    assert_eq!(view["appointments"][0]["patient_name"], "Mia Chen");
    assert_eq!(view["appointments"][0]["colour"], "#2563eb");
    let res = p
        .app
        .get(
            &format!(
                "/api/v1/calendar?from={monday}&to={}",
                monday + Duration::days(90)
            ),
            &p.reception.token,
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_private_calendar_feed_lists_appointments_until_revoked() {
    let p = practice().await;
    p.book_ok(p.booking(&at(next(Weekday::Mon), "09:00"))).await;
    let path = format!("/api/v1/practitioners/{}/calendar-feed", p.practitioner.id);
    let res = p
        .app
        .post(&path, Some(&p.practitioner.token), json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let feed = json_of(res).await;
    let url = feed["url"].as_str().unwrap();
    let local = url.replace("http://carebase.test", &p.app.address);
    let res = p.app.client.get(&local).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/calendar"));
    let body = res.text().await.unwrap();
    assert!(body.contains("BEGIN:VEVENT"));
    assert!(
        body.contains("SUMMARY:Standard consultation\r\n"),
        "no patient names by default"
    );
    assert!(!body.contains("Mia"));
    // Each fetch is audited under the practitioner whose feed it is.
    let fetched = json_of(
        p.app
            .get(
                "/api/v1/audit-events?action=calendar_feed.read",
                &p.admin.token,
            )
            .await,
    )
    .await;
    assert_eq!(
        fetched["items"][0]["resource_id"],
        p.practitioner.id.to_string()
    );
    // Reading the status never shows the address again.
    let status = json_of(p.app.get(&path, &p.practitioner.token).await).await;
    assert!(status["url"].is_null());
    assert!(status["last_fetched_at"].is_string());
    // Others may not manage it; revoking stops it.
    assert_eq!(
        p.app
            .send(Method::DELETE, &path, Some(&p.reception.token), None)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        p.app
            .send(Method::DELETE, &path, Some(&p.practitioner.token), None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        p.app.client.get(&local).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    // With none, asking is not an error: the answer says there is none.
    let res = p.app.get(&path, &p.practitioner.token).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(json_of(res).await, Value::Null);
}

#[tokio::test]
async fn settings_and_templates_are_validated() {
    let p = practice().await;
    let settings = json_of(
        p.app
            .get("/api/v1/scheduling-settings", &p.reception.token)
            .await,
    )
    .await;
    assert_eq!(settings["holiday_region"], "nsw");
    let mut changed = settings.clone();
    changed["holiday_region"] = json!("vic");
    changed["slot_interval_minutes"] = json!(7);
    let res = p
        .app
        .send(
            Method::PUT,
            "/api/v1/scheduling-settings",
            Some(&p.admin.token),
            Some(changed.clone()),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    changed["slot_interval_minutes"] = json!(30);
    let res = p
        .app
        .send(
            Method::PUT,
            "/api/v1/scheduling-settings",
            Some(&p.admin.token),
            Some(changed),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // Melbourne Cup day is now a holiday.
    let h = json_of(
        p.app
            .get(
                "/api/v1/holidays?from=2026-11-03&to=2026-11-03",
                &p.reception.token,
            )
            .await,
    )
    .await;
    assert_eq!(h[0]["name"], "Melbourne Cup");

    let mut templates = json_of(p.app.get("/api/v1/message-templates", &p.admin.token).await).await;
    templates["templates"][0]["sms_body"] = json!("See you {{when}}");
    let res = p
        .app
        .send(
            Method::PUT,
            "/api/v1/message-templates",
            Some(&p.admin.token),
            Some(templates.clone()),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        json_of(res).await["errors"][0]["code"],
        "unknown_placeholder"
    );
    templates["templates"][0]["sms_body"] =
        json!("{{practice_name}}: see you {{date}} at {{time}}.");
    let res = p
        .app
        .send(
            Method::PUT,
            "/api/v1/message-templates",
            Some(&p.admin.token),
            Some(templates),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    p.book_ok(p.booking(&at(next(Weekday::Mon), "09:00"))).await;
    let sms = p
        .app
        .outbox(&p.admin.token)
        .await
        .into_iter()
        .find(|m| m["channel"] == "sms")
        .unwrap();
    assert!(
        sms["body"].as_str().unwrap().contains(": see you "),
        "{sms}"
    );
}

#[tokio::test]
async fn a_retried_booking_with_an_idempotency_key_books_once() {
    let p = practice().await;
    let body = p.booking(&at(next(Weekday::Wed), "09:00"));
    let send = || {
        p.app
            .client
            .post(p.app.url("/api/v1/appointments"))
            .bearer_auth(&p.reception.token)
            .header("Idempotency-Key", "book-mia-wednesday")
            .json(&body)
            .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let again = send().await.unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers()["idempotency-replayed"], "true");
    let again: Value = again.json().await.unwrap();
    assert_eq!(first["id"], again["id"]);
}
