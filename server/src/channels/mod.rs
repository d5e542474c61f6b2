//! Sales channels: a web shop or marketplace that sells the chain's stock. A channel is an OAuth2
//! client (scope `channel`) with branches whose stock it sells, its own ids for the items it
//! sells, an availability it reads as a feed and has pushed on a schedule, and orders that hold
//! stock at a branch until shipped, cancelled or returned.

mod availability;
mod compaction;
mod mapping;
mod orders;
mod push;
mod reports;
mod setup;

pub use availability::{AvailabilityChange, AvailabilityPage, read_feed, touch_levels};
pub use compaction::{compact_changes, keep_compacting};
pub use entity::channel_order::OrderState;
pub use mapping::{ItemMapping, MappingInput, list_mappings, map_items, unmap_item};
pub use orders::{
    Order, OrderFilter, OrderInput, OrderLineInput, Placed, cancel_order, fulfil_order, get_order,
    list_orders, place_order, return_order,
};
pub use push::{
    PushInput, PushRun, configure_push, force_push, keep_pushing, list_runs, set_running,
};
pub use reports::{OnlineDay, OnlineTotals, online_days};
pub use setup::{
    Channel, ChannelInput, CreatedChannel, create_channel, get_channel, list_channels,
    rotate_channel_secret, set_channel_active, update_channel,
};

use entity::channel_change;

use crate::outbound::Numbered;

/// The counter that numbers the channels' changes of availability.
pub const CHANNEL_CHANGES_STREAM: &str = "channel_changes";

impl Numbered for channel_change::Entity {
    const STREAM: &'static str = CHANNEL_CHANGES_STREAM;
    const ID: channel_change::Column = channel_change::Column::Id;
    const SEQ: channel_change::Column = channel_change::Column::Seq;
    const ANNOUNCED: bool = false;
}

/// Who acts on a channel's order: the channel itself, head office, or a terminal of a branch.
#[derive(Clone, Debug)]
pub enum OrderActor {
    Channel {
        channel_id: uuid::Uuid,
        name: String,
    },
    Staff {
        scope: crate::scope::BranchScope,
        name: String,
    },
}

impl OrderActor {
    fn name(&self) -> &str {
        match self {
            OrderActor::Channel { name, .. } | OrderActor::Staff { name, .. } => name,
        }
    }
}
