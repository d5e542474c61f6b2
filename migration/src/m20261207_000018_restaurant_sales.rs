use sea_orm_migration::{prelude::*, schema::*};

use crate::columns::instant;

/// Restaurant sales: the options chosen on a sales line, recipes (ingredients per unit sold,
/// effective from a date), and where in its branch's stock stream an adjustment was applied (so
/// a report can tell what moved between two counts).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(SalesLineOption::Table)
                    .col(uuid(SalesLineOption::SalesTransactionId))
                    .col(integer(SalesLineOption::LineNo))
                    .col(integer(SalesLineOption::OptionNo))
                    .col(uuid(SalesLineOption::ItemGroupId))
                    .col(uuid(SalesLineOption::ItemId))
                    .col(integer(SalesLineOption::Quantity))
                    .col(big_integer(SalesLineOption::PriceDelta))
                    .col(big_integer(SalesLineOption::Revenue))
                    .primary_key(
                        Index::create()
                            .col(SalesLineOption::SalesTransactionId)
                            .col(SalesLineOption::LineNo)
                            .col(SalesLineOption::OptionNo),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Recipe::Table)
                    .col(uuid(Recipe::Id).primary_key())
                    .col(uuid(Recipe::ItemId))
                    .col(date(Recipe::EffectiveFrom))
                    .col(string_len(Recipe::CreatedBy, 200))
                    .col(instant(backend, Recipe::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Recipe::Table, Recipe::ItemId)
                            .to(Item::Table, Item::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_recipe_item_effective")
                    .table(Recipe::Table)
                    .col(Recipe::ItemId)
                    .col(Recipe::EffectiveFrom)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RecipeIngredient::Table)
                    .col(uuid(RecipeIngredient::RecipeId))
                    .col(uuid(RecipeIngredient::ItemId))
                    .col(integer(RecipeIngredient::Position))
                    .col(big_integer(RecipeIngredient::Quantity))
                    .primary_key(
                        Index::create()
                            .col(RecipeIngredient::RecipeId)
                            .col(RecipeIngredient::ItemId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RecipeIngredient::Table, RecipeIngredient::RecipeId)
                            .to(Recipe::Table, Recipe::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RecipeIngredient::Table, RecipeIngredient::ItemId)
                            .to(Item::Table, Item::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Adjustment::Table)
                    .add_column(big_integer_null(Adjustment::StreamSeq))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Adjustment::Table)
                    .drop_column(Adjustment::StreamSeq)
                    .to_owned(),
            )
            .await?;
        for table in [
            RecipeIngredient::Table.into_iden(),
            Recipe::Table.into_iden(),
            SalesLineOption::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum SalesLineOption {
    Table,
    SalesTransactionId,
    LineNo,
    OptionNo,
    ItemGroupId,
    ItemId,
    Quantity,
    PriceDelta,
    Revenue,
}

#[derive(DeriveIden)]
enum Recipe {
    Table,
    Id,
    ItemId,
    EffectiveFrom,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RecipeIngredient {
    Table,
    RecipeId,
    ItemId,
    Position,
    Quantity,
}

#[derive(DeriveIden)]
enum Item {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Adjustment {
    Table,
    StreamSeq,
}
