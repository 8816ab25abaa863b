//! What a file is, from its content alone and never from its name, decided as its bytes arrive:
//! the first bytes name a candidate, and the kinds that can only be told from the whole file
//! (text, Word and Word 2007) are confirmed once all of it has been seen.

use std::io::{Read, Seek};

/// A type recognised from a file's content.
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

/// The bytes every signature below fits in (DICOM's sits after a 128-byte preamble).
const HEAD: usize = 132;

/// Decides a file's type from its bytes fed in order, in pieces of any size.
pub struct Sniffer {
    state: State,
}

enum State {
    /// Fewer than [`HEAD`] bytes seen.
    Head(Vec<u8>),
    /// Known from the first bytes (`None`: refused).
    Decided(Option<Detected>),
    /// Text so far; `carry` is a character cut off at the end of the last piece.
    Text { carry: Vec<u8> },
    /// A compound file, Word only if it holds a `WordDocument` stream; `tail` is the end of the
    /// last piece, where the name may have been cut off.
    Compound { found: bool, tail: Vec<u8> },
    /// A zip archive, Word 2007 only if its directory lists the document's parts.
    Zip,
}

/// `WordDocument` as a compound file's directory spells it (UTF-16LE).
fn word_stream_name() -> Vec<u8> {
    "WordDocument"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect()
}

impl Default for Sniffer {
    fn default() -> Self {
        Sniffer {
            state: State::Head(Vec::with_capacity(HEAD)),
        }
    }
}

impl Sniffer {
    pub fn feed(&mut self, piece: &[u8]) {
        if let State::Head(head) = &mut self.state {
            let take = piece.len().min(HEAD - head.len());
            head.extend_from_slice(&piece[..take]);
            if head.len() < HEAD {
                return;
            }
            let head = std::mem::take(head);
            self.state = candidate(&head);
            self.more(&head);
            self.more(&piece[take..]);
        } else {
            self.more(piece);
        }
    }

    fn more(&mut self, piece: &[u8]) {
        match &mut self.state {
            State::Text { carry } => match text_piece(carry, piece) {
                Some(rest) => *carry = rest,
                None => self.state = State::Decided(None),
            },
            State::Compound { found, tail } => {
                if !*found {
                    let name = word_stream_name();
                    tail.extend_from_slice(piece);
                    *found = tail.windows(name.len()).any(|w| w == name.as_slice());
                    let keep = tail.len().min(name.len() - 1);
                    tail.drain(..tail.len() - keep);
                }
            }
            State::Head(_) | State::Decided(_) | State::Zip => {}
        }
    }

    /// The type, once the whole file has been fed; `file` reads it back for a zip's directory.
    pub fn finish<R: Read + Seek>(mut self, file: impl FnOnce() -> R) -> Option<Detected> {
        if let State::Head(head) = &mut self.state {
            if head.is_empty() {
                return None;
            }
            let head = std::mem::take(head);
            self.state = candidate(&head);
            self.more(&head);
        }
        match self.state {
            State::Head(_) => None,
            State::Decided(d) => d,
            State::Text { carry } => carry.is_empty().then_some(TEXT),
            State::Compound { found, .. } => found.then_some(DOC),
            State::Zip => is_docx(file()).then_some(DOCX),
        }
    }
}

/// What the first bytes say the file is, or may be.
fn candidate(bytes: &[u8]) -> State {
    let sure = |d| State::Decided(Some(d));
    if bytes.starts_with(b"%PDF-") {
        return sure(PDF);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return sure(PNG);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return sure(JPEG);
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return sure(GIF);
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return sure(WEBP);
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WAVE" {
        return sure(WAV);
    }
    // An ID3 tag, or an MPEG audio frame's sync bits (layer III).
    if bytes.starts_with(b"ID3")
        || (bytes.len() >= 2 && bytes[0] == 0xFF && matches!(bytes[1], 0xFB | 0xF3 | 0xF2 | 0xFA))
    {
        return sure(MP3);
    }
    if bytes.len() >= 132 && &bytes[128..132] == b"DICM" {
        return sure(DICOM);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return State::Zip;
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return State::Compound {
            found: false,
            tail: Vec::new(),
        };
    }
    State::Text { carry: Vec::new() }
}

/// Checks the next piece of a text: UTF-8 with no NUL and no control characters besides tab,
/// line breaks and form feed. Returns the bytes of a character the piece cut off (to be
/// completed by the next), or `None` if this is not text.
fn text_piece(carry: &[u8], piece: &[u8]) -> Option<Vec<u8>> {
    let joined;
    let bytes = if carry.is_empty() {
        piece
    } else {
        joined = [carry, piece].concat();
        &joined
    };
    let (valid, rest) = match std::str::from_utf8(bytes) {
        Ok(s) => (s, &[][..]),
        // Cut off at the end, not malformed: the next piece completes it.
        Err(e) if e.error_len().is_none() => (
            std::str::from_utf8(&bytes[..e.valid_up_to()]).ok()?,
            &bytes[e.valid_up_to()..],
        ),
        Err(_) => return None,
    };
    let clean = !valid
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}'));
    clean.then(|| rest.to_vec())
}

fn is_docx(file: impl Read + Seek) -> bool {
    let Ok(mut archive) = zip::ZipArchive::new(file) else {
        return false;
    };
    archive.by_name("[Content_Types].xml").is_ok() && archive.by_name("word/document.xml").is_ok()
}

/// The type of a file held in memory; `None` for anything not accepted (executables, archives,
/// spreadsheets, HTML with binary content…).
pub fn sniff(bytes: &[u8]) -> Option<Detected> {
    let mut sniffer = Sniffer::default();
    sniffer.feed(bytes);
    sniffer.finish(|| std::io::Cursor::new(bytes))
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

    /// Feeds `bytes` in pieces of `size`, as an upload arrives.
    fn in_pieces(bytes: &[u8], size: usize) -> Option<Detected> {
        let mut sniffer = Sniffer::default();
        for piece in bytes.chunks(size) {
            sniffer.feed(piece);
        }
        sniffer.finish(|| std::io::Cursor::new(bytes))
    }

    #[test]
    fn a_file_read_in_pieces_is_typed_as_if_read_whole() {
        let mut text = "Résumé médical — tension artérielle normale.\n".repeat(40);
        text.push_str("Fin ✓");
        let mut with_nul = text.clone().into_bytes();
        with_nul.push(0);
        let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        ole.extend(vec![0u8; 300]);
        ole.extend(word_stream_name());
        ole.extend(vec![0u8; 40]);
        let mut dicom = vec![0u8; 128];
        dicom.extend_from_slice(b"DICM\x02\0");
        // Pieces that cut characters, the stream name and the first bytes in two.
        for size in [1, 2, 3, 7, 100, 131, 133, 4096] {
            assert_eq!(in_pieces(text.as_bytes(), size), Some(TEXT), "{size}");
            assert_eq!(in_pieces(&with_nul, size), None, "{size}");
            assert_eq!(in_pieces(&ole, size), Some(DOC), "{size}");
            assert_eq!(in_pieces(&dicom, size), Some(DICOM), "{size}");
            assert_eq!(in_pieces(b"%PDF-1.7\n%%EOF", size), Some(PDF), "{size}");
        }
        // A character cut off at the very end is not text.
        assert_eq!(sniff(&"é".as_bytes()[..1]), None);
    }

    #[test]
    fn word_files_are_told_apart_from_other_office_files() {
        let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        ole.extend(vec![0u8; 64]);
        let mut word = ole.clone();
        word.extend(word_stream_name());
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
}
