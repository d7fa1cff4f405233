//! Start benchmark (a measurement, not a test): a phone holding 50,000
//! customers, 25,000 contacts and 25,000 activities (BENCH_START_CUSTOMERS
//! sets the customers, the rest follow), its service worker warm and its CPU
//! slowed 4× through the DevTools protocol, starts the app again: printed is
//! the time from navigation to the Today view drawn from the cache, beside
//! the same start of a phone holding nothing (the app's own start-up:
//! files from the service worker, compiling, opening IndexedDB), in the
//! same browser run. Run with `scripts/bench start`.

use serde_json::{json, Value};
use std::time::{Duration, Instant};
use uuid::Uuid;
use yingpan_tests::browser::Browser;
use yingpan_tests::{Api, PASSWORD};

/// The CPU slowdown, as DevTools' "4× slowdown" for a mid-range phone.
const CPU_SLOWDOWN: f64 = 4.0;
/// Starts measured per phone; the median is printed.
const STARTS: usize = 3;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Customers of `owner`, half with a contact and half with a call whose
/// follow-up is due today, so Today has work to show.
async fn seed(api: &Api, owner: Uuid, customers: usize) {
    let today = chrono::Utc::now().date_naive().to_string();
    let mut mutations: Vec<Value> = Vec::with_capacity(customers * 2);
    for i in 0..customers {
        let id = Uuid::now_v7();
        mutations.push(json!({"entity": "customer", "id": id, "op": "create",
            "fields": {"name": format!("华信{i}科技有限公司"), "region": "北京", "phone": format!("1380013{i:04}"), "owner_id": owner}}));
        if i % 2 == 0 {
            mutations.push(json!({"entity": "contact", "id": Uuid::now_v7(), "op": "create",
                "fields": {"customer_id": id, "name": "王芳", "title": "采购经理"}}));
        } else {
            mutations.push(json!({"entity": "activity", "id": Uuid::now_v7(), "op": "create",
                "fields": {"customer_id": id, "kind": "call", "content": "电话回访",
                           "at": "2026-11-01T08:00:00Z", "next_follow_up": today}}));
        }
    }
    api.push_all(mutations).await;
}

/// Signs in, waits for the first sync to finish and the service worker to
/// hold the app, then starts the app `STARTS` times with the CPU slowed;
/// returns the median milliseconds from navigation to Today drawn, and to
/// every record read into memory (every page ready).
async fn starts(browser: &Browser, username: &str) -> (f64, f64) {
    browser.login(username, PASSWORD).await;
    let deadline = Instant::now() + Duration::from_secs(900);
    while browser.texts("#sync-badge").await != ["Synced"] {
        assert!(Instant::now() < deadline, "the first sync never finished");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    browser.wait_for_service_worker().await;
    let cdp = browser.driver.cdp();
    // Notes when Today is first drawn with its lists (or "all clear").
    cdp.send_raw(
        "Page.addScriptToEvaluateOnNewDocument",
        json!({"source": "new MutationObserver((_, seen) => { \
            if (!window.__todayAt && document.querySelector('#today .card, #all-clear')) { \
                window.__todayAt = performance.now(); } \
            if (!window.__recordsAt && document.documentElement.dataset.records === 'ready') { \
                window.__recordsAt = performance.now(); } \
            if (window.__todayAt && window.__recordsAt) { seen.disconnect(); } \
        }).observe(document, {childList: true, subtree: true, attributes: true});"}),
    )
    .await
    .expect("observe Today");
    cdp.send_raw("Emulation.setCPUThrottlingRate", json!({"rate": CPU_SLOWDOWN}))
        .await
        .expect("slow the CPU");
    let (mut today, mut records) = (Vec::new(), Vec::new());
    for _ in 0..STARTS {
        browser.open("/").await;
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let at: Value = browser
                .driver
                .execute("return [window.__todayAt || null, window.__recordsAt || null];", vec![])
                .await
                .map(|r| r.json().clone())
                .unwrap_or(Value::Null);
            if let (Some(t), Some(r)) = (at[0].as_f64(), at[1].as_f64()) {
                today.push(t);
                records.push(r);
                break;
            }
            assert!(Instant::now() < deadline, "Today or the records never showed");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    cdp.send_raw("Emulation.setCPUThrottlingRate", json!({"rate": 1}))
        .await
        .expect("restore the CPU");
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    (median(today), median(records))
}

#[tokio::main]
async fn main() {
    let customers = env_or("BENCH_START_CUSTOMERS", 50_000);
    let server = yingpan_tests::app_server().await;
    let rep1 = server.login("rep1").await;
    let started = Instant::now();
    seed(&rep1, server.users.rep1.id.0, customers).await;
    eprintln!(
        "seeded {customers} customers in {:.0} s",
        started.elapsed().as_secs_f64()
    );

    // A phone holding nothing: rep2 has no customers.
    let empty = Browser::start(&server.url).await;
    let (baseline, baseline_records) = starts(&empty, "rep2").await;
    empty.quit().await;

    let full = Browser::start(&server.url).await;
    let (ms, records) = starts(&full, "rep1").await;
    let cached = full.cached_count("customer").await;
    full.quit().await;
    println!(
        "start with the CPU slowed {CPU_SLOWDOWN}×, service worker warm (median of {STARTS}): \
         Today drawn {ms:.0} ms after navigation holding {cached} customers, \
         beside {baseline:.0} ms holding nothing (the cache adds {:.0} ms); \
         every record in memory (every page ready) at {records:.0} ms, beside {baseline_records:.0} ms",
        ms - baseline
    );
}
