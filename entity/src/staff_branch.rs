use sea_orm::entity::prelude::*;

/// A branch a staff user may work in.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_branch")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub staff_user_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub branch_id: Uuid,
}

impl ActiveModelBehavior for ActiveModel {}
