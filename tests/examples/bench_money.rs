//! Money reports benchmark (a measurement, not a test): a company of
//! 10,000 customers with 100,000 installments, 300,000 confirmed receipts
//! and 300,000 allocations (sizes: BENCH_MONEY_INSTALLMENTS; receipts and
//! allocations are three times as many), written straight into the
//! database, then the p50/p95 of `GET /api/money/aging` and
//! `GET /api/money/forecast` as finance (the whole company, loopback round
//! trip with the JSON answer) on SQLite and PostgreSQL.
//!
//! Beside them, in the same run, the baseline: one read of the same
//! records from the database with their JSON parsed (the store's own
//! query), which is what every report would cost if it read them instead
//! of the server's view in memory; and the catch-up after a new receipt. Run with `scripts/bench money`.

use serde_json::json;
use std::time::{Duration, Instant};
use uuid::Uuid;
use yingpan_tests::{Backend, TestServer};

/// Rows per INSERT statement.
const CHUNK: usize = 2_000;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

/// A small deterministic generator, so every run loads the same book.
struct Dice(u64);

impl Dice {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

struct Rows {
    sql: Vec<String>,
    seq: i64,
    values: Vec<String>,
}

impl Rows {
    fn add(&mut self, entity: &str, id: Uuid, owner: Uuid, parent: Option<Uuid>, data: serde_json::Value) {
        self.seq += 1;
        let parent = parent.map_or("NULL".to_owned(), |p| format!("'{p}'"));
        let data = data.to_string().replace('\'', "''");
        self.values.push(format!(
            "('{entity}', '{id}', '{owner}', {parent}, '{data}', FALSE, {}, 0, '{owner}')",
            self.seq
        ));
        if self.values.len() == CHUNK {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if !self.values.is_empty() {
            self.sql.push(format!(
                "INSERT INTO records (entity, id, owner_id, parent_id, data, deleted, seq, updated_at, updated_by) VALUES {}",
                std::mem::take(&mut self.values).join(", ")
            ));
        }
    }
}

/// The statements that write the book: customers owned by the test's reps,
/// each with its installments (due over the last and the next year),
/// receipts and their allocations.
fn book(server: &TestServer, installments: usize) -> Vec<String> {
    let owners = [
        server.users.rep1.id.0,
        server.users.rep2.id.0,
        server.users.outsider.id.0,
    ];
    let customers = (installments / 10).max(1);
    let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let mut d = Dice(20261207);
    let mut rows = Rows {
        sql: Vec::new(),
        seq: 1_000_000,
        values: Vec::new(),
    };
    for c in 0..customers {
        let customer = Uuid::now_v7();
        let owner = owners[c % owners.len()];
        rows.add(
            "customer",
            customer,
            owner,
            None,
            json!({"id": customer, "name": format!("客户{c:05}有限公司"), "owner_id": owner}),
        );
        for n in 0..10 {
            let installment = Uuid::now_v7();
            let fen = 100_000 + d.next(5_000_000) as i64;
            let due = start + chrono::Duration::days(d.next(700) as i64);
            rows.add(
                "installment",
                installment,
                owner,
                Some(customer),
                json!({
                "id": installment, "customer_id": customer, "fen": fen, "due": due, "number": n + 1}),
            );
            // Three receipts toward it, each allocated to it in part.
            for _ in 0..3 {
                let receipt = Uuid::now_v7();
                let paid = fen / 4;
                let date = due + chrono::Duration::days(d.next(90) as i64 - 30);
                rows.add(
                    "receipt",
                    receipt,
                    owner,
                    Some(customer),
                    json!({
                    "id": receipt, "customer_id": customer, "fen": paid, "date": date, "confirmed": true}),
                );
                let allocation = Uuid::now_v7();
                rows.add(
                    "allocation",
                    allocation,
                    owner,
                    Some(customer),
                    json!({
                    "id": allocation, "customer_id": customer, "receipt_id": receipt, "installment_id": installment,
                    "fen": paid - d.next(2) as i64 * paid / 3, "date": date}),
                );
            }
        }
    }
    rows.flush();
    rows.sql.push(format!("UPDATE sync_state SET last_seq = {}", rows.seq));
    rows.sql
}

async fn timed<F: std::future::Future<Output = (u16, serde_json::Value)>>(
    rounds: usize,
    mut ask: impl FnMut() -> F,
) -> Vec<Duration> {
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        let (status, body) = ask().await;
        times.push(started.elapsed());
        assert_eq!(status, 200, "{body}");
    }
    times.sort();
    times
}

async fn run(backend: Backend, installments: usize) {
    let Some(server) = TestServer::start(backend).await else {
        println!("{backend:?}: PostgreSQL not reachable, skipped");
        return;
    };
    let started = Instant::now();
    for statement in book(&server, installments) {
        server.execute_sql(&statement).await.expect("writing the book");
    }
    println!(
        "{backend:?}: wrote {installments} installments, {} receipts and as many allocations in {:.1} s",
        installments * 3,
        started.elapsed().as_secs_f64()
    );
    server.add_user("cashier", yingpan_shared::user::Role::Finance).await;
    let finance = server.login("cashier").await;

    // The baseline: reading the records' JSON once, as a report without
    // the view would.
    let mut baseline = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let (mut after, mut read) = (0, 0);
        loop {
            let page = server
                .store
                .money_changes(after, 20_000)
                .await
                .expect("the baseline read");
            for change in &page {
                let _: serde_json::Value = serde_json::from_str(&change.data).expect("stored JSON");
                after = change.seq;
            }
            read += page.len();
            if page.len() < 20_000 {
                break;
            }
        }
        baseline.push(started.elapsed());
        assert!(read >= installments * 7);
    }
    baseline.sort();

    let started = Instant::now();
    let (status, _) = finance.get("/api/money/aging?as_of=2026-12-07").await;
    assert_eq!(status, 200);
    let first = started.elapsed();

    let aging = timed(40, || finance.get("/api/money/aging?as_of=2026-12-07")).await;
    let forecast = timed(40, || finance.get("/api/money/forecast?as_of=2026-12-07&months=12")).await;
    let (_, report) = finance.get("/api/money/aging?as_of=2026-12-07").await;
    let customers = report["customers"].as_array().map_or(0, Vec::len);

    // A receipt pushed, then the next report catches up with it.
    let customer = report["customers"][0]["whose"]["customer_id"].clone();
    let mut caught_up = Vec::new();
    for i in 0..10 {
        let result = finance
            .push_one(
                json!({"seq": i + 1, "entity": "receipt", "id": Uuid::now_v7(), "op": "create",
                             "fields": {"customer_id": customer, "fen": 100, "date": "2026-12-01", "confirmed": true}}),
            )
            .await;
        assert_eq!(result["status"], "applied", "{result}");
        let started = Instant::now();
        let (status, _) = finance.get("/api/money/aging?as_of=2026-12-07").await;
        caught_up.push(started.elapsed());
        assert_eq!(status, 200);
    }
    caught_up.sort();

    let base = percentile(&baseline, 0.5);
    println!(
        "{backend:?}: baseline, reading and parsing the money records once: {base:.0} ms; first report after start (reads them all): {:.0} ms",
        first.as_secs_f64() * 1000.0
    );
    for (what, times) in [
        ("aging", &aging),
        ("forecast (12 months)", &forecast),
        ("aging after a new receipt", &caught_up),
    ] {
        println!(
            "{backend:?}: {what} over {customers} customers: p50 {:.0} ms, p95 {:.0} ms ({:.2} of the baseline)",
            percentile(times, 0.5),
            percentile(times, 0.95),
            percentile(times, 0.95) / base
        );
    }
}

/// Payables: `suppliers` suppliers, each with ten purchases (30 % on
/// signing, the balance 60 days after the goods) and ten payments settling
/// the oldest first, written through the store; then the payables' aging
/// as finance asks for it, beside the store's read of every book it makes.
async fn payables(backend: Backend, suppliers: usize) {
    use yingpan_shared::money::payable::{PayableBook, Payment, Purchase, Supplier};
    use yingpan_shared::money::terms::{DateBasis, Offset, Share, TermLine};
    let Some(server) = TestServer::start(backend).await else {
        return;
    };
    let finance_user = server.add_user("cashier", yingpan_shared::user::Role::Finance).await;
    let day = |n: u64| chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new(n);
    let terms = vec![
        TermLine {
            share: Share::Percent { basis_points: 3000 },
            basis: DateBasis::Contract,
            offset: Offset::Days { days: 0 },
        },
        TermLine {
            share: Share::Balance,
            basis: DateBasis::Delivery,
            offset: Offset::Days { days: 60 },
        },
    ];
    let started = Instant::now();
    for n in 0..suppliers {
        let supplier = Supplier {
            id: Uuid::now_v7(),
            name: format!("供应商 {n:05}"),
            active: true,
            ..Supplier::default()
        };
        let mut book = PayableBook {
            supplier: supplier.clone(),
            ..PayableBook::default()
        };
        let mut write = yingpan_shared::money::payable::PayableWrite::default();
        for p in 0..10u64 {
            let purchase = Purchase {
                id: Uuid::now_v7(),
                supplier_id: supplier.id,
                number: format!("CG-{n}-{p}"),
                title: "原材料".into(),
                currency: Default::default(),
                fen: 1_000_000 + (n as i64 % 7) * 10_000,
                signed_on: day(p * 30),
                terms: terms.clone(),
                received_on: Some(day(p * 30 + 10)),
                notes: String::new(),
                by: None,
            };
            let signed = book.sign(purchase, Uuid::now_v7).expect("a purchase");
            book.apply(&signed);
            write.purchases.extend(signed.purchases);
            write.installments.extend(signed.installments);
            let payment = Payment {
                id: Uuid::now_v7(),
                supplier_id: supplier.id,
                currency: Default::default(),
                fen: 800_000,
                date: day(p * 30 + 20),
                method: Default::default(),
                reference: String::new(),
                notes: String::new(),
                by: None,
            };
            let paid = book.pay(payment, None, Uuid::now_v7).expect("a payment");
            book.apply(&paid);
            write.payments.extend(paid.payments);
            write.allocations.extend(paid.allocations);
        }
        server
            .store
            .write_payables(&supplier, None, &write, finance_user.id, 0)
            .await
            .expect("writing a book");
    }
    let rows = suppliers * (10 + 20 + 10) + suppliers * 10 * 2;
    println!(
        "{backend:?}: wrote {suppliers} suppliers' payables (about {rows} records) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let finance = server.login("cashier").await;
    let mut baseline = Vec::new();
    for _ in 0..10 {
        let started = Instant::now();
        let books = server.store.payable_books().await.expect("the books");
        baseline.push(started.elapsed());
        assert_eq!(books.len(), suppliers);
    }
    baseline.sort();
    let aging = timed(20, || finance.get("/api/money/payables/aging?as_of=2026-12-07")).await;
    let base = percentile(&baseline, 0.5);
    println!(
        "{backend:?}: payables' aging over {suppliers} suppliers: p50 {:.0} ms, p95 {:.0} ms; baseline, the store reading every book: {base:.0} ms ({:.2} of it)",
        percentile(&aging, 0.5),
        percentile(&aging, 0.95),
        percentile(&aging, 0.95) / base
    );
}

#[tokio::main]
async fn main() {
    if let Some(suppliers) = std::env::var("BENCH_PAYABLE_SUPPLIERS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        payables(Backend::Sqlite, suppliers).await;
        payables(Backend::Postgres, suppliers).await;
        return;
    }
    let n = std::env::var("BENCH_MONEY_INSTALLMENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    run(Backend::Sqlite, n).await;
    run(Backend::Postgres, n).await;
}
