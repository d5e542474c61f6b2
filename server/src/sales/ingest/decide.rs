//! Deciding each transaction of a batch in memory, in order, from what [`super::load`] read:
//! a duplicate, a conflict, a rejection with reasons, or accepted with its stock effects put into
//! the plan. Nothing here touches the database.

use std::collections::{HashMap, HashSet};

use entity::{Fixed4, sales_transaction};
use uuid::Uuid;

use super::{
    menu::{Group, Sold, times},
    plan::{Plan, Record},
    rejected, result,
};
use crate::{
    catalog::recipes::RecipeBook,
    inventory::ledger::Reason,
    sales::{Kind, Outcome, Rejection, RejectionCode, Status, TransactionResult, checks::Checked},
};

/// A transaction the hub holds, as far as deciding about a resend or a void needs.
#[derive(Clone, Debug)]
pub(super) struct Held {
    pub(super) hub_id: Uuid,
    pub(super) kind: Kind,
    pub(super) status: Status,
    pub(super) revision: i32,
    pub(super) fingerprint: String,
    pub(super) voided: bool,
}

impl From<&sales_transaction::Model> for Held {
    fn from(row: &sales_transaction::Model) -> Self {
        Self {
            hub_id: row.id,
            kind: row.kind,
            status: row.status,
            revision: row.revision,
            fingerprint: row.content_hash.clone(),
            voided: row.voided_by_transaction_id.is_some(),
        }
    }
}

/// One change of stock a transaction made, by line.
#[derive(Clone, Copy, Debug)]
pub(super) struct Effect {
    pub(super) item_id: Uuid,
    pub(super) delta: Fixed4,
    pub(super) line_no: i32,
}

/// What the hub holds that the batch refers to, kept up to date as the batch is decided.
#[derive(Default)]
pub(super) struct Book {
    /// This terminal's transactions, by its ids.
    pub(super) own: HashMap<Uuid, Held>,
    /// Void targets sent by other terminals of the branch, by their terminal ids.
    pub(super) branch_others: HashMap<Uuid, Held>,
    /// Void targets held only at other branches.
    pub(super) elsewhere: HashSet<Uuid>,
    /// What each void target (and each transaction accepted in this batch) did to stock.
    pub(super) effects: HashMap<Uuid, Vec<Effect>>,
    /// Items by id: whether each tracks stock, and its price here.
    pub(super) items: HashMap<Uuid, Sold>,
    /// The active groups each item offers.
    pub(super) offers: HashMap<Uuid, Vec<Uuid>>,
    pub(super) groups: HashMap<Uuid, Group>,
    pub(super) recipes: RecipeBook,
    pub(super) hidden_items: HashSet<Uuid>,
    pub(super) staff_users: HashSet<Uuid>,
    pub(super) customers: HashSet<Uuid>,
    pub(super) payment_methods: HashSet<Uuid>,
}

impl Book {
    /// Decides one transaction of the batch, after every one before it.
    pub(super) fn decide(
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

        let effects = match self.effects_of(&checked, void_target.as_ref()) {
            Ok(effects) => effects,
            Err(reasons) => return rejected(index, Some(id), reasons),
        };
        let hub_id = existing.unwrap_or_else(Uuid::now_v7);
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
        let revenues = checked
            .lines
            .iter()
            .map(|line| self.option_revenues(line))
            .collect();
        plan.record(Record {
            hub_id,
            revenues,
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
            } else {
                self.check_options(n, line, &mut reasons);
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

    /// What accepting the transaction does to stock: a settled sale takes out what its lines
    /// use up (see [`Book::used_per_unit`]), a return puts it back, a void reverses exactly what
    /// its target did.
    fn effects_of(
        &self,
        checked: &Checked,
        void_target: Option<&Uuid>,
    ) -> Result<Vec<Effect>, Vec<Rejection>> {
        if checked.status == Status::Open {
            return Ok(Vec::new());
        }
        let takes_out = match checked.kind {
            Kind::Sale | Kind::WorkOrder => true,
            Kind::Return => false,
            Kind::Void => {
                let target = void_target
                    .and_then(|voids| self.target(voids))
                    .and_then(|held| self.effects.get(&held.hub_id));
                return Ok(target
                    .map(|effects| {
                        effects
                            .iter()
                            .map(|e| Effect {
                                delta: -e.delta,
                                ..*e
                            })
                            .collect()
                    })
                    .unwrap_or_default());
            }
        };
        let mut effects = Vec::new();
        for (line_no, line) in (1..).zip(&checked.lines) {
            let used = self
                .used_per_unit(line, checked.business_date)
                .and_then(|used| {
                    used.into_iter()
                        .map(|(item_id, per_unit)| {
                            let quantity = times(per_unit, line.quantity)?;
                            Some(Effect {
                                item_id,
                                delta: if takes_out { -quantity } else { quantity },
                                line_no,
                            })
                        })
                        .collect::<Option<Vec<Effect>>>()
                })
                .ok_or_else(|| {
                    vec![Rejection::new(
                        RejectionCode::Invalid,
                        format!("lines[{}].quantity", line_no - 1),
                        "is too large to move stock by",
                    )]
                })?;
            effects.extend(used);
        }
        Ok(effects)
    }
}

fn reason_of(kind: Kind) -> Reason {
    match kind {
        Kind::Sale | Kind::WorkOrder => Reason::Sale,
        Kind::Return => Reason::Return,
        Kind::Void => Reason::Void,
    }
}

#[cfg(test)]
mod tests;
