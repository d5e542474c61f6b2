//! The domain error shared by all areas, and the one HTTP error type that maps everything to
//! RFC 9457 problem details (`application/problem+json`).

use actix_web::{
    HttpResponse, ResponseError,
    dev::ServiceResponse,
    http::{StatusCode, header},
    middleware::ErrorHandlerResponse,
};
use sea_orm::{DbErr, SqlErr};

use crate::{db, problems::ProblemType};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// One invalid field of a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// Name of the field as it appears in the request.
    pub field: String,
    pub message: String,
}

/// Why a domain operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request is well formed but clashes with the current state.
    #[error("{1}")]
    Conflict(Conflict, String),
    #[error("the request has invalid fields")]
    Invalid(Vec<FieldError>),
    /// The record changed since the version the writer saw (409 `stale-version`): `current` is
    /// the record now, for the writer to merge.
    #[error("{detail}")]
    StaleVersion {
        detail: String,
        current: Box<serde_json::Value>,
    },
    /// Lines asking for more than is available, each named (409 `insufficient_stock`).
    #[error("not enough stock for some lines")]
    NotEnoughStock(Vec<FieldError>),
    /// The `Idempotency-Key` was used before with another request.
    #[error("this Idempotency-Key was already used with a different request")]
    KeyReused,
    #[error("database error: {0}")]
    Database(#[from] DbErr),
    /// A failure of the hub itself (a task that died, a stored value it cannot read): logged
    /// with its cause chain, answered as an opaque 500.
    #[error("internal error: {0:#}")]
    Internal(anyhow::Error),
}

/// How a request clashes with the current state (409); each is a problem type of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conflict {
    AlreadyExists,
    InUse,
    NotEmpty,
    WrongState,
    InsufficientStock,
    BranchDeactivated,
    DeviceMismatch,
    KeyInProgress,
    LastAdmin,
}

impl Conflict {
    pub fn problem_type(self) -> ProblemType {
        match self {
            Conflict::AlreadyExists => ProblemType::AlreadyExists,
            Conflict::InUse => ProblemType::InUse,
            Conflict::NotEmpty => ProblemType::NotEmpty,
            Conflict::WrongState => ProblemType::WrongState,
            Conflict::InsufficientStock => ProblemType::InsufficientStock,
            Conflict::BranchDeactivated => ProblemType::BranchDeactivated,
            Conflict::DeviceMismatch => ProblemType::DeviceMismatch,
            Conflict::KeyInProgress => ProblemType::KeyInProgress,
            Conflict::LastAdmin => ProblemType::LastAdmin,
        }
    }
}

impl DomainError {
    /// An internal failure: what failed, with its cause.
    pub fn internal(context: &'static str, cause: impl std::fmt::Display) -> Self {
        Self::Internal(anyhow::anyhow!("{cause}").context(context))
    }

    pub fn conflict(kind: Conflict, detail: impl Into<String>) -> Self {
        Self::Conflict(kind, detail.into())
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// Turns a unique-constraint violation into a conflict with the given message.
    pub fn conflict_on_duplicate(err: DbErr, message: impl Into<String>) -> Self {
        Self::conflict_if(err, Conflict::AlreadyExists, message, |e| {
            matches!(e, SqlErr::UniqueConstraintViolation(_))
        })
    }

    /// Turns a foreign-key violation (a row others still refer to) into a conflict.
    pub fn conflict_on_reference(err: DbErr, message: impl Into<String>) -> Self {
        Self::conflict_if(err, Conflict::InUse, message, |e| {
            matches!(e, SqlErr::ForeignKeyConstraintViolation(_))
        })
    }

    fn conflict_if(
        err: DbErr,
        kind: Conflict,
        message: impl Into<String>,
        is: fn(&SqlErr) -> bool,
    ) -> Self {
        match err.sql_err() {
            Some(e) if is(&e) => Self::Conflict(kind, message.into()),
            _ => Self::Database(err),
        }
    }
}

/// Collects field errors so one answer names every invalid field at once.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// Keeps the value of `parsed`, or records its error under `field`.
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, String>) -> Option<T> {
        parsed
            .map_err(|message| {
                self.0.push(FieldError {
                    field: field.into(),
                    message,
                })
            })
            .ok()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The error naming every field recorded so far.
    pub fn into_error(self) -> DomainError {
        DomainError::Invalid(self.0)
    }

    pub fn into_result(self) -> Result<(), DomainError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Invalid(self.0))
        }
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// `stale-version` only: the record as it is now.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub current: Option<serde_json::Value>,
}

impl Problem {
    fn new(
        problem_type: ProblemType,
        status: StatusCode,
        detail: Option<String>,
        errors: Vec<FieldError>,
    ) -> Self {
        Self {
            problem_type: problem_type.uri(),
            title: status.canonical_reason().unwrap_or("Error").into(),
            status: status.as_u16(),
            detail,
            errors,
            current: None,
        }
    }
}

/// Every error an API handler can answer with (the token endpoint has its own RFC 6749 errors).
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("{0}")]
    BadRequest(String),
    /// 422 for a body that is valid JSON but does not fit the request's shape.
    #[error("{0}")]
    Unprocessable(String),
    /// 401: no bearer token (`error` is None) or a token that is not valid (`invalid_token`).
    #[error("{detail}")]
    Unauthorized {
        error: Option<&'static str>,
        detail: String,
    },
    /// 403 `insufficient_scope`: a valid caller that may not do this.
    #[error("{0}")]
    Forbidden(String),
    #[error("no resource at {0}")]
    NoRoute(String),
    #[error("method {method} is not allowed on {path}")]
    MethodNotAllowed {
        method: String,
        path: String,
        /// The methods the path allows, for the `Allow` header.
        allow: String,
    },
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 429: too many failed console logins for this email from this address.
    #[error("too many failed logins; try again in {retry_after_secs} s")]
    TooManyAttempts { retry_after_secs: u64 },
    /// 404 on the WebSocket: no command of this name.
    #[error("no command {0}; README lists them")]
    UnknownCommand(String),
    /// 429: over the client's budget; the headers say which and when to come back.
    #[error("{detail}")]
    OverBudget {
        detail: String,
        retry_after_secs: u64,
        /// `RateLimit-Policy` and `RateLimit` header values.
        policy: String,
        rate: String,
    },
}

/// Put on a response that answered 503 because the database could not be reached, so the
/// hub's middleware records the outage.
#[derive(Clone, Debug)]
pub struct DatabaseUnavailable(pub String);

impl ApiError {
    /// The database failure behind this error, when it is one of not reaching the database.
    pub fn database_unavailable(&self) -> Option<&DbErr> {
        match self {
            ApiError::Domain(DomainError::Database(err)) if db::health::is_unavailable(err) => {
                Some(err)
            }
            _ => None,
        }
    }

    /// When to come back, for the refusals that say so (`Retry-After`).
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            ApiError::OverBudget {
                retry_after_secs, ..
            }
            | ApiError::TooManyAttempts { retry_after_secs } => Some(*retry_after_secs),
            _ => self
                .database_unavailable()
                .map(|_| db::health::RETRY_AFTER_SECS),
        }
    }

    pub fn invalid_token(detail: impl Into<String>) -> Self {
        Self::Unauthorized {
            error: Some("invalid_token"),
            detail: detail.into(),
        }
    }
}

impl ApiError {
    /// The problem type this error answers with.
    pub fn problem_type(&self) -> ProblemType {
        match self {
            ApiError::Domain(DomainError::NotFound(_)) => ProblemType::NotFound,
            ApiError::Domain(DomainError::Conflict(kind, _)) => kind.problem_type(),
            ApiError::Domain(DomainError::NotEnoughStock(_)) => ProblemType::InsufficientStock,
            ApiError::Domain(DomainError::StaleVersion { .. }) => ProblemType::StaleVersion,
            ApiError::Domain(DomainError::Invalid(_)) | ApiError::Unprocessable(_) => {
                ProblemType::InvalidFields
            }
            ApiError::Domain(DomainError::KeyReused) => ProblemType::KeyReused,
            ApiError::Domain(DomainError::Database(err)) if db::health::is_unavailable(err) => {
                ProblemType::DatabaseUnavailable
            }
            ApiError::Domain(DomainError::Database(_) | DomainError::Internal(_)) => {
                ProblemType::Internal
            }
            ApiError::BadRequest(_) => ProblemType::BadRequest,
            ApiError::Unauthorized { error: None, .. } => ProblemType::TokenRequired,
            ApiError::Unauthorized { .. } => ProblemType::InvalidToken,
            ApiError::Forbidden(_) => ProblemType::InsufficientScope,
            ApiError::NoRoute(_) => ProblemType::NoRoute,
            ApiError::MethodNotAllowed { .. } => ProblemType::MethodNotAllowed,
            ApiError::PayloadTooLarge(_) => ProblemType::BodyTooLarge,
            ApiError::UnsupportedMediaType(_) => ProblemType::UnsupportedMediaType,
            ApiError::UnknownCommand(_) => ProblemType::UnknownCommand,
            ApiError::OverBudget { .. } => ProblemType::OverBudget,
            ApiError::TooManyAttempts { .. } => ProblemType::TooManyAttempts,
        }
    }

    /// The problem document this error answers with; internal causes are logged here, not shown.
    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let (detail, errors) = match self {
            ApiError::Domain(DomainError::Database(err)) if db::health::is_unavailable(err) => (
                "the database cannot be reached; retry later".to_string(),
                Vec::new(),
            ),
            ApiError::Domain(DomainError::Database(err)) => {
                tracing::error!(error = %err, "database error");
                ("internal error".to_string(), Vec::new())
            }
            ApiError::Domain(DomainError::Internal(err)) => {
                tracing::error!(error = format!("{err:#}"), "internal error");
                ("internal error".to_string(), Vec::new())
            }
            ApiError::Domain(
                DomainError::Invalid(errors) | DomainError::NotEnoughStock(errors),
            ) => (self.to_string(), errors.clone()),
            ApiError::Domain(DomainError::KeyReused) => (
                self.to_string(),
                vec![FieldError {
                    field: "Idempotency-Key".into(),
                    message: "was used before with another request".into(),
                }],
            ),
            other => (other.to_string(), Vec::new()),
        };
        let mut problem = Problem::new(self.problem_type(), status, Some(detail), errors);
        if let ApiError::Domain(DomainError::StaleVersion { current, .. }) = self {
            problem.current = Some((**current).clone());
        }
        problem
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Domain(DomainError::NotFound(_)) => StatusCode::NOT_FOUND,
            ApiError::Domain(
                DomainError::Conflict(..)
                | DomainError::NotEnoughStock(_)
                | DomainError::StaleVersion { .. },
            ) => StatusCode::CONFLICT,
            ApiError::Domain(DomainError::Invalid(_) | DomainError::KeyReused)
            | ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Domain(DomainError::Database(err)) if db::health::is_unavailable(err) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::Domain(DomainError::Database(_) | DomainError::Internal(_)) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NoRoute(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::UnknownCommand(_) => StatusCode::NOT_FOUND,
            ApiError::OverBudget { .. } | ApiError::TooManyAttempts { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let mut response = HttpResponse::build(status);
        match self {
            ApiError::Unauthorized { error, detail } => {
                let challenge = match error {
                    Some(code) => format!(
                        r#"Bearer realm="hubshake", error="{code}", error_description="{}""#,
                        detail.replace('"', "'")
                    ),
                    None => r#"Bearer realm="hubshake""#.to_string(),
                };
                response.insert_header((header::WWW_AUTHENTICATE, challenge));
            }
            ApiError::Forbidden(_) => {
                response.insert_header((
                    header::WWW_AUTHENTICATE,
                    r#"Bearer realm="hubshake", error="insufficient_scope""#,
                ));
            }
            ApiError::MethodNotAllowed { allow, .. } => {
                response.insert_header((header::ALLOW, allow.as_str()));
            }
            ApiError::OverBudget { policy, rate, .. } => {
                response.insert_header((RATE_LIMIT_POLICY, policy.as_str()));
                response.insert_header((RATE_LIMIT, rate.as_str()));
            }
            _ => {}
        }
        if let Some(seconds) = self.retry_after_secs() {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        if let Some(err) = self.database_unavailable() {
            response
                .extensions_mut()
                .insert(DatabaseUnavailable(err.to_string()));
        }
        response
            .content_type(PROBLEM_CONTENT_TYPE)
            .json(self.problem())
    }
}

/// The IETF draft `ratelimit-headers` fields.
pub const RATE_LIMIT_POLICY: &str = "ratelimit-policy";
pub const RATE_LIMIT: &str = "ratelimit";

fn problem_response(
    response: &mut actix_web::HttpResponseBuilder,
    problem_type: ProblemType,
    status: StatusCode,
    detail: Option<String>,
    errors: Vec<FieldError>,
) -> HttpResponse {
    response
        .content_type(PROBLEM_CONTENT_TYPE)
        .json(Problem::new(problem_type, status, detail, errors))
}

/// Middleware hook: replaces the body of error responses that actix produced itself (payload and
/// other framework errors), which are empty or plain text, with a problem document.
pub fn problem_for_bare_error<B>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let rendered_by_the_hub = res
        .response()
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.contains("json") || value.starts_with("text/html"));
    if rendered_by_the_hub {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let detail = (status == StatusCode::PAYLOAD_TOO_LARGE)
        .then(|| "the request body is too large".to_string());
    let (request, response) = res.into_parts();
    let mut builder = HttpResponse::build(status);
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            builder.append_header((name.clone(), value.clone()));
        }
    }
    let problem = problem_response(
        &mut builder,
        ProblemType::for_status(status.as_u16()),
        status,
        detail,
        Vec::new(),
    );
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(request, problem).map_into_right_body(),
    ))
}
