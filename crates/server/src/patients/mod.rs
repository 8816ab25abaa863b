//! Patients: demographics (stored as one encrypted document per patient), search through blind
//! indexes, archive and restore, the care team, who may see clinical content, consents,
//! who has seen the record, and its part of an export and of an erasure.
//!
//! Other domains use what this file re-exports: reading and changing a patient's record, and
//! opening it for clinical use through [`open_record`] and [`open_record_for_change`] (or, for a
//! row reached through its own id, [`open_record_for`] with the [`Intent`]).

mod access;
mod care_team;
mod clinical_access;
mod consents;
mod erase;
mod export;
mod grants;
mod handlers;
mod integrity;
mod listing;
mod portal;
mod queries;
mod retention;
mod search;

pub use access::{
    authorize_clinical, cared_for_by, clinical_access, clinical_patients, end_break_glass_of,
    ensure_demographics, glass_broken_by, is_on_care_team, not_erased, open_record,
    open_record_for, open_record_for_change, Intent,
};
pub use care_team::{
    email_care_team, members as care_team_members, Notice as CareTeamNotice, NOTICE_WINDOW_MINUTES,
};
pub use consents::{given as consent_given, record_choice as record_consent, record_sms_keyword};
pub use erase::{erase_patient, erasure_fence};
pub use export::{export_patient, MAX_ACCESS_EVENTS};
pub use integrity::check_decrypts;
pub use listing::{CappedCounts, COUNT_CAP};
pub use queries::{
    create, ensure_not_erased, find, find_many, get, get_for_change, with_email, with_phone,
    PatientRecord,
};
pub use retention::{
    destroy_patient, erased_without_retention, past_retention, set_retain_until,
    take_past_retention,
};

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::list_patients)
        .service(handlers::patient_names)
        .service(handlers::create_patient)
        .service(handlers::get_patient)
        .service(handlers::update_patient)
        .service(handlers::archive_patient)
        .service(handlers::restore_patient);
    care_team::configure(cfg);
    cfg.service(clinical_access::get_clinical_access)
        .service(clinical_access::break_glass)
        .service(portal::invite_patient)
        .service(portal::portal_status)
        .service(portal::approve_portal_invitation);
    consents::configure(cfg);
    grants::configure(cfg);
}

/// The encrypted columns of this domain's tables, for re-encryption under a new key.
pub const SEALED: &[crate::platform::rotation::Sealed] = &[
    crate::platform::rotation::Sealed::text("patients", "data_enc", "patients.data"),
    crate::platform::rotation::Sealed::text(
        "break_glass_grants",
        "reason_enc",
        "break_glass_grants.reason",
    ),
];
