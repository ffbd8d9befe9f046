//! `/v1/products`: upsert, read, update, delete, list.

use crate::emulator::answer::Json;
use axum::Extension;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};

use super::{Body, Current, open};
use crate::emulator::error::{ApiError, ApiResult};
use crate::emulator::extract::{Params, Segments, json};
use crate::emulator::ops::{Page, products};
use crate::emulator::store::Emulator;
use crate::model::{List, Product, ProductInput};

pub async fn products_upsert(
    Extension(slot): Current,
    Body(body): Body,
) -> ApiResult<Json<Product>> {
    let input: ProductInput = json(&body)?;
    let (mut project, now) = open(&slot);
    products::upsert(&mut project, &input, now).map(Json)
}

pub async fn products_get(
    Extension(slot): Current,
    Segments(id): Segments<String>,
) -> ApiResult<Json<Product>> {
    let (project, _) = open(&slot);
    project
        .products
        .get(&id)
        .cloned()
        .map(Json)
        .ok_or_else(|| ApiError::not_found("product", &id))
}

pub async fn products_update(
    Extension(slot): Current,
    Segments(id): Segments<String>,
    Body(body): Body,
) -> ApiResult<Json<Product>> {
    let mut input: ProductInput = json(&body)?;
    let (mut project, now) = open(&slot);
    let found = project
        .products
        .resolve(&id)
        .ok_or_else(|| ApiError::not_found("product", &id))?
        .to_string();
    input.id = Some(found);
    input.source_id = None;
    products::upsert(&mut project, &input, now).map(Json)
}

pub async fn products_delete(
    Extension(slot): Current,
    Segments(id): Segments<String>,
) -> ApiResult<StatusCode> {
    let (mut project, _) = open(&slot);
    let product = project
        .products
        .remove(&id)
        .ok_or_else(|| ApiError::not_found("product", &id))?;
    if let Some(source) = &product.source_id {
        project.products.unalias(source);
    }
    Ok(StatusCode::NO_CONTENT)
}

pub async fn products_list(
    Extension(slot): Current,
    params: Params,
) -> ApiResult<Json<List<Product>>> {
    let page = Page::from_params(&params, 100)?;
    let (project, _) = open(&slot);
    let rows: Vec<Product> = project.products.newest_first().cloned().collect();
    let total = rows.len() as u64;
    Ok(Json(List::new("products", page.slice(&rows), total)))
}

/// The routes of this module.
pub fn router() -> Router<Emulator> {
    Router::new()
        .route("/v1/products", post(products_upsert).get(products_list))
        .route(
            "/v1/products/{id}",
            get(products_get)
                .put(products_update)
                .delete(products_delete),
        )
}
