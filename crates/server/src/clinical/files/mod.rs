//! Files in the record: read with a size cap, typed by their content, given a safe name, and
//! kept encrypted in the database beside their description, so a backup of the database is a
//! backup of the files and every replica sees the same ones. Files are written and read in
//! pieces ([`pieces`]), so their size never becomes the server's memory.

mod kinds;
mod pieces;

use std::sync::Arc;

use actix_web::http::header;
use actix_web::HttpResponse;
use api_types::documents::{Disposition, Document, DocumentKind, DocumentSource};
use chrono::Utc;
use entity::clinical::document;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait};
use uuid::Uuid;

use kinds::TEXT;
pub use kinds::{known, sniff, Detected};
pub use pieces::Received;

use crate::platform::crypto::Crypto;
use crate::platform::{ApiError, ApiResult};
use crate::users;

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

/// Reads an upload a piece at a time, up to the practice's `max_upload_bytes` (see
/// [`pieces::receive`]).
pub async fn receive(
    state: &crate::state::AppState,
    req: &actix_web::HttpRequest,
    payload: actix_web::web::Payload,
) -> ApiResult<Received> {
    pieces::receive(req, payload, state.settings.max_upload_bytes, &state.crypto).await
}

/// Types a file held in memory (a recording fetched, an email's attachment), encrypts it and
/// stores it in pieces with its description.
pub async fn store(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    file: NewFile<'_>,
    bytes: &[u8],
) -> ApiResult<document::Model> {
    let id = Uuid::now_v7();
    let row = insert_row(db, crypto, id, file, sniff(bytes), bytes.len() as u64).await?;
    pieces::store_bytes(db, crypto, id, bytes).await?;
    Ok(row)
}

/// Stores an upload, typed and encrypted as it was received, with its description.
pub async fn store_received(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    file: NewFile<'_>,
    received: Received,
) -> ApiResult<document::Model> {
    let row = insert_row(
        db,
        crypto,
        received.id,
        file,
        received.detected,
        received.size,
    )
    .await?;
    received.store(db).await?;
    Ok(row)
}

async fn insert_row(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    id: Uuid,
    file: NewFile<'_>,
    detected: Option<Detected>,
    size: u64,
) -> ApiResult<document::Model> {
    let detected = detected.ok_or_else(|| {
        ApiError::with_detail(
            api_types::ErrorCode::UnsupportedMediaType,
            format!(
                "This kind of file can't be added. Accepted: {}.",
                api_types::documents::ACCEPTED_TYPES
            ),
        )
    })?;
    let name = safe_name(file.original_name, detected);
    let description = file
        .description
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| crypto.encrypt_str(d, &aad(id, "description")))
        .transpose()?;
    Ok(document::ActiveModel {
        id: Set(id),
        patient_id: Set(file.patient_id),
        kind: Set(file.kind.as_str().into()),
        name_enc: Set(crypto.encrypt_str(&name, &aad(id, "name"))?),
        description_enc: Set(description),
        media_type: Set(detected.media_type.into()),
        size_bytes: Set(size as i64),
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
    .await?)
}

/// A stored file's bytes, to be read a piece at a time (for an archive of the record).
pub fn reader(doc: &Document) -> pieces::Reader {
    pieces::Reader::new(doc.id, doc.size_bytes.max(0) as u64)
}

/// Deletes a stored file's bytes (its description stays, marked deleted, by the caller).
pub async fn delete_content(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<()> {
    pieces::delete(db, id).await
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
/// The bytes are read and decrypted a piece at a time as they are sent.
pub fn respond(
    db: sea_orm::DatabaseConnection,
    crypto: Arc<Crypto>,
    doc: &Document,
    disposition: Disposition,
) -> HttpResponse {
    let size = doc.size_bytes.max(0) as u64;
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
        .no_chunking(size)
        .streaming(pieces::stream(
            db,
            crypto,
            pieces::Reader::new(doc.id, size),
        ))
}

#[cfg(test)]
mod tests {
    use super::kinds::{DOCX, JPEG, PDF, PNG};
    use super::*;

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
