//! `/v1/orders`: upsert, read, update, list.

use crate::emulator::answer::Json;
use axum::Extension;
use axum::Router;
use axum::routing::{get, post};

use super::{Body, Current, open};
use crate::emulator::error::{ApiError, ApiResult};
use crate::emulator::extract::{Params, Segments, json};
use crate::emulator::ops::{Page, orders};
use crate::emulator::store::Emulator;
use crate::model::{List, Order, OrderInput};

pub async fn orders_upsert(Extension(slot): Current, Body(body): Body) -> ApiResult<Json<Order>> {
    let input: OrderInput = json(&body)?;
    let (mut project, now) = open(&slot);
    orders::upsert(&mut project, &input, now).map(Json)
}

pub async fn orders_get(
    Extension(slot): Current,
    Segments(id): Segments<String>,
) -> ApiResult<Json<Order>> {
    let (project, _) = open(&slot);
    project
        .orders
        .get(&id)
        .cloned()
        .map(Json)
        .ok_or_else(|| ApiError::not_found("order", &id))
}

pub async fn orders_update(
    Extension(slot): Current,
    Segments(id): Segments<String>,
    Body(body): Body,
) -> ApiResult<Json<Order>> {
    let mut input: OrderInput = json(&body)?;
    let (mut project, now) = open(&slot);
    let found = project
        .orders
        .resolve(&id)
        .ok_or_else(|| ApiError::not_found("order", &id))?
        .to_string();
    input.id = Some(found);
    input.source_id = None;
    orders::upsert(&mut project, &input, now).map(Json)
}

/// `GET /v1/orders`: newest first; filters `status` and `customer` (id or source id).
pub async fn orders_list(Extension(slot): Current, params: Params) -> ApiResult<Json<List<Order>>> {
    let page = Page::from_params(&params, 100)?;
    let (project, _) = open(&slot);
    let customer = params
        .get("customer")
        .map(|c| project.customers.resolve(c).unwrap_or(c).to_string());
    let rows: Vec<Order> = project
        .orders
        .newest_first()
        .filter(|o| {
            params
                .get("status")
                .is_none_or(|s| o.status.as_deref() == Some(s))
        })
        .filter(|o| {
            customer
                .as_deref()
                .is_none_or(|c| o.customer_id.as_deref() == Some(c))
        })
        .cloned()
        .collect();
    let total = rows.len() as u64;
    Ok(Json(List::new("orders", page.slice(&rows), total)))
}

/// The routes of this module.
pub fn router() -> Router<Emulator> {
    Router::new()
        .route("/v1/orders", post(orders_upsert).get(orders_list))
        .route("/v1/orders/{id}", get(orders_get).put(orders_update))
}
