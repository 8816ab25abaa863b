pub mod credential;
pub mod job;
