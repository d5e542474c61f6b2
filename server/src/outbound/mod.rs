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
pub use operations::{
    Attempt, ReplayFrom, list_attempts, pause_subscription, replay, resume_subscription,
    send_sample, skip_event,
};
pub use retention::keep_pruning;
pub use sender::{Posted, Sender};
pub use sequencer::{OUTBOX_STREAM, keep_numbering};
pub use subscriptions::{
    CreatedSubscription, Failing, MAX_BATCH_SIZE, ReceiverAuth, ReceiverAuthInput, Subscription,
    SubscriptionInput, create_subscription, delete_subscription, get_subscription,
    list_subscriptions, update_subscription,
};
