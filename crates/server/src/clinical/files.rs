//! Files in the record: read with a size cap, typed by their content, given a safe name, and
//! kept encrypted in the database beside their description, so a backup of the database is a
//! backup of the files and every replica sees the same ones.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use api_types::documents::{Disposition, Document, DocumentKind, DocumentSource};
use chrono::Utc;
use entity::clinical::{document, document_blob};
use futures_util::StreamExt;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait};
use uuid::Uuid;

use crate::platform::crypto::Crypto;
use crate::platform::{ApiError, ApiResult};
use crate::users;

/// A type recognised from a file's first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detected {
    pub media_type: &'static str,
    pub extension: &'static str,
    /// Browsers show it in place.
    pub previewable: bool,
}

const fn detected(
    media_type: &'static str,
    extension: &'static str,
    previewable: bool,
) -> Detected {
    Detected {
        media_type,
        extension,
        previewable,
    }
}

pub const PDF: Detected = detected("application/pdf", "pdf", true);
pub const PNG: Detected = detected("image/png", "png", true);
pub const JPEG: Detected = detected("image/jpeg", "jpg", true);
pub const GIF: Detected = detected("image/gif", "gif", true);
pub const WEBP: Detected = detected("image/webp", "webp", true);
pub const DICOM: Detected = detected("application/dicom", "dcm", false);
pub const DOCX: Detected = detected(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "docx",
    false,
);
pub const DOC: Detected = detected("application/msword", "doc", false);
pub const TEXT: Detected = detected("text/plain", "txt", true);
/// Audio, such as a call's recording: browsers play it in place.
pub const MP3: Detected = detected("audio/mpeg", "mp3", true);
pub const WAV: Detected = detected("audio/wav", "wav", true);

const KNOWN: [Detected; 11] = [PDF, PNG, JPEG, GIF, WEBP, DICOM, DOCX, DOC, TEXT, MP3, WAV];

/// What a stored media type is, for serving it back.
pub fn known(media_type: &str) -> Option<Detected> {
    KNOWN.into_iter().find(|d| d.media_type == media_type)
}

/// The file's type from its content alone; `None` for anything not accepted (executables,
/// archives, spreadsheets, HTML with binary content…).
pub fn sniff(bytes: &[u8]) -> Option<Detected> {
    if bytes.starts_with(b"%PDF-") {
        return Some(PDF);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(PNG);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(JPEG);
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return Some(GIF);
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Some(WEBP);
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WAVE" {
        return Some(WAV);
    }
    // An ID3 tag, or an MPEG audio frame's sync bits (layer III).
    if bytes.starts_with(b"ID3")
        || (bytes.len() >= 2 && bytes[0] == 0xFF && matches!(bytes[1], 0xFB | 0xF3 | 0xF2 | 0xFA))
    {
        return Some(MP3);
    }
    if bytes.len() >= 132 && &bytes[128..132] == b"DICM" {
        return Some(DICOM);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return is_docx(bytes).then_some(DOCX);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        // A compound file is Word only if it holds a `WordDocument` stream (not Excel's
        // `Workbook` or PowerPoint's).
        let name: Vec<u8> = "WordDocument"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        return bytes
            .windows(name.len())
            .any(|w| w == name.as_slice())
            .then_some(DOC);
    }
    is_text(bytes).then_some(TEXT)
}

fn is_docx(bytes: &[u8]) -> bool {
    let Ok(mut archive) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return false;
    };
    archive.by_name("[Content_Types].xml").is_ok() && archive.by_name("word/document.xml").is_ok()
}

/// UTF-8 with no NUL and no control characters besides tab, line breaks and form feed.
fn is_text(bytes: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(bytes) else {
        return false;
    };
    !s.is_empty()
        && !s
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}'))
}

/// A name safe to keep and to send back: no directories, no control or shell characters, at
/// most 100 characters before an extension that matches the content.
pub fn safe_name(original: &str, detected: Detected) -> String {
    let base = original
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .trim();
    let stem = match base.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => base,
    };
    let mut cleaned = String::with_capacity(stem.len());
    let mut last_sep = false;
    for c in stem.chars() {
        let keep = c.is_alphanumeric() || matches!(c, '-' | '_' | '(' | ')' | ' ' | '.');
        let c = if keep { c } else { '_' };
        let sep = matches!(c, '_' | ' ');
        if sep && last_sep {
            continue;
        }
        last_sep = sep;
        cleaned.push(c);
    }
    let cleaned: String = cleaned
        .trim_matches(|c: char| matches!(c, '.' | ' ' | '_'))
        .chars()
        .take(100)
        .collect();
    let stem = if cleaned.is_empty() {
        "document"
    } else {
        cleaned.trim_end()
    };
    format!("{stem}.{}", detected.extension)
}

/// Reads an upload, refusing it with 413 as soon as it passes `max` bytes (or says it will).
pub async fn read_upload(
    req: &HttpRequest,
    mut payload: web::Payload,
    max: u64,
) -> ApiResult<Vec<u8>> {
    let too_large = || {
        ApiError::with_detail(
            api_types::ErrorCode::PayloadTooLarge,
            format!(
                "Files can be at most {} MB.",
                (max as f64 / (1024.0 * 1024.0)).round()
            ),
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max) {
        return Err(too_large());
    }
    let mut buf = Vec::with_capacity(declared.unwrap_or(0).min(max) as usize);
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| {
            ApiError::with_detail(api_types::ErrorCode::BadRequest, "The upload was cut off.")
        })?;
        if (buf.len() + chunk.len()) as u64 > max {
            return Err(too_large());
        }
        buf.extend_from_slice(&chunk);
    }
    if buf.is_empty() {
        return Err(ApiError::field(
            "file",
            "required",
            "Choose a file to upload; this one is empty.",
        ));
    }
    Ok(buf)
}

fn aad(id: Uuid, column: &str) -> String {
    format!("documents.{column}:{id}")
}

/// Where a new file belongs.
pub struct NewFile<'a> {
    pub patient_id: Uuid,
    pub kind: DocumentKind,
    pub original_name: &'a str,
    pub description: Option<&'a str>,
    pub note_id: Option<Uuid>,
    pub study_id: Option<Uuid>,
    pub source: DocumentSource,
    pub uploaded_by: Option<Uuid>,
}

/// Types the bytes, encrypts them and stores both rows.
/// A stored file's (safe) name.
pub fn name_of(crypto: &Crypto, row: &document::Model) -> ApiResult<String> {
    Ok(crypto.decrypt_str(&row.name_enc, &aad(row.id, "name"))?)
}

pub async fn store(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    file: NewFile<'_>,
    bytes: &[u8],
) -> ApiResult<document::Model> {
    let detected = sniff(bytes).ok_or_else(|| {
        ApiError::with_detail(
            api_types::ErrorCode::UnsupportedMediaType,
            format!(
                "This kind of file can't be added. Accepted: {}.",
                api_types::documents::ACCEPTED_TYPES
            ),
        )
    })?;
    let id = Uuid::now_v7();
    let name = safe_name(file.original_name, detected);
    let description = file
        .description
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| crypto.encrypt_str(d, &aad(id, "description")))
        .transpose()?;
    let row = document::ActiveModel {
        id: Set(id),
        patient_id: Set(file.patient_id),
        kind: Set(file.kind.as_str().into()),
        name_enc: Set(crypto.encrypt_str(&name, &aad(id, "name"))?),
        description_enc: Set(description),
        media_type: Set(detected.media_type.into()),
        size_bytes: Set(bytes.len() as i64),
        note_id: Set(file.note_id),
        study_id: Set(file.study_id),
        source: Set(match file.source {
            DocumentSource::Patient => "patient",
            DocumentSource::Staff => "staff",
        }
        .into()),
        uploaded_by: Set(file.uploaded_by),
        created_at: Set(Utc::now()),
        deleted_at: Set(None),
    }
    .insert(db)
    .await?;
    document_blob::ActiveModel {
        document_id: Set(id),
        data: Set(crypto.encrypt_bytes(bytes, &aad(id, "data"))?),
    }
    .insert(db)
    .await?;
    Ok(row)
}

/// The decrypted bytes of a stored file.
pub async fn content(db: &impl ConnectionTrait, crypto: &Crypto, id: Uuid) -> ApiResult<Vec<u8>> {
    let blob = document_blob::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(crypto.decrypt_bytes(&blob.data, &aad(id, "data"))?)
}

/// Rows to the wire, uploaders' names looked up once each.
pub async fn to_wire(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    rows: Vec<document::Model>,
) -> ApiResult<Vec<Document>> {
    let mut people: Vec<Uuid> = rows.iter().filter_map(|r| r.uploaded_by).collect();
    people.sort_unstable();
    people.dedup();
    let names = users::names(db, crypto, &people).await?;
    rows.into_iter()
        .map(|r| {
            Ok(Document {
                id: r.id,
                patient_id: r.patient_id,
                kind: DocumentKind::parse(&r.kind).unwrap_or(DocumentKind::Other),
                name: crypto.decrypt_str(&r.name_enc, &aad(r.id, "name"))?,
                description: r
                    .description_enc
                    .as_deref()
                    .map(|d| crypto.decrypt_str(d, &aad(r.id, "description")))
                    .transpose()?,
                previewable: known(&r.media_type).is_some_and(|d| d.previewable),
                media_type: r.media_type,
                size_bytes: r.size_bytes,
                note_id: r.note_id,
                study_id: r.study_id,
                source: if r.source == "patient" {
                    DocumentSource::Patient
                } else {
                    DocumentSource::Staff
                },
                uploaded_by_name: r.uploaded_by.and_then(|u| names.get(&u).cloned()),
                uploaded_by: r.uploaded_by,
                created_at: r.created_at,
            })
        })
        .collect()
}

/// The file as a response: its detected type, never sniffed by the browser, shown in place
/// only when asked and previewable, and not cached.
pub fn respond(doc: &Document, bytes: Vec<u8>, disposition: Disposition) -> HttpResponse {
    let inline = disposition == Disposition::Inline && doc.previewable;
    let content_type = if doc.media_type == TEXT.media_type {
        "text/plain; charset=utf-8".to_owned()
    } else {
        doc.media_type.clone()
    };
    let ascii: String = doc
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '(' | ')' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = doc
        .name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "{}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}",
                if inline { "inline" } else { "attachment" }
            ),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_content_not_names() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some(PDF));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some(PNG));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), Some(JPEG));
        assert_eq!(sniff(b"GIF89a\x01\0\x01\0"), Some(GIF));
        assert_eq!(sniff(b"RIFF\x24\0\0\0WEBPVP8 "), Some(WEBP));
        let mut dicom = vec![0u8; 128];
        dicom.extend_from_slice(b"DICM\x02\0");
        assert_eq!(sniff(&dicom), Some(DICOM));
        assert_eq!(sniff("Blood results: normal\n".as_bytes()), Some(TEXT));
        assert_eq!(sniff(b"ID3\x04\0\0\0\0\0\0"), Some(MP3));
        assert_eq!(sniff(&[0xFF, 0xFB, 0x90, 0x64, 0]), Some(MP3));
        assert_eq!(sniff(b"RIFF\x24\0\0\0WAVEfmt "), Some(WAV));
        // An executable, a script with a NUL, an arbitrary zip and bare bytes are refused.
        assert_eq!(sniff(b"MZ\x90\0\x03\0\0\0"), None);
        assert_eq!(sniff(b"\x7fELF\x02\x01"), None);
        assert_eq!(sniff(b"echo hi\0"), None);
        assert_eq!(sniff(&[0x00, 0x9F, 0x92, 0x96]), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn word_files_are_told_apart_from_other_office_files() {
        let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        ole.extend(vec![0u8; 64]);
        let mut word = ole.clone();
        word.extend("WordDocument".encode_utf16().flat_map(u16::to_le_bytes));
        let mut excel = ole;
        excel.extend("Workbook".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(sniff(&word), Some(DOC));
        assert_eq!(sniff(&excel), None);

        use std::io::Write;
        let zipped = |entries: &[&str]| {
            let mut out = std::io::Cursor::new(Vec::new());
            let mut z = zip::ZipWriter::new(&mut out);
            for e in entries {
                z.start_file(*e, zip::write::SimpleFileOptions::default())
                    .unwrap();
                z.write_all(b"<x/>").unwrap();
            }
            z.finish().unwrap();
            out.into_inner()
        };
        assert_eq!(
            sniff(&zipped(&["[Content_Types].xml", "word/document.xml"])),
            Some(DOCX)
        );
        assert_eq!(
            sniff(&zipped(&["[Content_Types].xml", "xl/workbook.xml"])),
            None
        );
    }

    #[test]
    fn names_are_made_safe_and_match_the_content() {
        assert_eq!(safe_name("../../etc/passwd", TEXT), "passwd.txt");
        assert_eq!(safe_name("C:\\Users\\me\\scan.PDF", PDF), "scan.pdf");
        assert_eq!(safe_name("report.exe", PDF), "report.pdf");
        assert_eq!(safe_name("a<b>|c?*.png", PNG), "a_b_c.png");
        assert_eq!(safe_name("  ..  ", JPEG), "document.jpg");
        assert_eq!(safe_name("\u{202e}gpj.exe", JPEG), "gpj.jpg");
        assert_eq!(
            safe_name("Résumé médical.docx", DOCX),
            "Résumé médical.docx"
        );
        assert_eq!(safe_name(&"x".repeat(300), TEXT).len(), 104);
    }
}
