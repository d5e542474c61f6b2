use sea_orm::entity::prelude::*;

/// A branch a payment method is offered at; a method with no such rows is offered everywhere.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payment_method_branch")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub payment_method_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub branch_id: Uuid,
}

impl ActiveModelBehavior for ActiveModel {}
