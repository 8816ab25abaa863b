//! Problem details (RFC 9457) with a stable `code` that clients match on.

use serde::{Deserialize, Serialize};

/// Stable, machine-readable error codes. New codes may be added; existing ones never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request body or parameters failed validation; `errors` lists each field.
    ValidationFailed,
    /// The request could not be read (malformed JSON, wrong types, bad path or query); `errors`
    /// names the field or parameter at fault.
    BadRequest,
    /// No valid credentials were presented.
    Unauthorized,
    /// The email and password did not match an active account.
    InvalidCredentials,
    /// Too many failed sign-ins: wait before trying again.
    TooManyAttempts,
    /// Too many requests from this address: slow down.
    RateLimited,
    /// The MFA code was wrong, already used, or expired.
    InvalidMfaCode,
    /// The practice requires MFA for this role: enrol before doing anything else.
    MfaEnrollmentRequired,
    /// The token or link is invalid, expired or already used.
    InvalidToken,
    /// The caller may not do this.
    Forbidden,
    /// Nothing here, or nothing the caller may see.
    NotFound,
    /// The request conflicts with the current state (for example, an email already in use).
    Conflict,
    /// The record changed since it was read (`If-Match` did not match its `ETag`).
    PreconditionFailed,
    /// The password is too short or too easy to guess.
    WeakPassword,
    /// The body is larger than this endpoint accepts.
    PayloadTooLarge,
    /// The time overlaps another booking of the practitioner or of the patient (buffers
    /// included); `detail` says which.
    SlotConflict,
    /// The practitioner does not take bookings then (outside their hours, on leave, a closure or
    /// a public holiday). Staff may book anyway with `allow_outside_availability`.
    OutsideAvailability,
    /// The practice's online-booking rules do not allow this (notice periods, types patients may
    /// book); `detail` says which rule.
    BookingPolicy,
    /// The body's content type is not accepted here.
    UnsupportedMediaType,
    /// The patient's personal data was erased: nothing may be added to or restored in their
    /// record, and no one may be given new access to it.
    PatientErased,
    /// The patient has withdrawn their consent to this (such as contact by SMS); `detail` says
    /// which.
    ConsentWithdrawn,
    /// Staff may sign in only from the practice's networks, and this is not one of them.
    NetworkNotAllowed,
    /// The session was left without activity for longer than the practice allows, and has
    /// ended: sign in again.
    SessionIdle,
    /// The database or another dependency is unavailable; try again shortly.
    ServiceUnavailable,
    /// The server's storage is full, so nothing was saved; it carries on once space is freed.
    StorageFull,
    /// Something went wrong on the server; it has been logged.
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::TooManyAttempts => "too_many_attempts",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::InvalidMfaCode => "invalid_mfa_code",
            ErrorCode::MfaEnrollmentRequired => "mfa_enrollment_required",
            ErrorCode::InvalidToken => "invalid_token",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::PreconditionFailed => "precondition_failed",
            ErrorCode::WeakPassword => "weak_password",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::SlotConflict => "slot_conflict",
            ErrorCode::OutsideAvailability => "outside_availability",
            ErrorCode::BookingPolicy => "booking_policy",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::PatientErased => "patient_erased",
            ErrorCode::ConsentWithdrawn => "consent_withdrawn",
            ErrorCode::NetworkNotAllowed => "network_not_allowed",
            ErrorCode::SessionIdle => "session_idle",
            ErrorCode::ServiceUnavailable => "service_unavailable",
            ErrorCode::StorageFull => "storage_full",
            ErrorCode::Internal => "internal",
        }
    }

    /// The HTTP status this code is sent with.
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::ValidationFailed | ErrorCode::WeakPassword => 422,
            ErrorCode::BadRequest => 400,
            ErrorCode::Unauthorized | ErrorCode::InvalidCredentials | ErrorCode::InvalidToken => {
                401
            }
            ErrorCode::InvalidMfaCode | ErrorCode::SessionIdle => 401,
            ErrorCode::TooManyAttempts | ErrorCode::RateLimited => 429,
            ErrorCode::MfaEnrollmentRequired
            | ErrorCode::Forbidden
            | ErrorCode::NetworkNotAllowed => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict | ErrorCode::SlotConflict | ErrorCode::OutsideAvailability => 409,
            ErrorCode::BookingPolicy => 422,
            ErrorCode::PreconditionFailed => 412,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::PatientErased | ErrorCode::ConsentWithdrawn => 409,
            ErrorCode::ServiceUnavailable => 503,
            ErrorCode::StorageFull => 507,
            ErrorCode::Internal => 500,
        }
    }

    /// A short human title for the code, used as the problem's `title`.
    pub fn title(self) -> &'static str {
        match self {
            ErrorCode::ValidationFailed => "Some fields need attention",
            ErrorCode::BadRequest => "The request could not be read",
            ErrorCode::Unauthorized => "Sign-in required",
            ErrorCode::InvalidCredentials => "Email or password is incorrect",
            ErrorCode::TooManyAttempts => "Too many failed attempts",
            ErrorCode::RateLimited => "Too many requests",
            ErrorCode::InvalidMfaCode => "That code is not valid",
            ErrorCode::MfaEnrollmentRequired => "Set up two-factor authentication to continue",
            ErrorCode::InvalidToken => "This link or token is not valid",
            ErrorCode::Forbidden => "You do not have permission to do this",
            ErrorCode::NotFound => "Not found",
            ErrorCode::Conflict => "This conflicts with existing data",
            ErrorCode::PreconditionFailed => "This record was changed by someone else",
            ErrorCode::WeakPassword => "Choose a stronger password",
            ErrorCode::PayloadTooLarge => "The request is too large",
            ErrorCode::SlotConflict => "That time is already taken",
            ErrorCode::OutsideAvailability => "The practitioner is not available then",
            ErrorCode::BookingPolicy => "The practice's booking rules do not allow this",
            ErrorCode::UnsupportedMediaType => "Unsupported content type",
            ErrorCode::PatientErased => "The patient's data was erased",
            ErrorCode::ConsentWithdrawn => "The patient has not agreed to this",
            ErrorCode::NetworkNotAllowed => "Staff sign-in is not allowed from this network",
            ErrorCode::SessionIdle => "Signed out after a time without activity",
            ErrorCode::ServiceUnavailable => "Service temporarily unavailable",
            ErrorCode::StorageFull => "The server's storage is full",
            ErrorCode::Internal => "Something went wrong",
        }
    }
}

/// One invalid field in a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The field's path in the request, such as `first_name` or `phone_numbers[0].number`.
    pub field: String,
    /// A stable code for the rule that failed, such as `required` or `too_long`; for a value
    /// that could not be read, such as `invalid_type` or `invalid_date`.
    pub code: String,
    /// What to fix, in words a person can act on.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

/// An error response: `application/problem+json` (RFC 9457).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// A URI naming the problem type.
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    pub code: ErrorCode,
    /// Each invalid field, for `validation_failed`; the field or parameter that could not be
    /// read, for `bad_request`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl Problem {
    pub fn new(code: ErrorCode, detail: Option<String>) -> Self {
        Problem {
            type_: format!("https://carebase.dev/problems/{}", code.as_str()),
            title: code.title().to_owned(),
            status: code.status(),
            detail,
            code,
            errors: Vec::new(),
        }
    }

    /// The message for a field, if the problem names it.
    pub fn field_message(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}
