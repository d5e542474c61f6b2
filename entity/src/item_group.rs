use sea_orm::entity::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

/// A restaurant's modifier group (choose a milk, add toppings) or combo (a meal of several items),
/// offered with the items linked to it.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "item_group")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// `modifier` or `combo`.
    pub group_kind: GroupKind,
    /// Fewest options a guest must choose.
    pub min_choices: i32,
    /// Most options a guest may choose.
    pub max_choices: i32,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

/// A restaurant group: options added to an item, or the parts of a combo.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, ToSchema)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    #[sea_orm(string_value = "modifier")]
    Modifier,
    #[sea_orm(string_value = "combo")]
    Combo,
}
