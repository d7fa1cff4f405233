//! The server's API against a real database: every test runs on SQLite and
//! on PostgreSQL.

use serde_json::{json, Value};
use uuid::Uuid;
use yingpan_tests::{Api, Backend, TestServer};

yingpan_tests::on_both_backends!(
    login_gives_a_token_that_identifies_the_user,
    wrong_password_and_missing_token_are_refused,
    logout_revokes_the_token,
    deactivated_user_is_signed_out_at_once,
    push_is_idempotent_when_retried,
    rep_cannot_see_or_change_another_reps_customer,
    manager_sees_team_reps_changes_but_not_other_teams,
    same_field_edited_concurrently_keeps_the_losing_value,
    pull_pages_through_every_change_in_order,
    concurrent_writers_never_make_a_pull_skip_a_change,
    concurrent_writers_on_three_servers_never_make_a_pull_skip_a_change,
    bad_input_gets_a_clear_client_error,
    deleted_customer_reaches_other_clients_as_removal,
    reassigned_customer_is_evicted_from_old_owner_and_reaches_new_owner,
    only_managers_reassign_and_only_within_their_team,
    cursor_from_the_future_asks_the_client_to_resync,
    first_pull_says_how_many_records_to_expect,
    losing_value_becomes_a_conflict_record_both_sides_see,
    edit_of_deleted_customer_is_kept_as_conflict,
    activities_are_append_only,
);

fn create_customer(seq: u64, id: Uuid, name: &str, owner: impl serde::Serialize) -> Value {
    json!({"seq": seq, "entity": "customer", "id": id, "op": "create",
           "fields": {"name": name, "owner_id": owner}})
}

async fn push(api: &Api, client: Uuid, mutations: Vec<Value>) -> Vec<Value> {
    let (status, body) = api
        .post("/api/sync/push", &json!({"client_id": client, "mutations": mutations}))
        .await;
    assert_eq!(status, 200, "{body}");
    body["results"].as_array().unwrap().clone()
}

async fn pull_all(api: &Api) -> Vec<Value> {
    api.pull_all().await
}

fn ids(changes: &[Value]) -> Vec<String> {
    changes.iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect()
}

async fn login_gives_a_token_that_identifies_the_user(server: TestServer) {
    let api = server.login("rep1").await;
    let (status, me) = api.get("/api/me").await;
    assert_eq!(status, 200);
    assert_eq!(me["username"], "rep1");
    assert_eq!(me["role"], "rep");
}

async fn wrong_password_and_missing_token_are_refused(server: TestServer) {
    let res = server
        .http
        .post(format!("{}/api/login", server.url))
        .json(&json!({"username": "rep1", "password": "nope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["message"], "wrong username or password");
    let res = server.http.get(format!("{}/api/me", server.url)).send().await.unwrap();
    assert_eq!(res.status(), 401);
}

async fn logout_revokes_the_token(server: TestServer) {
    let api = server.login("rep1").await;
    assert_eq!(api.post("/api/logout", &json!({})).await.0, 204);
    assert_eq!(api.get("/api/me").await.0, 401);
}

async fn deactivated_user_is_signed_out_at_once(server: TestServer) {
    let api = server.login("rep2").await;
    server.store.set_user_active(server.users.rep2.id, false).await.unwrap();
    assert_eq!(api.get("/api/sync/pull").await.0, 401);
    let res = server
        .http
        .post(format!("{}/api/login", server.url))
        .json(&json!({"username": "rep2", "password": yingpan_tests::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

async fn push_is_idempotent_when_retried(server: TestServer) {
    let api = server.login("rep1").await;
    let client = Uuid::now_v7();
    let id = Uuid::now_v7();
    let batch = vec![
        create_customer(1, id, "北京华信科技有限公司", server.users.rep1.id),
        json!({"seq": 2, "entity": "customer", "id": id, "op": "update",
               "fields": {"region": "北京"}, "base": {"region": null}}),
    ];
    let first = push(&api, client, batch.clone()).await;
    let again = push(&api, client, batch).await;
    assert_eq!(first, again);
    assert!(first.iter().all(|r| r["status"] == "applied"), "{first:?}");
    let changes = pull_all(&api).await;
    assert_eq!(ids(&changes), vec![id.to_string()]);
    // A retry must not have produced a second change either.
    let (_, body) = api.get(&format!("/api/sync/pull?since={}", changes[0]["seq"])).await;
    assert!(body["changes"].as_array().unwrap().is_empty());

    // One seq named twice in one push (a crafted or corrupted outbox): the
    // second is answered as the first, and nothing is applied twice.
    let other = Uuid::now_v7();
    let twice = vec![
        create_customer(3, other, "重复序号客户", server.users.rep1.id),
        create_customer(3, Uuid::now_v7(), "冒用序号客户", server.users.rep1.id),
    ];
    let answered = push(&api, client, twice).await;
    assert_eq!(answered[0], answered[1]);
    assert_eq!(answered[0]["status"], "applied");
    let names: Vec<Value> = pull_all(&api).await.iter().map(|c| c["data"]["name"].clone()).collect();
    assert!(names.contains(&json!("重复序号客户")));
    assert!(!names.contains(&json!("冒用序号客户")), "{names:?}");
}

async fn rep_cannot_see_or_change_another_reps_customer(server: TestServer) {
    let rep1 = server.login("rep1").await;
    let rep2 = server.login("rep2").await;
    let id = Uuid::now_v7();
    rep1.push_one(create_customer(1, id, "上海恒达机械有限公司", server.users.rep1.id))
        .await;

    assert!(pull_all(&rep2).await.is_empty());
    let (status, body) = rep2.get(&format!("/api/records/customer/{id}")).await;
    assert_eq!(status, 404, "{body}");
    let results = rep2
        .push_one(json!({"seq": 1, "entity": "customer", "id": id, "op": "update", "fields": {"name": "抢单"}}))
        .await;
    assert_eq!(results["status"], "rejected");
    let (_, record) = rep1.get(&format!("/api/records/customer/{id}")).await;
    assert_eq!(record["name"], "上海恒达机械有限公司");
    // Nor may a rep create a customer in someone else's name.
    let results = rep2
        .push_one(create_customer(1, Uuid::now_v7(), "x", server.users.rep1.id))
        .await;
    assert_eq!(results["status"], "rejected");
}

async fn manager_sees_team_reps_changes_but_not_other_teams(server: TestServer) {
    let rep1 = server.login("rep1").await;
    let outsider = server.login("outsider").await;
    let manager = server.login("manager").await;
    let ours = Uuid::now_v7();
    let theirs = Uuid::now_v7();
    rep1.push_one(create_customer(1, ours, "杭州嘉禾贸易有限公司", server.users.rep1.id))
        .await;
    push(
        &outsider,
        Uuid::now_v7(),
        vec![create_customer(
            1,
            theirs,
            "成都天成食品有限公司",
            server.users.outsider.id,
        )],
    )
    .await;
    assert_eq!(ids(&pull_all(&manager).await), vec![ours.to_string()]);
    let admin = server.login("admin").await;
    assert_eq!(pull_all(&admin).await.len(), 2);
}

async fn same_field_edited_concurrently_keeps_the_losing_value(server: TestServer) {
    let rep1 = server.login("rep1").await;
    let manager = server.login("manager").await;
    let id = Uuid::now_v7();
    rep1.push_one(create_customer(1, id, "南京博远电子有限公司", server.users.rep1.id))
        .await;
    let edit = |seq, phone: &str| {
        json!({"seq": seq, "entity": "customer", "id": id, "op": "update",
               "fields": {"phone": phone}, "base": {"phone": null}})
    };
    let first = manager.push_one(edit(1, "025-11111111")).await;
    assert_eq!(first["status"], "applied");
    let second = rep1.push_one(edit(2, "025-22222222")).await;
    assert_eq!(second["status"], "conflicted");
    assert_eq!(second["conflicts"][0]["lost"], "025-11111111");
    let (_, record) = manager.get(&format!("/api/records/customer/{id}")).await;
    assert_eq!(record["phone"], "025-22222222");
}

async fn pull_pages_through_every_change_in_order(server: TestServer) {
    let rep1 = server.login("rep1").await;
    let created: Vec<Uuid> = (0..120).map(|_| Uuid::now_v7()).collect();
    let batch = created
        .iter()
        .enumerate()
        .map(|(i, id)| create_customer(i as u64 + 1, *id, &format!("客户{i}"), server.users.rep1.id))
        .collect();
    push(&rep1, Uuid::now_v7(), batch).await;
    let changes = pull_all(&rep1).await;
    let seqs: Vec<i64> = changes.iter().map(|c| c["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "not in commit order: {seqs:?}");
    assert_eq!(ids(&changes), created.iter().map(Uuid::to_string).collect::<Vec<_>>());
}

async fn concurrent_writers_never_make_a_pull_skip_a_change(server: TestServer) {
    writers_and_a_reader_never_skip_a_change(&[&server]).await;
}

async fn concurrent_writers_on_three_servers_never_make_a_pull_skip_a_change(server: TestServer) {
    let (second, third) = (server.another_server().await, server.another_server().await);
    writers_and_a_reader_never_skip_a_change(&[&server, &second, &third]).await;
}

/// Nine reps push one customer at a time, spread over `servers`, while an
/// admin pulls in small pages from each server in turn: whatever was
/// committed shows up exactly once, in commit order.
async fn writers_and_a_reader_never_skip_a_change(servers: &[&TestServer]) {
    let writers = 9;
    let per_writer = 15;
    let mut tasks = Vec::new();
    for w in 0..writers {
        let name = format!("writer{w}");
        let owner = servers[0].add_rep(&name).await.id;
        let api = servers[w % servers.len()].login(&name).await;
        tasks.push(tokio::spawn(async move {
            let client = Uuid::now_v7();
            let mut ids = Vec::new();
            for i in 0..per_writer {
                let id = Uuid::now_v7();
                push(
                    &api,
                    client,
                    vec![create_customer(i + 1, id, &format!("并发{w}-{i}"), owner)],
                )
                .await;
                ids.push(id.to_string());
            }
            ids
        }));
    }
    let mut readers = Vec::new();
    for server in servers {
        readers.push(server.login("admin").await);
    }
    let mut seen = std::collections::HashSet::new();
    let mut since = 0;
    for round in 0.. {
        let done = tasks.iter().all(|t| t.is_finished());
        let reader = &readers[round % readers.len()];
        let (_, body) = reader.get(&format!("/api/sync/pull?since={since}&limit=7")).await;
        for c in body["changes"].as_array().unwrap() {
            assert!(c["seq"].as_i64().unwrap() > since, "not in commit order");
            assert!(
                seen.insert(c["id"].as_str().unwrap().to_owned()),
                "change delivered twice"
            );
        }
        since = body["cursor"].as_i64().unwrap();
        if done && !body["has_more"].as_bool().unwrap() {
            break;
        }
        tokio::task::yield_now().await;
    }
    for t in tasks {
        for id in t.await.unwrap() {
            assert!(seen.contains(&id), "pull skipped {id}");
        }
    }
    assert_eq!(seen.len(), writers * per_writer as usize);
}

async fn bad_input_gets_a_clear_client_error(server: TestServer) {
    let rep1 = server.login("rep1").await;
    let post_raw = |body: String| {
        server
            .http
            .post(format!("{}/api/sync/push", server.url))
            .bearer_auth(&rep1.token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let res = post_raw("{not json".into()).await.unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "bad_request");

    // The server answers before reading the whole body and closes the
    // connection, so send this one on a connection of its own.
    let res = reqwest::Client::new()
        .post(format!("{}/api/sync/push", server.url))
        .bearer_auth(&rep1.token)
        .header("content-type", "application/json")
        .body(format!(
            "{{\"client_id\": \"{}\", \"mutations\": [], \"x\": \"{}\"}}",
            Uuid::now_v7(),
            "a".repeat(5 << 20)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);

    let (status, body) = rep1.get("/api/sync/pull?since=-4").await;
    assert_eq!(status, 400, "{body}");

    let result = rep1
        .push_one(
            json!({"seq": 1, "entity": "customer", "id": Uuid::now_v7(), "op": "create",
               "fields": {"name": "  ", "owner_id": server.users.rep1.id}}),
        )
        .await;
    assert_eq!(result["status"], "rejected");
    assert_eq!(result["message"], "name must not be empty");
}

async fn deleted_customer_reaches_other_clients_as_removal(server: TestServer) {
    let rep1 = server.login("rep1").await;
    let manager = server.login("manager").await;
    let id = Uuid::now_v7();
    rep1.push_one(create_customer(1, id, "武汉长风物流有限公司", server.users.rep1.id))
        .await;
    let (_, first) = rep1.get("/api/sync/pull").await;
    let cursor = first["cursor"].as_i64().unwrap();
    // A rep releases a customer; only a manager archives one.
    let refused = rep1
        .push_one(json!({"seq": 1, "entity": "customer", "id": id, "op": "delete"}))
        .await;
    assert_eq!(refused["status"], "rejected", "{refused}");
    assert!(
        refused["message"].as_str().unwrap().contains("release it to the pool"),
        "{refused}"
    );
    let archived = manager
        .push_one(json!({"seq": 1, "entity": "customer", "id": id, "op": "delete"}))
        .await;
    assert_eq!(archived["status"], "applied", "{archived}");
    let (_, next) = rep1.get(&format!("/api/sync/pull?since={cursor}")).await;
    assert_eq!(next["changes"][0]["id"], id.to_string());
    assert!(next["changes"][0]["data"].is_null());
}

#[tokio::test]
async fn unknown_api_path_is_a_json_404() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let res = reqwest::get(format!("{}/api/nothing-here", server.url)).await.unwrap();
    assert_eq!(res.status(), 404);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
}

async fn reassign(api: &Api, customer: Uuid, owner: impl serde::Serialize) -> (u16, Value) {
    api.post(&format!("/api/customers/{customer}/owner"), &json!({"owner_id": owner}))
        .await
}

async fn reassigned_customer_is_evicted_from_old_owner_and_reaches_new_owner(server: TestServer) {
    let rep1 = server.login("rep1").await;
    let rep2 = server.login("rep2").await;
    let manager = server.login("manager").await;
    let id = Uuid::now_v7();
    let contact = Uuid::now_v7();
    push(
        &rep1,
        Uuid::now_v7(),
        vec![
            create_customer(1, id, "苏州同创机械有限公司", server.users.rep1.id),
            json!({"seq": 2, "entity": "contact", "id": contact, "op": "create",
                   "fields": {"customer_id": id, "name": "赵敏"}}),
        ],
    )
    .await;
    let (_, before) = rep1.get("/api/sync/pull").await;
    let rep1_cursor = before["cursor"].as_i64().unwrap();
    let (_, rep2_before) = rep2.get("/api/sync/pull").await;
    let rep2_cursor = rep2_before["cursor"].as_i64().unwrap();

    let (status, body) = reassign(&manager, id, server.users.rep2.id).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["moved"], 2);

    let (_, after) = rep1.get(&format!("/api/sync/pull?since={rep1_cursor}")).await;
    let changes = after["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{after}");
    assert_eq!(changes[0]["id"], id.to_string());
    assert!(changes[0]["data"].is_null(), "old owner must be told to evict");
    assert_eq!(record(&rep1, id).await.0, 404);

    let (_, gained) = rep2.get(&format!("/api/sync/pull?since={rep2_cursor}")).await;
    let gained = gained["changes"].as_array().unwrap();
    let (history, records): (Vec<Value>, Vec<Value>) = gained.iter().cloned().partition(|c| c["entity"] == "ownership");
    assert_eq!(history.len(), 1, "the change itself travels with the customer");
    assert_eq!(history[0]["data"]["kind"], "reassign");
    let mut got = ids(&records);
    got.sort();
    let mut want = vec![id.to_string(), contact.to_string()];
    want.sort();
    assert_eq!(got, want);
    assert_eq!(record(&rep2, id).await.1["owner_id"], server.users.rep2.id.to_string());

    // The old owner's late edit is refused, not applied and not lost silently.
    let late = rep1
        .push_one(json!({"seq": 1, "entity": "customer", "id": id, "op": "update", "fields": {"region": "苏州"}}))
        .await;
    assert_eq!(late["status"], "rejected");
}

async fn record(api: &Api, id: Uuid) -> (u16, Value) {
    api.get(&format!("/api/records/customer/{id}")).await
}

async fn only_managers_reassign_and_only_within_their_team(server: TestServer) {
    let rep1 = server.login("rep1").await;
    let manager = server.login("manager").await;
    let id = Uuid::now_v7();
    rep1.push_one(create_customer(1, id, "西安远景电子有限公司", server.users.rep1.id))
        .await;
    assert_eq!(reassign(&rep1, id, server.users.rep2.id).await.0, 403);
    assert_eq!(reassign(&manager, id, server.users.outsider.id).await.0, 403);
    assert_eq!(reassign(&manager, Uuid::now_v7(), server.users.rep2.id).await.0, 404);
    let (status, body) = reassign(&manager, id, "not-a-user").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(record(&rep1, id).await.0, 200);
}

async fn cursor_from_the_future_asks_the_client_to_resync(server: TestServer) {
    let rep1 = server.login("rep1").await;
    let (status, body) = rep1.get("/api/sync/pull?since=999999").await;
    assert_eq!(status, 200);
    assert_eq!(body["reset"], true);
    assert_eq!(body["cursor"], 0);
}

async fn first_pull_says_how_many_records_to_expect(server: TestServer) {
    let rep1 = server.login("rep1").await;
    let batch = (0..5)
        .map(|i| create_customer(i + 1, Uuid::now_v7(), &format!("客户{i}"), server.users.rep1.id))
        .collect();
    push(&rep1, Uuid::now_v7(), batch).await;
    let (_, first) = rep1.get("/api/sync/pull?limit=2").await;
    assert_eq!(first["total"], 5);
    let (_, next) = rep1.get(&format!("/api/sync/pull?since={}", first["cursor"])).await;
    assert!(next.get("total").is_none());
}

async fn losing_value_becomes_a_conflict_record_both_sides_see(server: TestServer) {
    let rep1 = server.login("rep1").await;
    let manager = server.login("manager").await;
    let id = Uuid::now_v7();
    rep1.push_one(create_customer(1, id, "宁波汇通物流有限公司", server.users.rep1.id))
        .await;
    let edit = |seq: u64, region: &str| {
        json!({"seq": seq, "entity": "customer", "id": id, "op": "update",
               "fields": {"region": region}, "base": {"region": null}})
    };
    push(&manager, Uuid::now_v7(), vec![edit(1, "宁波")]).await;
    push(&rep1, Uuid::now_v7(), vec![edit(2, "杭州")]).await;
    for api in [&rep1, &manager] {
        let conflicts: Vec<Value> = pull_all(api)
            .await
            .into_iter()
            .filter(|c| c["entity"] == "conflict")
            .collect();
        assert_eq!(conflicts.len(), 1, "{conflicts:?}");
        let data = &conflicts[0]["data"];
        assert_eq!(data["field"], "region");
        assert_eq!(data["lost"], "宁波");
        assert_eq!(data["kept"], "杭州");
        assert_eq!(data["lost_by"], server.users.manager.id.to_string());
        assert_eq!(data["kept_by"], server.users.rep1.id.to_string());
    }
    // Dismissing is an ordinary delete; it reaches the other side as removal.
    let conflict_id = pull_all(&manager)
        .await
        .into_iter()
        .find(|c| c["entity"] == "conflict")
        .unwrap()["id"]
        .clone();
    let done = manager
        .push_one(json!({"seq": 1, "entity": "conflict", "id": conflict_id, "op": "delete"}))
        .await;
    assert_eq!(done["status"], "applied");
    let after: Vec<Value> = pull_all(&rep1)
        .await
        .into_iter()
        .filter(|c| c["entity"] == "conflict")
        .collect();
    assert!(after.iter().all(|c| c["data"].is_null()), "{after:?}");
}

async fn edit_of_deleted_customer_is_kept_as_conflict(server: TestServer) {
    let rep1 = server.login("rep1").await;
    let id = Uuid::now_v7();
    rep1.push_one(create_customer(1, id, "天津正泰建材有限公司", server.users.rep1.id))
        .await;
    server
        .login("manager")
        .await
        .push_one(json!({"seq": 1, "entity": "customer", "id": id, "op": "delete"}))
        .await;
    let late = rep1
        .push_one(
            json!({"seq": 1, "entity": "customer", "id": id, "op": "update", "fields": {"phone": "022-12345678"}}),
        )
        .await;
    assert_eq!(late["status"], "conflicted");
    let kept: Vec<Value> = pull_all(&rep1)
        .await
        .into_iter()
        .filter(|c| c["entity"] == "conflict")
        .collect();
    assert_eq!(kept[0]["data"]["lost"], "022-12345678");
    assert_eq!(kept[0]["data"]["record_deleted"], true);
}

async fn activities_are_append_only(server: TestServer) {
    let rep1 = server.login("rep1").await;
    let customer = Uuid::now_v7();
    let activity = Uuid::now_v7();
    let results = push(
        &rep1,
        Uuid::now_v7(),
        vec![
            create_customer(1, customer, "广州海纳电子有限公司", server.users.rep1.id),
            json!({"seq": 2, "entity": "activity", "id": activity, "op": "create",
                   "fields": {"customer_id": customer, "kind": "visit", "content": "上门拜访", "at": "2026-11-21T02:00:00Z"}}),
            json!({"seq": 3, "entity": "activity", "id": activity, "op": "update", "fields": {"content": "改写"}}),
            json!({"seq": 4, "entity": "activity", "id": activity, "op": "delete"}),
        ],
    )
    .await;
    let statuses: Vec<&str> = results.iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, vec!["applied", "applied", "rejected", "rejected"]);
}
