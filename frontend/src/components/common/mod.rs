//! Small building blocks used by every screen.

mod dialog;
mod empty_state;
mod icon;
mod loading;
mod notice;
mod page_title;
mod pagination;
mod patient_picker;
mod problem_alert;
mod skeleton;
mod text_field;
mod toast;

pub use dialog::Dialog;
pub use empty_state::EmptyState;
pub use icon::IconSvg;
pub use loading::Loading;
pub use notice::Notice;
pub use page_title::PageTitle;
pub use pagination::Pagination;
pub use patient_picker::PatientPicker;
pub use problem_alert::ProblemAlert;
pub use skeleton::SkeletonRows;
pub use text_field::{CheckboxField, SelectField, TextAreaField, TextField};
pub use toast::{provide_toasts, use_toasts, ToastRegion};
