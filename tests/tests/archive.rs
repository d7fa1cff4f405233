//! A manager's archive of a customer, and bringing it back, on SQLite and
//! PostgreSQL: reps cannot delete what the company owns, an archive loses
//! nothing (a stale edit is kept as a conflict, a replay is logged once),
//! and only who could archive it may restore it.

use serde_json::{json, Value};
use uuid::Uuid;
use yingpan_tests::{Api, TestServer};

yingpan_tests::on_both_backends!(
    an_archived_customer_comes_back_with_nothing_lost,
    only_who_may_archive_a_customer_may_bring_it_back,
);

async fn create(api: &Api, name: &str, owner: Uuid) -> Uuid {
    let id = Uuid::now_v7();
    let r = api
        .push_one(json!({"seq": 1, "entity": "customer", "id": id, "op": "create",
                         "fields": {"name": name, "owner_id": owner, "phone": "13912345678"}}))
        .await;
    assert_eq!(r["status"], "applied", "{r}");
    id
}

fn holds(cache: &std::collections::HashMap<(String, String), Value>, id: Uuid) -> Option<&Value> {
    cache.get(&("customer".to_owned(), id.to_string()))
}

async fn audited(admin: &Api, action: &str, target: Uuid) -> usize {
    let (status, body) = admin.get(&format!("/api/audit?action={action}")).await;
    assert_eq!(status, 200, "{body}");
    body.as_array()
        .unwrap()
        .iter()
        .filter(|e| e["target"] == target.to_string())
        .count()
}

async fn an_archived_customer_comes_back_with_nothing_lost(server: TestServer) {
    let rep1 = server.login("rep1").await;
    let id = create(&rep1, "苏州工业园区精密机械有限公司", server.users.rep1.id.0).await;
    let refused = rep1
        .push_one(json!({"seq": 2, "entity": "customer", "id": id, "op": "delete"}))
        .await;
    assert_eq!(refused["status"], "rejected", "a rep cannot delete it: {refused}");

    // The manager archives it from a phone; the push arrives twice.
    let manager = server.login("manager").await;
    let push = json!({"client_id": Uuid::now_v7(),
                      "mutations": [{"seq": 1, "entity": "customer", "id": id, "op": "delete"}]});
    for _ in 0..2 {
        let (status, body) = manager.post("/api/sync/push", &push).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["results"][0]["status"], "applied", "{body}");
    }
    let admin = server.login("admin").await;
    assert_eq!(audited(&admin, "archive", id).await, 1, "one archive, logged once");
    assert!(holds(&rep1.cache().await, id).is_none(), "it left the rep's list");

    // The rep's phone edited it offline before hearing of the archive.
    let stale = rep1
        .push_one(json!({"seq": 3, "entity": "customer", "id": id, "op": "update",
                         "fields": {"region": "苏州"}, "base": {"region": null}}))
        .await;
    assert_eq!(stale["status"], "conflicted", "the edit is kept, not applied: {stale}");

    let (status, list) = manager.get("/api/customers/archived").await;
    assert_eq!(status, 200, "{list}");
    let entry = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id.to_string())
        .unwrap_or_else(|| panic!("listed: {list}"));
    assert_eq!(entry["name"], "苏州工业园区精密机械有限公司");
    assert_eq!(entry["owner"], server.users.rep1.id.to_string());
    assert_eq!(entry["by"], server.users.manager.id.to_string());

    // Two managers' screens both show it; the first brings it back.
    let (status, body) = manager.post(&format!("/api/customers/{id}/restore"), &json!({})).await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = admin.post(&format!("/api/customers/{id}/restore"), &json!({})).await;
    assert_eq!(status, 422, "the second finds it back already: {body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("not archived"),
        "{body}"
    );
    assert_eq!(audited(&admin, "restore", id).await, 1);

    // It is back on the rep's phone as it was, and still the rep's.
    let cache = rep1.cache().await;
    let back = holds(&cache, id).expect("back on the rep's list");
    assert_eq!(back["name"], "苏州工业园区精密机械有限公司");
    assert_eq!(back["phone"], "13912345678");
    assert_eq!(back["owner_id"], server.users.rep1.id.to_string());
    let (_, list) = manager.get("/api/customers/archived").await;
    assert!(
        !list.as_array().unwrap().iter().any(|c| c["id"] == id.to_string()),
        "{list}"
    );
    // The edit the archive overtook is in the conflict list, to apply again.
    let conflict = cache
        .iter()
        .find(|((entity, _), data)| entity == "conflict" && data["customer_id"] == id.to_string());
    assert!(conflict.is_some(), "the rep's edit is kept as a conflict");
}

async fn only_who_may_archive_a_customer_may_bring_it_back(server: TestServer) {
    let rep2 = server.login("rep2").await;
    let id = create(&rep2, "无锡太湖精工有限公司", server.users.rep2.id.0).await;
    let note = Uuid::now_v7();
    let r = rep2
        .push_one(json!({"seq": 2, "entity": "activity", "id": note, "op": "create",
                         "fields": {"customer_id": id, "kind": "visit", "content": "报价单已发",
                                    "at": "2026-11-21T02:00:00Z"}}))
        .await;
    assert_eq!(r["status"], "applied", "{r}");
    let manager = server.login("manager").await;
    let r = manager
        .push_one(json!({"seq": 1, "entity": "customer", "id": id, "op": "delete"}))
        .await;
    assert_eq!(r["status"], "applied", "{r}");

    for who in ["rep2", "outsider"] {
        let api = server.login(who).await;
        let (status, body) = api.get("/api/customers/archived").await;
        assert_eq!(status, 403, "{who}: {body}");
        let (status, body) = api.post(&format!("/api/customers/{id}/restore"), &json!({})).await;
        assert!(status == 403 || status == 404, "{who}: {status} {body}");
    }
    let (status, body) = manager.post("/api/customers/not-an-id/restore", &json!({})).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = manager
        .post(&format!("/api/customers/{}/restore", Uuid::now_v7()), &json!({}))
        .await;
    assert_eq!(status, 404, "{body}");

    // A merged-away customer comes back by undoing the merge, not this.
    let rep1 = server.login("rep1").await;
    let survivor = create(&rep1, "常州天宁机电有限公司", server.users.rep1.id.0).await;
    let merged = create(&rep1, "天宁机电（常州）有限公司", server.users.rep1.id.0).await;
    let (status, body) = manager
        .post(&format!("/api/customers/{survivor}/merge"), &json!({"merged": merged}))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = manager
        .post(&format!("/api/customers/{merged}/restore"), &json!({}))
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("undo the merge"),
        "{body}"
    );
    let (_, list) = manager.get("/api/customers/archived").await;
    assert!(
        !list.as_array().unwrap().iter().any(|c| c["id"] == merged.to_string()),
        "{list}"
    );

    // rep2 leaves meanwhile: the archived customer comes back to the pool.
    let admin = server.login("admin").await;
    let (status, body) = admin
        .post(
            &format!("/api/users/{}/departure", server.users.rep2.id),
            &json!({"mode": "pool", "confirm": true}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = admin.post(&format!("/api/customers/{id}/restore"), &json!({})).await;
    assert_eq!(status, 204, "{body}");
    let back = holds(&manager.cache().await, id)
        .cloned()
        .expect("the manager sees the pool");
    assert!(back["owner_id"].is_null(), "in the pool: {back}");
    // Its records came back to the pool with it, and the handover is in
    // the ownership history.
    let visit = server
        .store
        .record(yingpan_shared::entity::EntityKind::Activity, note)
        .await
        .unwrap()
        .expect("the visit is kept");
    assert!(!visit.deleted);
    assert_eq!(visit.owner_id, None, "the visit went to the pool with its customer");
    let (status, history) = admin.get(&format!("/api/ownership?customer={id}")).await;
    assert_eq!(status, 200, "{history}");
    assert!(history.to_string().contains("departure"), "{history}");
}
