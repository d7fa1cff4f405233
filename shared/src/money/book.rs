//! What a pushed money record does beyond itself, decided against the
//! customer's whole book (every money record of theirs, read by the server
//! under the write lock):
//! - a revised quote supersedes the one it replaces;
//! - a contract made from a quote needs that quote accepted; a signed
//!   contract's lines and terms are fixed, and signing it makes its
//!   receivable plan;
//! - a delivery is checked against what is left on the contract's lines,
//!   and the one that completes the contract fixes the due dates of the
//!   installments due after delivery;
//! - a confirmed receipt is allocated to the open installments, oldest due
//!   first; an allocation by hand, a reversal, a refund or a credit note is
//!   checked against the ledger, so nothing is ever over-settled;
//! - whether the customer still has an open contract (the pool waits).
//!
//! The server carries the answer out; the app shows the same rules'
//! figures from its cache.

use super::document::{check_delivery, fully_delivered, may_move, may_revise, quote_status, QuoteStatus};
use super::dunning::{letter_due, Actor, Letter, Level};
use super::receivable::{reversal, Allocation, Credit, Credited, Installment, Ledger, Receipt};
use super::records::{Contract, ContractStatus, Delivery, Quote};
use super::terms::{due_date, expand, DateBasis, MAX_FEN};
use crate::entity::{EntityKind, FieldMap};
use crate::ids::UserId;
use crate::user::Role;
use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

/// One customer's money records.
#[derive(Clone, Debug, Default)]
pub struct Book {
    pub quotes: Vec<Quote>,
    pub contracts: Vec<Contract>,
    pub deliveries: Vec<Delivery>,
    pub installments: Vec<Installment>,
    pub receipts: Vec<Receipt>,
    pub allocations: Vec<Allocation>,
    pub credits: Vec<Credit>,
    pub letters: Vec<Letter>,
}

fn read<T: DeserializeOwned>(data: &FieldMap) -> Option<T> {
    serde_json::from_value(Value::Object(data.clone())).ok()
}

fn write<T: Serialize>(record: &T) -> FieldMap {
    match serde_json::to_value(record) {
        Ok(Value::Object(map)) => map,
        _ => FieldMap::new(),
    }
}

impl Book {
    /// The book from stored records (deleted ones left out by the caller);
    /// a record that does not read as its kind is left out.
    pub fn of<'a>(records: impl IntoIterator<Item = (EntityKind, &'a FieldMap)>) -> Book {
        let mut book = Book::default();
        for (kind, data) in records {
            match kind {
                EntityKind::Quote => book.quotes.extend(read(data)),
                EntityKind::Contract => book.contracts.extend(read(data)),
                EntityKind::Delivery => book.deliveries.extend(read(data)),
                EntityKind::Installment => book.installments.extend(read(data)),
                EntityKind::Receipt => book.receipts.extend(read(data)),
                EntityKind::Allocation => book.allocations.extend(read(data)),
                EntityKind::Credit => book.credits.extend(read(data)),
                EntityKind::Dunning => book.letters.extend(read(data)),
                _ => {}
            }
        }
        book
    }

    /// Receipts that count: those finance confirmed.
    pub fn confirmed(&self) -> impl Iterator<Item = &Receipt> {
        self.receipts.iter().filter(|r| r.confirmed)
    }

    /// Calls `f` with the book's facts as aging, forecasts and statements
    /// read them: confirmed receipts only.
    pub fn with_facts<R>(&self, f: impl FnOnce(&super::aging::Facts<'_>) -> R) -> R {
        let receipts: Vec<Receipt> = self.confirmed().cloned().collect();
        f(&super::aging::Facts {
            installments: &self.installments,
            receipts: &receipts,
            allocations: &self.allocations,
            credits: &self.credits,
        })
    }

    /// The customer's ledger (unconfirmed receipts count for nothing).
    pub fn ledger(&self) -> Ledger<'_> {
        Ledger::new(&self.installments, &self.receipts, &self.allocations, &self.credits)
    }

    /// Whether any contract but `except` is still open.
    fn other_open_contract(&self, except: Uuid) -> bool {
        self.contracts.iter().any(|c| c.id != except && c.status.is_open())
    }

    fn delivered(&self, contract: Uuid) -> Vec<(Uuid, super::document::Quantity)> {
        self.deliveries
            .iter()
            .filter(|d| d.contract_id == contract)
            .flat_map(Delivery::quantities)
            .collect()
    }
}

/// A write the server makes because of another.
#[derive(Clone, Debug, PartialEq)]
pub enum Follow {
    /// Writes (creates or replaces) a money record of the same customer.
    Write {
        entity: EntityKind,
        id: Uuid,
        data: FieldMap,
    },
    /// Whether the customer has an open contract now.
    OpenContract(bool),
}

impl Follow {
    fn of<T: Serialize>(entity: EntityKind, id: Uuid, record: &T) -> Follow {
        Follow::Write {
            entity,
            id,
            data: write(record),
        }
    }
}

/// A pushed money write, as decided by the sync rules.
pub struct MoneyWrite<'a> {
    pub role: Role,
    pub by: UserId,
    pub entity: EntityKind,
    /// The record before (none: created now).
    pub before: Option<&'a FieldMap>,
    /// The record written; the rules may set what the server decides
    /// (who recorded it, whether a receipt is confirmed, an allocation's
    /// date and amount).
    pub after: &'a mut FieldMap,
    pub deleted: bool,
    pub today: NaiveDate,
    /// The company has reps submit contracts for approval.
    pub approval: bool,
    /// The company's dunning levels.
    pub levels: &'a [Level],
}

fn refuse<T>(why: impl Into<String>) -> Result<T, String> {
    Err(why.into())
}

/// What `w` does beyond itself, or why it is refused. `new_id` names the
/// records the server makes.
pub fn follow(book: &Book, w: MoneyWrite<'_>, new_id: &mut dyn FnMut() -> Uuid) -> Result<Vec<Follow>, String> {
    match w.entity {
        EntityKind::Quote => quote(book, &w),
        EntityKind::Contract => contract(book, &w, new_id),
        EntityKind::Delivery => delivery(book, &w),
        EntityKind::Installment => installment(book, &w),
        EntityKind::Receipt => receipt(book, w, new_id),
        EntityKind::Allocation => allocation(book, w),
        EntityKind::Credit => credit(book, &w),
        EntityKind::Dunning => dunning(book, w),
        _ => Ok(Vec::new()),
    }
}

fn typed<T: DeserializeOwned>(data: &FieldMap) -> Result<T, String> {
    read(data).ok_or_else(|| "this record does not read as it should".to_owned())
}

fn quote(book: &Book, w: &MoneyWrite<'_>) -> Result<Vec<Follow>, String> {
    let after: Quote = typed(w.after)?;
    let Some(before) = w.before.map(typed::<Quote>).transpose()? else {
        if !matches!(after.status, QuoteStatus::Draft | QuoteStatus::Sent) {
            return refuse("a new quote is a draft or sent");
        }
        let Some(old_id) = after.supersedes else {
            return Ok(Vec::new());
        };
        let Some(old) = book.quotes.iter().find(|q| q.id == old_id) else {
            return refuse("the quote this revises does not exist at this customer");
        };
        may_revise(quote_status(old.status, old.valid_until, w.today))?;
        let mut replaced = old.clone();
        replaced.status = QuoteStatus::Superseded;
        if after.version != old.version + 1 {
            return refuse(format!(
                "a revision of version {} is version {}",
                old.version,
                old.version + 1
            ));
        }
        return Ok(vec![Follow::of(EntityKind::Quote, old.id, &replaced)]);
    };
    if w.deleted {
        return match before.status {
            QuoteStatus::Draft => Ok(Vec::new()),
            _ => refuse("only a draft quote can be deleted; a sent quote is kept as history"),
        };
    }
    let now = quote_status(before.status, before.valid_until, w.today);
    let edited = before.lines != after.lines
        || before.currency != after.currency
        || before.valid_until != after.valid_until
        || before.date != after.date
        || before.terms != after.terms
        || before.supersedes != after.supersedes
        || before.version != after.version;
    if edited && before.status != QuoteStatus::Draft {
        return refuse("a sent quote is not edited: revise it into a new version");
    }
    if after.status != before.status {
        may_move(now, after.status)?;
    }
    Ok(Vec::new())
}

/// Whether `role` may move a contract from `from` to `to`. With approval
/// on, a rep submits and a manager or finance signs; cancelling a signed
/// contract is theirs either way.
fn may_become(role: Role, approval: bool, from: ContractStatus, to: ContractStatus) -> Result<(), String> {
    use ContractStatus::*;
    let senior = matches!(role, Role::Manager | Role::Finance | Role::Admin);
    match (from, to) {
        _ if from == to => Ok(()),
        (Draft | Submitted, Active) if approval && !senior => {
            Err("this company approves contracts: submit it, and a manager or finance signs it".into())
        }
        (Active, Cancelled) if !senior => Err("only a manager or finance cancels a signed contract".into()),
        (Draft, Submitted | Active | Cancelled) | (Submitted, Draft | Active | Cancelled) => Ok(()),
        (Active, Completed | Cancelled) => Ok(()),
        (from, to) => Err(format!("a {from:?} contract cannot become {to:?}").to_lowercase()),
    }
}

/// Whether a contract is delivered in full and nothing on its plan is
/// still owed: only then is it completed.
fn finished(book: &Book, contract: &Contract) -> bool {
    let ledger = book.ledger();
    fully_delivered(&contract.ordered(), &book.delivered(contract.id))
        && book
            .installments
            .iter()
            .filter(|i| i.contract_id == Some(contract.id) && !i.written_off)
            .all(|i| ledger.outstanding(i) <= 0)
}

fn contract(book: &Book, w: &MoneyWrite<'_>, new_id: &mut dyn FnMut() -> Uuid) -> Result<Vec<Follow>, String> {
    let after: Contract = typed(w.after)?;
    let before = w.before.map(typed::<Contract>).transpose()?;
    let from = before.as_ref().map_or(ContractStatus::Draft, |b| b.status);
    if let Some(before) = &before {
        if w.deleted && before.status != ContractStatus::Draft {
            return refuse("only a draft contract can be deleted; cancel a signed one");
        }
        // The planned delivery dates stay open: they move as the
        // customer's schedule does, and forecasts read them.
        let unplanned = |c: &Contract| {
            c.lines
                .iter()
                .map(|l| super::document::Line {
                    planned_delivery: None,
                    ..l.clone()
                })
                .collect::<Vec<_>>()
        };
        let changed = unplanned(before) != unplanned(&after)
            || before.currency != after.currency
            || before.terms != after.terms
            || before.signed_on != after.signed_on
            || before.allow_over_delivery != after.allow_over_delivery;
        if before.status.is_signed() && changed {
            return refuse("a signed contract's lines, amount and terms are fixed; change its receivable plan instead");
        }
        // Finance approves: it changes a contract's status (and signing
        // date), nothing a rep wrote.
        let mut as_approved = before.clone();
        (as_approved.status, as_approved.signed_on) = (after.status, after.signed_on);
        if w.role == Role::Finance && as_approved != after {
            return refuse("finance approves or cancels a contract; its owner changes the rest");
        }
    } else if !matches!(
        after.status,
        ContractStatus::Draft | ContractStatus::Submitted | ContractStatus::Active
    ) {
        return refuse("a new contract is a draft, submitted or signed");
    }
    may_become(w.role, w.approval, from, after.status)?;
    if from == ContractStatus::Active && after.status == ContractStatus::Completed && !finished(book, &after) {
        return refuse("a contract is completed once delivered in full and paid; cancel it otherwise");
    }
    if let Some(quote_id) = after
        .quote_id
        .filter(|q| before.as_ref().is_none_or(|b| b.quote_id != Some(*q)))
    {
        match book.quotes.iter().find(|q| q.id == quote_id) {
            Some(q) if quote_status(q.status, q.valid_until, w.today) == QuoteStatus::Accepted => {}
            Some(_) => return refuse("a contract is made from an accepted quote; this one is not accepted"),
            None => return refuse("the quote of this contract does not exist at this customer"),
        }
    }
    let mut follows = Vec::new();
    let planned = book.installments.iter().any(|i| i.contract_id == Some(after.id));
    if after.status == ContractStatus::Active && !planned && !w.deleted {
        let totals = super::document::totals(&after.lines).map_err(|e| e.to_string())?;
        let plan = expand(&after.terms, totals.amount).map_err(|e| e.to_string())?;
        for (n, p) in plan.into_iter().enumerate() {
            let id = new_id();
            let installment = Installment {
                id,
                customer_id: after.customer_id,
                currency: after.currency,
                fen: p.fen,
                due: match p.basis {
                    DateBasis::Contract => after.signed_on.and_then(|d| due_date(d, p.offset)),
                    _ => None,
                },
                written_off: false,
                contract_id: Some(after.id),
                number: u16::try_from(n + 1).unwrap_or(u16::MAX),
                basis: Some(p.basis),
                offset: Some(p.offset),
                remind_days: 3,
                expected: None,
            };
            follows.push(Follow::of(EntityKind::Installment, id, &installment));
        }
    }
    let open = !w.deleted && after.status.is_open();
    follows.push(Follow::OpenContract(open || book.other_open_contract(after.id)));
    Ok(follows)
}

fn delivery(book: &Book, w: &MoneyWrite<'_>) -> Result<Vec<Follow>, String> {
    let delivery: Delivery = typed(w.after)?;
    let Some(contract) = book.contracts.iter().find(|c| c.id == delivery.contract_id) else {
        return refuse("the contract of this delivery does not exist at this customer");
    };
    if contract.status != ContractStatus::Active {
        return refuse("deliveries are made against a signed contract that is not completed or cancelled");
    }
    let ordered = contract.ordered();
    let mut delivered = book.delivered(contract.id);
    check_delivery(
        &ordered,
        &delivered,
        &delivery.quantities(),
        contract.allow_over_delivery,
    )
    .map_err(|e| e.to_string())?;
    let was_complete = fully_delivered(&ordered, &delivered);
    delivered.extend(delivery.quantities());
    if was_complete || !fully_delivered(&ordered, &delivered) {
        return Ok(Vec::new());
    }
    Ok(book
        .installments
        .iter()
        .filter(|i| i.contract_id == Some(contract.id) && i.basis == Some(DateBasis::Delivery) && i.due.is_none())
        .map(|i| {
            let mut dated = i.clone();
            dated.due = i.offset.and_then(|o| due_date(delivery.date, o));
            Follow::of(EntityKind::Installment, i.id, &dated)
        })
        .collect())
}

fn installment(book: &Book, w: &MoneyWrite<'_>) -> Result<Vec<Follow>, String> {
    let after: Installment = typed(w.after)?;
    if w.deleted {
        return refuse("an installment is never deleted; write it off instead");
    }
    if !(1..=MAX_FEN).contains(&after.fen) {
        return refuse("an installment's amount must be between one fen and ¥10 trillion");
    }
    let ledger = book.ledger();
    match book.installments.iter().find(|i| i.id == after.id) {
        // A contract's plan adds up to its amount: its installments' amounts
        // stay (a credit note lowers what is owed).
        Some(before) if before.contract_id.is_some() && before.fen != after.fen => {
            refuse("a contract's installments add up to its amount; record a credit note to owe less")
        }
        Some(before) => {
            let taken = before.fen - ledger.outstanding(before);
            if after.fen < taken {
                return refuse(format!(
                    "{taken} fen of this installment are already received or credited; it cannot be less"
                ));
            }
            Ok(Vec::new())
        }
        // Made by hand: a receivable of its own (a service fee, say), not
        // part of a contract's plan, which signing makes.
        None if after.contract_id.is_some() => {
            refuse("a contract's plan is made when it is signed; add a receivable without a contract")
        }
        None => Ok(Vec::new()),
    }
}

fn receipt(book: &Book, w: MoneyWrite<'_>, new_id: &mut dyn FnMut() -> Uuid) -> Result<Vec<Follow>, String> {
    let mut after: Receipt = typed(w.after)?;
    let before = w.before.map(typed::<Receipt>).transpose()?;
    if !(1..=MAX_FEN).contains(&after.fen) {
        return refuse("a receipt's amount must be between one fen and ¥10 trillion");
    }
    match &before {
        None => {
            after.by = Some(w.by);
            // A rep's or a manager's receipt waits for finance.
            if !matches!(w.role, Role::Finance | Role::Admin) {
                after.confirmed = false;
            }
        }
        Some(b) if b.confirmed => {
            if w.deleted || !after.confirmed || (b.fen, b.currency, b.date) != (after.fen, after.currency, after.date) {
                return refuse("a confirmed receipt is fixed; undo its allocations and record a refund instead");
            }
        }
        Some(_) => {}
    }
    *w.after = write(&after);
    if w.deleted || !after.confirmed || before.as_ref().is_some_and(|b| b.confirmed) {
        return Ok(Vec::new());
    }
    let mut receipts = book.receipts.clone();
    receipts.retain(|r| r.id != after.id);
    receipts.push(after.clone());
    let ledger = Ledger::new(&book.installments, &receipts, &book.allocations, &book.credits);
    Ok(ledger
        .oldest_first(&after)
        .into_iter()
        .map(|(installment_id, fen)| {
            let id = new_id();
            let allocation = Allocation {
                id,
                customer_id: after.customer_id,
                receipt_id: after.id,
                installment_id,
                fen,
                date: after.date,
                reverses: None,
            };
            Follow::of(EntityKind::Allocation, id, &allocation)
        })
        .collect())
}

fn allocation(book: &Book, w: MoneyWrite<'_>) -> Result<Vec<Follow>, String> {
    let asked: Allocation = typed(w.after)?;
    let ledger = book.ledger();
    let row = match asked.reverses {
        Some(undone) => reversal(
            ledger.may_reverse(undone).map_err(|e| e.to_string())?,
            asked.id,
            w.today,
        ),
        None => {
            ledger
                .check(asked.receipt_id, &[(asked.installment_id, asked.fen)])
                .map_err(|e| e.to_string())?;
            Allocation { date: w.today, ..asked }
        }
    };
    *w.after = write(&row);
    Ok(Vec::new())
}

fn credit(book: &Book, w: &MoneyWrite<'_>) -> Result<Vec<Follow>, String> {
    let credit: Credit = typed(w.after)?;
    if credit.reason.trim().is_empty() {
        return refuse("give the reason for a refund or a credit note");
    }
    let ledger = book.ledger();
    match credit.against {
        Credited::Receipt(id) => ledger.check_refund(id, credit.fen),
        Credited::Installment(id) => ledger.check_credit_note(id, credit.fen),
    }
    .map_err(|e| e.to_string())?;
    Ok(Vec::new())
}

/// The longest a dunning letter may be held back at a time.
const MAX_POSTPONE_DAYS: i64 = 90;

/// A dunning letter: the server decides its level, what it lists and its
/// date; afterwards only its postponement (with a reason) changes, and it
/// is never deleted.
fn dunning(book: &Book, w: MoneyWrite<'_>) -> Result<Vec<Follow>, String> {
    if w.deleted {
        return refuse("a dunning letter is kept for the record; postpone it instead");
    }
    let mut letter: Letter = typed(w.after)?;
    if w.before.is_none() {
        let ledger = book.ledger();
        let others: Vec<Letter> = book.letters.iter().filter(|l| l.id != letter.id).cloned().collect();
        let owed = |i: &Installment| ledger.outstanding(i);
        let Some((level, listed)) = letter_due(w.levels, &others, &book.installments, &owed, w.today) else {
            return refuse("no dunning letter is due for this customer now");
        };
        let acts = w.levels.get(level).map_or(Actor::Rep, |l| l.actor);
        if !acts.may(w.role) {
            return refuse("this dunning level is sent by someone else: the manager or finance");
        }
        letter = Letter {
            level,
            installments: listed,
            date: w.today,
            by: Some(w.by),
            postponed_until: None,
            reason: String::new(),
            ..letter
        };
    }
    letter.reason = letter.reason.trim().to_owned();
    if letter.reason.chars().count() > 500 {
        return refuse("a reason is at most 500 characters");
    }
    if letter.installments.len() > super::dunning::MAX_LISTED {
        return refuse("a dunning letter lists at most 1000 installments");
    }
    if let Some(until) = letter.postponed_until {
        if letter.reason.is_empty() {
            return refuse("give the reason for postponing a dunning letter");
        }
        if until < w.today || (until - w.today).num_days() > MAX_POSTPONE_DAYS {
            return refuse("a dunning letter is postponed by at most 90 days from today");
        }
    }
    *w.after = write(&letter);
    Ok(Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::document::{Line, Quantity};
    use crate::money::terms::{Offset, Share, TermLine};
    use crate::money::Currency;

    const CUSTOMER: Uuid = Uuid::from_u128(1);

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
    }

    fn ids() -> impl FnMut() -> Uuid {
        let mut n = 100;
        move || {
            n += 1;
            Uuid::from_u128(n)
        }
    }

    /// Runs `follow` for `role` writing `after` over `before`, and returns
    /// what it decided with the record as the server would store it.
    fn run<T: Serialize + DeserializeOwned>(
        book: &Book,
        role: Role,
        entity: EntityKind,
        before: Option<&T>,
        after: &T,
    ) -> (Result<Vec<Follow>, String>, T) {
        run_with(book, role, false, entity, before, after)
    }

    fn run_with<T: Serialize + DeserializeOwned>(
        book: &Book,
        role: Role,
        approval: bool,
        entity: EntityKind,
        before: Option<&T>,
        after: &T,
    ) -> (Result<Vec<Follow>, String>, T) {
        let before = before.map(write);
        let mut after = write(after);
        let result = follow(
            book,
            MoneyWrite {
                role,
                by: UserId(Uuid::from_u128(9)),
                entity,
                before: before.as_ref(),
                after: &mut after,
                deleted: false,
                today: day(10),
                approval,
                levels: &crate::money::dunning::default_levels(),
            },
            &mut ids(),
        );
        (result, read(&after).unwrap())
    }

    fn written<T: DeserializeOwned>(follows: &[Follow], kind: EntityKind) -> Vec<T> {
        follows
            .iter()
            .filter_map(|f| match f {
                Follow::Write { entity, data, .. } if *entity == kind => read(data),
                _ => None,
            })
            .collect()
    }

    fn contract(status: ContractStatus, terms: Vec<TermLine>) -> Contract {
        Contract {
            id: Uuid::from_u128(50),
            customer_id: CUSTOMER,
            number: String::new(),
            title: "年度供货".into(),
            quote_id: None,
            status,
            currency: Currency::CNY,
            lines: vec![Line {
                id: Some(Uuid::from_u128(51)),
                description: "液压阀".into(),
                quantity: Quantity(3_000),
                unit_fen: 1_000_000,
                ..Line::default()
            }],
            signed_on: Some(day(1)),
            terms,
            allow_over_delivery: false,
            notes: String::new(),
        }
    }

    fn thirds() -> Vec<TermLine> {
        let third = |basis, offset| TermLine {
            share: Share::Percent { basis_points: 3333 },
            basis,
            offset,
        };
        vec![
            third(DateBasis::Contract, Offset::Days { days: 0 }),
            third(DateBasis::Delivery, Offset::Days { days: 30 }),
            TermLine {
                share: Share::Balance,
                basis: DateBasis::Acceptance,
                offset: Offset::EndOfMonth { months: 1 },
            },
        ]
    }

    /// A book holding the signed contract and its plan.
    fn signed_book() -> Book {
        let signed = contract(ContractStatus::Active, thirds());
        let (follows, _) = run(&Book::default(), Role::Rep, EntityKind::Contract, None, &signed);
        Book {
            installments: written(&follows.unwrap(), EntityKind::Installment),
            contracts: vec![signed],
            ..Book::default()
        }
    }

    fn receipt(n: u128, fen: i64, confirmed: bool) -> Receipt {
        Receipt {
            id: Uuid::from_u128(n),
            customer_id: CUSTOMER,
            fen,
            date: day(5),
            confirmed,
            ..Receipt::default()
        }
    }

    #[test]
    fn the_server_decides_a_dunning_letters_level_and_items_and_keeps_it() {
        let overdue = Installment {
            id: Uuid::from_u128(50),
            customer_id: CUSTOMER,
            fen: 100_000,
            due: Some(day(1)),
            ..Installment::default()
        };
        let book = Book {
            installments: vec![overdue.clone()],
            ..Book::default()
        };
        // A forged level and list are replaced by what the rules decide.
        let forged = Letter {
            id: Uuid::from_u128(60),
            customer_id: CUSTOMER,
            level: 3,
            installments: vec![],
            date: day(1),
            postponed_until: None,
            reason: String::new(),
            by: None,
        };
        let (result, stored) = run(&book, Role::Rep, EntityKind::Dunning, None, &forged);
        assert_eq!(result, Ok(vec![]));
        assert_eq!(
            (stored.level, stored.installments.clone(), stored.date),
            (0, vec![overdue.id], day(10))
        );
        assert_eq!(stored.by, Some(UserId(Uuid::from_u128(9))));
        // The next letter is the next level; with it open, none is due after.
        let book = Book {
            letters: vec![stored.clone()],
            ..book
        };
        let second = Letter {
            id: Uuid::from_u128(61),
            ..forged.clone()
        };
        let (_, next) = run(&book, Role::Rep, EntityKind::Dunning, None, &second);
        assert_eq!(next.level, 1);
        let paid_up = Book {
            installments: vec![],
            ..book.clone()
        };
        assert!(run(&paid_up, Role::Rep, EntityKind::Dunning, None, &second)
            .0
            .unwrap_err()
            .contains("no dunning letter"));
        // Postponing needs a reason.
        let postponed = Letter {
            postponed_until: Some(day(20)),
            ..stored.clone()
        };
        let (result, _) = run(&book, Role::Rep, EntityKind::Dunning, Some(&stored), &postponed);
        assert!(result.unwrap_err().contains("reason"));
        // Not for ever: at most 90 days.
        let for_ever = Letter {
            postponed_until: NaiveDate::from_ymd_opt(9999, 12, 31),
            reason: "x".into(),
            ..stored.clone()
        };
        let (result, _) = run(&book, Role::Rep, EntityKind::Dunning, Some(&stored), &for_ever);
        assert!(result.unwrap_err().contains("90 days"));
    }

    #[test]
    fn signing_a_contract_makes_its_plan_to_the_fen() {
        let book = signed_book();
        let plan = &book.installments;
        assert_eq!(
            plan.iter().map(|i| i.fen).collect::<Vec<_>>(),
            [999_900, 999_900, 1_000_200]
        );
        assert_eq!(plan.iter().map(|i| i.fen).sum::<i64>(), 3_000_000);
        assert_eq!(plan[0].due, Some(day(1)), "due on the contract's date");
        assert_eq!(
            (plan[1].due, plan[2].due),
            (None, None),
            "waiting for delivery and acceptance"
        );
        assert_eq!(plan.iter().map(|i| i.number).collect::<Vec<_>>(), [1, 2, 3]);
    }

    #[test]
    fn signing_needs_terms_that_fit_the_amount() {
        let unplanned = contract(ContractStatus::Active, Vec::new());
        let (result, _) = run(&Book::default(), Role::Rep, EntityKind::Contract, None, &unplanned);
        assert_eq!(result.unwrap_err(), "payment terms need at least one installment");
    }

    #[test]
    fn a_draft_makes_no_plan_and_signing_twice_makes_one() {
        let draft = contract(ContractStatus::Draft, thirds());
        let (follows, _) = run(&Book::default(), Role::Rep, EntityKind::Contract, None, &draft);
        assert_eq!(
            follows.unwrap(),
            [Follow::OpenContract(false)],
            "a draft keeps no one from the pool"
        );
        let book = signed_book();
        let signed = &book.contracts[0];
        let mut renamed = signed.clone();
        renamed.title = "年度供货（二期）".into();
        let (follows, _) = run(&book, Role::Rep, EntityKind::Contract, Some(signed), &renamed);
        assert!(written::<Installment>(&follows.unwrap(), EntityKind::Installment).is_empty());
    }

    #[test]
    fn with_approval_a_rep_submits_and_a_manager_or_finance_signs() {
        let signed = contract(ContractStatus::Active, thirds());
        let (refused, _) = run_with(&Book::default(), Role::Rep, true, EntityKind::Contract, None, &signed);
        assert!(refused.unwrap_err().contains("approves"));
        let submitted = Contract {
            status: ContractStatus::Submitted,
            ..signed.clone()
        };
        let (ok, _) = run_with(
            &Book::default(),
            Role::Rep,
            true,
            EntityKind::Contract,
            None,
            &submitted,
        );
        assert_eq!(
            ok.unwrap(),
            [Follow::OpenContract(false)],
            "nothing owed, nothing held yet"
        );
        let book = Book {
            contracts: vec![submitted.clone()],
            ..Book::default()
        };
        let (approved, _) = run_with(
            &book,
            Role::Finance,
            true,
            EntityKind::Contract,
            Some(&submitted),
            &signed,
        );
        let plan: Vec<Installment> = written(&approved.unwrap(), EntityKind::Installment);
        assert_eq!(plan.len(), 3, "signing made the plan");
        let mut retitled = signed.clone();
        retitled.title = "改个名".into();
        let (meddling, _) = run_with(
            &book,
            Role::Finance,
            true,
            EntityKind::Contract,
            Some(&submitted),
            &retitled,
        );
        assert!(meddling.unwrap_err().contains("finance approves"));
    }

    #[test]
    fn a_signed_contract_is_cancelled_by_a_manager_and_completed_only_when_done() {
        let book = signed_book();
        let signed = &book.contracts[0];
        let cancelled = Contract {
            status: ContractStatus::Cancelled,
            ..signed.clone()
        };
        let (rep, _) = run(&book, Role::Rep, EntityKind::Contract, Some(signed), &cancelled);
        assert!(rep.unwrap_err().contains("manager"));
        let (manager, _) = run(&book, Role::Manager, EntityKind::Contract, Some(signed), &cancelled);
        assert_eq!(manager.unwrap(), [Follow::OpenContract(false)]);
        let completed = Contract {
            status: ContractStatus::Completed,
            ..signed.clone()
        };
        let (early, _) = run(&book, Role::Rep, EntityKind::Contract, Some(signed), &completed);
        assert!(early.unwrap_err().contains("delivered in full and paid"));
        let mut over = signed.clone();
        over.allow_over_delivery = true;
        let (loosened, _) = run(&book, Role::Rep, EntityKind::Contract, Some(signed), &over);
        assert!(loosened.unwrap_err().contains("fixed"));
    }

    #[test]
    fn a_contracts_plan_keeps_its_amounts_and_hand_receivables_stand_alone() {
        let book = signed_book();
        let first = book.installments[0].clone();
        let smaller = Installment {
            fen: 1,
            ..first.clone()
        };
        let (cut, _) = run(&book, Role::Finance, EntityKind::Installment, Some(&first), &smaller);
        assert!(cut.unwrap_err().contains("credit note"));
        let dated = Installment {
            due: Some(day(20)),
            ..first.clone()
        };
        assert!(run(&book, Role::Finance, EntityKind::Installment, Some(&first), &dated)
            .0
            .is_ok());
        let extra = Installment {
            id: Uuid::from_u128(77),
            number: 4,
            ..first.clone()
        };
        let (sneaked, _) = run(&book, Role::Finance, EntityKind::Installment, None, &extra);
        assert!(sneaked.unwrap_err().contains("signed"));
        let fee = Installment {
            contract_id: None,
            ..extra
        };
        assert!(run(&book, Role::Finance, EntityKind::Installment, None, &fee).0.is_ok());
    }

    #[test]
    fn a_signed_contracts_lines_are_fixed() {
        let book = signed_book();
        let signed = &book.contracts[0];
        let mut cheaper = signed.clone();
        cheaper.lines[0].unit_fen = 1;
        let mut replanned = signed.clone();
        replanned.lines[0].planned_delivery = Some(day(28));
        assert!(
            run(&book, Role::Rep, EntityKind::Contract, Some(signed), &replanned)
                .0
                .is_ok(),
            "a planned delivery date moves"
        );
        let (result, _) = run(&book, Role::Rep, EntityKind::Contract, Some(signed), &cheaper);
        assert!(result.unwrap_err().contains("fixed"));
    }

    #[test]
    fn the_delivery_that_completes_a_contract_dates_what_waits_for_delivery() {
        let book = signed_book();
        let part = |n: u128, qty| Delivery {
            id: Uuid::from_u128(n),
            customer_id: CUSTOMER,
            contract_id: Uuid::from_u128(50),
            date: day(8),
            warehouse: "北仓".into(),
            lines: vec![crate::money::records::DeliveryLine {
                line_id: Uuid::from_u128(51),
                quantity: Quantity(qty),
            }],
            notes: String::new(),
            by: None,
        };
        let (first, _) = run(&book, Role::Rep, EntityKind::Delivery, None, &part(60, 1_000));
        assert_eq!(first.unwrap(), [], "partial: nothing falls due yet");
        let mut book = book;
        book.deliveries.push(part(60, 1_000));
        let (over, _) = run(&book, Role::Rep, EntityKind::Delivery, None, &part(61, 2_500));
        assert!(over.unwrap_err().contains("left to deliver"));
        let (last, _) = run(&book, Role::Rep, EntityKind::Delivery, None, &part(61, 2_000));
        let dated: Vec<Installment> = written(&last.unwrap(), EntityKind::Installment);
        assert_eq!(dated.len(), 1);
        assert_eq!(dated[0].due, Some(NaiveDate::from_ymd_opt(2027, 1, 7).unwrap()));
    }

    #[test]
    fn a_reps_receipt_waits_for_finance_and_confirming_it_settles_oldest_first() {
        let book = signed_book();
        let (follows, stored) = run(
            &book,
            Role::Rep,
            EntityKind::Receipt,
            None,
            &receipt(70, 1_500_000, true),
        );
        assert!(!stored.confirmed, "a rep cannot confirm");
        assert_eq!(stored.by, Some(UserId(Uuid::from_u128(9))));
        assert_eq!(follows.unwrap(), []);
        let mut book = book;
        book.receipts.push(stored.clone());
        let confirmed = Receipt {
            confirmed: true,
            ..stored.clone()
        };
        let (follows, _) = run(&book, Role::Finance, EntityKind::Receipt, Some(&stored), &confirmed);
        let rows: Vec<Allocation> = written(&follows.unwrap(), EntityKind::Allocation);
        assert_eq!(rows.iter().map(|a| a.fen).collect::<Vec<_>>(), [999_900, 500_100]);
        assert_eq!(rows[0].installment_id, book.installments[0].id, "the one due first");
    }

    #[test]
    fn two_offline_receipts_never_over_settle_an_installment() {
        // Each phone saw ¥9,999 owed on the first installment; the server
        // decides them one after the other.
        let mut book = signed_book();
        book.installments.truncate(1);
        let (first, _) = run(
            &book,
            Role::Finance,
            EntityKind::Receipt,
            None,
            &receipt(70, 999_900, true),
        );
        book.receipts.push(receipt(70, 999_900, true));
        book.allocations = written(&first.unwrap(), EntityKind::Allocation);
        let (second, _) = run(
            &book,
            Role::Finance,
            EntityKind::Receipt,
            None,
            &receipt(71, 999_900, true),
        );
        assert_eq!(second.unwrap(), [], "nothing left to settle: the second is an advance");
    }

    #[test]
    fn hand_allocations_are_checked_and_reversals_rebuilt_from_the_original() {
        let mut book = signed_book();
        book.receipts.push(receipt(70, 100_000, true));
        let inst = book.installments[0].id;
        let asked = Allocation {
            id: Uuid::from_u128(80),
            customer_id: CUSTOMER,
            receipt_id: Uuid::from_u128(70),
            installment_id: inst,
            fen: 200_000,
            date: day(1),
            reverses: None,
        };
        let (over, _) = run(&book, Role::Finance, EntityKind::Allocation, None, &asked);
        assert!(over.is_err(), "more than the receipt holds");
        let fine = Allocation {
            fen: 60_000,
            ..asked.clone()
        };
        let (ok, stored) = run(&book, Role::Finance, EntityKind::Allocation, None, &fine);
        assert!(ok.is_ok());
        assert_eq!(stored.date, day(10), "dated by the server");
        book.allocations.push(stored);
        let undo = Allocation {
            id: Uuid::from_u128(81),
            fen: 1,
            reverses: Some(Uuid::from_u128(80)),
            ..asked.clone()
        };
        let (ok, stored) = run(&book, Role::Finance, EntityKind::Allocation, None, &undo);
        assert!(ok.is_ok());
        assert_eq!(stored.fen, -60_000, "undoes exactly what was allocated");
        book.allocations.push(stored);
        let again = Allocation {
            id: Uuid::from_u128(82),
            ..undo
        };
        let (twice, _) = run(&book, Role::Finance, EntityKind::Allocation, None, &again);
        assert!(twice.is_err());
    }

    #[test]
    fn a_confirmed_receipt_is_fixed() {
        let book = signed_book();
        let r = receipt(70, 100_000, true);
        let more = Receipt {
            fen: 900_000,
            ..r.clone()
        };
        let (result, _) = run(&book, Role::Finance, EntityKind::Receipt, Some(&r), &more);
        assert!(result.unwrap_err().contains("fixed"));
    }

    fn quote(n: u128, status: QuoteStatus, version: u32, supersedes: Option<u128>) -> Quote {
        Quote {
            id: Uuid::from_u128(n),
            customer_id: CUSTOMER,
            number: String::new(),
            version,
            supersedes: supersedes.map(Uuid::from_u128),
            status,
            currency: Currency::CNY,
            lines: contract(ContractStatus::Draft, Vec::new()).lines,
            date: day(1),
            valid_until: Some(day(30)),
            terms: String::new(),
            notes: String::new(),
        }
    }

    #[test]
    fn a_revision_supersedes_the_quote_it_replaces() {
        let sent = quote(40, QuoteStatus::Sent, 1, None);
        let book = Book {
            quotes: vec![sent.clone()],
            ..Book::default()
        };
        let (follows, _) = run(
            &book,
            Role::Rep,
            EntityKind::Quote,
            None,
            &quote(41, QuoteStatus::Draft, 2, Some(40)),
        );
        let old: Vec<Quote> = written(&follows.unwrap(), EntityKind::Quote);
        assert_eq!(old[0].status, QuoteStatus::Superseded);
        let mut edited = sent.clone();
        edited.lines[0].unit_fen += 1;
        let (result, _) = run(&book, Role::Rep, EntityKind::Quote, Some(&sent), &edited);
        assert!(result.unwrap_err().contains("revise"));
    }

    #[test]
    fn a_contract_is_made_only_from_an_accepted_quote() {
        let sent = quote(40, QuoteStatus::Sent, 1, None);
        let mut book = Book {
            quotes: vec![sent.clone()],
            ..Book::default()
        };
        let mut c = contract(ContractStatus::Draft, Vec::new());
        c.quote_id = Some(sent.id);
        let (result, _) = run(&book, Role::Rep, EntityKind::Contract, None, &c);
        assert!(result.unwrap_err().contains("accepted"));
        book.quotes[0].status = QuoteStatus::Accepted;
        let (result, _) = run(&book, Role::Rep, EntityKind::Contract, None, &c);
        assert!(result.is_ok());
    }

    #[test]
    fn refunds_take_only_what_a_receipt_has_not_settled() {
        let mut book = signed_book();
        book.receipts.push(receipt(70, 100_000, true));
        book.allocations.push(Allocation {
            id: Uuid::from_u128(80),
            customer_id: CUSTOMER,
            receipt_id: Uuid::from_u128(70),
            installment_id: book.installments[0].id,
            fen: 70_000,
            date: day(5),
            reverses: None,
        });
        let refund = |fen| Credit {
            id: Uuid::from_u128(90),
            customer_id: CUSTOMER,
            against: Credited::Receipt(Uuid::from_u128(70)),
            fen,
            date: day(9),
            reason: "多付退回".into(),
            by: None,
        };
        assert!(run(&book, Role::Finance, EntityKind::Credit, None, &refund(40_000))
            .0
            .is_err());
        assert!(run(&book, Role::Finance, EntityKind::Credit, None, &refund(30_000))
            .0
            .is_ok());
    }
}
