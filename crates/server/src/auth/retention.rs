//! Sign-in's part of retention: at the end of an erased patient's retention, what their portal
//! accounts left here (sessions, recovery codes, second-factor and reset records, all ended at
//! erasure) goes, with the patient's invitations. The accounts themselves are the users domain's.

use entity::auth::{
    invitation, mfa_attempt, password_reset, recovery_code, refresh_token, session,
};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::platform::{ApiResult, PatientId};

/// Deletes the rows of each listed table (with a `user_id` column) that belong to one of
/// `$accounts`; answers how many went.
macro_rules! delete_of_accounts {
    ($db:expr, $accounts:expr, [$($table:ident),*]) => {{
        let mut rows: u64 = 0;
        $(
            rows += $table::Entity::delete_many()
                .filter($table::Column::UserId.is_in($accounts.clone()))
                .exec($db)
                .await?
                .rows_affected;
        )*
        rows
    }};
}

/// Destroys the patient's invitations and their accounts' credentials; returns how many rows.
pub async fn destroy_patient(db: &impl ConnectionTrait, patient_id: PatientId) -> ApiResult<u64> {
    let accounts = crate::users::accounts_of_patient(db, patient_id.0).await?;
    let mut rows = 0;
    if !accounts.is_empty() {
        let sessions = Query::select()
            .column(session::Column::Id)
            .from(session::Entity)
            .and_where(session::Column::UserId.is_in(accounts.clone()))
            .to_owned();
        rows += refresh_token::Entity::delete_many()
            .filter(refresh_token::Column::SessionId.in_subquery(sessions))
            .exec(db)
            .await?
            .rows_affected;
        rows += delete_of_accounts!(
            db,
            accounts,
            [session, recovery_code, mfa_attempt, password_reset]
        );
    }
    Ok(rows + crate::delete_patient_rows!(db, patient_id, [invitation]))
}
