//! `fitmate projects`, `keys`, `users`, `emails` and `audit`: the operator's commands.

use std::process::ExitCode;

use clap::Subcommand;
use fitmate_model::ApiVersion;
use fitmate_store::{
    AuditAction, AuditEvent, AuditFilter, KEY_PREFIX_CHARS, NewProject, ProjectId, Store,
    StoreError,
};
use jiff::Timestamp;
use uuid::Uuid;

use crate::database::DatabaseArgs;

#[derive(Debug, Subcommand)]
pub(crate) enum ProjectsCommand {
    /// Create a project (one partner account).
    Create {
        /// Its id: 1 to 63 characters of a-z, 0-9 and -.
        #[arg(value_parser = parse_project)]
        id: ProjectId,
        /// A URL that must approve every update (the validateUserUpdated webhook): https, or
        /// http to a loopback address; never a link-local or cloud metadata address.
        #[arg(long, value_name = "URL")]
        validation_webhook: Option<String>,
        /// Accept a webhook URL at a private address (10/8, 172.16/12, 192.168/16,
        /// 100.64/10, fc00::/7); `serve` must be given --allow-private-webhooks too.
        #[arg(long, requires = "validation_webhook")]
        allow_private_webhooks: bool,
        /// The secret that signs the webhook's calls and answers. Without it, a new
        /// `whsec_` secret is made and printed.
        #[arg(long, value_name = "SECRET", requires = "validation_webhook")]
        webhook_secret: Option<String>,
        /// How long the webhook may take to answer, in milliseconds.
        #[arg(long, value_name = "MS", default_value_t = 5_000, value_parser = clap::value_parser!(u32).range(1..=60_000))]
        webhook_timeout_ms: u32,
        /// The API version the webhook receives its `data` in (field names and values as
        /// that version has them); the current version unless given.
        #[arg(long, value_name = "VERSION", default_value_t = ApiVersion::CURRENT, value_parser = crate::parse_version)]
        webhook_version: ApiVersion,
        /// Send no welcome email when a user is created.
        #[arg(long)]
        no_welcome_email: bool,
        /// Make it a sandbox project: its keys also reach the request log, `Prefer:
        /// code=NNN`, the reset and the project clock (/_sandbox), and the web console.
        #[arg(long)]
        sandbox: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Change settings of a project; what is not given stays as it is.
    Set {
        /// The project's id.
        #[arg(value_parser = parse_project)]
        id: ProjectId,
        /// The API version the webhook receives its `data` in from now on.
        #[arg(long, value_name = "VERSION", value_parser = crate::parse_version)]
        webhook_version: Option<ApiVersion>,
        /// Whether it is a sandbox project. A project that stops being one gets the real
        /// time back and keeps its users; its request log is no longer written.
        #[arg(long, value_name = "BOOL", action = clap::ArgAction::Set)]
        sandbox: Option<bool>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// List the projects.
    List {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Make a new webhook secret and print it alone on standard output. The old one keeps
    /// signing beside it for --keep-old-hours, so the receiver can switch without a gap.
    RotateWebhookSecret {
        /// The project's id.
        #[arg(value_parser = parse_project)]
        id: ProjectId,
        /// How long the old secret keeps signing, in hours (0 retires it at once).
        #[arg(long, value_name = "HOURS", default_value_t = 24, value_parser = clap::value_parser!(u64).range(0..=720))]
        keep_old_hours: u64,
        /// Rotate even while an earlier rotation's window is open: the secret retiring
        /// then stops signing at once.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum KeysCommand {
    /// Issue an API key; prints the key alone on standard output. It is shown only once.
    Create {
        /// The project the key serves.
        #[arg(long, value_parser = parse_project)]
        project: ProjectId,
        /// The version requests with this key use when they send no Fitmate-Version.
        #[arg(long = "version", value_name = "VERSION", default_value_t = ApiVersion::CURRENT, value_parser = crate::parse_version)]
        api_version: ApiVersion,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// List the keys by prefix (never the keys themselves).
    List {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Print a new random secret key for sealing secureMetadata (base64 of 32 bytes), for
    /// FITMATE_SECRET_KEY or a key file. Touches no database.
    Secret,
    /// Revoke a key, named by its prefix (its first 12 characters) or the whole key.
    Revoke {
        /// The key's prefix, as `keys list` shows it.
        prefix: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum UsersCommand {
    /// Suspend a user; the project API lists active suspensions.
    Suspend {
        /// The user's project.
        #[arg(long, value_parser = parse_project)]
        project: ProjectId,
        /// The user's identifier.
        #[arg(long)]
        user: Uuid,
        /// Why (shown to the partner in the project API).
        #[arg(long)]
        reason: String,
        /// When the suspension ends: a date (midnight UTC) or an RFC 3339 time. Open-ended
        /// without it.
        #[arg(long, value_name = "DATE", value_parser = parse_until)]
        until: Option<Timestamp>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// End every active suspension of a user.
    Unsuspend {
        /// The user's project.
        #[arg(long, value_parser = parse_project)]
        project: ProjectId,
        /// The user's identifier.
        #[arg(long)]
        user: Uuid,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Erase a user's data: the record, suspensions, welcome emails and magic links. The
    /// user's audit events stay, with one more for the erasure. It cannot be undone.
    Delete {
        /// The user's project.
        #[arg(long, value_parser = parse_project)]
        project: ProjectId,
        /// The user's identifier.
        #[arg(long)]
        user: Uuid,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

/// `fitmate audit`: who read or wrote which user's data.
#[derive(Debug, clap::Args)]
pub(crate) struct AuditArgs {
    /// Only this project's events.
    #[arg(long, value_parser = parse_project)]
    project: Option<ProjectId>,
    /// Only this user's events.
    #[arg(long)]
    user: Option<Uuid>,
    /// Only events at or after this time: a date (midnight UTC) or an RFC 3339 time.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    since: Option<Timestamp>,
    /// At most this many events (the oldest that match); 0 for all.
    #[arg(long, default_value_t = 0)]
    limit: u32,
    /// Output for people (text, one event per line) or machines (json, one object per line).
    #[arg(long, value_enum, default_value_t = AuditFormat::Text)]
    format: AuditFormat,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum AuditFormat {
    Text,
    Json,
}

/// The audit event of an operator command on the fields named; each command run is its own
/// request.
fn operator_event(action: AuditAction, fields: &[&str]) -> AuditEvent {
    AuditEvent::new(
        fitmate_store::OPERATOR,
        Uuid::new_v4().to_string(),
        action,
        fields.iter().copied(),
    )
}

#[derive(Debug, Subcommand)]
pub(crate) enum EmailsCommand {
    /// List welcome emails, the newest first: their state, attempts and why the last one
    /// failed. Recipients are shown by user identifier, never by address.
    List {
        /// Only the emails of this project.
        #[arg(long, value_parser = parse_project)]
        project: Option<ProjectId>,
        /// Only the bounced emails: refused for good by the mail server, or not delivered
        /// within the retry window. They are not tried again.
        #[arg(long)]
        bounced: bool,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: u32,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

fn parse_project(s: &str) -> Result<ProjectId, String> {
    s.parse()
        .map_err(|e: fitmate_store::InvalidProjectId| e.to_string())
}

/// A date (midnight UTC) or an RFC 3339 time.
fn parse_time(s: &str) -> Result<Timestamp, String> {
    s.parse::<Timestamp>()
        .or_else(|_| {
            s.parse::<jiff::civil::Date>()
                .map_err(|e| e.to_string())
                .and_then(|d| {
                    d.to_zoned(jiff::tz::TimeZone::UTC)
                        .map(|z| z.timestamp())
                        .map_err(|e| e.to_string())
                })
        })
        .map_err(|_| {
            format!(
                "{s:?} is neither a date (2026-12-31) nor an RFC 3339 time (2026-12-31T12:00:00Z)"
            )
        })
}

/// A time in the future, written as [`parse_time`] reads it.
fn parse_until(s: &str) -> Result<Timestamp, String> {
    let until = parse_time(s)?;
    if until > Timestamp::now() {
        Ok(until)
    } else {
        Err(format!("{s} is not in the future"))
    }
}

/// Runs an operator command on a fresh runtime, printing its error and exiting 1 on failure.
fn run_command(work: impl std::future::Future<Output = anyhow::Result<()>>) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(work) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn not_found(error: StoreError, what: &str) -> anyhow::Error {
    match error {
        StoreError::NotFound(_) => anyhow::anyhow!("{what}"),
        other => other.into(),
    }
}

pub(crate) fn migrate(database: DatabaseArgs) -> ExitCode {
    run_command(async move {
        let store = database.open_migrating(true).await?;
        store.close().await;
        println!("the database is migrated");
        Ok(())
    })
}

pub(crate) fn projects(command: ProjectsCommand) -> ExitCode {
    run_command(async move {
        match command {
            ProjectsCommand::Create {
                id,
                validation_webhook,
                webhook_secret,
                webhook_timeout_ms,
                webhook_version,
                no_welcome_email,
                allow_private_webhooks,
                sandbox,
                database,
            } => {
                if let Some(url) = &validation_webhook {
                    fitmate_transport::server::check_webhook_url(url, allow_private_webhooks)
                        .map_err(|why| anyhow::anyhow!("--validation-webhook: {why}"))?;
                }
                let store = database.open().await?;
                let made = match (&validation_webhook, &webhook_secret) {
                    (Some(_), None) => Some(fitmate_transport::server::new_webhook_secret()?),
                    _ => None,
                };
                let project = NewProject {
                    validation_webhook,
                    webhook_secret: webhook_secret.or_else(|| made.clone()),
                    webhook_timeout_ms,
                    welcome_email: !no_welcome_email,
                    webhook_version,
                    sandbox,
                    ..NewProject::new(id.clone())
                };
                match store.create_project(&project).await {
                    Ok(_) => {
                        let kind = if sandbox {
                            "sandbox project"
                        } else {
                            "project"
                        };
                        println!("created {kind} {id}");
                        if let Some(secret) = made {
                            println!("webhook secret (shown only this once): {secret}");
                        }
                    }
                    Err(StoreError::ProjectExists) => {
                        anyhow::bail!("a project with id {id} exists already")
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            ProjectsCommand::Set {
                id,
                webhook_version,
                sandbox,
                database,
            } => {
                if webhook_version.is_none() && sandbox.is_none() {
                    anyhow::bail!("nothing to change: give --webhook-version or --sandbox");
                }
                let store = database.open().await?;
                let mut settings = store
                    .project(&id)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("no project with id {id}"))?
                    .settings;
                if let Some(version) = webhook_version {
                    settings.webhook_version = version;
                }
                if let Some(sandbox) = sandbox {
                    settings.sandbox = sandbox;
                }
                store.set_project_settings(&settings).await?;
                println!(
                    "project {id}: webhook version {}, {}",
                    settings.webhook_version,
                    if settings.sandbox {
                        "sandbox"
                    } else {
                        "production"
                    }
                );
            }
            ProjectsCommand::RotateWebhookSecret {
                id,
                keep_old_hours,
                force,
                database,
            } => {
                let store = database.open().await?;
                let mut settings = store
                    .project(&id)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("no project with id {id}"))?
                    .settings;
                if settings.validation_webhook.is_none() {
                    anyhow::bail!("project {id} has no validation webhook to sign for");
                }
                if let Some(retiring) = &settings.retiring_webhook_secret
                    && retiring.until > Timestamp::now()
                    && !force
                {
                    anyhow::bail!(
                        "project {id} is in a rotation window until {}: the secret before the \
                         current one still signs, and receivers may still use it. Rotate after \
                         that, or give --force to retire it now",
                        retiring.until.strftime("%Y-%m-%dT%H:%M:%SZ")
                    );
                }
                let secret = fitmate_transport::server::new_webhook_secret()?;
                let until = Timestamp::now()
                    + jiff::SignedDuration::from_hours(i64::try_from(keep_old_hours)?);
                settings.retiring_webhook_secret = settings
                    .webhook_secret
                    .take()
                    .filter(|_| keep_old_hours > 0)
                    .map(|old| fitmate_store::RetiringSecret { secret: old, until });
                settings.webhook_secret = Some(secret.clone());
                store.set_project_settings(&settings).await?;
                println!("{secret}");
                if keep_old_hours > 0 {
                    eprintln!(
                        "project {id}: calls are signed with the new and the old secret until {}",
                        until.strftime("%Y-%m-%dT%H:%M:%SZ")
                    );
                }
            }
            ProjectsCommand::List { database } => {
                let store = database.open().await?;
                println!(
                    "{:<24} {:<10} {:<25} {:<8} {:<11} WEBHOOK",
                    "ID", "KIND", "CREATED", "WELCOME", "WEBHOOK-V"
                );
                for p in store.projects().await? {
                    let s = &p.settings;
                    println!(
                        "{:<24} {:<10} {:<25} {:<8} {:<11} {}",
                        s.id,
                        if s.sandbox { "sandbox" } else { "production" },
                        p.created_at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
                        if s.welcome_email { "on" } else { "off" },
                        s.webhook_version,
                        s.validation_webhook.as_deref().unwrap_or("-"),
                    );
                }
            }
        }
        Ok(())
    })
}

pub(crate) fn keys(command: KeysCommand) -> ExitCode {
    run_command(async move {
        match command {
            KeysCommand::Create {
                project,
                api_version,
                database,
            } => {
                let store = database.open().await?;
                let (key, _) = store
                    .create_key(&project, api_version)
                    .await
                    .map_err(|e| not_found(e, &format!("no project {project}")))?;
                println!("{}", key.expose());
            }
            KeysCommand::Secret => println!("{}", fitmate_store::SecretKeys::generate()?),
            KeysCommand::List { database } => {
                let store = database.open().await?;
                println!(
                    "{:<14} {:<24} {:<11} {:<21} REVOKED",
                    "PREFIX", "PROJECT", "VERSION", "CREATED"
                );
                for k in store.keys().await? {
                    let time = |t: Timestamp| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
                    println!(
                        "{:<14} {:<24} {:<11} {:<21} {}",
                        k.prefix,
                        k.project.as_str(),
                        k.version.as_str(),
                        time(k.created_at),
                        k.revoked_at.map_or_else(|| "-".to_owned(), time),
                    );
                }
            }
            KeysCommand::Revoke { prefix, database } => {
                let store = database.open().await?;
                let prefix: String = prefix.trim().chars().take(KEY_PREFIX_CHARS).collect();
                let info = store
                    .revoke_key(&prefix)
                    .await
                    .map_err(|e| not_found(e, &format!("no key with prefix {prefix}")))?;
                println!("revoked {} (project {})", info.prefix, info.project);
            }
        }
        Ok(())
    })
}

pub(crate) fn users(command: UsersCommand) -> ExitCode {
    run_command(async move {
        match command {
            UsersCommand::Suspend {
                project,
                user,
                reason,
                until,
                database,
            } => {
                let reason = reason.trim();
                if reason.is_empty() || reason.chars().count() > 1000 {
                    anyhow::bail!("--reason must be 1 to 1000 characters");
                }
                let store = database.open_needing_key().await?;
                let now = store.project_now(&project).await?;
                if let Some(until) = until
                    && until <= now
                {
                    anyhow::bail!(
                        "--until {until} is not after the time of project {project} ({now}): its \
                         clock was moved forward"
                    );
                }
                let suspension = store
                    .suspend(
                        &project,
                        user,
                        reason,
                        now,
                        until,
                        &operator_event(AuditAction::Suspend, &["suspensions"]),
                    )
                    .await
                    .map_err(|e| not_found(e, &format!("no user {user} in project {project}")))?;
                match suspension.end_date {
                    Some(end) => println!("suspended {user} until {end}"),
                    None => println!("suspended {user} until lifted"),
                }
            }
            UsersCommand::Unsuspend {
                project,
                user,
                database,
            } => {
                let store = database.open_needing_key().await?;
                let now = store.project_now(&project).await?;
                let lifted = store
                    .unsuspend(
                        &project,
                        user,
                        now,
                        &operator_event(AuditAction::Unsuspend, &["suspensions"]),
                    )
                    .await
                    .map_err(|e| not_found(e, &format!("no user {user} in project {project}")))?;
                println!("lifted {lifted} suspension(s) of {user}");
            }
            UsersCommand::Delete {
                project,
                user,
                database,
            } => {
                let store = database.open_needing_key().await?;
                store
                    .delete_user(&project, user, &operator_event(AuditAction::Delete, &[]))
                    .await
                    .map_err(|e| not_found(e, &format!("no user {user} in project {project}")))?;
                println!("erased user {user} of project {project}; its audit events stay");
            }
        }
        Ok(())
    })
}

pub(crate) fn emails(command: EmailsCommand) -> ExitCode {
    run_command(async move {
        let EmailsCommand::List {
            project,
            bounced,
            limit,
            database,
        } = command;
        let store = database.open().await?;
        let time = |t: Timestamp| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
        println!(
            "{:<8} {:<24} {:<36} {:<21} {:<10} {:>8}  WHY",
            "ID", "PROJECT", "USER", "QUEUED", "STATE", "ATTEMPTS"
        );
        for email in store.emails(project.as_ref(), bounced, limit).await? {
            let state = if email.delivered_at.is_some() {
                "delivered"
            } else if email.bounced_at.is_some() {
                "bounced"
            } else {
                "pending"
            };
            println!(
                "{:<8} {:<24} {:<36} {:<21} {:<10} {:>8}  {}",
                email.id,
                email.project.as_str(),
                email.user,
                time(email.queued_at),
                state,
                email.attempts,
                email.last_error.as_deref().unwrap_or("-"),
            );
        }
        store.close().await;
        Ok(())
    })
}

pub(crate) fn audit(args: AuditArgs) -> ExitCode {
    run_command(async move {
        let store = args.database.open().await?;
        let mut filter = AuditFilter::default();
        filter.project = args.project;
        filter.user = args.user;
        filter.since = args.since;
        filter.limit = args.limit;
        let events = store.audit_events(&filter).await?;
        store.close().await;
        let mut out = std::io::stdout().lock();
        use std::io::Write;
        for event in events {
            let at = event.at.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
            let line = match args.format {
                AuditFormat::Json => serde_json::json!({
                    "id": event.id,
                    "at": at,
                    "project": event.project.as_str(),
                    "actor": event.actor,
                    "requestId": event.request_id,
                    "action": event.action,
                    "user": event.user,
                    "fields": event.fields,
                })
                .to_string(),
                AuditFormat::Text => format!(
                    "{at}  {:<20} {:<14} {:<10} {}  request {}  fields {}",
                    event.project.as_str(),
                    event.actor,
                    event.action,
                    event.user,
                    event.request_id,
                    if event.fields.is_empty() {
                        "-".to_owned()
                    } else {
                        event.fields.join(",")
                    },
                ),
            };
            writeln!(out, "{line}")?;
        }
        Ok(())
    })
}
