//! The audit log: every administrative act, who did it, when, from where
//! and what changed. Append-only; admins read, filter and export it.

use crate::ids::UserId;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What was done. The names are stable: filters and exports use them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Action {
    UserCreated,
    UserChanged,
    PasswordReset,
    PasswordChanged,
    InviteAccepted,
    SessionsEnded,
    UserDeactivated,
    UserReactivated,
    TeamCreated,
    TeamRenamed,
    RulesChanged,
    PolicyChanged,
    Departure,
    Reassignment,
    Merge,
    MergeUndone,
    Import,
    Archive,
    Restore,
}

impl Action {
    pub const ALL: [Action; 19] = [
        Action::UserCreated,
        Action::UserChanged,
        Action::PasswordReset,
        Action::PasswordChanged,
        Action::InviteAccepted,
        Action::SessionsEnded,
        Action::UserDeactivated,
        Action::UserReactivated,
        Action::TeamCreated,
        Action::TeamRenamed,
        Action::RulesChanged,
        Action::PolicyChanged,
        Action::Departure,
        Action::Reassignment,
        Action::Merge,
        Action::MergeUndone,
        Action::Import,
        Action::Archive,
        Action::Restore,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::UserCreated => "user_created",
            Action::UserChanged => "user_changed",
            Action::PasswordReset => "password_reset",
            Action::PasswordChanged => "password_changed",
            Action::InviteAccepted => "invite_accepted",
            Action::SessionsEnded => "sessions_ended",
            Action::UserDeactivated => "user_deactivated",
            Action::UserReactivated => "user_reactivated",
            Action::TeamCreated => "team_created",
            Action::TeamRenamed => "team_renamed",
            Action::RulesChanged => "rules_changed",
            Action::PolicyChanged => "policy_changed",
            Action::Departure => "departure",
            Action::Reassignment => "reassignment",
            Action::Merge => "merge",
            Action::MergeUndone => "merge_undone",
            Action::Import => "import",
            Action::Archive => "archive",
            Action::Restore => "restore",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// One entry of the log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Entry {
    pub id: Uuid,
    /// Unix milliseconds.
    pub at: i64,
    /// Who did it; `None` for the command line on the server itself.
    pub actor: Option<UserId>,
    /// The address the request came from (or "command line").
    pub address: String,
    pub action: Action,
    /// What it was done to: a user, team, customer or setting, by id or key.
    pub target: Option<String>,
    /// What changed, as the act describes it.
    pub detail: serde_json::Value,
}

/// Which entries to read.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct Filter {
    #[serde(default)]
    pub action: Option<Action>,
    #[serde(default)]
    pub actor: Option<UserId>,
    /// From this time on, Unix milliseconds.
    #[serde(default)]
    pub since: Option<i64>,
    /// Before this time.
    #[serde(default)]
    pub until: Option<i64>,
    #[serde(default)]
    pub limit: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_round_trip_through_their_names() {
        for a in Action::ALL {
            assert_eq!(Action::parse(a.as_str()), Some(a));
            assert_eq!(serde_json::to_value(a).unwrap(), a.as_str());
        }
    }
}
