//! Transfer tickets: the list, one ticket, and dispatching, receiving (with the quantities that
//! arrived) and cancelling it.

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
            session::{NoFields, Operator, Posted},
        },
        listing::ListRequest,
    },
    inventory::transfers::{self, ReceivedLine},
};

const STATUSES: [&str; 4] = ["draft", "dispatched", "received", "cancelled"];

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
            transfers::list_transfers(db, &scope, filters.branch_id, status.as_deref(), page).await
        },
        |page| {
            layout::page(
                &operator,
                "Transfers",
                Section::Documents,
                html! {
                    h1 { "Transfers" }
                    (document_tabs("/console/transfers"))
                    (filter_form("/console/transfers", &branches, &filters, &STATUSES))
                    table #transfers {
                        thead { tr { th { "Ticket" } th { "From" } th { "To" } th { "Status" } th.num { "Lines" } th { "Created" } } }
                        tbody {
                            @for t in &page.items {
                                tr {
                                    td { a href=(format!("/console/transfers/{}", t.id)) { (t.id) } }
                                    td { (branch_name(&names, t.from_branch_id)) }
                                    td { (branch_name(&names, t.to_branch_id)) }
                                    td.status { (layout::word(&t.status)) }
                                    td.num { (t.lines.len()) }
                                    td { (layout::instant(t.created_at)) " · " (t.created_by) }
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
    let transfer = transfers::get_transfer(&state.db, &operator.branch_scope(), *id).await?;
    let branches = input::branches(&state).await?;
    let names = branch_names(&branches);
    let items = item_names(&state, transfer.lines.iter().map(|l| l.item_id).collect()).await?;
    let status = layout::word(&transfer.status);
    let acts = operator.may(ClientRole::Stock);
    let action = |verb: &str| format!("/console/transfers/{}/{verb}", transfer.id);
    Ok(layout::page(
        &operator,
        "Transfer",
        Section::Documents,
        html! {
            h1 { "Transfer " small.muted { (transfer.id) } }
            (document_tabs(""))
            p {
                (branch_name(&names, transfer.from_branch_id)) " → " (branch_name(&names, transfer.to_branch_id))
                " · " strong #status { (status) }
                " · created " (layout::instant(transfer.created_at)) " by " (transfer.created_by)
            }
            @if let Some(note) = &transfer.note { p.muted { (note) } }
            @let receiving = acts && status == "dispatched";
            form method="post" action=(action("receive")) {
                (layout::csrf_field(&operator))
                table #lines {
                    thead { tr { th.num { "Line" } th { "Item" } th.num { "Sent" } th.num { "Received" } th.num { "Discrepancy" } } }
                    tbody {
                        @for line in &transfer.lines {
                            tr {
                                td.num { (line.line_no) }
                                td { (item_name(&items, line.item_id)) }
                                td.num { (layout::quantity(line.quantity)) }
                                td.num {
                                    @if receiving {
                                        input type="text" inputmode="decimal" size="8" name=(format!("line_{}", line.line_no)) value=(layout::quantity(line.quantity));
                                    } @else {
                                        (line.quantity_received.map_or("–".to_string(), layout::quantity))
                                    }
                                }
                                td.num { (line.discrepancy.map_or("–".to_string(), layout::quantity)) }
                            }
                        }
                    }
                }
                @if receiving { p { button #receive type="submit" { "Receive" } } }
            }
            @if acts {
                p {
                    @if status == "draft" { (layout::action_button(&operator, &action("dispatch"), "Dispatch", "")) " " }
                    @if status == "draft" || status == "dispatched" {
                        (layout::action_button(&operator, &action("cancel"), "Cancel", "danger"))
                    }
                }
            }
        },
    ))
}

pub async fn dispatch(
    req: HttpRequest,
    state: web::Data<AppState>,
    posted: Posted<NoFields>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ConsoleError> {
    act(
        &req,
        &state,
        &posted.operator,
        ClientRole::Stock,
        async |txn, actor| transfers::dispatch_transfer(txn, actor, *id).await,
    )
    .await
}

pub async fn receive(
    req: HttpRequest,
    state: web::Data<AppState>,
    posted: Posted<BTreeMap<String, String>>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ConsoleError> {
    let received = line_quantities(&posted.form)?
        .into_iter()
        .map(|(line_no, quantity)| ReceivedLine { line_no, quantity })
        .collect();
    act(
        &req,
        &state,
        &posted.operator,
        ClientRole::Stock,
        async |txn, actor| transfers::receive_transfer(txn, actor, *id, received).await,
    )
    .await
}

pub async fn cancel(
    req: HttpRequest,
    state: web::Data<AppState>,
    posted: Posted<NoFields>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ConsoleError> {
    act(
        &req,
        &state,
        &posted.operator,
        ClientRole::Stock,
        async |txn, actor| transfers::cancel_transfer(txn, actor, *id).await,
    )
    .await
}
