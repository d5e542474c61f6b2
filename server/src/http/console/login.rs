//! Logging in and out. Login is throttled like the token endpoint (failures per address and
//! email, never locking the person out from elsewhere); its form carries a token that must match
//! a cookie set with the form (double submit), since there is no session yet to hold one.

use std::net::{IpAddr, Ipv6Addr};

use actix_web::{
    HttpRequest, HttpResponse,
    cookie::time::{Duration as CookieDuration, OffsetDateTime},
    http::StatusCode,
    web,
};
use maud::html;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::{
    ConsoleError, layout,
    session::{CSRF_FIELD, NoFields, Operator, Posted, SESSION_COOKIE, console_cookie},
};
use crate::{
    AppState,
    auth::secret,
    console::{sessions, users},
    error::ApiError,
};

const LOGIN_CSRF_COOKIE: &str = "hubshake_login";

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

pub async fn login_page(req: HttpRequest, operator: Option<Operator>) -> HttpResponse {
    if operator.is_some() {
        return layout::see_other("/console/");
    }
    login_form(&req, StatusCode::OK, None, "")
}

/// The login form with a fresh token (in the form and in its cookie).
fn login_form(
    req: &HttpRequest,
    status: StatusCode,
    notice: Option<&str>,
    email: &str,
) -> HttpResponse {
    let token = secret::generate_secret();
    let mut response = layout::bare_page(
        status,
        "Log in",
        html! {
            div.login {
                h1 { "Hubshake console" }
                @if let Some(notice) = notice { p.notice role="alert" { (notice) } }
                form method="post" action="/console/login" {
                    input type="hidden" name=(CSRF_FIELD) value=(token);
                    label { "Email" input type="email" name="email" value=(email) autocomplete="username" required; }
                    label { "Password" input type="password" name="password" autocomplete="current-password" required; }
                    button type="submit" { "Log in" }
                }
            }
        },
    );
    let expires = OffsetDateTime::now_utc() + CookieDuration::hours(1);
    // The cookie cannot fail to be added: its name and value are ours and well formed.
    let _ = response.add_cookie(&console_cookie(
        req,
        LOGIN_CSRF_COOKIE,
        token,
        Some(expires),
    ));
    response
}

pub async fn log_in(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, ConsoleError> {
    let form = form.into_inner();
    let cookie_token = req
        .cookie(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .unwrap_or_default();
    if cookie_token.is_empty() || !bool::from(cookie_token.as_bytes().ct_eq(form.csrf.as_bytes())) {
        return Err(ConsoleError::forbidden(
            "the login form's token is missing or wrong: open the login page again",
        ));
    }
    // The connection's own address: a forwarded-for header is the caller's to forge.
    let address = req
        .peer_addr()
        .map_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED), |peer| peer.ip());
    let email = form.email.trim().to_lowercase();
    let throttle = &state.console_login_throttle;
    throttle.check(address, &email).map_err(too_many)?;
    let Some(user) = users::authenticate(&state.db, &email, &form.password).await? else {
        throttle.record_failure(address, &email).map_err(too_many)?;
        return Ok(login_form(
            &req,
            StatusCode::UNAUTHORIZED,
            Some("Wrong email or password, or the user is deactivated."),
            &email,
        ));
    };
    throttle.record_success(address, &email);
    let session = sessions::start_session(&state.db, user.id).await?;
    let expires = OffsetDateTime::from_unix_timestamp(session.expires_at.timestamp())
        .unwrap_or_else(|_| OffsetDateTime::now_utc());
    let mut response = layout::see_other("/console/");
    let _ = response.add_cookie(&console_cookie(
        &req,
        SESSION_COOKIE,
        session.token,
        Some(expires),
    ));
    let _ = response.add_cookie(&console_cookie(
        &req,
        LOGIN_CSRF_COOKIE,
        String::new(),
        None,
    ));
    Ok(response)
}

fn too_many(retry_after: std::time::Duration) -> ConsoleError {
    ConsoleError::Api(ApiError::TooManyAttempts {
        retry_after_secs: retry_after.as_secs().max(1),
    })
}

pub async fn log_out(
    req: HttpRequest,
    state: web::Data<AppState>,
    posted: Posted<NoFields>,
) -> Result<HttpResponse, ConsoleError> {
    sessions::end_session(&state.db, &posted.operator.session_token).await?;
    let mut response = layout::see_other("/console/login");
    let _ = response.add_cookie(&console_cookie(&req, SESSION_COOKIE, String::new(), None));
    Ok(response)
}
