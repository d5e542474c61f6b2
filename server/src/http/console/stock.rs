//! A branch's stock (search by SKU or name, below reorder level) and an item's ledger there, with
//! a chart of its balance.

use actix_web::{HttpRequest, HttpResponse, web};
use maud::html;
use serde::Deserialize;
use uuid::Uuid;

use super::{
    ConsoleError, chart,
    input::{self, blank_as_none},
    layout::{self, Section},
    session::Operator,
};
use crate::{
    AppState,
    catalog::items,
    http::listing::ListRequest,
    inventory::{
        movements::{self, LedgerFilter},
        queries::{self, StockFilter},
    },
};

#[derive(Deserialize)]
struct StockFilters {
    #[serde(default, deserialize_with = "blank_as_none")]
    branch_id: Option<Uuid>,
    #[serde(default, deserialize_with = "blank_as_none")]
    search: Option<String>,
    #[serde(default)]
    below_reorder: Option<String>,
}

pub async fn stock_page(
    req: HttpRequest,
    operator: Operator,
    state: web::Data<AppState>,
    list: ListRequest,
) -> Result<HttpResponse, ConsoleError> {
    let filters: StockFilters = input::filters(&req)?;
    let branches = input::branches(&state).await?;
    let Some(branch_id) = filters.branch_id.or(branches.first().map(|b| b.id)) else {
        return Ok(layout::page(
            &operator,
            "Stock",
            Section::Stock,
            html! { h1 { "Stock" } p.muted { "There are no branches yet." } },
        ));
    };
    let below_reorder = filters.below_reorder.is_some();
    let filter = StockFilter {
        below_reorder_level: below_reorder,
        search: filters.search.clone(),
        ..StockFilter::default()
    };
    let scope = operator.branch_scope();
    input::list_page(
        list,
        state,
        async move |db, page| {
            queries::branch_stock(db, &scope, branch_id, filter.clone(), page).await
        },
        |page| {
            layout::page(
                &operator,
                "Stock",
                Section::Stock,
                html! {
                    h1 { "Stock" }
                    form.filters method="get" action="/console/stock" {
                        label { "Branch" (layout::branch_select("branch_id", &branches, Some(branch_id), None)) }
                        label { "SKU or name" input type="search" name="search" value=[filters.search.as_deref()]; }
                        label { "Below reorder level" input type="checkbox" name="below_reorder" value="1" checked[below_reorder]; }
                        button type="submit" { "Search" }
                    }
                    table #stock {
                        thead { tr {
                            th { "SKU" } th { "Item" } th.num { "On hand" } th.num { "In transit" }
                            th.num { "On order" } th.num { "Reorder level" }
                        } }
                        tbody {
                            @for level in &page.items {
                                @let low = level.reorder_level.is_some_and(|r| level.on_hand < r);
                                tr data-sku=(level.sku) {
                                    td { (level.sku) }
                                    td { a href=(format!("/console/stock/{branch_id}/items/{}", level.item_id)) { (level.item_name) } }
                                    td.num.on-hand { (layout::quantity(level.on_hand)) " " @if low { span.badge.warn { "reorder" } } }
                                    td.num { (layout::quantity(level.in_transit_in)) }
                                    td.num { (layout::quantity(level.on_order)) }
                                    td.num { (level.reorder_level.map_or("–".to_string(), layout::quantity)) }
                                }
                            }
                        }
                    }
                    (layout::pager(&req, &page))
                },
            )
        },
    )
    .await
}

pub async fn item_ledger_page(
    req: HttpRequest,
    operator: Operator,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, Uuid)>,
    list: ListRequest,
) -> Result<HttpResponse, ConsoleError> {
    let (branch_id, item_id) = path.into_inner();
    let item = items::get_item(&state.db, item_id).await?;
    let scope = operator.branch_scope();
    let filter = LedgerFilter {
        item_id: Some(item_id),
        ..LedgerFilter::default()
    };
    input::list_page(
        list,
        state,
        async move |db, page| movements::ledger(db, &scope, branch_id, &filter, page).await,
        |page| {
            let balances: Vec<_> = page
                .items
                .iter()
                .map(|m| (format!("#{} {}", m.seq, layout::instant(m.created_at)), m.balance_after))
                .collect();
            layout::page(
                &operator,
                &item.name,
                Section::Stock,
                html! {
                    h1 { (item.sku) " · " (item.name) }
                    p { a href=(format!("/console/stock?branch_id={branch_id}")) { "← Stock of the branch" } }
                    h2 { "Balance" }
                    (chart::line_chart("Balance after each movement", &balances))
                    h2 { "Ledger" }
                    table #ledger {
                        thead { tr {
                            th.num { "Seq" } th { "When" } th { "Reason" } th { "Document" }
                            th.num { "Change" } th.num { "Balance" } th { "By" }
                        } }
                        tbody {
                            @for m in &page.items {
                                tr {
                                    td.num { (m.seq) }
                                    td { (layout::instant(m.created_at)) }
                                    td { (layout::word(&m.reason)) }
                                    td { (m.document_type) " " small.muted { (m.document_id) } }
                                    td.num { (layout::quantity(m.delta)) }
                                    td.num.balance { (layout::quantity(m.balance_after)) }
                                    td { (m.actor) }
                                }
                            }
                        }
                    }
                    (layout::pager(&req, &page))
                },
            )
        },
    )
    .await
}
