//! People and teams through the API, on SQLite and PostgreSQL: accounts
//! made by admins and managers, first passwords and invites, resets, team
//! moves that move who sees a book, deactivation, sessions, the audit log.

use serde_json::{json, Value};
use uuid::Uuid;
use yingpan_tests::{Api, TestServer};

yingpan_tests::on_both_backends!(
    an_admin_builds_a_team_and_new_people_choose_their_password,
    an_invite_signs_in_once,
    managers_look_after_their_own_reps_only,
    moving_a_rep_to_another_team_moves_who_sees_their_book,
    a_reset_ends_sessions_and_forces_a_new_password,
    deactivating_needs_the_departure_flow_when_someone_owns_customers,
    everyone_sees_and_ends_their_own_sessions,
    administrative_acts_are_audited_append_only_and_exported,
    a_moved_manager_starts_their_cache_again,
    a_reset_retires_an_open_invite_and_admins_leave_each_other_alone,
    the_hourly_purge_drops_expired_sessions_only,
    a_team_move_on_one_server_changes_who_sees_what_on_another_at_once,
    two_changes_to_one_person_at_once_both_stay,
);

async fn sign_in(server: &TestServer, username: &str, password: &str) -> (u16, Value) {
    let res = server
        .http
        .post(format!("{}/api/login", server.url))
        .header(
            "User-Agent",
            "Mozilla/5.0 (Linux; Android 14) Chrome/126.0 Mobile Safari/537.36",
        )
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn api_of(server: &TestServer, login: &Value) -> Api {
    Api {
        base: server.url.clone(),
        token: login["token"].as_str().unwrap().to_owned(),
        http: server.http.clone(),
    }
}

/// Signs in with a first password and replaces it; returns the client.
async fn first_sign_in(server: &TestServer, username: &str, initial: &str) -> Api {
    let (status, login) = sign_in(server, username, initial).await;
    assert_eq!(status, 200, "{login}");
    assert_eq!(login["must_change_password"], true);
    let api = api_of(server, &login);
    let (status, body) = api.get("/api/sync/pull").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("password_change_required"))
    );
    let (status, body) = api
        .post(
            "/api/me/password",
            &json!({"current": initial, "new": "my own secret 1"}),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(api.get("/api/sync/pull").await.0, 200);
    api
}

async fn create_person(api: &Api, body: Value) -> (u16, Value) {
    api.post("/api/people", &body).await
}

/// A manager for the South team (the outsider's), made by `admin` and
/// signed in on `server` with a password of their own.
async fn south_manager(server: &TestServer, admin: &Api) -> Api {
    let south = server.users.outsider.team_id.unwrap();
    let (status, boss) = create_person(
        admin,
        json!({"username": "southboss", "display_name": "南区经理", "role": "manager", "team_id": south}),
    )
    .await;
    assert_eq!(status, 201, "{boss}");
    first_sign_in(server, "southboss", boss["initial_password"].as_str().unwrap()).await
}

async fn an_admin_builds_a_team_and_new_people_choose_their_password(server: TestServer) {
    let admin = server.login("admin").await;
    let (status, team) = admin.post("/api/teams", &json!({"name": "西南大区"})).await;
    assert_eq!(status, 201, "{team}");
    let (status, renamed) = admin
        .put(
            &format!("/api/teams/{}", team["id"].as_str().unwrap()),
            &json!({"name": "西南一部"}),
        )
        .await;
    assert_eq!((status, renamed["name"].as_str()), (200, Some("西南一部")));
    let (status, created) = create_person(
        &admin,
        json!({"username": "zhaolei", "display_name": "赵磊", "role": "manager", "team_id": team["id"],
               "phone": "13800001111", "email": "zhaolei@example.cn"}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let initial = created["initial_password"].as_str().unwrap().to_owned();
    let (status, taken) = create_person(
        &admin,
        json!({"username": "zhaolei", "display_name": "另一个", "role": "rep", "team_id": team["id"]}),
    )
    .await;
    assert_eq!(status, 409, "{taken}");
    let zhao = first_sign_in(&server, "zhaolei", &initial).await;
    assert_eq!(
        sign_in(&server, "zhaolei", &initial).await.0,
        401,
        "the first password is gone"
    );
    // The new manager adds a rep to their own team.
    let (status, rep) = create_person(
        &zhao,
        json!({"username": "sunli", "display_name": "孙丽", "role": "rep", "team_id": team["id"]}),
    )
    .await;
    assert_eq!(status, 201, "{rep}");
    let sun = first_sign_in(&server, "sunli", rep["initial_password"].as_str().unwrap()).await;
    let (_, me) = sun.get("/api/me").await;
    assert_eq!(me["role"], "rep");
    let (status, bad) = create_person(
        &admin,
        json!({"username": "Bad Name", "display_name": "x", "role": "rep"}),
    )
    .await;
    assert_eq!(status, 422, "{bad}");
}

async fn an_invite_signs_in_once(server: TestServer) {
    let admin = server.login("admin").await;
    let (status, created) = create_person(
        &admin,
        json!({"username": "zhoumin", "display_name": "周敏", "role": "finance", "invite": true}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert!(created["initial_password"].is_null());
    let token = created["invite_token"].as_str().unwrap();
    let accept = |password: &str| json!({"token": token, "password": password});
    let res = server
        .http
        .post(format!("{}/api/invites/accept", server.url))
        .json(&accept("short"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422, "a too-short password does not use up the link");
    let res = server
        .http
        .post(format!("{}/api/invites/accept", server.url))
        .json(&accept("zhou min's own"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let login: Value = res.json().await.unwrap();
    assert_eq!(login["user"]["role"], "finance");
    assert_eq!(api_of(&server, &login).get("/api/sync/pull").await.0, 200);
    let again = server
        .http
        .post(format!("{}/api/invites/accept", server.url))
        .json(&accept("another one"))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 404, "an invite works once");
    assert_eq!(sign_in(&server, "zhoumin", "zhou min's own").await.0, 200);
}

async fn managers_look_after_their_own_reps_only(server: TestServer) {
    let manager = server.login("manager").await;
    let south = server.users.outsider.team_id;
    let north = server.users.manager.team_id;
    let (status, _) = create_person(
        &manager,
        json!({"username": "elsewhere", "display_name": "x", "role": "rep", "team_id": south}),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = create_person(
        &manager,
        json!({"username": "boss2", "display_name": "x", "role": "manager", "team_id": north}),
    )
    .await;
    assert_eq!(status, 403);
    let (status, people) = manager.get("/api/people").await;
    assert_eq!(status, 200);
    let names: Vec<&str> = people
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["username"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"rep1") && names.contains(&"manager"), "{names:?}");
    assert!(!names.contains(&"outsider") && !names.contains(&"admin"), "{names:?}");
    let rep1 = server.users.rep1.id;
    let (status, body) = manager
        .put(&format!("/api/people/{rep1}"), &json!({"role": "manager"}))
        .await;
    assert_eq!(status, 403, "only an admin promotes: {body}");
    let outsider = server.users.outsider.id;
    let (status, _) = manager
        .post(&format!("/api/people/{outsider}/password-reset"), &json!({}))
        .await;
    assert_eq!(status, 404, "another team's rep is not even there");
    let admin = server.users.admin.id;
    let (status, _) = manager
        .post(&format!("/api/people/{admin}/password-reset"), &json!({}))
        .await;
    assert_eq!(status, 404);
    let rep = server.login("rep1").await;
    assert_eq!(rep.get("/api/people").await.0, 403);
    assert_eq!(rep.post("/api/teams", &json!({"name": "x"})).await.0, 403);
}

async fn moving_a_rep_to_another_team_moves_who_sees_their_book(server: TestServer) {
    let rep1 = server.login("rep1").await;
    let mut mine = Vec::new();
    for name in ["武汉长风物流有限公司", "长沙湘江建材有限公司"] {
        let id = Uuid::now_v7();
        let r = rep1
            .push_one(json!({"seq": 1, "entity": "customer", "id": id, "op": "create",
                             "fields": {"name": name, "owner_id": server.users.rep1.id}}))
            .await;
        assert_eq!(r["status"], "applied");
        mine.push(id.to_string());
    }
    let admin = server.login("admin").await;
    let south = server.users.outsider.team_id.unwrap();
    let south_manager = south_manager(&server, &admin).await;
    let north_manager = server.login("manager").await;
    // Both managers' devices are in sync before the move.
    let (_, north_before) = north_manager.get("/api/sync/pull").await;
    let (_, south_before) = south_manager.get("/api/sync/pull").await;
    let held = |body: &Value, id: &str| {
        body["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == id && !c["data"].is_null())
    };
    assert!(mine.iter().all(|id| held(&north_before, id)));
    assert!(!mine.iter().any(|id| held(&south_before, id)));

    let (status, moved) = admin
        .put(
            &format!("/api/people/{}", server.users.rep1.id),
            &json!({"team_id": south}),
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["team_id"], json!(south));
    let since = |body: &Value| body["cursor"].as_i64().unwrap();
    let (_, north_after) = north_manager
        .get(&format!("/api/sync/pull?since={}", since(&north_before)))
        .await;
    let evicted: Vec<&str> = north_after["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["data"].is_null())
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(mine.iter().all(|id| evicted.contains(&id.as_str())), "{north_after}");
    let (_, south_after) = south_manager
        .get(&format!("/api/sync/pull?since={}", since(&south_before)))
        .await;
    assert!(mine.iter().all(|id| held(&south_after, id)), "{south_after}");
    // The rep keeps their book and works on.
    assert!(rep1
        .cache()
        .await
        .contains_key(&("customer".to_owned(), mine[0].clone())));
    let (status, _) = north_manager
        .post(
            &format!("/api/customers/{}/owner", mine[0]),
            &json!({"owner_id": server.users.rep2.id}),
        )
        .await;
    assert_eq!(status, 404, "no longer the north manager's to move");
}

async fn a_reset_ends_sessions_and_forces_a_new_password(server: TestServer) {
    let rep1 = server.login("rep1").await;
    let manager = server.login("manager").await;
    let (status, reset) = manager
        .post(
            &format!("/api/people/{}/password-reset", server.users.rep1.id),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{reset}");
    assert_eq!(rep1.get("/api/me").await.0, 401, "the old session ended");
    let temporary = reset["temporary_password"].as_str().unwrap();
    first_sign_in(&server, "rep1", temporary).await;
}

async fn deactivating_needs_the_departure_flow_when_someone_owns_customers(server: TestServer) {
    let rep1 = server.login("rep1").await;
    rep1.push_one(
        json!({"seq": 1, "entity": "customer", "id": Uuid::now_v7(), "op": "create",
                         "fields": {"name": "大连海湾渔业有限公司", "owner_id": server.users.rep1.id}}),
    )
    .await;
    let manager = server.login("manager").await;
    let (status, body) = manager
        .post(&format!("/api/people/{}/deactivate", server.users.rep1.id), &json!({}))
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("handover"),
        "{body}"
    );
    assert_eq!(rep1.get("/api/me").await.0, 200);
    let rep2 = server.login("rep2").await;
    let (status, body) = manager
        .post(&format!("/api/people/{}/deactivate", server.users.rep2.id), &json!({}))
        .await;
    assert_eq!((status, body["active"].as_bool()), (200, Some(false)), "{body}");
    assert_eq!(rep2.get("/api/me").await.0, 401);
    let (status, body) = manager
        .post(&format!("/api/people/{}/reactivate", server.users.rep2.id), &json!({}))
        .await;
    assert_eq!((status, body["active"].as_bool()), (200, Some(true)), "{body}");
    assert_eq!(rep2.get("/api/me").await.0, 401, "old sessions stay ended");
    server.login("rep2").await;
}

async fn everyone_sees_and_ends_their_own_sessions(server: TestServer) {
    let (_, phone) = sign_in(&server, "rep1", yingpan_tests::PASSWORD).await;
    let phone = api_of(&server, &phone);
    let laptop = server.login("rep1").await;
    let (status, sessions) = phone.get("/api/me/sessions").await;
    assert_eq!(status, 200);
    let list = sessions.as_array().unwrap();
    assert_eq!(list.len(), 2, "{sessions}");
    let current: Vec<&Value> = list.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["device"], "Chrome on Android");
    let other = list.iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap();
    let res = phone
        .http
        .delete(format!("{}/api/me/sessions/{other}", phone.base))
        .bearer_auth(&phone.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(laptop.get("/api/me").await.0, 401);
    assert_eq!(phone.get("/api/me").await.0, 200);
    // Nobody ends someone else's session by its id.
    let rep2 = server.login("rep2").await;
    let (_, theirs) = phone.get("/api/me/sessions").await;
    let mine = theirs[0]["id"].as_str().unwrap();
    let res = rep2
        .http
        .delete(format!("{}/api/me/sessions/{mine}", rep2.base))
        .bearer_auth(&rep2.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(phone.get("/api/me").await.0, 200);
}

async fn administrative_acts_are_audited_append_only_and_exported(server: TestServer) {
    let admin = server.login("admin").await;
    let (_, team) = admin.post("/api/teams", &json!({"name": "审计组"})).await;
    let (_, created) = create_person(
        &admin,
        json!({"username": "audited", "display_name": "被审计", "role": "rep", "team_id": team["id"]}),
    )
    .await;
    let id = created["person"]["id"].as_str().unwrap();
    admin
        .post(&format!("/api/people/{id}/password-reset"), &json!({}))
        .await;
    let (_, mut rules) = admin.get("/api/pool/rules").await;
    rules["follow_up_days"] = json!(45);
    assert_eq!(admin.put("/api/pool/rules", &rules).await.0, 200);
    let (status, log) = admin.get("/api/audit").await;
    assert_eq!(status, 200);
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for expected in ["team_created", "user_created", "password_reset", "rules_changed"] {
        assert!(actions.contains(&expected), "{expected} in {actions:?}");
    }
    let entry = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "user_created")
        .unwrap();
    assert_eq!(entry["actor"], json!(server.users.admin.id));
    assert_eq!(entry["address"], "127.0.0.1");
    assert_eq!(entry["target"], id);
    let (_, only) = admin.get("/api/audit?action=password_reset").await;
    assert_eq!(only.as_array().unwrap().len(), 1);
    let (_, csv) = admin.get("/api/audit.csv").await;
    let csv = csv.as_str().unwrap();
    assert!(
        csv.contains("time (UTC),who,user id,address,action,target,detail"),
        "{csv}"
    );
    assert!(csv.contains("password_reset"));
    assert_eq!(server.login("manager").await.get("/api/audit").await.0, 403);
    // Not even the database lets an entry change.
    let changed = server.execute_sql("UPDATE audit_log SET action = 'nothing'").await;
    assert!(changed.is_err(), "the audit log took an UPDATE");
}

async fn a_moved_manager_starts_their_cache_again(server: TestServer) {
    let rep1 = server.login("rep1").await;
    rep1.push_one(
        json!({"seq": 1, "entity": "customer", "id": Uuid::now_v7(), "op": "create",
                         "fields": {"name": "青岛海信测试有限公司", "owner_id": server.users.rep1.id}}),
    )
    .await;
    let manager = server.login("manager").await;
    let (_, before) = manager.get("/api/sync/pull").await;
    let cursor = before["cursor"].as_i64().unwrap();
    assert!(cursor > 0);
    let admin = server.login("admin").await;
    let south = server.users.outsider.team_id;
    let (status, body) = admin
        .put(
            &format!("/api/people/{}", server.users.manager.id),
            &json!({"team_id": south}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // The manager's own device no longer holds the north team's book: it is
    // told to start again, and then holds only what the south team sees.
    let (_, next) = manager.get(&format!("/api/sync/pull?since={cursor}")).await;
    assert_eq!(next["reset"], true, "{next}");
    let held = manager.cache().await;
    assert!(
        !held.values().any(|d| d["name"] == "青岛海信测试有限公司"),
        "the north book is gone"
    );
    let (_, fresh) = manager.get("/api/sync/pull").await;
    let (_, settled) = manager
        .get(&format!("/api/sync/pull?since={}", fresh["cursor"].as_i64().unwrap()))
        .await;
    assert_eq!(settled["reset"], false, "a cursor after the move is kept: {settled}");
}

async fn a_reset_retires_an_open_invite_and_admins_leave_each_other_alone(server: TestServer) {
    let admin = server.login("admin").await;
    let (_, created) = create_person(
        &admin,
        json!({"username": "invited", "display_name": "受邀", "role": "rep",
               "team_id": server.users.rep1.team_id, "invite": true}),
    )
    .await;
    let token = created["invite_token"].as_str().unwrap().to_owned();
    let id = created["person"]["id"].as_str().unwrap();
    let (status, _) = admin
        .post(&format!("/api/people/{id}/password-reset"), &json!({}))
        .await;
    assert_eq!(status, 200);
    let res = server
        .http
        .post(format!("{}/api/invites/accept", server.url))
        .json(&json!({"token": token, "password": "took over the account"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404, "the reset retired the invite");
    let (_, other) = create_person(
        &admin,
        json!({"username": "admin2", "display_name": "第二管理员", "role": "admin"}),
    )
    .await;
    let other = other["person"]["id"].as_str().unwrap();
    let (status, _) = admin
        .post(&format!("/api/people/{other}/password-reset"), &json!({}))
        .await;
    assert_eq!(status, 403, "one admin does not take over another");
}

async fn the_hourly_purge_drops_expired_sessions_only(server: TestServer) {
    let rep1 = server.login("rep1").await;
    let id = server.users.rep1.id;
    assert_eq!(server.store.sessions_of(id).await.unwrap().len(), 1);
    assert_eq!(
        yingpan_server::jobs::purge_once(&server.state).await.unwrap(),
        0,
        "nothing expired yet"
    );
    server.advance_days(server.state.settings.session_days - 1);
    let fresh = server.login("rep1").await;
    server.advance_days(2);
    assert_eq!(rep1.get("/api/me").await.0, 401, "the first session has expired");
    assert_eq!(
        server.store.sessions_of(id).await.unwrap().len(),
        2,
        "but is still stored"
    );
    assert!(yingpan_server::jobs::purge_once(&server.state).await.unwrap() >= 1);
    let left = server.store.sessions_of(id).await.unwrap();
    assert_eq!(left.len(), 1, "only the fresh session is kept");
    assert_eq!(fresh.get("/api/me").await.0, 200);
}

async fn a_team_move_on_one_server_changes_who_sees_what_on_another_at_once(server: TestServer) {
    // Two servers on one database, each keeping the directory in memory.
    let other = server.another_server().await;
    let admin = other.login("admin").await;
    let south = server.users.outsider.team_id.unwrap();
    let south_manager = south_manager(&server, &admin).await;
    let north_manager = server.login("manager").await;
    let rep1 = server.login("rep1").await;
    let (_, north_before) = north_manager.get("/api/sync/pull").await;
    let (_, south_before) = south_manager.get("/api/sync/pull").await;

    // The move is made on the other server...
    let moved = admin
        .put(
            &format!("/api/people/{}", server.users.rep1.id),
            &json!({"team_id": south}),
        )
        .await;
    assert_eq!(moved.0, 200, "{}", moved.1);
    // ...and the rep's next customer, pushed to this one, goes to the
    // south manager only.
    let id = Uuid::now_v7();
    let r = rep1
        .push_one(json!({"seq": 1, "entity": "customer", "id": id, "op": "create",
                         "fields": {"name": "搬家后客户", "owner_id": server.users.rep1.id}}))
        .await;
    assert_eq!(r["status"], "applied");
    let cursor = |body: &Value| body["cursor"].as_i64().unwrap();
    let holds = |body: &Value| {
        body["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == json!(id) && !c["data"].is_null())
    };
    let (_, north_after) = north_manager
        .get(&format!("/api/sync/pull?since={}", cursor(&north_before)))
        .await;
    assert!(!holds(&north_after), "no longer the north team's: {north_after}");
    let (_, south_after) = south_manager
        .get(&format!("/api/sync/pull?since={}", cursor(&south_before)))
        .await;
    assert!(holds(&south_after), "now the south team's: {south_after}");
}

async fn two_changes_to_one_person_at_once_both_stay(server: TestServer) {
    // Two admins' screens (one account here, two sessions).
    let (admin, other_admin) = (server.login("admin").await, server.login("admin").await);
    let south = server.users.outsider.team_id.unwrap();
    let rep2 = server.users.rep2.id;
    let path = format!("/api/people/{rep2}");
    let (rename, move_team) = (json!({"display_name": "王小明"}), json!({"team_id": south}));
    let (named, moved) = tokio::join!(other_admin.put(&path, &rename), admin.put(&path, &move_team));
    assert_eq!(named.0, 200, "{}", named.1);
    assert_eq!(moved.0, 200, "{}", moved.1);
    let (_, people) = admin.get("/api/people").await;
    let person = people
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == json!(rep2))
        .unwrap()
        .clone();
    assert_eq!(person["display_name"], "王小明", "{person}");
    assert_eq!(person["team_id"], json!(south), "{person}");
}
