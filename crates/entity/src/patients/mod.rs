pub mod access_grant;
pub mod break_glass_grant;
pub mod care_team_member;
pub mod consent_event;
pub mod patient;
pub mod search_token;
