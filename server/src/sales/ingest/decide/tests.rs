//! Every result `decide` can give, from plain values: no database, no HTTP.

use serde_json::{Value, json};

use super::*;
use crate::{
    registry::PosType,
    sales::{TransactionInput, checks::check},
};

/// A branch's catalogue as `load` would have read it.
struct Shop {
    book: Book,
    plan: Plan,
    staff: Uuid,
    cash: Uuid,
    rice: Uuid,
    /// Sold, but tracks no stock (a service).
    gift_wrap: Uuid,
    hidden: Uuid,
}

impl Shop {
    fn new() -> Self {
        let (staff, cash, rice, gift_wrap, hidden) = (
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
        );
        let mut book = Book::default();
        book.staff_users.insert(staff);
        book.payment_methods.insert(cash);
        let sold = |track_stock| super::super::menu::Sold {
            track_stock,
            price: Fixed4(25_000),
        };
        book.items.extend([
            (rice, sold(true)),
            (gift_wrap, sold(false)),
            (hidden, sold(true)),
        ]);
        book.hidden_items.insert(hidden);
        Self {
            book,
            plan: Plan::default(),
            staff,
            cash,
            rice,
            gift_wrap,
            hidden,
        }
    }

    /// A settled sale (or return) of `quantity` of each item at 2.50.
    fn sale(&self, kind: &str, items: &[(Uuid, &str)]) -> Value {
        let lines: Vec<Value> = items
            .iter()
            .map(|(item, quantity)| {
                let total = quantity.parse::<rust_decimal::Decimal>().unwrap_or_default()
                    * rust_decimal::Decimal::new(25, 1);
                json!({ "item_id": item, "quantity": quantity, "unit_price": "2.50", "line_total": total })
            })
            .collect();
        let total: rust_decimal::Decimal = lines
            .iter()
            .map(|l| {
                serde_json::from_value::<rust_decimal::Decimal>(l["line_total"].clone()).unwrap()
            })
            .sum();
        json!({
            "id": Uuid::now_v7(), "receipt_number": "R-1", "kind": kind, "status": "settled",
            "local_time": "2026-11-23T14:05:00+08:00", "business_date": "2026-11-23",
            "staff_user_id": self.staff, "lines": lines,
            "payments": [{ "payment_method_id": self.cash, "amount": total }],
            "totals": { "subtotal": total, "discount": "0", "tax": "0", "total": total },
        })
    }

    fn void(&self, target: &Value) -> Value {
        json!({
            "id": Uuid::now_v7(), "receipt_number": "V-1", "kind": "void", "status": "settled",
            "voids": target["id"], "local_time": "2026-11-23T15:00:00+08:00",
            "business_date": "2026-11-23", "staff_user_id": self.staff,
        })
    }

    fn work_order(&self, status: &str, revision: i32, quantity: &str) -> Value {
        let mut order = self.sale("work_order", &[(self.rice, quantity)]);
        order["status"] = json!(status);
        order["revision"] = json!(revision);
        order
    }

    fn decide(&mut self, transaction: &Value) -> TransactionResult {
        let input: TransactionInput =
            serde_json::from_value(transaction.clone()).expect("a well-formed transaction");
        let checked = check(&input, PosType::Retail).expect("a transaction that passes check");
        let fingerprint = checked.fingerprint().expect("a fingerprint");
        let index = self.plan.records.len();
        self.book
            .decide(index, checked, fingerprint, &mut self.plan)
    }

    /// The planned stock movements: (item, delta in 0.0001 units, reason).
    fn movements(&self) -> Vec<(Uuid, i64, Reason)> {
        self.plan
            .movements
            .iter()
            .map(|(_, effect, reason)| (effect.item_id, effect.delta.0, *reason))
            .collect()
    }
}

fn codes(result: &TransactionResult) -> Vec<RejectionCode> {
    result.reasons.iter().map(|r| r.code).collect()
}

#[test]
fn a_sale_is_accepted_and_takes_out_only_items_that_track_stock() {
    let mut shop = Shop::new();
    let sale = shop.sale("sale", &[(shop.rice, "2"), (shop.gift_wrap, "1")]);
    let result = shop.decide(&sale);
    assert_eq!(result.result, Outcome::Accepted);
    assert!(result.transaction_id.is_some());
    assert_eq!(shop.plan.records.len(), 1);
    assert!(shop.plan.records[0].is_new);
    assert_eq!(shop.movements(), [(shop.rice, -20_000, Reason::Sale)]);
}

#[test]
fn a_return_puts_its_items_back() {
    let mut shop = Shop::new();
    let sale = shop.sale("return", &[(shop.rice, "1.5")]);
    assert_eq!(shop.decide(&sale).result, Outcome::Accepted);
    assert_eq!(shop.movements(), [(shop.rice, 15_000, Reason::Return)]);
}

#[test]
fn the_same_transaction_again_is_a_duplicate_of_the_first() {
    let mut shop = Shop::new();
    let sale = shop.sale("sale", &[(shop.rice, "1")]);
    let first = shop.decide(&sale);
    let again = shop.decide(&sale);
    assert_eq!(again.result, Outcome::Duplicate);
    assert_eq!(again.transaction_id, first.transaction_id);
    assert_eq!(shop.plan.records.len(), 1, "nothing is planned twice");
    assert_eq!(shop.movements().len(), 1);
}

#[test]
fn other_content_under_a_held_id_is_a_conflict() {
    let mut shop = Shop::new();
    let sale = shop.sale("sale", &[(shop.rice, "1")]);
    let first = shop.decide(&sale);
    let mut other = shop.sale("sale", &[(shop.rice, "3")]);
    other["id"] = sale["id"].clone();
    let conflict = shop.decide(&other);
    assert_eq!(conflict.result, Outcome::Conflict);
    assert_eq!(conflict.transaction_id, first.transaction_id);
    assert_eq!(shop.movements().len(), 1);
}

#[test]
fn work_order_revisions_replace_each_other_until_settled() {
    let mut shop = Shop::new();
    let open = shop.work_order("open", 1, "1");
    let first = shop.decide(&open);
    assert_eq!(first.result, Outcome::Accepted);
    assert!(
        shop.movements().is_empty(),
        "an open work order moves no stock"
    );

    let mut settled = shop.work_order("settled", 2, "2");
    settled["id"] = open["id"].clone();
    let second = shop.decide(&settled);
    assert_eq!(second.result, Outcome::Accepted);
    assert_eq!(second.transaction_id, first.transaction_id);
    assert_eq!(
        shop.plan.records.len(),
        1,
        "the later revision replaces the earlier"
    );
    assert_eq!(shop.movements(), [(shop.rice, -20_000, Reason::Sale)]);

    let mut older = shop.work_order("open", 1, "5");
    older["id"] = open["id"].clone();
    let superseded = shop.decide(&older);
    assert_eq!(superseded.result, Outcome::Duplicate);
    assert!(
        superseded
            .detail
            .as_deref()
            .unwrap_or_default()
            .contains("superseded")
    );

    let mut same_revision = shop.work_order("settled", 2, "7");
    same_revision["id"] = open["id"].clone();
    let clash = shop.decide(&same_revision);
    assert_eq!(clash.result, Outcome::Conflict);
    assert!(
        clash
            .detail
            .as_deref()
            .unwrap_or_default()
            .contains("raise the revision")
    );

    let mut after_settling = shop.work_order("settled", 3, "9");
    after_settling["id"] = open["id"].clone();
    let frozen = shop.decide(&after_settling);
    assert_eq!(frozen.result, Outcome::Conflict);
    assert!(
        frozen
            .detail
            .as_deref()
            .unwrap_or_default()
            .contains("settled")
    );
    assert_eq!(shop.movements().len(), 1);
}

#[test]
fn every_unknown_reference_is_named_and_none_is_retryable() {
    let mut shop = Shop::new();
    let mut sale = shop.sale("sale", &[(Uuid::now_v7(), "1"), (shop.hidden, "1")]);
    sale["staff_user_id"] = json!(Uuid::now_v7());
    sale["customer_id"] = json!(Uuid::now_v7());
    sale["payments"][0]["payment_method_id"] = json!(Uuid::now_v7());
    let result = shop.decide(&sale);
    assert_eq!(result.result, Outcome::Rejected);
    assert_eq!(
        codes(&result),
        [
            RejectionCode::UnknownItem,
            RejectionCode::ItemNotSoldHere,
            RejectionCode::UnknownStaffUser,
            RejectionCode::UnknownCustomer,
            RejectionCode::UnknownPaymentMethod,
        ]
    );
    let fields: Vec<_> = result.reasons.iter().map(|r| r.field.clone()).collect();
    assert_eq!(fields[0].as_deref(), Some("lines[0].item_id"));
    assert_eq!(fields[4].as_deref(), Some("payments[0].payment_method_id"));
    assert!(!result.retryable);
    assert!(shop.plan.records.is_empty() && shop.movements().is_empty());
}

#[test]
fn a_void_reverses_exactly_what_its_target_did_and_only_once() {
    let mut shop = Shop::new();
    let sale = shop.sale("sale", &[(shop.rice, "2")]);
    let sold = shop.decide(&sale);
    let void = shop.void(&sale);
    let voided = shop.decide(&void);
    assert_eq!(voided.result, Outcome::Accepted);
    assert_eq!(
        shop.movements(),
        [
            (shop.rice, -20_000, Reason::Sale),
            (shop.rice, 20_000, Reason::Void)
        ]
    );
    let void_id = voided.transaction_id.expect("the void's hub id");
    assert_eq!(
        shop.plan.voided,
        [(sold.transaction_id.expect("the sale's hub id"), void_id)]
    );
    assert_eq!(shop.plan.records[1].voids_hub_id, sold.transaction_id);

    let twice = shop.decide(&shop.void(&sale));
    assert_eq!(codes(&twice), [RejectionCode::AlreadyVoided]);
    let of_a_void = shop.decide(&shop.void(&void));
    assert_eq!(codes(&of_a_void), [RejectionCode::NotVoidable]);
}

#[test]
fn a_void_of_an_open_work_order_is_refused() {
    let mut shop = Shop::new();
    let open = shop.work_order("open", 1, "1");
    shop.decide(&open);
    let refused = shop.decide(&shop.void(&open));
    assert_eq!(codes(&refused), [RejectionCode::NotVoidable]);
    assert!(!refused.retryable);
}

#[test]
fn a_void_of_a_target_not_yet_here_may_be_retried_and_one_of_another_branch_not() {
    let mut shop = Shop::new();
    let unseen = shop.sale("sale", &[(shop.rice, "1")]);
    let early = shop.decide(&shop.void(&unseen));
    assert_eq!(codes(&early), [RejectionCode::VoidTargetUnknown]);
    assert!(
        early.retryable,
        "the target may still arrive from another till"
    );

    let elsewhere = shop.sale("sale", &[(shop.rice, "1")]);
    shop.book.elsewhere.insert(
        elsewhere["id"]
            .as_str()
            .and_then(|id| id.parse().ok())
            .unwrap_or_default(),
    );
    let foreign = shop.decide(&shop.void(&elsewhere));
    assert_eq!(codes(&foreign), [RejectionCode::VoidTargetOtherBranch]);
    assert!(!foreign.retryable);
}
