//! Company-wide duplicate checks (防撞单) against a real database, on SQLite
//! and PostgreSQL.

use serde_json::{json, Value};
use uuid::Uuid;
use yingpan_tests::{Api, TestServer};

yingpan_tests::on_both_backends!(
    check_finds_variants_company_wide_but_shows_only_name_and_owner,
    block_policy_refuses_an_exact_duplicate_and_warn_lets_it_through,
    customers_written_before_the_index_existed_are_found,
);

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
    let forget = ["DELETE FROM name_grams", "DELETE FROM customer_keys"];
    if server.database_url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(&server.database_url).await.unwrap();
        for sql in forget {
            sqlx::query(sql).execute(&pool).await.unwrap();
        }
    } else {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", server.database_url))
            .await
            .unwrap();
        for sql in forget {
            sqlx::query(sql).execute(&pool).await.unwrap();
        }
    }
    assert!(check(&rep1, &[("name", "同创机械")]).await.is_empty());
    server.store.migrate().await.unwrap();
    assert_eq!(check(&rep1, &[("name", "同创机械")]).await[0]["id"], json!(id));
}
