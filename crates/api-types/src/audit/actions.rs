//! The kinds of audit event: one table gives each its variant, its stored text, a phrase for
//! people and its group, and the enum, its lists and lookups are made from that table, so a new
//! kind is one line.

use serde::{Deserialize, Serialize};

macro_rules! audit_actions {
    ($($group:tt { $($variant:ident = $text:tt, $label:tt;)* })*) => {
        /// What an audit event records, one value per kind of event the server writes. The text is what
        /// the audit log stores and hash-chains, so a value's text never changes once released.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum AuditAction {
            $($(
                #[serde(rename = $text)]
                $variant,
            )*)*
        }

        impl AuditAction {
            /// Every action, grouped, in the order the app lists them.
            pub const ALL: &'static [AuditAction] = &[$($(AuditAction::$variant,)*)*];

            /// The text stored in the audit log and covered by its hash.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($(AuditAction::$variant => $text,)*)*
                }
            }

            /// The action a stored text names; `None` for text this version does not know.
            pub fn parse(s: &str) -> Option<AuditAction> {
                match s {
                    $($($text => Some(AuditAction::$variant),)*)*
                    _ => None,
                }
            }

            /// A short phrase for people, such as "Care team viewed".
            pub const fn label(self) -> &'static str {
                match self {
                    $($(AuditAction::$variant => $label,)*)*
                }
            }

            /// What the action's group is about, for people (`Sign-in` for every `auth.`
            /// action).
            pub const fn group(self) -> &'static str {
                match self {
                    $($(AuditAction::$variant => $group,)*)*
                }
            }
        }
    };
}

audit_actions! {
    "Sign-in" {
        AuthLogin = "auth.login", "Signed in";
        AuthMfa = "auth.mfa", "Second sign-in step";
        AuthRefresh = "auth.refresh", "Session refreshed";
        AuthIdleSignOut = "auth.idle_sign_out", "Signed out after inactivity";
        AuthLogout = "auth.logout", "Signed out";
        AuthSessionRevoke = "auth.session.revoke", "Session ended";
        AuthMfaEnroll = "auth.mfa.enroll", "Two-factor setup started";
        AuthMfaConfirm = "auth.mfa.confirm", "Two-factor code confirmed";
        AuthMfaEnabled = "auth.mfa.enabled", "Two-factor turned on";
        AuthMfaDisable = "auth.mfa.disable", "Two-factor turn-off checked";
        AuthMfaDisabled = "auth.mfa.disabled", "Two-factor turned off";
        AuthMfaRecoveryCodes = "auth.mfa.recovery_codes", "Recovery codes replaced";
        AuthPasswordChange = "auth.password.change", "Password changed";
        AuthPasswordResetRequest = "auth.password_reset.request", "Password reset requested";
        AuthPasswordResetComplete = "auth.password_reset.complete", "Password reset";
        AuthInvitationAccept = "auth.invitation.accept", "Invitation accepted";
    }
    "API keys" {
        ApiKeyCreate = "api_key.create", "API key created";
        ApiKeyRevoke = "api_key.revoke", "API key revoked";
    }
    "Users" {
        UserList = "user.list", "Users listed";
        UserRead = "user.read", "User viewed";
        UserUpdate = "user.update", "User updated";
    }
    "Invitations" {
        InvitationList = "invitation.list", "Invitations listed";
        InvitationCreate = "invitation.create", "Invitation sent";
        InvitationRevoke = "invitation.revoke", "Invitation revoked";
    }
    "Patients" {
        PatientSearch = "patient.search", "Patients searched";
        PatientCreate = "patient.create", "Patient registered";
        PatientRead = "patient.read", "Patient record opened";
        PatientUpdate = "patient.update", "Patient details updated";
        PatientArchive = "patient.archive", "Patient archived";
        PatientRestore = "patient.restore", "Patient restored";
        PatientExport = "patient.export", "Patient data exported";
        PatientErasurePreview = "patient.erasure_preview", "Erasure previewed";
        PatientErase = "patient.erase", "Patient data erased";
        PatientDestroy = "patient.destroy", "Patient record destroyed after its retention";
        PatientInvite = "patient.invite", "Patient invited to the portal";
        PatientInviteApprove = "patient.invite.approve", "Portal invitation approved";
        PatientPortalRead = "patient.portal.read", "Portal access viewed";
        PatientNames = "patient.names", "Patient names looked up";
    }
    "Consents" {
        ConsentRead = "consent.read", "Consents viewed";
        ConsentUpdate = "consent.update", "Consent recorded";
    }
    "Access log" {
        AccessLogRead = "access_log.read", "Access log viewed";
    }
    "Data requests" {
        DataRequestList = "data_request.list", "Data requests viewed";
        DataRequestCreate = "data_request.create", "Data request made";
        DataRequestQueue = "data_request.queue", "Data request queue viewed";
        DataRequestResolve = "data_request.resolve", "Data request answered";
    }
    "Sharing" {
        AccessGrantList = "access_grant.list", "Sharing viewed";
        AccessGrantCandidates = "access_grant.candidates", "Practitioners to share with listed";
        AccessGrantCreate = "access_grant.create", "Record shared";
        AccessGrantRevoke = "access_grant.revoke", "Sharing stopped";
    }
    "Care teams" {
        CareTeamRead = "care_team.read", "Care team viewed";
        CareTeamAdd = "care_team.add", "Added to care team";
        CareTeamRemove = "care_team.remove", "Removed from care team";
    }
    "Emergency access" {
        ClinicalBreakGlass = "clinical.break_glass", "Emergency access (break the glass)";
    }
    "Clinical access" {
        ClinicalAccessRead = "clinical_access.read", "Clinical access checked";
    }
    "Readings" {
        ObservationRead = "observation.read", "Readings viewed";
        ObservationCreate = "observation.create", "Readings recorded";
        ObservationExport = "observation.export", "Readings exported";
    }
    "Target ranges" {
        TargetsRead = "targets.read", "Target ranges viewed";
        TargetsUpdate = "targets.update", "Target ranges changed";
    }
    "Alerts" {
        AlertList = "alert.list", "Alerts listed";
        AlertAcknowledge = "alert.acknowledge", "Alert acknowledged";
    }
    "Devices" {
        DeviceList = "device.list", "Devices listed";
        DeviceConnectStart = "device.connect_start", "Device connection started";
        DeviceConnect = "device.connect", "Device connected";
        DeviceSync = "device.sync", "Device synced";
        DeviceDisconnect = "device.disconnect", "Device disconnected";
    }
    "Questionnaires" {
        AssessmentList = "assessment.list", "Questionnaires viewed";
        AssessmentCreate = "assessment.create", "Questionnaire recorded";
        AssessmentReview = "assessment.review", "Questionnaire reviewed";
        AssessmentUrgentList = "assessment.urgent_list", "Urgent questionnaires listed";
    }
    "Notes" {
        NoteList = "note.list", "Notes listed";
        NoteRead = "note.read", "Note opened";
        NoteCreate = "note.create", "Note written";
        NoteUpdate = "note.update", "Note edited";
        NoteSign = "note.sign", "Note signed";
        NoteAmend = "note.amend", "Note amended";
        NoteDiscard = "note.discard", "Draft note discarded";
    }
    "Note templates" {
        NoteTemplateCreate = "note_template.create", "Note template created";
        NoteTemplateUpdate = "note_template.update", "Note template updated";
    }
    "Timeline" {
        TimelineRead = "timeline.read", "Timeline viewed";
    }
    "Documents" {
        DocumentList = "document.list", "Documents listed";
        DocumentUpload = "document.upload", "Document added";
        DocumentPreview = "document.preview", "Document viewed";
        DocumentDownload = "document.download", "Document downloaded";
        DocumentDelete = "document.delete", "Document removed";
    }
    "Imaging" {
        ImagingList = "imaging.list", "Imaging listed";
        ImagingCreate = "imaging.create", "Imaging recorded";
        ImagingUpdate = "imaging.update", "Imaging updated";
    }
    "Medications" {
        MedicationList = "medication.list", "Medications listed";
        MedicationAdherence = "medication.adherence", "Adherence viewed";
        MedicationCreate = "medication.create", "Medication added";
        MedicationUpdate = "medication.update", "Medication updated";
        MedicationDose = "medication.dose", "Dose recorded";
    }
    "Prescriptions" {
        PrescriptionCreate = "prescription.create", "Prescription written";
        PrescriptionCancel = "prescription.cancel", "Prescription cancelled";
    }
    "Therapy" {
        TherapyList = "therapy.list", "Therapy sessions listed";
        TherapyCreate = "therapy.create", "Therapy session recorded";
        TherapyUpdate = "therapy.update", "Therapy session updated";
    }
    "Homework" {
        HomeworkList = "homework.list", "Homework listed";
        HomeworkAssign = "homework.assign", "Homework set";
        HomeworkComplete = "homework.complete", "Homework done";
        HomeworkOverdueList = "homework.overdue_list", "Overdue homework listed";
    }
    "Appointments" {
        AppointmentList = "appointment.list", "Appointments listed";
        AppointmentRead = "appointment.read", "Appointment viewed";
        AppointmentHistory = "appointment.history", "Appointment history viewed";
        AppointmentCreate = "appointment.create", "Appointment booked";
        AppointmentReschedule = "appointment.reschedule", "Appointment moved";
        AppointmentCancel = "appointment.cancel", "Appointment cancelled";
        AppointmentStatus = "appointment.status", "Appointment status changed";
        AppointmentUpdate = "appointment.update", "Appointment updated";
        AppointmentConfirm = "appointment.confirm", "Appointment confirmed";
        AppointmentReminder = "appointment.reminder", "Appointment reminder sent";
    }
    "Free times" {
        SlotsSearch = "slots.search", "Free times searched";
    }
    "Appointment types" {
        AppointmentTypeCreate = "appointment_type.create", "Appointment type created";
        AppointmentTypeUpdate = "appointment_type.update", "Appointment type updated";
    }
    "Availability" {
        AvailabilityUpdate = "availability.update", "Availability changed";
    }
    "Calendar blocks" {
        CalendarBlockCreate = "calendar_block.create", "Calendar block added";
        CalendarBlockUpdate = "calendar_block.update", "Calendar block changed";
        CalendarBlockDelete = "calendar_block.delete", "Calendar block removed";
    }
    "Closures" {
        ClosureCreate = "closure.create", "Closure added";
        ClosureDelete = "closure.delete", "Closure removed";
    }
    "Calendar feeds" {
        CalendarFeedCreate = "calendar_feed.create", "Calendar feed created";
        CalendarFeedRead = "calendar_feed.read", "Calendar feed read";
        CalendarFeedDelete = "calendar_feed.delete", "Calendar feed removed";
    }
    "Google Calendar" {
        GoogleCalendarConnectStart = "google_calendar.connect_start", "Google Calendar connection started";
        GoogleCalendarConnect = "google_calendar.connect", "Google Calendar connected";
        GoogleCalendarDisconnect = "google_calendar.disconnect", "Google Calendar disconnected";
        GoogleCalendarEventWrite = "google_calendar.event_write", "Google Calendar event written";
    }
    "Scheduling settings" {
        SchedulingSettingsUpdate = "scheduling_settings.update", "Scheduling settings changed";
    }
    "Message templates" {
        MessageTemplatesUpdate = "message_templates.update", "Message templates changed";
    }
    "Staff message templates" {
        StaffTemplatesUpdate = "staff_templates.update", "Staff message templates changed";
    }
    "Practice settings" {
        SettingsUpdate = "settings.update", "Practice settings changed";
    }
    "Outbox" {
        OutboxRead = "outbox.read", "Outbox viewed";
        OutboxRetry = "outbox.retry", "Message sent again";
    }
    "Correspondence" {
        CorrespondenceRead = "correspondence.read", "Correspondence viewed";
        CorrespondenceList = "correspondence.list", "Communications viewed";
        CorrespondenceSend = "correspondence.send", "Message sent to patient";
        CorrespondenceReceive = "correspondence.receive", "Message received from patient";
        CorrespondenceRetry = "correspondence.retry", "Message retried";
        CorrespondenceAnswer = "correspondence.answer", "Message marked answered";
        CorrespondenceAssign = "correspondence.assign", "Message matched to patient";
        CorrespondenceOptOut = "correspondence.opt_out", "SMS stopped by patient";
        CorrespondenceOptIn = "correspondence.opt_in", "SMS restarted by patient";
    }
    "Calls" {
        CallSetup = "call.setup", "Call options viewed";
        CallStart = "call.start", "Call to patient started";
        CallRecordingStore = "call.recording_store", "Call recording filed";
    }
    "Secure messages" {
        ThreadList = "thread.list", "Conversations listed";
        ThreadRead = "thread.read", "Conversation read";
        ThreadCreate = "thread.create", "Conversation started";
        ThreadReply = "thread.reply", "Secure message written";
        ThreadSeen = "thread.seen", "Conversation marked read";
        ThreadAssign = "thread.assign", "Conversation assigned";
        ThreadClose = "thread.close", "Conversation closed";
        ThreadReopen = "thread.reopen", "Conversation reopened";
        ThreadNotice = "thread.notice", "New-message notice sent";
    }
    "Provider calls" {
        WebhookLogRead = "webhook.log_read", "Provider call log viewed";
    }
    "Integrations" {
        IntegrationSave = "integration.save", "Integration saved";
        IntegrationCheck = "integration.check", "Integration checked";
        IntegrationRemove = "integration.remove", "Integration removed";
    }
    "Jobs" {
        JobRetry = "job.retry", "Job retried";
    }
    "Audit log" {
        AuditSearch = "audit.search", "Audit log searched";
        AuditExport = "audit.export", "Audit log exported";
        AuditVerify = "audit.verify", "Audit chain verified";
    }
}

impl AuditAction {
    /// The text through the first `.`, such as `auth.`: as an `action` filter of an
    /// [`AuditQuery`](super::AuditQuery) it matches every action of the group.
    pub fn prefix(self) -> &'static str {
        let s = self.as_str();
        match s.find('.') {
            Some(i) => &s[..=i],
            None => s,
        }
    }

    /// Events that clients cause on their own, again and again (the app asking for open alerts
    /// every minute, sessions refreshing their tokens), rather than a person's deliberate act.
    pub const fn is_routine(self) -> bool {
        matches!(
            self,
            AuditAction::AlertList | AuditAction::AuthRefresh | AuditAction::ThreadSeen
        )
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
