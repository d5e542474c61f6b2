//! Offset pagination shared by every admin list.

use sea_orm::{ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QuerySelect, Select};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::{DomainError, FieldErrors};

pub const DEFAULT_PAGE_SIZE: u64 = 50;
pub const MAX_PAGE_SIZE: u64 = 500;

/// `?limit=&offset=` as sent; signed so that a negative value gets a field error, not a parse error.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// Items to skip (default 0).
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// A checked page request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u64,
    pub offset: u64,
}

impl PageQuery {
    pub fn parse(&self) -> Result<PageRequest, DomainError> {
        let mut errors = FieldErrors::default();
        let limit = errors.check(
            "limit",
            match self.limit {
                None => Ok(DEFAULT_PAGE_SIZE),
                Some(n) if (1..=MAX_PAGE_SIZE as i64).contains(&n) => Ok(n as u64),
                Some(_) => Err(format!("must be between 1 and {MAX_PAGE_SIZE}")),
            },
        );
        let offset = errors.check(
            "offset",
            u64::try_from(self.offset.unwrap_or(0)).map_err(|_| "must not be negative".to_string()),
        );
        errors.into_result()?;
        Ok(PageRequest {
            limit: limit.unwrap_or(DEFAULT_PAGE_SIZE),
            offset: offset.unwrap_or(0),
        })
    }
}

/// One page of a list and the size of the whole list.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub request: PageRequest,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            request: self.request,
        }
    }
}

impl<T> Page<T> {
    /// The page `request` asks for of a list already in memory (a bounded one, such as the days
    /// of a summary).
    pub fn of_all(all: Vec<T>, request: PageRequest) -> Self {
        let total = all.len() as u64;
        let items = all
            .into_iter()
            .skip(usize::try_from(request.offset).unwrap_or(usize::MAX))
            .take(usize::try_from(request.limit).unwrap_or(usize::MAX))
            .collect();
        Page {
            items,
            total,
            request,
        }
    }
}

/// Runs `select` (which must already be ordered) for one page, and counts the whole list.
pub async fn fetch_page<E, C>(
    db: &C,
    select: Select<E>,
    request: PageRequest,
) -> Result<Page<E::Model>, DbErr>
where
    E: EntityTrait,
    E::Model: Send + Sync,
    C: ConnectionTrait,
{
    let total = select.clone().count(db).await?;
    let items = select
        .limit(request.limit)
        .offset(request.offset)
        .all(db)
        .await?;
    Ok(Page {
        items,
        total,
        request,
    })
}
