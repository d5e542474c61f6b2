//! The fleet: every terminal with when it was last seen, how far behind its feeds it is, its
//! queue, rejected files and clock skew; stale ones first and flagged.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Duration;
use maud::html;
use serde::Deserialize;
use uuid::Uuid;

use super::{
    ConsoleError,
    input::{self, blank_as_none},
    layout::{self, Section},
    session::Operator,
};
use crate::{
    AppState,
    http::listing::ListRequest,
    registry::{self, FleetFilter, TerminalHealth},
    time,
};

/// Not seen for this long: flagged as stale unless the page is told otherwise.
const DEFAULT_STALE_AFTER: &str = "15m";

#[derive(Deserialize)]
struct FleetFilters {
    #[serde(default, deserialize_with = "blank_as_none")]
    branch_id: Option<Uuid>,
    #[serde(default, deserialize_with = "blank_as_none")]
    stale_after: Option<String>,
    /// Only the stale ones.
    #[serde(default)]
    stale_only: Option<String>,
}

pub async fn fleet_page(
    req: HttpRequest,
    operator: Operator,
    state: web::Data<AppState>,
    list: ListRequest,
) -> Result<HttpResponse, ConsoleError> {
    let filters: FleetFilters = input::filters(&req)?;
    let stale_after_text = filters
        .stale_after
        .unwrap_or_else(|| DEFAULT_STALE_AFTER.to_string());
    let stale_after = time::parse_span(&stale_after_text)
        .map_err(|message| crate::error::DomainError::invalid("stale_after", message))?;
    let stale_only = filters.stale_only.is_some();
    let filter = FleetFilter {
        branch_id: filters.branch_id,
        stale_for: stale_only.then_some(stale_after),
        ..FleetFilter::default()
    };
    let branches = input::branches(&state).await?;
    input::list_page(
        list,
        state,
        async move |db, page| registry::list_fleet(db, filter.clone(), page).await,
        |page| {
            let stale = |t: &TerminalHealth| {
                t.seen_ago_secs
                    .is_none_or(|secs| Duration::seconds(secs) >= stale_after)
            };
            layout::page(
                &operator,
                "Fleet health",
                Section::Fleet,
                html! {
                    h1 { "Fleet health" }
                    form.filters method="get" action="/console/" {
                        label { "Branch" (layout::branch_select("branch_id", &branches, filters.branch_id, Some("All branches"))) }
                        label { "Stale after" input type="text" name="stale_after" value=(stale_after_text) size="5"; }
                        label { "Only stale" input type="checkbox" name="stale_only" value="1" checked[stale_only]; }
                        button type="submit" { "Filter" }
                    }
                    table #fleet {
                        thead { tr {
                            th { "Terminal" } th { "Branch" } th { "Last seen" }
                            th.num { "Master lag" } th.num { "Stock lag" } th.num { "Backlog" }
                            th.num { "Rejected" } th.num { "Clock skew" } th { "Agent" }
                        } }
                        tbody {
                            @for t in &page.items {
                                @let is_stale = stale(t);
                                tr class=[is_stale.then_some("stale")] data-terminal=(t.name) {
                                    td {
                                        (t.name) " "
                                        @if is_stale { span.badge.warn { "stale" } }
                                        @if !t.active { span.badge { "deactivated" } }
                                    }
                                    td { (t.branch_code) " · " (t.branch_name) }
                                    td {
                                        @match (t.last_seen_at, t.seen_ago_secs) {
                                            (Some(at), Some(ago)) => { (layout::span(ago)) " ago" br; small.muted { (layout::instant(at)) } }
                                            _ => span.muted { "never" },
                                        }
                                    }
                                    td.num { (t.master.changes) " changes" br; small.muted { (layout::span(t.master.seconds)) } }
                                    td.num { (t.stock.changes) " changes" br; small.muted { (layout::span(t.stock.seconds)) } }
                                    td.num {
                                        (t.queued_backlog.map_or("–".to_string(), |n| n.to_string()))
                                        @if let Some(age) = t.backlog_age_secs { br; small.muted { "oldest " (layout::span(age)) } }
                                    }
                                    td.num { (t.rejected_count.map_or("–".to_string(), |n| n.to_string())) }
                                    td.num { (t.clock_skew_ms.map_or("–".to_string(), |ms| format!("{ms} ms"))) }
                                    td { (t.agent_version.as_deref().unwrap_or("–")) }
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
