//! Sales: settled transactions from terminals, recorded exactly once whatever the terminals
//! resend, each moving its branch's stock through the ledger; and what admins read of them.

mod checks;
pub mod ingest;
pub mod journal;
pub mod queries;
pub mod receipts;
pub mod records;
pub mod shifts;

use crate::decimal::DecimalInput;
use chrono::{DateTime, FixedOffset, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Largest number of transactions in one batch.
pub const MAX_BATCH: usize = 500;
/// Largest number of lines, and of payments, in one transaction.
pub const MAX_LINES: usize = 500;
/// The ledger's document type for movements caused by transactions.
pub const DOCUMENT: &str = "sales_transaction";

/// How a transaction is stored and sent alike.
pub use entity::sales_transaction::{Kind, OrderType, Status};

/// A transaction as a terminal sends it. Amounts are in the branch's currency, exact decimals.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransactionInput {
    /// The terminal's own id for the transaction: sending it again never records it twice.
    pub id: Uuid,
    #[schema(example = "R-000123")]
    pub receipt_number: String,
    pub kind: Kind,
    pub status: Status,
    /// Work orders: the terminal's revision, raised on every change (default 1).
    pub revision: Option<i32>,
    /// Voids: the terminal id of the transaction it cancels (sent by any terminal of the branch).
    pub voids: Option<Uuid>,
    /// When it happened, local time with its offset.
    #[schema(example = "2026-11-23T14:05:00+08:00")]
    pub local_time: DateTime<FixedOffset>,
    /// The branch's business day it belongs to.
    #[schema(value_type = String, example = "2026-11-23")]
    pub business_date: NaiveDate,
    pub staff_user_id: Uuid,
    pub customer_id: Option<Uuid>,
    /// Whether line totals already include the tax (otherwise `total` = `subtotal` + `tax`).
    #[serde(default)]
    pub tax_inclusive: bool,
    /// Restaurants: required on sales.
    pub order_type: Option<OrderType>,
    /// Restaurants: the table.
    pub table: Option<String>,
    /// Restaurants: the number of guests.
    pub covers: Option<i32>,
    /// None for a void.
    #[serde(default)]
    pub lines: Vec<LineInput>,
    #[serde(default)]
    pub payments: Vec<PaymentInput>,
    /// Required except for a void.
    pub totals: Option<TotalsInput>,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineInput {
    pub item_id: Uuid,
    /// Positive, also on returns (the kind says which way stock moves).
    #[schema(value_type = DecimalInput, example = "3")]
    pub quantity: Decimal,
    #[schema(value_type = DecimalInput, example = "0.10")]
    pub unit_price: Decimal,
    #[serde(default)]
    #[schema(value_type = DecimalInput, example = "0")]
    pub discount: Decimal,
    /// The line's tax amount.
    #[serde(default)]
    #[schema(value_type = DecimalInput, example = "0.04")]
    pub tax: Decimal,
    /// quantity × unit_price − discount, exact or rounded to cents (half away from zero).
    #[schema(value_type = DecimalInput, example = "0.30")]
    pub line_total: Decimal,
    /// Restaurants: the options chosen from the groups the item offers. With options, the unit
    /// price must be the item's price at the branch plus each option's delta × its quantity.
    #[serde(default)]
    pub options: Vec<LineOptionInput>,
}

/// An option chosen on a line: a modifier ("oat milk") or a combo's part ("fries").
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineOptionInput {
    /// The item group (offered by the line's item) it was chosen from.
    pub group_id: Uuid,
    /// The option's item.
    pub item_id: Uuid,
    /// How many times it was chosen per unit of the line (default 1).
    pub quantity: Option<i32>,
    /// What the group adds to the price per choice, as the terminal charged it.
    #[schema(value_type = DecimalInput, example = "0.50")]
    pub price_delta: Decimal,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentInput {
    pub payment_method_id: Uuid,
    /// What was paid (refunded, on a return), net of change given.
    #[schema(value_type = DecimalInput, example = "0.34")]
    pub amount: Decimal,
    pub reference: Option<String>,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotalsInput {
    /// The sum of line totals.
    #[schema(value_type = DecimalInput, example = "0.30")]
    pub subtotal: Decimal,
    /// The sum of line discounts.
    #[schema(value_type = DecimalInput, example = "0")]
    pub discount: Decimal,
    /// The sum of line taxes.
    #[schema(value_type = DecimalInput, example = "0.04")]
    pub tax: Decimal,
    /// What the customer pays: `subtotal`, plus `tax` unless tax-inclusive.
    #[schema(value_type = DecimalInput, example = "0.34")]
    pub total: Decimal,
}

/// One entry of a batch: a transaction, or what could not be read as one.
#[derive(Clone, Debug)]
pub enum Submitted {
    Readable(Box<TransactionInput>),
    /// Not a transaction the hub can read; `field` names the part at fault where it is known.
    Unreadable {
        id: Option<Uuid>,
        field: Option<String>,
        message: String,
    },
}

/// What became of one transaction of a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Recorded now (a work order: its new revision).
    Accepted,
    /// Already held, as sent or in a later revision: nothing changed.
    Duplicate,
    /// The hub holds a different transaction under this id: nothing changed.
    Conflict,
    /// Not recorded, for the reasons given.
    Rejected,
}

impl Outcome {
    /// As the answer spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Duplicate => "duplicate",
            Outcome::Conflict => "conflict",
            Outcome::Rejected => "rejected",
        }
    }
}

/// Why a transaction was rejected, for machines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RejectionCode {
    /// A field is missing, malformed or out of range.
    Invalid,
    /// Line totals, subtotal, discount, tax or total do not add up.
    TotalsMismatch,
    /// The payments do not add up to the total.
    PaymentsMismatch,
    /// Only retail work orders may be sent open.
    OpenNotAllowed,
    UnknownItem,
    /// The item is hidden at this branch.
    ItemNotSoldHere,
    UnknownStaffUser,
    UnknownCustomer,
    UnknownPaymentMethod,
    /// The voided transaction has not reached the hub (yet): send the void again later.
    VoidTargetUnknown,
    VoidTargetOtherBranch,
    /// An option is not one of the groups the item offers, or not in its group.
    UnknownOption,
    /// Fewer or more options chosen from a group than it allows.
    ChoicesOutOfRange,
    /// An option's delta, or a line's unit price with options, is not what the catalogue says.
    PriceMismatch,
    /// Only settled sales, returns and work orders can be voided.
    NotVoidable,
    AlreadyVoided,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Rejection {
    pub code: RejectionCode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: String,
}

impl Rejection {
    fn new(code: RejectionCode, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code,
            field: Some(field.into()),
            message: message.into(),
        }
    }
}

/// The answer for one transaction of a batch.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TransactionResult {
    /// Position in the batch.
    pub index: usize,
    /// The terminal's id for it, when it could be read.
    pub id: Option<Uuid>,
    pub result: Outcome,
    /// The hub's id for the transaction it holds under this id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<Rejection>,
    /// Rejected only for now: the same transaction may be accepted when sent again later.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub retryable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Accepted and settled: its hash in the branch's sales journal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journal_hash: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::Outcome;

    #[test]
    fn an_outcome_is_named_as_the_answer_spells_it() {
        for outcome in [
            Outcome::Accepted,
            Outcome::Duplicate,
            Outcome::Conflict,
            Outcome::Rejected,
        ] {
            assert_eq!(
                serde_json::to_value(outcome).ok(),
                Some(outcome.as_str().into())
            );
        }
    }
}
