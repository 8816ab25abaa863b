//! A ZIP archive written as a stream: each entry is deflated as its bytes arrive and followed by a
//! data descriptor (CRC and sizes), so nothing is held in memory but the bytes not yet sent, and
//! nothing touches the disk. Readers of every common tool open such archives.
//!
//! Limits: entries and the whole archive under 4 GiB, fewer than 65,535 entries (no ZIP64).

use std::io::Write;

use flate2::write::DeflateEncoder;
use flate2::Compression;

/// Where an archive's bytes go as they are produced.
pub trait Sink {
    fn put(&mut self, bytes: &[u8]) -> anyhow::Result<()>;
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        self.extend_from_slice(bytes);
        Ok(())
    }
}

struct Central {
    name: String,
    crc: u32,
    compressed: u32,
    size: u32,
    offset: u32,
}

/// A streaming ZIP writer over a [`Sink`].
pub struct ZipStream<S: Sink> {
    sink: S,
    offset: u64,
    entries: Vec<Central>,
    open: Option<Open>,
}

struct Open {
    name: String,
    offset: u64,
    crc: crc32fast::Hasher,
    size: u64,
    deflate: DeflateEncoder<Vec<u8>>,
    compressed: u64,
}

const FLAGS: u16 = 0x0008 | 0x0800; // sizes in a data descriptor; UTF-8 names
const DEFLATE: u16 = 8;
const VERSION: u16 = 20;
/// 1980-01-01 00:00, the earliest date ZIP can say; the archive's own time is in its contents.
const DOS_TIME: u16 = 0;
const DOS_DATE: u16 = (1 << 5) | 1;

impl<S: Sink> ZipStream<S> {
    pub fn new(sink: S) -> Self {
        ZipStream {
            sink,
            offset: 0,
            entries: Vec::new(),
            open: None,
        }
    }

    /// The sink, to drain what was written so far.
    pub fn sink(&mut self) -> &mut S {
        &mut self.sink
    }

    fn emit(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        self.offset += bytes.len() as u64;
        self.sink.put(bytes)
    }

    /// Starts an entry named `name` (ending the one before).
    pub fn start(&mut self, name: &str) -> anyhow::Result<()> {
        self.end_entry()?;
        let mut header = Vec::with_capacity(30 + name.len());
        header.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        header.extend_from_slice(&VERSION.to_le_bytes());
        header.extend_from_slice(&FLAGS.to_le_bytes());
        header.extend_from_slice(&DEFLATE.to_le_bytes());
        header.extend_from_slice(&DOS_TIME.to_le_bytes());
        header.extend_from_slice(&DOS_DATE.to_le_bytes());
        header.extend_from_slice(&[0; 12]); // CRC and sizes follow the data
        header.extend_from_slice(&u16::try_from(name.len())?.to_le_bytes());
        header.extend_from_slice(&0u16.to_le_bytes());
        header.extend_from_slice(name.as_bytes());
        let offset = self.offset;
        self.emit(&header)?;
        self.open = Some(Open {
            name: name.to_owned(),
            offset,
            crc: crc32fast::Hasher::new(),
            size: 0,
            deflate: DeflateEncoder::new(Vec::new(), Compression::default()),
            compressed: 0,
        });
        Ok(())
    }

    /// Adds bytes to the entry started last.
    pub fn write(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        let Some(open) = self.open.as_mut() else {
            anyhow::bail!("no entry started");
        };
        open.crc.update(bytes);
        open.size += bytes.len() as u64;
        open.deflate.write_all(bytes)?;
        let out = std::mem::take(open.deflate.get_mut());
        open.compressed += out.len() as u64;
        self.emit(&out)
    }

    /// A whole entry at once.
    pub fn entry(&mut self, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
        self.start(name)?;
        self.write(bytes)
    }

    fn end_entry(&mut self) -> anyhow::Result<()> {
        let Some(open) = self.open.take() else {
            return Ok(());
        };
        let rest = open.deflate.finish()?;
        let compressed = open.compressed + rest.len() as u64;
        self.emit(&rest)?;
        let crc = open.crc.finalize();
        let (compressed, size, offset) = (
            u32::try_from(compressed)?,
            u32::try_from(open.size)?,
            u32::try_from(open.offset)?,
        );
        let mut descriptor = Vec::with_capacity(16);
        descriptor.extend_from_slice(&0x0807_4b50u32.to_le_bytes());
        descriptor.extend_from_slice(&crc.to_le_bytes());
        descriptor.extend_from_slice(&compressed.to_le_bytes());
        descriptor.extend_from_slice(&size.to_le_bytes());
        self.emit(&descriptor)?;
        self.entries.push(Central {
            name: open.name,
            crc,
            compressed,
            size,
            offset,
        });
        Ok(())
    }

    /// Ends the last entry and writes the central directory. Returns the sink.
    pub fn finish(mut self) -> anyhow::Result<S> {
        self.end_entry()?;
        let start = u32::try_from(self.offset)?;
        let mut dir = Vec::new();
        for e in &self.entries {
            dir.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
            dir.extend_from_slice(&VERSION.to_le_bytes());
            dir.extend_from_slice(&VERSION.to_le_bytes());
            dir.extend_from_slice(&FLAGS.to_le_bytes());
            dir.extend_from_slice(&DEFLATE.to_le_bytes());
            dir.extend_from_slice(&DOS_TIME.to_le_bytes());
            dir.extend_from_slice(&DOS_DATE.to_le_bytes());
            dir.extend_from_slice(&e.crc.to_le_bytes());
            dir.extend_from_slice(&e.compressed.to_le_bytes());
            dir.extend_from_slice(&e.size.to_le_bytes());
            dir.extend_from_slice(&u16::try_from(e.name.len())?.to_le_bytes());
            dir.extend_from_slice(&[0; 12]); // extra, comment, disk, attributes
            dir.extend_from_slice(&e.offset.to_le_bytes());
            dir.extend_from_slice(e.name.as_bytes());
        }
        let count = u16::try_from(self.entries.len())?;
        let size = u32::try_from(dir.len())?;
        dir.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        dir.extend_from_slice(&[0; 4]); // disk numbers
        dir.extend_from_slice(&count.to_le_bytes());
        dir.extend_from_slice(&count.to_le_bytes());
        dir.extend_from_slice(&size.to_le_bytes());
        dir.extend_from_slice(&start.to_le_bytes());
        dir.extend_from_slice(&0u16.to_le_bytes());
        self.emit(&dir)?;
        Ok(self.sink)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn an_archive_written_as_a_stream_reads_back_entry_by_entry() {
        let mut zip = ZipStream::new(Vec::new());
        zip.entry("README.txt", b"hello").unwrap();
        zip.start("data/big.csv").unwrap();
        let mut expected = Vec::new();
        for i in 0..20_000 {
            let line = format!("{i},value {i}\n");
            expected.extend_from_slice(line.as_bytes());
            zip.write(line.as_bytes()).unwrap();
        }
        zip.entry("empty", b"").unwrap();
        let bytes = zip.finish().unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(archive.len(), 3);
        let mut read = |name: &str| {
            let mut out = Vec::new();
            archive
                .by_name(name)
                .unwrap()
                .read_to_end(&mut out)
                .unwrap();
            out
        };
        assert_eq!(read("README.txt"), b"hello");
        assert_eq!(read("data/big.csv"), expected);
        assert!(read("empty").is_empty());
    }
}
