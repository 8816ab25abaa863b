//! The care team's notices: a clinician on the team is emailed when something about a patient
//! needs them (a critical reading, an urgent answer), at most once per patient per window, with a
//! link and nothing else.

use chrono::Utc;
use entity::patients::care_team_member;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::comms::{self, Notify};
use crate::platform::ApiResult;
use crate::platform::UserId;
use crate::users;

/// How long after one email about a patient the care team is not emailed again about them.
pub const NOTICE_WINDOW_MINUTES: i64 = 60;

/// Claims the right to email the care team about a patient now: true unless they were emailed
/// about this patient within the window. Atomic, so concurrent requests send one notice.
async fn claim_notice(db: &impl ConnectionTrait, patient_id: Uuid) -> ApiResult<bool> {
    let now = Utc::now();
    let cutoff = now - chrono::Duration::minutes(NOTICE_WINDOW_MINUTES);
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

/// Emails each active member of the patient's care team that `what` happened (for a patient
/// in your care), with a link to `path` in the app, unless they were emailed about this patient
/// within the last [`NOTICE_WINDOW_MINUTES`] (what happened waits on their dashboard either
/// way). The email names no patient and carries no health details: only the link to sign in
/// and look.
pub async fn email_care_team(
    db: &impl ConnectionTrait,
    notify: &Notify<'_>,
    patient_id: Uuid,
    subject: &str,
    what: &str,
    path: &str,
) -> ApiResult<()> {
    if !claim_notice(db, patient_id).await? {
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
