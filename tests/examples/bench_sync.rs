//! Sync benchmark (a measurement, not a test). Prints, for SQLite and for
//! PostgreSQL (when reachable): push throughput over HTTP on loopback beside
//! the raw insert rate of the same rows, incremental pull latency, a full
//! pull of 50,000 customers with 100,000 contacts, and push latency with 500
//! and with 2,000 reps syncing at once (`BENCH_REPS=500,2000`). Run with
//! `scripts/bench sync`.

use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;
use yingpan_server::auth;
use yingpan_shared::ids::UserId;
use yingpan_shared::user::{Role, User};
use yingpan_tests::{Api, Backend, TestServer};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// A company name like a real one: four Chinese characters, spread over
/// 3,000 as if at random, and a legal form. Two such names rarely share a
/// character pair, so the duplicate check finds no candidates to compare,
/// as for real names. (A name of 32 hex digits gave the duplicate index
/// ~35 pairs to keep per customer where a real name gives three.)
fn company_name() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    // An odd multiplier mixes the counter bijectively over 64 bits.
    let mut n = NEXT.fetch_add(1, Ordering::Relaxed).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut core = String::new();
    for _ in 0..4 {
        core.push(char::from_u32(0x4E00 + (n % 3000) as u32).unwrap_or('客'));
        n /= 3000;
    }
    format!("{core}科技有限公司")
}

/// A customer unlike any other (so no duplicate flags enter the figures).
fn customer(seq: usize, id: Uuid, owner: UserId) -> Value {
    json!({"seq": seq, "entity": "customer", "id": id, "op": "create",
           "fields": {"name": company_name(), "phone": format!("010-{:08}", id.as_u128() % 100_000_000),
                      "region": "北京", "owner_id": owner}})
}

async fn push(api: &Api, client: Uuid, mutations: Vec<Value>) {
    let (status, body) = api
        .post("/api/sync/push", &json!({"client_id": client, "mutations": mutations}))
        .await;
    assert_eq!(status, 200, "{body}");
}

/// Applied mutations per second, 4 clients pushing batches of 100, spread
/// over `servers` (all on one database).
async fn push_throughput(servers: &[&TestServer], total: usize) -> f64 {
    let clients = 4;
    let server = servers[0];
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let api = servers[c % servers.len()].login("rep1").await;
        let owner = server.users.rep1.id;
        tasks.push(tokio::spawn(async move {
            let client = Uuid::now_v7();
            for b in 0..total / clients / 100 {
                let batch = (0..100)
                    .map(|i| customer(b * 100 + i + 1, Uuid::now_v7(), owner))
                    .collect();
                push(&api, client, batch).await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    total as f64 / started.elapsed().as_secs_f64()
}

/// Rows per second inserted straight into the same table, same shape, in
/// transactions of 100 (removed again afterwards).
async fn raw_insert_rate(server: &TestServer, total: usize) -> f64 {
    let data = customer(1, Uuid::now_v7(), server.users.rep1.id)["fields"].to_string();
    let sql = "INSERT INTO records (entity, id, owner_id, parent_id, data, deleted, seq, updated_at, updated_by) \
               VALUES ('bench', $1, $2, NULL, $3, FALSE, $4, 0, $2)";
    let owner = server.users.rep1.id.to_string();
    let sqlite = !server.database_url.starts_with("postgres");
    let url = if sqlite {
        format!("sqlite://{}", server.database_url)
    } else {
        server.database_url.clone()
    };
    sqlx::any::install_default_drivers();
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .unwrap();
    if sqlite {
        // The same durability the server runs with.
        sqlx::query("PRAGMA synchronous = FULL").execute(&pool).await.unwrap();
    }
    let started = Instant::now();
    for b in 0..total / 100 {
        let mut tx = pool.begin().await.unwrap();
        for i in 0..100 {
            let seq = 1_000_000_000_000i64 + (b * 100 + i) as i64;
            sqlx::query(sql)
                .bind(Uuid::now_v7().to_string())
                .bind(&owner)
                .bind(&data)
                .bind(seq)
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
    }
    let rate = total as f64 / started.elapsed().as_secs_f64();
    sqlx::query("DELETE FROM records WHERE entity = 'bench'")
        .execute(&pool)
        .await
        .unwrap();
    rate
}

/// p50/p95 of a pull after one small change by someone else.
async fn incremental_pull(server: &TestServer, rounds: usize) -> (f64, f64) {
    let reader = server.login("rep1").await;
    let writer = server.login("manager").await;
    let (_, first) = reader.get("/api/sync/pull?since=0&limit=1").await;
    let mut cursor = first["cursor"].as_i64().unwrap();
    // Catch up first: the bench measures steady state, not the backlog.
    loop {
        let (_, page) = reader.get(&format!("/api/sync/pull?since={cursor}")).await;
        cursor = page["cursor"].as_i64().unwrap();
        if !page["has_more"].as_bool().unwrap() {
            break;
        }
    }
    let client = Uuid::now_v7();
    let mut times = Vec::new();
    for r in 0..rounds {
        let id = Uuid::now_v7();
        push(&writer, client, vec![customer(r + 1, id, server.users.rep1.id)]).await;
        let started = Instant::now();
        let (status, page) = reader.get(&format!("/api/sync/pull?since={cursor}")).await;
        times.push(started.elapsed());
        assert_eq!(status, 200);
        // The new customer, and now and then a duplicate flag under it
        // (a random name can contain another's short core).
        let changes = page["changes"].as_array().unwrap();
        assert!(changes.iter().any(|c| c["id"] == json!(id)), "{page}");
        cursor = page["cursor"].as_i64().unwrap();
    }
    times.sort();
    (percentile(&times, 0.5), percentile(&times, 0.95))
}

/// Loads `customers` customers with two contacts each for rep2, then times
/// rep2's pull of everything from scratch.
async fn full_pull(server: &TestServer, customers: usize) -> (f64, usize) {
    let admin = server.login("admin").await;
    let owner = server.users.rep2.id;
    let client = Uuid::now_v7();
    let mut seq = 0;
    let mut batch = Vec::new();
    for _ in 0..customers {
        let id = Uuid::now_v7();
        seq += 1;
        batch.push(customer(seq, id, owner));
        for c in 0..2 {
            seq += 1;
            batch.push(
                json!({"seq": seq, "entity": "contact", "id": Uuid::now_v7(), "op": "create",
                              "fields": {"customer_id": id, "name": format!("联系人{c}"), "phone": "13800138000"}}),
            );
        }
        if batch.len() >= 498 {
            push(&admin, client, std::mem::take(&mut batch)).await;
        }
    }
    push(&admin, client, batch).await;
    let reader = server.login("rep2").await;
    let started = Instant::now();
    let (mut since, mut records) = (0, 0);
    loop {
        let (_, page) = reader.get(&format!("/api/sync/pull?since={since}&limit=1000")).await;
        records += page["changes"].as_array().unwrap().len();
        since = page["cursor"].as_i64().unwrap();
        if !page["has_more"].as_bool().unwrap() {
            break;
        }
    }
    (started.elapsed().as_secs_f64(), records)
}

/// What became of the requests of a crowd of reps.
#[derive(Default)]
struct Crowd {
    /// Time from a push's first try to its 200, retries after 503 included.
    pushes: Vec<Duration>,
    answered: usize,
    sent_away: usize,
    errors: usize,
}

/// Sends one request, honouring "busy, come back in N s" (503 with
/// Retry-After) as the app does; counts every answer in `crowd`. The
/// answer's body when it is a 200.
async fn patiently(crowd: &tokio::sync::Mutex<Crowd>, send: impl Fn() -> reqwest::RequestBuilder) -> Option<Value> {
    loop {
        let res = match send().send().await {
            Ok(res) => res,
            Err(_) => {
                crowd.lock().await.errors += 1;
                return None;
            }
        };
        let status = res.status().as_u16();
        match status {
            200 => {
                crowd.lock().await.answered += 1;
                return res.json().await.ok();
            }
            503 => {
                let secs: u64 = res
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok()?.parse().ok())
                    .unwrap_or(5);
                crowd.lock().await.sent_away += 1;
                // The app spreads its return over up to twice the wait.
                let spread = rand::random::<f64>() + 1.0;
                tokio::time::sleep(Duration::from_secs_f64(secs as f64 * spread)).await;
            }
            _ => {
                crowd.lock().await.errors += 1;
                return None;
            }
        }
    }
}

/// `reps` reps at once, each pushing `pushes` batches of 5 new customers
/// and pulling what is new between pushes.
async fn concurrent_reps(server: &TestServer, reps: usize, pushes: usize) -> Crowd {
    let hash = auth::hash_password("bench").unwrap();
    let team = server.users.rep1.team_id;
    let mut apis = Vec::new();
    for i in 0..reps {
        let user = User {
            id: UserId(Uuid::now_v7()),
            username: format!("bench{}", Uuid::now_v7().simple()),
            display_name: format!("压测{i}"),
            role: Role::Rep,
            team_id: team,
            active: true,
        };
        server.store.create_user(&user, &hash).await.unwrap();
        let (token, token_hash) = auth::new_token();
        server
            .store
            .create_session(&token_hash, user.id, "bench", 0, i64::MAX)
            .await
            .unwrap();
        apis.push((user.id, token));
    }
    let crowd = Arc::new(tokio::sync::Mutex::new(Crowd::default()));
    let mut tasks = Vec::new();
    for (owner, token) in apis {
        let crowd = crowd.clone();
        let (http, base) = (server.http.clone(), server.url.clone());
        tasks.push(tokio::spawn(async move {
            let client = Uuid::now_v7();
            // A new rep's phone: the first pull brings the pool and the
            // rep's (still empty) book.
            let mut cursor = 0i64;
            for p in 0..pushes {
                let batch: Vec<Value> = (0..5).map(|i| customer(p * 5 + i + 1, Uuid::now_v7(), owner)).collect();
                let body = json!({"client_id": client, "mutations": batch});
                let started = Instant::now();
                let push = || {
                    http.post(format!("{base}/api/sync/push"))
                        .bearer_auth(&token)
                        .json(&body)
                };
                if patiently(&crowd, push).await.is_some() {
                    crowd.lock().await.pushes.push(started.elapsed());
                }
                let since = cursor;
                let pull = || {
                    http.get(format!("{base}/api/sync/pull?since={since}"))
                        .bearer_auth(&token)
                };
                if let Some(page) = patiently(&crowd, pull).await {
                    cursor = page["cursor"].as_i64().unwrap_or(cursor);
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let mut crowd = std::mem::take(&mut *crowd.lock().await);
    crowd.pushes.sort();
    crowd
}

#[tokio::main]
async fn main() {
    let total = env_or("BENCH_PUSH_MUTATIONS", 20_000);
    let customers = env_or("BENCH_CUSTOMERS", 50_000);
    let crowds: Vec<usize> = std::env::var("BENCH_REPS")
        .unwrap_or_else(|_| "500,2000".into())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(server) = TestServer::start(backend).await else {
            println!("{backend:?}: not reachable, skipped");
            continue;
        };
        println!("== {backend:?}");
        let pushed = push_throughput(&[&server], total).await;
        let raw = raw_insert_rate(&server, total).await;
        println!(
            "push: {pushed:.0} applied mutations/s (batches of 100 over HTTP); raw insert {raw:.0} rows/s; ratio {:.2}",
            pushed / raw
        );
        if backend == Backend::Postgres {
            // Several stateless servers on one PostgreSQL, clients spread
            // over them, against the same raw insert.
            let (second, third) = (server.another_server().await, server.another_server().await);
            let spread = push_throughput(&[&server, &second, &third], total).await;
            println!(
                "push over 3 servers on one database: {spread:.0} applied mutations/s in total; ratio {:.2}",
                spread / raw
            );
        }
        let (p50, p95) = incremental_pull(&server, 300).await;
        println!("incremental pull (1 new change, round trip on loopback): p50 {p50:.2} ms, p95 {p95:.2} ms");
        let (secs, records) = full_pull(&server, customers).await;
        println!(
            "full pull from scratch: {records} records ({customers} customers + {} contacts) in {secs:.2} s",
            customers * 2
        );
        for &reps in &crowds {
            let crowd = concurrent_reps(&server, reps, 4).await;
            let (p50, p99) = match crowd.pushes.is_empty() {
                true => (f64::NAN, f64::NAN),
                false => (percentile(&crowd.pushes, 0.5), percentile(&crowd.pushes, 0.99)),
            };
            println!(
                "{reps} reps at once (4 pushes of 5, a pull after each): push p50 {p50:.1} ms, p99 {p99:.1} ms; \
                 {} answered, {} sent away (503, retried), {} errors",
                crowd.answered, crowd.sent_away, crowd.errors
            );
        }
    }
}
