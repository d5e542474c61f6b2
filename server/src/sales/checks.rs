//! The checks of a transaction that need nothing but the transaction and its branch's type.

use chrono::{DateTime, NaiveDate, Utc};
use entity::Fixed4;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{
    Kind, LineOptionInput, MAX_LINES, OrderType, Rejection, RejectionCode, Status, TotalsInput,
    TransactionInput,
};
use crate::{
    catalog::item_groups::MAX_TIMES_CHOSEN,
    decimal::{non_negative_fixed4, to_fixed4},
    registry::PosType,
    validation::{optional_text, required_text},
};

const MAX_COVERS: i32 = 1000;
/// Most options on one line.
const MAX_OPTIONS: usize = 100;

/// A transaction that passed [`check`]: amounts in stored form. Its JSON form is what two
/// sends of one transaction are compared by, so formatting (`1.50` or `1.5`) never matters.
#[derive(Clone, Debug, Serialize)]
pub(super) struct Checked {
    pub id: Uuid,
    pub receipt_number: String,
    pub kind: Kind,
    pub status: Status,
    pub revision: i32,
    pub voids: Option<Uuid>,
    pub occurred_at: DateTime<Utc>,
    pub utc_offset_minutes: i32,
    pub business_date: NaiveDate,
    pub staff_user_id: Uuid,
    pub customer_id: Option<Uuid>,
    pub tax_inclusive: bool,
    pub order_type: Option<OrderType>,
    pub table: Option<String>,
    pub covers: Option<i32>,
    pub lines: Vec<CheckedLine>,
    pub payments: Vec<CheckedPayment>,
    pub totals: CheckedTotals,
}

#[derive(Clone, Debug, Serialize)]
pub(super) struct CheckedLine {
    pub item_id: Uuid,
    pub quantity: Fixed4,
    pub unit_price: Fixed4,
    pub discount: Fixed4,
    pub tax: Fixed4,
    pub line_total: Fixed4,
    /// Left out of the JSON form when empty, so lines sent before options existed keep their
    /// fingerprints.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<CheckedOption>,
}

#[derive(Clone, Debug, Serialize)]
pub(super) struct CheckedOption {
    pub group_id: Uuid,
    pub item_id: Uuid,
    pub quantity: i32,
    pub price_delta: Fixed4,
}

#[derive(Clone, Debug, Serialize)]
pub(super) struct CheckedPayment {
    pub payment_method_id: Uuid,
    pub amount: Fixed4,
    pub reference: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub(super) struct CheckedTotals {
    pub subtotal: Fixed4,
    pub discount: Fixed4,
    pub tax: Fixed4,
    pub total: Fixed4,
}

impl Checked {
    /// SHA-256 of the transaction's content, hex.
    pub fn fingerprint(&self) -> Result<String, serde_json::Error> {
        Ok(hex::encode(Sha256::digest(serde_json::to_vec(self)?)))
    }
}

/// Collects the reasons a transaction is rejected.
#[derive(Default)]
struct Reasons(Vec<Rejection>);

impl Reasons {
    fn check<T>(&mut self, field: &str, parsed: Result<T, String>) -> Option<T> {
        parsed
            .map_err(|message| {
                self.0
                    .push(Rejection::new(RejectionCode::Invalid, field, message))
            })
            .ok()
    }

    fn refuse(&mut self, code: RejectionCode, field: &str, message: impl Into<String>) {
        self.0.push(Rejection::new(code, field, message));
    }
}

fn positive(value: Decimal) -> Result<Fixed4, String> {
    if value <= Decimal::ZERO {
        return Err("must be more than 0".into());
    }
    to_fixed4(value)
}

/// Whether `sent` is `exact`, or `exact` rounded to cents.
fn adds_up(sent: Decimal, exact: Decimal) -> bool {
    sent == exact || sent == exact.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Checks everything about a transaction that does not need the database.
pub(super) fn check(
    input: &TransactionInput,
    pos_type: PosType,
) -> Result<Checked, Vec<Rejection>> {
    let mut reasons = Reasons::default();
    let receipt_number = reasons.check("receipt_number", required_text(&input.receipt_number, 64));
    let is_void = input.kind == Kind::Void;

    if input.status == Status::Open
        && !(input.kind == Kind::WorkOrder && pos_type == PosType::Retail)
    {
        reasons.refuse(
            RejectionCode::OpenNotAllowed,
            "status",
            "only retail work orders may be sent open; send transactions once settled",
        );
    }
    if input.kind == Kind::WorkOrder && pos_type != PosType::Retail {
        reasons.check::<()>("kind", Err("work orders are for retail branches".into()));
    }
    let revision = match (input.kind, input.revision) {
        (_, None) => Some(1),
        (Kind::WorkOrder, Some(n)) if n >= 1 => Some(n),
        (Kind::WorkOrder, Some(_)) => reasons.check("revision", Err("must be 1 or more".into())),
        (_, Some(1)) => Some(1),
        (_, Some(_)) => reasons.check("revision", Err("only work orders have revisions".into())),
    };
    match (is_void, input.voids) {
        (true, None) => {
            reasons.check::<()>(
                "voids",
                Err("a void names the transaction it cancels".into()),
            );
        }
        (false, Some(_)) => {
            reasons.check::<()>("voids", Err("only a void cancels a transaction".into()));
        }
        _ => {}
    }

    let restaurant = pos_type == PosType::Restaurant;
    let table = reasons.check("table", optional_text(input.table.as_deref(), 32));
    let covers = reasons.check(
        "covers",
        match input.covers {
            Some(n) if !(1..=MAX_COVERS).contains(&n) => {
                Err(format!("must be between 1 and {MAX_COVERS}"))
            }
            covers => Ok(covers),
        },
    );
    if !restaurant {
        for (field, present) in [
            ("order_type", input.order_type.is_some()),
            ("table", input.table.is_some()),
            ("covers", input.covers.is_some()),
        ] {
            if present {
                reasons.check::<()>(field, Err("only restaurant branches send this".into()));
            }
        }
    } else if input.kind == Kind::Sale && input.order_type.is_none() {
        reasons.check::<()>(
            "order_type",
            Err("a restaurant sale is dine_in, take_away or delivery".into()),
        );
    }

    let lines = check_lines(input, &mut reasons);
    let payments = check_payments(input, &mut reasons);
    let totals = check_totals(input, &lines, &payments, &mut reasons);

    let (Some(receipt_number), Some(revision), Some(table), Some(covers), Some(totals)) =
        (receipt_number, revision, table, covers, totals)
    else {
        return Err(reasons.0);
    };
    if !reasons.0.is_empty() {
        return Err(reasons.0);
    }
    Ok(Checked {
        id: input.id,
        receipt_number,
        kind: input.kind,
        status: input.status,
        revision,
        voids: input.voids,
        occurred_at: input.local_time.with_timezone(&Utc),
        utc_offset_minutes: input.local_time.offset().local_minus_utc() / 60,
        business_date: input.business_date,
        staff_user_id: input.staff_user_id,
        customer_id: input.customer_id,
        tax_inclusive: input.tax_inclusive,
        order_type: input.order_type,
        table,
        covers,
        lines,
        payments,
        totals,
    })
}

fn check_lines(input: &TransactionInput, reasons: &mut Reasons) -> Vec<CheckedLine> {
    match (input.kind, input.lines.len()) {
        (Kind::Void, 0) => return Vec::new(),
        (Kind::Void, _) => {
            reasons.check::<()>("lines", Err("a void has no lines of its own".into()));
            return Vec::new();
        }
        (_, n) if n == 0 || n > MAX_LINES => {
            reasons.check::<()>("lines", Err(format!("must have 1 to {MAX_LINES} lines")));
            return Vec::new();
        }
        _ => {}
    }
    let mut checked = Vec::with_capacity(input.lines.len());
    for (n, line) in input.lines.iter().enumerate() {
        let field = |name: &str| format!("lines[{n}].{name}");
        let quantity = reasons.check(&field("quantity"), positive(line.quantity));
        let unit_price = reasons.check(&field("unit_price"), non_negative_fixed4(line.unit_price));
        let discount = reasons.check(&field("discount"), non_negative_fixed4(line.discount));
        let tax = reasons.check(&field("tax"), non_negative_fixed4(line.tax));
        let line_total = reasons.check(&field("line_total"), non_negative_fixed4(line.line_total));
        let exact = line.quantity * line.unit_price - line.discount;
        if line_total.is_some() && !adds_up(line.line_total, exact) {
            reasons.refuse(
                RejectionCode::TotalsMismatch,
                &field("line_total"),
                format!(
                    "is {}, but quantity × unit_price − discount is {}",
                    line.line_total,
                    exact.normalize()
                ),
            );
        }
        let options = check_options(n, &line.options, reasons);
        if let (
            Some(quantity),
            Some(unit_price),
            Some(discount),
            Some(tax),
            Some(line_total),
            Some(options),
        ) = (quantity, unit_price, discount, tax, line_total, options)
        {
            checked.push(CheckedLine {
                item_id: line.item_id,
                quantity,
                unit_price,
                discount,
                tax,
                line_total,
                options,
            });
        }
    }
    checked
}

/// A line's options, each a different choice from its group.
fn check_options(
    line: usize,
    options: &[LineOptionInput],
    reasons: &mut Reasons,
) -> Option<Vec<CheckedOption>> {
    if options.len() > MAX_OPTIONS {
        return reasons.check(
            &format!("lines[{line}].options"),
            Err(format!("must have at most {MAX_OPTIONS}")),
        );
    }
    let mut seen = std::collections::HashSet::new();
    let mut checked = Vec::with_capacity(options.len());
    let before = reasons.0.len();
    for (n, option) in options.iter().enumerate() {
        let field = |name: &str| format!("lines[{line}].options[{n}].{name}");
        if !seen.insert((option.group_id, option.item_id)) {
            reasons.check::<()>(
                &field("item_id"),
                Err("is chosen twice from its group; send it once with a quantity".into()),
            );
        }
        let quantity = reasons.check(
            &field("quantity"),
            match option.quantity.unwrap_or(1) {
                q if (1..=MAX_TIMES_CHOSEN).contains(&q) => Ok(q),
                _ => Err(format!("must be between 1 and {MAX_TIMES_CHOSEN}")),
            },
        );
        let price_delta = reasons.check(&field("price_delta"), to_fixed4(option.price_delta));
        if let (Some(quantity), Some(price_delta)) = (quantity, price_delta) {
            checked.push(CheckedOption {
                group_id: option.group_id,
                item_id: option.item_id,
                quantity,
                price_delta,
            });
        }
    }
    (reasons.0.len() == before).then_some(checked)
}

fn check_payments(input: &TransactionInput, reasons: &mut Reasons) -> Vec<CheckedPayment> {
    if input.kind == Kind::Void && !input.payments.is_empty() {
        reasons.check::<()>("payments", Err("a void has no payments of its own".into()));
    }
    if input.payments.len() > MAX_LINES {
        reasons.check::<()>("payments", Err(format!("must have at most {MAX_LINES}")));
        return Vec::new();
    }
    let mut checked = Vec::with_capacity(input.payments.len());
    for (n, payment) in input.payments.iter().enumerate() {
        let amount = reasons.check(&format!("payments[{n}].amount"), positive(payment.amount));
        let reference = reasons.check(
            &format!("payments[{n}].reference"),
            optional_text(payment.reference.as_deref(), 128),
        );
        if let (Some(amount), Some(reference)) = (amount, reference) {
            checked.push(CheckedPayment {
                payment_method_id: payment.payment_method_id,
                amount,
                reference,
            });
        }
    }
    checked
}

/// The totals, checked against the lines and the payments.
fn check_totals(
    input: &TransactionInput,
    lines: &[CheckedLine],
    payments: &[CheckedPayment],
    reasons: &mut Reasons,
) -> Option<CheckedTotals> {
    let Some(sent) = &input.totals else {
        if input.kind == Kind::Void {
            return Some(CheckedTotals::default());
        }
        return reasons.check("totals", Err("are required".into()));
    };
    let TotalsInput {
        subtotal,
        discount,
        tax,
        total,
    } = sent;
    let totals = CheckedTotals {
        subtotal: reasons.check("totals.subtotal", non_negative_fixed4(*subtotal))?,
        discount: reasons.check("totals.discount", non_negative_fixed4(*discount))?,
        tax: reasons.check("totals.tax", non_negative_fixed4(*tax))?,
        total: reasons.check("totals.total", non_negative_fixed4(*total))?,
    };
    if lines.len() != input.lines.len() {
        // A line was invalid: it is named already, and the sums would only repeat it.
        return Some(totals);
    }
    let sum = |f: fn(&CheckedLine) -> Fixed4| lines.iter().map(f).sum::<Fixed4>();
    let expected_total = sum(|l| l.line_total)
        + if input.tax_inclusive {
            Fixed4::ZERO
        } else {
            sum(|l| l.tax)
        };
    for (field, sent, expected) in [
        ("totals.subtotal", totals.subtotal, sum(|l| l.line_total)),
        ("totals.discount", totals.discount, sum(|l| l.discount)),
        ("totals.tax", totals.tax, sum(|l| l.tax)),
        ("totals.total", totals.total, expected_total),
    ] {
        if sent != expected {
            reasons.refuse(
                RejectionCode::TotalsMismatch,
                field,
                format!(
                    "is {}, but the lines add up to {}",
                    crate::decimal::from_fixed4(sent),
                    crate::decimal::from_fixed4(expected)
                ),
            );
        }
    }
    if payments.len() == input.payments.len() {
        let paid: Fixed4 = payments.iter().map(|p| p.amount).sum();
        let ok = match input.status {
            Status::Settled => paid == totals.total,
            // An open work order may carry a deposit.
            Status::Open => paid <= totals.total,
        };
        if !ok {
            reasons.refuse(
                RejectionCode::PaymentsMismatch,
                "payments",
                format!(
                    "add up to {}, but the total is {}",
                    crate::decimal::from_fixed4(paid),
                    crate::decimal::from_fixed4(totals.total)
                ),
            );
        }
    }
    Some(totals)
}
