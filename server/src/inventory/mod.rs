//! Stock: the quantity of every item at every branch, changed only through the ledger, by
//! documents (adjustments and counts, transfer tickets) in one transaction each.

pub mod adjustments;
pub mod ledger;
pub mod queries;
pub mod transfers;

use rust_decimal::Decimal;
use uuid::Uuid;

use crate::{
    decimal::to_fixed4,
    error::{DomainError, FieldErrors},
};

/// Largest number of lines in one document.
pub const MAX_LINES: usize = 500;

/// One requested line of a document, before checks.
#[derive(Clone, Debug)]
pub struct LineInput {
    pub item_id: Uuid,
    pub quantity: Decimal,
}

/// Checks a document's lines: 1 to [`MAX_LINES`], each item once, quantities positive.
fn checked_lines(lines: &[LineInput], errors: &mut FieldErrors) -> Option<Vec<(Uuid, i64)>> {
    if lines.is_empty() || lines.len() > MAX_LINES {
        errors.check::<()>("lines", Err(format!("must have 1 to {MAX_LINES} lines")));
        return None;
    }
    let mut seen = std::collections::HashSet::new();
    let mut checked = Vec::with_capacity(lines.len());
    for (n, line) in lines.iter().enumerate() {
        let field = format!("lines[{n}].quantity");
        let quantity = errors.check(&field, positive(line.quantity));
        if !seen.insert(line.item_id) {
            errors.check::<()>(
                &format!("lines[{n}].item_id"),
                Err("the item is on another line too".into()),
            );
        }
        checked.push((line.item_id, quantity?));
    }
    Some(checked)
}

fn positive(value: Decimal) -> Result<i64, String> {
    if value <= Decimal::ZERO {
        return Err("must be more than 0".into());
    }
    to_fixed4(value)
}

/// The error for a document in a state that does not allow the change.
fn wrong_state(document: &str, status: &str, action: &str) -> DomainError {
    DomainError::Conflict(format!("a {status} {document} cannot be {action}"))
}
