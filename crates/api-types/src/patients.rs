//! Patient demographics (field names follow Cliniko's, so imports map one to one), the care team
//! and clinical access.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use uuid::Uuid;

use crate::access::Role;
use crate::error::FieldError;
use crate::validation::{self, Errors};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
    Intersex,
    NotStated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PhoneType {
    Mobile,
    Home,
    Work,
    Fax,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PhoneNumber {
    pub phone_type: PhoneType,
    pub number: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Address {
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub line3: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postcode: Option<String>,
    pub country: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EmergencyContact {
    pub name: String,
    pub relationship: Option<String>,
    pub phone: Option<String>,
}

/// Demographics of a patient, as sent to create one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PatientInput {
    /// Mr, Mrs, Ms, Mx, Dr, …
    #[serde(default)]
    pub title: Option<String>,
    pub first_name: String,
    pub last_name: String,
    #[serde(default)]
    pub preferred_name: Option<String>,
    #[serde(default)]
    pub date_of_birth: Option<NaiveDate>,
    #[serde(default)]
    pub sex: Option<Sex>,
    #[serde(default)]
    pub gender_identity: Option<String>,
    #[serde(default)]
    pub pronouns: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone_numbers: Vec<PhoneNumber>,
    #[serde(default)]
    pub address: Address,
    /// Ten digits, with a valid check digit.
    #[serde(default)]
    pub medicare_number: Option<String>,
    /// The individual reference number beside the name on the card (1–9).
    #[serde(default)]
    pub medicare_irn: Option<String>,
    #[serde(default)]
    pub emergency_contact: Option<EmergencyContact>,
    #[serde(default)]
    pub occupation: Option<String>,
    #[serde(default)]
    pub referral_source: Option<String>,
    /// Administrative notes (not clinical notes).
    #[serde(default)]
    pub notes: Option<String>,
}

fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A partial update: a field left out stays as it is; a nullable field sent as `null` is cleared.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PatientPatch {
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub title: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub preferred_name: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<NaiveDate>))]
    pub date_of_birth: Option<Option<NaiveDate>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Sex>))]
    pub sex: Option<Option<Sex>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub gender_identity: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub pronouns: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub email: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_numbers: Option<Vec<PhoneNumber>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub medicare_number: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub medicare_irn: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<EmergencyContact>))]
    pub emergency_contact: Option<Option<EmergencyContact>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub occupation: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub referral_source: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub notes: Option<Option<String>>,
}

impl PatientPatch {
    /// Fields a patient may change on their own record: contact details only.
    pub const PATIENT_EDITABLE: [&'static str; 4] =
        ["email", "phone_numbers", "address", "emergency_contact"];

    /// The names of the fields this patch sets.
    pub fn fields(&self) -> Vec<&'static str> {
        let mut f = Vec::new();
        macro_rules! check {
            ($($name:ident),*) => { $( if self.$name.is_some() { f.push(stringify!($name)); } )* };
        }
        check!(
            title,
            first_name,
            last_name,
            preferred_name,
            date_of_birth,
            sex,
            gender_identity,
            pronouns,
            email,
            phone_numbers,
            address,
            medicare_number,
            medicare_irn,
            emergency_contact,
            occupation,
            referral_source,
            notes
        );
        f
    }

    /// Applies this patch to a full set of demographics.
    pub fn apply(self, to: &mut PatientInput) {
        macro_rules! set {
            ($($name:ident),*) => { $( if let Some(v) = self.$name { to.$name = v; } )* };
        }
        set!(
            title,
            first_name,
            last_name,
            preferred_name,
            date_of_birth,
            sex,
            gender_identity,
            pronouns,
            email,
            phone_numbers,
            address,
            medicare_number,
            medicare_irn,
            emergency_contact,
            occupation,
            referral_source,
            notes
        );
    }
}

impl PatientInput {
    /// Checks every field; `today` bounds the date of birth.
    pub fn validate(&self, today: NaiveDate) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        e.optional_text("title", self.title.as_deref(), 20);
        e.required_text("first_name", &self.first_name, 100);
        e.required_text("last_name", &self.last_name, 100);
        e.optional_text("preferred_name", self.preferred_name.as_deref(), 100);
        if let Some(dob) = self.date_of_birth {
            e.check(validation::date_of_birth(dob, today), "date_of_birth");
        }
        e.optional_text("gender_identity", self.gender_identity.as_deref(), 100);
        e.optional_text("pronouns", self.pronouns.as_deref(), 50);
        if let Some(email) = &self.email {
            e.check(validation::email(email), "email");
        }
        if self.phone_numbers.len() > 10 {
            e.push("phone_numbers", "too_many", "At most 10 phone numbers.");
        }
        for (i, p) in self.phone_numbers.iter().enumerate() {
            e.check(
                validation::phone(&p.number),
                &format!("phone_numbers[{i}].number"),
            );
        }
        let a = &self.address;
        for (name, value) in [
            ("address.line1", &a.line1),
            ("address.line2", &a.line2),
            ("address.line3", &a.line3),
            ("address.city", &a.city),
            ("address.state", &a.state),
            ("address.country", &a.country),
        ] {
            e.optional_text(name, value.as_deref(), 200);
        }
        if let Some(pc) = &a.postcode {
            e.check(
                validation::postcode(pc, a.country.as_deref()),
                "address.postcode",
            );
        }
        if let Some(m) = &self.medicare_number {
            e.check(validation::medicare_number(m), "medicare_number");
        }
        if let Some(irn) = &self.medicare_irn {
            if !(irn.len() == 1 && matches!(irn.as_bytes()[0], b'1'..=b'9')) {
                e.push(
                    "medicare_irn",
                    "invalid",
                    "Enter the single digit (1–9) beside the name.",
                );
            }
        }
        if let Some(c) = &self.emergency_contact {
            e.required_text("emergency_contact.name", &c.name, 100);
            e.optional_text(
                "emergency_contact.relationship",
                c.relationship.as_deref(),
                50,
            );
            if let Some(p) = &c.phone {
                e.check(validation::phone(p), "emergency_contact.phone");
            }
        }
        e.optional_text("occupation", self.occupation.as_deref(), 100);
        e.optional_text("referral_source", self.referral_source.as_deref(), 200);
        e.optional_text("notes", self.notes.as_deref(), 10_000);
        e.finish()
    }
}

/// A patient, with every demographic field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Patient {
    pub id: Uuid,
    #[serde(flatten)]
    pub details: PatientInput,
    /// When the patient was archived; archived patients are hidden from default searches.
    pub archived_at: Option<DateTime<Utc>>,
    /// When the patient's personal data was erased. An erased record is kept, closed, for the
    /// period the law requires: it cannot be restored, changed or shared.
    pub erased_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Increases with every change; the `ETag` header carries it too.
    pub version: i32,
}

/// A patient as shown in lists and search results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PatientSummary {
    pub id: Uuid,
    pub title: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub preferred_name: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub email: Option<String>,
    /// The first mobile number, else the first number.
    pub phone: Option<String>,
    pub archived_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PatientStatusFilter {
    #[default]
    Active,
    Archived,
    All,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PatientSort {
    /// Newest first.
    #[default]
    CreatedDesc,
    CreatedAsc,
    /// Most recently changed first.
    UpdatedDesc,
}

/// Search and filters for the patient list. Names, emails, phones and dates of birth are
/// stored encrypted and matched through keyed blind indexes: `q` matches the start of any
/// name word; `email`, `phone` and `date_of_birth` match exactly.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct PatientQuery {
    /// Name words (prefixes), or an email, phone number or date of birth (YYYY-MM-DD).
    pub q: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub status: Option<PatientStatusFilter>,
    pub sort: Option<PatientSort>,
    /// Page size, 1 to 1,000 (`MAX_PATIENT_PAGE`): a practice's whole list reads in a few pages.
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// The largest page of the patient list.
pub const MAX_PATIENT_PAGE: u64 = 1_000;

/// `GET /patient-names`: the patients whose names a screen that shows them by id needs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct PatientNamesQuery {
    /// Up to 100 patient ids, separated by commas.
    pub ids: String,
}

/// The most names one request may ask for.
pub const MAX_PATIENT_NAMES: usize = 100;

/// A patient's name, for a screen that shows patients by id (the audit log).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PatientName {
    pub patient_id: Uuid,
    /// Preferred (or first) name and last name.
    pub name: String,
}

/// A member of a patient's care team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CareTeamMember {
    pub user_id: Uuid,
    pub name: String,
    pub role: Role,
    pub added_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AddCareTeamMemberRequest {
    /// A practitioner or nurse.
    pub user_id: Uuid,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BreakGlassRequest {
    /// Why access is needed now; recorded in the audit log and reviewed.
    pub reason: String,
}

/// Why the caller may (or may not) see a patient's clinical record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AccessBasis {
    Admin,
    CareTeam,
    /// The patient shared their record (or part of it) with this practitioner.
    Grant,
    BreakGlass,
    OwnRecord,
    /// An API key holding the `clinical:access` scope.
    Integration,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClinicalAccess {
    pub allowed: bool,
    pub basis: Option<AccessBasis>,
    /// For break-the-glass access and grants that end, when it ends.
    pub expires_at: Option<DateTime<Utc>>,
    /// For a grant of some categories only, which; `None` for the whole record.
    #[serde(default)]
    pub categories: Option<Vec<crate::sharing::RecordCategory>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InvitePatientRequest {
    /// Where to send the invitation, when not to the email on the patient's record: only an
    /// administrator or a member of the patient's care team may choose another address.
    pub email: Option<String>,
}

/// A patient's portal, as staff see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalStatus {
    /// Whether the patient has a portal account.
    pub has_account: bool,
    /// The newest invitation neither accepted, withdrawn nor expired: sent (`approved_at`), or
    /// waiting for a clinician's approval.
    pub invitation: Option<crate::admin::Invitation>,
    /// Whether the caller may approve a waiting invitation.
    pub can_approve: bool,
}
