//! What a decided batch will write: its transactions, the voids it marks and its movements.

use entity::Fixed4;
use uuid::Uuid;

use super::decide::Effect;
use crate::{inventory::ledger::Reason, sales::checks::Checked};

/// A transaction to write.
pub(super) struct Record {
    pub(super) hub_id: Uuid,
    pub(super) checked: Checked,
    /// By line, each option's part of the line's revenue.
    pub(super) revenues: Vec<Vec<Fixed4>>,
    pub(super) fingerprint: String,
    /// Not held before this batch.
    pub(super) is_new: bool,
    /// For a void: the hub's id of the transaction it cancels.
    pub(super) voids_hub_id: Option<Uuid>,
}

/// Everything a batch writes, in bulk.
#[derive(Default)]
pub(super) struct Plan {
    pub(super) records: Vec<Record>,
    /// (voided transaction, the void).
    pub(super) voided: Vec<(Uuid, Uuid)>,
    pub(super) movements: Vec<(Uuid, Effect, Reason)>,
}

impl Plan {
    /// Adds a transaction, or replaces its earlier revision in this batch.
    pub(super) fn record(&mut self, record: Record) {
        match self.records.iter_mut().find(|r| r.hub_id == record.hub_id) {
            Some(earlier) => {
                earlier.checked = record.checked;
                earlier.revenues = record.revenues;
                earlier.fingerprint = record.fingerprint;
            }
            None => self.records.push(record),
        }
    }
}
