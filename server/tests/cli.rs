//! The first admin of a new company, from the real binary: `yingpan admin
//! create` on an empty database (SQLite and PostgreSQL), the password from
//! standard input; the admin signs in to the server started on the same
//! database; an existing username is refused; `reset-password` works.

use serde_json::json;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

const PG_ADMIN: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Runs `yingpan admin …` on `database` with `stdin`; exit success and
/// everything printed.
async fn admin(database: &str, args: &[&str], stdin: &str) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_yingpan"))
        .arg("admin")
        .args(args)
        .env("DATABASE_URL", database)
        .env("RUST_LOG", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start yingpan admin");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).await.unwrap();
    drop(input);
    let out = child.wait_with_output().await.unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

async fn sign_in(database: &str, username: &str, password: &str) -> u16 {
    let mut server = Command::new(env!("CARGO_BIN_EXE_yingpan"))
        .env("DATABASE_URL", database)
        .env("YINGPAN_ADDR", "127.0.0.1:0")
        .env("YINGPAN_DIST", "no-app-here")
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start server");
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
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
    let status = reqwest::Client::new()
        .post(format!("{url}/api/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16();
    server.kill().await.unwrap();
    status
}

async fn first_admin_from_the_command_line(database: &str) {
    let (ok, said) = admin(
        database,
        &["create", "--username", "boss", "--name", "老板"],
        "boss-password-1\n",
    )
    .await;
    assert!(ok, "{said}");
    assert!(said.contains("Created admin boss"), "{said}");
    let (ok, said) = admin(
        database,
        &["create", "--username", "boss", "--name", "又一个"],
        "other-password\n",
    )
    .await;
    assert!(!ok, "an existing username is refused: {said}");
    assert!(said.contains("already an account named boss"), "{said}");
    let (ok, said) = admin(database, &["create", "--username", "shorty", "--name", "短"], "short\n").await;
    assert!(!ok && said.contains("at least 8"), "{said}");
    assert_eq!(sign_in(database, "boss", "boss-password-1").await, 200);
    let (ok, said) = admin(database, &["reset-password", "boss"], "a new password 2\n").await;
    assert!(ok, "{said}");
    assert_eq!(sign_in(database, "boss", "a new password 2").await, 200);
    assert_eq!(sign_in(database, "boss", "boss-password-1").await, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_admin_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new-company.db");
    first_admin_from_the_command_line(&db.display().to_string()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_admin_on_postgres() {
    let name = format!("yingpan_cli_{}", uuid::Uuid::now_v7().simple());
    let admin_pool = match sqlx::PgPool::connect(PG_ADMIN).await {
        Ok(pool) => pool,
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!("PostgreSQL not reachable ({e}); skipping outside CI");
            return;
        }
        Err(e) => panic!("PostgreSQL is required in CI: {e}"),
    };
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin_pool)
        .await
        .unwrap();
    let url = format!("postgres://postgres@127.0.0.1:5432/{name}");
    let outcome = tokio::spawn({
        let url = url.clone();
        async move { first_admin_from_the_command_line(&url).await }
    })
    .await;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&admin_pool)
        .await
        .unwrap();
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

#[test]
fn help_names_the_admin_commands() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_yingpan"))
        .args(["admin", "--help"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("create") && text.contains("reset-password"), "{text}");
}
