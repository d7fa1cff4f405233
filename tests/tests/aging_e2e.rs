//! End-to-end, money part 2: a rep sees the receivable past due on Today,
//! prints the customer's statement offline at the smallest phone size, and
//! makes a dunning letter there; finance
//! opens the aging and drills into a bucket; the letter is resolved once
//! the customer pays.

use serde_json::json;
use uuid::Uuid;
use yingpan_shared::user::Role;
use yingpan_tests::browser::Browser;
use yingpan_tests::PASSWORD;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_printed_offline_aging_drilled_and_a_letter_resolved() {
    let server = yingpan_tests::app_server().await;
    let rep1 = server.login("rep1").await;
    let customer = rep1
        .create_customer(Some(server.users.rep1.id.0), "苏州恒达机械有限公司")
        .await;
    server.add_user("cashier", Role::Finance).await;
    let finance = server.login("cashier").await;
    // Signed 40 days ago: ¥30,000 fell due then; ¥70,000 waits for delivery.
    let today = chrono::Utc::now().date_naive();
    let signed = today - chrono::Duration::days(40);
    let push = |api: &yingpan_tests::Api, entity: &str, fields: serde_json::Value| {
        let api = api.clone();
        let mutation = json!({"seq": 1, "entity": entity, "id": Uuid::now_v7(), "op": "create", "fields": fields});
        async move {
            let result = api.push_one(mutation).await;
            assert_eq!(result["status"], "applied", "{result}");
        }
    };
    push(
        &rep1,
        "contract",
        json!({"customer_id": customer, "title": "年度供货", "number": "HT-2026-018", "status": "active", "signed_on": signed,
               "lines": [{"id": Uuid::now_v7(), "description": "液压阀", "quantity": 5_000, "unit_fen": 2_000_000}],
               "terms": [
                   {"share": {"kind": "percent", "basis_points": 3000}, "basis": "contract", "offset": {"kind": "days", "days": 0}},
                   {"share": {"kind": "balance"}, "basis": "delivery", "offset": {"kind": "days", "days": 30}}]}),
    )
    .await;
    push(
        &finance,
        "receipt",
        json!({"customer_id": customer, "fen": 1_000_000, "date": signed, "confirmed": true}),
    )
    .await;

    // The rep, offline at the customer's office, prints the statement.
    let phone = Browser::start_sized(&server.url, 360, 800).await;
    phone.login("rep1", PASSWORD).await;
    // Today lists the receivable past due, with what is owed.
    phone.open("/").await;
    phone
        .wait_contains("#money-overdue", "苏州恒达机械有限公司 · ¥20,000")
        .await;
    phone.wait_contains("#money-overdue", "40").await;
    phone.open(&format!("/customers/{customer}")).await;
    phone.wait_text("#balance .overdue", "¥20,000").await;
    phone.set_offline(true).await;
    phone.click("#print-statement").await;
    phone.wait_frame_contains("#print-sheet", "对账单").await;
    phone.wait_frame_contains("#print-sheet", "苏州恒达机械有限公司").await;
    phone.wait_frame_contains("#print-sheet", "HT-2026-018").await;
    // Owed ¥90,000, of it ¥20,000 past due; in capitals.
    phone.wait_frame_contains("#print-sheet", "¥90,000").await;
    phone.wait_frame_contains("#print-sheet", "玖万元整").await;
    phone.wait_frame_contains("#print-sheet", "预计付款计划").await;
    assert_eq!(phone.overflow_x().await, 0, "the statement at 360 px");
    let shots = yingpan_tests::workspace_root().join("target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    phone
        .driver
        .screenshot(&shots.join("statement-print-360.png"))
        .await
        .expect("screenshot");
    phone.click("#print-now").await;
    phone.click(".print-toolbar .back").await;

    // Still offline, the first dunning level is due: the letter lists the
    // ¥20,000 past due.
    phone.wait_contains("#make-letter", "付款提醒").await;
    phone.click("#make-letter").await;
    phone.wait_frame_contains("#print-sheet", "付款提醒").await;
    phone.wait_frame_contains("#print-sheet", "贰万元整").await;
    phone.click(".print-toolbar .back").await;
    phone.wait_contains(".letter-row .status", "Awaiting payment").await;
    phone.set_offline(false).await;
    phone.click("#sync-badge").await;
    phone.wait_text("#sync-badge", "Synced").await;
    let letters: Vec<serde_json::Value> = rep1
        .cache()
        .await
        .into_iter()
        .filter(|((kind, _), _)| kind == "dunning")
        .map(|(_, l)| l)
        .collect();
    assert_eq!(letters.len(), 1, "the letter reached the server");
    assert_eq!(letters[0]["level"], 0);

    // Finance opens the aging and drills into 31–60 days.
    let desk = Browser::start(&server.url).await;
    desk.login("cashier", PASSWORD).await;
    desk.click("#nav-finance").await;
    desk.click("#open-aging").await;
    desk.wait_text("#aging-total", "¥90,000").await;
    desk.click("#bucket-2").await;
    desk.wait_contains("#aging-customers", "苏州恒达机械有限公司").await;
    desk.wait_contains("#aging-customers .amount", "¥20,000").await;
    desk.click("#aging-customers .row-button").await;
    desk.wait_contains(".behind-row", "#1").await;
    desk.wait_contains(".behind-row .amount", "¥20,000").await;
    // The forecast keeps the ¥20,000 past due on its own line.
    desk.click("#open-forecast").await;
    desk.wait_text("#forecast-overdue", "¥20,000").await;
    // This year's receipts, charted with their figures beside.
    desk.click("#open-stats").await;
    desk.wait_text("#stats-received", "¥10,000").await;
    desk.wait_for("#chart-months rect.received").await;
    desk.wait_contains("#stats-methods", "¥10,000").await;
    desk.quit().await;

    // The customer pays the rest that is due: the letter is resolved.
    push(
        &finance,
        "receipt",
        json!({"customer_id": customer, "fen": 2_000_000, "date": today, "confirmed": true}),
    )
    .await;
    phone.click("#sync-badge").await;
    phone.wait_cached("allocation", 2).await;
    phone.wait_contains(".letter-row .status", "Resolved").await;
    phone.wait_for("#no-letter-due").await;
    phone.quit().await;
}
