//! The tables of the POS's local database that the agent fills and reads.

pub mod local_object {
    use sea_orm::entity::prelude::*;

    /// The latest state of a master-data object the hub sent (item, category, staff user, …).
    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "local_object")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub kind: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub object_id: String,
        #[sea_orm(column_type = "Text")]
        pub data: String,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod local_stock {
    use sea_orm::entity::prelude::*;

    /// The branch's quantity of an item, as the hub holds it.
    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "local_stock")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub item_id: String,
        pub on_hand: String,
        pub in_transit_in: String,
        pub seq: i64,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod local_sale {
    use sea_orm::entity::prelude::*;

    /// A transaction the POS recorded, and how far it got towards the hub.
    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "local_sale")]
    pub struct Model {
        /// The terminal's id for the transaction (the hub's exactly-once key).
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub revision: i32,
        /// `settled` or `open`.
        pub status: String,
        /// The transaction as the hub receives it.
        #[sea_orm(column_type = "Text")]
        pub body: String,
        /// `pending` (not yet spooled), `spooled` (an `.out` file holds it), `sent` or `rejected`.
        pub sync_state: String,
        /// Milliseconds since the epoch; orders the queue.
        pub created_at: i64,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod local_log {
    use sea_orm::entity::prelude::*;

    /// A warning or error of the agent, kept until the hub has it.
    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "local_log")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub level: String,
        /// RFC 3339.
        pub at: String,
        pub component: String,
        #[sea_orm(column_type = "Text")]
        pub message: String,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod local_customer {
    use sea_orm::entity::prelude::*;

    /// A customer made or edited at the till, and how far it got towards the hub.
    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "local_customer")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub seq: i64,
        pub customer_id: String,
        /// The version the edit was made on; none for a new customer.
        pub seen_version: Option<i32>,
        /// The customer's details as the hub receives them.
        #[sea_orm(column_type = "Text")]
        pub body: String,
        /// `pending`, `sent`, `conflict` (the hub's customer changed: its record is now in the
        /// local catalogue, to merge) or `rejected`.
        pub sync_state: String,
        #[sea_orm(column_type = "Text", nullable)]
        pub reason: Option<String>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod local_shift_event {
    use sea_orm::entity::prelude::*;

    /// A step of a shift at the till (open, paid-in or paid-out, close), sent in order.
    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "local_shift_event")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub seq: i64,
        pub shift_id: String,
        /// `open`, `movement` or `close`.
        pub kind: String,
        /// The step as the hub receives it.
        #[sea_orm(column_type = "Text")]
        pub body: String,
        /// `pending`, `sent` or `rejected`.
        pub sync_state: String,
        #[sea_orm(column_type = "Text", nullable)]
        pub reason: Option<String>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}
