//! What a rep with a valid token (or a stranger with none) tries, and what
//! the server answers, on SQLite and PostgreSQL: hostile spreadsheets,
//! deletes aimed at merged customers, password guessing, borrowed sync ids,
//! reaching up the company, forged figures, rules that would overflow.

use serde_json::{json, Value};
use uuid::Uuid;
use yingpan_tests::{hostile, Api, TestServer, PASSWORD};

yingpan_tests::on_both_backends!(
    hostile_spreadsheets_are_refused_and_the_server_stays_up,
    a_delete_aimed_at_a_merged_customer_never_reaches_the_survivor,
    merges_and_undos_are_a_managers_act,
    guessing_passwords_is_slowed_down_and_answers_reveal_nothing,
    the_user_directory_hides_sign_in_names,
    the_duplicate_check_is_no_company_directory,
    a_sync_id_belongs_to_one_user,
    departures_and_reassignments_only_reach_down,
    the_server_decides_distances_flags_owners_and_late_facts,
    renaming_into_a_duplicate_follows_the_block_policy,
    rules_that_could_overflow_are_refused,
    every_response_carries_security_headers,
    finance_reads_customers_and_changes_none,
    photos_per_day_are_capped,
    messages_come_in_the_language_asked_for,
);

async fn create(api: &Api, name: &str, owner: Uuid) -> (Uuid, Value) {
    let id = Uuid::now_v7();
    let r = api
        .push_one(json!({"seq": 1, "entity": "customer", "id": id, "op": "create",
                         "fields": {"name": name, "owner_id": owner}}))
        .await;
    (id, r)
}

async fn health(server: &TestServer) -> u16 {
    reqwest::get(format!("{}/api/health", server.url))
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

async fn hostile_spreadsheets_are_refused_and_the_server_stays_up(server: TestServer) {
    let rep1 = server.login("rep1").await;
    // It declares A1:XFD1048576 but holds two cells: read as what it holds.
    let claimed = hostile::xlsx_claiming_the_whole_grid();
    assert!(claimed.len() < 4096, "{} bytes", claimed.len());
    let (status, body) = rep1.post_bytes("/api/import/customers", claimed).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["rows"].as_array().unwrap().len(), 1);
    let (status, body) = rep1
        .post_bytes("/api/import/customers", hostile::xlsx_with_a_cell_at_the_far_right())
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("columns"), "{body}");
    let (status, body) = rep1.post_bytes("/api/import/customers", hostile::xlsx_zip_bomb()).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unpacks to more than"),
        "{body}"
    );
    assert_eq!(health(&server).await, 200, "the server is still up");
    let finance_free = server.login("rep2").await;
    assert_eq!(finance_free.get("/api/me").await.0, 200);
}

async fn a_delete_aimed_at_a_merged_customer_never_reaches_the_survivor(server: TestServer) {
    let rep1 = server.login("rep1").await;
    let me = server.users.rep1.id.0;
    let (survivor, _) = create(&rep1, "北京华信科技有限公司", me).await;
    let (merged, _) = create(&rep1, "华信科技（北京）有限公司", me).await;
    let manager = server.login("manager").await;
    let (status, body) = manager
        .post(&format!("/api/customers/{survivor}/merge"), &json!({"merged": merged}))
        .await;
    assert_eq!(status, 200, "{body}");
    // The rep's phone still had B and a delete of it queued.
    let late = rep1
        .push_one(json!({"seq": 7, "entity": "customer", "id": merged, "op": "delete"}))
        .await;
    assert_eq!(late["status"], "rejected", "{late}");
    assert!(
        late["message"]
            .as_str()
            .unwrap()
            .contains("merged into 北京华信科技有限公司"),
        "{late}"
    );
    let (status, kept) = manager.get(&format!("/api/records/customer/{survivor}")).await;
    assert_eq!(status, 200, "the survivor is still there: {kept}");
    // ... and the merge can still be undone.
    let merge = manager
        .cache()
        .await
        .into_iter()
        .find(|((entity, _), _)| entity == "merge")
        .map(|((_, id), _)| id)
        .unwrap();
    let (status, body) = manager.post(&format!("/api/merges/{merge}/undo"), &json!({})).await;
    assert_eq!(status, 200, "{body}");
}

async fn merges_and_undos_are_a_managers_act(server: TestServer) {
    let rep1 = server.login("rep1").await;
    let me = server.users.rep1.id.0;
    let (a, _) = create(&rep1, "南京立达电子有限公司", me).await;
    let (b, _) = create(&rep1, "立达电子（南京）", me).await;
    let manager = server.login("manager").await;
    let locked = manager
        .push_one(json!({"seq": 1, "entity": "customer", "id": a, "op": "update", "fields": {"locked": true}}))
        .await;
    assert_eq!(locked["status"], "applied", "{locked}");
    // Through a merge's field choice a rep could unlock it: not any more.
    let (status, body) = rep1
        .post(
            &format!("/api/customers/{a}/merge"),
            &json!({"merged": b, "keep": {"locked": "merged"}}),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    let (_, record) = manager.get(&format!("/api/records/customer/{a}")).await;
    assert_eq!(record["locked"], true, "{record}");
    let (_, still) = rep1.get(&format!("/api/records/customer/{b}")).await;
    assert!(still["name"].is_string(), "nothing was merged: {still}");

    // A merge into another team's customer cannot be undone by this team's
    // manager alone.
    let outsider = server.login("outsider").await;
    let (theirs, _) = create(&outsider, "杭州恒远贸易有限公司", server.users.outsider.id.0).await;
    let admin = server.login("admin").await;
    let (status, _) = admin
        .post(&format!("/api/customers/{theirs}/merge"), &json!({"merged": b}))
        .await;
    assert_eq!(status, 200);
    let merge = admin
        .cache()
        .await
        .into_iter()
        .find(|((entity, _), data)| entity == "merge" && data["merged_id"] == json!(b))
        .map(|((_, id), _)| id)
        .unwrap();
    let (status, _) = manager.post(&format!("/api/merges/{merge}/undo"), &json!({})).await;
    assert_eq!(status, 404, "the north manager cannot see the survivor");
    let (status, body) = rep1.post(&format!("/api/merges/{merge}/undo"), &json!({})).await;
    assert!(status == 403 || status == 404, "{status} {body}");
}

async fn sign_in(server: &TestServer, username: &str, password: &str) -> reqwest::Response {
    server
        .http
        .post(format!("{}/api/login", server.url))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn guessing_passwords_is_slowed_down_and_answers_reveal_nothing(server: TestServer) {
    let mut statuses = Vec::new();
    for i in 0..30 {
        statuses.push(sign_in(&server, "rep1", &format!("guess-{i}")).await.status().as_u16());
    }
    assert_eq!(statuses[..5], [401; 5], "{statuses:?}");
    assert!(statuses[5..].iter().all(|s| *s == 429), "{statuses:?}");
    let right = sign_in(&server, "rep1", PASSWORD).await;
    assert_eq!(right.status(), 429, "the 31st, right, try waits too");
    let wait: i64 = right.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(wait >= 1, "{wait}");
    let body: Value = right.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_attempts");
    server.clock.fetch_add(wait * 1000, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(
        sign_in(&server, "rep1", PASSWORD).await.status(),
        200,
        "after the wait it works"
    );

    // A wrong password on a closed account reads exactly like one on an
    // open account, and like an unknown name.
    server.store.set_user_active(server.users.rep2.id, false).await.unwrap();
    let mut answers = Vec::new();
    for name in ["rep2", "outsider", "nobody-here"] {
        let res = sign_in(&server, name, "wrong-password").await;
        answers.push((res.status().as_u16(), res.text().await.unwrap()));
    }
    assert!(answers.iter().all(|a| a == &answers[0]), "{answers:?}");
}

async fn the_user_directory_hides_sign_in_names(server: TestServer) {
    let rep1 = server.login("rep1").await;
    let (status, users) = rep1.get("/api/users").await;
    assert_eq!(status, 200);
    for u in users.as_array().unwrap() {
        let own = u["id"] == json!(server.users.rep1.id);
        assert_eq!(u["username"].as_str().unwrap().is_empty(), !own, "{u}");
        assert!(!u["display_name"].as_str().unwrap().is_empty());
    }
    let admin = server.login("admin").await;
    let (_, all) = admin.get("/api/users").await;
    assert!(all
        .as_array()
        .unwrap()
        .iter()
        .all(|u| !u["username"].as_str().unwrap().is_empty()));
}

async fn the_duplicate_check_is_no_company_directory(server: TestServer) {
    let rep2 = server.login("rep2").await;
    create(&rep2, "华信科技有限公司", server.users.rep2.id.0).await;
    let rep1 = server.login("rep1").await;
    let (status, one_char) = rep1.get("/api/duplicates?name=%E5%8D%8E").await;
    assert_eq!((status, one_char), (200, json!([])), "one character finds nothing");
    let (_, found) = rep1
        .get("/api/duplicates?name=%E5%8D%8E%E4%BF%A1%E7%A7%91%E6%8A%80")
        .await;
    let hit = &found[0];
    assert_eq!(hit["name"], "华信科技有限公司");
    assert_eq!(hit["visible"], false);
    assert!(hit.get("phone").is_none(), "name and owner only: {hit}");
    let mut last = 0;
    for i in 0..80 {
        last = rep1
            .get(&format!("/api/duplicates?name=%E5%8D%8E%E4%BF%A1{i:04}"))
            .await
            .0;
        if last == 429 {
            break;
        }
    }
    assert_eq!(last, 429, "checks are rated per user");
    assert_eq!(
        rep2.get("/api/duplicates?name=%E5%8D%8E%E4%BF%A1").await.0,
        200,
        "others are not slowed"
    );
}

async fn a_sync_id_belongs_to_one_user(server: TestServer) {
    let rep1 = server.login("rep1").await;
    let client = Uuid::now_v7();
    let id = Uuid::now_v7();
    let body = json!({"client_id": client, "mutations": [{"seq": 1, "entity": "customer", "id": id, "op": "create",
                       "fields": {"name": "成都天府软件有限公司", "owner_id": server.users.rep1.id}}]});
    let (status, first) = rep1.post("/api/sync/push", &body).await;
    assert_eq!(status, 200, "{first}");
    // rep2 replays rep1's client id and sequence: no stored answer, no write.
    let rep2 = server.login("rep2").await;
    let (status, answer) = rep2.post("/api/sync/push", &body).await;
    assert_eq!(status, 403, "{answer}");
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("belongs to someone else"));
    // rep1's own retry is still answered from the stored result.
    let (status, again) = rep1.post("/api/sync/push", &body).await;
    assert_eq!((status, &again["results"]), (200, &first["results"]));
}

async fn departures_and_reassignments_only_reach_down(server: TestServer) {
    let admin = server.login("admin").await;
    let north = server.users.manager.team_id;
    let peer = yingpan_shared::user::User {
        id: yingpan_shared::ids::UserId(Uuid::now_v7()),
        username: "peer".into(),
        display_name: "PEER".into(),
        role: yingpan_shared::user::Role::Manager,
        team_id: north,
        active: true,
    };
    let hash = yingpan_server::auth::hash_password(PASSWORD).unwrap();
    server.store.create_user(&peer, &hash).await.unwrap();
    let peer_api = server.login("peer").await;
    let (peers_customer, r) = create(&peer_api, "重庆山城物流有限公司", peer.id.0).await;
    assert_eq!(r["status"], "applied", "{r}");
    let manager = server.login("manager").await;
    let pool = json!({"mode": "pool", "confirm": true});
    let (status, body) = manager.post(&format!("/api/users/{}/departure", peer.id), &pool).await;
    assert_eq!(status, 403, "{body}");
    let (status, _) = manager
        .post(&format!("/api/users/{}/departure", server.users.admin.id), &pool)
        .await;
    assert_eq!(status, 403);
    let (status, body) = manager
        .post(
            &format!("/api/customers/{peers_customer}/owner"),
            &json!({"owner_id": server.users.rep1.id}),
        )
        .await;
    assert_eq!(status, 403, "a peer's book is not the manager's to take: {body}");
    assert_eq!(peer_api.get("/api/me").await.0, 200, "the peer is still in");
    let (status, body) = admin.post(&format!("/api/users/{}/departure", peer.id), &pool).await;
    assert_eq!(status, 200, "an admin can: {body}");
}

async fn the_server_decides_distances_flags_owners_and_late_facts(server: TestServer) {
    let rep1 = server.login("rep1").await;
    let customer = Uuid::now_v7();
    let r = rep1
        .push_one(json!({"seq": 1, "entity": "customer", "id": customer, "op": "create",
                         "fields": {"name": "西安秦川机械有限公司", "owner_id": server.users.rep1.id,
                                    "location": {"lat": 34.26, "lon": 108.94}}}))
        .await;
    assert_eq!(r["status"], "applied", "{r}");
    // 11 km away, but the phone claims 3 m.
    let visit = Uuid::now_v7();
    let at = chrono::Utc::now().to_rfc3339();
    let r = rep1
        .push_one(json!({"seq": 1, "entity": "activity", "id": visit, "op": "create",
                         "fields": {"customer_id": customer, "kind": "visit", "content": "拜访", "at": at,
                                    "visit": {"point": {"lat": 34.36, "lon": 108.94}, "accuracy_m": 8.0, "distance_m": 3.0}}}))
        .await;
    assert_eq!(r["status"], "applied", "{r}");
    let (_, stored) = rep1.get(&format!("/api/records/activity/{visit}")).await;
    let d = stored["visit"]["distance_m"].as_f64().unwrap();
    assert!(d > 10_000.0, "the server measured {d} m");

    let flag = rep1
        .push_one(
            json!({"seq": 1, "entity": "duplicate", "id": Uuid::now_v7(), "op": "create",
                         "fields": {"customer_id": customer, "existing_id": Uuid::now_v7(), "existing_name": "假的",
                                    "likeness": "same", "score": 1.0, "at": at}}),
        )
        .await;
    assert_eq!(flag["status"], "rejected", "{flag}");

    let manager = server.login("manager").await;
    let lead = manager
        .push_one(json!({"seq": 1, "entity": "lead", "id": Uuid::now_v7(), "op": "create",
                         "fields": {"name": "赵先生", "owner_id": null}}))
        .await;
    assert_eq!(lead["status"], "rejected", "{lead}");

    // Handed to rep2; three weeks later rep1's phone hands in a note dated
    // from when rep1 still had the customer.
    let before = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let (status, _) = manager
        .post(
            &format!("/api/customers/{customer}/owner"),
            &json!({"owner_id": server.users.rep2.id}),
        )
        .await;
    assert_eq!(status, 200);
    let note = |seq: u64| {
        json!({"seq": seq, "entity": "activity", "id": Uuid::now_v7(), "op": "create",
               "fields": {"customer_id": customer, "kind": "note", "content": "补记", "at": before}})
    };
    assert_eq!(rep1.push_one(note(1)).await["status"], "applied", "within the grace");
    server.advance_days(21);
    let late = rep1.push_one(note(2)).await;
    assert_eq!(late["status"], "rejected", "{late}");
}

async fn renaming_into_a_duplicate_follows_the_block_policy(server: TestServer) {
    let admin = server.login("admin").await;
    let (status, _) = admin.put("/api/duplicates/policy", &json!("block")).await;
    assert_eq!(status, 200);
    let rep2 = server.login("rep2").await;
    create(&rep2, "苏州同创机械有限公司", server.users.rep2.id.0).await;
    let rep1 = server.login("rep1").await;
    let (mine, r) = create(&rep1, "苏州新业电子有限公司", server.users.rep1.id.0).await;
    assert_eq!(r["status"], "applied");
    let rename = rep1
        .push_one(json!({"seq": 1, "entity": "customer", "id": mine, "op": "update",
                         "fields": {"name": "苏州同创机械有限公司"}}))
        .await;
    assert_eq!(rename["status"], "rejected", "{rename}");
    assert!(
        rename["message"].as_str().unwrap().contains("already a customer"),
        "{rename}"
    );
    let fine = rep1
        .push_one(json!({"seq": 1, "entity": "customer", "id": mine, "op": "update", "fields": {"region": "苏州"}}))
        .await;
    assert_eq!(fine["status"], "applied", "{fine}");
}

async fn rules_that_could_overflow_are_refused(server: TestServer) {
    let admin = server.login("admin").await;
    let (_, mut rules) = admin.get("/api/pool/rules").await;
    rules["follow_up_days"] = json!(u32::MAX);
    let (status, body) = admin.put("/api/pool/rules", &rules).await;
    assert_eq!(status, 422, "{body}");
    let (_, mut work) = admin.get("/api/work/rules").await;
    work["today"]["quiet_days"] = json!(100_000);
    let (status, body) = admin.put("/api/work/rules", &work).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(server.login("manager").await.get("/api/team").await.0, 200);
}

async fn every_response_carries_security_headers(server: TestServer) {
    for path in ["/api/health", "/", "/customers"] {
        let res = reqwest::get(format!("{}{path}", server.url)).await.unwrap();
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert!(h.contains_key("referrer-policy"), "{path}");
    }
}

async fn finance_reads_customers_and_changes_none(server: TestServer) {
    let rep1 = server.login("rep1").await;
    let (customer, _) = create(&rep1, "天津正泰建材有限公司", server.users.rep1.id.0).await;
    let finance = yingpan_shared::user::User {
        id: yingpan_shared::ids::UserId(Uuid::now_v7()),
        username: "finance".into(),
        display_name: "周敏".into(),
        role: yingpan_shared::user::Role::Finance,
        team_id: None,
        active: true,
    };
    let hash = yingpan_server::auth::hash_password(PASSWORD).unwrap();
    server.store.create_user(&finance, &hash).await.unwrap();
    let money = server.login("finance").await;
    assert!(money
        .cache()
        .await
        .contains_key(&("customer".to_owned(), customer.to_string())));
    let edit = money
        .push_one(json!({"seq": 1, "entity": "customer", "id": customer, "op": "update", "fields": {"phone": "022-1"}}))
        .await;
    assert_eq!(edit["status"], "rejected", "{edit}");
    let claim = money
        .push_one(json!({"seq": 2, "entity": "customer", "id": customer, "op": "claim"}))
        .await;
    assert_eq!(claim["status"], "rejected", "{claim}");
    let (status, _) = money.get("/api/team").await;
    assert_eq!(status, 403);
    let (status, _) = money
        .post_bytes("/api/import/customers", "名称\n华信\n".as_bytes().to_vec())
        .await;
    assert_eq!(status, 403);
}

async fn photos_per_day_are_capped(server: TestServer) {
    let rep1 = server.login("rep1").await;
    let customer = Uuid::now_v7();
    rep1.push_one(json!({"seq": 1, "entity": "customer", "id": customer, "op": "create",
                         "fields": {"name": "宁波港城贸易有限公司", "owner_id": server.users.rep1.id}}))
        .await;
    let mut last = (0, Value::Null);
    // Each visit names a 3 MB photo; the first chunk of each claims its
    // total against the day's allowance of 200 MB.
    for i in 0..80 {
        let (visit, photo) = (Uuid::now_v7(), Uuid::now_v7());
        let r = rep1
            .push_one(json!({"seq": i + 1, "entity": "activity", "id": visit, "op": "create",
                             "fields": {"customer_id": customer, "kind": "visit", "content": "拜访",
                                        "at": chrono::Utc::now().to_rfc3339(),
                                        "visit": {"point": {"lat": 29.87, "lon": 121.55}, "accuracy_m": 8.0,
                                                  "photo_id": photo}}}))
            .await;
        assert_eq!(r["status"], "applied", "{r}");
        let mut chunk = vec![0xFF, 0xD8, 0xFF];
        chunk.resize(1024, 0);
        last = rep1
            .put_bytes(
                &format!(
                    "/api/photos/{photo}?activity={visit}&offset=0&total={}",
                    3 * 1024 * 1024
                ),
                "image/jpeg",
                chunk,
            )
            .await;
        if last.0 == 429 {
            break;
        }
        assert_eq!(last.0, 200, "{}", last.1);
    }
    assert_eq!(last.0, 429, "{}", last.1);
}

async fn messages_come_in_the_language_asked_for(server: TestServer) {
    let chinese = |s: &str| s.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c));
    let wrong = json!({"username": "rep1", "password": "not the password"});
    let ask = |lang: &'static str| {
        server
            .http
            .post(format!("{}/api/login", server.url))
            .header("Accept-Language", lang)
            .json(&wrong)
            .send()
    };
    let zh: Value = ask("zh-CN,zh;q=0.9").await.unwrap().json().await.unwrap();
    let en: Value = ask("en-US").await.unwrap().json().await.unwrap();
    assert_eq!(zh["error"]["code"], "bad_credentials", "the code stays the same: {zh}");
    assert_eq!(en["error"]["code"], "bad_credentials");
    assert!(chinese(zh["error"]["message"].as_str().unwrap()), "{zh}");
    assert!(!chinese(en["error"]["message"].as_str().unwrap()), "{en}");

    // A refused change in a push reads Chinese too, with the names kept.
    let rep1 = server.login("rep1").await;
    let (id, _) = create(&rep1, "深圳南山科技有限公司", server.users.rep1.id.0).await;
    let res: Value = server
        .http
        .post(format!("{}/api/sync/push", server.url))
        .bearer_auth(&rep1.token)
        .header("Accept-Language", "zh-CN")
        .json(&json!({"client_id": Uuid::now_v7(), "mutations": [
            {"seq": 1, "entity": "customer", "id": id, "op": "delete"}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let message = res["results"][0]["message"].as_str().unwrap();
    assert!(chinese(message), "{message}");
}
