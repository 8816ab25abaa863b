//! Who may read and write a conversation.
//!
//! - The patient: their own conversations (anyone else's is 404).
//! - A conversation with the care team: admins, the clinicians on the patient's care team, a
//!   clinician who broke the glass for the patient, and the member of staff it is assigned to.
//! - A conversation with one clinician: that clinician, the one it is assigned to, admins, and a
//!   clinician who broke the glass. The rest of the care team sees it exists.
//! - Receptionists and other staff see that a conversation exists, who it is with and when it
//!   moved; never its subject or messages. Outside practitioners the patient shared categories
//!   of their record with do not read the patient's conversations.
//! - API keys holding `clinical:access` read; only people write.

use api_types::messaging::Side;
use api_types::{Permission, Role};
use entity::comms::message_thread;
use sea_orm::{ColumnTrait, Condition};

use crate::auth::{Actor, Principal};
use crate::patients;
use crate::platform::{ApiError, ApiResult, UserId};

/// The conversations whose content the caller may read, as a condition (`None`: all of them).
pub fn readable(principal: &Principal) -> Option<Condition> {
    use message_thread::Column as C;
    match &principal.actor {
        Actor::ApiKey { scopes, .. } if scopes.contains(&Permission::ClinicalAccess) => None,
        Actor::ApiKey { .. } => Some(nothing()),
        Actor::User {
            role: Role::Admin, ..
        } => None,
        Actor::User {
            role: Role::Patient,
            patient_id,
            ..
        } => Some(match patient_id {
            Some(p) => Condition::all().add(C::PatientId.eq(*p)),
            None => nothing(),
        }),
        Actor::User { id, role, .. } if role.has(Permission::ClinicalAccess) => {
            let me = UserId(*id);
            Some(
                Condition::any()
                    .add(C::WithStaffId.eq(*id))
                    .add(C::AssignedTo.eq(*id))
                    .add(
                        Condition::all()
                            .add(C::WithStaffId.is_null())
                            .add(patients::cared_for_by(me, C::PatientId)),
                    )
                    .add(patients::glass_broken_by(me, C::PatientId)),
            )
        }
        Actor::User { .. } => Some(nothing()),
    }
}

/// A condition no conversation meets (an empty condition would be left out of the query).
fn nothing() -> Condition {
    Condition::all().add(message_thread::Column::Id.is_null())
}

/// Which side of the conversation the caller writes on, if they may write at all: the patient
/// on theirs; staff holding `correspondence:write` on the practice's.
pub fn side_of(principal: &Principal) -> ApiResult<Side> {
    match &principal.actor {
        Actor::User {
            role: Role::Patient,
            ..
        } => Ok(Side::Patient),
        Actor::User { .. } if principal.has(Permission::CorrespondenceWrite) => Ok(Side::Practice),
        Actor::User { .. } => Err(ApiError::forbidden()),
        Actor::ApiKey { .. } => Err(ApiError::with_detail(
            api_types::ErrorCode::Forbidden,
            "Conversations are written by people: sign in to write.",
        )),
    }
}

/// The side the caller reads on.
pub fn reading_side(principal: &Principal) -> Side {
    if principal.own_patient_id().is_some() {
        Side::Patient
    } else {
        Side::Practice
    }
}

/// 404 for a patient asking about someone else's conversation; 403 for staff who may see that
/// it exists but not read it.
pub fn refused(principal: &Principal) -> ApiError {
    if principal.role() == Some(Role::Patient) {
        ApiError::not_found()
    } else {
        ApiError::with_detail(
            api_types::ErrorCode::Forbidden,
            "This conversation is between the patient and their care team: you can see that it exists, not what it says.",
        )
    }
}

/// Whether `user` may be given a conversation with the patient: an active admin, or an active
/// clinician on the patient's care team (or the one clinician it is with).
pub fn may_take(role: Role, on_care_team: bool, is_with: bool) -> bool {
    role == Role::Admin || (role.is_clinician() && (on_care_team || is_with))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_and_the_patients_clinicians_may_be_given_a_conversation() {
        assert!(may_take(Role::Admin, false, false));
        assert!(may_take(Role::Nurse, true, false));
        assert!(may_take(Role::Practitioner, false, true));
        assert!(!may_take(Role::Practitioner, false, false));
        assert!(!may_take(Role::Receptionist, true, false));
        assert!(!may_take(Role::Patient, true, true));
    }
}
