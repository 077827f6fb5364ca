//! `fitmate serve`: the API server.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use fitmate_model::ApiVersion;
use fitmate_store::{NewProject, Store, StoreError};
use fitmate_transport::server::{
    App, Delivery, MailConfig, RateLimit, ServerConfig, check_mail, serve, serve_metrics,
    shutdown_signal,
};

use crate::database::DatabaseArgs;

/// How logs are written to standard error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum LogFormat {
    /// One line per event, for people.
    Text,
    /// One JSON object per event, for log collectors.
    Json,
}

#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "FITMATE_ADDR")]
    addr: SocketAddr,
    /// Serve Prometheus metrics at http://ADDR/metrics, on a listener of their own (never
    /// the API's), e.g. 127.0.0.1:9464. Off unless given. It takes no key: keep it on an
    /// address only the monitoring system reaches.
    #[arg(long, value_name = "ADDR", env = "FITMATE_METRICS_ADDR")]
    metrics_addr: Option<SocketAddr>,
    /// The longest a request may take before it is answered 503, in seconds.
    #[arg(long, value_name = "SECS", env = "FITMATE_REQUEST_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    request_timeout: u64,
    /// How long a client may take to send a request's body, in seconds; past it, 408 and
    /// the connection is closed.
    #[arg(long, value_name = "SECS", env = "FITMATE_BODY_TIMEOUT", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    body_timeout: u64,
    /// How long an accepted API key is remembered, in seconds; a revoked key keeps working
    /// at most this long. 0 checks the database on every request.
    #[arg(long, value_name = "SECS", env = "FITMATE_KEY_CACHE_SECS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(0..=300))]
    key_cache_secs: u64,
    /// Requests per second each API key may keep up; past it, 429 with Retry-After.
    /// 0 sets no limit. Each replica counts on its own.
    #[arg(long, value_name = "N", env = "FITMATE_RATE_LIMIT", default_value_t = 200, value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
    rate_limit: u32,
    /// Requests a key may send at once after a quiet spell (the bucket's size).
    #[arg(long, value_name = "N", env = "FITMATE_RATE_LIMIT_BURST", default_value_t = 400, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    rate_limit_burst: u32,
    /// Requests per second each client address may send without a valid key (magic-link
    /// redeems and unknown keys), in bursts of five times that; past it, 429 with
    /// Retry-After. 0 sets no limit.
    #[arg(long, value_name = "N", env = "FITMATE_UNAUTHENTICATED_RATE_LIMIT", default_value_t = 10, value_parser = clap::value_parser!(u32).range(0..=100_000))]
    unauthenticated_rate_limit: u32,
    /// The header a proxy in front of the server sets to the client's address, e.g.
    /// X-Forwarded-For; its rightmost address is taken. Only behind a proxy that sets it:
    /// otherwise clients choose their own address.
    #[arg(long, value_name = "HEADER", env = "FITMATE_CLIENT_ADDRESS_HEADER")]
    client_address_header: Option<http::HeaderName>,
    /// How long the answer of a create, update or PATCH sent with an Idempotency-Key is kept
    /// for its retries, in hours.
    #[arg(long, value_name = "HOURS", env = "FITMATE_IDEMPOTENCY_TTL_HOURS", default_value_t = 24, value_parser = clap::value_parser!(u64).range(1..=720))]
    idempotency_ttl_hours: u64,
    /// The most connections open at once; more wait to be accepted until one closes.
    /// Keep it under the process's open-file limit (ulimit -n).
    #[arg(long, value_name = "N", env = "FITMATE_MAX_CONNECTIONS", default_value_t = 4096, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    max_connections: u64,
    /// Deliver welcome emails over SMTP: smtp://host:port (plain; add ?tls=required for
    /// STARTTLS) or smtps://host:port, with user:password@ if needed. Without it, emails
    /// are written as .eml files into --mail-dir.
    #[arg(
        long,
        value_name = "URL",
        env = "FITMATE_SMTP_URL",
        hide_env_values = true
    )]
    smtp_url: Option<String>,
    /// The mail-drop folder for welcome emails when no SMTP server is set.
    #[arg(
        long,
        value_name = "DIR",
        env = "FITMATE_MAIL_DIR",
        default_value = "fitmate-data/mail"
    )]
    mail_dir: std::path::PathBuf,
    /// The sender of welcome emails.
    #[arg(
        long,
        value_name = "MAILBOX",
        env = "FITMATE_MAIL_FROM",
        default_value = "Fitmate <welcome@fitmate.example>"
    )]
    mail_from: String,
    /// Where a welcome email's link points (the link is BASE?token=...); the page there
    /// POSTs the token to /auth/magic-link/redeem. Default: http://ADDR/auth/magic-link.
    #[arg(long, value_name = "URL", env = "FITMATE_MAGIC_LINK_BASE")]
    magic_link_base: Option<String>,
    /// How long a magic link works, in hours.
    #[arg(long, value_name = "HOURS", env = "FITMATE_MAGIC_LINK_TTL_HOURS", default_value_t = 24, value_parser = clap::value_parser!(u64).range(1..=720))]
    magic_link_ttl_hours: u64,
    /// Let validation webhooks be called at private addresses (10/8, 172.16/12,
    /// 192.168/16, 100.64/10, fc00::/7), for webhooks inside the operator's own network.
    /// Link-local and cloud metadata addresses are refused even so.
    #[arg(long, env = "FITMATE_ALLOW_PRIVATE_WEBHOOKS")]
    allow_private_webhooks: bool,
    /// Serve the web console at /console, where a sandbox project's key signs in to see its
    /// users, emails, webhook calls and request log. On by default when serving SQLite.
    #[arg(long, overrides_with = "no_console")]
    console: bool,
    /// Do not serve the web console (the default on PostgreSQL).
    #[arg(long, overrides_with = "console")]
    no_console: bool,
    /// Do not apply database migrations at start (PostgreSQL; run `fitmate migrate` first).
    #[arg(long, env = "FITMATE_NO_MIGRATE")]
    no_migrate: bool,
    /// Log format. The level comes from FITMATE_LOG (default `info`), e.g. FITMATE_LOG=debug.
    #[arg(long, value_enum, env = "FITMATE_LOG_FORMAT", default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(flatten)]
    database: DatabaseArgs,
}

fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("FITMATE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

pub(crate) fn run(args: ServeArgs) -> ExitCode {
    if args.body_timeout >= args.request_timeout {
        eprintln!(
            "error: --body-timeout ({} s) must be shorter than --request-timeout ({} s): \
             otherwise a body sent slowly gets 503 instead of 408",
            args.body_timeout, args.request_timeout
        );
        return ExitCode::from(2);
    }
    init_logs(args.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(serve_until_stopped(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve_until_stopped(args: ServeArgs) -> anyhow::Result<()> {
    let store = args.database.open_waiting(!args.no_migrate).await?;
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", args.addr))?;
    let addr = listener.local_addr()?;
    let metrics_listener = match args.metrics_addr {
        Some(metrics_addr) => Some(
            tokio::net::TcpListener::bind(metrics_addr)
                .await
                .map_err(|e| anyhow::anyhow!("cannot listen on {metrics_addr}: {e}"))?,
        ),
        None => None,
    };
    let projects = store.projects().await.map_err(|e| {
        if args.no_migrate {
            anyhow::anyhow!(
                "cannot read the projects ({e}); is the database migrated? Run `fitmate migrate` \
                 first when serving with --no-migrate"
            )
        } else {
            anyhow::anyhow!("cannot read the projects: {e}")
        }
    })?;
    let console = if args.console {
        true
    } else if args.no_console {
        false
    } else {
        matches!(store, fitmate_store::AnyStore::Sqlite(_))
    };
    if projects.is_empty() {
        welcome_newcomer(&store, addr, console).await?;
    }
    let mut config = ServerConfig::default();
    config.console = console;
    config.request_timeout = Duration::from_secs(args.request_timeout);
    config.body_read_timeout = Duration::from_secs(args.body_timeout);
    config.key_cache_ttl = Duration::from_secs(args.key_cache_secs);
    config.allow_private_webhooks = args.allow_private_webhooks;
    config.unauthenticated_rate_limit = std::num::NonZeroU32::new(args.unauthenticated_rate_limit)
        .map(|per_second| RateLimit {
            per_second,
            burst: per_second.saturating_mul(std::num::NonZeroU32::new(5).unwrap_or(per_second)),
        });
    config.client_address_header = args.client_address_header.clone();
    config.idempotency_ttl = Duration::from_secs(args.idempotency_ttl_hours * 3600);
    config.max_connections = usize::try_from(args.max_connections).unwrap_or(usize::MAX);
    config.rate_limit = match (
        std::num::NonZeroU32::new(args.rate_limit),
        std::num::NonZeroU32::new(args.rate_limit_burst),
    ) {
        (Some(per_second), Some(burst)) => Some(RateLimit { per_second, burst }),
        _ => None,
    };
    let link_base = args
        .magic_link_base
        .clone()
        .unwrap_or_else(|| format!("http://{addr}/auth/magic-link"));
    let mut mail = MailConfig::drop_into(&args.mail_dir, link_base);
    if let Some(url) = &args.smtp_url {
        mail.delivery = Delivery::Smtp(url.clone());
    }
    mail.from = args.mail_from.clone();
    mail.link_ttl = Duration::from_secs(args.magic_link_ttl_hours * 3600);
    check_mail(&mail).map_err(|e| anyhow::anyhow!("{e}"))?;
    match &mail.delivery {
        Delivery::Smtp(_) => tracing::info!("welcome emails go out over SMTP"),
        Delivery::Drop(dir) => {
            tracing::info!("welcome emails are written to {}", dir.display());
        }
        _ => {}
    }
    config.mail = Some(mail);
    config.metrics = metrics_listener.is_some();
    let app = App::new(store.clone(), config);
    // The metrics listener answers until the API has drained, then stops with it.
    let metrics = match metrics_listener {
        Some(metrics_listener) => {
            tracing::info!(
                "metrics on http://{}/metrics",
                metrics_listener.local_addr()?
            );
            Some(tokio::spawn(serve_metrics(
                metrics_listener,
                app.clone(),
                std::future::pending(),
            )))
        }
        None => None,
    };
    tracing::info!("listening on http://{addr}");
    tracing::info!("API reference on http://{addr}/docs");
    if console {
        tracing::info!("web console on http://{addr}/console");
    }
    let served = serve(listener, app, shutdown_signal()).await;
    if let Some(metrics) = metrics {
        metrics.abort();
    }
    served?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// On an empty database: a `sandbox` project and one key for it, printed once, so the
/// first `fitmate serve` gives a working API. Of replicas starting together on an empty
/// PostgreSQL database, only the one that created the project prints a key.
async fn welcome_newcomer(
    store: &impl Store,
    addr: SocketAddr,
    console: bool,
) -> anyhow::Result<()> {
    let project = NewProject {
        sandbox: true,
        ..NewProject::new("sandbox".parse()?)
    };
    match store.create_project(&project).await {
        Ok(_) => {}
        Err(StoreError::ProjectExists) => return Ok(()),
        Err(error) => return Err(error.into()),
    }
    let (key, _) = store.create_key(&project.id, ApiVersion::CURRENT).await?;
    println!(
        "Created project `sandbox` and an API key for it. The key is shown only this once:\n\n    \
         {key}\n\n\
         Try it:\n\n    \
         curl -s http://{addr}/users/retrieve -H 'Authorization: Bearer {key}' \
         -H 'Content-Type: application/json' -d '{{\"email\": \"ada@example.com\"}}'\n\n\
         The API reference is at http://{addr}/docs{console}\n",
        key = key.expose(),
        console = if console {
            format!(
                "; sign in to the console with the key at http://{addr}/console to see the \
                 users, emails, webhook calls and requests of the sandbox."
            )
        } else {
            ".".to_owned()
        },
    );
    Ok(())
}
