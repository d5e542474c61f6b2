use sea_orm::entity::prelude::*;

use crate::Fixed4;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sales_payment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub sales_transaction_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub line_no: i32,
    pub payment_method_id: Uuid,
    #[sea_orm(column_type = "BigInteger")]
    pub amount: Fixed4,
    pub reference: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
