//! Accounts from the command line, and a realistic demo practice.

use anyhow::Context;
use api_types::patients::{Address, EmergencyContact, PatientInput, PhoneNumber, PhoneType, Sex};
use api_types::Role;
use chrono::NaiveDate;
use entity::patients::care_team_member;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};

use crate::auth::{check_password_policy as check_policy, hash_password as hash_blocking};
use crate::platform::crypto::Crypto;
use crate::users::{self, NewUser, UserRecord};

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "Carebase-Demo-2026!";

/// Creates a staff account with a password (which must meet the policy).
pub async fn create_staff(
    db: &DatabaseConnection,
    crypto: &Crypto,
    email: &str,
    password: &str,
    role: Role,
    name: &str,
) -> anyhow::Result<UserRecord> {
    api_types::validation::email(email).map_err(|(_, m)| anyhow::anyhow!("email: {m}"))?;
    api_types::validation::required_text(name, 100)
        .map_err(|(_, m)| anyhow::anyhow!("name: {m}"))?;
    check_policy(password, "password", &[email, name]).map_err(|e| {
        let p = e.problem();
        anyhow::anyhow!(
            "password: {}",
            p.errors
                .first()
                .map(|f| f.message.clone())
                .unwrap_or(p.title)
        )
    })?;
    let hash = hash_blocking(password)?;
    users::create(
        db,
        crypto,
        NewUser {
            email,
            name,
            role,
            patient_id: None,
            password_hash: Some(hash),
        },
    )
    .await
    .map_err(|e| {
        anyhow::anyhow!(
            "{}",
            e.problem()
                .errors
                .first()
                .map(|f| f.message.clone())
                .unwrap_or(e.problem().title)
        )
    })
}

const STAFF: &[(&str, &str, Role)] = &[
    ("admin@carebase.example", "Morgan Ellis", Role::Admin),
    (
        "dr.raman@carebase.example",
        "Dr Priya Raman",
        Role::Practitioner,
    ),
    (
        "dr.okafor@carebase.example",
        "Dr Chidi Okafor",
        Role::Practitioner,
    ),
    (
        "dr.nguyen@carebase.example",
        "Dr Linh Nguyen",
        Role::Practitioner,
    ),
    ("nurse.hughes@carebase.example", "Tessa Hughes", Role::Nurse),
    ("nurse.silva@carebase.example", "Rafael Silva", Role::Nurse),
    (
        "reception@carebase.example",
        "Jordan Price",
        Role::Receptionist,
    ),
    (
        "frontdesk@carebase.example",
        "Sam Whitaker",
        Role::Receptionist,
    ),
];

const FIRST_F: &[&str] = &[
    "Olivia",
    "Charlotte",
    "Amelia",
    "Isla",
    "Mia",
    "Ava",
    "Grace",
    "Zoë",
    "Harper",
    "Chloe",
    "Sophie",
    "Ruby",
    "Matilda",
    "Evie",
    "Lily",
    "Aisha",
    "Mei",
    "Priya",
    "Hannah",
    "Eleanor",
    "Margaret",
    "Joan",
    "Siobhan",
    "Leila",
    "Anh",
];
const FIRST_M: &[&str] = &[
    "Oliver", "Noah", "Jack", "William", "Leo", "Lucas", "Henry", "Thomas", "James", "Ethan",
    "Liam", "Mason", "Arjun", "Wei", "Mohammed", "Hamish", "Patrick", "Declan", "Tomás", "Kai",
    "George", "Harold", "Nikolai", "Duc", "Samuel",
];
const LAST: &[&str] = &[
    "Smith",
    "Jones",
    "Williams",
    "Brown",
    "Wilson",
    "Taylor",
    "Nguyen",
    "Johnson",
    "Martin",
    "White",
    "Anderson",
    "Walker",
    "Thompson",
    "Harris",
    "Lee",
    "Ryan",
    "Robinson",
    "Kelly",
    "King",
    "Davis",
    "Wright",
    "Evans",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Patel",
    "Chen",
    "O'Brien",
    "Murphy",
    "Papadopoulos",
    "Rossi",
    "Kowalski",
    "Singh",
    "MacDonald",
    "Tran",
    "Hughes",
    "Edwards",
];
const SUBURBS: &[(&str, &str, &str)] = &[
    ("Newtown", "NSW", "2042"),
    ("Marrickville", "NSW", "2204"),
    ("Parramatta", "NSW", "2150"),
    ("Bondi", "NSW", "2026"),
    ("Manly", "NSW", "2095"),
    ("Chatswood", "NSW", "2067"),
    ("Fitzroy", "VIC", "3065"),
    ("Brunswick", "VIC", "3056"),
    ("St Kilda", "VIC", "3182"),
    ("Paddington", "QLD", "4064"),
    ("Fremantle", "WA", "6160"),
    ("Glenelg", "SA", "5045"),
    ("Sandy Bay", "TAS", "7005"),
    ("Braddon", "ACT", "2612"),
];
const STREETS: &[&str] = &[
    "King St",
    "Enmore Rd",
    "Church St",
    "Campbell Pde",
    "Pittwater Rd",
    "Victoria Ave",
    "Brunswick St",
    "Sydney Rd",
    "Acland St",
    "Given Tce",
    "High St",
    "Jetty Rd",
    "Lonsdale St",
];
const OCCUPATIONS: &[&str] = &[
    "Teacher",
    "Nurse",
    "Electrician",
    "Software engineer",
    "Retired",
    "Student",
    "Barista",
    "Accountant",
    "Carpenter",
    "Graphic designer",
    "Chef",
    "Public servant",
    "Physiotherapist",
];
const REFERRALS: &[&str] = &[
    "GP referral",
    "Google search",
    "Friend or family",
    "Instagram",
    "Returning patient",
    "Health fund",
];

fn medicare(rng: &mut StdRng) -> String {
    const W: [u32; 8] = [1, 3, 7, 9, 1, 3, 7, 9];
    let mut d: Vec<u32> = vec![rng.gen_range(2..=6)];
    d.extend((0..7).map(|_| rng.gen_range(0..=9)));
    let check = d.iter().zip(W).map(|(a, w)| a * w).sum::<u32>() % 10;
    d.push(check);
    d.push(rng.gen_range(1..=9));
    d.iter()
        .map(|x| char::from_digit(*x, 10).unwrap_or('0'))
        .collect()
}

fn demo_patient(rng: &mut StdRng, i: usize) -> PatientInput {
    let female = rng.gen_bool(0.52);
    let first = *(if female { FIRST_F } else { FIRST_M })
        .choose(rng)
        .unwrap_or(&"Alex");
    let last = *LAST.choose(rng).unwrap_or(&"Smith");
    let (suburb, state, postcode) = *SUBURBS.choose(rng).unwrap_or(&SUBURBS[0]);
    let dob = NaiveDate::from_ymd_opt(
        rng.gen_range(1938..=2020),
        rng.gen_range(1..=12),
        rng.gen_range(1..=28),
    );
    let mobile = format!(
        "04{:02} {:03} {:03}",
        rng.gen_range(0..100),
        rng.gen_range(0..1000),
        rng.gen_range(0..1000)
    );
    let ascii_first: String = first.chars().filter(char::is_ascii_alphabetic).collect();
    let ascii_last: String = last.chars().filter(char::is_ascii_alphabetic).collect();
    let email = format!(
        "{}.{}{}@example.com",
        ascii_first.to_lowercase(),
        ascii_last.to_lowercase(),
        i
    );
    let mut phones = vec![PhoneNumber {
        phone_type: PhoneType::Mobile,
        number: mobile,
    }];
    if rng.gen_bool(0.2) {
        phones.push(PhoneNumber {
            phone_type: PhoneType::Home,
            number: format!(
                "(02) 9{:03} {:04}",
                rng.gen_range(0..1000),
                rng.gen_range(0..10000)
            ),
        });
    }
    PatientInput {
        title: Some(if female { "Ms" } else { "Mr" }.into()).filter(|_| rng.gen_bool(0.6)),
        first_name: first.into(),
        last_name: last.into(),
        preferred_name: None,
        date_of_birth: dob,
        sex: Some(if female { Sex::Female } else { Sex::Male }),
        gender_identity: None,
        pronouns: Some(if female { "she/her" } else { "he/him" }.into())
            .filter(|_| rng.gen_bool(0.3)),
        email: Some(email),
        phone_numbers: phones,
        address: Address {
            line1: Some(format!(
                "{} {}",
                rng.gen_range(1..300),
                STREETS.choose(rng).unwrap_or(&"High St")
            )),
            line2: None,
            line3: None,
            city: Some(suburb.into()),
            state: Some(state.into()),
            postcode: Some(postcode.into()),
            country: Some("Australia".into()),
        },
        medicare_number: Some(medicare(rng)[..10].to_owned()),
        medicare_irn: Some(rng.gen_range(1..=5).to_string()),
        emergency_contact: rng.gen_bool(0.7).then(|| EmergencyContact {
            name: format!("{} {last}", FIRST_F.choose(rng).unwrap_or(&"Sam")),
            relationship: Some(
                ["Partner", "Parent", "Sibling", "Friend"]
                    .choose(rng)
                    .unwrap_or(&"Partner")
                    .to_string(),
            ),
            phone: Some(format!(
                "04{:02} {:03} {:03}",
                rng.gen_range(0..100),
                rng.gen_range(0..1000),
                rng.gen_range(0..1000)
            )),
        }),
        occupation: OCCUPATIONS.choose(rng).map(|s| s.to_string()),
        referral_source: REFERRALS.choose(rng).map(|s| s.to_string()),
        notes: None,
    }
}

/// Seeds the demo practice: its staff (password [`DEMO_PASSWORD`]), `patients` patients with care
/// teams, and two patient portal accounts. Running it again adds nothing already there.
pub async fn demo(
    db: &DatabaseConnection,
    crypto: &Crypto,
    patients: usize,
    public_url: &str,
) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(2026);
    let hash = hash_blocking(DEMO_PASSWORD)?;
    let mut clinicians = Vec::new();
    for (email, name, role) in STAFF {
        let user = match users::find_by_email(db, crypto, email)
            .await
            .map_err(|e| anyhow::anyhow!("{:?}", e.problem()))?
        {
            Some(u) => u,
            None => users::create(
                db,
                crypto,
                NewUser {
                    email,
                    name,
                    role: *role,
                    patient_id: None,
                    password_hash: Some(hash.clone()),
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("{:?}", e.problem()))?,
        };
        if role.is_clinician() {
            clinicians.push(user.model.id);
        }
    }
    let existing = entity::patients::patient::Entity::find().count(db).await? as usize;
    for chunk_start in (existing..patients).step_by(100) {
        let txn = db.begin().await?;
        for i in chunk_start..(chunk_start + 100).min(patients) {
            let p = crate::patients::create(&txn, crypto, demo_patient(&mut rng, i), None)
                .await
                .map_err(|e| anyhow::anyhow!("{:?}", e.problem()))?;
            let mut team: Vec<_> = clinicians.choose_multiple(&mut rng, 2).copied().collect();
            team.truncate(if rng.gen_bool(0.5) { 1 } else { 2 });
            let rows = team
                .into_iter()
                .map(|user_id| care_team_member::ActiveModel {
                    patient_id: Set(p.model.id),
                    user_id: Set(user_id),
                    added_at: Set(p.model.created_at),
                    added_by: Set(None),
                });
            care_team_member::Entity::insert_many(rows)
                .exec(&txn)
                .await?;
        }
        txn.commit().await.context("Failed to save demo patients")?;
    }
    let first_two = entity::patients::patient::Entity::find()
        .order_by_asc(entity::patients::patient::Column::CreatedAt)
        .limit(2)
        .all(db)
        .await?;
    for (model, email) in first_two
        .into_iter()
        .zip(["patient@carebase.example", "patient2@carebase.example"])
    {
        let p = crate::patients::PatientRecord::decrypt(crypto, model)?;
        if users::find_by_email(db, crypto, email)
            .await
            .map_err(|e| anyhow::anyhow!("{:?}", e.problem()))?
            .is_none()
        {
            let name = format!("{} {}", p.details.first_name, p.details.last_name);
            users::create(
                db,
                crypto,
                NewUser {
                    email,
                    name: &name,
                    role: Role::Patient,
                    patient_id: Some(p.model.id),
                    password_hash: Some(hash.clone()),
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("{:?}", e.problem()))?;
        }
    }
    demo_health(db, crypto, public_url).await?;
    demo_schedule(db, &clinicians).await?;
    demo_records(db, crypto).await?;
    println!("Demo practice ready: {} patients.", existing.max(patients));
    println!("Sign in with any of these (password {DEMO_PASSWORD}):");
    for (email, name, role) in STAFF {
        println!("  {role:<13} {email:<32} {name}");
    }
    println!(
        "  {:<13} {:<32} (portal)",
        "patient", "patient@carebase.example"
    );
    Ok(())
}

/// For the first demo patients (the portal account's first): a signed SOAP note by a clinician
/// on their care team, a medication with two weeks of doses, a therapy session, and homework
/// (one task due next week, one overdue). Skipped for patients who have notes.
async fn demo_records(db: &DatabaseConnection, crypto: &Crypto) -> anyhow::Result<()> {
    use api_types::medications::{MedicationInput, MedicationRoute, MedicationStatus};
    use api_types::notes::{NewNote, NoteType};
    use api_types::therapy::{NewHomework, TherapySessionInput};
    use chrono::{Duration, Utc};
    use entity::clinical::{clinical_note, homework_task, medication_dose};

    let to_anyhow = |e: crate::platform::ApiError| anyhow::anyhow!("{:?}", e.problem());
    let patients = entity::patients::patient::Entity::find()
        .order_by_asc(entity::patients::patient::Column::CreatedAt)
        .limit(3)
        .all(db)
        .await?;
    let practice = crate::scheduling::Practice::load(db)
        .await
        .map_err(to_anyhow)?;
    let today = Utc::now().with_timezone(&practice.tz).date_naive();
    for (n, p) in patients.into_iter().enumerate() {
        let has_notes = clinical_note::Entity::find()
            .filter(clinical_note::Column::PatientId.eq(p.id))
            .count(db)
            .await?
            > 0;
        let Some(clinician) = care_team_member::Entity::find()
            .filter(care_team_member::Column::PatientId.eq(p.id))
            .one(db)
            .await?
            .map(|m| m.user_id)
        else {
            continue;
        };
        if has_notes {
            continue;
        }
        let note = NewNote {
            note_type: NoteType::Soap,
            title: "Review of blood pressure".into(),
            body_html: "<h3>Subjective</h3><p>Feeling well. Home readings mostly under 135/85;                         occasional morning headaches.</p><h3>Objective</h3><p>BP 138/86 seated,                         HR 72 regular. Weight stable.</p><h3>Assessment</h3><p>Hypertension,                         <b>improving</b> on current treatment.</p><h3>Plan</h3><ul><li>Continue                         perindopril 5 mg daily</li><li>Keep recording morning readings</li>                        <li>Review in 6 weeks</li></ul>"
                .into(),
            appointment_id: None,
        };
        crate::clinical::write_signed_note(db, crypto, p.id, clinician, &note)
            .await
            .map_err(to_anyhow)?;
        let med = crate::clinical::insert_medication(
            db,
            crypto,
            p.id,
            &MedicationInput {
                name: "Perindopril".into(),
                strength: Some("5 mg".into()),
                dose: "1 tablet".into(),
                route: MedicationRoute::Oral,
                frequency: "each morning".into(),
                doses_per_day: Some(1),
                start_date: today - Duration::days(60),
                end_date: None,
                status: MedicationStatus::Active,
                prescriber_name: None,
                reason: Some("High blood pressure".into()),
                instructions: Some("Take with water; stand up slowly.".into()),
            },
            Some(clinician),
        )
        .await
        .map_err(to_anyhow)?;
        let now = Utc::now();
        let doses = (1..=14).map(|d| medication_dose::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            medication_id: Set(med.id),
            patient_id: Set(p.id),
            // One missed dose a week.
            taken: Set(d % 7 != (n as i64 % 7)),
            at: Set(now - Duration::days(d) + Duration::hours(1)),
            note_enc: Set(None),
            by_patient: Set(true),
            recorded_by: Set(None),
            created_at: Set(now),
        });
        medication_dose::Entity::insert_many(doses).exec(db).await?;
        let session = crate::clinical::insert_therapy_session(
            db,
            crypto,
            p.id,
            clinician,
            &TherapySessionInput {
                appointment_id: None,
                session_date: today - Duration::days(7),
                goals: "Manage work stress without it raising blood pressure.".into(),
                interventions: "Paced breathing; planning the week.".into(),
                progress: "Using breathing at work most days.".into(),
                plan: Some("Add a short walk after lunch.".into()),
            },
        )
        .await
        .map_err(to_anyhow)?;
        for (title, due) in [
            ("Paced breathing twice a day", today + Duration::days(7)),
            (
                "Plan next week on Sunday evening",
                today + Duration::days(1),
            ),
        ] {
            crate::clinical::insert_homework(
                db,
                crypto,
                p.id,
                clinician,
                &NewHomework {
                    title: title.into(),
                    instructions: None,
                    due_date: due,
                    session_id: Some(session.id),
                },
            )
            .await
            .map_err(to_anyhow)?;
        }
        // The second task was due yesterday: overdue on the clinician's dashboard.
        homework_task::Entity::update_many()
            .col_expr(
                homework_task::Column::DueDate,
                sea_orm::sea_query::Expr::value(today - Duration::days(1)),
            )
            .filter(homework_task::Column::PatientId.eq(p.id))
            .filter(homework_task::Column::DueDate.eq(today + Duration::days(1)))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Patients with readings in the demo: the first few, so that the portal account has some.
const DEMO_HEALTH_PATIENTS: u64 = 12;

/// Ninety days of readings for the first demo patients (blood pressure and heart rate most
/// mornings, weekly weight, daily steps and sleep), entered through the same path as real
/// readings, so they are judged and roll up like them. One patient's latest blood pressure is
/// critical, so that the demo dashboards show an alert. Skipped for patients who have readings.
async fn demo_health(
    db: &DatabaseConnection,
    crypto: &Crypto,
    public_url: &str,
) -> anyhow::Result<()> {
    use api_types::health::{DeviceInfo, ObservationInput};
    use chrono::{Duration, DurationRound, TimeDelta, Utc};

    let to_anyhow = |e: crate::platform::ApiError| anyhow::anyhow!("{:?}", e.problem());
    let patients = entity::patients::patient::Entity::find()
        .order_by_asc(entity::patients::patient::Column::CreatedAt)
        .limit(DEMO_HEALTH_PATIENTS)
        .all(db)
        .await?;
    let notify = crate::comms::Notify { crypto, public_url };
    let today = Utc::now()
        .duration_trunc(TimeDelta::days(1))
        .unwrap_or_else(|_| Utc::now());
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
            let morning =
                today - Duration::days(day) + Duration::minutes(rng.gen_range(6 * 60..9 * 60));
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
            let midnight = today - Duration::days(day);
            inputs.push(ObservationInput {
                metric: "steps".into(),
                value: rng.gen_range(2500.0_f64..12500.0).round(),
                effective_at: midnight,
                device: device("ScanWatch"),
            });
            inputs.push(ObservationInput {
                metric: "sleep_duration".into(),
                value: (rng.gen_range(5.6_f64..8.4) * 10.0).round() / 10.0,
                effective_at: midnight + Duration::hours(7),
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

/// The demo practice's appointment types, working weeks and three weeks of bookings, made once
/// (when the practice has no appointment types yet). Bookings are laid out so that none
/// overlaps, and go in without messages: nobody is told about demo appointments.
async fn demo_schedule(db: &DatabaseConnection, clinicians: &[uuid::Uuid]) -> anyhow::Result<()> {
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
    let tz = practice.tz;
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
    let today = crate::scheduling::local_date(tz, now);
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
                let starts_at = crate::scheduling::edge(
                    tz,
                    local.date(),
                    minute as u16,
                    crate::scheduling::Edge::Start,
                );
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
                    status: Set(status.as_str().into()),
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
