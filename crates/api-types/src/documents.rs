//! Health-record documents and imaging studies. Files are uploaded as the request body, their
//! type is decided from their content (never from the name), and they are stored encrypted.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::FieldError;
use crate::validation::Errors;

/// The largest file accepted by default, in bytes (20 MiB); a deployment may lower or raise it.
pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 20 * 1024 * 1024;

/// The file types accepted, each recognised by its content.
pub const ACCEPTED_TYPES: &str =
    "PDF, PNG, JPEG, GIF, WebP, DICOM, plain text, Word (.docx, .doc), audio (MP3, WAV)";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    Referral,
    Letter,
    LabResult,
    ImagingReport,
    Form,
    Other,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 6] = [
        DocumentKind::Referral,
        DocumentKind::Letter,
        DocumentKind::LabResult,
        DocumentKind::ImagingReport,
        DocumentKind::Form,
        DocumentKind::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Referral => "referral",
            DocumentKind::Letter => "letter",
            DocumentKind::LabResult => "lab_result",
            DocumentKind::ImagingReport => "imaging_report",
            DocumentKind::Form => "form",
            DocumentKind::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<DocumentKind> {
        DocumentKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            DocumentKind::Referral => "Referral",
            DocumentKind::Letter => "Letter",
            DocumentKind::LabResult => "Lab result",
            DocumentKind::ImagingReport => "Imaging report",
            DocumentKind::Form => "Form",
            DocumentKind::Other => "Other",
        }
    }
}

/// Who added a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DocumentSource {
    Patient,
    Staff,
}

/// A stored file: a document in the record, an attachment on a note, or a file of an imaging
/// study.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Document {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub kind: DocumentKind,
    /// A safe file name, with the extension of the detected type.
    pub name: String,
    pub description: Option<String>,
    /// Detected from the content.
    pub media_type: String,
    pub size_bytes: i64,
    /// Whether browsers can show it in place (PDF, images, text).
    pub previewable: bool,
    pub note_id: Option<Uuid>,
    pub study_id: Option<Uuid>,
    pub source: DocumentSource,
    pub uploaded_by: Option<Uuid>,
    pub uploaded_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The file's details, as query parameters beside the file in the request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct UploadQuery {
    /// The name it had on the uploader's computer; made safe before it is kept.
    pub filename: String,
    pub kind: Option<DocumentKind>,
    /// Up to 500 characters.
    pub description: Option<String>,
    /// File it under this imaging study.
    pub study_id: Option<Uuid>,
    /// Why a file is added to a note already signed: the addition is an amendment, kept with
    /// its reason as the note's next version (1 to 1,000 characters; required then).
    pub reason: Option<String>,
}

impl UploadQuery {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        e.required_text("filename", &self.filename, 255);
        e.optional_text("description", self.description.as_deref(), 500);
        e.optional_text("reason", self.reason.as_deref(), 1000);
        e.finish()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct DocumentQuery {
    pub kind: Option<DocumentKind>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// How a file is sent back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// To be shown in place (previewable types only).
    Inline,
    /// To be saved.
    #[default]
    Attachment,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ContentQuery {
    pub disposition: Option<Disposition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Modality {
    #[serde(rename = "MRI")]
    Mri,
    #[serde(rename = "fMRI")]
    Fmri,
    #[serde(rename = "CT")]
    Ct,
    #[serde(rename = "PET")]
    Pet,
    #[serde(rename = "X-ray")]
    XRay,
    #[serde(rename = "ultrasound")]
    Ultrasound,
    #[serde(rename = "mammography")]
    Mammography,
    #[serde(rename = "nuclear_medicine")]
    NuclearMedicine,
    #[serde(rename = "other")]
    Other,
}

impl Modality {
    pub const ALL: [Modality; 9] = [
        Modality::Mri,
        Modality::Fmri,
        Modality::Ct,
        Modality::Pet,
        Modality::XRay,
        Modality::Ultrasound,
        Modality::Mammography,
        Modality::NuclearMedicine,
        Modality::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Modality::Mri => "MRI",
            Modality::Fmri => "fMRI",
            Modality::Ct => "CT",
            Modality::Pet => "PET",
            Modality::XRay => "X-ray",
            Modality::Ultrasound => "ultrasound",
            Modality::Mammography => "mammography",
            Modality::NuclearMedicine => "nuclear_medicine",
            Modality::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<Modality> {
        Modality::ALL.into_iter().find(|m| m.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Modality::Mri => "MRI",
            Modality::Fmri => "Functional MRI",
            Modality::Ct => "CT",
            Modality::Pet => "PET",
            Modality::XRay => "X-ray",
            Modality::Ultrasound => "Ultrasound",
            Modality::Mammography => "Mammography",
            Modality::NuclearMedicine => "Nuclear medicine",
            Modality::Other => "Other",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImagingStudy {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub modality: Modality,
    pub body_part: String,
    pub study_date: NaiveDate,
    /// Where it was done.
    pub facility: Option<String>,
    pub description: Option<String>,
    /// The radiologist's report.
    pub report: Option<String>,
    pub files: Vec<Document>,
    pub created_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImagingStudyInput {
    pub modality: Modality,
    /// 1 to 120 characters.
    pub body_part: String,
    pub study_date: NaiveDate,
    pub facility: Option<String>,
    pub description: Option<String>,
    /// Up to 20,000 characters.
    pub report: Option<String>,
}

impl ImagingStudyInput {
    pub fn validate(&self, today: NaiveDate) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::default();
        e.required_text("body_part", &self.body_part, 120);
        e.optional_text("facility", self.facility.as_deref(), 200);
        e.optional_text("description", self.description.as_deref(), 1000);
        e.optional_text("report", self.report.as_deref(), 20_000);
        if self.study_date > today {
            e.push(
                "study_date",
                "in_future",
                "A study cannot be dated in the future.",
            );
        }
        e.finish()
    }
}
