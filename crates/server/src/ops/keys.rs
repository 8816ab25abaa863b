//! `carebase keys rotate`: every encrypted value and file re-encrypted under the active key, so
//! that an old key can be removed. Online and resumable; it reports its progress column by
//! column.

use std::time::Instant;

use sea_orm::DatabaseConnection;

use crate::platform::crypto::Crypto;
use crate::platform::rotation::{self, Sealed};

/// Every encrypted column, from every domain.
pub fn sealed_columns() -> Vec<&'static Sealed> {
    [
        crate::patients::SEALED,
        crate::users::SEALED,
        crate::auth::SEALED,
        crate::clinical::SEALED,
        crate::health::SEALED,
        crate::scheduling::SEALED,
        crate::comms::SEALED,
        crate::records::SEALED,
        crate::integrations::SEALED,
        rotation::SEALED,
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// What a rotation did.
pub struct Rotated {
    pub values: u64,
    pub seconds: f64,
}

/// Re-encrypts everything not yet under the active key, printing progress as it goes.
pub async fn rotate(
    db: &DatabaseConnection,
    crypto: &Crypto,
    batch: u64,
) -> anyhow::Result<Rotated> {
    let started = Instant::now();
    let mut values = 0;
    for s in sealed_columns() {
        let left = rotation::remaining(db, crypto, s).await?;
        if left == 0 {
            continue;
        }
        println!("{}.{}: {left} to re-encrypt", s.table, s.column);
        let done = rotation::rotate(db, crypto, s, batch, |n| {
            println!("  {}.{}: {n} of {left}", s.table, s.column);
        })
        .await?;
        values += done;
    }
    Ok(Rotated {
        values,
        seconds: started.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `*_enc` field of every table, as the entity crate declares them.
    fn declared() -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../entity/src");
        let mut out = Vec::new();
        let mut dirs = vec![root];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let Some(table) = text
                    .split("table_name = \"")
                    .nth(1)
                    .and_then(|r| r.split('"').next())
                else {
                    continue;
                };
                for line in text.lines() {
                    let line = line.trim();
                    if let Some(rest) = line.strip_prefix("pub ") {
                        if let Some((name, _)) = rest.split_once(':') {
                            if name.ends_with("_enc") {
                                out.push((table.to_owned(), name.to_owned()));
                            }
                        }
                    }
                }
            }
        }
        out
    }

    #[test]
    fn every_encrypted_column_is_rotated() {
        let listed: Vec<(String, String)> = sealed_columns()
            .iter()
            .map(|s| (s.table.to_owned(), s.column.to_owned()))
            .collect();
        let missing: Vec<_> = declared()
            .into_iter()
            .filter(|c| !listed.contains(c))
            .collect();
        assert!(
            missing.is_empty(),
            "not re-encrypted by `keys rotate`: {missing:?}"
        );
        assert!(listed.contains(&("document_blobs".into(), "data".into())));
        assert!(listed.contains(&("document_chunks".into(), "data".into())));
    }
}
