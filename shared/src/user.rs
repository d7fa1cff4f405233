//! People and roles.

use crate::ids::{TeamId, UserId};
use serde::{Deserialize, Serialize};

/// What a user may see and do; enforced by the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    /// Works their own book of customers.
    Rep,
    /// Sees and manages everything owned by their team.
    Manager,
    /// 财务: reads every customer and its money records, changes only money.
    Finance,
    /// Sees everything.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Rep => "rep",
            Role::Manager => "manager",
            Role::Finance => "finance",
            Role::Admin => "admin",
        }
    }

    pub const ALL: [Role; 4] = [Role::Rep, Role::Manager, Role::Finance, Role::Admin];

    /// How far up the company a role reaches: someone may close accounts
    /// and take books only of roles below their own.
    pub fn rank(self) -> u8 {
        match self {
            Role::Rep | Role::Finance => 0,
            Role::Manager => 1,
            Role::Admin => 2,
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "rep" => Some(Role::Rep),
            "manager" => Some(Role::Manager),
            "finance" => Some(Role::Finance),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// A user as the rest of the system sees them (never with a password hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub team_id: Option<TeamId>,
    #[serde(default = "default_true")]
    pub active: bool,
}

fn default_true() -> bool {
    true
}
