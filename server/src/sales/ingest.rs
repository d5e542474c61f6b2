//! Ingest: a batch of one terminal's transactions in one database transaction that first takes
//! the branch's stock lock. Concurrent batches of a branch therefore run one after another and
//! each sees what the previous committed: a resend is always recognised, and a batch shares one
//! commit. Every decision is made in memory from a few lookups, then written in bulk; a database
//! failure records nothing, so the terminal's resend does it all again.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{
    branch, branch_item, customer, item, payment_method, sales_line, sales_payment,
    sales_transaction, staff_user, stock_movement,
};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QuerySelect, QueryTrait,
    sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement, UnionType},
};
use uuid::Uuid;

use super::{
    DOCUMENT, Kind, MAX_BATCH, Outcome, Rejection, RejectionCode, Status, Submitted,
    TransactionResult,
    checks::{Checked, check},
};
use crate::{
    error::DomainError,
    inventory::ledger::{self, Movement, Reason, Source},
    registry::PosType,
};

/// Records a terminal's batch and answers for each transaction, in the batch's order.
#[tracing::instrument(skip_all, fields(terminal_id = %terminal_id, branch_id = %branch_id), err(level = "info"))]
pub async fn ingest_batch(
    db: &DatabaseConnection,
    terminal_id: Uuid,
    branch_id: Uuid,
    batch: Vec<Submitted>,
) -> Result<Vec<TransactionResult>, DomainError> {
    if batch.is_empty() || batch.len() > MAX_BATCH {
        return Err(DomainError::invalid(
            "transactions",
            format!("must hold 1 to {MAX_BATCH} transactions"),
        ));
    }
    let branch = branch::Entity::find_by_id(branch_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("branch"))?;
    let pos_type = PosType::parse(&branch.pos_type)
        .map_err(|e| DomainError::internal("the branch's stored POS type", e))?;

    let mut entries = Vec::with_capacity(batch.len());
    for submitted in batch {
        entries.push(match submitted {
            Submitted::Unreadable { id, field, message } => Entry::Rejected {
                id,
                reasons: vec![Rejection {
                    code: RejectionCode::Invalid,
                    field,
                    message,
                }],
            },
            Submitted::Readable(input) => match check(&input, pos_type) {
                Ok(checked) => {
                    let fingerprint = checked
                        .fingerprint()
                        .map_err(|e| DomainError::internal("a transaction's fingerprint", e))?;
                    Entry::Valid {
                        checked: Box::new(checked),
                        fingerprint,
                    }
                }
                Err(reasons) => Entry::Rejected {
                    id: Some(input.id),
                    reasons,
                },
            },
        });
    }

    let valid: Vec<&Checked> = entries
        .iter()
        .filter_map(|entry| match entry {
            Entry::Valid { checked, .. } => Some(checked.as_ref()),
            Entry::Rejected { .. } => None,
        })
        .collect();
    // Master data is read before the lock, to hold it no longer than the decisions need (a
    // catalogue edit racing a sale is ordered after it either way); what the hub holds of this
    // terminal's transactions is read under it.
    let mut book = Book::default();
    book.load_catalogue(db, branch_id, &valid).await?;
    let txn = ledger::begin_stock_write(db, &[branch_id]).await?;
    book.load_held(&txn, terminal_id, branch_id, &valid).await?;
    let mut plan = Plan::default();
    let now = Utc::now();
    let results = entries
        .into_iter()
        .enumerate()
        .map(|(index, entry)| match entry {
            Entry::Rejected { id, reasons } => rejected(index, id, reasons),
            Entry::Valid {
                checked,
                fingerprint,
            } => book.decide(index, *checked, fingerprint, &mut plan),
        })
        .collect();
    plan.write(&txn, terminal_id, branch_id, now).await?;
    txn.commit().await?;
    Ok(results)
}

enum Entry {
    Valid {
        checked: Box<Checked>,
        fingerprint: String,
    },
    Rejected {
        id: Option<Uuid>,
        reasons: Vec<Rejection>,
    },
}

fn result(index: usize, id: Uuid, outcome: Outcome, hub_id: Uuid) -> TransactionResult {
    TransactionResult {
        index,
        id: Some(id),
        result: outcome,
        transaction_id: Some(hub_id),
        reasons: Vec::new(),
        retryable: false,
        detail: None,
    }
}

fn rejected(index: usize, id: Option<Uuid>, reasons: Vec<Rejection>) -> TransactionResult {
    TransactionResult {
        index,
        id,
        result: Outcome::Rejected,
        transaction_id: None,
        retryable: reasons
            .iter()
            .all(|r| r.code == RejectionCode::VoidTargetUnknown),
        reasons,
        detail: None,
    }
}

/// A transaction the hub holds, as far as deciding about a resend or a void needs.
#[derive(Clone, Debug)]
struct Held {
    hub_id: Uuid,
    kind: Kind,
    status: Status,
    revision: i32,
    fingerprint: String,
    voided: bool,
}

impl Held {
    fn from_stored(row: &sales_transaction::Model) -> Result<Self, DomainError> {
        let corrupt =
            || DomainError::internal("a stored transaction has an unknown kind or status", row.id);
        Ok(Self {
            hub_id: row.id,
            kind: Kind::from_stored(&row.kind).ok_or_else(corrupt)?,
            status: Status::from_stored(&row.status).ok_or_else(corrupt)?,
            revision: row.revision,
            fingerprint: row.content_hash.clone(),
            voided: row.voided_by_transaction_id.is_some(),
        })
    }
}

/// One change of stock a transaction made, by line.
#[derive(Clone, Copy, Debug)]
struct Effect {
    item_id: Uuid,
    delta: i64,
    line_no: i32,
}

/// What the hub holds that the batch refers to, kept up to date as the batch is decided.
#[derive(Default)]
struct Book {
    /// This terminal's transactions, by its ids.
    own: HashMap<Uuid, Held>,
    /// Void targets sent by other terminals of the branch, by their terminal ids.
    branch_others: HashMap<Uuid, Held>,
    /// Void targets held only at other branches.
    elsewhere: HashSet<Uuid>,
    /// What each void target (and each transaction accepted in this batch) did to stock.
    effects: HashMap<Uuid, Vec<Effect>>,
    /// Items by id: whether each tracks stock.
    items: HashMap<Uuid, bool>,
    hidden_items: HashSet<Uuid>,
    staff_users: HashSet<Uuid>,
    customers: HashSet<Uuid>,
    payment_methods: HashSet<Uuid>,
}

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

impl Book {
    /// Reads this terminal's transactions of the batch, and the transactions its voids name
    /// with what they did to stock.
    async fn load_held<C: ConnectionTrait>(
        &mut self,
        txn: &C,
        terminal_id: Uuid,
        branch_id: Uuid,
        batch: &[&Checked],
    ) -> Result<(), DomainError> {
        let ids: Vec<Uuid> = batch.iter().map(|t| t.id).collect();
        for row in super::queries::held_transactions(txn, terminal_id, &ids).await? {
            self.own
                .insert(row.terminal_transaction_id, Held::from_stored(&row)?);
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
                let held = Held::from_stored(&row)?;
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

    /// Reads the items, staff users, customers and payment methods the batch names.
    async fn load_catalogue<C: ConnectionTrait>(
        &mut self,
        db: &C,
        branch_id: Uuid,
        batch: &[&Checked],
    ) -> Result<(), DomainError> {
        let item_ids: HashSet<Uuid> = batch
            .iter()
            .flat_map(|t| t.lines.iter().map(|l| l.item_id))
            .collect();
        let item_list: Vec<Uuid> = item_ids.iter().copied().collect();
        for chunk in item_list.chunks(ledger::ROWS_PER_INSERT) {
            // Each item with whether it tracks stock and whether this branch hides it.
            let mut select = item::Entity::find()
                .select_only()
                .columns([item::Column::Id, item::Column::TrackStock])
                .column(branch_item::Column::Hidden)
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
            let rows: Vec<(Uuid, bool, Option<bool>)> = select.into_tuple().all(db).await?;
            for (item_id, track_stock, hidden) in rows {
                self.items.insert(item_id, track_stock);
                if hidden == Some(true) {
                    self.hidden_items.insert(item_id);
                }
            }
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

    /// Decides one transaction of the batch, after every one before it.
    fn decide(
        &mut self,
        index: usize,
        checked: Checked,
        fingerprint: String,
        plan: &mut Plan,
    ) -> TransactionResult {
        let id = checked.id;
        let mut existing = None;
        if let Some(held) = self.own.get(&id) {
            let answer = |outcome, detail: String| TransactionResult {
                detail: Some(detail),
                ..result(index, id, outcome, held.hub_id)
            };
            if held.fingerprint == fingerprint {
                return result(index, id, Outcome::Duplicate, held.hub_id);
            }
            if held.kind != Kind::WorkOrder || checked.kind != Kind::WorkOrder {
                return answer(
                    Outcome::Conflict,
                    "the hub holds a different transaction under this id".into(),
                );
            }
            if checked.revision < held.revision {
                return answer(
                    Outcome::Duplicate,
                    format!("superseded: the hub holds revision {}", held.revision),
                );
            }
            if checked.revision == held.revision {
                return answer(
                    Outcome::Conflict,
                    format!(
                        "revision {} was sent before with other content; raise the revision",
                        held.revision
                    ),
                );
            }
            if held.status == Status::Settled {
                return answer(
                    Outcome::Conflict,
                    "the work order is settled and cannot change".into(),
                );
            }
            existing = Some(held.hub_id);
        }
        let void_target = match self.check_references(&checked) {
            Ok(target) => target,
            Err(reasons) => return rejected(index, Some(id), reasons),
        };

        let hub_id = existing.unwrap_or_else(Uuid::now_v7);
        let effects = self.effects_of(&checked, void_target.as_ref());
        let mut voids_hub_id = None;
        if let Some(target) = &void_target
            && let Some(held) = self.target_mut(target)
        {
            held.voided = true;
            voids_hub_id = Some(held.hub_id);
            plan.voided.push((held.hub_id, hub_id));
        }
        for effect in &effects {
            plan.movements
                .push((hub_id, *effect, reason_of(checked.kind)));
        }
        self.effects.insert(hub_id, effects);
        self.own.insert(
            id,
            Held {
                hub_id,
                kind: checked.kind,
                status: checked.status,
                revision: checked.revision,
                fingerprint: fingerprint.clone(),
                voided: false,
            },
        );
        plan.record(Record {
            hub_id,
            checked,
            fingerprint,
            is_new: existing.is_none(),
            voids_hub_id,
        });
        result(index, id, Outcome::Accepted, hub_id)
    }

    fn target(&self, voids: &Uuid) -> Option<&Held> {
        self.own
            .get(voids)
            .or_else(|| self.branch_others.get(voids))
    }

    fn target_mut(&mut self, voids: &Uuid) -> Option<&mut Held> {
        match self.own.get_mut(voids) {
            Some(held) => Some(held),
            None => self.branch_others.get_mut(voids),
        }
    }

    /// Checks what the transaction refers to; returns a void's target.
    fn check_references(&self, checked: &Checked) -> Result<Option<Uuid>, Vec<Rejection>> {
        let mut reasons = Vec::new();
        for (n, line) in checked.lines.iter().enumerate() {
            let field = format!("lines[{n}].item_id");
            if !self.items.contains_key(&line.item_id) {
                reasons.push(Rejection::new(
                    RejectionCode::UnknownItem,
                    field,
                    format!("no item {}", line.item_id),
                ));
            } else if self.hidden_items.contains(&line.item_id) {
                reasons.push(Rejection::new(
                    RejectionCode::ItemNotSoldHere,
                    field,
                    "the item is hidden at this branch",
                ));
            }
        }
        if !self.staff_users.contains(&checked.staff_user_id) {
            reasons.push(Rejection::new(
                RejectionCode::UnknownStaffUser,
                "staff_user_id",
                "no such staff user",
            ));
        }
        if let Some(customer_id) = checked.customer_id
            && !self.customers.contains(&customer_id)
        {
            reasons.push(Rejection::new(
                RejectionCode::UnknownCustomer,
                "customer_id",
                "no such customer",
            ));
        }
        for (n, payment) in checked.payments.iter().enumerate() {
            if !self.payment_methods.contains(&payment.payment_method_id) {
                reasons.push(Rejection::new(
                    RejectionCode::UnknownPaymentMethod,
                    format!("payments[{n}].payment_method_id"),
                    "no such payment method",
                ));
            }
        }
        if let Some(voids) = checked.voids {
            let refusal = match self.target(&voids) {
                None if self.elsewhere.contains(&voids) => Some((
                    RejectionCode::VoidTargetOtherBranch,
                    "the transaction belongs to another branch",
                )),
                None => Some((
                    RejectionCode::VoidTargetUnknown,
                    "the hub holds no such transaction of this branch (yet)",
                )),
                Some(held) if held.kind == Kind::Void || held.status == Status::Open => Some((
                    RejectionCode::NotVoidable,
                    "only settled sales, returns and work orders can be voided",
                )),
                Some(held) if held.voided => Some((
                    RejectionCode::AlreadyVoided,
                    "the transaction is voided already",
                )),
                Some(_) => None,
            };
            if let Some((code, message)) = refusal {
                reasons.push(Rejection::new(code, "voids", message));
            }
        }
        if reasons.is_empty() {
            Ok(checked.voids)
        } else {
            Err(reasons)
        }
    }

    /// What accepting the transaction does to stock: a settled sale takes its tracked items
    /// out, a return puts them back, a void reverses exactly what its target did.
    fn effects_of(&self, checked: &Checked, void_target: Option<&Uuid>) -> Vec<Effect> {
        if checked.status == Status::Open {
            return Vec::new();
        }
        let sign = match checked.kind {
            Kind::Sale | Kind::WorkOrder => -1,
            Kind::Return => 1,
            Kind::Void => {
                let target = void_target
                    .and_then(|voids| self.target(voids))
                    .and_then(|held| self.effects.get(&held.hub_id));
                return target
                    .map(|effects| {
                        effects
                            .iter()
                            .map(|e| Effect {
                                delta: -e.delta,
                                ..*e
                            })
                            .collect()
                    })
                    .unwrap_or_default();
            }
        };
        (1..)
            .zip(&checked.lines)
            .filter(|(_, line)| self.items.get(&line.item_id) == Some(&true))
            .map(|(line_no, line)| Effect {
                item_id: line.item_id,
                delta: sign * line.quantity,
                line_no,
            })
            .collect()
    }
}

fn reason_of(kind: Kind) -> Reason {
    match kind {
        Kind::Sale | Kind::WorkOrder => Reason::Sale,
        Kind::Return => Reason::Return,
        Kind::Void => Reason::Void,
    }
}

/// A transaction to write.
struct Record {
    hub_id: Uuid,
    checked: Checked,
    fingerprint: String,
    /// Not held before this batch.
    is_new: bool,
    /// For a void: the hub's id of the transaction it cancels.
    voids_hub_id: Option<Uuid>,
}

/// Everything a batch writes, in bulk.
#[derive(Default)]
struct Plan {
    records: Vec<Record>,
    /// (voided transaction, the void).
    voided: Vec<(Uuid, Uuid)>,
    movements: Vec<(Uuid, Effect, Reason)>,
}

impl Plan {
    /// Adds a transaction, or replaces its earlier revision in this batch.
    fn record(&mut self, record: Record) {
        match self.records.iter_mut().find(|r| r.hub_id == record.hub_id) {
            Some(earlier) => {
                earlier.checked = record.checked;
                earlier.fingerprint = record.fingerprint;
            }
            None => self.records.push(record),
        }
    }

    async fn write<C: ConnectionTrait>(
        self,
        txn: &C,
        terminal_id: Uuid,
        branch_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        let (new, revised): (Vec<&Record>, Vec<&Record>) =
            self.records.iter().partition(|r| r.is_new);
        if !revised.is_empty() {
            let ids: Vec<Uuid> = revised.iter().map(|r| r.hub_id).collect();
            sales_line::Entity::delete_many()
                .filter(sales_line::Column::SalesTransactionId.is_in(ids.clone()))
                .exec(txn)
                .await?;
            sales_payment::Entity::delete_many()
                .filter(sales_payment::Column::SalesTransactionId.is_in(ids))
                .exec(txn)
                .await?;
            for record in &revised {
                let mut header = header(record, terminal_id, branch_id, now);
                header.received_at = NotSet;
                header.update(txn).await?;
            }
        }
        ledger::insert_chunked(
            txn,
            new.iter()
                .map(|r| header(r, terminal_id, branch_id, now))
                .collect(),
        )
        .await?;
        let mut lines = Vec::new();
        let mut payments = Vec::new();
        for record in &self.records {
            for (line_no, line) in (1..).zip(&record.checked.lines) {
                lines.push(sales_line::ActiveModel {
                    sales_transaction_id: Set(record.hub_id),
                    line_no: Set(line_no),
                    item_id: Set(line.item_id),
                    quantity: Set(line.quantity),
                    unit_price: Set(line.unit_price),
                    discount: Set(line.discount),
                    tax: Set(line.tax),
                    line_total: Set(line.line_total),
                });
            }
            for (line_no, payment) in (1..).zip(&record.checked.payments) {
                payments.push(sales_payment::ActiveModel {
                    sales_transaction_id: Set(record.hub_id),
                    line_no: Set(line_no),
                    payment_method_id: Set(payment.payment_method_id),
                    amount: Set(payment.amount),
                    reference: Set(payment.reference.clone()),
                });
            }
        }
        ledger::insert_chunked(txn, lines).await?;
        ledger::insert_chunked(txn, payments).await?;
        for (voided, void) in &self.voided {
            sales_transaction::Entity::update_many()
                .col_expr(
                    sales_transaction::Column::VoidedByTransactionId,
                    Expr::value(*void),
                )
                .col_expr(sales_transaction::Column::UpdatedAt, Expr::value(now))
                .filter(sales_transaction::Column::Id.eq(*voided))
                .exec(txn)
                .await?;
        }

        let actor = format!("terminal:{terminal_id}");
        let sources: HashMap<Uuid, Source> = self
            .movements
            .iter()
            .map(|(hub_id, _, _)| {
                let source = Source {
                    document_type: DOCUMENT,
                    document_id: *hub_id,
                    actor: actor.clone(),
                };
                (*hub_id, source)
            })
            .collect();
        let movements: Vec<Movement> = self
            .movements
            .iter()
            .filter_map(|(hub_id, effect, reason)| {
                Some(Movement {
                    branch_id,
                    item_id: effect.item_id,
                    delta: effect.delta,
                    reason: *reason,
                    source: sources.get(hub_id)?,
                    line_no: effect.line_no,
                })
            })
            .collect();
        ledger::move_stock_many(txn, &movements).await?;
        Ok(())
    }
}

/// The stored header of a transaction.
fn header(
    record: &Record,
    terminal_id: Uuid,
    branch_id: Uuid,
    now: DateTime<Utc>,
) -> sales_transaction::ActiveModel {
    let t = &record.checked;
    sales_transaction::ActiveModel {
        id: Set(record.hub_id),
        branch_id: Set(branch_id),
        terminal_id: Set(terminal_id),
        terminal_transaction_id: Set(t.id),
        receipt_number: Set(t.receipt_number.clone()),
        kind: Set(t.kind.as_str().into()),
        status: Set(t.status.as_str().into()),
        revision: Set(t.revision),
        voids_transaction_id: Set(record.voids_hub_id),
        voided_by_transaction_id: NotSet,
        occurred_at: Set(t.occurred_at),
        utc_offset_minutes: Set(t.utc_offset_minutes),
        business_date: Set(t.business_date),
        staff_user_id: Set(t.staff_user_id),
        customer_id: Set(t.customer_id),
        order_type: Set(t.order_type.map(|o| o.as_str().into())),
        table_label: Set(t.table.clone()),
        covers: Set(t.covers),
        tax_inclusive: Set(t.tax_inclusive),
        subtotal: Set(t.totals.subtotal),
        discount_total: Set(t.totals.discount),
        tax_total: Set(t.totals.tax),
        total: Set(t.totals.total),
        content_hash: Set(record.fingerprint.clone()),
        received_at: Set(now),
        updated_at: Set(now),
        settled_at: Set((t.status == Status::Settled).then_some(now)),
    }
}
