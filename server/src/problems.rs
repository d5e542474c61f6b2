//! The one table of problem types: each refusal the hub gives has a stable `type` in its
//! RFC 9457 answer, so clients and tests tell refusals apart by code, not by prose. README lists
//! them, and the OpenAPI document gives them as the values of `Problem.type`.

/// A kind of refusal; its problem `type` is `/problems/<slug>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemType {
    /// 400: the body is not JSON, a path value or a header is malformed.
    BadRequest,
    /// 401: no bearer token.
    TokenRequired,
    /// 401: a token that is not valid, expired, or issued before the client's credentials
    /// changed.
    InvalidToken,
    /// 403: a valid caller whose scope does not allow this route.
    InsufficientScope,
    /// 404: no such object (or one of another branch).
    NotFound,
    /// 404: no route has this path.
    NoRoute,
    /// 405: the path exists with other methods (named in `Allow`).
    MethodNotAllowed,
    /// 409: a code, SKU or other unique value is taken.
    AlreadyExists,
    /// 409: the object is still referred to (stock, documents, sales, groups).
    InUse,
    /// 409: a category that still has subcategories or items.
    NotEmpty,
    /// 409: the document's state does not allow this change.
    WrongState,
    /// 409: a document would take a level below zero at a branch that does not allow it.
    InsufficientStock,
    /// 409: the branch is deactivated.
    BranchDeactivated,
    /// 409: a heartbeat from another device than the one the terminal is bound to.
    DeviceMismatch,
    /// 409: a request with this `Idempotency-Key` is still running.
    KeyInProgress,
    /// 409: the last active admin client cannot be deactivated or given another role.
    LastAdmin,
    /// 409: the record changed since the version the writer saw; `current` holds it now.
    StaleVersion,
    /// 413: the body is larger than the limit.
    BodyTooLarge,
    /// 415: the body is not `application/json`.
    UnsupportedMediaType,
    /// 422: fields (of the body, the query or the path) that are missing, unknown or not valid.
    InvalidFields,
    /// 422: the `Idempotency-Key` was used before with another request.
    KeyReused,
    /// 429: the client spent its budget for this kind of call; retry after `Retry-After`.
    OverBudget,
    /// 429: too many failed console logins for this email from this address; retry after
    /// `Retry-After`.
    TooManyAttempts,
    /// 404 on the WebSocket: no such command.
    UnknownCommand,
    /// 500: the hub failed; the cause is in its log.
    Internal,
    /// 503: the database cannot be reached; retry after `Retry-After`.
    DatabaseUnavailable,
}

impl ProblemType {
    pub const ALL: [ProblemType; 26] = [
        ProblemType::BadRequest,
        ProblemType::TokenRequired,
        ProblemType::InvalidToken,
        ProblemType::InsufficientScope,
        ProblemType::NotFound,
        ProblemType::NoRoute,
        ProblemType::MethodNotAllowed,
        ProblemType::AlreadyExists,
        ProblemType::InUse,
        ProblemType::NotEmpty,
        ProblemType::WrongState,
        ProblemType::InsufficientStock,
        ProblemType::BranchDeactivated,
        ProblemType::DeviceMismatch,
        ProblemType::KeyInProgress,
        ProblemType::LastAdmin,
        ProblemType::StaleVersion,
        ProblemType::BodyTooLarge,
        ProblemType::UnsupportedMediaType,
        ProblemType::InvalidFields,
        ProblemType::KeyReused,
        ProblemType::OverBudget,
        ProblemType::TooManyAttempts,
        ProblemType::UnknownCommand,
        ProblemType::Internal,
        ProblemType::DatabaseUnavailable,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            ProblemType::BadRequest => "bad-request",
            ProblemType::TokenRequired => "token-required",
            ProblemType::InvalidToken => "invalid-token",
            ProblemType::InsufficientScope => "insufficient-scope",
            ProblemType::NotFound => "not-found",
            ProblemType::NoRoute => "no-route",
            ProblemType::MethodNotAllowed => "method-not-allowed",
            ProblemType::AlreadyExists => "already-exists",
            ProblemType::InUse => "in-use",
            ProblemType::NotEmpty => "not-empty",
            ProblemType::WrongState => "wrong-state",
            ProblemType::InsufficientStock => "insufficient-stock",
            ProblemType::BranchDeactivated => "branch-deactivated",
            ProblemType::DeviceMismatch => "device-mismatch",
            ProblemType::KeyInProgress => "key-in-progress",
            ProblemType::LastAdmin => "last-admin",
            ProblemType::StaleVersion => "stale-version",
            ProblemType::BodyTooLarge => "body-too-large",
            ProblemType::UnsupportedMediaType => "unsupported-media-type",
            ProblemType::InvalidFields => "invalid-fields",
            ProblemType::KeyReused => "key-reused",
            ProblemType::OverBudget => "over-budget",
            ProblemType::TooManyAttempts => "too-many-attempts",
            ProblemType::UnknownCommand => "unknown-command",
            ProblemType::Internal => "internal",
            ProblemType::DatabaseUnavailable => "database-unavailable",
        }
    }

    /// The problem's `type`: a URI reference, relative to the hub.
    pub fn uri(self) -> String {
        format!("/problems/{}", self.slug())
    }

    /// The type a framework error of this status gets (the hub's own errors name theirs).
    pub fn for_status(status: u16) -> Self {
        match status {
            401 => ProblemType::TokenRequired,
            404 => ProblemType::NoRoute,
            405 => ProblemType::MethodNotAllowed,
            413 => ProblemType::BodyTooLarge,
            415 => ProblemType::UnsupportedMediaType,
            422 => ProblemType::InvalidFields,
            429 => ProblemType::OverBudget,
            503 => ProblemType::DatabaseUnavailable,
            500..=599 => ProblemType::Internal,
            _ => ProblemType::BadRequest,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_has_its_own_slug() {
        let mut slugs: Vec<&str> = ProblemType::ALL.iter().map(|t| t.slug()).collect();
        slugs.sort_unstable();
        slugs.dedup();
        assert_eq!(slugs.len(), ProblemType::ALL.len());
    }
}
