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
use uuid::Uuid;

use crate::{
    AppState,
    auth::{self, jwt::Principal},
    error::{ApiError, DomainError},
    scope::BranchScope,
};

/// An authenticated caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caller {
    Admin { client_id: String },
    Terminal { terminal_id: Uuid, branch_id: Uuid },
}

impl Caller {
    /// Who the caller is, as documents record it: the admin's client id or `terminal:<id>`.
    pub fn client_name(&self) -> String {
        match self {
            Caller::Admin { client_id } => client_id.clone(),
            Caller::Terminal { terminal_id, .. } => format!("terminal:{terminal_id}"),
        }
    }

    /// The branches this caller may read and write: every one for an admin, its own for a terminal.
    pub fn branch_scope(&self) -> BranchScope {
        match self {
            Caller::Admin { .. } => BranchScope::every(),
            Caller::Terminal { branch_id, .. } => BranchScope::one(*branch_id),
        }
    }
}

/// A caller with scope `admin`; any other caller gets 403.
#[derive(Clone, Debug)]
pub struct AdminCaller {
    pub client_id: String,
}

impl AdminCaller {
    pub fn branch_scope(&self) -> BranchScope {
        BranchScope::every()
    }
}

/// A caller with scope `terminal`; the branch comes from its token, never from the request.
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
    if !auth::principal_is_active(&state.db, &principal)
        .await
        .map_err(DomainError::from)?
    {
        return Err(ApiError::invalid_token(
            "the client is deactivated, or its credentials changed after this token was issued",
        ));
    }
    Ok(match principal {
        Principal::Admin { client_id, .. } => Caller::Admin { client_id },
        Principal::Terminal {
            terminal_id,
            branch_id,
            ..
        } => Caller::Terminal {
            terminal_id,
            branch_id,
        },
    })
}

/// The caller that [`authenticate`] put on the request.
fn authenticated(req: &HttpRequest) -> Result<Caller, ApiError> {
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

impl FromRequest for AdminCaller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticated(req).and_then(|caller| match caller {
            Caller::Admin { client_id } => Ok(AdminCaller { client_id }),
            Caller::Terminal { .. } => {
                Err(ApiError::Forbidden("this route needs scope admin".into()))
            }
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
            Caller::Admin { .. } => Err(ApiError::Forbidden(
                "this route needs scope terminal".into(),
            )),
        }))
    }
}

fn bearer_token(req: &HttpRequest) -> Result<String, ApiError> {
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
