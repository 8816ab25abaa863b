pub mod calendar_connection;
pub mod calendar_event_link;
pub mod credential;
pub mod device_connection;
pub mod job;
pub mod oauth_state_used;
