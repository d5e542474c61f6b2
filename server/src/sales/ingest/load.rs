//! What a batch is decided from: the catalogue it names, read before the branch's lock, and
//! what the hub holds of the terminal's transactions and of the voids' targets, read under it.

use std::collections::HashSet;

use entity::{
    Fixed4, branch_item, customer, item, item_group, item_group_item, item_group_option,
    payment_method, recipe, sales_transaction, staff_user, stock_movement,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    sea_query::{Alias, Asterisk, Expr, ExprTrait, Query, SelectStatement, UnionType},
};
use uuid::Uuid;

use super::{
    decide::{Book, Effect, Held},
    menu::{Group, Sold},
};
use crate::{
    catalog::recipes::RecipeBook,
    error::DomainError,
    inventory::ledger,
    sales::{DOCUMENT, checks::Checked},
};

/// What a transaction names by id besides items.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reference {
    StaffUser,
    Customer,
    PaymentMethod,
}

impl Reference {
    const ALL: [Reference; 3] = [
        Reference::StaffUser,
        Reference::Customer,
        Reference::PaymentMethod,
    ];

    fn tag(self) -> &'static str {
        match self {
            Reference::StaffUser => "staff_user",
            Reference::Customer => "customer",
            Reference::PaymentMethod => "payment_method",
        }
    }

    /// `SELECT '<tag>' AS tag, id FROM <table> WHERE id IN (ids)`.
    fn select_existing(self, ids: Vec<Uuid>) -> SelectStatement {
        fn select<E: EntityTrait>(tag: &str, id: E::Column, ids: Vec<Uuid>) -> SelectStatement {
            Query::select()
                .expr_as(Expr::val(tag), Alias::new("tag"))
                .expr_as(Expr::col((E::default(), id)), Alias::new("id"))
                .from(E::default())
                .and_where(id.is_in(ids))
                .to_owned()
        }
        match self {
            Reference::StaffUser => {
                select::<staff_user::Entity>(self.tag(), staff_user::Column::Id, ids)
            }
            Reference::Customer => {
                select::<customer::Entity>(self.tag(), customer::Column::Id, ids)
            }
            Reference::PaymentMethod => {
                select::<payment_method::Entity>(self.tag(), payment_method::Column::Id, ids)
            }
        }
    }
}

/// Which of the `wanted` references exist: one `UNION ALL` over their tables per thousand ids.
async fn existing_references<C: ConnectionTrait>(
    db: &C,
    wanted: &[(Reference, Uuid)],
) -> Result<Vec<(Reference, Uuid)>, DomainError> {
    let mut found = Vec::new();
    for chunk in wanted.chunks(ledger::ROWS_PER_INSERT) {
        let mut selects = Reference::ALL.into_iter().filter_map(|reference| {
            let ids: Vec<Uuid> = chunk
                .iter()
                .filter(|(r, _)| *r == reference)
                .map(|(_, id)| *id)
                .collect();
            (!ids.is_empty()).then(|| reference.select_existing(ids))
        });
        let Some(mut union) = selects.next() else {
            continue;
        };
        for select in selects {
            union.union(UnionType::All, select);
        }
        for row in db.query_all(&union).await? {
            let tag: String = row.try_get("", "tag")?;
            let reference = Reference::ALL
                .into_iter()
                .find(|r| r.tag() == tag)
                .ok_or_else(|| DomainError::internal("a lookup answered an unknown tag", tag))?;
            found.push((reference, row.try_get("", "id")?));
        }
    }
    Ok(found)
}

/// `(SELECT COUNT(*) FROM <E> WHERE <E>.<item_id> = item.id)`: an item's rows in `E`.
fn rows_of_item<E: EntityTrait>(item_id: E::Column) -> Expr {
    let count = Query::select()
        .expr(Expr::col(Asterisk).count())
        .from(E::default())
        .and_where(Expr::col((E::default(), item_id)).equals((item::Entity, item::Column::Id)))
        .to_owned();
    Expr::SubQuery(None, Box::new(count.into()))
}

impl Book {
    /// Reads this terminal's transactions of the batch, and the transactions its voids name
    /// with what they did to stock.
    pub(super) async fn load_held<C: ConnectionTrait>(
        &mut self,
        txn: &C,
        terminal_id: Uuid,
        branch_id: Uuid,
        batch: &[&Checked],
    ) -> Result<(), DomainError> {
        let ids: Vec<Uuid> = batch.iter().map(|t| t.id).collect();
        for row in crate::sales::queries::held_transactions(txn, terminal_id, &ids).await? {
            self.own
                .insert(row.terminal_transaction_id, Held::from(&row));
        }

        let void_targets: Vec<Uuid> = batch.iter().filter_map(|t| t.voids).collect();
        let mut target_hub_ids = Vec::new();
        for chunk in void_targets.chunks(ledger::ROWS_PER_INSERT) {
            for row in sales_transaction::Entity::find()
                .filter(
                    sales_transaction::Column::TerminalTransactionId.is_in(chunk.iter().copied()),
                )
                .all(txn)
                .await?
            {
                if row.branch_id != branch_id {
                    self.elsewhere.insert(row.terminal_transaction_id);
                    continue;
                }
                target_hub_ids.push(row.id);
                let held = Held::from(&row);
                if row.terminal_id == terminal_id {
                    self.own.insert(row.terminal_transaction_id, held);
                } else {
                    self.branch_others.insert(row.terminal_transaction_id, held);
                }
            }
        }
        for chunk in target_hub_ids.chunks(ledger::ROWS_PER_INSERT) {
            for movement in stock_movement::Entity::find()
                .filter(stock_movement::Column::DocumentType.eq(DOCUMENT))
                .filter(stock_movement::Column::DocumentId.is_in(chunk.iter().copied()))
                .all(txn)
                .await?
            {
                self.effects
                    .entry(movement.document_id)
                    .or_default()
                    .push(Effect {
                        item_id: movement.item_id,
                        delta: movement.delta,
                        line_no: movement.line_no,
                    });
            }
        }

        Ok(())
    }

    /// Reads the items (with their prices at the branch, the groups they offer and their
    /// recipes), staff users, customers and payment methods the batch names.
    pub(super) async fn load_catalogue<C: ConnectionTrait>(
        &mut self,
        db: &C,
        branch_id: Uuid,
        batch: &[&Checked],
    ) -> Result<(), DomainError> {
        let line_items: HashSet<Uuid> = batch
            .iter()
            .flat_map(|t| t.lines.iter().map(|l| l.item_id))
            .collect();
        let item_ids: Vec<Uuid> = line_items
            .iter()
            .copied()
            .chain(
                batch
                    .iter()
                    .flat_map(|t| t.lines.iter().flat_map(|l| &l.options))
                    .map(|o| o.item_id),
            )
            .collect::<HashSet<Uuid>>()
            .into_iter()
            .collect();
        // Items that offer groups or have recipes; most offer none and have none, and then
        // neither is read.
        let mut offering_groups = Vec::new();
        let mut with_recipes = Vec::new();
        for chunk in item_ids.chunks(ledger::ROWS_PER_INSERT) {
            // Each item with whether it tracks stock, its price, whether this branch hides it,
            // and how many groups and recipes it has.
            let mut select = item::Entity::find()
                .select_only()
                .columns([
                    item::Column::Id,
                    item::Column::TrackStock,
                    item::Column::BasePrice,
                ])
                .columns([branch_item::Column::Hidden, branch_item::Column::Price])
                .expr(rows_of_item::<item_group_item::Entity>(
                    item_group_item::Column::ItemId,
                ))
                .expr(rows_of_item::<recipe::Entity>(recipe::Column::ItemId))
                .filter(item::Column::Id.is_in(chunk.iter().copied()));
            QueryTrait::query(&mut select).left_join(
                branch_item::Entity,
                Condition::all()
                    .add(
                        Expr::col((branch_item::Entity, branch_item::Column::ItemId))
                            .equals((item::Entity, item::Column::Id)),
                    )
                    .add(
                        Expr::col((branch_item::Entity, branch_item::Column::BranchId))
                            .eq(branch_id),
                    ),
            );
            // (id, tracks stock, base price, hidden here, price here, groups, recipes)
            type Row = (Uuid, bool, Fixed4, Option<bool>, Option<Fixed4>, i64, i64);
            for (item_id, track_stock, base_price, hidden, branch_price, groups, recipes) in
                select.into_tuple::<Row>().all(db).await?
            {
                if groups > 0 && line_items.contains(&item_id) {
                    offering_groups.push(item_id);
                }
                if recipes > 0 {
                    with_recipes.push(item_id);
                }
                self.items.insert(
                    item_id,
                    Sold {
                        track_stock,
                        price: branch_price.unwrap_or(base_price),
                    },
                );
                if hidden == Some(true) {
                    self.hidden_items.insert(item_id);
                }
            }
        }
        self.load_groups(db, &offering_groups).await?;
        if let Some(last_day) = batch.iter().map(|t| t.business_date).max() {
            self.recipes = RecipeBook::load(db, &with_recipes, last_day).await?;
        }
        let mut wanted: Vec<(Reference, Uuid)> = Vec::new();
        for t in batch {
            wanted.push((Reference::StaffUser, t.staff_user_id));
            wanted.extend(t.customer_id.map(|id| (Reference::Customer, id)));
            wanted.extend(
                t.payments
                    .iter()
                    .map(|p| (Reference::PaymentMethod, p.payment_method_id)),
            );
        }
        wanted.sort_by_key(|(reference, id)| (reference.tag(), *id));
        wanted.dedup();
        for (reference, id) in existing_references(db, &wanted).await? {
            match reference {
                Reference::StaffUser => self.staff_users.insert(id),
                Reference::Customer => self.customers.insert(id),
                Reference::PaymentMethod => self.payment_methods.insert(id),
            };
        }
        Ok(())
    }

    /// Reads the active groups `item_ids` offer, with their options.
    async fn load_groups<C: ConnectionTrait>(
        &mut self,
        db: &C,
        item_ids: &[Uuid],
    ) -> Result<(), DomainError> {
        for chunk in item_ids.chunks(ledger::ROWS_PER_INSERT) {
            let links = item_group_item::Entity::find()
                .filter(item_group_item::Column::ItemId.is_in(chunk.iter().copied()))
                .all(db)
                .await?;
            if links.is_empty() {
                continue;
            }
            let group_ids: HashSet<Uuid> = links.iter().map(|l| l.item_group_id).collect();
            let missing: Vec<Uuid> = group_ids
                .into_iter()
                .filter(|id| !self.groups.contains_key(id))
                .collect();
            for group in item_group::Entity::find()
                .filter(item_group::Column::Id.is_in(missing.iter().copied()))
                .filter(item_group::Column::Active.eq(true))
                .all(db)
                .await?
            {
                self.groups.insert(group.id, Group::new(group));
            }
            for option in item_group_option::Entity::find()
                .filter(item_group_option::Column::ItemGroupId.is_in(missing))
                .all(db)
                .await?
            {
                if let Some(group) = self.groups.get_mut(&option.item_group_id) {
                    group.options.insert(option.item_id, option.price_delta);
                }
            }
            for link in links {
                if self.groups.contains_key(&link.item_group_id) {
                    self.offers
                        .entry(link.item_id)
                        .or_default()
                        .push(link.item_group_id);
                }
            }
        }
        Ok(())
    }
}
