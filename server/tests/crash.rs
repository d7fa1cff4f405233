//! Killing the server (SIGKILL) in the middle of pushes loses no
//! acknowledged mutation and applies none twice: the real binary, a real
//! SQLite file, restarted after every kill, with the client retrying the
//! push it never got an answer for.

use serde_json::{json, Value};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use uuid::Uuid;

const BATCHES: usize = 60;
const PER_BATCH: usize = 25;

async fn start(db: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_yingpan"))
        .env("YINGPAN_DATABASE_URL", db)
        .env("YINGPAN_ADDR", "127.0.0.1:0")
        .env("YINGPAN_DEMO", "true")
        .env("YINGPAN_DIST", "no-app-here")
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start server");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(url) = line.strip_prefix("Yingpan is running at ") {
                return url.to_owned();
            }
        }
        panic!("server exited before listening");
    })
    .await
    .expect("server did not start");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, url)
}

fn batch(client: Uuid, owner: &Value, n: usize) -> Value {
    let mutations: Vec<Value> = (0..PER_BATCH)
        .map(|i| {
            let seq = n * PER_BATCH + i + 1;
            json!({"seq": seq, "entity": "customer", "id": Uuid::now_v7(), "op": "create",
                   "fields": {"name": format!("断电测试{seq}"), "owner_id": owner}})
        })
        .collect();
    json!({"client_id": client, "mutations": mutations})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_server_loses_no_acknowledged_push_and_applies_none_twice() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let (mut server, mut url) = start(&db).await;
    let http = reqwest::Client::new();
    let login: Value = http
        .post(format!("{url}/api/login"))
        .json(&json!({"username": "rep1", "password": "yingpan123"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap().to_owned();
    let owner = login["user"]["id"].clone();
    let client = Uuid::now_v7();
    // Each batch is built once: a retry resends exactly the same mutations.
    let batches: Vec<Value> = (0..BATCHES).map(|n| batch(client, &owner, n)).collect();
    let mut kills = 0;
    let mut unanswered = 0;
    let mut attempt = 0u64;
    let mut n = 0;
    while n < BATCHES {
        attempt += 1;
        let request = http
            .post(format!("{url}/api/sync/push"))
            .bearer_auth(&token)
            .json(&batches[n])
            .send();
        let pending = tokio::spawn(request);

        // Every other attempt is killed (so every batch is eventually let
        // through), at a varying moment: while the push is on its way, being
        // applied or being answered. Fault injection, not synchronisation.
        if attempt % 2 == 1 {
            tokio::time::sleep(Duration::from_millis((attempt * 7) % 29)).await;
            server.kill().await.unwrap();

            kills += 1;
        }
        match pending.await.unwrap() {
            Ok(res) if res.status() == 200 => {
                let body: Value = res.json().await.unwrap();
                let results = body["results"].as_array().unwrap();
                assert_eq!(results.len(), PER_BATCH);
                for r in results {
                    // A mutation applied twice would come back "rejected:
                    // already exists" on the retry.
                    assert_eq!(r["status"], "applied", "batch {n}: {r}");
                }
                n += 1;
            }
            _ => unanswered += 1, // no answer: retry the same batch
        }

        if server.try_wait().unwrap().is_some() {
            (server, url) = start(&db).await;
        }
    }
    println!("{kills} kills, {unanswered} pushes left unanswered and retried");
    assert!(
        kills >= BATCHES / 2 && unanswered > 0,
        "the faults never hit a push in flight"
    );
    // Everything acknowledged is there, exactly once.
    let mut names = std::collections::HashSet::new();
    let mut since = 0;
    loop {
        let page: Value = http
            .get(format!("{url}/api/sync/pull?since={since}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for c in page["changes"].as_array().unwrap() {
            if let Some(name) = c["data"]["name"].as_str().filter(|n| n.starts_with("断电测试")) {
                assert!(names.insert(name.to_owned()), "{name} twice");
            }
        }
        since = page["cursor"].as_i64().unwrap();
        if !page["has_more"].as_bool().unwrap() {
            break;
        }
    }
    assert_eq!(names.len(), BATCHES * PER_BATCH);
    server.kill().await.unwrap();
}
