//! Adjustments: signed changes with a reason code, and counts that set the quantity (the ledger
//! records the difference), line by line in one document.

use chrono::{DateTime, Utc};
use entity::{Fixed4, adjustment, adjustment_line, adjustment_line::Mode};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    MAX_LINES,
    ledger::{self, Floor, Movement, Reason, Source},
};
use crate::{
    decimal::{from_fixed4, non_negative_fixed4, to_fixed4},
    error::{DomainError, FieldErrors},
    pagination::{Page, PageRequest, fetch_page},
    scope::BranchScope,
    validation::{optional_text, required_text},
};

pub const DOCUMENT: &str = "adjustment";
/// The reason code of food (or anything) thrown away: a delta line taking stock out, with the
/// adjustment's note saying what and why; the ledger records it as `waste`.
pub const WASTE: &str = "waste";

#[derive(Clone, Debug)]
pub struct AdjustmentLineInput {
    pub item_id: Uuid,
    /// `delta` (add the signed quantity) or `count` (on hand becomes the quantity).
    pub mode: String,
    pub quantity: Decimal,
    /// Why: `waste` (needs a note), `damaged`, `expired`, `found`, `cycle_count`, …
    pub reason_code: String,
}

#[derive(Clone, Debug)]
pub struct AdjustmentInput {
    pub note: Option<String>,
    pub lines: Vec<AdjustmentLineInput>,
}

struct CheckedLine {
    item_id: Uuid,
    mode: Mode,
    quantity: Fixed4,
    reason_code: String,
}

fn checked(input: &AdjustmentInput) -> Result<(Option<String>, Vec<CheckedLine>), DomainError> {
    let mut errors = FieldErrors::default();
    let note = errors.check("note", optional_text(input.note.as_deref(), 2000));
    if input.lines.is_empty() || input.lines.len() > MAX_LINES {
        errors.check::<()>("lines", Err(format!("must have 1 to {MAX_LINES} lines")));
    }
    let mut lines = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (n, line) in input.lines.iter().enumerate() {
        let field = |name: &str| format!("lines[{n}].{name}");
        let mode = errors.check(
            &field("mode"),
            crate::validation::one_of::<Mode>(&line.mode),
        );
        let quantity = errors.check(
            &field("quantity"),
            match mode {
                Some(Mode::Count) => non_negative_fixed4(line.quantity),
                _ if line.quantity.is_zero() => Err("must not be 0".into()),
                _ => to_fixed4(line.quantity),
            },
        );
        let reason_code = errors.check(&field("reason_code"), required_text(&line.reason_code, 32));
        if !seen.insert(line.item_id) {
            errors.check::<()>(
                &field("item_id"),
                Err("the item is on another line too".into()),
            );
        }
        if reason_code.as_deref() == Some(WASTE) {
            if mode != Some(Mode::Delta) || quantity.is_some_and(|q| q > Fixed4::ZERO) {
                errors.check::<()>(
                    &field("quantity"),
                    Err("waste takes stock out: a delta line with a negative quantity".into()),
                );
            }
            if note.as_ref().is_some_and(|n| n.is_none()) {
                errors.check::<()>(
                    "note",
                    Err("is required with waste: say what was thrown away and why".into()),
                );
            }
        }
        if let (Some(mode), Some(quantity), Some(reason_code)) = (mode, quantity, reason_code) {
            lines.push(CheckedLine {
                item_id: line.item_id,
                mode,
                quantity,
                reason_code,
            });
        }
    }
    errors.into_result()?;
    Ok((note.flatten(), lines))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdjustmentLine {
    pub line_no: i32,
    pub item_id: Uuid,
    pub mode: Mode,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    /// What the line changed on hand by.
    #[schema(value_type = String)]
    pub delta_applied: Decimal,
    pub reason_code: String,
}

impl From<adjustment_line::Model> for AdjustmentLine {
    fn from(l: adjustment_line::Model) -> Self {
        Self {
            line_no: l.line_no,
            item_id: l.item_id,
            mode: l.mode,
            quantity: from_fixed4(l.quantity),
            delta_applied: from_fixed4(l.delta_applied),
            reason_code: l.reason_code,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Adjustment {
    pub id: Uuid,
    pub branch_id: Uuid,
    pub note: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub lines: Vec<AdjustmentLine>,
}

impl Adjustment {
    fn new(a: adjustment::Model, lines: Vec<adjustment_line::Model>) -> Self {
        Self {
            id: a.id,
            branch_id: a.branch_id,
            note: a.note,
            created_by: a.created_by,
            created_at: a.created_at,
            lines: lines.into_iter().map(AdjustmentLine::from).collect(),
        }
    }
}

/// Applies an adjustment document at `branch_id` inside `txn`.
#[tracing::instrument(skip_all, fields(branch_id = %branch_id), err(level = "info"))]
pub async fn create_adjustment<C: ConnectionTrait>(
    txn: &C,
    scope: &BranchScope,
    branch_id: Uuid,
    actor: &str,
    input: AdjustmentInput,
) -> Result<Adjustment, DomainError> {
    let branch_id = scope.branch(branch_id)?;
    let (note, lines) = checked(&input)?;
    ledger::lock_branches(txn, &[branch_id]).await?;
    let branch = ledger::active_branch(txn, branch_id).await?;
    let item_ids: Vec<Uuid> = lines.iter().map(|line| line.item_id).collect();
    ledger::check_stock_items(txn, &item_ids).await?;

    let document = adjustment::ActiveModel {
        id: Set(Uuid::now_v7()),
        branch_id: Set(branch_id),
        note: Set(note),
        created_by: Set(actor.to_string()),
        created_at: Set(Utc::now()),
        stream_seq: Set(None),
    };
    let adjustment = adjustment::Entity::insert(document)
        .exec_with_returning(txn)
        .await?;
    let source = Source {
        document_type: DOCUMENT,
        document_id: adjustment.id,
        actor: actor.to_string(),
    };
    let floor = Floor::Enforced {
        allow_negative: branch.allow_negative_stock,
    };
    let mut saved = Vec::with_capacity(lines.len());
    for (line_no, line) in (1..).zip(lines) {
        let (delta, reason) = match line.mode {
            Mode::Delta if line.reason_code == WASTE => (line.quantity, Reason::Waste),
            Mode::Delta => (line.quantity, Reason::Adjustment),
            Mode::Count => {
                let current = ledger::level(txn, branch_id, line.item_id).await?;
                (line.quantity - current.on_hand, Reason::Count)
            }
        };
        if delta != Fixed4::ZERO {
            ledger::move_stock(
                txn,
                Movement {
                    branch_id,
                    item_id: line.item_id,
                    delta,
                    reason,
                    source: &source,
                    line_no,
                },
                floor,
            )
            .await?;
        }
        let row = adjustment_line::ActiveModel {
            adjustment_id: Set(adjustment.id),
            line_no: Set(line_no),
            item_id: Set(line.item_id),
            mode: Set(line.mode),
            quantity: Set(line.quantity),
            delta_applied: Set(delta),
            reason_code: Set(line.reason_code),
        };
        saved.push(
            adjustment_line::Entity::insert(row)
                .exec_with_returning(txn)
                .await?,
        );
    }
    // Where the stream stands once this is applied, so a report can tell what moved between
    // two counts even when a count changed nothing.
    let mut applied: adjustment::ActiveModel = adjustment.into();
    applied.stream_seq = Set(Some(ledger::stream_position(txn, branch_id).await?));
    let adjustment = applied.update(txn).await?;
    Ok(Adjustment::new(adjustment, saved))
}

/// One adjustment of a branch.
#[tracing::instrument(skip_all, fields(branch_id = %branch_id, id = %id), err(level = "info"))]
pub async fn get_adjustment<C: ConnectionTrait>(
    db: &C,
    scope: &BranchScope,
    branch_id: Uuid,
    id: Uuid,
) -> Result<Adjustment, DomainError> {
    let branch_id = scope.branch(branch_id)?;
    let adjustment = adjustment::Entity::find_by_id(id)
        .filter(adjustment::Column::BranchId.eq(branch_id))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("adjustment"))?;
    let lines = adjustment_line::Entity::find()
        .filter(adjustment_line::Column::AdjustmentId.eq(id))
        .order_by_asc(adjustment_line::Column::LineNo)
        .all(db)
        .await?;
    Ok(Adjustment::new(adjustment, lines))
}

/// A branch's adjustments and counts, newest first, with their lines.
pub async fn list_adjustments<C: ConnectionTrait>(
    db: &C,
    scope: &BranchScope,
    branch_id: Uuid,
    page: PageRequest,
) -> Result<Page<Adjustment>, DomainError> {
    let branch_id = scope.branch(branch_id)?;
    crate::registry::get_branch(db, branch_id).await?;
    let select = adjustment::Entity::find()
        .filter(adjustment::Column::BranchId.eq(branch_id))
        .order_by_desc(adjustment::Column::Id);
    let page = fetch_page(db, select, page).await?;
    super::page_with_lines::<_, adjustment::Entity, adjustment_line::Entity, _>(
        db,
        page,
        |a| a.id,
        super::LinesOf {
            document: adjustment_line::Column::AdjustmentId,
            document_of: |l| l.adjustment_id,
            line_no: adjustment_line::Column::LineNo,
        },
        Adjustment::new,
    )
    .await
}
