//! How a branch departs from the catalogue for an item: its own price, or hidden there.

use chrono::{DateTime, Utc};
use entity::{branch_item, item};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::feed::publish_items;
use crate::{
    decimal::{from_fixed4, non_negative_fixed4},
    error::DomainError,
    pagination::{Page, PageRequest, fetch_page},
    sync::feed,
};

/// A branch's departure from the catalogue for one item.
#[derive(Clone, Debug)]
pub struct BranchItemInput {
    /// The branch's own price; the base price when absent.
    pub price: Option<Decimal>,
    pub hidden: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BranchItem {
    pub branch_id: Uuid,
    pub item_id: Uuid,
    #[schema(value_type = Option<String>)]
    pub price: Option<Decimal>,
    pub hidden: bool,
    pub updated_at: DateTime<Utc>,
}

impl From<branch_item::Model> for BranchItem {
    fn from(b: branch_item::Model) -> Self {
        Self {
            branch_id: b.branch_id,
            item_id: b.item_id,
            price: b.price.map(from_fixed4),
            hidden: b.hidden,
            updated_at: b.updated_at,
        }
    }
}

/// Sets a branch's own price for an item, or hides the item there.
#[tracing::instrument(skip_all, fields(branch_id = %branch_id, item_id = %item_id), err(level = "info"))]
pub async fn set_branch_item<C: ConnectionTrait>(
    txn: &C,
    branch_id: Uuid,
    item_id: Uuid,
    input: BranchItemInput,
) -> Result<BranchItem, DomainError> {
    let price = input
        .price
        .map(non_negative_fixed4)
        .transpose()
        .map_err(|message| DomainError::invalid("price", message))?;
    feed::lock_master(txn).await?;
    entity::branch::Entity::find_by_id(branch_id)
        .one(txn)
        .await?
        .ok_or(DomainError::NotFound("branch"))?;
    item::Entity::find_by_id(item_id)
        .one(txn)
        .await?
        .ok_or(DomainError::NotFound("item"))?;
    let model = branch_item::ActiveModel {
        branch_id: Set(branch_id),
        item_id: Set(item_id),
        price: Set(price),
        hidden: Set(input.hidden),
        updated_at: Set(Utc::now()),
    };
    let saved = match branch_item::Entity::find_by_id((branch_id, item_id))
        .one(txn)
        .await?
    {
        Some(_) => model.update(txn).await?,
        None => model.insert(txn).await?,
    };
    publish_items(txn, &[item_id]).await?;
    Ok(saved.into())
}

/// Removes a branch's departure: the item is sold there at its base price again.
pub async fn clear_branch_item<C: ConnectionTrait>(
    txn: &C,
    branch_id: Uuid,
    item_id: Uuid,
) -> Result<(), DomainError> {
    feed::lock_master(txn).await?;
    let deleted = branch_item::Entity::delete_by_id((branch_id, item_id))
        .exec(txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(DomainError::NotFound("branch item"));
    }
    publish_items(txn, &[item_id]).await?;
    Ok(())
}

/// A branch's departures from the catalogue, by item.
pub async fn list_branch_items(
    db: &DatabaseConnection,
    branch_id: Uuid,
    page: PageRequest,
) -> Result<Page<BranchItem>, DomainError> {
    entity::branch::Entity::find_by_id(branch_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("branch"))?;
    let select = branch_item::Entity::find()
        .filter(branch_item::Column::BranchId.eq(branch_id))
        .order_by_asc(branch_item::Column::ItemId);
    Ok(fetch_page(db, select, page).await?.map(BranchItem::from))
}
