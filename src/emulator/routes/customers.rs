//! `/v1/customers`: upsert, read, update, delete, list.

use crate::emulator::answer::Json;
use axum::Extension;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};

use super::{Body, Current, open};
use crate::emulator::error::{ApiError, ApiResult};
use crate::emulator::extract::{Params, Segments, json};
use crate::emulator::filters::Filters;
use crate::emulator::ops::{Page, customers, referrals};
use crate::emulator::store::Emulator;
use crate::model::{Customer, CustomerInput, List, RedeemableHolder};

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
        .filter_map(|c| customers::view(&project, &c.id))
        .collect();
    let total = rows.len() as u64;
    Ok(Json(List::new("customers", page.slice(&rows), total)))
}

fn read(project: &crate::emulator::store::Project, id: &str) -> ApiResult<Json<Customer>> {
    customers::view(project, id)
        .map(Json)
        .ok_or_else(|| ApiError::not_found("customer", id))
}

/// `GET /v1/customers/{id}/redeemables`: the customer's wallet, newest first.
pub async fn customer_redeemables(
    Extension(slot): Current,
    Segments(id): Segments<String>,
    params: Params,
) -> ApiResult<Json<List<RedeemableHolder>>> {
    let filters = Filters::parse(&params, WALLET_FILTERS, &["created_at"])?;
    let (project, now) = open(&slot);
    let rows = referrals::wallet(&project, &id, now)?;
    holders_page(rows, &filters, &params).map(Json)
}

/// The fields `filters` takes on a wallet.
const WALLET_FILTERS: &[&str] = &[
    "id",
    "redeemable_id",
    "redeemable_object",
    "holder_role",
    "campaign_id",
    "campaign_type",
    "voucher_type",
];

/// A holder's value of a `filters` field.
fn holder_field(holder: &RedeemableHolder, field: &str) -> Option<String> {
    match field {
        "id" => Some(holder.id.clone()),
        "created_at" => holder.created_at.map(|t| t.to_iso()),
        "redeemable_id" => Some(holder.redeemable_id.clone()),
        "redeemable_object" => Some(holder.redeemable_object.clone()),
        "holder_role" => Some(holder.holder_role.clone()),
        "campaign_id" => holder.campaign_id.clone(),
        "campaign_type" => holder.campaign_type.clone(),
        "voucher_type" => Some(holder.voucher_type.clone()),
        "customer_id" => Some(holder.customer_id.clone()),
        _ => None,
    }
    .filter(|v| !v.is_empty())
}

/// A page of holders as `/redeemables` and `/holders` list them: `filters`, `limit`, `order`
/// (`created_at` or `-created_at`) and `starting_after_id`; `has_more` and where the next
/// page starts.
pub fn holders_page(
    mut rows: Vec<RedeemableHolder>,
    filters: &Filters,
    params: &Params,
) -> ApiResult<List<RedeemableHolder>> {
    let limit = params.int("limit", 10, 1, 100)? as usize;
    rows.retain(|h| filters.matches(|field| holder_field(h, field)));
    match params.get("order") {
        None => {}
        Some("created_at") => rows.sort_by_key(|h| h.created_at),
        Some("-created_at") => rows.sort_by_key(|h| std::cmp::Reverse(h.created_at)),
        Some(other) => {
            return Err(ApiError::invalid_query(format!(
                "Query parameter order should be equal to one of the allowed values: created_at, -created_at (got {other})"
            )));
        }
    }
    let total = rows.len() as u64;
    if let Some(after) = params.get("starting_after_id") {
        let at = rows.iter().position(|h| h.id == after).ok_or_else(|| {
            ApiError::invalid_query(format!(
                "Query parameter starting_after_id names no holder: {after}"
            ))
        })?;
        rows.drain(..=at);
    }
    let has_more = rows.len() > limit;
    let page: Vec<RedeemableHolder> = rows.into_iter().take(limit).collect();
    let mut list = List::new("data", page, total).with("has_more", has_more.into());
    if has_more && let Some(last) = list.items.last() {
        let next = last.id.clone();
        list = list.with("more_starting_after", next.into());
    }
    Ok(list)
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
        .route("/v1/customers/{id}/redeemables", get(customer_redeemables))
}
