//! Takes phone-sized screenshots of a running Yingpan, to look at the UI:
//! `cargo run -p yingpan-tests --example screenshots -- http://127.0.0.1:8080 shots/`
//! (needs the demo data: `scripts/run`).

use yingpan_tests::browser::Browser;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let base = args.next().unwrap_or_else(|| "http://127.0.0.1:8080".into());
    let out = std::path::PathBuf::from(args.next().unwrap_or_else(|| "shots".into()));
    std::fs::create_dir_all(&out).expect("output folder");
    // The smallest phone the app is designed for.
    let browser = Browser::start_sized(&base, 360, 800).await;
    let shot = async |name: &str| {
        let path = out.join(format!("{name}.png"));
        browser.driver.screenshot(&path).await.expect("screenshot");
        println!("{}", path.display());
    };
    browser.open("/").await;
    browser.wait_for("#username").await;
    shot("1-login").await;
    browser.login("rep1", "yingpan123").await;
    browser.wait_for(".customer-row").await;
    shot("2-customers").await;
    browser.click("#nav-today").await;
    browser.wait_for("#today h2").await;
    shot("2a-today").await;
    browser.click("#nav-pipeline").await;
    browser.wait_for("#board").await;
    shot("2b-pipeline").await;
    browser.click("#nav-customers").await;
    browser.click(".customer-row").await;
    browser.wait_for("#customer-title").await;
    shot("3-customer").await;
    // Checked in about 2 km from the customer's recorded place.
    browser.set_position(39.93, 116.42, 25.0).await;
    browser.click("#check-in").await;
    browser.wait_for("#visiting").await;
    shot("3a-check-in").await;
    browser.click("#cancel-visit").await;
    browser.set_offline(true).await;
    browser.click("#edit-customer").await;
    // A fresh value each run, so there is always something to sync.
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    browser.fill("#customer-region", &format!("离线修改{stamp}")).await;
    browser.click("#customer-save").await;
    browser.wait_for(".badge.pending").await;
    shot("4-offline-edit").await;
    browser.set_offline(false).await;
    browser.click("#sync-page").await;
    browser.wait_for("#sync-now").await;
    shot("5-sync-page").await;
    browser.click("#nav-pool").await;
    browser.wait_for(".pool-row").await;
    shot("6-pool").await;
    // Signing out with changes pending asks first; let the edit sync.
    browser.wait_for(".badge.ok").await;
    browser.click("#sign-out").await;
    browser.login("manager", "yingpan123").await;
    browser.click("#nav-visits").await;
    browser.wait_for("#visit-day").await;
    shot("6a-visits").await;
    browser.click("#nav-team").await;
    browser.wait_for("#team-table").await;
    shot("7-team").await;
    browser.click("#departing option:nth-child(2)").await;
    browser.click("#receiver-rep2").await;
    browser.click("#preview-departure").await;
    browser.wait_for("#handover-plan").await;
    browser
        .driver
        .execute("document.querySelector('#handover-plan').scrollIntoView()", vec![])
        .await
        .expect("scroll");
    shot("8-departure-preview").await;
    browser.quit().await;
}
