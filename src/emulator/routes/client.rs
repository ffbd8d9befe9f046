//! The client-side API under `/client/v1` (public keys, allowed origins): stacked validation and
//! redemption as on `/v1`, so web and mobile flows can be tested too.

use axum::Router;
use axum::http::StatusCode;
use axum::middleware;
use axum::routing::post;

use super::{redemptions, validations};
use crate::emulator::edge::authenticate_client;
use crate::emulator::error::ApiError;
use crate::emulator::store::Emulator;

/// `POST /client/v1/qualifications`: not reproduced yet, answered with a clear 404.
pub async fn qualifications_create() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "Resource not found",
        "Qualifications are not reproduced by the emulator yet; use validations to check \
         specific codes.",
    )
}

/// The routes of this module, with client-side authentication, faults and rate limits.
pub fn router(emulator: Emulator) -> Router<Emulator> {
    Router::new()
        .route(
            "/client/v1/validations",
            post(validations::validations_create),
        )
        .route(
            "/client/v1/redemptions",
            post(redemptions::redemptions_create),
        )
        .route("/client/v1/qualifications", post(qualifications_create))
        .route_layer(middleware::from_fn_with_state(
            emulator,
            authenticate_client,
        ))
}
