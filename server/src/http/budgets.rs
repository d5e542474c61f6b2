//! The budget middleware of the API's routes (see [`crate::budget`]).

use actix_web::{
    HttpMessage,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::header::{HeaderName, HeaderValue},
    middleware::Next,
    web,
};

use crate::{
    AppState,
    auth::caller::Caller,
    budget::{RouteClass, Spent},
    error::{ApiError, DomainError, RATE_LIMIT, RATE_LIMIT_POLICY},
};

/// Middleware, inside `authenticate`: a call spends one unit of its client's budget for its
/// route class, and is refused with 429 before anything is done for it when none is left.
/// Every answer says what is left (`RateLimit-Policy`, `RateLimit`).
pub async fn spend_budget(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| {
            ApiError::from(DomainError::internal(
                "hub state is missing",
                "no AppState on the app",
            ))
        })?;
    let client = req
        .extensions()
        .get::<Caller>()
        .map(Caller::client_name)
        .ok_or_else(|| {
            ApiError::from(DomainError::internal(
                "no caller",
                "spend_budget runs inside authenticate",
            ))
        })?;
    let class = RouteClass::of(req.method(), req.path());
    let budgets = state.budgets.of(class);
    let spent = budgets.spend(&client, 1);
    let policy = budgets.budget().policy_header(class.name());
    let rate = budgets.rate_header(class.name(), spent);
    if let Spent::Refused { retry_after_secs } = spent {
        return Err(ApiError::OverBudget {
            detail: format!(
                "this client spent its {} budget ({}); retry in {retry_after_secs} s",
                class.name(),
                budgets.budget()
            ),
            retry_after_secs,
            policy,
            rate,
        }
        .into());
    }
    let mut res = next.call(req).await?;
    for (name, value) in [(RATE_LIMIT_POLICY, policy), (RATE_LIMIT, rate)] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            res.headers_mut()
                .insert(HeaderName::from_static(name), value);
        }
    }
    Ok(res)
}
