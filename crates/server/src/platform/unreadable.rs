//! Reading request bodies and query strings so that a value which cannot be read is answered the
//! way validation answers: the field at fault, by the path the web app's forms use
//! (`phone_numbers[0].number`, `address.postcode`), with a code and what to send instead.
//!
//! serde's own messages quote what was sent (`invalid type: string "Jane"`) and a submitted value
//! may be health information, so they are never passed on: each is recognised by its form and
//! answered in words of our own. Only names (of fields, including one the client made up, and
//! of allowed values) and the position of a syntax error are repeated.

use std::fmt::Write as _;

use api_types::validation::unreadable;
use api_types::FieldError;
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_path_to_error::{Path, Segment};

/// Reads an already-parsed JSON body as `T`.
pub fn from_json<T: DeserializeOwned>(value: &Value) -> Result<T, FieldError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        describe(field_path(e.path()), &e.inner().to_string(), || {
            submitted(value, e.path()).map(str::to_owned)
        })
    })
}

/// Reads a JSON body as `T` straight from its bytes, for bodies `Body` does not take: ones that
/// may be arrays, and too large to hold twice.
pub fn from_json_bytes<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, FieldError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let out = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let inner = e.inner();
        if inner.is_syntax() || inner.is_eof() {
            return syntax(&field_path(e.path()), inner);
        }
        describe(field_path(e.path()), &without_position(inner), || {
            let value: Value = serde_json::from_slice(bytes).ok()?;
            submitted(&value, e.path()).map(str::to_owned)
        })
    })?;
    de.end().map_err(|e| syntax("", &e))?;
    Ok(out)
}

/// Reads a query string as `T`; the parameter at fault is named like a body field.
pub fn from_query<T: DeserializeOwned>(query: &str) -> Result<T, FieldError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let name = field_path(e.path());
        describe(name.clone(), &e.inner().to_string(), || {
            form_urlencoded::parse(query.as_bytes())
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.into_owned())
        })
    })
}

/// A body that is not JSON at all, or stops too soon. The whole body is at fault unless the
/// parser got as far as a field.
pub fn syntax(field: &str, e: &serde_json::Error) -> FieldError {
    let message = if e.is_eof() {
        "Send valid JSON: the body ends too soon.".to_owned()
    } else {
        format!(
            "Send valid JSON: the body is malformed at line {}, column {}.",
            e.line(),
            e.column()
        )
    };
    FieldError::new(field, "invalid_json", message)
}

/// A JSON value that could not be read as its type, where its place in the body is not known
/// (`web::Json` does not track it).
pub fn data(e: &serde_json::Error) -> FieldError {
    describe(String::new(), &without_position(e), || None)
}

/// A body that is valid JSON but not an object. serde would read a struct from an array of its
/// fields in order, which no client means; for bodies whose fields are all optional (patches)
/// that would turn `[null, null]` into a change.
pub fn not_an_object() -> FieldError {
    FieldError::new("", "invalid_type", "Send a JSON object.")
}

/// serde_json's message, without the position it appends when reading from text.
fn without_position(e: &serde_json::Error) -> String {
    let message = e.to_string();
    let position = format!(" at line {} column {}", e.line(), e.column());
    match message.strip_suffix(&position) {
        Some(stripped) if e.line() > 0 => stripped.to_owned(),
        _ => message,
    }
}

/// The string submitted at `path`, consulted only to choose the words of a message.
fn submitted<'v>(mut value: &'v Value, path: &Path) -> Option<&'v str> {
    for segment in path {
        value = match segment {
            Segment::Seq { index } => value.get(index)?,
            Segment::Map { key } => value.get(key)?,
            Segment::Enum { .. } | Segment::Unknown => return None,
        };
    }
    value.as_str()
}

/// The path as validation writes it: `phone_numbers[0].number`; empty for the whole body.
fn field_path(path: &Path) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Seq { index } => {
                let _ = write!(out, "[{index}]");
            }
            Segment::Map { key: name } | Segment::Enum { variant: name } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(name);
            }
            Segment::Unknown => {}
        }
    }
    out
}

fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}

/// The text between `prefix` and the next backtick: a field name serde quotes.
fn quoted<'m>(message: &'m str, prefix: &str) -> Option<&'m str> {
    let rest = message.strip_prefix(prefix)?;
    rest.split_once('`').map(|(name, _)| name)
}

/// What serde says was expected. It comes last, after anything quoted from the input, and the
/// API's own types define it. With nothing expected serde says so instead, and a `, expected`
/// before that could only be the client's.
fn expectation(message: &str) -> Option<&str> {
    if message.ends_with(", there are no fields") || message.ends_with(", there are no variants") {
        return None;
    }
    message
        .rfind(", expected ")
        .map(|i| &message[i + ", expected ".len()..])
}

/// One field that could not be read. `submitted` gives the value sent there, when it helps to
/// choose the words; it is never repeated.
fn describe(at: String, message: &str, submitted: impl FnOnce() -> Option<String>) -> FieldError {
    if let Some(name) = quoted(message, "missing field `") {
        return FieldError::new(join(&at, name), "required", "This field is required.");
    }
    if let Some(name) = quoted(message, "duplicate field `") {
        return FieldError::new(join(&at, name), "duplicate_field", "Send this field once.");
    }
    // The key itself is already the last step of the path.
    if message.starts_with("unknown field `") {
        let text = match expectation(message) {
            Some(fields) => format!("This field is not accepted here; expected {fields}."),
            None => "This field is not accepted here.".to_owned(),
        };
        return FieldError::new(at, "unknown_field", text);
    }
    if message.starts_with("unknown variant `") {
        let text = match expectation(message) {
            Some(values) => format!("Use {values}."),
            None => "This value is not accepted here.".to_owned(),
        };
        return FieldError::new(at, "invalid_value", text);
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let wanted = expectation(rest).map_or("another type".into(), expected);
        let text = match sent_kind(rest) {
            Some(kind) => format!("Use {wanted} here, not {kind}."),
            None => format!("Use {wanted} here."),
        };
        return FieldError::new(at, "invalid_type", text);
    }
    if let Some(rest) = message.strip_prefix("invalid value: ") {
        let text = match expectation(rest) {
            Some(wanted) => format!("Use {}.", expected(wanted)),
            None => "This value is not accepted here.".to_owned(),
        };
        return FieldError::new(at, "invalid_value", text);
    }
    if let Some(rest) = message.strip_prefix("invalid length ") {
        let text = match expectation(rest) {
            Some(wanted) => format!("Use {}.", expected(wanted)),
            None => "This has the wrong number of items.".to_owned(),
        };
        return FieldError::new(at, "invalid_length", text);
    }
    let (code, text) = custom(message, submitted);
    FieldError::new(at, code, text)
}

/// Messages from types' own parsers: chrono's, uuid's, the standard library's (query strings
/// arrive as text) and the API's own.
fn custom(
    message: &str,
    submitted: impl FnOnce() -> Option<String>,
) -> (&'static str, &'static str) {
    const CHRONO: [&str; 7] = [
        "input is out of range",
        "no possible date and time matching input",
        "input is not enough for unique date and time",
        "input contains invalid characters",
        "premature end of input",
        "trailing input",
        "bad or unsupported format string",
    ];
    match message {
        m if CHRONO.contains(&m) => {
            let with_time = submitted().is_some_and(|s| s.contains(':'));
            let text = if with_time {
                "Use a real date and time, such as 2026-03-01T09:30:00Z (or 2026-03-01T09:30:00 \
                 where the field is a local time)."
            } else {
                "Use a real calendar date, written YYYY-MM-DD."
            };
            ("invalid_date", text)
        }
        m if m.starts_with("UUID parsing failed") => (
            "invalid_value",
            "Use an id in UUID form, such as 0190b2f4-8d2c-7a4e-9a43-2f6d6c7c1e55.",
        ),
        "invalid digit found in string"
        | "cannot parse integer from empty string"
        | "number too large to fit in target type"
        | "number too small to fit in target type" => {
            ("invalid_value", "Use a whole number in range.")
        }
        "invalid float literal" => ("invalid_value", "Use a number."),
        "provided string was not `true` or `false`" => ("invalid_value", "Use `true` or `false`."),
        unreadable::TIME_OF_DAY => ("invalid_time", unreadable::TIME_OF_DAY),
        unreadable::DATE_OR_INSTANT => ("invalid_date", unreadable::DATE_OR_INSTANT),
        m if m.starts_with("data did not match any variant") => (
            "invalid_value",
            "This value is in none of the forms the field accepts.",
        ),
        _ => (
            "invalid_value",
            "This value cannot be read; see the API documentation for its form.",
        ),
    }
}

/// What kind of value was sent, from the start of serde's description of it (which goes on to
/// quote the value).
fn sent_kind(description: &str) -> Option<&'static str> {
    const KINDS: [(&str, &str); 9] = [
        ("string", "text"),
        ("integer", "a number"),
        ("floating point", "a number"),
        ("boolean", "`true` or `false`"),
        ("null", "null"),
        ("unit value", "null"),
        ("sequence", "a list"),
        ("map", "an object"),
        ("character", "text"),
    ];
    KINDS
        .iter()
        .find(|(serde, _)| description.starts_with(serde))
        .map(|(_, ours)| *ours)
}

/// serde's description of the expected type, in words for people who write JSON, not Rust.
fn expected(wanted: &str) -> String {
    fn whole(min: i128, max: i128) -> String {
        format!("a whole number from {min} to {max}")
    }
    match wanted {
        "a string" | "a borrowed string" | "a char" | "a character" => "text".to_owned(),
        "a boolean" => "`true` or `false`".to_owned(),
        "u8" => whole(0, u8::MAX.into()),
        "u16" => whole(0, u16::MAX.into()),
        "u32" => whole(0, u32::MAX.into()),
        "u64" | "usize" => whole(0, u64::MAX.into()),
        "i8" => whole(i8::MIN.into(), i8::MAX.into()),
        "i16" => whole(i16::MIN.into(), i16::MAX.into()),
        "i32" => whole(i32::MIN.into(), i32::MAX.into()),
        "i64" | "isize" => whole(i64::MIN.into(), i64::MAX.into()),
        "f32" | "f64" => "a number".to_owned(),
        "a sequence" => "a list".to_owned(),
        "a formatted date string" => "a date written YYYY-MM-DD".to_owned(),
        "an RFC 3339 formatted date and time string" => {
            "a date and time such as 2026-03-01T09:30:00Z".to_owned()
        }
        "a formatted date and time string" => {
            "a date and time such as 2026-03-01T09:30:00".to_owned()
        }
        "a formatted time string" => "a time such as 09:30:00".to_owned(),
        w if w.starts_with("a UUID") || w == "a formatted UUID string" => {
            "an id in UUID form".to_owned()
        }
        w if w.starts_with("struct ") || w.starts_with("a map") => "an object".to_owned(),
        w if w.starts_with("tuple") || w.starts_with("a tuple") => "a list".to_owned(),
        w if w.starts_with("enum ") || w.ends_with("identifier") => {
            "one of the values the API documents".to_owned()
        }
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Phone {
        number: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Person {
        first_name: String,
        date_of_birth: Option<chrono::NaiveDate>,
        #[serde(default)]
        phone_numbers: Vec<Phone>,
        #[serde(default)]
        kind: Option<Kind>,
        #[serde(default)]
        age: Option<u8>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Mobile,
        Home,
    }

    fn error(body: Value) -> FieldError {
        match from_json::<Person>(&body) {
            Ok(p) => panic!("read {p:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn each_kind_of_unreadable_value_names_its_field_and_never_repeats_it() {
        let cases = [
            (
                serde_json::json!({"first_name": "Zed", "date_of_birth": "2023-02-30"}),
                "date_of_birth",
                "invalid_date",
                "2023-02-30",
            ),
            (
                serde_json::json!({"first_name": "Zed", "phone_numbers": [{"number": 412345678}]}),
                "phone_numbers[0].number",
                "invalid_type",
                "412345678",
            ),
            (
                serde_json::json!({"first_name": "Zed", "nickname": "Zeddy"}),
                "nickname",
                "unknown_field",
                "Zeddy",
            ),
            (
                serde_json::json!({"date_of_birth": null}),
                "first_name",
                "required",
                "null",
            ),
            (
                serde_json::json!({"first_name": "Zed", "kind": "pager-secret"}),
                "kind",
                "invalid_value",
                "pager-secret",
            ),
            (
                serde_json::json!({"first_name": "Zed", "age": 300}),
                "age",
                "invalid_value",
                "300",
            ),
            (
                serde_json::json!({"first_name": ["Zed secret"]}),
                "first_name",
                "invalid_type",
                "secret",
            ),
        ];
        for (body, field, code, secret) in cases {
            let e = error(body);
            assert_eq!((e.field.as_str(), e.code.as_str()), (field, code), "{e:?}");
            assert!(!e.message.contains(secret), "{e:?}");
        }
    }

    #[test]
    fn messages_say_what_to_send() {
        let e = error(serde_json::json!({"first_name": 5}));
        assert_eq!(e.message, "Use text here, not a number.");
        let e = error(serde_json::json!({"first_name": "Zed", "kind": "x"}));
        assert_eq!(e.message, "Use `mobile` or `home`.");
        let e = error(serde_json::json!({"first_name": "Zed", "age": 300}));
        assert_eq!(e.message, "Use a whole number from 0 to 255.");
        let e = error(serde_json::json!({"first_name": "Zed", "date_of_birth": "2023-02-30"}));
        assert_eq!(e.message, "Use a real calendar date, written YYYY-MM-DD.");
    }

    #[test]
    fn a_made_up_field_is_named_but_nothing_after_it_is_taken_for_serdes_words() {
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Nothing {}
        let e = from_json::<Nothing>(&serde_json::json!({"x, expected Jane": 1})).err();
        assert_eq!(
            e.map(|e| e.message),
            Some("This field is not accepted here.".to_owned())
        );
    }

    #[test]
    fn the_apis_own_types_are_answered_in_their_own_words() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Hours {
            start: api_types::scheduling::ClockTime,
        }
        let e = from_json::<Vec<Hours>>(&serde_json::json!([{"start": "25:99"}])).err();
        assert_eq!(
            e.map(|e| (e.field, e.code, e.message)),
            Some((
                "[0].start".to_owned(),
                "invalid_time".to_owned(),
                unreadable::TIME_OF_DAY.to_owned()
            ))
        );
    }

    #[test]
    fn bytes_name_the_entry_of_an_array_and_drop_the_position() {
        let body = br#"[{"number": "1"}, {"number": true}]"#;
        let e = from_json_bytes::<Vec<Phone>>(body).err();
        let e = e.map(|e| (e.field, e.code, e.message));
        assert_eq!(
            e,
            Some((
                "[1].number".to_owned(),
                "invalid_type".to_owned(),
                "Use text here, not `true` or `false`.".to_owned()
            ))
        );
        let e = from_json_bytes::<Vec<Phone>>(br#"[{"number": "1"}, {"numb"#).err();
        assert_eq!(e.map(|e| e.code), Some("invalid_json".to_owned()));
        let e = from_json_bytes::<Vec<Phone>>(br#"[] []"#).err();
        assert_eq!(e.map(|e| e.code), Some("invalid_json".to_owned()));
    }

    #[test]
    fn query_parameters_are_named() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Page {
            limit: Option<u64>,
            from: chrono::NaiveDate,
        }
        let e = from_query::<Page>("limit=abc&from=2026-01-01").err();
        assert_eq!(
            e.map(|e| (e.field, e.code)),
            Some(("limit".to_owned(), "invalid_value".to_owned()))
        );
        let e = from_query::<Page>("limit=5").err();
        assert_eq!(
            e.map(|e| (e.field, e.code)),
            Some(("from".to_owned(), "required".to_owned()))
        );
        let e = from_query::<Page>("from=2026-02-30T10:00").err();
        assert_eq!(
            e.map(|e| (e.field, e.code)),
            Some(("from".to_owned(), "invalid_date".to_owned()))
        );
    }
}
