//! End-to-end, the customer list's search: pinyin, full spelling and a
//! contact's name find a customer in the real app in headless Chromium
//! (phone viewport) against the real server on a fresh SQLite database.

use serde_json::json;
use uuid::Uuid;
use yingpan_tests::browser::Browser;
use yingpan_tests::{Api, PASSWORD};

async fn push(api: &Api, entity: &str, fields: serde_json::Value) -> Uuid {
    let id = Uuid::now_v7();
    let result = api
        .push_one(json!({"seq": 1, "entity": entity, "id": id, "op": "create", "fields": fields}))
        .await;
    assert_eq!(result["status"], "applied", "{result}");
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pinyin_initials_full_spelling_and_a_contacts_name_find_a_customer() {
    let server = yingpan_tests::app_server().await;
    let rep1 = server.login("rep1").await;
    let owner = server.users.rep1.id;
    let huaxin = push(
        &rep1,
        "customer",
        json!({"name": "北京华信科技有限公司", "phone": "010-62345678", "region": "北京", "owner_id": owner}),
    )
    .await;
    push(
        &rep1,
        "customer",
        json!({"name": "上海华新贸易有限公司", "phone": "021-52345678", "region": "上海", "owner_id": owner}),
    )
    .await;
    push(
        &rep1,
        "contact",
        json!({"customer_id": huaxin, "name": "赵敏", "title": "采购经理"}),
    )
    .await;

    let browser = Browser::start(&server.url).await;
    browser.login("rep1", PASSWORD).await;
    browser.wait_text(".customer-row .name", "上海华新贸易有限公司").await;
    browser.wait_text(".customer-row .name", "北京华信科技有限公司").await;

    // Initials: only the Beijing one, not the decoy that reads huaxin too.
    browser.fill("#search", "bjhx").await;
    browser.wait_gone(".customer-row .name", "上海华新贸易有限公司").await;
    assert_eq!(
        browser.texts("#customer-list .customer-row .name").await,
        ["北京华信科技有限公司"]
    );

    // Full spelling finds both 华信 and 华新.
    browser.fill("#search", "huaxin").await;
    browser.wait_text(".customer-row .name", "上海华新贸易有限公司").await;
    browser.wait_text(".customer-row .name", "北京华信科技有限公司").await;
    browser.fill("#search", "beijinghuaxin").await;
    browser.wait_gone(".customer-row .name", "上海华新贸易有限公司").await;
    assert_eq!(
        browser.texts("#customer-list .customer-row .name").await,
        ["北京华信科技有限公司"]
    );

    // A contact's name, in pinyin, leads to their customer and says so.
    browser.fill("#search", "zhaomin").await;
    browser.wait_text(".customer-row .via", "Contacts: 赵敏").await;
    assert_eq!(
        browser.texts("#customer-list .customer-row .name").await,
        ["北京华信科技有限公司"]
    );

    // Opening the row leads to the customer.
    browser.click("#customer-list .customer-row").await;
    browser.wait_text("#customer-title", "北京华信科技有限公司").await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_shows_a_screenful_at_a_time_and_a_pulled_change_updates_its_row() {
    let server = yingpan_tests::app_server().await;
    let rep1 = server.login("rep1").await;
    let owner = server.users.rep1.id;
    let mut ids = Vec::new();
    for i in 0..35 {
        let name = format!("测试客户{i:02}有限公司");
        ids.push(push(&rep1, "customer", json!({"name": name, "owner_id": owner})).await);
    }

    let browser = Browser::start(&server.url).await;
    browser.login("rep1", PASSWORD).await;
    browser.click("#nav-customers").await;
    // Newest first, a screenful: the five oldest wait behind "Show more".
    browser.wait_text(".customer-row .name", "测试客户34有限公司").await;
    assert_eq!(browser.texts("#customer-list .customer-row").await.len(), 30);
    assert!(!browser
        .texts("#customer-list .name")
        .await
        .contains(&"测试客户00有限公司".to_owned()));
    browser.click("#more-customers").await;
    browser.wait_text(".customer-row .name", "测试客户00有限公司").await;
    assert_eq!(browser.texts("#customer-list .customer-row").await.len(), 35);
    assert!(
        browser.texts("#more-customers").await.is_empty(),
        "nothing more to show"
    );

    // Renamed on another device: the next sync changes that row in place.
    let result = rep1
        .push_one(json!({"seq": 2, "entity": "customer", "id": ids[3], "op": "update",
                         "fields": {"name": "杭州恒达机械有限公司"}, "base": {"name": "测试客户03有限公司"}}))
        .await;
    assert_eq!(result["status"], "applied", "{result}");
    browser.click("#sync-badge").await;
    browser.wait_text(".customer-row .name", "杭州恒达机械有限公司").await;
    browser.wait_gone(".customer-row .name", "测试客户03有限公司").await;
    browser.fill("#search", "hzhd").await;
    browser.wait_gone(".customer-row .name", "测试客户04有限公司").await;
    assert_eq!(browser.texts("#customer-list .name").await, ["杭州恒达机械有限公司"]);
    browser.quit().await;

    // A manager's device lists the team's customers, and says so.
    let console = Browser::start(&server.url).await;
    console.login("manager", PASSWORD).await;
    console.click("#nav-customers").await;
    console.wait_text("#customers-title", "Your team's customers").await;
    console.wait_text(".customer-row .name", "测试客户34有限公司").await;
    console.quit().await;
}
