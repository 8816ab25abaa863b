//! The patient list and its search: one page of patients and how many match, counted up to
//! [`COUNT_CAP`].
//!
//! A page in creation order (the list's default) is one statement: the page's ids and the
//! capped count both come from an index alone (the active patients' ids, or the token index
//! when a search drives it: a two-word search is a merge of the two words' token ranges, both
//! already in id order), and only the page's own rows are read.
//!
//! A count that reached the cap is remembered for [`CAPPED_FOR`] ([`CappedCounts`]): counting to
//! the cap is most of what a page costs the database, and "more than 1,000" stays true while
//! anyone pages through the list, unless hundreds of patients are archived within seconds.

use api_types::patients::{PatientQuery, PatientSort, PatientStatusFilter, PatientSummary};
use api_types::Page;
use entity::patients::{patient, search_token};
use sea_orm::sea_query::{Alias, Expr, Order, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
};

use super::queries::summary_of;
use super::search;
use crate::platform::crypto::Crypto;
use crate::platform::db::{page_of, with_values_written_in};
use crate::platform::http::page_bounds_up_to;
use crate::platform::{ApiError, ApiResult};

/// Counting stops here: a count costs time in proportion to what it counts.
pub const COUNT_CAP: u64 = 1_000;

/// How long a count past the cap is taken as still past it.
pub const CAPPED_FOR: std::time::Duration = std::time::Duration::from_secs(10);

/// Searches (and the plain list) whose count recently reached the cap, by what they match
/// (see `Matching::key`): each page of them is read without counting again. Held per process.
#[derive(Debug, Default)]
pub struct CappedCounts(std::sync::Mutex<std::collections::HashMap<String, std::time::Instant>>);

/// Searches remembered at most; past it, the stale are dropped, and if that is not enough, all.
const CAPPED_MAX: usize = 1_000;

impl CappedCounts {
    fn still_capped(&self, key: &str) -> bool {
        self.0
            .lock()
            .ok()
            .and_then(|seen| seen.get(key).copied())
            .is_some_and(|at| at.elapsed() < CAPPED_FOR)
    }

    fn remember(&self, key: &str, total: u64) {
        let Ok(mut seen) = self.0.lock() else {
            return;
        };
        if total <= COUNT_CAP {
            seen.remove(key);
            return;
        }
        if seen.len() >= CAPPED_MAX {
            seen.retain(|_, at| at.elapsed() < CAPPED_FOR);
            if seen.len() >= CAPPED_MAX {
                seen.clear();
            }
        }
        seen.insert(key.to_owned(), std::time::Instant::now());
    }
}

/// Searches patients. Every word of `q`, and each of `email`, `phone` and `date_of_birth`, must
/// match; matching happens entirely on blind-index tokens.
pub async fn search(
    db: &impl ConnectionTrait,
    crypto: &Crypto,
    capped: &CappedCounts,
    q: &PatientQuery,
) -> ApiResult<Page<PatientSummary>> {
    let (limit, offset) =
        page_bounds_up_to(q.limit, q.offset, api_types::patients::MAX_PATIENT_PAGE)?;
    let Matching {
        select,
        ids,
        driver,
        token_count_only,
        key,
    } = matching(crypto, q)?;
    let known = capped.still_capped(&key).then_some(COUNT_CAP + 1);
    let sort = q.sort.unwrap_or_default();
    let (rows, total) = match sort {
        PatientSort::CreatedDesc | PatientSort::CreatedAsc => {
            let order = if sort == PatientSort::CreatedDesc {
                Order::Desc
            } else {
                Order::Asc
            };
            let (rows, counted) = one_pass(db, ids, order, limit, offset, known.is_none()).await?;
            (rows, known.or(counted))
        }
        PatientSort::UpdatedDesc => {
            let total = match known {
                Some(total) => total,
                None => capped_count(db, &select).await?,
            };
            let newest_first = select
                .clone()
                .order_by_desc(patient::Column::UpdatedAt)
                .order_by_desc(patient::Column::Id);
            let rows = page_of(db, newest_first, limit, offset).await?;
            (rows, Some(total))
        }
    };
    let total = match total {
        Some(total) => total,
        None => match (&driver, token_count_only) {
            (Some(token), true) => capped_token_count(db, token).await?,
            _ => capped_count(db, &select).await?,
        },
    };
    if known.is_none() {
        capped.remember(&key, total);
    }
    let items = rows
        .into_iter()
        .map(|m| summary_of(crypto, &m))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Page {
        items,
        total: total.min(COUNT_CAP),
        total_capped: total > COUNT_CAP,
        limit,
        offset,
    })
}

/// The patients a query matches, not yet ordered or paged.
struct Matching {
    select: sea_orm::Select<patient::Entity>,
    /// The matching patients' ids as `id`, unordered: from the token index alone when a search
    /// drives it (every token row is a patient's, so the patients need not be joined).
    ids: SelectStatement,
    /// The token whose index walks the matches in id order, when a search has one.
    driver: Option<String>,
    /// Whether that token is the whole condition.
    token_count_only: bool,
    /// What the query matches, whatever its order and page: the status and each condition's
    /// tokens (keyed hashes, never the words searched for).
    key: String,
}

fn matching(crypto: &Crypto, q: &PatientQuery) -> ApiResult<Matching> {
    use sea_orm::sea_query::ExprTrait;
    // Each group is one condition: the patient has one of its tokens.
    let mut groups: Vec<Vec<String>> = Vec::new();
    if let Some(text) = q.q.as_deref().filter(|t| !t.trim().is_empty()) {
        if text.chars().count() > 200 {
            return Err(ApiError::field(
                "q",
                "too_long",
                "Search for at most 200 characters.",
            ));
        }
        groups.extend(
            search::query_words(text)
                .iter()
                .map(|w| search::query_word_tokens(crypto, w))
                .filter(|t| !t.is_empty()),
        );
    }
    if let Some(email) = &q.email {
        groups.push(vec![search::email_token(crypto, email)]);
    }
    if let Some(phone) = &q.phone {
        groups.push(vec![search::phone_token(crypto, phone)]);
    }
    if let Some(dob) = q.date_of_birth {
        groups.push(vec![search::dob_token(crypto, dob)]);
    }
    // Tokens say whether their patient is archived (see `search::archived`).
    let status = q.status.unwrap_or_default();
    for group in &mut groups {
        match status {
            PatientStatusFilter::Active => {}
            PatientStatusFilter::Archived => {
                for t in group.iter_mut() {
                    *t = search::archived(crypto, t);
                }
            }
            PatientStatusFilter::All => {
                let archived: Vec<String> =
                    group.iter().map(|t| search::archived(crypto, t)).collect();
                group.extend(archived);
            }
        }
    }
    let filtered_by_tokens = !groups.is_empty();
    let key = {
        let mut conditions: Vec<String> = groups.iter().map(|g| g.join(",")).collect();
        conditions.sort_unstable();
        format!("{status:?}|{}", conditions.join("|"))
    };
    // With a single-token condition and creation order, the token index walks the matches in id
    // order already, so a page reads only its own rows rather than sorting every match.
    let driver = (q.sort.unwrap_or_default() != PatientSort::UpdatedDesc)
        .then(|| groups.iter().position(|g| g.len() == 1))
        .flatten()
        .map(|i| groups.remove(i).remove(0));
    let token_count_only = driver.is_some() && groups.is_empty();
    let mut select = patient::Entity::find();
    if let Some(token) = &driver {
        select = select
            .join_rev(
                sea_orm::JoinType::InnerJoin,
                search_token::Entity::belongs_to(patient::Entity)
                    .from(search_token::Column::PatientId)
                    .to(patient::Column::Id)
                    .into(),
            )
            .filter(search_token::Column::Token.eq(token.as_str()));
    }
    let token_id = Expr::col((search_token::Entity, search_token::Column::PatientId));
    let mut driven = driver.as_ref().map(|token| {
        Query::select()
            .expr_as(token_id.clone(), Alias::new("id"))
            .from(search_token::Entity)
            .and_where(
                Expr::col((search_token::Entity, search_token::Column::Token)).eq(token.as_str()),
            )
            .to_owned()
    });
    for tokens in groups {
        let condition = has_token(driver.is_some(), tokens);
        if let Some(ids) = &mut driven {
            ids.and_where(condition.clone());
        }
        select = select.filter(condition);
    }
    if !filtered_by_tokens {
        select = match status {
            PatientStatusFilter::Active => select.filter(patient::Column::ArchivedAt.is_null()),
            PatientStatusFilter::Archived => {
                select.filter(patient::Column::ArchivedAt.is_not_null())
            }
            PatientStatusFilter::All => select,
        };
    }
    let ids = driven.unwrap_or_else(|| {
        select
            .clone()
            .select_only()
            .expr_as(Expr::col((patient::Entity, patient::Column::Id)), "id")
            .into_query()
    });
    Ok(Matching {
        select,
        ids,
        driver,
        token_count_only,
        key,
    })
}

/// The patient (or, when a token drives the search, the driving token's patient) has one of
/// `tokens`: another token range of the same index, merged with the first in id order.
fn has_token(driven: bool, tokens: Vec<String>) -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::sea_query::ExprTrait;
    let patient_id = if driven {
        Expr::col((search_token::Entity, search_token::Column::PatientId))
    } else {
        Expr::col((patient::Entity, patient::Column::Id))
    };
    let other = Alias::new("other");
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from_as(search_token::Entity, other.clone())
            .and_where(Expr::col((other.clone(), search_token::Column::PatientId)).eq(patient_id))
            .and_where(Expr::col((other, search_token::Column::Token)).is_in(tokens))
            .to_owned(),
    )
}

/// A row of a one-pass page: the patient, and how many patients match (capped).
#[derive(FromQueryResult)]
struct PageRow {
    #[sea_orm(nested)]
    patient: patient::Model,
    matching: i64,
}

/// One page in id order and, when `count`, the capped count, in one statement. Both walk the
/// same index (the patients' active ids, or the driving token's range) without touching a row:
/// the page's ids, from which only its own rows are read, and at most one id past
/// [`COUNT_CAP`] for the count. The count is `None` when not asked for, or when the page came
/// back empty and so could not carry it.
async fn one_pass(
    db: &impl ConnectionTrait,
    ids: SelectStatement,
    order: Order,
    limit: u64,
    offset: u64,
    count: bool,
) -> ApiResult<(Vec<patient::Model>, Option<u64>)> {
    let mut ids = ids;
    ids.order_by(Alias::new("id"), order.clone());
    let page_ids = ids.clone().limit(limit).offset(offset).to_owned();
    let page = patient::Entity::find()
        .filter(patient::Column::Id.in_subquery(page_ids))
        .order_by(patient::Column::Id, order);
    if !count {
        let stmt = with_values_written_in(db, &page.into_query());
        return Ok((
            patient::Entity::find().from_raw_sql(stmt).all(db).await?,
            None,
        ));
    }
    let count = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from_subquery(ids.limit(COUNT_CAP + 1).to_owned(), Alias::new("capped"))
        .to_owned();
    let page = page
        .expr_as(
            sea_orm::sea_query::SimpleExpr::SubQuery(None, Box::new(count.into())),
            "matching",
        )
        .into_query();
    let rows = PageRow::find_by_statement(with_values_written_in(db, &page))
        .all(db)
        .await?;
    let total = rows.first().map(|r| r.matching.max(0) as u64);
    let total = match total {
        Some(t) => Some(t),
        None if offset == 0 => Some(0),
        None => None,
    };
    Ok((rows.into_iter().map(|r| r.patient).collect(), total))
}

/// How many patients have `token`, counting at most one past [`COUNT_CAP`], on the token index.
async fn capped_token_count(db: &impl ConnectionTrait, token: &str) -> ApiResult<u64> {
    let inner = search_token::Entity::find()
        .select_only()
        .column(search_token::Column::PatientId)
        .filter(search_token::Column::Token.eq(token))
        .limit(COUNT_CAP + 1);
    count_rows(db, inner.into_query()).await
}

/// How many patients match, counting at most one past [`COUNT_CAP`].
async fn capped_count(
    db: &impl ConnectionTrait,
    select: &sea_orm::Select<patient::Entity>,
) -> ApiResult<u64> {
    let inner = select
        .clone()
        .select_only()
        .column(patient::Column::Id)
        .limit(COUNT_CAP + 1)
        .into_query();
    count_rows(db, inner).await
}

/// The number of rows `inner` returns.
async fn count_rows(db: &impl ConnectionTrait, inner: SelectStatement) -> ApiResult<u64> {
    let stmt = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from_subquery(inner, Alias::new("capped"))
        .to_owned();
    let n: i64 = db
        .query_one_raw(with_values_written_in(db, &stmt))
        .await?
        .map(|row| row.try_get("", "n"))
        .transpose()?
        .unwrap_or(0);
    Ok(n.max(0) as u64)
}
