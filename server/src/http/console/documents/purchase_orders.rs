//! Purchase orders: the list, one order, and receiving goods against it (a goods receipt with
//! the quantities delivered).

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, web};
use maud::html;
use uuid::Uuid;

use super::{
    DocumentFilters, branch_name, branch_names, document_tabs, filter_form, item_name, item_names,
    line_quantities,
};
use crate::{
    AppState,
    console::ClientRole,
    http::{
        console::{
            ConsoleError,
            action::act,
            input,
            layout::{self, Section},
            session::{Operator, Posted},
        },
        listing::ListRequest,
    },
    inventory::purchase_orders::{self, ReceiptLineInput},
};

const STATUSES: [&str; 6] = [
    "draft",
    "ordered",
    "partially_received",
    "received",
    "closed",
    "cancelled",
];

pub async fn list_page(
    req: HttpRequest,
    operator: Operator,
    state: web::Data<AppState>,
    list: ListRequest,
) -> Result<HttpResponse, ConsoleError> {
    let filters: DocumentFilters = input::filters(&req)?;
    let branches = input::branches(&state).await?;
    let names = branch_names(&branches);
    let scope = operator.branch_scope();
    let status = filters.status.clone();
    input::list_page(
        list,
        state,
        async move |db, page| {
            purchase_orders::list_purchase_orders(db, &scope, filters.branch_id, status.as_deref(), page)
                .await
        },
        |page| {
            layout::page(
                &operator,
                "Purchase orders",
                Section::Documents,
                html! {
                    h1 { "Purchase orders" }
                    (document_tabs("/console/purchase-orders"))
                    (filter_form("/console/purchase-orders", &branches, &filters, &STATUSES))
                    table #purchase-orders {
                        thead { tr { th { "Order" } th { "Branch" } th { "Supplier" } th { "Status" } th.num { "Lines" } th { "Created" } } }
                        tbody {
                            @for o in &page.items {
                                tr {
                                    td { a href=(format!("/console/purchase-orders/{}", o.id)) { (o.id) } }
                                    td { (branch_name(&names, o.branch_id)) }
                                    td { (o.supplier) }
                                    td.status { (layout::word(&o.status)) }
                                    td.num { (o.lines.len()) }
                                    td { (layout::instant(o.created_at)) " · " (o.created_by) }
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

pub async fn detail_page(
    operator: Operator,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ConsoleError> {
    let order =
        purchase_orders::get_purchase_order(&state.db, &operator.branch_scope(), *id).await?;
    let branches = input::branches(&state).await?;
    let names = branch_names(&branches);
    let items = item_names(&state, order.lines.iter().map(|l| l.item_id).collect()).await?;
    let status = layout::word(&order.status);
    let receiving =
        operator.may(ClientRole::Stock) && (status == "ordered" || status == "partially_received");
    Ok(layout::page(
        &operator,
        "Purchase order",
        Section::Documents,
        html! {
            h1 { "Purchase order " small.muted { (order.id) } }
            (document_tabs(""))
            p {
                (branch_name(&names, order.branch_id)) " from " (order.supplier)
                @if let Some(reference) = &order.supplier_reference { " (" (reference) ")" }
                " · " strong #status { (status) }
                " · created " (layout::instant(order.created_at)) " by " (order.created_by)
            }
            form method="post" action=(format!("/console/purchase-orders/{}/receive", order.id)) {
                (layout::csrf_field(&operator))
                table #lines {
                    thead { tr { th.num { "Line" } th { "Item" } th.num { "Ordered" } th.num { "Received" } th.num { "Unit cost" }
                        @if receiving { th.num { "Delivered now" } } } }
                    tbody {
                        @for line in &order.lines {
                            tr {
                                td.num { (line.line_no) }
                                td { (item_name(&items, line.item_id)) }
                                td.num { (layout::quantity(line.quantity_ordered)) }
                                td.num { (layout::quantity(line.quantity_received)) }
                                td.num { (layout::money(line.unit_cost)) }
                                @if receiving {
                                    td.num {
                                        input type="text" inputmode="decimal" size="8" name=(format!("line_{}", line.line_no))
                                            value=((line.quantity_ordered - line.quantity_received).max(rust_decimal::Decimal::ZERO));
                                    }
                                }
                            }
                        }
                    }
                }
                @if receiving { p { button #receive type="submit" { "Record goods receipt" } } }
            }
        },
    ))
}

pub async fn receive(
    req: HttpRequest,
    state: web::Data<AppState>,
    posted: Posted<BTreeMap<String, String>>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ConsoleError> {
    // Lines delivered with nothing this time are left out of the receipt.
    let delivered = line_quantities(&posted.form)?
        .into_iter()
        .filter(|(_, quantity)| !quantity.is_zero())
        .map(|(line_no, quantity)| ReceiptLineInput { line_no, quantity })
        .collect();
    act(
        &req,
        &state,
        &posted.operator,
        ClientRole::Stock,
        async |txn, actor| purchase_orders::receive_goods(txn, actor, *id, delivered).await,
    )
    .await
}
