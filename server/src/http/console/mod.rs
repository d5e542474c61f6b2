//! The web console for head-office staff: server-rendered HTML (maud) with its stylesheet
//! compiled in, so it works on a machine without internet. People log in with a password and get
//! a cookie session; every page and action calls the same domain functions as the API, under the
//! same roles, and every form carries the session's CSRF token.

mod account;
pub(crate) mod action;
mod chart;
mod documents;
mod error;
mod fleet;
pub(crate) mod input;
mod integrations;
pub(crate) mod layout;
mod login;
mod sales;
pub(crate) mod session;
mod stock;
mod users;

use actix_web::web;

pub use error::ConsoleError;

/// The console's routes, under `/console`.
pub fn scope() -> actix_web::Scope {
    web::scope("/console")
        .route("", web::get().to(layout::to_home))
        .route("/", web::get().to(fleet::fleet_page))
        .route("/console.css", web::get().to(layout::stylesheet))
        .route("/login", web::get().to(login::login_page))
        .route("/login", web::post().to(login::log_in))
        .route("/logout", web::post().to(login::log_out))
        .route("/stock", web::get().to(stock::stock_page))
        .route(
            "/stock/{branch_id}/items/{item_id}",
            web::get().to(stock::item_ledger_page),
        )
        .configure(documents::routes)
        .route("/sales", web::get().to(sales::sales_page))
        .route(
            "/sales/{branch_id}/days",
            web::get().to(sales::branch_days_page),
        )
        .configure(integrations::routes)
        .configure(users::routes)
        .configure(account::routes)
}
