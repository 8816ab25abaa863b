//! The one application error type and its HTTP mapping.
//!
//! Which error belongs where: domain code returns `ApiError` for anything a client caused or may
//! see (validation, permission, not found, conflict) and wraps everything else with
//! `ApiError::Internal(anyhow::Error)` plus `.context(..)`. The internal cause is logged once,
//! here, and the client gets a generic problem: no SQL, stack trace or PHI ever leaves.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use api_types::{ErrorCode, FieldError, Problem};

use super::unreadable;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{code:?}")]
    Coded {
        code: ErrorCode,
        detail: Option<String>,
        retry_after: Option<u64>,
    },
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// A body or query string that could not be read as its type; the field says where.
    #[error("unreadable input")]
    Unreadable(FieldError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn code(code: ErrorCode) -> Self {
        ApiError::Coded {
            code,
            detail: None,
            retry_after: None,
        }
    }
    pub fn with_detail(code: ErrorCode, detail: impl Into<String>) -> Self {
        ApiError::Coded {
            code,
            detail: Some(detail.into()),
            retry_after: None,
        }
    }
    pub fn not_found() -> Self {
        Self::code(ErrorCode::NotFound)
    }
    pub fn forbidden() -> Self {
        Self::code(ErrorCode::Forbidden)
    }
    pub fn unauthorized() -> Self {
        Self::code(ErrorCode::Unauthorized)
    }
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::with_detail(ErrorCode::BadRequest, detail)
    }
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::with_detail(ErrorCode::Conflict, detail)
    }
    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError::new(field, code, message)])
    }
    pub fn retry_after(code: ErrorCode, seconds: u64) -> Self {
        ApiError::Coded {
            code,
            detail: None,
            retry_after: Some(seconds.max(1)),
        }
    }

    /// Whether this is a refusal to show something to the caller (forbidden, or not theirs to
    /// know of), as opposed to a failure.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            ApiError::Coded {
                code: ErrorCode::Forbidden | ErrorCode::NotFound,
                ..
            }
        )
    }

    pub fn problem(&self) -> Problem {
        match self {
            ApiError::Coded { code, detail, .. } => Problem::new(*code, detail.clone()),
            ApiError::Validation(errors) => {
                let mut p = Problem::new(ErrorCode::ValidationFailed, None);
                p.errors = errors.clone();
                p
            }
            ApiError::Unreadable(error) => {
                let detail = if error.field.is_empty() {
                    error.message.clone()
                } else {
                    format!("`{}`: {}", error.field, error.message)
                };
                let mut p = Problem::new(ErrorCode::BadRequest, Some(detail));
                p.errors = vec![error.clone()];
                p
            }
            ApiError::Internal(_) => Problem::new(ErrorCode::Internal, None),
        }
    }
}

/// What a change refused for want of storage says.
pub const STORAGE_FULL: &str = "The server has run out of storage, so this was not saved. It \
carries on by itself once space is freed: tell the practice's administrator.";

impl ApiError {
    /// The server's storage is full (the database's disk, or where uploads are received).
    pub fn storage_full() -> ApiError {
        ApiError::Coded {
            code: ErrorCode::StorageFull,
            detail: Some(STORAGE_FULL.into()),
            retry_after: Some(60),
        }
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        if is_storage_full(&e) {
            return ApiError::storage_full();
        }
        if is_connection_error(&e) {
            return ApiError::Coded {
                code: ErrorCode::ServiceUnavailable,
                detail: None,
                retry_after: Some(5),
            };
        }
        ApiError::Internal(anyhow::Error::new(e).context("database error"))
    }
}

/// Whether the database refused a write for want of disk space: PostgreSQL's `53100`
/// (`disk_full`), SQLite's `SQLITE_FULL` (13).
fn is_storage_full(e: &sea_orm::DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    use sea_orm::{DbErr, RuntimeErr};
    match e {
        DbErr::Exec(RuntimeErr::SqlxError(s)) | DbErr::Query(RuntimeErr::SqlxError(s)) => {
            match s.as_ref() {
                Sqlx::Database(db) => db.code().is_some_and(|c| c == "53100" || c == "13"),
                Sqlx::Io(io) => io.kind() == std::io::ErrorKind::StorageFull,
                _ => false,
            }
        }
        _ => false,
    }
}

/// Whether the database is unreachable (as opposed to refusing a statement): the client should
/// retry shortly, and readiness checks fail until it returns.
fn is_connection_error(e: &sea_orm::DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    use sea_orm::{DbErr, RuntimeErr};
    match e {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(s)) | DbErr::Query(RuntimeErr::SqlxError(s)) => {
            match s.as_ref() {
                Sqlx::Io(_) | Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::WorkerCrashed => true,
                // The server ended the connection (shutting down, or an administrator) or lost
                // it: SQLSTATE classes 57P (operator intervention) and 08 (connection exception).
                Sqlx::Database(db) => db
                    .code()
                    .is_some_and(|c| c.starts_with("57P") || c.starts_with("08")),
                _ => false,
            }
        }
        _ => false,
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.problem().status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            tracing::error!(error = ?cause, "request failed");
        }
        let problem = self.problem();
        let mut res = HttpResponse::build(self.status_code());
        res.content_type("application/problem+json");
        if problem.status == 401 {
            res.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        if let ApiError::Coded {
            retry_after: Some(s),
            ..
        } = self
        {
            res.insert_header((header::RETRY_AFTER, s.to_string()));
        }
        res.json(problem)
    }
}

/// Turns the framework's own extractor errors (bad JSON, wrong content type, oversized body,
/// bad path or query) into problem details. Bodies are parsed here only as far as JSON; reading
/// them as their types, with the field at fault named, is `http::Body`'s.
pub fn json_error(err: actix_web::error::JsonPayloadError) -> ApiError {
    use actix_web::error::JsonPayloadError as E;
    match err {
        E::OverflowKnownLength { .. } | E::Overflow { .. } => {
            ApiError::code(ErrorCode::PayloadTooLarge)
        }
        E::ContentType => ApiError::with_detail(
            ErrorCode::UnsupportedMediaType,
            "Send the body as application/json.",
        ),
        E::Deserialize(e) if e.is_data() => ApiError::Unreadable(unreadable::data(&e)),
        E::Deserialize(e) => ApiError::Unreadable(unreadable::syntax("", &e)),
        other => ApiError::bad_request(other.to_string()),
    }
}

/// For `web::Query`, which cannot say which parameter failed and whose serde message may quote
/// the value sent; `http::Query` names the parameter.
pub fn query_error(_: actix_web::error::QueryPayloadError) -> ApiError {
    ApiError::bad_request("The query string could not be read.")
}

/// A path segment that does not parse (a malformed id) names nothing that exists.
pub fn path_error(_: actix_web::error::PathError) -> ApiError {
    ApiError::not_found()
}
