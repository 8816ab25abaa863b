//! Small building blocks used by every screen.

mod loading;
mod notice;
mod page_title;
mod problem_alert;
mod text_field;

pub use loading::Loading;
pub use notice::Notice;
pub use page_title::PageTitle;
pub use problem_alert::ProblemAlert;
pub use text_field::TextField;
