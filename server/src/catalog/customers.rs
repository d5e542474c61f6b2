//! Customers, seen by every branch.

use chrono::{DateTime, Utc};
use entity::{Fixed4, customer, outbound_event::EventType, sales_transaction};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, ExprTrait},
};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use super::insert_or_update;
use crate::{
    decimal::{from_fixed4, non_negative_fixed4},
    error::{DomainError, FieldErrors},
    outbound::{self, Event, emitted},
    pagination::{Page, PageRequest, fetch_page},
    sync::feed::{self, View},
    validation::{self, optional_text, required_text},
};

pub const KIND: &str = "customer";

#[derive(Clone, Debug)]
pub struct CustomerInput {
    pub code: String,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// 0 when absent.
    pub loyalty_points: Option<Decimal>,
    pub tax_id: Option<String>,
    /// True when absent.
    pub active: Option<bool>,
}

struct ValidCustomer {
    code: String,
    name: String,
    phone: Option<String>,
    email: Option<String>,
    loyalty_points: Fixed4,
    tax_id: Option<String>,
}

fn email(value: Option<&str>) -> Result<Option<String>, String> {
    let email = optional_text(value, 200)?;
    match &email {
        Some(address) if !address.contains('@') => Err("must be an email address".into()),
        _ => Ok(email),
    }
}

fn checked(input: &CustomerInput) -> Result<ValidCustomer, DomainError> {
    let mut errors = FieldErrors::default();
    let code = errors.check("code", validation::code(&input.code, 32));
    let name = errors.check("name", required_text(&input.name, 200));
    let phone = errors.check("phone", optional_text(input.phone.as_deref(), 40));
    let email = errors.check("email", email(input.email.as_deref()));
    let loyalty_points = errors.check(
        "loyalty_points",
        non_negative_fixed4(input.loyalty_points.unwrap_or_default()),
    );
    let tax_id = errors.check("tax_id", optional_text(input.tax_id.as_deref(), 64));
    let (Some(code), Some(name), Some(phone), Some(email), Some(loyalty_points), Some(tax_id)) =
        (code, name, phone, email, loyalty_points, tax_id)
    else {
        return Err(errors.into_error());
    };
    Ok(ValidCustomer {
        code,
        name,
        phone,
        email,
        loyalty_points,
        tax_id,
    })
}

async fn publish_customer<C: ConnectionTrait>(
    txn: &C,
    id: Uuid,
    current: Option<&customer::Model>,
) -> Result<(), DomainError> {
    let views = current
        .map(|c| {
            vec![View::everyone(json!({
                "id": c.id,
                "code": c.code,
                "name": c.name,
                "phone": c.phone,
                "email": c.email,
                "loyalty_points": from_fixed4(c.loyalty_points),
                "tax_id": c.tax_id,
                "active": c.active,
                "version": c.version,
            }))]
        })
        .unwrap_or_default();
    feed::publish(txn, KIND, id.to_string(), views).await?;
    Ok(())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Customer {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    #[schema(value_type = String)]
    pub loyalty_points: Decimal,
    pub tax_id: Option<String>,
    pub active: bool,
    /// Raised by every change: a till's edit names the version it saw.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<customer::Model> for Customer {
    fn from(c: customer::Model) -> Self {
        Self {
            id: c.id,
            code: c.code,
            name: c.name,
            phone: c.phone,
            email: c.email,
            loyalty_points: from_fixed4(c.loyalty_points),
            tax_id: c.tax_id,
            active: c.active,
            version: c.version,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// Creates a customer (`id` none) or replaces one.
pub async fn save_customer<C: ConnectionTrait>(
    txn: &C,
    id: Option<Uuid>,
    input: CustomerInput,
) -> Result<Customer, DomainError> {
    let valid = checked(&input)?;
    feed::lock_master(txn).await?;
    let current = match id {
        Some(id) => Some(
            customer::Entity::find_by_id(id)
                .one(txn)
                .await?
                .ok_or(DomainError::NotFound("customer"))?,
        ),
        None => None,
    };
    store(
        txn,
        Uuid::now_v7(),
        current,
        valid,
        input.active.unwrap_or(true),
    )
    .await
}

/// Writes `valid` over `current` (or as a new customer `new_id`), raising its version, and tells
/// the terminals and the subscribers.
async fn store<C: ConnectionTrait>(
    txn: &C,
    new_id: Uuid,
    current: Option<customer::Model>,
    valid: ValidCustomer,
    active: bool,
) -> Result<Customer, DomainError> {
    let now = Utc::now();
    let new = current.is_none();
    let mut model = match current {
        Some(current) => {
            let version = current.version + 1;
            let mut model = customer::ActiveModel::from(current);
            model.version = Set(version);
            model
        }
        None => customer::ActiveModel {
            id: Set(new_id),
            version: Set(1),
            created_at: Set(now),
            ..Default::default()
        },
    };
    let code = valid.code.clone();
    model.code = Set(valid.code);
    model.name = Set(valid.name);
    model.phone = Set(valid.phone);
    model.email = Set(valid.email);
    model.loyalty_points = Set(valid.loyalty_points);
    model.tax_id = Set(valid.tax_id);
    model.active = Set(active);
    model.updated_at = Set(now);
    let saved = insert_or_update(txn, model, new).await.map_err(|err| {
        DomainError::conflict_on_duplicate(
            err,
            format!("a customer with code {code} already exists"),
        )
    })?;
    publish_customer(txn, saved.id, Some(&saved)).await?;
    let event_type = if new {
        EventType::CustomerCreated
    } else {
        EventType::CustomerUpdated
    };
    emitted(txn, event_type, None, Customer::from(saved)).await
}

/// A customer as a till sends it: the hub keeps the loyalty points and whether it is active.
#[derive(Clone, Debug)]
pub struct TillCustomerInput {
    pub code: String,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub tax_id: Option<String>,
}

/// What a till's write did: `created` is false for an edit, and for a resend.
pub struct TillSaved {
    pub customer: Customer,
    pub created: bool,
}

impl TillCustomerInput {
    /// `current`'s hub-kept values with the till's details.
    fn over(self, current: Option<&customer::Model>) -> Result<ValidCustomer, DomainError> {
        checked(&CustomerInput {
            code: self.code,
            name: self.name,
            phone: self.phone,
            email: self.email,
            loyalty_points: current.map(|c| from_fixed4(c.loyalty_points)),
            tax_id: self.tax_id,
            active: None,
        })
    }
}

/// Whether `current` already holds what a till sent.
fn holds(current: &customer::Model, valid: &ValidCustomer) -> bool {
    (
        &current.code,
        &current.name,
        &current.phone,
        &current.email,
        &current.tax_id,
    ) == (
        &valid.code,
        &valid.name,
        &valid.phone,
        &valid.email,
        &valid.tax_id,
    )
}

fn stale(current: customer::Model, detail: &str) -> DomainError {
    let current = Customer::from(current);
    match serde_json::to_value(&current) {
        Ok(current) => DomainError::StaleVersion {
            detail: detail.to_string(),
            current: Box::new(current),
        },
        Err(err) => DomainError::internal("a customer's current record", err),
    }
}

/// A till's new customer under the till's own id (the exactly-once key): sent again with the
/// same details it answers the customer; another customer under that id is refused with it.
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn create_customer_from_till<C: ConnectionTrait>(
    txn: &C,
    id: Uuid,
    input: TillCustomerInput,
) -> Result<TillSaved, DomainError> {
    let valid = input.over(None)?;
    feed::lock_master(txn).await?;
    if let Some(current) = customer::Entity::find_by_id(id).one(txn).await? {
        if current.version == 1 && holds(&current, &valid) {
            return Ok(TillSaved {
                customer: current.into(),
                created: false,
            });
        }
        return Err(stale(
            current,
            "a customer with this id exists, with other details",
        ));
    }
    let customer = store(txn, id, None, valid, true).await?;
    Ok(TillSaved {
        customer,
        created: true,
    })
}

/// A till's edit of a customer it saw at `seen_version`: refused with the current record when
/// the customer changed since (the till merges and sends again); a resend of an edit already
/// applied answers the customer.
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn update_customer_from_till<C: ConnectionTrait>(
    txn: &C,
    id: Uuid,
    seen_version: i32,
    input: TillCustomerInput,
) -> Result<TillSaved, DomainError> {
    feed::lock_master(txn).await?;
    let current = customer::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(DomainError::NotFound("customer"))?;
    let valid = input.over(Some(&current))?;
    if current.version != seen_version {
        if current.version == seen_version + 1 && holds(&current, &valid) {
            return Ok(TillSaved {
                customer: current.into(),
                created: false,
            });
        }
        return Err(stale(
            current,
            "the customer changed since the version this edit was made on",
        ));
    }
    let active = current.active;
    let customer = store(txn, id, Some(current), valid, active).await?;
    Ok(TillSaved {
        customer,
        created: false,
    })
}

#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn delete_customer<C: ConnectionTrait>(txn: &C, id: Uuid) -> Result<(), DomainError> {
    feed::lock_master(txn).await?;
    if customer::Entity::delete_by_id(id)
        .exec(txn)
        .await?
        .rows_affected
        == 0
    {
        return Err(DomainError::NotFound("customer"));
    }
    publish_customer(txn, id, None).await?;
    emitted(txn, EventType::CustomerDeleted, None, json!({ "id": id })).await?;
    Ok(())
}

pub async fn get_customer(db: &DatabaseConnection, id: Uuid) -> Result<Customer, DomainError> {
    customer::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(Customer::from)
        .ok_or(DomainError::NotFound("customer"))
}

/// Customers by code; `search` matches part of the code, name, phone or email.
pub async fn list_customers(
    db: &DatabaseConnection,
    search: Option<&str>,
    page: PageRequest,
) -> Result<Page<Customer>, DomainError> {
    let mut select = customer::Entity::find().order_by_asc(customer::Column::Code);
    if let Some(search) = search.map(str::trim).filter(|s| !s.is_empty()) {
        select = select.filter(
            customer::Column::Code
                .contains(search)
                .or(customer::Column::Name.contains(search))
                .or(customer::Column::Phone.contains(search))
                .or(customer::Column::Email.contains(search)),
        );
    }
    Ok(fetch_page(db, select, page).await?.map(Customer::from))
}

/// Most customers merged into one at a time.
pub const MAX_MERGED: usize = 100;

/// What a merge did.
#[derive(Debug, Serialize, ToSchema)]
pub struct Merged {
    /// The surviving customer, with the merged ones' loyalty points added.
    pub customer: Customer,
    pub merged_customer_ids: Vec<Uuid>,
    /// Transactions that named a merged customer and now name the surviving one.
    pub transactions_moved: u64,
}

/// Merges customers into `surviving_id` (seed 004's `mergeCustomers`): their transactions and
/// loyalty points move to it, and they are deleted (terminals receive tombstones).
#[tracing::instrument(skip_all, fields(surviving_id = %surviving_id), err(level = "info"))]
pub async fn merge_customers<C: ConnectionTrait>(
    txn: &C,
    surviving_id: Uuid,
    mut merged_ids: Vec<Uuid>,
) -> Result<Merged, DomainError> {
    merged_ids.sort();
    merged_ids.dedup();
    if merged_ids.is_empty() || merged_ids.len() > MAX_MERGED {
        return Err(DomainError::invalid(
            "merged_customer_ids",
            format!("must name 1 to {MAX_MERGED} customers"),
        ));
    }
    if merged_ids.contains(&surviving_id) {
        return Err(DomainError::invalid(
            "merged_customer_ids",
            "must not name the surviving customer",
        ));
    }
    feed::lock_master(txn).await?;
    let surviving = customer::Entity::find_by_id(surviving_id)
        .one(txn)
        .await?
        .ok_or(DomainError::NotFound("customer"))?;
    let merged = customer::Entity::find()
        .filter(customer::Column::Id.is_in(merged_ids.clone()))
        .all(txn)
        .await?;
    if merged.len() != merged_ids.len() {
        return Err(DomainError::NotFound("customer"));
    }
    let moved = sales_transaction::Entity::update_many()
        .col_expr(
            sales_transaction::Column::CustomerId,
            Expr::value(surviving_id),
        )
        .filter(sales_transaction::Column::CustomerId.is_in(merged_ids.clone()))
        .exec(txn)
        .await?
        .rows_affected;
    customer::Entity::delete_many()
        .filter(customer::Column::Id.is_in(merged_ids.clone()))
        .exec(txn)
        .await?;
    let points: Fixed4 = merged.iter().map(|c| c.loyalty_points).sum();
    let mut model = customer::ActiveModel::from(surviving.clone());
    model.loyalty_points = Set(surviving.loyalty_points + points);
    model.version = Set(surviving.version + 1);
    model.updated_at = Set(Utc::now());
    let saved = model.update(txn).await?;
    let mut events = Vec::with_capacity(merged_ids.len() + 2);
    for id in &merged_ids {
        publish_customer(txn, *id, None).await?;
        events.push(Event::chain_wide(
            EventType::CustomerDeleted,
            json!({ "id": id, "merged_into": surviving_id }),
        ));
    }
    publish_customer(txn, saved.id, Some(&saved)).await?;
    let customer = Customer::from(saved);
    events.push(Event::chain_wide(
        EventType::CustomerUpdated,
        to_data(&customer)?,
    ));
    events.push(Event::chain_wide(
        EventType::CustomerMerged,
        json!({
            "id": surviving_id,
            "surviving_customer_id": surviving_id,
            "merged_customer_ids": merged_ids,
            "transactions_moved": moved,
        }),
    ));
    outbound::emit(txn, events).await?;
    Ok(Merged {
        customer,
        merged_customer_ids: merged_ids,
        transactions_moved: moved,
    })
}

fn to_data(customer: &Customer) -> Result<serde_json::Value, DomainError> {
    serde_json::to_value(customer).map_err(|e| DomainError::internal("a customer event's data", e))
}
