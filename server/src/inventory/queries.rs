//! Reading stock: levels of a branch, an item across branches, the ledger, the past.

use chrono::{DateTime, Utc};
use entity::{item, stock_level};
use rust_decimal::Decimal;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait,
    sea_query::{Expr, ExprTrait, Func, LikeExpr, SimpleExpr},
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::ledger;
use crate::{
    decimal::{from_fixed4, non_negative_fixed4, to_fixed4},
    error::DomainError,
    pagination::{Page, PageRequest, fetch_page},
    scope::BranchScope,
};

/// The longest text a stock search takes.
const MAX_SEARCH_CHARS: usize = 100;

/// The levels with their items' SKU and name, read for the whole page in one query.
async fn named<C: ConnectionTrait>(
    db: &C,
    levels: Vec<stock_level::Model>,
) -> Result<Vec<StockLevel>, DomainError> {
    let ids: Vec<Uuid> = levels.iter().map(|level| level.item_id).collect();
    let names = crate::catalog::items::sku_and_name(db, ids).await?;
    Ok(levels
        .into_iter()
        .map(|level| {
            // One item can be on many rows (its levels at every branch).
            let (sku, name) = names.get(&level.item_id).cloned().unwrap_or_default();
            StockLevel::new(level, sku, name)
        })
        .collect())
}

/// Filters of a branch's stock list.
#[derive(Clone, Debug, Default)]
pub struct StockFilter {
    pub item_id: Option<Uuid>,
    pub category_id: Option<Uuid>,
    /// Only levels whose on-hand quantity is below this.
    pub below: Option<Decimal>,
    /// Only levels below their own reorder level.
    pub below_reorder_level: bool,
    /// Only items whose SKU or name contains this, in any case.
    pub search: Option<String>,
}

/// An item's quantities at a branch.
#[derive(Debug, Serialize, ToSchema)]
pub struct StockLevel {
    pub branch_id: Uuid,
    pub item_id: Uuid,
    pub sku: String,
    pub item_name: String,
    #[schema(value_type = String)]
    pub on_hand: Decimal,
    /// Dispatched to this branch, not yet received.
    #[schema(value_type = String)]
    pub in_transit_in: Decimal,
    /// Ordered from suppliers, not yet received.
    #[schema(value_type = String)]
    pub on_order: Decimal,
    #[schema(value_type = Option<String>)]
    pub reorder_level: Option<Decimal>,
    /// The branch's stock-feed sequence number of the last change.
    pub seq: i64,
    pub updated_at: DateTime<Utc>,
}

impl StockLevel {
    fn new(l: stock_level::Model, sku: String, item_name: String) -> Self {
        Self {
            branch_id: l.branch_id,
            item_id: l.item_id,
            sku,
            item_name,
            on_hand: from_fixed4(l.on_hand),
            in_transit_in: from_fixed4(l.in_transit_in),
            on_order: from_fixed4(l.on_order),
            reorder_level: l.reorder_level.map(from_fixed4),
            seq: l.seq,
            updated_at: l.updated_at,
        }
    }
}

/// A branch's levels, by item.
pub async fn branch_stock(
    db: &DatabaseConnection,
    scope: &BranchScope,
    branch_id: Uuid,
    filter: StockFilter,
    page: PageRequest,
) -> Result<Page<StockLevel>, DomainError> {
    let branch_id = scope.branch(branch_id)?;
    let mut select = stock_level::Entity::find()
        .filter(stock_level::Column::BranchId.eq(branch_id))
        .order_by_asc(stock_level::Column::ItemId);
    if let Some(item_id) = filter.item_id {
        select = select.filter(stock_level::Column::ItemId.eq(item_id));
    }
    if let Some(category_id) = filter.category_id {
        let items = item::Entity::find()
            .select_only()
            .column(item::Column::Id)
            .filter(item::Column::CategoryId.eq(category_id))
            .into_query();
        select = select.filter(stock_level::Column::ItemId.in_subquery(items));
    }
    if let Some(below) = filter.below {
        let below = to_fixed4(below).map_err(|message| DomainError::invalid("below", message))?;
        select = select.filter(stock_level::Column::OnHand.lt(below));
    }
    if filter.below_reorder_level {
        select = select.filter(
            Expr::col(stock_level::Column::OnHand).lt(Expr::col(stock_level::Column::ReorderLevel)),
        );
    }
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if search.chars().count() > MAX_SEARCH_CHARS || search.contains('\0') {
            return Err(DomainError::invalid(
                "search",
                format!("must be at most {MAX_SEARCH_CHARS} characters, without U+0000"),
            ));
        }
        let items = item::Entity::find()
            .select_only()
            .column(item::Column::Id)
            .filter(
                Condition::any()
                    .add(lower_contains(item::Column::Sku, search))
                    .add(lower_contains(item::Column::Name, search)),
            )
            .into_query();
        select = select.filter(stock_level::Column::ItemId.in_subquery(items));
    }
    let page = fetch_page(db, select, page).await?;
    Ok(Page {
        items: named(db, page.items).await?,
        total: page.total,
        request: page.request,
    })
}

/// `column` contains `text`, in any case: `%` and `_` in the text are matched as themselves ('!'
/// escapes them: the one escape character every backend reads the same way).
fn lower_contains(column: item::Column, text: &str) -> SimpleExpr {
    let mut pattern = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '!') {
            pattern.push('!');
        }
        pattern.push(c);
    }
    pattern.push('%');
    Expr::expr(Func::lower(Expr::col(column))).like(LikeExpr::new(pattern).escape('!'))
}

/// Sets (or clears) the on-hand quantity below which an item should be reordered at a branch.
#[tracing::instrument(skip_all, fields(branch_id = %branch_id, item_id = %item_id), err(level = "info"))]
pub async fn set_reorder_level<C: ConnectionTrait>(
    txn: &C,
    scope: &BranchScope,
    branch_id: Uuid,
    item_id: Uuid,
    reorder_level: Option<Decimal>,
) -> Result<StockLevel, DomainError> {
    let branch_id = scope.branch(branch_id)?;
    let stored = reorder_level
        .map(non_negative_fixed4)
        .transpose()
        .map_err(|message| DomainError::invalid("reorder_level", message))?;
    ledger::lock_branches(txn, &[branch_id]).await?;
    ledger::active_branch(txn, branch_id).await?;
    ledger::check_stock_items(txn, &[item_id])
        .await
        .map_err(|err| match err {
            DomainError::Invalid(_) => DomainError::NotFound("item that tracks stock"),
            other => other,
        })?;
    ledger::ensure_levels(txn, branch_id, &[item_id]).await?;
    stock_level::Entity::update_many()
        .col_expr(stock_level::Column::ReorderLevel, Expr::value(stored))
        .filter(stock_level::Column::BranchId.eq(branch_id))
        .filter(stock_level::Column::ItemId.eq(item_id))
        .exec(txn)
        .await?;
    let level = ledger::level(txn, branch_id, item_id).await?;
    named(txn, vec![level])
        .await?
        .pop()
        .ok_or(DomainError::NotFound("item"))
}

/// An item's levels at every branch of the scope that ever held it.
pub async fn item_stock(
    db: &DatabaseConnection,
    scope: &BranchScope,
    item_id: Uuid,
    page: PageRequest,
) -> Result<Page<StockLevel>, DomainError> {
    item::Entity::find_by_id(item_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("item"))?;
    let select = stock_level::Entity::find()
        .filter(stock_level::Column::ItemId.eq(item_id))
        .filter(scope.condition(stock_level::Column::BranchId))
        .order_by_asc(stock_level::Column::BranchId);
    let page = fetch_page(db, select, page).await?;
    Ok(Page {
        items: named(db, page.items).await?,
        total: page.total,
        request: page.request,
    })
}
