//! Reading transactions: lists, one whole, the ids a terminal's queue can drop, daily sales.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use entity::{Fixed4, sales_line, sales_line_option, sales_payment, sales_transaction};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    QueryOrder,
    sea_query::{Alias, Expr, ExprTrait, Query, SimpleExpr},
};
use uuid::Uuid;

use super::{
    Kind, Status,
    records::{DailySales, Held, Transaction, TransactionSummary},
};
use crate::{
    catalog, channels,
    error::DomainError,
    pagination::{Page, PageRequest, fetch_page},
    scope::BranchScope,
    time,
};

/// Largest number of ids a terminal may ask about at once.
pub const MAX_HELD_QUERY: usize = 5000;
/// Longest span of business dates one summary covers.
pub const MAX_SUMMARY_DAYS: i64 = 366;

/// Filters of the transaction list; all optional.
#[derive(Clone, Debug, Default)]
pub struct TransactionFilter {
    /// One branch of the caller's scope.
    pub branch_id: Option<Uuid>,
    pub terminal_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub receipt_number: Option<String>,
    /// Business dates from this one (inclusive).
    pub from: Option<NaiveDate>,
    /// Business dates up to this one (inclusive).
    pub to: Option<NaiveDate>,
    pub kind: Option<Kind>,
    pub status: Option<Status>,
}

/// Transactions of the scope, newest first.
pub async fn list_transactions(
    db: &DatabaseConnection,
    scope: &BranchScope,
    filter: TransactionFilter,
    page: PageRequest,
) -> Result<Page<TransactionSummary>, DomainError> {
    use sales_transaction::Column;
    let scope = scope.narrowed(filter.branch_id)?;
    let mut select = sales_transaction::Entity::find()
        .filter(scope.condition(Column::BranchId))
        .order_by_desc(Column::OccurredAt)
        .order_by_desc(Column::Id);
    let conditions: [(Column, Option<sea_orm::Value>); 5] = [
        (Column::TerminalId, filter.terminal_id.map(Into::into)),
        (Column::CustomerId, filter.customer_id.map(Into::into)),
        (Column::ReceiptNumber, filter.receipt_number.map(Into::into)),
        (Column::Kind, filter.kind.map(Into::into)),
        (Column::Status, filter.status.map(Into::into)),
    ];
    for (column, value) in conditions {
        if let Some(value) = value {
            select = select.filter(column.eq(value));
        }
    }
    if let Some(from) = filter.from {
        select = select.filter(Column::BusinessDate.gte(from));
    }
    if let Some(to) = filter.to {
        select = select.filter(Column::BusinessDate.lte(to));
    }
    let page = fetch_page(db, select, page).await?;
    let staff = page.items.iter().map(|t| t.staff_user_id).collect();
    let names = catalog::staff_names(db, staff).await?;
    Ok(page.map(|t| {
        let name = names.get(&t.staff_user_id).cloned().unwrap_or_default();
        TransactionSummary::new(t, name)
    }))
}

/// A transaction with its lines and payments.
#[derive(Clone, Debug)]
pub(super) struct TransactionDetail {
    pub transaction: sales_transaction::Model,
    pub lines: Vec<sales_line::Model>,
    /// The lines' options, in line and option order.
    pub options: Vec<sales_line_option::Model>,
    /// Name of each item group an option was chosen from.
    pub group_names: HashMap<Uuid, String>,
    pub payments: Vec<sales_payment::Model>,
    /// SKU and name of each item on the lines.
    pub items: HashMap<Uuid, (String, String)>,
    /// Name of each payment method paid with.
    pub methods: HashMap<Uuid, String>,
    pub staff_user_name: String,
}

/// One transaction of the scope, whole.
pub async fn get_transaction(
    db: &DatabaseConnection,
    scope: &BranchScope,
    id: Uuid,
) -> Result<Transaction, DomainError> {
    let transaction = sales_transaction::Entity::find_by_id(id)
        .filter(scope.condition(sales_transaction::Column::BranchId))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("transaction"))?;
    let lines = sales_line::Entity::find()
        .filter(sales_line::Column::SalesTransactionId.eq(id))
        .order_by_asc(sales_line::Column::LineNo)
        .all(db)
        .await?;
    let payments = sales_payment::Entity::find()
        .filter(sales_payment::Column::SalesTransactionId.eq(id))
        .order_by_asc(sales_payment::Column::LineNo)
        .all(db)
        .await?;
    let options = sales_line_option::Entity::find()
        .filter(sales_line_option::Column::SalesTransactionId.eq(id))
        .order_by_asc(sales_line_option::Column::LineNo)
        .order_by_asc(sales_line_option::Column::OptionNo)
        .all(db)
        .await?;
    let group_names =
        catalog::item_groups::names(db, options.iter().map(|o| o.item_group_id).collect()).await?;
    let item_ids: Vec<Uuid> = lines
        .iter()
        .map(|l| l.item_id)
        .chain(options.iter().map(|o| o.item_id))
        .collect();
    let items = crate::catalog::items::sku_and_name(db, item_ids).await?;
    let method_ids: Vec<Uuid> = payments.iter().map(|p| p.payment_method_id).collect();
    let methods = catalog::payment_method_names(db, method_ids).await?;
    let staff_user_name = catalog::staff_names(db, vec![transaction.staff_user_id])
        .await?
        .remove(&transaction.staff_user_id)
        .unwrap_or_default();
    Ok(Transaction::from(TransactionDetail {
        transaction,
        lines,
        options,
        group_names,
        payments,
        items,
        methods,
        staff_user_name,
    }))
}

/// Which of `ids` (the terminal's own) the hub holds, so an agent can drop them from its queue.
pub async fn held(
    db: &DatabaseConnection,
    terminal_id: Uuid,
    ids: &[Uuid],
) -> Result<Vec<Held>, DomainError> {
    let held = held_transactions(db, terminal_id, ids).await?;
    Ok(held
        .into_iter()
        .map(|t| Held {
            id: t.terminal_transaction_id,
            transaction_id: t.id,
            status: t.status,
            revision: t.revision,
        })
        .collect())
}

/// The stored transactions of `ids` (the terminal's own).
pub(super) async fn held_transactions<C: ConnectionTrait>(
    db: &C,
    terminal_id: Uuid,
    ids: &[Uuid],
) -> Result<Vec<sales_transaction::Model>, DomainError> {
    if ids.len() > MAX_HELD_QUERY {
        return Err(DomainError::invalid(
            "ids",
            format!("must hold at most {MAX_HELD_QUERY} ids"),
        ));
    }
    let mut held = Vec::new();
    for chunk in ids.chunks(crate::inventory::ledger::ROWS_PER_INSERT) {
        held.extend(
            sales_transaction::Entity::find()
                .filter(sales_transaction::Column::TerminalId.eq(terminal_id))
                .filter(
                    sales_transaction::Column::TerminalTransactionId.is_in(chunk.iter().copied()),
                )
                .all(db)
                .await?,
        );
    }
    Ok(held)
}

/// Settled transactions of one kind on one day, voided ones left out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct KindFigures {
    pub count: i64,
    pub subtotal: Fixed4,
    pub discount: Fixed4,
    pub tax: Fixed4,
    pub total: Fixed4,
}

/// One business day of a branch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct DailyFigures {
    pub business_date: NaiveDate,
    /// Sales and settled work orders.
    pub sales: KindFigures,
    pub returns: KindFigures,
    /// Voids recorded that day (what they cancelled is left out of the other figures).
    pub voids: i64,
    /// Paid minus refunded, by payment method.
    pub payments: BTreeMap<Uuid, Fixed4>,
    /// Shipped for sales channels' orders, on a line of its own.
    pub online: channels::OnlineDay,
}

/// `SUM(column)` as a 64-bit integer on every database (PostgreSQL and MySQL widen it).
fn sum_of(backend: DbBackend, column: sales_transaction::Column) -> SimpleExpr {
    integer(
        backend,
        Expr::col((sales_transaction::Entity, column)).sum(),
    )
}

/// An aggregate as a 64-bit integer on every database (PostgreSQL and MySQL widen sums).
pub(crate) fn integer(backend: DbBackend, expr: SimpleExpr) -> SimpleExpr {
    let type_name = if backend == DbBackend::MySql {
        "SIGNED"
    } else {
        "BIGINT"
    };
    expr.cast_as(Alias::new(type_name))
}

/// Sales of a branch per business day from `from` to `to` (inclusive), days without any left
/// out. One date given is that day alone; none is today in the branch's time zone.
pub async fn daily_sales(
    db: &DatabaseConnection,
    scope: &BranchScope,
    branch_id: Uuid,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    page: PageRequest,
) -> Result<Page<DailySales>, DomainError> {
    let branch_id = scope.branch(branch_id)?;
    use sales_transaction::Column;
    let zone = time::branch_time_zone(db, branch_id).await?;
    let (from, to) = match (from, to) {
        (Some(from), Some(to)) => (from, to),
        (Some(day), None) | (None, Some(day)) => (day, day),
        (None, None) => {
            let today = time::today(zone);
            (today, today)
        }
    };
    if to < from || (to - from).num_days() >= MAX_SUMMARY_DAYS {
        return Err(DomainError::invalid(
            "to",
            format!("must be on or after from, and at most {MAX_SUMMARY_DAYS} days later"),
        ));
    }
    let backend = db.get_database_backend();
    let counted = Expr::col((sales_transaction::Entity, Column::BranchId))
        .eq(branch_id)
        .and(Expr::col((sales_transaction::Entity, Column::BusinessDate)).gte(from))
        .and(Expr::col((sales_transaction::Entity, Column::BusinessDate)).lte(to))
        .and(Expr::col((sales_transaction::Entity, Column::Status)).eq(Status::Settled))
        .and(Expr::col((sales_transaction::Entity, Column::VoidedByTransactionId)).is_null());

    let totals = Query::select()
        .column((sales_transaction::Entity, Column::BusinessDate))
        .column((sales_transaction::Entity, Column::Kind))
        .expr_as(integer(backend, Expr::col(Column::Id).count()), "n")
        .expr_as(sum_of(backend, Column::Subtotal), "subtotal")
        .expr_as(sum_of(backend, Column::DiscountTotal), "discount")
        .expr_as(sum_of(backend, Column::TaxTotal), "tax")
        .expr_as(sum_of(backend, Column::Total), "total")
        .from(sales_transaction::Entity)
        .cond_where(counted.clone())
        .group_by_col((sales_transaction::Entity, Column::BusinessDate))
        .group_by_col((sales_transaction::Entity, Column::Kind))
        .to_owned();
    let mut days: BTreeMap<NaiveDate, DailyFigures> = BTreeMap::new();
    for row in db.query_all(&totals).await? {
        let date: NaiveDate = row.try_get("", "business_date")?;
        let kind: Kind = row.try_get("", "kind")?;
        let figures = KindFigures {
            count: row.try_get("", "n")?,
            subtotal: row.try_get("", "subtotal")?,
            discount: row.try_get("", "discount")?,
            tax: row.try_get("", "tax")?,
            total: row.try_get("", "total")?,
        };
        let day = days.entry(date).or_insert_with(|| DailyFigures {
            business_date: date,
            ..Default::default()
        });
        match kind {
            Kind::Sale | Kind::WorkOrder => add(&mut day.sales, &figures),
            Kind::Return => add(&mut day.returns, &figures),
            Kind::Void => day.voids += figures.count,
        }
    }

    let payments = Query::select()
        .column((sales_transaction::Entity, Column::BusinessDate))
        .column((sales_transaction::Entity, Column::Kind))
        .column((
            sales_payment::Entity,
            sales_payment::Column::PaymentMethodId,
        ))
        .expr_as(
            integer(
                backend,
                Expr::col((sales_payment::Entity, sales_payment::Column::Amount)).sum(),
            ),
            "amount",
        )
        .from(sales_payment::Entity)
        .inner_join(
            sales_transaction::Entity,
            Expr::col((
                sales_payment::Entity,
                sales_payment::Column::SalesTransactionId,
            ))
            .equals((sales_transaction::Entity, Column::Id)),
        )
        .cond_where(counted)
        .group_by_col((sales_transaction::Entity, Column::BusinessDate))
        .group_by_col((sales_transaction::Entity, Column::Kind))
        .group_by_col((
            sales_payment::Entity,
            sales_payment::Column::PaymentMethodId,
        ))
        .to_owned();
    for row in db.query_all(&payments).await? {
        let date: NaiveDate = row.try_get("", "business_date")?;
        let kind: Kind = row.try_get("", "kind")?;
        let method: Uuid = row.try_get("", "payment_method_id")?;
        let amount: Fixed4 = row.try_get("", "amount")?;
        let signed = if kind == Kind::Return {
            -amount
        } else {
            amount
        };
        if let Some(day) = days.get_mut(&date) {
            *day.payments.entry(method).or_default() += signed;
        }
    }
    for (date, online) in channels::online_days(db, branch_id, zone, from, to).await? {
        days.entry(date)
            .or_insert_with(|| DailyFigures {
                business_date: date,
                ..Default::default()
            })
            .online = online;
    }
    let methods: Vec<Uuid> = days
        .values()
        .flat_map(|day| day.payments.keys().copied())
        .collect();
    let names = catalog::payment_method_names(db, methods).await?;
    let days = days
        .into_values()
        .map(|day| DailySales::new(day, &names))
        .collect();
    Ok(Page::of_all(days, page))
}

fn add(into: &mut KindFigures, figures: &KindFigures) {
    into.count += figures.count;
    into.subtotal += figures.subtotal;
    into.discount += figures.discount;
    into.tax += figures.tax;
    into.total += figures.total;
}
