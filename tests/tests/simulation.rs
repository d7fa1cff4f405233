//! Randomised sync simulation against the real server: many clients go
//! offline and online at random, edit the same customers, lose push
//! responses and retry, while a manager reassigns customers between reps.
//! At the end every mutation has an answer, and every client's cache equals
//! what the server says that user may see.
//!
//! Each rep works on two devices (so a rep's own edits collide), and a
//! client pulls only what its rep may see: a run grows with its own size,
//! not with clients × every change in the company.
//!
//! Seeded and sized by environment variables, so a failure is reproducible
//! and a large run is one command (see README); it prints its progress:
//! `YINGPAN_SIM_SEED=7 YINGPAN_SIM_CLIENTS=50 YINGPAN_SIM_MUTATIONS=1000000 \
//!  cargo test --release -p yingpan-tests --test simulation -- --nocapture`

use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;
use yingpan_shared::entity::{EntityKind, FieldMap};
use yingpan_shared::merge::edit_between;
use yingpan_shared::sync::{Change, Mutation, MutationStatus, Op, PullResponse, PushResponse};
use yingpan_tests::{Api, Backend, TestServer};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A small deterministic generator: the seed alone decides the run.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

type Key = (EntityKind, Uuid);

/// The customer ids in a cache, to pick one at random in constant time
/// (in an order the run alone decides, so a seed replays).
#[derive(Default)]
struct Picks {
    ids: Vec<Uuid>,
    at: HashMap<Uuid, usize>,
}

impl Picks {
    fn add(&mut self, id: Uuid) {
        if !self.at.contains_key(&id) {
            self.at.insert(id, self.ids.len());
            self.ids.push(id);
        }
    }

    fn remove(&mut self, id: Uuid) {
        if let Some(i) = self.at.remove(&id) {
            self.ids.swap_remove(i);
            if let Some(moved) = self.ids.get(i) {
                self.at.insert(*moved, i);
            }
        }
    }

    fn clear(&mut self) {
        self.ids.clear();
        self.at.clear();
    }
}

/// A client as the app behaves: a cache, an outbox, a cursor.
struct SimClient {
    api: Api,
    client_id: Uuid,
    next_seq: u64,
    outbox: Vec<Mutation>,
    cache: HashMap<Key, FieldMap>,
    customers: Picks,
    /// The cached records under each customer, to drop with it.
    children: HashMap<Uuid, HashSet<Key>>,
    cursor: i64,
    online: bool,
}

impl SimClient {
    fn queue(&mut self, entity: EntityKind, id: Uuid, op: Op, local: Option<FieldMap>) -> (Uuid, u64) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.outbox.push(Mutation { seq, entity, id, op });
        self.keep(entity, id, local);
        (self.client_id, seq)
    }

    /// Puts a record in the cache (`None`: takes it out).
    fn keep(&mut self, entity: EntityKind, id: Uuid, record: Option<FieldMap>) {
        let parent = |r: &FieldMap| {
            r.get("customer_id")
                .and_then(Value::as_str)
                .and_then(|p| p.parse::<Uuid>().ok())
        };
        if let Some(old) = self.cache.remove(&(entity, id)) {
            if let Some(p) = parent(&old) {
                self.children.entry(p).or_default().remove(&(entity, id));
            }
        }
        if entity == EntityKind::Customer {
            self.customers.remove(id);
        }
        if let Some(record) = record {
            if let Some(p) = parent(&record) {
                self.children.entry(p).or_default().insert((entity, id));
            }
            self.cache.insert((entity, id), record);
            if entity == EntityKind::Customer {
                self.customers.add(id);
            }
        }
    }

    /// Push (maybe losing the response, as a dropped connection would), then
    /// pull everything. Returns the answers received.
    async fn sync(&mut self, lose_response: bool) -> Vec<(Uuid, u64, MutationStatus)> {
        let mut answers = Vec::new();
        while !self.outbox.is_empty() {
            let batch: Vec<Mutation> = self.outbox.iter().take(50).cloned().collect();
            let (status, body) = self
                .api
                .post(
                    "/api/sync/push",
                    &json!({"client_id": self.client_id, "mutations": batch}),
                )
                .await;
            assert_eq!(status, 200, "{body}");
            if lose_response {
                // The server applied it but the client never heard: it will
                // push the same mutations again next time.
                return answers;
            }
            let res: PushResponse = serde_json::from_value(body).unwrap();
            let acked: HashSet<u64> = res.results.iter().map(|r| r.seq).collect();
            for r in &res.results {
                answers.push((self.client_id, r.seq, r.status));
                if r.status == MutationStatus::Rejected {
                    // Like the app: take the server's copy of what was refused.
                    let m = batch.iter().find(|m| m.seq == r.seq).unwrap();
                    let (code, copy) = self.api.get(&format!("/api/records/{}/{}", m.entity, m.id)).await;
                    let copy = (code == 200).then(|| copy.as_object().unwrap().clone());
                    self.keep(m.entity, m.id, copy);
                }
            }
            self.outbox.retain(|m| !acked.contains(&m.seq));
        }
        loop {
            let (status, body) = self
                .api
                .get(&format!("/api/sync/pull?since={}&limit=200", self.cursor))
                .await;
            assert_eq!(status, 200, "{body}");
            let page: PullResponse = serde_json::from_value(body).unwrap();
            if page.reset {
                self.cache.clear();
                self.customers.clear();
                self.children.clear();
                self.cursor = 0;
                continue;
            }
            let pending: HashSet<Uuid> = self.outbox.iter().map(|m| m.id).collect();
            for change in &page.changes {
                self.apply(change, &pending);
            }
            self.cursor = page.cursor;
            if !page.has_more {
                return answers;
            }
        }
    }

    fn apply(&mut self, change: &Change, pending: &HashSet<Uuid>) {
        match &change.data {
            Some(_) if pending.contains(&change.id) => {}
            Some(data) => self.keep(change.entity, change.id, Some(data.clone())),
            None => {
                self.keep(change.entity, change.id, None);
                if change.entity == EntityKind::Customer {
                    // Like the app: a customer's records go with it.
                    for (entity, id) in self.children.remove(&change.id).unwrap_or_default() {
                        self.keep(entity, id, None);
                    }
                }
            }
        }
    }
}

/// What the server says `api`'s user may see, pulled from scratch.
async fn server_view(api: &Api) -> BTreeMap<Key, FieldMap> {
    let mut view = BTreeMap::new();
    let mut since = 0;
    loop {
        let (_, body) = api.get(&format!("/api/sync/pull?since={since}&limit=1000")).await;
        let page: PullResponse = serde_json::from_value(body).unwrap();
        for c in page.changes {
            match c.data {
                Some(d) => view.insert((c.entity, c.id), d),
                None => view.remove(&(c.entity, c.id)),
            };
        }
        since = page.cursor;
        if !page.has_more {
            return view;
        }
    }
}

async fn simulate(backend: Backend) {
    let Some(server) = TestServer::start(backend).await else {
        return;
    };
    let seed = env_or("YINGPAN_SIM_SEED", 20261122);
    let clients = env_or("YINGPAN_SIM_CLIENTS", 6) as usize;
    let target = env_or("YINGPAN_SIM_MUTATIONS", 600);
    println!("simulation on {backend:?}: seed {seed}, {clients} clients, {target} mutations");
    let mut dice = Dice(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    // Two devices a rep, all reps in the manager's team.
    let mut reps = vec![server.users.rep1.clone(), server.users.rep2.clone()];
    for i in reps.len()..clients.div_ceil(2) {
        reps.push(server.add_rep(&format!("simrep{i}")).await);
    }
    let mut sims = Vec::new();
    for i in 0..clients {
        let user = &reps[i % reps.len()];
        sims.push((
            user.id,
            SimClient {
                api: server.login(&user.username).await,
                client_id: Uuid::now_v7(),
                next_seq: 1,
                outbox: Vec::new(),
                cache: HashMap::new(),
                customers: Picks::default(),
                children: HashMap::new(),
                cursor: 0,
                online: true,
            },
        ));
    }
    let started = std::time::Instant::now();
    let mut reported = 0;
    let manager = server.login("manager").await;
    let mut made: HashSet<(Uuid, u64)> = HashSet::new();
    let mut answered: HashMap<(Uuid, u64), MutationStatus> = HashMap::new();
    let fields = ["region", "phone", "notes", "industry"];
    let mut issued = 0u64;
    while issued < target {
        if issued * 10 / target > reported {
            reported = issued * 10 / target;
            let secs = started.elapsed().as_secs_f64();
            println!(
                "{issued} mutations issued in {secs:.0} s ({:.0}/s)",
                issued as f64 / secs
            );
        }
        let who = dice.below(sims.len());
        let (owner, sim) = &mut sims[who];
        let roll = dice.below(100);
        let customers = &sim.customers.ids;
        if roll < 12 || customers.is_empty() {
            let id = Uuid::now_v7();
            let fields =
                json!({"name": format!("客户{}", dice.next() % 100_000), "owner_id": owner, "kind": "company"});
            let record = EntityKind::Customer
                .canonicalize(id, fields.as_object().unwrap())
                .unwrap();
            made.insert(sim.queue(
                EntityKind::Customer,
                id,
                Op::Create { fields: record.clone() },
                Some(record),
            ));
            issued += 1;
        } else if roll < 70 {
            let id = customers[dice.below(customers.len())];
            let before = sim.cache[&(EntityKind::Customer, id)].clone();
            let mut after = before.clone();
            let field = fields[dice.below(fields.len())];
            // A small value space makes same-field collisions frequent.
            let value = match field {
                "phone" => format!("010-6000000{}", dice.below(4)),
                _ => format!("{field}-{}", dice.below(4)),
            };
            after.insert(field.into(), json!(value));
            if let Some((changes, base)) = edit_between(&before, &after) {
                made.insert(sim.queue(
                    EntityKind::Customer,
                    id,
                    Op::Update { fields: changes, base },
                    Some(after),
                ));
                issued += 1;
            }
        } else if roll < 82 {
            let id = Uuid::now_v7();
            let customer = customers[dice.below(customers.len())];
            let record = json!({"id": id, "customer_id": customer, "name": format!("联系人{}", dice.below(1000))});
            let record = record.as_object().unwrap().clone();
            made.insert(sim.queue(
                EntityKind::Contact,
                id,
                Op::Create { fields: record.clone() },
                Some(record),
            ));
            issued += 1;
        } else if roll < 88 {
            sim.online = !sim.online;
        } else if roll < 97 {
            if sim.online {
                let lose = dice.chance(15);
                for (client, seq, status) in sim.sync(lose).await {
                    answered.insert((client, seq), status);
                }
            }
        } else {
            // The manager hands one of this rep's customers to the other rep.
            let id = customers[dice.below(customers.len())];
            let others: Vec<&yingpan_shared::user::User> = reps.iter().filter(|r| r.id != *owner).collect();
            let to = others[dice.below(others.len())].id;
            let (status, body) = manager
                .post(&format!("/api/customers/{id}/owner"), &json!({"owner_id": to}))
                .await;
            // It may not have reached the server yet (created offline).
            assert!(status == 200 || status == 404, "{status} {body}");
        }
    }
    // Everyone comes online and syncs until nothing is left to say.
    for _ in 0..2 {
        for (_, sim) in sims.iter_mut() {
            sim.online = true;
            for (client, seq, status) in sim.sync(false).await {
                answered.insert((client, seq), status);
            }
        }
    }
    let unanswered: Vec<_> = made.iter().filter(|k| !answered.contains_key(k)).collect();
    assert!(
        unanswered.is_empty(),
        "{} mutations never answered, e.g. {:?}",
        unanswered.len(),
        unanswered.first()
    );
    let mut tally: BTreeMap<&str, usize> = BTreeMap::new();
    for status in answered.values() {
        *tally.entry(status.as_str()).or_default() += 1;
    }
    println!(
        "answers: {tally:?}; {issued} mutations in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    for (owner, sim) in &sims {
        let expected = server_view(&sim.api).await;
        let cached: BTreeMap<Key, FieldMap> = sim.cache.iter().map(|(k, v)| (*k, v.clone())).collect();
        let missing: Vec<_> = expected.keys().filter(|k| !cached.contains_key(k)).collect();
        let extra: Vec<_> = cached.keys().filter(|k| !expected.contains_key(k)).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "client of {owner}: missing {missing:?}, not allowed {extra:?}"
        );
        for (key, record) in &expected {
            assert_eq!(&cached[key], record, "client of {owner} differs on {key:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_offline_clients_converge_on_sqlite() {
    simulate(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_offline_clients_converge_on_postgres() {
    simulate(Backend::Postgres).await;
}
