//! Test harness: a real Yingpan server on a random port with a fresh
//! database (SQLite file or a new PostgreSQL database), seeded with a small
//! team, plus an HTTP client that speaks the API.

pub mod browser;
pub mod hostile;

use serde_json::Value;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use uuid::Uuid;
use yingpan_server::store::{self, Store};
use yingpan_server::{auth, serve, AppState, Settings};
use yingpan_shared::api::LoginResponse;
use yingpan_shared::ids::{TeamId, UserId};
use yingpan_shared::user::{Role, User};

pub const PASSWORD: &str = "test-password-1";
/// The token test servers take for `/metrics`.
pub const METRICS_TOKEN: &str = "test-metrics-token";
const PG_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A running server with its own database. Dropping it stops the server and
/// removes the database.
pub struct TestServer {
    pub url: String,
    pub store: Arc<dyn Store>,
    /// Where the server's data lives (a SQLite path or a PostgreSQL URL).
    pub database_url: String,
    pub users: TestUsers,
    pub http: reqwest::Client,
    /// The server's clock, in Unix milliseconds; tests move it forward.
    pub clock: Arc<AtomicI64>,
    /// The server's state, for running its jobs in tests.
    pub state: AppState,
    stop: Option<oneshot::Sender<()>>,
    serving: Option<JoinHandle<std::io::Result<()>>>,
    _dir: tempfile::TempDir,
    pg_database: Option<String>,
}

/// One team (a manager and two reps), a rep in another team, and an admin.
#[derive(Clone)]
pub struct TestUsers {
    pub admin: User,
    pub manager: User,
    pub rep1: User,
    pub rep2: User,
    pub outsider: User,
}

impl TestServer {
    /// Starts a server on `backend`, or returns `None` when PostgreSQL is not
    /// reachable outside CI (in CI it must be: a skipped backend fails).
    pub async fn start(backend: Backend) -> Option<TestServer> {
        Self::start_with_dist(backend, workspace_root().join("dist")).await
    }

    pub async fn start_with_dist(backend: Backend, dist: PathBuf) -> Option<TestServer> {
        Self::start_inner(backend, dist, true, |_| {}).await
    }

    /// A server whose settings `configure` changes from the tests' own.
    pub async fn start_configured(backend: Backend, configure: impl FnOnce(&mut Settings)) -> Option<TestServer> {
        Self::start_inner(backend, workspace_root().join("dist"), true, configure).await
    }

    /// A server on an empty database, as a company installing Yingpan has
    /// it: no accounts at all. `users` then holds placeholders that are
    /// not in the database.
    pub async fn start_empty(backend: Backend) -> Option<TestServer> {
        Self::start_inner(backend, workspace_root().join("dist"), false, |_| {}).await
    }

    async fn start_inner(
        backend: Backend,
        dist: PathBuf,
        seed: bool,
        configure: impl FnOnce(&mut Settings),
    ) -> Option<TestServer> {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
            .with_test_writer()
            .try_init();
        let dir = tempfile::tempdir().expect("temp dir");
        let (database_url, pg_database) = match backend {
            Backend::Sqlite => (dir.path().join("test.db").display().to_string(), None),
            Backend::Postgres => {
                let name = format!("yingpan_test_{}", Uuid::now_v7().simple());
                match create_pg_database(&name).await {
                    Ok(()) => (format!("postgres://postgres@127.0.0.1:5432/{name}"), Some(name)),
                    Err(e) if std::env::var_os("CI").is_none() => {
                        eprintln!("PostgreSQL not reachable ({e}); skipping the PostgreSQL run outside CI");
                        return None;
                    }
                    Err(e) => panic!("PostgreSQL is required in CI but not reachable: {e}"),
                }
            }
        };
        let store = store::connect(&database_url).await.expect("open store");
        let users = if seed {
            seed_users(store.as_ref()).await
        } else {
            placeholder_users()
        };
        let clock = Arc::new(AtomicI64::new(chrono::Utc::now().timestamp_millis()));
        let server = Serving {
            store,
            database_url,
            users,
            clock,
            dir,
            pg_database,
        };
        Some(server.serve(dist, configure).await)
    }

    /// Another server process on this one's database, as a company runs
    /// several behind a load balancer: its own pool, writer, turns and
    /// port, the same users and the same clock. This server must outlive it
    /// (dropping this one removes the database).
    pub async fn another_server(&self) -> TestServer {
        let store = store::connect(&self.database_url).await.expect("open store");
        let server = Serving {
            store,
            database_url: self.database_url.clone(),
            users: self.users.clone(),
            clock: self.clock.clone(),
            dir: tempfile::tempdir().expect("temp dir"),
            pg_database: None,
        };
        server.serve(workspace_root().join("dist"), |_| {}).await
    }

    /// Stops serving, as a lost network looks to a browser: connections are
    /// refused from then on. The database stays, for checking.
    pub async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(serving) = self.serving.take() {
            // Graceful: waits for requests in flight, closes idle connections.
            tokio::time::timeout(std::time::Duration::from_secs(20), serving)
                .await
                .expect("server did not stop in 20 s")
                .expect("server task")
                .expect("server ran");
        }
    }

    /// The server's `/metrics` page, read as a scraper holding the token
    /// reads it.
    pub async fn metrics(&self) -> String {
        let res = self
            .http
            .get(format!("{}/metrics", self.url))
            .bearer_auth(METRICS_TOKEN)
            .send()
            .await
            .expect("metrics answered");
        assert_eq!(res.status(), 200, "metrics with the token");
        res.text().await.expect("metrics text")
    }

    /// Runs one SQL statement on the server's database behind its back (to
    /// set up what an older version left, or to try what the database
    /// itself allows); the rows it changed, or the database's refusal.
    pub async fn execute_sql(&self, sql: &str) -> Result<u64, String> {
        let fail = |e: sqlx::Error| e.to_string();
        if self.database_url.starts_with("postgres") {
            let pool = sqlx::PgPool::connect(&self.database_url).await.map_err(fail)?;
            let done = sqlx::query(sql).execute(&pool).await.map_err(fail)?;
            pool.close().await;
            Ok(done.rows_affected())
        } else {
            let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", self.database_url))
                .await
                .map_err(fail)?;
            let done = sqlx::query(sql).execute(&pool).await.map_err(fail)?;
            pool.close().await;
            Ok(done.rows_affected())
        }
    }

    /// Moves the server's clock forward.
    pub fn advance_days(&self, days: i64) {
        self.clock.fetch_add(days * 86_400_000, Ordering::SeqCst);
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.load(Ordering::SeqCst)
    }

    /// Adds a rep to the North team (the team of `manager`, `rep1`, `rep2`).
    pub async fn add_rep(&self, username: &str) -> User {
        self.add_user(username, Role::Rep).await
    }

    /// Adds someone in `role` (in the North team, except finance and
    /// admins, who have none).
    pub async fn add_user(&self, username: &str, role: Role) -> User {
        let user = User {
            id: UserId(Uuid::now_v7()),
            username: username.into(),
            display_name: username.to_uppercase(),
            role,
            team_id: self
                .users
                .rep1
                .team_id
                .filter(|_| matches!(role, Role::Rep | Role::Manager)),
            active: true,
        };
        let hash = auth::hash_password(PASSWORD).unwrap();
        self.store.create_user(&user, &hash).await.unwrap();
        user
    }

    /// Signs in and returns an API client for `username`.
    pub async fn login(&self, username: &str) -> Api {
        self.login_with(username, PASSWORD).await
    }

    /// Signs in with `password` (the demo's accounts have their own).
    pub async fn login_with(&self, username: &str, password: &str) -> Api {
        let res: LoginResponse = self
            .http
            .post(format!("{}/api/login", self.url))
            .json(&serde_json::json!({"username": username, "password": password}))
            .send()
            .await
            .expect("login request")
            .error_for_status()
            .expect("login accepted")
            .json()
            .await
            .expect("login body");
        Api {
            base: self.url.clone(),
            token: res.token,
            http: self.http.clone(),
        }
    }
}

/// A server on a fresh SQLite database serving the built app, for the
/// end-to-end tests.
pub async fn app_server() -> TestServer {
    let server = TestServer::start(Backend::Sqlite).await.expect("SQLite always starts");
    assert!(
        workspace_root().join("dist/index.html").exists(),
        "build the app first (scripts/test does)"
    );
    server
}

/// A store about to be served, and what its `TestServer` keeps.
struct Serving {
    store: Arc<dyn Store>,
    database_url: String,
    users: TestUsers,
    clock: Arc<AtomicI64>,
    dir: tempfile::TempDir,
    pg_database: Option<String>,
}

impl Serving {
    async fn serve(self, dist: PathBuf, configure: impl FnOnce(&mut Settings)) -> TestServer {
        let mut settings = Settings {
            addr: "127.0.0.1:0".parse().unwrap(),
            database_url: self.database_url.clone(),
            dist,
            demo: false,
            metrics_token: Some(METRICS_TOKEN.into()),
            ..Settings::default()
        };
        configure(&mut settings);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let mut state = AppState::new(self.store.clone(), settings);
        let reading = self.clock.clone();
        state.clock = Arc::new(move || reading.load(Ordering::SeqCst));
        let serving = tokio::spawn(serve(listener, state.clone(), async {
            let _ = stopped.await;
        }));
        TestServer {
            url,
            store: self.store,
            database_url: self.database_url,
            users: self.users,
            http: reqwest::Client::new(),
            clock: self.clock,
            state,
            stop: Some(stop),
            serving: Some(serving),
            _dir: self.dir,
            pg_database: self.pg_database,
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(name) = self.pg_database.take() {
            // Drop runs outside async; use a private runtime on a thread.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    if let Ok(pool) = sqlx::PgPool::connect(PG_ADMIN_URL).await {
                        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .execute(&pool)
                            .await;
                    }
                })
            })
            .join();
        }
    }
}

async fn create_pg_database(name: &str) -> Result<(), sqlx::Error> {
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(std::time::Duration::from_secs(5))
        .connect(PG_ADMIN_URL)
        .await?;
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&pool).await?;
    Ok(())
}

fn placeholder_users() -> TestUsers {
    let nobody = |name: &str| User {
        id: UserId(Uuid::now_v7()),
        username: name.into(),
        display_name: name.into(),
        role: Role::Rep,
        team_id: None,
        active: false,
    };
    TestUsers {
        admin: nobody("admin"),
        manager: nobody("manager"),
        rep1: nobody("rep1"),
        rep2: nobody("rep2"),
        outsider: nobody("outsider"),
    }
}

async fn seed_users(store: &dyn Store) -> TestUsers {
    let north = TeamId(Uuid::now_v7());
    let south = TeamId(Uuid::now_v7());
    store.create_team(north, "North").await.unwrap();
    store.create_team(south, "South").await.unwrap();
    let hash = auth::hash_password(PASSWORD).unwrap();
    let make = async |username: &str, role: Role, team: Option<TeamId>| {
        let user = User {
            id: UserId(Uuid::now_v7()),
            username: username.into(),
            display_name: username.to_uppercase(),
            role,
            team_id: team,
            active: true,
        };
        store.create_user(&user, &hash).await.unwrap();
        user
    };
    TestUsers {
        admin: make("admin", Role::Admin, None).await,
        manager: make("manager", Role::Manager, Some(north)).await,
        rep1: make("rep1", Role::Rep, Some(north)).await,
        rep2: make("rep2", Role::Rep, Some(north)).await,
        outsider: make("outsider", Role::Rep, Some(south)).await,
    }
}

/// Runs each named `async fn(TestServer)` as two tests: on SQLite and on a
/// fresh PostgreSQL database.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let server = yingpan_tests::TestServer::start(yingpan_tests::Backend::Sqlite).await.unwrap();
                super::$name(server).await;
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                if let Some(server) = yingpan_tests::TestServer::start(yingpan_tests::Backend::Postgres).await {
                    super::$name(server).await;
                }
            })*
        }
    };
}

/// The workspace root (where `dist/` is built).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A signed-in API client.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub token: String,
    pub http: reqwest::Client,
}

impl Api {
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("request");
        status_and_json(res).await
    }

    /// Pushes many mutations from one fresh client, numbered in order, 500
    /// a request (seeding benchmarks); every push must be answered 200.
    pub async fn push_all(&self, mut mutations: Vec<Value>) {
        let client = Uuid::now_v7();
        for (n, chunk) in mutations.chunks_mut(500).enumerate() {
            for (i, m) in chunk.iter_mut().enumerate() {
                m["seq"] = serde_json::json!(n * 500 + i + 1);
            }
            let (status, body) = self
                .post(
                    "/api/sync/push",
                    &serde_json::json!({"client_id": client, "mutations": chunk}),
                )
                .await;
            assert_eq!(status, 200, "{body}");
        }
    }

    /// Pushes one mutation from a fresh client and returns its result.
    pub async fn push_one(&self, mutation: Value) -> Value {
        let body = serde_json::json!({"client_id": Uuid::now_v7(), "mutations": [mutation]});
        let (status, mut answer) = self.post("/api/sync/push", &body).await;
        assert_eq!(status, 200, "{answer}");
        answer["results"][0].take()
    }

    /// Creates a customer (a machine maker in Suzhou) owned by `owner`, or in
    /// the pool for `None`, and returns its id.
    pub async fn create_customer(&self, owner: Option<Uuid>, name: &str) -> Uuid {
        let id = Uuid::now_v7();
        let result = self
            .push_one(
                serde_json::json!({"seq": 1, "entity": "customer", "id": id, "op": "create",
                         "fields": {"name": name, "industry": "机械制造", "region": "苏州", "owner_id": owner}}),
            )
            .await;
        assert_eq!(result["status"], "applied", "{result}");
        id
    }

    /// Every change visible from the start, following pages.
    pub async fn pull_all(&self) -> Vec<Value> {
        let mut since = 0;
        let mut changes = Vec::new();
        loop {
            let (status, body) = self.get(&format!("/api/sync/pull?since={since}&limit=50")).await;
            assert_eq!(status, 200, "{body}");
            changes.extend(body["changes"].as_array().unwrap().iter().cloned());
            since = body["cursor"].as_i64().unwrap();
            if !body["has_more"].as_bool().unwrap() {
                return changes;
            }
        }
    }

    /// What this user's device would hold after syncing from scratch:
    /// (entity, id) → data.
    pub async fn cache(&self) -> std::collections::HashMap<(String, String), Value> {
        let mut held = std::collections::HashMap::new();
        for c in self.pull_all().await {
            let key = (
                c["entity"].as_str().unwrap().to_owned(),
                c["id"].as_str().unwrap().to_owned(),
            );
            if c["data"].is_null() {
                held.remove(&key);
            } else {
                held.insert(key, c["data"].clone());
            }
        }
        held
    }

    pub async fn put(&self, path: &str, body: &Value) -> (u16, Value) {
        self.send(reqwest::Method::PUT, path, body).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, body).await
    }

    /// Posts a file's bytes as they are (an upload).
    pub async fn post_bytes(&self, path: &str, bytes: Vec<u8>) -> (u16, Value) {
        self.send_bytes(reqwest::Method::POST, path, None, bytes).await
    }

    /// Puts raw bytes of `content_type` (a photo chunk).
    pub async fn put_bytes(&self, path: &str, content_type: &str, bytes: Vec<u8>) -> (u16, Value) {
        self.send_bytes(reqwest::Method::PUT, path, Some(content_type), bytes)
            .await
    }

    async fn send_bytes(
        &self,
        method: reqwest::Method,
        path: &str,
        content_type: Option<&str>,
        bytes: Vec<u8>,
    ) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .body(bytes);
        if let Some(kind) = content_type {
            req = req.header("Content-Type", kind);
        }
        status_and_json(req.send().await.expect("request")).await
    }

    /// Gets raw bytes (a photo) with the response's status and type.
    pub async fn get_bytes(&self, path: &str) -> (u16, String, Vec<u8>) {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("request");
        let status = res.status().as_u16();
        let kind = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (status, kind, res.bytes().await.unwrap_or_default().to_vec())
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: &Value) -> (u16, Value) {
        let res = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .expect("request");
        status_and_json(res).await
    }
}

async fn status_and_json(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let text = res.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}
