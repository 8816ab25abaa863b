//! Demo clinical records: notes, medications, therapy and homework.

use entity::patients::care_team_member;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use crate::platform::crypto::Crypto;

/// For the first demo patients (the portal account's first): a signed SOAP note by a clinician
/// on their care team, a medication with two weeks of doses, a therapy session, and homework
/// (one task due next week, one overdue). Skipped for patients who have notes.
pub(super) async fn demo_records(db: &DatabaseConnection, crypto: &Crypto) -> anyhow::Result<()> {
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
    let clock = crate::settings::clock(db).await.map_err(to_anyhow)?;
    let today = clock.today();
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

/// For the portal account's patient: a conversation with their care team, a question about
/// their blood pressure readings and the clinician's answer. Skipped once they have one.
pub(super) async fn demo_conversation(
    db: &DatabaseConnection,
    crypto: &Crypto,
) -> anyhow::Result<()> {
    use api_types::messaging::Side;
    let to_anyhow = |e: crate::platform::ApiError| anyhow::anyhow!("{:?}", e.problem());
    let Some(user) = crate::users::find_by_email(db, crypto, "patient@carebase.example")
        .await
        .map_err(to_anyhow)?
    else {
        return Ok(());
    };
    let Some(patient) = user.model.patient_id.map(crate::platform::PatientId) else {
        return Ok(());
    };
    if crate::comms::has_conversations(db, patient)
        .await
        .map_err(to_anyhow)?
    {
        return Ok(());
    }
    let Some(clinician) = crate::patients::care_team_members(db, patient.0)
        .await
        .map_err(to_anyhow)?
        .first()
        .map(|m| crate::platform::UserId(m.user_id))
    else {
        return Ok(());
    };
    let me = crate::platform::UserId(user.model.id);
    crate::comms::record_conversation(
        db,
        crypto,
        patient,
        "Morning blood pressure readings",
        &[
            (
                Side::Patient,
                me,
                "Hi, my readings have been a little higher in the mornings this week (around 140/90). Should I be worried?",
            ),
            (
                Side::Practice,
                clinician,
                "Thanks for letting us know. A few higher morning readings are common. Keep taking your tablets as usual and record your readings for another week; if they stay above 140/90, or you get headaches or dizziness, book a visit.",
            ),
        ],
    )
    .await
    .map_err(to_anyhow)?;
    Ok(())
}
