//! Under load the server slows down gracefully: sync requests wait their
//! turn, and when too many wait they are told when to come back (503 with
//! Retry-After), never answered 500; and `/metrics` shows what happened.

use serde_json::{json, Value};
use uuid::Uuid;
use yingpan_tests::{Backend, TestServer};

yingpan_tests::on_both_backends!(
    metrics_count_every_push_pull_and_mutation_for_the_token_holder_only,
    many_reps_pushing_at_once_are_all_answered_without_a_server_error,
    a_push_refused_among_many_written_together_leaves_nothing_and_holds_up_no_one,
);

fn customer(seq: u64, name: &str, owner: impl serde::Serialize) -> Value {
    json!({"seq": seq, "entity": "customer", "id": Uuid::now_v7(), "op": "create",
           "fields": {"name": name, "owner_id": owner}})
}

/// The value of the sample `name` (with its labels) on a metrics page.
fn value(page: &str, name: &str) -> Option<f64> {
    page.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        .map(|v| v.parse().unwrap())
}

fn sample(page: &str, name: &str) -> f64 {
    value(page, name).unwrap_or_else(|| panic!("no {name} in\n{page}"))
}

async fn metrics_count_every_push_pull_and_mutation_for_the_token_holder_only(server: TestServer) {
    let url = format!("{}/metrics", server.url);
    let anonymous = server.http.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let wrong = server.http.get(&url).bearer_auth("guess").send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    // A rep's session token is not the scraper's token either.
    let rep = server.login("rep1").await;
    let session = server.http.get(&url).bearer_auth(&rep.token).send().await.unwrap();
    assert_eq!(session.status(), 401);

    let before = server.metrics().await;
    let client = Uuid::now_v7();
    let (status, body) = rep
        .post(
            "/api/sync/push",
            &json!({"client_id": client, "mutations": [
                customer(1, "度量客户一", server.users.rep1.id),
                // Not the rep's to give away: refused.
                customer(2, "度量客户二", server.users.outsider.id),
            ]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = rep.get("/api/sync/pull?since=0").await;
    assert_eq!(status, 200);

    let after = server.metrics().await;
    // Counters start when first counted.
    let grew = |name: &str| sample(&after, name) - value(&before, name).unwrap_or(0.0);
    assert_eq!(grew("yingpan_sync_push_seconds_count"), 1.0);
    assert_eq!(grew("yingpan_sync_pull_seconds_count"), 1.0);
    assert_eq!(grew("yingpan_sync_mutations_total{status=\"applied\"}"), 1.0);
    assert_eq!(grew("yingpan_sync_mutations_total{status=\"rejected\"}"), 1.0);
    // Durations are measured, in seconds, into buckets from 1 ms.
    assert!(sample(&after, "yingpan_sync_pull_seconds_sum") > 0.0);
    assert!(
        after.contains("yingpan_sync_pull_seconds_bucket{le=\"0.005\"}"),
        "{after}"
    );
    assert!(after.contains("# TYPE yingpan_sync_push_seconds histogram"), "{after}");
}

async fn many_reps_pushing_at_once_are_all_answered_without_a_server_error(server: TestServer) {
    // More reps at once than the server has turns at the database: each
    // is answered (200, or 503 with a time to come back, then 200).
    let reps = 24;
    let mut tasks = Vec::new();
    for r in 0..reps {
        let name = format!("crowd{r}");
        let owner = server.add_rep(&name).await.id;
        let api = server.login(&name).await;
        tasks.push(tokio::spawn(async move {
            let client = Uuid::now_v7();
            let mut created = Vec::new();
            for p in 0..3u64 {
                let batch: Vec<Value> = (0..5)
                    .map(|i| customer(p * 5 + i + 1, &format!("并发客户{r}-{p}-{i}"), owner))
                    .collect();
                created.extend(batch.iter().map(|m| m["id"].as_str().unwrap().to_owned()));
                let push = json!({"client_id": client, "mutations": batch});
                let (status, body) = push_when_served(&api, &push).await;
                assert_eq!(status, 200, "{body}");
            }
            created
        }));
    }
    let mut created = std::collections::HashSet::new();
    for t in tasks {
        created.extend(t.await.unwrap());
    }
    let admin = server.login("admin").await;
    let pulled: std::collections::HashSet<String> = admin
        .pull_all()
        .await
        .iter()
        .filter(|c| c["entity"] == "customer")
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(created.len(), reps * 15);
    assert!(created.is_subset(&pulled), "every acknowledged customer is stored");
}

/// Sends a push until it is served: a 503 means "come back", anything else
/// is the answer.
async fn push_when_served(api: &yingpan_tests::Api, push: &Value) -> (u16, Value) {
    loop {
        let (status, body) = api.post("/api/sync/push", push).await;
        if status != 503 {
            return (status, body);
        }
        tokio::task::yield_now().await;
    }
}

async fn a_push_refused_among_many_written_together_leaves_nothing_and_holds_up_no_one(server: TestServer) {
    // A device id already used by rep2: rep1 pushing under it is refused.
    let taken = Uuid::now_v7();
    let rep2 = server.login("rep2").await;
    let first = json!({"client_id": taken, "mutations": [customer(1, "先到客户", server.users.rep2.id)]});
    assert_eq!(rep2.post("/api/sync/push", &first).await.0, 200);
    let mut honest = Vec::new();
    for r in 0..12 {
        let name = format!("honest{r}");
        let owner = server.add_rep(&name).await.id;
        let api = server.login(&name).await;
        let batch: Vec<Value> = (0..5).map(|i| customer(i + 1, &format!("同批客户{r}-{i}"), owner)).collect();
        honest.push((api, json!({"client_id": Uuid::now_v7(), "mutations": batch})));
    }
    let intruder = server.login("rep1").await;
    let intruding = json!({"client_id": taken, "mutations": [
        customer(2, "冒名客户甲", server.users.rep1.id),
        customer(3, "冒名客户乙", server.users.rep1.id),
    ]});
    // All at once, so the writer takes several of them in one transaction.
    let refused = tokio::spawn(async move { push_when_served(&intruder, &intruding).await });
    let mut tasks = Vec::new();
    for (api, push) in honest {
        tasks.push(tokio::spawn(async move { push_when_served(&api, &push).await }));
    }
    let (status, body) = refused.await.unwrap();
    assert_eq!(status, 403, "{body}");
    for t in tasks {
        let (status, body) = t.await.unwrap();
        assert_eq!(status, 200, "{body}");
        assert!(body["results"].as_array().unwrap().iter().all(|r| r["status"] == "applied"), "{body}");
    }
    let names: Vec<String> = server
        .login("admin")
        .await
        .pull_all()
        .await
        .iter()
        .filter(|c| c["entity"] == "customer")
        .filter_map(|c| c["data"]["name"].as_str().map(str::to_owned))
        .collect();
    assert!(!names.iter().any(|n| n.starts_with("冒名")), "the refused push left nothing");
    assert_eq!(names.iter().filter(|n| n.starts_with("同批客户")).count(), 60);
}

/// A server whose sync queue is full sends a push away with a time to come
/// back and a message in the rep's language; the same push sent again when
/// a turn is free is applied, once.
async fn a_full_queue_answers_busy_with_retry_after_and_loses_nothing(backend: Backend) {
    let Some(server) = TestServer::start_configured(backend, |s| s.sync_queue = 0).await else {
        return;
    };
    let rep = server.login("rep1").await;
    let load = &server.state.load;
    let mut held = Vec::new();
    while load.pushes.available() > 0 {
        held.push(load.pushes.take(&load.metrics).await.unwrap());
    }
    let client = Uuid::now_v7();
    let push = json!({"client_id": client, "mutations": [customer(1, "排队客户", server.users.rep1.id)]});
    let res = server
        .http
        .post(format!("{}/api/sync/push", server.url))
        .bearer_auth(&rep.token)
        .header("Accept-Language", "zh-CN")
        .json(&push)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "2");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "busy");
    assert_eq!(body["error"]["message"], "服务器繁忙，请稍等几秒再试");
    // Pulls have turns of their own: a reader is not held up by pushes.
    let (status, _) = rep.get("/api/sync/pull?since=0").await;
    assert_eq!(status, 200);
    assert_eq!(
        sample(&server.metrics().await, "yingpan_requests_shed_total{kind=\"push\"}"),
        1.0
    );

    drop(held);
    let (status, body) = rep.post("/api/sync/push", &push).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["results"][0]["status"], "applied");
    let (status, again) = rep.post("/api/sync/push", &push).await;
    assert_eq!(status, 200);
    assert_eq!(again["results"], body["results"], "a replay changes nothing");
    let named: Vec<Value> = rep
        .pull_all()
        .await
        .into_iter()
        .filter(|c| c["data"]["name"] == "排队客户")
        .collect();
    assert_eq!(named.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_full_queue_answers_busy_with_retry_after_and_loses_nothing() {
    a_full_queue_answers_busy_with_retry_after_and_loses_nothing(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_full_queue_answers_busy_with_retry_after_and_loses_nothing() {
    a_full_queue_answers_busy_with_retry_after_and_loses_nothing(Backend::Postgres).await;
}
