//! `fitmate import`: create the users of an NDJSON file through the API, a bounded number at
//! a time, in constant memory.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use fitmate_model::ApiVersion;
use fitmate_model::rules::{Fault, Report};
use fitmate_transport::client::{Client, Environment, Error};
use serde_json::json;
use tokio::io::AsyncBufReadExt;
use tokio::task::JoinSet;

#[derive(Debug, clap::Args)]
pub(crate) struct ImportArgs {
    /// The NDJSON file: one create body per line (blank lines are skipped).
    file: PathBuf,
    /// The API's base URL, e.g. http://127.0.0.1:8080 or https://partners-sandbox.ftmtapi.com.
    #[arg(long, env = "FITMATE_BASE_URL")]
    base_url: String,
    /// The project's API key.
    #[arg(long, env = "FITMATE_API_KEY", hide_env_values = true)]
    api_key: String,
    /// The API version the lines are written in.
    #[arg(long = "version", value_name = "VERSION", default_value_t = ApiVersion::CURRENT, value_parser = crate::parse_version)]
    api_version: ApiVersion,
    /// Creates in flight at most.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..=512))]
    concurrency: u16,
    /// Write one NDJSON line per line that was not imported: {"line", "email", "errors"}.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
}

/// What became of one line.
enum Fate {
    Created,
    Existing,
    Invalid(Vec<Fault>),
    Failed(Vec<serde_json::Value>),
}

#[derive(Debug, Default)]
struct Tally {
    lines: u64,
    created: u64,
    existing: u64,
    invalid: u64,
    failed: u64,
}

impl Tally {
    fn line(&self) -> String {
        format!(
            "{} lines: {} created, {} already existing, {} invalid, {} failed",
            self.lines, self.created, self.existing, self.invalid, self.failed
        )
    }
}

pub(crate) fn run(args: ImportArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(import(args)) {
        Ok(tally) => {
            println!("{}", tally.line());
            if tally.invalid + tally.failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Reads a line as a create body of `version`; creates it through `client`.
async fn create(client: Client, version: ApiVersion, line: &str) -> Fate {
    if let Err(report) = version.read_create(line.as_bytes()) {
        return Fate::Invalid(report.into_faults());
    }
    // A body the version's reader accepted is JSON.
    let body: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
    let result = client.in_version(version).create_user(&body).await;
    match result {
        Ok(_) => Fate::Created,
        Err(Error::EmailExists) => Fate::Existing,
        Err(Error::Invalid(report)) => Fate::Invalid(Report::into_faults(report)),
        Err(other) => Fate::Failed(vec![json!({
            "field": "",
            "code": failure_code(&other),
            "message": other.to_string(),
        })]),
    }
}

fn failure_code(error: &Error) -> &'static str {
    match error {
        Error::PhoneExists => "phone_taken",
        Error::UsernameTaken => "username_taken",
        Error::Unauthorized => "unauthorized",
        Error::Forbidden => "forbidden",
        Error::WebhookRejected(_) => "validation_failed",
        Error::Unavailable { .. } => "unavailable",
        Error::Transport(_) => "no_answer",
        _ => "server_error",
    }
}

/// The email of a line, for the report, if it has one.
fn email_of(line: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Email {
        email: Option<serde_json::Value>,
    }
    serde_json::from_str::<Email>(line)
        .ok()
        .and_then(|e| e.email)
        .and_then(|e| e.as_str().map(str::to_owned))
}

async fn import(args: ImportArgs) -> anyhow::Result<Tally> {
    let file = tokio::fs::File::open(&args.file)
        .await
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?;
    let size = file.metadata().await.map(|m| m.len()).unwrap_or(0);
    let mut lines = tokio::io::BufReader::new(file).lines();
    let mut report = match &args.report {
        Some(path) => Some(std::io::BufWriter::new(
            crate::private_file::create(path, true)
                .map_err(|e| anyhow::anyhow!("--report {}: {e}", path.display()))?,
        )),
        None => None,
    };
    let client = Client::builder(Environment::Custom(args.base_url.clone()), &args.api_key)
        .version(args.api_version)
        .build()?;
    let progress = Progress::new(size);

    let mut tally = Tally::default();
    let mut in_flight: JoinSet<(u64, Option<String>, Fate)> = JoinSet::new();
    let mut read = 0u64;
    let mut number = 0u64;
    let limit = usize::from(args.concurrency);
    let mut record =
        |tally: &mut Tally, line: u64, email: Option<String>, fate: Fate| -> anyhow::Result<()> {
            let errors = match fate {
                Fate::Created => {
                    tally.created += 1;
                    return Ok(());
                }
                Fate::Existing => {
                    tally.existing += 1;
                    return Ok(());
                }
                Fate::Invalid(faults) => {
                    tally.invalid += 1;
                    serde_json::to_value(faults)?
                }
                Fate::Failed(errors) => {
                    tally.failed += 1;
                    serde_json::Value::Array(errors)
                }
            };
            if let Some(report) = report.as_mut() {
                let entry = json!({"line": line, "email": email, "errors": errors});
                writeln!(report, "{entry}")?;
            }
            Ok(())
        };

    while let Some(line) = lines.next_line().await? {
        number += 1;
        read += line.len() as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        tally.lines += 1;
        while in_flight.len() >= limit {
            if let Some(done) = in_flight.join_next().await {
                let (n, email, fate) = done?;
                record(&mut tally, n, email, fate)?;
            }
        }
        let (client, version) = (client.clone(), args.api_version);
        in_flight.spawn(async move {
            let fate = create(client, version, &line).await;
            // The email only goes into the report, so only a line that goes there is
            // read for it.
            let email = match fate {
                Fate::Created | Fate::Existing => None,
                _ => email_of(&line),
            };
            (number, email, fate)
        });
        progress.show(read, &tally);
    }
    while let Some(done) = in_flight.join_next().await {
        let (n, email, fate) = done?;
        record(&mut tally, n, email, fate)?;
        progress.show(read, &tally);
    }
    if let Some(mut report) = report {
        report.flush()?;
    }
    progress.finish(&tally);
    Ok(tally)
}

/// A progress bar on a terminal; elsewhere a plain line every few seconds.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    last: std::cell::Cell<Instant>,
}

const PLAIN_EVERY: Duration = Duration::from_secs(5);

impl Progress {
    fn new(size: u64) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(size);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{bar:30} {percent:>3}% {elapsed_precise} {msg}",
            ) {
                bar.set_style(style);
            }
            bar
        });
        Progress {
            bar,
            last: std::cell::Cell::new(Instant::now()),
        }
    }

    fn show(&self, read: u64, tally: &Tally) {
        match &self.bar {
            Some(bar) => {
                bar.set_position(read);
                bar.set_message(tally.line());
            }
            None if self.last.get().elapsed() >= PLAIN_EVERY => {
                self.last.set(Instant::now());
                eprintln!("import: {}", tally.line());
            }
            None => {}
        }
    }

    fn finish(&self, tally: &Tally) {
        if let Some(bar) = &self.bar {
            bar.finish_with_message(tally.line());
        }
    }
}
