//! Item requests: a branch asks a supplying branch for items; approval (possibly of less than
//! asked) makes a draft transfer ticket, rejection needs a reason; the request is fulfilled when
//! that transfer is received.

use chrono::{DateTime, Utc};
use entity::{Fixed4, item_request, item_request::ItemRequestStatus, item_request_line};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    Lifecycle, LineInput, checked_lines, ledger,
    transfers::{self, TransferInput},
};
use crate::{
    decimal::{from_fixed4, non_negative_fixed4},
    error::{DomainError, FieldErrors},
    pagination::{Page, PageRequest, fetch_page},
    scope::BranchScope,
    validation::required_text,
};

#[derive(Clone, Debug)]
pub struct ItemRequestInput {
    /// Absent: the scope's own branch (a terminal's).
    pub requesting_branch_id: Option<Uuid>,
    pub supplying_branch_id: Uuid,
    pub lines: Vec<LineInput>,
}

/// The quantity approved for one line; lines not named are approved in full.
#[derive(Clone, Debug)]
pub struct ApprovedLine {
    pub line_no: i32,
    pub quantity: Decimal,
}

#[derive(Clone, Debug)]
struct ItemRequestDetail {
    pub request: item_request::Model,
    pub lines: Vec<item_request_line::Model>,
}

fn lifecycle() -> Lifecycle<item_request::Entity> {
    Lifecycle {
        document: "item request",
        id: item_request::Column::Id,
        status: item_request::Column::Status,
        updated_at: item_request::Column::UpdatedAt,
    }
}

async fn load<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<ItemRequestDetail, DomainError> {
    let request = item_request::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("item request"))?;
    let lines = item_request_line::Entity::find()
        .filter(item_request_line::Column::ItemRequestId.eq(id))
        .order_by_asc(item_request_line::Column::LineNo)
        .all(db)
        .await?;
    Ok(ItemRequestDetail { request, lines })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemRequestLine {
    pub line_no: i32,
    pub item_id: Uuid,
    #[schema(value_type = String)]
    pub quantity_requested: Decimal,
    #[schema(value_type = Option<String>)]
    pub quantity_approved: Option<Decimal>,
}

impl From<item_request_line::Model> for ItemRequestLine {
    fn from(l: item_request_line::Model) -> Self {
        Self {
            line_no: l.line_no,
            item_id: l.item_id,
            quantity_requested: from_fixed4(l.quantity_requested),
            quantity_approved: l.quantity_approved.map(from_fixed4),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemRequest {
    pub id: Uuid,
    pub requesting_branch_id: Uuid,
    pub supplying_branch_id: Uuid,
    pub status: ItemRequestStatus,
    pub rejection_reason: Option<String>,
    /// The transfer ticket made on approval.
    pub transfer_ticket_id: Option<Uuid>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub lines: Vec<ItemRequestLine>,
}

impl From<ItemRequestDetail> for ItemRequest {
    fn from(d: ItemRequestDetail) -> Self {
        let r = d.request;
        Self {
            id: r.id,
            requesting_branch_id: r.requesting_branch_id,
            supplying_branch_id: r.supplying_branch_id,
            status: r.status,
            rejection_reason: r.rejection_reason,
            transfer_ticket_id: r.transfer_ticket_id,
            created_by: r.created_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
            lines: d.lines.into_iter().map(ItemRequestLine::from).collect(),
        }
    }
}

#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn create_item_request<C: ConnectionTrait>(
    txn: &C,
    scope: &BranchScope,
    actor: &str,
    input: ItemRequestInput,
) -> Result<ItemRequest, DomainError> {
    // A terminal asks for its own branch unless it names it; an admin must name one.
    let requesting_branch_id = match input.requesting_branch_id.or(scope.single()) {
        Some(branch_id) => scope.branch(branch_id)?,
        None => return Err(DomainError::invalid("requesting_branch_id", "is required")),
    };
    let mut errors = FieldErrors::default();
    if requesting_branch_id == input.supplying_branch_id {
        errors.check::<()>(
            "supplying_branch_id",
            Err("must differ from the requesting branch".into()),
        );
    }
    let lines = checked_lines(&input.lines, &mut errors);
    errors.into_result()?;
    let lines = lines.unwrap_or_default();
    ledger::active_branch(txn, requesting_branch_id).await?;
    ledger::active_branch(txn, input.supplying_branch_id).await?;
    let item_ids: Vec<Uuid> = lines.iter().map(|(item_id, _)| *item_id).collect();
    ledger::check_stock_items(txn, &item_ids).await?;

    let now = Utc::now();
    let request = item_request::Entity::insert(item_request::ActiveModel {
        id: Set(Uuid::now_v7()),
        requesting_branch_id: Set(requesting_branch_id),
        supplying_branch_id: Set(input.supplying_branch_id),
        status: Set(ItemRequestStatus::Pending),
        rejection_reason: Set(None),
        transfer_ticket_id: Set(None),
        created_by: Set(actor.to_string()),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_with_returning(txn)
    .await?;
    let rows =
        (1..).zip(&lines).map(
            |(line_no, (item_id, quantity))| item_request_line::ActiveModel {
                item_request_id: Set(request.id),
                line_no: Set(line_no),
                item_id: Set(*item_id),
                quantity_requested: Set(*quantity),
                quantity_approved: Set(None),
            },
        );
    item_request_line::Entity::insert_many(rows)
        .exec_without_returning(txn)
        .await?;
    load(txn, request.id).await.map(ItemRequest::from)
}

/// Approves a pending request, possibly for less than asked, and makes the draft transfer ticket
/// from the supplying branch that will fulfil it.
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn approve_item_request<C: ConnectionTrait>(
    txn: &C,
    scope: &BranchScope,
    actor: &str,
    id: Uuid,
    approved: Vec<ApprovedLine>,
) -> Result<ItemRequest, DomainError> {
    if !lifecycle()
        .transition(
            txn,
            id,
            ItemRequestStatus::Pending,
            ItemRequestStatus::Approved,
        )
        .await?
    {
        return Err(lifecycle().refused(txn, id, "approved").await);
    }
    let detail = load(txn, id).await?;
    let mut errors = FieldErrors::default();
    let mut quantities = std::collections::HashMap::new();
    for (n, line) in approved.iter().enumerate() {
        let Some(requested) = detail.lines.iter().find(|l| l.line_no == line.line_no) else {
            errors.check::<()>(
                &format!("lines[{n}].line_no"),
                Err(format!("the request has no line {}", line.line_no)),
            );
            continue;
        };
        if let Some(quantity) = errors.check(
            &format!("lines[{n}].quantity"),
            non_negative_fixed4(line.quantity),
        ) {
            if quantity > requested.quantity_requested {
                errors.check::<()>(
                    &format!("lines[{n}].quantity"),
                    Err("more than was requested".into()),
                );
            }
            quantities.insert(line.line_no, quantity);
        }
    }
    errors.into_result()?;

    let mut transfer_lines = Vec::new();
    for line in &detail.lines {
        let quantity = quantities
            .get(&line.line_no)
            .copied()
            .unwrap_or(line.quantity_requested);
        item_request_line::Entity::update_many()
            .col_expr(
                item_request_line::Column::QuantityApproved,
                sea_orm::sea_query::Expr::value(quantity),
            )
            .filter(item_request_line::Column::ItemRequestId.eq(id))
            .filter(item_request_line::Column::LineNo.eq(line.line_no))
            .exec(txn)
            .await?;
        if quantity > Fixed4::ZERO {
            transfer_lines.push(LineInput {
                item_id: line.item_id,
                quantity: crate::decimal::from_fixed4(quantity),
            });
        }
    }
    if transfer_lines.is_empty() {
        return Err(DomainError::invalid(
            "lines",
            "approve at least one line for more than 0, or reject the request",
        ));
    }
    let transfer = TransferInput {
        from_branch_id: detail.request.supplying_branch_id,
        to_branch_id: detail.request.requesting_branch_id,
        note: Some(format!("item request {id}")),
        lines: transfer_lines,
    };
    let ticket = transfers::create_transfer(txn, scope, actor, transfer).await?;
    item_request::Entity::update_many()
        .col_expr(
            item_request::Column::TransferTicketId,
            sea_orm::sea_query::Expr::value(ticket.id),
        )
        .filter(item_request::Column::Id.eq(id))
        .exec(txn)
        .await?;
    load(txn, id).await.map(ItemRequest::from)
}

/// Rejects a pending request, saying why.
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn reject_item_request<C: ConnectionTrait>(
    txn: &C,
    scope: &BranchScope,
    id: Uuid,
    reason: &str,
) -> Result<ItemRequest, DomainError> {
    let reason =
        required_text(reason, 2000).map_err(|message| DomainError::invalid("reason", message))?;
    if !lifecycle()
        .transition(
            txn,
            id,
            ItemRequestStatus::Pending,
            ItemRequestStatus::Rejected,
        )
        .await?
    {
        return Err(lifecycle().refused(txn, id, "rejected").await);
    }
    item_request::Entity::update_many()
        .col_expr(
            item_request::Column::RejectionReason,
            sea_orm::sea_query::Expr::value(reason),
        )
        .filter(item_request::Column::Id.eq(id))
        .exec(txn)
        .await?;
    let request = ItemRequest::from(load(txn, id).await?);
    scope.object(request.supplying_branch_id, request, "item request")
}

/// Marks the request a received transfer ticket was made for as fulfilled.
pub async fn fulfil_by_transfer<C: ConnectionTrait>(
    txn: &C,
    transfer_ticket_id: Uuid,
) -> Result<(), DomainError> {
    item_request::Entity::update_many()
        .col_expr(
            item_request::Column::Status,
            sea_orm::sea_query::Expr::value(ItemRequestStatus::Fulfilled),
        )
        .col_expr(
            item_request::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(item_request::Column::TransferTicketId.eq(transfer_ticket_id))
        .filter(item_request::Column::Status.eq(ItemRequestStatus::Approved))
        .exec(txn)
        .await?;
    Ok(())
}

/// One request, seen from the scope: by the branch that made it, or by an admin.
pub async fn get_item_request(
    db: &DatabaseConnection,
    scope: &BranchScope,
    id: Uuid,
) -> Result<ItemRequest, DomainError> {
    let request = ItemRequest::from(load(db, id).await?);
    scope.object(request.requesting_branch_id, request, "item request")
}

/// Item requests made by or to a branch, newest first, optionally in one status.
pub async fn list_item_requests(
    db: &DatabaseConnection,
    scope: &BranchScope,
    branch_id: Option<Uuid>,
    status: Option<&str>,
    page: PageRequest,
) -> Result<Page<ItemRequest>, DomainError> {
    use sea_orm::sea_query::ExprTrait;
    let mut select = item_request::Entity::find()
        .filter(scope.condition(item_request::Column::RequestingBranchId))
        .order_by_desc(item_request::Column::Id);
    if let Some(branch_id) = branch_id {
        select = select.filter(
            item_request::Column::RequestingBranchId
                .eq(branch_id)
                .or(item_request::Column::SupplyingBranchId.eq(branch_id)),
        );
    }
    if let Some(status) = status {
        select = select.filter(item_request::Column::Status.eq(status));
    }
    let page = fetch_page(db, select, page).await?;
    super::page_with_lines::<_, item_request::Entity, item_request_line::Entity, _>(
        db,
        page,
        |r| r.id,
        super::LinesOf {
            document: item_request_line::Column::ItemRequestId,
            document_of: |l| l.item_request_id,
            line_no: item_request_line::Column::LineNo,
        },
        |request, lines| ItemRequest::from(ItemRequestDetail { request, lines }),
    )
    .await
}
