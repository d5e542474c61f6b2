//! Adjustments of a branch: signed changes and counts, with their reasons.

use actix_web::{HttpRequest, HttpResponse, web};
use maud::html;
use serde::Deserialize;
use uuid::Uuid;

use super::{document_tabs, item_name, item_names};
use crate::{
    AppState,
    http::{
        console::{
            ConsoleError,
            input::{self, blank_as_none},
            layout::{self, Section},
            session::Operator,
        },
        listing::ListRequest,
    },
    inventory::adjustments,
};

#[derive(Deserialize)]
struct AdjustmentFilters {
    #[serde(default, deserialize_with = "blank_as_none")]
    branch_id: Option<Uuid>,
}

pub async fn list_page(
    req: HttpRequest,
    operator: Operator,
    state: web::Data<AppState>,
    list: ListRequest,
) -> Result<HttpResponse, ConsoleError> {
    let filters: AdjustmentFilters = input::filters(&req)?;
    let branches = input::branches(&state).await?;
    let Some(branch_id) = filters.branch_id.or(branches.first().map(|b| b.id)) else {
        return Ok(layout::page(
            &operator,
            "Adjustments",
            Section::Documents,
            html! { h1 { "Adjustments" } p.muted { "There are no branches yet." } },
        ));
    };
    let scope = operator.branch_scope();
    if list.wants_csv() {
        return Ok(list
            .answer(state, async move |db, page| {
                adjustments::list_adjustments(db, &scope, branch_id, page).await
            })
            .await?);
    }
    let page = adjustments::list_adjustments(&state.db, &scope, branch_id, list.page()).await?;
    let ids = page
        .items
        .iter()
        .flat_map(|a| a.lines.iter().map(|l| l.item_id))
        .collect();
    let items = item_names(&state, ids).await?;
    Ok(layout::page(
        &operator,
        "Adjustments",
        Section::Documents,
        html! {
            h1 { "Adjustments" }
            (document_tabs("/console/adjustments"))
            form.filters method="get" action="/console/adjustments" {
                label { "Branch" (layout::branch_select("branch_id", &branches, Some(branch_id), None)) }
                button type="submit" { "Show" }
            }
            table #adjustments {
                thead { tr { th { "When" } th { "Item" } th { "Mode" } th.num { "Quantity" } th.num { "Change" } th { "Reason" } th { "By" } } }
                tbody {
                    @for a in &page.items {
                        @for line in &a.lines {
                            tr {
                                td { (layout::instant(a.created_at)) }
                                td { (item_name(&items, line.item_id)) }
                                td { (layout::word(&line.mode)) }
                                td.num { (layout::quantity(line.quantity)) }
                                td.num { (layout::quantity(line.delta_applied)) }
                                td { (line.reason_code) @if let Some(note) = &a.note { br; small.muted { (note) } } }
                                td { (a.created_by) }
                            }
                        }
                    }
                }
            }
            (layout::pager(&req, &page))
        },
    ))
}
