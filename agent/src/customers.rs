//! Customers made or edited at the counter, for tests and demos: recorded in the local database
//! (usable at once) and sent by the next cycle, an edit with the version it was made on.

use serde_json::{Value, json};

use crate::{local::Local, sell::SellError};

/// A customer's details as the till records them.
#[derive(Clone, Debug)]
pub struct CustomerEntry {
    /// The customer to edit (it must be in the local catalogue); none: a new customer.
    pub id: Option<String>,
    pub code: String,
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub tax_id: Option<String>,
}

/// Records the customer and returns its id.
pub async fn record(local: &Local, entry: CustomerEntry) -> Result<String, SellError> {
    let details = json!({
        "code": entry.code,
        "name": entry.name,
        "phone": entry.phone,
        "email": entry.email,
        "tax_id": entry.tax_id,
    });
    let (id, seen_version, version) = match entry.id {
        Some(id) => {
            let known = local.object("customer", &id).await?.ok_or_else(|| {
                SellError::Invalid(format!("customer {id} is not in the local catalogue"))
            })?;
            let version = known["version"]
                .as_i64()
                .and_then(|v| i32::try_from(v).ok());
            (id, Some(version.unwrap_or(1)), known["version"].clone())
        }
        None => (uuid::Uuid::new_v4().to_string(), None, Value::Null),
    };
    local.record_customer(&id, seen_version, &details).await?;
    // Usable at the counter at once; the hub's record replaces it once sent.
    let mut shown = details;
    shown["id"] = json!(id);
    shown["version"] = version;
    local.put_object("customer", &id, &shown).await?;
    Ok(id)
}
