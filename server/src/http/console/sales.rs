//! Sales: a day's figures per branch and for all of them, the last 30 days as a chart, and the
//! best-selling items; a branch's days as a list of their own.

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Duration, NaiveDate};
use chrono_tz::Tz;
use maud::html;
use rust_decimal::Decimal;
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
    http::listing::ListRequest,
    pagination::PageRequest,
    registry::Branch,
    reports::{
        Period,
        sales::{self, SalesQuery},
    },
    sales::{queries, records::DailySales},
    time,
};

/// Days in the chart, the chosen day included.
const CHART_DAYS: i64 = 30;

#[derive(Deserialize)]
struct SalesFilters {
    #[serde(default, deserialize_with = "blank_as_none")]
    branch_id: Option<Uuid>,
    /// A business date; by default each branch's today.
    #[serde(default, deserialize_with = "blank_as_none")]
    date: Option<NaiveDate>,
}

/// One branch's figures for the chosen day.
struct BranchDay<'a> {
    branch: &'a Branch,
    date: NaiveDate,
    day: Option<DailySales>,
}

/// Figures summed over branches.
#[derive(Default)]
struct Totals {
    sales: i64,
    sales_total: Decimal,
    returns_total: Decimal,
    net_total: Decimal,
    online_net: Decimal,
}

impl Totals {
    fn add(&mut self, day: &DailySales) {
        self.sales += day.sales.count;
        self.sales_total += day.sales.total;
        self.returns_total += day.returns.total;
        self.net_total += day.net_total;
        self.online_net += day.online.net;
    }
}

pub async fn sales_page(
    req: HttpRequest,
    operator: Operator,
    state: web::Data<AppState>,
    list: ListRequest,
) -> Result<HttpResponse, ConsoleError> {
    let filters: SalesFilters = input::filters(&req)?;
    let branches = input::branches(&state).await?;
    let scope = operator.branch_scope();
    let shown: Vec<&Branch> = branches
        .iter()
        .filter(|b| filters.branch_id.is_none_or(|id| id == b.id))
        .collect();
    let mut rows = Vec::new();
    let mut net_by_date: BTreeMap<NaiveDate, Decimal> = BTreeMap::new();
    let mut total = Totals::default();
    for branch in shown {
        let date = filters.date.unwrap_or_else(|| branch_today(branch));
        let from = date - Duration::days(CHART_DAYS - 1);
        let month = PageRequest {
            limit: CHART_DAYS as u64,
            offset: 0,
        };
        let days =
            queries::daily_sales(&state.db, &scope, branch.id, Some(from), Some(date), month)
                .await?
                .items;
        for day in &days {
            *net_by_date.entry(day.business_date).or_default() += day.net_total;
        }
        let day = days.into_iter().find(|d| d.business_date == date);
        if let Some(day) = &day {
            total.add(day);
        }
        rows.push(BranchDay { branch, date, day });
    }
    let last_day = rows
        .iter()
        .map(|r| r.date)
        .max()
        .unwrap_or_else(|| time::today(Tz::UTC));
    let first_day = last_day - Duration::days(CHART_DAYS - 1);
    let chart_points: Vec<(String, Decimal)> = first_day
        .iter_days()
        .take_while(|d| *d <= last_day)
        .map(|d| {
            (
                d.to_string(),
                net_by_date.get(&d).copied().unwrap_or_default(),
            )
        })
        .collect();
    let query = SalesQuery {
        scope,
        branch_id: filters.branch_id,
        period: Period::new(Some(first_day), Some(last_day))?,
    };
    input::list_page(
        list,
        state,
        async move |db, page| sales::by_item(db, &query, page).await,
        |top| {
            layout::page(
                &operator,
                "Sales",
                Section::Sales,
                html! {
                    h1 { "Sales" }
                    form.filters method="get" action="/console/sales" {
                        label { "Branch" (layout::branch_select("branch_id", &branches, filters.branch_id, Some("All branches"))) }
                        label { "Business date" input type="date" name="date" value=[filters.date]; }
                        button type="submit" { "Show" }
                    }
                    div.cards #totals {
                        div.card { div.muted { "Sales" } div.value #sales-count { (total.sales) } }
                        div.card { div.muted { "Sales total" } div.value #sales-total { (layout::money(total.sales_total)) } }
                        div.card { div.muted { "Returns" } div.value #returns-total { (layout::money(total.returns_total)) } }
                        div.card { div.muted { "Net" } div.value #net-total { (layout::money(total.net_total)) } }
                        div.card { div.muted { "Online (net)" } div.value { (layout::money(total.online_net)) } }
                    }
                    table #branch-days {
                        thead { tr {
                            th { "Branch" } th { "Business date" } th.num { "Sales" } th.num { "Sales total" }
                            th.num { "Returns" } th.num { "Voids" } th.num { "Net" } th { "Payments" } th.num { "Online (net)" }
                        } }
                        tbody {
                            @for row in &rows {
                                tr {
                                    td { a href=(format!("/console/sales/{}/days", row.branch.id)) { (row.branch.code) " · " (row.branch.name) } }
                                    td { (row.date) }
                                    @if let Some(day) = &row.day {
                                        td.num { (day.sales.count) }
                                        td.num { (layout::money(day.sales.total)) }
                                        td.num { (layout::money(day.returns.total)) }
                                        td.num { (day.voids) }
                                        td.num { (layout::money(day.net_total)) }
                                        td { @for p in &day.payments { (p.payment_method_name) " " (layout::money(p.amount)) br; } }
                                        td.num { (layout::money(day.online.net)) }
                                    } @else {
                                        td.num { "0" } td.num { "0" } td.num { "0" } td.num { "0" } td.num { "0" } td {} td.num { "0" }
                                    }
                                }
                            }
                        }
                    }
                    h2 { "Net sales, last " (CHART_DAYS) " days" }
                    (chart::line_chart("Net sales per business date", &chart_points))
                    h2 { "Top items, " (first_day) " to " (last_day) }
                    table #top-items {
                        thead { tr { th { "SKU" } th { "Item" } th.num { "Quantity" } th.num { "Net sales" } th.num { "Tax" } } }
                        tbody {
                            @for item in &top.items {
                                tr { td { (item.sku) } td { (item.item_name) } td.num { (layout::quantity(item.quantity)) } td.num { (layout::money(item.net_sales)) } td.num { (layout::money(item.tax)) } }
                            }
                        }
                    }
                    (layout::pager(&req, &top))
                },
            )
        },
    )
    .await
}

/// A branch's business days, newest last, as a list (and CSV).
pub async fn branch_days_page(
    req: HttpRequest,
    operator: Operator,
    state: web::Data<AppState>,
    branch_id: web::Path<Uuid>,
    list: ListRequest,
) -> Result<HttpResponse, ConsoleError> {
    let branch_id = *branch_id;
    let branch = crate::registry::get_branch(&state.db, branch_id).await?;
    let to = branch_today(&branch);
    let from = to - Duration::days(CHART_DAYS - 1);
    let scope = operator.branch_scope();
    input::list_page(
        list,
        state,
        async move |db, page| {
            queries::daily_sales(db, &scope, branch_id, Some(from), Some(to), page).await
        },
        |page| {
            layout::page(
                &operator,
                "Sales by day",
                Section::Sales,
                html! {
                    h1 { (branch.code) " · " (branch.name) ": sales by day" }
                    p { a href="/console/sales" { "← All branches" } }
                    table #days {
                        thead { tr { th { "Business date" } th.num { "Sales" } th.num { "Sales total" } th.num { "Returns" } th.num { "Voids" } th.num { "Net" } } }
                        tbody {
                            @for day in &page.items {
                                tr {
                                    td { (day.business_date) } td.num { (day.sales.count) } td.num { (layout::money(day.sales.total)) }
                                    td.num { (layout::money(day.returns.total)) } td.num { (day.voids) } td.num { (layout::money(day.net_total)) }
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

/// Today at the branch, in its time zone (UTC when the zone cannot be read).
fn branch_today(branch: &Branch) -> NaiveDate {
    time::today(branch.time_zone.parse().unwrap_or(Tz::UTC))
}
