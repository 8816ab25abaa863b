//! Looking after conversations: marking one read, giving it to a member of staff, closing and
//! reopening it, the unread count for the navigation, and whom a conversation may be with.

use actix_web::{get, post, web, HttpResponse};
use api_types::audit::AuditAction;
use api_types::comms::Direction;
use api_types::messaging::{
    AssignThread, MessageThread, RecipientsQuery, Side, StaffRef, ThreadStatus, UnreadMessages,
};
use api_types::Role;
use entity::comms::message_thread;
use sea_orm::{ColumnTrait, Condition, TransactionTrait};
use uuid::Uuid;

use super::handlers::{changed, open};
use super::{access, queries, wire};
use crate::audit::AuditEntry;
use crate::auth::{require, Authorized};
use crate::comms::correspondence;
use crate::platform::http::{Body, Query};
use crate::platform::{ApiError, ApiResult, PatientId, UserId};
use crate::{patients, users, AppState};

/// Mark the conversation read by the caller's side (the patient, or the practice): the other
/// side sees its messages as read.
#[utoipa::path(
    tag = "messages",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["correspondence:read"]), ("bearer" = ["own_record"])),
    responses(
        (status = 204, description = "Marked read"),
        (status = 403, body = api_types::Problem),
        (status = 404, body = api_types::Problem),
    )
)]
#[post("/messages/threads/{id}/read")]
pub async fn mark_read(
    auth: Authorized<require::CorrespondenceReadOrOwn>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let thread = open(&state.db, &auth, *id).await?;
    let side = access::reading_side(&auth);
    let txn = state.db.begin().await?;
    queries::mark_read(&txn, thread.id, side).await?;
    let from_other = match side {
        Side::Patient => Direction::Outbound,
        Side::Practice => Direction::Inbound,
    };
    correspondence::thread_read(&txn, thread.id, from_other).await?;
    let staged = changed(&txn, &state, &thread).await?;
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, AuditAction::ThreadSeen)
                .patient(thread.patient_id)
                .resource("message_thread", thread.id),
        )
        .await?;
    state.events.release(staged);
    Ok(HttpResponse::NoContent().finish())
}

/// Give the conversation to a member of staff who may read it (an admin, or a clinician on the
/// patient's care team or the one it is with), or back to the team (`user_id: null`).
#[utoipa::path(
    tag = "messages",
    params(("id" = Uuid, Path)),
    request_body = AssignThread,
    security(("bearer" = ["correspondence:write"])),
    responses(
        (status = 200, body = MessageThread),
        (status = 403, body = api_types::Problem),
        (status = 404, body = api_types::Problem),
    )
)]
#[post("/messages/threads/{id}/assign")]
pub async fn assign_thread(
    auth: Authorized<require::CorrespondenceWrite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Body<AssignThread>,
) -> ApiResult<web::Json<MessageThread>> {
    access::side_of(&auth)?;
    let thread = open(&state.db, &auth, *id).await?;
    let patient = PatientId(thread.patient_id);
    if let Some(to) = body.user_id {
        let user = users::find(&state.db, &state.crypto, UserId(to))
            .await?
            .filter(|u| u.is_active())
            .ok_or_else(|| {
                ApiError::field("user_id", "not_found", "Choose an active member of staff.")
            })?;
        let on_team = patients::is_on_care_team(&state.db, patient, UserId(to)).await?;
        if !access::may_take(user.role, on_team, thread.with_staff_id == Some(to)) {
            return Err(ApiError::field(
                "user_id",
                "not_on_care_team",
                format!(
                    "{} may not read this patient's conversations: choose someone on their care team.",
                    user.name
                ),
            ));
        }
    }
    let txn = state.db.begin().await?;
    let thread = queries::get_for_update(&txn, thread.id).await?;
    let thread = queries::assign(&txn, thread, body.user_id.map(UserId)).await?;
    let staged = changed(&txn, &state, &thread).await?;
    let mut event = AuditEntry::by(&auth, AuditAction::ThreadAssign)
        .patient(patient.0)
        .resource("message_thread", thread.id);
    if let Some(to) = body.user_id {
        event = event.detail(format!("to={to}"));
    }
    state.audit.commit(txn, event).await?;
    state.events.release(staged);
    as_seen(&state, &auth, thread).await
}

/// Close the conversation: the patient can read it but not write in it.
#[utoipa::path(
    tag = "messages",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["correspondence:write"])),
    responses(
        (status = 200, body = MessageThread),
        (status = 403, body = api_types::Problem),
        (status = 404, body = api_types::Problem),
    )
)]
#[post("/messages/threads/{id}/close")]
pub async fn close_thread(
    auth: Authorized<require::CorrespondenceWrite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<MessageThread>> {
    set_status(auth, state, *id, ThreadStatus::Closed).await
}

/// Open a closed conversation again.
#[utoipa::path(
    tag = "messages",
    params(("id" = Uuid, Path)),
    security(("bearer" = ["correspondence:write"])),
    responses(
        (status = 200, body = MessageThread),
        (status = 403, body = api_types::Problem),
        (status = 404, body = api_types::Problem),
    )
)]
#[post("/messages/threads/{id}/reopen")]
pub async fn reopen_thread(
    auth: Authorized<require::CorrespondenceWrite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<MessageThread>> {
    set_status(auth, state, *id, ThreadStatus::Open).await
}

async fn set_status(
    auth: Authorized<require::CorrespondenceWrite>,
    state: web::Data<AppState>,
    id: Uuid,
    status: ThreadStatus,
) -> ApiResult<web::Json<MessageThread>> {
    access::side_of(&auth)?;
    let by = UserId(auth.require_user()?);
    let thread = open(&state.db, &auth, id).await?;
    let txn = state.db.begin().await?;
    let thread = queries::get_for_update(&txn, thread.id).await?;
    let thread = if thread.status == status {
        thread
    } else {
        let closing = (status == ThreadStatus::Closed).then_some(by);
        queries::set_closed(&txn, thread, closing).await?
    };
    let staged = changed(&txn, &state, &thread).await?;
    let action = match status {
        ThreadStatus::Closed => AuditAction::ThreadClose,
        ThreadStatus::Open => AuditAction::ThreadReopen,
    };
    state
        .audit
        .commit(
            txn,
            AuditEntry::by(&auth, action)
                .patient(thread.patient_id)
                .resource("message_thread", thread.id),
        )
        .await?;
    state.events.release(staged);
    as_seen(&state, &auth, thread).await
}

/// The conversation as the caller now sees it (assigning it away may end their reading).
async fn as_seen(
    state: &AppState,
    auth: &crate::auth::Principal,
    thread: message_thread::Model,
) -> ApiResult<web::Json<MessageThread>> {
    let readable = queries::readable_among(&state.db, &[thread.id], access::readable(auth))
        .await?
        .into_iter()
        .collect();
    let mut out = wire::threads(state, auth, vec![thread], &readable).await?;
    out.pop()
        .map(web::Json)
        .ok_or_else(|| anyhow::anyhow!("a conversation went missing").into())
}

/// How many conversations wait to be read by the caller: a patient's own with the practice's
/// messages unread; for staff, open ones they may read that are theirs (assigned to them or
/// written to them alone) or nobody's yet, with the patient's messages unread by the practice.
#[utoipa::path(
    tag = "messages",
    security(("bearer" = ["correspondence:read"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = UnreadMessages))
)]
#[get("/messages/unread")]
pub async fn unread(
    auth: Authorized<require::CorrespondenceReadOrOwn>,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<UnreadMessages>> {
    use message_thread::Column as C;
    let side = access::reading_side(&auth);
    let mut cond = Condition::all().add(C::Status.eq(ThreadStatus::Open));
    if let Some(r) = access::readable(&auth) {
        cond = cond.add(r);
    }
    if side == Side::Practice {
        let me = auth.user_id().unwrap_or_default();
        cond = cond.add(
            Condition::any()
                .add(C::AssignedTo.eq(me))
                .add(C::WithStaffId.eq(me))
                .add(
                    Condition::all()
                        .add(C::AssignedTo.is_null())
                        .add(C::WithStaffId.is_null()),
                ),
        );
    }
    let threads = queries::count_unread(&state.db, side, cond).await?;
    Ok(web::Json(UnreadMessages {
        threads: threads.min(u32::MAX as u64) as u32,
    }))
}

/// Whom a conversation may be with: for a patient, the clinicians on their care team; for
/// staff (`patient_id`), the patient's clinicians, to give a conversation to.
#[utoipa::path(
    tag = "messages",
    params(RecipientsQuery),
    security(("bearer" = ["correspondence:read"]), ("bearer" = ["own_record"])),
    responses((status = 200, body = Vec<StaffRef>), (status = 404, body = api_types::Problem))
)]
#[get("/messages/recipients")]
pub async fn recipients(
    auth: Authorized<require::CorrespondenceReadOrOwn>,
    state: web::Data<AppState>,
    query: Query<RecipientsQuery>,
) -> ApiResult<web::Json<Vec<StaffRef>>> {
    let patient = match (auth.own_patient_id(), query.patient_id) {
        (Some(own), _) => PatientId(own),
        (None, Some(p)) => PatientId(p),
        (None, None) => {
            return Err(ApiError::field(
                "patient_id",
                "required",
                "Choose the patient.",
            ))
        }
    };
    patients::ensure_demographics(&auth, patient)?;
    patients::get(&state.db, &state.crypto, patient).await?;
    let out = clinicians_of(&state, patient).await?;
    state
        .audit
        .record(
            AuditEntry::by(&auth, AuditAction::CareTeamRead)
                .patient(patient.0)
                .detail("for=messages"),
        )
        .await?;
    Ok(web::Json(out))
}

/// The active clinicians on the patient's care team.
pub(super) async fn clinicians_of(
    state: &AppState,
    patient: PatientId,
) -> ApiResult<Vec<StaffRef>> {
    let members = patients::care_team_members(&state.db, patient.0).await?;
    let mut out = Vec::with_capacity(members.len());
    for m in members {
        if let Some(user) = users::find(&state.db, &state.crypto, UserId(m.user_id)).await? {
            if user.is_active() && user.role.is_clinician() && user.role != Role::Patient {
                out.push(StaffRef {
                    id: user.model.id,
                    name: user.name,
                });
            }
        }
    }
    Ok(out)
}
