//! Reading the ledger: a branch's movements (of one item, or of all, by reason or document), and
//! an item's quantity at a past instant.

use chrono::{DateTime, Utc};
use entity::{Fixed4, stock_movement, stock_movement::Reason};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    catalog::items::sku_and_name,
    decimal::from_fixed4,
    error::DomainError,
    pagination::{Page, PageRequest, fetch_page},
    scope::BranchScope,
    time::{self, DateOrInstant},
};

/// One movement of the ledger, with its item's SKU and name.
#[derive(Debug, Serialize, ToSchema)]
pub struct StockMovement {
    pub seq: i64,
    pub item_id: Uuid,
    pub sku: String,
    pub item_name: String,
    #[schema(value_type = String)]
    pub delta: Decimal,
    #[schema(value_type = String)]
    pub balance_after: Decimal,
    pub reason: Reason,
    pub document_type: String,
    pub document_id: Uuid,
    pub line_no: i32,
    pub actor: String,
    pub created_at: DateTime<Utc>,
}

/// Which movements of a branch to read; absent filters take all.
#[derive(Clone, Debug, Default)]
pub struct LedgerFilter {
    pub item_id: Option<Uuid>,
    pub reason: Option<Reason>,
    /// `adjustment`, `transfer_ticket`, `goods_receipt`, `sales_transaction`, …
    pub document_type: Option<String>,
    pub document_id: Option<Uuid>,
    /// From this instant (inclusive); a plain date is the start of that day at the branch.
    pub from: Option<DateOrInstant>,
    /// Until this instant (exclusive); a plain date takes the whole of that day.
    pub to: Option<DateOrInstant>,
}

/// A branch's ledger, oldest first.
pub async fn ledger(
    db: &DatabaseConnection,
    scope: &BranchScope,
    branch_id: Uuid,
    filter: &LedgerFilter,
    page: PageRequest,
) -> Result<Page<StockMovement>, DomainError> {
    let branch_id = scope.branch(branch_id)?;
    let zone = time::branch_time_zone(db, branch_id).await?;
    let mut select = stock_movement::Entity::find()
        .filter(stock_movement::Column::BranchId.eq(branch_id))
        .order_by_asc(stock_movement::Column::Seq);
    if let Some(item_id) = filter.item_id {
        select = select.filter(stock_movement::Column::ItemId.eq(item_id));
    }
    if let Some(reason) = filter.reason {
        select = select.filter(stock_movement::Column::Reason.eq(reason));
    }
    if let Some(document_type) = &filter.document_type {
        select = select.filter(stock_movement::Column::DocumentType.eq(document_type.as_str()));
    }
    if let Some(document_id) = filter.document_id {
        select = select.filter(stock_movement::Column::DocumentId.eq(document_id));
    }
    if let Some(from) = filter.from {
        select = select.filter(stock_movement::Column::CreatedAt.gte(from.start(zone)));
    }
    if let Some(to) = filter.to {
        select = select.filter(stock_movement::Column::CreatedAt.lt(to.end(zone)));
    }
    let page = fetch_page(db, select, page).await?;
    let mut ids: Vec<Uuid> = page.items.iter().map(|m| m.item_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let names = sku_and_name(db, ids).await?;
    Ok(page.map(|m| {
        let (sku, item_name) = names.get(&m.item_id).cloned().unwrap_or_default();
        StockMovement {
            seq: m.seq,
            item_id: m.item_id,
            sku,
            item_name,
            delta: from_fixed4(m.delta),
            balance_after: from_fixed4(m.balance_after),
            reason: m.reason,
            document_type: m.document_type,
            document_id: m.document_id,
            line_no: m.line_no,
            actor: m.actor,
            created_at: m.created_at,
        }
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuantityAt {
    pub at: DateTime<Utc>,
    #[schema(value_type = String)]
    pub on_hand: Decimal,
}

/// The on-hand quantity of an item at a branch at an instant (a plain date: the start of that
/// day in the branch's time zone): the balance after the last movement stamped at or before it.
pub async fn quantity_at(
    db: &DatabaseConnection,
    scope: &BranchScope,
    branch_id: Uuid,
    item_id: Uuid,
    at: DateOrInstant,
) -> Result<QuantityAt, DomainError> {
    let branch_id = scope.branch(branch_id)?;
    let at = at.start(time::branch_time_zone(db, branch_id).await?);
    let last = stock_movement::Entity::find()
        .filter(stock_movement::Column::BranchId.eq(branch_id))
        .filter(stock_movement::Column::ItemId.eq(item_id))
        .filter(stock_movement::Column::CreatedAt.lte(at))
        .order_by_desc(stock_movement::Column::Seq)
        .one(db)
        .await?;
    Ok(QuantityAt {
        at,
        on_hand: from_fixed4(last.map_or(Fixed4::ZERO, |movement| movement.balance_after)),
    })
}
