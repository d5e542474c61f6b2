use sea_orm_migration::{prelude::*, schema::*};

use crate::columns::instant;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(ItemGroup::Table)
                    .col(pk_uuid(ItemGroup::Id))
                    .col(string_len(ItemGroup::Name, 200))
                    .col(string_len(ItemGroup::GroupKind, 16))
                    .col(integer(ItemGroup::MinChoices))
                    .col(integer(ItemGroup::MaxChoices))
                    .col(boolean(ItemGroup::Active))
                    .col(instant(backend, ItemGroup::CreatedAt))
                    .col(instant(backend, ItemGroup::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ItemGroupOption::Table)
                    .col(uuid(ItemGroupOption::ItemGroupId))
                    .col(uuid(ItemGroupOption::ItemId))
                    .col(big_integer(ItemGroupOption::PriceDelta))
                    .col(integer(ItemGroupOption::Position))
                    .primary_key(
                        Index::create()
                            .col(ItemGroupOption::ItemGroupId)
                            .col(ItemGroupOption::ItemId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_item_group_option_group")
                            .from(ItemGroupOption::Table, ItemGroupOption::ItemGroupId)
                            .to(ItemGroup::Table, ItemGroup::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_item_group_option_item")
                            .from(ItemGroupOption::Table, ItemGroupOption::ItemId)
                            .to(Item::Table, Item::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ItemGroupItem::Table)
                    .col(uuid(ItemGroupItem::ItemGroupId))
                    .col(uuid(ItemGroupItem::ItemId))
                    .primary_key(
                        Index::create()
                            .col(ItemGroupItem::ItemGroupId)
                            .col(ItemGroupItem::ItemId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_item_group_item_group")
                            .from(ItemGroupItem::Table, ItemGroupItem::ItemGroupId)
                            .to(ItemGroup::Table, ItemGroup::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_item_group_item_item")
                            .from(ItemGroupItem::Table, ItemGroupItem::ItemId)
                            .to(Item::Table, Item::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ItemGroupItem::Table.into_iden(),
            ItemGroupOption::Table.into_iden(),
            ItemGroup::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Item {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ItemGroup {
    Table,
    Id,
    Name,
    GroupKind,
    MinChoices,
    MaxChoices,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ItemGroupOption {
    Table,
    ItemGroupId,
    ItemId,
    PriceDelta,
    Position,
}

#[derive(DeriveIden)]
enum ItemGroupItem {
    Table,
    ItemGroupId,
    ItemId,
}
