//! A terminal's receipt numbers, read from the transactions it sent: the last number of each
//! series (so a reinstalled terminal continues where it stopped), and the gaps and duplicates in
//! its numbering (for admins). A receipt number is a series (everything before its trailing
//! digits, `R-` in `R-000123`) and a number (the trailing digits); one without trailing digits
//! is in no series.

use std::collections::BTreeMap;

use entity::{sales_transaction, terminal};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::DomainError;

/// Ranges and duplicates listed per series at most; the counts cover them all.
const MAX_LISTED: usize = 100;

/// Where a terminal's numbering of one series stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptCounter {
    pub series: String,
    pub last_number: u64,
    /// The last receipt number as the terminal wrote it (its digits' width kept).
    pub last_receipt_number: String,
}

/// A run of numbers missing from a series.
#[derive(Debug, Serialize, ToSchema)]
pub struct MissingRange {
    pub from: u64,
    pub to: u64,
}

/// A receipt number more than one transaction carries.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateReceipt {
    pub receipt_number: String,
    pub transaction_ids: Vec<Uuid>,
}

/// One series of a terminal's numbering, with what is wrong in it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesReport {
    pub series: String,
    pub first_number: u64,
    pub last_number: u64,
    pub last_receipt_number: String,
    pub transactions: u64,
    /// Numbers between the first and the last that no transaction carries.
    pub missing_count: u64,
    /// The first 100 runs of them.
    pub missing: Vec<MissingRange>,
    pub duplicate_count: u64,
    /// The first 100 of them.
    pub duplicates: Vec<DuplicateReceipt>,
}

/// A terminal's receipt numbering.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptNumbering {
    pub terminal_id: Uuid,
    pub terminal_name: String,
    pub branch_id: Uuid,
    pub series: Vec<SeriesReport>,
}

/// The series and number of a receipt number, with its digits as written.
fn split(receipt_number: &str) -> Option<(&str, u64)> {
    let digits_from = receipt_number
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_digit())
        .last()
        .map(|(i, _)| i)?;
    let number = receipt_number[digits_from..].parse().ok()?;
    Some((&receipt_number[..digits_from], number))
}

/// Per series: each number with the transactions carrying it.
type Numbers = BTreeMap<String, BTreeMap<u64, Vec<(Uuid, String)>>>;

async fn numbers_of<C: ConnectionTrait>(db: &C, terminal_id: Uuid) -> Result<Numbers, DomainError> {
    let receipts: Vec<(Uuid, String)> = sales_transaction::Entity::find()
        .select_only()
        .columns([
            sales_transaction::Column::Id,
            sales_transaction::Column::ReceiptNumber,
        ])
        .filter(sales_transaction::Column::TerminalId.eq(terminal_id))
        .into_tuple()
        .all(db)
        .await?;
    let mut numbers: Numbers = BTreeMap::new();
    for (id, receipt_number) in receipts {
        if let Some((series, number)) = split(&receipt_number) {
            numbers
                .entry(series.to_string())
                .or_default()
                .entry(number)
                .or_default()
                .push((id, receipt_number));
        }
    }
    Ok(numbers)
}

/// The last number of each series the terminal used: what it continues from after a reinstall.
pub async fn receipt_counters<C: ConnectionTrait>(
    db: &C,
    terminal_id: Uuid,
) -> Result<Vec<ReceiptCounter>, DomainError> {
    Ok(numbers_of(db, terminal_id)
        .await?
        .into_iter()
        .filter_map(|(series, numbers)| {
            let (last_number, carriers) = numbers.into_iter().next_back()?;
            let last_receipt_number = carriers.into_iter().next()?.1;
            Some(ReceiptCounter {
                series,
                last_number,
                last_receipt_number,
            })
        })
        .collect())
}

/// A terminal's numbering per series, with its gaps and duplicates.
#[tracing::instrument(skip_all, fields(terminal_id = %terminal_id), err(level = "info"))]
pub async fn receipt_numbering<C: ConnectionTrait>(
    db: &C,
    terminal_id: Uuid,
) -> Result<ReceiptNumbering, DomainError> {
    let terminal = terminal::Entity::find_by_id(terminal_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("terminal"))?;
    let series = numbers_of(db, terminal_id)
        .await?
        .into_iter()
        .filter_map(|(series, numbers)| report(series, numbers))
        .collect();
    Ok(ReceiptNumbering {
        terminal_id,
        terminal_name: terminal.name,
        branch_id: terminal.branch_id,
        series,
    })
}

fn report(series: String, numbers: BTreeMap<u64, Vec<(Uuid, String)>>) -> Option<SeriesReport> {
    let first_number = *numbers.keys().next()?;
    let (&last_number, last) = numbers.iter().next_back()?;
    let last_receipt_number = last.first()?.1.clone();
    let mut report = SeriesReport {
        series,
        first_number,
        last_number,
        last_receipt_number,
        transactions: numbers.values().map(|c| c.len() as u64).sum(),
        missing_count: 0,
        missing: Vec::new(),
        duplicate_count: 0,
        duplicates: Vec::new(),
    };
    let mut previous: Option<u64> = None;
    for (number, carriers) in numbers {
        if let Some(previous) = previous
            && number > previous + 1
        {
            report.missing_count += number - previous - 1;
            if report.missing.len() < MAX_LISTED {
                report.missing.push(MissingRange {
                    from: previous + 1,
                    to: number - 1,
                });
            }
        }
        previous = Some(number);
        if carriers.len() > 1 {
            report.duplicate_count += 1;
            if report.duplicates.len() < MAX_LISTED {
                report.duplicates.push(DuplicateReceipt {
                    receipt_number: carriers[0].1.clone(),
                    transaction_ids: carriers.into_iter().map(|(id, _)| id).collect(),
                });
            }
        }
    }
    Some(report)
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn a_receipt_number_is_a_series_and_its_trailing_digits() {
        assert_eq!(split("R-000123"), Some(("R-", 123)));
        assert_eq!(split("2026/17"), Some(("2026/", 17)));
        assert_eq!(split("42"), Some(("", 42)));
        assert_eq!(split("VOID"), None);
        assert_eq!(split(""), None);
    }
}
