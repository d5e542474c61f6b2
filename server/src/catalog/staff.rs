//! Staff users of the POS: each works at chosen branches, and only those branches' terminals see them.

use chrono::{DateTime, Utc};
use entity::{staff_branch, staff_user, staff_user::Role};
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
    auth::secret,
    error::{DomainError, FieldErrors},
    pagination::{Page, PageRequest, fetch_page},
    sync::feed::{self, View},
    validation::{self, one_of, required_text},
};

pub const KIND: &str = "staff_user";

#[derive(Clone, Debug)]
pub struct StaffInput {
    pub code: String,
    pub name: String,
    /// `cashier`, `waiter`, `supervisor` or `manager`.
    pub role: String,
    /// 4 to 8 digits; required for a new user, kept when absent on update.
    pub pin: Option<String>,
    /// The branches the user may work in; at least one.
    pub branch_ids: Vec<Uuid>,
    /// True when absent.
    pub active: Option<bool>,
}

#[derive(Clone, Debug)]
struct StaffDetail {
    pub user: staff_user::Model,
    pub branch_ids: Vec<Uuid>,
}

fn pin(value: &str) -> Result<String, String> {
    if (4..=8).contains(&value.len()) && value.chars().all(|c| c.is_ascii_digit()) {
        Ok(value.to_string())
    } else {
        Err("must be 4 to 8 digits".into())
    }
}

/// Terminals get the PIN hash (argon2id) so they can check a PIN while offline.
async fn publish_staff<C: ConnectionTrait>(
    txn: &C,
    id: Uuid,
    current: Option<&StaffDetail>,
) -> Result<(), DomainError> {
    let views = current
        .map(|detail| {
            let u = &detail.user;
            let payload = json!({
                "id": u.id, "code": u.code, "name": u.name, "role": u.role, "pin_hash": u.pin_hash, "active": u.active,
            });
            detail.branch_ids.iter().map(|branch| View::branch(*branch, Some(payload.clone()))).collect()
        })
        .unwrap_or_default();
    feed::publish(txn, KIND, id.to_string(), views).await?;
    Ok(())
}

/// The items of `rows` with the branches each is limited to.
async fn with_branches<C: ConnectionTrait>(
    db: &C,
    rows: Vec<staff_user::Model>,
) -> Result<Vec<Staff>, DomainError> {
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let mut branches = super::branches_by_owner::<staff_branch::Entity, _>(
        db,
        staff_branch::Column::StaffUserId,
        staff_branch::Column::BranchId,
        &ids,
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|user| {
            let branch_ids = branches.remove(&user.id).unwrap_or_default();
            Staff::from(StaffDetail { user, branch_ids })
        })
        .collect())
}

/// A staff user; the PIN is never shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct Staff {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub role: Role,
    pub branch_ids: Vec<Uuid>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<StaffDetail> for Staff {
    fn from(d: StaffDetail) -> Self {
        let u = d.user;
        Self {
            id: u.id,
            code: u.code,
            name: u.name,
            role: u.role,
            branch_ids: d.branch_ids,
            active: u.active,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

/// A staff user as submitted, checked, with its PIN hashed: the slow part, done before the
/// write's transaction holds anything.
pub struct CheckedStaff {
    code: String,
    name: String,
    role: Role,
    pin_hash: Option<String>,
    active: bool,
    branch_ids: Vec<Uuid>,
}

/// Checks a staff user for a create (`id` none) or an update, and hashes its PIN.
pub async fn check_staff(id: Option<Uuid>, input: StaffInput) -> Result<CheckedStaff, DomainError> {
    let mut errors = FieldErrors::default();
    let code = errors.check("code", validation::code(&input.code, 32));
    let name = errors.check("name", required_text(&input.name, 200));
    let role = errors.check("role", one_of::<Role>(&input.role));
    let pin = errors.check(
        "pin",
        match (&input.pin, id) {
            (Some(value), _) => pin(value).map(Some),
            (None, None) => Err("is required for a new staff user".into()),
            (None, Some(_)) => Ok(None),
        },
    );
    let mut branch_ids = input.branch_ids.clone();
    branch_ids.sort();
    branch_ids.dedup();
    let branches = errors.check(
        "branch_ids",
        if branch_ids.is_empty() {
            Err("must name at least one branch".into())
        } else {
            Ok(())
        },
    );
    let (Some(code), Some(name), Some(role), Some(pin), Some(())) =
        (code, name, role, pin, branches)
    else {
        return Err(errors.into_error());
    };
    let pin_hash = match pin {
        Some(pin) => Some(secret::hash_chosen_secret_off_workers(pin).await?),
        None => None,
    };

    Ok(CheckedStaff {
        code,
        name,
        role,
        pin_hash,
        active: input.active.unwrap_or(true),
        branch_ids,
    })
}

/// Creates a staff user (`id` none) or replaces one.
pub async fn save_staff<C: ConnectionTrait>(
    txn: &C,
    id: Option<Uuid>,
    staff: CheckedStaff,
) -> Result<Staff, DomainError> {
    let CheckedStaff {
        code,
        name,
        role,
        pin_hash,
        active,
        branch_ids,
    } = staff;
    feed::lock_master(txn).await?;
    check_branches_exist(txn, "branch_ids", &branch_ids).await?;
    let now = Utc::now();
    let new = id.is_none();
    let mut model = match id {
        Some(id) => staff_user::ActiveModel::from(
            staff_user::Entity::find_by_id(id)
                .one(txn)
                .await?
                .ok_or(DomainError::NotFound("staff user"))?,
        ),
        None => staff_user::ActiveModel {
            id: Set(Uuid::now_v7()),
            created_at: Set(now),
            ..Default::default()
        },
    };
    model.code = Set(code.clone());
    model.name = Set(name);
    model.role = Set(role);
    if let Some(pin_hash) = pin_hash {
        model.pin_hash = Set(pin_hash);
    }
    model.active = Set(active);
    model.updated_at = Set(now);
    let user = insert_or_update(txn, model, new).await.map_err(|err| {
        DomainError::conflict_on_duplicate(
            err,
            format!("a staff user with code {code} already exists"),
        )
    })?;
    staff_branch::Entity::delete_many()
        .filter(staff_branch::Column::StaffUserId.eq(user.id))
        .exec(txn)
        .await?;
    if !branch_ids.is_empty() {
        staff_branch::Entity::insert_many(branch_ids.iter().map(|branch_id| {
            staff_branch::ActiveModel {
                staff_user_id: Set(user.id),
                branch_id: Set(*branch_id),
            }
        }))
        .exec(txn)
        .await?;
    }
    let detail = StaffDetail { user, branch_ids };
    publish_staff(txn, detail.user.id, Some(&detail)).await?;
    Ok(detail.into())
}

#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn delete_staff<C: ConnectionTrait>(txn: &C, id: Uuid) -> Result<(), DomainError> {
    feed::lock_master(txn).await?;
    if staff_user::Entity::delete_by_id(id)
        .exec(txn)
        .await?
        .rows_affected
        == 0
    {
        return Err(DomainError::NotFound("staff user"));
    }
    publish_staff(txn, id, None).await?;
    Ok(())
}

pub async fn get_staff(db: &DatabaseConnection, id: Uuid) -> Result<Staff, DomainError> {
    let user = staff_user::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("staff user"))?;
    with_branches(db, vec![user])
        .await?
        .pop()
        .ok_or(DomainError::NotFound("staff user"))
}

/// Staff users by code; only those of `branch_id` when given.
pub async fn list_staff(
    db: &DatabaseConnection,
    branch_id: Option<Uuid>,
    page: PageRequest,
) -> Result<Page<Staff>, DomainError> {
    let mut select = staff_user::Entity::find().order_by_asc(staff_user::Column::Code);
    if let Some(branch_id) = branch_id {
        let members: Vec<Uuid> = staff_branch::Entity::find()
            .filter(staff_branch::Column::BranchId.eq(branch_id))
            .all(db)
            .await?
            .into_iter()
            .map(|row| row.staff_user_id)
            .collect();
        select = select.filter(staff_user::Column::Id.is_in(members));
    }
    let page = fetch_page(db, select, page).await?;
    let items = with_branches(db, page.items).await?;
    Ok(Page {
        items,
        total: page.total,
        request: page.request,
    })
}
