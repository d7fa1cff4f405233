//! End-to-end, money: a rep makes a quote offline at the smallest phone
//! size and prints it, makes it a contract once synced; finance records a
//! receipt that settles two installments; the rep's customer page shows
//! the balance offline.

use yingpan_shared::user::Role;
use yingpan_tests::browser::Browser;
use yingpan_tests::PASSWORD;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quote_made_offline_is_printed_signed_and_paid() {
    let server = yingpan_tests::app_server().await;
    let rep1 = server.login("rep1").await;
    let customer = rep1
        .create_customer(Some(server.users.rep1.id.0), "苏州恒达机械有限公司")
        .await;
    server.add_user("cashier", Role::Finance).await;

    // The rep, offline at the customer's office, makes and sends a quote.
    let phone = Browser::start_sized(&server.url, 360, 800).await;
    phone.login("rep1", PASSWORD).await;
    phone.open(&format!("/customers/{customer}")).await;
    phone.wait_for("#money").await;
    phone.set_offline(true).await;
    phone.click("#new-quote").await;
    phone.fill(".line-description", "液压阀 HV-200").await;
    phone.fill(".line-quantity", "4").await;
    phone.fill(".line-price", "12800").await;
    phone.click("#add-line").await;
    phone.wait_for(".line-editor:nth-child(2) .line-description").await;
    phone
        .fill(".line-editor:nth-child(2) .line-description", "安装调试")
        .await;
    phone.fill(".line-editor:nth-child(2) .line-quantity", "1").await;
    phone.fill(".line-editor:nth-child(2) .line-price", "3000.50").await;
    phone.wait_text("#quote-total", "¥54,200.50").await;
    assert_eq!(phone.overflow_x().await, 0, "the quote form at 360 px");
    phone.click("#save-sent").await;
    phone.wait_text("#quote-status", "Sent").await;

    // Printed offline from the company's template, amounts in capitals.
    phone.click("#print-quote").await;
    phone.wait_frame_contains("#print-sheet", "伍万肆仟贰佰元零伍角").await;
    phone.wait_frame_contains("#print-sheet", "苏州恒达机械有限公司").await;
    phone.wait_frame_contains("#print-sheet", "¥54,200.50").await;
    assert_eq!(phone.overflow_x().await, 0, "the print view at 360 px");
    let shots = yingpan_tests::workspace_root().join("target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let shot = shots.join("quote-print-360.png");
    phone.driver.screenshot(&shot).await.expect("screenshot");
    assert!(
        std::fs::metadata(&shot).unwrap().len() > 10_000,
        "a picture of the print view"
    );
    phone.click("#print-now").await;
    phone.wait_contains("#sync-badge", "Unsynced").await;
    phone.click(".print-toolbar .back").await;
    phone.click("#quote-accepted").await;
    phone.wait_text("#quote-status", "Accepted").await;

    // Back in signal: synced, then made into a contract without retyping.
    phone.set_offline(false).await;
    phone.click("#sync-badge").await;
    phone.wait_text("#sync-badge", "Synced").await;
    let quotes = rep1.cache().await;
    let quote = quotes
        .iter()
        .find(|((kind, _), _)| kind == "quote")
        .map(|(_, q)| q.clone())
        .expect("the quote reached the server");
    assert_eq!(quote["status"], "accepted");
    assert!(quotes.keys().any(|(kind, _)| kind == "print"), "the print was recorded");
    phone.choose("#contract-terms", "1").await;
    phone.click("#make-contract").await;
    phone.wait_contains("#contract-status", "Active").await;
    phone.wait_text("#contract-total", "¥54,200.50").await;
    phone.click("#sync-badge").await;
    // 30 % on signing, the rest 30 days after delivery: the plan the
    // server made comes back.
    phone.wait_cached("installment", 2).await;
    phone.wait_for(".installment-row:nth-child(2)").await;

    // Finance records ¥20,000 at its desk: the deposit (¥16,260.15) and
    // part of the balance.
    let desk = Browser::start(&server.url).await;
    desk.login("cashier", PASSWORD).await;
    desk.open(&format!("/customers/{customer}")).await;
    desk.fill("#receipt-amount", "20000").await;
    desk.fill("#receipt-payer", "恒达财务部").await;
    desk.click("#save-receipt").await;
    desk.wait_for("#receipt-message").await;
    desk.click("#sync-badge").await;
    desk.wait_text("#sync-badge", "Synced").await;
    let finance = server.login("cashier").await;
    let held = finance.cache().await;
    let mut settled: Vec<i64> = held
        .iter()
        .filter(|((kind, _), _)| kind == "allocation")
        .map(|(_, a)| a["fen"].as_i64().unwrap())
        .collect();
    settled.sort();
    assert_eq!(settled, [373_985, 1_626_015], "two installments settled by one receipt");
    desk.quit().await;

    // The rep, offline again, sees the balance on the customer's page.
    phone.click("#sync-badge").await;
    phone.wait_cached("allocation", 2).await;
    phone.set_offline(true).await;
    phone.click("#nav-customers").await;
    phone.fill("#search", "恒达").await;
    phone.click(".customer-row").await;
    phone.wait_text("#balance .received", "¥20,000").await;
    phone.wait_text("#balance .owed", "¥34,200.50").await;
    phone.wait_text("#balance .overdue", "¥0").await;
    assert_eq!(phone.overflow_x().await, 0, "the customer's money at 360 px");
    phone.quit().await;
}
