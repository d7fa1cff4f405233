//! The app's download: every script and WebAssembly file the app page
//! loads, fetched from the real server as a phone's browser asks for it
//! (brotli), held under a byte budget. A byte count, not a timing: a change
//! that grows the first download past the budget fails here, and the budget
//! is lowered as the app is cut down towards its target of 400 KB.

use yingpan_tests::app_server;

/// Bytes on the wire for the app's wasm and JavaScript together: what the
/// app measured when the budget was last set (668,047 bytes, after the
/// labels became one view type and the script table a compact one), with a
/// little room. Raise it only for a feature worth its bytes, and say so;
/// lower it whenever a cut lands.
///
/// The issue's target is 400 KB. Measured: the app with only Today, the
/// sign-in and the sync engine is 371 KB; the pages are the rest. Reaching
/// the target needs the pages split into chunks loaded on demand, which
/// Trunk cannot do (trunk-rs/trunk#1022); README "The download's size".
const BUDGET: usize = 672_000;

/// The paths of the scripts and wasm `index.html` refers to.
fn assets(html: &str) -> Vec<String> {
    html.split(['"', '\''])
        .filter(|s| s.starts_with('/') && (s.ends_with(".js") || s.ends_with(".wasm")))
        .map(str::to_owned)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_download_stays_within_its_byte_budget() {
    let server = app_server().await;
    // As a started server does in the background.
    yingpan_server::precompress::precompress(&yingpan_tests::workspace_root().join("dist")).unwrap();
    let client = reqwest::Client::new();
    let html = client
        .get(format!("{}/", server.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let files = assets(&html);
    assert!(
        files.iter().any(|f| f.ends_with(".wasm")),
        "index.html loads the app's wasm: {html}"
    );
    let mut total = 0;
    let mut each = Vec::new();
    for path in &files {
        let res = client
            .get(format!("{}{path}", server.url))
            .header("Accept-Encoding", "br")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(
            res.headers().get("content-encoding").and_then(|v| v.to_str().ok()),
            Some("br"),
            "{path} is sent compressed"
        );
        assert!(
            res.headers().get_all("vary").iter().any(|v| v
                .to_str()
                .is_ok_and(|v| v.to_ascii_lowercase().contains("accept-encoding"))),
            "{path} says it varies with Accept-Encoding"
        );
        let bytes = res.bytes().await.unwrap().len();
        each.push(format!("{path}: {bytes}"));
        total += bytes;
    }
    println!("app download (brotli, as served): {total} bytes; {}", each.join(", "));
    assert!(
        total <= BUDGET,
        "the app's download grew to {total} bytes, over its budget of {BUDGET} ({})",
        each.join(", ")
    );
}
