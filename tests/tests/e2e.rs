//! End-to-end: the real app in headless Chromium (phone viewport) against
//! the real server on a fresh SQLite database.

use serde_json::{json, Value};
use uuid::Uuid;
use yingpan_tests::browser::Browser;
use yingpan_tests::{Api, PASSWORD};

/// Creates a customer for `owner` through the API, returning its id.
async fn customer_via_api(api: &Api, owner: impl serde::Serialize, name: &str, phone: &str) -> Uuid {
    let id = Uuid::now_v7();
    let result = api
        .push_one(json!({"seq": 1, "entity": "customer", "id": id, "op": "create",
                         "fields": {"name": name, "phone": phone, "region": "北京", "owner_id": owner}}))
        .await;
    assert_eq!(result["status"], "applied", "{result}");
    id
}

async fn record(api: &Api, id: Uuid) -> (u16, Value) {
    api.get(&format!("/api/records/customer/{id}")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rep_sees_only_their_own_customers() {
    let server = yingpan_tests::app_server().await;
    let rep1 = server.login("rep1").await;
    let rep2 = server.login("rep2").await;
    let mine = customer_via_api(&rep1, server.users.rep1.id, "北京华信科技有限公司", "010-62345678").await;
    let theirs = customer_via_api(&rep2, server.users.rep2.id, "上海恒达机械有限公司", "021-52345678").await;
    let logged = rep1
        .push_one(
            json!({"seq": 1, "entity": "activity", "id": Uuid::now_v7(), "op": "create",
                         "fields": {"customer_id": mine, "kind": "call", "content": "电话沟通采购需求",
                                    "at": "2026-11-20T06:30:00Z", "next_follow_up": "2026-11-27"}}),
        )
        .await;
    assert_eq!(logged["status"], "applied", "{logged}");

    let browser = Browser::start(&server.url).await;
    browser.login("rep1", PASSWORD).await;
    browser.wait_text(".customer-row .name", "北京华信科技有限公司").await;
    assert_eq!(browser.texts(".customer-row .name").await, vec!["北京华信科技有限公司"]);

    // Not even by typing the other rep's customer URL.
    browser.open(&format!("/customers/{theirs}")).await;
    browser.wait_for("#not-found").await;
    browser.open(&format!("/customers/{mine}")).await;
    browser.wait_text("#customer-title", "北京华信科技有限公司").await;
    browser.wait_text(".activity-row p", "电话沟通采购需求").await;

    // And not through the API either.
    assert_eq!(record(&rep1, theirs).await.0, 404);
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_created_and_edited_offline_syncs_when_back_online() {
    let server = yingpan_tests::app_server().await;
    let browser = Browser::start(&server.url).await;
    browser.login("rep1", PASSWORD).await;
    browser.wait_text("#sync-badge", "Synced").await;

    browser.set_offline(true).await;
    browser.click("#new-customer").await;
    browser.fill("#customer-name", "杭州嘉禾贸易有限公司").await;
    browser.fill("#customer-phone", "0571-86001234").await;
    browser.click("#customer-save").await;
    browser.wait_text("#customer-title", "杭州嘉禾贸易有限公司").await;
    browser.wait_text("#sync-badge", "Unsynced (1) · Offline").await;

    browser.click("#edit-customer").await;
    browser.fill("#customer-region", "杭州").await;
    browser.click("#customer-save").await;
    browser.wait_text(".field-region", "杭州").await;
    browser.wait_text("#sync-badge", "Unsynced (2) · Offline").await;

    // Nothing reached the server while offline.
    let rep1 = server.login("rep1").await;
    let (_, pulled) = rep1.get("/api/sync/pull").await;
    assert!(pulled["changes"].as_array().unwrap().is_empty());

    browser.set_offline(false).await;
    browser.wait_text("#sync-badge", "Synced").await;
    let (_, pulled) = rep1.get("/api/sync/pull").await;
    let changes = pulled["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{pulled}");
    assert_eq!(changes[0]["data"]["name"], "杭州嘉禾贸易有限公司");
    assert_eq!(changes[0]["data"]["region"], "杭州");
    assert_eq!(changes[0]["data"]["owner_id"], server.users.rep1.id.to_string());
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manager_sees_a_reps_edit_and_new_contact() {
    let server = yingpan_tests::app_server().await;
    let rep1 = server.login("rep1").await;
    let id = customer_via_api(&rep1, server.users.rep1.id, "南京博远电子有限公司", "025-81234567").await;

    let rep = Browser::start(&server.url).await;
    let manager = Browser::start(&server.url).await;
    rep.login("rep1", PASSWORD).await;
    manager.login("manager", PASSWORD).await;
    manager.open(&format!("/customers/{id}")).await;
    manager.wait_text(".field-phone", "025-81234567").await;

    rep.fill("#search", "博远").await;
    rep.click(".customer-row").await;
    rep.click("#edit-customer").await;
    rep.fill("#customer-phone", "025-89990000").await;
    rep.click("#customer-save").await;
    rep.wait_text(".field-phone", "025-89990000").await;
    rep.click("#add-contact").await;
    rep.fill("#contact-name", "王芳").await;
    rep.fill("#contact-title", "采购经理").await;
    rep.click("#contact-save").await;
    rep.wait_text(".contact-row .name", "王芳").await;
    rep.wait_text("#sync-badge", "Synced").await;

    // The manager's next sync (tap the badge) brings both changes.
    manager.click("#sync-badge").await;
    manager.wait_text(".field-phone", "025-89990000").await;
    manager.wait_text(".contact-row .name", "王芳").await;
    rep.quit().await;
    manager.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_input_is_explained_and_nothing_is_queued() {
    let server = yingpan_tests::app_server().await;
    let browser = Browser::start(&server.url).await;
    browser.login("rep1", PASSWORD).await;
    browser.click("#new-customer").await;
    browser.fill("#customer-name", "成都天成食品有限公司").await;
    browser.fill("#customer-email", "not-an-email").await;
    browser.click("#customer-save").await;
    browser
        .wait_text(".record-form .error", "email is not a valid email address")
        .await;
    browser.wait_text("#sync-badge", "Synced").await;

    // A wrong password is refused with a message, not a blank page.
    let other = Browser::start(&server.url).await;
    other.open("/").await;
    other.fill("#username", "rep1").await;
    other.fill("#password", "wrong").await;
    other.click("#login").await;
    other.wait_text(".login .error", "wrong username or password").await;
    browser.quit().await;
    other.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replaced_value_reaches_the_conflict_list_and_can_be_reapplied() {
    let server = yingpan_tests::app_server().await;
    let rep1 = server.login("rep1").await;
    let manager = server.login("manager").await;
    let id = customer_via_api(&rep1, server.users.rep1.id, "深圳卓越科技有限公司", "0755-81234567").await;

    let browser = Browser::start(&server.url).await;
    browser.login("rep1", PASSWORD).await;
    browser.open(&format!("/customers/{id}")).await;
    browser.wait_text(".field-phone", "0755-81234567").await;

    // The manager changes the region while the rep, unaware, sets another.
    let pushed = manager
        .push_one(json!({"seq": 1, "entity": "customer", "id": id, "op": "update",
                         "fields": {"region": "深圳南山"}, "base": {"region": "北京"}}))
        .await;
    assert_eq!(pushed["status"], "applied");
    browser.click("#edit-customer").await;
    browser.fill("#customer-region", "深圳福田").await;
    browser.click("#customer-save").await;
    browser.wait_text("#sync-page", "Conflicts 1").await;

    browser.click("#sync-page").await;
    browser.wait_text(".conflict-row .lost", "深圳南山").await;
    browser.click(".conflict-row .reapply").await;
    browser.wait_text(".empty", "No conflicts").await;
    browser.wait_text("#sync-badge", "Synced").await;
    assert_eq!(record(&rep1, id).await.1["region"], "深圳南山");
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reassigned_customer_leaves_the_old_owners_device() {
    let server = yingpan_tests::app_server().await;
    let rep1 = server.login("rep1").await;
    let manager = server.login("manager").await;
    let staying = customer_via_api(&rep1, server.users.rep1.id, "武汉明德贸易有限公司", "027-81234567").await;
    let leaving = customer_via_api(&rep1, server.users.rep1.id, "成都安信医疗器械有限公司", "028-81234567").await;

    let browser = Browser::start(&server.url).await;
    browser.login("rep1", PASSWORD).await;
    browser
        .wait_text(".customer-row .name", "成都安信医疗器械有限公司")
        .await;

    let (status, body) = manager
        .post(
            &format!("/api/customers/{leaving}/owner"),
            &json!({"owner_id": server.users.rep2.id}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    browser.click("#sync-badge").await;
    browser
        .wait_gone(".customer-row .name", "成都安信医疗器械有限公司")
        .await;
    assert_eq!(browser.texts(".customer-row .name").await, vec!["武汉明德贸易有限公司"]);
    browser.open(&format!("/customers/{leaving}")).await;
    browser.wait_for("#not-found").await;
    let rep2 = server.login("rep2").await;
    assert_eq!(record(&rep2, leaving).await.0, 200);
    assert_eq!(record(&rep1, staying).await.0, 200);
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_background_sync_does_not_wipe_a_half_typed_form() {
    let server = yingpan_tests::app_server().await;
    let rep1 = server.login("rep1").await;
    let manager = server.login("manager").await;
    let id = customer_via_api(&rep1, server.users.rep1.id, "天津锦程物流有限公司", "022-81234567").await;

    let browser = Browser::start(&server.url).await;
    browser.login("rep1", PASSWORD).await;
    browser.open(&format!("/customers/{id}")).await;
    browser.click("#add-contact").await;
    browser.fill("#contact-name", "孙丽华").await;

    // Someone else changes the customer; the rep's next sync brings it in
    // while the contact form is still open.
    let pushed = manager
        .push_one(json!({"seq": 1, "entity": "customer", "id": id, "op": "update",
                         "fields": {"industry": "物流运输"}, "base": {"industry": null}}))
        .await;
    assert_eq!(pushed["status"], "applied");
    browser.click("#sync-badge").await;
    browser.wait_text(".field-industry", "物流运输").await;

    let typed: String = browser
        .driver
        .execute("return document.querySelector('#contact-name').value;", vec![])
        .await
        .unwrap()
        .convert()
        .unwrap();
    assert_eq!(typed, "孙丽华");
    browser.click("#contact-save").await;
    browser.wait_text(".contact-row .name", "孙丽华").await;
    browser.quit().await;
}
