//! Categories: a tree, each category may have a parent.

use chrono::{DateTime, Utc};
use entity::{category, item};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    error::{Conflict, DomainError, FieldErrors},
    pagination::{Page, PageRequest, fetch_page},
    sync::feed::{self, View},
    validation::required_text,
};

pub const KIND: &str = "category";
const MAX_NAME_LEN: usize = 200;
/// Deepest a category tree may grow; also bounds the walk that refuses cycles.
const MAX_DEPTH: usize = 32;

#[derive(Clone, Debug)]
pub struct CategoryInput {
    pub name: String,
    pub parent_id: Option<Uuid>,
    /// True when absent.
    pub active: Option<bool>,
}

async fn publish_category<C: ConnectionTrait>(
    txn: &C,
    id: Uuid,
    current: Option<&category::Model>,
) -> Result<(), DomainError> {
    let views = current
        .map(|c| {
            vec![View::everyone(
                json!({ "id": c.id, "parent_id": c.parent_id, "name": c.name, "active": c.active }),
            )]
        })
        .unwrap_or_default();
    feed::publish(txn, KIND, id.to_string(), views).await?;
    Ok(())
}

/// Fails unless `parent_id` exists and making it the parent of `id` keeps the tree a tree.
async fn check_parent<C: ConnectionTrait>(
    txn: &C,
    id: Option<Uuid>,
    parent_id: Uuid,
) -> Result<(), DomainError> {
    let mut next = Some(parent_id);
    for _ in 0..MAX_DEPTH {
        let Some(ancestor) = next else { return Ok(()) };
        if Some(ancestor) == id {
            return Err(DomainError::invalid(
                "parent_id",
                "a category cannot be its own ancestor",
            ));
        }
        let found = category::Entity::find_by_id(ancestor).one(txn).await?;
        next = match found {
            Some(category) => category.parent_id,
            None => {
                return Err(DomainError::invalid(
                    "parent_id",
                    format!("no category {ancestor}"),
                ));
            }
        };
    }
    Err(DomainError::invalid(
        "parent_id",
        format!("categories nest at most {MAX_DEPTH} deep"),
    ))
}

fn checked_name(input: &CategoryInput) -> Result<String, DomainError> {
    let mut errors = FieldErrors::default();
    errors
        .check("name", required_text(&input.name, MAX_NAME_LEN))
        .ok_or_else(|| errors.into_error())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Category {
    id: Uuid,
    parent_id: Option<Uuid>,
    name: String,
    active: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<category::Model> for Category {
    fn from(c: category::Model) -> Self {
        Self {
            id: c.id,
            parent_id: c.parent_id,
            name: c.name,
            active: c.active,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn create_category<C: ConnectionTrait>(
    txn: &C,
    input: CategoryInput,
) -> Result<Category, DomainError> {
    let name = checked_name(&input)?;
    feed::lock_master(txn).await?;
    if let Some(parent_id) = input.parent_id {
        check_parent(txn, None, parent_id).await?;
    }
    let now = Utc::now();
    let saved = category::ActiveModel {
        id: Set(Uuid::now_v7()),
        parent_id: Set(input.parent_id),
        name: Set(name),
        active: Set(input.active.unwrap_or(true)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    publish_category(txn, saved.id, Some(&saved)).await?;
    Ok(saved.into())
}

/// Replaces a category's name, parent and active flag.
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn update_category<C: ConnectionTrait>(
    txn: &C,
    id: Uuid,
    input: CategoryInput,
) -> Result<Category, DomainError> {
    let name = checked_name(&input)?;
    feed::lock_master(txn).await?;
    let current = category::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(DomainError::NotFound("category"))?;
    if let Some(parent_id) = input.parent_id {
        check_parent(txn, Some(id), parent_id).await?;
    }
    let mut model: category::ActiveModel = current.into();
    model.name = Set(name);
    model.parent_id = Set(input.parent_id);
    model.active = Set(input.active.unwrap_or(true));
    model.updated_at = Set(Utc::now());
    let saved = model.update(txn).await?;
    publish_category(txn, id, Some(&saved)).await?;
    Ok(saved.into())
}

/// Deletes a category that has no subcategories and no items.
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn delete_category<C: ConnectionTrait>(txn: &C, id: Uuid) -> Result<(), DomainError> {
    feed::lock_master(txn).await?;
    category::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(DomainError::NotFound("category"))?;
    let children = category::Entity::find()
        .filter(category::Column::ParentId.eq(id))
        .count(txn)
        .await?;
    let items = item::Entity::find()
        .filter(item::Column::CategoryId.eq(id))
        .count(txn)
        .await?;
    if children > 0 || items > 0 {
        return Err(DomainError::conflict(
            Conflict::NotEmpty,
            format!(
                "the category still has {children} subcategories and {items} items; move them first"
            ),
        ));
    }
    category::Entity::delete_by_id(id).exec(txn).await?;
    publish_category(txn, id, None).await?;
    Ok(())
}

pub async fn get_category(db: &DatabaseConnection, id: Uuid) -> Result<Category, DomainError> {
    category::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(Category::from)
        .ok_or(DomainError::NotFound("category"))
}

/// Categories by name; only the children of `parent_id` when given.
pub async fn list_categories(
    db: &DatabaseConnection,
    parent_id: Option<Uuid>,
    page: PageRequest,
) -> Result<Page<Category>, DomainError> {
    let mut select = category::Entity::find()
        .order_by_asc(category::Column::Name)
        .order_by_asc(category::Column::Id);
    if let Some(parent_id) = parent_id {
        select = select.filter(category::Column::ParentId.eq(parent_id));
    }
    Ok(fetch_page(db, select, page).await?.map(Category::from))
}
