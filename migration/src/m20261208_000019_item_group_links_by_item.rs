//! The groups an item offers are looked up by item (every sale's ingest, an item's deletion); the
//! link table's key leads with the group, so each look-up read the whole table.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEX: &str = "idx_item_group_item_item";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(ItemGroupItem::Table)
                    .col(ItemGroupItem::ItemId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(INDEX)
                    .table(ItemGroupItem::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum ItemGroupItem {
    Table,
    ItemId,
}
