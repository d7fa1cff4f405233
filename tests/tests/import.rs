//! Importing customers from CSV and XLSX against a real database, on SQLite
//! and PostgreSQL: the preview checks every row, the import goes through the
//! ordinary sync rules.

use serde_json::{json, Value};
use uuid::Uuid;
use yingpan_tests::{Api, TestServer};

yingpan_tests::on_both_backends!(
    csv_preview_checks_every_row_and_import_creates_only_new_ones,
    xlsx_import_can_fill_gaps_in_exact_duplicates,
    unreadable_files_are_explained,
);

async fn customers_of(api: &Api) -> Vec<Value> {
    let mut held = std::collections::HashMap::new();
    for c in api.pull_all().await.into_iter().filter(|c| c["entity"] == "customer") {
        held.insert(c["id"].as_str().unwrap().to_owned(), c["data"].clone());
    }
    held.into_values().filter(|d| !d.is_null()).collect()
}

async fn seed(server: &TestServer) -> Uuid {
    let rep2 = server.login("rep2").await;
    let id = Uuid::now_v7();
    let r = rep2
        .push_one(json!({"seq": 1, "entity": "customer", "id": id, "op": "create",
                         "fields": {"name": "北京华信科技有限公司", "owner_id": server.users.rep2.id}}))
        .await;
    assert_eq!(r["status"], "applied");
    id
}

async fn csv_preview_checks_every_row_and_import_creates_only_new_ones(server: TestServer) {
    let existing = seed(&server).await;
    let csv = "客户名称,联系电话,地区\n\
               华信科技（北京）有限公司,,北京\n\
               华信,,\n\
               南京立达电子有限公司,025-84561234,南京\n\
               南京立达电子,,\n\
               苏州同创机械,n/a,苏州\n";
    let rep1 = server.login("rep1").await;
    let (status, preview) = rep1.post_bytes("/api/import/customers", csv.as_bytes().to_vec()).await;
    assert_eq!(status, 200, "{preview}");
    let statuses: Vec<&str> = preview["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["same", "possible", "new", "repeated", "invalid"]);
    let same = &preview["rows"][0];
    assert_eq!(
        (same["existing_id"].clone(), same["existing_owner"].as_str()),
        (json!(existing), Some("REP2"))
    );
    assert!(preview["rows"][4]["message"].as_str().unwrap().contains("phone"));
    assert_eq!(preview["done"], false);
    assert!(customers_of(&rep1).await.is_empty(), "a preview creates nothing");

    let (status, done) = rep1
        .post_bytes("/api/import/customers?confirm=true", csv.as_bytes().to_vec())
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(
        (
            done["created"].as_u64(),
            done["merged"].as_u64(),
            done["skipped"].as_u64()
        ),
        (Some(2), Some(0), Some(3))
    );
    let mut names: Vec<String> = customers_of(&rep1)
        .await
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["华信", "南京立达电子有限公司"]);
}

async fn xlsx_import_can_fill_gaps_in_exact_duplicates(server: TestServer) {
    let existing = seed(&server).await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (col, title) in ["名称", "电话", "行业"].iter().enumerate() {
        sheet.write_string(0, col as u16, *title).unwrap();
    }
    for (col, cell) in ["北京華信科技股份有限公司", "010-62345678", "软件与信息服务"]
        .iter()
        .enumerate()
    {
        sheet.write_string(1, col as u16, *cell).unwrap();
    }
    sheet.write_string(2, 0, "杭州锦程物流有限公司").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let manager = server.login("manager").await;
    let (status, done) = manager
        .post_bytes("/api/import/customers?confirm=true&exact=merge", bytes)
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!((done["created"].as_u64(), done["merged"].as_u64()), (Some(1), Some(1)));
    let (_, record) = manager.get(&format!("/api/records/customer/{existing}")).await;
    assert_eq!(
        (record["phone"].as_str(), record["industry"].as_str()),
        (Some("010-62345678"), Some("软件与信息服务"))
    );
    assert_eq!(record["name"], "北京华信科技有限公司", "filled gaps only");
}

async fn unreadable_files_are_explained(server: TestServer) {
    let rep1 = server.login("rep1").await;
    let (status, body) = rep1
        .post_bytes("/api/import/customers", "电话,地址\n123,x\n".as_bytes().to_vec())
        .await;
    assert_eq!(status, 422);
    assert!(body["error"]["message"].as_str().unwrap().contains("名称"), "{body}");
    let (status, body) = rep1
        .post_bytes("/api/import/customers", b"PK\x03\x04garbage".to_vec())
        .await;
    assert_eq!(status, 422);
    assert!(body["error"]["message"].as_str().unwrap().contains("XLSX"), "{body}");
    let (status, _) = rep1
        .post_bytes("/api/import/customers", vec![0xff, 0xfe, 0x00, 0x81])
        .await;
    assert_eq!(status, 422);
}
