//! The archive a patient's export is written into: `record.json` made of sections that each
//! domain adds, files beside it, streamed to the client as they are produced (see
//! [`super::zip_stream`]), so an export of any size holds little in memory and nothing on disk.

use serde::Serialize;
use tokio::sync::mpsc;

use super::zip_stream::ZipStream;
use super::ApiResult;

/// Bytes are sent on once this many are waiting.
const CHUNK: usize = 64 * 1024;

/// What the client receives: chunks of the archive, or the error that cut it short.
pub type Chunk = Result<actix_web::web::Bytes, std::io::Error>;

/// An export being written.
pub struct Archive {
    zip: ZipStream<Vec<u8>>,
    tx: mpsc::Sender<Chunk>,
    record: serde_json::Map<String, serde_json::Value>,
    withheld: Vec<String>,
}

/// Why a part of the record was left out of an export: the person exporting may not read it
/// through the API either.
#[derive(Debug, Serialize)]
struct Withheld<'a> {
    parts: &'a [String],
    reason: &'static str,
}

impl Archive {
    /// An archive whose chunks go to `tx`.
    pub fn new(tx: mpsc::Sender<Chunk>) -> Archive {
        Archive {
            zip: ZipStream::new(Vec::with_capacity(CHUNK * 2)),
            tx,
            record: serde_json::Map::new(),
            withheld: Vec::new(),
        }
    }

    /// Adds `value` to `record.json` under `name`.
    pub fn section(&mut self, name: &str, value: impl Serialize) -> ApiResult<()> {
        let value = serde_json::to_value(value).map_err(anyhow::Error::from)?;
        self.record.insert(name.to_owned(), value);
        Ok(())
    }

    /// Notes that `name` is not in this export because its reader may not see it.
    pub fn withhold(&mut self, name: &str) {
        self.withheld.push(name.to_owned());
    }

    /// Starts a file to be written piece by piece with [`Archive::write`].
    pub async fn start_file(&mut self, path: &str) -> ApiResult<()> {
        self.zip.start(path)?;
        self.flush().await
    }

    pub async fn write(&mut self, bytes: &[u8]) -> ApiResult<()> {
        self.zip.write(bytes)?;
        self.flush().await
    }

    /// Writes `record.json` (the sections, with `head` first and the list of withheld parts) and
    /// `readme`, and ends the archive.
    pub async fn finish(
        mut self,
        head: serde_json::Map<String, serde_json::Value>,
        readme: &str,
    ) -> ApiResult<()> {
        let mut record = head;
        record.append(&mut self.record);
        if !self.withheld.is_empty() {
            let withheld = Withheld {
                parts: &self.withheld,
                reason: "Not shown to the person who made this export, as in the app.",
            };
            record.insert(
                "withheld".to_owned(),
                serde_json::to_value(withheld).map_err(anyhow::Error::from)?,
            );
        }
        let json = serde_json::to_vec_pretty(&record).map_err(anyhow::Error::from)?;
        self.zip.entry("record.json", &json)?;
        self.zip.entry("README.txt", readme.as_bytes())?;
        let rest = self.zip.finish()?;
        send(&self.tx, rest).await
    }

    async fn flush(&mut self) -> ApiResult<()> {
        if self.zip.sink().len() < CHUNK {
            return Ok(());
        }
        let bytes = std::mem::take(self.zip.sink());
        send(&self.tx, bytes).await
    }
}

async fn send(tx: &mpsc::Sender<Chunk>, bytes: Vec<u8>) -> ApiResult<()> {
    if bytes.is_empty() {
        return Ok(());
    }
    tx.send(Ok(actix_web::web::Bytes::from(bytes)))
        .await
        .map_err(|_| super::ApiError::Internal(anyhow::anyhow!("the client went away")))
}

/// The response body reading an archive's chunks.
pub fn body(rx: mpsc::Receiver<Chunk>) -> impl futures_util::Stream<Item = Chunk> + 'static {
    futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    })
}
