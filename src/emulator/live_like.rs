//! The emulator as a live project looks to a client (`emulate --live-like`): the same API,
//! no control plane (every `/_emulator/` path answers 404 like any unknown route), and the
//! default project's calls limited like a Sandbox's (100 an hour unless told otherwise), with
//! the real `X-Rate-Limit-*` headers and 429s. A live run can be rehearsed against it.

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse as _, Response};

use super::conditions::SANDBOX_LIMIT;
use super::error::ApiError;
use super::server::app;
use super::store::Emulator;
use crate::engine::time::HOUR;

/// The default limit of a live-like emulator: the Sandbox's 100 calls per hour.
pub const DEFAULT_WINDOW: (u64, i64) = (SANDBOX_LIMIT, HOUR);

/// The API of `emulator` without its control plane, the default project limited to `limit`
/// calls per `period_ms`.
pub fn live_like_app(emulator: Emulator, (limit, period_ms): (u64, i64)) -> Router {
    emulator
        .default_project()
        .conditions
        .set_api_window(limit, period_ms);
    app(emulator).layer(middleware::from_fn(hide_control_plane))
}

/// `/_emulator/...` answers as an unknown route does on the real API.
async fn hide_control_plane(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path == "/_emulator" || path.starts_with("/_emulator/") {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "Resource not found",
            format!("No API endpoint matches {} {path}", req.method()),
        )
        .into_response();
    }
    next.run(req).await
}
