//! `/v1/loyalties`: programs, members, balances, transactions, earning rules, rewards of a
//! program, and reward redemption.

use crate::emulator::answer::Json;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Extension, Router};

use super::{Body, Current, open};
use crate::emulator::error::{ApiError, ApiResult};
use crate::emulator::extract::{Params, Segments, json};
use crate::emulator::ops::{Page, campaigns, loyalty};
use crate::emulator::store::Emulator;
use crate::model::{
    Balance, BalanceInput, Campaign, CampaignInput, EarningRule, List, MemberInput, Redemption,
    RewardAssignment, RewardAssignmentInput, RewardRedemptionInput, Transaction, Voucher,
};

pub async fn programs_create(
    Extension(slot): Current,
    Body(body): Body,
) -> ApiResult<Json<Campaign>> {
    let mut input: CampaignInput = json(&body)?;
    input.campaign_type = Some("LOYALTY_PROGRAM".into());
    let (mut project, now) = open(&slot);
    campaigns::create(&mut project, &input, now).map(Json)
}

pub async fn programs_list(
    Extension(slot): Current,
    params: Params,
) -> ApiResult<Json<List<Campaign>>> {
    let page = Page::from_params(&params, 100)?;
    let (project, _) = open(&slot);
    let rows: Vec<Campaign> = project
        .campaigns
        .newest_first()
        .filter(|c| c.campaign_type == "LOYALTY_PROGRAM")
        .cloned()
        .collect();
    let total = rows.len() as u64;
    Ok(Json(List::new("campaigns", page.slice(&rows), total)))
}

pub async fn programs_get(
    Extension(slot): Current,
    Segments(id): Segments<String>,
) -> ApiResult<Json<Campaign>> {
    let (project, _) = open(&slot);
    loyalty::program(&project, &id).map(Json)
}

pub async fn members_create(
    Extension(slot): Current,
    Segments(id): Segments<String>,
    Body(body): Body,
) -> ApiResult<Json<Voucher>> {
    let input: MemberInput = json(&body)?;
    let (mut project, now) = open(&slot);
    loyalty::add_member(&mut project, &id, &input, now).map(Json)
}

pub async fn members_list(
    Extension(slot): Current,
    Segments(id): Segments<String>,
    params: Params,
) -> ApiResult<Json<List<Voucher>>> {
    let page = Page::from_params(&params, 100)?;
    let (project, _) = open(&slot);
    let program = loyalty::program(&project, &id)?;
    let rows: Vec<Voucher> = project
        .vouchers
        .newest_first()
        .filter(|v| v.campaign_id() == Some(program.id.as_str()) && v.holder_id().is_some())
        .map(|v| v.voucher())
        .collect();
    let total = rows.len() as u64;
    Ok(Json(List::new("vouchers", page.slice(&rows), total)))
}

pub async fn member_get(
    Extension(slot): Current,
    Segments((id, member)): Segments<(String, String)>,
) -> ApiResult<Json<Voucher>> {
    let (project, _) = open(&slot);
    loyalty::member(&project, Some(&id), &member).map(Json)
}

pub async fn member_get_any(
    Extension(slot): Current,
    Segments(member): Segments<String>,
) -> ApiResult<Json<Voucher>> {
    let (project, _) = open(&slot);
    loyalty::member(&project, None, &member).map(Json)
}

async fn balance(
    slot: &crate::emulator::store::ProjectSlot,
    program: Option<&str>,
    member: &str,
    body: &[u8],
) -> ApiResult<Json<Balance>> {
    let input: BalanceInput = json(body)?;
    let points = input.points.ok_or_else(|| {
        ApiError::invalid_payload("Payload should have required property 'points'")
    })?;
    let (mut project, now) = open(slot);
    let card = loyalty::member(&project, program, member)?;
    loyalty::change_balance(
        &mut project,
        &card.code,
        points,
        input.reason.clone(),
        input.source_id.clone(),
        now,
    )
    .map(Json)
}

pub async fn balance_in_program(
    Extension(slot): Current,
    Segments((id, member)): Segments<(String, String)>,
    Body(body): Body,
) -> ApiResult<Json<Balance>> {
    balance(&slot, Some(&id), &member, &body).await
}

pub async fn balance_any(
    Extension(slot): Current,
    Segments(member): Segments<String>,
    Body(body): Body,
) -> ApiResult<Json<Balance>> {
    balance(&slot, None, &member, &body).await
}

/// A card's ledger, newest first.
pub fn ledger(
    project: &crate::emulator::store::Project,
    voucher_id: &str,
    page: &Page,
) -> List<Transaction> {
    let rows: Vec<Transaction> = project
        .transactions
        .newest_first()
        .filter(|t| t.voucher_id == voucher_id)
        .cloned()
        .collect();
    let total = rows.len() as u64;
    let shown = page.slice(&rows);
    let has_more = (page.page * page.limit) < rows.len();
    let mut list = List::new("data", shown.clone(), total).with("has_more", has_more.into());
    if has_more && let Some(last) = shown.last() {
        list = list.with("more_starting_after", last.id.clone().into());
    }
    list
}

pub async fn transactions_in_program(
    Extension(slot): Current,
    Segments((id, member)): Segments<(String, String)>,
    params: Params,
) -> ApiResult<Json<List<Transaction>>> {
    let page = Page::from_params(&params, 100)?;
    let (project, _) = open(&slot);
    let card = loyalty::member(&project, Some(&id), &member)?;
    Ok(Json(ledger(&project, &card.id, &page)))
}

pub async fn transactions_any(
    Extension(slot): Current,
    Segments(member): Segments<String>,
    params: Params,
) -> ApiResult<Json<List<Transaction>>> {
    let page = Page::from_params(&params, 100)?;
    let (project, _) = open(&slot);
    let card = loyalty::member(&project, None, &member)?;
    Ok(Json(ledger(&project, &card.id, &page)))
}

pub async fn earning_rules_create(
    Extension(slot): Current,
    Segments(id): Segments<String>,
    Body(body): Body,
) -> ApiResult<Json<Vec<EarningRule>>> {
    let input: Vec<EarningRule> = json(&body)?;
    let (mut project, now) = open(&slot);
    loyalty::create_earning_rules(&mut project, &id, &input, now).map(Json)
}

pub async fn earning_rules_list(
    Extension(slot): Current,
    Segments(id): Segments<String>,
) -> ApiResult<Json<List<EarningRule>>> {
    let (project, _) = open(&slot);
    let program = loyalty::program(&project, &id)?;
    let rows: Vec<EarningRule> = project
        .earning_rules
        .newest_first()
        .filter(|r| r.campaign_id == program.id)
        .map(|r| r.rule.clone())
        .collect();
    let total = rows.len() as u64;
    Ok(Json(List::new("data", rows, total)))
}

pub async fn earning_rule_get(
    Extension(slot): Current,
    Segments((id, rule)): Segments<(String, String)>,
) -> ApiResult<Json<EarningRule>> {
    let (project, _) = open(&slot);
    let program = loyalty::program(&project, &id)?;
    project
        .earning_rules
        .get(&rule)
        .filter(|r| r.campaign_id == program.id)
        .map(|r| Json(r.rule.clone()))
        .ok_or_else(|| ApiError::not_found("earning_rule", &rule))
}

async fn earning_rule_switch(
    slot: &crate::emulator::store::ProjectSlot,
    id: &str,
    rule: &str,
    active: bool,
) -> ApiResult<Json<EarningRule>> {
    let (mut project, now) = open(slot);
    let program = loyalty::program(&project, id)?;
    let stored = project
        .earning_rules
        .get_mut(rule)
        .filter(|r| r.campaign_id == program.id)
        .ok_or_else(|| ApiError::not_found("earning_rule", rule))?;
    stored.rule.active = Some(active);
    stored.rule.updated_at = Some(now);
    Ok(Json(stored.rule.clone()))
}

pub async fn earning_rule_enable(
    Extension(slot): Current,
    Segments((id, rule)): Segments<(String, String)>,
) -> ApiResult<Json<EarningRule>> {
    earning_rule_switch(&slot, &id, &rule, true).await
}

pub async fn earning_rule_disable(
    Extension(slot): Current,
    Segments((id, rule)): Segments<(String, String)>,
) -> ApiResult<Json<EarningRule>> {
    earning_rule_switch(&slot, &id, &rule, false).await
}

pub async fn earning_rule_delete(
    Extension(slot): Current,
    Segments((id, rule)): Segments<(String, String)>,
) -> ApiResult<StatusCode> {
    let (mut project, _) = open(&slot);
    let program = loyalty::program(&project, &id)?;
    if project
        .earning_rules
        .get(&rule)
        .is_none_or(|r| r.campaign_id != program.id)
    {
        return Err(ApiError::not_found("earning_rule", &rule));
    }
    project.earning_rules.remove(&rule);
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/loyalties/{id}/rewards`: an array of `{reward, parameters}` in, an array out.
pub async fn program_rewards_create(
    Extension(slot): Current,
    Segments(id): Segments<String>,
    Body(body): Body,
) -> ApiResult<Json<Vec<RewardAssignment>>> {
    let input: Vec<RewardAssignmentInput> = json(&body)?;
    let (mut project, now) = open(&slot);
    for (i, item) in input.iter().enumerate() {
        let reward = item.reward.as_deref().ok_or_else(|| {
            ApiError::invalid_payload(format!(
                "Property [{i}] should have required property 'reward'"
            ))
        })?;
        if !project.rewards.contains(reward) {
            return Err(ApiError::not_found("reward", reward));
        }
    }
    let mut out = Vec::new();
    for item in &input {
        let reward = item.reward.as_deref().unwrap_or_default();
        out.push(loyalty::assign_reward(
            &mut project,
            reward,
            &id,
            item.parameters.as_ref(),
            now,
        )?);
    }
    Ok(Json(out))
}

pub async fn program_rewards_list(
    Extension(slot): Current,
    Segments(id): Segments<String>,
) -> ApiResult<Json<List<serde_json::Value>>> {
    let (project, _) = open(&slot);
    let program = loyalty::program(&project, &id)?;
    let rows: Vec<serde_json::Value> = project
        .reward_assignments
        .oldest_first()
        .filter(|a| a.related_object_id == program.id)
        .map(|a| serde_json::json!({"reward": project.rewards.get(&a.reward_id), "assignment": a, "object": "loyalty_reward"}))
        .collect();
    let total = rows.len() as u64;
    Ok(Json(List::new("data", rows, total)))
}

/// `GET /v1/loyalties/members/{memberId}/rewards?affordable_only=true`.
pub async fn member_rewards(
    Extension(slot): Current,
    Segments(member): Segments<String>,
    params: Params,
) -> ApiResult<Json<List<serde_json::Value>>> {
    let (project, _) = open(&slot);
    let card = loyalty::member(&project, None, &member)?;
    let balance = card.loyalty_card.as_ref().map_or(0, |c| c.balance);
    let affordable_only = params.get("affordable_only") == Some("true");
    let rows: Vec<serde_json::Value> = project
        .reward_assignments
        .oldest_first()
        .filter(|a| Some(a.related_object_id.as_str()) == card.campaign_id.as_deref())
        .filter(|a| {
            let cost = a.parameters.pointer("/loyalty/points").and_then(serde_json::Value::as_i64).unwrap_or(0);
            !affordable_only || cost <= balance
        })
        .map(|a| serde_json::json!({"reward": project.rewards.get(&a.reward_id), "assignment": a, "object": "loyalty_reward"}))
        .collect();
    let total = rows.len() as u64;
    Ok(Json(List::new("data", rows, total)))
}

pub async fn redeem_in_program(
    Extension(slot): Current,
    Segments((id, member)): Segments<(String, String)>,
    Body(body): Body,
) -> ApiResult<Json<Redemption>> {
    let input: RewardRedemptionInput = json(&body)?;
    let (mut project, now) = open(&slot);
    loyalty::redeem_reward(&mut project, Some(&id), &member, &input, now).map(Json)
}

pub async fn redeem_any(
    Extension(slot): Current,
    Segments(member): Segments<String>,
    Body(body): Body,
) -> ApiResult<Json<Redemption>> {
    let input: RewardRedemptionInput = json(&body)?;
    let (mut project, now) = open(&slot);
    loyalty::redeem_reward(&mut project, None, &member, &input, now).map(Json)
}

/// The routes of this module.
pub fn router() -> Router<Emulator> {
    Router::new()
        .route("/v1/loyalties", post(programs_create).get(programs_list))
        .route("/v1/loyalties/members/{member}", get(member_get_any))
        .route("/v1/loyalties/members/{member}/balance", post(balance_any))
        .route(
            "/v1/loyalties/members/{member}/transactions",
            get(transactions_any),
        )
        .route(
            "/v1/loyalties/members/{member}/rewards",
            get(member_rewards),
        )
        .route(
            "/v1/loyalties/members/{member}/redemption",
            post(redeem_any),
        )
        .route("/v1/loyalties/{id}", get(programs_get))
        .route(
            "/v1/loyalties/{id}/members",
            post(members_create).get(members_list),
        )
        .route("/v1/loyalties/{id}/members/{member}", get(member_get))
        .route(
            "/v1/loyalties/{id}/members/{member}/balance",
            post(balance_in_program),
        )
        .route(
            "/v1/loyalties/{id}/members/{member}/transactions",
            get(transactions_in_program),
        )
        .route(
            "/v1/loyalties/{id}/members/{member}/redemption",
            post(redeem_in_program),
        )
        .route(
            "/v1/loyalties/{id}/earning-rules",
            post(earning_rules_create).get(earning_rules_list),
        )
        .route(
            "/v1/loyalties/{id}/earning-rules/{rule}",
            get(earning_rule_get).delete(earning_rule_delete),
        )
        .route(
            "/v1/loyalties/{id}/earning-rules/{rule}/enable",
            post(earning_rule_enable),
        )
        .route(
            "/v1/loyalties/{id}/earning-rules/{rule}/disable",
            post(earning_rule_disable),
        )
        .route(
            "/v1/loyalties/{id}/rewards",
            post(program_rewards_create).get(program_rewards_list),
        )
}
