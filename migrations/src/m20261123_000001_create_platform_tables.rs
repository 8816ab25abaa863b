//! Accounts and sessions, patients and their search tokens, the care team, the audit log, the
//! outbox and settings.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Patients {
    Table,
    Id,
    DataEnc,
    ArchivedAt,
    CreatedAt,
    UpdatedAt,
    Version,
    CreatedBy,
}

#[derive(DeriveIden)]
enum PatientSearchTokens {
    Table,
    Token,
    PatientId,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    EmailEnc,
    EmailBidx,
    NameEnc,
    Role,
    Status,
    PatientId,
    PasswordHash,
    MfaEnabled,
    MfaSecretEnc,
    MfaPendingSecretEnc,
    TotpLastStep,
    CreatedAt,
    UpdatedAt,
    LastLoginAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    CreatedAt,
    LastUsedAt,
    ExpiresAt,
    RevokedAt,
    RevokedReason,
    Ip,
    UserAgent,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    SessionId,
    TokenHash,
    CreatedAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum RecoveryCodes {
    Table,
    Id,
    UserId,
    CodeHash,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LoginAttempts {
    Table,
    EmailBidx,
    Failures,
    LockedUntil,
    LastFailureAt,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    Id,
    EmailEnc,
    EmailBidx,
    NameEnc,
    Role,
    PatientId,
    TokenHash,
    ExpiresAt,
    AcceptedAt,
    RevokedAt,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PasswordResets {
    Table,
    Id,
    UserId,
    TokenHash,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
    Name,
    Prefix,
    SecretHash,
    Scopes,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum CareTeamMembers {
    Table,
    PatientId,
    UserId,
    AddedAt,
    AddedBy,
}

#[derive(DeriveIden)]
enum BreakGlassGrants {
    Table,
    Id,
    PatientId,
    UserId,
    ReasonEnc,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Seq,
    OccurredAt,
    ActorId,
    ActorKind,
    ActorRole,
    Action,
    PatientId,
    ResourceType,
    ResourceId,
    Ip,
    Outcome,
    Detail,
    PrevHash,
    Hash,
}

#[derive(DeriveIden)]
enum OutboxMessages {
    Table,
    Id,
    Channel,
    RecipientEnc,
    RecipientBidx,
    SubjectEnc,
    BodyEnc,
    Status,
    Attempts,
    LastError,
    CreatedAt,
    NextAttemptAt,
    SentAt,
}

#[derive(DeriveIden)]
enum Settings {
    Table,
    Key,
    Value,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    ActorId,
    Key,
    RequestHash,
    Status,
    BodyEnc,
    CreatedAt,
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(on_delete)
        .to_owned()
}

fn index(name: &str, table: impl IntoIden, cols: &[&str]) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table);
    for c in cols {
        i.col(Alias::new(*c));
    }
    i.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Patients::Table)
                    .col(pk_uuid(Patients::Id))
                    .col(text(Patients::DataEnc))
                    .col(timestamp_with_time_zone_null(Patients::ArchivedAt))
                    .col(timestamp_with_time_zone(Patients::CreatedAt))
                    .col(timestamp_with_time_zone(Patients::UpdatedAt))
                    .col(integer(Patients::Version))
                    .col(uuid_null(Patients::CreatedBy))
                    .to_owned(),
            )
            .await?;
        // Ids are UUID v7, so the primary key is already in creation order; these two serve
        // "recently changed" lists and counts of active or archived patients.
        manager
            .create_index(index(
                "idx_patients_updated_at",
                Patients::Table,
                &["updated_at", "id"],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_patients_archived_at",
                Patients::Table,
                &["archived_at", "id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PatientSearchTokens::Table)
                    .col(string_len(PatientSearchTokens::Token, 64))
                    .col(uuid(PatientSearchTokens::PatientId))
                    .primary_key(
                        Index::create()
                            .col(PatientSearchTokens::Token)
                            .col(PatientSearchTokens::PatientId),
                    )
                    .foreign_key(&mut fk(
                        "fk_search_tokens_patient",
                        (PatientSearchTokens::Table, PatientSearchTokens::PatientId),
                        (Patients::Table, Patients::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_search_tokens_patient",
                PatientSearchTokens::Table,
                &["patient_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(pk_uuid(Users::Id))
                    .col(text(Users::EmailEnc))
                    .col(string_len_uniq(Users::EmailBidx, 64))
                    .col(text(Users::NameEnc))
                    .col(string_len(Users::Role, 32))
                    .col(string_len(Users::Status, 32))
                    .col(uuid_null(Users::PatientId))
                    .col(text_null(Users::PasswordHash))
                    .col(boolean(Users::MfaEnabled))
                    .col(text_null(Users::MfaSecretEnc))
                    .col(text_null(Users::MfaPendingSecretEnc))
                    .col(big_integer_null(Users::TotpLastStep))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Users::LastLoginAt))
                    .check(Expr::col(Users::Role).is_in([
                        "admin",
                        "practitioner",
                        "nurse",
                        "receptionist",
                        "patient",
                    ]))
                    .foreign_key(&mut fk(
                        "fk_users_patient",
                        (Users::Table, Users::PatientId),
                        (Patients::Table, Patients::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("idx_users_patient", Users::Table, &["patient_id"])
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(pk_uuid(Sessions::Id))
                    .col(uuid(Sessions::UserId))
                    .col(timestamp_with_time_zone(Sessions::CreatedAt))
                    .col(timestamp_with_time_zone(Sessions::LastUsedAt))
                    .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Sessions::RevokedAt))
                    .col(string_len_null(Sessions::RevokedReason, 64))
                    .col(string_len_null(Sessions::Ip, 64))
                    .col(string_len_null(Sessions::UserAgent, 512))
                    .foreign_key(&mut fk(
                        "fk_sessions_user",
                        (Sessions::Table, Sessions::UserId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("idx_sessions_user", Sessions::Table, &["user_id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RefreshTokens::Table)
                    .col(pk_uuid(RefreshTokens::Id))
                    .col(uuid(RefreshTokens::SessionId))
                    .col(string_len_uniq(RefreshTokens::TokenHash, 64))
                    .col(timestamp_with_time_zone(RefreshTokens::CreatedAt))
                    .col(timestamp_with_time_zone_null(RefreshTokens::UsedAt))
                    .foreign_key(&mut fk(
                        "fk_refresh_tokens_session",
                        (RefreshTokens::Table, RefreshTokens::SessionId),
                        (Sessions::Table, Sessions::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_refresh_tokens_session",
                RefreshTokens::Table,
                &["session_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RecoveryCodes::Table)
                    .col(pk_uuid(RecoveryCodes::Id))
                    .col(uuid(RecoveryCodes::UserId))
                    .col(string_len(RecoveryCodes::CodeHash, 64))
                    .col(timestamp_with_time_zone_null(RecoveryCodes::UsedAt))
                    .col(timestamp_with_time_zone(RecoveryCodes::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_recovery_codes_user",
                        (RecoveryCodes::Table, RecoveryCodes::UserId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_recovery_codes_user",
                RecoveryCodes::Table,
                &["user_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LoginAttempts::Table)
                    .col(string_len(LoginAttempts::EmailBidx, 64).primary_key())
                    .col(integer(LoginAttempts::Failures))
                    .col(timestamp_with_time_zone_null(LoginAttempts::LockedUntil))
                    .col(timestamp_with_time_zone(LoginAttempts::LastFailureAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Invitations::Table)
                    .col(pk_uuid(Invitations::Id))
                    .col(text(Invitations::EmailEnc))
                    .col(string_len(Invitations::EmailBidx, 64))
                    .col(text(Invitations::NameEnc))
                    .col(string_len(Invitations::Role, 32))
                    .col(uuid_null(Invitations::PatientId))
                    .col(string_len_uniq(Invitations::TokenHash, 64))
                    .col(timestamp_with_time_zone(Invitations::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Invitations::AcceptedAt))
                    .col(timestamp_with_time_zone_null(Invitations::RevokedAt))
                    .col(uuid_null(Invitations::CreatedBy))
                    .col(timestamp_with_time_zone(Invitations::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_invitations_patient",
                        (Invitations::Table, Invitations::PatientId),
                        (Patients::Table, Patients::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PasswordResets::Table)
                    .col(pk_uuid(PasswordResets::Id))
                    .col(uuid(PasswordResets::UserId))
                    .col(string_len_uniq(PasswordResets::TokenHash, 64))
                    .col(timestamp_with_time_zone(PasswordResets::ExpiresAt))
                    .col(timestamp_with_time_zone_null(PasswordResets::UsedAt))
                    .col(timestamp_with_time_zone(PasswordResets::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_password_resets_user",
                        (PasswordResets::Table, PasswordResets::UserId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiKeys::Table)
                    .col(pk_uuid(ApiKeys::Id))
                    .col(string_len(ApiKeys::Name, 200))
                    .col(string_len_uniq(ApiKeys::Prefix, 32))
                    .col(string_len(ApiKeys::SecretHash, 64))
                    .col(text(ApiKeys::Scopes))
                    .col(uuid_null(ApiKeys::CreatedBy))
                    .col(timestamp_with_time_zone(ApiKeys::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiKeys::ExpiresAt))
                    .col(timestamp_with_time_zone_null(ApiKeys::LastUsedAt))
                    .col(timestamp_with_time_zone_null(ApiKeys::RevokedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CareTeamMembers::Table)
                    .col(uuid(CareTeamMembers::PatientId))
                    .col(uuid(CareTeamMembers::UserId))
                    .col(timestamp_with_time_zone(CareTeamMembers::AddedAt))
                    .col(uuid_null(CareTeamMembers::AddedBy))
                    .primary_key(
                        Index::create()
                            .col(CareTeamMembers::PatientId)
                            .col(CareTeamMembers::UserId),
                    )
                    .foreign_key(&mut fk(
                        "fk_care_team_patient",
                        (CareTeamMembers::Table, CareTeamMembers::PatientId),
                        (Patients::Table, Patients::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_care_team_user",
                        (CareTeamMembers::Table, CareTeamMembers::UserId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_care_team_user",
                CareTeamMembers::Table,
                &["user_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(BreakGlassGrants::Table)
                    .col(pk_uuid(BreakGlassGrants::Id))
                    .col(uuid(BreakGlassGrants::PatientId))
                    .col(uuid(BreakGlassGrants::UserId))
                    .col(text(BreakGlassGrants::ReasonEnc))
                    .col(timestamp_with_time_zone(BreakGlassGrants::CreatedAt))
                    .col(timestamp_with_time_zone(BreakGlassGrants::ExpiresAt))
                    .foreign_key(&mut fk(
                        "fk_break_glass_patient",
                        (BreakGlassGrants::Table, BreakGlassGrants::PatientId),
                        (Patients::Table, Patients::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_break_glass_user",
                        (BreakGlassGrants::Table, BreakGlassGrants::UserId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_break_glass_patient_user",
                BreakGlassGrants::Table,
                &["patient_id", "user_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(big_integer(AuditEvents::Seq).primary_key())
                    .col(timestamp_with_time_zone(AuditEvents::OccurredAt))
                    .col(uuid_null(AuditEvents::ActorId))
                    .col(string_len_null(AuditEvents::ActorKind, 16))
                    .col(string_len_null(AuditEvents::ActorRole, 32))
                    .col(string_len(AuditEvents::Action, 64))
                    .col(uuid_null(AuditEvents::PatientId))
                    .col(string_len_null(AuditEvents::ResourceType, 64))
                    .col(string_len_null(AuditEvents::ResourceId, 64))
                    .col(string_len_null(AuditEvents::Ip, 64))
                    .col(string_len(AuditEvents::Outcome, 16))
                    .col(text_null(AuditEvents::Detail))
                    .col(string_len(AuditEvents::PrevHash, 64))
                    .col(string_len(AuditEvents::Hash, 64))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_audit_patient",
                AuditEvents::Table,
                &["patient_id", "seq"],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_audit_actor",
                AuditEvents::Table,
                &["actor_id", "seq"],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_audit_occurred",
                AuditEvents::Table,
                &["occurred_at"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OutboxMessages::Table)
                    .col(pk_uuid(OutboxMessages::Id))
                    .col(string_len(OutboxMessages::Channel, 16))
                    .col(text(OutboxMessages::RecipientEnc))
                    .col(string_len(OutboxMessages::RecipientBidx, 64))
                    .col(text(OutboxMessages::SubjectEnc))
                    .col(text(OutboxMessages::BodyEnc))
                    .col(string_len(OutboxMessages::Status, 16))
                    .col(integer(OutboxMessages::Attempts))
                    .col(text_null(OutboxMessages::LastError))
                    .col(timestamp_with_time_zone(OutboxMessages::CreatedAt))
                    .col(timestamp_with_time_zone(OutboxMessages::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(OutboxMessages::SentAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_outbox_due",
                OutboxMessages::Table,
                &["status", "next_attempt_at"],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_outbox_recipient",
                OutboxMessages::Table,
                &["recipient_bidx"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Settings::Table)
                    .col(string_len(Settings::Key, 64).primary_key())
                    .col(text(Settings::Value))
                    .col(timestamp_with_time_zone(Settings::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .col(uuid(IdempotencyKeys::ActorId))
                    .col(string_len(IdempotencyKeys::Key, 200))
                    .col(string_len(IdempotencyKeys::RequestHash, 64))
                    .col(integer_null(IdempotencyKeys::Status))
                    .col(text_null(IdempotencyKeys::BodyEnc))
                    .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(IdempotencyKeys::ActorId)
                            .col(IdempotencyKeys::Key),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_idempotency_created",
                IdempotencyKeys::Table,
                &["created_at"],
            ))
            .await?;

        // The audit log is append-only, enforced by the database itself.
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(
                    r#"
CREATE FUNCTION carebase_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only';
END;
$$;
CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION carebase_audit_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION carebase_audit_append_only();
"#,
                )
                .await?;
            }
            DbBackend::Sqlite => {
                db.execute_unprepared(
                    r#"
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
"#,
                )
                .await?;
            }
            _ => {}
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS carebase_audit_append_only() CASCADE")
                .await?;
        }
        for table in [
            IdempotencyKeys::Table.into_iden(),
            Settings::Table.into_iden(),
            OutboxMessages::Table.into_iden(),
            AuditEvents::Table.into_iden(),
            BreakGlassGrants::Table.into_iden(),
            CareTeamMembers::Table.into_iden(),
            ApiKeys::Table.into_iden(),
            PasswordResets::Table.into_iden(),
            Invitations::Table.into_iden(),
            LoginAttempts::Table.into_iden(),
            RecoveryCodes::Table.into_iden(),
            RefreshTokens::Table.into_iden(),
            Sessions::Table.into_iden(),
            Users::Table.into_iden(),
            PatientSearchTokens::Table.into_iden(),
            Patients::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
