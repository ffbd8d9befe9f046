//! `/v1/categories` and `/v1/segments` (static), and a customer's segments.

use crate::emulator::answer::Json;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Extension, Router};

use super::{Body, Current, open};
use crate::emulator::error::{ApiError, ApiResult};
use crate::emulator::extract::{Segments, json};
use crate::emulator::ops::categories;
use crate::emulator::store::Emulator;
use crate::model::{Category, CategoryInput, List, Segment, SegmentInput};

pub async fn categories_create(
    Extension(slot): Current,
    Body(body): Body,
) -> ApiResult<Json<Category>> {
    let input: CategoryInput = json(&body)?;
    let (mut project, now) = open(&slot);
    categories::create(&mut project, &input, now).map(Json)
}

pub async fn categories_list(Extension(slot): Current) -> ApiResult<Json<List<Category>>> {
    let (project, _) = open(&slot);
    let rows: Vec<Category> = project.categories.oldest_first().cloned().collect();
    let total = rows.len() as u64;
    Ok(Json(List::new("data", rows, total)))
}

pub async fn categories_get(
    Extension(slot): Current,
    Segments(id): Segments<String>,
) -> ApiResult<Json<Category>> {
    let (project, _) = open(&slot);
    project
        .categories
        .get(&id)
        .cloned()
        .map(Json)
        .ok_or_else(|| ApiError::not_found("category", &id))
}

pub async fn categories_update(
    Extension(slot): Current,
    Segments(id): Segments<String>,
    Body(body): Body,
) -> ApiResult<Json<Category>> {
    let input: CategoryInput = json(&body)?;
    let (mut project, now) = open(&slot);
    let category = project
        .categories
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found("category", &id))?;
    if let Some(h) = input.hierarchy {
        category.hierarchy = h;
    }
    if let Some(n) = &input.name {
        category.name = n.clone();
    }
    category.updated_at = Some(now);
    Ok(Json(category.clone()))
}

pub async fn categories_delete(
    Extension(slot): Current,
    Segments(id): Segments<String>,
) -> ApiResult<StatusCode> {
    let (mut project, _) = open(&slot);
    let category = project
        .categories
        .remove(&id)
        .ok_or_else(|| ApiError::not_found("category", &id))?;
    project.categories.unalias(&category.name);
    Ok(StatusCode::NO_CONTENT)
}

pub async fn segments_create(
    Extension(slot): Current,
    Body(body): Body,
) -> ApiResult<Json<Segment>> {
    let input: SegmentInput = json(&body)?;
    let (mut project, now) = open(&slot);
    categories::create_segment(&mut project, &input, now).map(Json)
}

pub async fn segments_get(
    Extension(slot): Current,
    Segments(id): Segments<String>,
) -> ApiResult<Json<Segment>> {
    let (project, _) = open(&slot);
    project
        .segments
        .get(&id)
        .map(|s| Json(s.segment.clone()))
        .ok_or_else(|| ApiError::not_found("segment", &id))
}

pub async fn segments_delete(
    Extension(slot): Current,
    Segments(id): Segments<String>,
) -> ApiResult<StatusCode> {
    let (mut project, _) = open(&slot);
    project
        .segments
        .remove(&id)
        .ok_or_else(|| ApiError::not_found("segment", &id))?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/customers/{id}/segments`.
pub async fn customer_segments(
    Extension(slot): Current,
    Segments(id): Segments<String>,
) -> ApiResult<Json<List<Segment>>> {
    let (project, _) = open(&slot);
    let customer = project
        .customers
        .resolve(&id)
        .ok_or_else(|| ApiError::not_found("customer", &id))?
        .to_string();
    let rows: Vec<Segment> = project
        .segments
        .oldest_first()
        .filter(|s| s.members.contains(&customer))
        .map(|s| s.segment.clone())
        .collect();
    let total = rows.len() as u64;
    Ok(Json(List::new("data", rows, total)))
}

/// The routes of this module.
pub fn router() -> Router<Emulator> {
    Router::new()
        .route(
            "/v1/categories",
            post(categories_create).get(categories_list),
        )
        .route(
            "/v1/categories/{id}",
            get(categories_get)
                .put(categories_update)
                .delete(categories_delete),
        )
        .route("/v1/segments", post(segments_create))
        .route(
            "/v1/segments/{id}",
            get(segments_get).delete(segments_delete),
        )
        .route("/v1/customers/{id}/segments", get(customer_segments))
}
