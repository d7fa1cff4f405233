//! End-to-end, field work: the real app in headless Chromium (phone
//! viewport, position set through the DevTools protocol) against the real
//! server on a fresh SQLite database.

use chrono::{Duration, Utc};
use serde_json::json;
use uuid::Uuid;
use yingpan_tests::browser::Browser;
use yingpan_tests::{Api, PASSWORD};

/// 北京国贸, where the test customers are.
const GUOMAO: (f64, f64) = (39.9087, 116.4605);
/// 北京西站, about 12 km away.
const WEST_STATION: (f64, f64) = (39.8946, 116.3220);

async fn customer(api: &Api, owner: yingpan_shared::ids::UserId, name: &str) -> Uuid {
    let id = Uuid::now_v7();
    let result = api
        .push_one(json!({"seq": 1, "entity": "customer", "id": id, "op": "create",
                         "fields": {"name": name, "owner_id": owner,
                                    "location": {"lat": GUOMAO.0, "lon": GUOMAO.1}}}))
        .await;
    assert_eq!(result["status"], "applied", "{result}");
    id
}

async fn open_customer(browser: &Browser, name: &str) {
    browser.fill("#search", name).await;
    browser.click(".customer-row").await;
    browser.wait_text("#customer-title", name).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_check_in_with_photo_syncs_and_shows_in_the_managers_visits() {
    let server = yingpan_tests::app_server().await;
    let rep1 = server.login("rep1").await;
    customer(&rep1, server.users.rep1.id, "北京华信科技有限公司").await;

    let phone = Browser::start(&server.url).await;
    phone.login("rep1", PASSWORD).await;
    phone.set_position(39.9095, 116.4612, 15.0).await;
    phone.set_offline(true).await;
    // "Visit a nearby customer" finds it from where the rep stands.
    phone.click("#nav-visits").await;
    phone.click("#nearby").await;
    phone.wait_text("#nearby-list .name", "北京华信科技有限公司").await;
    phone.click("#nearby-list .today-row").await;
    phone.wait_text("#customer-title", "北京华信科技有限公司").await;
    phone.click("#check-in").await;
    phone.wait_for("#visiting").await;
    phone.wait_contains("#visiting", "from the customer").await;
    assert!(
        phone.texts("#visiting .flag").await.is_empty(),
        "a check-in 100 m away is not flagged"
    );
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("visit.jpg");
    phone.make_photo(&photo, 2400, 1800).await;
    phone
        .wait_for("#visit-photo")
        .await
        .send_keys(photo.display().to_string())
        .await
        .expect("attach the photo");
    phone.wait_for("#visit-photo-preview").await;
    let size: Vec<u32> = phone
        .driver
        .execute(
            "const i = document.querySelector('#visit-photo-preview'); return [i.naturalWidth, i.naturalHeight];",
            vec![],
        )
        .await
        .and_then(|r| r.convert())
        .unwrap();
    assert_eq!(size, [1600, 1200], "the photo is shrunk to 1600 px before it is kept");
    phone.fill("#visit-note", "谈了明年的采购计划").await;
    phone.click("#check-out").await;
    phone.wait_text(".activity-row p", "谈了明年的采购计划").await;
    assert_eq!(phone.cached_count("photos").await, 1, "the photo waits on the phone");
    phone.wait_contains("#sync-badge", "Unsynced").await;

    phone.set_offline(false).await;
    phone.click("#sync-badge").await;
    phone.wait_text("#sync-badge", "Synced").await;
    assert_eq!(phone.cached_count("photos").await, 0, "uploaded photos leave the phone");

    let desk = Browser::start(&server.url).await;
    desk.login("manager", PASSWORD).await;
    desk.click("#nav-visits").await;
    desk.wait_contains(".rep-visits h3", "REP1").await;
    desk.wait_text(".visit-row .name", "北京华信科技有限公司").await;
    desk.wait_contains(".visit-row .distance", "from the customer").await;
    desk.wait_for(".visit-row img.visit-photo").await;
    let loaded: bool = desk
        .driver
        .execute_async(
            "const done = arguments[0]; const img = document.querySelector('.visit-row img.visit-photo'); \
             if (img.complete) done(img.naturalWidth === 1600); else img.onload = () => done(img.naturalWidth === 1600);",
            vec![],
        )
        .await
        .and_then(|r| r.convert())
        .unwrap();
    assert!(loaded, "the manager sees the rep's stamped photo from the server");
    phone.quit().await;
    desk.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn far_check_in_is_flagged_for_the_rep_and_the_manager() {
    let server = yingpan_tests::app_server().await;
    let rep1 = server.login("rep1").await;
    customer(&rep1, server.users.rep1.id, "北京恒达机械有限公司").await;
    let phone = Browser::start(&server.url).await;
    phone.login("rep1", PASSWORD).await;
    phone.set_position(WEST_STATION.0, WEST_STATION.1, 20.0).await;
    open_customer(&phone, "北京恒达机械有限公司").await;
    phone.click("#check-in").await;
    phone.wait_contains("#visiting .flag.far", "km from the customer").await;
    phone.click("#check-out").await;
    phone
        .wait_contains(".activity-row .flag.far", "km from the customer")
        .await;
    phone.wait_text("#sync-badge", "Synced").await;

    let desk = Browser::start(&server.url).await;
    desk.login("manager", PASSWORD).await;
    desk.click("#nav-visits").await;
    desk.wait_contains(".visit-row .flag.far", "km from the customer").await;
    phone.quit().await;
    desk.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn today_view_lists_an_overdue_follow_up_and_a_birthday() {
    let server = yingpan_tests::app_server().await;
    let rep1 = server.login("rep1").await;
    let late = customer(&rep1, server.users.rep1.id, "上海博远电子有限公司").await;
    let fine = customer(&rep1, server.users.rep1.id, "上海天成物流有限公司").await;
    let today = Utc::now().date_naive();
    for (id, days) in [(late, -2), (fine, 5)] {
        let r = rep1
            .push_one(
                json!({"seq": 1, "entity": "activity", "id": Uuid::now_v7(), "op": "create",
                             "fields": {"customer_id": id, "kind": "call", "content": "电话沟通",
                                        "at": Utc::now() - Duration::days(6),
                                        "next_follow_up": today + Duration::days(days)}}),
            )
            .await;
        assert_eq!(r["status"], "applied", "{r}");
    }
    let birthday = (today + Duration::days(2)).format("1985-%m-%d").to_string();
    let r = rep1
        .push_one(
            json!({"seq": 1, "entity": "contact", "id": Uuid::now_v7(), "op": "create",
                         "fields": {"customer_id": fine, "name": "王芳", "birthday": birthday}}),
        )
        .await;
    assert_eq!(r["status"], "applied", "{r}");

    let phone = Browser::start(&server.url).await;
    phone.login("rep1", PASSWORD).await;
    phone.click("#nav-today").await;
    phone.wait_text("#overdue .name", "上海博远电子有限公司").await;
    assert_eq!(phone.texts("#overdue .name").await, ["上海博远电子有限公司"]);
    assert!(phone.texts("#overdue .meta").await[0].contains("2 days late"));
    phone.wait_text("#birthdays .name", "王芳").await;
    // Logging the follow-up takes it off the list.
    phone.click("#overdue .today-row").await;
    phone.click("#log-activity").await;
    phone.fill("#activity-content", "回访，客户确认下月下单").await;
    phone.click("#activity-save").await;
    phone.wait_text(".activity-row p", "回访，客户确认下月下单").await;
    phone.click("#nav-today").await;
    phone.wait_text("#birthdays .name", "王芳").await;
    assert!(phone.texts("#overdue .name").await.is_empty());
    phone.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opportunity_moved_across_stages_offline_syncs() {
    let server = yingpan_tests::app_server().await;
    let rep1 = server.login("rep1").await;
    let c = customer(&rep1, server.users.rep1.id, "深圳卓越医疗器械有限公司").await;
    let deal = Uuid::now_v7();
    let r = rep1
        .push_one(json!({"seq": 1, "entity": "opportunity", "id": deal, "op": "create",
                         "fields": {"customer_id": c, "name": "影像设备采购", "stage": "initial", "amount": "860000"}}))
        .await;
    assert_eq!(r["status"], "applied", "{r}");

    // The smallest phone we design for: nothing on these screens may need
    // sideways scrolling of the page (the board scrolls inside itself).
    let phone = Browser::start_sized(&server.url, 360, 800).await;
    phone.login("rep1", PASSWORD).await;
    assert_eq!(phone.overflow_x().await, 0, "customers at 360 px");
    phone.click("#nav-pipeline").await;
    phone
        .wait_text("[data-stage='initial'] .deal .name", "影像设备采购")
        .await;
    assert_eq!(phone.overflow_x().await, 0, "pipeline at 360 px");
    phone.click("#nav-today").await;
    phone.wait_for("#today").await;
    assert_eq!(phone.overflow_x().await, 0, "today at 360 px");
    phone.open(&format!("/customers/{c}")).await;
    phone.wait_for("#check-in").await;
    assert_eq!(phone.overflow_x().await, 0, "customer page at 360 px");
    phone.click("#nav-pipeline").await;
    phone
        .wait_text("[data-stage='initial'] .deal .name", "影像设备采购")
        .await;
    phone.set_offline(true).await;
    phone.choose(&format!("#stage-{deal}"), "negotiation").await;
    phone
        .wait_text("[data-stage='negotiation'] .deal .name", "影像设备采购")
        .await;
    phone.wait_contains("#sync-badge", "Unsynced").await;
    let manager = server.login("manager").await;
    let (_, before) = manager.get(&format!("/api/records/opportunity/{deal}")).await;
    assert_eq!(before["stage"], "initial", "nothing reached the server while offline");

    phone.set_offline(false).await;
    phone.click("#sync-badge").await;
    phone.wait_text("#sync-badge", "Synced").await;
    let (_, after) = manager.get(&format!("/api/records/opportunity/{deal}")).await;
    assert_eq!(after["stage"], "negotiation");
    phone.quit().await;
}
