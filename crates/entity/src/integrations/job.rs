use api_types::integrations::JobStatus;
use sea_orm::entity::prelude::*;

/// Background work with an outside service. At most one job per kind and subject is queued or
/// running at a time; a change made meanwhile joins it (`rerun` when it is already running).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: String,
    /// The appointment or connection it works on.
    pub subject: Uuid,
    /// What asked for it, in a word (`connected`, `periodic`, `appointment_changed`).
    pub reason: Option<String>,
    /// `queued`, `running`, `done` or `failed`.
    pub status: JobStatus,
    pub attempts: i32,
    pub run_at: DateTimeUtc,
    /// While running: when the claim lapses and another server may take the job over.
    pub locked_until: Option<DateTimeUtc>,
    /// While running: the claim of the server running it, so that only it records the outcome.
    pub claim: Option<Uuid>,
    /// Something changed while it ran: run it again once it finishes.
    pub rerun: bool,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
