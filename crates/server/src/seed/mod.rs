//! Accounts from the command line, and a realistic demo practice.

mod health;
mod people;
mod records;
mod schedule;

use anyhow::Context;
use api_types::Role;
use entity::patients::care_team_member;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use sea_orm::{
    ActiveValue::Set, DatabaseConnection, EntityTrait, PaginatorTrait, QueryOrder, QuerySelect,
    TransactionTrait,
};

use crate::auth::{check_password_policy as check_policy, hash_password as hash_blocking};
use crate::platform::crypto::Crypto;
use crate::users::{self, NewUser, UserRecord};
use people::demo_patient;

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
    health::demo_health(db, crypto, public_url).await?;
    schedule::demo_schedule(db, &clinicians).await?;
    records::demo_records(db, crypto).await?;
    records::demo_conversation(db, crypto).await?;
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
