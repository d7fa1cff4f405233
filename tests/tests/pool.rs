//! The customer pool and rep departure against a real database, on SQLite
//! and PostgreSQL, with the server's clock moved by the test (no sleeping).

use serde_json::{json, Value};
use std::collections::HashMap;
use uuid::Uuid;
use yingpan_shared::customer::Customer;
use yingpan_shared::pool::{should_return, ReturnFacts};
use yingpan_tests::{Api, TestServer};

yingpan_tests::on_both_backends!(
    a_departing_reps_leads_go_with_the_book,
    a_won_deal_restarts_the_no_deal_clock,
    rep_sees_pool_summaries_and_exactly_one_of_two_claims_wins,
    claims_respect_the_daily_limit_and_the_owned_cap,
    released_customer_cannot_be_reclaimed_during_the_cooldown,
    release_needs_a_reason_and_an_owner,
    neglected_customer_returns_to_the_pool_and_follow_up_restarts_the_clock,
    every_ownership_change_is_in_the_history_and_the_timeline,
    departed_reps_book_is_spread_and_their_device_can_only_hand_in_facts,
    departure_preview_changes_nothing_and_pool_handover_fills_the_pool,
    many_reps_claiming_at_once_give_each_customer_one_owner_within_caps,
    automatic_return_run_twice_at_once_returns_each_customer_once,
    automatic_return_on_three_servers_at_once_runs_once,
    only_admins_set_pool_rules_and_bad_rules_are_explained,
    locked_and_graded_customers_follow_their_rules_and_owners_are_warned_first,
    the_ownership_history_is_searched_by_name_over_all_of_it_as_the_search_box_folds,
    one_push_that_creates_claims_and_edits_keeps_every_step_in_order,
);

fn create_customer(id: Uuid, name: &str, owner: Option<Uuid>) -> Value {
    json!({"seq": 1, "entity": "customer", "id": id, "op": "create",
           "fields": {"name": name, "industry": "机械制造", "region": "苏州", "owner_id": owner}})
}

fn claim(id: Uuid) -> Value {
    json!({"seq": 1, "entity": "customer", "id": id, "op": "claim"})
}

fn release(id: Uuid, reason: &str) -> Value {
    json!({"seq": 1, "entity": "customer", "id": id, "op": "release", "reason": reason})
}

/// The manager puts a customer straight into the pool.
async fn pool_customer(server: &TestServer, name: &str) -> Uuid {
    let manager = server.login("manager").await;
    let id = Uuid::now_v7();
    let r = manager.push_one(create_customer(id, name, None)).await;
    assert_eq!(r["status"], "applied", "{r}");
    id
}

fn holds(cache: &HashMap<(String, String), Value>, entity: &str, id: Uuid) -> bool {
    cache.contains_key(&(entity.to_owned(), id.to_string()))
}

async fn rep_sees_pool_summaries_and_exactly_one_of_two_claims_wins(server: TestServer) {
    let id = pool_customer(&server, "苏州恒达机械有限公司").await;
    let (rep1, rep2) = (server.login("rep1").await, server.login("rep2").await);
    let seen = rep1.cache().await;
    let entry = &seen[&("pool_entry".to_owned(), id.to_string())];
    assert_eq!(entry["name"], "苏州恒达机械有限公司");
    assert_eq!(entry["industry"], "机械制造");
    assert!(
        !holds(&seen, "customer", id),
        "a rep sees only the summary of a pool customer"
    );
    assert_eq!(rep1.get(&format!("/api/records/pool_entry/{id}")).await.0, 200);
    assert_eq!(rep1.get(&format!("/api/records/customer/{id}")).await.0, 404);

    // Both claimed offline; rep2's push arrives first.
    let second = rep2.push_one(claim(id)).await;
    let first = rep1.push_one(claim(id)).await;
    assert_eq!(second["status"], "applied", "{second}");
    assert_eq!(first["status"], "rejected");
    assert_eq!(first["message"], "another rep claimed this customer first");

    let (winner, loser) = (rep2.cache().await, rep1.cache().await);
    assert!(holds(&winner, "customer", id));
    assert_eq!(
        winner[&("customer".to_owned(), id.to_string())]["owner_id"],
        json!(server.users.rep2.id)
    );
    assert!(!holds(&winner, "pool_entry", id) && !holds(&loser, "pool_entry", id));
    assert!(!holds(&loser, "customer", id));
}

async fn claims_respect_the_daily_limit_and_the_owned_cap(server: TestServer) {
    let admin = server.login("admin").await;
    let (status, body) = admin
        .put("/api/pool/rules", &json!({"max_owned": 3, "max_claims_per_day": 2}))
        .await;
    assert_eq!(status, 200, "{body}");
    let mut ids = Vec::new();
    for i in 0..4 {
        ids.push(pool_customer(&server, &format!("客户{i}")).await);
    }
    let rep = server.login("rep1").await;
    assert_eq!(rep.push_one(claim(ids[0])).await["status"], "applied");
    assert_eq!(rep.push_one(claim(ids[1])).await["status"], "applied");
    let third = rep.push_one(claim(ids[2])).await;
    assert_eq!(third["status"], "rejected");
    assert!(third["message"].as_str().unwrap().contains("daily limit"), "{third}");

    server.advance_days(1);
    assert_eq!(rep.push_one(claim(ids[2])).await["status"], "applied");
    let fourth = rep.push_one(claim(ids[3])).await;
    assert_eq!(fourth["status"], "rejected");
    assert!(
        fourth["message"].as_str().unwrap().contains("own 3 customers"),
        "{fourth}"
    );
}

async fn released_customer_cannot_be_reclaimed_during_the_cooldown(server: TestServer) {
    let id = pool_customer(&server, "杭州锦程物流有限公司").await;
    let rep = server.login("rep1").await;
    assert_eq!(rep.push_one(claim(id)).await["status"], "applied");
    assert_eq!(rep.push_one(release(id, "客户暂无需求")).await["status"], "applied");
    // The manager renames the pool customer: its summary follows the edit
    // and keeps why it is in the pool.
    let manager = server.login("manager").await;
    let rename = json!({"seq": 1, "entity": "customer", "id": id, "op": "update",
                        "fields": {"name": "杭州锦程供应链有限公司"}, "base": {"name": "杭州锦程物流有限公司"}});
    assert_eq!(manager.push_one(rename).await["status"], "applied");
    let entry = &rep.cache().await[&("pool_entry".to_owned(), id.to_string())];
    assert_eq!(
        (entry["name"].as_str(), entry["reason"].as_str()),
        (Some("杭州锦程供应链有限公司"), Some("客户暂无需求"))
    );
    let again = rep.push_one(claim(id)).await;
    assert_eq!(again["status"], "rejected");
    assert!(
        again["message"].as_str().unwrap().contains("claim it again from"),
        "{again}"
    );
    // Someone else may take it at once.
    server.advance_days(29);
    let rep = server.login("rep1").await;
    assert_eq!(rep.push_one(claim(id)).await["status"], "rejected");
    server.advance_days(1);
    let rep = server.login("rep1").await; // a month on: a fresh session
    assert_eq!(rep.push_one(claim(id)).await["status"], "applied");
}

async fn release_needs_a_reason_and_an_owner(server: TestServer) {
    let id = pool_customer(&server, "南京立达电子有限公司").await;
    let (rep1, rep2) = (server.login("rep1").await, server.login("rep2").await);
    assert_eq!(rep1.push_one(claim(id)).await["status"], "applied");
    let blank = rep1.push_one(release(id, "  ")).await;
    assert_eq!(blank["status"], "rejected");
    assert_eq!(blank["message"], "say why you are releasing this customer");
    let stranger = rep2.push_one(release(id, "不是我的")).await;
    assert_eq!(stranger["status"], "rejected");
    assert_eq!(stranger["message"], "you no longer own this customer");
    let contact = json!({"seq": 1, "entity": "contact", "id": Uuid::now_v7(), "op": "claim"});
    assert_eq!(rep1.push_one(contact).await["status"], "rejected");
}

async fn log_activity(api: &Api, customer: Uuid, at: chrono::DateTime<chrono::Utc>) -> Value {
    api.push_one(
        json!({"seq": 1, "entity": "activity", "id": Uuid::now_v7(), "op": "create",
        "fields": {"customer_id": customer, "kind": "call", "content": "电话回访", "at": at}}),
    )
    .await
}

fn server_time(server: &TestServer) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(server.now_ms()).unwrap()
}

async fn auto_return(server: &TestServer) -> u64 {
    yingpan_server::jobs::auto_return_once(&server.state).await.unwrap()
}

async fn neglected_customer_returns_to_the_pool_and_follow_up_restarts_the_clock(server: TestServer) {
    let rep = server.login("rep1").await;
    let (kept, neglected) = (Uuid::now_v7(), Uuid::now_v7());
    for (id, name) in [(kept, "常联系客户"), (neglected, "被遗忘客户")] {
        assert_eq!(
            rep.push_one(create_customer(id, name, Some(server.users.rep1.id.0)))
                .await["status"],
            "applied"
        );
    }
    server.advance_days(20);
    assert_eq!(
        log_activity(&rep, kept, server_time(&server)).await["status"],
        "applied"
    );
    let (_, team) = server.login("manager").await.get("/api/team").await;
    let me = team["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["user"]["username"] == "rep1")
        .unwrap();
    assert_eq!(
        (me["customers"].as_u64(), me["activities_7d"].as_u64()),
        (Some(2), Some(1)),
        "{me}"
    );
    server.advance_days(9);
    assert_eq!(auto_return(&server).await, 0, "nothing is due before 30 days");
    server.advance_days(1);
    assert_eq!(auto_return(&server).await, 1);
    assert_eq!(auto_return(&server).await, 0, "a second run finds nothing left");

    let rep = server.login("rep1").await; // a month on: a fresh session
    let held = rep.cache().await;
    assert!(holds(&held, "customer", kept));
    assert!(
        !holds(&held, "customer", neglected),
        "the returned customer left the rep's device"
    );
    let entry = &held[&("pool_entry".to_owned(), neglected.to_string())];
    assert_eq!(entry["reason"], "no follow-up for 30 days");
    server.advance_days(20);
    assert_eq!(
        auto_return(&server).await,
        1,
        "30 days after the follow-up, the other one goes too"
    );
}

async fn every_ownership_change_is_in_the_history_and_the_timeline(server: TestServer) {
    let id = pool_customer(&server, "成都蓝海贸易有限公司").await;
    let (rep1, manager) = (server.login("rep1").await, server.login("manager").await);
    assert_eq!(rep1.push_one(claim(id)).await["status"], "applied");
    let (status, body) = manager
        .post(
            &format!("/api/customers/{id}/owner"),
            &json!({"owner_id": server.users.rep2.id}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let rep2 = server.login("rep2").await;
    assert_eq!(
        rep2.push_one(release(id, "客户已被竞争对手签下")).await["status"],
        "applied"
    );

    let (status, history) = manager.get(&format!("/api/ownership?customer={id}")).await;
    assert_eq!(status, 200, "{history}");
    let kinds: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["release", "reassign", "claim"], "newest first");
    let release_entry = &history[0];
    assert_eq!(release_entry["from"], json!(server.users.rep2.id));
    assert_eq!(release_entry["to"], Value::Null);
    assert_eq!(release_entry["by"], json!(server.users.rep2.id));
    assert_eq!(release_entry["reason"], "客户已被竞争对手签下");
    assert_eq!(release_entry["customer_name"], "成都蓝海贸易有限公司");
    assert_eq!(history[1]["by"], json!(server.users.manager.id));
    let (_, found) = manager.get("/api/ownership?q=%E8%93%9D%E6%B5%B7").await; // 蓝海
    assert_eq!(found.as_array().unwrap().len(), 3);
    let (_, none) = manager.get("/api/ownership?q=%E5%8D%8E%E4%BF%A1").await; // 华信
    assert_eq!(none, json!([]));

    // The manager's device holds the whole history under the customer.
    let held = manager.cache().await;
    let timeline: Vec<&Value> = held
        .iter()
        .filter(|((entity, _), data)| entity == "ownership" && data["customer_id"] == json!(id))
        .map(|(_, data)| data)
        .collect();
    assert_eq!(timeline.len(), 3);
    // A rep of another team learns nothing from the history.
    let outsider = server.login("outsider").await;
    let (_, theirs) = outsider.get(&format!("/api/ownership?customer={id}")).await;
    assert_eq!(theirs, json!([]));
}

async fn departed_reps_book_is_spread_and_their_device_can_only_hand_in_facts(server: TestServer) {
    let rep1 = server.login("rep1").await;
    let mut book = Vec::new();
    for i in 0..6 {
        let id = Uuid::now_v7();
        assert_eq!(
            rep1.push_one(create_customer(id, &format!("客户{i}"), Some(server.users.rep1.id.0)))
                .await["status"],
            "applied"
        );
        book.push(id);
    }
    let before = server_time(&server);
    assert_eq!(log_activity(&rep1, book[0], before).await["status"], "applied");
    let rep3 = server.add_rep("rep3").await;
    let manager = server.login("manager").await;
    let body = json!({"mode": "spread", "to": [server.users.rep2.id, rep3.id], "confirm": true});
    let (status, plan) = manager
        .post(&format!("/api/users/{}/departure", server.users.rep1.id), &body)
        .await;
    assert_eq!(status, 200, "{plan}");
    assert_eq!(plan["customers"], 6);
    assert_eq!(plan["done"], true);
    let shares: Vec<u64> = plan["shares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["customers"].as_u64().unwrap())
        .collect();
    assert_eq!(shares, [3, 3]);

    // The departed rep is out at once: no pull, no login.
    let (status, body) = rep1.get("/api/sync/pull?since=0").await;
    assert_eq!((status, body["error"]["code"].as_str()), (401, Some("account_closed")));
    let res = server
        .http
        .post(format!("{}/api/login", server.url))
        .json(&json!({"username": "rep1", "password": yingpan_tests::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    // A visit logged offline before the departure is handed in and kept,
    // with its author; an edit or a later note is not.
    let visit = log_activity(&rep1, book[1], before - chrono::Duration::minutes(5)).await;
    assert_eq!(visit["status"], "applied", "{visit}");
    server.advance_days(1);
    let late = log_activity(&rep1, book[1], server_time(&server)).await;
    assert_eq!(late["status"], "rejected");
    let edit = rep1
        .push_one(json!({"seq": 1, "entity": "customer", "id": book[2], "op": "update", "fields": {"notes": "x"}, "base": {}}))
        .await;
    assert_eq!(edit["status"], "rejected");

    let (rep2, rep3) = (server.login("rep2").await, server.login("rep3").await);
    let (held2, held3) = (rep2.cache().await, rep3.cache().await);
    for id in &book {
        assert!(
            holds(&held2, "customer", *id) ^ holds(&held3, "customer", *id),
            "each customer has one new owner"
        );
    }
    let owner_of_1 = if holds(&held2, "customer", book[1]) {
        &held2
    } else {
        &held3
    };
    let visits: Vec<&Value> = owner_of_1
        .iter()
        .filter(|((e, _), d)| e == "activity" && d["customer_id"] == json!(book[1]))
        .map(|(_, d)| d)
        .collect();
    assert_eq!(visits.len(), 1);
    assert_eq!(visits[0]["by"], json!(server.users.rep1.id), "history keeps its author");
}

async fn departure_preview_changes_nothing_and_pool_handover_fills_the_pool(server: TestServer) {
    let rep2 = server.login("rep2").await;
    let id = Uuid::now_v7();
    assert_eq!(
        rep2.push_one(create_customer(
            id,
            "西安远景建材有限公司",
            Some(server.users.rep2.id.0)
        ))
        .await["status"],
        "applied"
    );
    let manager = server.login("manager").await;
    let url = format!("/api/users/{}/departure", server.users.rep2.id);
    let (status, plan) = manager.post(&url, &json!({"mode": "pool"})).await;
    assert_eq!(status, 200, "{plan}");
    assert_eq!(
        (plan["done"].as_bool(), plan["customers"].as_u64()),
        (Some(false), Some(1))
    );
    assert_eq!(plan["shares"][0]["sample"], json!(["西安远景建材有限公司"]));
    assert_eq!(rep2.get("/api/me").await.0, 200, "a preview closes nothing");

    // Not the manager's to hand over: another team's rep, or to another team.
    let outsider_url = format!("/api/users/{}/departure", server.users.outsider.id);
    assert_eq!(manager.post(&outsider_url, &json!({"mode": "pool"})).await.0, 403);
    let (status, body) = manager
        .post(&url, &json!({"mode": "to_one", "to": server.users.outsider.id}))
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        server.login("rep1").await.post(&url, &json!({"mode": "pool"})).await.0,
        403
    );

    let (status, _) = manager.post(&url, &json!({"mode": "pool", "confirm": true})).await;
    assert_eq!(status, 200);
    let rep1 = server.login("rep1").await;
    assert!(holds(&rep1.cache().await, "pool_entry", id));
    assert_eq!(rep1.push_one(claim(id)).await["status"], "applied");
}

async fn many_reps_claiming_at_once_give_each_customer_one_owner_within_caps(server: TestServer) {
    let admin = server.login("admin").await;
    assert_eq!(
        admin
            .put("/api/pool/rules", &json!({"max_owned": 3, "max_claims_per_day": 100}))
            .await
            .0,
        200
    );
    let mut pool = Vec::new();
    for i in 0..20 {
        pool.push(pool_customer(&server, &format!("抢单客户{i}")).await);
    }
    let mut reps = Vec::new();
    for i in 0..8 {
        let user = server.add_rep(&format!("claimer{i}")).await;
        reps.push((user.id, server.login(&format!("claimer{i}")).await));
    }
    let mut tasks = Vec::new();
    for (i, (_, api)) in reps.iter().enumerate() {
        let api = api.clone();
        let mut order = pool.clone();
        order.rotate_left((i * 3) % pool.len());
        tasks.push(tokio::spawn(async move {
            let mut won = 0;
            for id in order {
                if api.push_one(claim(id)).await["status"] == "applied" {
                    won += 1;
                }
            }
            won
        }));
    }
    let mut total = 0;
    for t in tasks {
        let won = t.await.unwrap();
        assert!(won <= 3, "a rep won {won} claims over the cap of 3");
        total += won;
    }
    assert_eq!(total, 20, "every pool customer was claimed exactly once");
    let manager = server.login("manager").await;
    let held = manager.cache().await;
    for id in &pool {
        let owner = &held[&("customer".to_owned(), id.to_string())]["owner_id"];
        assert!(reps.iter().any(|(u, _)| json!(u) == *owner), "{owner}");
        assert!(!holds(&held, "pool_entry", *id));
    }
    let (_, history) = manager.get("/api/ownership?limit=500").await;
    assert_eq!(
        history
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "claim")
            .count(),
        20
    );
}

async fn automatic_return_run_twice_at_once_returns_each_customer_once(server: TestServer) {
    let rep = server.login("rep1").await;
    for i in 0..30 {
        let r = rep
            .push_one(create_customer(
                Uuid::now_v7(),
                &format!("客户{i}"),
                Some(server.users.rep1.id.0),
            ))
            .await;
        assert_eq!(r["status"], "applied");
    }
    server.advance_days(31);
    let (a, b) = tokio::join!(auto_return(&server), auto_return(&server));
    assert_eq!(a + b, 30, "returned {a} and {b}");
    let manager = server.login("manager").await;
    let (_, history) = manager.get("/api/ownership?limit=500").await;
    assert_eq!(history.as_array().unwrap().len(), 30);
    let (_, team) = manager.get("/api/team").await;
    assert_eq!(team["pool"]["size"], 30);
    assert_eq!(team["pool"]["weeks"][0]["inflow"], 30);
}

async fn automatic_return_on_three_servers_at_once_runs_once(server: TestServer) {
    let (second, third) = (server.another_server().await, server.another_server().await);
    let rep = server.login("rep1").await;
    for i in 0..20 {
        let customer = create_customer(Uuid::now_v7(), &format!("三台客户{i}"), Some(server.users.rep1.id.0));
        assert_eq!(rep.push_one(customer).await["status"], "applied");
    }
    // The servers share one clock here, as they share the real one.
    server.advance_days(31);
    let (a, b, c) = tokio::join!(auto_return(&server), auto_return(&second), auto_return(&third));
    assert_eq!(a + b + c, 20, "returned {a}, {b} and {c}");
    let (_, history) = second.login("manager").await.get("/api/ownership?limit=500").await;
    assert_eq!(history.as_array().unwrap().len(), 20, "each return recorded once");
    // The next period finds nothing more to return on any of them.
    let (a, b, c) = tokio::join!(auto_return(&server), auto_return(&second), auto_return(&third));
    assert_eq!(a + b + c, 0);
}

async fn only_admins_set_pool_rules_and_bad_rules_are_explained(server: TestServer) {
    let manager = server.login("manager").await;
    assert_eq!(manager.put("/api/pool/rules", &json!({"max_owned": 5})).await.0, 403);
    let admin = server.login("admin").await;
    let (status, body) = admin.put("/api/pool/rules", &json!({"max_owned": 0})).await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["message"], "the owned-customer cap must be at least 1");
    let (status, body) = admin.put("/api/pool/rules", &json!({"follow_up_days": "soon"})).await;
    assert_eq!(status, 422, "{body}");
    let (_, rules) = manager.get("/api/pool/rules").await;
    assert_eq!(rules["max_owned"], 200, "defaults unchanged");
    assert_eq!(rules["follow_up_days"], 30);
    let rep = server.login("rep1").await;
    assert_eq!(rep.get("/api/team").await.0, 403);
}

async fn locked_and_graded_customers_follow_their_rules_and_owners_are_warned_first(server: TestServer) {
    let admin = server.login("admin").await;
    let rules = json!({"grade_overrides": {"A": {"follow_up_days": 60, "deal_days": 0}}});
    assert_eq!(admin.put("/api/pool/rules", &rules).await.0, 200);
    let rep = server.login("rep1").await;
    let (plain, locked, graded, busy) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    for (id, name) in [
        (plain, "普通客户"),
        (locked, "锁定客户"),
        (graded, "A级客户"),
        (busy, "常跟进客户"),
    ] {
        assert_eq!(
            rep.push_one(create_customer(id, name, Some(server.users.rep1.id.0)))
                .await["status"],
            "applied"
        );
    }
    let grade =
        json!({"seq": 1, "entity": "customer", "id": graded, "op": "update", "fields": {"grade": "A"}, "base": {}});
    assert_eq!(rep.push_one(grade).await["status"], "applied");
    let lock =
        json!({"seq": 1, "entity": "customer", "id": locked, "op": "update", "fields": {"locked": true}, "base": {}});
    assert_eq!(
        rep.push_one(lock.clone()).await["status"],
        "rejected",
        "a rep cannot lock"
    );
    let manager = server.login("manager").await;
    assert_eq!(manager.push_one(lock).await["status"], "applied");

    // Three days before the 30-day limit the owner's team sees the warning.
    server.advance_days(27);
    let manager = server.login("manager").await;
    let (_, team) = manager.get("/api/team").await;
    let mut warned: Vec<&str> = team["pool"]["returning"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    warned.sort();
    assert_eq!(warned, ["常跟进客户", "普通客户"]);
    // Followed up on days 27, 47, 67 and 87.
    for _ in 0..4 {
        let rep = server.login("rep1").await;
        assert_eq!(
            log_activity(&rep, busy, server_time(&server)).await["status"],
            "applied"
        );
        server.advance_days(20);
    }
    // Day 107: the plain one went at day 30 (first run now), the A-grade one
    // (60 days, no deal rule) too; the busy one was followed up every 20 days
    // but has had no won deal for 90; the locked one stays.
    assert_eq!(auto_return(&server).await, 3);
    let manager = server.login("manager").await;
    let held = manager.cache().await;
    let owner = |id: Uuid| held[&("customer".to_owned(), id.to_string())]["owner_id"].clone();
    assert_eq!(owner(locked), json!(server.users.rep1.id));
    for id in [plain, graded, busy] {
        assert_eq!(owner(id), Value::Null);
    }
    let busy_entry = &held[&("pool_entry".to_owned(), busy.to_string())];
    assert_eq!(busy_entry["reason"], "no won deal for 90 days");
}

async fn a_won_deal_restarts_the_no_deal_clock(server: TestServer) {
    let rep = server.login("rep1").await;
    let (winner, idle, old_win) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    for (id, name) in [(winner, "成交客户"), (idle, "未成交客户"), (old_win, "早年成交客户")] {
        let r = rep
            .push_one(create_customer(id, name, Some(server.users.rep1.id.0)))
            .await;
        assert_eq!(r["status"], "applied", "{r}");
    }
    // A forged win is the device's word, not the server's: the idle one
    // still returns below.
    let forged = json!({"seq": 1, "entity": "customer", "id": idle, "op": "update",
                        "fields": {"last_won_at": "2099-01-01T00:00:00Z"}, "base": {}});
    rep.push_one(forged).await;
    let (deal, old_deal) = (Uuid::now_v7(), Uuid::now_v7());
    for (id, customer, stage) in [(deal, winner, "negotiation"), (old_deal, old_win, "won")] {
        let r = rep
            .push_one(json!({"seq": 1, "entity": "opportunity", "id": id, "op": "create",
                             "fields": {"customer_id": customer, "name": "年度采购", "stage": stage}}))
            .await;
        assert_eq!(r["status"], "applied", "{r}");
    }
    // All are followed up every 20 days; one deal is won on day 60, and the
    // deal won on day 0 only gets a note on day 80.
    for day in [20, 40, 60, 80] {
        server.advance_days(20);
        let rep = server.login("rep1").await;
        for id in [winner, idle, old_win] {
            assert_eq!(log_activity(&rep, id, server_time(&server)).await["status"], "applied");
        }
        if day == 60 {
            let (_, head) = rep.get("/api/sync/pull?since=0&limit=1000").await;
            let won = json!({"seq": 1, "entity": "opportunity", "id": deal, "op": "update",
                             "fields": {"stage": "won"}, "base": {"stage": "negotiation"}});
            assert_eq!(rep.push_one(won).await["status"], "applied");
            // A device already holding the customer hears of the win.
            let (_, next) = rep.get(&format!("/api/sync/pull?since={}", head["cursor"])).await;
            let heard = next["changes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["id"] == json!(winner) && c["data"]["last_won_at"].is_string());
            assert!(heard, "the customer's win is pulled: {next}");
        }
        if day == 80 {
            let note = json!({"seq": 1, "entity": "opportunity", "id": old_deal, "op": "update",
                              "fields": {"notes": "回款已完成"}, "base": {}});
            assert_eq!(rep.push_one(note).await["status"], "applied");
        }
    }
    server.advance_days(15);
    // The rep's device holds each customer's last win, and from its cache
    // alone tells the same customers due as the server does next.
    let cache = server.login("rep1").await.cache().await;
    let rules = server.store.pool_rules().await.unwrap();
    let due_on_device = |id: Uuid| {
        let record = cache[&("customer".to_owned(), id.to_string())].clone();
        let customer: Customer = serde_json::from_value(record).unwrap();
        let facts = ReturnFacts::of(&customer, None).unwrap();
        should_return(&rules, &facts, server_time(&server)).is_some()
    };
    let won_at = &cache[&("customer".to_owned(), winner.to_string())]["last_won_at"];
    assert!(won_at.is_string(), "the win reached the device: {won_at}");
    let forged_at = &cache[&("customer".to_owned(), idle.to_string())]["last_won_at"];
    assert!(forged_at.is_null(), "a device cannot set it: {forged_at}");
    assert_eq!(
        [winner, idle, old_win].map(due_on_device),
        [false, true, true],
        "the device's view of who returns"
    );
    // Day 95: no won deal for 90 days returns the idle one and the one whose
    // deal was won on day 0 (a later edit is not a new win); the other won
    // 35 days ago.
    assert_eq!(auto_return(&server).await, 2);
    let held = server.login("manager").await.cache().await;
    let owner = |id: Uuid| held[&("customer".to_owned(), id.to_string())]["owner_id"].clone();
    assert_eq!(owner(winner), json!(server.users.rep1.id));
    assert_eq!(owner(idle), Value::Null);
    assert_eq!(owner(old_win), Value::Null);
}

async fn a_departing_reps_leads_go_with_the_book(server: TestServer) {
    let rep1 = server.login("rep1").await;
    let mut leads = Vec::new();
    for name in ["赵敏", "钱程", "孙悦"] {
        let id = Uuid::now_v7();
        let r = rep1
            .push_one(json!({"seq": 1, "entity": "lead", "id": id, "op": "create",
                             "fields": {"name": name, "source": "展会", "owner_id": server.users.rep1.id}}))
            .await;
        assert_eq!(r["status"], "applied", "{r}");
        leads.push(id);
    }
    let rep3 = server.add_rep("rep3").await;
    let manager = server.login("manager").await;
    let body = json!({"mode": "spread", "to": [server.users.rep2.id, rep3.id], "confirm": true});
    let (status, plan) = manager
        .post(&format!("/api/users/{}/departure", server.users.rep1.id), &body)
        .await;
    assert_eq!(status, 200, "{plan}");
    let held = |cache: &std::collections::HashMap<(String, String), Value>| {
        leads
            .iter()
            .filter(|id| cache.contains_key(&("lead".to_owned(), id.to_string())))
            .count()
    };
    let rep2 = server.login("rep2").await;
    let rep2_cache = rep2.cache().await;
    let rep3_cache = server.login("rep3").await.cache().await;
    assert_eq!(
        (held(&rep2_cache), held(&rep3_cache)),
        (2, 1),
        "every lead has a new owner"
    );
    let first = &rep2_cache[&("lead".to_owned(), leads[0].to_string())];
    assert_eq!(first["owner_id"], json!(server.users.rep2.id));
    let worked = rep2
        .push_one(json!({"seq": 1, "entity": "lead", "id": leads[0], "op": "update",
                         "fields": {"notes": "已电话联系"}, "base": {}}))
        .await;
    assert_eq!(worked["status"], "applied", "the new owner works the lead: {worked}");
}

async fn the_ownership_history_is_searched_by_name_over_all_of_it_as_the_search_box_folds(server: TestServer) {
    let manager = server.login("manager").await;
    let to_rep2 = json!({"owner_id": server.users.rep2.id});
    let hand_to_rep2 = |id: Uuid| {
        let (manager, to_rep2) = (&manager, &to_rep2);
        async move {
            let (status, body) = manager.post(&format!("/api/customers/{id}/owner"), to_rep2).await;
            assert_eq!(status, 200, "{body}");
        }
    };
    // The oldest entry: a full-width Latin name with a wildcard character.
    let old = pool_customer(&server, "ＡＢＣ 远东重工 100%").await;
    hand_to_rep2(old).await;
    // More entries after it than a page of the history holds.
    for i in 0..12 {
        hand_to_rep2(pool_customer(&server, &format!("杭州新业{i}贸易有限公司")).await).await;
    }
    let search = |q: &str| {
        let manager = &manager;
        let q = q.to_owned();
        async move {
            let (status, found) = manager
                .get(&format!("/api/ownership?limit=5&q={}", urlencode(&q)))
                .await;
            assert_eq!(status, 200, "{found}");
            found
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["customer_id"].clone())
                .collect::<Vec<_>>()
        }
    };
    // Found beyond the newest page, folded as typed: width, case, spaces.
    assert_eq!(search("远东").await, [json!(old)]);
    assert_eq!(search("abc 重工").await, [json!(old)]);
    assert_eq!(search("ＡＢＣ远东").await, [json!(old)]);
    // A wildcard typed is a character searched for, and every word counts.
    assert_eq!(search("100%").await, [json!(old)]);
    assert!(search("%").await.len() == 1);
    assert!(search("_").await.is_empty());
    assert!(search("远东 新业").await.is_empty());
    // A page of a broad search is a page.
    assert_eq!(search("新业").await.len(), 5);

    // Customers stored before names were folded for search are found
    // once the server has started again.
    server
        .execute_sql("UPDATE records SET search_name = NULL")
        .await
        .unwrap();
    assert!(search("远东").await.is_empty());
    server.store.migrate().await.unwrap();
    assert_eq!(search("远东").await, [json!(old)]);
}

/// `q` for a query string.
fn urlencode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn one_push_that_creates_claims_and_edits_keeps_every_step_in_order(server: TestServer) {
    // A push's writes are decided in memory and written when it ends; a
    // claim in the middle moves customers in SQL, so what came before it
    // must be written first and what comes after must see its result.
    let pooled = pool_customer(&server, "公海机床厂").await;
    let rep = server.login("rep1").await;
    let (mine, activity) = (Uuid::now_v7(), Uuid::now_v7());
    let me = server.users.rep1.id.0;
    let at = server_time(&server);
    let mutations = json!([
        {"seq": 1, "entity": "customer", "id": mine, "op": "create",
         "fields": {"name": "自有客户", "owner_id": me}},
        {"seq": 2, "entity": "customer", "id": mine, "op": "update",
         "fields": {"notes": "同一次推送里改过"}, "base": {"notes": null}},
        {"seq": 3, "entity": "customer", "id": pooled, "op": "claim"},
        {"seq": 4, "entity": "customer", "id": pooled, "op": "update",
         "fields": {"notes": "领取后补充"}, "base": {"notes": null}},
        {"seq": 5, "entity": "activity", "id": activity, "op": "create",
         "fields": {"customer_id": pooled, "kind": "call", "content": "领取后回访", "at": at}},
    ]);
    let (status, body) = rep
        .post(
            "/api/sync/push",
            &json!({"client_id": Uuid::now_v7(), "mutations": mutations}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let statuses: Vec<&str> = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["applied"; 5], "{body}");
    let held = rep.cache().await;
    let customer = |id: Uuid| held[&("customer".to_owned(), id.to_string())].clone();
    assert_eq!(customer(mine)["notes"], "同一次推送里改过");
    assert_eq!(customer(pooled)["owner_id"], json!(me), "claimed");
    assert_eq!(customer(pooled)["notes"], "领取后补充", "edited after the claim");
    assert!(
        customer(pooled)["last_activity_at"].is_string(),
        "the call restarted its clock"
    );
    assert!(holds(&held, "activity", activity));
    assert!(
        !holds(&held, "pool_entry", pooled),
        "its pool entry came down with the claim"
    );
}
