//! The money cycle through the real API on both backends: a quote accepted
//! and made into a contract, its receivable plan, deliveries, receipts
//! settled by the server, refunds and credit notes, and who may see and do
//! what.

use serde_json::{json, Value};
use uuid::Uuid;
use yingpan_shared::user::Role;
use yingpan_tests::{Api, TestServer};

yingpan_tests::on_both_backends!(
    the_whole_cycle_from_quote_to_refund,
    two_offline_receipts_never_over_settle_one_installment,
    each_role_sees_and_does_only_its_part_of_the_money,
    an_open_contract_keeps_its_customer_out_of_the_pool,
    a_quote_exports_as_a_real_workbook_only_to_those_who_see_it,
    products_import_from_a_spreadsheet_after_a_preview,
    with_approval_on_a_rep_submits_and_finance_signs,
    a_customer_with_money_is_never_merged_away,
    a_replayed_receipt_push_settles_nothing_twice,
);

fn create(entity: &str, id: Uuid, fields: Value) -> Value {
    json!({"seq": 1, "entity": entity, "id": id, "op": "create", "fields": fields})
}

fn update(entity: &str, id: Uuid, fields: Value) -> Value {
    json!({"seq": 1, "entity": entity, "id": id, "op": "update", "fields": fields})
}

async fn applied(api: &Api, mutation: Value) {
    let result = api.push_one(mutation).await;
    assert_eq!(result["status"], "applied", "{result}");
}

async fn refused(api: &Api, mutation: Value) -> String {
    let result = api.push_one(mutation).await;
    assert_eq!(result["status"], "rejected", "{result}");
    result["message"].as_str().unwrap_or_default().to_owned()
}

/// Every record of `entity` this user's device holds.
async fn held(api: &Api, entity: &str) -> Vec<Value> {
    let mut records: Vec<Value> = api
        .cache()
        .await
        .into_iter()
        .filter(|((kind, _), _)| kind == entity)
        .map(|(_, data)| data)
        .collect();
    records.sort_by_key(|r| (r["number"].as_u64(), r["id"].as_str().map(str::to_owned)));
    records
}

fn line(id: Uuid, quantity: i64, unit_fen: i64) -> Value {
    json!({"id": id, "description": "液压阀 HV-200", "quantity": quantity, "unit_fen": unit_fen, "tax_bp": 1300})
}

/// 30 % on signing, 30 % 30 days after delivery, the balance at the end
/// of the month after acceptance.
fn terms() -> Value {
    json!([
        {"share": {"kind": "percent", "basis_points": 3000}, "basis": "contract", "offset": {"kind": "days", "days": 0}},
        {"share": {"kind": "percent", "basis_points": 3000}, "basis": "delivery", "offset": {"kind": "days", "days": 30}},
        {"share": {"kind": "balance"}, "basis": "acceptance", "offset": {"kind": "end_of_month", "months": 1}},
    ])
}

fn today(server: &TestServer) -> String {
    // The company's calendar (UTC+8 by default).
    chrono::DateTime::from_timestamp_millis(server.now_ms() + 8 * 3_600_000)
        .unwrap()
        .date_naive()
        .to_string()
}

/// A signed contract for ¥100,000 (two lines) at a new customer of rep1's;
/// returns (customer, contract, line ids).
async fn signed_contract(server: &TestServer, rep: &Api) -> (Uuid, Uuid, [Uuid; 2]) {
    let customer = rep.create_customer(Some(server.users.rep1.id.0), "华信机械").await;
    let (contract, a, b) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    applied(
        rep,
        create(
            "contract",
            contract,
            json!({"customer_id": customer, "title": "年度供货", "status": "active", "signed_on": today(server),
                   "lines": [line(a, 4_000, 2_000_000), line(b, 1_000, 2_000_000)], "terms": terms()}),
        ),
    )
    .await;
    (customer, contract, [a, b])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_shows_money_in_every_state_on_sqlite() {
    the_demo_shows_money_in_every_state(yingpan_tests::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_shows_money_in_every_state_on_postgres() {
    the_demo_shows_money_in_every_state(yingpan_tests::Backend::Postgres).await;
}

async fn the_demo_shows_money_in_every_state(backend: yingpan_tests::Backend) {
    let Some(server) = TestServer::start_empty(backend).await else {
        return;
    };
    assert!(yingpan_server::demo::load_if_empty(server.store.as_ref())
        .await
        .unwrap());
    let finance = server.login_with("finance", yingpan_server::demo::PASSWORD).await;
    let cache = finance.cache().await;
    let of = |kind: &str| {
        cache
            .iter()
            .filter(|((k, _), _)| k == kind)
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>()
    };
    let statuses = |kind: &str| {
        let mut s: Vec<String> = of(kind)
            .iter()
            .map(|r| r["status"].as_str().unwrap_or("").to_owned())
            .collect();
        s.sort();
        s.dedup();
        s
    };
    assert_eq!(of("product").len(), 6);
    assert_eq!(
        statuses("quote"),
        ["accepted", "draft", "rejected", "sent", "superseded"]
    );
    let expired = of("quote")
        .into_iter()
        .any(|q| q["status"] == "sent" && q["valid_until"].as_str().is_some_and(|d| d < today(&server).as_str()));
    assert!(expired, "a sent quote past its validity");
    assert_eq!(statuses("contract"), ["active", "cancelled"]);
    assert!(of("delivery").len() >= 12);
    let receipts = of("receipt");
    assert!(
        receipts.iter().any(|r| r["confirmed"] == false),
        "one waits for finance"
    );
    assert!(!of("allocation").is_empty(), "confirmed receipts settled installments");
    assert_eq!(of("credit").len(), 1, "a refund");
    // Some installment is past due and still owed.
    let installments: Vec<yingpan_shared::money::receivable::Installment> = of("installment")
        .into_iter()
        .map(|v| serde_json::from_value(v).unwrap())
        .collect();
    let confirmed: Vec<yingpan_shared::money::receivable::Receipt> = receipts
        .into_iter()
        .map(|v| serde_json::from_value(v).unwrap())
        .filter(|r: &yingpan_shared::money::receivable::Receipt| r.confirmed)
        .collect();
    let allocations: Vec<yingpan_shared::money::receivable::Allocation> = of("allocation")
        .into_iter()
        .map(|v| serde_json::from_value(v).unwrap())
        .collect();
    let credits: Vec<yingpan_shared::money::receivable::Credit> = of("credit")
        .into_iter()
        .map(|v| serde_json::from_value(v).unwrap())
        .collect();
    let ledger = yingpan_shared::money::receivable::Ledger::new(&installments, &confirmed, &allocations, &credits);
    let today = chrono::Utc::now().date_naive();
    let states: std::collections::HashSet<_> = installments.iter().map(|i| ledger.status(i, today)).collect();
    use yingpan_shared::money::receivable::Status;
    assert!(states.contains(&Status::Overdue), "{states:?}");
    assert!(states.contains(&Status::Settled), "{states:?}");

    // Two suppliers: one partly paid and past due, one waiting for goods.
    let (status, suppliers) = finance.get("/api/payables").await;
    assert_eq!(status, 200, "{suppliers}");
    let owed: Vec<(i64, i64)> = suppliers
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["owed"][0]["owed"].as_i64().unwrap(),
                s["owed"][0]["overdue"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(owed.len(), 2);
    assert!(owed.iter().any(|(o, d)| *o > 0 && *d > 0), "{owed:?}");
    let (_, aging) = finance.get("/api/money/payables/aging").await;
    assert_eq!(
        aging["company"]["total"].as_i64().unwrap(),
        owed.iter().map(|(o, _)| o).sum::<i64>(),
        "the aging adds up to what is owed"
    );
}

async fn the_whole_cycle_from_quote_to_refund(server: TestServer) {
    let rep = server.login("rep1").await;
    server.add_user("cashier", Role::Finance).await;
    let finance = server.login("cashier").await;
    let customer = rep.create_customer(Some(server.users.rep1.id.0), "华信机械").await;

    // A quote, sent, then revised: the new version supersedes the old.
    let (v1, v2) = (Uuid::now_v7(), Uuid::now_v7());
    let quote = |id: Uuid, version: u32, supersedes: Option<Uuid>, unit: i64| {
        create(
            "quote",
            id,
            json!({"customer_id": customer, "status": "sent", "version": version, "supersedes": supersedes,
                   "date": today(&server), "lines": [line(Uuid::now_v7(), 5_000, unit)]}),
        )
    };
    applied(&rep, quote(v1, 1, None, 2_100_000)).await;
    assert!(refused(
        &rep,
        update(
            "quote",
            v1,
            json!({"notes": "x", "lines": [line(Uuid::now_v7(), 1_000, 1)]})
        )
    )
    .await
    .contains("revise"));
    applied(&rep, quote(v2, 2, Some(v1), 2_000_000)).await;
    let quotes = held(&rep, "quote").await;
    let status_of = |id: Uuid| quotes.iter().find(|q| q["id"] == json!(id)).unwrap()["status"].clone();
    assert_eq!((status_of(v1), status_of(v2)), (json!("superseded"), json!("sent")));

    // Not accepted yet: no contract from it.
    let contract = Uuid::now_v7();
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    let contract_fields = json!({"customer_id": customer, "title": "年度供货", "quote_id": v2, "status": "active",
        "signed_on": today(&server), "lines": [line(a, 4_000, 2_000_000), line(b, 1_000, 2_000_000)], "terms": terms()});
    assert!(refused(&rep, create("contract", contract, contract_fields.clone()))
        .await
        .contains("accepted"));
    applied(&rep, update("quote", v2, json!({"status": "accepted"}))).await;
    applied(&rep, create("contract", contract, contract_fields)).await;

    // Signing made the plan: ¥30,000 due today, the rest waiting.
    let plan = held(&rep, "installment").await;
    let fens: Vec<i64> = plan.iter().map(|i| i["fen"].as_i64().unwrap()).collect();
    assert_eq!(fens, [3_000_000, 3_000_000, 4_000_000]);
    assert_eq!(plan[0]["due"], json!(today(&server)));
    assert!(plan[1]["due"].is_null() && plan[2]["due"].is_null());

    // Deliveries from the contract's lines: partial, too much, the rest.
    let deliver = |lines: Value| {
        create(
            "delivery",
            Uuid::now_v7(),
            json!({"customer_id": customer, "contract_id": contract, "date": today(&server), "lines": lines}),
        )
    };
    applied(&rep, deliver(json!([{"line_id": a, "quantity": 2_000}]))).await;
    assert!(refused(&rep, deliver(json!([{"line_id": a, "quantity": 2_500}])))
        .await
        .contains("left to deliver"));
    applied(
        &rep,
        deliver(json!([{"line_id": a, "quantity": 2_000}, {"line_id": b, "quantity": 1_000}])),
    )
    .await;
    let plan = held(&rep, "installment").await;
    assert!(
        plan[1]["due"].is_string(),
        "delivered in full: the delivery installment is dated"
    );

    // The rep records a receipt at the customer's office: it waits.
    let receipt = Uuid::now_v7();
    applied(
        &rep,
        create(
            "receipt",
            receipt,
            json!({"customer_id": customer, "fen": 4_500_000, "date": today(&server), "method": "bank_transfer",
                   "payer": "华信机械财务部", "confirmed": true}),
        ),
    )
    .await;
    assert_eq!(
        held(&rep, "receipt").await[0]["confirmed"],
        false,
        "a rep cannot confirm"
    );
    assert!(held(&rep, "allocation").await.is_empty());
    assert!(refused(&rep, update("receipt", receipt, json!({"confirmed": true})))
        .await
        .contains("finance"));

    // Finance confirms it: it settles the first installment and half the
    // second, oldest due first.
    applied(&finance, update("receipt", receipt, json!({"confirmed": true}))).await;
    let allocations = held(&rep, "allocation").await;
    let mut settled: Vec<i64> = allocations.iter().map(|a| a["fen"].as_i64().unwrap()).collect();
    settled.sort();
    assert_eq!(settled, [1_500_000, 3_000_000]);

    // A second receipt overpays: what is left is an advance, refunded.
    let second = Uuid::now_v7();
    applied(
        &finance,
        create(
            "receipt",
            second,
            json!({"customer_id": customer, "fen": 6_000_000, "date": today(&server), "confirmed": true}),
        ),
    )
    .await;
    let refund = |fen: i64| {
        create(
            "credit",
            Uuid::now_v7(),
            json!({"customer_id": customer, "against": {"kind": "receipt", "id": second}, "fen": fen, "date": today(&server), "reason": "多付退回"}),
        )
    };
    assert!(refused(&finance, refund(500_001)).await.contains("left"));
    applied(&finance, refund(500_000)).await;
    let allocated: i64 = held(&finance, "allocation")
        .await
        .iter()
        .map(|a| a["fen"].as_i64().unwrap())
        .sum();
    assert_eq!(allocated, 10_000_000, "every installment settled, never more");
    let credits = held(&rep, "credit").await;
    assert_eq!(credits.len(), 1, "the rep sees the refund with the customer's money");

    // A confirmed receipt is fixed; undoing an allocation adds a reversal.
    assert!(refused(&finance, update("receipt", second, json!({"fen": 1})))
        .await
        .contains("fixed"));
    let first_row = allocations[0]["id"].as_str().unwrap().parse::<Uuid>().unwrap();
    let undo = Uuid::now_v7();
    let reversal = json!({"customer_id": customer, "receipt_id": allocations[0]["receipt_id"], "installment_id": allocations[0]["installment_id"], "fen": 1, "date": today(&server), "reverses": first_row});
    applied(&finance, create("allocation", undo, reversal.clone())).await;
    assert!(refused(&finance, create("allocation", Uuid::now_v7(), reversal))
        .await
        .contains("undone"));
    let rows = held(&finance, "allocation").await;
    let undone = rows.iter().find(|r| r["id"] == json!(undo)).unwrap();
    assert_eq!(undone["fen"].as_i64(), allocations[0]["fen"].as_i64().map(|f| -f));
}

async fn two_offline_receipts_never_over_settle_one_installment(server: TestServer) {
    let rep = server.login("rep1").await;
    server.add_user("cashier", Role::Finance).await;
    server.add_user("cashier2", Role::Finance).await;
    let (one, two) = (server.login("cashier").await, server.login("cashier2").await);
    let (customer, _, _) = signed_contract(&server, &rep).await;
    // Both saw ¥30,000 owed on the first installment and recorded it
    // offline; their pushes race.
    let receipt = |id: Uuid| {
        create(
            "receipt",
            id,
            json!({"customer_id": customer, "fen": 3_000_000, "date": today(&server), "confirmed": true}),
        )
    };
    let (r1, r2) = (Uuid::now_v7(), Uuid::now_v7());
    let (a, b) = tokio::join!(one.push_one(receipt(r1)), two.push_one(receipt(r2)));
    assert_eq!(
        (a["status"].as_str(), b["status"].as_str()),
        (Some("applied"), Some("applied"))
    );
    let plan = held(&rep, "installment").await;
    let rows = held(&rep, "allocation").await;
    for installment in &plan {
        let settled: i64 = rows
            .iter()
            .filter(|r| r["installment_id"] == installment["id"])
            .map(|r| r["fen"].as_i64().unwrap())
            .sum();
        assert!(
            settled <= installment["fen"].as_i64().unwrap(),
            "over-settled {installment}"
        );
    }
    let first = &plan[0];
    let on_first: i64 = rows
        .iter()
        .filter(|r| r["installment_id"] == first["id"])
        .map(|r| r["fen"].as_i64().unwrap())
        .sum();
    assert_eq!(on_first, 3_000_000, "settled exactly once");
    // The second waits as an advance: only the first installment is due,
    // the others have no date, and money goes to what is due first.
    let total: i64 = rows.iter().map(|r| r["fen"].as_i64().unwrap()).sum();
    assert!(total <= 6_000_000);
    // A hand allocation of more than the receipt has left is refused.
    let late = json!({"customer_id": customer, "receipt_id": r2, "installment_id": plan[2]["id"], "fen": 6_000_000, "date": today(&server)});
    assert!(!refused(&one, create("allocation", Uuid::now_v7(), late))
        .await
        .is_empty());
}

async fn each_role_sees_and_does_only_its_part_of_the_money(server: TestServer) {
    let rep = server.login("rep1").await;
    let other = server.login("outsider").await;
    let manager = server.login("manager").await;
    server.add_user("cashier", Role::Finance).await;
    let finance = server.login("cashier").await;
    let (customer, contract, _) = signed_contract(&server, &rep).await;

    // Products: finance and admins keep them; everyone sees them.
    let product = json!({"code": "HV-200", "name": "液压阀", "unit": "个", "list_fen": 2_000_000, "tax_bp": 1300});
    assert!(refused(&rep, create("product", Uuid::now_v7(), product.clone()))
        .await
        .contains("finance"));
    applied(&finance, create("product", Uuid::now_v7(), product)).await;
    assert_eq!(held(&other, "product").await.len(), 1);

    // Receivables and allocations are finance's.
    let plan = held(&rep, "installment").await;
    assert_eq!(plan.len(), 3);
    assert!(refused(
        &rep,
        update(
            "installment",
            plan[0]["id"].as_str().unwrap().parse().unwrap(),
            json!({"fen": 1})
        )
    )
    .await
    .contains("finance"));
    assert!(refused(&finance, create("quote", Uuid::now_v7(), json!({"customer_id": customer, "status": "draft", "date": today(&server), "lines": [line(Uuid::now_v7(), 1_000, 100)]})))
        .await
        .contains("finance"));
    // Finance cannot cut an installment below what it received.
    applied(
        &finance,
        create(
            "receipt",
            Uuid::now_v7(),
            json!({"customer_id": customer, "fen": 1_000_000, "date": today(&server), "confirmed": true}),
        ),
    )
    .await;
    let first: Uuid = plan[0]["id"].as_str().unwrap().parse().unwrap();
    assert!(refused(&finance, update("installment", first, json!({"fen": 500_000})))
        .await
        .contains("credit note"));
    applied(&finance, update("installment", first, json!({"due": "2027-01-31"}))).await;

    // Another team's rep sees none of it and cannot add to it.
    assert!(held(&other, "contract").await.is_empty());
    assert!(held(&other, "installment").await.is_empty());
    let intrusion = create(
        "receipt",
        Uuid::now_v7(),
        json!({"customer_id": customer, "fen": 1, "date": today(&server)}),
    );
    assert!(refused(&other, intrusion).await.contains("not yours"));
    assert!(refused(&other, update("contract", contract, json!({"title": "x"})))
        .await
        .contains("access"));

    // The manager sees the team's money; finance sees every customer's.
    assert_eq!(held(&manager, "contract").await.len(), 1);
    assert_eq!(held(&finance, "installment").await.len(), 3);
    // A signed contract's lines are fixed, even for its owner.
    let why = refused(
        &rep,
        update("contract", contract, json!({"lines": [line(Uuid::now_v7(), 1, 1)]})),
    )
    .await;
    assert!(why.contains("fixed"), "{why}");
}

async fn an_open_contract_keeps_its_customer_out_of_the_pool(server: TestServer) {
    let rep = server.login("rep1").await;
    let (customer, contract, _) = signed_contract(&server, &rep).await;
    let held_customer = |cache: Vec<Value>| cache.into_iter().find(|c| c["id"] == json!(customer)).unwrap();
    assert_eq!(held_customer(held(&rep, "customer").await)["open_contract"], true);
    server.advance_days(120);
    assert_eq!(
        yingpan_server::jobs::auto_return_once(&server.state).await.unwrap(),
        0,
        "neglected, but its contract is open"
    );
    let rep = server.login("rep1").await;
    assert!(
        refused(&rep, update("contract", contract, json!({"status": "cancelled"})))
            .await
            .contains("manager")
    );
    let manager = server.login("manager").await;
    applied(&manager, update("contract", contract, json!({"status": "cancelled"}))).await;
    assert_eq!(held_customer(held(&rep, "customer").await)["open_contract"], false);
    assert_eq!(yingpan_server::jobs::auto_return_once(&server.state).await.unwrap(), 1);
}

async fn a_quote_exports_as_a_real_workbook_only_to_those_who_see_it(server: TestServer) {
    use calamine::Reader as _;
    let rep = server.login("rep1").await;
    let customer = rep.create_customer(Some(server.users.rep1.id.0), "华信机械").await;
    let quote = Uuid::now_v7();
    applied(
        &rep,
        create(
            "quote",
            quote,
            json!({"customer_id": customer, "status": "sent", "date": today(&server),
                   "lines": [line(Uuid::now_v7(), 1_500, 823_078), line(Uuid::now_v7(), 2_000, 100_000)]}),
        ),
    )
    .await;
    let (status, kind, bytes) = rep.get_bytes(&format!("/api/money/quotes/{quote}/xlsx")).await;
    assert_eq!(status, 200);
    assert!(kind.contains("spreadsheetml"), "{kind}");
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).expect("a real XLSX file");
    let sheet = book.worksheet_range("报价单").expect("the quote's sheet");
    let cells: Vec<String> = sheet.cells().map(|(_, _, c)| c.to_string()).collect();
    assert!(cells.iter().any(|c| c == "华信机械"), "{cells:?}");
    assert!(cells.iter().any(|c| c == "液压阀 HV-200"));
    // 1.5 × ¥8,230.78 + 2 × ¥1,000 = ¥14,346.17, in capitals too.
    assert!(cells.iter().any(|c| c == "14346.17"), "{cells:?}");
    assert!(cells.iter().any(|c| c == "壹万肆仟叁佰肆拾陆元壹角柒分"), "{cells:?}");
    let other = server.login("outsider").await;
    let (status, _, _) = other.get_bytes(&format!("/api/money/quotes/{quote}/xlsx")).await;
    assert_eq!(status, 404, "another team's quote is not there for them");
}

async fn products_import_from_a_spreadsheet_after_a_preview(server: TestServer) {
    server.add_user("cashier", Role::Finance).await;
    let finance = server.login("cashier").await;
    let existing = Uuid::now_v7();
    applied(
        &finance,
        create(
            "product",
            existing,
            json!({"code": "HV-200", "name": "旧名称", "list_fen": 1}),
        ),
    )
    .await;
    let csv = "编码,名称,规格型号,单位,含税单价,税率\n\
               HV-200,液压阀,DN25,个,\"12,800\",13\n\
               PU-75,柱塞泵,7.5kW,台,36500.50,\n\
               SN-10,,,只,860,\n";
    let rep = server.login("rep1").await;
    let (status, _) = rep.post_bytes("/api/import/products", csv.as_bytes().to_vec()).await;
    assert_eq!(status, 403, "reps do not keep the catalogue");
    let (status, preview) = finance
        .post_bytes("/api/import/products", csv.as_bytes().to_vec())
        .await;
    assert_eq!(status, 200, "{preview}");
    let statuses: Vec<&str> = preview["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["update", "new", "invalid"]);
    assert_eq!(held(&finance, "product").await.len(), 1, "a preview changes nothing");
    let (status, done) = finance
        .post_bytes("/api/import/products?confirm=true", csv.as_bytes().to_vec())
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!((done["created"].as_u64(), done["updated"].as_u64()), (Some(1), Some(1)));
    let products = held(&rep, "product").await;
    assert_eq!(products.len(), 2);
    let valve = products.iter().find(|p| p["id"] == json!(existing)).unwrap();
    assert_eq!(
        (valve["name"].as_str(), valve["list_fen"].as_i64()),
        (Some("液压阀"), Some(1_280_000))
    );
}

async fn with_approval_on_a_rep_submits_and_finance_signs(server: TestServer) {
    let admin = server.login("admin").await;
    let (status, mut rules) = admin.get("/api/work/rules").await;
    assert_eq!(status, 200);
    rules["contracts_need_approval"] = json!(true);
    let (status, body) = admin.put("/api/work/rules", &rules).await;
    assert_eq!(status, 200, "{body}");
    let rep = server.login("rep1").await;
    server.add_user("cashier", Role::Finance).await;
    let finance = server.login("cashier").await;
    let customer = rep.create_customer(Some(server.users.rep1.id.0), "华信机械").await;
    let contract = Uuid::now_v7();
    let fields = |status: &str| {
        json!({"customer_id": customer, "title": "年度供货", "status": status, "signed_on": today(&server),
               "lines": [line(Uuid::now_v7(), 1_000, 1_000_000)], "terms": terms()})
    };
    assert!(refused(&rep, create("contract", contract, fields("active")))
        .await
        .contains("approves"));
    applied(&rep, create("contract", contract, fields("submitted"))).await;
    assert!(
        held(&rep, "installment").await.is_empty(),
        "nothing owed before it is signed"
    );
    assert!(refused(&rep, update("contract", contract, json!({"status": "active"})))
        .await
        .contains("approves"));
    assert!(refused(
        &finance,
        update("contract", contract, json!({"status": "active", "title": "改"}))
    )
    .await
    .contains("finance approves"));
    applied(&finance, update("contract", contract, json!({"status": "active"}))).await;
    assert_eq!(held(&rep, "installment").await.len(), 3, "signing made the plan");
}

async fn a_customer_with_money_is_never_merged_away(server: TestServer) {
    let rep = server.login("rep1").await;
    let (with_money, _, _) = signed_contract(&server, &rep).await;
    let other = rep
        .create_customer(Some(server.users.rep1.id.0), "华信机械（重复）")
        .await;
    let manager = server.login("manager").await;
    let (status, body) = manager
        .post(&format!("/api/customers/{other}/merge"), &json!({"merged": with_money}))
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("money"), "{body}");
    // The other way round keeps the book where it is.
    let (status, body) = manager
        .post(&format!("/api/customers/{with_money}/merge"), &json!({"merged": other}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(held(&rep, "installment").await.len(), 3);
}

async fn a_replayed_receipt_push_settles_nothing_twice(server: TestServer) {
    let rep = server.login("rep1").await;
    server.add_user("cashier", Role::Finance).await;
    let finance = server.login("cashier").await;
    let (customer, _, _) = signed_contract(&server, &rep).await;
    // A phone that lost the answer sends the same push again, and again
    // from a second connection at once.
    let body = json!({"client_id": Uuid::now_v7(), "mutations": [{
        "seq": 7, "entity": "receipt", "id": Uuid::now_v7(), "op": "create",
        "fields": {"customer_id": customer, "fen": 1_000_000, "date": today(&server), "confirmed": true}}]});
    let (first, again) = tokio::join!(
        finance.post("/api/sync/push", &body),
        finance.post("/api/sync/push", &body)
    );
    assert_eq!((first.0, again.0), (200, 200));
    assert_eq!(first.1["results"], again.1["results"], "the same answer");
    let (status, third) = finance.post("/api/sync/push", &body).await;
    assert_eq!((status, &third["results"]), (200, &first.1["results"]));
    let settled: i64 = held(&finance, "allocation")
        .await
        .iter()
        .map(|a| a["fen"].as_i64().unwrap())
        .sum();
    assert_eq!(settled, 1_000_000, "allocated once");
    assert_eq!(held(&finance, "receipt").await.len(), 1);
}
