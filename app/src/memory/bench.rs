//! The first sync and the customer search over a 50,000-customer cache, in
//! the browser: `scripts/bench search` runs it in the shipped build profile
//! and prints the figures. Measures; never fails on timing.
//!
//! Every figure stands beside a baseline from the same run: the first sync
//! beside plain JavaScript writing the same records to IndexedDB.

use super::*;
use crate::db::LocalDb;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};
use yingpan_shared::search::Query;
use yingpan_shared::sync::{Change, PullResponse};

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

/// The changes as the server sends them: pages of JSON text.
fn pages(changes: &[Change]) -> Vec<String> {
    let chunks: Vec<&[Change]> = changes.chunks(PAGE).collect();
    chunks
        .iter()
        .enumerate()
        .map(|(i, page)| {
            serde_json::to_string(&PullResponse {
                changes: page.to_vec(),
                cursor: page.last().unwrap().seq,
                has_more: i + 1 < chunks.len(),
                reset: false,
                total: (i == 0).then_some(changes.len() as u64),
            })
            .unwrap()
        })
        .collect()
}

/// The baseline: plain JavaScript parsing the same pages and writing their
/// records to a fresh IndexedDB in one transaction, as a hand-written app
/// would. Returns milliseconds.
async fn plain_javascript_write(pages: &[String]) -> f64 {
    let write = js_sys::Function::new_with_args(
        "name, pages",
        r#"
        return new Promise((resolve, reject) => {
            const open = indexedDB.open(name, 1);
            open.onupgradeneeded = () => {
                open.result.createObjectStore("customer", { keyPath: "id" });
                open.result.createObjectStore("contact", { keyPath: "id" });
            };
            open.onerror = () => reject(open.error);
            open.onsuccess = () => {
                const db = open.result;
                const started = performance.now();
                const tx = db.transaction(["customer", "contact"], "readwrite");
                const stores = { customer: tx.objectStore("customer"), contact: tx.objectStore("contact") };
                for (const text of pages) {
                    for (const change of JSON.parse(text).changes) {
                        stores[change.entity].put(change.data);
                    }
                }
                tx.oncomplete = () => {
                    const ms = performance.now() - started;
                    db.close();
                    indexedDB.deleteDatabase(name);
                    resolve(ms);
                };
                tx.onerror = () => reject(tx.error);
            };
        });
        "#,
    );
    let texts = js_sys::Array::new();
    for p in pages {
        texts.push(&JsValue::from_str(p));
    }
    let name = JsValue::from_str(&format!("baseline-{}", crate::ids::new_id()));
    let promise = write.call2(&JsValue::NULL, &name, &texts).unwrap();
    JsFuture::from(promise.dyn_into::<js_sys::Promise>().unwrap())
        .await
        .unwrap()
        .as_f64()
        .unwrap()
}

/// Yingpan's first sync of the same pages: parsed, written to IndexedDB
/// with their cursors, decoded into memory. Returns milliseconds.
async fn yingpan_write(db: &LocalDb, memory: &mut Memory, pages: &[String]) -> f64 {
    let started = now();
    for text in pages {
        let page = crate::sync::parse_page(text).ok().unwrap();
        let (updates, generation) = crate::sync::store_page(db, &page, text).await.unwrap();
        memory.apply_at(generation, updates);
    }
    now() - started
}

#[wasm_bindgen_test]
async fn first_sync_and_customer_search_over_50000_cached_customers() {
    let changes = generate();
    let pages = pages(&changes);

    // Each side twice, alternating, so neither gets a warmer browser.
    let mut baseline = Vec::new();
    let mut ours = Vec::new();
    let mut db = None;
    let mut memory = Memory::default();
    for round in 0..2 {
        baseline.push(plain_javascript_write(&pages).await);
        let fresh = LocalDb::open(&format!("bench-{}", crate::ids::new_id())).await.unwrap();
        let mut fresh_memory = Memory::default();
        ours.push(yingpan_write(&fresh, &mut fresh_memory, &pages).await);
        if round == 0 {
            fresh.delete().await.unwrap();
        } else {
            db = Some(fresh);
            memory = fresh_memory;
        }
    }
    let db = db.unwrap();
    let best = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    let (baseline_ms, ours_ms) = (best(&baseline), best(&ours));

    // A start: everything read back from IndexedDB into memory.
    let started = now();
    let mut loaded = Memory::load(&db).await.unwrap();
    let load_ms = now() - started;
    assert_eq!(loaded.customers.len(), memory.customers.len());
    let started = now();
    while loaded.index_some(500) > 0 {}
    let index_ms = now() - started;
    assert_eq!(loaded.search.len(), memory.search.len());

    // One change arriving by sync: a customer renamed, to the updated
    // Customers list and Today view.
    let renamed = {
        let mut c = changes[0].clone();
        let data = c.data.as_mut().unwrap();
        data.insert("name".into(), "杭州恒达机械有限公司".into());
        c.seq = changes.len() as i64 + 1;
        c
    };
    let one = serde_json::to_string(&PullResponse {
        changes: vec![renamed],
        cursor: changes.len() as i64 + 1,
        has_more: false,
        reset: false,
        total: None,
    })
    .unwrap();
    let started = now();
    let page = crate::sync::parse_page(&one).ok().unwrap();
    let (updates, generation) = crate::sync::store_page(&db, &page, &one).await.unwrap();
    memory.apply_at(generation, updates);
    let listed = memory.search.find(&Query::All, 30).hits.len();
    let today = crate::pages::today::today_of(
        &memory,
        &Default::default(),
        Some(yingpan_shared::ids::UserId(uuid::Uuid::nil())),
    );
    let change_ms = now() - started;
    assert_eq!(listed, 30);
    assert!(
        !memory.search.find(&Query::parse("hzhd"), 30).hits.is_empty(),
        "the renamed customer is found by its new name"
    );

    let mut times = Vec::new();
    let mut found = Vec::new();
    for _ in 0..ROUNDS {
        for word in TYPED {
            let typed: Vec<char> = word.chars().collect();
            for n in 1..=typed.len() {
                let text: String = typed[..n].iter().collect();
                let started = now();
                let hits = memory.search.find(&Query::parse(&text), 30);
                times.push(now() - started);
                if n == typed.len() {
                    found.push(format!(
                        "{word}: {}{}",
                        hits.hits.len(),
                        if hits.more { "+" } else { "" }
                    ));
                }
            }
        }
    }
    times.sort_by(f64::total_cmp);
    found.truncate(TYPED.len());
    console_log!(
        "customer search over {} cached customers and {} contacts: first sync {:.0} ms (pages of {PAGE}, parsed, written, in memory) \
         beside plain JavaScript writing the same records {:.0} ms: ratio {:.2}; start (read into memory) {:.0} ms, then search keys made in the background {:.0} ms; \
         one change pulled to updated list and Today view {:.1} ms ({} due today); \
         per keystroke (30 rows at most) p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms ({} keystrokes; found {})",
        memory.customers.len(),
        memory.contacts.len(),
        ours_ms,
        baseline_ms,
        ours_ms / baseline_ms,
        load_ms,
        index_ms,
        change_ms,
        today.today.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        times.last().unwrap(),
        times.len(),
        found.join(", ")
    );
    db.delete().await.unwrap();
}
