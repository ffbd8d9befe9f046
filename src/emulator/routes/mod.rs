//! One route module per API resource; handlers only extract, lock, call `ops`, and answer.

pub mod activity;
pub mod async_actions;
pub mod campaigns;
pub mod categories;
pub mod client;
pub mod conditions;
pub mod control;
pub mod customers;
pub mod hooks;
pub mod imports;
pub mod loyalties;
pub mod orders;
pub mod products;
pub mod promotions;
pub mod qualifications;
pub mod redemptions;
pub mod referrals;
pub mod rewards;
pub mod validation_rules;
pub mod validations;
pub mod vouchers;

use std::sync::{Arc, RwLockWriteGuard};

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;

use super::clock::wall_now;
use super::error::ApiError;
use super::store::{Project, ProjectSlot};
use crate::engine::time::Timestamp;

/// Largest request body the API takes (bulk endpoints answer 413 above it).
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// The authenticated project of a `/v1` request.
pub type Current = Extension<Arc<ProjectSlot>>;

/// Locks the project and reads its clock once.
pub fn open(slot: &ProjectSlot) -> (RwLockWriteGuard<'_, Project>, Timestamp) {
    let project = slot.lock();
    let now = project.clock.now(wall_now());
    (project, now)
}

/// A raw request body, with the API's 413 shape when it is too large.
pub struct Body(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Bytes::from_request(req, state)
            .await
            .map(Body)
            .map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::Raw {
                        status: StatusCode::PAYLOAD_TOO_LARGE,
                        body: serde_json::json!({
                            "statusCode": 413,
                            "error": "Request Entity Too Large",
                            "message": "Request body is larger than 10 MB",
                        }),
                        headers: Vec::new(),
                    }
                } else {
                    ApiError::invalid_payload(format!(
                        "Request body could not be read: {}",
                        e.body_text()
                    ))
                }
            })
    }
}
