//! A call's entry in the correspondence as the call goes: placed, connecting, answered or not,
//! and its recording and transcript kept.

use api_types::comms::{
    CorrespondenceChannel, CorrespondenceStatus, Direction, RecordingState, TranscriptState,
};
use chrono::Utc;
use entity::comms::correspondence;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::comms::correspondence as entries;
use crate::platform::crypto::Crypto;
use crate::platform::ApiResult;

/// A call's entry, if `id` is one.
pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<Option<correspondence::Model>> {
    Ok(correspondence::Entity::find_by_id(id)
        .filter(correspondence::Column::Channel.eq(CorrespondenceChannel::Call))
        .filter(correspondence::Column::Direction.eq(Direction::Outbound))
        .one(db)
        .await?)
}

type Update = sea_orm::UpdateMany<correspondence::Entity>;

fn update(id: Uuid) -> Update {
    correspondence::Entity::update_many()
        .col_expr(correspondence::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(correspondence::Column::Id.eq(id))
}

fn no_recording(u: Update) -> Update {
    u.col_expr(
        correspondence::Column::RecordingState,
        Expr::value(None::<RecordingState>),
    )
    .col_expr(
        correspondence::Column::TranscriptState,
        Expr::value(None::<TranscriptState>),
    )
}

/// A new call will be recorded: its recording and transcript are pending.
pub async fn will_record(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<()> {
    update(id)
        .col_expr(
            correspondence::Column::RecordingState,
            Expr::value(RecordingState::Pending),
        )
        .col_expr(
            correspondence::Column::TranscriptState,
            Expr::value(TranscriptState::Pending),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Twilio took the call: `sid` is its id.
pub async fn placed(db: &impl ConnectionTrait, id: Uuid, sid: &str) -> ApiResult<()> {
    update(id)
        .col_expr(correspondence::Column::ProviderRef, Expr::value(sid))
        .exec(db)
        .await?;
    Ok(())
}

/// The call did not happen: why, in words for staff.
pub async fn failed(db: &impl ConnectionTrait, id: Uuid, error: &str) -> ApiResult<()> {
    no_recording(update(id))
        .col_expr(
            correspondence::Column::Status,
            Expr::value(CorrespondenceStatus::Failed),
        )
        .col_expr(correspondence::Column::Error, Expr::value(error))
        .filter(
            correspondence::Column::Status
                .is_in([CorrespondenceStatus::Queued, CorrespondenceStatus::Sent]),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// The member of staff answered and the patient is being rung; `record` is whether the call is
/// still to be recorded (the patient may have withdrawn their consent since it was placed).
pub async fn connecting(db: &impl ConnectionTrait, id: Uuid, record: bool) -> ApiResult<()> {
    let mut u = update(id)
        .col_expr(
            correspondence::Column::Status,
            Expr::value(CorrespondenceStatus::Sent),
        )
        .filter(correspondence::Column::Status.eq(CorrespondenceStatus::Queued));
    if !record {
        u = no_recording(u);
    }
    u.exec(db).await?;
    Ok(())
}

/// The patient answered and the call has ended after `seconds`.
pub async fn answered(db: &impl ConnectionTrait, id: Uuid, seconds: Option<i32>) -> ApiResult<()> {
    update(id)
        .col_expr(
            correspondence::Column::Status,
            Expr::value(CorrespondenceStatus::Delivered),
        )
        .col_expr(correspondence::Column::CallSeconds, Expr::value(seconds))
        .col_expr(correspondence::Column::Error, Expr::value(None::<String>))
        .filter(correspondence::Column::Status.ne(CorrespondenceStatus::Delivered))
        .exec(db)
        .await?;
    Ok(())
}

/// Twilio has the recording `sid`, to be fetched.
pub async fn recording_ready(db: &impl ConnectionTrait, id: Uuid, sid: &str) -> ApiResult<()> {
    update(id)
        .col_expr(correspondence::Column::RecordingSid, Expr::value(sid))
        .filter(correspondence::Column::RecordingState.eq(RecordingState::Pending))
        .exec(db)
        .await?;
    Ok(())
}

/// Twilio made no recording, or it could not be kept.
pub async fn recording_lost(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<()> {
    update(id)
        .col_expr(
            correspondence::Column::RecordingState,
            Expr::value(RecordingState::Failed),
        )
        .col_expr(
            correspondence::Column::TranscriptState,
            Expr::value(None::<TranscriptState>),
        )
        .filter(correspondence::Column::RecordingState.eq(RecordingState::Pending))
        .exec(db)
        .await?;
    Ok(())
}

/// The recording is kept as `document`, with its transcript (the entry's body) or why none.
pub async fn recording_kept(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    id: Uuid,
    document: Uuid,
    transcript: Result<&str, TranscriptState>,
) -> ApiResult<()> {
    let (state, text) = match transcript {
        Ok(text) => (TranscriptState::Done, text),
        Err(why) => (why, ""),
    };
    update(id)
        .col_expr(
            correspondence::Column::RecordingState,
            Expr::value(RecordingState::Stored),
        )
        .col_expr(
            correspondence::Column::RecordingDocumentId,
            Expr::value(document),
        )
        .col_expr(correspondence::Column::TranscriptState, Expr::value(state))
        .col_expr(
            correspondence::Column::BodyEnc,
            Expr::value(entries::encrypt_body(crypto, id, text)?),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Twilio's copy of the recording is gone.
pub async fn twilio_copy_deleted(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<()> {
    update(id)
        .col_expr(
            correspondence::Column::RecordingSid,
            Expr::value(None::<String>),
        )
        .exec(db)
        .await?;
    Ok(())
}
