//! iCalendar (RFC 5545): appointment invitations for emails and practitioners' feeds.
//! Lines end in CRLF and are folded at 75 octets; text is escaped; times are UTC.

use chrono::{DateTime, Utc};

/// One event.
pub struct Event<'a> {
    /// Stable per appointment, so that calendars update the event rather than add one.
    pub uid: String,
    /// Grows with every change (the appointment's version).
    pub sequence: i32,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub summary: &'a str,
    pub description: Option<&'a str>,
    pub cancelled: bool,
    pub stamp: DateTime<Utc>,
}

/// `METHOD` of a calendar sent by email: a new or changed event, or a cancellation. Feeds
/// (subscribed calendars) carry no method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Request,
    Cancel,
    Publish,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
            Method::Publish => "PUBLISH",
        }
    }
}

/// Escapes TEXT values (RFC 5545 §3.3.11).
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends a content line, folded so that no line exceeds 75 octets (continuations start with
/// a space), never splitting a UTF-8 character.
fn line(out: &mut String, text: &str) {
    let mut width = 0;
    for c in text.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A whole calendar.
pub fn calendar(name: &str, method: Method, organizer: Option<&str>, events: &[Event]) -> String {
    let mut out = String::new();
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//Carebase//Scheduling//EN");
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, &format!("METHOD:{}", method.as_str()));
    line(&mut out, &format!("X-WR-CALNAME:{}", escape(name)));
    for e in events {
        line(&mut out, "BEGIN:VEVENT");
        line(&mut out, &format!("UID:{}", escape(&e.uid)));
        line(&mut out, &format!("SEQUENCE:{}", e.sequence));
        line(&mut out, &format!("DTSTAMP:{}", stamp(e.stamp)));
        line(&mut out, &format!("DTSTART:{}", stamp(e.starts_at)));
        line(&mut out, &format!("DTEND:{}", stamp(e.ends_at)));
        line(&mut out, &format!("SUMMARY:{}", escape(e.summary)));
        if let Some(d) = e.description {
            line(&mut out, &format!("DESCRIPTION:{}", escape(d)));
        }
        if let Some(o) = organizer {
            line(
                &mut out,
                &format!("ORGANIZER;CN={}:mailto:{}", escape(name), o),
            );
        }
        line(
            &mut out,
            if e.cancelled {
                "STATUS:CANCELLED"
            } else {
                "STATUS:CONFIRMED"
            },
        );
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn events_are_escaped_folded_and_in_utc() {
        let summary = "Physio, long consult; follow-up\\check ".repeat(4);
        let ics = calendar(
            "Harbour Clinic",
            Method::Request,
            Some("clinic@example.com"),
            &[Event {
                uid: "0193-abc@carebase".into(),
                sequence: 2,
                starts_at: t("2026-12-07T22:00:00Z"),
                ends_at: t("2026-12-07T22:30:00Z"),
                summary: &summary,
                description: Some("Line one\nLine two"),
                cancelled: false,
                stamp: t("2026-12-01T00:00:00Z"),
            }],
        );
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(ics.contains("METHOD:REQUEST\r\n"));
        assert!(ics.contains("DTSTART:20261207T220000Z\r\n"));
        assert!(ics.contains("SEQUENCE:2\r\n"));
        assert!(ics.contains("Physio\\, long consult\\; follow-up\\\\check"));
        assert!(ics.contains("DESCRIPTION:Line one\\nLine two"));
        for l in ics.split("\r\n") {
            assert!(l.len() <= 75, "{l}");
        }
        // Unfolding restores the summary.
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("SUMMARY:{}", escape(&summary))));
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
    }

    #[test]
    fn folding_never_splits_a_character() {
        let mut out = String::new();
        line(&mut out, &"é".repeat(100));
        for l in out.split("\r\n") {
            assert!(l.len() <= 75);
        }
        assert_eq!(out.replace("\r\n ", "").trim_end(), "é".repeat(100));
    }
}
