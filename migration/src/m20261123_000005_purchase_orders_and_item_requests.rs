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
                    .table(PurchaseOrder::Table)
                    .col(pk_uuid(PurchaseOrder::Id))
                    .col(uuid(PurchaseOrder::BranchId))
                    .col(string_len(PurchaseOrder::Supplier, 200))
                    .col(string_len_null(PurchaseOrder::SupplierReference, 100))
                    .col(string_len(PurchaseOrder::Status, 24))
                    .col(boolean(PurchaseOrder::AllowOverReceipt))
                    .col(string_len(PurchaseOrder::CreatedBy, 128))
                    .col(instant(backend, PurchaseOrder::CreatedAt))
                    .col(instant(backend, PurchaseOrder::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_purchase_order_branch")
                            .from(PurchaseOrder::Table, PurchaseOrder::BranchId)
                            .to(Branch::Table, Branch::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PurchaseOrderLine::Table)
                    .col(uuid(PurchaseOrderLine::PurchaseOrderId))
                    .col(integer(PurchaseOrderLine::LineNo))
                    .col(uuid(PurchaseOrderLine::ItemId))
                    .col(big_integer(PurchaseOrderLine::QuantityOrdered))
                    .col(big_integer(PurchaseOrderLine::QuantityReceived))
                    .col(big_integer(PurchaseOrderLine::UnitCost))
                    .primary_key(
                        Index::create()
                            .col(PurchaseOrderLine::PurchaseOrderId)
                            .col(PurchaseOrderLine::LineNo),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_purchase_order_line_order")
                            .from(PurchaseOrderLine::Table, PurchaseOrderLine::PurchaseOrderId)
                            .to(PurchaseOrder::Table, PurchaseOrder::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_purchase_order_line_item")
                            .from(PurchaseOrderLine::Table, PurchaseOrderLine::ItemId)
                            .to(Item::Table, Item::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(GoodsReceipt::Table)
                    .col(pk_uuid(GoodsReceipt::Id))
                    .col(uuid(GoodsReceipt::PurchaseOrderId))
                    .col(string_len(GoodsReceipt::CreatedBy, 128))
                    .col(instant(backend, GoodsReceipt::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_goods_receipt_order")
                            .from(GoodsReceipt::Table, GoodsReceipt::PurchaseOrderId)
                            .to(PurchaseOrder::Table, PurchaseOrder::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(GoodsReceiptLine::Table)
                    .col(uuid(GoodsReceiptLine::GoodsReceiptId))
                    .col(integer(GoodsReceiptLine::LineNo))
                    .col(big_integer(GoodsReceiptLine::Quantity))
                    .primary_key(
                        Index::create()
                            .col(GoodsReceiptLine::GoodsReceiptId)
                            .col(GoodsReceiptLine::LineNo),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_goods_receipt_line_receipt")
                            .from(GoodsReceiptLine::Table, GoodsReceiptLine::GoodsReceiptId)
                            .to(GoodsReceipt::Table, GoodsReceipt::Id),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ItemRequest::Table)
                    .col(pk_uuid(ItemRequest::Id))
                    .col(uuid(ItemRequest::RequestingBranchId))
                    .col(uuid(ItemRequest::SupplyingBranchId))
                    .col(string_len(ItemRequest::Status, 16))
                    .col(text_null(ItemRequest::RejectionReason))
                    .col(uuid_null(ItemRequest::TransferTicketId))
                    .col(string_len(ItemRequest::CreatedBy, 128))
                    .col(instant(backend, ItemRequest::CreatedAt))
                    .col(instant(backend, ItemRequest::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_item_request_requesting")
                            .from(ItemRequest::Table, ItemRequest::RequestingBranchId)
                            .to(Branch::Table, Branch::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_item_request_supplying")
                            .from(ItemRequest::Table, ItemRequest::SupplyingBranchId)
                            .to(Branch::Table, Branch::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ItemRequestLine::Table)
                    .col(uuid(ItemRequestLine::ItemRequestId))
                    .col(integer(ItemRequestLine::LineNo))
                    .col(uuid(ItemRequestLine::ItemId))
                    .col(big_integer(ItemRequestLine::QuantityRequested))
                    .col(big_integer_null(ItemRequestLine::QuantityApproved))
                    .primary_key(
                        Index::create()
                            .col(ItemRequestLine::ItemRequestId)
                            .col(ItemRequestLine::LineNo),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_item_request_line_request")
                            .from(ItemRequestLine::Table, ItemRequestLine::ItemRequestId)
                            .to(ItemRequest::Table, ItemRequest::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_item_request_line_item")
                            .from(ItemRequestLine::Table, ItemRequestLine::ItemId)
                            .to(Item::Table, Item::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ItemRequestLine::Table.into_iden(),
            ItemRequest::Table.into_iden(),
            GoodsReceiptLine::Table.into_iden(),
            GoodsReceipt::Table.into_iden(),
            PurchaseOrderLine::Table.into_iden(),
            PurchaseOrder::Table.into_iden(),
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
enum Item {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PurchaseOrder {
    Table,
    Id,
    BranchId,
    Supplier,
    SupplierReference,
    Status,
    AllowOverReceipt,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PurchaseOrderLine {
    Table,
    PurchaseOrderId,
    LineNo,
    ItemId,
    QuantityOrdered,
    QuantityReceived,
    UnitCost,
}

#[derive(DeriveIden)]
enum GoodsReceipt {
    Table,
    Id,
    PurchaseOrderId,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum GoodsReceiptLine {
    Table,
    GoodsReceiptId,
    LineNo,
    Quantity,
}

#[derive(DeriveIden)]
enum ItemRequest {
    Table,
    Id,
    RequestingBranchId,
    SupplyingBranchId,
    Status,
    RejectionReason,
    TransferTicketId,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ItemRequestLine {
    Table,
    ItemRequestId,
    LineNo,
    ItemId,
    QuantityRequested,
    QuantityApproved,
}
