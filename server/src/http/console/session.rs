//! The console's caller: the person whose session cookie came with the request, and the forms
//! they post, each checked against the session's CSRF token before anything else happens.

use std::{future::Future, pin::Pin};

use crate::console::ClientRole;
use actix_web::{
    FromRequest, HttpRequest,
    cookie::{Cookie, SameSite, time::OffsetDateTime},
    dev::Payload,
    web,
};
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use super::ConsoleError;
use crate::{
    AppState,
    console::{sessions, users::ConsoleUser},
    error::{ApiError, DomainError},
    scope::BranchScope,
};

pub const SESSION_COOKIE: &str = "hubshake_session";
/// The name of the hidden field that carries the CSRF token in every form.
pub const CSRF_FIELD: &str = "csrf";

/// A logged-in console user.
#[derive(Clone, Debug)]
pub struct Operator {
    pub user: ConsoleUser,
    pub csrf_token: String,
    /// The cookie's token, to end the session with.
    pub session_token: String,
}

impl Operator {
    /// Who did it, as documents and the audit record it.
    pub fn actor(&self) -> String {
        format!("console:{}", self.user.email)
    }

    /// Whether the user's role reaches `role` (roles are ordered: reports < stock < admin).
    pub fn may(&self, role: ClientRole) -> bool {
        self.user.role >= role
    }

    /// 403, as the API answers, when the role does not reach `role`.
    pub fn require(&self, role: ClientRole) -> Result<(), ConsoleError> {
        if self.may(role) {
            Ok(())
        } else {
            Err(ConsoleError::forbidden(format!(
                "this needs the role {} or above; you are {}",
                role_name(role),
                role_name(self.user.role)
            )))
        }
    }

    /// Head-office people see every branch.
    pub fn branch_scope(&self) -> BranchScope {
        BranchScope::every()
    }
}

pub fn role_name(role: ClientRole) -> &'static str {
    match role {
        ClientRole::Reports => "reports",
        ClientRole::Stock => "stock",
        ClientRole::Admin => "admin",
    }
}

impl FromRequest for Operator {
    type Error = ConsoleError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ConsoleError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
        Box::pin(async move {
            let (Some(state), Some(token)) = (state, token) else {
                return Err(ConsoleError::LoginRequired);
            };
            let session = sessions::find_session(&state.db, &token)
                .await?
                .ok_or(ConsoleError::LoginRequired)?;
            Ok(Operator {
                user: session.user,
                csrf_token: session.csrf_token,
                session_token: token,
            })
        })
    }
}

/// A form with no fields but its CSRF token (a button).
#[derive(serde::Deserialize)]
pub struct NoFields {}

/// A form posted by a logged-in user, its CSRF token checked; `form` is the rest of its fields.
pub struct Posted<T> {
    pub operator: Operator,
    pub form: T,
}

impl<T: DeserializeOwned + 'static> FromRequest for Posted<T> {
    type Error = ConsoleError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ConsoleError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let operator = Operator::from_request(req, payload);
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let operator = operator.await?;
            let body = body
                .await
                .map_err(|e| ApiError::BadRequest(format!("cannot read the form: {e}")))?;
            let form = checked_form(&body, &operator.csrf_token)?;
            Ok(Posted { operator, form })
        })
    }
}

/// The form's fields once its CSRF token matches `expected`; a form without it, or with another
/// session's, is refused (403) before it is read further.
pub fn checked_form<T: DeserializeOwned>(body: &[u8], expected: &str) -> Result<T, ConsoleError> {
    let presented = form_urlencoded::parse(body)
        .find(|(name, _)| name == CSRF_FIELD)
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default();
    if !bool::from(presented.as_bytes().ct_eq(expected.as_bytes())) || expected.is_empty() {
        return Err(ConsoleError::forbidden(
            "the form's CSRF token is missing or wrong: reload the page and try again",
        ));
    }
    if form_urlencoded::parse(body).any(|(name, value)| name.contains('\0') || value.contains('\0'))
    {
        return Err(DomainError::invalid(
            "form",
            "must not hold a NUL character (U+0000), which cannot be stored",
        )
        .into());
    }
    serde_urlencoded::from_bytes(body)
        .map_err(|e| ConsoleError::Api(ApiError::Unprocessable(format!("invalid form: {e}"))))
}

/// A cookie the console sets: only for the console's paths, never to scripts, never sent along
/// from another site, and only over TLS when the console is served over TLS.
pub fn console_cookie(
    req: &HttpRequest,
    name: &'static str,
    value: String,
    expires: Option<OffsetDateTime>,
) -> Cookie<'static> {
    let mut cookie = Cookie::build(name, value)
        .path("/console")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(req.connection_info().scheme() == "https")
        .finish();
    match expires {
        Some(at) => cookie.set_expires(at),
        None => cookie.make_removal(),
    }
    cookie
}
