//! Stock: the quantity of every item at every branch, changed only through the ledger, by
//! documents (adjustments and counts, transfer tickets, purchase orders and their goods receipts,
//! item requests), each state change in one transaction.

pub mod adjustments;
pub mod item_requests;
pub mod ledger;
pub mod movements;
pub mod purchase_orders;
pub mod queries;
pub mod transfers;

use chrono::Utc;
use rust_decimal::Decimal;
use std::collections::HashMap;

use entity::Fixed4;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Expr,
};
use uuid::Uuid;

use crate::{
    decimal::to_fixed4,
    error::{Conflict, DomainError, FieldErrors},
    pagination::Page,
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
fn checked_lines(lines: &[LineInput], errors: &mut FieldErrors) -> Option<Vec<(Uuid, Fixed4)>> {
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
        if let Some(quantity) = quantity {
            checked.push((line.item_id, quantity));
        }
    }
    (checked.len() == lines.len()).then_some(checked)
}

fn positive(value: Decimal) -> Result<Fixed4, String> {
    if value <= Decimal::ZERO {
        return Err("must be more than 0".into());
    }
    to_fixed4(value)
}

/// How the lines of a kind of document name their document and their order.
struct LinesOf<Line: EntityTrait> {
    document: Line::Column,
    document_of: fn(&Line::Model) -> Uuid,
    line_no: Line::Column,
}

/// Every line of the documents of one page, in one query: the page's documents with their lines
/// (in line order), made by `detail`.
async fn page_with_lines<C, Doc, Line, D>(
    db: &C,
    page: Page<Doc::Model>,
    id_of: fn(&Doc::Model) -> Uuid,
    lines_of: LinesOf<Line>,
    detail: fn(Doc::Model, Vec<Line::Model>) -> D,
) -> Result<Page<D>, DomainError>
where
    C: ConnectionTrait,
    Doc: EntityTrait,
    Line: EntityTrait,
{
    let ids: Vec<Uuid> = page.items.iter().map(id_of).collect();
    let mut lines: HashMap<Uuid, Vec<Line::Model>> = HashMap::new();
    if !ids.is_empty() {
        for line in Line::find()
            .filter(lines_of.document.is_in(ids))
            .order_by_asc(lines_of.line_no)
            .all(db)
            .await?
        {
            lines
                .entry((lines_of.document_of)(&line))
                .or_default()
                .push(line);
        }
    }
    Ok(page.map(|document| {
        let lines = lines.remove(&id_of(&document)).unwrap_or_default();
        detail(document, lines)
    }))
}

/// The error for a document in a state that does not allow the change.
fn wrong_state(document: &str, status: &str, action: &str) -> DomainError {
    let status = status.replace('_', " ");
    let article = if status.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    DomainError::conflict(
        Conflict::WrongState,
        format!("{article} {status} {document} cannot be {action}"),
    )
}

/// The life cycle of one kind of document: its name and the id, status and update-time columns
/// of its table.
pub struct Lifecycle<E: EntityTrait> {
    pub document: &'static str,
    pub id: E::Column,
    pub status: E::Column,
    pub updated_at: E::Column,
}

impl<E: EntityTrait> Lifecycle<E> {
    /// Moves a document from status `from` to `to` in one conditional update, which also locks
    /// its row: the latest committed status decides on every database, whatever the isolation
    /// level, so two concurrent requests can never both make the same transition. Returns
    /// whether it moved.
    async fn transition<C: ConnectionTrait, S: Into<sea_orm::Value>>(
        &self,
        txn: &C,
        id: Uuid,
        from: S,
        to: S,
    ) -> Result<bool, DomainError> {
        let moved = E::update_many()
            .col_expr(self.status, Expr::value(to))
            .col_expr(self.updated_at, Expr::value(Utc::now()))
            .filter(self.id.eq(id))
            .filter(self.status.eq(from))
            .exec(txn)
            .await?;
        Ok(moved.rows_affected == 1)
    }

    /// The error for a document whose status does not allow `action` (or that does not exist).
    async fn refused<C: ConnectionTrait>(&self, txn: &C, id: Uuid, action: &str) -> DomainError {
        let status: Result<Option<String>, sea_orm::DbErr> = E::find()
            .select_only()
            .column(self.status)
            .filter(self.id.eq(id))
            .into_tuple()
            .one(txn)
            .await;
        match status {
            Ok(Some(status)) => wrong_state(self.document, &status, action),
            Ok(None) => DomainError::NotFound(self.document),
            Err(err) => err.into(),
        }
    }
}
