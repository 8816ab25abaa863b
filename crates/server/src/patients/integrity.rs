//! Checks that patients' records open with the keys at hand (after a restore).

use anyhow::Context;
use entity::patients::patient;
use sea_orm::{ConnectionTrait, EntityTrait};

use super::queries::PatientRecord;
use crate::platform::crypto::Crypto;

/// Decrypts up to `n` patients' records, as a check that the keys open the data (after a
/// restore); returns how many were checked.
pub async fn check_decrypts(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    n: u64,
) -> anyhow::Result<usize> {
    use sea_orm::{QueryOrder, QuerySelect};
    let rows = patient::Entity::find()
        .order_by_desc(patient::Column::Id)
        .limit(n)
        .all(db)
        .await?;
    let count = rows.len();
    for m in rows {
        let id = m.id;
        PatientRecord::decrypt(crypto, m)
            .with_context(|| format!("patient {id} does not decrypt with these keys"))?;
    }
    Ok(count)
}
