//! The welcome email: delivered from the outbox by a background dispatcher.
//!
//! Creating a user queues its welcome email in the same transaction (see the store). This
//! dispatcher takes due entries, makes each a fresh magic-link token (only its hash is
//! stored), and delivers the email over SMTP or, without an SMTP server, as an `.eml` file
//! in the mail-drop folder. A failed delivery is tried again later, with growing waits; an
//! entry stays until delivered, so emails queued before a crash go out after the restart.
//! A mail server's permanent refusal (a 5xx answer) bounces the email at once, and one not
//! delivered within [`MailConfig::give_up_after`] bounces then: a bounced email is never
//! tried again. What a mail server answers may quote the recipient's address, so its words
//! are neither logged nor stored: only the server's own description and the SMTP code.
//! Delivery is at least once: an email sent just before a crash, and not yet marked, is
//! sent again (with a new link; the first still works until it expires).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use fitmate_store::{EmailCopy, PendingEmail, Store, new_magic_token};
use jiff::{SignedDuration, Timestamp};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::Notify;

/// How welcome emails are delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Delivery {
    /// Over SMTP: `smtp://host:port` (plain, or `?tls=required` for STARTTLS),
    /// `smtps://host:port` (TLS), with `user:password@` if the server wants a login.
    Smtp(String),
    /// As `.eml` files in this folder (created if missing): the mail drop. Each file holds a
    /// live sign-in link, so the folder is made `0700` and each file `0600`.
    Drop(PathBuf),
}

/// The welcome email's settings.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MailConfig {
    /// Where emails go.
    pub delivery: Delivery,
    /// The sender, e.g. `Fitmate <welcome@fitmate.example>`.
    pub from: String,
    /// The link in the email is `<link_base>?token=<token>`.
    pub link_base: String,
    /// How long a magic link works.
    pub link_ttl: Duration,
    /// How often the outbox is looked at when nothing wakes the dispatcher.
    pub poll_every: Duration,
    /// How long temporary failures are retried before the email bounces (3 days).
    pub give_up_after: Duration,
}

impl MailConfig {
    /// Emails as files in `folder`, links to `link_base`, valid 24 hours.
    pub fn drop_into(folder: impl Into<PathBuf>, link_base: impl Into<String>) -> Self {
        MailConfig {
            delivery: Delivery::Drop(folder.into()),
            from: "Fitmate <welcome@fitmate.example>".to_owned(),
            link_base: link_base.into(),
            link_ttl: Duration::from_secs(24 * 3600),
            poll_every: Duration::from_secs(2),
            give_up_after: Duration::from_secs(3 * 24 * 3600),
        }
    }
}

/// Entries taken from the outbox at a time.
const BATCH: u32 = 32;
/// The longest wait between two attempts at one email.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Drop(PathBuf),
}

impl Transport {
    fn new(delivery: &Delivery) -> Result<Self, String> {
        match delivery {
            Delivery::Smtp(url) => AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map(|builder| Transport::Smtp(builder.build()))
                .map_err(|e| format!("--smtp-url: {e}")),
            Delivery::Drop(folder) => {
                make_private_folder(folder)
                    .map_err(|e| format!("mail folder {}: {e}", folder.display()))?;
                Ok(Transport::Drop(folder.clone()))
            }
        }
    }

    async fn send(&self, message: Message) -> Result<(), Failure> {
        match self {
            Transport::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(drop)
                .map_err(|e| smtp_failure(&e)),
            Transport::Drop(folder) => {
                let folder = folder.clone();
                let bytes = message.formatted();
                tokio::task::spawn_blocking(move || drop_file(&folder, &bytes))
                    .await
                    .map_err(|e| format!("writing to the mail folder: {e}"))
                    .and_then(|written| written)
                    .map_err(Failure::Temporary)
            }
        }
    }
}

/// Why a delivery failed, in the server's own words: never a mail server's text, which may
/// quote the recipient's address.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Failure {
    /// It will never go through: the email bounces now.
    Permanent(String),
    /// It may go through later: tried again until the retry window ends.
    Temporary(String),
}

/// What an SMTP error says, without the server's words: its kind, its reply code and its
/// enhanced status code (RFC 3463) only. An email bounces only when the refusal is about
/// the recipient (enhanced status 5.1.x or 5.2.x, or, without one, 550, 551 or 553): a
/// 5xx about the sender, the login or a policy (a misconfigured server) is retried like a
/// temporary failure, so that fixing the configuration delivers the emails queued meanwhile.
fn smtp_failure(error: &lettre::transport::smtp::Error) -> Failure {
    let code = error.status().map(|code| code.to_string());
    // The first word of the server's text, when it is an enhanced status code: a code,
    // never an address, so it may be kept.
    let enhanced = std::error::Error::source(error)
        .map(|text| text.to_string())
        .and_then(|text| text.split_whitespace().next().map(str::to_owned))
        .filter(|word| is_enhanced_status(word));
    let codes = match (&code, &enhanced) {
        (Some(code), Some(enhanced)) => format!(" (SMTP {code} {enhanced})"),
        (Some(code), None) => format!(" (SMTP {code})"),
        _ => String::new(),
    };
    if error.is_permanent() {
        let about_recipient = match &enhanced {
            Some(enhanced) => enhanced.starts_with("5.1.") || enhanced.starts_with("5.2."),
            None => matches!(code.as_deref(), Some("550" | "551" | "553")),
        };
        if about_recipient {
            Failure::Permanent(format!(
                "the mail server refused the recipient for good{codes}"
            ))
        } else {
            Failure::Temporary(format!(
                "the mail server refused the email{codes}; retried in case the cause is the \
                 sending side's configuration"
            ))
        }
    } else if error.is_transient() {
        Failure::Temporary(format!("the mail server deferred the email{codes}"))
    } else if error.is_timeout() {
        Failure::Temporary("the mail server did not answer in time".to_owned())
    } else if error.is_tls() {
        Failure::Temporary("TLS with the mail server failed".to_owned())
    } else if error.is_response() {
        Failure::Temporary("the mail server's answer could not be read".to_owned())
    } else if error.is_client() {
        Failure::Temporary("the SMTP client could not send the email".to_owned())
    } else {
        Failure::Temporary("the mail server could not be reached".to_owned())
    }
}

/// Whether `word` is an enhanced status code: `class.subject.detail`, e.g. `5.1.1`.
fn is_enhanced_status(word: &str) -> bool {
    let mut parts = word.split('.');
    let class = parts.next().unwrap_or("");
    let rest: Vec<&str> = parts.collect();
    matches!(class, "2" | "4" | "5")
        && rest.len() == 2
        && rest
            .iter()
            .all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Makes the mail-drop folder if missing, and readable by its owner alone.
fn make_private_folder(folder: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(folder)?;
    // A folder made by an earlier version, or by hand, is made private too.
    #[cfg(unix)]
    std::fs::set_permissions(folder, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
    Ok(())
}

/// Writes one email into the mail-drop folder as `<uuid>.eml`, mode `0600`. It is written
/// under a hidden name and renamed, so a reader never sees half an email.
fn drop_file(folder: &std::path::Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let name = uuid::Uuid::new_v4();
    let partial = folder.join(format!(".{name}.eml.part"));
    let done = folder.join(format!("{name}.eml"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(&partial)
        .and_then(|mut file| file.write_all(bytes))
        .and_then(|()| std::fs::rename(&partial, &done))
        .map_err(|e| {
            let _ = std::fs::remove_file(&partial);
            format!(
                "writing to the mail folder {}: {}",
                folder.display(),
                e.kind()
            )
        })
}

/// Checks the configuration: an SMTP URL that does not parse or a mail folder that cannot
/// be made is reported at start, not at the first email.
pub fn check(config: &MailConfig) -> Result<(), String> {
    Transport::new(&config.delivery).map(drop)?;
    config
        .from
        .parse::<Mailbox>()
        .map(drop)
        .map_err(|e| format!("--mail-from {:?}: {e}", config.from))
}

/// Delivers due welcome emails until `stop` turns true; `wake` makes it look at once.
/// Stopping lets the email being delivered finish and gives the other claimed ones back
/// (on PostgreSQL another replica may take them at once).
pub(crate) async fn dispatch<S: Store>(
    store: S,
    config: MailConfig,
    metrics: Option<Arc<super::metrics::Metrics>>,
    wake: Arc<Notify>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let transport = match Transport::new(&config.delivery) {
        Ok(transport) => transport,
        Err(error) => {
            tracing::error!(%error, "welcome emails cannot be delivered");
            return;
        }
    };
    while !*stop.borrow() {
        let due = match store.claim_due_emails(Timestamp::now(), BATCH).await {
            Ok(due) => due,
            Err(error) => {
                tracing::warn!(%error, "reading the outbox failed");
                Vec::new()
            }
        };
        let full = due.len() == BATCH as usize;
        let mut due = due.into_iter();
        while let Some(email) = due.next() {
            if *stop.borrow() {
                let left: Vec<i64> = std::iter::once(email.id).chain(due.map(|e| e.id)).collect();
                if let Err(error) = store.release_emails(&left).await {
                    tracing::warn!(%error, "giving back claimed emails failed; they wait for their lease");
                }
                return;
            }
            let outcome = deliver(&store, &config, &transport, email).await;
            if let Some(metrics) = &metrics {
                metrics.email_attempted(outcome);
            }
        }
        if !full {
            tokio::select! {
                () = wake.notified() => {},
                () = tokio::time::sleep(config.poll_every) => {},
                _ = stop.changed() => {},
            }
        }
    }
}

/// Makes one attempt at `email` and records its outcome: `delivered`, `deferred` or
/// `bounced` (see [`super::metrics::EMAIL_OUTCOMES`]).
async fn deliver<S: Store>(
    store: &S,
    config: &MailConfig,
    transport: &Transport,
    email: PendingEmail,
) -> &'static str {
    // A sandbox project's link expires by the project's clock, and its email is kept as sent
    // for the console.
    let project = store.project(&email.project).await.ok().flatten();
    let sandbox = project.as_ref().is_some_and(|p| p.settings.sandbox);
    let now = project.as_ref().map_or_else(Timestamp::now, |p| p.now());
    let mut copy = None;
    let sent = async {
        let (token, hash) =
            new_magic_token().map_err(|e| Failure::Temporary(format!("random token: {e}")))?;
        let ttl =
            SignedDuration::try_from(config.link_ttl).unwrap_or(SignedDuration::from_hours(24));
        let expires = now
            .checked_add(ttl)
            .map_err(|_| Failure::Temporary("the link's expiry is out of range".to_owned()))?;
        store
            .create_magic_link(email.user.id, hash, now, expires)
            .await
            .map_err(|_| Failure::Temporary("the database did not keep the link".to_owned()))?;
        let (message, sent) = welcome(config, &email, &token)?;
        transport.send(message).await?;
        copy = sandbox.then_some(sent);
        Ok(())
    }
    .await;
    let (outbox, user) = (email.id, email.user.id);
    let failure = match sent {
        Ok(()) => {
            // The copy first: an email the console sees delivered has it.
            if let Some(copy) = copy
                && let Err(error) = store.keep_email_copy(outbox, &copy).await
            {
                tracing::warn!(%error, outbox, "keeping the sandbox copy of an email failed");
            }
            if let Err(error) = store.email_delivered(outbox, Timestamp::now()).await {
                tracing::warn!(%error, outbox, "marking an email delivered failed");
            } else {
                tracing::info!(outbox, %user, "welcome email delivered");
            }
            return "delivered";
        }
        Err(failure) => failure,
    };
    let wait = backoff(email.attempts);
    let retry_at = now
        .checked_add(SignedDuration::try_from(wait).unwrap_or(SignedDuration::from_hours(1)))
        .unwrap_or(now);
    let window = SignedDuration::try_from(config.give_up_after).unwrap_or(SignedDuration::MAX);
    let reason = match failure {
        Failure::Permanent(reason) => reason,
        Failure::Temporary(reason) if retry_at.duration_since(email.queued_at) > window => {
            format!(
                "not delivered within {} hours; the last attempt: {reason}",
                config.give_up_after.as_secs() / 3600
            )
        }
        Failure::Temporary(reason) => {
            tracing::warn!(outbox, %user, attempts = email.attempts + 1, retry_in_s = wait.as_secs(), error = %reason, "welcome email not delivered");
            if let Err(e) = store.email_failed(outbox, retry_at, &reason).await {
                tracing::warn!(error = %e, outbox, "recording a failed email failed");
            }
            return "deferred";
        }
    };
    tracing::warn!(outbox, %user, attempts = email.attempts + 1, %reason, "welcome email bounced; it will not be tried again");
    if let Err(e) = store.email_bounced(outbox, now, &reason).await {
        tracing::warn!(error = %e, outbox, "recording a bounced email failed");
    }
    "bounced"
}

/// The wait after `attempts` failed attempts: 5 s, doubling, at most an hour.
fn backoff(attempts: u32) -> Duration {
    Duration::from_secs(5)
        .saturating_mul(1 << attempts.min(12))
        .min(MAX_BACKOFF)
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The welcome email with its magic link, in plain text and HTML, and its copy as a sandbox
/// project keeps it.
fn welcome(
    config: &MailConfig,
    email: &PendingEmail,
    token: &str,
) -> Result<(Message, EmailCopy), Failure> {
    let user = &email.user.user;
    let name = format!("{} {}", user.firstname, user.lastname);
    let address = user.email.as_str().parse().map_err(|_| {
        Failure::Permanent("the recipient's address is not one SMTP takes".to_owned())
    })?;
    let from: Mailbox = config
        .from
        .parse()
        .map_err(|e| Failure::Temporary(format!("--mail-from: {e}")))?;
    let separator = if config.link_base.contains('?') {
        '&'
    } else {
        '?'
    };
    let link = format!("{}{separator}token={token}", config.link_base);
    let hours = config.link_ttl.as_secs() / 3600;
    let text = format!(
        "Hello {first},\n\nWelcome to Fitmate. Your care team has set up your coaching \
         programme. Open this link to sign in; it works once, for {hours} hours:\n\n{link}\n\n\
         If you did not expect this email, you can ignore it.\n\nThe Fitmate team\n",
        first = user.firstname,
    );
    let html = format!(
        "<p>Hello {first},</p><p>Welcome to Fitmate. Your care team has set up your coaching \
         programme. Open this link to sign in; it works once, for {hours} hours:</p>\
         <p><a href=\"{link}\">Sign in to Fitmate</a></p>\
         <p>If you did not expect this email, you can ignore it.</p><p>The Fitmate team</p>",
        first = escape_html(user.firstname.as_str()),
        link = escape_html(&link),
    );
    let copy = EmailCopy {
        to: user.email.as_str().to_owned(),
        subject: SUBJECT.to_owned(),
        text: text.clone(),
        html: html.clone(),
        link,
    };
    let message = Message::builder()
        .from(from)
        .to(Mailbox::new(Some(name), address))
        .subject(SUBJECT)
        .multipart(MultiPart::alternative_plain_html(text, html))
        .map_err(|_| Failure::Temporary("the email could not be built".to_owned()))?;
    Ok((message, copy))
}

/// The subject of the welcome email.
const SUBJECT: &str = "Welcome to Fitmate";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_five_seconds_up_to_an_hour() {
        assert_eq!(backoff(0), Duration::from_secs(5));
        assert_eq!(backoff(1), Duration::from_secs(10));
        assert_eq!(backoff(3), Duration::from_secs(40));
        assert_eq!(backoff(20), MAX_BACKOFF);
    }

    #[test]
    fn enhanced_status_codes_are_told_from_addresses() {
        for code in ["5.1.1", "4.7.1", "5.7.26", "2.0.0"] {
            assert!(is_enhanced_status(code), "{code}");
        }
        for word in [
            "<patient@clinic.org>:",
            "550",
            "5.1",
            "5.1.1.1",
            "6.1.1",
            "5.a.1",
            "",
        ] {
            assert!(!is_enhanced_status(word), "{word}");
        }
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(escape_html("<b>&\"'"), "&lt;b&gt;&amp;&quot;&#39;");
    }
}
