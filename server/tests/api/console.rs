//! The web console over HTTP, as a browser speaks it: cookies, forms and their CSRF tokens,
//! redirects. (The browser itself drives it in `tests/tests/console.rs`.)

use hubshake::console::{
    ClientRole,
    users::{self, NewConsoleUser},
};
use reqwest::{StatusCode, header, redirect::Policy};
use sea_orm::Database;
use serde_json::json;
use uuid::Uuid;

use crate::common::{TestApp, spawn_app, spawn_app_with};

const PASSWORD: &str = "a long console password";

/// The first admin, as `hubshake admin create-user` makes it on the machine.
async fn first_admin(app: &TestApp, email: &str) {
    let db = Database::connect(&app.database.url)
        .await
        .expect("the database");
    let new = NewConsoleUser {
        email: email.into(),
        name: "First admin".into(),
        role: ClientRole::Admin,
        password: PASSWORD.into(),
    };
    users::create_user(&db, users::check_new_user(new).await.expect("valid"))
        .await
        .expect("created");
}

/// A browser of its own: a cookie store, redirects not followed so that tests see them.
struct Browser {
    http: reqwest::Client,
    base: String,
}

/// A page: status, headers and the HTML.
struct Page {
    status: StatusCode,
    headers: header::HeaderMap,
    html: String,
}

impl Page {
    /// The value of the first hidden `csrf` field.
    fn csrf(&self) -> String {
        let marker = r#"name="csrf" value=""#;
        let start = self.html.find(marker).expect("a form with its token") + marker.len();
        self.html[start..]
            .split('"')
            .next()
            .expect("the token")
            .to_string()
    }

    fn location(&self) -> &str {
        self.headers[header::LOCATION].to_str().expect("a location")
    }
}

impl Browser {
    fn new(app: &TestApp) -> Self {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .expect("a client");
        Self {
            http,
            base: app.base.clone(),
        }
    }

    async fn page(request: reqwest::RequestBuilder) -> Page {
        let response = request.send().await.expect("the hub answers");
        Page {
            status: response.status(),
            headers: response.headers().clone(),
            html: response.text().await.expect("a body"),
        }
    }

    async fn get(&self, path: &str) -> Page {
        Self::page(self.http.get(format!("{}{path}", self.base))).await
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        Self::page(self.http.post(format!("{}{path}", self.base)).form(form)).await
    }

    /// Opens the login page and posts the form; the answer.
    async fn log_in(&self, email: &str, password: &str) -> Page {
        let form = self.get("/console/login").await;
        assert_eq!(form.status, StatusCode::OK);
        let csrf = form.csrf();
        self.post(
            "/console/login",
            &[("email", email), ("password", password), ("csrf", &csrf)],
        )
        .await
    }

    /// Posts a form of `page` (its CSRF token included) to `path`.
    async fn submit(&self, page: &Page, path: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = page.csrf();
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        self.post(path, &form).await
    }
}

#[tokio::test]
async fn a_person_logs_in_and_out() {
    let app = spawn_app().await;
    first_admin(&app, "ana@example.com").await;
    let browser = Browser::new(&app);

    let before = browser.get("/console/").await;
    assert_eq!(before.status, StatusCode::SEE_OTHER);
    assert_eq!(before.location(), "/console/login");

    let logged_in = browser.log_in("Ana@Example.com", PASSWORD).await;
    assert_eq!(logged_in.status, StatusCode::SEE_OTHER);
    assert_eq!(logged_in.location(), "/console/");
    let cookie = logged_in.headers[header::SET_COOKIE]
        .to_str()
        .expect("a cookie")
        .to_string();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/console"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    let fleet = browser.get("/console/").await;
    assert_eq!(fleet.status, StatusCode::OK);
    assert!(fleet.html.contains("Fleet health"));

    let out = browser.submit(&fleet, "/console/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(browser.get("/console/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn wrong_passwords_are_refused_then_throttled_without_locking_out_others() {
    let app = spawn_app_with(|s| s.token_attempts_per_minute = 3).await;
    first_admin(&app, "ana@example.com").await;
    first_admin(&app, "ben@example.com").await;
    let browser = Browser::new(&app);

    let wrong = browser.log_in("ana@example.com", "not the password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.html.contains("Wrong email or password"));
    let mut throttled = None;
    for _ in 0..10 {
        let page = browser.log_in("ana@example.com", "still not it").await;
        if page.status == StatusCode::TOO_MANY_REQUESTS {
            throttled = Some(page);
            break;
        }
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    let throttled = throttled.expect("repeated failures are throttled");
    assert!(throttled.headers.contains_key(header::RETRY_AFTER));
    assert!(throttled.html.contains("/problems/too-many-attempts"));
    // Even the right password waits while the throttle holds …
    let right = browser.log_in("ana@example.com", PASSWORD).await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);
    // … but another person at the same address is not locked out.
    let other = Browser::new(&app).log_in("ben@example.com", PASSWORD).await;
    assert_eq!(other.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn forms_without_their_csrf_token_are_refused() {
    let app = spawn_app().await;
    first_admin(&app, "ana@example.com").await;
    let browser = Browser::new(&app);

    // The login form's token must match the cookie set with the form.
    let forged_login = Browser::new(&app)
        .post(
            "/console/login",
            &[
                ("email", "ana@example.com"),
                ("password", PASSWORD),
                ("csrf", "made-up"),
            ],
        )
        .await;
    assert_eq!(forged_login.status, StatusCode::FORBIDDEN);

    browser.log_in("ana@example.com", PASSWORD).await;
    let forged = browser
        .post(
            "/console/users",
            &[
                ("name", "Mallory"),
                ("email", "m@example.com"),
                ("role", "admin"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.html.contains("/problems/insufficient-scope"));
    let users = browser.get("/console/users").await;
    assert!(!users.html.contains("m@example.com"), "nothing was created");
}

#[tokio::test]
async fn deactivating_a_user_ends_their_session_at_once() {
    let app = spawn_app().await;
    first_admin(&app, "ana@example.com").await;
    let admin = Browser::new(&app);
    admin.log_in("ana@example.com", PASSWORD).await;
    let users_page = admin.get("/console/users").await;
    let created = admin
        .submit(
            &users_page,
            "/console/users",
            &[
                ("name", "Rey"),
                ("email", "rey@example.com"),
                ("role", "stock"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let short = admin
        .submit(
            &users_page,
            "/console/users",
            &[
                ("name", "Sam"),
                ("email", "sam@example.com"),
                ("role", "stock"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.html.contains("password"), "the page names the field");

    let rey = Browser::new(&app);
    assert_eq!(
        rey.log_in("rey@example.com", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(rey.get("/console/stock").await.status, StatusCode::OK);
    // A stock user manages no users.
    assert_eq!(
        rey.get("/console/users").await.status,
        StatusCode::FORBIDDEN
    );

    let users_page = admin.get("/console/users").await;
    let rey_id = user_id(&users_page.html, "rey@example.com");
    let deactivated = admin
        .submit(
            &users_page,
            &format!("/console/users/{rey_id}/deactivate"),
            &[],
        )
        .await;
    assert_eq!(deactivated.status, StatusCode::SEE_OTHER);
    assert_eq!(
        rey.get("/console/stock").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        Browser::new(&app)
            .log_in("rey@example.com", PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    // The last active admin stays.
    let ana_id = user_id(&users_page.html, "ana@example.com");
    let last = admin
        .submit(
            &users_page,
            &format!("/console/users/{ana_id}/deactivate"),
            &[],
        )
        .await;
    assert_eq!(last.status, StatusCode::CONFLICT);
    assert!(last.html.contains("/problems/last-admin"));
}

/// The id in the deactivate form of the user row that shows `email`.
fn user_id(html: &str, email: &str) -> String {
    let row = html
        .split("<tr>")
        .find(|row| row.contains(email))
        .expect("the user's row");
    let start = row.find("/console/users/").expect("an action") + "/console/users/".len();
    row[start..start + 36].to_string()
}

#[tokio::test]
async fn pages_refuse_as_the_api_does_and_escape_what_they_show() {
    let app = spawn_app().await;
    first_admin(&app, "ana@example.com").await;
    let token = app.admin_token().await;
    let branch = app.create_branch(&token, "NORTH", "retail").await;
    let branch_id = branch["id"].as_str().expect("an id");
    let item = app
        .post(
            "/api/v1/items",
            &token,
            json!({ "sku": "X-1", "name": "<script>alert(1)</script>", "base_price": "1" }),
        )
        .await;
    let item_id = item.body["id"].as_str().expect("an id");
    let adjusted = app
        .post(
            &format!("/api/v1/branches/{branch_id}/adjustments"),
            &token,
            json!({ "lines": [{ "item_id": item_id, "mode": "delta", "quantity": "3", "reason_code": "found" }] }),
        )
        .await;
    assert_eq!(adjusted.status, StatusCode::CREATED);
    let browser = Browser::new(&app);
    browser.log_in("ana@example.com", PASSWORD).await;

    let stock = browser
        .get(&format!(
            "/console/stock?branch_id={branch_id}&search=script"
        ))
        .await;
    assert_eq!(stock.status, StatusCode::OK);
    assert!(stock.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!stock.html.contains("<script>"));

    let missing = browser
        .get(&format!("/console/transfers/{}", Uuid::new_v4()))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.html.contains("/problems/not-found"));
    let bad_filter = browser.get("/console/transfers?branch_id=nope").await;
    assert_eq!(bad_filter.status, StatusCode::UNPROCESSABLE_ENTITY);

    let csv = browser
        .get(&format!("/console/stock?branch_id={branch_id}&format=csv"))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers[header::CONTENT_TYPE]
            .to_str()
            .expect("a type")
            .starts_with("text/csv")
    );
    let mut lines = csv.html.lines();
    assert!(lines.next().expect("a header row").contains("on_hand"));
    assert!(lines.next().expect("a row").contains("X-1"));
}

#[tokio::test]
async fn a_person_changes_their_password_and_their_other_sessions_end() {
    let app = spawn_app().await;
    first_admin(&app, "ana@example.com").await;
    let here = Browser::new(&app);
    here.log_in("ana@example.com", PASSWORD).await;
    let elsewhere = Browser::new(&app);
    elsewhere.log_in("ana@example.com", PASSWORD).await;
    let new_password = "an even longer console password";

    let account = here.get("/console/account").await;
    assert_eq!(account.status, StatusCode::OK);
    let wrong = here
        .submit(
            &account,
            "/console/account/password",
            &[
                ("current_password", "not it at all"),
                ("new_password", new_password),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.html.contains("current_password"));

    let changed = here
        .submit(
            &account,
            "/console/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", new_password),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER);
    assert_eq!(here.get("/console/").await.status, StatusCode::OK);
    assert_eq!(
        elsewhere.get("/console/").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        Browser::new(&app)
            .log_in("ana@example.com", PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        Browser::new(&app)
            .log_in("ana@example.com", new_password)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
}
