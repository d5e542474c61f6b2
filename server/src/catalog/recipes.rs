//! Recipes: what one unit of an item (a latte, or an option such as "extra shot") is made of, in
//! the ingredients' own units, from a business date on. Selling the item moves its ingredients'
//! stock instead of its own; a sale keeps the recipe of its business date, because its movements
//! are written when it is recorded.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, Utc};
use entity::{Fixed4, item, recipe, recipe_ingredient};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::CHUNK;
use crate::{
    decimal::{from_fixed4, to_fixed4},
    error::{DomainError, FieldErrors},
    pagination::{Page, PageRequest, fetch_page},
};

const MAX_INGREDIENTS: usize = 100;

#[derive(Clone, Debug)]
pub struct IngredientInput {
    pub item_id: Uuid,
    /// Per unit of the recipe's item, in the ingredient's unit.
    pub quantity: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Ingredient {
    pub item_id: Uuid,
    pub sku: String,
    pub name: String,
    /// The ingredient's unit (`g`, `ml`, `piece`, …).
    pub unit: String,
    #[schema(value_type = String, example = "18")]
    pub quantity: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Recipe {
    pub item_id: Uuid,
    /// The first business date it applies to; it applies until the item's next recipe.
    #[schema(value_type = String, format = Date, example = "2026-12-01")]
    pub effective_from: NaiveDate,
    pub ingredients: Vec<Ingredient>,
    pub created_by: String,
    pub created_at: chrono::DateTime<Utc>,
}

/// Sets the recipe of `item_id` from `effective_from` on, replacing one saved for that date.
#[tracing::instrument(skip_all, fields(item_id = %item_id, effective_from = %effective_from), err(level = "info"))]
pub async fn save_recipe<C: ConnectionTrait>(
    txn: &C,
    item_id: Uuid,
    effective_from: NaiveDate,
    actor: &str,
    ingredients: Vec<IngredientInput>,
) -> Result<Recipe, DomainError> {
    let mut errors = FieldErrors::default();
    if ingredients.is_empty() || ingredients.len() > MAX_INGREDIENTS {
        errors.check::<()>(
            "ingredients",
            Err(format!("must list 1 to {MAX_INGREDIENTS} ingredients")),
        );
    }
    let mut seen = HashSet::new();
    let mut rows = Vec::with_capacity(ingredients.len());
    for (n, ingredient) in ingredients.iter().enumerate() {
        let field = |name: &str| format!("ingredients[{n}].{name}");
        if ingredient.item_id == item_id {
            errors.check::<()>(
                &field("item_id"),
                Err("an item is not its own ingredient".into()),
            );
        } else if !seen.insert(ingredient.item_id) {
            errors.check::<()>(&field("item_id"), Err("the item is listed twice".into()));
        }
        let quantity = errors.check(
            &field("quantity"),
            if ingredient.quantity <= Decimal::ZERO {
                Err("must be more than 0".into())
            } else {
                to_fixed4(ingredient.quantity)
            },
        );
        rows.extend(quantity.map(|quantity| (ingredient.item_id, quantity)));
    }
    errors.into_result()?;

    let owner = item::Entity::find_by_id(item_id)
        .one(txn)
        .await?
        .ok_or(DomainError::NotFound("item"))?;
    let ingredient_ids: Vec<Uuid> = rows.iter().map(|(id, _)| *id).collect();
    let found = super::items::by_id(txn, ingredient_ids.iter().copied()).await?;
    let mut errors = FieldErrors::default();
    for (n, id) in ingredient_ids.iter().enumerate() {
        let field = format!("ingredients[{n}].item_id");
        match found.get(id) {
            None => errors.check::<()>(&field, Err(format!("no item {id}"))),
            Some(i) if !i.track_stock => errors.check::<()>(
                &field,
                Err(format!(
                    "{} does not track stock, so it cannot be used up",
                    i.sku
                )),
            ),
            Some(_) => None,
        };
    }
    errors.into_result()?;

    let existing = recipe::Entity::find()
        .filter(recipe::Column::ItemId.eq(item_id))
        .filter(recipe::Column::EffectiveFrom.eq(effective_from))
        .one(txn)
        .await?;
    let saved = match existing {
        Some(existing) => {
            recipe_ingredient::Entity::delete_many()
                .filter(recipe_ingredient::Column::RecipeId.eq(existing.id))
                .exec(txn)
                .await?;
            let mut model: recipe::ActiveModel = existing.into();
            model.created_by = Set(actor.to_string());
            model.created_at = Set(Utc::now());
            sea_orm::ActiveModelTrait::update(model, txn).await?
        }
        None => {
            recipe::Entity::insert(recipe::ActiveModel {
                id: Set(Uuid::now_v7()),
                item_id: Set(owner.id),
                effective_from: Set(effective_from),
                created_by: Set(actor.to_string()),
                created_at: Set(Utc::now()),
            })
            .exec_with_returning(txn)
            .await?
        }
    };
    recipe_ingredient::Entity::insert_many(rows.iter().zip(0..).map(
        |((ingredient_id, quantity), position)| recipe_ingredient::ActiveModel {
            recipe_id: Set(saved.id),
            item_id: Set(*ingredient_id),
            position: Set(position),
            quantity: Set(*quantity),
        },
    ))
    .exec(txn)
    .await?;
    let mut shown = with_ingredients(txn, vec![saved]).await?;
    shown.pop().ok_or(DomainError::NotFound("recipe"))
}

/// Removes the recipe of `item_id` saved for `effective_from`: from that date the item's earlier
/// recipe applies again (or none). Sales already recorded keep what they used up.
#[tracing::instrument(skip_all, fields(item_id = %item_id, effective_from = %effective_from), err(level = "info"))]
pub async fn delete_recipe<C: ConnectionTrait>(
    txn: &C,
    item_id: Uuid,
    effective_from: NaiveDate,
) -> Result<(), DomainError> {
    let deleted = recipe::Entity::delete_many()
        .filter(recipe::Column::ItemId.eq(item_id))
        .filter(recipe::Column::EffectiveFrom.eq(effective_from))
        .exec(txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(DomainError::NotFound("recipe"));
    }
    Ok(())
}

/// The recipes of an item, newest first.
pub async fn list_recipes(
    db: &DatabaseConnection,
    item_id: Uuid,
    page: PageRequest,
) -> Result<Page<Recipe>, DomainError> {
    item::Entity::find_by_id(item_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("item"))?;
    let select = recipe::Entity::find()
        .filter(recipe::Column::ItemId.eq(item_id))
        .order_by_desc(recipe::Column::EffectiveFrom);
    let page = fetch_page(db, select, page).await?;
    Ok(Page {
        items: with_ingredients(db, page.items).await?,
        total: page.total,
        request: page.request,
    })
}

async fn with_ingredients<C: ConnectionTrait>(
    db: &C,
    recipes: Vec<recipe::Model>,
) -> Result<Vec<Recipe>, DomainError> {
    let rows = recipe_ingredient::Entity::find()
        .filter(recipe_ingredient::Column::RecipeId.is_in(recipes.iter().map(|r| r.id)))
        .order_by_asc(recipe_ingredient::Column::Position)
        .all(db)
        .await?;
    let items = super::items::by_id(db, rows.iter().map(|r| r.item_id)).await?;
    let mut by_recipe: HashMap<Uuid, Vec<Ingredient>> = HashMap::new();
    for row in rows {
        let (sku, name, unit) = items
            .get(&row.item_id)
            .map(|i| (i.sku.clone(), i.name.clone(), i.unit.clone()))
            .unwrap_or_default();
        by_recipe
            .entry(row.recipe_id)
            .or_default()
            .push(Ingredient {
                item_id: row.item_id,
                sku,
                name,
                unit,
                quantity: from_fixed4(row.quantity),
            });
    }
    Ok(recipes
        .into_iter()
        .map(|r| Recipe {
            ingredients: by_recipe.remove(&r.id).unwrap_or_default(),
            item_id: r.item_id,
            effective_from: r.effective_from,
            created_by: r.created_by,
            created_at: r.created_at,
        })
        .collect())
}

/// An item's ingredients with their quantities per unit sold.
type Ingredients = Vec<(Uuid, Fixed4)>;

/// Every recipe of some items, for deciding what their sales use up.
#[derive(Debug, Default)]
pub struct RecipeBook {
    /// By item: (effective from, ingredients), oldest first.
    versions: HashMap<Uuid, Vec<(NaiveDate, Ingredients)>>,
}

impl RecipeBook {
    /// Reads the recipes of `item_ids` that apply on or before `until`.
    pub async fn load<C: ConnectionTrait>(
        db: &C,
        item_ids: &[Uuid],
        until: NaiveDate,
    ) -> Result<Self, DomainError> {
        let mut book = Self::default();
        for chunk in item_ids.chunks(CHUNK) {
            let recipes = recipe::Entity::find()
                .filter(recipe::Column::ItemId.is_in(chunk.iter().copied()))
                .filter(recipe::Column::EffectiveFrom.lte(until))
                .order_by_asc(recipe::Column::EffectiveFrom)
                .all(db)
                .await?;
            if recipes.is_empty() {
                continue;
            }
            let mut ingredients: HashMap<Uuid, Ingredients> = HashMap::new();
            for row in recipe_ingredient::Entity::find()
                .filter(recipe_ingredient::Column::RecipeId.is_in(recipes.iter().map(|r| r.id)))
                .order_by_asc(recipe_ingredient::Column::Position)
                .all(db)
                .await?
            {
                ingredients
                    .entry(row.recipe_id)
                    .or_default()
                    .push((row.item_id, row.quantity));
            }
            for r in recipes {
                book.versions.entry(r.item_id).or_default().push((
                    r.effective_from,
                    ingredients.remove(&r.id).unwrap_or_default(),
                ));
            }
        }
        Ok(book)
    }

    /// The ingredients of one unit of `item_id` sold on `date`, if it has a recipe then.
    pub fn on(&self, item_id: Uuid, date: NaiveDate) -> Option<&[(Uuid, Fixed4)]> {
        self.versions
            .get(&item_id)?
            .iter()
            .rev()
            .find(|(from, _)| *from <= date)
            .map(|(_, ingredients)| ingredients.as_slice())
    }
}
