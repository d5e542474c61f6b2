//! Item requests: what branches ask for, approving them (with the quantities granted, which
//! makes a transfer ticket) or rejecting them with a reason.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, web};
use maud::html;
use serde::Deserialize;
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
    inventory::item_requests::{self, ApprovedLine},
};

const STATUSES: [&str; 4] = ["pending", "approved", "rejected", "fulfilled"];

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
            item_requests::list_item_requests(db, &scope, filters.branch_id, status.as_deref(), page)
                .await
        },
        |page| {
            layout::page(
                &operator,
                "Item requests",
                Section::Documents,
                html! {
                    h1 { "Item requests" }
                    (document_tabs("/console/item-requests"))
                    (filter_form("/console/item-requests", &branches, &filters, &STATUSES))
                    table #item-requests {
                        thead { tr { th { "Request" } th { "Requesting" } th { "Supplying" } th { "Status" } th.num { "Lines" } th { "Created" } } }
                        tbody {
                            @for r in &page.items {
                                tr {
                                    td { a href=(format!("/console/item-requests/{}", r.id)) { (r.id) } }
                                    td { (branch_name(&names, r.requesting_branch_id)) }
                                    td { (branch_name(&names, r.supplying_branch_id)) }
                                    td.status { (layout::word(&r.status)) }
                                    td.num { (r.lines.len()) }
                                    td { (layout::instant(r.created_at)) " · " (r.created_by) }
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
    let request = item_requests::get_item_request(&state.db, &operator.branch_scope(), *id).await?;
    let branches = input::branches(&state).await?;
    let names = branch_names(&branches);
    let items = item_names(&state, request.lines.iter().map(|l| l.item_id).collect()).await?;
    let status = layout::word(&request.status);
    let deciding = operator.may(ClientRole::Stock) && status == "pending";
    let action = |verb: &str| format!("/console/item-requests/{}/{verb}", request.id);
    Ok(layout::page(
        &operator,
        "Item request",
        Section::Documents,
        html! {
            h1 { "Item request " small.muted { (request.id) } }
            (document_tabs(""))
            p {
                (branch_name(&names, request.requesting_branch_id)) " asks " (branch_name(&names, request.supplying_branch_id))
                " · " strong #status { (status) }
                " · created " (layout::instant(request.created_at)) " by " (request.created_by)
            }
            @if let Some(reason) = &request.rejection_reason { p.notice { "Rejected: " (reason) } }
            @if let Some(transfer_id) = request.transfer_ticket_id {
                p { "Transfer " a #transfer href=(format!("/console/transfers/{transfer_id}")) { (transfer_id) } }
            }
            form method="post" action=(action("approve")) {
                (layout::csrf_field(&operator))
                table #lines {
                    thead { tr { th.num { "Line" } th { "Item" } th.num { "Requested" } th.num { "Approved" } } }
                    tbody {
                        @for line in &request.lines {
                            tr {
                                td.num { (line.line_no) }
                                td { (item_name(&items, line.item_id)) }
                                td.num { (layout::quantity(line.quantity_requested)) }
                                td.num {
                                    @if deciding {
                                        input type="text" inputmode="decimal" size="8" name=(format!("line_{}", line.line_no)) value=(layout::quantity(line.quantity_requested));
                                    } @else {
                                        (line.quantity_approved.map_or("–".to_string(), layout::quantity))
                                    }
                                }
                            }
                        }
                    }
                }
                @if deciding { p { button #approve type="submit" { "Approve" } } }
            }
            @if deciding {
                form method="post" action=(action("reject")) {
                    (layout::csrf_field(&operator))
                    label { "Reason" input type="text" name="reason" required; }
                    button.danger #reject type="submit" { "Reject" }
                }
            }
        },
    ))
}

pub async fn approve(
    req: HttpRequest,
    state: web::Data<AppState>,
    posted: Posted<BTreeMap<String, String>>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ConsoleError> {
    let approved = line_quantities(&posted.form)?
        .into_iter()
        .map(|(line_no, quantity)| ApprovedLine { line_no, quantity })
        .collect();
    let scope = posted.operator.branch_scope();
    act(
        &req,
        &state,
        &posted.operator,
        ClientRole::Stock,
        async |txn, actor| {
            item_requests::approve_item_request(txn, &scope, actor, *id, approved).await
        },
    )
    .await
}

#[derive(Deserialize)]
pub struct RejectForm {
    #[serde(default)]
    reason: String,
}

pub async fn reject(
    req: HttpRequest,
    state: web::Data<AppState>,
    posted: Posted<RejectForm>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ConsoleError> {
    let scope = posted.operator.branch_scope();
    act(
        &req,
        &state,
        &posted.operator,
        ClientRole::Stock,
        async |txn, _actor| {
            item_requests::reject_item_request(txn, &scope, *id, &posted.form.reason).await
        },
    )
    .await
}
