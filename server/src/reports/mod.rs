//! Reports people read: sales by item, staff user, hour and payment method over business dates;
//! inventory valuation at cost; what to reorder. Each is a list (JSON pages, or CSV whole).

pub mod kitchen;
pub mod sales;
pub mod stock;

use chrono::NaiveDate;

use crate::{error::DomainError, sales::queries::MAX_SUMMARY_DAYS};

/// Business dates from `from` to `to`, both inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// One date given is that day alone; `to` must not be before `from` nor a year after it.
    pub fn new(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<Self, DomainError> {
        let (from, to) = match (from, to) {
            (Some(from), Some(to)) => (from, to),
            (Some(day), None) | (None, Some(day)) => (day, day),
            (None, None) => {
                return Err(DomainError::invalid(
                    "from",
                    "a report covers business dates: give from (and to)",
                ));
            }
        };
        if to < from || (to - from).num_days() >= MAX_SUMMARY_DAYS {
            return Err(DomainError::invalid(
                "to",
                format!("must be on or after from, and at most {MAX_SUMMARY_DAYS} days later"),
            ));
        }
        Ok(Self { from, to })
    }
}
