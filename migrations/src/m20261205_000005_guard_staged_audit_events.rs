//! An audit event staged with its change cannot be altered, and leaves `audit_pending` only once
//! an event with the same content is on the hash chain: the database holds staged events to the
//! same append-only rule as the chain itself. Expand only: the writer already deletes a staged
//! event in the transaction that chains it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The chained copy of the staged row `OLD`: the writer copies every field and numbers it.
const CHAINED: &str = "SELECT 1 FROM audit_events e WHERE e.occurred_at = OLD.occurred_at \
     AND e.action = OLD.action AND e.outcome = OLD.outcome \
     AND e.actor_id IS NOT DISTINCT FROM OLD.actor_id \
     AND e.patient_id IS NOT DISTINCT FROM OLD.patient_id \
     AND e.resource_type IS NOT DISTINCT FROM OLD.resource_type \
     AND e.resource_id IS NOT DISTINCT FROM OLD.resource_id \
     AND e.detail IS NOT DISTINCT FROM OLD.detail";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(&format!(
                    r#"
CREATE OR REPLACE FUNCTION carebase_audit_pending_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF EXISTS ({CHAINED}) THEN
      RETURN OLD;
    END IF;
  END IF;
  RAISE EXCEPTION 'a staged audit event leaves audit_pending only onto the chain';
END;
$$;
CREATE TRIGGER audit_pending_no_update_delete BEFORE UPDATE OR DELETE ON audit_pending
  FOR EACH ROW EXECUTE FUNCTION carebase_audit_pending_guard();
CREATE TRIGGER audit_pending_no_truncate BEFORE TRUNCATE ON audit_pending
  FOR EACH STATEMENT EXECUTE FUNCTION carebase_audit_pending_guard();
"#
                ))
                .await?;
            }
            DbBackend::Sqlite => {
                let chained = CHAINED.replace("IS NOT DISTINCT FROM", "IS");
                db.execute_unprepared(&format!(
                    r#"
CREATE TRIGGER audit_pending_no_update BEFORE UPDATE ON audit_pending
BEGIN SELECT RAISE(ABORT, 'a staged audit event cannot be changed'); END;
CREATE TRIGGER audit_pending_no_delete BEFORE DELETE ON audit_pending
WHEN NOT EXISTS ({chained})
BEGIN SELECT RAISE(ABORT, 'a staged audit event leaves audit_pending only onto the chain'); END;
"#
                ))
                .await?;
            }
            _ => {}
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "DROP TRIGGER IF EXISTS audit_pending_no_update_delete ON audit_pending; \
                     DROP TRIGGER IF EXISTS audit_pending_no_truncate ON audit_pending; \
                     DROP FUNCTION IF EXISTS carebase_audit_pending_guard()",
                )
                .await?;
            }
            DbBackend::Sqlite => {
                db.execute_unprepared(
                    "DROP TRIGGER IF EXISTS audit_pending_no_update; \
                     DROP TRIGGER IF EXISTS audit_pending_no_delete",
                )
                .await?;
            }
            _ => {}
        }
        Ok(())
    }
}
