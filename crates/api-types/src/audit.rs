//! The audit log: who did what to which patient's data, when, from where, and with what outcome.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcome {
    Success,
    Denied,
    Failure,
}

/// What an audit event records, one value per kind of event the server writes. The text is what
/// the audit log stores and hash-chains, so a value's text never changes once released.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AuditAction {
    // Sign-in and the account's own security.
    #[serde(rename = "auth.login")]
    AuthLogin,
    #[serde(rename = "auth.mfa")]
    AuthMfa,
    #[serde(rename = "auth.refresh")]
    AuthRefresh,
    #[serde(rename = "auth.logout")]
    AuthLogout,
    #[serde(rename = "auth.session.revoke")]
    AuthSessionRevoke,
    #[serde(rename = "auth.mfa.enroll")]
    AuthMfaEnroll,
    #[serde(rename = "auth.mfa.confirm")]
    AuthMfaConfirm,
    #[serde(rename = "auth.mfa.enabled")]
    AuthMfaEnabled,
    #[serde(rename = "auth.mfa.disable")]
    AuthMfaDisable,
    #[serde(rename = "auth.mfa.disabled")]
    AuthMfaDisabled,
    #[serde(rename = "auth.mfa.recovery_codes")]
    AuthMfaRecoveryCodes,
    #[serde(rename = "auth.password.change")]
    AuthPasswordChange,
    #[serde(rename = "auth.password_reset.request")]
    AuthPasswordResetRequest,
    #[serde(rename = "auth.password_reset.complete")]
    AuthPasswordResetComplete,
    #[serde(rename = "auth.invitation.accept")]
    AuthInvitationAccept,

    // API keys.
    #[serde(rename = "api_key.create")]
    ApiKeyCreate,
    #[serde(rename = "api_key.revoke")]
    ApiKeyRevoke,

    // Staff and patient accounts.
    #[serde(rename = "user.list")]
    UserList,
    #[serde(rename = "user.read")]
    UserRead,
    #[serde(rename = "user.update")]
    UserUpdate,

    // Invitations to create an account.
    #[serde(rename = "invitation.list")]
    InvitationList,
    #[serde(rename = "invitation.create")]
    InvitationCreate,
    #[serde(rename = "invitation.revoke")]
    InvitationRevoke,

    // Patients' records, their portal access and their data rights.
    #[serde(rename = "patient.search")]
    PatientSearch,
    #[serde(rename = "patient.create")]
    PatientCreate,
    #[serde(rename = "patient.read")]
    PatientRead,
    #[serde(rename = "patient.update")]
    PatientUpdate,
    #[serde(rename = "patient.archive")]
    PatientArchive,
    #[serde(rename = "patient.restore")]
    PatientRestore,
    #[serde(rename = "patient.export")]
    PatientExport,
    #[serde(rename = "patient.erasure_preview")]
    PatientErasurePreview,
    #[serde(rename = "patient.erase")]
    PatientErase,
    #[serde(rename = "patient.invite")]
    PatientInvite,
    #[serde(rename = "patient.invite.approve")]
    PatientInviteApprove,
    #[serde(rename = "patient.portal.read")]
    PatientPortalRead,

    // Consents.
    #[serde(rename = "consent.read")]
    ConsentRead,
    #[serde(rename = "consent.update")]
    ConsentUpdate,

    // What a patient sees of who opened their record.
    #[serde(rename = "access_log.read")]
    AccessLogRead,

    // Patients' requests about their data.
    #[serde(rename = "data_request.list")]
    DataRequestList,
    #[serde(rename = "data_request.create")]
    DataRequestCreate,
    #[serde(rename = "data_request.queue")]
    DataRequestQueue,
    #[serde(rename = "data_request.resolve")]
    DataRequestResolve,

    // A patient's sharing of their record with practitioners.
    #[serde(rename = "access_grant.list")]
    AccessGrantList,
    #[serde(rename = "access_grant.candidates")]
    AccessGrantCandidates,
    #[serde(rename = "access_grant.create")]
    AccessGrantCreate,
    #[serde(rename = "access_grant.revoke")]
    AccessGrantRevoke,

    // Patients' care teams.
    #[serde(rename = "care_team.read")]
    CareTeamRead,
    #[serde(rename = "care_team.add")]
    CareTeamAdd,
    #[serde(rename = "care_team.remove")]
    CareTeamRemove,

    // Emergency access to a clinical record.
    #[serde(rename = "clinical.break_glass")]
    ClinicalBreakGlass,

    // Whether a caller may open a clinical record.
    #[serde(rename = "clinical_access.read")]
    ClinicalAccessRead,

    // Health readings.
    #[serde(rename = "observation.read")]
    ObservationRead,
    #[serde(rename = "observation.create")]
    ObservationCreate,
    #[serde(rename = "observation.export")]
    ObservationExport,

    // Target ranges for readings.
    #[serde(rename = "targets.read")]
    TargetsRead,
    #[serde(rename = "targets.update")]
    TargetsUpdate,

    // Alerts on readings.
    #[serde(rename = "alert.list")]
    AlertList,
    #[serde(rename = "alert.acknowledge")]
    AlertAcknowledge,

    // Connected devices (Withings).
    #[serde(rename = "device.list")]
    DeviceList,
    #[serde(rename = "device.connect_start")]
    DeviceConnectStart,
    #[serde(rename = "device.connect")]
    DeviceConnect,
    #[serde(rename = "device.sync")]
    DeviceSync,
    #[serde(rename = "device.disconnect")]
    DeviceDisconnect,

    // Questionnaires.
    #[serde(rename = "assessment.list")]
    AssessmentList,
    #[serde(rename = "assessment.create")]
    AssessmentCreate,
    #[serde(rename = "assessment.review")]
    AssessmentReview,
    #[serde(rename = "assessment.urgent_list")]
    AssessmentUrgentList,

    // Clinical notes.
    #[serde(rename = "note.list")]
    NoteList,
    #[serde(rename = "note.read")]
    NoteRead,
    #[serde(rename = "note.create")]
    NoteCreate,
    #[serde(rename = "note.update")]
    NoteUpdate,
    #[serde(rename = "note.sign")]
    NoteSign,
    #[serde(rename = "note.amend")]
    NoteAmend,
    #[serde(rename = "note.discard")]
    NoteDiscard,

    // The practice's note templates.
    #[serde(rename = "note_template.create")]
    NoteTemplateCreate,
    #[serde(rename = "note_template.update")]
    NoteTemplateUpdate,

    // A patient's clinical timeline.
    #[serde(rename = "timeline.read")]
    TimelineRead,

    // Documents.
    #[serde(rename = "document.list")]
    DocumentList,
    #[serde(rename = "document.upload")]
    DocumentUpload,
    #[serde(rename = "document.preview")]
    DocumentPreview,
    #[serde(rename = "document.download")]
    DocumentDownload,
    #[serde(rename = "document.delete")]
    DocumentDelete,

    // Imaging studies.
    #[serde(rename = "imaging.list")]
    ImagingList,
    #[serde(rename = "imaging.create")]
    ImagingCreate,
    #[serde(rename = "imaging.update")]
    ImagingUpdate,

    // Medications and doses.
    #[serde(rename = "medication.list")]
    MedicationList,
    #[serde(rename = "medication.adherence")]
    MedicationAdherence,
    #[serde(rename = "medication.create")]
    MedicationCreate,
    #[serde(rename = "medication.update")]
    MedicationUpdate,
    #[serde(rename = "medication.dose")]
    MedicationDose,

    // Prescriptions.
    #[serde(rename = "prescription.create")]
    PrescriptionCreate,
    #[serde(rename = "prescription.cancel")]
    PrescriptionCancel,

    // Therapy sessions.
    #[serde(rename = "therapy.list")]
    TherapyList,
    #[serde(rename = "therapy.create")]
    TherapyCreate,
    #[serde(rename = "therapy.update")]
    TherapyUpdate,

    // Therapy homework.
    #[serde(rename = "homework.list")]
    HomeworkList,
    #[serde(rename = "homework.assign")]
    HomeworkAssign,
    #[serde(rename = "homework.complete")]
    HomeworkComplete,
    #[serde(rename = "homework.overdue_list")]
    HomeworkOverdueList,

    // Appointments.
    #[serde(rename = "appointment.list")]
    AppointmentList,
    #[serde(rename = "appointment.read")]
    AppointmentRead,
    #[serde(rename = "appointment.history")]
    AppointmentHistory,
    #[serde(rename = "appointment.create")]
    AppointmentCreate,
    #[serde(rename = "appointment.reschedule")]
    AppointmentReschedule,
    #[serde(rename = "appointment.cancel")]
    AppointmentCancel,
    #[serde(rename = "appointment.status")]
    AppointmentStatus,
    #[serde(rename = "appointment.update")]
    AppointmentUpdate,
    #[serde(rename = "appointment.reminder")]
    AppointmentReminder,

    // Free times for booking.
    #[serde(rename = "slots.search")]
    SlotsSearch,

    // The practice's appointment types.
    #[serde(rename = "appointment_type.create")]
    AppointmentTypeCreate,
    #[serde(rename = "appointment_type.update")]
    AppointmentTypeUpdate,

    // Practitioners' working hours.
    #[serde(rename = "availability.update")]
    AvailabilityUpdate,

    // Blocked time in a practitioner's calendar.
    #[serde(rename = "calendar_block.create")]
    CalendarBlockCreate,
    #[serde(rename = "calendar_block.update")]
    CalendarBlockUpdate,
    #[serde(rename = "calendar_block.delete")]
    CalendarBlockDelete,

    // Days the practice is closed.
    #[serde(rename = "closure.create")]
    ClosureCreate,
    #[serde(rename = "closure.delete")]
    ClosureDelete,

    // Practitioners' calendar feeds (iCalendar).
    #[serde(rename = "calendar_feed.create")]
    CalendarFeedCreate,
    #[serde(rename = "calendar_feed.read")]
    CalendarFeedRead,
    #[serde(rename = "calendar_feed.delete")]
    CalendarFeedDelete,

    // Practitioners' Google Calendar connections.
    #[serde(rename = "google_calendar.connect_start")]
    GoogleCalendarConnectStart,
    #[serde(rename = "google_calendar.connect")]
    GoogleCalendarConnect,
    #[serde(rename = "google_calendar.disconnect")]
    GoogleCalendarDisconnect,
    #[serde(rename = "google_calendar.event_write")]
    GoogleCalendarEventWrite,

    // The practice's scheduling settings.
    #[serde(rename = "scheduling_settings.update")]
    SchedulingSettingsUpdate,

    // The practice's message templates.
    #[serde(rename = "message_templates.update")]
    MessageTemplatesUpdate,

    // The practice's settings.
    #[serde(rename = "settings.update")]
    SettingsUpdate,

    // Messages sent to patients and staff.
    #[serde(rename = "outbox.read")]
    OutboxRead,

    // The practice's integration credentials.
    #[serde(rename = "integration.save")]
    IntegrationSave,
    #[serde(rename = "integration.check")]
    IntegrationCheck,
    #[serde(rename = "integration.remove")]
    IntegrationRemove,

    // Background jobs.
    #[serde(rename = "job.retry")]
    JobRetry,

    // The audit log itself.
    #[serde(rename = "audit.search")]
    AuditSearch,
    #[serde(rename = "audit.export")]
    AuditExport,
    #[serde(rename = "audit.verify")]
    AuditVerify,
}

impl AuditAction {
    /// Every action, grouped by what it is about (the text before the first `.`).
    pub const ALL: &'static [AuditAction] = &[
        AuditAction::AuthLogin,
        AuditAction::AuthMfa,
        AuditAction::AuthRefresh,
        AuditAction::AuthLogout,
        AuditAction::AuthSessionRevoke,
        AuditAction::AuthMfaEnroll,
        AuditAction::AuthMfaConfirm,
        AuditAction::AuthMfaEnabled,
        AuditAction::AuthMfaDisable,
        AuditAction::AuthMfaDisabled,
        AuditAction::AuthMfaRecoveryCodes,
        AuditAction::AuthPasswordChange,
        AuditAction::AuthPasswordResetRequest,
        AuditAction::AuthPasswordResetComplete,
        AuditAction::AuthInvitationAccept,
        AuditAction::ApiKeyCreate,
        AuditAction::ApiKeyRevoke,
        AuditAction::UserList,
        AuditAction::UserRead,
        AuditAction::UserUpdate,
        AuditAction::InvitationList,
        AuditAction::InvitationCreate,
        AuditAction::InvitationRevoke,
        AuditAction::PatientSearch,
        AuditAction::PatientCreate,
        AuditAction::PatientRead,
        AuditAction::PatientUpdate,
        AuditAction::PatientArchive,
        AuditAction::PatientRestore,
        AuditAction::PatientExport,
        AuditAction::PatientErasurePreview,
        AuditAction::PatientErase,
        AuditAction::PatientInvite,
        AuditAction::PatientInviteApprove,
        AuditAction::PatientPortalRead,
        AuditAction::ConsentRead,
        AuditAction::ConsentUpdate,
        AuditAction::AccessLogRead,
        AuditAction::DataRequestList,
        AuditAction::DataRequestCreate,
        AuditAction::DataRequestQueue,
        AuditAction::DataRequestResolve,
        AuditAction::AccessGrantList,
        AuditAction::AccessGrantCandidates,
        AuditAction::AccessGrantCreate,
        AuditAction::AccessGrantRevoke,
        AuditAction::CareTeamRead,
        AuditAction::CareTeamAdd,
        AuditAction::CareTeamRemove,
        AuditAction::ClinicalBreakGlass,
        AuditAction::ClinicalAccessRead,
        AuditAction::ObservationRead,
        AuditAction::ObservationCreate,
        AuditAction::ObservationExport,
        AuditAction::TargetsRead,
        AuditAction::TargetsUpdate,
        AuditAction::AlertList,
        AuditAction::AlertAcknowledge,
        AuditAction::DeviceList,
        AuditAction::DeviceConnectStart,
        AuditAction::DeviceConnect,
        AuditAction::DeviceSync,
        AuditAction::DeviceDisconnect,
        AuditAction::AssessmentList,
        AuditAction::AssessmentCreate,
        AuditAction::AssessmentReview,
        AuditAction::AssessmentUrgentList,
        AuditAction::NoteList,
        AuditAction::NoteRead,
        AuditAction::NoteCreate,
        AuditAction::NoteUpdate,
        AuditAction::NoteSign,
        AuditAction::NoteAmend,
        AuditAction::NoteDiscard,
        AuditAction::NoteTemplateCreate,
        AuditAction::NoteTemplateUpdate,
        AuditAction::TimelineRead,
        AuditAction::DocumentList,
        AuditAction::DocumentUpload,
        AuditAction::DocumentPreview,
        AuditAction::DocumentDownload,
        AuditAction::DocumentDelete,
        AuditAction::ImagingList,
        AuditAction::ImagingCreate,
        AuditAction::ImagingUpdate,
        AuditAction::MedicationList,
        AuditAction::MedicationAdherence,
        AuditAction::MedicationCreate,
        AuditAction::MedicationUpdate,
        AuditAction::MedicationDose,
        AuditAction::PrescriptionCreate,
        AuditAction::PrescriptionCancel,
        AuditAction::TherapyList,
        AuditAction::TherapyCreate,
        AuditAction::TherapyUpdate,
        AuditAction::HomeworkList,
        AuditAction::HomeworkAssign,
        AuditAction::HomeworkComplete,
        AuditAction::HomeworkOverdueList,
        AuditAction::AppointmentList,
        AuditAction::AppointmentRead,
        AuditAction::AppointmentHistory,
        AuditAction::AppointmentCreate,
        AuditAction::AppointmentReschedule,
        AuditAction::AppointmentCancel,
        AuditAction::AppointmentStatus,
        AuditAction::AppointmentUpdate,
        AuditAction::AppointmentReminder,
        AuditAction::SlotsSearch,
        AuditAction::AppointmentTypeCreate,
        AuditAction::AppointmentTypeUpdate,
        AuditAction::AvailabilityUpdate,
        AuditAction::CalendarBlockCreate,
        AuditAction::CalendarBlockUpdate,
        AuditAction::CalendarBlockDelete,
        AuditAction::ClosureCreate,
        AuditAction::ClosureDelete,
        AuditAction::CalendarFeedCreate,
        AuditAction::CalendarFeedRead,
        AuditAction::CalendarFeedDelete,
        AuditAction::GoogleCalendarConnectStart,
        AuditAction::GoogleCalendarConnect,
        AuditAction::GoogleCalendarDisconnect,
        AuditAction::GoogleCalendarEventWrite,
        AuditAction::SchedulingSettingsUpdate,
        AuditAction::MessageTemplatesUpdate,
        AuditAction::SettingsUpdate,
        AuditAction::OutboxRead,
        AuditAction::IntegrationSave,
        AuditAction::IntegrationCheck,
        AuditAction::IntegrationRemove,
        AuditAction::JobRetry,
        AuditAction::AuditSearch,
        AuditAction::AuditExport,
        AuditAction::AuditVerify,
    ];

    /// The wire text, as stored and hash-chained.
    pub const fn as_str(self) -> &'static str {
        match self {
            AuditAction::AuthLogin => "auth.login",
            AuditAction::AuthMfa => "auth.mfa",
            AuditAction::AuthRefresh => "auth.refresh",
            AuditAction::AuthLogout => "auth.logout",
            AuditAction::AuthSessionRevoke => "auth.session.revoke",
            AuditAction::AuthMfaEnroll => "auth.mfa.enroll",
            AuditAction::AuthMfaConfirm => "auth.mfa.confirm",
            AuditAction::AuthMfaEnabled => "auth.mfa.enabled",
            AuditAction::AuthMfaDisable => "auth.mfa.disable",
            AuditAction::AuthMfaDisabled => "auth.mfa.disabled",
            AuditAction::AuthMfaRecoveryCodes => "auth.mfa.recovery_codes",
            AuditAction::AuthPasswordChange => "auth.password.change",
            AuditAction::AuthPasswordResetRequest => "auth.password_reset.request",
            AuditAction::AuthPasswordResetComplete => "auth.password_reset.complete",
            AuditAction::AuthInvitationAccept => "auth.invitation.accept",
            AuditAction::ApiKeyCreate => "api_key.create",
            AuditAction::ApiKeyRevoke => "api_key.revoke",
            AuditAction::UserList => "user.list",
            AuditAction::UserRead => "user.read",
            AuditAction::UserUpdate => "user.update",
            AuditAction::InvitationList => "invitation.list",
            AuditAction::InvitationCreate => "invitation.create",
            AuditAction::InvitationRevoke => "invitation.revoke",
            AuditAction::PatientSearch => "patient.search",
            AuditAction::PatientCreate => "patient.create",
            AuditAction::PatientRead => "patient.read",
            AuditAction::PatientUpdate => "patient.update",
            AuditAction::PatientArchive => "patient.archive",
            AuditAction::PatientRestore => "patient.restore",
            AuditAction::PatientExport => "patient.export",
            AuditAction::PatientErasurePreview => "patient.erasure_preview",
            AuditAction::PatientErase => "patient.erase",
            AuditAction::PatientInvite => "patient.invite",
            AuditAction::PatientInviteApprove => "patient.invite.approve",
            AuditAction::PatientPortalRead => "patient.portal.read",
            AuditAction::ConsentRead => "consent.read",
            AuditAction::ConsentUpdate => "consent.update",
            AuditAction::AccessLogRead => "access_log.read",
            AuditAction::DataRequestList => "data_request.list",
            AuditAction::DataRequestCreate => "data_request.create",
            AuditAction::DataRequestQueue => "data_request.queue",
            AuditAction::DataRequestResolve => "data_request.resolve",
            AuditAction::AccessGrantList => "access_grant.list",
            AuditAction::AccessGrantCandidates => "access_grant.candidates",
            AuditAction::AccessGrantCreate => "access_grant.create",
            AuditAction::AccessGrantRevoke => "access_grant.revoke",
            AuditAction::CareTeamRead => "care_team.read",
            AuditAction::CareTeamAdd => "care_team.add",
            AuditAction::CareTeamRemove => "care_team.remove",
            AuditAction::ClinicalBreakGlass => "clinical.break_glass",
            AuditAction::ClinicalAccessRead => "clinical_access.read",
            AuditAction::ObservationRead => "observation.read",
            AuditAction::ObservationCreate => "observation.create",
            AuditAction::ObservationExport => "observation.export",
            AuditAction::TargetsRead => "targets.read",
            AuditAction::TargetsUpdate => "targets.update",
            AuditAction::AlertList => "alert.list",
            AuditAction::AlertAcknowledge => "alert.acknowledge",
            AuditAction::DeviceList => "device.list",
            AuditAction::DeviceConnectStart => "device.connect_start",
            AuditAction::DeviceConnect => "device.connect",
            AuditAction::DeviceSync => "device.sync",
            AuditAction::DeviceDisconnect => "device.disconnect",
            AuditAction::AssessmentList => "assessment.list",
            AuditAction::AssessmentCreate => "assessment.create",
            AuditAction::AssessmentReview => "assessment.review",
            AuditAction::AssessmentUrgentList => "assessment.urgent_list",
            AuditAction::NoteList => "note.list",
            AuditAction::NoteRead => "note.read",
            AuditAction::NoteCreate => "note.create",
            AuditAction::NoteUpdate => "note.update",
            AuditAction::NoteSign => "note.sign",
            AuditAction::NoteAmend => "note.amend",
            AuditAction::NoteDiscard => "note.discard",
            AuditAction::NoteTemplateCreate => "note_template.create",
            AuditAction::NoteTemplateUpdate => "note_template.update",
            AuditAction::TimelineRead => "timeline.read",
            AuditAction::DocumentList => "document.list",
            AuditAction::DocumentUpload => "document.upload",
            AuditAction::DocumentPreview => "document.preview",
            AuditAction::DocumentDownload => "document.download",
            AuditAction::DocumentDelete => "document.delete",
            AuditAction::ImagingList => "imaging.list",
            AuditAction::ImagingCreate => "imaging.create",
            AuditAction::ImagingUpdate => "imaging.update",
            AuditAction::MedicationList => "medication.list",
            AuditAction::MedicationAdherence => "medication.adherence",
            AuditAction::MedicationCreate => "medication.create",
            AuditAction::MedicationUpdate => "medication.update",
            AuditAction::MedicationDose => "medication.dose",
            AuditAction::PrescriptionCreate => "prescription.create",
            AuditAction::PrescriptionCancel => "prescription.cancel",
            AuditAction::TherapyList => "therapy.list",
            AuditAction::TherapyCreate => "therapy.create",
            AuditAction::TherapyUpdate => "therapy.update",
            AuditAction::HomeworkList => "homework.list",
            AuditAction::HomeworkAssign => "homework.assign",
            AuditAction::HomeworkComplete => "homework.complete",
            AuditAction::HomeworkOverdueList => "homework.overdue_list",
            AuditAction::AppointmentList => "appointment.list",
            AuditAction::AppointmentRead => "appointment.read",
            AuditAction::AppointmentHistory => "appointment.history",
            AuditAction::AppointmentCreate => "appointment.create",
            AuditAction::AppointmentReschedule => "appointment.reschedule",
            AuditAction::AppointmentCancel => "appointment.cancel",
            AuditAction::AppointmentStatus => "appointment.status",
            AuditAction::AppointmentUpdate => "appointment.update",
            AuditAction::AppointmentReminder => "appointment.reminder",
            AuditAction::SlotsSearch => "slots.search",
            AuditAction::AppointmentTypeCreate => "appointment_type.create",
            AuditAction::AppointmentTypeUpdate => "appointment_type.update",
            AuditAction::AvailabilityUpdate => "availability.update",
            AuditAction::CalendarBlockCreate => "calendar_block.create",
            AuditAction::CalendarBlockUpdate => "calendar_block.update",
            AuditAction::CalendarBlockDelete => "calendar_block.delete",
            AuditAction::ClosureCreate => "closure.create",
            AuditAction::ClosureDelete => "closure.delete",
            AuditAction::CalendarFeedCreate => "calendar_feed.create",
            AuditAction::CalendarFeedRead => "calendar_feed.read",
            AuditAction::CalendarFeedDelete => "calendar_feed.delete",
            AuditAction::GoogleCalendarConnectStart => "google_calendar.connect_start",
            AuditAction::GoogleCalendarConnect => "google_calendar.connect",
            AuditAction::GoogleCalendarDisconnect => "google_calendar.disconnect",
            AuditAction::GoogleCalendarEventWrite => "google_calendar.event_write",
            AuditAction::SchedulingSettingsUpdate => "scheduling_settings.update",
            AuditAction::MessageTemplatesUpdate => "message_templates.update",
            AuditAction::SettingsUpdate => "settings.update",
            AuditAction::OutboxRead => "outbox.read",
            AuditAction::IntegrationSave => "integration.save",
            AuditAction::IntegrationCheck => "integration.check",
            AuditAction::IntegrationRemove => "integration.remove",
            AuditAction::JobRetry => "job.retry",
            AuditAction::AuditSearch => "audit.search",
            AuditAction::AuditExport => "audit.export",
            AuditAction::AuditVerify => "audit.verify",
        }
    }

    /// The action whose wire text is `s`, if it is one of today's.
    pub fn parse(s: &str) -> Option<AuditAction> {
        Some(match s {
            "auth.login" => AuditAction::AuthLogin,
            "auth.mfa" => AuditAction::AuthMfa,
            "auth.refresh" => AuditAction::AuthRefresh,
            "auth.logout" => AuditAction::AuthLogout,
            "auth.session.revoke" => AuditAction::AuthSessionRevoke,
            "auth.mfa.enroll" => AuditAction::AuthMfaEnroll,
            "auth.mfa.confirm" => AuditAction::AuthMfaConfirm,
            "auth.mfa.enabled" => AuditAction::AuthMfaEnabled,
            "auth.mfa.disable" => AuditAction::AuthMfaDisable,
            "auth.mfa.disabled" => AuditAction::AuthMfaDisabled,
            "auth.mfa.recovery_codes" => AuditAction::AuthMfaRecoveryCodes,
            "auth.password.change" => AuditAction::AuthPasswordChange,
            "auth.password_reset.request" => AuditAction::AuthPasswordResetRequest,
            "auth.password_reset.complete" => AuditAction::AuthPasswordResetComplete,
            "auth.invitation.accept" => AuditAction::AuthInvitationAccept,
            "api_key.create" => AuditAction::ApiKeyCreate,
            "api_key.revoke" => AuditAction::ApiKeyRevoke,
            "user.list" => AuditAction::UserList,
            "user.read" => AuditAction::UserRead,
            "user.update" => AuditAction::UserUpdate,
            "invitation.list" => AuditAction::InvitationList,
            "invitation.create" => AuditAction::InvitationCreate,
            "invitation.revoke" => AuditAction::InvitationRevoke,
            "patient.search" => AuditAction::PatientSearch,
            "patient.create" => AuditAction::PatientCreate,
            "patient.read" => AuditAction::PatientRead,
            "patient.update" => AuditAction::PatientUpdate,
            "patient.archive" => AuditAction::PatientArchive,
            "patient.restore" => AuditAction::PatientRestore,
            "patient.export" => AuditAction::PatientExport,
            "patient.erasure_preview" => AuditAction::PatientErasurePreview,
            "patient.erase" => AuditAction::PatientErase,
            "patient.invite" => AuditAction::PatientInvite,
            "patient.invite.approve" => AuditAction::PatientInviteApprove,
            "patient.portal.read" => AuditAction::PatientPortalRead,
            "consent.read" => AuditAction::ConsentRead,
            "consent.update" => AuditAction::ConsentUpdate,
            "access_log.read" => AuditAction::AccessLogRead,
            "data_request.list" => AuditAction::DataRequestList,
            "data_request.create" => AuditAction::DataRequestCreate,
            "data_request.queue" => AuditAction::DataRequestQueue,
            "data_request.resolve" => AuditAction::DataRequestResolve,
            "access_grant.list" => AuditAction::AccessGrantList,
            "access_grant.candidates" => AuditAction::AccessGrantCandidates,
            "access_grant.create" => AuditAction::AccessGrantCreate,
            "access_grant.revoke" => AuditAction::AccessGrantRevoke,
            "care_team.read" => AuditAction::CareTeamRead,
            "care_team.add" => AuditAction::CareTeamAdd,
            "care_team.remove" => AuditAction::CareTeamRemove,
            "clinical.break_glass" => AuditAction::ClinicalBreakGlass,
            "clinical_access.read" => AuditAction::ClinicalAccessRead,
            "observation.read" => AuditAction::ObservationRead,
            "observation.create" => AuditAction::ObservationCreate,
            "observation.export" => AuditAction::ObservationExport,
            "targets.read" => AuditAction::TargetsRead,
            "targets.update" => AuditAction::TargetsUpdate,
            "alert.list" => AuditAction::AlertList,
            "alert.acknowledge" => AuditAction::AlertAcknowledge,
            "device.list" => AuditAction::DeviceList,
            "device.connect_start" => AuditAction::DeviceConnectStart,
            "device.connect" => AuditAction::DeviceConnect,
            "device.sync" => AuditAction::DeviceSync,
            "device.disconnect" => AuditAction::DeviceDisconnect,
            "assessment.list" => AuditAction::AssessmentList,
            "assessment.create" => AuditAction::AssessmentCreate,
            "assessment.review" => AuditAction::AssessmentReview,
            "assessment.urgent_list" => AuditAction::AssessmentUrgentList,
            "note.list" => AuditAction::NoteList,
            "note.read" => AuditAction::NoteRead,
            "note.create" => AuditAction::NoteCreate,
            "note.update" => AuditAction::NoteUpdate,
            "note.sign" => AuditAction::NoteSign,
            "note.amend" => AuditAction::NoteAmend,
            "note.discard" => AuditAction::NoteDiscard,
            "note_template.create" => AuditAction::NoteTemplateCreate,
            "note_template.update" => AuditAction::NoteTemplateUpdate,
            "timeline.read" => AuditAction::TimelineRead,
            "document.list" => AuditAction::DocumentList,
            "document.upload" => AuditAction::DocumentUpload,
            "document.preview" => AuditAction::DocumentPreview,
            "document.download" => AuditAction::DocumentDownload,
            "document.delete" => AuditAction::DocumentDelete,
            "imaging.list" => AuditAction::ImagingList,
            "imaging.create" => AuditAction::ImagingCreate,
            "imaging.update" => AuditAction::ImagingUpdate,
            "medication.list" => AuditAction::MedicationList,
            "medication.adherence" => AuditAction::MedicationAdherence,
            "medication.create" => AuditAction::MedicationCreate,
            "medication.update" => AuditAction::MedicationUpdate,
            "medication.dose" => AuditAction::MedicationDose,
            "prescription.create" => AuditAction::PrescriptionCreate,
            "prescription.cancel" => AuditAction::PrescriptionCancel,
            "therapy.list" => AuditAction::TherapyList,
            "therapy.create" => AuditAction::TherapyCreate,
            "therapy.update" => AuditAction::TherapyUpdate,
            "homework.list" => AuditAction::HomeworkList,
            "homework.assign" => AuditAction::HomeworkAssign,
            "homework.complete" => AuditAction::HomeworkComplete,
            "homework.overdue_list" => AuditAction::HomeworkOverdueList,
            "appointment.list" => AuditAction::AppointmentList,
            "appointment.read" => AuditAction::AppointmentRead,
            "appointment.history" => AuditAction::AppointmentHistory,
            "appointment.create" => AuditAction::AppointmentCreate,
            "appointment.reschedule" => AuditAction::AppointmentReschedule,
            "appointment.cancel" => AuditAction::AppointmentCancel,
            "appointment.status" => AuditAction::AppointmentStatus,
            "appointment.update" => AuditAction::AppointmentUpdate,
            "appointment.reminder" => AuditAction::AppointmentReminder,
            "slots.search" => AuditAction::SlotsSearch,
            "appointment_type.create" => AuditAction::AppointmentTypeCreate,
            "appointment_type.update" => AuditAction::AppointmentTypeUpdate,
            "availability.update" => AuditAction::AvailabilityUpdate,
            "calendar_block.create" => AuditAction::CalendarBlockCreate,
            "calendar_block.update" => AuditAction::CalendarBlockUpdate,
            "calendar_block.delete" => AuditAction::CalendarBlockDelete,
            "closure.create" => AuditAction::ClosureCreate,
            "closure.delete" => AuditAction::ClosureDelete,
            "calendar_feed.create" => AuditAction::CalendarFeedCreate,
            "calendar_feed.read" => AuditAction::CalendarFeedRead,
            "calendar_feed.delete" => AuditAction::CalendarFeedDelete,
            "google_calendar.connect_start" => AuditAction::GoogleCalendarConnectStart,
            "google_calendar.connect" => AuditAction::GoogleCalendarConnect,
            "google_calendar.disconnect" => AuditAction::GoogleCalendarDisconnect,
            "google_calendar.event_write" => AuditAction::GoogleCalendarEventWrite,
            "scheduling_settings.update" => AuditAction::SchedulingSettingsUpdate,
            "message_templates.update" => AuditAction::MessageTemplatesUpdate,
            "settings.update" => AuditAction::SettingsUpdate,
            "outbox.read" => AuditAction::OutboxRead,
            "integration.save" => AuditAction::IntegrationSave,
            "integration.check" => AuditAction::IntegrationCheck,
            "integration.remove" => AuditAction::IntegrationRemove,
            "job.retry" => AuditAction::JobRetry,
            "audit.search" => AuditAction::AuditSearch,
            "audit.export" => AuditAction::AuditExport,
            "audit.verify" => AuditAction::AuditVerify,
            _ => return None,
        })
    }

    /// A short phrase for people reading the log.
    pub const fn label(self) -> &'static str {
        match self {
            AuditAction::AuthLogin => "Signed in",
            AuditAction::AuthMfa => "Second sign-in step",
            AuditAction::AuthRefresh => "Session refreshed",
            AuditAction::AuthLogout => "Signed out",
            AuditAction::AuthSessionRevoke => "Session ended",
            AuditAction::AuthMfaEnroll => "Two-factor setup started",
            AuditAction::AuthMfaConfirm => "Two-factor code confirmed",
            AuditAction::AuthMfaEnabled => "Two-factor turned on",
            AuditAction::AuthMfaDisable => "Two-factor turn-off checked",
            AuditAction::AuthMfaDisabled => "Two-factor turned off",
            AuditAction::AuthMfaRecoveryCodes => "Recovery codes replaced",
            AuditAction::AuthPasswordChange => "Password changed",
            AuditAction::AuthPasswordResetRequest => "Password reset requested",
            AuditAction::AuthPasswordResetComplete => "Password reset",
            AuditAction::AuthInvitationAccept => "Invitation accepted",
            AuditAction::ApiKeyCreate => "API key created",
            AuditAction::ApiKeyRevoke => "API key revoked",
            AuditAction::UserList => "Users listed",
            AuditAction::UserRead => "User viewed",
            AuditAction::UserUpdate => "User updated",
            AuditAction::InvitationList => "Invitations listed",
            AuditAction::InvitationCreate => "Invitation sent",
            AuditAction::InvitationRevoke => "Invitation revoked",
            AuditAction::PatientSearch => "Patients searched",
            AuditAction::PatientCreate => "Patient registered",
            AuditAction::PatientRead => "Patient record opened",
            AuditAction::PatientUpdate => "Patient details updated",
            AuditAction::PatientArchive => "Patient archived",
            AuditAction::PatientRestore => "Patient restored",
            AuditAction::PatientExport => "Patient data exported",
            AuditAction::PatientErasurePreview => "Erasure previewed",
            AuditAction::PatientErase => "Patient data erased",
            AuditAction::PatientInvite => "Patient invited to the portal",
            AuditAction::PatientInviteApprove => "Portal invitation approved",
            AuditAction::PatientPortalRead => "Portal access viewed",
            AuditAction::ConsentRead => "Consents viewed",
            AuditAction::ConsentUpdate => "Consent recorded",
            AuditAction::AccessLogRead => "Access log viewed",
            AuditAction::DataRequestList => "Data requests viewed",
            AuditAction::DataRequestCreate => "Data request made",
            AuditAction::DataRequestQueue => "Data request queue viewed",
            AuditAction::DataRequestResolve => "Data request answered",
            AuditAction::AccessGrantList => "Sharing viewed",
            AuditAction::AccessGrantCandidates => "Practitioners to share with listed",
            AuditAction::AccessGrantCreate => "Record shared",
            AuditAction::AccessGrantRevoke => "Sharing stopped",
            AuditAction::CareTeamRead => "Care team viewed",
            AuditAction::CareTeamAdd => "Added to care team",
            AuditAction::CareTeamRemove => "Removed from care team",
            AuditAction::ClinicalBreakGlass => "Emergency access (break the glass)",
            AuditAction::ClinicalAccessRead => "Clinical access checked",
            AuditAction::ObservationRead => "Readings viewed",
            AuditAction::ObservationCreate => "Readings recorded",
            AuditAction::ObservationExport => "Readings exported",
            AuditAction::TargetsRead => "Target ranges viewed",
            AuditAction::TargetsUpdate => "Target ranges changed",
            AuditAction::AlertList => "Alerts listed",
            AuditAction::AlertAcknowledge => "Alert acknowledged",
            AuditAction::DeviceList => "Devices listed",
            AuditAction::DeviceConnectStart => "Device connection started",
            AuditAction::DeviceConnect => "Device connected",
            AuditAction::DeviceSync => "Device synced",
            AuditAction::DeviceDisconnect => "Device disconnected",
            AuditAction::AssessmentList => "Questionnaires viewed",
            AuditAction::AssessmentCreate => "Questionnaire recorded",
            AuditAction::AssessmentReview => "Questionnaire reviewed",
            AuditAction::AssessmentUrgentList => "Urgent questionnaires listed",
            AuditAction::NoteList => "Notes listed",
            AuditAction::NoteRead => "Note opened",
            AuditAction::NoteCreate => "Note written",
            AuditAction::NoteUpdate => "Note edited",
            AuditAction::NoteSign => "Note signed",
            AuditAction::NoteAmend => "Note amended",
            AuditAction::NoteDiscard => "Draft note discarded",
            AuditAction::NoteTemplateCreate => "Note template created",
            AuditAction::NoteTemplateUpdate => "Note template updated",
            AuditAction::TimelineRead => "Timeline viewed",
            AuditAction::DocumentList => "Documents listed",
            AuditAction::DocumentUpload => "Document added",
            AuditAction::DocumentPreview => "Document viewed",
            AuditAction::DocumentDownload => "Document downloaded",
            AuditAction::DocumentDelete => "Document removed",
            AuditAction::ImagingList => "Imaging listed",
            AuditAction::ImagingCreate => "Imaging recorded",
            AuditAction::ImagingUpdate => "Imaging updated",
            AuditAction::MedicationList => "Medications listed",
            AuditAction::MedicationAdherence => "Adherence viewed",
            AuditAction::MedicationCreate => "Medication added",
            AuditAction::MedicationUpdate => "Medication updated",
            AuditAction::MedicationDose => "Dose recorded",
            AuditAction::PrescriptionCreate => "Prescription written",
            AuditAction::PrescriptionCancel => "Prescription cancelled",
            AuditAction::TherapyList => "Therapy sessions listed",
            AuditAction::TherapyCreate => "Therapy session recorded",
            AuditAction::TherapyUpdate => "Therapy session updated",
            AuditAction::HomeworkList => "Homework listed",
            AuditAction::HomeworkAssign => "Homework set",
            AuditAction::HomeworkComplete => "Homework done",
            AuditAction::HomeworkOverdueList => "Overdue homework listed",
            AuditAction::AppointmentList => "Appointments listed",
            AuditAction::AppointmentRead => "Appointment viewed",
            AuditAction::AppointmentHistory => "Appointment history viewed",
            AuditAction::AppointmentCreate => "Appointment booked",
            AuditAction::AppointmentReschedule => "Appointment moved",
            AuditAction::AppointmentCancel => "Appointment cancelled",
            AuditAction::AppointmentStatus => "Appointment status changed",
            AuditAction::AppointmentUpdate => "Appointment updated",
            AuditAction::AppointmentReminder => "Appointment reminder sent",
            AuditAction::SlotsSearch => "Free times searched",
            AuditAction::AppointmentTypeCreate => "Appointment type created",
            AuditAction::AppointmentTypeUpdate => "Appointment type updated",
            AuditAction::AvailabilityUpdate => "Availability changed",
            AuditAction::CalendarBlockCreate => "Calendar block added",
            AuditAction::CalendarBlockUpdate => "Calendar block changed",
            AuditAction::CalendarBlockDelete => "Calendar block removed",
            AuditAction::ClosureCreate => "Closure added",
            AuditAction::ClosureDelete => "Closure removed",
            AuditAction::CalendarFeedCreate => "Calendar feed created",
            AuditAction::CalendarFeedRead => "Calendar feed read",
            AuditAction::CalendarFeedDelete => "Calendar feed removed",
            AuditAction::GoogleCalendarConnectStart => "Google Calendar connection started",
            AuditAction::GoogleCalendarConnect => "Google Calendar connected",
            AuditAction::GoogleCalendarDisconnect => "Google Calendar disconnected",
            AuditAction::GoogleCalendarEventWrite => "Google Calendar event written",
            AuditAction::SchedulingSettingsUpdate => "Scheduling settings changed",
            AuditAction::MessageTemplatesUpdate => "Message templates changed",
            AuditAction::SettingsUpdate => "Practice settings changed",
            AuditAction::OutboxRead => "Outbox viewed",
            AuditAction::IntegrationSave => "Integration saved",
            AuditAction::IntegrationCheck => "Integration checked",
            AuditAction::IntegrationRemove => "Integration removed",
            AuditAction::JobRetry => "Job retried",
            AuditAction::AuditSearch => "Audit log searched",
            AuditAction::AuditExport => "Audit log exported",
            AuditAction::AuditVerify => "Audit chain verified",
        }
    }

    /// The text through the first `.`, such as `auth.`: as an `action` filter of an
    /// [`AuditQuery`] it matches every action of the group.
    pub fn prefix(self) -> &'static str {
        let s = self.as_str();
        match s.find('.') {
            Some(i) => &s[..=i],
            None => s,
        }
    }

    /// What the action's group is about, for people (`Sign-in` for every `auth.` action).
    pub const fn group(self) -> &'static str {
        match self {
            AuditAction::AuthLogin
            | AuditAction::AuthMfa
            | AuditAction::AuthRefresh
            | AuditAction::AuthLogout
            | AuditAction::AuthSessionRevoke
            | AuditAction::AuthMfaEnroll
            | AuditAction::AuthMfaConfirm
            | AuditAction::AuthMfaEnabled
            | AuditAction::AuthMfaDisable
            | AuditAction::AuthMfaDisabled
            | AuditAction::AuthMfaRecoveryCodes
            | AuditAction::AuthPasswordChange
            | AuditAction::AuthPasswordResetRequest
            | AuditAction::AuthPasswordResetComplete
            | AuditAction::AuthInvitationAccept => "Sign-in",
            AuditAction::ApiKeyCreate | AuditAction::ApiKeyRevoke => "API keys",
            AuditAction::UserList | AuditAction::UserRead | AuditAction::UserUpdate => "Users",
            AuditAction::InvitationList
            | AuditAction::InvitationCreate
            | AuditAction::InvitationRevoke => "Invitations",
            AuditAction::PatientSearch
            | AuditAction::PatientCreate
            | AuditAction::PatientRead
            | AuditAction::PatientUpdate
            | AuditAction::PatientArchive
            | AuditAction::PatientRestore
            | AuditAction::PatientExport
            | AuditAction::PatientErasurePreview
            | AuditAction::PatientErase
            | AuditAction::PatientInvite
            | AuditAction::PatientInviteApprove
            | AuditAction::PatientPortalRead => "Patients",
            AuditAction::ConsentRead | AuditAction::ConsentUpdate => "Consents",
            AuditAction::AccessLogRead => "Access log",
            AuditAction::DataRequestList
            | AuditAction::DataRequestCreate
            | AuditAction::DataRequestQueue
            | AuditAction::DataRequestResolve => "Data requests",
            AuditAction::AccessGrantList
            | AuditAction::AccessGrantCandidates
            | AuditAction::AccessGrantCreate
            | AuditAction::AccessGrantRevoke => "Sharing",
            AuditAction::CareTeamRead | AuditAction::CareTeamAdd | AuditAction::CareTeamRemove => {
                "Care teams"
            }
            AuditAction::ClinicalBreakGlass => "Emergency access",
            AuditAction::ClinicalAccessRead => "Clinical access",
            AuditAction::ObservationRead
            | AuditAction::ObservationCreate
            | AuditAction::ObservationExport => "Readings",
            AuditAction::TargetsRead | AuditAction::TargetsUpdate => "Target ranges",
            AuditAction::AlertList | AuditAction::AlertAcknowledge => "Alerts",
            AuditAction::DeviceList
            | AuditAction::DeviceConnectStart
            | AuditAction::DeviceConnect
            | AuditAction::DeviceSync
            | AuditAction::DeviceDisconnect => "Devices",
            AuditAction::AssessmentList
            | AuditAction::AssessmentCreate
            | AuditAction::AssessmentReview
            | AuditAction::AssessmentUrgentList => "Questionnaires",
            AuditAction::NoteList
            | AuditAction::NoteRead
            | AuditAction::NoteCreate
            | AuditAction::NoteUpdate
            | AuditAction::NoteSign
            | AuditAction::NoteAmend
            | AuditAction::NoteDiscard => "Notes",
            AuditAction::NoteTemplateCreate | AuditAction::NoteTemplateUpdate => "Note templates",
            AuditAction::TimelineRead => "Timeline",
            AuditAction::DocumentList
            | AuditAction::DocumentUpload
            | AuditAction::DocumentPreview
            | AuditAction::DocumentDownload
            | AuditAction::DocumentDelete => "Documents",
            AuditAction::ImagingList | AuditAction::ImagingCreate | AuditAction::ImagingUpdate => {
                "Imaging"
            }
            AuditAction::MedicationList
            | AuditAction::MedicationAdherence
            | AuditAction::MedicationCreate
            | AuditAction::MedicationUpdate
            | AuditAction::MedicationDose => "Medications",
            AuditAction::PrescriptionCreate | AuditAction::PrescriptionCancel => "Prescriptions",
            AuditAction::TherapyList | AuditAction::TherapyCreate | AuditAction::TherapyUpdate => {
                "Therapy"
            }
            AuditAction::HomeworkList
            | AuditAction::HomeworkAssign
            | AuditAction::HomeworkComplete
            | AuditAction::HomeworkOverdueList => "Homework",
            AuditAction::AppointmentList
            | AuditAction::AppointmentRead
            | AuditAction::AppointmentHistory
            | AuditAction::AppointmentCreate
            | AuditAction::AppointmentReschedule
            | AuditAction::AppointmentCancel
            | AuditAction::AppointmentStatus
            | AuditAction::AppointmentUpdate
            | AuditAction::AppointmentReminder => "Appointments",
            AuditAction::SlotsSearch => "Free times",
            AuditAction::AppointmentTypeCreate | AuditAction::AppointmentTypeUpdate => {
                "Appointment types"
            }
            AuditAction::AvailabilityUpdate => "Availability",
            AuditAction::CalendarBlockCreate
            | AuditAction::CalendarBlockUpdate
            | AuditAction::CalendarBlockDelete => "Calendar blocks",
            AuditAction::ClosureCreate | AuditAction::ClosureDelete => "Closures",
            AuditAction::CalendarFeedCreate
            | AuditAction::CalendarFeedRead
            | AuditAction::CalendarFeedDelete => "Calendar feeds",
            AuditAction::GoogleCalendarConnectStart
            | AuditAction::GoogleCalendarConnect
            | AuditAction::GoogleCalendarDisconnect
            | AuditAction::GoogleCalendarEventWrite => "Google Calendar",
            AuditAction::SchedulingSettingsUpdate => "Scheduling settings",
            AuditAction::MessageTemplatesUpdate => "Message templates",
            AuditAction::SettingsUpdate => "Practice settings",
            AuditAction::OutboxRead => "Outbox",
            AuditAction::IntegrationSave
            | AuditAction::IntegrationCheck
            | AuditAction::IntegrationRemove => "Integrations",
            AuditAction::JobRetry => "Jobs",
            AuditAction::AuditSearch | AuditAction::AuditExport | AuditAction::AuditVerify => {
                "Audit log"
            }
        }
    }

    /// Events that clients cause on their own, again and again (the app asking for open alerts
    /// every minute, sessions refreshing their tokens), rather than a person's deliberate act.
    pub const fn is_routine(self) -> bool {
        matches!(self, AuditAction::AlertList | AuditAction::AuthRefresh)
    }
}

impl std::fmt::Display for AuditAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for AuditAction {
    type Err = UnknownAuditAction;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AuditAction::parse(s).ok_or(UnknownAuditAction)
    }
}

/// The text is not one of [`AuditAction`]'s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownAuditAction;

impl std::fmt::Display for UnknownAuditAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("unknown audit action")
    }
}

impl std::error::Error for UnknownAuditAction {}

/// One audit event. Events are append-only and chained by hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEvent {
    /// Position in the chain, from 1.
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    /// The account or API key that acted; none for anonymous attempts.
    pub actor_id: Option<Uuid>,
    /// `user` or `api_key`.
    pub actor_kind: Option<String>,
    pub actor_role: Option<String>,
    /// What was done: one of the `AuditAction` values, such as `patient.read` or `auth.login`
    /// (text, so that events written by other versions read too).
    pub action: String,
    pub patient_id: Option<Uuid>,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub ip: Option<String>,
    pub outcome: AuditOutcome,
    /// Extra context (never PHI), such as a break-the-glass reason code.
    pub detail: Option<String>,
    /// SHA-256 over this event and the previous hash, hex.
    pub hash: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct AuditQuery {
    pub patient_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    /// An exact action, or a prefix ending in `.` such as `auth.`.
    pub action: Option<String>,
    pub outcome: Option<AuditOutcome>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// The result of checking the hash chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditVerification {
    pub ok: bool,
    pub events_checked: u64,
    /// The first event whose hash does not match, if any.
    pub first_broken_seq: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::AuditAction;
    use std::collections::HashSet;

    #[test]
    fn every_action_round_trips_through_its_text_and_json() {
        for &a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.as_str()), Some(a));
            assert_eq!(a.as_str().parse::<AuditAction>(), Ok(a));
            assert_eq!(a.to_string(), a.as_str());
            let json = serde_json::to_string(&a).unwrap();
            assert_eq!(json, format!("\"{}\"", a.as_str()));
            assert_eq!(serde_json::from_str::<AuditAction>(&json).unwrap(), a);
        }
        assert_eq!(AuditAction::parse("patient.unknown"), None);
        assert_eq!(AuditAction::parse(""), None);
    }

    #[test]
    fn texts_and_labels_are_distinct_and_every_action_is_listed_once() {
        let texts: HashSet<&str> = AuditAction::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(texts.len(), AuditAction::ALL.len());
        let labels: HashSet<&str> = AuditAction::ALL.iter().map(|a| a.label()).collect();
        assert_eq!(labels.len(), AuditAction::ALL.len());
        let all: HashSet<AuditAction> = AuditAction::ALL.iter().copied().collect();
        assert_eq!(all.len(), AuditAction::ALL.len());
    }

    #[test]
    fn texts_are_lowercase_dotted_and_groups_are_contiguous() {
        let mut seen = Vec::<&str>::new();
        for &a in AuditAction::ALL {
            let s = a.as_str();
            assert!(
                s.split('.').count() >= 2
                    && s.split('.').all(|part| !part.is_empty()
                        && part.chars().all(|c| c.is_ascii_lowercase() || c == '_')),
                "{s}"
            );
            assert!(
                s.starts_with(a.prefix()) && a.prefix().ends_with('.'),
                "{s}"
            );
            match seen.last() {
                Some(&p) if p == a.prefix() => {}
                _ => {
                    assert!(!seen.contains(&a.prefix()), "{s} is apart from its group");
                    seen.push(a.prefix());
                }
            }
        }
        for &a in AuditAction::ALL {
            for &b in AuditAction::ALL {
                if a.prefix() == b.prefix() {
                    assert_eq!(a.group(), b.group(), "{a} and {b}");
                } else {
                    assert_ne!(a.group(), b.group(), "{a} and {b}");
                }
            }
        }
    }
}
