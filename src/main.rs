//! `fitmate`: run the partner API server, administer its projects, keys and users, validate
//! payloads and generate the shipped schemas.

// The doc comments of the command-line arguments are their `--help` text, which shows
// addresses as they are typed, not as links.
#![allow(rustdoc::bare_urls)]

mod admin;
mod database;
mod import;
mod private_file;
mod schemas;
mod serve;
mod validate;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use fitmate_model::{ApiVersion, Endpoint};

/// The Fitmate partner API toolkit.
#[derive(Debug, Parser)]
#[command(name = "fitmate", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the API server. On an empty database it creates project `sandbox` and prints an
    /// API key for it.
    Serve(serve::ServeArgs),
    /// Apply the database migrations it lacks, then exit (serve applies them at start
    /// unless given --no-migrate).
    Migrate {
        #[command(flatten)]
        database: database::DatabaseArgs,
    },
    /// Create and list projects.
    #[command(subcommand)]
    Projects(admin::ProjectsCommand),
    /// Issue, list and revoke API keys.
    #[command(subcommand)]
    Keys(admin::KeysCommand),
    /// Create the users of an NDJSON file through the API, validating each line locally.
    ///
    /// Exit status: 0 when every line was created or already existed, 1 when some line was
    /// invalid or failed, 2 on a usage or I/O error. Re-running the same file is safe.
    Import(import::ImportArgs),
    /// Suspend users, lift their suspensions, erase a user's data.
    #[command(subcommand)]
    Users(admin::UsersCommand),
    /// List the audit trail: who read or wrote which user's data, when, and which fields.
    Audit(admin::AuditArgs),
    /// See the welcome emails: pending, delivered and bounced.
    #[command(subcommand)]
    Emails(admin::EmailsCommand),
    /// Check request bodies against an endpoint's rules, listing every fault.
    ///
    /// A file holds one JSON document or NDJSON (one document per line); `-` reads standard
    /// input. Exit status: 0 all valid, 1 some invalid, 2 usage or I/O error.
    Validate {
        /// The API version whose rules apply.
        #[arg(long = "version", value_name = "VERSION", default_value_t = ApiVersion::CURRENT, value_parser = parse_version)]
        api_version: ApiVersion,
        /// The endpoint: create, update, retrieve or patch.
        #[arg(long, value_parser = parse_endpoint)]
        endpoint: Endpoint,
        /// Output for people (text) or machines (json).
        #[arg(long, value_enum, default_value_t = validate::Format::Text)]
        format: validate::Format,
        /// The files to check; `-` for standard input.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Write the JSON Schemas, the OpenAPI documents and docs/api-versions.md, or check that
    /// they are current.
    Schemas {
        /// The folder to write the schemas to (or compare with).
        #[arg(long, default_value = "schemas")]
        out: PathBuf,
        /// The folder to write the generated documentation (api-versions.md) to, or compare
        /// with; `docs` unless `--out` names another folder than `schemas`.
        #[arg(long, value_name = "DIR")]
        docs: Option<PathBuf>,
        /// Write nothing; exit 1 naming every file that differs from what would be written.
        #[arg(long)]
        check: bool,
    },
}

pub(crate) fn parse_version(s: &str) -> Result<ApiVersion, String> {
    s.parse()
        .map_err(|e: fitmate_model::UnknownVersion| e.to_string())
}

fn parse_endpoint(s: &str) -> Result<Endpoint, String> {
    s.parse()
        .map_err(|e: fitmate_model::UnknownEndpoint| e.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Migrate { database } => admin::migrate(database),
        Command::Projects(command) => admin::projects(command),
        Command::Keys(command) => admin::keys(command),
        Command::Users(command) => admin::users(command),
        Command::Emails(command) => admin::emails(command),
        Command::Audit(args) => admin::audit(args),
        Command::Import(args) => import::run(args),
        Command::Validate {
            api_version,
            endpoint,
            format,
            files,
        } => validate::run(api_version, endpoint, format, &files),
        Command::Schemas { out, docs, check } => {
            let docs =
                docs.or_else(|| (out == Path::new("schemas")).then(|| PathBuf::from("docs")));
            schemas::run(&out, docs.as_deref(), check)
        }
    }
}
