//! Stock documents: transfers, item requests, purchase orders and adjustments, with their states
//! and the actions the user's role allows. Actions post forms that call the same domain
//! functions as the API, in one transaction with the audit entry.

mod adjustments;
mod item_requests;
mod purchase_orders;
mod transfers;

use std::collections::{BTreeMap, HashMap};

use actix_web::web;
use maud::{Markup, html};
use rust_decimal::Decimal;
use serde::Deserialize;
use uuid::Uuid;

use super::{ConsoleError, input::blank_as_none, layout};
use crate::{
    AppState,
    catalog::items,
    decimal,
    error::{DomainError, FieldErrors},
    registry::Branch,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/transfers", web::get().to(transfers::list_page))
        .route("/transfers/{id}", web::get().to(transfers::detail_page))
        .route(
            "/transfers/{id}/dispatch",
            web::post().to(transfers::dispatch),
        )
        .route(
            "/transfers/{id}/receive",
            web::post().to(transfers::receive),
        )
        .route("/transfers/{id}/cancel", web::post().to(transfers::cancel))
        .route("/item-requests", web::get().to(item_requests::list_page))
        .route(
            "/item-requests/{id}",
            web::get().to(item_requests::detail_page),
        )
        .route(
            "/item-requests/{id}/approve",
            web::post().to(item_requests::approve),
        )
        .route(
            "/item-requests/{id}/reject",
            web::post().to(item_requests::reject),
        )
        .route(
            "/purchase-orders",
            web::get().to(purchase_orders::list_page),
        )
        .route(
            "/purchase-orders/{id}",
            web::get().to(purchase_orders::detail_page),
        )
        .route(
            "/purchase-orders/{id}/receive",
            web::post().to(purchase_orders::receive),
        )
        .route("/adjustments", web::get().to(adjustments::list_page));
}

/// The links between the kinds of documents.
fn document_tabs(here: &str) -> Markup {
    let tabs = [
        ("/console/transfers", "Transfers"),
        ("/console/item-requests", "Item requests"),
        ("/console/purchase-orders", "Purchase orders"),
        ("/console/adjustments", "Adjustments"),
    ];
    html! {
        p.tabs {
            @for (href, name) in tabs {
                @if href == here { strong { (name) } } @else { a href=(href) { (name) } }
                " "
            }
        }
    }
}

/// A document list's filters: a branch (either side of a transfer or request) and a state.
#[derive(Deserialize)]
struct DocumentFilters {
    #[serde(default, deserialize_with = "blank_as_none")]
    branch_id: Option<Uuid>,
    #[serde(default, deserialize_with = "blank_as_none")]
    status: Option<String>,
}

/// The filter form of a document list at `action`, offering `statuses`.
fn filter_form(
    action: &str,
    branches: &[Branch],
    filters: &DocumentFilters,
    statuses: &[&str],
) -> Markup {
    html! {
        form.filters method="get" action=(action) {
            label { "Branch" (layout::branch_select("branch_id", branches, filters.branch_id, Some("All branches"))) }
            label { "Status" select name="status" {
                option value="" { "Any" }
                @for s in statuses { option value=(s) selected[filters.status.as_deref() == Some(*s)] { (s) } }
            } }
            button type="submit" { "Filter" }
        }
    }
}

/// Branch codes and names by id, for documents that name branches by id.
fn branch_names(branches: &[Branch]) -> HashMap<Uuid, String> {
    branches
        .iter()
        .map(|b| (b.id, format!("{} · {}", b.code, b.name)))
        .collect()
}

fn branch_name(names: &HashMap<Uuid, String>, id: Uuid) -> String {
    names.get(&id).cloned().unwrap_or_else(|| id.to_string())
}

/// SKU and name of each item of a document's lines.
async fn item_names(
    state: &AppState,
    ids: Vec<Uuid>,
) -> Result<HashMap<Uuid, (String, String)>, ConsoleError> {
    Ok(items::sku_and_name(&state.db, ids).await?)
}

fn item_name(names: &HashMap<Uuid, (String, String)>, id: Uuid) -> Markup {
    match names.get(&id) {
        Some((sku, name)) => html! { (sku) " · " (name) },
        None => html! { (id) },
    }
}

/// Quantities per line from a form whose fields are `line_<n>`; other fields are ignored.
fn line_quantities(form: &BTreeMap<String, String>) -> Result<Vec<(i32, Decimal)>, DomainError> {
    let mut errors = FieldErrors::default();
    let mut lines = Vec::new();
    for (field, value) in form {
        let Some(line_no) = field.strip_prefix("line_") else {
            continue;
        };
        let line_no = errors.check(field, line_no.parse::<i32>().map_err(|e| e.to_string()));
        let quantity = errors.check(field, decimal::parse_text(value.trim()));
        if let (Some(line_no), Some(quantity)) = (line_no, quantity) {
            lines.push((line_no, quantity));
        }
    }
    errors.into_result()?;
    Ok(lines)
}
