//! Payables (应付) through the real API on both backends: a supplier, a
//! purchase and its plan, goods received, payments settling the oldest
//! first, undo, the payables' aging and workbook, payments in the
//! statistics; who may keep them; replays, reused ids, stale edits, and
//! two cashiers on two servers paying at once.

use serde_json::{json, Value};
use uuid::Uuid;
use yingpan_shared::user::Role;
use yingpan_tests::{Api, TestServer};

yingpan_tests::on_both_backends!(
    finance_signs_pays_and_ages_a_purchase,
    only_finance_and_admins_keep_the_payables,
    a_request_sent_twice_records_once_and_a_reused_id_is_refused,
    a_stale_edit_is_refused_and_an_undone_allocation_frees_the_money_once,
    two_cashiers_on_two_servers_never_settle_one_installment_twice,
    bad_payables_are_refused_with_a_reason,
);

async fn cashier(server: &TestServer) -> Api {
    server.add_user("cashier", Role::Finance).await;
    server.login("cashier").await
}

async fn new_supplier(finance: &Api, name: &str) -> Uuid {
    let id = Uuid::now_v7();
    let (status, body) = finance
        .post(
            "/api/payables",
            &json!({"supplier": {"id": id, "name": name, "contact": "王经理", "phone": "0574-8888 1234"}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    id
}

/// ¥10,000: 30 % on signing (1 March 2026), the balance 60 days after the
/// goods arrive.
fn purchase(id: Uuid) -> Value {
    json!({"id": id, "number": "P-2026-001", "title": "阀体毛坯", "fen": 1_000_000, "signed_on": "2026-03-01",
    "terms": [
        {"share": {"kind": "percent", "basis_points": 3000}, "basis": "contract", "offset": {"kind": "days", "days": 0}},
        {"share": {"kind": "balance"}, "basis": "delivery", "offset": {"kind": "days", "days": 60}},
    ]})
}

async fn signed(finance: &Api, supplier: Uuid) -> (Uuid, Value) {
    let id = Uuid::now_v7();
    let (status, book) = finance
        .post(&format!("/api/payables/{supplier}/purchases"), &purchase(id))
        .await;
    assert_eq!(status, 200, "{book}");
    (id, book)
}

fn payment(fen: i64, date: &str) -> Value {
    json!({"id": Uuid::now_v7(), "fen": fen, "date": date, "method": "bank_transfer", "reference": "HX-88"})
}

fn owed(book: &Value) -> (i64, i64) {
    let cny = &book["owed"][0];
    (cny["owed"].as_i64().unwrap(), cny["advance"].as_i64().unwrap())
}

async fn finance_signs_pays_and_ages_a_purchase(server: TestServer) {
    let finance = cashier(&server).await;
    let supplier = new_supplier(&finance, "宁波精密铸件厂").await;
    let (purchase, book) = signed(&finance, supplier).await;
    let plan: Vec<(i64, Value)> = book["installments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["installment"]["fen"].as_i64().unwrap(),
                l["installment"]["due"].clone(),
            )
        })
        .collect();
    assert_eq!(plan, [(300_000, json!("2026-03-01")), (700_000, Value::Null)]);

    let (status, book) = finance
        .post(
            &format!("/api/payables/{supplier}/purchases/{purchase}/received"),
            &json!({"date": "2026-04-10"}),
        )
        .await;
    assert_eq!(status, 200, "{book}");
    assert_eq!(book["installments"][1]["installment"]["due"], "2026-06-09");

    // ¥1,000 paid on 20 March settles the signing installment's first part.
    let (status, book) = finance
        .post(
            &format!("/api/payables/{supplier}/payments"),
            &payment(100_000, "2026-03-20"),
        )
        .await;
    assert_eq!(status, 200, "{book}");
    assert_eq!(owed(&book), (900_000, 0));
    assert_eq!(book["installments"][0]["outstanding"], 200_000);

    // On 1 July: ¥2,000 is 122 days late (91–180), ¥7,000 22 days (1–30).
    let (status, aging) = finance.get("/api/money/payables/aging?as_of=2026-07-01").await;
    assert_eq!(status, 200, "{aging}");
    let line = &aging["customers"][0];
    assert_eq!(line["whose"]["name"], "宁波精密铸件厂");
    assert_eq!(line["row"]["buckets"], json!([0, 700_000, 0, 0, 200_000, 0]));
    assert_eq!(line["row"]["oldest_days"], 122);
    assert_eq!(aging["company"]["total"], 900_000);
    assert_eq!(aging["concentration"][0]["customer_id"], json!(supplier));
    // As of a day before the payment, it is not counted yet: the
    // signing installment is 18 days late, the balance not yet due.
    let (_, before) = finance.get("/api/money/payables/aging?as_of=2026-03-19").await;
    assert_eq!(
        before["customers"][0]["row"]["buckets"],
        json!([700_000, 300_000, 0, 0, 0, 0])
    );
    assert_eq!(before["customers"][0]["row"]["received_after"], 100_000);

    let (status, kind, bytes) = finance
        .get_bytes("/api/money/payables/aging/xlsx?as_of=2026-07-01")
        .await;
    assert_eq!(status, 200);
    assert!(kind.contains("spreadsheetml"), "{kind}");
    assert!(bytes.starts_with(b"PK"), "an XLSX file is a zip");

    // Paying more than is owed keeps the rest as an advance.
    let (_, book) = finance
        .post(
            &format!("/api/payables/{supplier}/payments"),
            &payment(1_000_000, "2026-07-02"),
        )
        .await;
    assert_eq!(owed(&book), (0, 100_000));

    let (status, stats) = finance.get("/api/money/stats?year=2026").await;
    assert_eq!(status, 200, "{stats}");
    assert_eq!(stats["months"][2]["paid"], 100_000);
    assert_eq!(stats["months"][6]["paid"], 1_000_000);
    assert_eq!(stats["total"]["paid"], 1_100_000);
    assert_eq!(stats["paid_by_method"], json!([["bank_transfer", 1_100_000]]));
    assert_eq!(stats["total"]["received"], 0, "payments are not receipts");

    let (status, list) = finance.get("/api/payables").await;
    assert_eq!(status, 200);
    assert_eq!(list[0]["supplier"]["id"], json!(supplier));
    assert_eq!(list[0]["owed"][0]["advance"], 100_000);
}

async fn only_finance_and_admins_keep_the_payables(server: TestServer) {
    let finance = cashier(&server).await;
    let supplier = new_supplier(&finance, "华东五金").await;
    let admin = server.login("admin").await;
    assert_eq!(admin.get(&format!("/api/payables/{supplier}")).await.0, 200);
    for who in ["rep1", "manager"] {
        let api = server.login(who).await;
        for path in [
            "/api/payables".to_owned(),
            format!("/api/payables/{supplier}"),
            "/api/money/payables/aging".to_owned(),
        ] {
            let (status, body) = api.get(&path).await;
            assert_eq!(status, 403, "{who} {path}: {body}");
            assert_eq!(body["error"]["message"], "only finance or an admin keeps the payables");
        }
        let (status, _) = api
            .post(
                &format!("/api/payables/{supplier}/payments"),
                &payment(100, "2026-03-01"),
            )
            .await;
        assert_eq!(status, 403, "{who} may not pay");
        // A manager's statistics leave the payments out.
        let (_, stats) = api.get("/api/money/stats?year=2026").await;
        assert!(stats["paid_by_method"].as_array().is_none_or(|m| m.is_empty()));
    }
    let anonymous = Api {
        token: "nobody".into(),
        ..finance.clone()
    };
    assert_eq!(anonymous.get("/api/payables").await.0, 401);
}

async fn a_request_sent_twice_records_once_and_a_reused_id_is_refused(server: TestServer) {
    let finance = cashier(&server).await;
    let supplier = Uuid::now_v7();
    let body = json!({"supplier": {"id": supplier, "name": "苏州电机"}});
    assert_eq!(finance.post("/api/payables", &body).await.0, 200);
    assert_eq!(
        finance.post("/api/payables", &body).await.0,
        200,
        "the same supplier again"
    );
    let (status, answer) = finance
        .post(
            "/api/payables",
            &json!({"supplier": {"id": supplier, "name": "别的厂"}}),
        )
        .await;
    assert_eq!(status, 409, "{answer}");

    let (purchase_id, _) = signed(&finance, supplier).await;
    let (status, book) = finance
        .post(&format!("/api/payables/{supplier}/purchases"), &purchase(purchase_id))
        .await;
    assert_eq!(status, 200, "the same purchase again: {book}");
    assert_eq!(book["purchases"].as_array().unwrap().len(), 1);
    assert_eq!(book["installments"].as_array().unwrap().len(), 2, "its plan made once");

    let paid = payment(250_000, "2026-03-02");
    let path = format!("/api/payables/{supplier}/payments");
    assert_eq!(finance.post(&path, &paid).await.0, 200);
    let (status, book) = finance.post(&path, &paid).await;
    assert_eq!(status, 200);
    assert_eq!(book["payments"].as_array().unwrap().len(), 1, "one payment, not two");
    assert_eq!(owed(&book).0, 750_000);
    for (field, value) in [
        ("fen", json!(1)),
        ("reference", json!("另一笔")),
        ("method", json!("cash")),
    ] {
        let mut changed = paid.clone();
        changed[field] = value;
        assert_eq!(
            finance.post(&path, &changed).await.0,
            409,
            "a different {field} under a used id"
        );
    }
    let mut later = purchase(purchase_id);
    later["signed_on"] = json!("2026-03-02");
    let (status, _) = finance
        .post(&format!("/api/payables/{supplier}/purchases"), &later)
        .await;
    assert_eq!(status, 409, "a different purchase under a used id");

    // An id already used at another supplier is refused, and nothing of
    // the payment is kept.
    let other = new_supplier(&finance, "无锡轴承").await;
    let (status, answer) = finance.post(&format!("/api/payables/{other}/payments"), &paid).await;
    assert_eq!(status, 409, "{answer}");
    let (_, theirs) = finance.get(&format!("/api/payables/{other}")).await;
    assert_eq!(theirs["payments"], json!([]));
}

async fn a_stale_edit_is_refused_and_an_undone_allocation_frees_the_money_once(server: TestServer) {
    let finance = cashier(&server).await;
    let admin = server.login("admin").await;
    let supplier = new_supplier(&finance, "常州包装").await;
    let (_, book) = finance.get(&format!("/api/payables/{supplier}")).await;
    let version = book["version"].clone();
    let mut first = book["supplier"].clone();
    first["phone"] = json!("0519-1111 2222");
    let (status, _) = admin
        .post("/api/payables", &json!({"supplier": first, "version": version}))
        .await;
    assert_eq!(status, 200);
    let mut second = book["supplier"].clone();
    second["bank"] = json!("工行 6222");
    let (status, answer) = finance
        .post("/api/payables", &json!({"supplier": second, "version": version}))
        .await;
    assert_eq!(status, 409, "a stale edit would undo the first: {answer}");
    let (_, now) = finance.get(&format!("/api/payables/{supplier}")).await;
    assert_eq!(now["supplier"]["phone"], "0519-1111 2222", "the first edit is kept");

    signed(&finance, supplier).await;
    let (_, book) = finance
        .post(
            &format!("/api/payables/{supplier}/payments"),
            &payment(300_000, "2026-03-05"),
        )
        .await;
    let allocation = book["allocations"][0]["id"].as_str().unwrap().to_owned();
    let payment_id = book["payments"][0]["payment"]["id"].as_str().unwrap().to_owned();
    let undo = format!("/api/payables/{supplier}/allocations/{allocation}/undo");
    let (status, book) = finance.post(&undo, &json!({})).await;
    assert_eq!(status, 200, "{book}");
    assert_eq!(owed(&book), (1_000_000, 300_000));
    assert_eq!(book["payments"][0]["unallocated"], 300_000);
    let (status, answer) = admin.post(&undo, &json!({})).await;
    assert_eq!(status, 422, "undone once only: {answer}");
    assert_eq!(
        book["allocations"].as_array().unwrap().len(),
        2,
        "a reversing row, nothing deleted"
    );

    let (status, book) = finance
        .post(
            &format!("/api/payables/{supplier}/payments/{payment_id}/allocate"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{book}");
    assert_eq!(owed(&book), (700_000, 0));
}

async fn two_cashiers_on_two_servers_never_settle_one_installment_twice(server: TestServer) {
    let other = server.another_server().await;
    let here = cashier(&server).await;
    let there = other.login("cashier").await;
    let supplier = new_supplier(&here, "杭州液压").await;
    let (_, book) = signed(&here, supplier).await;
    let first = book["installments"][0]["installment"]["id"].clone();
    // Both settle the whole signing installment, chosen by hand, at once.
    let path = format!("/api/payables/{supplier}/payments");
    let by_hand = |fen: i64| {
        let mut p = payment(fen, "2026-03-02");
        p["allocations"] = json!([{"installment": first, "fen": 300_000}]);
        p
    };
    let (one, two) = (by_hand(300_000), by_hand(300_000));
    let (a, b) = tokio::join!(here.post(&path, &one), there.post(&path, &two));
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(
        statuses,
        [200, 422],
        "one settles it, the other is told it is settled: {a:?} {b:?}"
    );

    // Oldest first, many at once from both servers: every fen of every
    // payment is either settling an installment or an advance, and
    // nothing is settled twice.
    let payments: Vec<(u16, Value)> = futures::future::join_all((0..6).map(|i| {
        let api = if i % 2 == 0 { &here } else { &there };
        let path = path.clone();
        async move { api.post(&path, &payment(200_000, "2026-03-03")).await }
    }))
    .await;
    for (status, body) in &payments {
        assert!(*status == 200 || *status == 409, "{status} {body}");
    }
    let recorded = payments.iter().filter(|(s, _)| *s == 200).count() as i64;
    let (_, book) = here.get(&format!("/api/payables/{supplier}")).await;
    let settled: i64 = book["allocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["fen"].as_i64().unwrap())
        .sum();
    let paid: i64 = book["payments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["payment"]["fen"].as_i64().unwrap())
        .sum();
    assert_eq!(paid, 300_000 + recorded * 200_000);
    let (owes, advance) = owed(&book);
    assert_eq!(settled + owes, 1_000_000, "the plan is settled or owed, never both");
    assert_eq!(settled + advance, paid, "every payment settles or waits");
    assert!(owes == 0 || advance == 0);
}

async fn bad_payables_are_refused_with_a_reason(server: TestServer) {
    let finance = cashier(&server).await;
    let supplier = new_supplier(&finance, "温州阀门").await;
    let (purchase, _) = signed(&finance, supplier).await;
    let cases: Vec<(String, Value, u16)> = vec![
        (
            "/api/payables".into(),
            json!({"supplier": {"id": Uuid::now_v7(), "name": "  "}}),
            422,
        ),
        (
            "/api/payables".into(),
            json!({"supplier": {"id": Uuid::nil(), "name": "零"}}),
            422,
        ),
        (
            format!("/api/payables/{supplier}/payments"),
            payment(-5, "2026-03-01"),
            422,
        ),
        (
            format!("/api/payables/{supplier}/payments"),
            payment(0, "2026-03-01"),
            422,
        ),
        (
            format!("/api/payables/{supplier}/payments"),
            json!({"id": Uuid::now_v7(), "fen": 100, "date": "2026-02-30"}),
            422,
        ),
        (
            format!("/api/payables/{supplier}/purchases"),
            json!({"id": Uuid::now_v7(), "title": "x", "fen": 100, "signed_on": "2026-03-01", "terms": []}),
            422,
        ),
        (
            format!("/api/payables/{supplier}/purchases/{purchase}/received"),
            json!({"date": "2026-01-01"}),
            422,
        ),
        (
            format!("/api/payables/{}/payments", Uuid::now_v7()),
            payment(100, "2026-03-01"),
            404,
        ),
        (
            "/api/payables/not-an-id/payments".to_owned(),
            payment(100, "2026-03-01"),
            400,
        ),
        (
            format!("/api/payables/{supplier}/purchases/{}/received", Uuid::now_v7()),
            json!({"date": "2026-04-01"}),
            404,
        ),
    ];
    for (path, body, want) in cases {
        let (status, answer) = finance.post(&path, &body).await;
        assert_eq!(status, want, "{path} {body}: {answer}");
        assert!(
            answer["error"]["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{answer}"
        );
    }
    let (status, answer) = finance
        .post_bytes(&format!("/api/payables/{supplier}/payments"), b"{not json".to_vec())
        .await;
    assert!((400..500).contains(&status), "{status} {answer}");
    let (status, _) = finance.get("/api/money/payables/aging?as_of=soon").await;
    assert_eq!(status, 400);
}
