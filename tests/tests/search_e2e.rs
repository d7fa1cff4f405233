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
