//! The patient domain's part of an export: the details, the care team, consents, who the record
//! is shared with, and who has seen it, each read with the exporter's own access.

use api_types::patients::CareTeamMember;
use entity::patients::{access_grant, care_team_member};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

use super::access::ensure_demographics;
use super::queries;
use crate::auth::{require, Principal};
use crate::platform::export::Archive;
use crate::platform::ApiResult;
use crate::platform::{PatientId, UserId};
use crate::users;
use crate::AppState;

/// Audit events included, newest first.
pub const MAX_ACCESS_EVENTS: u64 = 100;

pub async fn export_patient(
    state: &AppState,
    principal: &Principal,
    patient_id: PatientId,
    archive: &mut Archive,
) -> ApiResult<()> {
    // The details, care team, consents and sharing read as `GET /patients/{id}…` reads them.
    principal.ensure::<require::PatientsReadOrOwn>()?;
    ensure_demographics(principal, patient_id)?;
    let record = queries::get(&state.db, &state.crypto, patient_id).await?;
    archive.section(
        "patient",
        json!({"id": patient_id, "details": record.details, "created_at": record.model.created_at}),
    )?;
    let team_rows = care_team_member::Entity::find()
        .filter(care_team_member::Column::PatientId.eq(patient_id))
        .all(&state.db)
        .await?;
    let mut care_team = Vec::with_capacity(team_rows.len());
    for m in team_rows {
        if let Some(u) = users::find(&state.db, &state.crypto, UserId(m.user_id)).await? {
            care_team.push(CareTeamMember {
                user_id: m.user_id,
                name: u.name,
                role: u.role,
                added_at: m.added_at,
            });
        }
    }
    archive.section("care_team", care_team)?;
    archive.section(
        "consents",
        super::consents::consents_of(state, patient_id.0).await?,
    )?;
    let grants = super::grants::to_wire(
        state,
        access_grant::Entity::find()
            .filter(access_grant::Column::PatientId.eq(patient_id))
            .order_by_asc(access_grant::Column::CreatedAt)
            .all(&state.db)
            .await?,
    )
    .await?;
    archive.section("access_grants", grants)?;
    // Who has seen the record, as `GET /patients/{id}/access-log` shows it.
    if principal.ensure::<require::AuditReadOrOwn>().is_ok() {
        let (accesses, total) = super::consents::access_entries(
            state,
            patient_id.0,
            principal.user_id(),
            MAX_ACCESS_EVENTS,
            0,
        )
        .await?;
        archive.section(
            "record_accesses",
            json!({"newest": accesses, "total": total}),
        )?;
    } else {
        archive.withhold("record_accesses");
    }
    Ok(())
}
