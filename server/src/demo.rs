//! Demo data: one team with a manager and three reps, an admin, and about 200
//! customers with contacts, and their money (`demo_money`). Deterministic,
//! so every demo looks the same.
//! Loaded through the ordinary push path, so it obeys every sync rule.

use crate::auth::hash_password;
use crate::store::Store;
use serde_json::{json, Map, Value};
use uuid::Uuid;
use yingpan_shared::access::Viewer;
use yingpan_shared::entity::EntityKind;
use yingpan_shared::ids::{ClientId, TeamId, UserId};
use yingpan_shared::sync::{Mutation, Op, PushRequest};
use yingpan_shared::user::{Role, User};

pub const PASSWORD: &str = "yingpan123";
pub const LOGINS: [(&str, &str); 6] = [
    ("admin", "admin"),
    ("manager", "manager of 华东一部"),
    ("rep1", "rep 李娜"),
    ("rep2", "rep 刘洋"),
    ("rep3", "rep 陈静"),
    ("finance", "finance 周敏"),
];
const CUSTOMERS: usize = 200;

const REGIONS: [&str; 12] = [
    "北京", "上海", "广州", "深圳", "杭州", "南京", "苏州", "成都", "武汉", "西安", "天津", "宁波",
];
const BRANDS: [&str; 30] = [
    "华信", "恒达", "鼎盛", "博远", "瑞丰", "金桥", "天成", "宏图", "卓越", "嘉禾", "永泰", "中联", "新元", "海纳",
    "东方", "锦程", "同创", "启航", "万通", "盛世", "汇通", "长风", "蓝海", "明德", "正泰", "安信", "立达", "华新",
    "九州", "远景",
];
const TRADES: [(&str, &str); 8] = [
    ("科技", "软件与信息服务"),
    ("机械", "机械制造"),
    ("电子", "电子元器件"),
    ("贸易", "批发零售"),
    ("医疗器械", "医疗"),
    ("建材", "建筑材料"),
    ("物流", "物流运输"),
    ("食品", "食品饮料"),
];
const SUFFIXES: [&str; 3] = ["有限公司", "股份有限公司", "有限责任公司"];
const SURNAMES: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗",
    "高",
];
const GIVEN: [&str; 20] = [
    "伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "涛", "明", "超", "秀英", "建华", "志强",
    "丽华", "国庆",
];
const TITLES: [&str; 6] = ["总经理", "采购经理", "财务总监", "技术负责人", "行政主管", "副总经理"];
const ACTIVITIES: [(&str, &str); 6] = [
    ("call", "电话沟通采购需求，对方下周给反馈"),
    ("visit", "上门拜访，演示产品并了解现场情况"),
    ("im", "微信发送产品资料和案例"),
    ("email", "邮件发送报价单，等待确认"),
    ("note", "客户年底有预算，春节前再跟进一次"),
    ("call", "回访使用情况，客户反馈良好"),
];
const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// City centres (WGS-84) of [`REGIONS`], for customers' locations.
const CENTRES: [(f64, f64); 12] = [
    (39.9087, 116.3975),
    (31.2304, 121.4737),
    (23.1291, 113.2644),
    (22.5431, 114.0579),
    (30.2741, 120.1551),
    (32.0603, 118.7969),
    (31.2989, 120.5853),
    (30.5728, 104.0668),
    (30.5928, 114.3055),
    (34.3416, 108.9398),
    (39.3434, 117.3616),
    (29.8683, 121.5440),
];
const DEALS: [(&str, &str); 5] = [
    ("initial", "年度框架采购"),
    ("needs", "新产线设备选型"),
    ("proposal", "二期扩容方案"),
    ("negotiation", "备件年度合同"),
    ("won", "首批试用订单"),
];
const LEADS: [(&str, &str, &str); 4] = [
    ("赵敏", "无锡新元电子有限公司", "展会"),
    ("钱程", "佛山金桥建材有限公司", "官网咨询"),
    ("孙悦", "", "老客户转介绍"),
    ("周航", "合肥启航物流有限公司", "电话营销"),
];

/// Small deterministic generator (a linear congruential one is plenty here).
struct Dice(u64);

impl Dice {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next(items.len())]
    }
    fn phone(&mut self) -> String {
        format!("13{}{:04}{:04}", self.next(10), self.next(10_000), self.next(10_000))
    }
}

/// Loads the demo data unless the database already has users. Returns
/// whether it loaded anything.
pub async fn load_if_empty(store: &dyn Store) -> anyhow::Result<bool> {
    if !store.users().await?.is_empty() {
        return Ok(false);
    }
    let team = TeamId(Uuid::now_v7());
    store.create_team(team, "华东一部").await?;
    let hash = hash_password(PASSWORD)?;
    let names = ["系统管理员", "王强", "李娜", "刘洋", "陈静", "周敏"];
    let mut users = Vec::new();
    for ((username, _), display) in LOGINS.iter().zip(names) {
        let role = match *username {
            "admin" => Role::Admin,
            "manager" => Role::Manager,
            "finance" => Role::Finance,
            _ => Role::Rep,
        };
        let user = User {
            id: UserId(Uuid::now_v7()),
            username: (*username).into(),
            display_name: display.into(),
            role,
            team_id: matches!(role, Role::Manager | Role::Rep).then_some(team),
            active: true,
        };
        store.create_user(&user, &hash).await?;
        users.push(user);
    }
    let reps: Vec<UserId> = users.iter().filter(|u| u.role == Role::Rep).map(|u| u.id).collect();
    let now = chrono::Utc::now();
    let (mut mutations, customers) = demo_mutations(&reps, now);
    // The company's calendar (the pool rules' default, UTC+8).
    let today = (now + chrono::Duration::hours(8)).date_naive();
    for (entity, id, fields, update) in crate::demo_money::money(&customers, today) {
        let fields: Map<String, Value> = fields.as_object().cloned().unwrap_or_default();
        mutations.push(Mutation {
            seq: mutations.len() as u64 + 1,
            entity,
            id,
            op: match update {
                true => Op::Update {
                    fields,
                    base: Map::new(),
                },
                false => Op::Create { fields },
            },
        });
    }
    let admin = Viewer::from(&users[0]);
    for (i, chunk) in mutations.chunks(500).enumerate() {
        let req = PushRequest {
            client_id: ClientId(Uuid::from_u128(0xdead_0000 + i as u128)),
            mutations: chunk.to_vec(),
        };
        let results = store.push(&admin, &req, chrono::Utc::now().timestamp_millis()).await?;
        if let Some(bad) = results.iter().find(|r| r.message.is_some()) {
            anyhow::bail!("demo mutation {} refused: {:?}", bad.seq, bad.message);
        }
    }
    let finance = users
        .iter()
        .find(|u| u.role == Role::Finance)
        .map_or(users[0].id, |u| u.id);
    crate::demo_money::payables(store, finance, today).await?;
    Ok(true)
}

/// The customers and what hangs under them, and the owned companies (for
/// the money part).
fn demo_mutations(reps: &[UserId], now: chrono::DateTime<chrono::Utc>) -> (Vec<Mutation>, Vec<Uuid>) {
    let mut dice = Dice(20261122);
    let mut out = Vec::new();
    let mut companies = Vec::new();
    let mut seq = 0u64;
    let mut push = |entity, id, fields: Value| {
        seq += 1;
        let fields: Map<String, Value> = fields.as_object().cloned().unwrap_or_default();
        out.push(Mutation {
            seq,
            entity,
            id,
            op: Op::Create { fields },
        });
    };
    for i in 0..CUSTOMERS {
        let city = dice.next(REGIONS.len());
        let region = REGIONS[city];
        let brand = dice.pick(&BRANDS);
        let (trade, industry) = TRADES[dice.next(TRADES.len())];
        let suffix = dice.pick(&SUFFIXES);
        // Every 10th customer is a person rather than a company.
        let individual = i % 10 == 9;
        // Every 8th sits in the pool (公海), for reps to claim.
        let owner = (i % 8 != 4).then(|| reps[i % reps.len()]);
        let id = Uuid::now_v7();
        let contact_name = format!("{}{}", dice.pick(&SURNAMES), dice.pick(&GIVEN));
        let customer = if individual {
            json!({"kind": "individual", "name": contact_name, "phone": dice.phone(),
                   "region": region, "owner_id": owner})
        } else {
            json!({"kind": "company", "name": format!("{region}{brand}{trade}{suffix}"),
                   "phone": format!("0{}-{:08}", 10 + dice.next(90), dice.next(100_000_000)),
                   "industry": industry, "region": region,
                   "address": format!("{region}市{}路{}号", dice.pick(&BRANDS), 1 + dice.next(300)),
                   "location": near(CENTRES[city], &mut dice),
                   "owner_id": owner})
        };
        push(EntityKind::Customer, id, customer);
        if owner.is_some() && !individual {
            companies.push(id);
        }
        // Every third customer has a short history.
        if i % 3 == 0 {
            for n in 0..1 + dice.next(3) {
                let (kind, content) = ACTIVITIES[dice.next(ACTIVITIES.len())];
                let days_ago = 1 + dice.next(60) as i64;
                let at = now - chrono::Duration::milliseconds(days_ago * DAY_MS + dice.next(36_000_000) as i64);
                // The first activity sets a follow-up from a few days
                // overdue to a week ahead, so the today view has work.
                let next = (n == 0).then(|| (now + chrono::Duration::days(dice.next(11) as i64 - 3)).date_naive());
                push(
                    EntityKind::Activity,
                    Uuid::now_v7(),
                    json!({"customer_id": id, "kind": kind, "content": content, "at": at, "next_follow_up": next}),
                );
            }
        }
        if i % 4 == 1 && owner.is_some() {
            let (stage, name) = DEALS[dice.next(DEALS.len())];
            push(
                EntityKind::Opportunity,
                Uuid::now_v7(),
                json!({"customer_id": id, "name": name, "stage": stage,
                       "amount": format!("{}", 10_000 * (1 + dice.next(80))),
                       "close_date": (now + chrono::Duration::days(dice.next(90) as i64)).date_naive()}),
            );
        }
        if individual {
            continue;
        }
        for _ in 0..1 + dice.next(3) {
            let surname = dice.pick(&SURNAMES);
            let birthday = (dice.next(4) == 0)
                .then(|| chrono::NaiveDate::from_yo_opt(1970 + dice.next(30) as i32, 1 + dice.next(365) as u32));
            push(
                EntityKind::Contact,
                Uuid::now_v7(),
                json!({"customer_id": id, "name": format!("{surname}{}", dice.pick(&GIVEN)),
                       "title": dice.pick(&TITLES), "phone": dice.phone(),
                       "email": format!("contact{}@example.cn", dice.next(1_000_000)),
                       "birthday": birthday.flatten()}),
            );
        }
    }
    for (i, rep) in reps.iter().enumerate() {
        let (name, company, source) = LEADS[i % LEADS.len()];
        push(
            EntityKind::Lead,
            Uuid::now_v7(),
            json!({"name": name, "company": (!company.is_empty()).then_some(company),
                   "phone": dice.phone(), "source": source, "owner_id": rep}),
        );
    }
    (out, companies)
}

/// A point within a few kilometres of `centre`.
fn near(centre: (f64, f64), dice: &mut Dice) -> Value {
    let jitter = |dice: &mut Dice| (dice.next(2001) as f64 - 1000.0) / 25_000.0;
    json!({"lat": centre.0 + jitter(dice), "lon": centre.1 + jitter(dice)})
}
