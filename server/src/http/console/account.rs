//! A person's own account: their password. Changing it ends their other sessions.

use actix_web::{HttpRequest, HttpResponse, web};
use maud::html;
use serde::Deserialize;

use super::{
    ConsoleError,
    action::act,
    layout::{self, Section},
    session::{Operator, Posted, role_name},
};
use crate::{
    AppState,
    console::{
        ClientRole,
        users::{self, MIN_PASSWORD_CHARS},
    },
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/account", web::get().to(account_page))
        .route("/account/password", web::post().to(change_password));
}

async fn account_page(operator: Operator) -> HttpResponse {
    let user = &operator.user;
    layout::page(
        &operator,
        "Your account",
        Section::Account,
        html! {
            h1 { "Your account" }
            p { (user.name) " · " (user.email) " · " (role_name(user.role)) }
            h2 { "Change your password" }
            form.filters method="post" action="/console/account/password" {
                (layout::csrf_field(&operator))
                label { "Current password" input type="password" name="current_password" autocomplete="current-password" required; }
                label { "New password (" (MIN_PASSWORD_CHARS) "+ characters)" input type="password" name="new_password" autocomplete="new-password" required; }
                button type="submit" { "Change" }
            }
            p.muted { "Your other sessions end when the password changes." }
        },
    )
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    posted: Posted<PasswordForm>,
) -> Result<HttpResponse, ConsoleError> {
    let operator = &posted.operator;
    let form = &posted.form;
    let password = users::check_new_password(
        &state.db,
        operator.user.id,
        &form.current_password,
        &form.new_password,
    )
    .await?;
    act(
        &req,
        &state,
        operator,
        ClientRole::Reports,
        async |txn, _| {
            users::set_password(txn, operator.user.id, password, &operator.session_token).await
        },
    )
    .await?;
    Ok(layout::see_other("/console/account"))
}
