//! Sales of a branch or of every branch over business dates, by item, staff user, hour of the
//! day and payment method. Counted as daily sales are: settled sales and work orders add,
//! returns subtract, voided transactions and voids are left out.

use std::collections::HashMap;

use chrono::{Duration, Timelike};
use entity::{Fixed4, sales_line, sales_payment, sales_transaction};
use futures_util::TryStreamExt;
use rust_decimal::Decimal;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Condition, Expr, ExprTrait, Query, SelectStatement, SimpleExpr},
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::Period;
use crate::{
    catalog,
    decimal::from_fixed4,
    error::DomainError,
    pagination::{Page, PageRequest},
    sales::{Kind, Status, queries::integer},
    scope::BranchScope,
};

/// Which sales a report counts: a branch of the scope (or all of it) and a period.
#[derive(Clone, Debug)]
pub struct SalesQuery {
    pub scope: BranchScope,
    pub branch_id: Option<Uuid>,
    pub period: Period,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemSales {
    pub item_id: Uuid,
    pub sku: String,
    pub item_name: String,
    /// Sold minus returned.
    #[schema(value_type = String)]
    pub quantity: Decimal,
    /// Line totals (after line discounts, before tax) of sales minus those of returns.
    #[schema(value_type = String)]
    pub net_sales: Decimal,
    #[schema(value_type = String)]
    pub tax: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffSales {
    pub staff_user_id: Uuid,
    pub staff_user_name: String,
    /// Sales and settled work orders.
    pub sales: i64,
    pub returns: i64,
    /// Totals of sales minus totals of returns.
    #[schema(value_type = String)]
    pub net_total: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HourSales {
    /// The hour of the day at the till (its own UTC offset), 0 to 23.
    pub hour: u32,
    pub sales: i64,
    pub returns: i64,
    #[schema(value_type = String)]
    pub net_total: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MethodSales {
    pub payment_method_id: Uuid,
    pub payment_method_name: String,
    /// Payments of sales and refunds of returns.
    pub payments: i64,
    /// Paid minus refunded.
    #[schema(value_type = String)]
    pub amount: Decimal,
}

/// The transactions a report counts.
pub(super) fn counted(query: &SalesQuery) -> Result<Condition, DomainError> {
    use sales_transaction::Column;
    let scope = query.scope.narrowed(query.branch_id)?;
    let column = |c: Column| Expr::col((sales_transaction::Entity, c));
    Ok(Condition::all()
        .add(scope.condition(Column::BranchId))
        .add(column(Column::BusinessDate).gte(query.period.from))
        .add(column(Column::BusinessDate).lte(query.period.to))
        .add(column(Column::Status).eq(Status::Settled))
        .add(column(Column::Kind).ne(Kind::Void))
        .add(column(Column::VoidedByTransactionId).is_null()))
}

fn is_return() -> SimpleExpr {
    Expr::col((sales_transaction::Entity, sales_transaction::Column::Kind)).eq(Kind::Return)
}

/// `SUM` of `value`, negated for returns, as a 64-bit integer on every database.
pub(super) fn signed_sum(backend: DbBackend, value: SimpleExpr) -> SimpleExpr {
    let signed = Expr::case(is_return(), value.clone().mul(-1)).finally(value);
    integer(backend, Expr::expr(signed).sum())
}

/// How many rows are returns (`true`) or not.
fn count_of(backend: DbBackend, returns: bool) -> SimpleExpr {
    let (then, otherwise) = if returns { (1, 0) } else { (0, 1) };
    integer(
        backend,
        Expr::expr(Expr::case(is_return(), then).finally(otherwise)).sum(),
    )
}

/// `select`, joined to the transactions it belongs to.
pub(super) fn joined_to_transactions(select: &mut SelectStatement, link: SimpleExpr) {
    select.inner_join(
        sales_transaction::Entity,
        link.equals((sales_transaction::Entity, sales_transaction::Column::Id)),
    );
}

/// Sales by item, best first.
pub async fn by_item(
    db: &DatabaseConnection,
    query: &SalesQuery,
    page: PageRequest,
) -> Result<Page<ItemSales>, DomainError> {
    let backend = db.get_database_backend();
    let line = |c: sales_line::Column| Expr::col((sales_line::Entity, c));
    let mut select = Query::select();
    select
        .column((sales_line::Entity, sales_line::Column::ItemId))
        .expr_as(
            signed_sum(backend, line(sales_line::Column::Quantity)),
            "quantity",
        )
        .expr_as(
            signed_sum(backend, line(sales_line::Column::LineTotal)),
            "net_sales",
        )
        .expr_as(signed_sum(backend, line(sales_line::Column::Tax)), "tax")
        .from(sales_line::Entity)
        .cond_where(counted(query)?)
        .group_by_col((sales_line::Entity, sales_line::Column::ItemId));
    joined_to_transactions(&mut select, line(sales_line::Column::SalesTransactionId));
    let mut rows = Vec::new();
    for row in db.query_all(&select).await? {
        let item_id: Uuid = row.try_get("", "item_id")?;
        let quantity: Fixed4 = row.try_get("", "quantity")?;
        let net_sales: Fixed4 = row.try_get("", "net_sales")?;
        let tax: Fixed4 = row.try_get("", "tax")?;
        rows.push((item_id, quantity, net_sales, tax));
    }
    rows.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    let names = catalog::items::sku_and_name(db, rows.iter().map(|r| r.0).collect()).await?;
    let rows = rows
        .into_iter()
        .map(|(item_id, quantity, net_sales, tax)| {
            let (sku, item_name) = names.get(&item_id).cloned().unwrap_or_default();
            ItemSales {
                item_id,
                sku,
                item_name,
                quantity: from_fixed4(quantity),
                net_sales: from_fixed4(net_sales),
                tax: from_fixed4(tax),
            }
        })
        .collect();
    Ok(Page::of_all(rows, page))
}

/// Sales by staff user, best first.
pub async fn by_staff(
    db: &DatabaseConnection,
    query: &SalesQuery,
    page: PageRequest,
) -> Result<Page<StaffSales>, DomainError> {
    use sales_transaction::Column;
    let backend = db.get_database_backend();
    let total = Expr::col((sales_transaction::Entity, Column::Total));
    let mut select = Query::select();
    select
        .column((sales_transaction::Entity, Column::StaffUserId))
        .expr_as(count_of(backend, false), "sales")
        .expr_as(count_of(backend, true), "returns")
        .expr_as(signed_sum(backend, total), "net_total")
        .from(sales_transaction::Entity)
        .cond_where(counted(query)?)
        .group_by_col((sales_transaction::Entity, Column::StaffUserId));
    let mut rows = Vec::new();
    for row in db.query_all(&select).await? {
        let staff: Uuid = row.try_get("", "staff_user_id")?;
        let sales: i64 = row.try_get("", "sales")?;
        let returns: i64 = row.try_get("", "returns")?;
        let net_total: Fixed4 = row.try_get("", "net_total")?;
        rows.push((staff, sales, returns, net_total));
    }
    rows.sort_by(|a, b| b.3.cmp(&a.3).then(a.0.cmp(&b.0)));
    let names = catalog::staff_names(db, rows.iter().map(|r| r.0).collect()).await?;
    let rows = rows
        .into_iter()
        .map(|(staff_user_id, sales, returns, net_total)| StaffSales {
            staff_user_id,
            staff_user_name: names.get(&staff_user_id).cloned().unwrap_or_default(),
            sales,
            returns,
            net_total: from_fixed4(net_total),
        })
        .collect();
    Ok(Page::of_all(rows, page))
}

/// Sales by payment method, largest first.
pub async fn by_payment_method(
    db: &DatabaseConnection,
    query: &SalesQuery,
    page: PageRequest,
) -> Result<Page<MethodSales>, DomainError> {
    let backend = db.get_database_backend();
    let payment = |c: sales_payment::Column| Expr::col((sales_payment::Entity, c));
    let mut select = Query::select();
    select
        .column((
            sales_payment::Entity,
            sales_payment::Column::PaymentMethodId,
        ))
        .expr_as(
            integer(backend, payment(sales_payment::Column::LineNo).count()),
            "payments",
        )
        .expr_as(
            signed_sum(backend, payment(sales_payment::Column::Amount)),
            "amount",
        )
        .from(sales_payment::Entity)
        .cond_where(counted(query)?)
        .group_by_col((
            sales_payment::Entity,
            sales_payment::Column::PaymentMethodId,
        ));
    joined_to_transactions(
        &mut select,
        payment(sales_payment::Column::SalesTransactionId),
    );
    let mut rows = Vec::new();
    for row in db.query_all(&select).await? {
        let method: Uuid = row.try_get("", "payment_method_id")?;
        let payments: i64 = row.try_get("", "payments")?;
        let amount: Fixed4 = row.try_get("", "amount")?;
        rows.push((method, payments, amount));
    }
    rows.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    let names = catalog::payment_method_names(db, rows.iter().map(|r| r.0).collect()).await?;
    let rows = rows
        .into_iter()
        .map(|(payment_method_id, payments, amount)| MethodSales {
            payment_method_id,
            payment_method_name: names.get(&payment_method_id).cloned().unwrap_or_default(),
            payments,
            amount: from_fixed4(amount),
        })
        .collect();
    Ok(Page::of_all(rows, page))
}

/// Sales by hour of the day at the till, all 24 hours. The hour comes from each transaction's
/// own UTC offset, so the transactions are read one by one (streamed, a few columns each).
pub async fn by_hour(
    db: &DatabaseConnection,
    query: &SalesQuery,
    page: PageRequest,
) -> Result<Page<HourSales>, DomainError> {
    use sales_transaction::Column;
    let mut hours: HashMap<u32, (i64, i64, Fixed4)> = HashMap::new();
    let mut stream = sales_transaction::Entity::find()
        .select_only()
        .columns([
            Column::OccurredAt,
            Column::UtcOffsetMinutes,
            Column::Kind,
            Column::Total,
        ])
        .filter(counted(query)?)
        .into_tuple::<(chrono::DateTime<chrono::Utc>, i32, Kind, Fixed4)>()
        .stream(db)
        .await?;
    while let Some((at, offset, kind, total)) = stream.try_next().await? {
        let local = at.checked_add_signed(Duration::minutes(i64::from(offset)));
        let hour = local.unwrap_or(at).hour();
        let figures = hours.entry(hour).or_insert((0, 0, Fixed4::ZERO));
        if kind == Kind::Return {
            figures.1 += 1;
            figures.2 -= total;
        } else {
            figures.0 += 1;
            figures.2 += total;
        }
    }
    let rows = (0..24)
        .map(|hour| {
            let (sales, returns, net) = hours.get(&hour).copied().unwrap_or_default();
            HourSales {
                hour,
                sales,
                returns,
                net_total: from_fixed4(net),
            }
        })
        .collect();
    Ok(Page::of_all(rows, page))
}
