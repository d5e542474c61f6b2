//! The page shell (navigation, who is logged in, the logout form), the error page, and the small
//! pieces every list shares: the pager, the CSV link, numbers and times.

use crate::console::ClientRole;
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, http::header};
use chrono::{DateTime, Utc};
use maud::{DOCTYPE, Markup, html};
use rust_decimal::Decimal;

use super::session::{CSRF_FIELD, Operator, role_name};
use uuid::Uuid;

use crate::{error::Problem, pagination::Page, registry::Branch};

const STYLESHEET: &str = include_str!("console.css");

/// Which part of the console a page belongs to, for the navigation.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Fleet,
    Stock,
    Documents,
    Sales,
    Integrations,
    Users,
    Account,
}

const SECTIONS: [(Section, &str, &str, ClientRole); 6] = [
    (Section::Fleet, "Fleet", "/console/", ClientRole::Reports),
    (
        Section::Stock,
        "Stock",
        "/console/stock",
        ClientRole::Reports,
    ),
    (
        Section::Documents,
        "Documents",
        "/console/transfers",
        ClientRole::Reports,
    ),
    (
        Section::Sales,
        "Sales",
        "/console/sales",
        ClientRole::Reports,
    ),
    (
        Section::Integrations,
        "Integrations",
        "/console/integrations",
        ClientRole::Reports,
    ),
    (Section::Users, "Users", "/console/users", ClientRole::Admin),
];

/// A whole page of the console for a logged-in user.
pub fn page(operator: &Operator, title: &str, here: Section, body: Markup) -> HttpResponse {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body {
                header {
                    span.brand { "Hubshake" }
                    nav {
                        @for (section, name, href, role) in SECTIONS {
                            @if operator.may(role) {
                                a href=(href) class=[(section == here).then_some("here")] { (name) } " "
                            }
                        }
                    }
                    span.who {
                        a href="/console/account" class=[(here == Section::Account).then_some("here")] {
                            (operator.user.name) " · " (role_name(operator.user.role))
                        }
                        form.inline method="post" action="/console/logout" {
                            (csrf_field(operator))
                            button.secondary type="submit" { "Log out" }
                        }
                    }
                }
                main { (body) }
            }
        }
    };
    html_response(StatusCode::OK, markup)
}

/// A page outside any session (login) or for an error.
pub fn bare_page(status: StatusCode, title: &str, body: Markup) -> HttpResponse {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body { (body) }
        }
    };
    html_response(status, markup)
}

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · Hubshake" }
            link rel="stylesheet" href="/console/console.css";
        }
    }
}

fn html_response(status: StatusCode, markup: Markup) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        // Pages hold business data: not kept by shared caches, nor framed by other sites.
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("X-Frame-Options", "DENY"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'none'; frame-ancestors 'none'",
        ))
        .body(markup.into_string())
}

/// The page for a refusal: the API's problem, readable.
pub fn problem_page(status: StatusCode, problem: &Problem) -> HttpResponse {
    bare_page(
        status,
        &problem.title,
        html! {
            main {
                h1 { (problem.status) " " (problem.title) }
                @if let Some(detail) = &problem.detail { p.notice { (detail) } }
                @if !problem.errors.is_empty() {
                    ul { @for e in &problem.errors { li { code { (e.field) } ": " (e.message) } } }
                }
                p.muted { "Problem type " code { (problem.problem_type) } }
                p { a href="/console/" { "Back to the console" } }
            }
        },
    )
}

/// The hidden field every form of a session carries.
pub fn csrf_field(operator: &Operator) -> Markup {
    html! { input type="hidden" name=(CSRF_FIELD) value=(operator.csrf_token); }
}

/// A form with a single button that posts to `action`.
pub fn action_button(operator: &Operator, action: &str, label: &str, class: &str) -> Markup {
    html! {
        form.inline method="post" action=(action) {
            (csrf_field(operator))
            button type="submit" class=(class) { (label) }
        }
    }
}

/// Redirects (303) to `location` after a form was handled.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

pub async fn to_home() -> HttpResponse {
    see_other("/console/")
}

pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(STYLESHEET)
}

/// The request's path with its query less the parameters `dropped`, plus `added`.
fn path_with(req: &HttpRequest, dropped: &[&str], added: (&str, &str)) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in form_urlencoded::parse(req.query_string().as_bytes()) {
        if !dropped.contains(&name.as_ref()) {
            query.append_pair(&name, &value);
        }
    }
    query.append_pair(added.0, added.1);
    format!("{}?{}", req.path(), query.finish())
}

/// The same list at another offset.
fn with_offset(req: &HttpRequest, offset: u64) -> String {
    path_with(req, &["offset", "format"], ("offset", &offset.to_string()))
}

/// The request's path with its filters and `format=csv`: the whole list as CSV.
pub fn csv_link(req: &HttpRequest) -> Markup {
    let href = path_with(req, &["offset", "limit", "format"], ("format", "csv"));
    html! { a.csv href=(href) { "Export CSV" } }
}

/// "1–50 of 120", with links to the pages before and after, and the CSV export.
pub fn pager<T>(req: &HttpRequest, page: &Page<T>) -> Markup {
    let Shown { first, last } = Shown::of(page);
    let limit = page.request.limit;
    let offset = page.request.offset;
    html! {
        div.pager {
            span { (first) "–" (last) " of " (page.total) }
            @if offset > 0 {
                a href=(with_offset(req, offset.saturating_sub(limit))) { "← Previous" }
            }
            @if offset + limit < page.total {
                a href=(with_offset(req, offset + limit)) { "Next →" }
            }
            (csv_link(req))
        }
    }
}

/// The positions (from 1) of the first and last rows a page shows; 0 and 0 for none.
struct Shown {
    first: u64,
    last: u64,
}

impl Shown {
    fn of<T>(page: &Page<T>) -> Self {
        let shown = page.items.len() as u64;
        if shown == 0 {
            return Self { first: 0, last: 0 };
        }
        Self {
            first: page.request.offset + 1,
            last: page.request.offset + shown,
        }
    }
}

/// An instant as people read it, in UTC.
pub fn instant(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A count of seconds as "3 d 4 h", "12 min", "40 s".
pub fn span(seconds: i64) -> String {
    match seconds.abs() {
        s if s >= 86_400 => format!("{} d {} h", seconds / 86_400, (s % 86_400) / 3_600),
        s if s >= 3_600 => format!("{} h {} min", seconds / 3_600, (s % 3_600) / 60),
        s if s >= 60 => format!("{} min", seconds / 60),
        _ => format!("{seconds} s"),
    }
}

/// A branch picker for a filter form; `any` is the label of the empty choice, when allowed.
pub fn branch_select(
    name: &str,
    branches: &[Branch],
    selected: Option<Uuid>,
    any: Option<&str>,
) -> Markup {
    html! {
        select name=(name) {
            @if let Some(any) = any { option value="" { (any) } }
            @for branch in branches {
                option value=(branch.id) selected[selected == Some(branch.id)] {
                    (branch.code) " · " (branch.name)
                }
            }
        }
    }
}

/// A stored enum's word as the API spells it (`po_receipt`, `partially_received`).
pub fn word<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|value| value.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Money as people read it: two decimals.
pub fn money(amount: Decimal) -> String {
    format!("{:.2}", amount.round_dp(2))
}

/// A quantity without trailing zeros (`12`, `0.25`).
pub fn quantity(value: Decimal) -> String {
    value.normalize().to_string()
}
