//! End-to-end, pool and departure: the real app in headless Chromium (phone
//! viewport) against the real server on a fresh SQLite database.

use serde_json::json;
use uuid::Uuid;
use yingpan_tests::browser::Browser;
use yingpan_tests::PASSWORD;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rep_claims_a_customer_from_the_pool() {
    let server = yingpan_tests::app_server().await;
    let manager = server.login("manager").await;
    let id = manager.create_customer(None, "苏州恒达机械有限公司").await;
    manager.create_customer(None, "无锡天成电子有限公司").await;

    let browser = Browser::start(&server.url).await;
    browser.login("rep1", PASSWORD).await;
    browser.click("#nav-pool").await;
    browser.wait_text(".pool-row .name", "苏州恒达机械有限公司").await;
    browser.fill("#pool-search", "恒达").await;
    browser.wait_gone(".pool-row .name", "无锡天成电子有限公司").await;
    browser.click(&format!("#claim-{id}")).await;
    // Once the claim is accepted the customer leaves the pool for everyone
    // and joins the rep's own list.
    browser.wait_gone(".pool-row .name", "苏州恒达机械有限公司").await;
    browser.click("#nav-customers").await;
    browser.wait_text(".customer-row .name", "苏州恒达机械有限公司").await;
    let (status, record) = manager.get(&format!("/api/records/customer/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(record["owner_id"], json!(server.users.rep1.id));

    // The manager hands it on to rep2 from the customer page; the timeline
    // shows both changes.
    browser.click("#sign-out").await;
    browser.login("manager", PASSWORD).await;
    browser.open(&format!("/customers/{id}")).await;
    browser.wait_text(".ownership-row .kind", "Claimed").await;
    browser
        .click(&format!("#reassign-to option[value='{}']", server.users.rep2.id))
        .await;
    browser.click("#reassign").await;
    browser.wait_text(".ownership-row .kind", "Reassigned").await;
    let (_, record) = manager.get(&format!("/api/records/customer/{id}")).await;
    assert_eq!(record["owner_id"], json!(server.users.rep2.id));
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manager_spreads_a_departed_reps_book_and_the_old_device_keeps_none_of_it() {
    let server = yingpan_tests::app_server().await;
    let rep3 = server.add_rep("rep3").await;
    let rep1 = server.login("rep1").await;
    let mut book = Vec::new();
    for name in [
        "北京华信科技有限公司",
        "上海恒达机械有限公司",
        "广州鼎盛贸易有限公司",
        "深圳博远电子有限公司",
    ] {
        book.push(rep1.create_customer(Some(server.users.rep1.id.0), name).await);
    }
    let logged = rep1
        .push_one(
            json!({"seq": 1, "entity": "activity", "id": Uuid::now_v7(), "op": "create",
                         "fields": {"customer_id": book[0], "kind": "visit", "content": "上门拜访，演示产品",
                                    "at": "2026-11-20T06:30:00Z"}}),
        )
        .await;
    assert_eq!(logged["status"], "applied", "{logged}");

    let old_phone = Browser::start(&server.url).await;
    old_phone.login("rep1", PASSWORD).await;
    old_phone.wait_text(".customer-row .name", "深圳博远电子有限公司").await;
    assert_eq!(old_phone.cached_count("customer").await, 4);

    let console = Browser::start(&server.url).await;
    console.login("manager", PASSWORD).await;
    console.click("#nav-team").await;
    console
        .click(&format!("#departing option[value='{}']", server.users.rep1.id))
        .await;
    console.click("#mode-spread").await;
    console.click("#receiver-rep2").await;
    console.click("#receiver-rep3").await;
    console.click("#preview-departure").await;
    console.wait_for("#handover-plan").await;
    let shares = console.texts("#handover-plan .share strong").await;
    assert_eq!(shares, ["REP2", "REP3"]);
    assert_eq!(
        server.login("rep1").await.get("/api/me").await.0,
        200,
        "a preview closes nothing"
    );
    console.click("#confirm-departure").await;
    console.wait_for("#handover-done").await;

    // The old phone's next sync signs it out and empties it.
    old_phone.click("#sync-badge").await;
    old_phone.wait_for("#account-closed").await;
    assert_eq!(old_phone.cached_count("customer").await, 0);
    assert_eq!(old_phone.cached_count("activity").await, 0);

    // The new owner has the customer with its whole history.
    let (rep2, _) = (server.login("rep2").await, rep3);
    let new_owner = if rep2.get(&format!("/api/records/customer/{}", book[0])).await.0 == 200 {
        "rep2"
    } else {
        "rep3"
    };
    let phone = Browser::start(&server.url).await;
    phone.login(new_owner, PASSWORD).await;
    phone.open(&format!("/customers/{}", book[0])).await;
    phone.wait_text("#customer-title", "北京华信科技有限公司").await;
    phone.wait_text(".activity-row p", "上门拜访，演示产品").await;
    phone.wait_text(".activity-row .author", "REP1").await;
    phone.wait_text(".ownership-row .kind", "Handed over (rep left)").await;
    old_phone.quit().await;
    console.quit().await;
    phone.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_sets_the_pool_rules_and_the_duplicate_policy() {
    let server = yingpan_tests::app_server().await;
    let browser = Browser::start(&server.url).await;
    browser.login("admin", PASSWORD).await;
    browser.click("#nav-settings").await;
    browser.fill("#max-claims", "5").await;
    browser.fill("#grade-A-follow-up", "60").await;
    browser.fill("#grade-A-deal", "0").await;
    browser.click("#policy-block").await;
    browser.click("#save-settings").await;
    browser.wait_text("#settings-message", "Saved").await;
    let admin = server.login("admin").await;
    let (_, rules) = admin.get("/api/pool/rules").await;
    assert_eq!(rules["max_claims_per_day"], 5);
    assert_eq!(
        rules["grade_overrides"]["A"],
        json!({"follow_up_days": 60, "deal_days": 0})
    );
    assert_eq!(rules["max_owned"], 200, "untouched fields keep their values");
    assert_eq!(admin.get("/api/duplicates/policy").await.1, json!("block"));
    // Nonsense is explained, nothing saved.
    browser.fill("#max-owned", "0").await;
    browser.click("#save-settings").await;
    browser
        .wait_text("#settings-message", "the owned-customer cap must be at least 1")
        .await;
    assert_eq!(admin.get("/api/pool/rules").await.1["max_owned"], 200);
    browser.quit().await;
}
