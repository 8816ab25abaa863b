//! The benchmark's live-connection scenarios: how fast a message written on one replica reaches
//! an app open on another, and what 2,000 idle open apps cost the server in memory. The
//! WebSocket client here is the few lines of RFC 6455 a benchmark needs (masked text frames out,
//! unmasked frames in), so that the load stays outside the server process and the tool stays
//! free of dependencies.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::bench::{json_string, memory_kb, request};
use crate::Result;

/// A client end of a live connection.
pub struct Live {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Live {
    /// Opens a live connection to the server on `port` and signs it in with `token`.
    pub fn open(port: u16, token: &str) -> Result<Live> {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .map_err(|e| e.to_string())?;
        write!(
            stream,
            "GET /api/v1/live HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
             Sec-WebSocket-Version: 13\r\n\r\n"
        )
        .map_err(|e| e.to_string())?;
        let mut live = Live {
            stream,
            buf: Vec::new(),
        };
        let end = loop {
            if let Some(i) = live.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            live.fill()?;
        };
        if !live.buf.starts_with(b"HTTP/1.1 101") {
            return Err(format!(
                "the live connection was refused: {}",
                String::from_utf8_lossy(&live.buf[..end.min(60)])
            ));
        }
        live.buf.drain(..end);
        live.send(&format!("{{\"type\":\"auth\",\"token\":\"{token}\"}}"))?;
        let ready = live.next_text()?;
        if !ready.contains("\"ready\"") {
            return Err(format!("the live connection did not sign in: {ready}"));
        }
        Ok(live)
    }

    fn fill(&mut self) -> Result {
        let mut chunk = [0u8; 4096];
        let n = self.stream.read(&mut chunk).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("the live connection closed".into());
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }

    fn frame(&mut self, opcode: u8, payload: &[u8]) -> Result {
        let mask = [0x5a, 0x13, 0xc7, 0x2e];
        let mut out = vec![0x80 | opcode];
        match payload.len() {
            n if n < 126 => out.push(0x80 | n as u8),
            n if n < 65536 => {
                out.push(0x80 | 126);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                out.push(0x80 | 127);
                out.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        out.extend_from_slice(&mask);
        out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.stream.write_all(&out).map_err(|e| e.to_string())
    }

    fn send(&mut self, text: &str) -> Result {
        self.frame(0x1, text.as_bytes())
    }

    /// The next text frame, answering pings on the way.
    pub fn next_text(&mut self) -> Result<String> {
        loop {
            while self.buf.len() < 2 {
                self.fill()?;
            }
            let opcode = self.buf[0] & 0x0f;
            let (len, head) = match self.buf[1] & 0x7f {
                126 => {
                    while self.buf.len() < 4 {
                        self.fill()?;
                    }
                    (u16::from_be_bytes([self.buf[2], self.buf[3]]) as usize, 4)
                }
                127 => {
                    while self.buf.len() < 10 {
                        self.fill()?;
                    }
                    let mut b = [0u8; 8];
                    b.copy_from_slice(&self.buf[2..10]);
                    (u64::from_be_bytes(b) as usize, 10)
                }
                n => (n as usize, 2),
            };
            while self.buf.len() < head + len {
                self.fill()?;
            }
            let payload: Vec<u8> = self.buf.drain(..head + len).skip(head).collect();
            match opcode {
                0x1 => return Ok(String::from_utf8_lossy(&payload).into_owned()),
                0x8 => return Err("the live connection closed".into()),
                0x9 => self.frame(0xA, &payload)?,
                _ => {}
            }
        }
    }
}

/// Figures of the live scenarios.
pub struct LiveFigures {
    pub delivery_p50_ms: f64,
    pub delivery_p99_ms: f64,
    pub idle_connections: usize,
    pub idle_added_mb: f64,
}

/// Writes `messages` replies on the replica at `write_port` to a conversation with
/// `patient_id`, each timed from the request until the app open on `read_port` hears of it;
/// then opens `idle` live connections to `read_port` (pid `read_pid`) and reports the memory
/// they added.
pub fn scenarios(
    read_port: u16,
    read_pid: u32,
    write_port: u16,
    token: &str,
    patient_id: &str,
    messages: usize,
    idle: usize,
) -> Result<LiveFigures> {
    let body = format!(
        "{{\"patient_id\":\"{patient_id}\",\"subject\":\"Benchmark\",\"body\":\"Started\"}}"
    );
    let (status, started) = request(
        write_port,
        "POST",
        "/api/v1/messages/threads",
        Some(token),
        Some(&body),
    )?;
    if status != 201 {
        return Err(format!(
            "could not start a conversation: {status} {started}"
        ));
    }
    let thread = json_string(&started, "id").ok_or("no conversation id")?;
    let mut app = Live::open(read_port, token)?;
    let path = format!("/api/v1/messages/threads/{thread}/messages");
    let mut latencies = Vec::with_capacity(messages);
    for i in 0..messages {
        let sent = Instant::now();
        let (status, answer) = request(
            write_port,
            "POST",
            &path,
            Some(token),
            Some(&format!("{{\"body\":\"Reply {i}\"}}")),
        )?;
        if status != 201 {
            return Err(format!("a reply failed: {status} {answer}"));
        }
        loop {
            let frame = app.next_text()?;
            if frame.contains("\"thread\"") && frame.contains(&thread) {
                latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
                break;
            }
        }
        // Read the frames of the same change on other topics before the next message.
        std::thread::sleep(Duration::from_millis(5));
    }
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize];

    std::thread::sleep(Duration::from_millis(500));
    let before = memory_kb(read_pid, "VmRSS:").unwrap_or(0);
    let mut open = Vec::with_capacity(idle);
    for _ in 0..idle {
        open.push(Live::open(read_port, token)?);
    }
    std::thread::sleep(Duration::from_secs(2));
    let after = memory_kb(read_pid, "VmRSS:").unwrap_or(0);
    drop(open);
    Ok(LiveFigures {
        delivery_p50_ms: pct(0.50),
        delivery_p99_ms: pct(0.99),
        idle_connections: idle,
        idle_added_mb: after.saturating_sub(before) as f64 / 1024.0,
    })
}
