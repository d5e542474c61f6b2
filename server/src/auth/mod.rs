//! Identity: OAuth2 client credentials for admin clients and terminals, access tokens, callers.

pub mod admin_clients;
pub mod caller;
pub mod clients;
pub mod jwt;
pub mod known;
pub mod secret;
pub mod throttle;
pub mod token_endpoint;

use entity::{branch, sales_channel, terminal};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

use self::{caller::Caller, jwt::Principal};
use crate::error::DomainError;

/// Checks a client's credentials; `None` when the client is unknown, inactive or the secret is wrong
/// (the caller must not learn which).
pub async fn authenticate_client(
    db: &DatabaseConnection,
    client_id: &str,
    presented_secret: &str,
) -> Result<Option<Principal>, DomainError> {
    if let Some((terminal, branch)) = terminal::Entity::find()
        .filter(terminal::Column::ClientId.eq(client_id))
        .find_also_related(branch::Entity)
        .one(db)
        .await?
    {
        let usable = terminal.active && branch.is_some_and(|b| b.active);
        let matches = secret::verify_secret(&terminal.secret_hash, presented_secret);
        return Ok((usable && matches).then_some(Principal::Terminal {
            client_id: terminal.client_id,
            terminal_id: terminal.id,
            branch_id: terminal.branch_id,
            credential_version: terminal.credential_version,
        }));
    }
    if let Some(channel) = sales_channel::Entity::find()
        .filter(sales_channel::Column::ClientId.eq(client_id))
        .one(db)
        .await?
    {
        let matches = secret::verify_secret(&channel.secret_hash, presented_secret);
        return Ok((channel.active && matches).then_some(Principal::Channel {
            client_id: channel.client_id,
            channel_id: channel.id,
            credential_version: channel.credential_version,
        }));
    }
    let Some(admin) = admin_clients::find(db, client_id).await? else {
        return Ok(None);
    };
    let matches =
        secret::verify_secret_off_workers(admin.secret_hash.clone(), presented_secret.to_string())
            .await?;
    Ok((admin.active && matches).then_some(Principal::Admin {
        client_id: admin.client_id,
        credential_version: admin.credential_version,
    }))
}

/// Who is behind a verified token, if still allowed in: active (a terminal's branch too), its
/// credentials not replaced, deactivated or reactivated since the token was issued, and a
/// terminal still of the branch its token names. An API client's role is read here, so a change
/// of role applies to the next request.
pub async fn current_caller(
    db: &DatabaseConnection,
    principal: Principal,
) -> Result<Option<Caller>, DbErr> {
    let version = principal.credential_version();
    Ok(match principal {
        Principal::Admin { client_id, .. } => admin_clients::find(db, &client_id)
            .await?
            .filter(|client| client.active && client.credential_version == version)
            .map(|client| Caller::Client {
                client_id,
                role: client.role,
            }),
        Principal::Terminal {
            terminal_id,
            branch_id,
            ..
        } => terminal::Entity::find_by_id(terminal_id)
            .find_also_related(branch::Entity)
            .one(db)
            .await?
            .is_some_and(|(terminal, branch)| {
                terminal.active
                    && terminal.credential_version == version
                    && terminal.branch_id == branch_id
                    && branch.is_some_and(|b| b.active)
            })
            .then_some(Caller::Terminal {
                terminal_id,
                branch_id,
            }),
        Principal::Channel {
            client_id,
            channel_id,
            ..
        } => sales_channel::Entity::find_by_id(channel_id)
            .one(db)
            .await?
            .is_some_and(|channel| channel.active && channel.credential_version == version)
            .then_some(Caller::Channel {
                client_id,
                channel_id,
            }),
    })
}
