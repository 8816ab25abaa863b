//! Target ranges: the practice's defaults by age band, sex and condition, each with the guideline
//! it follows, and a practitioner's overrides for one patient.
//!
//! Defaults are starting points for adults in general practice; a practitioner overrides them
//! where a patient's care plan says otherwise. Critical limits follow the NSW Health "Between the
//! Flags" adult observation chart's red zone where it has one, so that an alert means the same
//! thing it would on a ward.

use api_types::health::{
    Metric, PatientTargets, TargetCondition, TargetOverride, TargetRange, TargetSource,
};
use api_types::patients::Sex;
use chrono::{Datelike, NaiveDate, Utc};
use entity::health::{target_override, target_profile};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::platform::crypto::Crypto;
use crate::platform::ApiResult;

/// What the defaults depend on.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    /// Whole years; `None` when the date of birth is not recorded (adult defaults apply).
    pub age: Option<i32>,
    pub sex: Option<Sex>,
    pub conditions: Vec<TargetCondition>,
}

impl Profile {
    pub fn new(
        date_of_birth: Option<NaiveDate>,
        sex: Option<Sex>,
        conditions: Vec<TargetCondition>,
    ) -> Profile {
        let today = Utc::now().date_naive();
        let age = date_of_birth.map(|dob| {
            let mut years = today.year() - dob.year();
            if (today.month(), today.day()) < (dob.month(), dob.day()) {
                years -= 1;
            }
            years
        });
        Profile {
            age,
            sex,
            conditions,
        }
    }

    fn has(&self, c: TargetCondition) -> bool {
        self.conditions.contains(&c)
    }

    fn child(&self) -> bool {
        self.age.is_some_and(|a| a < 12)
    }

    fn adolescent(&self) -> bool {
        self.age.is_some_and(|a| (12..18).contains(&a))
    }

    fn minor(&self) -> bool {
        self.age.is_some_and(|a| a < 18)
    }
}

struct Bounds {
    low: Option<f64>,
    high: Option<f64>,
    critical_low: Option<f64>,
    critical_high: Option<f64>,
    reference: &'static str,
}

const fn b(
    low: Option<f64>,
    high: Option<f64>,
    critical_low: Option<f64>,
    critical_high: Option<f64>,
    reference: &'static str,
) -> Bounds {
    Bounds {
        low,
        high,
        critical_low,
        critical_high,
        reference,
    }
}

/// The default range of one metric for a profile, if the metric has one.
fn default_bounds(metric: &str, p: &Profile) -> Option<Bounds> {
    use TargetCondition::*;
    Some(match metric {
        "systolic_bp" if p.minor() => return None,
        "systolic_bp" if p.has(Pregnancy) => b(Some(90.0), Some(140.0), Some(80.0), Some(160.0),
            "SOMANZ Guideline for the Management of Hypertensive Disorders of Pregnancy (2014): treat to below 140/90; 160/110 or more is severe"),
        "systolic_bp" if p.has(Diabetes) || p.has(ChronicKidneyDisease) => b(Some(90.0), Some(130.0), Some(80.0), Some(180.0),
            "RACGP Management of type 2 diabetes (2020) and KDIGO blood pressure in CKD (2021): below 130/80; Heart Foundation: 180/110 or more is severe"),
        "systolic_bp" if p.age.is_some_and(|a| a >= 80) => b(Some(100.0), Some(150.0), Some(80.0), Some(180.0),
            "Heart Foundation Guideline for hypertension in adults (2016): individualise in the very old, commonly below 150; 180/110 or more is severe"),
        "systolic_bp" => b(Some(90.0), Some(140.0), Some(80.0), Some(180.0),
            "Heart Foundation Guideline for the diagnosis and management of hypertension in adults (2016): below 140/90; 180/110 or more is severe. Critical low 80: hypotension to review the same day (NSW Between the Flags puts 90 or less in the red zone for inpatients)"),
        "diastolic_bp" if p.minor() => return None,
        "diastolic_bp" if p.has(Pregnancy) => b(Some(50.0), Some(90.0), Some(40.0), Some(110.0),
            "SOMANZ (2014): below 90; 110 or more is severe"),
        "diastolic_bp" if p.has(Diabetes) || p.has(ChronicKidneyDisease) => b(Some(50.0), Some(80.0), Some(40.0), Some(110.0),
            "RACGP Management of type 2 diabetes (2020): below 80; Heart Foundation: 110 or more is severe"),
        "diastolic_bp" => b(Some(50.0), Some(90.0), Some(40.0), Some(110.0),
            "Heart Foundation Guideline for hypertension in adults (2016): below 90; 110 or more is severe"),
        "heart_rate" | "resting_heart_rate" if p.child() => b(Some(70.0), Some(130.0), Some(50.0), Some(180.0),
            "Fleming et al., normal ranges of heart rate in children, Lancet 2011 (1st–99th centiles, ages 1–12)"),
        "heart_rate" | "resting_heart_rate" if p.adolescent() => b(Some(55.0), Some(110.0), Some(40.0), Some(160.0),
            "Fleming et al., Lancet 2011 (ages 12–18)"),
        "heart_rate" => b(Some(50.0), Some(100.0), Some(40.0), Some(140.0),
            "Resting adult 50–100 bpm; critical: NSW Health Between the Flags adult chart red zone (40 or less, 140 or more)"),
        "resting_heart_rate" => b(Some(45.0), Some(90.0), Some(35.0), Some(120.0),
            "Resting heart rate in adults: above 90 is associated with higher cardiovascular risk (Zhang et al., CMAJ 2016)"),
        // Continuous heart rate rises with exercise: shown against a wide band, never alerted on.
        "heart_rate_intraday" => b(Some(40.0), Some(160.0), None, None,
            "Continuous readings include exercise; judged against a wide band without critical limits"),
        "sleep_heart_rate" => b(Some(40.0), Some(80.0), None, None,
            "Sleeping heart rate in adults is typically 40–80 bpm"),
        "spo2" if p.has(Copd) => b(Some(88.0), Some(92.0), Some(85.0), None,
            "TSANZ Oxygen guidelines for acute adult patients (2015): 88–92% with COPD or hypercapnic risk"),
        "spo2" => b(Some(95.0), None, Some(90.0), None,
            "TSANZ Oxygen guidelines (2015): 92–96% acceptable; NSW Between the Flags red zone 90% or less"),
        "body_temperature" => b(Some(36.0), Some(37.5), Some(35.0), Some(40.0),
            "NSW Health Between the Flags: 36.0–37.5 °C normal; 35.0 or less and 40.0 or more red zone"),
        "respiratory_rate" if p.child() => b(Some(16.0), Some(35.0), Some(10.0), Some(50.0),
            "Fleming et al., normal ranges of respiratory rate in children, Lancet 2011"),
        "respiratory_rate" => b(Some(10.0), Some(24.0), Some(4.0), Some(36.0),
            "NSW Health Between the Flags adult chart: 10–24 normal; 4 or less and 36 or more red zone"),
        "blood_glucose" if p.has(Diabetes) => b(Some(4.0), Some(10.0), Some(3.0), Some(20.0),
            "RACGP Management of type 2 diabetes (2020): 4–7 fasting, below 10 after meals; below 3.0 is clinically significant hypoglycaemia (ADA Standards of Care)"),
        "blood_glucose" => b(Some(3.5), Some(7.8), Some(3.0), Some(20.0),
            "Without diabetes: 3.5–7.8 mmol/L through the day (WHO); below 3.0 significant hypoglycaemia"),
        "bmi" if p.minor() => return None,
        "bmi" => b(Some(18.5), Some(25.0), None, None,
            "WHO adult BMI classification: 18.5–24.9 healthy weight"),
        "fat_ratio" if p.minor() => return None,
        "fat_ratio" if p.sex == Some(Sex::Female) => b(Some(21.0), Some(33.0), None, None,
            "Gallagher et al., healthy body-fat ranges, Am J Clin Nutr 2000 (women 20–39: 21–33%)"),
        "fat_ratio" if p.sex == Some(Sex::Male) => b(Some(8.0), Some(20.0), None, None,
            "Gallagher et al., Am J Clin Nutr 2000 (men 20–39: 8–20%)"),
        "waist" if p.sex == Some(Sex::Female) => b(None, Some(80.0), None, None,
            "Heart Foundation / WHO: waist above 80 cm in women raises cardiometabolic risk"),
        "waist" if p.sex == Some(Sex::Male) => b(None, Some(94.0), None, None,
            "Heart Foundation / WHO: waist above 94 cm in men raises cardiometabolic risk"),
        "steps" => b(Some(7000.0), None, None, None,
            "Paluch et al., Lancet Public Health 2022: mortality risk falls up to about 7,000–10,000 steps a day"),
        "sleep_duration" if p.child() => b(Some(9.0), Some(12.0), None, None,
            "National Sleep Foundation recommendations (Hirshkowitz et al., 2015): ages 6–13, 9–11 hours"),
        "sleep_duration" if p.adolescent() => b(Some(8.0), Some(10.0), None, None,
            "National Sleep Foundation (2015): ages 14–17, 8–10 hours"),
        "sleep_duration" => b(Some(7.0), Some(9.0), None, None,
            "National Sleep Foundation (2015): adults 7–9 hours"),
        "sleep_score" => b(Some(70.0), None, None, None, "Withings sleep score: 70 or more is good sleep"),
        _ => return None,
    })
}

/// The default range of one metric for a profile.
pub fn default_range(metric: &Metric, profile: &Profile) -> Option<TargetRange> {
    default_bounds(metric.code, profile).map(|d| TargetRange {
        metric: metric.code.to_owned(),
        low: d.low,
        high: d.high,
        critical_low: d.critical_low,
        critical_high: d.critical_high,
        source: TargetSource::Default,
        reference: d.reference.to_owned(),
    })
}

fn note_aad(patient_id: Uuid, metric: i16) -> String {
    format!("target_overrides.note:{patient_id}:{metric}")
}

/// A patient's conditions, as saved.
pub async fn conditions(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
) -> ApiResult<Vec<TargetCondition>> {
    Ok(target_profile::Entity::find_by_id(patient_id)
        .one(db)
        .await?
        .and_then(|p| serde_json::from_str(&p.conditions).ok())
        .unwrap_or_default())
}

/// The ranges that apply to a patient: overrides first, else defaults for their profile.
pub async fn effective(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    patient_id: Uuid,
    profile: &Profile,
) -> ApiResult<Vec<TargetRange>> {
    let overrides = target_override::Entity::find()
        .filter(target_override::Column::PatientId.eq(patient_id))
        .all(db)
        .await?;
    let mut ranges = Vec::new();
    for m in api_types::health::METRICS.iter() {
        if let Some(o) = overrides.iter().find(|o| o.metric == m.id) {
            let note = match &o.note_enc {
                Some(enc) => Some(crypto.decrypt_str(enc, &note_aad(patient_id, m.id))?),
                None => None,
            };
            ranges.push(TargetRange {
                metric: m.code.to_owned(),
                low: o.low,
                high: o.high,
                critical_low: o.critical_low,
                critical_high: o.critical_high,
                source: TargetSource::Override,
                reference: note
                    .unwrap_or_else(|| "Set for this patient by a practitioner".to_owned()),
            });
        } else if let Some(r) = default_range(m, profile) {
            ranges.push(r);
        }
    }
    Ok(ranges)
}

/// The full answer for `GET /target-ranges`.
pub fn to_wire(conditions: Vec<TargetCondition>, ranges: Vec<TargetRange>) -> PatientTargets {
    PatientTargets { conditions, ranges }
}

/// Replaces a patient's conditions and overrides. Call inside a transaction.
pub async fn replace(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    patient_id: Uuid,
    by: Option<Uuid>,
    conditions: &[TargetCondition],
    overrides: &[TargetOverride],
) -> ApiResult<()> {
    use sea_orm::ActiveValue::Set;
    let now = Utc::now();
    target_profile::Entity::delete_by_id(patient_id)
        .exec(db)
        .await?;
    target_profile::Entity::insert(target_profile::ActiveModel {
        patient_id: Set(patient_id),
        conditions: Set(serde_json::to_string(conditions).map_err(anyhow::Error::new)?),
        updated_by: Set(by),
        updated_at: Set(now),
    })
    .exec(db)
    .await?;
    target_override::Entity::delete_many()
        .filter(target_override::Column::PatientId.eq(patient_id))
        .exec(db)
        .await?;
    for o in overrides {
        let Some(m) = Metric::by_code(&o.metric) else {
            continue;
        };
        let note_enc = match o.note.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => Some(crypto.encrypt_str(n, &note_aad(patient_id, m.id))?),
            None => None,
        };
        target_override::Entity::insert(target_override::ActiveModel {
            patient_id: Set(patient_id),
            metric: Set(m.id),
            low: Set(o.low),
            high: Set(o.high),
            critical_low: Set(o.critical_low),
            critical_high: Set(o.critical_high),
            note_enc: Set(note_enc),
            set_by: Set(by),
            set_at: Set(now),
        })
        .exec(db)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use api_types::health::Judgement;

    fn range(code: &str, p: &Profile) -> TargetRange {
        let m = Metric::by_code(code).unwrap_or(&api_types::health::METRICS[0]);
        default_range(m, p).unwrap_or_else(|| panic!("{code} has a default"))
    }

    #[test]
    fn diabetes_tightens_blood_pressure() {
        let adult = Profile {
            age: Some(50),
            ..Profile::default()
        };
        let diabetic = Profile {
            conditions: vec![TargetCondition::Diabetes],
            ..adult.clone()
        };
        assert_eq!(range("systolic_bp", &adult).high, Some(140.0));
        assert_eq!(range("systolic_bp", &diabetic).high, Some(130.0));
        assert_eq!(
            range("systolic_bp", &adult).judge(135.0),
            Judgement::InRange
        );
        assert_eq!(
            range("systolic_bp", &diabetic).judge(135.0),
            Judgement::OutOfRange
        );
        assert_eq!(
            range("systolic_bp", &diabetic).judge(185.0),
            Judgement::Critical
        );
    }

    #[test]
    fn age_bands_and_sex_choose_the_default() {
        let child = Profile {
            age: Some(6),
            ..Profile::default()
        };
        let adult = Profile {
            age: Some(40),
            ..Profile::default()
        };
        assert_eq!(range("heart_rate", &child).high, Some(130.0));
        assert_eq!(range("heart_rate", &adult).high, Some(100.0));
        let m = Metric::by_code("systolic_bp").unwrap_or(&api_types::health::METRICS[0]);
        assert!(
            default_range(m, &child).is_none(),
            "no adult BP default for children"
        );
        let woman = Profile {
            sex: Some(Sex::Female),
            ..adult.clone()
        };
        let man = Profile {
            sex: Some(Sex::Male),
            ..adult
        };
        assert_eq!(range("waist", &woman).high, Some(80.0));
        assert_eq!(range("waist", &man).high, Some(94.0));
    }

    #[test]
    fn copd_lowers_the_oxygen_target() {
        let copd = Profile {
            age: Some(70),
            conditions: vec![TargetCondition::Copd],
            ..Profile::default()
        };
        assert_eq!(range("spo2", &copd).low, Some(88.0));
        assert_eq!(range("spo2", &Profile::default()).low, Some(95.0));
    }

    #[test]
    fn every_default_cites_its_reference_and_is_ordered() {
        let profiles = [
            Profile::default(),
            Profile {
                age: Some(8),
                ..Profile::default()
            },
            Profile {
                age: Some(15),
                sex: Some(Sex::Female),
                ..Profile::default()
            },
            Profile {
                age: Some(85),
                sex: Some(Sex::Male),
                conditions: TargetCondition::ALL.to_vec(),
            },
        ];
        for p in &profiles {
            for m in api_types::health::METRICS.iter() {
                let Some(r) = default_range(m, p) else {
                    continue;
                };
                assert!(!r.reference.is_empty(), "{}", m.code);
                let o = TargetOverride {
                    metric: m.code.to_owned(),
                    low: r.low,
                    high: r.high,
                    critical_low: r.critical_low,
                    critical_high: r.critical_high,
                    note: Some(r.reference.clone()),
                };
                assert!(
                    o.validate(0).is_empty(),
                    "{} default is valid: {:?}",
                    m.code,
                    o.validate(0)
                );
            }
        }
    }
}
