//! Demo readings from devices and people.

use anyhow::Context;
use entity::patients::care_team_member;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};

use crate::platform::crypto::Crypto;

/// Patients with readings in the demo: the first few, so that the portal account has some.
const DEMO_HEALTH_PATIENTS: u64 = 12;

/// Ninety days of readings for the first demo patients (blood pressure and heart rate most
/// mornings, weekly weight, daily steps and sleep), entered through the same path as real
/// readings, so they are judged and roll up like them. One patient's latest blood pressure is
/// critical, so that the demo dashboards show an alert. Skipped for patients who have readings.
pub(super) async fn demo_health(
    db: &DatabaseConnection,
    crypto: &Crypto,
    public_url: &str,
) -> anyhow::Result<()> {
    use api_types::health::{DeviceInfo, ObservationInput};
    use chrono::{Duration, Utc};

    use crate::settings::Edge;

    let to_anyhow = |e: crate::platform::ApiError| anyhow::anyhow!("{:?}", e.problem());
    let patients = entity::patients::patient::Entity::find()
        .order_by_asc(entity::patients::patient::Column::CreatedAt)
        .limit(DEMO_HEALTH_PATIENTS)
        .all(db)
        .await?;
    let notify = crate::comms::Notify { crypto, public_url };
    // Days and times of day are the practice's: "morning" readings are taken in its mornings.
    let clock = crate::settings::clock(db).await.map_err(to_anyhow)?;
    let today = clock.today();
    for (n, model) in patients.into_iter().enumerate() {
        let has_data = entity::health::observation::Entity::find()
            .filter(entity::health::observation::Column::PatientId.eq(model.id))
            .count(db)
            .await?
            > 0;
        if has_data {
            continue;
        }
        let record = crate::patients::PatientRecord::decrypt(crypto, model)?;
        let mut rng = StdRng::seed_from_u64(7000 + n as u64);
        let device = |model: &str| {
            Some(DeviceInfo {
                vendor: "withings".into(),
                device_id: Some(format!("demo-{n}")),
                model: Some(model.into()),
            })
        };
        let systolic_base = rng.gen_range(112.0..142.0);
        let weight_base: f64 = rng.gen_range(58.0..96.0);
        let mut inputs = Vec::new();
        for day in (0..90).rev() {
            let date = today - Duration::days(day);
            let morning = clock.edge(date, rng.gen_range(6 * 60..9 * 60), Edge::Start);
            if morning > Utc::now() {
                continue;
            }
            if rng.gen_bool(0.8) {
                let drift = (90 - day) as f64 * 0.03;
                let sys: f64 = systolic_base + drift + rng.gen_range(-8.0..8.0);
                let dia = sys * 0.63 + rng.gen_range(-4.0..4.0);
                for (metric, value) in [
                    ("systolic_bp", sys.round()),
                    ("diastolic_bp", dia.round()),
                    ("heart_rate", rng.gen_range(58.0_f64..84.0).round()),
                ] {
                    inputs.push(ObservationInput {
                        metric: metric.into(),
                        value,
                        effective_at: morning,
                        device: device("BPM Connect"),
                    });
                }
            }
            if day % 7 == 0 {
                inputs.push(ObservationInput {
                    metric: "weight".into(),
                    value: ((weight_base - (90 - day) as f64 * 0.01 + rng.gen_range(-0.4..0.4))
                        * 10.0)
                        .round()
                        / 10.0,
                    effective_at: morning - Duration::minutes(5),
                    device: device("Body+"),
                });
            }
            let midnight = clock.day_start(date);
            inputs.push(ObservationInput {
                metric: "steps".into(),
                value: rng.gen_range(2500.0_f64..12500.0).round(),
                effective_at: midnight,
                device: device("ScanWatch"),
            });
            inputs.push(ObservationInput {
                metric: "sleep_duration".into(),
                value: (rng.gen_range(5.6_f64..8.4) * 10.0).round() / 10.0,
                effective_at: clock.edge(date, 7 * 60, Edge::Start),
                device: device("Sleep Analyzer"),
            });
        }
        if n == 0 {
            // The portal patient's most recent reading needs attention.
            inputs.push(ObservationInput {
                metric: "systolic_bp".into(),
                value: 186.0,
                effective_at: Utc::now() - Duration::minutes(10),
                device: device("BPM Connect"),
            });
        }
        let conditions = crate::health::target_conditions(db, record.model.id)
            .await
            .map_err(to_anyhow)?;
        let profile = crate::health::TargetProfile::new(
            record.details.date_of_birth,
            record.details.sex,
            conditions,
        );
        let ranges = crate::health::target_ranges(db, crypto, record.model.id, &profile)
            .await
            .map_err(to_anyhow)?;
        // The devices were connected by someone on the care team.
        let by = care_team_member::Entity::find()
            .filter(care_team_member::Column::PatientId.eq(record.model.id))
            .one(db)
            .await?
            .map_or(record.model.id, |m| m.user_id);
        let checked = crate::health::check_readings(inputs, by, Utc::now());
        let txn = db.begin().await?;
        crate::health::store_readings(&txn, &notify, record.model.id, by, checked, &ranges)
            .await
            .map_err(to_anyhow)?;
        txn.commit().await.context("Failed to save demo readings")?;
    }
    Ok(())
}
