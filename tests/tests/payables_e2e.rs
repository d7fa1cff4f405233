//! End-to-end, payables: finance, at the smallest phone size, adds a
//! supplier on the Finance page, signs a purchase with 30 % on signing,
//! records the goods received and a payment; the supplier's book, the
//! payables' aging and the year's statistics all show what was paid.

use yingpan_shared::user::Role;
use yingpan_tests::browser::Browser;
use yingpan_tests::PASSWORD;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finance_keeps_a_suppliers_payables_on_the_phone() {
    let server = yingpan_tests::app_server().await;
    server.add_user("cashier", Role::Finance).await;
    let desk = Browser::start_sized(&server.url, 360, 800).await;
    desk.login("cashier", PASSWORD).await;
    desk.click("#nav-finance").await;
    desk.wait_for("#payables-aging").await;

    desk.fill("#supplier-name", "宁波精密铸件厂").await;
    desk.fill("#supplier-contact", "王经理").await;
    desk.click("#add-supplier button[type=submit]").await;
    desk.wait_text("#supplier-title", "宁波精密铸件厂").await;
    desk.wait_contains("#suppliers", "宁波精密铸件厂").await;

    // ¥10,000: 30 % on signing today, the balance 30 days after delivery.
    desk.fill("#purchase-title", "阀体毛坯").await;
    desk.fill("#purchase-amount", "10000").await;
    desk.choose("#purchase-terms", "1").await;
    desk.click("#sign-purchase").await;
    desk.wait_text("#supplier-owed", "¥10,000").await;
    desk.wait_contains(".purchase-row", "阀体毛坯").await;
    desk.wait_contains(".installment-row", "¥3,000").await;

    // An amount that is not one is refused in words, and nothing is paid.
    desk.fill("#payment-amount", "12.345").await;
    desk.click("#save-payment").await;
    desk.wait_contains("#payment-error", "12.345").await;

    desk.fill("#payment-amount", "4000").await;
    desk.fill("#payment-reference", "HX-2026-88").await;
    desk.click("#save-payment").await;
    desk.wait_text("#supplier-owed", "¥6,000").await;
    desk.wait_contains("#supplier-payments", "HX-2026-88").await;
    desk.wait_contains("#supplier-payments", "¥4,000").await;
    desk.wait_text("#payables-total", "¥6,000").await;

    desk.click(".goods-received-button").await;
    desk.wait_contains(".purchase-row", "Received on").await;
    assert_eq!(desk.overflow_x().await, 0, "payables at 360 px");
    desk.driver
        .execute("document.querySelector('#supplier-book').scrollIntoView()", vec![])
        .await
        .expect("scroll to the book");
    let shots = yingpan_tests::workspace_root().join("target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    desk.driver
        .screenshot(&shots.join("payables-360.png"))
        .await
        .expect("screenshot");

    // The year's statistics show the payment beside the receipts.
    desk.open("/aging").await;
    desk.click("#open-stats").await;
    desk.wait_text("#stats-paid", "¥4,000").await;
    desk.wait_contains("#stats-paid-methods", "¥4,000").await;
    desk.quit().await;
}
