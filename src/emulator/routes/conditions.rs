//! The control plane's conditions of a project (not part of the real API): injected faults,
//! rate-limit modes, and client-side access.

use std::sync::Arc;

use crate::emulator::answer::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;

use super::Body;
use crate::emulator::client_keys::{ClientAccess, ClientAccessChange};
use crate::emulator::clock::wall_now;
use crate::emulator::conditions::{FaultPlan, FaultView, RateLimitChange, RateLimitView};
use crate::emulator::error::{ApiError, ApiResult};
use crate::emulator::extract::{Segments, json};
use crate::emulator::store::{Emulator, ProjectSlot};

fn project(emulator: &Emulator, id: &str) -> ApiResult<Arc<ProjectSlot>> {
    emulator
        .project(id)
        .ok_or_else(|| ApiError::not_found("project", id))
}

/// `GET /_emulator/projects/{id}/faults`.
pub async fn faults_get(
    State(emulator): State<Emulator>,
    Segments(id): Segments<String>,
) -> ApiResult<Json<FaultView>> {
    Ok(Json(project(&emulator, &id)?.conditions.faults()))
}

/// `PUT /_emulator/projects/{id}/faults`: replaces the project's fault plan.
pub async fn faults_set(
    State(emulator): State<Emulator>,
    Segments(id): Segments<String>,
    Body(body): Body,
) -> ApiResult<Json<FaultView>> {
    let plan: FaultPlan = json(&body)?;
    let slot = project(&emulator, &id)?;
    slot.conditions.set_faults(plan).map(Json)
}

/// `DELETE /_emulator/projects/{id}/faults`: no more faults.
pub async fn faults_clear(
    State(emulator): State<Emulator>,
    Segments(id): Segments<String>,
) -> ApiResult<StatusCode> {
    project(&emulator, &id)?.conditions.clear_faults();
    Ok(StatusCode::NO_CONTENT)
}

fn project_now(slot: &ProjectSlot) -> crate::engine::time::Timestamp {
    slot.lock().clock.now(wall_now())
}

/// `GET /_emulator/projects/{id}/rate-limit`.
pub async fn rate_limit_get(
    State(emulator): State<Emulator>,
    Segments(id): Segments<String>,
) -> ApiResult<Json<RateLimitView>> {
    let slot = project(&emulator, &id)?;
    let now = project_now(&slot);
    Ok(Json(slot.conditions.rate_limit(now)))
}

/// `PUT /_emulator/projects/{id}/rate-limit`: `{mode: off|sandbox|per_minute, limit?,
/// client_side?}`.
pub async fn rate_limit_set(
    State(emulator): State<Emulator>,
    Segments(id): Segments<String>,
    Body(body): Body,
) -> ApiResult<Json<RateLimitView>> {
    let change: RateLimitChange = json(&body)?;
    let slot = project(&emulator, &id)?;
    let now = project_now(&slot);
    slot.conditions.set_rate_limit(&change, now).map(Json)
}

/// `GET /_emulator/projects/{id}/client-side`: the client-side keys and allowed origins.
pub async fn client_side_get(
    State(emulator): State<Emulator>,
    Segments(id): Segments<String>,
) -> ApiResult<Json<ClientAccess>> {
    project(&emulator, &id)?
        .client_keys
        .get()
        .map(Json)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "Resource not found",
                format!("Project {id} has no client-side keys yet; PUT its allowed origins first"),
            )
        })
}

/// `PUT /_emulator/projects/{id}/client-side` `{allowed_origins}`: makes the keys if needed.
pub async fn client_side_set(
    State(emulator): State<Emulator>,
    Segments(id): Segments<String>,
    Body(body): Body,
) -> ApiResult<Json<ClientAccess>> {
    let change: ClientAccessChange = json(&body)?;
    project(&emulator, &id)?.client_keys.set(change).map(Json)
}

/// The routes of this module (no API keys, like the rest of the control plane).
pub fn router() -> Router<Emulator> {
    Router::new()
        .route(
            "/_emulator/projects/{id}/faults",
            get(faults_get).put(faults_set).delete(faults_clear),
        )
        .route(
            "/_emulator/projects/{id}/rate-limit",
            get(rate_limit_get).put(rate_limit_set),
        )
        .route(
            "/_emulator/projects/{id}/client-side",
            get(client_side_get).put(client_side_set),
        )
}
