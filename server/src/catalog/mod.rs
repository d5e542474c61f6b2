//! Master data: the catalogue and everything else terminals need. Every write runs in the
//! caller's transaction, takes the master stream's lock first, and publishes the changed
//! objects' views to the master feed in that same transaction.

pub mod categories;
pub mod customers;
pub mod item_groups;
pub mod items;
pub mod payment_methods;
pub mod recipes;
pub mod settings;
pub mod staff;

use std::collections::HashMap;

use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::error::DomainError;

/// Largest list of ids put into one `IN (…)` or one multi-row insert.
const CHUNK: usize = 500;

/// The branches a link table (`owner`, `branch`) gives each of `owners`, by branch id, for a
/// whole page in one query per chunk.
async fn branches_by_owner<E: EntityTrait, C: ConnectionTrait>(
    db: &C,
    owner: E::Column,
    branch: E::Column,
    owners: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Uuid>>, DomainError> {
    let mut branches: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for chunk in owners.chunks(CHUNK) {
        let rows: Vec<(Uuid, Uuid)> = E::find()
            .select_only()
            .column(owner)
            .column(branch)
            .filter(owner.is_in(chunk.iter().copied()))
            .order_by_asc(branch)
            .into_tuple()
            .all(db)
            .await?;
        for (owner_id, branch_id) in rows {
            branches.entry(owner_id).or_default().push(branch_id);
        }
    }
    Ok(branches)
}

/// Fails with a field error unless every id in `branch_ids` names a branch.
async fn check_branches_exist<C: ConnectionTrait>(
    txn: &C,
    field: &str,
    branch_ids: &[Uuid],
) -> Result<(), DomainError> {
    let found = entity::branch::Entity::find()
        .filter(entity::branch::Column::Id.is_in(branch_ids.iter().copied()))
        .all(txn)
        .await?;
    match branch_ids
        .iter()
        .find(|id| !found.iter().any(|b| b.id == **id))
    {
        Some(missing) => Err(DomainError::invalid(field, format!("no branch {missing}"))),
        None => Ok(()),
    }
}

/// Inserts `model` when `new`, else updates the row it came from. (`save` would update: the
/// ids are set by the hub, not by the database.)
async fn insert_or_update<A, C>(
    txn: &C,
    model: A,
    new: bool,
) -> Result<<A::Entity as EntityTrait>::Model, DbErr>
where
    A: ActiveModelTrait + ActiveModelBehavior + Send,
    <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
    C: ConnectionTrait,
{
    if new {
        model.insert(txn).await
    } else {
        model.update(txn).await
    }
}

/// The name of each of `ids` in a table with an `id` and a `name` column, for answers that show
/// names next to ids.
async fn names_of<E: EntityTrait, C: ConnectionTrait>(
    db: &C,
    id: E::Column,
    name: E::Column,
    ids: Vec<Uuid>,
) -> Result<HashMap<Uuid, String>, DomainError> {
    let mut names = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<(Uuid, String)> = E::find()
            .select_only()
            .columns([id, name])
            .filter(id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        names.extend(rows);
    }
    Ok(names)
}

/// The names of payment methods.
pub async fn payment_method_names<C: ConnectionTrait>(
    db: &C,
    ids: Vec<Uuid>,
) -> Result<HashMap<Uuid, String>, DomainError> {
    use entity::payment_method::{Column, Entity};
    names_of::<Entity, C>(db, Column::Id, Column::Name, ids).await
}

/// The names of staff users.
pub async fn staff_names<C: ConnectionTrait>(
    db: &C,
    ids: Vec<Uuid>,
) -> Result<HashMap<Uuid, String>, DomainError> {
    use entity::staff_user::{Column, Entity};
    names_of::<Entity, C>(db, Column::Id, Column::Name, ids).await
}
