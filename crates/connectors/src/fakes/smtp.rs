//! An SMTP server (RFC 5321, the subset a client needs) that records what it is sent.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    /// Headers and body, as sent after `DATA`.
    pub data: String,
}

pub struct FakeSmtp {
    pub port: u16,
    received: Arc<Mutex<Vec<ReceivedMail>>>,
}

impl FakeSmtp {
    /// Accepts every message.
    pub async fn start() -> std::io::Result<FakeSmtp> {
        FakeSmtp::start_with(false).await
    }

    /// Refuses every recipient with a temporary failure (451).
    pub async fn start_refusing() -> std::io::Result<FakeSmtp> {
        FakeSmtp::start_with(true).await
    }

    async fn start_with(refuse: bool) -> std::io::Result<FakeSmtp> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let store = received.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let store = store.clone();
                tokio::spawn(async move {
                    let _ = session(socket, store, refuse).await;
                });
            }
        });
        Ok(FakeSmtp { port, received })
    }

    pub fn received(&self) -> Vec<ReceivedMail> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

fn address(arg: &str) -> String {
    arg.split_once(':')
        .map(|(_, a)| {
            a.trim()
                .trim_start_matches('<')
                .split('>')
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .unwrap_or_default()
}

async fn session(
    socket: tokio::net::TcpStream,
    store: Arc<Mutex<Vec<ReceivedMail>>>,
    refuse: bool,
) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 fake-smtp ESMTP ready\r\n").await?;
    let mut current = ReceivedMail {
        from: String::new(),
        to: Vec::new(),
        data: String::new(),
    };
    while let Some(line) = lines.next_line().await? {
        let upper = line.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") {
            b"250-fake-smtp\r\n250 8BITMIME\r\n"
        } else if upper.starts_with("HELO")
            || upper.starts_with("NOOP")
            || upper.starts_with("RSET")
        {
            b"250 OK\r\n"
        } else if upper.starts_with("MAIL FROM") {
            current = ReceivedMail {
                from: address(&line),
                to: Vec::new(),
                data: String::new(),
            };
            b"250 OK\r\n"
        } else if upper.starts_with("RCPT TO") {
            if refuse {
                b"451 4.3.0 Try again later\r\n"
            } else {
                current.to.push(address(&line));
                b"250 OK\r\n"
            }
        } else if upper == "DATA" {
            write
                .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                .await?;
            while let Some(data_line) = lines.next_line().await? {
                if data_line == "." {
                    break;
                }
                let unstuffed = data_line.strip_prefix('.').unwrap_or(&data_line);
                current.data.push_str(unstuffed);
                current.data.push('\n');
            }
            if let Ok(mut s) = store.lock() {
                s.push(current.clone());
            }
            b"250 OK: queued\r\n"
        } else if upper == "QUIT" {
            write.write_all(b"221 Bye\r\n").await?;
            return Ok(());
        } else {
            b"502 Command not implemented\r\n"
        };
        write.write_all(reply).await?;
    }
    Ok(())
}
