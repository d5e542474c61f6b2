use sea_orm_migration::prelude::*;

/// Counter rows that every hub process reads to know where the feeds stand: the newest master
/// change each audience sees (`master@*`, `master@<branch id>`), and `credentials`, bumped by
/// every change of who may get in (deactivations, new secrets, roles).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let heads = Query::select()
            .column(MasterChange::Audience)
            .expr_as(Expr::col(MasterChange::Seq).max(), Alias::new("head"))
            .from(MasterChange::Table)
            .group_by_col(MasterChange::Audience)
            .to_owned();
        let mut insert = Query::insert()
            .into_table(SequenceCounter::Table)
            .columns([SequenceCounter::Stream, SequenceCounter::Value])
            .values_panic([CREDENTIALS.into(), 0i64.into()])
            .to_owned();
        for row in db.query_all(&heads).await? {
            let audience: String = row.try_get("", "audience")?;
            let head: i64 = row.try_get("", "head")?;
            insert.values_panic([format!("master@{audience}").into(), head.into()]);
        }
        db.execute(&insert).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let delete = Query::delete()
            .from_table(SequenceCounter::Table)
            .cond_where(
                Cond::any()
                    .add(Expr::col(SequenceCounter::Stream).eq(CREDENTIALS))
                    .add(Expr::col(SequenceCounter::Stream).like("master@%")),
            )
            .to_owned();
        manager.get_connection().execute(&delete).await?;
        Ok(())
    }
}

const CREDENTIALS: &str = "credentials";

#[derive(DeriveIden)]
enum MasterChange {
    Table,
    Audience,
    Seq,
}

#[derive(DeriveIden)]
enum SequenceCounter {
    Table,
    Stream,
    Value,
}
