//! Lists and reports: one page as JSON (`{items,total,limit,offset}`), or, when asked with
//! `Accept: text/csv` or `?format=csv`, the whole list as CSV (RFC 4180, a header row), streamed
//! page by page so that a long export keeps the hub's memory flat.

use std::future::{Ready, ready};

use actix_web::{
    FromRequest, HttpRequest, HttpResponse,
    dev::Payload,
    http::header,
    web::{self, Bytes},
};
use futures_util::stream;
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{PageView, extract::Query};
use crate::{
    AppState,
    error::{ApiError, DomainError},
    pagination::{Page, PageQuery, PageRequest},
};

/// Rows fetched per page of a CSV export.
const EXPORT_PAGE: u64 = 5_000;
pub const CSV_CONTENT_TYPE: &str = "text/csv; charset=utf-8";

/// How the list is asked for.
#[derive(Debug, Default, Deserialize)]
struct FormatQuery {
    format: Option<String>,
}

/// A list request: its page, and whether it wants CSV.
pub struct ListRequest {
    page: PageRequest,
    csv: bool,
}

impl FromRequest for ListRequest {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        ready(list_request(req, payload))
    }
}

fn list_request(req: &HttpRequest, payload: &mut Payload) -> Result<ListRequest, ApiError> {
    let page = Query::<PageQuery>::from_request(req, payload)
        .into_inner()?
        .parse()?;
    let format = Query::<FormatQuery>::from_request(req, payload).into_inner()?;
    let csv = match format.0.format.as_deref() {
        Some("csv") => true,
        Some("json") => false,
        Some(_) => return Err(DomainError::invalid("format", "must be json or csv").into()),
        None => accepts_csv(req),
    };
    Ok(ListRequest { page, csv })
}

/// Whether the `Accept` header names CSV before (or without) JSON.
fn accepts_csv(req: &HttpRequest) -> bool {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let position = |media: &str| accept.find(media);
    match (position("text/csv"), position("application/json")) {
        (Some(csv), Some(json)) => csv < json,
        (Some(_), None) => true,
        _ => false,
    }
}

impl ListRequest {
    /// Whether the whole list is asked for, as CSV.
    pub fn wants_csv(&self) -> bool {
        self.csv
    }

    /// The page asked for (when not CSV).
    pub fn page(&self) -> PageRequest {
        self.page
    }

    /// Answers with one page of `fetch`, or with every page of it as CSV.
    pub async fn answer<T: Serialize + 'static>(
        self,
        state: web::Data<AppState>,
        fetch: impl AsyncFn(&DatabaseConnection, PageRequest) -> Result<Page<T>, DomainError> + 'static,
    ) -> Result<HttpResponse, ApiError> {
        if !self.csv {
            let page = fetch(&state.db, self.page).await?;
            return Ok(HttpResponse::Ok().json(PageView::from(page)));
        }
        // The first page is read before answering, so that a refusal is still a problem document.
        let first = fetch(&state.db, export_page(0)).await?;
        let mut header = None;
        let first_chunk = csv_chunk(&first.items, &mut header)?;
        let more = first.items.len() as u64 == EXPORT_PAGE;
        let rest = stream::try_unfold(
            (state, fetch, header, EXPORT_PAGE, more),
            async |(state, fetch, mut header, offset, more)| {
                if !more {
                    return Ok::<_, ApiError>(None);
                }
                let page = fetch(&state.db, export_page(offset)).await?;
                let more = page.items.len() as u64 == EXPORT_PAGE;
                let chunk = csv_chunk(&page.items, &mut header)?;
                Ok(Some((
                    chunk,
                    (state, fetch, header, offset + EXPORT_PAGE, more),
                )))
            },
        );
        let body = stream::once(ready(Ok::<_, ApiError>(first_chunk)));
        Ok(HttpResponse::Ok()
            .content_type(CSV_CONTENT_TYPE)
            .streaming(futures_util::StreamExt::chain(body, rest)))
    }
}

fn export_page(offset: u64) -> PageRequest {
    PageRequest {
        limit: EXPORT_PAGE,
        offset,
    }
}

/// Rows as CSV; the header row (the first row's fields, nested ones as `a.b`) comes with the
/// first chunk and names the columns of every later one.
fn csv_chunk<T: Serialize>(
    rows: &[T],
    header: &mut Option<Vec<String>>,
) -> Result<Bytes, ApiError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        let mut cells = Map::new();
        let value = serde_json::to_value(row)
            .map_err(|e| DomainError::internal("cannot write a row", e))?;
        flatten(String::new(), value, &mut cells);
        let columns = match header {
            Some(columns) => columns,
            None => {
                let columns: Vec<String> = cells.keys().cloned().collect();
                writer.write_record(&columns).map_err(csv_error)?;
                header.insert(columns)
            }
        };
        let record = columns.iter().map(|column| cell(cells.get(column)));
        writer.write_record(record).map_err(csv_error)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| DomainError::internal("cannot finish a CSV chunk", e))?;
    Ok(Bytes::from(bytes))
}

/// A JSON value's fields as columns, nested objects joined with `.`; arrays stay JSON text.
fn flatten(prefix: String, value: Value, cells: &mut Map<String, Value>) {
    match value {
        Value::Object(fields) => {
            for (key, field) in fields {
                let name = if prefix.is_empty() {
                    key
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(name, field, cells);
            }
        }
        other => {
            cells.insert(prefix, other);
        }
    }
}

fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    }
}

fn csv_error(err: csv::Error) -> ApiError {
    DomainError::internal("cannot write CSV", err).into()
}
