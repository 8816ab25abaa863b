//! How dates, times, ages and names read on screen.

use api_types::patients::{PatientSummary, Sex};
use chrono::{DateTime, Datelike, NaiveDate, Utc};

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Now, by the browser's clock (chrono's own clock is not built for the browser).
pub fn now() -> DateTime<Utc> {
    use chrono::TimeZone;
    Utc.timestamp_millis_opt(js_sys::Date::now() as i64)
        .single()
        .unwrap_or_default()
}

/// `3 Mar 1980`.
pub fn date(d: NaiveDate) -> String {
    let month = MONTHS.get(d.month0() as usize).copied().unwrap_or("");
    format!("{} {month} {}", d.day(), d.year())
}

/// A moment in the browser's time zone: `3 Mar 2026, 14:05`.
pub fn date_time(t: DateTime<Utc>) -> String {
    let js = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(t.timestamp_millis() as f64));
    let month = MONTHS.get(js.get_month() as usize).copied().unwrap_or("");
    format!(
        "{} {month} {}, {:02}:{:02}",
        js.get_date(),
        js.get_full_year(),
        js.get_hours(),
        js.get_minutes()
    )
}

/// A length of time as a clock reads it: `1:05`, `12:00`.
pub fn minutes_seconds(seconds: i32) -> String {
    let seconds = seconds.max(0);
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

/// Whole years between a date of birth and `today`.
pub fn age(dob: NaiveDate, today: NaiveDate) -> i32 {
    let mut years = today.year() - dob.year();
    if (today.month(), today.day()) < (dob.month(), dob.day()) {
        years -= 1;
    }
    years
}

/// `3 Mar 1980 (46 years)`.
pub fn date_of_birth(dob: NaiveDate, today: NaiveDate) -> String {
    let years = age(dob, today);
    let unit = if years == 1 { "year" } else { "years" };
    format!("{} ({years} {unit})", date(dob))
}

/// The name a patient is listed under: `Last, First (Preferred)`.
pub fn listed_name(p: &PatientSummary) -> String {
    match &p.preferred_name {
        Some(pref) if !pref.is_empty() && pref != &p.first_name => {
            format!("{}, {} ({pref})", p.last_name, p.first_name)
        }
        _ => format!("{}, {}", p.last_name, p.first_name),
    }
}

pub fn sex(s: Sex) -> &'static str {
    match s {
        Sex::Female => "Female",
        Sex::Male => "Male",
        Sex::Intersex => "Intersex",
        Sex::NotStated => "Not stated",
    }
}

/// A Medicare number as printed on the card: `2123 45670 1`.
pub fn medicare(number: &str) -> String {
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    if digits.len() == 10 {
        format!("{} {} {}", &digits[..4], &digits[4..9], &digits[9..])
    } else {
        number.to_owned()
    }
}

/// A browser's user-agent string as people say it: `Chrome on Windows`.
pub fn browser(user_agent: &str) -> String {
    let ua = user_agent;
    let name = if ua.contains("Edg/") {
        "Edge"
    } else if ua.contains("Firefox/") {
        "Firefox"
    } else if ua.contains("Chrome/") || ua.contains("Chromium/") || ua.contains("CriOS/") {
        "Chrome"
    } else if ua.contains("Safari/") {
        "Safari"
    } else {
        return "A browser or app".to_owned();
    };
    let system = if ua.contains("iPhone") || ua.contains("iPad") {
        "iOS"
    } else if ua.contains("Android") {
        "Android"
    } else if ua.contains("Windows") {
        "Windows"
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        "macOS"
    } else if ua.contains("Linux") || ua.contains("X11") {
        "Linux"
    } else {
        return name.to_owned();
    };
    format!("{name} on {system}")
}

/// Saves text as a file download, such as an export.
pub fn download(filename: &str, mime: &str, contents: &str) {
    save(
        filename,
        mime,
        &js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(contents)),
    );
}

/// Offers bytes (an archive) to the browser as a file to save.
pub fn download_bytes(filename: &str, mime: &str, contents: &[u8]) {
    save(
        filename,
        mime,
        &js_sys::Array::of1(&js_sys::Uint8Array::from(contents)),
    );
}

/// A `blob:` address for bytes, for showing a file in place; revoke it with
/// `web_sys::Url::revoke_object_url` when done.
pub fn object_url(mime: &str, contents: &[u8]) -> Option<String> {
    blob_url(
        mime,
        &js_sys::Array::of1(&js_sys::Uint8Array::from(contents)),
    )
}

fn blob_url(mime: &str, parts: &js_sys::Array) -> Option<String> {
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(parts, &options).ok()?;
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}

fn save(filename: &str, mime: &str, parts: &js_sys::Array) {
    use wasm_bindgen::JsCast;
    let Some(url) = blob_url(mime, parts) else {
        return;
    };
    let document = leptos::prelude::document();
    if let Some(anchor) = document
        .create_element("a")
        .ok()
        .and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    {
        anchor.set_href(&url);
        anchor.set_download(filename);
        anchor.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// A file size people read: "812 bytes", "14 KB", "3.2 MB".
pub fn file_size(bytes: i64) -> String {
    let b = bytes as f64;
    if b < 1024.0 {
        format!("{bytes} bytes")
    } else if b < 1024.0 * 1024.0 {
        format!("{:.0} KB", b / 1024.0)
    } else {
        format!("{:.1} MB", b / (1024.0 * 1024.0))
    }
}

/// Characters in one SMS, and in each part of a longer one.
const SMS_SINGLE: usize = 160;
const SMS_PART: usize = 153;

/// How an SMS of `chars` characters is sent: "212 of 459 characters · 2 texts".
pub fn sms_length(chars: usize) -> String {
    let parts = if chars <= SMS_SINGLE {
        1
    } else {
        chars.div_ceil(SMS_PART)
    };
    let texts = if parts == 1 {
        "1 text".to_owned()
    } else {
        format!("{parts} texts")
    };
    format!(
        "{chars} of {} characters · {texts}",
        api_types::comms::SMS_MAX_CHARS
    )
}

/// Copies text to the clipboard; the promise's outcome is not awaited.
pub fn copy_to_clipboard(text: &str) {
    let clipboard = leptos::prelude::window().navigator().clipboard();
    let _ = clipboard.write_text(text);
}
