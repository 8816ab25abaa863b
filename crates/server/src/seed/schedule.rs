//! The demo practice's calendar.

use anyhow::Context;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use sea_orm::{
    ActiveValue::Set, DatabaseConnection, EntityTrait, PaginatorTrait, QueryOrder, QuerySelect,
    TransactionTrait,
};

/// The demo practice's appointment types, working weeks and three weeks of bookings, made once
/// (when the practice has no appointment types yet). Bookings are laid out so that none
/// overlaps, and go in without messages: nobody is told about demo appointments.
pub(super) async fn demo_schedule(
    db: &DatabaseConnection,
    clinicians: &[uuid::Uuid],
) -> anyhow::Result<()> {
    use api_types::scheduling::AppointmentStatus;
    use chrono::{Datelike, Duration, Utc, Weekday};
    use entity::scheduling::{
        appointment, appointment_type, appointment_type_practitioner, availability_rule,
        practitioner_schedule,
    };

    if appointment_type::Entity::find().count(db).await? > 0 || clinicians.is_empty() {
        return Ok(());
    }
    let practice = crate::scheduling::Practice::load(db)
        .await
        .map_err(|e| anyhow::anyhow!("{:?}", e.problem()))?;
    let tz = practice.clock;
    let now = Utc::now();
    // (name, minutes, colour, price, buffer after, telehealth, online, nurses offer it)
    let kinds = [
        (
            "Standard consultation",
            30,
            "#2563eb",
            9_500,
            5,
            false,
            true,
            false,
        ),
        (
            "Long consultation",
            60,
            "#7c3aed",
            18_000,
            10,
            false,
            true,
            false,
        ),
        (
            "Telehealth review",
            20,
            "#0d9488",
            7_500,
            0,
            true,
            true,
            false,
        ),
        ("Immunisation", 15, "#ea580c", 4_000, 0, false, false, true),
    ];
    let roles: Vec<(uuid::Uuid, bool)> = {
        let mut v = Vec::new();
        for id in clinicians {
            let role = entity::users::user::Entity::find_by_id(*id)
                .one(db)
                .await?
                .map(|u| u.role)
                .unwrap_or_default();
            v.push((*id, role == "nurse"));
        }
        v
    };
    let txn = db.begin().await?;
    let mut type_ids = Vec::new();
    for (name, minutes, colour, price, after, telehealth, online, nurses) in kinds {
        let id = uuid::Uuid::now_v7();
        appointment_type::Entity::insert(appointment_type::ActiveModel {
            id: Set(id),
            name: Set(name.into()),
            description: Set(None),
            duration_minutes: Set(minutes),
            colour: Set(colour.into()),
            price_cents: Set(price),
            buffer_before_minutes: Set(0),
            buffer_after_minutes: Set(after),
            mode: Set(if telehealth {
                "telehealth"
            } else {
                "in_person"
            }
            .into()),
            online_bookable: Set(online),
            active: Set(true),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec(&txn)
        .await?;
        for (user, is_nurse) in &roles {
            if *is_nurse == nurses {
                appointment_type_practitioner::Entity::insert(
                    appointment_type_practitioner::ActiveModel {
                        appointment_type_id: Set(id),
                        user_id: Set(*user),
                    },
                )
                .exec(&txn)
                .await?;
            }
        }
        type_ids.push((id, minutes, after, nurses, telehealth));
    }
    for (user, is_nurse) in &roles {
        practitioner_schedule::Entity::insert(practitioner_schedule::ActiveModel {
            user_id: Set(*user),
            works_public_holidays: Set(false),
            updated_by: Set(None),
            updated_at: Set(now),
        })
        .exec(&txn)
        .await?;
        // Practitioners: weekdays 09:00–12:30 and 13:30–17:00. Nurses: Monday to Thursday
        // 08:30–16:30.
        let windows: &[(i32, i32)] = if *is_nurse {
            &[(510, 990)]
        } else {
            &[(540, 750), (810, 1020)]
        };
        let days = if *is_nurse { 1..=4 } else { 1..=5 };
        for day in days {
            for (start, end) in windows {
                availability_rule::Entity::insert(availability_rule::ActiveModel {
                    id: Set(uuid::Uuid::now_v7()),
                    user_id: Set(*user),
                    weekday: Set(day),
                    start_minute: Set(*start),
                    end_minute: Set(*end),
                    effective_from: Set(None),
                    effective_until: Set(None),
                })
                .exec(&txn)
                .await?;
            }
        }
    }
    let patients: Vec<uuid::Uuid> = entity::patients::patient::Entity::find()
        .order_by_asc(entity::patients::patient::Column::CreatedAt)
        .limit(200)
        .all(&txn)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let mut rng = StdRng::seed_from_u64(7);
    let today = tz.local_date(now);
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let holidays = crate::scheduling::public_holidays(
        practice.rules.holiday_region,
        monday,
        monday + Duration::days(21),
    );
    // Each day's patients are distinct, so no patient is in two places at once.
    for day in 0..19 {
        let date = monday + Duration::days(day);
        if matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
            || holidays.iter().any(|h| h.date == date)
        {
            continue;
        }
        let mut todays: Vec<uuid::Uuid> = patients.clone();
        todays.shuffle(&mut rng);
        let mut next_patient = todays.into_iter();
        for (user, is_nurse) in &roles {
            if *is_nurse && date.weekday() == Weekday::Fri {
                continue;
            }
            let offered: Vec<_> = type_ids.iter().filter(|t| t.3 == *is_nurse).collect();
            let mut minute = if *is_nurse { 510 } else { 540 };
            let end = if *is_nurse { 990 } else { 1020 };
            while minute < end {
                if !is_nurse && (750..810).contains(&minute) {
                    minute = 810;
                    continue;
                }
                let (type_id, length, after, _, telehealth) =
                    *offered[rng.gen_range(0..offered.len())];
                let finish = minute + length + after;
                let lunch_clash = !is_nurse && minute < 750 && finish > 750;
                if finish > end || lunch_clash || rng.gen_bool(0.35) {
                    minute += 15;
                    continue;
                }
                let Some(patient) = next_patient.next() else {
                    break;
                };
                let local =
                    date.and_time(chrono::NaiveTime::MIN) + Duration::minutes(i64::from(minute));
                let starts_at = tz.edge(local.date(), minute as u16, crate::settings::Edge::Start);
                let ends_at = starts_at + Duration::minutes(i64::from(length));
                let past = ends_at < now;
                let status = if past {
                    if rng.gen_bool(0.06) {
                        AppointmentStatus::NoShow
                    } else {
                        AppointmentStatus::Completed
                    }
                } else {
                    AppointmentStatus::Booked
                };
                appointment::Entity::insert(appointment::ActiveModel {
                    id: Set(uuid::Uuid::now_v7()),
                    practitioner_id: Set(*user),
                    patient_id: Set(patient),
                    appointment_type_id: Set(type_id),
                    block_id: Set(None),
                    starts_at: Set(starts_at),
                    ends_at: Set(ends_at),
                    busy_from: Set(starts_at),
                    busy_to: Set(ends_at + Duration::minutes(i64::from(after))),
                    buffer_before_minutes: Set(0),
                    buffer_after_minutes: Set(after),
                    mode: Set(if telehealth {
                        "telehealth"
                    } else {
                        "in_person"
                    }
                    .into()),
                    status: Set(status),
                    notes_enc: Set(None),
                    cancel_reason_enc: Set(None),
                    cancelled_at: Set(None),
                    cancelled_by: Set(None),
                    series_id: Set(None),
                    series_index: Set(None),
                    series_count: Set(None),
                    source: Set("staff".into()),
                    created_by: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                    version: Set(1),
                    reminder_sent_at: Set(None),
                    confirmed_at: Set(None),
                    confirmed_via: Set(None),
                })
                .exec(&txn)
                .await?;
                minute = finish + if rng.gen_bool(0.5) { 0 } else { 15 };
                minute = (minute + 4) / 5 * 5;
            }
        }
    }
    txn.commit()
        .await
        .context("Failed to save the demo schedule")?;
    Ok(())
}
