//! `yingpan`: starts the server with settings from the environment, or
//! looks after accounts (`yingpan admin …`).

use anyhow::Context;
use clap::Parser;
use tracing_subscriber::EnvFilter;
use yingpan_server::cli::{run_admin, Cli, Command, PasswordSource};
use yingpan_server::{demo, jobs, serve, store, AppState, Settings};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")))
        .with_writer(std::io::stderr)
        .init();
    let settings = Settings::load().context("reading settings")?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => run_server(settings).await,
        Command::Admin(command) => {
            let store = store::connect(&settings.database_url).await?;
            let mut stdin = std::io::stdin().lock();
            let mut password = PasswordSource::from_stdin(&mut stdin);
            let said = run_admin(
                store.as_ref(),
                command,
                &mut password,
                chrono::Utc::now().timestamp_millis(),
            )
            .await?;
            println!("{said}");
            Ok(())
        }
    }
}

async fn run_server(settings: Settings) -> anyhow::Result<()> {
    tracing::info!(?settings, "starting");
    let store = store::connect(&settings.database_url).await?;
    if settings.demo && demo::load_if_empty(store.as_ref()).await.context("loading demo data")? {
        tracing::info!("loaded demo data");
    }
    if settings.dist.join("index.html").exists() {
        yingpan_server::precompress::spawn(settings.dist.clone());
    } else {
        tracing::warn!(dist = %settings.dist.display(), "the app is not built here; only the API is served");
    }
    if store.users().await?.is_empty() {
        println!("No accounts yet: create the first admin with `yingpan admin create --username <name> --name <shown name>`.");
    }
    let listener = tokio::net::TcpListener::bind(settings.addr)
        .await
        .with_context(|| format!("listening on {}", settings.addr))?;
    let url = format!("http://{}", listener.local_addr()?);
    println!("Yingpan is running at {url}");
    if settings.demo {
        println!("Demo logins (password {}):", demo::PASSWORD);
        for (username, role) in demo::LOGINS {
            println!("  {username:<10} {role}");
        }
    }
    let state = AppState::new(store, settings);
    jobs::spawn_auto_return(state.clone());
    jobs::spawn_purge(state.clone());
    jobs::spawn_money_warmup(state.clone());
    serve(listener, state, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .context("serving")
}
