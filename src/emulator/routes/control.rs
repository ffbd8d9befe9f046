//! The control plane under `/_emulator/` (not part of the real API): projects, clocks, reset.

use axum::Router;
use axum::routing::{delete, get, post};
use std::sync::Arc;

use crate::emulator::answer::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::Body;
use crate::emulator::clock::wall_now;
use crate::emulator::error::{ApiError, ApiResult};
use crate::emulator::extract::{Segments, json, json_or_default};
use crate::emulator::store::{Emulator, ProjectInfo, ProjectSlot, ProjectSpec};
use crate::engine::stack::{ApplicationMode, SortingRule};
use crate::engine::time::{Timestamp, parse_duration};
use crate::model::{Shared, StackingRulesView};

pub async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "status": "ok",
        "emulator": "voucherify-harness",
        "version": env!("CARGO_PKG_VERSION"),
    }))
}

/// `POST /_emulator/projects`: a new isolated project; the answer holds its secret key.
pub async fn projects_create(
    State(emulator): State<Emulator>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<ProjectInfo>)> {
    let spec: ProjectSpec = json_or_default(&body)?;
    let info = emulator.create_project(spec, wall_now())?;
    Ok((StatusCode::CREATED, Json(info)))
}

pub async fn projects_list(State(emulator): State<Emulator>) -> Json<serde_json::Value> {
    let projects = emulator.projects();
    let total = projects.len();
    Json(
        serde_json::json!({"object": "list", "data_ref": "projects", "projects": projects, "total": total}),
    )
}

pub async fn projects_delete(
    State(emulator): State<Emulator>,
    Segments(id): Segments<String>,
) -> ApiResult<StatusCode> {
    emulator.delete_project(&id)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /_emulator/projects/{id}/reset`: forgets the project's objects, keeps its keys.
pub async fn projects_reset(
    State(emulator): State<Emulator>,
    Segments(id): Segments<String>,
) -> ApiResult<StatusCode> {
    project(&emulator, &id)?.lock().wipe();
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /_emulator/reset`: removes every project but the default one, and wipes that.
pub async fn reset_all(State(emulator): State<Emulator>) -> StatusCode {
    emulator.reset();
    StatusCode::NO_CONTENT
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ClockView {
    pub now: Timestamp,
    pub frozen: bool,
    pub object: String,
}

/// A change of a project's clock: set `now` (frozen there unless `freeze` is false), `advance`
/// by an ISO 8601 duration (`P1D`, `PT2H`, `-P1D` goes back), or `resume` running.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ClockChange {
    #[serde(default)]
    pub now: Option<Timestamp>,
    #[serde(default)]
    pub freeze: Option<bool>,
    #[serde(default)]
    pub advance: Option<String>,
    #[serde(default)]
    pub resume: Option<bool>,
}

pub async fn clock_get(
    State(emulator): State<Emulator>,
    Segments(id): Segments<String>,
) -> ApiResult<Json<ClockView>> {
    let slot = project(&emulator, &id)?;
    let project = slot.lock();
    Ok(Json(view(&project.clock)))
}

pub async fn clock_set(
    State(emulator): State<Emulator>,
    Segments(id): Segments<String>,
    Body(body): Body,
) -> ApiResult<Json<ClockView>> {
    let change: ClockChange = json(&body)?;
    let advance = change
        .advance
        .as_deref()
        .map(|text| {
            let (sign, rest) = match text.strip_prefix('-') {
                Some(rest) => (-1, rest),
                None => (1, text),
            };
            parse_duration(rest).map(|ms| sign * ms).ok_or_else(|| {
                ApiError::invalid_payload(
                    "Property .advance should be an ISO 8601 duration such as P1D or PT2H30M",
                )
            })
        })
        .transpose()?;
    if change.now.is_none() && advance.is_none() && change.resume != Some(true) {
        return Err(ApiError::invalid_payload(
            "Payload should have one of the properties 'now', 'advance' or 'resume'",
        ));
    }
    let slot = project(&emulator, &id)?;
    let mut project = slot.lock();
    let wall = wall_now();
    if let Some(at) = change.now {
        project.clock.set(at, wall, change.freeze.unwrap_or(true));
    }
    if let Some(ms) = advance {
        project.clock.advance(ms);
    }
    if change.resume == Some(true) {
        project.clock.resume(wall);
    }
    Ok(Json(view(&project.clock)))
}

/// A change of a project's stacking rules; absent fields keep their value. Field names are the
/// API's (`stacking_rules` of a validation answer).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct StackingChange {
    #[serde(default)]
    pub redeemables_limit: Option<usize>,
    #[serde(default)]
    pub applicable_redeemables_limit: Option<usize>,
    #[serde(default)]
    pub applicable_redeemables_per_category_limit: Option<usize>,
    #[serde(default)]
    pub applicable_exclusive_redeemables_limit: Option<usize>,
    #[serde(default)]
    pub applicable_exclusive_redeemables_per_category_limit: Option<usize>,
    #[serde(default)]
    pub exclusive_categories: Option<Vec<String>>,
    #[serde(default)]
    pub joint_categories: Option<Vec<String>>,
    #[serde(default)]
    pub redeemables_application_mode: Option<String>,
    #[serde(default)]
    pub redeemables_sorting_rule: Option<String>,
}

pub async fn stacking_get(
    State(emulator): State<Emulator>,
    Segments(id): Segments<String>,
) -> ApiResult<Json<Shared<StackingRulesView>>> {
    let slot = project(&emulator, &id)?;
    let project = slot.lock();
    Ok(Json(project.stacking_view()))
}

/// `PUT /_emulator/projects/{id}/stacking-rules`: what the real service sets in its dashboard.
pub async fn stacking_set(
    State(emulator): State<Emulator>,
    Segments(id): Segments<String>,
    Body(body): Body,
) -> ApiResult<Json<Shared<StackingRulesView>>> {
    let change: StackingChange = json(&body)?;
    let slot = project(&emulator, &id)?;
    let mut project = slot.lock();
    let mut rules = project.stacking().clone();
    let limits = [
        (
            "redeemables_limit",
            change.redeemables_limit,
            30,
            &mut rules.redeemables_limit,
        ),
        (
            "applicable_redeemables_limit",
            change.applicable_redeemables_limit,
            30,
            &mut rules.applicable_redeemables_limit,
        ),
        (
            "applicable_redeemables_per_category_limit",
            change.applicable_redeemables_per_category_limit,
            30,
            &mut rules.applicable_redeemables_per_category_limit,
        ),
        (
            "applicable_exclusive_redeemables_limit",
            change.applicable_exclusive_redeemables_limit,
            5,
            &mut rules.applicable_exclusive_redeemables_limit,
        ),
        (
            "applicable_exclusive_redeemables_per_category_limit",
            change.applicable_exclusive_redeemables_per_category_limit,
            5,
            &mut rules.applicable_exclusive_redeemables_per_category_limit,
        ),
    ];
    for (name, value, max, field) in limits {
        if let Some(v) = value {
            if !(1..=max).contains(&v) {
                return Err(ApiError::invalid_payload(format!(
                    "Property .{name} should be between 1 and {max}"
                )));
            }
            *field = v;
        }
    }
    for (name, list, field) in [
        (
            "exclusive_categories",
            &change.exclusive_categories,
            &mut rules.exclusive_categories,
        ),
        (
            "joint_categories",
            &change.joint_categories,
            &mut rules.joint_categories,
        ),
    ] {
        if let Some(ids) = list {
            let mut resolved = Vec::new();
            for key in ids {
                let category = project.categories.get(key).ok_or_else(|| {
                    ApiError::invalid_payload(format!(
                        "Property .{name} names category {key}, which does not exist"
                    ))
                })?;
                resolved.push(category.id.clone());
            }
            *field = resolved;
        }
    }
    if let Some(both) = rules
        .exclusive_categories
        .iter()
        .find(|c| rules.joint_categories.contains(c))
    {
        return Err(ApiError::invalid_payload(format!(
            "Category {both} cannot be both exclusive and joint"
        )));
    }
    if let Some(mode) = &change.redeemables_application_mode {
        rules.application_mode = match mode.as_str() {
            "ALL" => ApplicationMode::All,
            "PARTIAL" => ApplicationMode::Partial,
            _ => {
                return Err(ApiError::invalid_payload(
                    "Property .redeemables_application_mode should be equal to one of the allowed values: ALL, PARTIAL",
                ));
            }
        };
    }
    if let Some(sorting) = &change.redeemables_sorting_rule {
        rules.sorting_rule = match sorting.as_str() {
            "REQUESTED_ORDER" => SortingRule::RequestedOrder,
            "CATEGORY_HIERARCHY" => SortingRule::CategoryHierarchy,
            _ => {
                return Err(ApiError::invalid_payload(
                    "Property .redeemables_sorting_rule should be equal to one of the allowed values: REQUESTED_ORDER, CATEGORY_HIERARCHY",
                ));
            }
        };
    }
    project.set_stacking(rules);
    Ok(Json(project.stacking_view()))
}

fn view(clock: &crate::emulator::clock::Clock) -> ClockView {
    ClockView {
        now: clock.now(wall_now()),
        frozen: clock.is_frozen(),
        object: "clock".into(),
    }
}

fn project(emulator: &Emulator, id: &str) -> ApiResult<Arc<ProjectSlot>> {
    emulator
        .project(id)
        .ok_or_else(|| ApiError::not_found("project", id))
}

/// The control plane's routes (no API keys).
pub fn router() -> Router<Emulator> {
    Router::new()
        .route("/_emulator/health", get(health))
        .route("/_emulator/reset", post(reset_all))
        .route(
            "/_emulator/projects",
            post(projects_create).get(projects_list),
        )
        .route("/_emulator/projects/{id}", delete(projects_delete))
        .route("/_emulator/projects/{id}/reset", post(projects_reset))
        .route(
            "/_emulator/projects/{id}/stacking-rules",
            get(stacking_get).put(stacking_set),
        )
        .route(
            "/_emulator/projects/{id}/clock",
            get(clock_get).put(clock_set).post(clock_set),
        )
}
