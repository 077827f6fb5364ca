//! The welcome email: a real SMTP conversation with a sink started here, the mail drop,
//! magic links redeemed once, twice and after expiry, projects without the email, and
//! emails queued before a kill -9 delivered after the restart.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fitmate_store::{NewProject, Store};
use fitmate_transport::server::{Delivery, MailConfig, ServerConfig};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::harness::{TestServer, user};

/// One message an SMTP client handed to the sink.
#[derive(Debug, Clone, Default)]
struct Received {
    from: String,
    to: Vec<String>,
    data: String,
}

/// A minimal SMTP server on loopback that accepts every message and keeps it.
async fn smtp_sink() -> (String, Arc<Mutex<Vec<Received>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}", listener.local_addr().unwrap());
    let inbox = Arc::new(Mutex::new(Vec::new()));
    let kept = inbox.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let inbox = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 sink ESMTP\r\n").await;
                let mut message = Received::default();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250 sink\r\n"
                    } else if upper.starts_with("MAIL FROM:") {
                        message.from = line[10..].trim().to_owned();
                        b"250 ok\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        message.to.push(line[8..].trim().to_owned());
                        b"250 ok\r\n"
                    } else if upper == "DATA" {
                        let _ = write.write_all(b"354 end with .\r\n").await;
                        while let Ok(Some(data)) = lines.next_line().await {
                            if data == "." {
                                break;
                            }
                            message.data.push_str(&data);
                            message.data.push('\n');
                        }
                        inbox.lock().unwrap().push(std::mem::take(&mut message));
                        b"250 queued\r\n"
                    } else if upper == "QUIT" {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        break;
                    } else {
                        b"250 ok\r\n"
                    };
                    let _ = write.write_all(reply).await;
                }
            });
        }
    });
    (url, inbox)
}

/// The magic-link token in an email's text (quoted-printable soft breaks undone).
pub(crate) fn token_in(email: &str, link_base: &str) -> String {
    let text = email
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=");
    let start = text
        .find(&format!("{link_base}?token="))
        .expect("the email has the link")
        + link_base.len()
        + "?token=".len();
    text[start..start + 43].to_owned()
}

async fn redeem(server: &TestServer, token: &str) -> crate::harness::Answer {
    server
        .send(
            reqwest::Method::POST,
            "/auth/magic-link/redeem",
            None,
            None,
            &json!({"token": token}),
        )
        .await
}

const LINK: &str = "https://app.fitmate.example/welcome";

fn mail(delivery: Delivery, ttl: Duration) -> ServerConfig {
    let mut mail = MailConfig::drop_into("unused", LINK);
    mail.delivery = delivery;
    mail.link_ttl = ttl;
    mail.poll_every = Duration::from_millis(200);
    let mut config = ServerConfig::default();
    config.mail = Some(mail);
    config
}

async fn wait_for<T>(mut check: impl FnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(found) = check() {
            return found;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "waited 15 s in vain"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_welcome_email_goes_out_over_smtp_and_its_link_works_once() {
    let (url, inbox) = smtp_sink().await;
    let server = TestServer::start_with(mail(Delivery::Smtp(url), Duration::from_secs(3600))).await;
    let id = server.create(&user(1)).await;

    let email = wait_for(|| inbox.lock().unwrap().first().cloned()).await;
    assert_eq!(email.to, vec!["<patient1@clinic.example>".to_owned()]);
    assert!(
        email.data.contains("Subject: Welcome to Fitmate"),
        "{}",
        email.data
    );
    assert!(email.data.contains("text/plain") && email.data.contains("text/html"));
    let token = token_in(&email.data, LINK);

    let first = redeem(&server, &token).await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    assert_eq!(first.body["identifier"], id.as_str());
    let second = redeem(&server, &token).await;
    assert_eq!(second.status, 410);

    let malformed = redeem(&server, "not-a-token").await;
    assert_eq!(malformed.status, 400);
    assert_eq!(malformed.body["errors"][0]["code"], "invalid_token");
    let unknown = redeem(&server, &"A".repeat(43)).await;
    assert_eq!(unknown.status, 410);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emails_drop_into_the_mail_folder_and_links_expire() {
    let folder = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(mail(
        Delivery::Drop(folder.path().to_owned()),
        Duration::from_secs(1),
    ))
    .await;
    server.create(&user(2)).await;
    let file = wait_for(|| {
        std::fs::read_dir(folder.path())
            .ok()?
            .filter_map(Result::ok)
            .find(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .map(|e| e.path())
    })
    .await;
    assert_eq!(
        crate::file_mode(&file),
        0o600,
        "a dropped email holds a live sign-in link: its owner's alone"
    );
    let email = std::fs::read_to_string(file).unwrap();
    assert!(
        email.contains("To: \"Ada Lovelace\" <patient2@clinic.example>"),
        "{email}"
    );
    let token = token_in(&email, LINK);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let expired = redeem(&server, &token).await;
    assert_eq!(expired.status, 410, "{:?}", expired.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_project_without_welcome_emails_sends_none() {
    let (url, inbox) = smtp_sink().await;
    let server = TestServer::start_with(mail(Delivery::Smtp(url), Duration::from_secs(3600))).await;
    let mut quiet = NewProject::new("quiet".parse().unwrap());
    quiet.welcome_email = false;
    let key = server.project_with(&quiet).await;
    let created = server
        .send(
            reqwest::Method::POST,
            "/users/create",
            Some(&key),
            None,
            &user(3),
        )
        .await;
    assert_eq!(created.status, 200);
    // A user of the other project still gets one, so the dispatcher is known to run.
    server.create(&user(4)).await;
    let email = wait_for(|| inbox.lock().unwrap().first().cloned()).await;
    assert_eq!(email.to, vec!["<patient4@clinic.example>".to_owned()]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(inbox.lock().unwrap().len(), 1);
}

/// An SMTP server on loopback, on a thread of its own, that answers every `RCPT TO` with
/// `reply` quoting the recipient's address, as Postfix, Exchange and SES do. Answers its
/// URL and how many recipients it was offered.
pub(crate) fn refusing_smtp(reply: &'static str) -> (String, Arc<AtomicUsize>) {
    use std::io::{BufRead, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("smtp://{}", listener.local_addr().unwrap());
    let offered = Arc::new(AtomicUsize::new(0));
    let counted = offered.clone();
    std::thread::spawn(move || {
        for socket in listener.incoming().map_while(Result::ok) {
            let mut write = socket.try_clone().unwrap();
            let mut lines = std::io::BufReader::new(socket).lines();
            let _ = write.write_all(b"220 mx.clinic.example ESMTP\r\n");
            while let Some(Ok(line)) = lines.next() {
                let upper = line.to_ascii_uppercase();
                let answer = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                    "250 mx.clinic.example".to_owned()
                } else if upper.starts_with("RCPT TO:") {
                    counted.fetch_add(1, Ordering::SeqCst);
                    let address = line[8..].trim().trim_matches(['<', '>']);
                    reply.replace("{address}", address)
                } else if upper == "QUIT" {
                    let _ = write.write_all(b"221 bye\r\n");
                    break;
                } else {
                    "250 ok".to_owned()
                };
                if write.write_all(format!("{answer}\r\n").as_bytes()).is_err() {
                    break;
                }
            }
        }
    });
    (url, offered)
}

/// Postfix's words for an unknown mailbox.
pub(crate) const REJECTED: &str = "550 5.1.1 <{address}>: Recipient address rejected: User unknown";

/// A mail server that keeps deferring an email (4xx, quoting the address) makes it bounce
/// once the retry window is over, and what is kept of its answer quotes nobody.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_deferred_past_the_retry_window_bounces_and_its_reason_quotes_nobody() {
    let (url, offered) =
        refusing_smtp("451 4.7.1 <{address}>: Recipient address rejected: try again later");
    let mut config = mail(Delivery::Smtp(url), Duration::from_secs(3600));
    if let Some(mail) = config.mail.as_mut() {
        mail.give_up_after = Duration::from_secs(1);
    }
    let server = TestServer::start_with(config).await;
    let id = server.create(&user(5)).await;
    let started = Instant::now();
    let bounced = loop {
        let bounced = server.store.emails(None, true, 10).await.unwrap();
        if let Some(email) = bounced.into_iter().next() {
            break email;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "no bounce in 15 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(bounced.user.to_string(), id);
    assert_eq!(
        offered.load(Ordering::SeqCst),
        1,
        "tried once, then bounced"
    );
    let reason = bounced.last_error.unwrap();
    assert!(reason.contains("SMTP 451"), "{reason}");
    assert!(
        !reason.contains("patient5") && !reason.contains("rejected"),
        "{reason}"
    );
}

/// A 5xx about the sending side (a policy or login refusal, here 5.7.1) is not a bounce: a
/// misconfigured server would otherwise bounce every email for good. It is retried.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_about_the_sender_is_retried_not_bounced() {
    let (url, offered) = refusing_smtp("550 5.7.1 <{address}>: Relay access denied");
    let server = TestServer::start_with(mail(Delivery::Smtp(url), Duration::from_secs(3600))).await;
    let id = server.create(&user(6)).await;
    let started = Instant::now();
    let pending = loop {
        let all = server.store.emails(None, false, 10).await.unwrap();
        if let Some(email) = all.into_iter().find(|e| e.attempts > 0) {
            break email;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "no attempt in 15 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(pending.user.to_string(), id);
    assert_eq!(pending.bounced_at, None, "{pending:?}");
    assert_eq!(offered.load(Ordering::SeqCst), 1);
    let reason = pending.last_error.unwrap();
    assert!(
        reason.contains("SMTP 550 5.7.1") && !reason.contains("patient6"),
        "{reason}"
    );
}
