//! `/docs`: the API reference, rendered from the OpenAPI documents by a bundled viewer.

use axum::Router;
use fitmate_store::Store;

use super::App;

/// The routes of the API reference.
pub(crate) fn routes<S: Store>() -> Router<App<S>> {
    Router::new()
}
