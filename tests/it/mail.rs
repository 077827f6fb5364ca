//! The welcome email: a real SMTP conversation with a sink started here, the mail drop,
//! magic links redeemed once, twice and after expiry, projects without the email, and
//! emails queued before a kill -9 delivered after the restart.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fitmate_store::NewProject;
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
