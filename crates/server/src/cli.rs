//! The `carebase` command.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use api_types::Role;
use clap::{Parser, Subcommand};
use secrecy::ExposeSecret;

use crate::platform::config::Settings;
use crate::platform::crypto::Crypto;
use crate::platform::{db, telemetry};
use crate::AppState;

#[derive(Parser)]
#[command(
    name = "carebase",
    version,
    about = "Practice management and patient care for clinics"
)]
struct Cli {
    /// The database (PostgreSQL or SQLite URL). Defaults to DATABASE_URL, then a SQLite file
    /// under the data directory.
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API and the web app (migrating the database first).
    Serve {
        /// Address to listen on.
        #[arg(long)]
        bind: Option<String>,
    },
    /// Apply database migrations.
    Migrate,
    /// Fill the database with data.
    Seed {
        /// A realistic demo practice: staff of every role and a few hundred patients.
        #[arg(long)]
        demo: bool,
        /// How many demo patients.
        #[arg(long, default_value_t = 300)]
        patients: usize,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Administration tasks.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Write a consistent, compressed, encrypted backup of the whole database to a new file,
    /// while the practice keeps working. The keys are not in it: keep them apart from it.
    Backup {
        /// The file to write.
        out: std::path::PathBuf,
    },
    /// Load a backup into a new, empty database (the one `--database-url` names), then check
    /// it: the audit chain verifies and patients' records decrypt with the keys.
    Restore {
        /// The backup file.
        file: std::path::PathBuf,
    },
    /// The encryption keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Records kept after an erasure, for as long as the law requires.
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
    },
    /// Print queued and sent messages in full, one-time links included: for the server's
    /// operator when no mail server is configured. The web app never shows those links.
    Outbox {
        /// Only messages to this address or number.
        #[arg(long)]
        to: Option<String>,
        /// How many, newest first.
        #[arg(long, default_value_t = 10)]
        limit: u64,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an account with a password, without an invitation.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: String,
        /// admin, practitioner, nurse or receptionist.
        #[arg(long)]
        role: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Re-encrypt every encrypted value and file under the active key, while the practice keeps
    /// working; run it again to go on after an interruption. Afterwards the old keys can be
    /// removed from the configuration.
    Rotate {
        /// Rows re-encrypted per transaction.
        #[arg(long, default_value_t = 500)]
        batch: u64,
    },
}

#[derive(Subcommand)]
enum RetentionCommand {
    /// Destroy now every erased patient's record whose retention has ended (every server also
    /// does this once an hour), leaving an audit event for each that names no one.
    Run,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain; exits non-zero if it is broken.
    Verify,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Command::Openapi = cli.command {
        let json = serde_json::to_string_pretty(&crate::app::openapi())?;
        println!("{json}");
        return Ok(ExitCode::SUCCESS);
    }
    let mut settings = Settings::load()?;
    if let Some(url) = cli.database_url {
        settings.database_url = Some(url);
    }
    telemetry::init_tracing(&settings.log_format);
    let url = settings.database_url();
    if let Command::Restore { file } = &cli.command {
        // Into an empty database: nothing is created before the backup is in.
        let crypto = Crypto::load(&settings.keys, &settings.data_dir)?;
        let done = crate::ops::restore(&url, &crypto, file).await?;
        println!(
            "restored {} in {:.1} s: audit chain intact ({} events), {} patients' records decrypt",
            file.display(),
            done.seconds,
            done.audit_events,
            done.patients_checked
        );
        return Ok(ExitCode::SUCCESS);
    }
    let conn = db::connect(&url, settings.database_max_connections()).await?;
    db::migrate(&conn).await?;
    match cli.command {
        Command::Openapi | Command::Restore { .. } => unreachable!("handled above"),
        Command::Keys {
            command: KeysCommand::Rotate { batch },
        } => {
            let crypto = Crypto::load(&settings.keys, &settings.data_dir)?;
            let done = crate::ops::rotate_keys(&conn, &crypto, batch.max(1)).await?;
            println!(
                "{} values re-encrypted under key {} in {:.1} s ({:.0} a second); every value is now under it",
                done.values,
                crypto.active_key_id(),
                done.seconds,
                done.values as f64 / done.seconds.max(0.001)
            );
        }
        Command::Backup { out } => {
            let crypto = Crypto::load(&settings.keys, &settings.data_dir)?;
            let done = crate::ops::backup(&url, &conn, &crypto, &out).await?;
            println!(
                "backup written to {}: {:.1} MB from {:.1} MB of database in {:.1} s",
                done.path.display(),
                done.file_bytes as f64 / 1e6,
                done.database_bytes as f64 / 1e6,
                done.seconds
            );
        }
        Command::Retention {
            command: RetentionCommand::Run,
        } => {
            let state = state(settings.clone(), conn, &url).await?;
            let done =
                crate::records::destroy_past_retention(&state, chrono::Utc::now().date_naive())
                    .await?;
            state.audit.flush().await?;
            println!(
                "{} records past their retention destroyed ({} rows, {} files); {} erased patients given their retention date",
                done.destroyed, done.gone.rows, done.gone.files, done.dated
            );
            if done.failed > 0 {
                anyhow::bail!(
                    "{} records could not be dealt with (see the log above); the next pass tries them again",
                    done.failed
                );
            }
        }
        Command::Migrate => {
            println!("migrations applied");
        }
        Command::Serve { bind } => {
            if let Some(b) = bind {
                settings.bind = b;
            }
            let state = state(settings.clone(), conn, &url).await?;
            start_outbox_worker(&state, &settings)?;
            let listener = std::net::TcpListener::bind(&settings.bind)
                .with_context(|| format!("Failed to listen on {}", settings.bind))?;
            tracing::info!(address = %settings.bind, "Carebase is listening");
            crate::app::server(state, listener)?.await?;
        }
        Command::Seed { demo, patients } => {
            if !demo {
                anyhow::bail!("say what to seed: --demo");
            }
            let crypto = Crypto::load(&settings.keys, &settings.data_dir)?;
            crate::seed::demo(&conn, &crypto, patients, &settings.public_url).await?;
        }
        Command::Admin {
            command:
                AdminCommand::CreateUser {
                    email,
                    password,
                    role,
                    name,
                },
        } => {
            let role = Role::parse(&role)
                .filter(|r| r.is_staff())
                .context("role must be admin, practitioner, nurse or receptionist")?;
            let crypto = Crypto::load(&settings.keys, &settings.data_dir)?;
            let user =
                crate::seed::create_staff(&conn, &crypto, &email, &password, role, &name).await?;
            println!("created {} ({role}) {}", user.email, user.model.id);
        }
        Command::Outbox { to, limit } => {
            let crypto = Crypto::load(&settings.keys, &settings.data_dir)?;
            let messages = crate::comms::read_in_full(&conn, &crypto, to.as_deref(), limit).await?;
            for m in messages {
                println!(
                    "--- {} {} to {} ({:?}, {})\nSubject: {}\n\n{}\n",
                    m.created_at.to_rfc3339(),
                    m.channel,
                    m.recipient,
                    m.status,
                    m.id,
                    m.subject,
                    m.body
                );
            }
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            // Events committed with their changes but not yet chained are chained first.
            crate::audit::chain_staged(&conn).await?;
            let result = crate::audit::verify(&conn).await?;
            if result.ok {
                println!(
                    "audit chain intact: {} events verified",
                    result.events_checked
                );
            } else {
                println!(
                    "AUDIT CHAIN BROKEN at event {}: {} events verified before it",
                    result.first_broken_seq.unwrap_or_default(),
                    result.events_checked
                );
                return Ok(ExitCode::from(2));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Builds the application state and starts the audit writer.
pub async fn state(
    settings: Settings,
    conn: sea_orm::DatabaseConnection,
    url: &str,
) -> anyhow::Result<AppState> {
    let crypto = Crypto::load(&settings.keys, &settings.data_dir)?;
    let audit_db = db::connect_audit(url, &conn).await?;
    AppState::new(settings, conn, audit_db, crypto)
}

fn start_outbox_worker(state: &AppState, settings: &Settings) -> anyhow::Result<()> {
    let mut senders = crate::comms::Senders::default();
    if let Some(smtp) = &settings.smtp {
        let tls = match smtp.tls.as_str() {
            "none" => connectors::email::SmtpTls::None,
            "starttls" => connectors::email::SmtpTls::StartTls,
            "tls" => connectors::email::SmtpTls::Tls,
            other => anyhow::bail!("smtp.tls must be none, starttls or tls, not {other}"),
        };
        let sender = connectors::email::SmtpSender::new(&connectors::email::SmtpConfig {
            host: smtp.host.clone(),
            port: smtp.port,
            username: smtp.username.clone(),
            password: smtp.password.as_ref().map(|p| p.expose_secret().to_owned()),
            from: smtp.from.clone(),
            tls,
        })?;
        senders.email = Some(Arc::new(sender));
    } else {
        tracing::info!("no SMTP configured: outbound email stays in the outbox");
    }
    // SMS goes through the practice's Twilio account, from the configuration or the app.
    tokio::spawn(crate::comms::run_worker(state.clone(), senders.email));
    tokio::spawn(crate::scheduling::run_reminders(
        state.db.clone(),
        state.crypto.clone(),
    ));
    tokio::spawn(crate::integrations::run_worker(state.clone()));
    tokio::spawn(crate::records::run_retention(state.clone()));
    Ok(())
}
