//! Each branch's tamper-evident sales journal (seed 003 hashes every transaction; Odoo's French
//! certification chains them). Every settled transaction accepted at a branch is appended in
//! commit order (ingest holds the branch's lock) with `hash = SHA-256(prev_hash ‖ record)`, where
//! `record` is the transaction's canonical form below and `prev_hash` the hash of the entry
//! before (64 zeros for the first). Verification recomputes the chain and each record from the
//! transaction as stored now, so a changed amount, a deleted sale or a removed entry is named.
//!
//! The canonical form (README, "The sales journal"): a JSON object with its keys in byte order,
//! no whitespace, every value a string (ids in lower-case hyphenated form, decimals in their
//! shortest form, the instant as RFC 3339 UTC with microseconds, absent values as ""), and the
//! lines and payments as arrays of such objects in their order.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, SecondsFormat, SubsecRound, Utc};
use entity::{
    Fixed4, journal_entry, sales_line, sales_line_option, sales_payment, sales_transaction,
    sales_transaction::{Kind, Status},
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    decimal::from_fixed4,
    error::DomainError,
    inventory::ledger,
    pagination::{Page, PageRequest, fetch_page},
    registry,
    scope::BranchScope,
};

/// The `prev_hash` of a branch's first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Entries checked per round trip by [`verify`].
const VERIFY_CHUNK: u64 = 500;

/// The instant as the journal and the sales table keep it: whole microseconds, which every
/// database stores exactly.
pub fn stored_instant(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

/// What the journal vouches for of one transaction: what it sold, for how much, when, where and
/// by whom (not its customer, which a merge may legitimately change).
pub struct Vouched<'a> {
    pub transaction_id: Uuid,
    pub branch_id: Uuid,
    pub terminal_id: Uuid,
    pub terminal_transaction_id: Uuid,
    pub receipt_number: &'a str,
    pub kind: Kind,
    pub status: Status,
    pub revision: i32,
    pub voids_transaction_id: Option<Uuid>,
    pub occurred_at: DateTime<Utc>,
    pub business_date: NaiveDate,
    pub staff_user_id: Uuid,
    pub subtotal: Fixed4,
    pub discount: Fixed4,
    pub tax: Fixed4,
    pub total: Fixed4,
    pub lines: Vec<VouchedLine>,
    /// (payment method, amount, reference), in line order.
    pub payments: Vec<(Uuid, Fixed4, Option<&'a str>)>,
}

/// A line the journal vouches for.
pub struct VouchedLine {
    pub item_id: Uuid,
    pub quantity: Fixed4,
    pub unit_price: Fixed4,
    pub discount: Fixed4,
    pub tax: Fixed4,
    pub line_total: Fixed4,
    /// (group, option item, quantity, price delta), in option order.
    pub options: Vec<(Uuid, Uuid, i32, Fixed4)>,
}

fn decimal(value: Fixed4) -> String {
    from_fixed4(value).normalize().to_string()
}

fn word(value: impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(word)) => word,
        _ => String::new(),
    }
}

impl Vouched<'_> {
    /// The canonical form of this transaction as the journal's entry `seq`.
    pub fn record(&self, seq: i64) -> String {
        let text = |v: &str| Value::String(v.to_string());
        let id = |v: Uuid| Value::String(v.to_string());
        let optional_id =
            |v: Option<Uuid>| Value::String(v.map(|v| v.to_string()).unwrap_or_default());
        let lines: Vec<Value> = (1..)
            .zip(&self.lines)
            .map(|(line_no, line)| {
                let mut vouched = object([
                    ("discount", text(&decimal(line.discount))),
                    ("item_id", id(line.item_id)),
                    ("line_no", text(&i32::to_string(&line_no))),
                    ("line_total", text(&decimal(line.line_total))),
                    ("quantity", text(&decimal(line.quantity))),
                    ("tax", text(&decimal(line.tax))),
                    ("unit_price", text(&decimal(line.unit_price))),
                ]);
                // Only lines with options carry the key, so records made before options existed
                // stay as they were.
                if !line.options.is_empty()
                    && let Value::Object(fields) = &mut vouched
                {
                    let options = line.options.iter().map(|(group, item, quantity, delta)| {
                        object([
                            ("group_id", id(*group)),
                            ("item_id", id(*item)),
                            ("price_delta", text(&decimal(*delta))),
                            ("quantity", text(&quantity.to_string())),
                        ])
                    });
                    fields.insert("options".into(), Value::Array(options.collect()));
                }
                vouched
            })
            .collect();
        let payments: Vec<Value> = (1..)
            .zip(&self.payments)
            .map(|(line_no, (method, amount, reference))| {
                object([
                    ("amount", text(&decimal(*amount))),
                    ("line_no", text(&i32::to_string(&line_no))),
                    ("payment_method_id", id(*method)),
                    ("reference", text(reference.unwrap_or_default())),
                ])
            })
            .collect();
        let record = object([
            ("branch_id", id(self.branch_id)),
            ("business_date", text(&self.business_date.to_string())),
            ("discount", text(&decimal(self.discount))),
            ("kind", text(&word(self.kind))),
            ("lines", Value::Array(lines)),
            (
                "occurred_at",
                text(
                    &stored_instant(self.occurred_at).to_rfc3339_opts(SecondsFormat::Micros, true),
                ),
            ),
            ("payments", Value::Array(payments)),
            ("receipt_number", text(self.receipt_number)),
            ("revision", text(&self.revision.to_string())),
            ("seq", text(&seq.to_string())),
            ("staff_user_id", id(self.staff_user_id)),
            ("status", text(&word(self.status))),
            ("subtotal", text(&decimal(self.subtotal))),
            ("tax", text(&decimal(self.tax))),
            ("terminal_id", id(self.terminal_id)),
            ("terminal_transaction_id", id(self.terminal_transaction_id)),
            ("total", text(&decimal(self.total))),
            ("transaction_id", id(self.transaction_id)),
            (
                "voids_transaction_id",
                optional_id(self.voids_transaction_id),
            ),
        ]);
        record.to_string()
    }
}

/// A JSON object whose keys serialise in byte order whatever serde_json's map keeps.
fn object<const N: usize>(fields: [(&str, Value); N]) -> Value {
    let sorted: BTreeMap<&str, Value> = fields.into_iter().collect();
    Value::Object(
        sorted
            .into_iter()
            .map(|(key, value)| (key.to_string(), value))
            .collect(),
    )
}

/// `SHA-256(prev_hash ‖ record)` in lower-case hex, over the UTF-8 bytes of both.
pub fn chain_hash(prev_hash: &str, record: &str) -> String {
    let mut digest = Sha256::new();
    digest.update(prev_hash.as_bytes());
    digest.update(record.as_bytes());
    hex::encode(digest.finalize())
}

/// The branch's last entry: its number and hash (0 and [`GENESIS`] before the first). Read under
/// the branch's stock lock, which every append holds.
pub async fn last_entry<C: ConnectionTrait>(
    txn: &C,
    branch_id: Uuid,
) -> Result<(i64, String), DomainError> {
    Ok(journal_entry::Entity::find()
        .filter(journal_entry::Column::BranchId.eq(branch_id))
        .order_by_desc(journal_entry::Column::Seq)
        .one(txn)
        .await?
        .map_or((0, GENESIS.to_string()), |entry| (entry.seq, entry.hash)))
}

/// Appends entries that [`last_entry`] and [`Vouched::record`] made, in one statement a thousand.
pub async fn append<C: ConnectionTrait>(
    txn: &C,
    entries: Vec<journal_entry::ActiveModel>,
) -> Result<(), DomainError> {
    ledger::insert_chunked(txn, entries).await
}

/// One entry as auditors export it.
#[derive(Debug, Serialize, ToSchema)]
pub struct JournalEntry {
    pub seq: i64,
    pub transaction_id: Uuid,
    /// The transaction's canonical form, hashed as it is.
    pub record: String,
    pub prev_hash: String,
    pub hash: String,
    pub recorded_at: DateTime<Utc>,
}

impl From<journal_entry::Model> for JournalEntry {
    fn from(e: journal_entry::Model) -> Self {
        Self {
            seq: e.seq,
            transaction_id: e.transaction_id,
            record: e.record,
            prev_hash: e.prev_hash,
            hash: e.hash,
            recorded_at: e.recorded_at,
        }
    }
}

/// A branch's journal, oldest first.
pub async fn list_entries(
    db: &DatabaseConnection,
    scope: &BranchScope,
    branch_id: Uuid,
    page: PageRequest,
) -> Result<Page<JournalEntry>, DomainError> {
    let branch_id = existing_branch(db, scope, branch_id).await?;
    let select = journal_entry::Entity::find()
        .filter(journal_entry::Column::BranchId.eq(branch_id))
        .order_by_asc(journal_entry::Column::Seq);
    Ok(fetch_page(db, select, page).await?.map(JournalEntry::from))
}

async fn existing_branch(
    db: &DatabaseConnection,
    scope: &BranchScope,
    branch_id: Uuid,
) -> Result<Uuid, DomainError> {
    let branch_id = scope.branch(branch_id)?;
    Ok(registry::get_branch(db, branch_id).await?.id)
}

/// Where a chain stops being what was recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct Break {
    /// The entry (or the missing entry's number).
    pub seq: i64,
    pub transaction_id: Option<Uuid>,
    pub problem: String,
}

/// What a verification found.
#[derive(Debug, Serialize, ToSchema)]
pub struct Verification {
    pub branch_id: Uuid,
    pub from_seq: i64,
    pub entries_checked: u64,
    pub intact: bool,
    /// The first entry that does not match; none when the chain is intact.
    pub first_break: Option<Break>,
    /// The hash of the last entry checked: an auditor who kept it can tell the chain was not
    /// cut after it.
    pub last_hash: String,
}

/// Recomputes the branch's chain from entry `from_seq` (1 when none) to `to_seq` (the last when
/// none), and each entry's record from the transaction as stored now.
#[tracing::instrument(skip_all, fields(branch_id = %branch_id), err(level = "info"))]
pub async fn verify(
    db: &DatabaseConnection,
    scope: &BranchScope,
    branch_id: Uuid,
    from_seq: Option<i64>,
    to_seq: Option<i64>,
) -> Result<Verification, DomainError> {
    for (field, seq) in [("from_seq", from_seq), ("to_seq", to_seq)] {
        if seq.is_some_and(|seq| seq < 1) {
            return Err(DomainError::invalid(field, "must be 1 or more"));
        }
    }
    if let (Some(from), Some(to)) = (from_seq, to_seq)
        && to < from
    {
        return Err(DomainError::invalid(
            "to_seq",
            "must not be before from_seq",
        ));
    }
    let branch_id = existing_branch(db, scope, branch_id).await?;
    let from = from_seq.unwrap_or(1);
    let mut verification = Verification {
        branch_id,
        from_seq: from,
        entries_checked: 0,
        intact: true,
        first_break: None,
        last_hash: GENESIS.to_string(),
    };
    let mut expected_prev = if from == 1 {
        Some(GENESIS.to_string())
    } else {
        journal_entry::Entity::find_by_id((branch_id, from - 1))
            .one(db)
            .await?
            .map(|entry| entry.hash)
    };
    let mut expected_seq = from;
    loop {
        let mut select = journal_entry::Entity::find()
            .filter(journal_entry::Column::BranchId.eq(branch_id))
            .filter(journal_entry::Column::Seq.gte(expected_seq))
            .order_by_asc(journal_entry::Column::Seq)
            .limit(VERIFY_CHUNK);
        if let Some(to) = to_seq {
            select = select.filter(journal_entry::Column::Seq.lte(to));
        }
        let entries = select.all(db).await?;
        if entries.is_empty() {
            break;
        }
        let stored = stored_transactions(db, &entries).await?;
        for entry in &entries {
            if let Some(problem) = check(entry, expected_seq, expected_prev.as_deref(), &stored) {
                verification.intact = false;
                verification.first_break = Some(problem);
                return Ok(verification);
            }
            verification.entries_checked += 1;
            verification.last_hash = entry.hash.clone();
            expected_prev = Some(entry.hash.clone());
            expected_seq = entry.seq + 1;
        }
    }
    if from_seq.is_none() && to_seq.is_none() {
        // A transaction that holds a journal hash has an entry: deleting the last entries is a
        // break too.
        let journaled = sales_transaction::Entity::find()
            .filter(sales_transaction::Column::BranchId.eq(branch_id))
            .filter(sales_transaction::Column::JournalHash.is_not_null())
            .count(db)
            .await?;
        if journaled > verification.entries_checked {
            verification.intact = false;
            verification.first_break = Some(Break {
                seq: expected_seq,
                transaction_id: None,
                problem: format!(
                    "{} transactions hold a journal hash that no entry from here on records",
                    journaled - verification.entries_checked
                ),
            });
        }
    }
    Ok(verification)
}

/// A transaction as stored, with its lines, their options and its payments in order.
type Stored = (
    sales_transaction::Model,
    Vec<sales_line::Model>,
    Vec<sales_line_option::Model>,
    Vec<sales_payment::Model>,
);

async fn stored_transactions(
    db: &DatabaseConnection,
    entries: &[journal_entry::Model],
) -> Result<HashMap<Uuid, Stored>, DomainError> {
    let ids: Vec<Uuid> = entries.iter().map(|e| e.transaction_id).collect();
    let mut stored: HashMap<Uuid, Stored> = sales_transaction::Entity::find()
        .filter(sales_transaction::Column::Id.is_in(ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, (t, Vec::new(), Vec::new(), Vec::new())))
        .collect();
    for line in sales_line::Entity::find()
        .filter(sales_line::Column::SalesTransactionId.is_in(ids.clone()))
        .order_by_asc(sales_line::Column::LineNo)
        .all(db)
        .await?
    {
        if let Some((_, lines, _, _)) = stored.get_mut(&line.sales_transaction_id) {
            lines.push(line);
        }
    }
    for option in sales_line_option::Entity::find()
        .filter(sales_line_option::Column::SalesTransactionId.is_in(ids.clone()))
        .order_by_asc(sales_line_option::Column::LineNo)
        .order_by_asc(sales_line_option::Column::OptionNo)
        .all(db)
        .await?
    {
        if let Some((_, _, options, _)) = stored.get_mut(&option.sales_transaction_id) {
            options.push(option);
        }
    }
    for payment in sales_payment::Entity::find()
        .filter(sales_payment::Column::SalesTransactionId.is_in(ids))
        .order_by_asc(sales_payment::Column::LineNo)
        .all(db)
        .await?
    {
        if let Some((_, _, _, payments)) = stored.get_mut(&payment.sales_transaction_id) {
            payments.push(payment);
        }
    }
    Ok(stored)
}

/// The first thing wrong with `entry`, if any.
fn check(
    entry: &journal_entry::Model,
    expected_seq: i64,
    expected_prev: Option<&str>,
    stored: &HashMap<Uuid, Stored>,
) -> Option<Break> {
    let broken = |problem: String| {
        Some(Break {
            seq: entry.seq,
            transaction_id: Some(entry.transaction_id),
            problem,
        })
    };
    if entry.seq != expected_seq {
        return Some(Break {
            seq: expected_seq,
            transaction_id: None,
            problem: format!("entries {expected_seq} to {} are missing", entry.seq - 1),
        });
    }
    if expected_prev.is_some_and(|prev| prev != entry.prev_hash) {
        return broken("prev_hash is not the previous entry's hash".into());
    }
    if chain_hash(&entry.prev_hash, &entry.record) != entry.hash {
        return broken("the hash is not SHA-256(prev_hash ‖ record)".into());
    }
    let Some((transaction, lines, options, payments)) = stored.get(&entry.transaction_id) else {
        return broken("the transaction is missing".into());
    };
    if vouched(transaction, lines, options, payments).record(entry.seq) != entry.record {
        return broken("the transaction differs from its journal record".into());
    }
    if transaction.journal_hash.as_deref() != Some(entry.hash.as_str()) {
        return broken("the transaction holds another journal hash".into());
    }
    None
}

/// What the journal vouches for of a stored transaction.
fn vouched<'a>(
    t: &'a sales_transaction::Model,
    lines: &'a [sales_line::Model],
    options: &'a [sales_line_option::Model],
    payments: &'a [sales_payment::Model],
) -> Vouched<'a> {
    Vouched {
        transaction_id: t.id,
        branch_id: t.branch_id,
        terminal_id: t.terminal_id,
        terminal_transaction_id: t.terminal_transaction_id,
        receipt_number: &t.receipt_number,
        kind: t.kind,
        status: t.status,
        revision: t.revision,
        voids_transaction_id: t.voids_transaction_id,
        occurred_at: t.occurred_at,
        business_date: t.business_date,
        staff_user_id: t.staff_user_id,
        subtotal: t.subtotal,
        discount: t.discount_total,
        tax: t.tax_total,
        total: t.total,
        lines: lines
            .iter()
            .map(|l| VouchedLine {
                item_id: l.item_id,
                quantity: l.quantity,
                unit_price: l.unit_price,
                discount: l.discount,
                tax: l.tax,
                line_total: l.line_total,
                options: options
                    .iter()
                    .filter(|o| o.line_no == l.line_no)
                    .map(|o| (o.item_group_id, o.item_id, o.quantity, o.price_delta))
                    .collect(),
            })
            .collect(),
        payments: payments
            .iter()
            .map(|p| (p.payment_method_id, p.amount, p.reference.as_deref()))
            .collect(),
    }
}
