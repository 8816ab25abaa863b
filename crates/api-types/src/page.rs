//! Pagination: every list is a page, with a hard maximum on its size.

use serde::{Deserialize, Serialize};

pub const DEFAULT_LIMIT: u64 = 25;
pub const MAX_LIMIT: u64 = 100;

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many items match, across all pages; see `total_capped`.
    pub total: u64,
    /// Counting stopped at `total`: at least that many match (shown as "1,000+"). Large
    /// searches stop counting so that they stay fast.
    #[serde(default)]
    pub total_capped: bool,
    pub limit: u64,
    pub offset: u64,
}

impl<T> Page<T> {
    /// A page whose total was counted exactly.
    pub fn new(items: Vec<T>, total: u64, limit: u64, offset: u64) -> Page<T> {
        Page {
            items,
            total,
            total_capped: false,
            limit,
            offset,
        }
    }
}

/// `limit` (1–100, default 25) and `offset` (default 0).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct PageQuery {
    /// Page size, 1 to 100.
    pub limit: Option<u64>,
    /// Items to skip.
    pub offset: Option<u64>,
}
