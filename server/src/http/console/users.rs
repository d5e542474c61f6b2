//! Console users, managed by admins: who may log in, with which role; deactivating someone
//! ends their sessions at once.

use actix_web::{HttpRequest, HttpResponse, web};
use maud::html;
use serde::Deserialize;
use uuid::Uuid;

use super::{
    ConsoleError,
    action::act,
    input,
    layout::{self, Section},
    session::{NoFields, Operator, Posted, role_name},
};
use crate::{
    AppState,
    console::{
        ClientRole,
        users::{self, MIN_PASSWORD_CHARS, NewConsoleUser},
    },
    error::DomainError,
    http::listing::ListRequest,
    validation,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/users", web::get().to(users_page))
        .route("/users", web::post().to(create_user))
        .route("/users/{id}/deactivate", web::post().to(deactivate))
        .route("/users/{id}/activate", web::post().to(activate));
}

const ROLES: [ClientRole; 3] = [ClientRole::Reports, ClientRole::Stock, ClientRole::Admin];

async fn users_page(
    req: HttpRequest,
    operator: Operator,
    state: web::Data<AppState>,
    list: ListRequest,
) -> Result<HttpResponse, ConsoleError> {
    operator.require(ClientRole::Admin)?;
    input::list_page(
        list,
        state,
        async |db, page| users::list_users(db, page).await,
        |page| {
            layout::page(
                &operator,
                "Users",
                Section::Users,
                html! {
                    h1 { "Console users" }
                    table #users {
                        thead { tr { th { "Name" } th { "Email" } th { "Role" } th { "Active" } th {} } }
                        tbody {
                            @for user in &page.items {
                                @let base = format!("/console/users/{}", user.id);
                                tr {
                                    td { (user.name) } td { (user.email) } td { (role_name(user.role)) }
                                    td { (if user.active { "yes" } else { "no" }) }
                                    td {
                                        @if user.active {
                                            (layout::action_button(&operator, &format!("{base}/deactivate"), "Deactivate", "danger"))
                                        } @else {
                                            (layout::action_button(&operator, &format!("{base}/activate"), "Activate", "secondary"))
                                        }
                                    }
                                }
                            }
                        }
                    }
                    (layout::pager(&req, &page))
                    h2 { "New user" }
                    form.filters method="post" action="/console/users" {
                        (layout::csrf_field(&operator))
                        label { "Name" input type="text" name="name" required; }
                        label { "Email" input type="email" name="email" required; }
                        label { "Role" select name="role" { @for role in ROLES { option value=(role_name(role)) { (role_name(role)) } } } }
                        label { "Password (" (MIN_PASSWORD_CHARS) "+ characters)" input type="password" name="password" autocomplete="new-password" required; }
                        button type="submit" { "Create" }
                    }
                },
            )
        },
    )
    .await
}

#[derive(Deserialize)]
struct NewUserForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

async fn create_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    posted: Posted<NewUserForm>,
) -> Result<HttpResponse, ConsoleError> {
    posted.operator.require(ClientRole::Admin)?;
    let form = posted.form;
    let role = validation::one_of::<ClientRole>(&form.role)
        .map_err(|message| DomainError::invalid("role", message))?;
    let user = users::check_new_user(NewConsoleUser {
        email: form.email,
        name: form.name,
        role,
        password: form.password,
    })
    .await?;
    act(
        &req,
        &state,
        &posted.operator,
        ClientRole::Admin,
        async |txn, _| users::create_user(txn, user).await,
    )
    .await?;
    Ok(layout::see_other("/console/users"))
}

async fn deactivate(
    req: HttpRequest,
    state: web::Data<AppState>,
    posted: Posted<NoFields>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ConsoleError> {
    set_active(&req, &state, &posted.operator, *id, false).await
}

async fn activate(
    req: HttpRequest,
    state: web::Data<AppState>,
    posted: Posted<NoFields>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ConsoleError> {
    set_active(&req, &state, &posted.operator, *id, true).await
}

async fn set_active(
    req: &HttpRequest,
    state: &AppState,
    operator: &Operator,
    id: Uuid,
    active: bool,
) -> Result<HttpResponse, ConsoleError> {
    act(req, state, operator, ClientRole::Admin, async |txn, _| {
        users::set_user_active(txn, id, active).await
    })
    .await?;
    Ok(layout::see_other("/console/users"))
}
