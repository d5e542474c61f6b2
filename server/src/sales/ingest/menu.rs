//! The restaurant's menu rules for a line: the options chosen against the groups its item offers
//! (by today's catalogue: the hub keeps only the latest version of master data), what the line
//! uses up (combo parts instead of the combo, ingredients instead of an item with a recipe), and
//! how its revenue is shared among its options.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::{Fixed4, item_group, item_group::GroupKind};
use uuid::Uuid;

use super::decide::Book;
use crate::{
    decimal::from_fixed4,
    sales::{
        Rejection, RejectionCode,
        checks::{CheckedLine, CheckedOption},
    },
};

/// An item as a sale needs it.
#[derive(Clone, Copy, Debug)]
pub(super) struct Sold {
    pub(super) track_stock: bool,
    /// Its price at the branch.
    pub(super) price: Fixed4,
}

/// An active item group with its options' price deltas.
#[derive(Clone, Debug)]
pub(super) struct Group {
    pub(super) name: String,
    pub(super) kind: GroupKind,
    pub(super) min_choices: i32,
    pub(super) max_choices: i32,
    pub(super) options: HashMap<Uuid, Fixed4>,
}

impl Group {
    pub(super) fn new(group: item_group::Model) -> Self {
        Self {
            name: group.name,
            kind: group.group_kind,
            min_choices: group.min_choices,
            max_choices: group.max_choices,
            options: HashMap::new(),
        }
    }
}

/// `a × b`, rounded to four places (half away from zero); none when it does not fit.
pub(super) fn times(a: Fixed4, b: Fixed4) -> Option<Fixed4> {
    let product = i128::from(a.0) * i128::from(b.0);
    let half = if product < 0 { -5_000 } else { 5_000 };
    i64::try_from((product + half) / 10_000).ok().map(Fixed4)
}

fn count(n: i32) -> Fixed4 {
    Fixed4(i64::from(n) * 10_000)
}

impl Book {
    fn groups_of(&self, item_id: Uuid) -> impl Iterator<Item = (Uuid, &Group)> {
        self.offers
            .get(&item_id)
            .into_iter()
            .flatten()
            .filter_map(|id| Some((*id, self.groups.get(id)?)))
    }

    /// A combo sells its parts, not itself.
    fn is_combo(&self, item_id: Uuid) -> bool {
        self.groups_of(item_id)
            .any(|(_, group)| group.kind == GroupKind::Combo)
    }

    /// Why line `n`'s options break the menu's rules: each chosen from a group its item
    /// offers, at the group's delta, within the group's numbers of choices, and the unit price
    /// the item's price plus the deltas.
    pub(super) fn check_options(&self, n: usize, line: &CheckedLine, reasons: &mut Vec<Rejection>) {
        let field = |rest: String| format!("lines[{n}].{rest}");
        let mut chosen: HashMap<Uuid, i32> = HashMap::new();
        let mut expected_price = self.items.get(&line.item_id).map(|item| item.price);
        for (m, option) in line.options.iter().enumerate() {
            let offered = self
                .groups_of(line.item_id)
                .find(|(id, _)| *id == option.group_id);
            let refusal = match offered {
                None => Some((
                    RejectionCode::UnknownOption,
                    "group_id",
                    format!("the item offers no active group {}", option.group_id),
                )),
                Some((_, group)) => match group.options.get(&option.item_id) {
                    None => Some((
                        RejectionCode::UnknownOption,
                        "item_id",
                        format!("is not an option of {}", group.name),
                    )),
                    Some(delta) if *delta != option.price_delta => Some((
                        RejectionCode::PriceMismatch,
                        "price_delta",
                        format!(
                            "is {}, but {} adds {}",
                            from_fixed4(option.price_delta),
                            group.name,
                            from_fixed4(*delta)
                        ),
                    )),
                    Some(_) => None,
                },
            };
            if let Some((code, part, message)) = refusal {
                reasons.push(Rejection::new(
                    code,
                    field(format!("options[{m}].{part}")),
                    message,
                ));
                expected_price = None;
                continue;
            }
            *chosen.entry(option.group_id).or_default() += option.quantity;
            expected_price = expected_price
                .zip(times(option.price_delta, count(option.quantity)))
                .map(|(price, added)| price + added);
        }
        for (id, group) in self.groups_of(line.item_id) {
            let n_chosen = chosen.get(&id).copied().unwrap_or(0);
            if !(group.min_choices..=group.max_choices).contains(&n_chosen) {
                reasons.push(Rejection::new(
                    RejectionCode::ChoicesOutOfRange,
                    field("options".into()),
                    format!(
                        "{} takes {} to {} choices, {n_chosen} chosen",
                        group.name, group.min_choices, group.max_choices
                    ),
                ));
            }
        }
        if let Some(expected) = expected_price
            && !line.options.is_empty()
            && expected != line.unit_price
        {
            reasons.push(Rejection::new(
                RejectionCode::PriceMismatch,
                field("unit_price".into()),
                format!(
                    "is {}, but the item's price here plus its options' deltas is {}",
                    from_fixed4(line.unit_price),
                    from_fixed4(expected)
                ),
            ));
        }
    }

    /// What one unit of the line uses up, by item, in the order first met: the item itself
    /// (unless a combo) and each option, each replaced by its recipe's ingredients on `date`
    /// when it has one; items that track no stock use up nothing. None when a quantity overflows.
    pub(super) fn used_per_unit(
        &self,
        line: &CheckedLine,
        date: NaiveDate,
    ) -> Option<Vec<(Uuid, Fixed4)>> {
        let mut parts = Vec::with_capacity(line.options.len() + 1);
        if !self.is_combo(line.item_id) {
            parts.push((line.item_id, count(1)));
        }
        parts.extend(
            line.options
                .iter()
                .map(|option| (option.item_id, count(option.quantity))),
        );
        let mut used: Vec<(Uuid, Fixed4)> = Vec::new();
        let mut add = |item_id: Uuid, quantity: Fixed4| match used
            .iter_mut()
            .find(|(id, _)| *id == item_id)
        {
            Some((_, total)) => *total += quantity,
            None => used.push((item_id, quantity)),
        };
        for (item_id, per_unit) in parts {
            match self.recipes.on(item_id, date) {
                Some(ingredients) => {
                    for (ingredient, quantity) in ingredients {
                        add(*ingredient, times(per_unit, *quantity)?);
                    }
                }
                None if self.items.get(&item_id).is_some_and(|i| i.track_stock) => {
                    add(item_id, per_unit)
                }
                None => {}
            }
        }
        Some(used)
    }

    /// Each option's part of the line's revenue: a modifier its delta × quantity × the line's
    /// quantity; a combo's parts share what is left of the line total by their list prices at
    /// the branch (equally when all are free), the last part taking the rounding.
    pub(super) fn option_revenues(&self, line: &CheckedLine) -> Vec<Fixed4> {
        let is_combo_part = |option: &CheckedOption| {
            self.groups
                .get(&option.group_id)
                .is_some_and(|g| g.kind == GroupKind::Combo)
        };
        let mut revenues: Vec<Fixed4> = line
            .options
            .iter()
            .map(|option| {
                if is_combo_part(option) {
                    Fixed4::ZERO
                } else {
                    times(option.price_delta, count(option.quantity))
                        .and_then(|each| times(each, line.quantity))
                        .unwrap_or_default()
                }
            })
            .collect();
        let parts: Vec<(usize, i128)> = line
            .options
            .iter()
            .enumerate()
            .filter(|(_, option)| is_combo_part(option))
            .map(|(m, option)| {
                let price = self.items.get(&option.item_id).map_or(0, |i| i.price.0);
                (m, i128::from(price) * i128::from(option.quantity))
            })
            .collect();
        let Some(&(last, _)) = parts.last() else {
            return revenues;
        };
        let to_share = i128::from((line.line_total - revenues.iter().copied().sum()).0);
        let weights: i128 = parts.iter().map(|(_, w)| w).sum();
        let mut shared = 0_i128;
        for (m, weight) in &parts {
            let share = if *m == last {
                to_share - shared
            } else if weights == 0 {
                to_share / parts.len() as i128
            } else {
                to_share * weight / weights
            };
            shared += share;
            revenues[*m] = Fixed4(i64::try_from(share).unwrap_or_default());
        }
        revenues
    }
}
