//! The command line: `yingpan` (or `yingpan serve`) runs the server;
//! `yingpan admin …` looks after accounts from the server itself, with the
//! same settings (and `DATABASE_URL`) the server uses. That is how a new
//! company gets its first admin.

use crate::audit;
use crate::auth;
use crate::store::Store;
use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use std::io::{BufRead, IsTerminal};
use yingpan_shared::audit::Action;
use yingpan_shared::ids::UserId;
use yingpan_shared::people::{check_password, check_username, Person};
use yingpan_shared::user::{Role, User};
use yingpan_shared::validate::Name;

#[derive(Parser)]
#[command(
    name = "yingpan",
    about = "Yingpan (营盘): an offline-first CRM for field sales teams"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the server (the default).
    Serve,
    /// Look after accounts from the server's command line.
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Create an admin account. The password is asked for, or read from
    /// standard input when that is not a terminal.
    Create {
        #[arg(long)]
        username: String,
        /// The name shown in the app.
        #[arg(long)]
        name: String,
    },
    /// Set a new password for an account (asked for, or read from standard
    /// input); its sessions end.
    ResetPassword { username: String },
}

/// Where a command reads its password: a terminal prompt without echo
/// (asked twice), or the first line of some input.
pub enum PasswordSource<'a> {
    Prompt,
    Lines(&'a mut dyn BufRead),
}

impl PasswordSource<'_> {
    /// The terminal when standard input is one, else standard input's lines.
    pub fn from_stdin<'a>(stdin: &'a mut std::io::StdinLock<'static>) -> PasswordSource<'a> {
        if std::io::stdin().is_terminal() {
            PasswordSource::Prompt
        } else {
            PasswordSource::Lines(stdin)
        }
    }

    fn read(&mut self, prompt: &str) -> anyhow::Result<String> {
        match self {
            PasswordSource::Prompt => {
                let first = rpassword::prompt_password(prompt).context("reading the password")?;
                let again = rpassword::prompt_password("Again: ").context("reading the password")?;
                if first != again {
                    bail!("the two passwords differ");
                }
                Ok(first)
            }
            PasswordSource::Lines(input) => {
                let mut line = String::new();
                input
                    .read_line(&mut line)
                    .context("reading the password from standard input")?;
                Ok(line.trim_end_matches(['\r', '\n']).to_owned())
            }
        }
    }
}

const COMMAND_LINE: &str = "command line";

/// Carries out an `admin` command against `store`; returns what to print.
pub async fn run_admin(
    store: &dyn Store,
    command: AdminCommand,
    password: &mut PasswordSource<'_>,
    now: i64,
) -> anyhow::Result<String> {
    match command {
        AdminCommand::Create { username, name } => {
            let username = username.trim().to_owned();
            check_username(&username).map_err(anyhow::Error::msg)?;
            let name = Name::parse(&name).map_err(|e| anyhow::anyhow!("--name: {e}"))?;
            if store.credentials(&username).await?.is_some() {
                bail!("there is already an account named {username}; choose another username");
            }
            let password = password.read(&format!("Password for {username}: "))?;
            check_password(&password, &username).map_err(anyhow::Error::msg)?;
            let person = Person {
                user: User {
                    id: UserId(uuid::Uuid::now_v7()),
                    username: username.clone(),
                    display_name: name.as_str().to_owned(),
                    role: Role::Admin,
                    team_id: None,
                    active: true,
                },
                phone: None,
                email: None,
                must_change_password: false,
            };
            let hash = auth::hash_password(&password)?;
            store.create_person(&person, &hash).await?;
            audit::write(
                store,
                now,
                None,
                COMMAND_LINE,
                Action::UserCreated,
                Some(person.user.id.to_string()),
                serde_json::json!({"username": username, "role": "admin"}),
            )
            .await?;
            Ok(format!(
                "Created admin {username} ({}). Sign in with it in the app.",
                name.as_str()
            ))
        }
        AdminCommand::ResetPassword { username } => {
            let Some((user, _)) = store.credentials(username.trim()).await? else {
                bail!("there is no account named {username}");
            };
            let password = password.read(&format!("New password for {}: ", user.username))?;
            check_password(&password, &user.username).map_err(anyhow::Error::msg)?;
            let hash = auth::hash_password(&password)?;
            let ended = store.set_password(user.id, &hash, false, None).await?;
            audit::write(
                store,
                now,
                None,
                COMMAND_LINE,
                Action::PasswordReset,
                Some(user.id.to_string()),
                serde_json::json!({"sessions_ended": ended}),
            )
            .await?;
            Ok(format!(
                "New password set for {}; {ended} sessions ended.",
                user.username
            ))
        }
    }
}
