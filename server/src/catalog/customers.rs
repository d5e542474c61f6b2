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
    let now = Utc::now();
    let new = id.is_none();
    let mut model = match id {
        Some(id) => {
            let current = customer::Entity::find_by_id(id)
                .one(txn)
                .await?
                .ok_or(DomainError::NotFound("customer"))?;
            customer::ActiveModel::from(current)
        }
        None => customer::ActiveModel {
            id: Set(Uuid::now_v7()),
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
    model.active = Set(input.active.unwrap_or(true));
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
