//! `/v1/redemptions`: stacked redemption, reads, and rollbacks.

use crate::emulator::answer::Json;
use axum::Extension;
use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::{Body, Current, open};
use crate::emulator::error::{ApiError, ApiResult};
use crate::emulator::extract::{Params, Segments, json, json_or_default};
use crate::emulator::ops::rollback::{self, RollbackInput};
use crate::emulator::ops::{Page, checkout};
use crate::emulator::store::Emulator;
use crate::engine::time::Timestamp;
use crate::model::{
    RedemptionResponse, RedemptionRollback, RollbackRequest, RollbacksResponse, ValidationRequest,
};

pub async fn redemptions_create(
    Extension(slot): Current,
    Body(body): Body,
) -> ApiResult<Json<RedemptionResponse>> {
    let req: ValidationRequest = json(&body)?;
    let (mut project, now) = open(&slot);
    checkout::redeem(&mut project, &req, now).map(Json)
}

/// `GET /v1/redemptions/{id}`: a redemption or a rollback.
pub async fn redemptions_get(
    Extension(slot): Current,
    Segments(id): Segments<String>,
) -> ApiResult<Response> {
    let (project, _) = open(&slot);
    if let Some(r) = project.redemptions.get(&id) {
        return Ok(Json(r).into_response());
    }
    if let Some(r) = project.rollbacks.get(&id) {
        return Ok(Json(r).into_response());
    }
    Err(ApiError::not_found("redemption", &id))
}

/// `GET /v1/redemptions`: redemptions and rollbacks, newest first; filters `result`,
/// `customer`, `order`, `voucher` (code), `campaign` (name or id), `created_at[before]`,
/// `created_at[after]`.
pub async fn redemptions_list(
    Extension(slot): Current,
    params: Params,
) -> ApiResult<Json<serde_json::Value>> {
    let page = Page::from_params(&params, 99)?;
    let before = date_param(&params, "created_at[before]")?;
    let after = date_param(&params, "created_at[after]")?;
    let (project, _) = open(&slot);
    let customer = params
        .get("customer")
        .map(|c| project.customers.resolve(c).unwrap_or(c).to_string());
    let order = params
        .get("order")
        .map(|o| project.orders.resolve(o).unwrap_or(o).to_string());
    let campaign = params
        .get("campaign")
        .map(|c| project.campaigns.resolve(c).unwrap_or(c).to_string());
    let mut rows: Vec<(Timestamp, serde_json::Value, Entry)> = Vec::new();
    for r in project.redemptions.oldest_first() {
        let entry = Entry {
            result: r.result.clone(),
            customer_id: r.customer_id.clone(),
            order_id: r.order.as_ref().and_then(|o| o.id.clone()),
            code: r.voucher.as_ref().map(|v| v.code.clone()),
            campaign_id: campaign_of(r.voucher.as_ref(), r.promotion_tier.as_ref()),
        };
        rows.push((
            r.date.unwrap_or_default(),
            serde_json::to_value(r).unwrap_or_default(),
            entry,
        ));
    }
    for r in project.rollbacks.oldest_first() {
        let entry = Entry {
            result: r.result.clone(),
            customer_id: r.customer_id.clone(),
            order_id: r.order.as_ref().and_then(|o| o.id.clone()),
            code: r.voucher.as_ref().map(|v| v.code.clone()),
            campaign_id: campaign_of(r.voucher.as_ref(), None),
        };
        rows.push((
            r.date.unwrap_or_default(),
            serde_json::to_value(r).unwrap_or_default(),
            entry,
        ));
    }
    rows.sort_by_key(|row| std::cmp::Reverse(row.0));
    let matching: Vec<serde_json::Value> = rows
        .into_iter()
        .filter(|(_, _, e)| params.get("result").is_none_or(|r| e.result == r))
        .filter(|(_, _, e)| {
            customer
                .as_deref()
                .is_none_or(|c| e.customer_id.as_deref() == Some(c))
        })
        .filter(|(_, _, e)| {
            order
                .as_deref()
                .is_none_or(|o| e.order_id.as_deref() == Some(o))
        })
        .filter(|(_, _, e)| {
            params
                .get("voucher")
                .is_none_or(|v| e.code.as_deref() == Some(v))
        })
        .filter(|(_, _, e)| {
            campaign
                .as_deref()
                .is_none_or(|c| e.campaign_id.as_deref() == Some(c))
        })
        .filter(|(at, _, _)| before.is_none_or(|b| *at < b))
        .filter(|(at, _, _)| after.is_none_or(|a| *at > a))
        .map(|(_, v, _)| v)
        .collect();
    let total = matching.len();
    Ok(Json(serde_json::json!({
        "object": "list",
        "data_ref": "redemptions",
        "redemptions": page.slice(&matching),
        "total": total,
    })))
}

struct Entry {
    result: String,
    customer_id: Option<String>,
    order_id: Option<String>,
    code: Option<String>,
    campaign_id: Option<String>,
}

/// The campaign behind a redeemed code or promotion tier.
fn campaign_of(
    voucher: Option<&crate::model::Voucher>,
    tier: Option<&serde_json::Value>,
) -> Option<String> {
    voucher.and_then(|v| v.campaign_id.clone()).or_else(|| {
        tier.and_then(|t| {
            t.get("campaign_id")
                .or_else(|| t.pointer("/campaign/id"))
                .and_then(|c| c.as_str())
                .map(str::to_string)
        })
    })
}

fn date_param(params: &Params, name: &str) -> ApiResult<Option<Timestamp>> {
    params
        .get(name)
        .map(|raw| {
            Timestamp::parse(raw).ok_or_else(|| {
                ApiError::invalid_query(format!(
                    "Query parameter '{name}' should be an ISO 8601 date"
                ))
            })
        })
        .transpose()
}

fn rollback_input(params: &Params, body: &[u8]) -> ApiResult<RollbackInput> {
    let body: RollbackRequest = json_or_default(body)?;
    Ok(RollbackInput {
        reason: params.get("reason").map(str::to_string),
        tracking_id: params.get("tracking_id").map(str::to_string),
        body,
    })
}

pub async fn redemptions_rollback(
    Extension(slot): Current,
    Segments(id): Segments<String>,
    params: Params,
    Body(body): Body,
) -> ApiResult<Json<RedemptionRollback>> {
    let input = rollback_input(&params, &body)?;
    let (mut project, now) = open(&slot);
    rollback::single(&mut project, &id, &input, now).map(Json)
}

pub async fn redemptions_rollbacks(
    Extension(slot): Current,
    Segments(id): Segments<String>,
    params: Params,
    Body(body): Body,
) -> ApiResult<Json<RollbacksResponse>> {
    let input = rollback_input(&params, &body)?;
    let (mut project, now) = open(&slot);
    rollback::stacked(&mut project, &id, &input, now).map(Json)
}

/// The routes of this module.
pub fn router() -> Router<Emulator> {
    Router::new()
        .route(
            "/v1/redemptions",
            post(redemptions_create).get(redemptions_list),
        )
        .route("/v1/redemptions/{id}", get(redemptions_get))
        .route("/v1/redemptions/{id}/rollback", post(redemptions_rollback))
        .route(
            "/v1/redemptions/{id}/rollbacks",
            post(redemptions_rollbacks),
        )
}
