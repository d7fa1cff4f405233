//! People and teams: who may add, change, reset and close whose account,
//! what a password must be, how sign-in slows down a guesser, and what the
//! user directory tells each role. The server applies these rules; the app
//! uses them to show only the actions a person may take.

use crate::access::Viewer;
use crate::ids::TeamId;
use crate::user::{Role, User};
use crate::validate::{Email, Name, Phone};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Team {
    pub id: TeamId,
    pub name: String,
}

/// A user as their admin or manager sees them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Person {
    #[serde(flatten)]
    pub user: User,
    #[serde(default)]
    pub phone: Option<Phone>,
    #[serde(default)]
    pub email: Option<Email>,
    /// The next sign-in must choose a new password.
    #[serde(default)]
    pub must_change_password: bool,
}

/// `POST /api/people`: a new account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewPerson {
    pub username: String,
    pub display_name: Name,
    pub role: Role,
    #[serde(default)]
    pub team_id: Option<TeamId>,
    #[serde(default)]
    pub phone: Option<Phone>,
    #[serde(default)]
    pub email: Option<Email>,
    /// An invite link instead of a one-time password.
    #[serde(default)]
    pub invite: bool,
}

/// What the creator hands the new user: a one-time password or an invite
/// link's token, shown once and stored only hashed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Created {
    pub person: Person,
    #[serde(default)]
    pub initial_password: Option<String>,
    #[serde(default)]
    pub invite_token: Option<String>,
    /// When the invite stops working, Unix milliseconds.
    #[serde(default)]
    pub invite_expires_at: Option<i64>,
}

/// `PUT /api/people/{id}`: fields left out stay as they are. A team of
/// `null` takes the user out of every team.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonChange {
    #[serde(default)]
    pub display_name: Option<Name>,
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default, with = "double_option")]
    pub team_id: Option<Option<TeamId>>,
    #[serde(default, with = "double_option")]
    pub phone: Option<Option<Phone>>,
    #[serde(default, with = "double_option")]
    pub email: Option<Option<Email>>,
}

/// Tells a field that was left out (`None`) from one set to null
/// (`Some(None)`).
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(v: &Option<Option<T>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
}

/// `POST /api/invites/accept`: the invited person's first password.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InviteAcceptance {
    pub token: String,
    pub password: String,
}

/// A temporary password an admin or manager reads out to the user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordReset {
    pub temporary_password: String,
}

/// One signed-in device, as its owner sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    pub id: String,
    pub device: String,
    pub created_at: i64,
    pub last_seen: i64,
    /// The session asking.
    pub current: bool,
}

pub const MIN_PASSWORD_CHARS: usize = 8;
const MAX_PASSWORD_CHARS: usize = 128;

/// Whether `password` may be someone's password.
pub fn check_password(password: &str, username: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(format!("a password needs at least {MIN_PASSWORD_CHARS} characters"));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(format!("a password may have at most {MAX_PASSWORD_CHARS} characters"));
    }
    if password.eq_ignore_ascii_case(username) {
        return Err("a password must not be the username".into());
    }
    Ok(())
}

/// A username: 2 to 32 lowercase letters, digits, dots, dashes or
/// underscores, so it is easy to type on a phone.
pub fn check_username(username: &str) -> Result<(), String> {
    let ok = (2..=32).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'));
    if ok {
        Ok(())
    } else {
        Err("a username has 2 to 32 lowercase letters, digits, dots, dashes or underscores".into())
    }
}

/// Whether `viewer` may look after `target`'s account (reset its password,
/// edit its details, close or reopen it): admins everyone below admin,
/// managers the reps of their own team. Nobody takes over a peer: another
/// admin's account is looked after from the server's command line.
pub fn may_manage(viewer: &Viewer, target: &User) -> Result<(), &'static str> {
    match viewer.role {
        Role::Admin if target.id == viewer.id => Err("use your own settings to change your own account"),
        Role::Admin if target.role == Role::Admin => {
            Err("another admin's account is looked after with `yingpan admin` on the server")
        }
        Role::Admin => Ok(()),
        Role::Manager if target.role == Role::Rep && viewer.team_id.is_some() && target.team_id == viewer.team_id => {
            Ok(())
        }
        Role::Manager => Err("managers look after the reps of their own team"),
        Role::Rep | Role::Finance => Err("only a manager or an admin can manage accounts"),
    }
}

/// Whether `viewer` may create `new`: admins any account; managers reps in
/// their own team.
pub fn may_create(viewer: &Viewer, new: &NewPerson) -> Result<(), &'static str> {
    match viewer.role {
        Role::Admin => Ok(()),
        Role::Manager if new.role == Role::Rep && viewer.team_id.is_some() && new.team_id == viewer.team_id => Ok(()),
        Role::Manager => Err("managers add reps to their own team"),
        Role::Rep | Role::Finance => Err("only a manager or an admin can add people"),
    }
}

/// Whether `viewer` may make `change` to `target`. Roles are an admin's to
/// give; a manager may move one of their reps to another team (the rep's
/// book goes with them), never into their own from elsewhere.
pub fn may_change(viewer: &Viewer, target: &User, change: &PersonChange) -> Result<(), &'static str> {
    may_manage(viewer, target)?;
    if viewer.role != Role::Admin && change.role.is_some_and(|r| r != target.role) {
        return Err("only an admin can change someone's role");
    }
    let role = change.role.unwrap_or(target.role);
    let team = change.team_id.unwrap_or(target.team_id);
    if role == Role::Manager && team.is_none() {
        return Err("a manager needs a team to manage");
    }
    Ok(())
}

/// Failed sign-ins allowed before each further try must wait.
const FREE_TRIES_PER_ACCOUNT: i64 = 5;
/// An office behind one address has many people who mistype.
const FREE_TRIES_PER_ADDRESS: i64 = 30;
const LONGEST_WAIT_MS: i64 = 15 * 60 * 1000;
/// Failures older than this are forgotten.
pub const FAILURE_MEMORY_MS: i64 = 24 * 60 * 60 * 1000;

/// What a run of failed sign-ins counts against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Throttled {
    Account,
    Address,
}

/// How long after its latest failure the next sign-in must wait, given
/// `failures` in a row: nothing for the first few, then doubling from one
/// second up to 15 minutes. A wrong guess costs the guesser, not the server.
pub fn wait_after(kind: Throttled, failures: i64) -> i64 {
    let free = match kind {
        Throttled::Account => FREE_TRIES_PER_ACCOUNT,
        Throttled::Address => FREE_TRIES_PER_ADDRESS,
    };
    let over = failures - free;
    if over < 0 {
        return 0;
    }
    1000i64.saturating_mul(1 << over.min(20)).min(LONGEST_WAIT_MS)
}

/// A short name for the device behind a `User-Agent`, for the list of
/// one's sessions ("Chrome on Android", "WeChat on iPhone").
pub fn device_label(user_agent: &str) -> String {
    let has = |needle: &str| user_agent.contains(needle);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS X", "Mac"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(needle, _)| has(needle))
    .map(|(_, name)| name);
    let browser = [
        ("MicroMessenger", "WeChat"),
        ("Edg/", "Edge"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ]
    .into_iter()
    .find(|(needle, _)| has(needle))
    .map(|(_, name)| name);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(one), None) | (None, Some(one)) => one.to_owned(),
        (None, None) if user_agent.trim().is_empty() => "unknown device".to_owned(),
        (None, None) => user_agent.chars().take(40).collect(),
    }
}

/// What the user directory (`GET /api/users`) tells `viewer`: everyone's
/// name and role, so records can name their owner and author, but sign-in
/// names only to admins, and to managers for their own team.
pub fn directory_view(viewer: &Viewer, users: &[User]) -> Vec<User> {
    users
        .iter()
        .map(|u| {
            let sees_username = u.id == viewer.id
                || viewer.role == Role::Admin
                || (viewer.role == Role::Manager && viewer.team_id.is_some() && u.team_id == viewer.team_id);
            let mut u = u.clone();
            if !sees_username {
                u.username.clear();
            }
            u
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::UserId;
    use uuid::Uuid;

    fn user(role: Role, team: Option<TeamId>) -> User {
        User {
            id: UserId(Uuid::now_v7()),
            username: format!("u{}", Uuid::now_v7().simple()),
            display_name: "x".into(),
            role,
            team_id: team,
            active: true,
        }
    }

    fn new_person(role: Role, team: Option<TeamId>) -> NewPerson {
        NewPerson {
            username: "zhangwei".into(),
            display_name: Name::parse("张伟").unwrap(),
            role,
            team_id: team,
            phone: None,
            email: None,
            invite: false,
        }
    }

    #[test]
    fn managers_look_after_their_own_reps_only() {
        let north = Some(TeamId(Uuid::now_v7()));
        let south = Some(TeamId(Uuid::now_v7()));
        let manager = Viewer::from(&user(Role::Manager, north));
        assert!(may_manage(&manager, &user(Role::Rep, north)).is_ok());
        assert!(may_manage(&manager, &user(Role::Rep, south)).is_err());
        assert!(may_manage(&manager, &user(Role::Manager, north)).is_err());
        assert!(may_manage(&manager, &user(Role::Admin, None)).is_err());
        assert!(may_manage(&Viewer::from(&user(Role::Rep, north)), &user(Role::Rep, north)).is_err());
        let admin = user(Role::Admin, None);
        assert!(may_manage(&Viewer::from(&admin), &user(Role::Manager, south)).is_ok());
        assert!(may_manage(&Viewer::from(&admin), &admin).is_err());
        assert!(may_manage(&Viewer::from(&admin), &user(Role::Admin, None)).is_err());
    }

    #[test]
    fn managers_add_reps_to_their_own_team_and_admins_anyone() {
        let north = Some(TeamId(Uuid::now_v7()));
        let south = Some(TeamId(Uuid::now_v7()));
        let manager = Viewer::from(&user(Role::Manager, north));
        assert!(may_create(&manager, &new_person(Role::Rep, north)).is_ok());
        assert!(may_create(&manager, &new_person(Role::Rep, south)).is_err());
        assert!(may_create(&manager, &new_person(Role::Manager, north)).is_err());
        assert!(may_create(&manager, &new_person(Role::Admin, None)).is_err());
        let admin = Viewer::from(&user(Role::Admin, None));
        assert!(may_create(&admin, &new_person(Role::Finance, None)).is_ok());
        assert!(may_create(&Viewer::from(&user(Role::Finance, None)), &new_person(Role::Rep, north)).is_err());
    }

    #[test]
    fn only_admins_change_roles_and_managers_may_move_their_reps_away() {
        let north = Some(TeamId(Uuid::now_v7()));
        let south = Some(TeamId(Uuid::now_v7()));
        let manager = Viewer::from(&user(Role::Manager, north));
        let rep = user(Role::Rep, north);
        let promote = PersonChange {
            role: Some(Role::Manager),
            ..PersonChange::default()
        };
        assert!(may_change(&manager, &rep, &promote).is_err());
        let away = PersonChange {
            team_id: Some(south),
            ..PersonChange::default()
        };
        assert!(may_change(&manager, &rep, &away).is_ok());
        let admin = Viewer::from(&user(Role::Admin, None));
        assert!(may_change(&admin, &rep, &promote).is_ok());
        let teamless_manager = PersonChange {
            role: Some(Role::Manager),
            team_id: Some(None),
            ..PersonChange::default()
        };
        assert!(may_change(&admin, &rep, &teamless_manager).is_err());
    }

    #[test]
    fn a_change_tells_a_field_left_out_from_one_cleared() {
        let out: PersonChange = serde_json::from_str(r#"{"display_name": "李娜"}"#).unwrap();
        assert_eq!(out.team_id, None);
        let cleared: PersonChange = serde_json::from_str(r#"{"team_id": null}"#).unwrap();
        assert_eq!(cleared.team_id, Some(None));
    }

    #[test]
    fn passwords_and_usernames_are_checked() {
        assert!(check_password("short", "a").is_err());
        assert!(check_password("zhangwei", "zhangwei").is_err());
        assert!(check_password("long enough", "zhangwei").is_ok());
        assert!(check_username("zhang.wei-2").is_ok());
        for bad in ["Z", "张伟", "a b", "x"] {
            assert!(check_username(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sign_in_waits_grow_after_a_few_free_tries() {
        assert_eq!(wait_after(Throttled::Account, 4), 0);
        assert_eq!(wait_after(Throttled::Account, 5), 1000);
        assert_eq!(wait_after(Throttled::Account, 6), 2000);
        assert_eq!(wait_after(Throttled::Account, 30), LONGEST_WAIT_MS);
        assert_eq!(wait_after(Throttled::Account, i64::MAX), LONGEST_WAIT_MS);
        assert_eq!(wait_after(Throttled::Address, 29), 0);
        assert!(wait_after(Throttled::Address, 31) > 0);
    }

    #[test]
    fn devices_are_named_by_browser_and_system() {
        let android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36";
        assert_eq!(device_label(android), "Chrome on Android");
        let wechat = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0";
        assert_eq!(device_label(wechat), "WeChat on iPhone");
        assert_eq!(device_label(""), "unknown device");
        assert_eq!(device_label("curl/8.5"), "curl/8.5");
    }

    #[test]
    fn the_directory_shows_sign_in_names_only_to_who_needs_them() {
        let north = Some(TeamId(Uuid::now_v7()));
        let me = user(Role::Rep, north);
        let mate = user(Role::Rep, north);
        let all = [me.clone(), mate.clone()];
        let seen = directory_view(&Viewer::from(&me), &all);
        assert_eq!(seen[0].username, me.username);
        assert_eq!(seen[1].username, "");
        assert_eq!(seen[1].display_name, mate.display_name);
        let manager = user(Role::Manager, north);
        assert_eq!(directory_view(&Viewer::from(&manager), &all)[1].username, mate.username);
    }
}
