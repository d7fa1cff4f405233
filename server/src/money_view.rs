//! The company's receivables in memory, for the money reports (aging,
//! forecast, concentration, a customer's drill-down).
//!
//! Reading every installment, receipt and allocation from `records` and
//! parsing their JSON for each report would take seconds at a real
//! company's size (100,000 installments, 300,000 receipts). Each server
//! keeps them instead, typed and grouped by customer, and before each
//! report reads only the changes after the position it holds (the change
//! stream's positions become visible in order; see `crate::store`), so
//! several servers on one database each stay exact without telling each
//! other anything. The first report after start reads everything once;
//! the server starts that read at start-up.
//!
//! The rules themselves are `yingpan_shared::money::{aging, forecast,
//! statement}`, the same the phone runs over a rep's own customers.

use crate::store::{MoneyChange, Store, StoreResult};
use chrono::NaiveDate;
use std::collections::HashMap;
use tokio::sync::RwLock;
use uuid::Uuid;
use yingpan_shared::access::{can_see, team_of, Viewer};
use yingpan_shared::entity::EntityKind;
use yingpan_shared::ids::UserId;
use yingpan_shared::money::aging::{age, behind, Boundaries, Facts};
use yingpan_shared::money::forecast::{forecast, MAX_MONTHS};
use yingpan_shared::money::receivable::{Allocation, Credit, Installment, Receipt};
use yingpan_shared::money::records::Contract;
use yingpan_shared::money::report::{AgingLine, AgingReport, CustomerAging, ForecastLine, ForecastReport, Whose};
use yingpan_shared::money::statement::statement;
use yingpan_shared::money::stats::{add, Stats};
use yingpan_shared::user::User;

/// Changes read per query while catching up.
const PAGE: u32 = 20_000;

/// One customer's money facts.
#[derive(Default)]
struct Book {
    installments: Vec<Installment>,
    /// Confirmed receipts only: the others settle nothing yet.
    receipts: Vec<Receipt>,
    allocations: Vec<Allocation>,
    credits: Vec<Credit>,
    contracts: Vec<Contract>,
}

impl Book {
    fn facts(&self) -> Facts<'_> {
        Facts {
            installments: &self.installments,
            receipts: &self.receipts,
            allocations: &self.allocations,
            credits: &self.credits,
        }
    }

    fn remove(&mut self, kind: EntityKind, id: Uuid) {
        match kind {
            EntityKind::Installment => self.installments.retain(|r| r.id != id),
            EntityKind::Receipt => self.receipts.retain(|r| r.id != id),
            EntityKind::Allocation => self.allocations.retain(|r| r.id != id),
            EntityKind::Credit => self.credits.retain(|r| r.id != id),
            EntityKind::Contract => self.contracts.retain(|r| r.id != id),
            _ => {}
        }
    }
}

#[derive(Default)]
struct Held {
    /// The change-stream position read up to.
    seq: i64,
    /// Customer id → name and owner (kept when archived: money is still
    /// owed).
    customers: HashMap<Uuid, (String, Option<UserId>)>,
    books: HashMap<Uuid, Book>,
    /// Where each money record is held: its customer.
    placed: HashMap<Uuid, Uuid>,
}

impl Held {
    fn apply(&mut self, change: MoneyChange) -> Result<(), String> {
        self.seq = self.seq.max(change.seq);
        if change.kind == EntityKind::Customer {
            #[derive(serde::Deserialize)]
            struct Named {
                #[serde(default)]
                name: String,
            }
            let name = serde_json::from_str::<Named>(&change.data)
                .map_err(|e| e.to_string())?
                .name;
            self.customers.insert(change.id, (name, change.owner_id));
            return Ok(());
        }
        if let Some(customer) = self.placed.remove(&change.id) {
            if let Some(book) = self.books.get_mut(&customer) {
                book.remove(change.kind, change.id);
            }
        }
        if change.deleted {
            return Ok(());
        }
        fn read<T: serde::de::DeserializeOwned>(data: &str) -> Result<T, String> {
            serde_json::from_str(data).map_err(|e| e.to_string())
        }
        let customer = match change.kind {
            EntityKind::Installment => {
                let i: Installment = read(&change.data)?;
                let customer = i.customer_id;
                self.books.entry(customer).or_default().installments.push(i);
                customer
            }
            EntityKind::Receipt => {
                let r: Receipt = read(&change.data)?;
                if !r.confirmed {
                    return Ok(());
                }
                let customer = r.customer_id;
                self.books.entry(customer).or_default().receipts.push(r);
                customer
            }
            EntityKind::Allocation => {
                let a: Allocation = read(&change.data)?;
                let customer = a.customer_id;
                self.books.entry(customer).or_default().allocations.push(a);
                customer
            }
            EntityKind::Credit => {
                let c: Credit = read(&change.data)?;
                let customer = c.customer_id;
                self.books.entry(customer).or_default().credits.push(c);
                customer
            }
            EntityKind::Contract => {
                let c: Contract = read(&change.data)?;
                let customer = c.customer_id;
                self.books.entry(customer).or_default().contracts.push(c);
                customer
            }
            _ => return Ok(()),
        };
        self.placed.insert(change.id, customer);
        Ok(())
    }

    fn whose(&self, customer: Uuid, users: &[User]) -> Whose {
        let (name, owner) = self.customers.get(&customer).cloned().unwrap_or_default();
        Whose {
            customer_id: customer,
            name,
            owner_id: owner,
            team_id: owner.and_then(|o| team_of(users, o)),
        }
    }

    /// The books of the customers `viewer` sees, with whose they are.
    fn visible<'a>(&'a self, asker: &'a Asker<'a>) -> impl Iterator<Item = (Whose, &'a Book)> + 'a {
        self.books.iter().filter_map(move |(customer, book)| {
            // Money of a customer not read (yet) is nobody's to see.
            self.customers.get(customer)?;
            let whose = self.whose(*customer, asker.users);
            can_see(&asker.viewer, whose.owner_id, whose.team_id).then_some((whose, book))
        })
    }
}

/// Who asks for a report, and the users (whose customers are whose).
pub struct Asker<'a> {
    pub viewer: Viewer,
    pub users: &'a [User],
}

/// The receivables held in memory; see the module docs.
#[derive(Default)]
pub struct MoneyView {
    held: RwLock<Held>,
}

impl MoneyView {
    /// Reads the changes since the position held, then lends what is held.
    /// With nothing new (the usual case) reports share the view; only
    /// catching up takes it alone.
    async fn current(&self, store: &dyn Store) -> StoreResult<tokio::sync::RwLockReadGuard<'_, Held>> {
        let seen = self.held.read().await.seq;
        let mut changes = store.money_changes(seen, PAGE).await?;
        if changes.is_empty() {
            return Ok(self.held.read().await);
        }
        let mut held = self.held.write().await;
        loop {
            let full = changes.len() == PAGE as usize;
            for change in changes {
                // Another report may have caught up with these meanwhile.
                if change.seq <= held.seq {
                    continue;
                }
                let (kind, id) = (change.kind, change.id);
                // Records are checked when written; one that does not read
                // was changed by hand. The reports go on without it, and
                // the log says which.
                if let Err(e) = held.apply(change) {
                    tracing::error!(%kind, %id, "a stored money record does not read, left out of the reports: {e}");
                }
            }
            if !full {
                break;
            }
            changes = store.money_changes(held.seq, PAGE).await?;
        }
        Ok(held.downgrade())
    }

    /// Reads everything once, so the first report is as quick as the next.
    pub async fn warm(&self, store: &dyn Store) -> StoreResult<()> {
        self.current(store).await.map(drop)
    }

    /// The aging of every customer `viewer` sees, as of `as_of`.
    pub async fn aging(
        &self,
        store: &dyn Store,
        asker: &Asker<'_>,
        as_of: NaiveDate,
        boundaries: Boundaries,
    ) -> StoreResult<AgingReport> {
        let held = self.current(store).await?;
        let lines = held
            .visible(asker)
            .flat_map(|(whose, book)| {
                age(&book.facts(), as_of, &boundaries)
                    .into_iter()
                    .map(move |row| AgingLine {
                        whose: whose.clone(),
                        row,
                    })
            })
            .collect();
        Ok(AgingReport::of(as_of, boundaries, lines))
    }

    /// The forecast of every customer `viewer` sees, for `months` months
    /// from `as_of`.
    pub async fn forecast(
        &self,
        store: &dyn Store,
        asker: &Asker<'_>,
        as_of: NaiveDate,
        months: u32,
    ) -> StoreResult<ForecastReport> {
        let months = months.clamp(1, MAX_MONTHS);
        let held = self.current(store).await?;
        let mut starts = Vec::new();
        let mut lines = Vec::new();
        for (whose, book) in held.visible(asker) {
            let table = forecast(&book.facts(), &book.contracts, as_of, months);
            starts = table.months;
            lines.extend(table.rows.into_iter().map(|row| ForecastLine {
                whose: whose.clone(),
                row,
            }));
        }
        if starts.is_empty() {
            starts = forecast(&Book::default().facts(), &[], as_of, months).months;
        }
        Ok(ForecastReport::of(as_of, starts, lines))
    }

    /// The year's money statistics over every customer the asker sees.
    pub async fn stats(&self, store: &dyn Store, asker: &Asker<'_>, year: i32) -> StoreResult<Stats> {
        let held = self.current(store).await?;
        let mut stats = Stats {
            year,
            ..Stats::default()
        };
        for (whose, book) in held.visible(asker) {
            add(&mut stats, &book.facts(), whose.owner_id.map(|o| o.0));
        }
        if stats.months.is_empty() {
            stats.months = vec![Default::default(); 12];
        }
        Ok(stats)
    }

    /// One customer's aging opened up, if `viewer` sees it.
    pub async fn customer(
        &self,
        store: &dyn Store,
        asker: &Asker<'_>,
        customer: Uuid,
        as_of: NaiveDate,
        boundaries: Boundaries,
        months: u32,
    ) -> StoreResult<Option<CustomerAging>> {
        let held = self.current(store).await?;
        let whose = held.whose(customer, asker.users);
        if !held.customers.contains_key(&customer) || !can_see(&asker.viewer, whose.owner_id, whose.team_id) {
            return Ok(None);
        }
        let empty = Book::default();
        let book = held.books.get(&customer).unwrap_or(&empty);
        let facts = book.facts();
        Ok(Some(CustomerAging {
            statement: statement(&facts, &book.contracts, customer, as_of, months.clamp(1, MAX_MONTHS)),
            behind: behind(&facts, as_of, &boundaries),
            boundaries,
            whose,
        }))
    }
}
