//! Configuration: defaults, then an optional `yingpan.toml`, then `YINGPAN_*`
//! environment variables (and `DATABASE_URL`), into one typed [`Settings`].

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Clone, Serialize, Deserialize)]
pub struct Settings {
    /// Address to listen on.
    pub addr: SocketAddr,
    /// `postgres://…` for PostgreSQL, otherwise a SQLite file path.
    pub database_url: String,
    /// Folder holding the built app (Trunk's `dist/`).
    pub dist: PathBuf,
    /// Load demo users and customers into an empty database.
    pub demo: bool,
    /// How long a login lasts.
    pub session_days: i64,
    /// Behind a reverse proxy: take the client's address from the last
    /// `X-Forwarded-For` entry (the proxy's view) instead of the peer.
    #[serde(default)]
    pub trust_proxy: bool,
    /// Photo bytes one user may upload per day.
    #[serde(default = "default_photo_bytes_per_day")]
    pub photo_bytes_per_day: u64,
    /// Bearer token a metrics scraper sends to read `/metrics`; metrics are
    /// off while it is unset.
    #[serde(default)]
    pub metrics_token: Option<String>,
    /// Sync requests of each kind (push, pull) that may wait for a turn at
    /// the database; more are answered 503 with Retry-After. Each holds
    /// its body (a push of 200 mutations is ~100 KB) while it waits.
    #[serde(default = "default_sync_queue")]
    pub sync_queue: usize,
}

fn default_sync_queue() -> usize {
    1024
}

fn default_photo_bytes_per_day() -> u64 {
    200 * 1024 * 1024
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "yingpan.db".into(),
            dist: PathBuf::from("dist"),
            demo: false,
            session_days: 30,
            trust_proxy: false,
            photo_bytes_per_day: default_photo_bytes_per_day(),
            metrics_token: None,
            sync_queue: default_sync_queue(),
        }
    }
}

impl Settings {
    /// Reads `YINGPAN_CONFIG` (default `yingpan.toml`, if present) and the
    /// environment.
    pub fn load() -> Result<Settings, Box<figment::Error>> {
        let file = std::env::var("YINGPAN_CONFIG").unwrap_or_else(|_| "yingpan.toml".into());
        Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file(file))
            .merge(Env::raw().only(&["DATABASE_URL"]))
            .merge(Env::prefixed("YINGPAN_"))
            .extract()
            .map_err(Box::new)
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("addr", &self.addr)
            .field("database_url", &redact(&self.database_url))
            .field("dist", &self.dist)
            .field("demo", &self.demo)
            .field("session_days", &self.session_days)
            .field("trust_proxy", &self.trust_proxy)
            .field("photo_bytes_per_day", &self.photo_bytes_per_day)
            .field("sync_queue", &self.sync_queue)
            .field("metrics_token", &self.metrics_token.as_ref().map(|_| "***"))
            .finish()
    }
}

/// Hides a password in a database URL.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{}:***@{}", &url[..scheme], user, &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_database_password() {
        let s = Settings {
            database_url: "postgres://crm:s3cret@db/yingpan".into(),
            ..Settings::default()
        };
        let shown = format!("{s:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("postgres://crm:***@db/yingpan"), "{shown}");
    }
}
