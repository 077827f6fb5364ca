//! Statements both backends run as they are: sqlx's SQLite driver reads the `$N`
//! placeholders PostgreSQL uses, so a statement both dialects accept is written once here.

/// Inserts a project: id, creation time, then its settings in the order of
/// [`bind_settings`](crate::queries::bind_settings).
pub(crate) const INSERT_PROJECT: &str = "INSERT INTO projects
    (id, created_at, validation_webhook, webhook_secret, webhook_timeout_ms, welcome_email,
     webhook_version)
 VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// Replaces a project's settings: the id, then its settings in the order of
/// [`bind_settings`](crate::queries::bind_settings).
pub(crate) const UPDATE_PROJECT: &str = "UPDATE projects
 SET validation_webhook = $2, webhook_secret = $3, webhook_timeout_ms = $4,
     welcome_email = $5, webhook_version = $6
 WHERE id = $1";

/// Binds a project's settings after the arguments already bound.
pub(crate) fn bind_settings<'q, DB: sqlx::Database>(
    query: sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>,
    project: &'q crate::NewProject,
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>
where
    Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    query
        .bind(project.validation_webhook.clone())
        .bind(project.webhook_secret.clone())
        .bind(i64::from(project.webhook_timeout_ms))
        .bind(project.welcome_email)
        .bind(project.webhook_version.as_str())
}
