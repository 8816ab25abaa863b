//! Email over SMTP (`lettre`).

use lettre::message::{
    header::ContentType, Attachment as MailAttachment, Mailbox, MultiPart, SinglePart,
};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// A plain-text email, with any attachments.
#[derive(Debug, Clone)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub body: String,
    pub attachments: Vec<Attachment>,
}

/// A text file sent with an email, such as an appointment's `invite.ics`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Attachment {
    pub filename: String,
    /// The full MIME type, parameters included (`text/calendar; charset=UTF-8; method=REQUEST`).
    pub content_type: String,
    pub content: String,
}

#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    #[error("invalid address or message: {0}")]
    Invalid(String),
    #[error("SMTP delivery failed: {0}")]
    Transport(String),
}

impl EmailError {
    /// Whether trying again later could succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, EmailError::Transport(_))
    }
}

#[async_trait::async_trait]
pub trait EmailSender: Send + Sync {
    async fn send(&self, email: &Email) -> Result<(), EmailError>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    None,
    StartTls,
    Tls,
}

#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<String>,
    pub from: String,
    pub tls: SmtpTls,
}

pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpSender {
    pub fn new(config: &SmtpConfig) -> Result<SmtpSender, EmailError> {
        let builder = match config.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host),
            SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)
                .map_err(|e| EmailError::Invalid(e.to_string()))?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host)
                .map_err(|e| EmailError::Invalid(e.to_string()))?,
        };
        let mut builder = builder.port(config.port);
        if let (Some(u), Some(p)) = (&config.username, &config.password) {
            builder = builder.credentials(Credentials::new(u.clone(), p.clone()));
        }
        let from = config
            .from
            .parse()
            .map_err(|e: lettre::address::AddressError| EmailError::Invalid(e.to_string()))?;
        Ok(SmtpSender {
            transport: builder.build(),
            from,
        })
    }
}

#[async_trait::async_trait]
impl EmailSender for SmtpSender {
    async fn send(&self, email: &Email) -> Result<(), EmailError> {
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|e: lettre::address::AddressError| EmailError::Invalid(e.to_string()))?;
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&email.subject);
        let message = if email.attachments.is_empty() {
            builder
                .header(ContentType::TEXT_PLAIN)
                .body(email.body.clone())
        } else {
            let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(email.body.clone()));
            for a in &email.attachments {
                let content_type = ContentType::parse(&a.content_type)
                    .map_err(|e| EmailError::Invalid(e.to_string()))?;
                parts = parts.singlepart(
                    MailAttachment::new(a.filename.clone()).body(a.content.clone(), content_type),
                );
            }
            builder.multipart(parts)
        }
        .map_err(|e| EmailError::Invalid(e.to_string()))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| EmailError::Transport(e.to_string()))
    }
}
