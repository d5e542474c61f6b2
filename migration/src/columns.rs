//! Column types shared by the migrations.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

/// A UTC instant with microseconds on every database: MySQL's plain `TIMESTAMP` keeps only
/// whole seconds, too coarse to order or query the ledger by time.
pub fn instant<T: IntoIden>(backend: DbBackend, col: T) -> ColumnDef {
    match backend {
        DbBackend::MySql => ColumnDef::new(col)
            .custom(Alias::new("TIMESTAMP(6)"))
            .not_null()
            .take(),
        _ => timestamp_with_time_zone(col),
    }
}

/// [`instant`] that may be absent.
pub fn instant_null<T: IntoIden>(backend: DbBackend, col: T) -> ColumnDef {
    match backend {
        DbBackend::MySql => ColumnDef::new(col)
            .custom(Alias::new("TIMESTAMP(6)"))
            .null()
            .take(),
        _ => timestamp_with_time_zone_null(col),
    }
}
