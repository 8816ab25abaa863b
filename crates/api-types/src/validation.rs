//! Validation rules shared by the server (which enforces them) and the web app (which shows them
//! at the field before sending). Each rule returns the message a person can act on.

use chrono::{Datelike, NaiveDate};

use crate::error::FieldError;

/// The shortest password accepted. A strength estimate is checked on top of this, on the server.
pub const MIN_PASSWORD_LEN: usize = 12;
pub const MAX_PASSWORD_LEN: usize = 256;

/// What the API's own types say about a value they cannot read. The server answers with these
/// as they are, so each is written for the person who sent the value and none repeats it.
pub mod unreadable {
    pub const TIME_OF_DAY: &str = "Use a time of day written HH:MM, such as 09:30.";
    pub const DATE_OR_INSTANT: &str =
        "Use a date such as 2026-03-01, or an RFC 3339 time such as 2026-03-01T09:30:00Z.";
}

/// A rule that failed: a stable code and a message.
pub type RuleError = (&'static str, String);

/// Collects field errors.
#[derive(Debug, Default)]
pub struct Errors(Vec<FieldError>);

impl Errors {
    pub fn push(&mut self, field: &str, code: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, code, message));
    }

    pub fn check(&mut self, result: Result<(), RuleError>, field: &str) {
        if let Err((code, message)) = result {
            self.push(field, code, message);
        }
    }

    pub fn required_text(&mut self, field: &str, value: &str, max: usize) {
        self.check(required_text(value, max), field);
    }

    pub fn optional_text(&mut self, field: &str, value: Option<&str>, max: usize) {
        if let Some(v) = value {
            self.check(text(v, max), field);
        }
    }

    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

pub fn text(value: &str, max: usize) -> Result<(), RuleError> {
    if value.chars().count() > max {
        return Err(("too_long", format!("Use at most {max} characters.")));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(("invalid_characters", "Remove control characters.".into()));
    }
    Ok(())
}

pub fn required_text(value: &str, max: usize) -> Result<(), RuleError> {
    if value.trim().is_empty() {
        return Err(("required", "This field is required.".into()));
    }
    text(value, max)
}

pub fn email(value: &str) -> Result<(), RuleError> {
    let bad = || {
        Err((
            "invalid_email",
            "Enter an email address like name@example.com.".into(),
        ))
    };
    let value = value.trim();
    if value.len() > 254 {
        return bad();
    }
    let Some((local, domain)) = value.rsplit_once('@') else {
        return bad();
    };
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
    if local.is_empty() || local.contains(char::is_whitespace) || local.contains('@') || !domain_ok
    {
        return bad();
    }
    Ok(())
}

/// Normalises an email for matching: trimmed and lower-cased.
pub fn normalize_email(value: &str) -> String {
    value.trim().to_lowercase()
}

/// The digits of a phone number, with an Australian `+61`/`61` prefix folded to a leading 0 so
/// that `+61 412 345 678` and `0412 345 678` match.
pub fn normalize_phone(value: &str) -> String {
    let digits: String = value.chars().filter(char::is_ascii_digit).collect();
    match digits.strip_prefix("61") {
        Some(rest) if value.trim_start().starts_with('+') || digits.len() == 11 => {
            format!("0{rest}")
        }
        _ => digits,
    }
}

/// A phone number in the international form SMS providers take (`+61412345678`): numbers
/// written with `+` keep their country code, Australian numbers written from `0` get `+61`.
/// `None` when the number is neither.
pub fn e164(value: &str) -> Option<String> {
    let digits: String = value.chars().filter(char::is_ascii_digit).collect();
    if value.trim_start().starts_with('+') {
        return (8..=15)
            .contains(&digits.len())
            .then(|| format!("+{digits}"));
    }
    match digits.strip_prefix('0') {
        Some(rest) if digits.len() == 10 => Some(format!("+61{rest}")),
        _ => None,
    }
}

pub fn phone(value: &str) -> Result<(), RuleError> {
    let allowed = value
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    let digits = value.chars().filter(char::is_ascii_digit).count();
    if !allowed || !(6..=15).contains(&digits) {
        return Err((
            "invalid_phone",
            "Enter a phone number of 6 to 15 digits, such as 0412 345 678.".into(),
        ));
    }
    Ok(())
}

pub fn postcode(value: &str, country: Option<&str>) -> Result<(), RuleError> {
    let australian = country.is_none_or(|c| {
        let c = c.trim().to_lowercase();
        c.is_empty() || c == "au" || c == "australia"
    });
    if australian {
        if value.len() != 4 || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err((
                "invalid_postcode",
                "An Australian postcode has 4 digits.".into(),
            ));
        }
    } else {
        text(value, 20)?;
    }
    Ok(())
}

/// A Medicare card number: ten digits (spaces allowed), first digit 2–6, and the ninth digit the
/// weighted check digit of the first eight.
pub fn medicare_number(value: &str) -> Result<(), RuleError> {
    let digits: Vec<u32> = value
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_digit(10))
        .collect::<Option<_>>()
        .ok_or((
            "invalid_medicare",
            "A Medicare number has only digits.".to_string(),
        ))?;
    if digits.len() != 10 || !(2..=6).contains(&digits[0]) {
        return Err((
            "invalid_medicare",
            "A Medicare number has 10 digits.".into(),
        ));
    }
    const WEIGHTS: [u32; 8] = [1, 3, 7, 9, 1, 3, 7, 9];
    let sum: u32 = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
    if sum % 10 != digits[8] {
        return Err((
            "invalid_medicare",
            "This Medicare number's check digit does not match: check it against the card.".into(),
        ));
    }
    Ok(())
}

pub fn date_of_birth(dob: NaiveDate, today: NaiveDate) -> Result<(), RuleError> {
    if dob > today {
        return Err((
            "in_future",
            "The date of birth cannot be in the future.".into(),
        ));
    }
    if dob.year() < 1900 {
        return Err(("too_early", "Enter a date of birth after 1900.".into()));
    }
    Ok(())
}

/// The length rule for passwords; the server adds a strength estimate.
pub fn password_length(value: &str) -> Result<(), RuleError> {
    let n = value.chars().count();
    if n < MIN_PASSWORD_LEN {
        return Err((
            "too_short",
            format!("Use at least {MIN_PASSWORD_LEN} characters; a few unrelated words work well."),
        ));
    }
    if n > MAX_PASSWORD_LEN {
        return Err((
            "too_long",
            format!("Use at most {MAX_PASSWORD_LEN} characters."),
        ));
    }
    Ok(())
}

/// A network as an address and a prefix length: `203.0.113.0/24`, `2001:db8::/32`, or one
/// address (the whole length). `None` when it is neither.
pub fn parse_network(text: &str) -> Option<(std::net::IpAddr, u8)> {
    let text = text.trim();
    let (addr, prefix) = match text.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (text, None),
    };
    let addr: std::net::IpAddr = addr.parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max)?,
        None => max,
    };
    Some((addr, prefix))
}

/// Whether `address` is inside `network` (as [`parse_network`] reads it). An IPv4 address
/// written as IPv6 (`::ffff:a.b.c.d`) counts as IPv4.
pub fn network_contains(network: &str, address: &str) -> bool {
    use std::net::IpAddr;
    let Some((net, prefix)) = parse_network(network) else {
        return false;
    };
    let Ok(addr) = address.trim().parse::<IpAddr>() else {
        return false;
    };
    let addr = match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(addr, IpAddr::V4),
        v4 => v4,
    };
    match (net, addr) {
        (IpAddr::V4(n), IpAddr::V4(a)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(n) & mask == u32::from(a) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(a)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(n) & mask == u128::from(a) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medicare_check_digit() {
        assert!(medicare_number("2123 45670 1").is_ok());
        assert!(medicare_number("2123456791").is_err());
        assert!(medicare_number("1123456701").is_err());
        assert!(medicare_number("21234567").is_err());
        assert!(medicare_number("2123x56701").is_err());
    }

    #[test]
    fn emails() {
        assert!(email("a.b@example.com.au").is_ok());
        for bad in [
            "",
            "a@",
            "@b.com",
            "a b@c.com",
            "a@b",
            "a@.b",
            "a@b..",
            "a@@b.com",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phones_normalise_to_local_form() {
        assert_eq!(normalize_phone("+61 412 345 678"), "0412345678");
        assert_eq!(normalize_phone("0412-345-678"), "0412345678");
        assert_eq!(normalize_phone("(02) 9876 5432"), "0298765432");
        assert!(phone("0412 345 678").is_ok());
        assert_eq!(e164("0412 345 678").as_deref(), Some("+61412345678"));
        assert_eq!(e164("+61 412 345 678").as_deref(), Some("+61412345678"));
        assert_eq!(e164("+1 (415) 555-0100").as_deref(), Some("+14155550100"));
        assert_eq!(e164("12345"), None);
        assert!(phone("12").is_err());
        assert!(phone("0412; drop").is_err());
    }

    #[test]
    fn postcodes() {
        assert!(postcode("2000", None).is_ok());
        assert!(postcode("200", Some("Australia")).is_err());
        assert!(postcode("SW1A 1AA", Some("United Kingdom")).is_ok());
    }

    #[test]
    fn dates_of_birth() {
        let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
        assert!(date_of_birth(
            NaiveDate::from_ymd_opt(1980, 5, 4).unwrap_or_default(),
            today
        )
        .is_ok());
        assert!(date_of_birth(
            NaiveDate::from_ymd_opt(2027, 1, 1).unwrap_or_default(),
            today
        )
        .is_err());
        assert!(date_of_birth(
            NaiveDate::from_ymd_opt(1899, 1, 1).unwrap_or_default(),
            today
        )
        .is_err());
    }

    #[test]
    fn networks_hold_the_addresses_inside_them() {
        assert!(network_contains("203.0.113.0/24", "203.0.113.77"));
        assert!(!network_contains("203.0.113.0/24", "203.0.114.1"));
        assert!(network_contains("10.1.2.3", "10.1.2.3"));
        assert!(!network_contains("10.1.2.3", "10.1.2.4"));
        assert!(network_contains("0.0.0.0/0", "192.0.2.1"));
        assert!(network_contains("2001:db8::/32", "2001:db8:1::5"));
        assert!(!network_contains("2001:db8::/32", "2001:db9::5"));
        assert!(network_contains("127.0.0.0/8", "::ffff:127.0.0.1"));
        assert!(parse_network("10.0.0.0/33").is_none());
        assert!(parse_network("example.com").is_none());
        assert!(!network_contains("garbage", "10.0.0.1"));
    }
}
