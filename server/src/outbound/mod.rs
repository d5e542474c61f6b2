//! Outbound data sync: changes told to third parties (accounting, e-commerce, CRM) through a
//! transactional outbox, delivered per subscription in order, at least once, signed.

mod delivery;
mod destination;
mod events;
mod message;
mod operations;
mod retention;
mod sender;
mod sequencer;
mod subscriptions;

pub use delivery::{Deliverer, DeliverySettings};
pub use destination::{AllowedNetworks, Destinations};
pub use events::{Event, emit, emitted, lock_every_writer};
pub use message::{OutboundEvent, body as message_body};
pub use operations::{
    Attempt, ReplayFrom, list_attempts, pause_subscription, replay, resume_subscription,
    send_sample, skip_event,
};
pub use retention::keep_pruning;
pub use sender::{Posted, Sender};
pub use sequencer::{Numbered, OUTBOX_STREAM, keep_numbering, number_all_committed};
pub use subscriptions::{
    CreatedSubscription, Failing, MAX_BATCH_SIZE, ReceiverAuth, ReceiverAuthInput, Subscription,
    SubscriptionInput, create_subscription, delete_subscription, event_types_of, get_subscription,
    list_subscriptions, update_subscription,
};
