//! The wire contract of Carebase's REST API: every request and response body, the error codes
//! clients match on, roles and permissions, and the validation rules that the server enforces and
//! the web app shows at the field before a request is sent.
//!
//! This crate builds for `wasm32-unknown-unknown`; it must never depend on server-only crates.
//! OpenAPI schemas are derived only with the `openapi` feature, which the server turns on.

/// A status or kind stored as text: serialised in `snake_case`, an OpenAPI schema with the
/// `openapi` feature, and a SeaORM text enum with the `db` feature.
macro_rules! db_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        #[cfg_attr(
            feature = "db",
            derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum),
            sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")
        )]
        pub enum $name { $($(#[$vmeta])* $variant),* }
    };
}

pub mod access;
pub mod admin;
pub mod assessments;
pub mod audit;
pub mod auth;
pub mod comms;
pub mod documents;
pub mod error;
pub mod health;
pub mod integrations;
pub mod medications;
pub mod messaging;
pub mod notes;
pub mod page;
pub mod patients;
pub mod scheduling;
pub mod sharing;
pub mod therapy;
pub mod validation;

pub use access::{Permission, Role};
pub use error::{ErrorCode, FieldError, Problem};
pub use page::{Page, PageQuery};
