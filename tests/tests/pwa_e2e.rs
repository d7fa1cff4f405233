//! End-to-end: the installable app. The server hands out a manifest and a
//! service worker; after one online visit the worker has the app shell, so
//! the app starts with the server gone, and a new build is picked up on the
//! next start.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use uuid::Uuid;
use yingpan_tests::browser::Browser;
use yingpan_tests::{Api, Backend, TestServer, PASSWORD};

fn built_app() -> PathBuf {
    let dist = yingpan_tests::workspace_root().join("dist");
    assert!(dist.join("sw.js").exists(), "build the app first (scripts/test does)");
    dist
}

async fn server() -> TestServer {
    built_app();
    TestServer::start(Backend::Sqlite).await.unwrap()
}

/// Creates a customer for `owner` through the API, returning its id.
async fn customer_via_api(api: &Api, owner: impl serde::Serialize, name: &str) -> Uuid {
    let id = Uuid::now_v7();
    let result = api
        .push_one(json!({"seq": 1, "entity": "customer", "id": id, "op": "create",
                         "fields": {"name": name, "phone": "0571-86001234", "region": "杭州", "owner_id": owner}}))
        .await;
    assert_eq!(result["status"], "applied", "{result}");
    id
}

async fn get(server: &TestServer, path: &str) -> reqwest::Response {
    let response = server
        .http
        .get(format!("{}{path}", server.url))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200, "{path}");
    response
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manifest_and_worker_are_served_for_installing() {
    let server = server().await;

    let manifest = get(&server, "/manifest.webmanifest").await;
    assert_eq!(header(&manifest, "content-type"), "application/manifest+json");
    let manifest: Value = manifest.json().await.expect("manifest is JSON");
    assert_eq!(manifest["name"], "营盘 Yingpan");
    assert_eq!(manifest["short_name"], "营盘");
    assert_eq!(manifest["start_url"], "/");
    assert_eq!(manifest["display"], "standalone");
    let icons = manifest["icons"].as_array().expect("icons");
    for size in ["192x192", "512x512"] {
        let icon = icons.iter().find(|i| i["sizes"] == size).expect(size);
        let file = get(&server, icon["src"].as_str().unwrap()).await;
        assert_eq!(header(&file, "content-type"), "image/png");
    }

    // The browser asks for a new worker and a new index.html on every start.
    let worker = get(&server, "/sw.js").await;
    assert_eq!(header(&worker, "content-type"), "text/javascript");
    assert_eq!(header(&worker, "cache-control"), "no-cache");
    for route in ["/", "/customers/abc"] {
        let page = get(&server, route).await;
        assert_eq!(header(&page, "cache-control"), "no-cache", "{route}");
        assert!(page.text().await.unwrap().contains(r#"rel="manifest""#), "{route}");
    }
    let health = get(&server, "/api/health").await;
    assert_eq!(header(&health, "cache-control"), "no-store");
    // A file that is not there (another build's script) is a 404, never the
    // app's page, which a browser could otherwise keep as that script.
    let missing = server
        .http
        .get(format!("{}/yingpan-app-0123456789abcdef_bg.wasm", server.url))
        .send()
        .await
        .expect("request");
    assert_eq!(missing.status().as_u16(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_shell_starts_with_the_server_gone_after_one_online_visit() {
    let mut server = server().await;
    let rep1 = server.login("rep1").await;
    let id = customer_via_api(&rep1, server.users.rep1.id, "杭州嘉禾贸易有限公司").await;

    let browser = Browser::start(&server.url).await;
    browser.login("rep1", PASSWORD).await;
    browser.wait_text(".customer-row .name", "杭州嘉禾贸易有限公司").await;
    browser.wait_for_service_worker().await;

    server.stop().await;
    assert!(reqwest::get(&server.url).await.is_err(), "the server still answers");

    browser.driver.refresh().await.expect("reload");
    browser.wait_text("#sync-badge", "Offline").await;
    browser.wait_text(".customer-row .name", "杭州嘉禾贸易有限公司").await;
    // Client-side routes start from the cache too.
    browser.open(&format!("/customers/{id}")).await;
    browser.wait_text("#customer-title", "杭州嘉禾贸易有限公司").await;
    browser.open("/sync").await;
    browser.wait_for("#sync-now").await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_build_is_picked_up_on_the_next_start_and_kept_for_offline() {
    let dist = tempfile::tempdir().unwrap();
    copy_dir(&built_app(), dist.path());
    let mut server = TestServer::start_with_dist(Backend::Sqlite, dist.path().to_owned())
        .await
        .unwrap();
    let browser = Browser::start(&server.url).await;
    browser.login("rep1", PASSWORD).await;
    browser.wait_for_service_worker().await;

    // A new build: a new index.html (the worker is unchanged).
    let index = dist.path().join("index.html");
    let html = std::fs::read_to_string(&index).unwrap();
    let marked = html.replacen("<head>", r#"<head><meta name="yingpan-build" content="next">"#, 1);
    assert_ne!(html, marked);
    std::fs::write(&index, marked).unwrap();

    browser.driver.refresh().await.expect("reload");
    browser.wait_for("#search").await;
    assert_eq!(build_marker(&browser).await, "next");

    // Cached for the start after that, with no network.
    server.stop().await;
    browser.driver.refresh().await.expect("reload");
    browser.wait_text("#sync-badge", "Offline").await;
    assert_eq!(build_marker(&browser).await, "next");
    browser.quit().await;
}

/// The `yingpan-build` meta of the page showing, or "" without one.
async fn build_marker(browser: &Browser) -> String {
    let script = "const m = document.querySelector('meta[name=yingpan-build]'); return m ? m.content : '';";
    browser
        .driver
        .execute(script, Vec::new())
        .await
        .and_then(|r| r.convert())
        .expect("read the page")
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
