//! The money reports through the real API on both backends: aging that
//! adds up and drills down, the forecast, the aging workbook, who sees
//! which customers, and several servers on one database each answering
//! with what the others wrote.

use serde_json::{json, Value};
use uuid::Uuid;
use yingpan_shared::user::Role;
use yingpan_tests::{Api, TestServer};

yingpan_tests::on_both_backends!(
    aging_adds_up_drills_down_and_shows_each_only_their_customers,
    the_forecast_puts_overdue_apart_and_projects_what_waits,
    every_server_reports_what_any_server_wrote,
    the_server_decides_each_dunning_letter_and_keeps_it,
    an_admin_sets_the_buckets_and_levels_and_bad_ones_are_refused,
    a_years_statistics_add_up_by_month_method_and_rep,
    a_customer_statement_downloads_as_a_workbook_for_those_who_see_the_customer,
);

fn create(entity: &str, id: Uuid, fields: Value) -> Value {
    json!({"seq": 1, "entity": entity, "id": id, "op": "create", "fields": fields})
}

async fn applied(api: &Api, mutation: Value) {
    let result = api.push_one(mutation).await;
    assert_eq!(result["status"], "applied", "{result}");
}

fn day(server: &TestServer, offset: i64) -> String {
    // The company's calendar (UTC+8 by default).
    (chrono::DateTime::from_timestamp_millis(server.now_ms() + 8 * 3_600_000)
        .unwrap()
        .date_naive()
        + chrono::Duration::days(offset))
    .to_string()
}

/// A ¥100,000 contract signed today at a new customer of rep1's: ¥30,000
/// due today, ¥30,000 30 days after delivery, ¥40,000 after acceptance.
async fn signed_contract(server: &TestServer, rep: &Api, name: &str, planned_delivery: Option<String>) -> Uuid {
    let customer = rep.create_customer(Some(server.users.rep1.id.0), name).await;
    applied(
        rep,
        create(
            "contract",
            Uuid::now_v7(),
            json!({"customer_id": customer, "title": "年度供货", "status": "active", "signed_on": day(server, 0),
                   "lines": [{"id": Uuid::now_v7(), "description": "液压阀", "quantity": 5_000, "unit_fen": 2_000_000,
                              "planned_delivery": planned_delivery}],
                   "terms": [
                       {"share": {"kind": "percent", "basis_points": 3000}, "basis": "contract", "offset": {"kind": "days", "days": 0}},
                       {"share": {"kind": "percent", "basis_points": 3000}, "basis": "delivery", "offset": {"kind": "days", "days": 30}},
                       {"share": {"kind": "balance"}, "basis": "acceptance", "offset": {"kind": "days", "days": 0}},
                   ]}),
        ),
    )
    .await;
    customer
}

async fn receive(finance: &Api, customer: Uuid, fen: i64, date: String) {
    applied(
        finance,
        create(
            "receipt",
            Uuid::now_v7(),
            json!({"customer_id": customer, "fen": fen, "date": date, "confirmed": true}),
        ),
    )
    .await;
}

fn line(report: &Value, customer: Uuid) -> Option<&Value> {
    report["customers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["whose"]["customer_id"] == json!(customer))
}

fn fens(value: &Value) -> Vec<i64> {
    value.as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect()
}

async fn aging_adds_up_drills_down_and_shows_each_only_their_customers(server: TestServer) {
    let rep = server.login("rep1").await;
    server.add_user("cashier", Role::Finance).await;
    let finance = server.login("cashier").await;
    let customer = signed_contract(&server, &rep, "华信机械", None).await;
    receive(&finance, customer, 1_000_000, day(&server, 0)).await;
    receive(&finance, customer, 500_000, day(&server, 50)).await;

    // 45 days on: what is left of the first installment is 45 days past
    // due (31–60); the other two wait for their events (not yet due); the
    // receipt dated after is beside.
    let (status, report) = finance
        .get(&format!("/api/money/aging?as_of={}", day(&server, 45)))
        .await;
    assert_eq!(status, 200, "{report}");
    let row = &line(&report, customer).expect("the customer owes")["row"];
    assert_eq!(fens(&row["buckets"]), [7_000_000, 0, 2_000_000, 0, 0, 0]);
    assert_eq!(row["total"], 9_000_000);
    assert_eq!(row["received_after"], 500_000);
    assert_eq!(row["oldest_days"], 45);
    assert_eq!(line(&report, customer).unwrap()["whose"]["name"], "华信机械");
    assert_eq!(report["company"]["total"], 9_000_000);
    let rep_total = report["reps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == json!(server.users.rep1.id))
        .expect("a sum for rep1");
    assert_eq!(rep_total["total"], 9_000_000);
    assert_eq!(report["concentration"][0]["share_bp"], 10_000);

    // Drilling into the customer: what is behind each bucket adds up to it.
    let (status, opened) = finance
        .get(&format!(
            "/api/money/customers/{customer}/aging?as_of={}",
            day(&server, 45)
        ))
        .await;
    assert_eq!(status, 200, "{opened}");
    let mut cells = [0i64; 6];
    for item in opened["behind"].as_array().unwrap() {
        cells[item["bucket"].as_u64().unwrap() as usize] += item["fen"].as_i64().unwrap();
    }
    assert_eq!(cells.to_vec(), fens(&row["buckets"]));
    assert_eq!(opened["statement"]["owed"], 9_000_000);
    assert_eq!(opened["statement"]["overdue"], 2_000_000);

    // A new receipt shows in the next report. The server settled ¥5,000
    // of the first installment from the receipt dated day 50 already, so
    // this one settles the other ¥15,000 and pays ¥5,000 ahead on the
    // second; as of day 45 the day-50 money has not arrived, and ¥5,000 of
    // the first is still 45 days past due.
    receive(&finance, customer, 2_000_000, day(&server, 44)).await;
    let (_, report) = finance
        .get(&format!("/api/money/aging?as_of={}", day(&server, 45)))
        .await;
    let row = &line(&report, customer).unwrap()["row"];
    assert_eq!(fens(&row["buckets"]), [6_500_000, 0, 500_000, 0, 0, 0], "{row}");
    let (_, report) = finance
        .get(&format!("/api/money/aging?as_of={}", day(&server, 50)))
        .await;
    let row = &line(&report, customer).unwrap()["row"];
    assert_eq!(fens(&row["buckets"]), [6_500_000, 0, 0, 0, 0, 0], "day 50: {row}");

    // The rep sees their own customer, the manager their team's; a rep of
    // another team sees nothing of it, in the report or by asking for it.
    for (who, sees) in [("rep1", true), ("manager", true), ("outsider", false), ("rep2", false)] {
        let api = server.login(who).await;
        let (status, report) = api.get("/api/money/aging").await;
        assert_eq!(status, 200);
        assert_eq!(line(&report, customer).is_some(), sees, "{who}");
        let (status, _) = api.get(&format!("/api/money/customers/{customer}/aging")).await;
        assert_eq!(status, if sees { 200 } else { 404 }, "{who}");
    }

    // The workbook has the same figures.
    use calamine::Reader as _;
    let (status, kind, bytes) = finance
        .get_bytes(&format!("/api/money/aging/xlsx?as_of={}", day(&server, 45)))
        .await;
    assert_eq!(status, 200);
    assert!(kind.contains("spreadsheetml"), "{kind}");
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).expect("a real XLSX file");
    let sheet = book.worksheet_range("客户账龄").expect("the customers' sheet");
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let ours = rows.iter().find(|r| r[0] == "华信机械").expect("the customer's row");
    assert_eq!(ours[2..5], ["65000", "0", "5000"], "{ours:?}");
    assert!(
        rows[2].iter().any(|c| c == "31–60 天") && rows[2].iter().any(|c| c == "181+ 天"),
        "{:?}",
        rows[2]
    );

    // Bad dates and ranges are refused with a reason.
    let (status, body) = finance.get("/api/money/aging?as_of=2026-02-30").await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = finance.get("/api/money/forecast?months=13").await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"].as_str().unwrap().contains("12 months"),
        "{body}"
    );
    let (status, _) = finance.get("/api/money/customers/not-an-id/aging").await;
    assert_eq!(status, 400);
}

async fn the_forecast_puts_overdue_apart_and_projects_what_waits(server: TestServer) {
    let rep = server.login("rep1").await;
    server.add_user("cashier", Role::Finance).await;
    let finance = server.login("cashier").await;
    // Delivery planned in 20 days: its installment is projected 50 days
    // out; acceptance (no offset known beyond the delivery) likewise.
    let customer = signed_contract(&server, &rep, "远东贸易", Some(day(&server, 20))).await;
    receive(&finance, customer, 1_000_000, day(&server, 0)).await;
    let (status, report) = finance
        .get(&format!("/api/money/forecast?as_of={}&months=4", day(&server, 10)))
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["months"].as_array().unwrap().len(), 4);
    let row = &report["customers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["whose"]["customer_id"] == json!(customer))
        .expect("the customer")["row"];
    assert_eq!(row["overdue"], 2_000_000, "the first installment's rest, apart");
    let months = fens(&row["months"]);
    let projected = fens(&row["projected"]);
    assert_eq!(
        months.iter().sum::<i64>() + row["later"].as_i64().unwrap(),
        7_000_000,
        "{row}"
    );
    assert_eq!(
        projected, months,
        "all of it waits for delivery or acceptance: projected"
    );
    assert_eq!(report["total"]["overdue"], 2_000_000);
    // The same date twice gives the same table.
    let (_, again) = finance
        .get(&format!("/api/money/forecast?as_of={}&months=4", day(&server, 10)))
        .await;
    assert_eq!(again, report);
}

async fn every_server_reports_what_any_server_wrote(server: TestServer) {
    let other = server.another_server().await;
    let rep = server.login("rep1").await;
    server.add_user("cashier", Role::Finance).await;
    let here = server.login("cashier").await;
    let there = other.login("cashier").await;
    let customer = signed_contract(&server, &rep, "华信机械", None).await;
    let owed = |report: &Value| line(report, customer).map(|l| l["row"]["total"].clone());
    assert_eq!(owed(&there.get("/api/money/aging").await.1), Some(json!(10_000_000)));
    // A receipt written through the other server shows here, and back.
    receive(&there, customer, 4_000_000, day(&server, 0)).await;
    assert_eq!(owed(&here.get("/api/money/aging").await.1), Some(json!(6_000_000)));
    receive(&here, customer, 6_000_000, day(&server, 0)).await;
    assert_eq!(
        owed(&there.get("/api/money/aging").await.1),
        None,
        "settled: nothing owed"
    );
}

async fn the_server_decides_each_dunning_letter_and_keeps_it(server: TestServer) {
    let rep = server.login("rep1").await;
    server.add_user("cashier", Role::Finance).await;
    let finance = server.login("cashier").await;
    let customer = signed_contract(&server, &rep, "华信机械", None).await;
    let letter = |id: Uuid, level: u32| {
        create(
            "dunning",
            id,
            json!({"customer_id": customer, "level": level, "installments": [], "date": "2020-01-01"}),
        )
    };
    // ¥30,000 due today: the courteous reminder first, whatever the
    // device asked for.
    let first = Uuid::now_v7();
    applied(&rep, letter(first, 3)).await;
    let held = |api: &Api| {
        let api = api.clone();
        async move {
            api.cache()
                .await
                .into_iter()
                .filter(|((kind, _), _)| kind == "dunning")
                .map(|(_, v)| v)
                .collect::<Vec<Value>>()
        }
    };
    let letters = held(&rep).await;
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0]["level"], 0);
    assert_eq!(letters[0]["date"], json!(day(&server, 0)));
    assert_eq!(letters[0]["installments"].as_array().unwrap().len(), 1);
    assert_eq!(letters[0]["by"], json!(server.users.rep1.id));
    // The next level only once it is reached: two days on, the overdue
    // notice.
    let refused = rep.push_one(letter(Uuid::now_v7(), 1)).await;
    assert_eq!(refused["status"], "rejected", "{refused}");
    server.advance_days(2);
    applied(&rep, letter(Uuid::now_v7(), 0)).await;
    let mut levels: Vec<i64> = held(&rep).await.iter().map(|l| l["level"].as_i64().unwrap()).collect();
    levels.sort();
    assert_eq!(levels, [0, 1]);
    // A letter is kept: never deleted, and what it says never changes;
    // postponing it needs a reason.
    let gone = rep
        .push_one(json!({"seq": 1, "entity": "dunning", "id": first, "op": "delete"}))
        .await;
    assert_eq!(gone["status"], "rejected", "{gone}");
    let relevel = json!({"seq": 1, "entity": "dunning", "id": first, "op": "update", "fields": {"level": 3}});
    assert!(rep.push_one(relevel).await["message"]
        .as_str()
        .unwrap()
        .contains("level"));
    let postpone = |reason: &str| {
        json!({"seq": 1, "entity": "dunning", "id": first, "op": "update",
               "fields": {"postponed_until": day(&server, 10), "reason": reason}})
    };
    assert_eq!(rep.push_one(postpone("")).await["status"], "rejected");
    applied(&rep, postpone("客户承诺月底付款")).await;
    let kept = held(&rep).await.into_iter().find(|l| l["id"] == json!(first)).unwrap();
    assert_eq!(
        (kept["level"].clone(), kept["reason"].clone()),
        (json!(0), json!("客户承诺月底付款"))
    );
    // Paid in full: nothing is due for another letter.
    receive(&finance, customer, 3_000_000, day(&server, 0)).await;
    let refused = rep.push_one(letter(Uuid::now_v7(), 0)).await;
    assert_eq!(refused["status"], "rejected", "{refused}");
    // Another team's rep cannot write letters to this customer.
    let outsider = server.login("outsider").await;
    assert_ne!(outsider.push_one(letter(Uuid::now_v7(), 0)).await["status"], "applied");
}

async fn an_admin_sets_the_buckets_and_levels_and_bad_ones_are_refused(server: TestServer) {
    let admin = server.login("admin").await;
    let rep = server.login("rep1").await;
    let customer = signed_contract(&server, &rep, "华信机械", None).await;
    let (_, mut rules) = admin.get("/api/work/rules").await;
    assert_eq!(rules["money"]["aging"], json!([30, 60, 90, 180]), "the defaults");
    rules["money"]["aging"] = json!([15, 45]);
    let (status, body) = admin.put("/api/work/rules", &rules).await;
    assert_eq!(status, 200, "{body}");
    let (_, report) = rep.get(&format!("/api/money/aging?as_of={}", day(&server, 20))).await;
    assert_eq!(report["boundaries"], json!([15, 45]));
    let row = &line(&report, customer).unwrap()["row"];
    assert_eq!(fens(&row["buckets"]), [7_000_000, 0, 3_000_000, 0], "20 days: 16–45");

    // Boundaries that do not rise, and levels that go back, are refused
    // with the reason, in the asker's language.
    let mut bad = rules.clone();
    bad["money"]["aging"] = json!([60, 30]);
    let (status, body) = admin.put("/api/work/rules", &bad).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("rising"), "{body}");
    let mut bad = rules.clone();
    bad["money"]["dunning"][1]["days"] = json!(-30);
    let (status, body) = admin.put("/api/work/rules", &bad).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("more days past due"),
        "{body}"
    );
    // Only an admin sets them.
    let (status, _) = rep.put("/api/work/rules", &rules).await;
    assert_eq!(status, 403);
}

async fn a_years_statistics_add_up_by_month_method_and_rep(server: TestServer) {
    let rep = server.login("rep1").await;
    server.add_user("cashier", Role::Finance).await;
    let finance = server.login("cashier").await;
    let customer = signed_contract(&server, &rep, "华信机械", None).await;
    receive(&finance, customer, 1_000_000, "2026-03-05".into()).await;
    applied(
        &finance,
        create(
            "receipt",
            Uuid::now_v7(),
            json!({"customer_id": customer, "fen": 250_000, "date": "2026-04-01", "method": "cash", "confirmed": true}),
        ),
    )
    .await;
    let (status, stats) = finance.get("/api/money/stats?year=2026").await;
    assert_eq!(status, 200, "{stats}");
    assert_eq!(stats["months"].as_array().unwrap().len(), 12);
    assert_eq!(stats["months"][2]["received"], 1_000_000);
    assert_eq!(stats["months"][3]["received"], 250_000);
    assert_eq!(
        stats["by_method"],
        json!([["bank_transfer", 1_000_000], ["cash", 250_000]])
    );
    assert_eq!(stats["by_rep"], json!([[server.users.rep1.id, 1_250_000]]));
    // Another team's rep sees none of it; a year out of range is refused.
    let (_, theirs) = server.login("outsider").await.get("/api/money/stats?year=2026").await;
    assert_eq!(theirs["total"]["received"], 0);
    let (status, _) = finance.get("/api/money/stats?year=99999").await;
    assert_eq!(status, 400);
}

async fn a_customer_statement_downloads_as_a_workbook_for_those_who_see_the_customer(server: TestServer) {
    use calamine::Reader as _;
    let rep = server.login("rep1").await;
    server.add_user("cashier", Role::Finance).await;
    let finance = server.login("cashier").await;
    let customer = signed_contract(&server, &rep, "恒通机电", None).await;
    receive(&finance, customer, 1_000_000, day(&server, 0)).await;
    let path = format!("/api/money/customers/{customer}/statement/xlsx?months=3");
    let (status, kind, bytes) = rep.get_bytes(&path).await;
    assert_eq!(status, 200);
    assert!(kind.contains("spreadsheetml"), "{kind}");
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).expect("a real XLSX file");
    let sheet = book.worksheet_range("对账单").expect("the statement's sheet");
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert!(rows[0][0].starts_with("恒通机电 对账单"), "{:?}", rows[0]);
    // ¥100,000 planned, ¥10,000 received: the first installment owes
    // ¥20,000; in all ¥90,000 is owed, the same as the printed letter.
    let first = rows.iter().find(|r| r[1] == "1").expect("the first installment");
    assert_eq!(first[3..6], ["30000", "10000", "20000"], "{first:?}");
    let total = rows.iter().find(|r| r[0] == "应收合计").expect("the total");
    assert_eq!(total[5], "90000");
    let (_, opened) = rep.get(&format!("/api/money/customers/{customer}/aging")).await;
    assert_eq!(opened["statement"]["owed"], 9_000_000);
    // Someone who does not see the customer gets nothing, as for the letter.
    let (status, _, _) = server.login("rep2").await.get_bytes(&path).await;
    assert_eq!(status, 404);
}
