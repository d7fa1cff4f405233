//! Departure benchmark (a measurement, not a test). A rep with 10,000
//! customers and 50,000 activities leaves; the manager spreads the book over
//! two reps. Prints, for SQLite and PostgreSQL (when reachable): the server
//! time of the handover (the HTTP call, one transaction), how long the old
//! rep's device takes to learn it must drop everything, and how long each new
//! owner's device takes to pull what it received. Run with
//! `scripts/bench handover`; sizes with BENCH_BOOK and BENCH_ACTIVITIES.

use serde_json::{json, Value};
use std::time::Instant;
use uuid::Uuid;
use yingpan_tests::{Api, Backend, TestServer};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Pulls from `since` to the head; returns the new cursor and how many
/// changes came.
async fn pull_to_head(api: &Api, mut since: i64) -> (i64, usize) {
    let mut received = 0;
    loop {
        let (status, page) = api.get(&format!("/api/sync/pull?since={since}")).await;
        assert_eq!(status, 200, "{page}");
        received += page["changes"].as_array().unwrap().len();
        since = page["cursor"].as_i64().unwrap();
        if !page["has_more"].as_bool().unwrap() {
            return (since, received);
        }
    }
}

async fn seed(api: &Api, owner: Uuid, customers: usize, activities: usize) {
    let mut mutations: Vec<Value> = Vec::with_capacity(customers + activities);
    let ids: Vec<Uuid> = (0..customers).map(|_| Uuid::now_v7()).collect();
    for (i, id) in ids.iter().enumerate() {
        mutations.push(json!({"entity": "customer", "id": id, "op": "create",
            "fields": {"name": format!("交接客户{i}有限公司"), "region": "上海", "owner_id": owner}}));
    }
    for i in 0..activities {
        mutations.push(json!({"entity": "activity", "id": Uuid::now_v7(), "op": "create",
            "fields": {"customer_id": ids[i % customers], "kind": "call", "content": "电话回访",
                       "at": "2026-11-01T08:00:00Z"}}));
    }
    api.push_all(mutations).await;
}

async fn run(backend: Backend, customers: usize, activities: usize) {
    let Some(server) = TestServer::start(backend).await else {
        println!("{backend:?}: PostgreSQL not reachable, skipped");
        return;
    };
    let rep3 = server.add_rep("rep3").await;
    let (rep1, rep2, rep3_api) = (
        server.login("rep1").await,
        server.login("rep2").await,
        server.login("rep3").await,
    );
    let started = Instant::now();
    seed(&rep1, server.users.rep1.id.0, customers, activities).await;
    println!(
        "{backend:?}: seeded {customers} customers + {activities} activities in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let (old_cursor, held) = pull_to_head(&rep1, 0).await;
    let (cursor2, _) = pull_to_head(&rep2, 0).await;
    let (cursor3, _) = pull_to_head(&rep3_api, 0).await;

    let manager = server.login("manager").await;
    let body = json!({"mode": "spread", "to": [server.users.rep2.id, rep3.id], "confirm": true});
    let started = Instant::now();
    let (status, plan) = manager
        .post(&format!("/api/users/{}/departure", server.users.rep1.id), &body)
        .await;
    let handover = started.elapsed();
    assert_eq!(status, 200, "{plan}");
    assert_eq!(plan["customers"].as_u64(), Some(customers as u64));

    let started = Instant::now();
    let (status, answer) = rep1.get(&format!("/api/sync/pull?since={old_cursor}")).await;
    let told = started.elapsed();
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (401, Some("account_closed"))
    );

    let started = Instant::now();
    let ((_, got2), (_, got3)) = tokio::join!(pull_to_head(&rep2, cursor2), pull_to_head(&rep3_api, cursor3));
    let received = started.elapsed();
    println!(
        "{backend:?}: handover of {} records ({customers} customers) in {:.0} ms server time",
        plan["records"],
        handover.as_secs_f64() * 1000.0
    );
    println!(
        "{backend:?}: old rep's device (held {held}) told to drop everything in {:.1} ms",
        told.as_secs_f64() * 1000.0
    );
    println!(
        "{backend:?}: new owners pulled {got2} + {got3} changes (customers, activities, history) in {:.0} ms",
        received.as_secs_f64() * 1000.0
    );
}

#[tokio::main]
async fn main() {
    let customers = env_or("BENCH_BOOK", 10_000);
    let activities = env_or("BENCH_ACTIVITIES", 50_000);
    if std::env::var_os("BENCH_PG_ONLY").is_none() {
        run(Backend::Sqlite, customers, activities).await;
    }
    run(Backend::Postgres, customers, activities).await;
}
