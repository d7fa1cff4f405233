//! Under load the server slows down gracefully: sync requests wait their
//! turn, and when too many wait they are told when to come back (503 with
//! Retry-After), never answered 500; and `/metrics` shows what happened.

use futures::FutureExt as _;
use serde_json::{json, Value};
use uuid::Uuid;
use yingpan_tests::{Backend, TestServer};

yingpan_tests::on_both_backends!(
    metrics_count_every_push_pull_and_mutation_for_the_token_holder_only,
    many_reps_pushing_at_once_are_all_answered_without_a_server_error,
    a_push_refused_among_many_written_together_leaves_nothing_and_holds_up_no_one,
    a_push_failing_midway_in_a_batch_leaves_nothing_and_the_rest_is_written,
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

/// Sends a push until it is served, as the app does: a 503 means "come
/// back" (here after a short pause, and not forever), anything else is the
/// answer.
async fn push_when_served(api: &yingpan_tests::Api, push: &Value) -> (u16, Value) {
    for _ in 0..1_000 {
        let (status, body) = api.post("/api/sync/push", push).await;
        if status != 503 {
            return (status, body);
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("a push was sent away a thousand times");
}

/// The store's write lock, held from outside as a stuck writer would hold
/// it, so that pushes pile up behind it and are written in one batch.
enum WriteLock {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl WriteLock {
    async fn take(server: &TestServer) -> WriteLock {
        use sqlx::Connection as _;
        if server.database_url.starts_with("postgres") {
            let mut conn = sqlx::PgConnection::connect(&server.database_url).await.unwrap();
            sqlx::raw_sql("BEGIN; SELECT last_seq FROM sync_state WHERE id = 1 FOR UPDATE")
                .execute(&mut conn)
                .await
                .unwrap();
            WriteLock::Postgres(conn)
        } else {
            let url = format!("sqlite://{}", server.database_url);
            let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
            sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut conn).await.unwrap();
            WriteLock::Sqlite(conn)
        }
    }

    async fn release(self) {
        match self {
            WriteLock::Sqlite(mut conn) => sqlx::raw_sql("COMMIT").execute(&mut conn).await.map(drop),
            WriteLock::Postgres(mut conn) => sqlx::raw_sql("COMMIT").execute(&mut conn).await.map(drop),
        }
        .unwrap();
    }
}

/// Makes the database itself refuse to store a customer whose name
/// contains 坏 (as a full disk or a broken constraint would), when the row
/// is written, or with `at_commit` (PostgreSQL only) when it commits.
async fn refuse_bad_customers(server: &TestServer, at_commit: bool) {
    let statements: Vec<String> = if server.database_url.starts_with("postgres") {
        let when = if at_commit {
            "CONSTRAINT TRIGGER refuse_bad AFTER INSERT ON records DEFERRABLE INITIALLY DEFERRED"
        } else {
            "TRIGGER refuse_bad BEFORE INSERT ON records"
        };
        vec![
            "CREATE FUNCTION refuse_bad() RETURNS trigger AS $$ BEGIN \
             IF NEW.data LIKE '%坏%' THEN RAISE EXCEPTION 'refused by the test'; END IF; \
             RETURN NEW; END $$ LANGUAGE plpgsql"
                .into(),
            format!("CREATE {when} FOR EACH ROW EXECUTE FUNCTION refuse_bad()"),
        ]
    } else {
        vec![
            "CREATE TRIGGER refuse_bad BEFORE INSERT ON records WHEN NEW.data LIKE '%坏%' \
              BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
                .into(),
        ]
    };
    for sql in statements {
        server.execute_sql(&sql).await.unwrap();
    }
}

fn push_request(mutations: Vec<Value>) -> yingpan_shared::sync::PushRequest {
    serde_json::from_value(json!({"client_id": Uuid::now_v7(), "mutations": mutations})).unwrap()
}

/// Pushes piled up behind the write lock, one of which the database
/// refuses halfway (its first customer already written); written as
/// `write` returns them.
async fn pushes_with_one_failing_midway(server: &TestServer) -> Vec<Result<Vec<String>, String>> {
    let owner = server.users.rep1.id;
    let pushes = [
        push_request(vec![customer(1, "同批甲", owner)]),
        push_request(vec![customer(1, "半途客户", owner), customer(2, "坏客户", owner)]),
        push_request(vec![customer(1, "同批乙", owner), customer(2, "同批丙", owner)]),
        push_request(vec![customer(1, "同批丁", owner)]),
    ];
    let viewer = yingpan_shared::access::Viewer::from(&server.users.rep1);
    let now = server.now_ms();
    let lock = WriteLock::take(server).await;
    let mut waiting: Vec<_> = pushes.iter().map(|req| server.store.push(&viewer, req, now)).collect();
    for push in &mut waiting {
        assert!(push.now_or_never().is_none(), "waits behind the lock");
    }
    lock.release().await;
    let mut answers = Vec::new();
    for push in waiting {
        answers.push(
            push.await
                .map(|results| results.iter().map(|r| format!("{:?}", r.status)).collect())
                .map_err(|e| e.to_string()),
        );
    }
    answers
}

async fn stored_names(server: &TestServer) -> Vec<String> {
    server
        .login("admin")
        .await
        .pull_all()
        .await
        .iter()
        .filter(|c| c["entity"] == "customer")
        .filter_map(|c| c["data"]["name"].as_str().map(str::to_owned))
        .collect()
}

async fn a_push_failing_midway_in_a_batch_leaves_nothing_and_the_rest_is_written(server: TestServer) {
    refuse_bad_customers(&server, false).await;
    let answers = pushes_with_one_failing_midway(&server).await;
    assert!(answers[1].is_err(), "{answers:?}");
    for i in [0, 2, 3] {
        let applied = answers[i].as_ref().unwrap();
        assert!(applied.iter().all(|s| s == "Applied"), "{answers:?}");
    }
    let names = stored_names(&server).await;
    assert!(
        !names.iter().any(|n| n == "半途客户"),
        "the failed push is rolled back whole"
    );
    for name in ["同批甲", "同批乙", "同批丙", "同批丁"] {
        assert!(names.iter().any(|n| n == name), "{name} is stored: {names:?}");
    }
}

/// A batch whose commit fails (here: a check the database makes only at
/// commit) is written again push by push: only the push at fault fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_batch_that_fails_to_commit_is_written_again_push_by_push() {
    let Some(server) = TestServer::start(Backend::Postgres).await else {
        return;
    };
    refuse_bad_customers(&server, true).await;
    let answers = pushes_with_one_failing_midway(&server).await;
    assert!(answers[1].is_err(), "{answers:?}");
    assert!(
        answers[0].is_ok() && answers[2].is_ok() && answers[3].is_ok(),
        "{answers:?}"
    );
    let names = stored_names(&server).await;
    assert!(!names.iter().any(|n| n == "半途客户"));
    assert_eq!(names.iter().filter(|n| n.starts_with("同批")).count(), 4);
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
        let batch: Vec<Value> = (0..5)
            .map(|i| customer(i + 1, &format!("同批客户{r}-{i}"), owner))
            .collect();
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
        assert!(
            body["results"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["status"] == "applied"),
            "{body}"
        );
    }
    let names = stored_names(&server).await;
    assert!(
        !names.iter().any(|n| n.starts_with("冒名")),
        "the refused push left nothing"
    );
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
