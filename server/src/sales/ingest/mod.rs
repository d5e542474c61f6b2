//! Ingest: a batch of one terminal's transactions in one database transaction that first takes
//! the branch's stock lock. Concurrent batches of a branch therefore run one after another and
//! each sees what the previous committed: a resend is always recognised, and a batch shares one
//! commit. Every decision is made in memory from a few lookups ([`load`]), one transaction after
//! another ([`decide`]), into a [`plan`] that is then written in bulk ([`write`]); a database
//! failure records nothing, so the terminal's resend does it all again.

mod decide;
mod load;
mod menu;
mod plan;
mod write;

use chrono::Utc;
use entity::branch;
use sea_orm::{DatabaseConnection, EntityTrait};
use uuid::Uuid;

use self::{decide::Book, plan::Plan};
use super::{
    MAX_BATCH, Outcome, Rejection, RejectionCode, Submitted, TransactionResult,
    checks::{Checked, check},
};
use crate::{error::DomainError, inventory::ledger};

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
    let pos_type = branch.pos_type;

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
        .collect::<Vec<TransactionResult>>();
    let hashes = plan.write(&txn, terminal_id, branch_id, now).await?;
    txn.commit().await?;
    let mut results = results;
    for result in &mut results {
        if result.result == Outcome::Accepted {
            result.journal_hash = result
                .transaction_id
                .and_then(|id| hashes.get(&id).cloned());
        }
    }
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
        journal_hash: None,
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
        journal_hash: None,
    }
}
