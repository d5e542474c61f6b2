//! Transfer tickets: draft → dispatched (source −, in transit) → received (destination +, any
//! difference recorded as a discrepancy movement); cancelled before dispatch, or after it by
//! returning the stock to the source.

use chrono::{DateTime, Utc};
use entity::{
    Fixed4, outbound_event::EventType, transfer_line, transfer_ticket,
    transfer_ticket::TransferStatus,
};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, sea_query::ExprTrait,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    Lifecycle, LineInput, checked_lines,
    ledger::{self, Floor, Movement, Reason, Source},
};
use crate::{
    decimal::{from_fixed4, non_negative_fixed4},
    error::{DomainError, FieldErrors},
    outbound::emitted,
    pagination::{Page, PageRequest, fetch_page},
    scope::BranchScope,
    validation::optional_text,
};

pub const DOCUMENT: &str = "transfer_ticket";

#[derive(Clone, Debug)]
pub struct TransferInput {
    pub from_branch_id: Uuid,
    pub to_branch_id: Uuid,
    pub note: Option<String>,
    pub lines: Vec<LineInput>,
}

/// What arrived on one line; lines not named arrived in full.
#[derive(Clone, Debug)]
pub struct ReceivedLine {
    pub line_no: i32,
    pub quantity: Decimal,
}

#[derive(Clone, Debug)]
struct TransferDetail {
    pub ticket: transfer_ticket::Model,
    pub lines: Vec<transfer_line::Model>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TransferLine {
    pub line_no: i32,
    pub item_id: Uuid,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    #[schema(value_type = Option<String>)]
    pub quantity_received: Option<Decimal>,
    /// Received minus sent, once received.
    #[schema(value_type = Option<String>)]
    pub discrepancy: Option<Decimal>,
}

impl From<transfer_line::Model> for TransferLine {
    fn from(l: transfer_line::Model) -> Self {
        Self {
            line_no: l.line_no,
            item_id: l.item_id,
            quantity: from_fixed4(l.quantity),
            quantity_received: l.quantity_received.map(from_fixed4),
            discrepancy: l
                .quantity_received
                .map(|received| from_fixed4(received - l.quantity)),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Transfer {
    pub id: Uuid,
    pub from_branch_id: Uuid,
    pub to_branch_id: Uuid,
    pub status: TransferStatus,
    pub note: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub lines: Vec<TransferLine>,
}

impl From<TransferDetail> for Transfer {
    fn from(d: TransferDetail) -> Self {
        let t = d.ticket;
        Self {
            id: t.id,
            from_branch_id: t.from_branch_id,
            to_branch_id: t.to_branch_id,
            status: t.status,
            note: t.note,
            created_by: t.created_by,
            created_at: t.created_at,
            updated_at: t.updated_at,
            lines: d.lines.into_iter().map(TransferLine::from).collect(),
        }
    }
}

/// Creates a draft transfer ticket; nothing moves until it is dispatched.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn create_transfer<C: ConnectionTrait>(
    txn: &C,
    scope: &BranchScope,
    actor: &str,
    input: TransferInput,
) -> Result<Transfer, DomainError> {
    scope.branch(input.from_branch_id)?;
    scope.branch(input.to_branch_id)?;
    let mut errors = FieldErrors::default();
    let note = errors.check("note", optional_text(input.note.as_deref(), 2000));
    if input.from_branch_id == input.to_branch_id {
        errors.check::<()>(
            "to_branch_id",
            Err("must differ from from_branch_id".into()),
        );
    }
    let lines = checked_lines(&input.lines, &mut errors);
    errors.into_result()?;
    let lines = lines.unwrap_or_default();

    ledger::lock_branches(txn, &[input.from_branch_id, input.to_branch_id]).await?;
    ledger::active_branch(txn, input.from_branch_id).await?;
    ledger::active_branch(txn, input.to_branch_id).await?;
    let item_ids: Vec<Uuid> = lines.iter().map(|(item_id, _)| *item_id).collect();
    ledger::check_stock_items(txn, &item_ids).await?;

    let now = Utc::now();
    let ticket = transfer_ticket::Entity::insert(transfer_ticket::ActiveModel {
        id: Set(Uuid::now_v7()),
        from_branch_id: Set(input.from_branch_id),
        to_branch_id: Set(input.to_branch_id),
        status: Set(TransferStatus::Draft),
        note: Set(note.flatten()),
        created_by: Set(actor.to_string()),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_with_returning(txn)
    .await?;
    let rows = (1..).zip(&lines).map(
        |(line_no, (item_id, quantity))| transfer_line::ActiveModel {
            transfer_ticket_id: Set(ticket.id),
            line_no: Set(line_no),
            item_id: Set(*item_id),
            quantity: Set(*quantity),
            quantity_received: Set(None),
        },
    );
    transfer_line::Entity::insert_many(rows)
        .exec_without_returning(txn)
        .await?;
    let transfer = load(txn, ticket.id).await?.into();
    emitted(txn, EventType::TransferCreated, None, transfer).await
}

async fn load<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<TransferDetail, DomainError> {
    let ticket = transfer_ticket::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("transfer ticket"))?;
    with_lines(db, ticket).await
}

async fn with_lines<C: ConnectionTrait>(
    db: &C,
    ticket: transfer_ticket::Model,
) -> Result<TransferDetail, DomainError> {
    let lines = transfer_line::Entity::find()
        .filter(transfer_line::Column::TransferTicketId.eq(ticket.id))
        .order_by_asc(transfer_line::Column::LineNo)
        .all(db)
        .await?;
    Ok(TransferDetail { ticket, lines })
}

fn lifecycle() -> Lifecycle<transfer_ticket::Entity> {
    Lifecycle {
        document: "transfer ticket",
        id: transfer_ticket::Column::Id,
        status: transfer_ticket::Column::Status,
        updated_at: transfer_ticket::Column::UpdatedAt,
    }
}

/// After a transition: locks both branches of the ticket and reads it with its lines.
async fn locked<C: ConnectionTrait>(txn: &C, id: Uuid) -> Result<TransferDetail, DomainError> {
    let ticket = transfer_ticket::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(DomainError::NotFound("transfer ticket"))?;
    ledger::lock_branches(txn, &[ticket.from_branch_id, ticket.to_branch_id]).await?;
    with_lines(txn, ticket).await
}

/// Takes the stock out of the source branch; it is in transit to the destination until received.
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn dispatch_transfer<C: ConnectionTrait>(
    txn: &C,
    actor: &str,
    id: Uuid,
) -> Result<Transfer, DomainError> {
    if !lifecycle()
        .transition(txn, id, TransferStatus::Draft, TransferStatus::Dispatched)
        .await?
    {
        return Err(lifecycle().refused(txn, id, "dispatched").await);
    }
    let detail = locked(txn, id).await?;
    let ticket = &detail.ticket;
    let source_branch = ledger::active_branch(txn, ticket.from_branch_id).await?;
    let source = Source {
        document_type: DOCUMENT,
        document_id: id,
        actor: actor.to_string(),
    };
    let floor = Floor::Enforced {
        allow_negative: source_branch.allow_negative_stock,
    };
    for line in &detail.lines {
        ledger::move_stock(
            txn,
            Movement {
                branch_id: ticket.from_branch_id,
                item_id: line.item_id,
                delta: -line.quantity,
                reason: Reason::TransferOut,
                source: &source,
                line_no: line.line_no,
            },
            floor,
        )
        .await?;
        ledger::move_in_transit(txn, ticket.to_branch_id, line.item_id, line.quantity).await?;
    }
    let transfer = load(txn, id).await?.into();
    emitted(txn, EventType::TransferDispatched, None, transfer).await
}

/// Puts what arrived into the destination. The whole quantity sent enters as `transfer_in`; a
/// short or over receipt is then recorded as an `adjustment` movement of the difference.
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn receive_transfer<C: ConnectionTrait>(
    txn: &C,
    actor: &str,
    id: Uuid,
    received: Vec<ReceivedLine>,
) -> Result<Transfer, DomainError> {
    if !lifecycle()
        .transition(
            txn,
            id,
            TransferStatus::Dispatched,
            TransferStatus::Received,
        )
        .await?
    {
        return Err(lifecycle().refused(txn, id, "received").await);
    }
    super::item_requests::fulfil_by_transfer(txn, id).await?;
    let detail = locked(txn, id).await?;
    let ticket = &detail.ticket;
    let mut errors = FieldErrors::default();
    let mut arrived = std::collections::HashMap::new();
    for (n, line) in received.iter().enumerate() {
        if !detail.lines.iter().any(|l| l.line_no == line.line_no) {
            errors.check::<()>(
                &format!("lines[{n}].line_no"),
                Err(format!("the ticket has no line {}", line.line_no)),
            );
        }
        if let Some(quantity) = errors.check(
            &format!("lines[{n}].quantity"),
            non_negative_fixed4(line.quantity),
        ) && arrived.insert(line.line_no, quantity).is_some()
        {
            errors.check::<()>(
                &format!("lines[{n}].line_no"),
                Err("the line is named twice".into()),
            );
        }
    }
    errors.into_result()?;

    let source = Source {
        document_type: DOCUMENT,
        document_id: id,
        actor: actor.to_string(),
    };
    for line in &detail.lines {
        let quantity_received = arrived.get(&line.line_no).copied().unwrap_or(line.quantity);
        ledger::move_in_transit(txn, ticket.to_branch_id, line.item_id, -line.quantity).await?;
        ledger::move_stock(
            txn,
            Movement {
                branch_id: ticket.to_branch_id,
                item_id: line.item_id,
                delta: line.quantity,
                reason: Reason::TransferIn,
                source: &source,
                line_no: line.line_no,
            },
            Floor::None,
        )
        .await?;
        let discrepancy = quantity_received - line.quantity;
        if discrepancy != Fixed4::ZERO {
            ledger::move_stock(
                txn,
                Movement {
                    branch_id: ticket.to_branch_id,
                    item_id: line.item_id,
                    delta: discrepancy,
                    reason: Reason::Adjustment,
                    source: &source,
                    line_no: line.line_no,
                },
                Floor::None,
            )
            .await?;
        }
        transfer_line::Entity::update_many()
            .col_expr(
                transfer_line::Column::QuantityReceived,
                sea_orm::sea_query::Expr::value(quantity_received),
            )
            .filter(transfer_line::Column::TransferTicketId.eq(id))
            .filter(transfer_line::Column::LineNo.eq(line.line_no))
            .exec(txn)
            .await?;
    }
    let transfer = load(txn, id).await?.into();
    emitted(txn, EventType::TransferReceived, None, transfer).await
}

/// Cancels a draft, or a dispatched ticket by returning its stock to the source.
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn cancel_transfer<C: ConnectionTrait>(
    txn: &C,
    actor: &str,
    id: Uuid,
) -> Result<Transfer, DomainError> {
    if lifecycle()
        .transition(txn, id, TransferStatus::Draft, TransferStatus::Cancelled)
        .await?
    {
        // Locked as every emitting write is (see `outbound::emit`).
        let transfer = locked(txn, id).await?.into();
        return emitted(txn, EventType::TransferCancelled, None, transfer).await;
    }
    if !lifecycle()
        .transition(
            txn,
            id,
            TransferStatus::Dispatched,
            TransferStatus::Cancelled,
        )
        .await?
    {
        return Err(lifecycle().refused(txn, id, "cancelled").await);
    }
    let detail = locked(txn, id).await?;
    let ticket = &detail.ticket;
    let source = Source {
        document_type: DOCUMENT,
        document_id: id,
        actor: actor.to_string(),
    };
    for line in &detail.lines {
        ledger::move_in_transit(txn, ticket.to_branch_id, line.item_id, -line.quantity).await?;
        ledger::move_stock(
            txn,
            Movement {
                branch_id: ticket.from_branch_id,
                item_id: line.item_id,
                delta: line.quantity,
                reason: Reason::TransferIn,
                source: &source,
                line_no: line.line_no,
            },
            Floor::None,
        )
        .await?;
    }
    emitted(txn, EventType::TransferCancelled, None, detail.into()).await
}

/// A ticket of the scope: from or to one of its branches.
pub async fn get_transfer(
    db: &DatabaseConnection,
    scope: &BranchScope,
    id: Uuid,
) -> Result<Transfer, DomainError> {
    let transfer = Transfer::from(load(db, id).await?);
    if scope.admits(transfer.from_branch_id) || scope.admits(transfer.to_branch_id) {
        Ok(transfer)
    } else {
        Err(DomainError::NotFound("transfer ticket"))
    }
}

/// Transfer tickets from or to a branch, newest first, optionally in one status.
pub async fn list_transfers(
    db: &DatabaseConnection,
    scope: &BranchScope,
    branch_id: Option<Uuid>,
    status: Option<&str>,
    page: PageRequest,
) -> Result<Page<Transfer>, DomainError> {
    let reach = Condition::any()
        .add(scope.condition(transfer_ticket::Column::FromBranchId))
        .add(scope.condition(transfer_ticket::Column::ToBranchId));
    let mut select = transfer_ticket::Entity::find()
        .filter(reach)
        .order_by_desc(transfer_ticket::Column::Id);
    if let Some(branch_id) = branch_id {
        select = select.filter(
            transfer_ticket::Column::FromBranchId
                .eq(branch_id)
                .or(transfer_ticket::Column::ToBranchId.eq(branch_id)),
        );
    }
    if let Some(status) = status {
        select = select.filter(transfer_ticket::Column::Status.eq(status));
    }
    let page = fetch_page(db, select, page).await?;
    super::page_with_lines::<_, transfer_ticket::Entity, transfer_line::Entity, _>(
        db,
        page,
        |t| t.id,
        super::LinesOf {
            document: transfer_line::Column::TransferTicketId,
            document_of: |l| l.transfer_ticket_id,
            line_no: transfer_line::Column::LineNo,
        },
        |ticket, lines| Transfer::from(TransferDetail { ticket, lines }),
    )
    .await
}
