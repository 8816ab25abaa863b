//! A file's bytes kept as numbered pieces of at most [`PIECE`] bytes, each encrypted on its
//! own. An upload is typed as it arrives and spooled, encrypted, to a temporary file (so a slow
//! client holds no database connection), then stored piece by piece in the change's
//! transaction; a download reads and decrypts one piece at a time as it is sent. No request
//! holds a whole file in memory.

use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;

use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::HttpRequest;
use entity::clinical::{document_blob, document_chunk};
use futures_util::{Stream, StreamExt};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use uuid::Uuid;

use super::kinds::{Detected, Sniffer};
use crate::platform::crypto::Crypto;
use crate::platform::{ApiError, ApiResult};

/// The most bytes of a file in one piece.
pub const PIECE: usize = 256 * 1024;

fn aad(id: Uuid, seq: i16) -> String {
    format!("documents.chunk:{id}:{seq}")
}

/// How documents stored before they were kept in pieces are sealed, in `document_blobs`.
fn whole_aad(id: Uuid) -> String {
    format!("documents.data:{id}")
}

/// An upload, received: its encrypted pieces in a spool file that is gone once this is
/// dropped, with the id they were sealed for, its size and its type.
pub struct Received {
    pub id: Uuid,
    pub size: u64,
    /// `None`: not a kind of file that is accepted.
    pub detected: Option<Detected>,
    spool: tokio::fs::File,
    /// Each piece's length in the spool.
    sealed: Vec<usize>,
}

fn cut_off() -> ApiError {
    ApiError::with_detail(api_types::ErrorCode::BadRequest, "The upload was cut off.")
}

fn spool_error(e: std::io::Error) -> ApiError {
    if e.kind() == std::io::ErrorKind::StorageFull {
        return ApiError::storage_full();
    }
    ApiError::Internal(anyhow::Error::new(e).context("spooling an upload"))
}

/// Reads an upload a piece at a time, refusing it with 413 as soon as it passes `max` bytes (or
/// says it will).
pub async fn receive(
    req: &HttpRequest,
    mut payload: web::Payload,
    max: u64,
    crypto: &Arc<Crypto>,
) -> ApiResult<Received> {
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
    let id = Uuid::now_v7();
    let spool = tempfile::tempfile().map_err(spool_error)?;
    let mut received = Received {
        id,
        size: 0,
        detected: None,
        spool: tokio::fs::File::from_std(spool),
        sealed: Vec::new(),
    };
    let mut sniffer = Sniffer::default();
    let mut piece = Vec::with_capacity(PIECE.min(declared.unwrap_or(0) as usize));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| cut_off())?;
        received.size += chunk.len() as u64;
        if received.size > max {
            return Err(too_large());
        }
        let mut rest = &chunk[..];
        while !rest.is_empty() {
            let take = (PIECE - piece.len()).min(rest.len());
            piece.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if piece.len() == PIECE {
                sniffer.feed(&piece);
                received.spool_piece(crypto, &piece).await?;
                piece.clear();
            }
        }
    }
    if !piece.is_empty() {
        sniffer.feed(&piece);
        received.spool_piece(crypto, &piece).await?;
    }
    if received.size == 0 {
        return Err(ApiError::field(
            "file",
            "required",
            "Choose a file to upload; this one is empty.",
        ));
    }
    // A zip's directory is at its end: it is read back from the spool, off the request's thread.
    received.spool.flush().await.map_err(spool_error)?;
    let reader = SpoolReader::new(&received, crypto.clone()).await?;
    received.detected = tokio::task::spawn_blocking(move || sniffer.finish(|| reader))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(received)
}

impl Received {
    async fn spool_piece(&mut self, crypto: &Crypto, piece: &[u8]) -> ApiResult<()> {
        let seq = i16::try_from(self.sealed.len()).map_err(|_| cut_off())?;
        let sealed = crypto.encrypt_bytes(piece, &aad(self.id, seq))?;
        self.spool.write_all(&sealed).await.map_err(spool_error)?;
        self.sealed.push(sealed.len());
        Ok(())
    }

    /// Stores the spooled pieces under the document (whose row `db` already holds).
    pub async fn store(mut self, db: &impl ConnectionTrait) -> ApiResult<()> {
        self.spool.flush().await.map_err(spool_error)?;
        self.spool
            .seek(SeekFrom::Start(0))
            .await
            .map_err(spool_error)?;
        for (seq, len) in self.sealed.iter().enumerate() {
            let mut data = vec![0; *len];
            self.spool
                .read_exact(&mut data)
                .await
                .map_err(spool_error)?;
            insert(db, self.id, seq, data).await?;
        }
        Ok(())
    }
}

async fn insert(db: &impl ConnectionTrait, id: Uuid, seq: usize, data: Vec<u8>) -> ApiResult<()> {
    document_chunk::ActiveModel {
        document_id: Set(id),
        seq: Set(i16::try_from(seq).map_err(|e| ApiError::Internal(e.into()))?),
        data: Set(data),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Deletes a file's bytes, in pieces or whole.
pub async fn delete(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<()> {
    document_chunk::Entity::delete_many()
        .filter(document_chunk::Column::DocumentId.eq(id))
        .exec(db)
        .await?;
    document_blob::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// Stores a file held in memory (a recording fetched, an email's attachment) in pieces.
pub async fn store_bytes(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    id: Uuid,
    bytes: &[u8],
) -> ApiResult<()> {
    for (seq, piece) in bytes.chunks(PIECE).enumerate() {
        let seq16 = i16::try_from(seq).map_err(|e| ApiError::Internal(e.into()))?;
        insert(db, id, seq, crypto.encrypt_bytes(piece, &aad(id, seq16))?).await?;
    }
    Ok(())
}

/// The piece of the file that follows the `sent` bytes already read (piece `seq`), checked
/// against the file's `size` so that a file missing its end is never passed off as whole.
/// `None` once the file is complete.
async fn next_piece(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    id: Uuid,
    (seq, sent, size): (i16, u64, u64),
) -> ApiResult<Option<Vec<u8>>> {
    if sent >= size && seq > 0 {
        return Ok(None);
    }
    let found = document_chunk::Entity::find_by_id((id, seq))
        .one(db)
        .await?;
    let bytes = match found {
        Some(piece) => crypto.decrypt_bytes(&piece.data, &aad(id, seq))?,
        // Stored whole, before files were kept in pieces.
        None if seq == 0 => {
            let blob = document_blob::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or_else(ApiError::not_found)?;
            crypto.decrypt_bytes(&blob.data, &whole_aad(id))?
        }
        None => {
            return Err(ApiError::Internal(anyhow::anyhow!(
                "document {id} ends after {sent} of its {size} bytes"
            )))
        }
    };
    if bytes.is_empty() || sent + bytes.len() as u64 > size {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "document {id} holds more than its {size} bytes"
        )));
    }
    Ok(Some(bytes))
}

/// A stored file of `size` bytes read one piece at a time, each checked against the size so
/// that a file missing its end is never passed off as whole.
#[derive(Debug, Clone, Copy)]
pub struct Reader {
    id: Uuid,
    size: u64,
    seq: i16,
    sent: u64,
}

impl Reader {
    pub fn new(id: Uuid, size: u64) -> Reader {
        Reader {
            id,
            size,
            seq: 0,
            sent: 0,
        }
    }

    /// The next piece, decrypted; `None` once the file is complete.
    pub async fn next(
        &mut self,
        db: &impl ConnectionTrait,
        crypto: &Crypto,
    ) -> ApiResult<Option<Vec<u8>>> {
        let piece = next_piece(db, crypto, self.id, (self.seq, self.sent, self.size)).await?;
        if let Some(bytes) = &piece {
            self.seq += 1;
            self.sent += bytes.len() as u64;
        }
        Ok(piece)
    }
}

/// The bytes of a stored file as they are sent, one piece read and decrypted at a time. A piece
/// that cannot be read ends the response early, so the client sees an incomplete transfer
/// rather than a wrong file.
pub fn stream(
    db: sea_orm::DatabaseConnection,
    crypto: Arc<Crypto>,
    reader: Reader,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + 'static {
    futures_util::stream::try_unfold(reader, move |mut reader| {
        let (db, crypto) = (db.clone(), crypto.clone());
        async move {
            match reader.next(&db, &crypto).await {
                Ok(Some(piece)) => Ok(Some((Bytes::from(piece), reader))),
                Ok(None) => Ok(None),
                Err(e) => {
                    tracing::error!(document = %reader.id, error = ?e, "a document could not be sent whole");
                    Err(std::io::Error::other("the document could not be read"))
                }
            }
        }
    })
}

/// Reads a spooled upload back as plain bytes, a piece at a time (for a zip's directory).
struct SpoolReader {
    file: std::fs::File,
    crypto: Arc<Crypto>,
    id: Uuid,
    /// Where each piece starts in the spool, and its length there.
    pieces: Vec<(u64, usize)>,
    size: u64,
    pos: u64,
    open: Option<(usize, Vec<u8>)>,
}

impl SpoolReader {
    async fn new(received: &Received, crypto: Arc<Crypto>) -> ApiResult<SpoolReader> {
        let file = received
            .spool
            .try_clone()
            .await
            .map_err(spool_error)?
            .into_std()
            .await;
        let mut at = 0;
        let pieces = received
            .sealed
            .iter()
            .map(|len| {
                let piece = (at, *len);
                at += *len as u64;
                piece
            })
            .collect();
        Ok(SpoolReader {
            file,
            crypto,
            id: received.id,
            pieces,
            size: received.size,
            pos: 0,
            open: None,
        })
    }
}

impl Read for SpoolReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos >= self.size || buf.is_empty() {
            return Ok(0);
        }
        let index = (self.pos / PIECE as u64) as usize;
        if self.open.as_ref().map(|(i, _)| *i) != Some(index) {
            let (start, len) = self.pieces[index];
            let mut sealed = vec![0; len];
            self.file.seek(SeekFrom::Start(start))?;
            self.file.read_exact(&mut sealed)?;
            let seq = i16::try_from(index).map_err(std::io::Error::other)?;
            let plain = self
                .crypto
                .decrypt_bytes(&sealed, &aad(self.id, seq))
                .map_err(std::io::Error::other)?;
            self.open = Some((index, plain));
        }
        let Some((_, plain)) = &self.open else {
            return Ok(0);
        };
        let from = (self.pos % PIECE as u64) as usize;
        let n = buf.len().min(plain.len() - from);
        buf[..n].copy_from_slice(&plain[from..from + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for SpoolReader {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let pos = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.size.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = pos.ok_or_else(|| std::io::Error::other("seek before the start"))?;
        Ok(self.pos)
    }
}
