//! Reading and writing conversations and their messages. Subjects, messages and the names of
//! their files are encrypted, each bound to its row and column.

use api_types::messaging::{MessageAttachment, Side, ThreadQuery, ThreadStatus};
use chrono::{DateTime, Duration, Utc};
use entity::comms::{live_presence, message_thread, thread_message};
use sea_orm::sea_query::{Expr, ExprTrait, IntoCondition, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::platform::crypto::Crypto;
use crate::platform::{ApiError, ApiResult, PatientId, UserId};

fn aad(table: &str, id: Uuid, column: &str) -> String {
    format!("{table}.{column}:{id}")
}

pub fn subject(crypto: &Crypto, t: &message_thread::Model) -> ApiResult<String> {
    Ok(crypto.decrypt_str(&t.subject_enc, &aad("message_threads", t.id, "subject"))?)
}

pub fn body(crypto: &Crypto, m: &thread_message::Model) -> ApiResult<String> {
    Ok(crypto.decrypt_str(&m.body_enc, &aad("thread_messages", m.id, "body"))?)
}

pub fn attachments(
    crypto: &Crypto,
    m: &thread_message::Model,
) -> ApiResult<Vec<MessageAttachment>> {
    match &m.attachments_enc {
        Some(enc) => Ok(serde_json::from_str(
            &crypto.decrypt_str(enc, &aad("thread_messages", m.id, "attachments"))?,
        )
        .map_err(anyhow::Error::from)?),
        None => Ok(Vec::new()),
    }
}

/// A new conversation, written in the caller's transaction with its first message.
pub struct NewThread<'a> {
    pub patient: PatientId,
    pub subject: &'a str,
    pub with_staff: Option<UserId>,
    pub author: UserId,
    pub side: Side,
}

pub async fn insert_thread(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    t: NewThread<'_>,
) -> ApiResult<message_thread::Model> {
    let id = Uuid::now_v7();
    let now = Utc::now();
    Ok(message_thread::ActiveModel {
        id: Set(id),
        patient_id: Set(t.patient.0),
        subject_enc: Set(crypto.encrypt_str(t.subject, &aad("message_threads", id, "subject"))?),
        with_staff_id: Set(t.with_staff.map(|u| u.0)),
        assigned_to: Set(None),
        status: Set(ThreadStatus::Open),
        message_count: Set(0),
        last_from: Set(t.side),
        last_message_at: Set(now),
        last_patient_message_at: Set(None),
        last_practice_message_at: Set(None),
        patient_read_at: Set(None),
        practice_read_at: Set(None),
        patient_noticed_at: Set(None),
        practice_noticed_at: Set(None),
        created_by: Set(t.author.0),
        created_at: Set(now),
        updated_at: Set(now),
        closed_at: Set(None),
        closed_by: Set(None),
    }
    .insert(db)
    .await?)
}

/// Adds a message to the conversation and moves the conversation on, in the caller's
/// transaction. Writing counts as having read everything before it on the writer's side.
pub async fn insert_message(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    thread: &message_thread::Model,
    side: Side,
    author: UserId,
    text: &str,
    files: &[MessageAttachment],
) -> ApiResult<thread_message::Model> {
    let id = Uuid::now_v7();
    let now = Utc::now();
    let attachments_enc = if files.is_empty() {
        None
    } else {
        let json = serde_json::to_string(files).map_err(anyhow::Error::from)?;
        Some(crypto.encrypt_str(&json, &aad("thread_messages", id, "attachments"))?)
    };
    let message = thread_message::ActiveModel {
        id: Set(id),
        thread_id: Set(thread.id),
        patient_id: Set(thread.patient_id),
        side: Set(side),
        author_id: Set(author.0),
        body_enc: Set(crypto.encrypt_str(text, &aad("thread_messages", id, "body"))?),
        attachments_enc: Set(attachments_enc),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    let mut update = message_thread::Entity::update_many()
        .col_expr(
            message_thread::Column::MessageCount,
            Expr::col(message_thread::Column::MessageCount).add(Expr::value(1)),
        )
        .col_expr(message_thread::Column::LastFrom, Expr::value(side))
        .col_expr(message_thread::Column::LastMessageAt, Expr::value(now))
        .col_expr(message_thread::Column::UpdatedAt, Expr::value(now));
    update = match side {
        Side::Patient => update
            .col_expr(
                message_thread::Column::LastPatientMessageAt,
                Expr::value(now),
            )
            .col_expr(message_thread::Column::PatientReadAt, Expr::value(now)),
        Side::Practice => update
            .col_expr(
                message_thread::Column::LastPracticeMessageAt,
                Expr::value(now),
            )
            .col_expr(message_thread::Column::PracticeReadAt, Expr::value(now)),
    };
    update
        .filter(message_thread::Column::Id.eq(thread.id))
        .exec(db)
        .await?;
    Ok(message)
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<Option<message_thread::Model>> {
    Ok(message_thread::Entity::find_by_id(id).one(db).await?)
}

pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<message_thread::Model> {
    find(db, id).await?.ok_or_else(ApiError::not_found)
}

/// The conversation, locked for the rest of the caller's transaction on PostgreSQL, so that
/// replies, closing and assigning happen one after another.
pub async fn get_for_update(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> ApiResult<message_thread::Model> {
    let mut q = message_thread::Entity::find_by_id(id);
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        q = q.lock_exclusive();
    }
    q.one(db).await?.ok_or_else(ApiError::not_found)
}

/// The conversation's messages, oldest first.
pub async fn messages(
    db: &impl ConnectionTrait,
    thread_id: Uuid,
) -> ApiResult<Vec<thread_message::Model>> {
    Ok(thread_message::Entity::find()
        .filter(thread_message::Column::ThreadId.eq(thread_id))
        .order_by_asc(thread_message::Column::CreatedAt)
        .order_by_asc(thread_message::Column::Id)
        .all(db)
        .await?)
}

/// Who is asking for a page, for its filters.
pub struct Asker {
    pub user: Option<UserId>,
    /// A patient's own record.
    pub own_patient: Option<PatientId>,
}

/// A page of conversations, the most recently active first.
pub async fn page(
    db: &impl ConnectionTrait,
    asker: &Asker,
    q: &ThreadQuery,
    limit: u64,
    offset: u64,
) -> ApiResult<(u64, Vec<message_thread::Model>)> {
    let mut cond = Condition::all();
    if let Some(own) = asker.own_patient {
        cond = cond.add(message_thread::Column::PatientId.eq(own.0));
    } else if let Some(p) = q.patient_id {
        cond = cond.add(message_thread::Column::PatientId.eq(p));
    }
    if let Some(s) = q.status {
        cond = cond.add(message_thread::Column::Status.eq(s));
    }
    if q.mine == Some(true) && asker.own_patient.is_none() {
        let me = asker.user.map(|u| u.0).unwrap_or_default();
        cond = cond.add(
            Condition::any()
                .add(message_thread::Column::AssignedTo.eq(me))
                .add(message_thread::Column::WithStaffId.eq(me)),
        );
    }
    if q.waiting == Some(true) {
        cond = cond
            .add(message_thread::Column::LastFrom.eq(Side::Patient))
            .add(message_thread::Column::Status.eq(ThreadStatus::Open));
    }
    let query = message_thread::Entity::find().filter(cond);
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_desc(message_thread::Column::LastMessageAt)
        .order_by_desc(message_thread::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(db)
        .await?;
    Ok((total, rows))
}

/// Of `ids`, those matching `readable` (`None`: all).
pub async fn readable_among(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    readable: Option<Condition>,
) -> ApiResult<Vec<Uuid>> {
    let Some(readable) = readable else {
        return Ok(ids.to_vec());
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(message_thread::Entity::find()
        .select_only()
        .column(message_thread::Column::Id)
        .filter(message_thread::Column::Id.is_in(ids.iter().copied()))
        .filter(readable)
        .into_tuple::<Uuid>()
        .all(db)
        .await?)
}

/// Records that `side` has read the conversation up to now.
pub async fn mark_read(db: &impl ConnectionTrait, thread_id: Uuid, side: Side) -> ApiResult<()> {
    let column = match side {
        Side::Patient => message_thread::Column::PatientReadAt,
        Side::Practice => message_thread::Column::PracticeReadAt,
    };
    message_thread::Entity::update_many()
        .col_expr(column, Expr::value(Utc::now()))
        .filter(message_thread::Column::Id.eq(thread_id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn assign(
    db: &impl ConnectionTrait,
    thread: message_thread::Model,
    to: Option<UserId>,
) -> ApiResult<message_thread::Model> {
    let mut active: message_thread::ActiveModel = thread.into();
    active.assigned_to = Set(to.map(|u| u.0));
    active.updated_at = Set(Utc::now());
    Ok(active.update(db).await?)
}

/// Closes (`Some(by)`) or reopens (`None`) the conversation.
pub async fn set_closed(
    db: &impl ConnectionTrait,
    thread: message_thread::Model,
    by: Option<UserId>,
) -> ApiResult<message_thread::Model> {
    let now = Utc::now();
    let mut active: message_thread::ActiveModel = thread.into();
    active.status = Set(if by.is_some() {
        ThreadStatus::Closed
    } else {
        ThreadStatus::Open
    });
    active.closed_at = Set(by.map(|_| now));
    active.closed_by = Set(by.map(|u| u.0));
    active.updated_at = Set(now);
    Ok(active.update(db).await?)
}

/// The condition "`side` has messages it has not read".
pub fn unread_by(side: Side) -> Condition {
    let (last, read) = match side {
        Side::Patient => (
            message_thread::Column::LastPracticeMessageAt,
            message_thread::Column::PatientReadAt,
        ),
        Side::Practice => (
            message_thread::Column::LastPatientMessageAt,
            message_thread::Column::PracticeReadAt,
        ),
    };
    Condition::all().add(last.is_not_null()).add(
        Condition::any()
            .add(read.is_null())
            .add(Expr::col(read).lt(Expr::col(last)).into_condition()),
    )
}

/// How many conversations match `cond` and have messages `side` has not read.
pub async fn count_unread(
    db: &impl ConnectionTrait,
    side: Side,
    cond: Condition,
) -> ApiResult<u64> {
    Ok(message_thread::Entity::find()
        .filter(cond)
        .filter(unread_by(side))
        .count(db)
        .await?)
}

/// Conversations whose `side` has had a message unread for `after`, with no notice sent since
/// it, and none sent within `quiet`: at most `limit`.
pub async fn due_notices(
    db: &impl ConnectionTrait,
    side: Side,
    after: Duration,
    quiet: Duration,
    limit: u64,
) -> ApiResult<Vec<message_thread::Model>> {
    let now = Utc::now();
    let (last, noticed) = match side {
        Side::Patient => (
            message_thread::Column::LastPracticeMessageAt,
            message_thread::Column::PatientNoticedAt,
        ),
        Side::Practice => (
            message_thread::Column::LastPatientMessageAt,
            message_thread::Column::PracticeNoticedAt,
        ),
    };
    Ok(message_thread::Entity::find()
        .filter(unread_by(side))
        .filter(last.lt(now - after))
        .filter(
            Condition::any().add(noticed.is_null()).add(
                Condition::all()
                    .add(Expr::col(noticed).lt(Expr::col(last)).into_condition())
                    .add(noticed.lt(now - quiet)),
            ),
        )
        .order_by_asc(last)
        .limit(limit)
        .all(db)
        .await?)
}

/// Claims the notice of `side` for the conversation: `false` when another process sent it
/// meanwhile.
pub async fn claim_notice(
    db: &impl ConnectionTrait,
    thread: &message_thread::Model,
    side: Side,
) -> ApiResult<bool> {
    let column = match side {
        Side::Patient => message_thread::Column::PatientNoticedAt,
        Side::Practice => message_thread::Column::PracticeNoticedAt,
    };
    let was = match side {
        Side::Patient => thread.patient_noticed_at,
        Side::Practice => thread.practice_noticed_at,
    };
    let mut update = message_thread::Entity::update_many()
        .col_expr(column, Expr::value(Utc::now()))
        .filter(message_thread::Column::Id.eq(thread.id));
    update = match was {
        Some(t) => update.filter(column.eq(t)),
        None => update.filter(column.is_null()),
    };
    Ok(update.exec(db).await?.rows_affected == 1)
}

/// Every conversation of the patient, oldest first, with its messages.
pub async fn all_of_patient(
    db: &impl ConnectionTrait,
    patient: PatientId,
) -> ApiResult<Vec<(message_thread::Model, Vec<thread_message::Model>)>> {
    let threads = message_thread::Entity::find()
        .filter(message_thread::Column::PatientId.eq(patient.0))
        .order_by_asc(message_thread::Column::CreatedAt)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(threads.len());
    for t in threads {
        let m = messages(db, t.id).await?;
        out.push((t, m));
    }
    Ok(out)
}

/// Deletes the patient's conversations and messages, in the caller's transaction: how many.
pub async fn erase_patient(db: &impl ConnectionTrait, patient: PatientId) -> ApiResult<u64> {
    thread_message::Entity::delete_many()
        .filter(thread_message::Column::PatientId.eq(patient.0))
        .exec(db)
        .await?;
    Ok(message_thread::Entity::delete_many()
        .filter(message_thread::Column::PatientId.eq(patient.0))
        .exec(db)
        .await?
        .rows_affected)
}

/// Says `user` has a live connection to this process until `until`.
pub async fn present(
    db: &impl ConnectionTrait,
    user: Uuid,
    process: Uuid,
    until: DateTime<Utc>,
) -> ApiResult<()> {
    live_presence::Entity::insert(live_presence::ActiveModel {
        user_id: Set(user),
        process: Set(process),
        until: Set(until),
    })
    .on_conflict(
        OnConflict::columns([
            live_presence::Column::UserId,
            live_presence::Column::Process,
        ])
        .update_column(live_presence::Column::Until)
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Ends this process's record of the account's live connection.
pub async fn leave(db: &impl ConnectionTrait, user: Uuid, process: Uuid) -> ApiResult<()> {
    present(db, user, process, Utc::now()).await
}

/// Whether any of `users` has a live connection open to any process now.
pub async fn any_online(db: &impl ConnectionTrait, users: &[Uuid]) -> ApiResult<bool> {
    if users.is_empty() {
        return Ok(false);
    }
    Ok(live_presence::Entity::find()
        .filter(live_presence::Column::UserId.is_in(users.iter().copied()))
        .filter(live_presence::Column::Until.gt(Utc::now()))
        .count(db)
        .await?
        > 0)
}

/// Forgets connections that ended long ago.
pub async fn prune_presence(db: &impl ConnectionTrait) -> ApiResult<()> {
    live_presence::Entity::delete_many()
        .filter(live_presence::Column::Until.lt(Utc::now() - Duration::hours(1)))
        .exec(db)
        .await?;
    Ok(())
}

/// Writes a whole conversation at once (the demo practice's), each message with its entry in
/// the patient's correspondence; both sides have read it. In the caller's transaction.
pub async fn record_conversation(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    patient: PatientId,
    subject: &str,
    messages: &[(Side, UserId, &str)],
) -> ApiResult<Uuid> {
    use api_types::comms::{
        CorrespondenceChannel, CorrespondenceKind, CorrespondenceStatus, Direction,
    };
    let Some((first_side, first_author, _)) = messages.first() else {
        return Err(anyhow::anyhow!("a conversation needs a message").into());
    };
    let thread = insert_thread(
        db,
        crypto,
        NewThread {
            patient,
            subject,
            with_staff: None,
            author: *first_author,
            side: *first_side,
        },
    )
    .await?;
    for (side, author, text) in messages {
        let current = get(db, thread.id).await?;
        insert_message(db, crypto, &current, *side, *author, text, &[]).await?;
        let (direction, kind) = match side {
            Side::Patient => (Direction::Inbound, CorrespondenceKind::Reply),
            Side::Practice => (Direction::Outbound, CorrespondenceKind::Written),
        };
        super::super::correspondence::insert(
            db,
            crypto,
            super::super::correspondence::NewEntry {
                patient: Some(patient),
                channel: CorrespondenceChannel::Portal,
                direction,
                kind,
                status: CorrespondenceStatus::Read,
                counterpart: "portal",
                subject: None,
                body: "",
                staff: (*side == Side::Practice).then_some(author.0),
                outbox_id: None,
                provider_ref: None,
                candidates: &[],
                attachments: &[],
                held_files: &[],
                thread: Some(thread.id),
            },
        )
        .await?;
    }
    mark_read(db, thread.id, Side::Patient).await?;
    mark_read(db, thread.id, Side::Practice).await?;
    Ok(thread.id)
}

/// Whether the patient has any conversation.
pub async fn has_any(db: &impl ConnectionTrait, patient: PatientId) -> ApiResult<bool> {
    Ok(message_thread::Entity::find()
        .filter(message_thread::Column::PatientId.eq(patient.0))
        .count(db)
        .await?
        > 0)
}
