//! A real server on 127.0.0.1 over a fresh SQLite file, and a client for it.

use fitmate_model::ApiVersion;
use fitmate_store::{AnyStore, NewProject, PgSettings, Store};
use fitmate_transport::server::{App, ServerConfig, serve, serve_metrics};
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A server answering on a loopback port, with project `sandbox` and a key for it.
pub(crate) struct TestServer {
    pub(crate) base: String,
    pub(crate) store: AnyStore,
    /// A key of project `sandbox`, pinned to the current version.
    pub(crate) key: String,
    /// The metrics listener's `http://ADDR/metrics`, when `ServerConfig::metrics` is on.
    pub(crate) metrics_url: Option<String>,
    client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
    metrics_task: Option<JoinHandle<std::io::Result<()>>>,
    _dir: tempfile::TempDir,
}

/// What the server answered.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    /// The `Fitmate-Version` header ("" if missing).
    pub(crate) version: String,
    pub(crate) content_type: String,
    pub(crate) body: Value,
}

impl TestServer {
    pub(crate) async fn start() -> TestServer {
        TestServer::start_with(ServerConfig::default()).await
    }

    /// A server with `config`.
    pub(crate) async fn start_with(config: ServerConfig) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let store = test_store(dir.path()).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let metrics_on = config.metrics;
        let app = App::new(store.clone(), config);
        let (metrics_url, metrics_task) = if metrics_on {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}/metrics", listener.local_addr().unwrap());
            let task = tokio::spawn(serve_metrics(listener, app.clone(), std::future::pending()));
            (Some(url), Some(task))
        } else {
            (None, None)
        };
        let task = tokio::spawn(serve(listener, app, async {
            let _ = stopped.await;
        }));
        let mut server = TestServer {
            base,
            store,
            key: String::new(),
            metrics_url,
            client: reqwest::Client::new(),
            stop: Some(stop),
            task: Some(task),
            metrics_task,
            _dir: dir,
        };
        // The tests' bodies are 2023-10-04 bodies: their keys say so, so that a newer
        // current version leaves them as they are.
        server.key = server.key_for("sandbox", ApiVersion::V2023_10_04).await;
        server
    }

    /// The SQLite file of the server's store (when the tests run on SQLite).
    pub(crate) fn db_file(&self) -> std::path::PathBuf {
        self._dir.path().join("fitmate.db")
    }

    /// The text of `GET /metrics` on the metrics listener (metrics must be on).
    pub(crate) async fn scrape(&self) -> String {
        let url = self.metrics_url.as_deref().expect("metrics are on");
        let response = self.client.get(url).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let content_type = response.headers()["content-type"].to_str().unwrap();
        assert!(
            content_type.starts_with("text/plain; version=0.0.4"),
            "{content_type}"
        );
        response.text().await.unwrap()
    }

    /// Creates `project` and answers a key for it.
    pub(crate) async fn project_with(&self, project: &NewProject) -> String {
        self.store.create_project(project).await.unwrap();
        let (key, _) = self
            .store
            .create_key(&project.id, ApiVersion::V2023_10_04)
            .await
            .unwrap();
        key.expose().to_owned()
    }

    /// A new key of `project` (created if missing), pinned to `version`.
    pub(crate) async fn key_for(&self, project: &str, version: ApiVersion) -> String {
        let id = project.parse().unwrap();
        if self.store.project(&id).await.unwrap().is_none() {
            self.store
                .create_project(&NewProject::new(id.clone()))
                .await
                .unwrap();
        }
        let (key, _) = self.store.create_key(&id, version).await.unwrap();
        key.expose().to_owned()
    }

    /// Sends `body` as JSON with `key`, and the `Fitmate-Version` header if `version` is set.
    pub(crate) async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        key: Option<&str>,
        version: Option<&str>,
        body: &Value,
    ) -> Answer {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .json(body);
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some(version) = version {
            request = request.header("Fitmate-Version", version);
        }
        Self::read(request.send().await.unwrap()).await
    }

    /// `POST path` with the sandbox key and the key's version.
    pub(crate) async fn post(&self, path: &str, body: &Value) -> Answer {
        self.send(reqwest::Method::POST, path, Some(&self.key), None, body)
            .await
    }

    /// `POST path` with the sandbox key in `version`.
    pub(crate) async fn post_in(&self, version: &str, path: &str, body: &Value) -> Answer {
        self.send(
            reqwest::Method::POST,
            path,
            Some(&self.key),
            Some(version),
            body,
        )
        .await
    }

    /// `PATCH /{project}/users/{user}` with `key`.
    pub(crate) async fn patch(&self, key: &str, project: &str, user: &str, body: &Value) -> Answer {
        self.send(
            reqwest::Method::PATCH,
            &format!("/{project}/users/{user}"),
            Some(key),
            None,
            body,
        )
        .await
    }

    /// Sends a raw request built by `build` from the client.
    pub(crate) async fn raw(
        &self,
        build: impl FnOnce(&reqwest::Client, &str) -> reqwest::RequestBuilder,
    ) -> Answer {
        Self::read(build(&self.client, &self.base).send().await.unwrap()).await
    }

    pub(crate) async fn read(response: reqwest::Response) -> Answer {
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        let version = header("fitmate-version");
        let content_type = header("content-type");
        let status = response.status().as_u16();
        let bytes = response.bytes().await.unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            panic!(
                "status {status}: the body is not JSON: {:?}",
                String::from_utf8_lossy(&bytes)
            )
        });
        Answer {
            status,
            version,
            content_type,
            body,
        }
    }

    /// `PATCH /sandbox/users/{user}` with the sandbox key.
    pub(crate) async fn patch_own(&self, user: &str, body: &Value) -> Answer {
        self.patch(&self.key, "sandbox", user, body).await
    }

    /// The stored user of project `sandbox` with identifier `id`.
    pub(crate) async fn stored(&self, id: &str) -> fitmate_store::StoredUser {
        self.stored_in("sandbox", id).await
    }

    /// The stored user of `project` with identifier `id`.
    pub(crate) async fn stored_in(&self, project: &str, id: &str) -> fitmate_store::StoredUser {
        self.store
            .user_by_id(
                &project.parse().unwrap(),
                uuid::Uuid::parse_str(id).unwrap(),
            )
            .await
            .unwrap()
            .unwrap()
    }

    /// Creates `user` (2023-10-04) and answers its identifier.
    pub(crate) async fn create(&self, user: &Value) -> String {
        let answer = self.post_in("2023-10-04", "/users/create", user).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        answer.body["identifier"].as_str().unwrap().to_owned()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
        if let Some(task) = self.metrics_task.take() {
            task.abort();
        }
    }
}

/// A valid 2023-10-04 create body; `n` makes email and phone distinct.
pub(crate) fn user(n: u32) -> Value {
    serde_json::json!({
        "email": format!("patient{n}@clinic.example"),
        "firstname": "Ada",
        "lastname": "Lovelace",
        "phonenumber": format!("+1 555 {:07}", n),
        "dateOfBirth": "1985-03-14",
        "sex": "female",
        "height": "5ft 6in",
        "currentWeight": 150,
        "pregnant": false,
        "diabetes": 3,
        "glp1drugs": true,
        "paymentPlan": 6,
        "planStartDate": "2026-12-01",
        "medicalClearance": "full",
    })
}

/// The backend the tests run on: a fresh SQLite file in `dir`, or, when
/// `FITMATE_TEST_DATABASE` is a `postgres://` URL, a fresh schema in that database (`.ci/run`
/// creates the database and drops it afterwards).
pub(crate) async fn test_store(dir: &std::path::Path) -> AnyStore {
    match std::env::var("FITMATE_TEST_DATABASE") {
        Ok(url) if url.starts_with("postgres") => {
            let schema = fresh_schema(&url).await;
            test_store_in(&url, &schema).await
        }
        _ => {
            let url = format!("sqlite://{}", dir.join("fitmate.db").display());
            AnyStore::open(&url, &PgSettings::default(), true, test_secrets())
                .await
                .unwrap()
        }
    }
}

/// `FITMATE_TEST_DATABASE`, for the tests that run on PostgreSQL only (ignored unless asked
/// for; asked for without it, they fail rather than pass without running).
pub(crate) fn postgres_test_url() -> String {
    let url = std::env::var("FITMATE_TEST_DATABASE").unwrap_or_default();
    assert!(
        url.starts_with("postgres"),
        "this test runs on PostgreSQL: set FITMATE_TEST_DATABASE=postgres://…"
    );
    url
}

/// [`user`]`(n)` as the store keeps it, for tests that write through the store.
pub(crate) fn canonical_user(n: u32) -> fitmate_model::User {
    let body = user(n).to_string();
    ApiVersion::V2023_10_04
        .read_create(body.as_bytes())
        .unwrap()
}

/// Runs `sql`, made by the tests from names of their own (UUIDs), never from input, on
/// the PostgreSQL database at `url`.
async fn admin(url: &str, sql: String) {
    use sqlx::Connection;
    let mut admin = sqlx::PgConnection::connect(url)
        .await
        .unwrap_or_else(|e| panic!("FITMATE_TEST_DATABASE {url} is unreachable: {e}"));
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(&mut admin)
        .await
        .unwrap();
}

/// The key that seals secureMetadata in the tests: one fixed key, so stores opened on the
/// same database (replicas, reopenings) read each other's rows.
pub(crate) fn test_secrets() -> std::sync::Arc<fitmate_store::SecretKeys> {
    const KEY: &str = "dGVzdHMgb25seTogbmV2ZXIgdXNlIHRoaXMga2V5ISE=";
    std::sync::Arc::new(fitmate_store::SecretKeys::from_base64(KEY, &[]).unwrap())
}

/// A new, empty schema in the PostgreSQL database at `url`.
pub(crate) async fn fresh_schema(url: &str) -> String {
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    admin(url, format!("CREATE SCHEMA {schema}")).await;
    schema
}

/// A new, empty database beside the one `url` names, for the binary, which takes a URL and
/// no schema: answers its URL and its name. Drop it with [`drop_database`].
pub(crate) async fn fresh_database(url: &str) -> (String, String) {
    let (server, _) = url
        .rsplit_once('/')
        .filter(|(server, _)| server.contains("://") && !url.contains('?'))
        .unwrap_or_else(|| panic!("FITMATE_TEST_DATABASE must be postgres://…/DATABASE"));
    let name = format!("fitmate_t_{}", uuid::Uuid::new_v4().simple());
    admin(url, format!("CREATE DATABASE {name}")).await;
    (format!("{server}/{name}"), name)
}

/// Drops a database [`fresh_database`] made, from the one `url` names.
pub(crate) async fn drop_database(url: &str, name: &str) {
    admin(url, format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
}

/// A migrated store on `schema` of the PostgreSQL database at `url`.
pub(crate) async fn test_store_in(url: &str, schema: &str) -> AnyStore {
    let mut settings = PgSettings::default();
    settings.schema = Some(schema.to_owned());
    AnyStore::open(url, &settings, true, test_secrets())
        .await
        .unwrap()
}

/// The audit event of a write or read a test makes through the store directly.
pub(crate) fn by_test(action: fitmate_store::AuditAction) -> fitmate_store::AuditEvent {
    fitmate_store::AuditEvent::new("test", "test", action, [""; 0])
}
