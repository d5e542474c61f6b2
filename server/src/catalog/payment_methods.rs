//! Payment methods, offered everywhere or at chosen branches only.

use chrono::{DateTime, Utc};
use entity::{payment_method, payment_method::MethodKind, payment_method_branch};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{check_branches_exist, insert_or_update};
use crate::{
    error::{DomainError, FieldErrors},
    pagination::{Page, PageRequest, fetch_page},
    sync::feed::{self, View},
    validation::{self, one_of, required_text},
};

pub const KIND: &str = "payment_method";

#[derive(Clone, Debug)]
pub struct PaymentMethodInput {
    pub code: String,
    pub name: String,
    /// `cash`, `card`, `voucher` or `other`.
    pub kind: String,
    /// True when absent.
    pub active: Option<bool>,
    /// The branches that offer it; every branch when empty.
    pub branch_ids: Vec<Uuid>,
}

/// A payment method and the branches that offer it (empty: all).
#[derive(Clone, Debug)]
struct PaymentMethodDetail {
    pub method: payment_method::Model,
    pub branch_ids: Vec<Uuid>,
}

async fn publish_method<C: ConnectionTrait>(
    txn: &C,
    id: Uuid,
    current: Option<&PaymentMethodDetail>,
) -> Result<(), DomainError> {
    let views = match current {
        None => Vec::new(),
        Some(detail) => {
            let m = &detail.method;
            let payload = json!({ "id": m.id, "code": m.code, "name": m.name, "kind": m.method_kind, "active": m.active });
            if detail.branch_ids.is_empty() {
                vec![View::everyone(payload)]
            } else {
                detail
                    .branch_ids
                    .iter()
                    .map(|branch| View::branch(*branch, Some(payload.clone())))
                    .collect()
            }
        }
    };
    feed::publish(txn, KIND, id.to_string(), views).await?;
    Ok(())
}

/// The items of `rows` with the branches each is limited to.
async fn with_branches<C: ConnectionTrait>(
    db: &C,
    rows: Vec<payment_method::Model>,
) -> Result<Vec<PaymentMethod>, DomainError> {
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let mut branches = super::branches_by_owner::<payment_method_branch::Entity, _>(
        db,
        payment_method_branch::Column::PaymentMethodId,
        payment_method_branch::Column::BranchId,
        &ids,
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|method| {
            let branch_ids = branches.remove(&method.id).unwrap_or_default();
            PaymentMethod::from(PaymentMethodDetail { method, branch_ids })
        })
        .collect())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentMethod {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub kind: MethodKind,
    pub active: bool,
    /// Empty: offered at every branch.
    pub branch_ids: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<PaymentMethodDetail> for PaymentMethod {
    fn from(d: PaymentMethodDetail) -> Self {
        let m = d.method;
        Self {
            id: m.id,
            code: m.code,
            name: m.name,
            kind: m.method_kind,
            active: m.active,
            branch_ids: d.branch_ids,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// Creates a payment method (`id` none) or replaces one, with the branches that offer it.
pub async fn save_payment_method<C: ConnectionTrait>(
    txn: &C,
    id: Option<Uuid>,
    input: PaymentMethodInput,
) -> Result<PaymentMethod, DomainError> {
    let mut errors = FieldErrors::default();
    let code = errors.check("code", validation::code(&input.code, 32));
    let name = errors.check("name", required_text(&input.name, 200));
    let kind = errors.check("kind", one_of::<MethodKind>(&input.kind));
    let (Some(code), Some(name), Some(kind)) = (code, name, kind) else {
        return Err(errors.into_error());
    };
    let mut branch_ids = input.branch_ids.clone();
    branch_ids.sort();
    branch_ids.dedup();

    feed::lock_master(txn).await?;
    check_branches_exist(txn, "branch_ids", &branch_ids).await?;
    let now = Utc::now();
    let new = id.is_none();
    let mut model = match id {
        Some(id) => payment_method::ActiveModel::from(
            payment_method::Entity::find_by_id(id)
                .one(txn)
                .await?
                .ok_or(DomainError::NotFound("payment method"))?,
        ),
        None => payment_method::ActiveModel {
            id: Set(Uuid::now_v7()),
            created_at: Set(now),
            ..Default::default()
        },
    };
    model.code = Set(code.clone());
    model.name = Set(name);
    model.method_kind = Set(kind);
    model.active = Set(input.active.unwrap_or(true));
    model.updated_at = Set(now);
    let method = insert_or_update(txn, model, new).await.map_err(|err| {
        DomainError::conflict_on_duplicate(
            err,
            format!("a payment method with code {code} already exists"),
        )
    })?;
    payment_method_branch::Entity::delete_many()
        .filter(payment_method_branch::Column::PaymentMethodId.eq(method.id))
        .exec(txn)
        .await?;
    if !branch_ids.is_empty() {
        payment_method_branch::Entity::insert_many(branch_ids.iter().map(|branch_id| {
            payment_method_branch::ActiveModel {
                payment_method_id: Set(method.id),
                branch_id: Set(*branch_id),
            }
        }))
        .exec(txn)
        .await?;
    }
    let detail = PaymentMethodDetail { method, branch_ids };
    publish_method(txn, detail.method.id, Some(&detail)).await?;
    Ok(detail.into())
}

#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn delete_payment_method<C: ConnectionTrait>(
    txn: &C,
    id: Uuid,
) -> Result<(), DomainError> {
    feed::lock_master(txn).await?;
    if payment_method::Entity::delete_by_id(id)
        .exec(txn)
        .await
        .map_err(|e| {
            DomainError::conflict_on_reference(
                e,
                "the payment method has been used in sales; deactivate it instead",
            )
        })?
        .rows_affected
        == 0
    {
        return Err(DomainError::NotFound("payment method"));
    }
    publish_method(txn, id, None).await?;
    Ok(())
}

pub async fn get_payment_method(
    db: &DatabaseConnection,
    id: Uuid,
) -> Result<PaymentMethod, DomainError> {
    let method = payment_method::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("payment method"))?;
    with_branches(db, vec![method])
        .await?
        .pop()
        .ok_or(DomainError::NotFound("payment method"))
}

/// Payment methods by code.
pub async fn list_payment_methods(
    db: &DatabaseConnection,
    page: PageRequest,
) -> Result<Page<PaymentMethod>, DomainError> {
    let select = payment_method::Entity::find().order_by_asc(payment_method::Column::Code);
    let page = fetch_page(db, select, page).await?;
    let items = with_branches(db, page.items).await?;
    Ok(Page {
        items,
        total: page.total,
        request: page.request,
    })
}
