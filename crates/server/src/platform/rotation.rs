//! Re-encrypting stored values under the active key. Each domain lists the encrypted columns of
//! its tables ([`Sealed`]); this walks one column at a time, a batch of rows per transaction,
//! re-encrypting every value not yet under the active key with the same associated data. It is
//! online (a row changed meanwhile is left for the next pass: its new value is already under the
//! active key) and resumable (it looks only for values still under an old key).

use anyhow::{bail, Context};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement, Value};
use uuid::Uuid;

use super::crypto::Crypto;

/// A column that makes up a value's associated data, with its type.
#[derive(Debug, Clone, Copy)]
pub enum Key {
    Uuid(&'static str),
    SmallInt(&'static str),
    Text(&'static str),
}

/// An encrypted column. Its values are bound to `"{aad}:{keys joined by ':'}"`.
#[derive(Debug, Clone, Copy)]
pub struct Sealed {
    pub table: &'static str,
    pub column: &'static str,
    /// The associated data's prefix, such as `correspondence.body`.
    pub aad: &'static str,
    pub keys: &'static [Key],
    /// Raw bytes (a file) rather than text.
    pub bytes: bool,
}

impl Sealed {
    /// A text column whose values are bound to `"{aad}:{id}"`.
    pub const fn text(table: &'static str, column: &'static str, aad: &'static str) -> Sealed {
        Sealed {
            table,
            column,
            aad,
            keys: &[Key::Uuid("id")],
            bytes: false,
        }
    }
}

fn placeholder(backend: DatabaseBackend, n: usize) -> String {
    match backend {
        DatabaseBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    }
}

fn key_name(k: &Key) -> &'static str {
    match k {
        Key::Uuid(c) | Key::SmallInt(c) | Key::Text(c) => c,
    }
}

/// Whether a stored value is under the active key.
fn is_current(crypto: &Crypto, s: &Sealed, value: &Value) -> bool {
    match value {
        Value::String(Some(v)) => !crypto.needs_rotation(v),
        Value::Bytes(Some(b)) => {
            b.len() >= 6
                && b[..2] == *b"v1"
                && u32::from_be_bytes([b[2], b[3], b[4], b[5]]) == crypto.active_key_id()
        }
        _ => !s.bytes,
    }
}

/// How many values of the column are not yet under the active key.
pub async fn remaining(
    db: &DatabaseConnection,
    crypto: &Crypto,
    s: &Sealed,
) -> anyhow::Result<u64> {
    let backend = db.get_database_backend();
    if s.bytes {
        let mut left = 0;
        let mut after: Option<Vec<Value>> = None;
        loop {
            let rows = page(db, s, after.as_deref(), 200).await?;
            let Some((last, _)) = rows.last() else { break };
            after = Some(last.clone());
            left += rows
                .iter()
                .filter(|(_, v)| !is_current(crypto, s, v))
                .count() as u64;
        }
        return Ok(left);
    }
    let sql = format!(
        "SELECT COUNT(*) AS n FROM {} WHERE {} IS NOT NULL AND {} NOT LIKE {}",
        s.table,
        s.column,
        s.column,
        placeholder(backend, 1)
    );
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [Value::from(format!("v1.{}.%", crypto.active_key_id()))],
        ))
        .await?
        .context("counting values")?;
    Ok(row.try_get::<i64>("", "n")? as u64)
}

/// Rows of the column in key order after `after`: their keys and value.
async fn page(
    db: &impl ConnectionTrait,
    s: &Sealed,
    after: Option<&[Value]>,
    limit: u64,
) -> anyhow::Result<Vec<(Vec<Value>, Value)>> {
    let backend = db.get_database_backend();
    let keys: Vec<&str> = s.keys.iter().map(key_name).collect();
    let mut sql = format!(
        "SELECT {}, {} AS sealed FROM {} WHERE {} IS NOT NULL",
        keys.join(", "),
        s.column,
        s.table,
        s.column
    );
    let mut values = Vec::new();
    if let Some(after) = after {
        let tuple: Vec<String> = (1..=after.len()).map(|i| placeholder(backend, i)).collect();
        sql.push_str(&format!(
            " AND ({}) > ({})",
            keys.join(", "),
            tuple.join(", ")
        ));
        values.extend(after.iter().cloned());
    }
    sql.push_str(&format!(" ORDER BY {} LIMIT {limit}", keys.join(", ")));
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    rows.into_iter()
        .map(|r| {
            let mut key = Vec::with_capacity(s.keys.len());
            for k in s.keys {
                key.push(match k {
                    Key::Uuid(c) => Value::from(r.try_get::<Uuid>("", c)?),
                    Key::SmallInt(c) => Value::from(r.try_get::<i16>("", c)?),
                    Key::Text(c) => Value::from(r.try_get::<String>("", c)?),
                });
            }
            let sealed = if s.bytes {
                Value::from(r.try_get::<Vec<u8>>("", "sealed")?)
            } else {
                Value::from(r.try_get::<String>("", "sealed")?)
            };
            Ok((key, sealed))
        })
        .collect()
}

fn aad_of(s: &Sealed, key: &[Value]) -> String {
    let parts: Vec<String> = key
        .iter()
        .map(|v| match v {
            Value::Uuid(Some(u)) => u.to_string(),
            Value::SmallInt(Some(i)) => i.to_string(),
            Value::String(Some(t)) => t.clone(),
            other => format!("{other:?}"),
        })
        .collect();
    format!("{}:{}", s.aad, parts.join(":"))
}

/// Re-encrypts the column's values under the active key, `batch` rows per transaction,
/// reporting how many were done after each batch. Returns how many it re-encrypted.
pub async fn rotate(
    db: &DatabaseConnection,
    crypto: &Crypto,
    s: &Sealed,
    batch: u64,
    mut progress: impl FnMut(u64),
) -> anyhow::Result<u64> {
    let backend = db.get_database_backend();
    let mut done = 0;
    let mut after: Option<Vec<Value>> = None;
    loop {
        let rows = page(db, s, after.as_deref(), batch).await?;
        let Some((last, _)) = rows.last() else { break };
        after = Some(last.clone());
        let stale: Vec<_> = rows
            .into_iter()
            .filter(|(_, v)| !is_current(crypto, s, v))
            .collect();
        if stale.is_empty() {
            continue;
        }
        let txn = sea_orm::TransactionTrait::begin(db).await?;
        for (key, old) in stale {
            let aad = aad_of(s, &key);
            let new = match &old {
                Value::String(Some(v)) => Value::from(crypto.encrypt(
                    &crypto.decrypt(v, &aad).with_context(|| {
                        format!("{}.{} ({aad}) does not decrypt", s.table, s.column)
                    })?,
                    &aad,
                )?),
                Value::Bytes(Some(b)) => Value::from(crypto.encrypt_bytes(
                    &crypto.decrypt_bytes(b, &aad).with_context(|| {
                        format!("{}.{} ({aad}) does not decrypt", s.table, s.column)
                    })?,
                    &aad,
                )?),
                _ => bail!(
                    "{}.{} holds a value of an unexpected type",
                    s.table,
                    s.column
                ),
            };
            // Only if it is still the value read: a value written meanwhile is already current.
            let mut values = vec![new];
            let conditions: Vec<String> = s
                .keys
                .iter()
                .enumerate()
                .map(|(i, k)| format!("{} = {}", key_name(k), placeholder(backend, i + 2)))
                .collect();
            values.extend(key);
            values.push(old);
            let sql = format!(
                "UPDATE {} SET {} = {} WHERE {} AND {} = {}",
                s.table,
                s.column,
                placeholder(backend, 1),
                conditions.join(" AND "),
                s.column,
                placeholder(backend, values.len())
            );
            txn.execute_raw(Statement::from_sql_and_values(backend, sql, values))
                .await?;
            done += 1;
        }
        txn.commit().await?;
        progress(done);
    }
    Ok(done)
}

/// The platform's own encrypted column: stored answers to idempotent requests.
pub const SEALED: &[Sealed] = &[Sealed {
    table: "idempotency_keys",
    column: "body_enc",
    aad: "idempotency_keys.body",
    keys: &[Key::Uuid("actor_id"), Key::Text("key")],
    bytes: false,
}];
