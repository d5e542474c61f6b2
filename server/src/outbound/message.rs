//! What a delivery POSTs: a batch of events in Hubshake's format or seed 004's, signed per
//! Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`,
//! HMAC-SHA256 of `id.timestamp.body` under the subscription's `whsec_` secret).

use base64::{Engine, engine::general_purpose::STANDARD};
use chrono::{DateTime, Utc};
use entity::{outbound_event, outbound_event::EventType, subscription::MessageFormat};
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde_json::{Value, json};
use sha2::Sha256;
use uuid::Uuid;

use crate::error::DomainError;

/// The prefix of a signing secret, as Standard Webhooks writes them.
const SECRET_PREFIX: &str = "whsec_";

/// A new signing secret: 32 random bytes.
pub fn new_signing_secret() -> String {
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(key))
}

/// `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.
pub fn signature(
    secret: &str,
    webhook_id: &str,
    timestamp: i64,
    body: &[u8],
) -> Result<String, DomainError> {
    let key = STANDARD
        .decode(secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret))
        .map_err(|e| DomainError::internal("a subscription's signing secret", e))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key)
        .map_err(|e| DomainError::internal("a subscription's signing secret", e))?;
    mac.update(format!("{webhook_id}.{timestamp}.").as_bytes());
    mac.update(body);
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// One event as it leaves the outbox (`seq`: its row's number, shared with the events of the same
/// change and type).
pub struct OutboundEvent {
    pub seq: i64,
    pub id: Uuid,
    pub event_type: EventType,
    pub branch_id: Option<Uuid>,
    pub occurred_at: DateTime<Utc>,
    pub data: Value,
}

/// The events of an outbox row, in order; they share its number.
pub fn expand(row: outbound_event::Model) -> Result<Vec<OutboundEvent>, DomainError> {
    let unreadable = |why: &str| DomainError::internal("a stored outbound event", why.to_string());
    let seq = row.seq.ok_or_else(|| unreadable("it has no number yet"))?;
    let elements: Vec<Value> = serde_json::from_str(&row.data)
        .map_err(|e| DomainError::internal("a stored outbound event", e))?;
    elements
        .into_iter()
        .map(|mut element| {
            let id = element["id"]
                .as_str()
                .and_then(|id| Uuid::parse_str(id).ok())
                .ok_or_else(|| unreadable("an event without an id"))?;
            Ok(OutboundEvent {
                seq,
                id,
                event_type: row.event_type,
                branch_id: row.branch_id,
                occurred_at: row.occurred_at,
                data: element["data"].take(),
            })
        })
        .collect()
}

/// The `webhook-id` of a batch: the same events always get the same id, so a receiver can
/// recognise a redelivery.
pub fn webhook_id(events: &[OutboundEvent]) -> String {
    match events {
        [only] => event_webhook_id(only.id),
        [first, ..] => format!("batch_{}_{}", first.id.simple(), events.len()),
        [] => "empty".into(),
    }
}

/// The `webhook-id` of one event sent alone.
pub fn event_webhook_id(event_id: Uuid) -> String {
    format!("evt_{}", event_id.simple())
}

/// The body of a POST of `events`.
pub fn body(format: MessageFormat, events: &[OutboundEvent]) -> Value {
    match format {
        MessageFormat::Hubshake => json!({
            "events": events.iter().map(|event| json!({
                "id": event.id,
                "type": event.event_type,
                "occurred_at": event.occurred_at,
                "seq": event.seq,
                "branch_id": event.branch_id,
                "data": event.data,
            })).collect::<Vec<_>>()
        }),
        MessageFormat::DataSync => json!({
            "messages": events.iter().map(|event| {
                let (action, kind) = data_sync_action(event.event_type);
                // Seed 004's uniqueId is the object's id; an event without one uses its own.
                let unique_id = event.data.get("id").cloned().unwrap_or(json!(event.id));
                json!({
                    "action": action,
                    "payload": event.data.to_string(),
                    "type": kind,
                    "uniqueId": unique_id,
                })
            }).collect::<Vec<_>>()
        }),
    }
}

/// Seed 004's `action` and `type` of an event: its own for customers and transactions, the same
/// pattern (`<TYPE>CRE|MOD|DEL`) for what it does not know.
fn data_sync_action(event_type: EventType) -> (&'static str, &'static str) {
    use EventType::*;
    match event_type {
        CustomerCreated => ("CUSTOMERCRE", "CUSTOMER"),
        CustomerUpdated | CustomerMerged => ("CUSTOMERMOD", "CUSTOMER"),
        CustomerDeleted => ("CUSTOMERDEL", "CUSTOMER"),
        TransactionAccepted => ("POSTRNCRE", "POSTRN"),
        StockChanged | ChannelAvailability => ("STOCKMOD", "STOCK"),
        ItemCreated => ("ITEMCRE", "ITEM"),
        ItemUpdated => ("ITEMMOD", "ITEM"),
        ItemDeleted => ("ITEMDEL", "ITEM"),
        TransferCreated => ("TRANSFERCRE", "TRANSFER"),
        TransferDispatched | TransferReceived | TransferCancelled => ("TRANSFERMOD", "TRANSFER"),
        PurchaseOrderCreated => ("PURCHASEORDERCRE", "PURCHASEORDER"),
        PurchaseOrderOrdered
        | PurchaseOrderReceived
        | PurchaseOrderClosed
        | PurchaseOrderCancelled => ("PURCHASEORDERMOD", "PURCHASEORDER"),
    }
}

/// The sample message of seed 004's "Send Sample Message".
pub fn sample_body(format: MessageFormat) -> Value {
    match format {
        MessageFormat::Hubshake => json!({
            "events": [{
                "id": Uuid::nil(),
                "type": "sample",
                "occurred_at": Utc::now(),
                "seq": 0,
                "branch_id": null,
                "data": {"message": "Test message"},
            }]
        }),
        MessageFormat::DataSync => json!({
            "messages": [{
                "action": "CUSTOMERCRE",
                "payload": "Test message",
                "type": "CUSTOMER",
                "uniqueId": "0",
            }]
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification.
    #[test]
    fn signature_matches_the_specification_example() {
        let body = br#"{"test": 2432232314}"#;
        let signed = signature(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            body,
        )
        .unwrap();
        assert_eq!(signed, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }
}
