use std::str::FromStr;

use chrono::{DateTime, Utc};
use entity::{branch, terminal};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
    sea_query::{Expr, ExprTrait},
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    error::{DomainError, FieldErrors},
    pagination::{Page, PageRequest, fetch_page},
    sync::feed,
    validation::{self, required_text},
};

const MAX_CODE_LEN: usize = 32;
const MAX_NAME_LEN: usize = 200;

pub use entity::branch::PosType;

/// A branch as an admin submits it; checked by [`create_branch`].
#[derive(Debug)]
pub struct NewBranch {
    pub code: String,
    pub name: String,
    pub pos_type: String,
    /// IANA name; UTC when absent.
    pub time_zone: Option<String>,
    /// Whether documents may drive stock below zero; false when absent.
    pub allow_negative_stock: Option<bool>,
}

/// Fields of a branch to change; absent ones stay as they are.
#[derive(Debug, Default)]
pub struct BranchChanges {
    pub code: Option<String>,
    pub name: Option<String>,
    pub pos_type: Option<String>,
    pub time_zone: Option<String>,
    pub allow_negative_stock: Option<bool>,
}

fn parse_time_zone(value: &str) -> Result<String, String> {
    chrono_tz::Tz::from_str(value.trim())
        .map(|tz| tz.name().to_string())
        .map_err(|_| "must be an IANA time zone name such as Asia/Manila".into())
}

fn duplicate_code(code: &str) -> String {
    format!("a branch with code {code} already exists")
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Branch {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub pos_type: PosType,
    pub time_zone: String,
    pub active: bool,
    pub allow_negative_stock: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<branch::Model> for Branch {
    fn from(b: branch::Model) -> Self {
        Self {
            id: b.id,
            code: b.code,
            name: b.name,
            pos_type: b.pos_type,
            time_zone: b.time_zone,
            active: b.active,
            allow_negative_stock: b.allow_negative_stock,
            created_at: b.created_at,
            updated_at: b.updated_at,
        }
    }
}

#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn create_branch(
    db: &impl ConnectionTrait,
    new: NewBranch,
) -> Result<Branch, DomainError> {
    let mut errors = FieldErrors::default();
    let code = errors.check("code", validation::code(&new.code, MAX_CODE_LEN));
    let name = errors.check("name", required_text(&new.name, MAX_NAME_LEN));
    let pos_type = errors.check("pos_type", validation::one_of::<PosType>(&new.pos_type));
    let time_zone = errors.check(
        "time_zone",
        new.time_zone
            .as_deref()
            .map_or(Ok("UTC".into()), parse_time_zone),
    );
    let (Some(code), Some(name), Some(pos_type), Some(time_zone)) =
        (code, name, pos_type, time_zone)
    else {
        return Err(errors.into_error());
    };
    let now = Utc::now();
    branch::ActiveModel {
        id: Set(Uuid::now_v7()),
        code: Set(code.clone()),
        name: Set(name),
        pos_type: Set(pos_type),
        time_zone: Set(time_zone),
        active: Set(true),
        allow_negative_stock: Set(new.allow_negative_stock.unwrap_or(false)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .map(Branch::from)
    .map_err(|err| DomainError::conflict_on_duplicate(err, duplicate_code(&code)))
}

pub async fn get_branch(db: &impl ConnectionTrait, id: Uuid) -> Result<Branch, DomainError> {
    find_branch(db, id).await.map(Branch::from)
}

pub(super) async fn find_branch(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<branch::Model, DomainError> {
    branch::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("branch"))
}

/// Branches ordered by code, optionally only active or only inactive ones.
pub async fn list_branches(
    db: &DatabaseConnection,
    active: Option<bool>,
    page: PageRequest,
) -> Result<Page<Branch>, DomainError> {
    let mut select = branch::Entity::find().order_by_asc(branch::Column::Code);
    if let Some(active) = active {
        select = select.filter(branch::Column::Active.eq(active));
    }
    Ok(fetch_page(db, select, page).await?.map(Branch::from))
}

#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn update_branch(
    db: &impl ConnectionTrait,
    id: Uuid,
    changes: BranchChanges,
) -> Result<Branch, DomainError> {
    let mut errors = FieldErrors::default();
    let code = changes
        .code
        .map(|c| errors.check("code", validation::code(&c, MAX_CODE_LEN)));
    let name = changes
        .name
        .map(|n| errors.check("name", required_text(&n, MAX_NAME_LEN)));
    let pos_type = changes
        .pos_type
        .map(|p| errors.check("pos_type", validation::one_of::<PosType>(&p)));
    let time_zone = changes
        .time_zone
        .map(|t| errors.check("time_zone", parse_time_zone(&t)));
    errors.into_result()?;

    let mut branch = find_branch(db, id).await?.into_active_model();
    if let Some(Some(code)) = &code {
        branch.code = Set(code.clone());
    }
    if let Some(Some(name)) = name {
        branch.name = Set(name);
    }
    if let Some(Some(pos_type)) = pos_type {
        branch.pos_type = Set(pos_type);
    }
    if let Some(Some(time_zone)) = time_zone {
        branch.time_zone = Set(time_zone);
    }
    if let Some(allow) = changes.allow_negative_stock {
        branch.allow_negative_stock = Set(allow);
    }
    branch.updated_at = Set(Utc::now());
    let branch = branch.update(db).await.map_err(|err| {
        let code = code.flatten().unwrap_or_default();
        DomainError::conflict_on_duplicate(err, duplicate_code(&code))
    })?;
    Ok(branch.into())
}

/// Deactivates or reactivates a branch; a deactivated branch's terminals are refused at once.
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn set_branch_active(
    txn: &impl ConnectionTrait,
    id: Uuid,
    active: bool,
) -> Result<Branch, DomainError> {
    let current = find_branch(txn, id).await?;
    if current.active == active {
        // Nothing changes: the terminals' tokens stay good.
        return Ok(current.into());
    }
    let mut branch = current.into_active_model();
    branch.active = Set(active);
    branch.updated_at = Set(Utc::now());
    let branch = branch.update(txn).await?;
    // The branch's terminals' tokens from before stay refused after a reactivation.
    terminal::Entity::update_many()
        .col_expr(
            terminal::Column::CredentialVersion,
            Expr::col(terminal::Column::CredentialVersion).add(1),
        )
        .filter(terminal::Column::BranchId.eq(id))
        .exec(txn)
        .await?;
    feed::credentials_changed(txn).await?;
    Ok(branch.into())
}
