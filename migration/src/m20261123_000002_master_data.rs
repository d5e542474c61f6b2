use sea_orm_migration::{prelude::*, schema::*};

use crate::columns::instant;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Decimals (money, rates, quantities) are stored as integers counting 0.0001 units, so every
/// database stores, compares and adds them exactly (SQLite has no decimal type).
fn fixed4<T: IntoIden>(col: T) -> ColumnDef {
    big_integer(col)
}

fn fixed4_null<T: IntoIden>(col: T) -> ColumnDef {
    big_integer_null(col)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(SequenceCounter::Table)
                    .col(string_len(SequenceCounter::Stream, 64).primary_key())
                    .col(big_integer(SequenceCounter::Value))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(SequenceCounter::Table)
                    .columns([SequenceCounter::Stream, SequenceCounter::Value])
                    .values_panic(["master".into(), 0i64.into()])
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MasterChange::Table)
                    .col(string_len(MasterChange::Kind, 32))
                    .col(string_len(MasterChange::ObjectId, 100))
                    .col(string_len(MasterChange::Audience, 40))
                    .col(big_integer(MasterChange::Seq))
                    .col(string_len(MasterChange::Op, 8))
                    .col(text_null(MasterChange::Payload))
                    .col(instant(backend, MasterChange::ChangedAt))
                    .primary_key(
                        Index::create()
                            .col(MasterChange::Kind)
                            .col(MasterChange::ObjectId)
                            .col(MasterChange::Audience),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_master_change_seq")
                    .table(MasterChange::Table)
                    .col(MasterChange::Seq)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_master_change_changed_at")
                    .table(MasterChange::Table)
                    .col(MasterChange::ChangedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Category::Table)
                    .col(pk_uuid(Category::Id))
                    .col(uuid_null(Category::ParentId))
                    .col(string_len(Category::Name, 200))
                    .col(boolean(Category::Active))
                    .col(instant(backend, Category::CreatedAt))
                    .col(instant(backend, Category::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_category_parent")
                            .from(Category::Table, Category::ParentId)
                            .to(Category::Table, Category::Id),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Item::Table)
                    .col(pk_uuid(Item::Id))
                    .col(string_len_uniq(Item::Sku, 64))
                    .col(string_len(Item::Name, 200))
                    .col(uuid_null(Item::CategoryId))
                    .col(string_len(Item::Unit, 16))
                    .col(fixed4(Item::BasePrice))
                    .col(fixed4_null(Item::Cost))
                    .col(fixed4(Item::TaxRate))
                    .col(boolean(Item::TrackStock))
                    .col(boolean(Item::Active))
                    .col(instant(backend, Item::CreatedAt))
                    .col(instant(backend, Item::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_item_category")
                            .from(Item::Table, Item::CategoryId)
                            .to(Category::Table, Category::Id),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ItemBarcode::Table)
                    .col(string_len(ItemBarcode::Barcode, 64).primary_key())
                    .col(uuid(ItemBarcode::ItemId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_item_barcode_item")
                            .from(ItemBarcode::Table, ItemBarcode::ItemId)
                            .to(Item::Table, Item::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_item_barcode_item")
                    .table(ItemBarcode::Table)
                    .col(ItemBarcode::ItemId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(BranchItem::Table)
                    .col(uuid(BranchItem::BranchId))
                    .col(uuid(BranchItem::ItemId))
                    .col(fixed4_null(BranchItem::Price))
                    .col(boolean(BranchItem::Hidden))
                    .col(instant(backend, BranchItem::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(BranchItem::BranchId)
                            .col(BranchItem::ItemId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_branch_item_branch")
                            .from(BranchItem::Table, BranchItem::BranchId)
                            .to(Branch::Table, Branch::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_branch_item_item")
                            .from(BranchItem::Table, BranchItem::ItemId)
                            .to(Item::Table, Item::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_branch_item_item")
                    .table(BranchItem::Table)
                    .col(BranchItem::ItemId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(StaffUser::Table)
                    .col(pk_uuid(StaffUser::Id))
                    .col(string_len_uniq(StaffUser::Code, 32))
                    .col(string_len(StaffUser::Name, 200))
                    .col(string_len(StaffUser::Role, 32))
                    .col(string_len(StaffUser::PinHash, 255))
                    .col(boolean(StaffUser::Active))
                    .col(instant(backend, StaffUser::CreatedAt))
                    .col(instant(backend, StaffUser::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StaffBranch::Table)
                    .col(uuid(StaffBranch::StaffUserId))
                    .col(uuid(StaffBranch::BranchId))
                    .primary_key(
                        Index::create()
                            .col(StaffBranch::StaffUserId)
                            .col(StaffBranch::BranchId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_staff_branch_staff")
                            .from(StaffBranch::Table, StaffBranch::StaffUserId)
                            .to(StaffUser::Table, StaffUser::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_staff_branch_branch")
                            .from(StaffBranch::Table, StaffBranch::BranchId)
                            .to(Branch::Table, Branch::Id),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Customer::Table)
                    .col(pk_uuid(Customer::Id))
                    .col(string_len_uniq(Customer::Code, 32))
                    .col(string_len(Customer::Name, 200))
                    .col(string_len_null(Customer::Phone, 40))
                    .col(string_len_null(Customer::Email, 200))
                    .col(fixed4(Customer::LoyaltyPoints))
                    .col(string_len_null(Customer::TaxId, 64))
                    .col(boolean(Customer::Active))
                    .col(instant(backend, Customer::CreatedAt))
                    .col(instant(backend, Customer::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PaymentMethod::Table)
                    .col(pk_uuid(PaymentMethod::Id))
                    .col(string_len_uniq(PaymentMethod::Code, 32))
                    .col(string_len(PaymentMethod::Name, 200))
                    .col(string_len(PaymentMethod::MethodKind, 16))
                    .col(boolean(PaymentMethod::Active))
                    .col(instant(backend, PaymentMethod::CreatedAt))
                    .col(instant(backend, PaymentMethod::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PaymentMethodBranch::Table)
                    .col(uuid(PaymentMethodBranch::PaymentMethodId))
                    .col(uuid(PaymentMethodBranch::BranchId))
                    .primary_key(
                        Index::create()
                            .col(PaymentMethodBranch::PaymentMethodId)
                            .col(PaymentMethodBranch::BranchId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_payment_method_branch_method")
                            .from(
                                PaymentMethodBranch::Table,
                                PaymentMethodBranch::PaymentMethodId,
                            )
                            .to(PaymentMethod::Table, PaymentMethod::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_payment_method_branch_branch")
                            .from(PaymentMethodBranch::Table, PaymentMethodBranch::BranchId)
                            .to(Branch::Table, Branch::Id),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Setting::Table)
                    .col(string_len(Setting::Key, 100))
                    .col(string_len(Setting::Scope, 40))
                    .col(text(Setting::Value))
                    .col(instant(backend, Setting::UpdatedAt))
                    .primary_key(Index::create().col(Setting::Key).col(Setting::Scope))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Setting::Table.into_iden(),
            PaymentMethodBranch::Table.into_iden(),
            PaymentMethod::Table.into_iden(),
            Customer::Table.into_iden(),
            StaffBranch::Table.into_iden(),
            StaffUser::Table.into_iden(),
            BranchItem::Table.into_iden(),
            ItemBarcode::Table.into_iden(),
            Item::Table.into_iden(),
            Category::Table.into_iden(),
            MasterChange::Table.into_iden(),
            SequenceCounter::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Branch {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SequenceCounter {
    Table,
    Stream,
    Value,
}

#[derive(DeriveIden)]
enum MasterChange {
    Table,
    Kind,
    ObjectId,
    Audience,
    Seq,
    Op,
    Payload,
    ChangedAt,
}

#[derive(DeriveIden)]
enum Category {
    Table,
    Id,
    ParentId,
    Name,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Item {
    Table,
    Id,
    Sku,
    Name,
    CategoryId,
    Unit,
    BasePrice,
    Cost,
    TaxRate,
    TrackStock,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ItemBarcode {
    Table,
    Barcode,
    ItemId,
}

#[derive(DeriveIden)]
enum BranchItem {
    Table,
    BranchId,
    ItemId,
    Price,
    Hidden,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum StaffUser {
    Table,
    Id,
    Code,
    Name,
    Role,
    PinHash,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum StaffBranch {
    Table,
    StaffUserId,
    BranchId,
}

#[derive(DeriveIden)]
enum Customer {
    Table,
    Id,
    Code,
    Name,
    Phone,
    Email,
    LoyaltyPoints,
    TaxId,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PaymentMethod {
    Table,
    Id,
    Code,
    Name,
    MethodKind,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PaymentMethodBranch {
    Table,
    PaymentMethodId,
    BranchId,
}

#[derive(DeriveIden)]
enum Setting {
    Table,
    Key,
    Scope,
    Value,
    UpdatedAt,
}
