//! `/v1/async-actions`: the bulk operations of the project and their results.

use crate::emulator::answer::Json;
use axum::routing::get;
use axum::{Extension, Router};

use super::{Current, open};
use crate::emulator::error::{ApiError, ApiResult};
use crate::emulator::extract::{Params, Segments};
use crate::emulator::ops::imports;
use crate::emulator::store::Emulator;
use crate::model::AsyncAction;

/// `GET /v1/async-actions/{id}`: the action with its result once `DONE`.
pub async fn async_actions_get(
    Extension(slot): Current,
    Segments(id): Segments<String>,
) -> ApiResult<Json<AsyncAction>> {
    let (project, _) = open(&slot);
    project
        .async_actions
        .get(&id)
        .cloned()
        .map(Json)
        .ok_or_else(|| ApiError::not_found("async_action", &id))
}

/// `GET /v1/async-actions`: newest first, without results (as the API lists them); `limit`
/// (1-100, default 10) and `end_date` (scheduled before).
pub async fn async_actions_list(
    Extension(slot): Current,
    params: Params,
) -> ApiResult<Json<serde_json::Value>> {
    let limit = params.int("limit", 10, 1, 100)? as usize;
    let end = match params.get("end_date") {
        None => None,
        Some(text) => Some(imports::parse_date(text).ok_or_else(|| {
            ApiError::invalid_query(
                "Property .end_date cannot be recognized as a ISO-8601 compliant date",
            )
        })?),
    };
    let (project, _) = open(&slot);
    let actions: Vec<AsyncAction> = project
        .async_actions
        .newest_first()
        .filter(|a| end.is_none_or(|end| a.created_at.is_some_and(|c| c < end)))
        .take(limit)
        .map(|a| AsyncAction {
            result: None,
            ..a.clone()
        })
        .collect();
    Ok(Json(serde_json::json!({
        "object": "list",
        "data_ref": "async_actions",
        "async_actions": actions,
    })))
}

/// The routes of this module.
pub fn router() -> Router<Emulator> {
    Router::new()
        .route("/v1/async-actions", get(async_actions_list))
        .route("/v1/async-actions/{id}", get(async_actions_get))
}
