//! Roles and permissions. The role → permission table lives here so that the server enforces it
//! and the web app shows only what a role may use, from one definition.

use serde::{Deserialize, Serialize};

/// The role of an account. Staff roles are everything but `patient`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Practitioner,
    Nurse,
    Receptionist,
    Patient,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Practitioner,
        Role::Nurse,
        Role::Receptionist,
        Role::Patient,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Practitioner => "practitioner",
            Role::Nurse => "nurse",
            Role::Receptionist => "receptionist",
            Role::Patient => "patient",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn is_staff(self) -> bool {
        self != Role::Patient
    }

    /// Whether this role looks after patients clinically (and so can be on a care team).
    pub fn is_clinician(self) -> bool {
        matches!(self, Role::Practitioner | Role::Nurse)
    }

    /// Everything this role may do. Record-level rules (care team, access grants, a patient's
    /// own record) are checked on top of these.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::Admin => &Permission::ALL,
            Role::Practitioner => &[
                PatientsRead,
                PatientsWrite,
                PatientsArchive,
                PatientsInvite,
                CareTeamManage,
                ClinicalAccess,
                TargetsManage,
                Prescribe,
                UsersRead,
                ScheduleRead,
                ScheduleWrite,
                CorrespondenceRead,
                CorrespondenceWrite,
            ],
            Role::Nurse => &[
                PatientsRead,
                PatientsWrite,
                PatientsInvite,
                CareTeamManage,
                ClinicalAccess,
                UsersRead,
                ScheduleRead,
                ScheduleWrite,
                CorrespondenceRead,
                CorrespondenceWrite,
            ],
            Role::Receptionist => &[
                PatientsRead,
                PatientsWrite,
                PatientsArchive,
                PatientsInvite,
                UsersRead,
                ScheduleRead,
                ScheduleWrite,
                CorrespondenceRead,
                CorrespondenceWrite,
            ],
            Role::Patient => &[OwnRecord],
        }
    }

    pub fn has(self, permission: Permission) -> bool {
        self.permissions().contains(&permission)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A permission, as named in the OpenAPI security requirements and in API key scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Permission {
    /// Search and read patient demographics.
    #[serde(rename = "patients:read")]
    PatientsRead,
    /// Create and update patient demographics.
    #[serde(rename = "patients:write")]
    PatientsWrite,
    /// Archive and restore patients.
    #[serde(rename = "patients:archive")]
    PatientsArchive,
    /// Invite a patient to the portal.
    #[serde(rename = "patients:invite")]
    PatientsInvite,
    /// Change who is on a patient's care team.
    #[serde(rename = "care_team:manage")]
    CareTeamManage,
    /// Reach clinical content, subject to the care team, grants or break-the-glass.
    #[serde(rename = "clinical:access")]
    ClinicalAccess,
    /// Set a patient's target ranges and the conditions that shape them.
    #[serde(rename = "health:targets")]
    TargetsManage,
    /// Write and cancel prescriptions.
    #[serde(rename = "medications:prescribe")]
    Prescribe,
    /// See the staff directory.
    #[serde(rename = "users:read")]
    UsersRead,
    /// Invite staff, change roles, deactivate accounts.
    #[serde(rename = "users:manage")]
    UsersManage,
    /// Search and export the audit log.
    #[serde(rename = "audit:read")]
    AuditRead,
    /// Issue and revoke API keys.
    #[serde(rename = "api_keys:manage")]
    ApiKeysManage,
    /// Read the outbox of messages and the log of calls providers make to the practice.
    #[serde(rename = "outbox:read")]
    OutboxRead,
    /// Send again a message the outbox gave up on.
    #[serde(rename = "outbox:manage")]
    OutboxManage,
    /// Read patients' correspondence (email, SMS, calls) and the practice's communications.
    #[serde(rename = "correspondence:read")]
    CorrespondenceRead,
    /// Write to patients by SMS or email, retry failed messages, and triage inbound ones.
    #[serde(rename = "correspondence:write")]
    CorrespondenceWrite,
    /// Change practice settings.
    #[serde(rename = "settings:manage")]
    SettingsManage,
    /// See the calendar, availability and appointments.
    #[serde(rename = "schedule:read")]
    ScheduleRead,
    /// Book, move and cancel appointments; hold calendar time; set one's own availability.
    #[serde(rename = "schedule:write")]
    ScheduleWrite,
    /// Appointment types, practice closures, anyone's availability, scheduling rules and
    /// message templates.
    #[serde(rename = "schedule:manage")]
    ScheduleManage,
    /// A patient's own record and nothing else.
    #[serde(rename = "own_record")]
    OwnRecord,
}

impl Permission {
    pub const ALL: [Permission; 21] = [
        Permission::PatientsRead,
        Permission::PatientsWrite,
        Permission::PatientsArchive,
        Permission::PatientsInvite,
        Permission::CareTeamManage,
        Permission::ClinicalAccess,
        Permission::TargetsManage,
        Permission::Prescribe,
        Permission::UsersRead,
        Permission::UsersManage,
        Permission::AuditRead,
        Permission::ApiKeysManage,
        Permission::OutboxRead,
        Permission::OutboxManage,
        Permission::CorrespondenceRead,
        Permission::CorrespondenceWrite,
        Permission::SettingsManage,
        Permission::ScheduleRead,
        Permission::ScheduleWrite,
        Permission::ScheduleManage,
        Permission::OwnRecord,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::PatientsRead => "patients:read",
            Permission::PatientsWrite => "patients:write",
            Permission::PatientsArchive => "patients:archive",
            Permission::PatientsInvite => "patients:invite",
            Permission::CareTeamManage => "care_team:manage",
            Permission::ClinicalAccess => "clinical:access",
            Permission::TargetsManage => "health:targets",
            Permission::Prescribe => "medications:prescribe",
            Permission::UsersRead => "users:read",
            Permission::UsersManage => "users:manage",
            Permission::AuditRead => "audit:read",
            Permission::ApiKeysManage => "api_keys:manage",
            Permission::OutboxRead => "outbox:read",
            Permission::OutboxManage => "outbox:manage",
            Permission::CorrespondenceRead => "correspondence:read",
            Permission::CorrespondenceWrite => "correspondence:write",
            Permission::SettingsManage => "settings:manage",
            Permission::ScheduleRead => "schedule:read",
            Permission::ScheduleWrite => "schedule:write",
            Permission::ScheduleManage => "schedule:manage",
            Permission::OwnRecord => "own_record",
        }
    }

    pub fn parse(s: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Permissions an API key may carry: everything staff can hold, never a patient's own scope.
    pub fn grantable_to_api_keys(self) -> bool {
        self != Permission::OwnRecord
    }
}

impl std::fmt::Display for Permission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
            assert_eq!(serde_json::to_value(r).ok(), Some(r.as_str().into()));
        }
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()), Some(p));
            assert_eq!(serde_json::to_value(p).ok(), Some(p.as_str().into()));
        }
    }

    #[test]
    fn receptionists_and_patients_have_no_clinical_access() {
        assert!(!Role::Receptionist.has(Permission::ClinicalAccess));
        assert!(!Role::Patient.has(Permission::ClinicalAccess));
        assert!(Role::Practitioner.has(Permission::ClinicalAccess));
        assert_eq!(Role::Patient.permissions(), &[Permission::OwnRecord]);
    }
}
