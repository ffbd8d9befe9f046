//! `/v1/campaigns`: create, read, list, update, delete, enable, disable, add codes.

use crate::emulator::answer::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};

use super::{Body, Current, open};
use crate::emulator::error::ApiResult;
use crate::emulator::extract::{Params, Segments, json, json_or_default};
use crate::emulator::ops::{Page, campaigns};
use crate::emulator::store::Emulator;
use crate::model::{Campaign, CampaignInput, List, Voucher, VoucherInput};

pub async fn campaigns_create(
    Extension(slot): Current,
    Body(body): Body,
) -> ApiResult<Json<Campaign>> {
    let input: CampaignInput = json(&body)?;
    let (mut project, now) = open(&slot);
    campaigns::create(&mut project, &input, now).map(Json)
}

pub async fn campaigns_get(
    Extension(slot): Current,
    Segments(id): Segments<String>,
) -> ApiResult<Json<Campaign>> {
    let (project, _) = open(&slot);
    campaigns::view(&project, &id).map(Json)
}

pub async fn campaigns_list(
    Extension(slot): Current,
    params: Params,
) -> ApiResult<Json<List<Campaign>>> {
    let page = Page::from_params(&params, 100)?;
    let (project, _) = open(&slot);
    let rows: Vec<Campaign> = project
        .campaigns
        .newest_first()
        .filter(|c| {
            params
                .get("campaign_type")
                .is_none_or(|t| c.campaign_type == t)
        })
        .filter_map(|c| campaigns::view(&project, &c.id).ok())
        .collect();
    let total = rows.len() as u64;
    Ok(Json(List::new("campaigns", page.slice(&rows), total)))
}

/// `PUT /v1/campaigns/{id}`: description, metadata, dates and `active`.
pub async fn campaigns_update(
    Extension(slot): Current,
    Segments(id): Segments<String>,
    Body(body): Body,
) -> ApiResult<Json<Campaign>> {
    let input: CampaignInput = json(&body)?;
    let (mut project, now) = open(&slot);
    let key = campaigns::view(&project, &id)?.id;
    let program = campaigns::updated_program(&mut project, &key, input.referral_program.clone())?;
    if let Some(active) = input.active {
        campaigns::set_active(&mut project, &key, active, now)?;
    }
    if let Some(c) = project.campaigns.get_mut(&key) {
        if input.description.is_some() {
            c.description = input.description.clone();
        }
        if let Some(m) = &input.metadata {
            c.metadata = m.clone();
        }
        c.start_date = input.start_date.or(c.start_date);
        c.expiration_date = input.expiration_date.or(c.expiration_date);
        if program.is_some() {
            c.referral_program = program;
        }
        c.updated_at = Some(now);
    }
    campaigns::view(&project, &key).map(Json)
}

/// `DELETE`: 202 with the async action that did it.
pub async fn campaigns_delete(
    Extension(slot): Current,
    Segments(id): Segments<String>,
) -> ApiResult<Response> {
    let (mut project, now) = open(&slot);
    let action = campaigns::delete(&mut project, &id, now)?;
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({"async_action_id": action})),
    )
        .into_response())
}

pub async fn campaigns_enable(
    Extension(slot): Current,
    Segments(id): Segments<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let (mut project, now) = open(&slot);
    campaigns::set_active(&mut project, &id, true, now)?;
    Ok(Json(serde_json::json!({})))
}

pub async fn campaigns_disable(
    Extension(slot): Current,
    Segments(id): Segments<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let (mut project, now) = open(&slot);
    campaigns::set_active(&mut project, &id, false, now)?;
    Ok(Json(serde_json::json!({})))
}

/// `POST /v1/campaigns/{id}/vouchers?vouchers_count=N`: one code (200) or several (202).
pub async fn campaigns_add_vouchers(
    Extension(slot): Current,
    Segments(id): Segments<String>,
    params: Params,
    Body(body): Body,
) -> ApiResult<Response> {
    let count = params.int("vouchers_count", 1, 1, campaigns::MAX_GENERATED)?;
    let _: VoucherInput = json_or_default(&body)?;
    let (mut project, now) = open(&slot);
    let key = campaigns::view(&project, &id)?.id;
    if count == 1 {
        return campaigns::generate(&mut project, &key, now).map(|v| Json(v).into_response());
    }
    // Check the campaign can generate before generating any.
    campaigns::generate(&mut project, &key, now)?;
    for _ in 1..count {
        campaigns::generate(&mut project, &key, now)?;
    }
    let action = project.ids.hex("aa_");
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({"async_action_id": action})),
    )
        .into_response())
}

/// `POST /v1/campaigns/{id}/vouchers/{code}`: a given code in the campaign.
pub async fn campaigns_add_code(
    Extension(slot): Current,
    Segments((id, code)): Segments<(String, String)>,
    Body(body): Body,
) -> ApiResult<Json<Voucher>> {
    let _: VoucherInput = json_or_default(&body)?;
    let (mut project, now) = open(&slot);
    let campaign = campaigns::view(&project, &id)?;
    campaigns::add_code(&mut project, &campaign, code, now).map(Json)
}

/// The routes of this module.
pub fn router() -> Router<Emulator> {
    Router::new()
        .route("/v1/campaigns", post(campaigns_create).get(campaigns_list))
        .route(
            "/v1/campaigns/{id}",
            get(campaigns_get)
                .put(campaigns_update)
                .delete(campaigns_delete),
        )
        .route("/v1/campaigns/{id}/enable", post(campaigns_enable))
        .route("/v1/campaigns/{id}/disable", post(campaigns_disable))
        .route("/v1/campaigns/{id}/vouchers", post(campaigns_add_vouchers))
        .route(
            "/v1/campaigns/{id}/vouchers/{code}",
            post(campaigns_add_code),
        )
}
