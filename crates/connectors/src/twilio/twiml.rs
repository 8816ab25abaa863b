//! TwiML, the XML that tells Twilio what to do with a call: only the verbs the practice uses,
//! every text and attribute escaped.

use std::fmt::Write;

/// Escapes text for XML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() && !matches!(c, '\n' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

/// A `<Response>` being written.
#[derive(Debug, Default)]
pub struct Response {
    verbs: String,
}

/// How a `<Dial>` connects and records.
#[derive(Debug, Clone)]
pub struct Dial<'a> {
    /// The number the callee sees.
    pub caller_id: &'a str,
    /// The number to connect.
    pub number: &'a str,
    /// Where Twilio posts the dialled leg's outcome (`DialCallStatus`, `DialCallDuration`).
    pub action: &'a str,
    /// Seconds to let the number ring.
    pub ring_seconds: u32,
    /// TwiML played to the callee once they answer, before they are connected (an
    /// announcement).
    pub whisper_url: Option<&'a str>,
    /// Record both sides from the answer; Twilio posts the recording's status here.
    pub recording_callback: Option<&'a str>,
}

impl Response {
    pub fn new() -> Response {
        Response::default()
    }

    /// Speaks `text`.
    pub fn say(mut self, text: &str) -> Response {
        let _ = write!(self.verbs, "<Say>{}</Say>", escape(text));
        self
    }

    /// Connects the call to a number.
    pub fn dial(mut self, dial: &Dial<'_>) -> Response {
        let _ = write!(
            self.verbs,
            r#"<Dial callerId="{}" action="{}" method="POST" timeout="{}""#,
            escape(dial.caller_id),
            escape(dial.action),
            dial.ring_seconds
        );
        if let Some(callback) = dial.recording_callback {
            let _ = write!(
                self.verbs,
                r#" record="record-from-answer-dual" recordingStatusCallback="{}" recordingStatusCallbackMethod="POST" recordingStatusCallbackEvent="completed absent""#,
                escape(callback)
            );
        }
        self.verbs.push('>');
        match dial.whisper_url {
            Some(url) => {
                let _ = write!(
                    self.verbs,
                    r#"<Number url="{}" method="POST">{}</Number>"#,
                    escape(url),
                    escape(dial.number)
                );
            }
            None => {
                let _ = write!(self.verbs, "<Number>{}</Number>", escape(dial.number));
            }
        }
        self.verbs.push_str("</Dial>");
        self
    }

    /// Ends the call.
    pub fn hangup(mut self) -> Response {
        self.verbs.push_str("<Hangup/>");
        self
    }

    /// The document.
    pub fn build(self) -> String {
        if self.verbs.is_empty() {
            return r#"<?xml version="1.0" encoding="UTF-8"?><Response/>"#.to_owned();
        }
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><Response>{}</Response>"#,
            self.verbs
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dial_that_records_announces_to_the_callee_and_escapes_its_addresses() {
        let xml = Response::new()
            .say("Connecting you to the patient.")
            .dial(&Dial {
                caller_id: "+61480000000",
                number: "+61412345678",
                action: "https://clinic.example/a?x=1&y=2",
                ring_seconds: 30,
                whisper_url: Some("https://clinic.example/announce"),
                recording_callback: Some("https://clinic.example/recording"),
            })
            .build();
        assert!(xml.starts_with(r#"<?xml version="1.0" encoding="UTF-8"?><Response><Say>"#));
        assert!(xml.contains(r#"action="https://clinic.example/a?x=1&amp;y=2""#));
        assert!(xml.contains(r#"record="record-from-answer-dual""#));
        assert!(xml.contains(
            r#"<Number url="https://clinic.example/announce" method="POST">+61412345678</Number>"#
        ));
        assert!(xml.ends_with("</Dial></Response>"));
    }

    #[test]
    fn text_cannot_open_a_verb() {
        let xml = Response::new().say("</Say><Dial>+1900</Dial>").build();
        assert!(!xml.contains("<Dial>"));
        assert!(xml.contains("&lt;/Say&gt;"));
    }

    #[test]
    fn nothing_to_do_is_an_empty_response() {
        assert_eq!(
            Response::new().build(),
            r#"<?xml version="1.0" encoding="UTF-8"?><Response/>"#
        );
    }
}
