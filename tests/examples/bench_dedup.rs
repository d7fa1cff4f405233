//! Duplicate-check benchmark (a measurement, not a test): loads 100,000
//! customers with realistic Chinese company names and prints the p50/p95
//! time of `GET /api/duplicates` (loopback round trip) for variants of
//! existing names, short forms and new names, on SQLite and PostgreSQL.
//! Run with `scripts/bench dedup`; size with BENCH_DEDUP_CUSTOMERS.

use serde_json::{json, Value};
use std::time::{Duration, Instant};
use uuid::Uuid;
use yingpan_tests::{Api, Backend, TestServer};

const REGIONS: [&str; 12] = [
    "北京", "上海", "广州", "深圳", "杭州", "南京", "苏州", "成都", "武汉", "西安", "天津", "宁波",
];
const SYLLABLES: [&str; 40] = [
    "华", "信", "恒", "达", "鼎", "盛", "博", "远", "瑞", "丰", "金", "桥", "天", "成", "宏", "图", "卓", "越", "嘉",
    "禾", "永", "泰", "中", "联", "新", "元", "海", "纳", "东", "方", "锦", "程", "同", "创", "启", "航", "万", "通",
    "长", "风",
];
const TRADES: [&str; 8] = ["科技", "机械", "电子", "贸易", "医疗器械", "建材", "物流", "食品"];
const SUFFIXES: [&str; 3] = ["有限公司", "股份有限公司", "有限责任公司"];

/// A small deterministic generator, so every run loads the same names.
struct Dice(u64);

impl Dice {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

fn company(d: &mut Dice) -> (String, String, String) {
    let region = REGIONS[d.next(REGIONS.len())];
    let brand = format!("{}{}", SYLLABLES[d.next(40)], SYLLABLES[d.next(40)]);
    let trade = TRADES[d.next(TRADES.len())];
    (region.into(), format!("{brand}{trade}"), SUFFIXES[d.next(3)].into())
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

async fn seed(api: &Api, owner: Uuid, n: usize, d: &mut Dice) -> Vec<(String, String)> {
    let client = Uuid::now_v7();
    let mut names = Vec::with_capacity(n);
    let mut batch = Vec::new();
    for i in 0..n {
        let (region, core, suffix) = company(d);
        batch.push(
            json!({"seq": i + 1, "entity": "customer", "id": Uuid::now_v7(), "op": "create",
                          "fields": {"name": format!("{region}{core}{suffix}"), "owner_id": owner,
                                     "phone": format!("0{}-{:08}", 10 + d.next(90), d.next(100_000_000))}}),
        );
        names.push((region, core));
        if batch.len() == 500 || i + 1 == n {
            let body = json!({"client_id": client, "mutations": std::mem::take(&mut batch)});
            let (status, answer) = api.post("/api/sync/push", &body).await;
            assert_eq!(status, 200, "{answer}");
        }
    }
    names
}

async fn run(backend: Backend, n: usize) {
    let Some(server) = TestServer::start(backend).await else {
        println!("{backend:?}: PostgreSQL not reachable, skipped");
        return;
    };
    let rep = server.login("rep1").await;
    let mut d = Dice(20261123);
    let started = Instant::now();
    let names = seed(&rep, server.users.rep1.id.0, n, &mut d).await;
    println!(
        "{backend:?}: loaded {n} customers in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let other = server.login("rep2").await;
    let mut times = Vec::new();
    let mut hits = 0;
    for i in 0..1000 {
        let (region, core) = &names[d.next(names.len())];
        let typed = match i % 4 {
            0 => format!("{core}（{region}）有限公司"),
            1 => core.clone(),
            2 => format!("{region}{}", &core[..core.len() / 2]),
            _ => company(&mut d).1 + "发展",
        };
        let url = reqwest::Url::parse_with_params("http://x/api/duplicates", [("name", typed.as_str())]).unwrap();
        let started = Instant::now();
        let (status, found): (u16, Value) = other.get(&format!("/api/duplicates?{}", url.query().unwrap())).await;
        times.push(started.elapsed());
        assert_eq!(status, 200, "{found}");
        hits += usize::from(!found.as_array().unwrap().is_empty());
    }
    times.sort();
    println!(
        "{backend:?}: duplicate check over {n} customers: p50 {:.1} ms, p95 {:.1} ms ({hits} of 1000 checks found candidates)",
        percentile(&times, 0.5),
        percentile(&times, 0.95)
    );
}

#[tokio::main]
async fn main() {
    let n = std::env::var("BENCH_DEDUP_CUSTOMERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    run(Backend::Sqlite, n).await;
    run(Backend::Postgres, n).await;
}
