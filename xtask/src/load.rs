//! The benchmark's load generator: keep-alive HTTP/1.1 connections, each sending its request
//! again as soon as the answer to the last one is in, driven by one event loop per processor
//! (as `wrk` does) rather than a thread per connection, so that on a small machine the load
//! generator takes as little as it can of the processors the server is measured on.

use std::io::{ErrorKind, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};

use crate::Result;

/// What one run of load gave: each answered request's latency (µs), how many failed (an
/// answer other than 200, or a connection lost), and how long the run took (seconds).
pub(crate) struct Driven {
    pub(crate) latencies: Vec<u32>,
    pub(crate) errors: usize,
    pub(crate) seconds: f64,
}

/// Keeps `connections` connections busy for `duration`; connection `i` sends
/// `requests[i % len]`.
pub(crate) fn drive(
    port: u16,
    requests: &[Arc<Vec<u8>>],
    connections: usize,
    duration: Duration,
) -> Result<Driven> {
    let loops = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(connections)
        .max(1);
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let threads: Vec<_> = (0..loops)
        .map(|l| {
            let mine: Vec<Arc<Vec<u8>>> = (0..connections)
                .filter(|i| i % loops == l)
                .map(|i| requests[i % requests.len()].clone())
                .collect();
            let stop = stop.clone();
            std::thread::spawn(move || event_loop(port, mine, &stop))
        })
        .collect();
    std::thread::sleep(duration);
    stop.store(true, Ordering::Relaxed);
    let mut driven = Driven {
        latencies: Vec::new(),
        errors: 0,
        seconds: 0.0,
    };
    for t in threads {
        let (latencies, errors) = t.join().map_err(|_| "a load thread panicked")??;
        driven.latencies.extend(latencies);
        driven.errors += errors;
    }
    driven.seconds = started.elapsed().as_secs_f64();
    Ok(driven)
}

/// One connection and the request it repeats.
struct Client {
    stream: TcpStream,
    request: Arc<Vec<u8>>,
    sent_at: Instant,
    received: Vec<u8>,
}

fn connect(port: u16) -> std::io::Result<TcpStream> {
    let std = std::net::TcpStream::connect(("127.0.0.1", port))?;
    std.set_nodelay(true)?;
    std.set_nonblocking(true)?;
    Ok(TcpStream::from_std(std))
}

/// Writes the whole request; the connection's send buffer is empty when it is called (the last
/// answer is in), so it waits only in the rarest case.
fn send(c: &mut Client) -> std::io::Result<()> {
    let mut written = 0;
    c.sent_at = Instant::now();
    while written < c.request.len() {
        match c.stream.write(&c.request[written..]) {
            Ok(0) => return Err(ErrorKind::WriteZero.into()),
            Ok(n) => written += n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => std::thread::yield_now(),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn event_loop(
    port: u16,
    requests: Vec<Arc<Vec<u8>>>,
    stop: &AtomicBool,
) -> Result<(Vec<u32>, usize)> {
    let mut poll = Poll::new().map_err(|e| e.to_string())?;
    let mut events = Events::with_capacity(1024);
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut clients = Vec::with_capacity(requests.len());
    for (i, request) in requests.into_iter().enumerate() {
        let mut stream = connect(port).map_err(|e| e.to_string())?;
        poll.registry()
            .register(&mut stream, Token(i), Interest::READABLE)
            .map_err(|e| e.to_string())?;
        let mut c = Client {
            stream,
            request,
            sent_at: Instant::now(),
            received: Vec::with_capacity(16 * 1024),
        };
        send(&mut c).map_err(|e| e.to_string())?;
        clients.push(c);
    }
    let mut buf = vec![0u8; 64 * 1024];
    while !stop.load(Ordering::Relaxed) {
        poll.poll(&mut events, Some(Duration::from_millis(50)))
            .map_err(|e| e.to_string())?;
        for event in events.iter() {
            let i = event.token().0;
            let c = &mut clients[i];
            let mut lost = false;
            loop {
                match c.stream.read(&mut buf) {
                    Ok(0) => {
                        lost = true;
                        break;
                    }
                    Ok(n) => c.received.extend_from_slice(&buf[..n]),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(_) => {
                        lost = true;
                        break;
                    }
                }
            }
            // Every whole answer in: its latency, then the request again.
            while let Some((status, length)) = answer(&c.received) {
                if status == 200 {
                    latencies.push(c.sent_at.elapsed().as_micros() as u32);
                } else {
                    errors += 1;
                }
                c.received.drain(..length);
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                if send(c).is_err() {
                    lost = true;
                    break;
                }
            }
            if lost && !stop.load(Ordering::Relaxed) {
                errors += 1;
                let _ = poll.registry().deregister(&mut c.stream);
                let mut stream = connect(port).map_err(|e| e.to_string())?;
                poll.registry()
                    .register(&mut stream, Token(i), Interest::READABLE)
                    .map_err(|e| e.to_string())?;
                c.stream = stream;
                c.received.clear();
                send(c).map_err(|e| e.to_string())?;
            }
        }
    }
    Ok((latencies, errors))
}

/// The status and length in bytes of the whole answer at the start of `data`, once it is all in.
fn answer(data: &[u8]) -> Option<(u16, usize)> {
    let head_end = data.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&data[..head_end]).ok()?;
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let mut length = None;
    let mut chunked = false;
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse::<usize>().ok();
            } else if k.eq_ignore_ascii_case("transfer-encoding") && v.trim() == "chunked" {
                chunked = true;
            }
        }
    }
    if chunked {
        let mut at = head_end;
        loop {
            let line_end = data[at..].windows(2).position(|w| w == b"\r\n")? + at;
            let size_text = std::str::from_utf8(&data[at..line_end]).ok()?;
            let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
            at = line_end + 2 + size + 2;
            if at > data.len() {
                return None;
            }
            if size == 0 {
                return Some((status, at));
            }
        }
    }
    let total = head_end + length.unwrap_or(0);
    (data.len() >= total).then_some((status, total))
}

#[cfg(test)]
mod tests {
    use super::answer;

    #[test]
    fn an_answer_is_whole_only_once_its_last_byte_is_in() {
        let sized = b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello";
        assert_eq!(answer(sized), Some((200, sized.len())));
        assert_eq!(answer(&sized[..sized.len() - 1]), None);
        let chunked =
            b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
        assert_eq!(answer(chunked), Some((404, chunked.len())));
        assert_eq!(answer(&chunked[..chunked.len() - 2]), None);
        let two = [&sized[..], &sized[..]].concat();
        assert_eq!(answer(&two), Some((200, sized.len())));
    }
}
