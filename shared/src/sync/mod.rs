//! The sync protocol: what a client pushes, what it pulls, and the pure rule
//! deciding what a pushed mutation does to the server's record.

mod decide;
mod effects;
mod wire;

pub use decide::{decide, needs_history, parent_of, Decision, RecordWrite, StoredRecord};
pub use effects::{activity_at, effects, needs_duplicate_check, Effect};
pub use wire::*;
