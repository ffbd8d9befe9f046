//! The client-side API under `/client/v1` (public keys, allowed origins): stacked validation and
//! redemption as on `/v1`, so web and mobile flows can be tested too.

use axum::Router;
use axum::middleware;
use axum::routing::post;

use super::{qualifications, redemptions, validations};
use crate::emulator::edge::authenticate_client;
use crate::emulator::store::Emulator;

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
        .route(
            "/client/v1/qualifications",
            post(qualifications::qualifications_create),
        )
        .route_layer(middleware::from_fn_with_state(
            emulator,
            authenticate_client,
        ))
}
