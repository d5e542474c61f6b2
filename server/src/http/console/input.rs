//! What console pages read from the address: filters (an empty field of a filter form means no
//! filter), and lists that answer either a page or, with `format=csv`, all of it as CSV.

use std::{fmt::Display, str::FromStr};

use actix_web::{HttpRequest, HttpResponse, web};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Deserializer, Serialize, de::DeserializeOwned};

use super::ConsoleError;
use crate::{
    AppState,
    error::{ApiError, DomainError},
    http::listing::ListRequest,
    pagination::{MAX_PAGE_SIZE, Page, PageRequest},
    registry::{self, Branch},
};

/// The page's filters from its query string.
pub fn filters<T: DeserializeOwned>(req: &HttpRequest) -> Result<T, ConsoleError> {
    serde_urlencoded::from_str(req.query_string())
        .map_err(|e| ConsoleError::Api(ApiError::Unprocessable(format!("invalid filter: {e}"))))
}

/// For `#[serde(deserialize_with)]`: an empty (or blank) field is none.
pub fn blank_as_none<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: Display,
{
    let text = Option::<String>::deserialize(deserializer)?;
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => text.parse().map(Some).map_err(serde::de::Error::custom),
    }
}

/// A list page: all of `fetch` as CSV when asked for, otherwise its page drawn by `render`.
pub async fn list_page<T: Serialize + 'static>(
    list: ListRequest,
    state: web::Data<AppState>,
    fetch: impl AsyncFn(&DatabaseConnection, PageRequest) -> Result<Page<T>, DomainError> + 'static,
    render: impl FnOnce(Page<T>) -> HttpResponse,
) -> Result<HttpResponse, ConsoleError> {
    if list.wants_csv() {
        return Ok(list.answer(state, fetch).await?);
    }
    let page = fetch(&state.db, list.page()).await?;
    Ok(render(page))
}

/// Every branch, by code, for the branch pickers (a chain has hundreds at most).
pub async fn branches(state: &AppState) -> Result<Vec<Branch>, ConsoleError> {
    let all = PageRequest {
        limit: MAX_PAGE_SIZE,
        offset: 0,
    };
    let mut branches = registry::list_branches(&state.db, None, all).await?.items;
    branches.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(branches)
}
