//! What a restaurant manager reads: sales by option (modifiers and combo parts), waste by
//! branch and item, and each ingredient's usage between two counts, as the recipes say it
//! should have been against what the counts show.

use std::collections::HashMap;

use chrono::{Days, NaiveTime};
use entity::{
    Fixed4, adjustment, adjustment_line, adjustment_line::Mode, branch, sales_line,
    sales_line_option, stock_movement,
};
use rust_decimal::Decimal;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Condition, Expr, ExprTrait, Query},
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    Period,
    sales::{SalesQuery, counted, joined_to_transactions, signed_sum},
};
use crate::{
    catalog,
    decimal::from_fixed4,
    error::DomainError,
    inventory::ledger::Reason,
    pagination::{Page, PageRequest},
    sales::queries::integer,
    scope::BranchScope,
};

#[derive(Debug, Serialize, ToSchema)]
pub struct OptionSales {
    pub group_id: Uuid,
    pub group_name: String,
    pub item_id: Uuid,
    pub sku: String,
    pub item_name: String,
    /// Sales lines it was chosen on (returns subtract).
    pub lines: i64,
    /// Times chosen: per line, its quantity × the line's quantity (returns subtract).
    #[schema(value_type = String)]
    pub quantity: Decimal,
    /// Its part of the lines' revenue (see a transaction line's options), returns subtracted.
    #[schema(value_type = String)]
    pub revenue: Decimal,
}

/// Sales by option, highest revenue first.
pub async fn by_option(
    db: &DatabaseConnection,
    query: &SalesQuery,
    page: PageRequest,
) -> Result<Page<OptionSales>, DomainError> {
    let backend = db.get_database_backend();
    let option = |c: sales_line_option::Column| Expr::col((sales_line_option::Entity, c));
    let times_line = option(sales_line_option::Column::Quantity).mul(Expr::col((
        sales_line::Entity,
        sales_line::Column::Quantity,
    )));
    let mut select = Query::select();
    select
        .column((
            sales_line_option::Entity,
            sales_line_option::Column::ItemGroupId,
        ))
        .column((sales_line_option::Entity, sales_line_option::Column::ItemId))
        .expr_as(signed_sum(backend, Expr::val(1)), "lines")
        .expr_as(signed_sum(backend, times_line), "quantity")
        .expr_as(
            signed_sum(backend, option(sales_line_option::Column::Revenue)),
            "revenue",
        )
        .from(sales_line_option::Entity)
        .inner_join(
            sales_line::Entity,
            Condition::all()
                .add(
                    option(sales_line_option::Column::SalesTransactionId)
                        .equals((sales_line::Entity, sales_line::Column::SalesTransactionId)),
                )
                .add(
                    option(sales_line_option::Column::LineNo)
                        .equals((sales_line::Entity, sales_line::Column::LineNo)),
                ),
        )
        .cond_where(counted(query)?)
        .group_by_col((
            sales_line_option::Entity,
            sales_line_option::Column::ItemGroupId,
        ))
        .group_by_col((sales_line_option::Entity, sales_line_option::Column::ItemId));
    joined_to_transactions(
        &mut select,
        option(sales_line_option::Column::SalesTransactionId),
    );
    let mut rows = Vec::new();
    for row in db.query_all(&select).await? {
        let group_id: Uuid = row.try_get("", "item_group_id")?;
        let item_id: Uuid = row.try_get("", "item_id")?;
        let lines: i64 = row.try_get("", "lines")?;
        let quantity: Fixed4 = row.try_get("", "quantity")?;
        let revenue: Fixed4 = row.try_get("", "revenue")?;
        rows.push((group_id, item_id, lines, quantity, revenue));
    }
    rows.sort_by(|a, b| b.4.cmp(&a.4).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
    let groups = catalog::item_groups::names(db, rows.iter().map(|r| r.0).collect()).await?;
    let items = catalog::items::sku_and_name(db, rows.iter().map(|r| r.1).collect()).await?;
    let rows = rows
        .into_iter()
        .map(|(group_id, item_id, lines, quantity, revenue)| {
            let (sku, item_name) = items.get(&item_id).cloned().unwrap_or_default();
            OptionSales {
                group_id,
                group_name: groups.get(&group_id).cloned().unwrap_or_default(),
                item_id,
                sku,
                item_name,
                lines,
                quantity: from_fixed4(quantity),
                revenue: from_fixed4(revenue),
            }
        })
        .collect();
    Ok(Page::of_all(rows, page))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemWaste {
    pub branch_id: Uuid,
    pub branch_name: String,
    pub item_id: Uuid,
    pub sku: String,
    pub item_name: String,
    pub unit: String,
    /// Adjustment lines that recorded it.
    pub entries: i64,
    /// Thrown away, in the item's unit.
    #[schema(value_type = String)]
    pub quantity: Decimal,
    /// At the item's cost today; none when it has no cost.
    #[schema(value_type = Option<String>)]
    pub cost: Option<Decimal>,
}

/// Waste by branch and item, recorded on the dates of `period` (UTC), largest first.
pub async fn waste(
    db: &DatabaseConnection,
    scope: &BranchScope,
    branch_id: Option<Uuid>,
    period: Period,
    page: PageRequest,
) -> Result<Page<ItemWaste>, DomainError> {
    use stock_movement::Column;
    let scope = (*scope).narrowed(branch_id)?;
    let start = period.from.and_time(NaiveTime::MIN).and_utc();
    let end = period
        .to
        .checked_add_days(Days::new(1))
        .unwrap_or(period.to)
        .and_time(NaiveTime::MIN)
        .and_utc();
    let backend = db.get_database_backend();
    let rows: Vec<(Uuid, Uuid, i64, Fixed4)> = stock_movement::Entity::find()
        .select_only()
        .columns([Column::BranchId, Column::ItemId])
        .column_as(integer(backend, Expr::col(Column::Id).count()), "entries")
        .column_as(integer(backend, Expr::col(Column::Delta).sum()), "delta")
        .filter(scope.condition(Column::BranchId))
        .filter(Column::Reason.eq(Reason::Waste))
        .filter(Column::CreatedAt.gte(start))
        .filter(Column::CreatedAt.lt(end))
        .group_by(Column::BranchId)
        .group_by(Column::ItemId)
        .into_tuple()
        .all(db)
        .await?;
    let branches: HashMap<Uuid, String> = branch::Entity::find()
        .filter(branch::Column::Id.is_in(rows.iter().map(|r| r.0)))
        .all(db)
        .await?
        .into_iter()
        .map(|b| (b.id, b.name))
        .collect();
    let items = catalog::items::by_id(db, rows.iter().map(|r| r.1)).await?;
    let mut rows: Vec<ItemWaste> = rows
        .into_iter()
        .filter_map(|(branch_id, item_id, entries, delta)| {
            let item = items.get(&item_id)?;
            let quantity = from_fixed4(-delta);
            Some(ItemWaste {
                branch_id,
                branch_name: branches.get(&branch_id).cloned().unwrap_or_default(),
                item_id,
                sku: item.sku.clone(),
                item_name: item.name.clone(),
                unit: item.unit.clone(),
                entries,
                quantity,
                cost: item
                    .cost
                    .map(|cost| (from_fixed4(cost) * quantity).round_dp(4).normalize()),
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        b.cost
            .unwrap_or_default()
            .cmp(&a.cost.unwrap_or_default())
            .then(b.quantity.cmp(&a.quantity))
            .then(a.sku.cmp(&b.sku))
    });
    Ok(Page::of_all(rows, page))
}

/// An ingredient's usage between two counts.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsageVariance {
    pub item_id: Uuid,
    pub sku: String,
    pub item_name: String,
    pub unit: String,
    /// Counted at the opening count.
    #[schema(value_type = String)]
    pub opening: Decimal,
    /// Received, transferred in or out and adjusted between the counts (net; not sales, not
    /// waste).
    #[schema(value_type = String)]
    pub received: Decimal,
    /// What the sales between the counts used up by their recipes (returns and voids netted).
    #[schema(value_type = String)]
    pub theoretical_usage: Decimal,
    /// Recorded as waste between the counts.
    #[schema(value_type = String)]
    pub waste: Decimal,
    /// Counted at the closing count.
    #[schema(value_type = String)]
    pub closing: Decimal,
    /// opening + received − closing.
    #[schema(value_type = String)]
    pub actual_usage: Decimal,
    /// actual usage − theoretical usage − waste: used and not explained (over-portioning,
    /// unrecorded waste, theft); negative when less was used than the recipes say.
    #[schema(value_type = String)]
    pub variance: Decimal,
    /// The variance at the item's cost today; none when it has no cost.
    #[schema(value_type = Option<String>)]
    pub variance_cost: Option<Decimal>,
}

/// A count of the branch, with where the stream stood once it was applied.
async fn count_adjustment<C: ConnectionTrait>(
    db: &C,
    branch_id: Uuid,
    id: Uuid,
    field: &str,
) -> Result<(adjustment::Model, HashMap<Uuid, Fixed4>), DomainError> {
    let count = adjustment::Entity::find_by_id(id)
        .filter(adjustment::Column::BranchId.eq(branch_id))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("adjustment"))?;
    if count.stream_seq.is_none() {
        return Err(DomainError::invalid(
            field,
            "was recorded before counts kept their place in the ledger; take a new count",
        ));
    }
    let counted: HashMap<Uuid, Fixed4> = adjustment_line::Entity::find()
        .filter(adjustment_line::Column::AdjustmentId.eq(id))
        .filter(adjustment_line::Column::Mode.eq(Mode::Count))
        .all(db)
        .await?
        .into_iter()
        .map(|line| (line.item_id, line.quantity))
        .collect();
    if counted.is_empty() {
        return Err(DomainError::invalid(field, "counts nothing"));
    }
    Ok((count, counted))
}

/// For each item counted at both counts of `branch_id`, its usage between them by the recipes
/// against by the counts, by SKU.
pub async fn usage_variance(
    db: &DatabaseConnection,
    scope: &BranchScope,
    branch_id: Uuid,
    opening_count_id: Uuid,
    closing_count_id: Uuid,
    page: PageRequest,
) -> Result<Page<UsageVariance>, DomainError> {
    use stock_movement::Column;
    let branch_id = scope.branch(branch_id)?;
    let (opening, opened) =
        count_adjustment(db, branch_id, opening_count_id, "opening_count_id").await?;
    let (closing, closed) =
        count_adjustment(db, branch_id, closing_count_id, "closing_count_id").await?;
    if opening.stream_seq >= closing.stream_seq {
        return Err(DomainError::invalid(
            "closing_count_id",
            "must be a count taken after the opening count",
        ));
    }
    let item_ids: Vec<Uuid> = opened
        .keys()
        .filter(|id| closed.contains_key(id))
        .copied()
        .collect();
    let backend = db.get_database_backend();
    let moved: Vec<(Uuid, Reason, Fixed4)> = stock_movement::Entity::find()
        .select_only()
        .columns([Column::ItemId, Column::Reason])
        .column_as(integer(backend, Expr::col(Column::Delta).sum()), "delta")
        .filter(Column::BranchId.eq(branch_id))
        .filter(Column::ItemId.is_in(item_ids.iter().copied()))
        .filter(Column::Seq.gt(opening.stream_seq))
        .filter(Column::Seq.lte(closing.stream_seq))
        .filter(Column::DocumentId.ne(closing.id))
        .group_by(Column::ItemId)
        .group_by(Column::Reason)
        .order_by_asc(Column::ItemId)
        .into_tuple()
        .all(db)
        .await?;
    let mut sums: HashMap<Uuid, Sums> = HashMap::new();
    for (item_id, reason, delta) in moved {
        let sums = sums.entry(item_id).or_default();
        match reason {
            Reason::Sale
            | Reason::Return
            | Reason::Void
            | Reason::OnlineSale
            | Reason::OnlineReturn => sums.sold -= delta,
            Reason::Waste => sums.wasted -= delta,
            // A count between the two found stock lost or gained: it stays in the variance.
            Reason::Count => {}
            Reason::PoReceipt | Reason::TransferIn | Reason::TransferOut | Reason::Adjustment => {
                sums.received += delta
            }
        }
    }
    let items = catalog::items::by_id(db, item_ids.iter().copied()).await?;
    let mut rows: Vec<UsageVariance> = item_ids
        .iter()
        .filter_map(|item_id| {
            let item = items.get(item_id)?;
            let sums = sums.remove(item_id).unwrap_or_default();
            let opening = *opened.get(item_id)?;
            let closing = *closed.get(item_id)?;
            let actual = opening + sums.received - closing;
            let variance = from_fixed4(actual - sums.sold - sums.wasted);
            Some(UsageVariance {
                item_id: *item_id,
                sku: item.sku.clone(),
                item_name: item.name.clone(),
                unit: item.unit.clone(),
                opening: from_fixed4(opening),
                received: from_fixed4(sums.received),
                theoretical_usage: from_fixed4(sums.sold),
                waste: from_fixed4(sums.wasted),
                closing: from_fixed4(closing),
                actual_usage: from_fixed4(actual),
                variance,
                variance_cost: item
                    .cost
                    .map(|cost| (from_fixed4(cost) * variance).round_dp(4).normalize()),
            })
        })
        .collect();
    rows.sort_by(|a, b| a.sku.cmp(&b.sku));
    Ok(Page::of_all(rows, page))
}

#[derive(Default)]
struct Sums {
    received: Fixed4,
    sold: Fixed4,
    wasted: Fixed4,
}
