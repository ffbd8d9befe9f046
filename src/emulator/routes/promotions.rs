//! `/v1/promotions`: tiers of promotion campaigns.

use crate::emulator::answer::Json;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Extension, Router};

use super::{Body, Current, open};
use crate::emulator::error::{ApiError, ApiResult};
use crate::emulator::extract::{Params, Segments, json};
use crate::emulator::ops::{Page, promotions, rules};
use crate::emulator::store::Emulator;
use crate::model::{List, PromotionTier, TierInput};

pub async fn tiers_create(
    Extension(slot): Current,
    Segments(campaign): Segments<String>,
    Body(body): Body,
) -> ApiResult<Json<PromotionTier>> {
    let input: TierInput = json(&body)?;
    let (mut project, now) = open(&slot);
    let campaign_id = project
        .campaigns
        .get(&campaign)
        .map(|c| c.id.clone())
        .ok_or_else(|| ApiError::not_found("campaign", &campaign))?;
    let next = project
        .tiers
        .oldest_first()
        .filter(|t| t.campaign.id == campaign_id)
        .count() as i64
        + 1;
    promotions::insert(&mut project, &campaign_id, &input, next, now).map(Json)
}

pub async fn tiers_of_campaign(
    Extension(slot): Current,
    Segments(campaign): Segments<String>,
) -> ApiResult<Json<List<PromotionTier>>> {
    let (project, _) = open(&slot);
    let campaign_id = project
        .campaigns
        .get(&campaign)
        .map(|c| c.id.clone())
        .ok_or_else(|| ApiError::not_found("campaign", &campaign))?;
    let mut rows: Vec<PromotionTier> = project
        .tiers
        .oldest_first()
        .filter(|t| t.campaign.id == campaign_id)
        .map(|t| promotions::view(&project, t))
        .collect();
    rows.sort_by_key(|t| t.hierarchy);
    let total = rows.len() as u64;
    Ok(Json(
        List::new("tiers", rows, total).with("has_more", false.into()),
    ))
}

/// `GET /v1/promotions/tiers`: every tier; `is_available=true` keeps active ones.
pub async fn tiers_list(
    Extension(slot): Current,
    params: Params,
) -> ApiResult<Json<List<PromotionTier>>> {
    let page = Page::from_params(&params, 100)?;
    let (project, _) = open(&slot);
    let available = params.get("is_available") == Some("true");
    let rows: Vec<PromotionTier> = project
        .tiers
        .newest_first()
        .filter(|t| !available || (t.active && t.campaign.active))
        .map(|t| promotions::view(&project, t))
        .collect();
    let total = rows.len() as u64;
    Ok(Json(
        List::new("tiers", page.slice(&rows), total).with("has_more", false.into()),
    ))
}

pub async fn tiers_get(
    Extension(slot): Current,
    Segments(id): Segments<String>,
) -> ApiResult<Json<PromotionTier>> {
    let (project, _) = open(&slot);
    project
        .tiers
        .get(&id)
        .map(|t| Json(promotions::view(&project, t)))
        .ok_or_else(|| ApiError::not_found("promotion_tier", &id))
}

pub async fn tiers_update(
    Extension(slot): Current,
    Segments(id): Segments<String>,
    Body(body): Body,
) -> ApiResult<Json<PromotionTier>> {
    let input: TierInput = json(&body)?;
    let (mut project, now) = open(&slot);
    promotions::update(&mut project, &id, &input, now).map(Json)
}

pub async fn tiers_delete(
    Extension(slot): Current,
    Segments(id): Segments<String>,
) -> ApiResult<StatusCode> {
    let (mut project, _) = open(&slot);
    project
        .tiers
        .remove(&id)
        .ok_or_else(|| ApiError::not_found("promotion_tier", &id))?;
    rules::forget(&mut project, &id);
    Ok(StatusCode::NO_CONTENT)
}

pub async fn tiers_enable(
    Extension(slot): Current,
    Segments(id): Segments<String>,
) -> ApiResult<Json<PromotionTier>> {
    let (mut project, now) = open(&slot);
    promotions::set_active(&mut project, &id, true, now).map(Json)
}

pub async fn tiers_disable(
    Extension(slot): Current,
    Segments(id): Segments<String>,
) -> ApiResult<Json<PromotionTier>> {
    let (mut project, now) = open(&slot);
    promotions::set_active(&mut project, &id, false, now).map(Json)
}

/// The routes of this module.
pub fn router() -> Router<Emulator> {
    Router::new()
        .route("/v1/promotions/tiers", get(tiers_list))
        .route(
            "/v1/promotions/tiers/{id}",
            get(tiers_get).put(tiers_update).delete(tiers_delete),
        )
        .route("/v1/promotions/tiers/{id}/enable", post(tiers_enable))
        .route("/v1/promotions/tiers/{id}/disable", post(tiers_disable))
        .route(
            "/v1/promotions/{campaign}/tiers",
            post(tiers_create).get(tiers_of_campaign),
        )
}
