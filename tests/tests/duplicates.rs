//! Company-wide duplicate checks (防撞单) against a real database, on SQLite
//! and PostgreSQL.

use serde_json::{json, Value};
use uuid::Uuid;
use yingpan_tests::{Api, TestServer};

yingpan_tests::on_both_backends!(
    check_finds_variants_company_wide_but_shows_only_name_and_owner,
    block_policy_refuses_an_exact_duplicate_and_warn_lets_it_through,
    customers_written_before_the_index_existed_are_found,
    duplicate_created_offline_is_flagged_for_its_rep_and_manager_and_can_be_dismissed,
    merge_moves_history_to_the_survivor_and_redirects_late_changes,
    merge_can_be_undone_within_thirty_days,
    a_duplicate_within_one_push_is_caught_like_any_other,
);

fn of_kind<'a>(held: &'a std::collections::HashMap<(String, String), Value>, entity: &str) -> Vec<&'a Value> {
    held.iter().filter(|((e, _), _)| e == entity).map(|(_, d)| d).collect()
}

async fn create(api: &Api, name: &str, phone: Option<&str>, owner: Option<Uuid>) -> (Uuid, Value) {
    let id = Uuid::now_v7();
    let result = api
        .push_one(json!({"seq": 1, "entity": "customer", "id": id, "op": "create",
                         "fields": {"name": name, "phone": phone, "owner_id": owner}}))
        .await;
    (id, result)
}

async fn check(api: &Api, query: &[(&str, &str)]) -> Vec<Value> {
    let url = reqwest::Url::parse_with_params("http://x/api/duplicates", query).unwrap();
    let (status, body) = api
        .get(&format!("/api/duplicates?{}", url.query().unwrap_or_default()))
        .await;
    assert_eq!(status, 200, "{body}");
    body.as_array().unwrap().clone()
}

async fn check_finds_variants_company_wide_but_shows_only_name_and_owner(server: TestServer) {
    let rep2 = server.login("rep2").await;
    let (theirs, r) = create(
        &rep2,
        "北京华信科技有限公司",
        Some("010-62345678"),
        Some(server.users.rep2.id.0),
    )
    .await;
    assert_eq!(r["status"], "applied");
    let manager = server.login("manager").await;
    let (pooled, _) = create(&manager, "上海恒达机械股份有限公司", None, None).await;

    let rep1 = server.login("rep1").await;
    let found = check(&rep1, &[("name", "華信科技（北京）有限公司")]).await;
    assert_eq!(found.len(), 1, "{found:?}");
    let hit = &found[0];
    assert_eq!(
        (hit["id"].as_str(), hit["likeness"].as_str()),
        (Some(theirs.to_string().as_str()), Some("same"))
    );
    assert_eq!(
        (hit["owner_name"].as_str(), hit["visible"].as_bool()),
        (Some("REP2"), Some(false))
    );
    assert!(
        hit.get("phone").is_none(),
        "another rep's customer shows only its name and owner"
    );

    assert!(
        check(&rep1, &[("name", "北京华新科技有限公司")]).await.is_empty(),
        "华新 is another company"
    );
    let typed = check(&rep1, &[("name", "恒达机械")]).await;
    assert_eq!(typed[0]["id"], json!(pooled));
    assert_eq!(
        (typed[0]["likeness"].as_str(), typed[0]["owner"].as_str()),
        (Some("same"), None),
        "in the pool"
    );
    let short = check(&rep1, &[("name", "恒达")]).await;
    assert_eq!(
        (short[0]["id"].clone(), short[0]["likeness"].as_str()),
        (json!(pooled), Some("possible"))
    );
    let by_phone = check(&rep1, &[("phone", "+86 10 6234 5678")]).await;
    assert_eq!(by_phone[0]["id"], json!(theirs));
    assert_eq!(
        check(&rep2, &[("name", "华信科技")]).await[0]["visible"],
        true,
        "the owner may open it"
    );
    let (status, _) = rep1.get(&format!("/api/duplicates?name={}", "长".repeat(201))).await;
    assert_eq!(status, 400);
}

async fn block_policy_refuses_an_exact_duplicate_and_warn_lets_it_through(server: TestServer) {
    let rep2 = server.login("rep2").await;
    create(&rep2, "北京华信科技有限公司", None, Some(server.users.rep2.id.0)).await;
    let rep1 = server.login("rep1").await;
    let (_, warned) = create(&rep1, "华信科技(北京)有限公司", None, Some(server.users.rep1.id.0)).await;
    assert_eq!(warned["status"], "applied", "the default policy warns");

    let manager = server.login("manager").await;
    assert_eq!(manager.put("/api/duplicates/policy", &json!("block")).await.0, 403);
    let admin = server.login("admin").await;
    assert_eq!(admin.put("/api/duplicates/policy", &json!("block")).await.0, 200);
    let (_, blocked) = create(&rep1, "北京華信科技股份有限公司", None, Some(server.users.rep1.id.0)).await;
    assert_eq!(blocked["status"], "rejected");
    let message = blocked["message"].as_str().unwrap();
    assert!(message.contains("owned by REP"), "{message}");
    let (_, other) = create(&rep1, "北京华新科技有限公司", None, Some(server.users.rep1.id.0)).await;
    assert_eq!(other["status"], "applied", "a different company is not blocked");
}

async fn customers_written_before_the_index_existed_are_found(server: TestServer) {
    let rep1 = server.login("rep1").await;
    let (id, _) = create(&rep1, "苏州同创机械有限公司", None, Some(server.users.rep1.id.0)).await;
    // As if the customer predated the index: forget its keys, restart.
    for sql in ["DELETE FROM name_grams", "DELETE FROM customer_keys"] {
        server.execute_sql(sql).await.unwrap();
    }
    assert!(check(&rep1, &[("name", "同创机械")]).await.is_empty());
    server.store.migrate().await.unwrap();
    assert_eq!(check(&rep1, &[("name", "同创机械")]).await[0]["id"], json!(id));
}

async fn duplicate_created_offline_is_flagged_for_its_rep_and_manager_and_can_be_dismissed(server: TestServer) {
    let rep2 = server.login("rep2").await;
    let (existing, _) = create(&rep2, "北京华信科技有限公司", None, Some(server.users.rep2.id.0)).await;
    let rep1 = server.login("rep1").await;
    let (new, r) = create(&rep1, "华信科技（北京）有限公司", None, Some(server.users.rep1.id.0)).await;
    assert_eq!(r["status"], "applied", "accepted: the default policy warns");
    let (_, r) = create(&rep1, "南京立达电子有限公司", None, Some(server.users.rep1.id.0)).await;
    assert_eq!(r["status"], "applied");

    let held = rep1.cache().await;
    let flags = of_kind(&held, "duplicate");
    assert_eq!(flags.len(), 1, "only the duplicate is flagged: {flags:?}");
    assert_eq!(
        (flags[0]["customer_id"].clone(), flags[0]["existing_id"].clone()),
        (json!(new), json!(existing))
    );
    assert_eq!(
        (flags[0]["existing_name"].as_str(), flags[0]["likeness"].as_str()),
        (Some("北京华信科技有限公司"), Some("same"))
    );
    let manager = server.login("manager").await;
    assert_eq!(
        of_kind(&manager.cache().await, "duplicate").len(),
        1,
        "the manager sees it too"
    );
    assert!(of_kind(&rep2.cache().await, "duplicate").is_empty());

    let flag = flags[0]["id"].as_str().unwrap();
    let dismissed = rep1
        .push_one(json!({"seq": 1, "entity": "duplicate", "id": flag, "op": "delete"}))
        .await;
    assert_eq!(dismissed["status"], "applied", "not a duplicate");
    assert!(of_kind(&manager.cache().await, "duplicate").is_empty());
}

async fn merge_moves_history_to_the_survivor_and_redirects_late_changes(server: TestServer) {
    let rep2 = server.login("rep2").await;
    let (survivor, _) = create(&rep2, "北京华信科技有限公司", None, Some(server.users.rep2.id.0)).await;
    let rep1 = server.login("rep1").await;
    let (merged, _) = create(
        &rep1,
        "华信科技（北京）",
        Some("010-62345678"),
        Some(server.users.rep1.id.0),
    )
    .await;
    let contact = Uuid::now_v7();
    let r = rep1
        .push_one(json!({"seq": 1, "entity": "contact", "id": contact, "op": "create",
                         "fields": {"customer_id": merged, "name": "王芳"}}))
        .await;
    assert_eq!(r["status"], "applied");

    let url = format!("/api/customers/{survivor}/merge");
    assert_eq!(
        rep1.post(&url, &json!({"merged": merged})).await.0,
        404,
        "rep1 cannot see the survivor"
    );
    let manager = server.login("manager").await;
    let (status, body) = manager
        .post(&url, &json!({"merged": merged, "keep": {"name": "survivor"}}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["moved"], 1);

    let held = rep2.cache().await;
    let kept = &held[&("customer".to_owned(), survivor.to_string())];
    assert_eq!(
        (kept["name"].as_str(), kept["phone"].as_str()),
        (Some("北京华信科技有限公司"), Some("010-62345678"))
    );
    assert_eq!(
        held[&("contact".to_owned(), contact.to_string())]["customer_id"],
        json!(survivor)
    );
    assert!(
        of_kind(&held, "duplicate").is_empty(),
        "the flag between the two is gone"
    );
    let old = rep1.cache().await;
    assert!(!old.contains_key(&("customer".to_owned(), merged.to_string())));
    assert!(!old.contains_key(&("contact".to_owned(), contact.to_string())));

    // A device that still had the merged customer: its changes follow it.
    let late = manager
        .push_one(
            json!({"seq": 1, "entity": "contact", "id": Uuid::now_v7(), "op": "create",
                         "fields": {"customer_id": merged, "name": "李强"}}),
        )
        .await;
    assert_eq!(late["status"], "applied", "{late}");
    let edit = manager
        .push_one(json!({"seq": 1, "entity": "customer", "id": merged, "op": "update",
                         "fields": {"region": "北京"}, "base": {}}))
        .await;
    assert_eq!(edit["status"], "applied", "{edit}");
    let held = rep2.cache().await;
    assert_eq!(held[&("customer".to_owned(), survivor.to_string())]["region"], "北京");
    let names: Vec<&str> = of_kind(&held, "contact")
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert_eq!(
        check(&manager, &[("name", "华信科技")]).await.len(),
        1,
        "only the survivor is left to find"
    );
}

async fn merge_can_be_undone_within_thirty_days(server: TestServer) {
    let rep2 = server.login("rep2").await;
    let (survivor, _) = create(&rep2, "北京华信科技有限公司", None, Some(server.users.rep2.id.0)).await;
    let rep1 = server.login("rep1").await;
    let (merged, _) = create(&rep1, "华信科技", Some("010-62345678"), Some(server.users.rep1.id.0)).await;
    let contact = Uuid::now_v7();
    rep1.push_one(json!({"seq": 1, "entity": "contact", "id": contact, "op": "create",
                         "fields": {"customer_id": merged, "name": "王芳"}}))
        .await;
    let manager = server.login("manager").await;
    let (status, _) = manager
        .post(&format!("/api/customers/{survivor}/merge"), &json!({"merged": merged}))
        .await;
    assert_eq!(status, 200);
    let held = rep2.cache().await;
    let merges = of_kind(&held, "merge");
    assert_eq!(merges.len(), 1, "the survivor's timeline shows the merge");
    assert_eq!(merges[0]["merged_name"], "华信科技");
    let merge = merges[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        held[&("customer".to_owned(), survivor.to_string())]["phone"],
        "010-62345678"
    );

    let (status, body) = manager.post(&format!("/api/merges/{merge}/undo"), &json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["restored"], 1);
    let back = rep1.cache().await;
    assert_eq!(back[&("customer".to_owned(), merged.to_string())]["name"], "华信科技");
    assert_eq!(
        back[&("contact".to_owned(), contact.to_string())]["customer_id"],
        json!(merged)
    );
    let theirs = rep2.cache().await;
    assert!(
        !theirs.contains_key(&("contact".to_owned(), contact.to_string())),
        "the contact went back"
    );
    assert_eq!(
        theirs[&("customer".to_owned(), survivor.to_string())]["phone"],
        Value::Null,
        "the merge's fill-in is undone"
    );
    let (status, body) = manager.post(&format!("/api/merges/{merge}/undo"), &json!({})).await;
    assert_eq!(
        (status, body["error"]["message"].as_str()),
        (422, Some("this merge was already undone"))
    );

    // Too late after 30 days.
    let (status, _) = manager
        .post(&format!("/api/customers/{survivor}/merge"), &json!({"merged": merged}))
        .await;
    assert_eq!(status, 200);
    server.advance_days(31);
    let manager = server.login("manager").await;
    let again = of_kind(&manager.cache().await, "merge")
        .into_iter()
        .find(|m| m["undone_at"].is_null())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = manager.post(&format!("/api/merges/{again}/undo"), &json!({})).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        manager
            .post(&format!("/api/merges/{}/undo", Uuid::now_v7()), &json!({}))
            .await
            .0,
        404
    );
}

async fn a_duplicate_within_one_push_is_caught_like_any_other(server: TestServer) {
    // Customers are written when their push ends: the check of the second
    // must still see the first.
    let rep = server.login("rep1").await;
    let me = server.users.rep1.id.0;
    let push = |names: [&str; 2]| {
        let ids = [Uuid::now_v7(), Uuid::now_v7()];
        let mutations: Vec<Value> = (0..2)
            .map(|i| {
                json!({"seq": i + 1, "entity": "customer", "id": ids[i], "op": "create",
                            "fields": {"name": names[i], "owner_id": me}})
            })
            .collect();
        (ids, json!({"client_id": Uuid::now_v7(), "mutations": mutations}))
    };
    let statuses = |body: &Value| -> Vec<String> {
        body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["status"].as_str().unwrap().to_owned())
            .collect()
    };
    let ([first, second], body) = push(["北京华信科技有限公司", "华信科技（北京）有限公司"]);
    let (_, answered) = rep.post("/api/sync/push", &body).await;
    assert_eq!(statuses(&answered), ["applied", "applied"], "the default policy warns");
    let held = rep.cache().await;
    let flags = of_kind(&held, "duplicate");
    assert_eq!(flags.len(), 1, "{flags:?}");
    assert_eq!(
        (flags[0]["customer_id"].clone(), flags[0]["existing_id"].clone()),
        (json!(second), json!(first))
    );

    let admin = server.login("admin").await;
    assert_eq!(admin.put("/api/duplicates/policy", &json!("block")).await.0, 200);
    let (_, body) = push(["上海立达电子有限公司", "立达电子（上海）有限公司"]);
    let (_, answered) = rep.post("/api/sync/push", &body).await;
    assert_eq!(statuses(&answered), ["applied", "rejected"], "{answered}");
}
