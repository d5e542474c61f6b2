//! Writing a batch's plan in bulk: a few multi-row statements whatever the batch holds.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{
    journal_entry, outbound_event::EventType, sales_line, sales_line_option, sales_payment,
    sales_transaction,
};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::Expr,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::plan::{Plan, Record};
use crate::{
    decimal::from_fixed4,
    error::DomainError,
    inventory::ledger::{self, Movement, Source},
    outbound,
    sales::{DOCUMENT, Status, journal},
};

impl Plan {
    /// Writes the batch: the settled transactions' journal entries, headers, lines and payments
    /// in bulk, voids marked, stock moved. Returns each journaled transaction's hash.
    pub(super) async fn write<C: ConnectionTrait>(
        self,
        txn: &C,
        terminal_id: Uuid,
        branch_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<HashMap<Uuid, String>, DomainError> {
        let hashes = journal_settled(txn, &self.records, terminal_id, branch_id, now).await?;
        let (new, revised): (Vec<&Record>, Vec<&Record>) =
            self.records.iter().partition(|r| r.is_new);
        if !revised.is_empty() {
            let ids: Vec<Uuid> = revised.iter().map(|r| r.hub_id).collect();
            sales_line_option::Entity::delete_many()
                .filter(sales_line_option::Column::SalesTransactionId.is_in(ids.clone()))
                .exec(txn)
                .await?;
            sales_line::Entity::delete_many()
                .filter(sales_line::Column::SalesTransactionId.is_in(ids.clone()))
                .exec(txn)
                .await?;
            sales_payment::Entity::delete_many()
                .filter(sales_payment::Column::SalesTransactionId.is_in(ids))
                .exec(txn)
                .await?;
            for record in &revised {
                let mut header = header(record, terminal_id, branch_id, now, &hashes);
                header.received_at = NotSet;
                header.update(txn).await?;
            }
        }
        ledger::insert_chunked(
            txn,
            new.iter()
                .map(|r| header(r, terminal_id, branch_id, now, &hashes))
                .collect(),
        )
        .await?;
        let mut lines = Vec::new();
        let mut options = Vec::new();
        let mut payments = Vec::new();
        for record in &self.records {
            for ((line_no, line), revenues) in
                (1..).zip(&record.checked.lines).zip(&record.revenues)
            {
                for ((option_no, option), revenue) in (1..).zip(&line.options).zip(revenues) {
                    options.push(sales_line_option::ActiveModel {
                        sales_transaction_id: Set(record.hub_id),
                        line_no: Set(line_no),
                        option_no: Set(option_no),
                        item_group_id: Set(option.group_id),
                        item_id: Set(option.item_id),
                        quantity: Set(option.quantity),
                        price_delta: Set(option.price_delta),
                        revenue: Set(*revenue),
                    });
                }
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
        ledger::insert_chunked(txn, options).await?;
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
        let accepted = self
            .records
            .iter()
            .filter(|r| r.checked.status == Status::Settled)
            .map(|r| accepted_event(r, terminal_id, branch_id))
            .collect();
        ledger::move_stock_many(txn, &movements, accepted).await?;
        Ok(hashes)
    }
}

/// Appends the batch's settled transactions to the branch's journal, in the batch's order (the
/// branch's lock makes it the commit order); their hashes by the hub's id.
async fn journal_settled<C: ConnectionTrait>(
    txn: &C,
    records: &[Record],
    terminal_id: Uuid,
    branch_id: Uuid,
    now: DateTime<Utc>,
) -> Result<HashMap<Uuid, String>, DomainError> {
    let settled: Vec<&Record> = records
        .iter()
        .filter(|r| r.checked.status == Status::Settled)
        .collect();
    let mut hashes = HashMap::with_capacity(settled.len());
    if settled.is_empty() {
        return Ok(hashes);
    }
    let (mut seq, mut prev_hash) = journal::last_entry(txn, branch_id).await?;
    let mut entries = Vec::with_capacity(settled.len());
    for record in settled {
        seq += 1;
        let text = vouched(record, terminal_id, branch_id).record(seq);
        let hash = journal::chain_hash(&prev_hash, &text);
        entries.push(journal_entry::ActiveModel {
            branch_id: Set(branch_id),
            seq: Set(seq),
            transaction_id: Set(record.hub_id),
            record: Set(text),
            prev_hash: Set(prev_hash),
            hash: Set(hash.clone()),
            recorded_at: Set(now),
        });
        hashes.insert(record.hub_id, hash.clone());
        prev_hash = hash;
    }
    journal::append(txn, entries).await?;
    Ok(hashes)
}

/// What the journal vouches for of a transaction of the batch.
fn vouched(record: &Record, terminal_id: Uuid, branch_id: Uuid) -> journal::Vouched<'_> {
    let t = &record.checked;
    journal::Vouched {
        transaction_id: record.hub_id,
        branch_id,
        terminal_id,
        terminal_transaction_id: t.id,
        receipt_number: &t.receipt_number,
        kind: t.kind,
        status: t.status,
        revision: t.revision,
        voids_transaction_id: record.voids_hub_id,
        occurred_at: t.occurred_at,
        business_date: t.business_date,
        staff_user_id: t.staff_user_id,
        subtotal: t.totals.subtotal,
        discount: t.totals.discount,
        tax: t.totals.tax,
        total: t.totals.total,
        lines: t
            .lines
            .iter()
            .map(|l| journal::VouchedLine {
                item_id: l.item_id,
                quantity: l.quantity,
                unit_price: l.unit_price,
                discount: l.discount,
                tax: l.tax,
                line_total: l.line_total,
                options: l
                    .options
                    .iter()
                    .map(|o| (o.group_id, o.item_id, o.quantity, o.price_delta))
                    .collect(),
            })
            .collect(),
        payments: t
            .payments
            .iter()
            .map(|p| (p.payment_method_id, p.amount, p.reference.as_deref()))
            .collect(),
    }
}

/// The `transaction.accepted` event of a settled transaction (a sale, return, void or work
/// order), with amounts as decimals.
fn accepted_event(record: &Record, terminal_id: Uuid, branch_id: Uuid) -> outbound::Event {
    let t = &record.checked;
    let lines: Vec<Value> = (1..)
        .zip(&t.lines)
        .map(|(line_no, line)| {
            json!({
                "line_no": line_no,
                "item_id": line.item_id,
                "quantity": from_fixed4(line.quantity),
                "unit_price": from_fixed4(line.unit_price),
                "discount": from_fixed4(line.discount),
                "tax": from_fixed4(line.tax),
                "line_total": from_fixed4(line.line_total),
                "options": line.options.iter().map(|option| json!({
                    "group_id": option.group_id,
                    "item_id": option.item_id,
                    "quantity": option.quantity,
                    "price_delta": from_fixed4(option.price_delta),
                })).collect::<Vec<Value>>(),
            })
        })
        .collect();
    let payments: Vec<Value> = t
        .payments
        .iter()
        .map(|payment| {
            json!({
                "payment_method_id": payment.payment_method_id,
                "amount": from_fixed4(payment.amount),
                "reference": payment.reference,
            })
        })
        .collect();
    outbound::Event::at_branch(
        EventType::TransactionAccepted,
        branch_id,
        json!({
            "id": record.hub_id,
            "terminal_transaction_id": t.id,
            "branch_id": branch_id,
            "terminal_id": terminal_id,
            "receipt_number": t.receipt_number,
            "kind": t.kind,
            "status": t.status,
            "revision": t.revision,
            "voids_transaction_id": record.voids_hub_id,
            "occurred_at": t.occurred_at,
            "utc_offset_minutes": t.utc_offset_minutes,
            "business_date": t.business_date,
            "staff_user_id": t.staff_user_id,
            "customer_id": t.customer_id,
            "tax_inclusive": t.tax_inclusive,
            "subtotal": from_fixed4(t.totals.subtotal),
            "discount": from_fixed4(t.totals.discount),
            "tax": from_fixed4(t.totals.tax),
            "total": from_fixed4(t.totals.total),
            "lines": lines,
            "payments": payments,
        }),
    )
}

/// The stored header of a transaction.
fn header(
    record: &Record,
    terminal_id: Uuid,
    branch_id: Uuid,
    now: DateTime<Utc>,
    journal_hashes: &HashMap<Uuid, String>,
) -> sales_transaction::ActiveModel {
    let t = &record.checked;
    sales_transaction::ActiveModel {
        id: Set(record.hub_id),
        branch_id: Set(branch_id),
        terminal_id: Set(terminal_id),
        terminal_transaction_id: Set(t.id),
        receipt_number: Set(t.receipt_number.clone()),
        kind: Set(t.kind),
        status: Set(t.status),
        revision: Set(t.revision),
        voids_transaction_id: Set(record.voids_hub_id),
        voided_by_transaction_id: NotSet,
        occurred_at: Set(journal::stored_instant(t.occurred_at)),
        utc_offset_minutes: Set(t.utc_offset_minutes),
        business_date: Set(t.business_date),
        staff_user_id: Set(t.staff_user_id),
        customer_id: Set(t.customer_id),
        order_type: Set(t.order_type),
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
        journal_hash: Set(journal_hashes.get(&record.hub_id).cloned()),
    }
}
