//! End-to-end, releasing and archiving: a rep gives a customer back to the
//! pool, a manager archives one and brings it back from the team console.
//! Its own binary, so its browser does not share the machine with others'.

use serde_json::json;
use yingpan_tests::browser::Browser;
use yingpan_tests::PASSWORD;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rep_releases_a_customer_and_a_manager_archives_one_and_brings_it_back() {
    let server = yingpan_tests::app_server().await;
    let rep1 = server.login("rep1").await;
    let me = Some(server.users.rep1.id.0);
    let kept = rep1.create_customer(me, "杭州西湖仪表有限公司").await;
    let released = rep1.create_customer(me, "宁波港城物流有限公司").await;

    let browser = Browser::start(&server.url).await;
    browser.login("rep1", PASSWORD).await;
    browser.open(&format!("/customers/{released}")).await;
    browser.click("#release").await;
    browser.fill("#release-reason", "客户已转向其他供应商").await;
    browser.click("#confirm-release").await;
    browser.wait_for("#search").await;
    browser.wait_gone(".customer-row .name", "宁波港城物流有限公司").await;
    browser.wait_text("#sync-badge", "Synced").await;
    let (_, record) = rep1.get(&format!("/api/records/customer/{released}")).await;
    assert!(record["owner_id"].is_null(), "released to the pool: {record}");
    // A rep releases; archiving is not theirs.
    browser.open(&format!("/customers/{kept}")).await;
    browser.wait_for("#release").await;
    assert!(
        browser.texts("#archive").await.is_empty(),
        "a rep has no archive button"
    );

    browser.click("#sign-out").await;
    browser.login("manager", PASSWORD).await;
    browser.open(&format!("/customers/{kept}")).await;
    browser.click("#archive").await;
    browser.click("#confirm-archive").await;
    browser.wait_for("#search").await;
    browser.wait_gone(".customer-row .name", "杭州西湖仪表有限公司").await;
    browser.wait_text("#sync-badge", "Synced").await;
    assert_eq!(
        rep1.get(&format!("/api/records/customer/{kept}")).await.0,
        404,
        "archived"
    );

    browser.open("/team").await;
    let row = format!(".archived-row[data-id='{kept}']");
    browser.wait_text(&format!("{row} .name"), "杭州西湖仪表有限公司").await;
    browser.click(&format!("{row} .restore")).await;
    browser.wait_gone(".archived-row .name", "杭州西湖仪表有限公司").await;
    browser.click("#nav-customers").await;
    browser.wait_text(".customer-row .name", "杭州西湖仪表有限公司").await;
    let (status, record) = rep1.get(&format!("/api/records/customer/{kept}")).await;
    assert_eq!(status, 200, "back with its owner: {record}");
    assert_eq!(record["owner_id"], json!(server.users.rep1.id));
    browser.quit().await;
}
