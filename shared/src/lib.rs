//! Yingpan's shared core: domain types, validation, the sync wire protocol and
//! every pure business rule. No IO, no clock, no randomness: callers pass time
//! and ids in, so the same code runs in the server and in the browser.

pub mod access;
pub mod activity;
pub mod api;
pub mod audit;
pub mod conflict;
pub mod contact;
pub mod customer;
pub mod dedup;
pub mod entity;
pub mod ids;
pub mod import;
pub mod merge;
pub mod messages;
pub mod money;
pub mod ownership;
pub mod people;
pub mod photo;
pub mod pipeline;
pub mod pool;
pub mod rules;
pub mod script;
pub mod search;
pub mod sync;
pub mod today;
pub mod user;
pub mod validate;
pub mod visit;
