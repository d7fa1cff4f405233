//! End to end, a company starting from nothing: an empty database, the
//! first admin from the command line, the admin building two teams in the
//! app, people choosing their passwords, and a rep moving to the other team
//! with both managers' devices following (the real app in headless
//! Chromium against the real server).

use serde_json::json;
use yingpan_server::cli::{run_admin, AdminCommand, PasswordSource};
use yingpan_tests::browser::Browser;
use yingpan_tests::{Backend, TestServer};

/// The one-time password the People page shows after creating someone.
async fn created_password(browser: &Browser, username: &str) -> String {
    browser.wait_contains("#people-said", &format!("({username})")).await;
    let said = browser.texts("#people-said").await.join(" ");
    said.split_whitespace().last().unwrap().to_owned()
}

async fn add_person(browser: &Browser, username: &str, name: &str, role: &str, team: &str) -> String {
    browser.choose("#person-role", role).await;
    browser.choose("#person-team", team).await;
    browser.fill("#person-username", username).await;
    // Enter in the last field sends the form, as on a phone's keyboard.
    browser.fill("#person-name", &format!("{name}\n")).await;
    let password = created_password(browser, username).await;
    // The list reloads with the new person.
    browser
        .wait_for(&format!("#people-list li[data-username='{username}']"))
        .await;
    password
}

/// The id of the team named `name`, from the server.
async fn team_id(server: &TestServer, name: &str) -> String {
    let teams: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/api/teams", server.url))
        .bearer_auth(admin_token(server).await)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    teams
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no team {name}: {teams}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn admin_token(server: &TestServer) -> String {
    let login: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/api/login", server.url))
        .json(&json!({"username": "boss", "password": "boss-password-1"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    login["token"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_company_starts_from_an_empty_database_and_a_team_move_follows_on_every_device() {
    let server = TestServer::start_empty(Backend::Sqlite).await.unwrap();
    assert!(server.store.users().await.unwrap().is_empty());
    let mut typed: &[u8] = b"boss-password-1\n";
    let said = run_admin(
        server.store.as_ref(),
        AdminCommand::Create {
            username: "boss".into(),
            name: "老板".into(),
        },
        &mut PasswordSource::Lines(&mut typed),
        server.now_ms(),
    )
    .await
    .unwrap();
    assert!(said.contains("Created admin boss"), "{said}");

    // The admin builds the company in the app.
    let admin = Browser::start(&server.url).await;
    admin.login("boss", "boss-password-1").await;
    admin.click("#nav-people").await;
    for name in ["华北一部", "华南一部"] {
        admin.fill("#new-team-name", name).await;
        admin.click("#add-team button").await;
        admin.wait_text("#person-team option", name).await;
    }
    let (north, south) = (team_id(&server, "华北一部").await, team_id(&server, "华南一部").await);
    let north_pw = add_person(&admin, "north", "赵北", "manager", &north).await;
    let south_pw = add_person(&admin, "south", "钱南", "manager", &south).await;
    let rep_a_pw = add_person(&admin, "rep-a", "孙甲", "rep", &north).await;
    let rep_b_pw = add_person(&admin, "rep-b", "李乙", "rep", &north).await;

    // Each chooses their own password at the first sign-in.
    let rep_a = Browser::start(&server.url).await;
    rep_a.first_login("rep-a", &rep_a_pw, "rep a's own pass").await;
    let rep_b = Browser::start(&server.url).await;
    rep_b.first_login("rep-b", &rep_b_pw, "rep b's own pass").await;
    rep_b.quit().await;
    // rep-a adds a customer in the app.
    rep_a.click("#nav-customers").await;
    rep_a.click("#new-customer").await;
    rep_a.fill("#customer-name", "北京燕山石化设备有限公司").await;
    rep_a.click("#customer-save").await;
    rep_a.wait_text("#customer-title", "北京燕山石化设备有限公司").await;
    rep_a.wait_text("#sync-badge", "Synced").await;
    rep_a.click("#nav-customers").await;

    let north_phone = Browser::start(&server.url).await;
    north_phone.first_login("north", &north_pw, "north's own pass").await;
    north_phone.click("#nav-customers").await;
    north_phone
        .wait_text(".customer-row .name", "北京燕山石化设备有限公司")
        .await;
    let south_phone = Browser::start(&server.url).await;
    south_phone.first_login("south", &south_pw, "south's own pass").await;
    south_phone.click("#nav-customers").await;
    south_phone.wait_for("#search").await;
    assert!(south_phone.texts(".customer-row .name").await.is_empty());

    // The admin moves rep-a to the south team.
    admin.open("/people").await;
    let row = "#people-list li[data-username='rep-a']";
    admin.wait_for(row).await;
    // The page fits a phone: nothing widens it past the screen (a wider
    // page is shown zoomed out, and taps land beside their buttons).
    let widths = admin
        .driver
        .execute("return [window.innerWidth, screen.width];", vec![])
        .await
        .unwrap()
        .json()
        .clone();
    assert!(
        widths[0].as_f64() <= widths[1].as_f64(),
        "the people page is wider than the phone: {widths}"
    );
    admin.choose(&format!("{row} .person-team"), &south).await;
    admin.click(&format!("{row} .save-person")).await;
    let moved = async {
        loop {
            let users = server.store.users().await.unwrap();
            let a = users.iter().find(|u| u.username == "rep-a").unwrap();
            if a.team_id.map(|t| t.to_string()) == Some(south.clone()) {
                return;
            }
            tokio::task::yield_now().await;
        }
    };
    if tokio::time::timeout(std::time::Duration::from_secs(10), moved)
        .await
        .is_err()
    {
        panic!(
            "the move was not saved; the page says {:?}, the row shows {:?}",
            admin.texts("#people-said").await,
            admin.texts(&format!("{row} strong")).await
        );
    }

    north_phone.click("#sync-badge").await;
    north_phone
        .wait_gone(".customer-row .name", "北京燕山石化设备有限公司")
        .await;
    south_phone.click("#sync-badge").await;
    south_phone
        .wait_text(".customer-row .name", "北京燕山石化设备有限公司")
        .await;
    // rep-a still has the customer.
    rep_a.click("#sync-badge").await;
    rep_a.wait_text(".customer-row .name", "北京燕山石化设备有限公司").await;

    // A rep does not get the admin's pages, even by address.
    rep_a.open("/settings").await;
    rep_a.wait_for("#not-for-role").await;
    assert!(rep_a.texts("#nav-settings").await.is_empty());
    for b in [admin, rep_a, north_phone, south_phone] {
        b.quit().await;
    }
}
