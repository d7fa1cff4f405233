//! The app's download: every script and WebAssembly file the app page
//! loads, fetched from the real server as a phone's browser asks for it
//! (brotli), held under a byte budget. A byte count, not a timing: a change
//! that grows the first download past the budget fails here, and the budget
//! is lowered as the app is cut down towards its target of 400 KB.

use yingpan_tests::app_server;

/// Bytes on the wire for what the app loads at start (its main wasm, the
/// script that starts it and the loader of the pages' chunks): 400 KB, the
/// target. The pages are chunks loaded on demand (scripts/build-app). Raise
/// it only for a feature worth its bytes, and say so.
const BUDGET: usize = 400_000;

/// The chunks `index.html` lists for the service worker to keep: pages
/// loaded on demand, not at start.
fn chunks(html: &str) -> Vec<String> {
    let Some((_, list)) = html.split_once("<meta name=\"yingpan-chunks\" content='") else {
        return Vec::new();
    };
    let list = list.split_once('\'').map_or("", |(list, _)| list);
    serde_json::from_str(list).expect("the chunk list is a JSON array of paths")
}

/// The paths of the scripts and wasm `index.html` loads at start.
fn assets(html: &str) -> Vec<String> {
    let chunks = chunks(html);
    html.split(['"', '\''])
        .filter(|s| !chunks.iter().any(|c| c == s))
        .filter(|s| s.starts_with('/') && (s.ends_with(".js") || s.ends_with(".wasm")))
        .map(str::to_owned)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// `path` from the server as a phone's browser asks for it (brotli); it
/// must be there.
async fn fetch(client: &reqwest::Client, base: &str, path: &str) -> reqwest::Response {
    let res = client
        .get(format!("{base}{path}"))
        .header("Accept-Encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{path}");
    res
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
        let res = fetch(&client, &server.url, path).await;
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
    // The pages' chunks are there to be fetched, compressed too.
    let chunks = chunks(&html);
    assert!(chunks.len() > 10, "the pages are chunks of their own: {chunks:?}");
    let mut later = 0;
    for path in &chunks {
        later += fetch(&client, &server.url, path).await.bytes().await.unwrap().len();
    }
    println!("pages, loaded on demand: {} chunks, {later} bytes", chunks.len());
    assert!(
        total <= BUDGET,
        "the app's download grew to {total} bytes, over its budget of {BUDGET} ({})",
        each.join(", ")
    );
}
