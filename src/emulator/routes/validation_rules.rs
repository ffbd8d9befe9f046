//! `/v1/validation-rules`: rules, their assignments, and `/v1/validation-rules-assignments`.

use crate::emulator::answer::Json;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Extension, Router};

use super::{Body, Current, open};
use crate::emulator::error::{ApiError, ApiResult};
use crate::emulator::extract::{Params, Segments, json};
use crate::emulator::ops::{Page, rules};
use crate::emulator::store::Emulator;
use crate::model::{Assignment, AssignmentInput, List, ValidationRule, ValidationRuleInput};

pub async fn rules_create(
    Extension(slot): Current,
    Body(body): Body,
) -> ApiResult<Json<ValidationRule>> {
    let input: ValidationRuleInput = json(&body)?;
    let (mut project, now) = open(&slot);
    rules::create(&mut project, &input, now).map(Json)
}

pub async fn rules_list(
    Extension(slot): Current,
    params: Params,
) -> ApiResult<Json<List<ValidationRule>>> {
    let page = Page::from_params(&params, 100)?;
    let (project, _) = open(&slot);
    let rows: Vec<ValidationRule> = project
        .rules
        .newest_first()
        .filter_map(|r| rules::view(&project, &r.rule.id).ok())
        .collect();
    let total = rows.len() as u64;
    Ok(Json(List::new("data", page.slice(&rows), total)))
}

pub async fn rules_get(
    Extension(slot): Current,
    Segments(id): Segments<String>,
) -> ApiResult<Json<ValidationRule>> {
    let (project, _) = open(&slot);
    rules::view(&project, &id).map(Json)
}

pub async fn rules_update(
    Extension(slot): Current,
    Segments(id): Segments<String>,
    Body(body): Body,
) -> ApiResult<Json<ValidationRule>> {
    let input: ValidationRuleInput = json(&body)?;
    let (mut project, now) = open(&slot);
    rules::update(&mut project, &id, &input, now)?;
    rules::view(&project, &id).map(Json)
}

pub async fn rules_delete(
    Extension(slot): Current,
    Segments(id): Segments<String>,
) -> ApiResult<StatusCode> {
    let (mut project, _) = open(&slot);
    rules::delete(&mut project, &id)?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn assignments_create(
    Extension(slot): Current,
    Segments(id): Segments<String>,
    Body(body): Body,
) -> ApiResult<Json<Assignment>> {
    let input: AssignmentInput = json(&body)?;
    let (mut project, now) = open(&slot);
    rules::assign(
        &mut project,
        &id,
        &input.related_object_type,
        &input.related_object_id,
        now,
    )
    .map(Json)
}

pub async fn assignments_list(
    Extension(slot): Current,
    Segments(id): Segments<String>,
) -> ApiResult<Json<List<Assignment>>> {
    let (project, _) = open(&slot);
    if !project.rules.contains(&id) {
        return Err(ApiError::not_found("validation_rules", &id));
    }
    let rows: Vec<Assignment> = project
        .assignments
        .newest_first()
        .filter(|a| a.rule_id == id)
        .cloned()
        .collect();
    let total = rows.len() as u64;
    Ok(Json(List::new("data", rows, total)))
}

pub async fn assignments_delete(
    Extension(slot): Current,
    Segments((id, assignment)): Segments<(String, String)>,
) -> ApiResult<StatusCode> {
    let (mut project, _) = open(&slot);
    rules::unassign(&mut project, &id, &assignment)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/validation-rules-assignments?related_object_id=&rule=`
pub async fn assignments_search(
    Extension(slot): Current,
    params: Params,
) -> ApiResult<Json<List<Assignment>>> {
    let page = Page::from_params(&params, 100)?;
    let (project, _) = open(&slot);
    let rows: Vec<Assignment> = project
        .assignments
        .newest_first()
        .filter(|a| {
            params
                .get("related_object_id")
                .is_none_or(|r| a.related_object_id == r)
        })
        .filter(|a| params.get("rule").is_none_or(|r| a.rule_id == r))
        .cloned()
        .collect();
    let total = rows.len() as u64;
    Ok(Json(List::new("data", page.slice(&rows), total)))
}

/// The routes of this module.
pub fn router() -> Router<Emulator> {
    Router::new()
        .route("/v1/validation-rules", post(rules_create).get(rules_list))
        .route(
            "/v1/validation-rules/{id}",
            get(rules_get).put(rules_update).delete(rules_delete),
        )
        .route(
            "/v1/validation-rules/{id}/assignments",
            post(assignments_create).get(assignments_list),
        )
        .route(
            "/v1/validation-rules/{id}/assignments/{assignment}",
            delete(assignments_delete),
        )
        .route("/v1/validation-rules-assignments", get(assignments_search))
}
