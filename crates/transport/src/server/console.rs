//! `/console`: the sandbox's web console, a static page that calls the `/_sandbox` API with
//! the API key its user signs in with.

use axum::Router;
use fitmate_store::Store;

use super::App;

/// The routes of the console's page and assets.
pub(crate) fn routes<S: Store>() -> Router<App<S>> {
    Router::new()
}
