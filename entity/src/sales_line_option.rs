use sea_orm::entity::prelude::*;

use crate::Fixed4;

/// An option chosen on a sales line: from a group the line's item offers, how many times, what
/// it added to the unit price, and the part of the line's revenue it stands for.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sales_line_option")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub sales_transaction_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub line_no: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub option_no: i32,
    pub item_group_id: Uuid,
    /// The option's item.
    pub item_id: Uuid,
    /// Per unit of the line.
    pub quantity: i32,
    /// Added to the line's unit price per unit of `quantity`.
    #[sea_orm(column_type = "BigInteger")]
    pub price_delta: Fixed4,
    /// A combo part: its list-price share of the line total; a modifier: quantity × delta × the
    /// line's quantity.
    #[sea_orm(column_type = "BigInteger")]
    pub revenue: Fixed4,
}

impl ActiveModelBehavior for ActiveModel {}
