//! Head office's API clients (admin only): made with a role and a secret shown once, renamed or
//! given another role, their secret rotated, deactivated and reactivated.

use actix_web::{HttpResponse, get, http::StatusCode, patch, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::idempotent::WriteRequest;
use super::{PageView, listing::ListRequest};
use crate::{
    AppState,
    auth::{
        caller::AdminCaller,
        clients::{self, ApiClient, ApiClientCredentials, ClientChange, NewClient},
    },
    error::{ApiError, Problem},
    pagination::PageQuery,
};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_client)
        .service(list_clients)
        .service(get_client)
        .service(update_client)
        .service(rotate_client_secret)
        .service(deactivate_client)
        .service(reactivate_client);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateClientRequest {
    /// 3 to 64 letters, digits, '-', '_' or '.' (e.g. `erp-sync`); generated (`api_…`) when
    /// absent.
    client_id: Option<String>,
    #[schema(example = "ERP nightly sync")]
    name: String,
    /// `admin` (everything), `stock` (documents and stock) or `reports` (read-only).
    #[schema(example = "reports")]
    role: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateClientRequest {
    name: Option<String>,
    /// A new role; the client's tokens end (they were issued for the old one).
    role: Option<String>,
}

/// Make an API client; the answer holds its secret, shown only this once.
#[utoipa::path(
    request_body = CreateClientRequest,
    tag = "clients",
    security(("bearer" = ["admin"])),
    responses(
        (status = 201, body = ApiClientCredentials),
        (status = 409, description = "The client id is taken", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/clients")]
pub async fn create_client(
    admin: AdminCaller,
    write: WriteRequest,
) -> Result<HttpResponse, ApiError> {
    let body: CreateClientRequest = write.json()?;
    let new = NewClient {
        client_id: body.client_id,
        name: body.name,
        role: body.role,
    };
    write
        .run_unkept(&admin.client_id, StatusCode::CREATED, async |txn| {
            clients::create_client(txn, new).await
        })
        .await
}

/// List API clients, ordered by client id.
#[utoipa::path(
    tag = "clients",
    security(("bearer" = ["admin"])),
    params(PageQuery),
    responses((status = 200, body = PageView<ApiClient>))
)]
#[get("/clients")]
pub async fn list_clients(
    _admin: AdminCaller,
    state: web::Data<AppState>,
    list: ListRequest,
) -> Result<HttpResponse, ApiError> {
    list.answer(state, async move |db, page| {
        clients::list_clients(db, page).await
    })
    .await
}

/// One API client.
#[utoipa::path(
    tag = "clients",
    security(("bearer" = ["admin"])),
    responses((status = 200, body = ApiClient), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[get("/clients/{client_id}")]
pub async fn get_client(
    _admin: AdminCaller,
    state: web::Data<AppState>,
    client_id: web::Path<String>,
) -> Result<web::Json<ApiClient>, ApiError> {
    Ok(web::Json(clients::get_client(&state.db, &client_id).await?))
}

/// Rename an API client or give it another role (not the last active admin).
#[utoipa::path(
    request_body = UpdateClientRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    tag = "clients",
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, body = ApiClient),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The last active admin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/clients/{client_id}")]
pub async fn update_client(
    admin: AdminCaller,
    write: WriteRequest,
    client_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let body: UpdateClientRequest = write.json()?;
    let change = ClientChange {
        name: body.name,
        role: body.role,
    };
    write
        .run(&admin.client_id, StatusCode::OK, async |txn| {
            clients::update_client(txn, &client_id, change).await
        })
        .await
}

/// Give an API client a new secret (shown once); the old one and its tokens stop working.
#[utoipa::path(
    tag = "clients",
    security(("bearer" = ["admin"])),
    responses((status = 200, body = ApiClientCredentials), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[post("/clients/{client_id}/rotate-secret")]
pub async fn rotate_client_secret(
    admin: AdminCaller,
    write: WriteRequest,
    client_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    write
        .run_unkept(&admin.client_id, StatusCode::OK, async |txn| {
            clients::rotate_client_secret(txn, &client_id).await
        })
        .await
}

/// Deactivate an API client (not the last active admin): its tokens are refused at once.
#[utoipa::path(
    params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    tag = "clients",
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, body = ApiClient),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The last active admin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/clients/{client_id}/deactivate")]
pub async fn deactivate_client(
    admin: AdminCaller,
    write: WriteRequest,
    client_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    write
        .run(&admin.client_id, StatusCode::OK, async |txn| {
            clients::set_client_active(txn, &client_id, false).await
        })
        .await
}

/// Reactivate an API client.
#[utoipa::path(
    params(("Idempotency-Key" = Option<String>, Header, description = super::idempotent::KEY_PARAM)),
    tag = "clients",
    security(("bearer" = ["admin"])),
    responses((status = 200, body = ApiClient), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[post("/clients/{client_id}/reactivate")]
pub async fn reactivate_client(
    admin: AdminCaller,
    write: WriteRequest,
    client_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    write
        .run(&admin.client_id, StatusCode::OK, async |txn| {
            clients::set_client_active(txn, &client_id, true).await
        })
        .await
}
