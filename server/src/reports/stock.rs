//! What the stock is worth (quantity × the item's cost, per branch, now or at an instant) and
//! what to reorder (items below their reorder level, with a quantity to order).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{Fixed4, branch, item, stock_level, stock_movement};
use futures_util::TryStreamExt;
use rust_decimal::Decimal;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait},
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    catalog::items::sku_and_name,
    decimal::from_fixed4,
    error::DomainError,
    pagination::{Page, PageRequest, fetch_page},
    scope::BranchScope,
};

/// A branch's stock at cost.
#[derive(Debug, Serialize, ToSchema)]
pub struct BranchValuation {
    pub branch_id: Uuid,
    pub branch_code: String,
    pub branch_name: String,
    pub at: DateTime<Utc>,
    /// Items with a quantity other than zero.
    pub items: u64,
    /// Of those, items without a cost (valued at zero).
    pub items_without_cost: u64,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    /// Σ on hand × cost (oversold stock counts negative).
    #[schema(value_type = String)]
    pub value: Decimal,
}

#[derive(Default)]
struct Tally {
    items: u64,
    items_without_cost: u64,
    quantity: Decimal,
    value: Decimal,
}

/// The stock of each branch of the scope (or `branch_id` alone) at cost, now or as it was at
/// `at`: today's levels less what moved after it.
pub async fn valuation(
    db: &DatabaseConnection,
    scope: &BranchScope,
    branch_id: Option<Uuid>,
    at: Option<DateTime<Utc>>,
    page: PageRequest,
) -> Result<Page<BranchValuation>, DomainError> {
    let scope = (*scope).narrowed(branch_id)?;
    let branches = branch::Entity::find()
        .filter(scope.condition(branch::Column::Id))
        .order_by_asc(branch::Column::Code)
        .all(db)
        .await?;
    if branch_id.is_some() && branches.is_empty() {
        return Err(DomainError::NotFound("branch"));
    }
    let moved_since = match at {
        Some(at) => moved_after(db, &scope, at).await?,
        None => HashMap::new(),
    };
    let mut tallies: HashMap<Uuid, Tally> = HashMap::new();
    let mut levels = stock_level::Entity::find()
        .select_only()
        .columns([
            stock_level::Column::BranchId,
            stock_level::Column::ItemId,
            stock_level::Column::OnHand,
        ])
        .column(item::Column::Cost)
        .join(
            JoinType::InnerJoin,
            stock_level::Entity::belongs_to(item::Entity)
                .from(stock_level::Column::ItemId)
                .to(item::Column::Id)
                .into(),
        )
        .filter(scope.condition(stock_level::Column::BranchId))
        .into_tuple::<(Uuid, Uuid, Fixed4, Option<Fixed4>)>()
        .stream(db)
        .await?;
    while let Some((branch_id, item_id, on_hand, cost)) = levels.try_next().await? {
        let later = moved_since.get(&(branch_id, item_id)).copied();
        let quantity = on_hand - later.unwrap_or(Fixed4::ZERO);
        if quantity == Fixed4::ZERO {
            continue;
        }
        let tally = tallies.entry(branch_id).or_default();
        let quantity = from_fixed4(quantity);
        tally.items += 1;
        tally.quantity += quantity;
        match cost {
            Some(cost) => tally.value += quantity * from_fixed4(cost),
            None => tally.items_without_cost += 1,
        }
    }
    let at = at.unwrap_or_else(Utc::now);
    let rows = branches
        .into_iter()
        .map(|b| {
            let tally = tallies.remove(&b.id).unwrap_or_default();
            BranchValuation {
                branch_id: b.id,
                branch_code: b.code,
                branch_name: b.name,
                at,
                items: tally.items,
                items_without_cost: tally.items_without_cost,
                quantity: tally.quantity.normalize(),
                value: tally.value.normalize(),
            }
        })
        .collect();
    Ok(Page::of_all(rows, page))
}

/// What moved after `at` at each (branch, item) of the scope.
async fn moved_after(
    db: &DatabaseConnection,
    scope: &BranchScope,
    at: DateTime<Utc>,
) -> Result<HashMap<(Uuid, Uuid), Fixed4>, DomainError> {
    let backend = db.get_database_backend();
    let rows: Vec<(Uuid, Uuid, Fixed4)> = stock_movement::Entity::find()
        .select_only()
        .columns([
            stock_movement::Column::BranchId,
            stock_movement::Column::ItemId,
        ])
        .column_as(
            crate::sales::queries::integer(backend, Expr::col(stock_movement::Column::Delta).sum()),
            "moved",
        )
        .filter(scope.condition(stock_movement::Column::BranchId))
        .filter(stock_movement::Column::CreatedAt.gt(at))
        .group_by(stock_movement::Column::BranchId)
        .group_by(stock_movement::Column::ItemId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(branch, item, moved)| ((branch, item), moved))
        .collect())
}

/// An item below its reorder level at a branch.
#[derive(Debug, Serialize, ToSchema)]
pub struct Reorder {
    pub branch_id: Uuid,
    pub item_id: Uuid,
    pub sku: String,
    pub item_name: String,
    #[schema(value_type = String)]
    pub on_hand: Decimal,
    /// Ordered from suppliers, not yet received.
    #[schema(value_type = String)]
    pub on_order: Decimal,
    /// Dispatched to the branch, not yet received.
    #[schema(value_type = String)]
    pub in_transit_in: Decimal,
    #[schema(value_type = String)]
    pub reorder_level: Decimal,
    /// What brings on hand, with what is already coming, back up to the reorder level.
    #[schema(value_type = String)]
    pub suggested_order_quantity: Decimal,
}

/// The items below their reorder level at the branches of the scope (or `branch_id`), by
/// branch and item.
pub async fn reorder(
    db: &DatabaseConnection,
    scope: &BranchScope,
    branch_id: Option<Uuid>,
    page: PageRequest,
) -> Result<Page<Reorder>, DomainError> {
    let scope = (*scope).narrowed(branch_id)?;
    let select = stock_level::Entity::find()
        .filter(scope.condition(stock_level::Column::BranchId))
        .filter(
            Expr::col(stock_level::Column::OnHand).lt(Expr::col(stock_level::Column::ReorderLevel)),
        )
        .order_by_asc(stock_level::Column::BranchId)
        .order_by_asc(stock_level::Column::ItemId);
    let page = fetch_page(db, select, page).await?;
    let names = sku_and_name(db, page.items.iter().map(|l| l.item_id).collect()).await?;
    Ok(page.map(|level| {
        let (sku, item_name) = names.get(&level.item_id).cloned().unwrap_or_default();
        let reorder_level = level.reorder_level.unwrap_or(Fixed4::ZERO);
        let coming = level.on_hand + level.on_order + level.in_transit_in;
        let short = reorder_level - coming;
        Reorder {
            branch_id: level.branch_id,
            item_id: level.item_id,
            sku,
            item_name,
            on_hand: from_fixed4(level.on_hand),
            on_order: from_fixed4(level.on_order),
            in_transit_in: from_fixed4(level.in_transit_in),
            reorder_level: from_fixed4(reorder_level),
            suggested_order_quantity: from_fixed4(std::cmp::max(short, Fixed4::ZERO)),
        }
    }))
}
