//! `/v1/customers`: upsert, read, update, delete, list.

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Extension, Json};

use super::{Body, Current, open};
use crate::emulator::error::{ApiError, ApiResult};
use crate::emulator::extract::{Params, Segments, json};
use crate::emulator::ops::{Page, customers};
use crate::emulator::store::Emulator;
use crate::model::{Customer, CustomerInput, List};

pub async fn customers_upsert(
    Extension(slot): Current,
    Body(body): Body,
) -> ApiResult<Json<Customer>> {
    let input: CustomerInput = json(&body)?;
    let (mut project, now) = open(&slot);
    let id = customers::upsert(&mut project, &input, now)?;
    read(&project, &id)
}

pub async fn customers_get(
    Extension(slot): Current,
    Segments(id): Segments<String>,
) -> ApiResult<Json<Customer>> {
    let (project, _) = open(&slot);
    read(&project, &id)
}

pub async fn customers_update(
    Extension(slot): Current,
    Segments(id): Segments<String>,
    Body(body): Body,
) -> ApiResult<Json<Customer>> {
    let mut input: CustomerInput = json(&body)?;
    let (mut project, now) = open(&slot);
    let found = project
        .customers
        .resolve(&id)
        .ok_or_else(|| ApiError::not_found("customer", &id))?
        .to_string();
    input.id = Some(found.clone());
    input.source_id = None;
    customers::upsert(&mut project, &input, now)?;
    read(&project, &found)
}

pub async fn customers_delete(
    Extension(slot): Current,
    Segments(id): Segments<String>,
) -> ApiResult<StatusCode> {
    let (mut project, _) = open(&slot);
    let customer = project
        .customers
        .remove(&id)
        .ok_or_else(|| ApiError::not_found("customer", &id))?;
    if let Some(source) = &customer.source_id {
        project.customers.unalias(source);
    }
    Ok(StatusCode::NO_CONTENT)
}

pub async fn customers_list(
    Extension(slot): Current,
    params: Params,
) -> ApiResult<Json<List<Customer>>> {
    let page = Page::from_params(&params, 99)?;
    let (project, _) = open(&slot);
    let rows: Vec<Customer> = project
        .customers
        .newest_first()
        .filter(|c| {
            params
                .get("email")
                .is_none_or(|e| c.email.as_deref() == Some(e))
        })
        .cloned()
        .collect();
    let total = rows.len() as u64;
    Ok(Json(List::new("customers", page.slice(&rows), total)))
}

fn read(project: &crate::emulator::store::Project, id: &str) -> ApiResult<Json<Customer>> {
    project
        .customers
        .get(id)
        .cloned()
        .map(Json)
        .ok_or_else(|| ApiError::not_found("customer", id))
}

/// The routes of this module.
pub fn router() -> Router<Emulator> {
    Router::new()
        .route("/v1/customers", post(customers_upsert).get(customers_list))
        .route(
            "/v1/customers/{id}",
            get(customers_get)
                .put(customers_update)
                .delete(customers_delete),
        )
}
