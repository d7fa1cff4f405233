//! The OpenAPI document at `/api/openapi.json` is the API: every operation
//! it lists is served, and every route is registered through it.

use serde_json::Value;
use yingpan_tests::{Backend, TestServer};

#[tokio::test]
async fn every_described_operation_is_served() {
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    let spec: Value = reqwest::get(format!("{}/api/openapi.json", server.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(spec["openapi"], "3.1.0");
    let admin = server.login("admin").await;
    let paths = spec["paths"].as_object().unwrap();
    assert!(paths.len() >= 36, "{} paths", paths.len());
    let mut operations = 0;
    for (path, item) in paths {
        let concrete = path
            .replace("{entity}", "customer")
            .replace("{id}", &uuid::Uuid::now_v7().to_string());
        for method in item.as_object().unwrap().keys() {
            let method: reqwest::Method = method.to_uppercase().parse().unwrap();
            let res = admin
                .http
                .request(method.clone(), format!("{}{concrete}", server.url))
                .bearer_auth(&admin.token)
                .header("Content-Type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let body = res.text().await.unwrap_or_default();
            assert_ne!(status, 405, "{method} {path} is described but not served");
            assert!(
                !body.contains("no such API endpoint"),
                "{method} {path} is described but not served"
            );
            assert!(status < 500, "{method} {path} answered {status}: {body}");
            operations += 1;
        }
    }
    assert!(operations >= 42, "{operations} operations");
}

#[test]
fn every_route_is_registered_with_its_description() {
    // Routes go through `routes!`, which takes each handler's description;
    // a plain `.route(` would serve something the document does not show.
    let source = include_str!("../../server/src/routes/mod.rs");
    let plain: Vec<&str> = source
        .lines()
        .filter(|l| l.contains(".route(") && !l.trim_start().starts_with("//"))
        .collect();
    assert_eq!(plain, ["        .route("], "only /openapi.json itself is added by hand");
}
