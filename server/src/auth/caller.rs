//! Who is calling: the bearer token is verified, then the client must still be active, so a
//! deactivated terminal's unexpired token stops working at once. Handlers name the caller they
//! need as an argument (put it first: it is checked before the body is read).

use std::future::{Ready, ready};

use actix_web::{
    FromRequest, HttpMessage, HttpRequest,
    body::MessageBody,
    dev::{Payload, ServiceRequest, ServiceResponse},
    http::header,
    middleware::Next,
    web,
};
use entity::admin_client::ClientRole;
use sea_orm::{ActiveEnum, Iterable};
use uuid::Uuid;

use super::jwt::Principal;
use crate::{
    AppState,
    error::{ApiError, DomainError},
    scope::BranchScope,
};

/// An authenticated caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caller {
    /// An API client of head office, with its role.
    Client {
        client_id: String,
        role: ClientRole,
    },
    Terminal {
        terminal_id: Uuid,
        branch_id: Uuid,
    },
    /// A sales channel: only the routes under `/api/v1/channel/` take it.
    Channel {
        client_id: String,
        channel_id: Uuid,
    },
}

impl Caller {
    /// Who the caller is, as documents record it: the client id or `terminal:<id>`.
    pub fn client_name(&self) -> String {
        match self {
            Caller::Client { client_id, .. } => client_id.clone(),
            Caller::Terminal { terminal_id, .. } => format!("terminal:{terminal_id}"),
            Caller::Channel { client_id, .. } => format!("channel:{client_id}"),
        }
    }

    /// The branches this caller may read and write: every one for an API client, its own for a
    /// terminal, none for a sales channel (it sees branches' stock only as its availability).
    pub fn branch_scope(&self) -> BranchScope {
        match self {
            Caller::Client { .. } => BranchScope::every(),
            Caller::Terminal { branch_id, .. } => BranchScope::one(*branch_id),
            Caller::Channel { .. } => BranchScope::none(),
        }
    }
}

/// An API client with role `admin`; any other caller gets 403.
#[derive(Clone, Debug)]
pub struct AdminCaller {
    pub client_id: String,
}

/// An API client with role `stock` or `admin`: documents and stock.
#[derive(Clone, Debug)]
pub struct StockCaller {
    pub client_id: String,
}

/// Any API client (`reports` is the least role): reads of head-office data.
#[derive(Clone, Debug)]
pub struct ReportsCaller {
    pub client_id: String,
}

/// Who may write stock documents a till also writes (item requests): a terminal, or an API
/// client with role `stock` or `admin`.
#[derive(Clone, Debug)]
pub struct StockWriter(pub Caller);

macro_rules! branch_scope_of_every_branch {
    ($($caller:ty),*) => {$(
        impl $caller {
            /// Every branch: API clients are not bound to one.
            pub fn branch_scope(&self) -> BranchScope {
                BranchScope::every()
            }
        }
    )*};
}
branch_scope_of_every_branch!(AdminCaller, StockCaller, ReportsCaller);

/// A terminal; the branch comes from its token, never from the request.
#[derive(Clone, Copy, Debug)]
pub struct TerminalCaller {
    pub terminal_id: Uuid,
    pub branch_id: Uuid,
}

/// Middleware for every route that needs a token: verifies it before any other part of the
/// request is looked at, so a caller without a valid token learns nothing from body errors.
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::invalid_token("hub state is missing"))?;
    let caller = resolve_caller(req.request(), &state).await?;
    req.extensions_mut().insert(caller);
    next.call(req).await
}

async fn resolve_caller(req: &HttpRequest, state: &AppState) -> Result<Caller, ApiError> {
    let token = bearer_token(req)?;
    let principal = state
        .tokens
        .verify(&token)
        .map_err(ApiError::invalid_token)?;
    current_caller(state, principal).await
}

/// Who is behind a verified token, when still allowed in; 401 otherwise.
pub async fn current_caller(state: &AppState, principal: Principal) -> Result<Caller, ApiError> {
    state
        .callers
        .current_caller(&state.db, &state.heads, principal)
        .await
        .map_err(DomainError::from)?
        .ok_or_else(|| {
            ApiError::invalid_token(
                "the client is deactivated, or its credentials changed after this token was issued",
            )
        })
}

/// The caller that [`authenticate`] put on the request, when it is a terminal or an API client:
/// a sales channel may only use the routes made for it.
fn authenticated(req: &HttpRequest) -> Result<Caller, ApiError> {
    match any_caller(req)? {
        Caller::Channel { .. } => Err(ApiError::Forbidden(
            "a sales channel may only use the routes under /api/v1/channel/".into(),
        )),
        caller => Ok(caller),
    }
}

fn any_caller(req: &HttpRequest) -> Result<Caller, ApiError> {
    req.extensions()
        .get::<Caller>()
        .cloned()
        .ok_or(ApiError::Unauthorized {
            error: None,
            detail: "a bearer token is required".into(),
        })
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticated(req))
    }
}

/// The client id of an API client whose role is at least `least`; 403 for anyone else.
fn client_with_role(req: &HttpRequest, least: ClientRole) -> Result<String, ApiError> {
    match authenticated(req)? {
        Caller::Client { client_id, role } if role >= least => Ok(client_id),
        Caller::Client { role, .. } => Err(ApiError::Forbidden(format!(
            "this route needs role {}, and this client's role is {}",
            roles_from(least),
            role.to_value()
        ))),
        Caller::Terminal { .. } | Caller::Channel { .. } => Err(ApiError::Forbidden(format!(
            "this route needs an API client with role {}",
            roles_from(least)
        ))),
    }
}

/// `least` and the roles above it, as a message names them.
fn roles_from(least: ClientRole) -> String {
    let roles: Vec<String> = ClientRole::iter()
        .filter(|role| *role >= least)
        .map(|role| role.to_value())
        .collect();
    roles.join(" or ")
}

macro_rules! client_extractor {
    ($caller:ident, $least:expr) => {
        impl FromRequest for $caller {
            type Error = ApiError;
            type Future = Ready<Result<Self, ApiError>>;

            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                ready(client_with_role(req, $least).map(|client_id| $caller { client_id }))
            }
        }
    };
}
client_extractor!(AdminCaller, ClientRole::Admin);
client_extractor!(StockCaller, ClientRole::Stock);
client_extractor!(ReportsCaller, ClientRole::Reports);

impl FromRequest for StockWriter {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticated(req).and_then(|caller| match caller {
            Caller::Client { role, .. } if role < ClientRole::Stock => {
                Err(ApiError::Forbidden(format!(
                    "this route needs a terminal, or an API client with role {}",
                    roles_from(ClientRole::Stock)
                )))
            }
            caller => Ok(StockWriter(caller)),
        }))
    }
}

impl FromRequest for TerminalCaller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticated(req).and_then(|caller| match caller {
            Caller::Terminal {
                terminal_id,
                branch_id,
            } => Ok(TerminalCaller {
                terminal_id,
                branch_id,
            }),
            Caller::Client { .. } | Caller::Channel { .. } => Err(ApiError::Forbidden(
                "this route needs scope terminal".into(),
            )),
        }))
    }
}

/// A sales channel; its id comes from its token, never from the request.
#[derive(Clone, Debug)]
pub struct ChannelCaller {
    pub client_id: String,
    pub channel_id: Uuid,
}

impl FromRequest for ChannelCaller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(any_caller(req).and_then(|caller| match caller {
            Caller::Channel {
                client_id,
                channel_id,
            } => Ok(ChannelCaller {
                client_id,
                channel_id,
            }),
            _ => Err(ApiError::Forbidden("this route needs scope channel".into())),
        }))
    }
}

/// The token of an `Authorization: Bearer` header.
pub fn bearer_token(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or(ApiError::Unauthorized {
            error: None,
            detail: "a bearer token is required".into(),
        })?
        .to_str()
        .map_err(|_| ApiError::invalid_token("the Authorization header is not ASCII"))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim().to_string())
        }
        _ => Err(ApiError::invalid_token(
            "the Authorization header must be `Bearer <token>`",
        )),
    }
}
