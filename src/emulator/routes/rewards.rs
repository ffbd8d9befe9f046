//! `/v1/rewards`, `/v1/publications`, `/v1/events`, and a code's balance and transactions.

use crate::emulator::answer::Json;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Extension, Router};

use super::loyalties::ledger;
use super::{Body, Current, open};
use crate::emulator::error::{ApiError, ApiResult};
use crate::emulator::extract::{Params, Segments, json};
use crate::emulator::ops::{Page, custom_events, loyalty, publications};
use crate::emulator::store::Emulator;
use crate::model::{
    Balance, BalanceInput, EventInput, List, Publication, PublicationInput, Reward,
    RewardAssignment, RewardAssignmentInput, Transaction,
};

pub async fn rewards_create(Extension(slot): Current, Body(body): Body) -> ApiResult<Json<Reward>> {
    let input: Reward = json(&body)?;
    let (mut project, now) = open(&slot);
    loyalty::create_reward(&mut project, &input, now).map(Json)
}

pub async fn rewards_list(
    Extension(slot): Current,
    params: Params,
) -> ApiResult<Json<List<Reward>>> {
    let page = Page::from_params(&params, 100)?;
    let (project, _) = open(&slot);
    let rows: Vec<Reward> = project.rewards.newest_first().cloned().collect();
    let total = rows.len() as u64;
    Ok(Json(List::new("data", page.slice(&rows), total)))
}

pub async fn rewards_get(
    Extension(slot): Current,
    Segments(id): Segments<String>,
) -> ApiResult<Json<Reward>> {
    let (project, _) = open(&slot);
    project
        .rewards
        .get(&id)
        .cloned()
        .map(Json)
        .ok_or_else(|| ApiError::not_found("reward", &id))
}

pub async fn rewards_delete(
    Extension(slot): Current,
    Segments(id): Segments<String>,
) -> ApiResult<StatusCode> {
    let (mut project, _) = open(&slot);
    project
        .rewards
        .remove(&id)
        .ok_or_else(|| ApiError::not_found("reward", &id))?;
    let gone: Vec<String> = project
        .reward_assignments
        .oldest_first()
        .filter(|a| a.reward_id == id)
        .map(|a| a.id.clone())
        .collect();
    for a in gone {
        project.reward_assignments.remove(&a);
    }
    Ok(StatusCode::NO_CONTENT)
}

pub async fn reward_assignments_create(
    Extension(slot): Current,
    Segments(id): Segments<String>,
    Body(body): Body,
) -> ApiResult<Json<RewardAssignment>> {
    let input: RewardAssignmentInput = json(&body)?;
    let campaign = input
        .campaign
        .clone()
        .ok_or_else(|| ApiError::not_found("campaign", "null"))?;
    let (mut project, now) = open(&slot);
    loyalty::assign_reward(&mut project, &id, &campaign, input.parameters.as_ref(), now).map(Json)
}

pub async fn reward_assignments_list(
    Extension(slot): Current,
    Segments(id): Segments<String>,
) -> ApiResult<Json<List<RewardAssignment>>> {
    let (project, _) = open(&slot);
    if !project.rewards.contains(&id) {
        return Err(ApiError::not_found("reward", &id));
    }
    let rows: Vec<RewardAssignment> = project
        .reward_assignments
        .oldest_first()
        .filter(|a| a.reward_id == id)
        .cloned()
        .collect();
    let total = rows.len() as u64;
    Ok(Json(List::new("data", rows, total)))
}

/// `POST /v1/vouchers/{code}/balance`: gift credits (`amount`) or card points (`points`).
pub async fn voucher_balance(
    Extension(slot): Current,
    Segments(code): Segments<String>,
    Body(body): Body,
) -> ApiResult<Json<Balance>> {
    let input: BalanceInput = json(&body)?;
    let amount = input.amount.or(input.points).ok_or_else(|| {
        ApiError::invalid_payload("Payload should have required property 'amount'")
    })?;
    let (mut project, now) = open(&slot);
    loyalty::change_code_balance(
        &mut project,
        &code,
        amount,
        input.reason.clone(),
        input.source_id.clone(),
        now,
    )
    .map(Json)
}

pub async fn voucher_transactions(
    Extension(slot): Current,
    Segments(code): Segments<String>,
    params: Params,
) -> ApiResult<Json<List<Transaction>>> {
    let page = Page::from_params(&params, 100)?;
    let (project, _) = open(&slot);
    let voucher = project
        .vouchers
        .get(&code)
        .ok_or_else(|| ApiError::not_found("voucher", &code))?;
    Ok(Json(ledger(&project, &voucher.id, &page)))
}

pub async fn publications_create(
    Extension(slot): Current,
    params: Params,
    Body(body): Body,
) -> ApiResult<Json<Publication>> {
    let input: PublicationInput = json(&body)?;
    publish(&slot, &input, &params)
}

/// Publishes `input`, with `join_once` from the query string.
fn publish(
    slot: &crate::emulator::store::ProjectSlot,
    input: &PublicationInput,
    params: &Params,
) -> ApiResult<Json<Publication>> {
    let join_once = params.get("join_once") == Some("true");
    let (mut project, now) = open(slot);
    publications::publish(&mut project, input, join_once, now).map(Json)
}

/// `GET /v1/publications/create`: the same publication from the query string, in the API's
/// deepObject style (`campaign[name]=Spring&customer[source_id]=alice&metadata[shop]=web`).
pub async fn publications_create_from_query(
    Extension(slot): Current,
    params: Params,
) -> ApiResult<Json<Publication>> {
    let input: PublicationInput = serde_json::from_value(deep_object(&params)?)
        .map_err(|e| ApiError::invalid_query(e.to_string()))?;
    publish(&slot, &input, &params)
}

/// A query string's `a[b][c]=v` pairs as the object `{"a": {"b": {"c": "v"}}}`. Values stay
/// strings but for `campaign[count]`, the one number of a publication.
fn deep_object(params: &Params) -> ApiResult<serde_json::Value> {
    let mut root = serde_json::Map::new();
    let mut pairs: Vec<&(String, String)> = params
        .pairs()
        .iter()
        .filter(|(k, _)| k != "join_once")
        .collect();
    pairs.sort();
    for (name, value) in pairs {
        let (head, rest) = name.split_once('[').unwrap_or((name, ""));
        let mut path = vec![head];
        if !rest.is_empty() {
            let inner = rest
                .strip_suffix(']')
                .filter(|r| !r.is_empty())
                .ok_or_else(|| {
                    ApiError::invalid_query(format!("Query parameter '{name}' is malformed"))
                })?;
            path.extend(inner.split("]["));
        }
        let value = if name == "campaign[count]" {
            let count = value.parse::<u64>().map_err(|_| {
                ApiError::invalid_query(format!("Query parameter '{name}' should be an integer"))
            })?;
            serde_json::Value::from(count)
        } else {
            serde_json::Value::String(value.clone())
        };
        let (last, parents) = path.split_last().expect("a name has a head");
        let mut node = &mut root;
        for part in parents {
            let child = node
                .entry(part.to_string())
                .or_insert_with(|| serde_json::Value::Object(Default::default()));
            node = child.as_object_mut().ok_or_else(|| {
                ApiError::invalid_query(format!("Query parameter '{name}' conflicts with '{part}'"))
            })?;
        }
        if node.insert(last.to_string(), value).is_some() {
            return Err(ApiError::invalid_query(format!(
                "Query parameter '{name}' is given twice"
            )));
        }
    }
    Ok(serde_json::Value::Object(root))
}

/// `GET /v1/publications`: filters `campaign` (name), `customer`, `voucher`, `result`, `source_id`.
pub async fn publications_list(
    Extension(slot): Current,
    params: Params,
) -> ApiResult<Json<List<Publication>>> {
    let page = Page::from_params(&params, 1000)?;
    let (project, _) = open(&slot);
    let customer = params
        .get("customer")
        .map(|c| project.customers.resolve(c).unwrap_or(c).to_string());
    let rows: Vec<Publication> = project
        .publications
        .newest_first()
        .filter(|p| {
            customer
                .as_deref()
                .is_none_or(|c| p.customer_id.as_deref() == Some(c))
        })
        .filter(|p| {
            params
                .get("voucher")
                .is_none_or(|v| p.voucher.as_ref().is_some_and(|x| x.code == v))
        })
        .filter(|p| params.get("result").is_none_or(|r| p.result == r))
        .filter(|p| {
            params
                .get("source_id")
                .is_none_or(|s| p.source_id.as_deref() == Some(s))
        })
        .filter(|p| {
            params
                .get("campaign")
                .is_none_or(|c| p.voucher.as_ref().and_then(|v| v.campaign.as_deref()) == Some(c))
        })
        .cloned()
        .collect();
    let total = rows.len() as u64;
    Ok(Json(List::new("publications", page.slice(&rows), total)))
}

pub async fn events_create(
    Extension(slot): Current,
    Body(body): Body,
) -> ApiResult<Json<serde_json::Value>> {
    let input: EventInput = json(&body)?;
    let (mut project, now) = open(&slot);
    custom_events::track(&mut project, &input, now).map(Json)
}

/// The routes of this module.
pub fn router() -> Router<Emulator> {
    Router::new()
        .route("/v1/rewards", post(rewards_create).get(rewards_list))
        .route("/v1/rewards/{id}", get(rewards_get).delete(rewards_delete))
        .route(
            "/v1/rewards/{id}/assignments",
            post(reward_assignments_create).get(reward_assignments_list),
        )
        .route("/v1/vouchers/{code}/balance", post(voucher_balance))
        .route(
            "/v1/vouchers/{code}/transactions",
            get(voucher_transactions),
        )
        .route(
            "/v1/publications",
            post(publications_create).get(publications_list),
        )
        .route(
            "/v1/publications/create",
            get(publications_create_from_query),
        )
        .route("/v1/events", post(events_create))
}
