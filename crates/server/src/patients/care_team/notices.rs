//! The care team's notices: a clinician on the team is emailed when something about a patient
//! needs them, with a link and nothing else. Each kind of notice has its own window: critical
//! readings are emailed at most once per patient an hour; an urgent safety answer (PHQ-9 item 9)
//! is emailed every time, whatever else was emailed about the patient just before.

use chrono::Utc;
use entity::patients::care_team_member;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::comms::{self, Notify};
use crate::platform::ApiResult;
use crate::platform::UserId;
use crate::users;

/// How long after one email about a patient's critical readings the care team is not emailed
/// again about them.
pub const NOTICE_WINDOW_MINUTES: i64 = 60;

/// What a notice to the care team is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// Critical readings: one email per patient per window, however many readings follow.
    CriticalReading,
    /// An answer that may mean the patient is at risk (PHQ-9 item 9): always emailed.
    UrgentAnswer,
}

impl Notice {
    /// How long after one such notice about a patient the next is held back, if at all.
    fn window_minutes(self) -> Option<i64> {
        match self {
            Notice::CriticalReading => Some(NOTICE_WINDOW_MINUTES),
            Notice::UrgentAnswer => None,
        }
    }
}

/// Claims the right to send `notice` about a patient now: true unless one of its kind was sent
/// about this patient within its window (never for a kind without one). Atomic, so concurrent
/// requests send one notice. `care_team_notices` holds the critical readings' window, the
/// only kind that has one; a kind given a window later needs a table (or column) of its own.
async fn claim_notice(
    db: &impl ConnectionTrait,
    notice: Notice,
    patient_id: Uuid,
) -> ApiResult<bool> {
    let Some(window) = notice.window_minutes() else {
        return Ok(true);
    };
    let now = Utc::now();
    let cutoff = now - chrono::Duration::minutes(window);
    let backend = db.get_database_backend();
    let sql = "INSERT INTO care_team_notices (patient_id, sent_at) VALUES ($1, $2) \
               ON CONFLICT (patient_id) DO UPDATE SET sent_at = excluded.sent_at \
               WHERE care_team_notices.sent_at < $3 RETURNING patient_id";
    let sql = if backend == sea_orm::DbBackend::Postgres {
        sql.to_owned()
    } else {
        sql.replace("$1", "?").replace("$2", "?").replace("$3", "?")
    };
    let stmt = sea_orm::Statement::from_sql_and_values(
        backend,
        sql,
        [patient_id.into(), now.into(), cutoff.into()],
    );
    Ok(db.query_one_raw(stmt).await?.is_some())
}

/// Retention: forgets when the care team was last emailed about the patient.
pub(in crate::patients) async fn forget_notices(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
) -> ApiResult<u64> {
    let backend = db.get_database_backend();
    let placeholder = if backend == sea_orm::DbBackend::Postgres {
        "$1"
    } else {
        "?"
    };
    let stmt = sea_orm::Statement::from_sql_and_values(
        backend,
        format!("DELETE FROM care_team_notices WHERE patient_id = {placeholder}"),
        [patient_id.into()],
    );
    Ok(db.execute_raw(stmt).await?.rows_affected())
}

/// Emails each active member of the patient's care team that `what` happened (for a patient
/// in your care), with a link to `path` in the app, unless a `notice` of the same kind was
/// emailed about this patient within its window (what happened waits on their dashboard either
/// way). The email names no patient and carries no health details: only the link to sign in
/// and look.
pub async fn email_care_team(
    db: &impl ConnectionTrait,
    notify: &Notify<'_>,
    notice: Notice,
    patient_id: Uuid,
    subject: &str,
    what: &str,
    path: &str,
) -> ApiResult<()> {
    if !claim_notice(db, notice, patient_id).await? {
        return Ok(());
    }
    let members = care_team_member::Entity::find()
        .filter(care_team_member::Column::PatientId.eq(patient_id))
        .all(db)
        .await?;
    let link = format!("{}{path}", notify.public_url.trim_end_matches('/'));
    for m in members {
        let Some(user) = users::find(db, notify.crypto, UserId(m.user_id)).await? else {
            continue;
        };
        if !user.is_active() {
            continue;
        }
        let body = format!(
            "Hello {},\n\n{what} for a patient in your care. Sign in to Carebase to \
             review and acknowledge:\n{link}\n",
            user.name
        );
        comms::enqueue_email(db, notify.crypto, &user.email, subject, &body).await?;
    }
    Ok(())
}
