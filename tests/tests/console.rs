//! The web console in a real browser: headless Chromium driven through WebDriver (chromedriver),
//! against the real hub binary on the suite's database. Screenshots of the main pages are saved
//! under `target/console-screenshots/`.
//!
//! Needs Debian's `chromium` and `chromium-driver`; without them the test says it skipped, and
//! with `HUBSHAKE_TEST_REQUIRE_BROWSER` set (as in CI, which installs them) a skip is a failure.

use std::{
    net::TcpStream,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use chrono::Utc;
use fantoccini::{Client, ClientBuilder, Locator};
use hubshake_tests::{
    TestDatabase,
    admin::{ADMIN_ID, ADMIN_SECRET, Admin, id_of},
    hub_process::HubProcess,
    server_database, workspace_binary,
};
use hyper_util::client::legacy::connect::HttpConnector;
use reqwest::{StatusCode, blocking::Client as Http, redirect::Policy};
use serde_json::{Value, json};
use uuid::Uuid;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
const ADMIN_EMAIL: &str = "ana@example.com";
const ADMIN_PASSWORD: &str = "a long console password";
const VIEWER_EMAIL: &str = "rey@example.com";
const VIEWER_PASSWORD: &str = "another long password";

#[test]
fn head_office_runs_the_chain_from_the_console() {
    if !Path::new(CHROMEDRIVER).exists() || !Path::new(CHROMIUM).exists() {
        assert!(
            std::env::var_os("HUBSHAKE_TEST_REQUIRE_BROWSER").is_none(),
            "HUBSHAKE_TEST_REQUIRE_BROWSER is set but {CHROMEDRIVER} or {CHROMIUM} is missing"
        );
        eprintln!("skipped: the console's browser test needs chromium and chromium-driver");
        return;
    }
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let database = runtime.block_on(server_database());
    let dir = tempfile::tempdir().expect("a folder for the hub");
    create_user(
        dir.path(),
        database.as_ref(),
        ADMIN_EMAIL,
        "Ana",
        "admin",
        ADMIN_PASSWORD,
    );
    create_user(
        dir.path(),
        database.as_ref(),
        VIEWER_EMAIL,
        "Rey",
        "reports",
        VIEWER_PASSWORD,
    );
    let hub = HubProcess::start_with_admin(
        dir.path(),
        database.as_ref(),
        (ADMIN_ID, ADMIN_SECRET),
        &[("HUBSHAKE_LOG", "warn,hubshake=info")],
    );
    let chain = Chain::set_up(&hub.base);

    let driver = ChromeDriver::start();
    let browser_dir = tempfile::tempdir().expect("a profile folder");
    let browser = runtime.block_on(driver.browser(browser_dir.path()));
    let console = Console {
        browser,
        base: hub.base.clone(),
    };
    runtime.block_on(console.log_in(ADMIN_EMAIL, ADMIN_PASSWORD));

    // Fleet: the till that never called is flagged stale, the one that just did is not.
    runtime.block_on(async {
        console.open("/console/").await;
        assert_eq!(
            console
                .text("tr[data-terminal='Back office PC'] .badge.warn")
                .await,
            "stale"
        );
        assert!(
            console
                .missing("tr[data-terminal='Till 1'] .badge.warn")
                .await
        );
        console.screenshot("fleet").await;
    });

    // Stock: find the item by part of its name, open its ledger.
    runtime.block_on(async {
        console
            .open(&format!(
                "/console/stock?branch_id={}&search=espresso",
                chain.north
            ))
            .await;
        assert_eq!(
            console
                .text(&format!("tr[data-sku='{}'] .on-hand", chain.sku))
                .await,
            "40"
        );
        assert!(
            console.missing("tr[data-sku='OTHER-1']").await,
            "the search leaves out other items"
        );
        console.screenshot("stock").await;
        console
            .click(&format!("tr[data-sku='{}'] a", chain.sku))
            .await;
        console.wait_for("#ledger").await;
        assert_eq!(
            console.text("#ledger tbody tr:last-child .balance").await,
            "40"
        );
        console.screenshot("ledger").await;
    });

    // A transfer: dispatched and received with 9 of 10, both branches' stock follows.
    runtime.block_on(async {
        console
            .open(&format!("/console/transfers/{}", chain.transfer))
            .await;
        console.click("form[action$='/dispatch'] button").await;
        console.wait_for_text("#status", "dispatched").await;
        console.replace("input[name='line_1']", "9").await;
        console.screenshot("transfer").await;
        console.click("#receive").await;
        console.wait_for_text("#status", "received").await;
        assert_eq!(console.text("#lines tbody tr td:nth-child(5)").await, "-1");
        console
            .open(&format!("/console/stock?branch_id={}", chain.north))
            .await;
        assert_eq!(
            console
                .text(&format!("tr[data-sku='{}'] .on-hand", chain.sku))
                .await,
            "30"
        );
        console
            .open(&format!("/console/stock?branch_id={}", chain.south))
            .await;
        assert_eq!(
            console
                .text(&format!("tr[data-sku='{}'] .on-hand", chain.sku))
                .await,
            "9"
        );
    });
    let on_hand = chain.admin.on_hand(&chain.south);
    assert_eq!(on_hand[&chain.item], "9", "the API agrees with the console");

    // An item request: approved, which makes a transfer.
    runtime.block_on(async {
        console
            .open(&format!("/console/item-requests/{}", chain.request))
            .await;
        console.click("#approve").await;
        console.wait_for_text("#status", "approved").await;
        assert!(
            console.present("#transfer").await,
            "approval made a transfer ticket"
        );
    });

    // Sales: today's figures are what the till sent.
    runtime.block_on(async {
        console
            .open(&format!("/console/sales?branch_id={}", chain.north))
            .await;
        assert_eq!(console.text("#sales-count").await, "2");
        assert_eq!(console.text("#sales-total").await, "19.75");
        assert_eq!(
            console
                .text("#top-items tbody tr:first-child td:nth-child(1)")
                .await,
            chain.sku
        );
        console.screenshot("sales").await;
    });

    // A forged form (no CSRF token) with the admin's own session cookie is refused.
    let admin_cookie = runtime.block_on(console.session_cookie());
    let http = Http::builder()
        .redirect(Policy::none())
        .build()
        .expect("an HTTP client");
    let forged = http
        .post(format!(
            "{}/console/transfers/{}/cancel",
            hub.base, chain.other_transfer
        ))
        .header("Cookie", format!("hubshake_session={admin_cookie}"))
        .form(&[("nothing", "here")])
        .send()
        .expect("the hub answers");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(chain.transfer_status(&chain.other_transfer), "draft");

    // Logging out ends the session: its cookie opens nothing any more.
    runtime.block_on(async {
        console.click("form[action='/console/logout'] button").await;
        console.wait_for("input[name='password']").await;
    });
    let after_logout = http
        .get(format!("{}/console/", hub.base))
        .header("Cookie", format!("hubshake_session={admin_cookie}"))
        .send()
        .expect("the hub answers");
    assert_eq!(after_logout.status(), StatusCode::SEE_OTHER);
    assert_eq!(after_logout.headers()["location"], "/console/login");

    // A `reports` user sees no action buttons, and posting the form anyway is refused.
    runtime.block_on(async {
        console.log_in(VIEWER_EMAIL, VIEWER_PASSWORD).await;
        console
            .open(&format!("/console/transfers/{}", chain.other_transfer))
            .await;
        assert_eq!(console.text("#status").await, "draft");
        assert!(console.missing("form[action$='/dispatch']").await);
        assert!(console.missing("form[action$='/cancel']").await);
        assert!(console.missing("a[href='/console/users']").await);
    });
    let viewer_cookie = runtime.block_on(console.session_cookie());
    let csrf = runtime
        .block_on(console.attribute("form[action='/console/logout'] input[name='csrf']", "value"));
    let refused = http
        .post(format!(
            "{}/console/transfers/{}/dispatch",
            hub.base, chain.other_transfer
        ))
        .header("Cookie", format!("hubshake_session={viewer_cookie}"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .expect("the hub answers");
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(chain.transfer_status(&chain.other_transfer), "draft");

    runtime.block_on(async { console.browser.close().await.expect("the browser closes") });
    drop(driver);
    drop(hub);
}

/// `hubshake admin create-user` on the hub's database, as an operator runs it on the machine.
fn create_user(
    dir: &Path,
    database: Option<&TestDatabase>,
    email: &str,
    name: &str,
    role: &str,
    password: &str,
) {
    use std::io::Write;
    let mut command = Command::new(workspace_binary("hubshake"));
    command
        .current_dir(dir)
        .env_clear()
        .args([
            "admin",
            "create-user",
            "--email",
            email,
            "--name",
            name,
            "--role",
            role,
        ])
        .arg("--password-stdin")
        .stdin(Stdio::piped())
        .stdout(Stdio::null());
    if let Some(database) = database {
        command.env("HUBSHAKE_DATABASE_URL", &database.url);
    }
    let mut child = command.spawn().expect("the hub's command runs");
    writeln!(child.stdin.take().expect("stdin"), "{password}").expect("the password is written");
    assert!(child.wait().expect("the command ends").success());
}

/// Two branches with an item, a till that sold today at the first and a back-office PC that
/// never called, a draft transfer, another one, and an item request.
struct Chain {
    admin: Admin,
    north: String,
    south: String,
    item: String,
    sku: String,
    transfer: String,
    other_transfer: String,
    request: String,
}

impl Chain {
    fn set_up(base: &str) -> Self {
        let admin = Admin::new(base);
        let branch = |code: &str| {
            id_of(&admin.post(
                "/api/v1/branches",
                json!({ "code": code, "name": code, "pos_type": "retail", "time_zone": "UTC" }),
            ))
        };
        let (north, south) = (branch("NORTH"), branch("SOUTH"));
        let sku = "ESP-250".to_string();
        let item = id_of(&admin.post(
            "/api/v1/items",
            json!({ "sku": sku, "name": "Espresso beans 250 g", "base_price": "12.50" }),
        ));
        let other = id_of(&admin.post(
            "/api/v1/items",
            json!({ "sku": "OTHER-1", "name": "Paper cups", "base_price": "7.25" }),
        ));
        admin.adjust(&north, &item, "delta", "41");
        admin.adjust(&north, &other, "delta", "10");
        admin.register_terminal(&north, json!({ "name": "Back office PC" }));
        Self::sell_today(base, &admin, &north, &item, &other);

        let transfer = |quantity: &str| {
            id_of(&admin.post(
                "/api/v1/transfers",
                json!({ "from_branch_id": north, "to_branch_id": south, "lines": [{ "item_id": item, "quantity": quantity }] }),
            ))
        };
        let (transfer, other_transfer) = (transfer("10"), transfer("1"));
        let request = id_of(&admin.post(
            "/api/v1/item-requests",
            json!({ "requesting_branch_id": south, "supplying_branch_id": north, "lines": [{ "item_id": item, "quantity": "2" }] }),
        ));
        Self {
            admin,
            north,
            south,
            item,
            sku,
            transfer,
            other_transfer,
            request,
        }
    }

    /// Till 1 reports in and sells a bag of beans (12.50) and cups (7.25) today (UTC).
    fn sell_today(base: &str, admin: &Admin, branch: &str, item: &str, other: &str) {
        let till = admin.register_terminal(branch, json!({ "name": "Till 1" }));
        let cash = id_of(&admin.post(
            "/api/v1/payment-methods",
            json!({ "code": "CASH", "name": "Cash", "kind": "cash" }),
        ));
        let staff = id_of(&admin.post(
            "/api/v1/staff",
            json!({ "code": "C1", "name": "Cashier", "role": "cashier", "pin": "1234", "branch_ids": [branch] }),
        ));
        let http = Http::new();
        let token: Value = http
            .post(format!("{base}/oauth/token"))
            .basic_auth(
                till["client_id"].as_str().expect("a client id"),
                till["client_secret"].as_str(),
            )
            .form(&[("grant_type", "client_credentials")])
            .send()
            .and_then(|answer| answer.json())
            .expect("a token");
        let token = token["access_token"].as_str().expect("an access token");
        let heartbeat = http
            .post(format!("{base}/api/v1/sync/heartbeat"))
            .bearer_auth(token)
            .json(&json!({ "device_id": "till-1", "agent_version": "e2e" }))
            .send()
            .expect("the hub answers");
        assert!(heartbeat.status().is_success(), "{}", heartbeat.status());
        let now = Utc::now();
        let sale = |item: &str, quantity: &str, price: &str| {
            json!({
                "id": Uuid::new_v4(),
                "receipt_number": format!("R-{}", &Uuid::new_v4().simple().to_string()[..8]),
                "kind": "sale",
                "status": "settled",
                "local_time": now.format("%Y-%m-%dT%H:%M:%S+00:00").to_string(),
                "business_date": now.date_naive().to_string(),
                "staff_user_id": staff,
                "lines": [{ "item_id": item, "quantity": quantity, "unit_price": price, "line_total": price }],
                "payments": [{ "payment_method_id": cash, "amount": price }],
                "totals": { "subtotal": price, "discount": "0", "tax": "0", "total": price },
            })
        };
        let sales = json!({ "transactions": [sale(item, "1", "12.50"), sale(other, "1", "7.25")] });
        let answer: Value = http
            .post(format!("{base}/api/v1/sync/transactions"))
            .bearer_auth(token)
            .json(&sales)
            .send()
            .and_then(|answer| answer.json())
            .expect("the hub answers");
        for result in answer["results"].as_array().expect("results") {
            assert_eq!(result["result"], "accepted", "{answer}");
        }
    }

    fn transfer_status(&self, id: &str) -> String {
        self.admin.get(&format!("/api/v1/transfers/{id}"))["status"]
            .as_str()
            .expect("a status")
            .to_string()
    }
}

/// chromedriver on a free port, for as long as the test runs.
struct ChromeDriver {
    child: Child,
    port: u16,
}

impl ChromeDriver {
    fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let deadline = Instant::now() + Duration::from_secs(30);
        // Polled until it listens, a little apart so as not to take the core it starts on.
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver never listened");
            std::thread::sleep(Duration::from_millis(20));
        }
        Self { child, port }
    }

    /// A headless Chromium with a fresh profile and none of its calls home (the machine has no
    /// internet: they would only fail).
    async fn browser(&self, profile: &Path) -> Client {
        let args = [
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--window-size=1280,900".into(),
            format!("--user-data-dir={}", profile.display()),
        ];
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": CHROMIUM, "args": args }),
        );
        // chromedriver speaks plain HTTP on loopback: no TLS stack needed.
        ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("chromedriver starts a browser")
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The browser on the hub's console.
struct Console {
    browser: Client,
    base: String,
}

impl Console {
    async fn open(&self, path: &str) {
        self.browser
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("{path} opens: {e}"));
    }

    async fn log_in(&self, email: &str, password: &str) {
        self.open("/console/login").await;
        self.replace("input[name='email']", email).await;
        self.replace("input[name='password']", password).await;
        self.click(".login button").await;
        self.wait_for("header .who").await;
    }

    async fn wait_for(&self, css: &str) {
        self.browser
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} appears: {e}"));
    }

    /// Waits for the page the last form led to, where `css` reads `text`.
    async fn wait_for_text(&self, css: &str, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(element) = self.browser.find(Locator::Css(css)).await
                && element.text().await.is_ok_and(|shown| shown == text)
            {
                return;
            }
            assert!(Instant::now() < deadline, "{css} never read {text:?}");
            tokio::task::yield_now().await;
        }
    }

    async fn text(&self, css: &str) -> String {
        self.browser
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} is on the page: {e}"))
            .text()
            .await
            .expect("its text")
            .trim()
            .to_string()
    }

    async fn attribute(&self, css: &str, name: &str) -> String {
        self.browser
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} is on the page: {e}"))
            .attr(name)
            .await
            .expect("its attribute")
            .unwrap_or_else(|| panic!("{css} has {name}"))
    }

    async fn present(&self, css: &str) -> bool {
        !self
            .browser
            .find_all(Locator::Css(css))
            .await
            .expect("a search of the page")
            .is_empty()
    }

    async fn missing(&self, css: &str) -> bool {
        !self.present(css).await
    }

    async fn click(&self, css: &str) {
        self.browser
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} is on the page: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("{css} clicks: {e}"));
    }

    async fn replace(&self, css: &str, text: &str) {
        let field = self
            .browser
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} is on the page: {e}"));
        field.clear().await.expect("the field clears");
        field.send_keys(text).await.expect("the field takes text");
    }

    async fn session_cookie(&self) -> String {
        self.browser
            .get_named_cookie("hubshake_session")
            .await
            .expect("the session cookie")
            .value()
            .to_string()
    }

    async fn screenshot(&self, name: &str) {
        let png = self.browser.screenshot().await.expect("a screenshot");
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("the screenshot folder");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("the screenshot is saved");
    }
}

/// `target/console-screenshots`, next to the build that runs the test.
fn screenshot_dir() -> PathBuf {
    let test_exe = std::env::current_exe().expect("the test's own path");
    test_exe
        .ancestors()
        .nth(3)
        .expect("the test runs from target/<profile>/deps")
        .join("console-screenshots")
}
