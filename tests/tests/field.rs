//! Field work against a real database, on SQLite and PostgreSQL: visits with
//! check-in data, their photos' resumable upload and who may see them, the
//! field-work rules, opportunities and leads through sync.

use serde_json::{json, Value};
use uuid::Uuid;
use yingpan_tests::{Api, TestServer};

yingpan_tests::on_both_backends!(
    photo_uploads_in_chunks_resumes_and_is_seen_only_by_who_sees_the_visit,
    photos_of_the_wrong_type_size_or_visit_are_refused,
    visits_are_checked_and_one_made_before_a_reassignment_still_counts,
    work_rules_are_read_by_all_and_set_by_admins_only,
    opportunities_move_through_sync_and_leads_stay_with_their_owner,
    a_departed_reps_last_visit_and_its_photo_still_arrive,
);

async fn customer(api: &Api, owner: impl serde::Serialize, name: &str) -> Uuid {
    let id = Uuid::now_v7();
    let r = api
        .push_one(json!({"seq": 1, "entity": "customer", "id": id, "op": "create",
                         "fields": {"name": name, "owner_id": owner,
                                    "location": {"lat": 39.9087, "lon": 116.4605}}}))
        .await;
    assert_eq!(r["status"], "applied", "{r}");
    id
}

fn visit(customer: Uuid, photo: Option<Uuid>, at: &str, ended: &str) -> Value {
    json!({"customer_id": customer, "kind": "visit", "content": "拜访，谈年度采购", "at": at,
           "visit": {"point": {"lat": 39.9100, "lon": 116.4610}, "accuracy_m": 12.0, "distance_m": 150.0,
                     "ended_at": ended, "photo_id": photo}})
}

async fn log_visit(api: &Api, customer: Uuid, photo: Option<Uuid>) -> (Uuid, Value) {
    let id = Uuid::now_v7();
    let r = api
        .push_one(json!({"seq": 1, "entity": "activity", "id": id, "op": "create",
                         "fields": visit(customer, photo, "2026-11-23T02:00:00Z", "2026-11-23T02:40:00Z")}))
        .await;
    (id, r)
}

/// A small but real JPEG: start and end markers around some bytes.
fn jpeg(len: usize) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
    bytes.extend((0..len - 6).map(|i| (i % 251) as u8));
    bytes.extend([0xFF, 0xD9]);
    bytes
}

async fn photo_uploads_in_chunks_resumes_and_is_seen_only_by_who_sees_the_visit(server: TestServer) {
    let rep1 = server.login("rep1").await;
    let c = customer(&rep1, server.users.rep1.id, "北京华信科技有限公司").await;
    let photo = Uuid::now_v7();
    let (activity, r) = log_visit(&rep1, c, Some(photo)).await;
    assert_eq!(r["status"], "applied", "{r}");
    // The manager sees the visit before its photo arrives and names the same
    // photo id in a visit of their own: that stores a photo under their
    // visit, never under the rep's.
    let manager = server.login("manager").await;
    let (decoy, r) = log_visit(&manager, c, Some(photo)).await;
    assert_eq!(r["status"], "applied", "{r}");
    let fake = jpeg(1_000);
    let (status, _) = manager
        .put_bytes(
            &format!("/api/photos/{photo}?activity={decoy}&offset=0&total={}", fake.len()),
            "image/jpeg",
            fake,
        )
        .await;
    assert_eq!(status, 200);
    let bytes = jpeg(700_000);
    let total = bytes.len();
    let status_path = format!("/api/photos/{photo}/upload?activity={activity}");
    assert_eq!(rep1.get(&status_path).await.0, 404, "nothing uploaded yet");
    let chunk = |offset: usize, end: usize| {
        (
            format!("/api/photos/{photo}?activity={activity}&offset={offset}&total={total}"),
            bytes[offset..end].to_vec(),
        )
    };
    let (path, first) = chunk(0, 300_000);
    let (status, state) = rep1.put_bytes(&path, "image/jpeg", first).await;
    assert_eq!((status, state["received"].as_u64()), (200, Some(300_000)), "{state}");
    // The connection dropped; the phone asks where to resume and a stale
    // retry of the first chunk is told where the server stands.
    let (path, again) = chunk(0, 300_000);
    let (status, body) = rep1.put_bytes(&path, "image/jpeg", again).await;
    assert_eq!(status, 409, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("300000"), "{body}");
    let (_, state) = rep1.get(&status_path).await;
    assert_eq!(
        (state["received"].as_u64(), state["complete"].as_bool()),
        (Some(300_000), Some(false))
    );
    let (path, rest) = chunk(300_000, total);
    let (status, state) = rep1.put_bytes(&path, "image/jpeg", rest).await;
    assert_eq!((status, state["complete"].as_bool()), (200, Some(true)), "{state}");

    let photo_path = format!("/api/photos/{photo}?activity={activity}");
    let (status, kind, got) = rep1.get_bytes(&photo_path).await;
    assert_eq!((status, kind.as_str()), (200, "image/jpeg"));
    assert!(got == bytes, "the photo comes back byte for byte");
    let (status, _, got) = manager.get_bytes(&photo_path).await;
    assert_eq!(status, 200);
    assert_eq!(got.len(), total);
    for who in ["rep2", "outsider"] {
        let other = server.login(who).await;
        assert_eq!(
            other.get_bytes(&photo_path).await.0,
            404,
            "{who} must not see another rep's visit photo"
        );
    }
}

async fn photos_of_the_wrong_type_size_or_visit_are_refused(server: TestServer) {
    let rep1 = server.login("rep1").await;
    let c = customer(&rep1, server.users.rep1.id, "上海恒达机械有限公司").await;
    let photo = Uuid::now_v7();
    let (activity, _) = log_visit(&rep1, c, Some(photo)).await;
    let path = |total: usize| format!("/api/photos/{photo}?activity={activity}&offset=0&total={total}");
    let png = b"\x89PNG\r\n\x1a\n....".to_vec();
    let (status, body) = rep1.put_bytes(&path(png.len()), "image/png", png).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("image/jpeg"),
        "{body}"
    );
    let fake = b"GIF89a not a jpeg".to_vec();
    let (status, body) = rep1.put_bytes(&path(fake.len()), "image/jpeg", fake).await;
    assert_eq!(status, 422);
    assert!(
        body["error"]["message"].as_str().unwrap().contains("not a JPEG"),
        "{body}"
    );
    let (status, body) = rep1.put_bytes(&path(10 * 1024 * 1024), "image/jpeg", jpeg(1000)).await;
    assert_eq!(status, 422);
    assert!(
        body["error"]["message"].as_str().unwrap().contains("at most 3 MB"),
        "{body}"
    );
    // A photo no visit names, and someone else's visit.
    let stray = Uuid::now_v7();
    let (status, _) = rep1
        .put_bytes(
            &format!("/api/photos/{stray}?activity={activity}&offset=0&total=1000"),
            "image/jpeg",
            jpeg(1000),
        )
        .await;
    assert_eq!(status, 404);
    let rep2 = server.login("rep2").await;
    let (status, body) = rep2.put_bytes(&path(1000), "image/jpeg", jpeg(1000)).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(
        rep1.get(&format!("/api/photos/{photo}/upload?activity={activity}"))
            .await
            .0,
        404,
        "nothing was kept"
    );
}

async fn visits_are_checked_and_one_made_before_a_reassignment_still_counts(server: TestServer) {
    let rep1 = server.login("rep1").await;
    let c = customer(&rep1, server.users.rep1.id, "广州博远电子有限公司").await;
    let backwards = rep1
        .push_one(
            json!({"seq": 1, "entity": "activity", "id": Uuid::now_v7(), "op": "create",
                         "fields": visit(c, None, "2026-11-23T02:00:00Z", "2026-11-23T01:00:00Z")}),
        )
        .await;
    assert_eq!(backwards["status"], "rejected");
    assert!(
        backwards["message"]
            .as_str()
            .unwrap()
            .contains("cannot end before it started"),
        "{backwards}"
    );
    let mut nowhere = visit(c, None, "2026-11-23T02:00:00Z", "2026-11-23T02:30:00Z");
    nowhere["visit"]["point"]["lat"] = json!(123.0);
    let r = rep1
        .push_one(json!({"seq": 1, "entity": "activity", "id": Uuid::now_v7(), "op": "create", "fields": nowhere}))
        .await;
    assert_eq!(r["status"], "rejected");
    assert!(r["message"].as_str().unwrap().contains("latitude"), "{r}");
    let mut call = visit(c, None, "2026-11-23T02:00:00Z", "2026-11-23T02:30:00Z");
    call["kind"] = json!("call");
    let r = rep1
        .push_one(json!({"seq": 1, "entity": "activity", "id": Uuid::now_v7(), "op": "create", "fields": call}))
        .await;
    assert_eq!(r["status"], "rejected", "{r}");

    // The manager hands the customer to rep2 while rep1's phone, offline,
    // holds a visit made before that.
    let visited_at = chrono::DateTime::from_timestamp_millis(server.now_ms() - 3_600_000)
        .unwrap()
        .to_rfc3339();
    let ended = chrono::DateTime::from_timestamp_millis(server.now_ms() - 1_800_000)
        .unwrap()
        .to_rfc3339();
    let manager = server.login("manager").await;
    let (status, body) = manager
        .post(
            &format!("/api/customers/{c}/owner"),
            &json!({"owner_id": server.users.rep2.id}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let late = Uuid::now_v7();
    let r = rep1
        .push_one(json!({"seq": 1, "entity": "activity", "id": late, "op": "create",
                         "fields": visit(c, None, &visited_at, &ended)}))
        .await;
    assert_eq!(r["status"], "applied", "{r}");
    let rep2 = server.login("rep2").await;
    let held = rep2.cache().await;
    let kept = &held[&("activity".to_owned(), late.to_string())];
    assert_eq!(kept["by"], json!(server.users.rep1.id), "the visit keeps its author");
    assert_eq!(kept["visit"]["accuracy_m"], json!(12.0));
}

async fn work_rules_are_read_by_all_and_set_by_admins_only(server: TestServer) {
    let rep1 = server.login("rep1").await;
    let (status, rules) = rep1.get("/api/work/rules").await;
    assert_eq!(status, 200);
    assert_eq!(rules["visits"]["radius_m"], 500);
    assert_eq!(rules["today"]["quiet_days"], 14);
    assert_eq!(rules["funnel"]["stages"][0]["key"], "initial");
    let mut changed = rules.clone();
    changed["visits"]["radius_m"] = json!(300);
    changed["funnel"]["stages"] = json!([{"key": "visit", "name": "拜访", "probability": 20},
                                         {"key": "quote", "name": "报价", "probability": 60}]);
    assert_eq!(rep1.put("/api/work/rules", &changed).await.0, 403);
    let admin = server.login("admin").await;
    let mut bad = changed.clone();
    bad["funnel"]["stages"][1]["key"] = json!("visit");
    let (status, body) = admin.put("/api/work/rules", &bad).await;
    assert_eq!(status, 422);
    assert!(body["error"]["message"].as_str().unwrap().contains("twice"), "{body}");
    assert_eq!(admin.put("/api/work/rules", &changed).await.0, 200);
    let (_, now) = rep1.get("/api/work/rules").await;
    assert_eq!(now["visits"]["radius_m"], 300);
    assert_eq!(now["funnel"]["stages"][1]["name"], "报价");
}

async fn opportunities_move_through_sync_and_leads_stay_with_their_owner(server: TestServer) {
    let rep1 = server.login("rep1").await;
    let c = customer(&rep1, server.users.rep1.id, "深圳天成物流有限公司").await;
    let deal = Uuid::now_v7();
    let r = rep1
        .push_one(json!({"seq": 1, "entity": "opportunity", "id": deal, "op": "create",
                         "fields": {"customer_id": c, "name": "2027 年度仓储", "stage": "initial",
                                    "amount": "120,000", "close_date": "2027-01-15"}}))
        .await;
    assert_eq!(r["status"], "applied", "{r}");
    let base = json!({"stage": "initial"});
    let r = rep1
        .push_one(json!({"seq": 1, "entity": "opportunity", "id": deal, "op": "update",
                         "fields": {"stage": "proposal"}, "base": base}))
        .await;
    assert_eq!(r["status"], "applied", "{r}");
    let bad = rep1
        .push_one(
            json!({"seq": 1, "entity": "opportunity", "id": Uuid::now_v7(), "op": "create",
                         "fields": {"customer_id": c, "name": "坏数据", "stage": "initial", "amount": "-5"}}),
        )
        .await;
    assert_eq!(bad["status"], "rejected");
    assert!(bad["message"].as_str().unwrap().contains("not an amount"), "{bad}");
    let manager = server.login("manager").await;
    let seen = &manager.cache().await[&("opportunity".to_owned(), deal.to_string())];
    assert_eq!(
        (seen["stage"].as_str(), seen["amount"].as_str()),
        (Some("proposal"), Some("120000"))
    );
    assert!(!server
        .login("rep2")
        .await
        .cache()
        .await
        .contains_key(&("opportunity".to_owned(), deal.to_string())));

    let lead = Uuid::now_v7();
    let r = rep1
        .push_one(json!({"seq": 1, "entity": "lead", "id": lead, "op": "create",
                         "fields": {"name": "王芳", "company": "成都安信医疗器械有限公司", "source": "展会",
                                    "owner_id": server.users.rep1.id}}))
        .await;
    assert_eq!(r["status"], "applied", "{r}");
    let rep2 = server.login("rep2").await;
    let stolen = rep2
        .push_one(json!({"seq": 1, "entity": "lead", "id": lead, "op": "update",
                         "fields": {"status": "dropped"}, "base": {"status": "open"}}))
        .await;
    assert_eq!(stolen["status"], "rejected", "{stolen}");
    assert!(!rep2.cache().await.contains_key(&("lead".to_owned(), lead.to_string())));
    let taken = rep1
        .push_one(json!({"seq": 1, "entity": "lead", "id": lead, "op": "update",
                         "fields": {"owner_id": server.users.rep2.id}, "base": {"owner_id": server.users.rep1.id}}))
        .await;
    assert_eq!(
        taken["status"], "rejected",
        "a lead changes hands only through a manager"
    );
}

async fn a_departed_reps_last_visit_and_its_photo_still_arrive(server: TestServer) {
    let rep1 = server.login("rep1").await;
    let c = customer(&rep1, server.users.rep1.id, "杭州嘉禾食品有限公司").await;
    let at = |ago_ms: i64| {
        chrono::DateTime::from_timestamp_millis(server.now_ms() - ago_ms)
            .unwrap()
            .to_rfc3339()
    };
    let (visited, ended) = (at(3_600_000), at(1_800_000));
    let manager = server.login("manager").await;
    let body = json!({"mode": "to_one", "to": server.users.rep2.id, "confirm": true});
    let (status, plan) = manager
        .post(&format!("/api/users/{}/departure", server.users.rep1.id), &body)
        .await;
    assert_eq!(status, 200, "{plan}");
    // The rep's phone, offline during the handover, hands in the visit it
    // recorded before, then its photo.
    let (activity, photo) = (Uuid::now_v7(), Uuid::now_v7());
    let r = rep1
        .push_one(json!({"seq": 1, "entity": "activity", "id": activity, "op": "create",
                         "fields": visit(c, Some(photo), &visited, &ended)}))
        .await;
    assert_eq!(r["status"], "applied", "{r}");
    let bytes = jpeg(5_000);
    let path = format!("/api/photos/{photo}?activity={activity}&offset=0&total={}", bytes.len());
    let (status, state) = rep1.put_bytes(&path, "image/jpeg", bytes.clone()).await;
    assert_eq!((status, state["complete"].as_bool()), (200, Some(true)), "{state}");
    assert_eq!(rep1.get("/api/me").await.0, 401, "the closed account does nothing else");
    let rep2 = server.login("rep2").await;
    let (status, _, got) = rep2
        .get_bytes(&format!("/api/photos/{photo}?activity={activity}"))
        .await;
    assert_eq!(status, 200);
    assert!(got == bytes, "the new owner sees the photo");
}
