//! Shifts and cash drawers (seed 002's cash-drawer log and deposit history). A terminal opens a
//! shift under its own id with an opening float, records paid-ins and paid-outs, and closes it
//! with what it counted per payment method; the hub computes what it expected from the shift's
//! own transactions (the terminal's settled, unvoided transactions between its opening and its
//! close, by the terminal's clock) and keeps the differences. Every step sent again changes
//! nothing and answers what the first did. Admins record bank deposits against closed shifts.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    Fixed4, cash_deposit, payment_method, payment_method::MethodKind, sales_payment,
    sales_transaction, shift, shift_movement, shift_tender, staff_user, terminal,
};
pub use entity::{shift::ShiftState, shift_movement::MovementKind};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, sea_query::Expr,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Kind, Status};
use crate::{
    catalog,
    decimal::{from_fixed4, non_negative_fixed4},
    error::{Conflict, DomainError, FieldErrors},
    pagination::{Page, PageRequest, fetch_page},
    scope::BranchScope,
    validation::{optional_text, required_text},
};

/// Payment methods counted at a close, at most.
const MAX_COUNTED: usize = 50;

#[derive(Clone, Debug)]
pub struct ShiftOpening {
    pub id: Uuid,
    pub staff_user_id: Uuid,
    pub opened_at: DateTime<Utc>,
    pub opening_float: Decimal,
}

#[derive(Clone, Debug)]
pub struct CashMovementInput {
    pub id: Uuid,
    pub kind: MovementKind,
    pub amount: Decimal,
    pub reason: String,
    pub at: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct ShiftClose {
    pub closed_at: DateTime<Utc>,
    /// (payment method, amount counted); a method left out counted nothing.
    pub counted: Vec<(Uuid, Decimal)>,
}

/// One payment method at a closed shift.
#[derive(Debug, Serialize, ToSchema)]
pub struct Tender {
    pub payment_method_id: Uuid,
    pub payment_method_name: String,
    #[schema(value_type = String)]
    pub expected: Decimal,
    #[schema(value_type = String)]
    pub counted: Decimal,
    /// Counted minus expected: below zero is short, above is over.
    #[schema(value_type = String)]
    pub difference: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CashMovement {
    pub id: Uuid,
    pub kind: MovementKind,
    #[schema(value_type = String)]
    pub amount: Decimal,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// A shift as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShiftSummary {
    pub id: Uuid,
    pub branch_id: Uuid,
    pub terminal_id: Uuid,
    pub terminal_name: String,
    pub staff_user_id: Uuid,
    pub staff_user_name: String,
    pub state: ShiftState,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    #[schema(value_type = String)]
    pub opening_float: Decimal,
    /// Counted minus expected over every method, once closed.
    #[schema(value_type = Option<String>)]
    pub difference: Option<Decimal>,
    pub deposit_id: Option<Uuid>,
}

/// A shift whole: its close report (seed 002's cash-drawer log).
#[derive(Debug, Serialize, ToSchema)]
pub struct ShiftReport {
    #[serde(flatten)]
    pub shift: ShiftSummary,
    /// Transactions of the shift counted in the expected amounts.
    pub transactions: u64,
    pub movements: Vec<CashMovement>,
    /// Per payment method, once closed.
    pub tenders: Vec<Tender>,
}

/// What a terminal's step did: `created` is false when it was sent before.
pub struct Recorded<T> {
    pub value: T,
    pub created: bool,
}

async fn own_shift<C: ConnectionTrait>(
    txn: &C,
    terminal_id: Uuid,
    shift_id: Uuid,
) -> Result<shift::Model, DomainError> {
    shift::Entity::find_by_id(shift_id)
        .filter(shift::Column::TerminalId.eq(terminal_id))
        .one(txn)
        .await?
        .ok_or(DomainError::NotFound("shift"))
}

/// Takes the terminal's row lock: one terminal's shift steps run one after another.
async fn lock_terminal<C: ConnectionTrait>(txn: &C, terminal_id: Uuid) -> Result<(), DomainError> {
    terminal::Entity::update_many()
        .col_expr(terminal::Column::Id, Expr::col(terminal::Column::Id))
        .filter(terminal::Column::Id.eq(terminal_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// Opens a shift at the terminal (the terminal's id for it is the exactly-once key).
#[tracing::instrument(skip_all, fields(shift_id = %input.id), err(level = "info"))]
pub async fn open_shift<C: ConnectionTrait>(
    txn: &C,
    terminal_id: Uuid,
    branch_id: Uuid,
    input: ShiftOpening,
) -> Result<Recorded<ShiftReport>, DomainError> {
    let opening_float = non_negative_fixed4(input.opening_float)
        .map_err(|why| DomainError::invalid("opening_float", why))?;
    lock_terminal(txn, terminal_id).await?;
    if let Some(existing) = shift::Entity::find_by_id(input.id).one(txn).await? {
        let same = existing.terminal_id == terminal_id
            && existing.staff_user_id == input.staff_user_id
            && existing.opened_at == input.opened_at
            && existing.opening_float == opening_float;
        if !same {
            return Err(DomainError::conflict(
                Conflict::AlreadyExists,
                "another shift has this id",
            ));
        }
        return Ok(Recorded {
            value: report(txn, existing).await?,
            created: false,
        });
    }
    if staff_user::Entity::find_by_id(input.staff_user_id)
        .one(txn)
        .await?
        .is_none()
    {
        return Err(DomainError::invalid(
            "staff_user_id",
            "no staff user has this id",
        ));
    }
    let now = Utc::now();
    let opened = shift::ActiveModel {
        id: Set(input.id),
        terminal_id: Set(terminal_id),
        branch_id: Set(branch_id),
        staff_user_id: Set(input.staff_user_id),
        opened_at: Set(input.opened_at),
        opening_float: Set(opening_float),
        state: Set(ShiftState::Open),
        closed_at: Set(None),
        close_hash: Set(None),
        difference: Set(None),
        deposit_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    Ok(Recorded {
        value: report(txn, opened).await?,
        created: true,
    })
}

/// Records a paid-in or paid-out of an open shift of the terminal.
#[tracing::instrument(skip_all, fields(shift_id = %shift_id), err(level = "info"))]
pub async fn record_cash_movement<C: ConnectionTrait>(
    txn: &C,
    terminal_id: Uuid,
    shift_id: Uuid,
    input: CashMovementInput,
) -> Result<Recorded<CashMovement>, DomainError> {
    let mut errors = FieldErrors::default();
    let amount = errors.check(
        "amount",
        non_negative_fixed4(input.amount).and_then(|a| {
            (a > Fixed4::ZERO)
                .then_some(a)
                .ok_or_else(|| "must be above zero".to_string())
        }),
    );
    let reason = errors.check("reason", required_text(&input.reason, 200));
    errors.into_result()?;
    let (Some(amount), Some(reason)) = (amount, reason) else {
        return Err(DomainError::invalid("amount", "is required"));
    };
    lock_terminal(txn, terminal_id).await?;
    let shift = own_shift(txn, terminal_id, shift_id).await?;
    if let Some(existing) = shift_movement::Entity::find_by_id(input.id)
        .one(txn)
        .await?
    {
        let same = existing.shift_id == shift_id
            && existing.kind == input.kind
            && existing.amount == amount
            && existing.reason == reason
            && existing.at == input.at;
        if !same {
            return Err(DomainError::conflict(
                Conflict::AlreadyExists,
                "another cash movement has this id",
            ));
        }
        return Ok(Recorded {
            value: existing.into(),
            created: false,
        });
    }
    if shift.state != ShiftState::Open {
        return Err(DomainError::conflict(
            Conflict::WrongState,
            "the shift is closed: its drawer takes no more cash movements",
        ));
    }
    let movement = shift_movement::ActiveModel {
        id: Set(input.id),
        shift_id: Set(shift_id),
        kind: Set(input.kind),
        amount: Set(amount),
        reason: Set(reason),
        at: Set(input.at),
    }
    .insert(txn)
    .await?;
    Ok(Recorded {
        value: movement.into(),
        created: true,
    })
}

impl From<shift_movement::Model> for CashMovement {
    fn from(m: shift_movement::Model) -> Self {
        Self {
            id: m.id,
            kind: m.kind,
            amount: from_fixed4(m.amount),
            reason: m.reason,
            at: m.at,
        }
    }
}

fn close_hash(close: &ShiftClose) -> String {
    let mut counted: Vec<(Uuid, Decimal)> = close
        .counted
        .iter()
        .map(|(method, amount)| (*method, amount.normalize()))
        .collect();
    counted.sort();
    let canonical = serde_json::json!([close.closed_at, counted]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// Closes a shift of the terminal with what was counted; answers its close report.
#[tracing::instrument(skip_all, fields(shift_id = %shift_id), err(level = "info"))]
pub async fn close_shift<C: ConnectionTrait>(
    txn: &C,
    terminal_id: Uuid,
    shift_id: Uuid,
    close: ShiftClose,
) -> Result<ShiftReport, DomainError> {
    let mut errors = FieldErrors::default();
    if close.counted.len() > MAX_COUNTED {
        errors.check::<()>(
            "counted",
            Err(format!("must hold at most {MAX_COUNTED} methods")),
        );
    }
    let mut counted: BTreeMap<Uuid, Fixed4> = BTreeMap::new();
    for (i, (method, amount)) in close.counted.iter().enumerate() {
        if let Some(amount) = errors.check(
            &format!("counted[{i}].amount"),
            non_negative_fixed4(*amount),
        ) && counted.insert(*method, amount).is_some()
        {
            errors.check::<()>(
                &format!("counted[{i}].payment_method_id"),
                Err("is counted twice".into()),
            );
        }
    }
    errors.into_result()?;
    let hash = close_hash(&close);
    lock_terminal(txn, terminal_id).await?;
    let shift = own_shift(txn, terminal_id, shift_id).await?;
    if shift.state == ShiftState::Closed {
        if shift.close_hash.as_deref() == Some(hash.as_str()) {
            return report(txn, shift).await;
        }
        return Err(DomainError::conflict(
            Conflict::WrongState,
            "the shift was closed already, with another count",
        ));
    }
    if close.closed_at < shift.opened_at {
        return Err(DomainError::invalid(
            "closed_at",
            "is before the shift opened",
        ));
    }
    let known = payment_method::Entity::find()
        .filter(payment_method::Column::Id.is_in(counted.keys().copied()))
        .all(txn)
        .await?;
    if known.len() != counted.len() {
        return Err(DomainError::invalid(
            "counted",
            "names a payment method that does not exist",
        ));
    }
    let expected = expected_amounts(txn, &shift, close.closed_at).await?;
    let mut tenders = Vec::new();
    let mut difference = Fixed4::ZERO;
    let methods: std::collections::BTreeSet<Uuid> =
        expected.keys().chain(counted.keys()).copied().collect();
    for method in methods {
        let expected = expected.get(&method).copied().unwrap_or_default();
        let counted = counted.get(&method).copied().unwrap_or_default();
        difference += counted - expected;
        tenders.push(shift_tender::ActiveModel {
            shift_id: Set(shift_id),
            payment_method_id: Set(method),
            expected: Set(expected),
            counted: Set(counted),
            difference: Set(counted - expected),
        });
    }
    crate::inventory::ledger::insert_chunked(txn, tenders).await?;
    let mut closed = shift.into_active_model();
    closed.state = Set(ShiftState::Closed);
    closed.closed_at = Set(Some(close.closed_at));
    closed.close_hash = Set(Some(hash));
    closed.difference = Set(Some(difference));
    closed.updated_at = Set(Utc::now());
    let closed = closed.update(txn).await?;
    report(txn, closed).await
}

/// The settled, unvoided sales, returns and work orders of the shift's terminal between its
/// opening and `until` (a void counts through what it voided dropping out).
fn shift_transactions(
    shift: &shift::Model,
    until: DateTime<Utc>,
) -> sea_orm::Select<sales_transaction::Entity> {
    use sales_transaction::Column;
    sales_transaction::Entity::find()
        .filter(Column::TerminalId.eq(shift.terminal_id))
        .filter(Column::OccurredAt.gte(shift.opened_at))
        .filter(Column::OccurredAt.lte(until))
        .filter(Column::Status.eq(Status::Settled))
        .filter(Column::VoidedByTransactionId.is_null())
        .filter(Column::Kind.ne(Kind::Void))
}

/// Per payment method, what the drawer should hold: payments of sales less refunds of returns;
/// for cash methods also the float, plus paid-ins, less paid-outs.
async fn expected_amounts<C: ConnectionTrait>(
    txn: &C,
    shift: &shift::Model,
    until: DateTime<Utc>,
) -> Result<BTreeMap<Uuid, Fixed4>, DomainError> {
    let transactions = shift_transactions(shift, until).all(txn).await?;
    let kinds: HashMap<Uuid, Kind> = transactions.iter().map(|t| (t.id, t.kind)).collect();
    let payments = sales_payment::Entity::find()
        .filter(sales_payment::Column::SalesTransactionId.is_in(kinds.keys().copied()))
        .all(txn)
        .await?;
    let mut expected: BTreeMap<Uuid, Fixed4> = BTreeMap::new();
    for payment in payments {
        let signed = match kinds.get(&payment.sales_transaction_id) {
            Some(Kind::Return) => -payment.amount,
            _ => payment.amount,
        };
        *expected.entry(payment.payment_method_id).or_default() += signed;
    }
    let cash = payment_method::Entity::find()
        .filter(payment_method::Column::MethodKind.eq(MethodKind::Cash))
        .order_by_asc(payment_method::Column::Code)
        .all(txn)
        .await?;
    // The drawer's own cash goes to the cash method the shift took payments in, or the first.
    let drawer = cash
        .iter()
        .find(|m| expected.contains_key(&m.id))
        .or(cash.first())
        .map(|m| m.id);
    if let Some(drawer) = drawer {
        let movements = shift_movement::Entity::find()
            .filter(shift_movement::Column::ShiftId.eq(shift.id))
            .all(txn)
            .await?;
        let moved: Fixed4 = movements
            .iter()
            .map(|m| match m.kind {
                MovementKind::PaidIn => m.amount,
                MovementKind::PaidOut => -m.amount,
            })
            .sum();
        *expected.entry(drawer).or_default() += shift.opening_float + moved;
    }
    Ok(expected)
}

async fn summary<C: ConnectionTrait>(
    conn: &C,
    shifts: Vec<shift::Model>,
) -> Result<Vec<ShiftSummary>, DomainError> {
    let staff =
        catalog::staff_names(conn, shifts.iter().map(|s| s.staff_user_id).collect()).await?;
    let terminals: HashMap<Uuid, String> = terminal::Entity::find()
        .filter(terminal::Column::Id.is_in(shifts.iter().map(|s| s.terminal_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    Ok(shifts
        .into_iter()
        .map(|s| ShiftSummary {
            id: s.id,
            branch_id: s.branch_id,
            terminal_id: s.terminal_id,
            terminal_name: terminals.get(&s.terminal_id).cloned().unwrap_or_default(),
            staff_user_id: s.staff_user_id,
            staff_user_name: staff.get(&s.staff_user_id).cloned().unwrap_or_default(),
            state: s.state,
            opened_at: s.opened_at,
            closed_at: s.closed_at,
            opening_float: from_fixed4(s.opening_float),
            difference: s.difference.map(from_fixed4),
            deposit_id: s.deposit_id,
        })
        .collect())
}

async fn report<C: ConnectionTrait>(
    conn: &C,
    shift: shift::Model,
) -> Result<ShiftReport, DomainError> {
    let until = shift.closed_at.unwrap_or_else(Utc::now);
    let transactions =
        sea_orm::PaginatorTrait::count(shift_transactions(&shift, until), conn).await?;
    let movements = shift_movement::Entity::find()
        .filter(shift_movement::Column::ShiftId.eq(shift.id))
        .order_by_asc(shift_movement::Column::At)
        .all(conn)
        .await?;
    let tenders = shift_tender::Entity::find()
        .filter(shift_tender::Column::ShiftId.eq(shift.id))
        .all(conn)
        .await?;
    let names =
        catalog::payment_method_names(conn, tenders.iter().map(|t| t.payment_method_id).collect())
            .await?;
    let mut tenders: Vec<Tender> = tenders
        .into_iter()
        .map(|t| Tender {
            payment_method_id: t.payment_method_id,
            payment_method_name: names.get(&t.payment_method_id).cloned().unwrap_or_default(),
            expected: from_fixed4(t.expected),
            counted: from_fixed4(t.counted),
            difference: from_fixed4(t.difference),
        })
        .collect();
    tenders.sort_by(|a, b| a.payment_method_name.cmp(&b.payment_method_name));
    let shift = summary(conn, vec![shift])
        .await?
        .pop()
        .ok_or(DomainError::NotFound("shift"))?;
    Ok(ShiftReport {
        shift,
        transactions,
        movements: movements.into_iter().map(CashMovement::from).collect(),
        tenders,
    })
}

/// One shift of the scope, whole.
pub async fn get_shift<C: ConnectionTrait>(
    conn: &C,
    scope: &BranchScope,
    shift_id: Uuid,
) -> Result<ShiftReport, DomainError> {
    let shift = shift::Entity::find_by_id(shift_id)
        .filter(scope.condition(shift::Column::BranchId))
        .one(conn)
        .await?
        .ok_or(DomainError::NotFound("shift"))?;
    report(conn, shift).await
}

/// Which shifts to list; all optional.
#[derive(Clone, Debug, Default)]
pub struct ShiftFilter {
    pub branch_id: Option<Uuid>,
    pub terminal_id: Option<Uuid>,
    /// Opened on or after this day (UTC).
    pub from: Option<NaiveDate>,
    /// Opened on or before this day (UTC).
    pub to: Option<NaiveDate>,
    /// Only closed shifts whose count differed from what was expected.
    pub discrepancy: Option<bool>,
    pub state: Option<ShiftState>,
}

/// Shifts of the scope, newest first.
pub async fn list_shifts<C: ConnectionTrait>(
    conn: &C,
    scope: &BranchScope,
    filter: ShiftFilter,
    page: PageRequest,
) -> Result<Page<ShiftSummary>, DomainError> {
    use shift::Column;
    let scope = scope.narrowed(filter.branch_id)?;
    let mut select = shift::Entity::find()
        .filter(scope.condition(Column::BranchId))
        .order_by_desc(Column::OpenedAt)
        .order_by_desc(Column::Id);
    if let Some(terminal_id) = filter.terminal_id {
        select = select.filter(Column::TerminalId.eq(terminal_id));
    }
    if let Some(from) = filter.from {
        select =
            select.filter(Column::OpenedAt.gte(from.and_time(chrono::NaiveTime::MIN).and_utc()));
    }
    if let Some(to) = filter.to.and_then(|to| to.succ_opt()) {
        select = select.filter(Column::OpenedAt.lt(to.and_time(chrono::NaiveTime::MIN).and_utc()));
    }
    if let Some(state) = filter.state {
        select = select.filter(Column::State.eq(state));
    }
    match filter.discrepancy {
        Some(true) => select = select.filter(Column::Difference.ne(Fixed4::ZERO)),
        Some(false) => select = select.filter(Column::Difference.eq(Fixed4::ZERO)),
        None => {}
    }
    let page = fetch_page(conn, select, page).await?;
    let items = summary(conn, page.items).await?;
    Ok(Page {
        items,
        total: page.total,
        request: page.request,
    })
}

#[derive(Clone, Debug)]
pub struct DepositInput {
    pub amount: Decimal,
    pub deposited_at: DateTime<Utc>,
    pub reference: Option<String>,
    pub shift_ids: Vec<Uuid>,
}

/// A bank deposit, with the cash its shifts counted.
#[derive(Debug, Serialize, ToSchema)]
pub struct Deposit {
    pub id: Uuid,
    pub branch_id: Uuid,
    #[schema(value_type = String)]
    pub amount: Decimal,
    /// Cash counted at the close of its shifts.
    #[schema(value_type = String)]
    pub expected: Decimal,
    /// Amount minus expected.
    #[schema(value_type = String)]
    pub difference: Decimal,
    pub deposited_at: DateTime<Utc>,
    pub reference: Option<String>,
    pub recorded_by: String,
    pub shift_ids: Vec<Uuid>,
}

/// Records cash of closed shifts of a branch taken to the bank; a shift goes into one deposit.
#[tracing::instrument(skip_all, fields(branch_id = %branch_id), err(level = "info"))]
pub async fn record_deposit<C: ConnectionTrait>(
    txn: &C,
    scope: &BranchScope,
    branch_id: Uuid,
    actor: &str,
    input: DepositInput,
) -> Result<Deposit, DomainError> {
    let branch_id = scope.branch(branch_id)?;
    let mut errors = FieldErrors::default();
    let amount = errors.check("amount", non_negative_fixed4(input.amount));
    let reference = errors.check("reference", optional_text(input.reference.as_deref(), 200));
    if input.shift_ids.is_empty() || input.shift_ids.len() > 500 {
        errors.check::<()>("shift_ids", Err("must name 1 to 500 shifts".into()));
    }
    errors.into_result()?;
    let (Some(amount), Some(reference)) = (amount, reference) else {
        return Err(DomainError::invalid("amount", "is required"));
    };
    let shifts = shift::Entity::find()
        .filter(shift::Column::Id.is_in(input.shift_ids.iter().copied()))
        .filter(shift::Column::BranchId.eq(branch_id))
        .all(txn)
        .await?;
    if shifts.len() != input.shift_ids.len() {
        return Err(DomainError::invalid(
            "shift_ids",
            "names a shift that is not of this branch",
        ));
    }
    if let Some(open) = shifts
        .iter()
        .find(|s| s.state != ShiftState::Closed || s.deposit_id.is_some())
    {
        return Err(DomainError::conflict(
            Conflict::WrongState,
            format!(
                "shift {} is open, or its cash was deposited already",
                open.id
            ),
        ));
    }
    let cash: Vec<Uuid> = payment_method::Entity::find()
        .filter(payment_method::Column::MethodKind.eq(MethodKind::Cash))
        .all(txn)
        .await?
        .into_iter()
        .map(|m| m.id)
        .collect();
    let expected: Fixed4 = shift_tender::Entity::find()
        .filter(shift_tender::Column::ShiftId.is_in(input.shift_ids.iter().copied()))
        .filter(shift_tender::Column::PaymentMethodId.is_in(cash))
        .all(txn)
        .await?
        .iter()
        .map(|t| t.counted)
        .sum();
    let deposit = cash_deposit::ActiveModel {
        id: Set(Uuid::now_v7()),
        branch_id: Set(branch_id),
        amount: Set(amount),
        expected: Set(expected),
        deposited_at: Set(input.deposited_at),
        reference: Set(reference),
        recorded_by: Set(actor.to_string()),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    // Only shifts not deposited yet: two deposits racing for one shift cannot both take it.
    let taken = shift::Entity::update_many()
        .col_expr(shift::Column::DepositId, Expr::value(deposit.id))
        .filter(shift::Column::Id.is_in(input.shift_ids.iter().copied()))
        .filter(shift::Column::DepositId.is_null())
        .exec(txn)
        .await?;
    if taken.rows_affected != input.shift_ids.len() as u64 {
        return Err(DomainError::conflict(
            Conflict::WrongState,
            "a shift's cash was deposited meanwhile",
        ));
    }
    Ok(deposit_view(deposit, input.shift_ids))
}

fn deposit_view(d: cash_deposit::Model, shift_ids: Vec<Uuid>) -> Deposit {
    Deposit {
        id: d.id,
        branch_id: d.branch_id,
        amount: from_fixed4(d.amount),
        expected: from_fixed4(d.expected),
        difference: from_fixed4(d.amount - d.expected),
        deposited_at: d.deposited_at,
        reference: d.reference,
        recorded_by: d.recorded_by,
        shift_ids,
    }
}

/// A branch's deposits, newest first.
pub async fn list_deposits<C: ConnectionTrait>(
    conn: &C,
    scope: &BranchScope,
    branch_id: Uuid,
    page: PageRequest,
) -> Result<Page<Deposit>, DomainError> {
    let branch_id = scope.branch(branch_id)?;
    let select = cash_deposit::Entity::find()
        .filter(cash_deposit::Column::BranchId.eq(branch_id))
        .order_by_desc(cash_deposit::Column::DepositedAt)
        .order_by_desc(cash_deposit::Column::Id);
    let page = fetch_page(conn, select, page).await?;
    let mut shifts_of: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for s in shift::Entity::find()
        .filter(shift::Column::DepositId.is_in(page.items.iter().map(|d| d.id)))
        .order_by_asc(shift::Column::OpenedAt)
        .all(conn)
        .await?
    {
        if let Some(deposit) = s.deposit_id {
            shifts_of.entry(deposit).or_default().push(s.id);
        }
    }
    Ok(page.map(|d| {
        let shifts = shifts_of.remove(&d.id).unwrap_or_default();
        deposit_view(d, shifts)
    }))
}
