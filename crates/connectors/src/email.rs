//! Email over SMTP (`lettre`).

use lettre::message::{header::ContentType, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// A plain-text email.
#[derive(Debug, Clone)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub body: String,
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
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&email.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(email.body.clone())
            .map_err(|e| EmailError::Invalid(e.to_string()))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| EmailError::Transport(e.to_string()))
    }
}
