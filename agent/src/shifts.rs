//! The till's shift, for tests and demos: opened with a float, cash paid in and out, closed with
//! what was counted. Each step is recorded in the local database (offline too) with its own id
//! and sent by the next cycle, in order, after the sales.

use chrono::Utc;
use serde_json::{Value, json};

use crate::{local::Local, sell::SellError};

/// Where the till keeps the shift it has open.
const CURRENT: (&str, &str) = ("shift", "current");

async fn current_shift(local: &Local) -> Result<String, SellError> {
    local
        .object(CURRENT.0, CURRENT.1)
        .await?
        .and_then(|shift| shift["id"].as_str().map(String::from))
        .ok_or_else(|| SellError::Invalid("no shift is open at this till".into()))
}

/// Opens a shift for the first staff user of the catalogue; returns its id.
pub async fn open(local: &Local, opening_float: &str) -> Result<String, SellError> {
    if current_shift(local).await.is_ok() {
        return Err(SellError::Invalid(
            "a shift is open already: close it first".into(),
        ));
    }
    let staff = local
        .objects("staff_user")
        .await?
        .into_keys()
        .next()
        .ok_or_else(|| SellError::Invalid("no staff_user received from the hub yet".into()))?;
    let id = uuid::Uuid::new_v4().to_string();
    let body = json!({
        "id": id, "staff_user_id": staff, "opened_at": Utc::now(), "opening_float": opening_float,
    });
    local.record_shift_event(&id, "open", &body).await?;
    local
        .put_object(CURRENT.0, CURRENT.1, &json!({ "id": id }))
        .await?;
    Ok(id)
}

/// Records cash paid in or out of the open shift's drawer.
pub async fn move_cash(
    local: &Local,
    kind: &str,
    amount: &str,
    reason: &str,
) -> Result<String, SellError> {
    let shift = current_shift(local).await?;
    let body = json!({
        "id": uuid::Uuid::new_v4(), "kind": kind, "amount": amount, "reason": reason, "at": Utc::now(),
    });
    local.record_shift_event(&shift, "movement", &body).await?;
    Ok(shift)
}

/// Closes the open shift with what was counted: (payment method id, amount).
pub async fn close(local: &Local, counted: &[(String, String)]) -> Result<String, SellError> {
    let shift = current_shift(local).await?;
    let counted: Vec<Value> = counted
        .iter()
        .map(|(method, amount)| json!({ "payment_method_id": method, "amount": amount }))
        .collect();
    let body = json!({ "closed_at": Utc::now(), "counted": counted });
    local.record_shift_event(&shift, "close", &body).await?;
    local
        .put_object(CURRENT.0, CURRENT.1, &json!({ "id": null }))
        .await?;
    Ok(shift)
}
