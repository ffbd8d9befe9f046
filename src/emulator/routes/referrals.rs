//! `/v1/referrals`: the holders of a referral code (its referrer and the referees).

use crate::emulator::answer::Json;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Extension, Router};

use super::customers::holders_page;
use super::{Body, Current, open};
use crate::emulator::error::ApiResult;
use crate::emulator::extract::{Params, Segments, json};
use crate::emulator::filters::Filters;
use crate::emulator::ops::referrals;
use crate::emulator::store::Emulator;
use crate::model::referral::HoldersAdded;
use crate::model::{HoldersInput, List, RedeemableHolder};

async fn add(
    slot: &Current,
    campaign: Option<&str>,
    member: &str,
    body: &[u8],
) -> ApiResult<Json<HoldersAdded>> {
    let input: HoldersInput = json(body)?;
    let (mut project, now) = open(slot);
    let holders = referrals::add_holders(&mut project, campaign, member, &input, now)?;
    Ok(Json(HoldersAdded { holders }))
}

pub async fn holders_add(
    slot: Current,
    Segments((campaign, member)): Segments<(String, String)>,
    Body(body): Body,
) -> ApiResult<Json<HoldersAdded>> {
    add(&slot, Some(&campaign), &member, &body).await
}

pub async fn member_holders_add(
    slot: Current,
    Segments(member): Segments<String>,
    Body(body): Body,
) -> ApiResult<Json<HoldersAdded>> {
    add(&slot, None, &member, &body).await
}

fn list(
    slot: &Current,
    campaign: Option<&str>,
    member: &str,
    params: &Params,
) -> ApiResult<Json<List<RedeemableHolder>>> {
    let filters = Filters::parse(
        params,
        &["id", "holder_role", "customer_id"],
        &["created_at"],
    )?;
    let (project, _) = open(slot);
    let rows = referrals::list_holders(&project, campaign, member)?;
    holders_page(rows, &filters, params).map(Json)
}

pub async fn holders_list(
    slot: Current,
    Segments((campaign, member)): Segments<(String, String)>,
    params: Params,
) -> ApiResult<Json<List<RedeemableHolder>>> {
    list(&slot, Some(&campaign), &member, &params)
}

pub async fn member_holders_list(
    slot: Current,
    Segments(member): Segments<String>,
    params: Params,
) -> ApiResult<Json<List<RedeemableHolder>>> {
    list(&slot, None, &member, &params)
}

pub async fn holders_remove(
    Extension(slot): Current,
    Segments((campaign, member, holder)): Segments<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let (mut project, _) = open(&slot);
    referrals::remove_holder(&mut project, Some(&campaign), &member, &holder)?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn member_holders_remove(
    Extension(slot): Current,
    Segments((member, holder)): Segments<(String, String)>,
) -> ApiResult<StatusCode> {
    let (mut project, _) = open(&slot);
    referrals::remove_holder(&mut project, None, &member, &holder)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The routes of this module.
pub fn router() -> Router<Emulator> {
    Router::new()
        .route(
            "/v1/referrals/{campaign}/members/{member}/holders",
            get(holders_list).post(holders_add),
        )
        .route(
            "/v1/referrals/{campaign}/members/{member}/holders/{holder}",
            delete(holders_remove),
        )
        .route(
            "/v1/referrals/members/{member}/holders",
            get(member_holders_list).post(member_holders_add),
        )
        .route(
            "/v1/referrals/members/{member}/holders/{holder}",
            delete(member_holders_remove),
        )
}
