//! A real headless Chromium driven through the OS chromedriver, with a
//! phone-sized viewport and a throwaway profile (so a fresh IndexedDB).

use serde_json::json;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use thirtyfour::cdp::domains::network::NetworkConditions;
use thirtyfour::extensions::query::ElementPollerWithTimeout;
use thirtyfour::prelude::*;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// How long a UI condition may take before the test fails.
pub const PATIENCE: Duration = Duration::from_secs(20);

pub struct Browser {
    pub driver: WebDriver,
    pub base: String,
    _chromedriver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts Chromium at a 390×844 phone viewport, pointed at `base`.
    pub async fn start(base: &str) -> Browser {
        Self::start_sized(base, 390, 844).await
    }

    /// Starts Chromium at a `width`×`height` phone viewport.
    pub async fn start_sized(base: &str, width: u32, height: u32) -> Browser {
        let (chromedriver, port) = start_chromedriver().await;
        let profile = tempfile::tempdir().expect("profile dir");
        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary(CHROMIUM).unwrap();
        for arg in [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--lang=en-US",
        ] {
            caps.add_arg(arg).unwrap();
        }
        caps.add_arg(&format!("--user-data-dir={}", profile.path().display()))
            .unwrap();
        caps.add_experimental_option(
            "mobileEmulation",
            json!({"deviceMetrics": {"width": width, "height": height, "pixelRatio": 3.0, "mobile": true, "touch": true}}),
        )
        .unwrap();
        let driver = WebDriver::builder(format!("http://127.0.0.1:{port}"), caps)
            .poller(Arc::new(ElementPollerWithTimeout::new(
                PATIENCE,
                Duration::from_millis(100),
            )))
            .await
            .expect("start Chromium session");
        // Required for offline emulation to block requests, not just flip
        // navigator.onLine.
        driver.cdp().network().enable().await.expect("Network.enable");
        Browser {
            driver,
            base: base.to_owned(),
            _chromedriver: chromedriver,
            _profile: profile,
        }
    }

    pub async fn open(&self, path: &str) {
        self.driver
            .goto(format!("{}{path}", self.base))
            .await
            .expect("navigate");
    }

    /// Opens the app and signs in; returns once the customer list shows
    /// (reached from the home page through the bottom navigation) and every
    /// page is loaded.
    pub async fn login(&self, username: &str, password: &str) {
        self.open("/").await;
        self.fill("#username", username).await;
        self.fill("#password", password).await;
        self.click("#login").await;
        self.wait_for("#today").await;
        // Once, under full CI load, a tap on the tab right after Today first
        // appeared led nowhere (the cause is not found yet); a person taps
        // again, and so does this, once, saying where the app was if that
        // does not help either.
        for tap in 0..2 {
            self.click("#nav-customers").await;
            if self.appears("#search", PATIENCE / 2).await {
                // The other pages load in the background after the start;
                // a test may go offline next, as a person may.
                self.wait_for("html[data-pages=ready]").await;
                return;
            }
            eprintln!("tap {tap} on Customers showed no customer list");
        }
        let url = self
            .driver
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        panic!(
            "#search never appeared: at {url}, showing {:?}",
            self.texts("main").await
        );
    }

    /// Whether an element matching `css` is on the page within `within`.
    pub async fn appears(&self, css: &str, within: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        while tokio::time::Instant::now() < deadline {
            if !self.texts(css).await.is_empty() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    }

    /// A first sign-in with a one-time password: the app asks for a new one
    /// before anything else, then opens on Today.
    pub async fn first_login(&self, username: &str, initial: &str, new: &str) {
        self.open("/").await;
        self.fill("#username", username).await;
        self.fill("#password", initial).await;
        self.click("#login").await;
        self.wait_for("#forced-password-change").await;
        self.fill("#current-password", initial).await;
        self.fill("#new-password", new).await;
        self.click("#change-password").await;
        self.wait_for("#today").await;
    }

    pub async fn wait_for(&self, css: &str) -> WebElement {
        self.driver
            .query(By::Css(css))
            .first()
            .await
            .unwrap_or_else(|e| panic!("{css} never appeared: {e}"))
    }

    /// Clicks the element; if a re-render replaced it between finding and
    /// clicking, finds the new one and clicks that. The element is first
    /// scrolled to the middle of the screen, as a thumb would, so the fixed
    /// bottom navigation does not cover it.
    pub async fn click(&self, css: &str) {
        let mut attempts = 0;
        loop {
            let element = self.wait_for(css).await;
            let _ = self
                .driver
                .execute(
                    "arguments[0].scrollIntoView({block: 'center'});",
                    vec![element.to_json().expect("element as json")],
                )
                .await;
            match element.click().await {
                Ok(()) => return,
                Err(e) if attempts < 5 && e.to_string().contains("stale element") => attempts += 1,
                Err(e) => panic!("click {css}: {e}"),
            }
        }
    }

    /// Types `text` into the field (replacing what it held). If a re-render
    /// replaced the element between finding and typing, types into the new
    /// one; a form rebuilt mid-typing still fails the test, because what was
    /// typed into its other fields is gone when it is saved.
    pub async fn fill(&self, css: &str, text: &str) {
        let mut attempts = 0;
        loop {
            let input = self.wait_for(css).await;
            let typed = async {
                input.clear().await?;
                input.send_keys(text).await
            };
            match typed.await {
                Ok(()) => return,
                Err(e) if attempts < 5 && e.to_string().contains("stale element") => attempts += 1,
                Err(e) => panic!("fill {css}: {e}"),
            }
        }
    }

    /// Waits until an element matching `css` shows exactly `text`.
    pub async fn wait_text(&self, css: &str, text: &str) {
        self.wait_until(css, text, |shown| shown.iter().any(|t| t == text))
            .await;
    }

    /// Waits until an element matching `css` shows `text` somewhere in it.
    pub async fn wait_contains(&self, css: &str, text: &str) {
        self.wait_until(css, text, |shown| shown.iter().any(|t| t.contains(text)))
            .await;
    }

    /// Waits until no element matching `css` shows exactly `text`.
    pub async fn wait_gone(&self, css: &str, text: &str) {
        self.wait_until(css, text, |shown| !shown.iter().any(|t| t == text))
            .await;
    }

    /// Polls the texts of `css` until `done` holds. Reading them in one
    /// script makes the check immune to re-renders replacing elements.
    async fn wait_until(&self, css: &str, text: &str, done: impl Fn(&[String]) -> bool) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let shown = self.texts(css).await;
            if done(&shown) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{css} never settled on {text:?}; shows {shown:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the document in the frame matching `frame` (a printed
    /// document, drawn in a frame of its own) shows `text`.
    pub async fn wait_frame_contains(&self, frame: &str, text: &str) {
        let script = "const f = document.querySelector(arguments[0]); \
                      const d = f && f.contentDocument; return d && d.body ? d.body.innerText : '';";
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let shown: String = self
                .driver
                .execute(script, vec![json!(frame)])
                .await
                .and_then(|r| r.convert())
                .unwrap_or_default();
            if shown.contains(text) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{frame} never showed {text:?}; shows {shown:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The rendered texts of every element matching `css`, now.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let script = "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.innerText.trim());";
        self.driver
            .execute(script, vec![json!(css)])
            .await
            .and_then(|r| r.convert())
            .unwrap_or_default()
    }

    /// How many records the app's IndexedDB holds in `store` (-1: no such
    /// store or database).
    pub async fn cached_count(&self, store: &str) -> i64 {
        let script = "const [store, done] = arguments; \
            const req = indexedDB.open('yingpan'); \
            req.onerror = () => done(-1); \
            req.onsuccess = () => { const db = req.result; \
              try { const c = db.transaction(store).objectStore(store).count(); \
                    c.onsuccess = () => { done(c.result); db.close(); }; } \
              catch (e) { db.close(); done(-1); } };";
        self.driver
            .execute_async(script, vec![json!(store)])
            .await
            .and_then(|r| r.convert())
            .expect("count cached records")
    }

    /// Waits until the app's IndexedDB holds `count` records in `store` (a
    /// sync has brought them).
    pub async fn wait_cached(&self, store: &str, count: i64) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let held = self.cached_count(store).await;
            if held == count {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{store} never held {count} records; holds {held}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until a service worker controls the page: it has installed, so
    /// the app shell is cached.
    pub async fn wait_for_service_worker(&self) {
        let script = "return !!(navigator.serviceWorker && navigator.serviceWorker.controller);";
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let controlled: bool = self
                .driver
                .execute(script, Vec::new())
                .await
                .and_then(|r| r.convert())
                .unwrap_or(false);
            if controlled {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no service worker took control of the page"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Cuts or restores this tab's network, as airplane mode would.
    pub async fn set_offline(&self, offline: bool) {
        let conditions = NetworkConditions {
            offline,
            ..NetworkConditions::new()
        };
        self.driver
            .cdp()
            .network()
            .emulate_network_conditions(conditions)
            .await
            .expect("network emulation");
    }

    /// Puts the phone at a place, as its GPS would report it, and lets the
    /// app read it.
    pub async fn set_position(&self, lat: f64, lon: f64, accuracy: f64) {
        let cdp = self.driver.cdp();
        cdp.send_raw(
            "Browser.grantPermissions",
            json!({"permissions": ["geolocation"], "origin": self.base}),
        )
        .await
        .expect("grant geolocation");
        cdp.send_raw(
            "Emulation.setGeolocationOverride",
            json!({"latitude": lat, "longitude": lon, "accuracy": accuracy}),
        )
        .await
        .expect("geolocation override");
    }

    /// A real JPEG photo of `width`×`height` drawn by the browser itself,
    /// saved to `path`, as a phone camera would hand one over.
    pub async fn make_photo(&self, path: &std::path::Path, width: u32, height: u32) {
        let script = "const [w, h, done] = arguments; const c = document.createElement('canvas');             c.width = w; c.height = h; const g = c.getContext('2d');             g.fillStyle = '#3a7'; g.fillRect(0, 0, w, h); g.fillStyle = '#fff'; g.fillRect(w / 4, h / 4, w / 2, h / 2);             c.toBlob(b => b.arrayBuffer().then(a => done(Array.from(new Uint8Array(a)))), 'image/jpeg', 0.9);";
        let bytes: Vec<u8> = self
            .driver
            .execute_async(script, vec![json!(width), json!(height)])
            .await
            .and_then(|r| r.convert())
            .expect("draw a photo");
        std::fs::write(path, bytes).expect("save the photo");
    }

    /// How much wider than the screen the page is (0: nothing to scroll
    /// sideways).
    pub async fn overflow_x(&self) -> i64 {
        self.driver
            .execute(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
                vec![],
            )
            .await
            .and_then(|r| r.convert())
            .expect("measure the page")
    }

    /// Picks `value` in a select and lets the page know, as a finger's
    /// pick does. (WebDriver's own option click can leave the native list
    /// open in headless Chromium, swallowing the next click.)
    pub async fn choose(&self, css: &str, value: &str) {
        self.wait_for(css).await;
        let script = "const s = document.querySelector(arguments[0]); \
                      if (![...s.options].some(o => o.value === arguments[1])) return false; \
                      s.value = arguments[1]; s.dispatchEvent(new Event('change', {bubbles: true})); return true;";
        let done = self
            .driver
            .execute(script, vec![json!(css), json!(value)])
            .await
            .and_then(|r| r.convert::<bool>())
            .expect("choose option");
        assert!(done, "{css} has no option {value}");
    }

    pub async fn quit(self) {
        let _ = self.driver.quit().await;
    }
}

/// Starts chromedriver on a port it picks, returning once it listens. A
/// chromedriver that exits before it is ready (seen on a loaded machine) is
/// started again, twice at most.
async fn start_chromedriver() -> (Child, u16) {
    for _ in 0..3 {
        if let Some(started) = try_start_chromedriver().await {
            return started;
        }
    }
    panic!("chromedriver exited before it was ready, three times");
}

async fn try_start_chromedriver() -> Option<(Child, u16)> {
    let mut child = Command::new(CHROMEDRIVER)
        .arg("--port=0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn chromedriver (install Debian's chromium-driver)");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let port = tokio::time::timeout(Duration::from_secs(20), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(p) = line.strip_prefix("ChromeDriver was started successfully on port ") {
                return p.trim_end_matches('.').parse::<u16>().ok();
            }
        }
        None
    })
    .await
    .expect("chromedriver did not start")?;
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Some((child, port))
}
