//! Backups: a consistent copy of the whole database, taken while the practice works, compressed
//! and encrypted, and restored into an empty database.
//!
//! SQLite is copied with `VACUUM INTO` and PostgreSQL with `pg_dump` (custom format), each one
//! consistent snapshot. The copy is gzip-compressed and sealed in 1 MiB chunks with the
//! practice's active encryption key (AES-256-GCM, each chunk bound to the backup, its place and
//! whether it is the last, so a chunk cannot be moved, dropped or cut off unnoticed). The keys are
//! not in the backup: it is read only with them, and they must be kept apart from it.

use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context};
use chrono::Utc;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde::{Deserialize, Serialize};

use crate::platform::crypto::Crypto;
use crate::platform::db;

const MAGIC: &[u8] = b"carebase-backup 1\n";
const CHUNK: usize = 1024 * 1024;

/// What the backup says of itself, in the clear (it holds nothing of anyone).
#[derive(Serialize, Deserialize)]
struct Header {
    /// `sqlite` or `postgres`.
    backend: String,
    created_at: String,
}

/// What a backup took.
pub struct BackupSummary {
    pub path: PathBuf,
    /// The database as copied.
    pub database_bytes: u64,
    /// The backup file.
    pub file_bytes: u64,
    pub seconds: f64,
}

/// What a restore put back.
pub struct RestoreSummary {
    pub seconds: f64,
    pub audit_events: u64,
    pub patients_checked: usize,
}

fn backend_of(url: &str) -> &'static str {
    if url.starts_with("postgres") {
        "postgres"
    } else {
        "sqlite"
    }
}

/// The file of a SQLite URL (`sqlite://path?mode=rwc`).
fn sqlite_path(url: &str) -> PathBuf {
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    PathBuf::from(rest.split('?').next().unwrap_or(rest))
}

/// Writes sealed chunks: each is `u32` length, then the encrypted chunk.
struct Sealer<'a, W: Write> {
    out: W,
    crypto: &'a Crypto,
    created_at: String,
    buf: Vec<u8>,
    index: u64,
    written: u64,
}

fn chunk_aad(created_at: &str, index: u64, last: bool) -> String {
    format!("backup:{created_at}:{index}:{}", u8::from(last))
}

impl<W: Write> Sealer<'_, W> {
    fn seal(&mut self, last: bool) -> std::io::Result<()> {
        let aad = chunk_aad(&self.created_at, self.index, last);
        let sealed = self
            .crypto
            .encrypt_bytes(&self.buf, &aad)
            .map_err(std::io::Error::other)?;
        let len = u32::try_from(sealed.len()).map_err(std::io::Error::other)?;
        self.out.write_all(&len.to_be_bytes())?;
        self.out.write_all(&sealed)?;
        self.written += 4 + sealed.len() as u64;
        self.buf.clear();
        self.index += 1;
        Ok(())
    }

    /// Seals what is left as the last chunk.
    fn finish(mut self) -> std::io::Result<(W, u64)> {
        self.seal(true)?;
        self.out.flush()?;
        Ok((self.out, self.written))
    }
}

impl<W: Write> Write for Sealer<'_, W> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let room = CHUNK - self.buf.len();
        let n = room.min(data.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == CHUNK {
            self.seal(false)?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Reads sealed chunks back, refusing any that was altered, moved or left out.
struct Opener<'a, R: Read> {
    input: R,
    crypto: &'a Crypto,
    created_at: String,
    plain: Vec<u8>,
    at: usize,
    index: u64,
    ended: bool,
}

impl<R: Read> Opener<'_, R> {
    fn next_chunk(&mut self) -> std::io::Result<bool> {
        let mut len = [0u8; 4];
        match self.input.read_exact(&mut len) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                return Err(std::io::Error::other(
                    "the backup is cut off: its last part is missing",
                ))
            }
            Err(e) => return Err(e),
        }
        let mut sealed = vec![0u8; u32::from_be_bytes(len) as usize];
        self.input.read_exact(&mut sealed)?;
        for last in [false, true] {
            let aad = chunk_aad(&self.created_at, self.index, last);
            if let Ok(plain) = self.crypto.decrypt_bytes(&sealed, &aad) {
                self.plain = plain;
                self.at = 0;
                self.index += 1;
                self.ended = last;
                return Ok(true);
            }
        }
        Err(std::io::Error::other(
            "a part of the backup does not open: it was altered, or these are not its keys",
        ))
    }
}

impl<R: Read> Read for Opener<'_, R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.plain.len() {
            if self.ended {
                let mut extra = [0u8; 1];
                if self.input.read(&mut extra)? != 0 {
                    return Err(std::io::Error::other("the backup has data after its end"));
                }
                return Ok(0);
            }
            self.next_chunk()?;
        }
        let n = out.len().min(self.plain.len() - self.at);
        out[..n].copy_from_slice(&self.plain[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Writes a backup of the database at `url` to `out` (which must not exist).
pub async fn backup(
    url: &str,
    conn: &DatabaseConnection,
    crypto: &Crypto,
    out: &Path,
) -> anyhow::Result<BackupSummary> {
    let started = Instant::now();
    if out.exists() {
        bail!("{} exists: choose a new file for the backup", out.display());
    }
    let backend = backend_of(url);
    let header = Header {
        backend: backend.to_owned(),
        created_at: Utc::now().to_rfc3339(),
    };
    let partial = out.with_extension("partial");
    let mut file = BufWriter::new(
        std::fs::File::create(&partial)
            .with_context(|| format!("Failed to create {}", partial.display()))?,
    );
    file.write_all(MAGIC)?;
    file.write_all(&serde_json::to_vec(&header)?)?;
    file.write_all(b"\n")?;
    let sealer = Sealer {
        out: file,
        crypto,
        created_at: header.created_at.clone(),
        buf: Vec::with_capacity(CHUNK),
        index: 0,
        written: 0,
    };
    let mut gz = GzEncoder::new(sealer, Compression::new(6));
    let database_bytes = match backend {
        "postgres" => {
            let mut child = Command::new("pg_dump")
                .args([
                    "--format=custom",
                    "--compress=0",
                    "--no-owner",
                    "--no-privileges",
                ])
                .arg(format!("--dbname={url}"))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .context("pg_dump could not be started: install PostgreSQL's client tools")?;
            let mut stdout = child.stdout.take().context("pg_dump's output")?;
            let copied = std::io::copy(&mut stdout, &mut gz)?;
            let done = child.wait_with_output()?;
            if !done.status.success() {
                bail!(
                    "pg_dump failed: {}",
                    String::from_utf8_lossy(&done.stderr).trim()
                );
            }
            copied
        }
        _ => {
            // One consistent copy, while the practice keeps working.
            let copy = out.with_extension("snapshot");
            let _ = std::fs::remove_file(&copy);
            let path = copy.display().to_string().replace('\'', "''");
            conn.execute_unprepared(&format!("VACUUM INTO '{path}'"))
                .await
                .context("SQLite could not copy the database")?;
            let copied = std::io::copy(&mut std::fs::File::open(&copy)?, &mut gz);
            let _ = std::fs::remove_file(&copy);
            copied?
        }
    };
    let (mut file, _) = gz.finish()?.finish()?;
    file.flush()?;
    file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    std::fs::rename(&partial, out)?;
    Ok(BackupSummary {
        path: out.to_owned(),
        database_bytes,
        file_bytes: std::fs::metadata(out)?.len(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Whether the database at `url` has no tables yet.
async fn is_empty(url: &str) -> anyhow::Result<bool> {
    if backend_of(url) == "sqlite" {
        let path = sqlite_path(url);
        if !path.exists() || std::fs::metadata(&path)?.len() == 0 {
            return Ok(true);
        }
    }
    let conn = db::connect(url, 1).await?;
    let sql = match backend_of(url) {
        "postgres" => {
            "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'public'"
        }
        _ => "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table'",
    };
    let row = conn
        .query_one_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await?
        .context("counting tables")?;
    let n: i64 = row.try_get("", "n")?;
    conn.close().await?;
    Ok(n == 0)
}

/// Loads the backup `file` into the empty database at `url`, then brings its schema up to date
/// and checks it: the audit chain verifies and a sample of patients decrypts.
pub async fn restore(url: &str, crypto: &Crypto, file: &Path) -> anyhow::Result<RestoreSummary> {
    let started = Instant::now();
    let mut input = BufReader::new(
        std::fs::File::open(file).with_context(|| format!("Failed to open {}", file.display()))?,
    );
    let mut magic = vec![0u8; MAGIC.len()];
    input.read_exact(&mut magic)?;
    if magic != MAGIC {
        bail!("{} is not a Carebase backup", file.display());
    }
    let mut line = Vec::new();
    std::io::BufRead::read_until(&mut input, b'\n', &mut line)?;
    let header: Header = serde_json::from_slice(&line).context("the backup's header")?;
    let backend = backend_of(url);
    if header.backend != backend {
        bail!(
            "this is a backup of a {} database: restore it into {}",
            header.backend,
            header.backend
        );
    }
    if !is_empty(url).await? {
        bail!("the database to restore into is not empty: create a new one");
    }
    let opener = Opener {
        input,
        crypto,
        created_at: header.created_at.clone(),
        plain: Vec::new(),
        at: 0,
        index: 0,
        ended: false,
    };
    let mut plain = GzDecoder::new(opener);
    match backend {
        "postgres" => {
            let mut child = Command::new("pg_restore")
                .args(["--no-owner", "--no-privileges", "--exit-on-error"])
                .arg(format!("--dbname={url}"))
                .stdin(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .context("pg_restore could not be started: install PostgreSQL's client tools")?;
            let mut stdin = child.stdin.take().context("pg_restore's input")?;
            let copied = std::io::copy(&mut plain, &mut stdin);
            drop(stdin);
            let done = child.wait_with_output()?;
            copied?;
            if !done.status.success() {
                bail!(
                    "pg_restore failed: {}",
                    String::from_utf8_lossy(&done.stderr).trim()
                );
            }
        }
        _ => {
            let path = sqlite_path(url);
            let partial = path.with_extension("restoring");
            let mut out = std::fs::File::create(&partial)?;
            if let Err(e) = std::io::copy(&mut plain, &mut out).and_then(|_| out.sync_all()) {
                let _ = std::fs::remove_file(&partial);
                return Err(e.into());
            }
            for leftover in ["db-wal", "db-shm"] {
                let _ = std::fs::remove_file(path.with_extension(leftover));
            }
            std::fs::rename(&partial, &path)?;
        }
    }
    let conn = db::connect(url, 2).await?;
    db::migrate(&conn).await?;
    crate::audit::chain_staged(&conn).await?;
    let audit = crate::audit::verify(&conn).await?;
    if !audit.ok {
        bail!(
            "the restored audit chain is broken at event {}",
            audit.first_broken_seq.unwrap_or_default()
        );
    }
    let patients_checked = crate::patients::check_decrypts(&conn, crypto, 200).await?;
    Ok(RestoreSummary {
        seconds: started.elapsed().as_secs_f64(),
        audit_events: audit.events_checked,
        patients_checked,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crypto() -> Crypto {
        Crypto::new(
            std::collections::BTreeMap::from([(1, [7u8; 32])]),
            Some(1),
            [9u8; 32],
            vec![3u8; 32],
        )
        .unwrap()
    }

    fn sealed(data: &[u8]) -> Vec<u8> {
        let c = crypto();
        let mut s = Sealer {
            out: Vec::new(),
            crypto: &c,
            created_at: "t".into(),
            buf: Vec::new(),
            index: 0,
            written: 0,
        };
        s.write_all(data).unwrap();
        s.finish().unwrap().0
    }

    fn opened(sealed: &[u8]) -> std::io::Result<Vec<u8>> {
        let c = crypto();
        let mut o = Opener {
            input: sealed,
            crypto: &c,
            created_at: "t".into(),
            plain: Vec::new(),
            at: 0,
            index: 0,
            ended: false,
        };
        let mut out = Vec::new();
        o.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn a_sealed_stream_opens_whole_and_refuses_cuts_and_changes() {
        let data: Vec<u8> = (0..CHUNK * 2 + 10).map(|i| (i % 251) as u8).collect();
        let s = sealed(&data);
        assert_eq!(opened(&s).unwrap(), data);
        // Cut after the first chunk: the end is missing.
        let first = 4 + u32::from_be_bytes([s[0], s[1], s[2], s[3]]) as usize;
        assert!(opened(&s[..first]).is_err());
        // One byte changed.
        let mut changed = s.clone();
        changed[first + 20] ^= 1;
        assert!(opened(&changed).is_err());
        // Data after the end.
        let mut longer = s.clone();
        longer.push(0);
        assert!(opened(&longer).is_err());
        assert_eq!(opened(&sealed(b"")).unwrap(), b"");
    }
}
