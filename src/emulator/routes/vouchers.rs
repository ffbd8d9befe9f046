//! `/v1/vouchers`: create, read, update, delete, enable, disable, list, redemption entries,
//! session holds, and the legacy single-code validate and redeem.

use crate::emulator::answer::Json;
use axum::Extension;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};

use super::{Body, Current, open};
use crate::emulator::error::{ApiError, ApiResult};
use crate::emulator::extract::{Params, Segments, json, json_or_default};
use crate::emulator::ops::{Page, checkout, sessions, vouchers};
use crate::emulator::store::Emulator;
use crate::emulator::voucher_table::Row;
use crate::model::{List, RedeemableRef, Redemption, ValidationRequest, Voucher, VoucherInput};

pub async fn vouchers_create(
    Extension(slot): Current,
    Body(body): Body,
) -> ApiResult<Json<Voucher>> {
    let input: VoucherInput = json(&body)?;
    let (mut project, now) = open(&slot);
    vouchers::create(&mut project, None, &input, now).map(Json)
}

pub async fn vouchers_create_with_code(
    Extension(slot): Current,
    Segments(code): Segments<String>,
    Body(body): Body,
) -> ApiResult<Json<Voucher>> {
    let input: VoucherInput = json(&body)?;
    let (mut project, now) = open(&slot);
    vouchers::create(&mut project, Some(&code), &input, now).map(Json)
}

pub async fn vouchers_get(
    Extension(slot): Current,
    Segments(code): Segments<String>,
) -> ApiResult<Json<Voucher>> {
    let (project, _) = open(&slot);
    project
        .vouchers
        .get(&code)
        .map(Json)
        .ok_or_else(|| ApiError::not_found("voucher", &code))
}

pub async fn vouchers_update(
    Extension(slot): Current,
    Segments(code): Segments<String>,
    Body(body): Body,
) -> ApiResult<Json<Voucher>> {
    let input: VoucherInput = json(&body)?;
    let (mut project, now) = open(&slot);
    vouchers::update(&mut project, &code, &input, now).map(Json)
}

pub async fn vouchers_delete(
    Extension(slot): Current,
    Segments(code): Segments<String>,
) -> ApiResult<StatusCode> {
    let (mut project, now) = open(&slot);
    let voucher = project
        .vouchers
        .remove(&code)
        .ok_or_else(|| ApiError::not_found("voucher", &code))?;
    let data = serde_json::json!({"voucher": voucher});
    project.emit(
        "voucher.deleted",
        &voucher.id,
        voucher.holder_id.as_deref(),
        data,
        now,
    );
    Ok(StatusCode::NO_CONTENT)
}

pub async fn vouchers_enable(
    Extension(slot): Current,
    Segments(code): Segments<String>,
) -> ApiResult<Json<Voucher>> {
    let (mut project, now) = open(&slot);
    vouchers::set_active(&mut project, &code, true, now).map(Json)
}

pub async fn vouchers_disable(
    Extension(slot): Current,
    Segments(code): Segments<String>,
) -> ApiResult<Json<Voucher>> {
    let (mut project, now) = open(&slot);
    vouchers::set_active(&mut project, &code, false, now).map(Json)
}

/// `GET /v1/vouchers`: newest first; filters `category`, `code`, `customer` (holder, by id or
/// source id), `campaign` (name) and `campaign_id`. Only the page is copied, so a list stays
/// fast in a project of a million codes.
pub async fn vouchers_list(
    Extension(slot): Current,
    params: Params,
) -> ApiResult<Json<List<Voucher>>> {
    let page = Page::from_params(&params, 99)?;
    let (project, _) = open(&slot);
    let customer = params
        .get("customer")
        .map(|c| project.customers.resolve(c).unwrap_or(c).to_string());
    let category = params.get("category");
    let campaign = params.get("campaign");
    let campaign_id = params.get("campaign_id");
    let filtered =
        category.is_some() || customer.is_some() || campaign.is_some() || campaign_id.is_some();
    let keep = |v: &Row<'_>| {
        category.is_none_or(|c| v.category() == Some(c))
            && customer.as_deref().is_none_or(|c| v.holder_id() == Some(c))
            && campaign.is_none_or(|c| v.campaign() == Some(c))
            && campaign_id.is_none_or(|c| v.campaign_id() == Some(c))
    };
    let skip = (page.page - 1) * page.limit;
    let (rows, total): (Vec<Voucher>, usize) = match params.get("code") {
        Some(code) => {
            let found: Vec<Voucher> = project
                .vouchers
                .row(code)
                .filter(|v| v.code() == code)
                .filter(keep)
                .map(|v| v.voucher())
                .into_iter()
                .collect();
            let total = found.len();
            (found.into_iter().skip(skip).collect(), total)
        }
        None => {
            let total = if filtered {
                project.vouchers.newest_first().filter(keep).count()
            } else {
                project.vouchers.len()
            };
            let rows = project
                .vouchers
                .newest_first()
                .filter(keep)
                .skip(skip)
                .take(page.limit)
                .map(|v| v.voucher())
                .collect();
            (rows, total)
        }
    };
    Ok(Json(List::new("vouchers", rows, total as u64)))
}

/// `GET /v1/vouchers/{code}/redemption`: every redemption attempt of the code, newest first.
pub async fn vouchers_redemptions(
    Extension(slot): Current,
    Segments(code): Segments<String>,
) -> ApiResult<Json<List<Redemption>>> {
    let (project, _) = open(&slot);
    let voucher = project
        .vouchers
        .get(&code)
        .ok_or_else(|| ApiError::not_found("voucher", &code))?;
    let entries: Vec<Redemption> = project
        .redemptions
        .newest_first()
        .filter(|r| r.voucher.as_ref().is_some_and(|v| v.id == voucher.id))
        .cloned()
        .collect();
    let total = entries.len() as u64;
    Ok(Json(
        List::new("redemption_entries", entries, total)
            .with("quantity", serde_json::json!(voucher.redemption.quantity))
            .with(
                "redeemed_quantity",
                voucher.redemption.redeemed_quantity.into(),
            )
            .with("url", voucher.redemption.url.clone().into()),
    ))
}

/// The body of the legacy single-code endpoints: the stacked request without `redeemables`.
fn single_code_request(code: &str, body: &[u8]) -> ApiResult<ValidationRequest> {
    let mut value: serde_json::Value = json_or_default(body)?;
    if value.is_null() {
        value = serde_json::json!({});
    }
    let Some(map) = value.as_object_mut() else {
        return Err(ApiError::invalid_payload("Payload should be object"));
    };
    map.insert(
        "redeemables".into(),
        serde_json::to_value(vec![RedeemableRef::voucher(code)]).unwrap_or_default(),
    );
    json(value.to_string().as_bytes())
}

/// `POST /v1/vouchers/{code}/validate` (legacy): 200 with `valid` and, when invalid, `reason`.
pub async fn vouchers_validate(
    Extension(slot): Current,
    Segments(code): Segments<String>,
    Body(body): Body,
) -> ApiResult<Response> {
    let req = single_code_request(&code, &body)?;
    let (mut project, now) = open(&slot);
    let answer = checkout::validate(&mut project, &req, now)?;
    let entry = answer.redeemables.first();
    let mut out = serde_json::json!({
        "valid": answer.valid,
        "code": code,
        "tracking_id": answer.tracking_id,
        "metadata": entry.and_then(|e| e.metadata.clone()).unwrap_or_default(),
    });
    if answer.valid {
        out["discount"] =
            serde_json::to_value(entry.and_then(|e| e.result.discount.clone())).unwrap_or_default();
        out["order"] = serde_json::to_value(&answer.order).unwrap_or_default();
    } else if let Some(error) = answer
        .inapplicable_redeemables
        .first()
        .and_then(|e| e.result.error.clone())
    {
        let reason = legacy_reason(error.key.as_deref().unwrap_or_default());
        out["reason"] = reason.into();
        out["error"] = serde_json::to_value(error).unwrap_or_default();
    }
    Ok(Json(out).into_response())
}

fn legacy_reason(key: &str) -> &'static str {
    match key {
        "voucher_expired" => "voucher expired",
        "voucher_disabled" => "voucher is disabled",
        "voucher_not_active" => "voucher not active",
        "quantity_exceeded" => "quantity exceeded",
        "not_found" => "voucher not found",
        _ => "redemption does not match validation rules",
    }
}

/// `POST /v1/vouchers/{code}/redemption` (legacy): the redemption, or a 400 error.
pub async fn vouchers_redeem(
    Extension(slot): Current,
    Segments(code): Segments<String>,
    Body(body): Body,
) -> ApiResult<Json<Redemption>> {
    let req = single_code_request(&code, &body)?;
    let (mut project, now) = open(&slot);
    let mut answer = checkout::redeem(&mut project, &req, now)?;
    answer
        .redemptions
        .pop()
        .map(Json)
        .ok_or_else(|| ApiError::not_found("redemption", &code))
}

/// `DELETE /v1/vouchers/{code}/sessions/{sessionKey}`: releases a session's hold on the code.
pub async fn vouchers_session_release(
    Extension(slot): Current,
    Segments((code, key)): Segments<(String, String)>,
) -> ApiResult<StatusCode> {
    let (mut project, now) = open(&slot);
    sessions::release(&mut project, &code, &key, now)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The routes of this module.
pub fn router() -> Router<Emulator> {
    Router::new()
        .route("/v1/vouchers", post(vouchers_create).get(vouchers_list))
        .route(
            "/v1/vouchers/{code}",
            post(vouchers_create_with_code)
                .get(vouchers_get)
                .put(vouchers_update)
                .delete(vouchers_delete),
        )
        .route("/v1/vouchers/{code}/enable", post(vouchers_enable))
        .route("/v1/vouchers/{code}/disable", post(vouchers_disable))
        .route("/v1/vouchers/{code}/validate", post(vouchers_validate))
        .route(
            "/v1/vouchers/{code}/redemption",
            get(vouchers_redemptions).post(vouchers_redeem),
        )
        .route(
            "/v1/vouchers/{code}/sessions/{key}",
            delete(vouchers_session_release),
        )
}
