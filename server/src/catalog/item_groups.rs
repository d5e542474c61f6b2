//! Restaurant item groups: modifiers (choose a milk) and combos (a meal of several items).

use std::collections::HashSet;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{Fixed4, item, item_group, item_group::GroupKind, item_group_item, item_group_option};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use super::insert_or_update;
use crate::{
    decimal::{from_fixed4, to_fixed4},
    error::{DomainError, FieldErrors},
    pagination::{Page, PageRequest, fetch_page},
    sync::feed::{self, View},
    validation::{one_of, required_text},
};

pub const KIND: &str = "item_group";
const MAX_OPTIONS: usize = 100;
/// Most times one option may be chosen for one unit sold (two extra shots in a latte).
pub const MAX_TIMES_CHOSEN: i32 = 100;

#[derive(Clone, Debug)]
pub struct OptionInput {
    pub item_id: Uuid,
    /// Added to the price when chosen; 0 when absent.
    pub price_delta: Option<Decimal>,
}

#[derive(Clone, Debug)]
pub struct ItemGroupInput {
    pub name: String,
    /// `modifier` or `combo`.
    pub kind: String,
    pub min_choices: i32,
    pub max_choices: i32,
    /// True when absent.
    pub active: Option<bool>,
    /// The choices, in the order the POS lists them.
    pub options: Vec<OptionInput>,
    /// The items that offer this group.
    pub item_ids: Vec<Uuid>,
}

#[derive(Clone, Debug)]
struct ItemGroupDetail {
    pub group: item_group::Model,
    pub options: Vec<item_group_option::Model>,
    pub item_ids: Vec<Uuid>,
}

fn choices(min: i32, max: i32, options: usize) -> Result<(), String> {
    if min < 0 || max < 1 || min > max {
        return Err("need 0 <= min_choices <= max_choices and max_choices >= 1".into());
    }
    if max as usize > options * MAX_TIMES_CHOSEN as usize {
        return Err(format!(
            "max_choices is more than the {options} options chosen {MAX_TIMES_CHOSEN} times each"
        ));
    }
    Ok(())
}

fn options(values: &[OptionInput]) -> Result<Vec<(Uuid, Fixed4)>, String> {
    if values.is_empty() || values.len() > MAX_OPTIONS {
        return Err(format!("must list 1 to {MAX_OPTIONS} options"));
    }
    let mut seen = HashSet::new();
    values
        .iter()
        .map(|option| {
            if !seen.insert(option.item_id) {
                return Err(format!("item {} is listed twice", option.item_id));
            }
            Ok((
                option.item_id,
                to_fixed4(option.price_delta.unwrap_or_default())?,
            ))
        })
        .collect()
}

/// Fails with a field error unless every id names an item.
async fn check_items<C: ConnectionTrait>(
    txn: &C,
    field: &str,
    ids: &[Uuid],
) -> Result<(), DomainError> {
    let found: HashSet<Uuid> = item::Entity::find()
        .filter(item::Column::Id.is_in(ids.iter().copied()))
        .all(txn)
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect();
    match ids.iter().find(|id| !found.contains(id)) {
        Some(missing) => Err(DomainError::invalid(field, format!("no item {missing}"))),
        None => Ok(()),
    }
}

async fn publish_group<C: ConnectionTrait>(
    txn: &C,
    id: Uuid,
    current: Option<&ItemGroupDetail>,
) -> Result<(), DomainError> {
    let views = current
        .map(|detail| {
            let g = &detail.group;
            let options: Vec<_> = detail
                .options
                .iter()
                .map(|o| json!({ "item_id": o.item_id, "price_delta": from_fixed4(o.price_delta) }))
                .collect();
            vec![View::everyone(json!({
                "id": g.id,
                "name": g.name,
                "kind": g.group_kind,
                "min_choices": g.min_choices,
                "max_choices": g.max_choices,
                "active": g.active,
                "options": options,
                "item_ids": detail.item_ids,
            }))]
        })
        .unwrap_or_default();
    feed::publish(txn, KIND, id.to_string(), views).await?;
    Ok(())
}

/// The groups with their options and items, read in one query per table for the lot.
async fn details<C: ConnectionTrait>(
    db: &C,
    groups: Vec<item_group::Model>,
) -> Result<Vec<ItemGroupDetail>, DomainError> {
    let ids: Vec<Uuid> = groups.iter().map(|g| g.id).collect();
    let mut options: HashMap<Uuid, Vec<item_group_option::Model>> = HashMap::new();
    for option in item_group_option::Entity::find()
        .filter(item_group_option::Column::ItemGroupId.is_in(ids.clone()))
        .order_by_asc(item_group_option::Column::Position)
        .all(db)
        .await?
    {
        options
            .entry(option.item_group_id)
            .or_default()
            .push(option);
    }
    let mut item_ids: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for link in item_group_item::Entity::find()
        .filter(item_group_item::Column::ItemGroupId.is_in(ids))
        .order_by_asc(item_group_item::Column::ItemId)
        .all(db)
        .await?
    {
        item_ids
            .entry(link.item_group_id)
            .or_default()
            .push(link.item_id);
    }
    Ok(groups
        .into_iter()
        .map(|group| ItemGroupDetail {
            options: options.remove(&group.id).unwrap_or_default(),
            item_ids: item_ids.remove(&group.id).unwrap_or_default(),
            group,
        })
        .collect())
}

/// One group with its options and items.
async fn detail<C: ConnectionTrait>(
    db: &C,
    group: item_group::Model,
) -> Result<ItemGroupDetail, DomainError> {
    details(db, vec![group])
        .await?
        .pop()
        .ok_or(DomainError::NotFound("item group"))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupOption {
    pub item_id: Uuid,
    #[schema(value_type = String)]
    pub price_delta: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemGroup {
    pub id: Uuid,
    pub name: String,
    pub kind: GroupKind,
    pub min_choices: i32,
    pub max_choices: i32,
    pub active: bool,
    pub options: Vec<GroupOption>,
    pub item_ids: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ItemGroupDetail> for ItemGroup {
    fn from(d: ItemGroupDetail) -> Self {
        let g = d.group;
        Self {
            id: g.id,
            name: g.name,
            kind: g.group_kind,
            min_choices: g.min_choices,
            max_choices: g.max_choices,
            active: g.active,
            options: d
                .options
                .into_iter()
                .map(|o| GroupOption {
                    item_id: o.item_id,
                    price_delta: from_fixed4(o.price_delta),
                })
                .collect(),
            item_ids: d.item_ids,
            created_at: g.created_at,
            updated_at: g.updated_at,
        }
    }
}

/// Creates an item group (`id` none) or replaces one with its options and items.
pub async fn save_item_group<C: ConnectionTrait>(
    txn: &C,
    id: Option<Uuid>,
    input: ItemGroupInput,
) -> Result<ItemGroup, DomainError> {
    let mut errors = FieldErrors::default();
    let name = errors.check("name", required_text(&input.name, 200));
    let kind = errors.check("kind", one_of::<GroupKind>(&input.kind));
    let option_rows = errors.check("options", options(&input.options));
    let counts = errors.check(
        "max_choices",
        choices(input.min_choices, input.max_choices, input.options.len()),
    );
    let (Some(name), Some(kind), Some(option_rows), Some(())) = (name, kind, option_rows, counts)
    else {
        return Err(errors.into_error());
    };
    let mut item_ids = input.item_ids.clone();
    item_ids.sort();
    item_ids.dedup();

    feed::lock_master(txn).await?;
    let option_items: Vec<Uuid> = option_rows.iter().map(|(item_id, _)| *item_id).collect();
    check_items(txn, "options", &option_items).await?;
    check_items(txn, "item_ids", &item_ids).await?;
    let now = Utc::now();
    let new = id.is_none();
    let mut model = match id {
        Some(id) => item_group::ActiveModel::from(
            item_group::Entity::find_by_id(id)
                .one(txn)
                .await?
                .ok_or(DomainError::NotFound("item group"))?,
        ),
        None => item_group::ActiveModel {
            id: Set(Uuid::now_v7()),
            created_at: Set(now),
            ..Default::default()
        },
    };
    model.name = Set(name);
    model.group_kind = Set(kind);
    model.min_choices = Set(input.min_choices);
    model.max_choices = Set(input.max_choices);
    model.active = Set(input.active.unwrap_or(true));
    model.updated_at = Set(now);
    let group = insert_or_update(txn, model, new).await?;

    item_group_option::Entity::delete_many()
        .filter(item_group_option::Column::ItemGroupId.eq(group.id))
        .exec(txn)
        .await?;
    item_group_option::Entity::insert_many(option_rows.iter().zip(0..).map(
        |((item_id, delta), position)| item_group_option::ActiveModel {
            item_group_id: Set(group.id),
            item_id: Set(*item_id),
            price_delta: Set(*delta),
            position: Set(position),
        },
    ))
    .exec(txn)
    .await?;
    item_group_item::Entity::delete_many()
        .filter(item_group_item::Column::ItemGroupId.eq(group.id))
        .exec(txn)
        .await?;
    if !item_ids.is_empty() {
        item_group_item::Entity::insert_many(item_ids.iter().map(|item_id| {
            item_group_item::ActiveModel {
                item_group_id: Set(group.id),
                item_id: Set(*item_id),
            }
        }))
        .exec(txn)
        .await?;
    }
    let saved = detail(txn, group).await?;
    publish_group(txn, saved.group.id, Some(&saved)).await?;
    Ok(saved.into())
}

#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn delete_item_group<C: ConnectionTrait>(txn: &C, id: Uuid) -> Result<(), DomainError> {
    feed::lock_master(txn).await?;
    if item_group::Entity::delete_by_id(id)
        .exec(txn)
        .await?
        .rows_affected
        == 0
    {
        return Err(DomainError::NotFound("item group"));
    }
    publish_group(txn, id, None).await?;
    Ok(())
}

pub async fn get_item_group(db: &DatabaseConnection, id: Uuid) -> Result<ItemGroup, DomainError> {
    let group = item_group::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("item group"))?;
    detail(db, group).await.map(ItemGroup::from)
}

/// Item groups by name.
pub async fn list_item_groups(
    db: &DatabaseConnection,
    page: PageRequest,
) -> Result<Page<ItemGroup>, DomainError> {
    let select = item_group::Entity::find()
        .order_by_asc(item_group::Column::Name)
        .order_by_asc(item_group::Column::Id);
    let page = fetch_page(db, select, page).await?;
    let items = details(db, page.items).await?;
    Ok(Page {
        items: items.into_iter().map(ItemGroup::from).collect(),
        total: page.total,
        request: page.request,
    })
}

/// The name of each of `ids`, for answers that show groups next to their ids.
pub async fn names<C: ConnectionTrait>(
    db: &C,
    ids: Vec<Uuid>,
) -> Result<HashMap<Uuid, String>, DomainError> {
    use sea_orm::QuerySelect;
    let rows: Vec<(Uuid, String)> = item_group::Entity::find()
        .select_only()
        .columns([item_group::Column::Id, item_group::Column::Name])
        .filter(item_group::Column::Id.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// How many groups use an item, as an option or as the item offering them.
pub async fn groups_using_item<C: ConnectionTrait>(
    txn: &C,
    item_id: Uuid,
) -> Result<u64, DomainError> {
    use sea_orm::PaginatorTrait;
    let as_option = item_group_option::Entity::find()
        .filter(item_group_option::Column::ItemId.eq(item_id))
        .count(txn)
        .await?;
    let as_parent = item_group_item::Entity::find()
        .filter(item_group_item::Column::ItemId.eq(item_id))
        .count(txn)
        .await?;
    Ok(as_option + as_parent)
}
