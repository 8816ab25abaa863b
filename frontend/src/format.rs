//! How dates, times, ages and names read on screen.

use api_types::patients::{PatientSummary, Sex};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};

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

thread_local! {
    /// The practice's time zone (IANA name), once the server has said; until then the browser's.
    static ZONE: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Sets the practice's time zone, in which every date and time is read and written.
pub fn set_zone(zone: &str) {
    let zone = zone.trim();
    ZONE.with(|z| *z.borrow_mut() = (!zone.is_empty()).then(|| zone.to_owned()));
}

/// The practice's time zone, if known.
pub fn zone() -> Option<String> {
    ZONE.with(|z| z.borrow().clone())
}

/// A moment as the practice's wall clock reads it.
pub fn local(t: DateTime<Utc>) -> NaiveDateTime {
    let js = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(t.timestamp_millis() as f64));
    let options = js_sys::Object::new();
    let set = |k: &str, v: &str| {
        let _ = js_sys::Reflect::set(&options, &k.into(), &v.into());
    };
    if let Some(zone) = zone() {
        set("timeZone", &zone);
    }
    set("hourCycle", "h23");
    set("year", "numeric");
    set("month", "2-digit");
    set("day", "2-digit");
    set("hour", "2-digit");
    set("minute", "2-digit");
    set("second", "2-digit");
    // `12/05/2026, 09:02:41`
    let text: String = js.to_locale_string("en-US", &options).into();
    let n: Vec<u32> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.parse().ok())
        .collect();
    match n.as_slice() {
        [month, day, year, hour, minute, second, ..] => {
            NaiveDate::from_ymd_opt(*year as i32, *month, *day)
                .and_then(|d| d.and_hms_opt(hour % 24, *minute, *second))
                .unwrap_or_else(|| t.naive_utc())
        }
        _ => t.naive_utc(),
    }
}

/// The moment the practice's wall clock reads `wall` (the earlier one when the clocks repeat a
/// time; a time they skip is taken an hour on).
pub fn instant(wall: NaiveDateTime) -> DateTime<Utc> {
    let guess = wall.and_utc();
    let offset = local(guess) - guess.naive_utc();
    let first = guess - offset;
    let offset2 = local(first) - first.naive_utc();
    if offset2 == offset {
        first
    } else {
        guess - offset2
    }
}

/// Today in the practice.
pub fn today() -> NaiveDate {
    local(now()).date()
}

/// The first moment of a day in the practice.
pub fn start_of_day(d: NaiveDate) -> DateTime<Utc> {
    instant(d.and_time(NaiveTime::MIN))
}

/// The last moment of a day in the practice (a second before the next begins): what "until
/// 31 Jan" means when a person picks that day.
pub fn end_of_day(d: NaiveDate) -> DateTime<Utc> {
    start_of_day(d + chrono::Duration::days(1)) - chrono::Duration::seconds(1)
}

/// `3 Mar 1980`.
pub fn date(d: NaiveDate) -> String {
    let month = MONTHS.get(d.month0() as usize).copied().unwrap_or("");
    format!("{} {month} {}", d.day(), d.year())
}

/// The one way a time of day is written, as the practice's locale (en-AU) does: `9:30 am`,
/// `2:05 pm`.
pub fn time(t: NaiveTime) -> String {
    let (pm, h) = t.hour12();
    format!("{h}:{:02} {}", t.minute(), if pm { "pm" } else { "am" })
}

/// A moment in the practice's time zone: `3 Mar 2026, 2:05 pm`.
pub fn date_time(t: DateTime<Utc>) -> String {
    let l = local(t);
    format!("{}, {}", date(l.date()), time(l.time()))
}

/// An end a person chose as a day (the last second of it in the practice) reads as that day:
/// `31 Jan 2027`; any other moment with its time.
pub fn until(t: DateTime<Utc>) -> String {
    let l = local(t);
    if l.time() >= NaiveTime::from_hms_opt(23, 59, 0).unwrap_or(NaiveTime::MIN) {
        date(l.date())
    } else {
        date_time(t)
    }
}

/// Times a server message writes on a 24-hour clock (`13:30 to 14:00`), as the app writes
/// them (`1:30 pm to 2:00 pm`).
pub fn times_in(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let at = |k: usize| chars.get(k).copied().unwrap_or(' ');
        let boundary_before = i == 0 || !at(i - 1).is_ascii_alphanumeric() && at(i - 1) != ':';
        if boundary_before
            && at(i).is_ascii_digit()
            && at(i + 1).is_ascii_digit()
            && at(i + 2) == ':'
            && at(i + 3).is_ascii_digit()
            && at(i + 4).is_ascii_digit()
            && !at(i + 5).is_ascii_digit()
        {
            let h = at(i).to_digit(10).unwrap_or(0) * 10 + at(i + 1).to_digit(10).unwrap_or(0);
            let m = at(i + 3).to_digit(10).unwrap_or(0) * 10 + at(i + 4).to_digit(10).unwrap_or(0);
            // `13:30:00` (seconds) is taken as it is.
            let seconds = at(i + 5) == ':' && at(i + 6).is_ascii_digit();
            if let (Some(t), false) = (NaiveTime::from_hms_opt(h, m, 0), seconds) {
                out.push_str(&time(t));
                i += 5;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
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
