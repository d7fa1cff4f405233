//! The money part of the demo: products, and at a dozen customers quotes
//! and contracts in every status, deliveries, receipts settling part of
//! what is owed, an overdue installment, a receipt waiting for finance and
//! a refund; and two suppliers with purchases, one partly paid. Pushed
//! through the ordinary sync path after the customers, so
//! the server makes the plans and settles the receipts as it would for
//! anyone (payables, which do not sync, through the shared payable rules).

use chrono::{Days, NaiveDate};
use serde_json::{json, Value};
use uuid::Uuid;
use yingpan_shared::entity::EntityKind;

const PRODUCTS: [(&str, &str, &str, &str, i64); 6] = [
    ("HV-200", "液压阀", "HV-200 DN25", "个", 1_280_000),
    ("PU-75", "柱塞泵", "PU-75 7.5kW", "台", 3_650_000),
    ("SN-10", "压力传感器", "SN-10 0-10MPa", "只", 86_000),
    ("CB-3", "电控柜", "CB-3 三相", "套", 5_800_000),
    ("FL-1", "滤芯", "FL-1 10μm", "支", 12_000),
    ("SV-1", "年度维保服务", "含两次上门", "年", 2_400_000),
];

/// 30 % on signing, the balance 30 days after delivery.
fn terms() -> Value {
    json!([
        {"share": {"kind": "percent", "basis_points": 3000}, "basis": "contract", "offset": {"kind": "days", "days": 0}},
        {"share": {"kind": "balance"}, "basis": "delivery", "offset": {"kind": "days", "days": 30}},
    ])
}

/// One line of `product` (an index into [`PRODUCTS`]), `quantity` whole
/// units.
fn line(product: usize, quantity: i64) -> Value {
    let (_, name, spec, _, price) = PRODUCTS[product];
    json!({"id": Uuid::now_v7(), "product_id": product_id(product), "description": format!("{name} {spec}"),
           "quantity": quantity * 1000, "unit_fen": price, "tax_bp": 1300})
}

fn product_id(n: usize) -> Uuid {
    Uuid::from_u128(0x5eed_0000_0000 + n as u128)
}

/// The demo's money records, in the order they must be pushed, as (kind,
/// id, fields, update?) — an update names a record created before it.
pub fn money(customers: &[Uuid], today: NaiveDate) -> Vec<(EntityKind, Uuid, Value, bool)> {
    let mut out = Vec::new();
    let day = |ago: u64| today.checked_sub_days(Days::new(ago)).unwrap_or(today);
    for (n, (code, name, spec, unit, price)) in PRODUCTS.into_iter().enumerate() {
        out.push((
            EntityKind::Product,
            product_id(n),
            json!({"code": code, "name": name, "spec": spec, "unit": unit, "list_fen": price, "tax_bp": 1300, "category": "液压"}),
            false,
        ));
    }
    for (i, customer) in customers.iter().take(12).enumerate() {
        let c = *customer;
        let quote = Uuid::now_v7();
        let lines = json!([line(i % 6, 2 + i as i64 % 5), line((i + 2) % 6, 1)]);
        let q = |status: &str, date: NaiveDate, until: NaiveDate| {
            json!({"customer_id": c, "status": status, "date": date, "valid_until": until, "lines": lines,
                   "terms": "含税含运费，款到发货", "number": format!("Q2026-{:03}", i + 1)})
        };
        match i % 4 {
            // Sent, then accepted and made into a contract.
            0 | 1 => {
                out.push((
                    EntityKind::Quote,
                    quote,
                    q("sent", day(70), today + Days::new(30)),
                    false,
                ));
                out.push((EntityKind::Quote, quote, json!({"status": "accepted"}), true));
                contract(&mut out, c, Some(quote), &lines, i, &day);
            }
            // Sent and past its validity: expired; the first revised into
            // a draft.
            2 => {
                out.push((EntityKind::Quote, quote, q("sent", day(45), day(15)), false));
                if i == 2 {
                    let mut revision = q("draft", day(2), today + Days::new(30));
                    revision["supersedes"] = json!(quote);
                    revision["version"] = json!(2);
                    out.push((EntityKind::Quote, Uuid::now_v7(), revision, false));
                }
            }
            // Rejected; and a draft contract cancelled.
            _ => {
                out.push((
                    EntityKind::Quote,
                    quote,
                    q("sent", day(20), today + Days::new(10)),
                    false,
                ));
                out.push((EntityKind::Quote, quote, json!({"status": "rejected"}), true));
                out.push((
                    EntityKind::Quote,
                    Uuid::now_v7(),
                    q("sent", day(3), today + Days::new(27)),
                    false,
                ));
                let draft = Uuid::now_v7();
                out.push((
                    EntityKind::Contract,
                    draft,
                    json!({"customer_id": c, "title": "备件框架协议（草稿）", "status": "draft", "lines": lines}),
                    false,
                ));
                out.push((EntityKind::Contract, draft, json!({"status": "cancelled"}), true));
            }
        }
    }
    out
}

/// A signed contract with a partial then a full delivery and receipts:
/// which of them depends on `i`, so the demo shows every state.
fn contract(
    out: &mut Vec<(EntityKind, Uuid, Value, bool)>,
    c: Uuid,
    quote: Option<Uuid>,
    lines: &Value,
    i: usize,
    day: &dyn Fn(u64) -> NaiveDate,
) {
    let id = Uuid::now_v7();
    out.push((
        EntityKind::Contract,
        id,
        json!({"customer_id": c, "title": format!("设备采购合同 {}", i + 1), "quote_id": quote, "status": "active",
               "signed_on": day(60), "lines": lines, "terms": terms(), "number": format!("HT2026-{:03}", i + 1)}),
        false,
    ));
    let ids: Vec<Value> = lines
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| l["id"].clone())
        .collect();
    let qty = |n: usize| lines[n]["quantity"].as_i64().unwrap_or(1000);
    // Half of the first line first, then the rest: the balance falls due
    // 30 days after the second delivery.
    out.push((
        EntityKind::Delivery,
        Uuid::now_v7(),
        json!({"customer_id": c, "contract_id": id, "date": day(50), "warehouse": "苏州仓",
               "lines": [{"line_id": ids[0], "quantity": qty(0) / 2}]}),
        false,
    ));
    let second = if i.is_multiple_of(2) { 45 } else { 10 };
    out.push((
        EntityKind::Delivery,
        Uuid::now_v7(),
        json!({"customer_id": c, "contract_id": id, "date": day(second), "warehouse": "苏州仓",
               "lines": [{"line_id": ids[0], "quantity": qty(0) - qty(0) / 2}, {"line_id": ids[1], "quantity": qty(1)}]}),
        false,
    ));
    let receipt = |fen: i64, ago: u64, confirmed: bool, payer: &str| {
        json!({"customer_id": c, "fen": fen, "date": day(ago), "method": "bank_transfer", "payer": payer,
               "reference": format!("BK{:06}", i * 7 + ago as usize), "confirmed": confirmed})
    };
    // The deposit paid in full, a little more, and (every other contract)
    // a receipt a rep recorded that waits for finance; the first customer
    // overpaid and was refunded.
    out.push((
        EntityKind::Receipt,
        Uuid::now_v7(),
        receipt(500_000, 58, true, "对公账户"),
        false,
    ));
    out.push((
        EntityKind::Receipt,
        Uuid::now_v7(),
        receipt(300_000, 8, true, "对公账户"),
        false,
    ));
    if i % 2 == 1 {
        out.push((
            EntityKind::Receipt,
            Uuid::now_v7(),
            receipt(200_000, 1, false, "现场收取支票"),
            false,
        ));
    }
    if i == 0 {
        let over = Uuid::now_v7();
        out.push((
            EntityKind::Receipt,
            over,
            receipt(10_000_000, 5, true, "对公账户"),
            false,
        ));
        out.push((
            EntityKind::Credit,
            Uuid::now_v7(),
            json!({"customer_id": c, "against": {"kind": "receipt", "id": over}, "fen": 1_000_000,
                   "date": day(3), "reason": "多付退回"}),
            false,
        ));
    }
}

/// Two suppliers with a purchase each, one partly paid and past due, one
/// waiting for its goods; written through the shared payable rules.
pub async fn payables(
    store: &dyn crate::store::Store,
    by: yingpan_shared::ids::UserId,
    today: NaiveDate,
) -> anyhow::Result<()> {
    use yingpan_shared::money::payable::{PayableBook, Payment, Purchase, Supplier};
    let days_ago = |n: u64| today.checked_sub_days(Days::new(n)).unwrap_or(today);
    let suppliers = [
        (
            "宁波精密铸件厂",
            "王经理",
            48_000_000,
            days_ago(75),
            Some(days_ago(60)),
            Some(20_000_000),
        ),
        ("苏州华东电机有限公司", "陈工", 26_500_000, days_ago(10), None, None),
    ];
    for (name, contact, fen, signed_on, received_on, paid) in suppliers {
        let supplier = Supplier {
            id: Uuid::now_v7(),
            name: name.into(),
            contact: contact.into(),
            active: true,
            ..Supplier::default()
        };
        let mut book = PayableBook {
            supplier: supplier.clone(),
            ..PayableBook::default()
        };
        let purchase = Purchase {
            id: Uuid::now_v7(),
            supplier_id: supplier.id,
            number: format!("CG-{}", signed_on.format("%Y%m%d")),
            title: "年度原材料采购".into(),
            currency: Default::default(),
            fen,
            signed_on,
            terms: serde_json::from_value(terms())?,
            received_on: None,
            notes: String::new(),
            by: Some(by),
        };
        let mut write = book
            .sign(purchase.clone(), Uuid::now_v7)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        book.apply(&write);
        if let Some(day) = received_on {
            let received = book.receive(purchase.id, day).map_err(|e| anyhow::anyhow!("{e}"))?;
            book.apply(&received);
            write.purchases = received.purchases;
            write
                .installments
                .retain(|i| !received.installments.iter().any(|r| r.id == i.id));
            write.installments.extend(received.installments);
        }
        if let Some(fen) = paid {
            let payment = Payment {
                id: Uuid::now_v7(),
                supplier_id: supplier.id,
                currency: Default::default(),
                fen,
                date: days_ago(40),
                method: Default::default(),
                reference: "电汇".into(),
                notes: String::new(),
                by: Some(by),
            };
            let paid = book
                .pay(payment, None, Uuid::now_v7)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            write.payments = paid.payments;
            write.allocations = paid.allocations;
        }
        let now = chrono::Utc::now().timestamp_millis();
        store.write_payables(&supplier, None, &write, by, now).await?;
    }
    Ok(())
}
