//! Notices of unread messages. A recipient who has not read a message after
//! [`UNREAD_FOR`], and has no live connection open, gets one notice (email, or SMS for a patient
//! without email contact) that says only that there is a message and where to read it: no name,
//! subject or content. At most one notice per conversation and side per [`QUIET`], and none
//! until a new message comes after the last notice. A patient's contact consents are asked at
//! the moment of sending.

use api_types::audit::AuditAction;
use api_types::comms::CorrespondenceKind;
use api_types::messaging::Side;
use api_types::sharing::ConsentKind;
use api_types::validation::e164;
use chrono::Duration;
use entity::comms::message_thread;
use sea_orm::TransactionTrait;
use uuid::Uuid;

use super::queries;
use crate::audit::AuditEntry;
use crate::comms::outbox::{self, About, Channel, Outbound};
use crate::platform::{ApiResult, ClientInfo, PatientId, UserId};
use crate::{patients, settings, users, AppState};

/// How long a message waits unread before its notice.
pub const UNREAD_FOR: Duration = Duration::minutes(5);
/// The least time between two notices of one conversation to one side.
pub const QUIET: Duration = Duration::hours(1);

/// Sends the notices that are due; how many.
pub async fn send_due(state: &AppState) -> ApiResult<usize> {
    let mut sent = 0;
    for side in [Side::Patient, Side::Practice] {
        for thread in queries::due_notices(&state.db, side, UNREAD_FOR, QUIET, 20).await? {
            if notify(state, &thread, side).await? {
                sent += 1;
            }
        }
    }
    Ok(sent)
}

/// The accounts a notice to `side` would reach.
async fn recipients_of(
    state: &AppState,
    thread: &message_thread::Model,
    side: Side,
) -> ApiResult<Vec<Uuid>> {
    match side {
        Side::Patient => users::accounts_of_patient(&state.db, thread.patient_id).await,
        Side::Practice => {
            if let Some(one) = thread.assigned_to.or(thread.with_staff_id) {
                return Ok(vec![one]);
            }
            Ok(patients::care_team_members(&state.db, thread.patient_id)
                .await?
                .into_iter()
                .map(|m| m.user_id)
                .collect())
        }
    }
}

/// Sends the notice of one conversation to one side, unless someone on that side is online
/// (they will see it in the app); whether one went.
async fn notify(state: &AppState, thread: &message_thread::Model, side: Side) -> ApiResult<bool> {
    let accounts = recipients_of(state, thread, side).await?;
    if queries::any_online(&state.db, &accounts).await? {
        return Ok(false);
    }
    let practice = settings::load(&state.db).await?.practice_name;
    let base = state.settings.public_url.trim_end_matches('/');
    let txn = state.db.begin().await?;
    if !queries::claim_notice(&txn, thread, side).await? {
        return Ok(false);
    }
    let mut reached = 0;
    match side {
        Side::Patient => {
            let patient = PatientId(thread.patient_id);
            let Some(record) = patients::find(&txn, &state.crypto, patient).await? else {
                return Ok(false);
            };
            if record.model.erased_at.is_some() {
                return Ok(false);
            }
            let link = format!("{base}/portal/messages/{}", thread.id);
            let email = record
                .details
                .email
                .clone()
                .filter(|_| !accounts.is_empty());
            let (channel, to, body) = if let (Some(to), true) = (
                email,
                patients::consent_given(&txn, patient, ConsentKind::EmailContact).await?,
            ) {
                (
                    Channel::Email,
                    to,
                    format!(
                        "Hello,\n\nYou have a new secure message from {practice}. Sign in to the \
                         patient portal to read it:\n{link}\n\nFor your privacy this email does not \
                         include the message.\n"
                    ),
                )
            } else if let (Some(to), true) = (
                record.mobile().and_then(e164),
                patients::consent_given(&txn, patient, ConsentKind::SmsContact).await?,
            ) {
                (
                    Channel::Sms,
                    to,
                    format!(
                        "{practice}: you have a new secure message. Sign in to read it: {link}"
                    ),
                )
            } else {
                // No channel the patient agreed to: the message waits in the portal.
                txn.commit().await?;
                return Ok(false);
            };
            outbox::enqueue(
                &txn,
                &state.crypto,
                Outbound {
                    channel,
                    to: &to,
                    subject: "You have a new secure message",
                    body: &body,
                    attachments: Vec::new(),
                    secret: false,
                    about: Some(About {
                        patient,
                        kind: CorrespondenceKind::Notice,
                        staff: None,
                    }),
                },
            )
            .await?;
            reached += 1;
        }
        Side::Practice => {
            let link = format!("{base}/messages/{}", thread.id);
            for id in accounts {
                let Some(user) = users::find(&txn, &state.crypto, UserId(id)).await? else {
                    continue;
                };
                if !user.is_active() || !user.role.is_staff() {
                    continue;
                }
                let body = format!(
                    "Hello {},\n\nA patient has written to the practice through the portal and \
                     the message is waiting for an answer. Sign in to Carebase to read it:\n{link}\n",
                    user.name
                );
                outbox::enqueue_email(
                    &txn,
                    &state.crypto,
                    &user.email,
                    "A secure message is waiting",
                    &body,
                )
                .await?;
                reached += 1;
            }
        }
    }
    state
        .audit
        .commit(
            txn,
            AuditEntry::anonymous(&ClientInfo::default(), AuditAction::ThreadNotice)
                .patient(thread.patient_id)
                .resource("message_thread", thread.id)
                .detail(format!(
                    "to={} notices={reached}",
                    match side {
                        Side::Patient => "patient",
                        Side::Practice => "practice",
                    }
                )),
        )
        .await?;
    Ok(reached > 0)
}
