//! The customer search over a 50,000-customer cache, in the browser:
//! `scripts/bench search` runs it and prints the figures. Measures; never
//! fails on timing.

use super::*;
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};
use yingpan_shared::search::Query;
use yingpan_shared::sync::Change;

wasm_bindgen_test_configure!(run_in_browser);

const CUSTOMERS: usize = 50_000;
/// One contact for every this many customers.
const CUSTOMERS_PER_CONTACT: usize = 2;
/// Records per pulled page, as the server sends them.
const PAGE: usize = 1000;
/// Typed in full, keystroke by keystroke, each prefix a search.
const TYPED: [&str; 12] = [
    "bjhx",
    "华信",
    "huaxin",
    "138",
    "北京 科技",
    "szby",
    "zhangwei",
    "深圳博远",
    "hxkj",
    "上海 贸易",
    "lina",
    "0755",
];
const ROUNDS: usize = 5;

const REGIONS: [&str; 16] = [
    "北京", "上海", "广州", "深圳", "杭州", "南京", "苏州", "成都", "武汉", "西安", "天津", "重庆", "青岛", "厦门",
    "长沙", "郑州",
];
const TRADES: [&str; 12] = [
    "科技",
    "机械",
    "电子",
    "贸易",
    "医疗器械",
    "建材",
    "物流",
    "食品",
    "信息技术",
    "新能源",
    "化工",
    "文化传媒",
];
const SUFFIXES: [&str; 5] = ["有限公司", "有限公司", "股份有限公司", "集团有限公司", "有限责任公司"];
const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗";
const GIVEN: &str = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚华";
const SYLLABLES: &str = "华信恒达鼎盛博远瑞丰金桥天成宏图卓越嘉禾永泰中联新元海纳东方锦程同创启航万通长风润德兴业光明";

/// A small deterministic generator, so every run loads the same cache.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    fn pick(&mut self, chars: &str) -> char {
        let all: Vec<char> = chars.chars().collect();
        all[self.below(all.len())]
    }
}

use crate::device::steady_ms as now;

fn change(entity: EntityKind, seq: usize, data: serde_json::Value) -> Change {
    Change {
        entity,
        id: data["id"].as_str().unwrap().parse().unwrap(),
        seq: seq as i64,
        data: data.as_object().cloned(),
    }
}

/// Customers such as 北京华信科技有限公司 or 瑞丰新能源（成都）股份有限公司,
/// with mobile or landline phones, and their contacts.
fn generate() -> Vec<Change> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut changes = Vec::new();
    for i in 0..CUSTOMERS {
        let id = crate::ids::new_id();
        let region = REGIONS[rng.below(REGIONS.len())];
        let core = format!(
            "{}{}{}",
            rng.pick(SYLLABLES),
            rng.pick(SYLLABLES),
            TRADES[rng.below(TRADES.len())]
        );
        let suffix = SUFFIXES[rng.below(SUFFIXES.len())];
        let name = match rng.below(10) {
            0 => format!("{core}（{region}）{suffix}"),
            1 => format!("{core}{suffix}"),
            _ => format!("{region}{core}{suffix}"),
        };
        let phone = match rng.below(3) {
            0 => format!("0{}-{:08}", 10 + rng.below(890), rng.below(100_000_000)),
            _ => format!(
                "1{}{} {:04} {:04}",
                3 + rng.below(7),
                rng.below(10),
                rng.below(10_000),
                rng.below(10_000)
            ),
        };
        let industry = TRADES[rng.below(TRADES.len())];
        let data = serde_json::json!({"id": id, "name": name, "owner_id": uuid::Uuid::nil(),
                                      "phone": phone, "region": region, "industry": industry});
        changes.push(change(EntityKind::Customer, changes.len() + 1, data));
        if i % CUSTOMERS_PER_CONTACT == 0 {
            let name = format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN));
            let data = serde_json::json!({"id": crate::ids::new_id(), "customer_id": id, "name": name,
                                          "title": "采购经理", "phone": format!("139{:08}", rng.below(100_000_000))});
            changes.push(change(EntityKind::Contact, changes.len() + 1, data));
        }
    }
    changes
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[wasm_bindgen_test]
async fn customer_search_over_50000_cached_customers() {
    let db = LocalDb::open(&format!("bench-{}", crate::ids::new_id())).await.unwrap();
    let changes = generate();

    let started = now();
    for page in changes.chunks(PAGE) {
        db.apply_pull(page, page.last().unwrap().seq).await.unwrap();
    }
    let write_ms = now() - started;
    let started = now();
    let (customers, contacts) = read(&db).await;
    let read_ms = now() - started;
    let started = now();
    let cached = CachedCustomers::index(customers, &contacts);
    let index_ms = now() - started;

    let mut times = Vec::new();
    let mut found = Vec::new();
    for _ in 0..ROUNDS {
        for word in TYPED {
            let typed: Vec<char> = word.chars().collect();
            for n in 1..=typed.len() {
                let text: String = typed[..n].iter().collect();
                let started = now();
                let hits = cached.search.find(&Query::parse(&text)).len();
                times.push(now() - started);
                if n == typed.len() {
                    found.push(format!("{word}: {hits}"));
                }
            }
        }
    }
    assert!(
        !cached.search.find(&Query::parse("bjhx")).is_empty(),
        "the bench finds what it types"
    );
    times.sort_by(f64::total_cmp);
    found.truncate(TYPED.len());
    console_log!(
        "customer search over {} cached customers and {} contacts: cache load {:.0} ms written (pages of {PAGE}), {:.0} ms read back, {:.0} ms indexed; \
         per keystroke p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms ({} keystrokes; found {})",
        cached.customers.len(),
        contacts.len(),
        write_ms,
        read_ms,
        index_ms,
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        times.last().unwrap(),
        times.len(),
        found.join(", ")
    );
    db.delete().await.unwrap();
}
