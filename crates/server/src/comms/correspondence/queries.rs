//! Reading and writing correspondence entries. Content and the patient's number or address are
//! encrypted, each bound to its row and column.

use api_types::comms::{
    CorrespondenceChannel, CorrespondenceKind, CorrespondenceQuery, CorrespondenceStatus, Direction,
};
use api_types::validation::{normalize_email, normalize_phone};
use chrono::{DateTime, Utc};
use entity::comms::correspondence;
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    Order, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::platform::crypto::Crypto;
use crate::platform::{ApiError, ApiResult, PatientId};

pub(super) fn aad(id: Uuid, column: &str) -> String {
    format!("correspondence.{column}:{id}")
}

/// The blind index of a patient's number or address, normalised the way each channel writes it.
pub(super) fn counterpart_bidx(
    crypto: &Crypto,
    channel: CorrespondenceChannel,
    value: &str,
) -> String {
    let normal = match channel {
        CorrespondenceChannel::Email => normalize_email(value),
        CorrespondenceChannel::Sms | CorrespondenceChannel::Call => normalize_phone(value),
        _ => value.trim().to_owned(),
    };
    crypto.blind_index("correspondence.counterpart", &normal)
}

/// A new entry.
pub struct NewEntry<'a> {
    pub patient: Option<PatientId>,
    pub channel: CorrespondenceChannel,
    pub direction: Direction,
    pub kind: CorrespondenceKind,
    pub status: CorrespondenceStatus,
    pub counterpart: &'a str,
    pub subject: Option<&'a str>,
    pub body: &'a str,
    pub staff: Option<Uuid>,
    pub outbox_id: Option<Uuid>,
    pub provider_ref: Option<&'a str>,
    /// Patients an unmatched inbound message may be from.
    pub candidates: &'a [PatientId],
    /// The names of files that came with it.
    pub attachments: &'a [String],
    /// Files of an unmatched inbound message, kept until its patient is chosen.
    pub held_files: &'a [HeldFile],
    /// A portal message's conversation.
    pub thread: Option<Uuid>,
}

/// A file that came with an inbound message whose patient is not known yet.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct HeldFile {
    pub filename: String,
    /// Base64.
    pub content: String,
}

/// Writes an entry in the caller's transaction.
pub async fn insert(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    e: NewEntry<'_>,
) -> ApiResult<correspondence::Model> {
    let id = Uuid::now_v7();
    let now = Utc::now();
    let candidates = if e.candidates.is_empty() {
        None
    } else {
        let ids: Vec<Uuid> = e.candidates.iter().map(|p| p.0).collect();
        Some(serde_json::to_string(&ids).map_err(anyhow::Error::from)?)
    };
    let attachments_enc = if e.attachments.is_empty() {
        None
    } else {
        let json = serde_json::to_string(e.attachments).map_err(anyhow::Error::from)?;
        Some(crypto.encrypt_str(&json, &aad(id, "attachments"))?)
    };
    let held_files_enc = if e.held_files.is_empty() {
        None
    } else {
        let json = serde_json::to_string(e.held_files).map_err(anyhow::Error::from)?;
        Some(crypto.encrypt_str(&json, &aad(id, "held_files"))?)
    };
    let subject_enc = match e.subject {
        Some(s) => Some(crypto.encrypt_str(s, &aad(id, "subject"))?),
        None => None,
    };
    Ok(correspondence::ActiveModel {
        id: Set(id),
        patient_id: Set(e.patient.map(|p| p.0)),
        channel: Set(e.channel),
        direction: Set(e.direction),
        kind: Set(e.kind),
        status: Set(e.status),
        counterpart_enc: Set(crypto.encrypt_str(e.counterpart, &aad(id, "counterpart"))?),
        counterpart_bidx: Set(counterpart_bidx(crypto, e.channel, e.counterpart)),
        subject_enc: Set(subject_enc),
        body_enc: Set(crypto.encrypt_str(e.body, &aad(id, "body"))?),
        staff_id: Set(e.staff),
        outbox_id: Set(e.outbox_id),
        provider_ref: Set(e.provider_ref.map(str::to_owned)),
        error: Set(None),
        candidates: Set(candidates),
        attachments_enc: Set(attachments_enc),
        held_files_enc: Set(held_files_enc),
        thread_id: Set(e.thread),
        answered_at: Set(None),
        answered_by: Set(None),
        call_seconds: Set(None),
        recording_sid: Set(None),
        recording_state: Set(None),
        recording_document_id: Set(None),
        transcript_state: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?)
}

/// An entry's body, encrypted for its row: for writing it after the entry (a call's
/// transcript).
pub fn encrypt_body(crypto: &Crypto, id: Uuid, body: &str) -> ApiResult<String> {
    Ok(crypto.encrypt_str(body, &aad(id, "body"))?)
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<Option<correspondence::Model>> {
    Ok(correspondence::Entity::find_by_id(id).one(db).await?)
}

pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<correspondence::Model> {
    find(db, id).await?.ok_or_else(ApiError::not_found)
}

/// The entry with this provider id (a Twilio message SID), if one was stored.
pub async fn by_provider_ref(
    db: &impl ConnectionTrait,
    provider_ref: &str,
) -> ApiResult<Option<correspondence::Model>> {
    Ok(correspondence::Entity::find()
        .filter(correspondence::Column::ProviderRef.eq(provider_ref))
        .one(db)
        .await?)
}

/// A page of one patient's correspondence, newest first, with how many there are.
pub async fn of_patient(
    db: &impl ConnectionTrait,
    patient: PatientId,
    channel: Option<CorrespondenceChannel>,
    limit: u64,
    offset: u64,
) -> ApiResult<(u64, Vec<correspondence::Model>)> {
    let mut select =
        correspondence::Entity::find().filter(correspondence::Column::PatientId.eq(patient.0));
    if let Some(c) = channel {
        select = select.filter(correspondence::Column::Channel.eq(c));
    }
    let total = select.clone().count(db).await?;
    let rows = select
        .order_by_desc(correspondence::Column::CreatedAt)
        .order_by_desc(correspondence::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(db)
        .await?;
    Ok((total, rows))
}

/// Every entry of a patient, oldest first: for their export and erasure.
pub async fn all_of_patient(
    db: &impl ConnectionTrait,
    patient: PatientId,
) -> ApiResult<Vec<correspondence::Model>> {
    Ok(correspondence::Entity::find()
        .filter(correspondence::Column::PatientId.eq(patient.0))
        .order_by_asc(correspondence::Column::CreatedAt)
        .order_by_asc(correspondence::Column::Id)
        .all(db)
        .await?)
}

/// `true` (as 0) for inbound messages nobody has answered, which the practice's view puts first.
fn unanswered_first() -> SimpleExpr {
    Expr::case(
        Condition::all()
            .add(correspondence::Column::Direction.eq(Direction::Inbound))
            .add(correspondence::Column::AnsweredAt.is_null()),
        0,
    )
    .finally(1)
    .into()
}

/// A page of the practice's correspondence: unanswered inbound messages first, then newest
/// first. `between` is the practice-local days asked for, as instants.
pub async fn practice_page(
    db: &impl ConnectionTrait,
    q: &CorrespondenceQuery,
    between: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    limit: u64,
    offset: u64,
) -> ApiResult<(u64, Vec<correspondence::Model>)> {
    let mut select = correspondence::Entity::find();
    if let Some(c) = q.channel {
        select = select.filter(correspondence::Column::Channel.eq(c));
    }
    if let Some(d) = q.direction {
        select = select.filter(correspondence::Column::Direction.eq(d));
    }
    if let Some(s) = q.status {
        select = select.filter(correspondence::Column::Status.eq(s));
    }
    if let Some(staff) = q.staff_id {
        select = select.filter(
            Condition::any()
                .add(correspondence::Column::StaffId.eq(staff))
                .add(correspondence::Column::AnsweredBy.eq(staff)),
        );
    }
    if let Some(from) = between.0 {
        select = select.filter(correspondence::Column::CreatedAt.gte(from));
    }
    if let Some(to) = between.1 {
        select = select.filter(correspondence::Column::CreatedAt.lt(to));
    }
    match q.triage {
        Some(true) => select = select.filter(correspondence::Column::PatientId.is_null()),
        Some(false) => select = select.filter(correspondence::Column::PatientId.is_not_null()),
        None => {}
    }
    if q.unanswered == Some(true) {
        select = select
            .filter(correspondence::Column::Direction.eq(Direction::Inbound))
            .filter(correspondence::Column::AnsweredAt.is_null());
    }
    let total = select.clone().count(db).await?;
    let rows = select
        .order_by(unanswered_first(), Order::Asc)
        .order_by_desc(correspondence::Column::CreatedAt)
        .order_by_desc(correspondence::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(db)
        .await?;
    Ok((total, rows))
}

/// What became of an outbox delivery attempt.
pub enum Delivery<'a> {
    /// The provider took it; `provider_ref` is its id for the message (SMS).
    Sent { provider_ref: Option<&'a str> },
    /// It failed and will be tried again.
    Retrying { error: &'a str },
    /// It failed for good.
    Failed { error: &'a str },
}

/// Records on the entry an outbox message delivers what its delivery attempt came to.
pub async fn follow_delivery(
    db: &impl ConnectionTrait,
    outbox_id: Uuid,
    delivery: Delivery<'_>,
) -> ApiResult<()> {
    let mut update = correspondence::Entity::update_many()
        .col_expr(correspondence::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(correspondence::Column::OutboxId.eq(outbox_id));
    update = match delivery {
        Delivery::Sent { provider_ref } => update
            .col_expr(
                correspondence::Column::Status,
                Expr::value(CorrespondenceStatus::Sent),
            )
            .col_expr(
                correspondence::Column::ProviderRef,
                Expr::value(provider_ref.map(str::to_owned)),
            )
            .col_expr(correspondence::Column::Error, Expr::value(None::<String>)),
        Delivery::Retrying { error } => update.col_expr(
            correspondence::Column::Error,
            Expr::value(format!("Trying again: {error}")),
        ),
        Delivery::Failed { error } => update
            .col_expr(
                correspondence::Column::Status,
                Expr::value(CorrespondenceStatus::Failed),
            )
            .col_expr(correspondence::Column::Error, Expr::value(error.to_owned())),
    };
    update.exec(db).await?;
    Ok(())
}

/// Moves an entry to `status` if that is further along than where it is (reports can arrive out
/// of order); returns the entry as it now stands.
pub async fn advance(
    db: &impl ConnectionTrait,
    entry: correspondence::Model,
    status: CorrespondenceStatus,
    error: Option<String>,
) -> ApiResult<correspondence::Model> {
    if status.progress() <= entry.status.progress() {
        return Ok(entry);
    }
    let mut active: correspondence::ActiveModel = entry.into();
    active.status = Set(status);
    if status == CorrespondenceStatus::Failed {
        active.error = Set(error);
    } else if status != CorrespondenceStatus::Queued {
        active.error = Set(None);
    }
    active.updated_at = Set(Utc::now());
    Ok(active.update(db).await?)
}

/// Puts a failed entry back in the queue.
pub async fn requeue(
    db: &impl ConnectionTrait,
    entry: correspondence::Model,
) -> ApiResult<correspondence::Model> {
    let mut active: correspondence::ActiveModel = entry.into();
    active.status = Set(CorrespondenceStatus::Queued);
    active.error = Set(None);
    active.provider_ref = Set(None);
    active.updated_at = Set(Utc::now());
    Ok(active.update(db).await?)
}

/// Marks inbound messages answered by `by`: one entry, or every unanswered one from a patient
/// on a channel (when staff write back to them).
pub async fn mark_answered(
    db: &impl ConnectionTrait,
    which: Answered,
    by: Option<Uuid>,
) -> ApiResult<()> {
    let now = Utc::now();
    let mut update = correspondence::Entity::update_many()
        .col_expr(correspondence::Column::AnsweredAt, Expr::value(now))
        .col_expr(correspondence::Column::AnsweredBy, Expr::value(by))
        .col_expr(correspondence::Column::UpdatedAt, Expr::value(now))
        .filter(correspondence::Column::Direction.eq(Direction::Inbound))
        .filter(correspondence::Column::AnsweredAt.is_null());
    update = match which {
        Answered::One(id) => update.filter(correspondence::Column::Id.eq(id)),
        Answered::From(patient, channel) => update
            .filter(correspondence::Column::PatientId.eq(patient.0))
            .filter(correspondence::Column::Channel.eq(channel)),
    };
    update.exec(db).await?;
    Ok(())
}

/// Marks an inbound message answered with nobody to reply (STOP, START).
pub async fn answered_by_itself(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<()> {
    mark_answered(db, Answered::One(id), None).await
}

pub enum Answered {
    One(Uuid),
    From(PatientId, CorrespondenceChannel),
}

/// An entry's subject (emails only), decrypted.
pub fn subject(crypto: &Crypto, entry: &correspondence::Model) -> ApiResult<Option<String>> {
    match &entry.subject_enc {
        Some(enc) => Ok(Some(crypto.decrypt_str(enc, &aad(entry.id, "subject"))?)),
        None => Ok(None),
    }
}

/// The files an inbound message in triage holds.
pub fn held_files(crypto: &Crypto, entry: &correspondence::Model) -> ApiResult<Vec<HeldFile>> {
    match &entry.held_files_enc {
        Some(enc) => Ok(serde_json::from_str(
            &crypto.decrypt_str(enc, &aad(entry.id, "held_files"))?,
        )
        .map_err(anyhow::Error::from)?),
        None => Ok(Vec::new()),
    }
}

/// Gives an inbound message waiting in triage its patient (its held files are then the
/// caller's to file).
pub async fn assign(
    db: &impl ConnectionTrait,
    entry: correspondence::Model,
    patient: PatientId,
) -> ApiResult<correspondence::Model> {
    // Only while it still has no patient: of two people choosing at once, one does.
    let done = correspondence::Entity::update_many()
        .col_expr(correspondence::Column::PatientId, Expr::value(patient.0))
        .col_expr(
            correspondence::Column::Candidates,
            Expr::value(None::<String>),
        )
        .col_expr(
            correspondence::Column::HeldFilesEnc,
            Expr::value(None::<String>),
        )
        .col_expr(correspondence::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(correspondence::Column::Id.eq(entry.id))
        .filter(correspondence::Column::PatientId.is_null())
        .exec(db)
        .await?;
    if done.rows_affected != 1 {
        return Err(ApiError::conflict("This message already has its patient."));
    }
    get(db, entry.id).await
}

/// Erasure: the patient's entries keep their channel, direction, kind, status and time, and lose
/// their content and the number or address; returns the outbox messages they pointed to.
pub async fn erase_patient(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    patient: PatientId,
) -> ApiResult<Vec<Uuid>> {
    let rows = all_of_patient(db, patient).await?;
    let outbox = outbox_ids(&rows);
    let mut theirs: Vec<String> = rows
        .iter()
        .map(|m| m.counterpart_bidx.clone())
        .filter(|b| !b.is_empty())
        .collect();
    theirs.sort_unstable();
    theirs.dedup();
    for m in rows {
        blank(db, crypto, m).await?;
    }
    // Messages waiting for their patient from the patient's numbers or addresses, or naming
    // them among those they may be from: one that could only have been theirs is erased with
    // them; one that may be another patient's keeps its content, without naming this one.
    let waiting = correspondence::Entity::find()
        .filter(correspondence::Column::PatientId.is_null())
        .filter(
            Condition::any()
                .add(correspondence::Column::CounterpartBidx.is_in(theirs))
                .add(correspondence::Column::Candidates.contains(patient.0.to_string())),
        )
        .all(db)
        .await?;
    for m in waiting {
        let left: Vec<Uuid> =
            serde_json::from_str::<Vec<Uuid>>(m.candidates.as_deref().unwrap_or("[]"))
                .unwrap_or_default()
                .into_iter()
                .filter(|c| *c != patient.0)
                .collect();
        if left.is_empty() {
            blank(db, crypto, m).await?;
            continue;
        }
        let mut active: correspondence::ActiveModel = m.into();
        active.candidates = Set(Some(
            serde_json::to_string(&left).map_err(anyhow::Error::from)?,
        ));
        active.update(db).await?;
    }
    Ok(outbox)
}

/// Retention: the patient's entries go (an erasure left them without content); returns how many,
/// and the outbox messages they pointed to.
pub async fn destroy_patient(
    db: &impl ConnectionTrait,
    patient: PatientId,
) -> ApiResult<(u64, Vec<Uuid>)> {
    let outbox = outbox_ids(&all_of_patient(db, patient).await?);
    let gone = correspondence::Entity::delete_many()
        .filter(correspondence::Column::PatientId.eq(patient.0))
        .exec(db)
        .await?;
    Ok((gone.rows_affected, outbox))
}

/// An entry without its content, the number or address, or the provider's words.
async fn blank(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    m: correspondence::Model,
) -> ApiResult<()> {
    let id = m.id;
    let mut active: correspondence::ActiveModel = m.into();
    active.counterpart_enc = Set(crypto.encrypt_str("", &aad(id, "counterpart"))?);
    active.counterpart_bidx = Set(String::new());
    active.subject_enc = Set(None);
    active.attachments_enc = Set(None);
    active.held_files_enc = Set(None);
    active.error = Set(None);
    active.provider_ref = Set(None);
    active.body_enc = Set(crypto.encrypt_str(ERASED, &aad(id, "body"))?);
    active.candidates = Set(None);
    active.updated_at = Set(Utc::now());
    active.update(db).await?;
    Ok(())
}

/// What an erased entry says in place of its content.
pub const ERASED: &str = "(erased with the patient's personal data)";

/// The outbox messages of a patient's entries: to withdraw those not yet sent at erasure.
fn outbox_ids(rows: &[correspondence::Model]) -> Vec<Uuid> {
    rows.iter().filter_map(|m| m.outbox_id).collect()
}

/// The entry an outbox message delivers.
pub async fn by_outbox(
    db: &impl ConnectionTrait,
    outbox_id: Uuid,
) -> ApiResult<Option<correspondence::Model>> {
    Ok(correspondence::Entity::find()
        .filter(correspondence::Column::OutboxId.eq(outbox_id))
        .one(db)
        .await?)
}

/// Marks the conversation's portal messages that went `direction` as read by their recipient.
pub async fn thread_read(
    db: &impl ConnectionTrait,
    thread_id: Uuid,
    direction: Direction,
) -> ApiResult<()> {
    correspondence::Entity::update_many()
        .col_expr(
            correspondence::Column::Status,
            Expr::value(CorrespondenceStatus::Read),
        )
        .col_expr(correspondence::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(correspondence::Column::ThreadId.eq(thread_id))
        .filter(correspondence::Column::Direction.eq(direction))
        .filter(correspondence::Column::Status.ne(CorrespondenceStatus::Read))
        .exec(db)
        .await?;
    Ok(())
}
