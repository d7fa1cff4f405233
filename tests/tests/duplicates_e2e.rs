//! End-to-end, collision prevention: the real app in headless Chromium
//! (phone viewport) against the real server on a fresh SQLite database.

use serde_json::json;
use uuid::Uuid;
use yingpan_tests::browser::Browser;
use yingpan_tests::PASSWORD;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rep_typing_a_variant_of_a_pool_customer_claims_it_instead_even_offline() {
    let server = yingpan_tests::app_server().await;
    let manager = server.login("manager").await;
    let pooled = Uuid::now_v7();
    let created = manager
        .push_one(json!({"seq": 1, "entity": "customer", "id": pooled, "op": "create",
                         "fields": {"name": "上海恒达机械股份有限公司", "owner_id": null}}))
        .await;
    assert_eq!(created["status"], "applied", "{created}");
    let rep2 = server.login("rep2").await;
    let theirs = rep2
        .push_one(
            json!({"seq": 1, "entity": "customer", "id": Uuid::now_v7(), "op": "create",
                         "fields": {"name": "北京华信科技有限公司", "phone": "010-62345678",
                                    "owner_id": server.users.rep2.id}}),
        )
        .await;
    assert_eq!(theirs["status"], "applied", "{theirs}");

    let browser = Browser::start(&server.url).await;
    browser.login("rep1", PASSWORD).await;
    browser.wait_text("#sync-badge", "Synced").await;
    // No signal: the check runs against what the phone holds, the pool included.
    browser.set_offline(true).await;
    browser.click("#new-customer").await;
    browser.fill("#customer-name", "恒达機械（上海）有限公司").await;
    browser.wait_text("#duplicates .name", "上海恒达机械股份有限公司").await;
    browser.click(&format!("#claim-duplicate-{pooled}")).await;
    browser.wait_text("#duplicates .chip", "Claimed, waiting to sync").await;
    browser.set_offline(false).await;
    browser.click("#nav-customers").await;
    browser
        .wait_text(".customer-row .name", "上海恒达机械股份有限公司")
        .await;
    // The rep now owns it, and no second record was made.
    let (_, record) = manager.get(&format!("/api/records/customer/{pooled}")).await;
    assert_eq!(record["owner_id"], json!(server.users.rep1.id));
    let (_, found) = manager
        .get("/api/duplicates?name=%E6%81%92%E8%BE%BE%E6%9C%BA%E6%A2%B0")
        .await; // 恒达机械
    assert_eq!(found.as_array().unwrap().len(), 1);

    // Online, the server checks the whole company: another rep's customer
    // shows its name and owner, nothing to open.
    browser.click("#new-customer").await;
    browser.fill("#customer-name", "华信科技").await;
    browser.wait_text("#duplicates .name", "北京华信科技有限公司").await;
    browser.wait_text("#duplicates .meta", "Same customer · REP2").await;
    assert!(browser.texts("#duplicates a.button").await.is_empty());
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_created_offline_is_flagged_after_sync_and_merged_by_the_manager() {
    let server = yingpan_tests::app_server().await;
    let rep2 = server.login("rep2").await;
    let existing = Uuid::now_v7();
    let created = rep2
        .push_one(json!({"seq": 1, "entity": "customer", "id": existing, "op": "create",
                         "fields": {"name": "北京华信科技有限公司", "owner_id": server.users.rep2.id}}))
        .await;
    assert_eq!(created["status"], "applied", "{created}");

    // rep1, with no signal and no way to see rep2's book, adds it again.
    let phone = Browser::start(&server.url).await;
    phone.login("rep1", PASSWORD).await;
    phone.wait_text("#sync-badge", "Synced").await;
    phone.set_offline(true).await;
    phone.click("#new-customer").await;
    phone.fill("#customer-name", "华信科技（北京）有限公司").await;
    phone.click("#customer-save").await;
    phone.wait_text("#customer-title", "华信科技（北京）有限公司").await;
    phone.set_offline(false).await;
    phone.click("#sync-badge").await;
    phone.wait_text("#sync-badge", "Synced").await;
    // The header counts a possible duplicate as one, not as a conflict.
    phone.wait_text("#sync-page", "Duplicates 1").await;
    phone.click("#sync-page").await;
    phone
        .wait_text("#duplicate-list .name", "华信科技（北京）有限公司")
        .await;
    assert!(
        phone.texts("#duplicate-list .merge").await.is_empty(),
        "rep1 cannot see the other customer"
    );

    // The manager sees both and merges the new one into the existing one.
    let console = Browser::start(&server.url).await;
    console.login("manager", PASSWORD).await;
    console.click("#sync-page").await;
    console
        .wait_text("#duplicate-list .name", "华信科技（北京）有限公司")
        .await;
    console.click("#duplicate-list .merge").await;
    // Field by field: keep the new record's fuller name.
    console.click("#keep-merged-name").await;
    console.click("#confirm-merge").await;
    console.wait_text(".empty", "No possible duplicates").await;

    // Both reps' devices agree with the server: one customer, rep2's.
    phone.click("#sync-badge").await;
    phone.click("#nav-customers").await;
    phone.wait_gone(".customer-row .name", "华信科技（北京）有限公司").await;
    assert_eq!(phone.cached_count("customer").await, 0);
    assert_eq!(phone.cached_count("duplicate").await, 0);
    let (_, found) = rep2
        .get("/api/duplicates?name=%E5%8D%8E%E4%BF%A1%E7%A7%91%E6%8A%80")
        .await; // 华信科技
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["id"], json!(existing));
    let (_, kept) = rep2.get(&format!("/api/records/customer/{existing}")).await;
    assert_eq!(kept["name"], "华信科技（北京）有限公司", "the chosen value");

    // A wrong merge is undone from the survivor's timeline.
    console.open(&format!("/customers/{existing}")).await;
    console.wait_text(".merge-row .kind", "Merged in").await;
    console.click(".undo-merge").await;
    console.wait_gone(".merge-row .undo-merge", "Undo merge").await;
    phone.click("#sync-badge").await;
    phone.wait_text(".customer-row .name", "华信科技（北京）有限公司").await;
    let (_, kept) = rep2.get(&format!("/api/records/customer/{existing}")).await;
    assert_eq!(kept["name"], "北京华信科技有限公司", "the merge's change is reverted");
    phone.quit().await;
    console.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rep_imports_a_spreadsheet_after_a_preview_that_catches_duplicates() {
    let server = yingpan_tests::app_server().await;
    let rep2 = server.login("rep2").await;
    let created = rep2
        .push_one(
            json!({"seq": 1, "entity": "customer", "id": Uuid::now_v7(), "op": "create",
                         "fields": {"name": "北京华信科技有限公司", "owner_id": server.users.rep2.id}}),
        )
        .await;
    assert_eq!(created["status"], "applied", "{created}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("客户.csv");
    std::fs::write(
        &file,
        "名称,电话\n华信科技（北京）有限公司,\n南京立达电子有限公司,025-84561234\n",
    )
    .unwrap();

    let browser = Browser::start(&server.url).await;
    browser.login("rep1", PASSWORD).await;
    browser.click("#import").await;
    browser
        .wait_for("#import-file")
        .await
        .send_keys(file.display().to_string())
        .await
        .unwrap();
    browser.wait_text("#import-rows .status", "Already exists").await;
    assert_eq!(browser.texts("#import-rows .status").await, ["Already exists", "New"]);
    browser.click("#import-confirm").await;
    browser.wait_for("#import-done").await;
    browser.click(".back").await;
    browser.wait_text(".customer-row .name", "南京立达电子有限公司").await;
    assert_eq!(browser.texts(".customer-row .name").await, ["南京立达电子有限公司"]);
    browser.quit().await;
}
