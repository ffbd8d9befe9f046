//! `GET /v1/customers/{id}/activity`: what happened to a customer, read from the project's
//! event log (redemptions, orders, segments, messages of distributions, ...).

use crate::emulator::answer::Json;
use axum::routing::get;
use axum::{Extension, Router};
use serde_json::Value;

use super::{Current, open};
use crate::emulator::error::{ApiError, ApiResult};
use crate::emulator::events::Event;
use crate::emulator::extract::{Params, Segments};
use crate::emulator::store::Emulator;
use crate::engine::time::Timestamp;

/// The activity types of the API (`CustomerActivity.type`) the emulator can produce.
pub const ACTIVITY_TYPES: &[&str] = &[
    "customer.created",
    "customer.updated",
    "customer.deleted",
    "customer.referred",
    "customer.custom_event",
    "customer.segment.entered",
    "customer.segment.left",
    "customer.sms.sent",
    "customer.sms.failed",
    "customer.email.sent",
    "customer.email.failed",
    "customer.rewarded",
    "customer.rewarded.loyalty_points",
    "customer.voucher.gift.balance_added",
    "customer.voucher.loyalty_card.points_added",
    "customer.voucher.deleted",
    "customer.publication.succeeded",
    "customer.publication.failed",
    "customer.redemption.failed",
    "customer.redemption.succeeded",
    "customer.redemption.rollback.failed",
    "customer.redemption.rollback.succeeded",
    "customer.order.canceled",
    "customer.order.created",
    "customer.order.fulfilled",
    "customer.order.paid",
    "customer.order.updated",
];

/// The activity type of a project event (`redemption.succeeded` →
/// `customer.redemption.succeeded`), if it is one.
pub fn activity_type(kind: &str) -> Option<String> {
    let name = if kind.starts_with("customer.") {
        kind.to_string()
    } else {
        format!("customer.{kind}")
    };
    ACTIVITY_TYPES.contains(&name.as_str()).then_some(name)
}

fn activity(event: &Event, kind: String) -> Value {
    let source = match &event.group_id {
        Some(_) => serde_json::json!({"channel": "API"}),
        None => serde_json::json!({"channel": "INTERNAL"}),
    };
    let id = format!(
        "evcus_{}",
        event.id.strip_prefix("evt_").unwrap_or(&event.id)
    );
    serde_json::json!({
        "id": id,
        "type": kind,
        "data": {"data": event.data, "event_source": source},
        "created_at": event.created_at,
        "group_id": event.group_id,
    })
}

fn date(params: &Params, name: &str) -> ApiResult<Option<Timestamp>> {
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

/// Newest first (`order=created_at` for oldest first); filters `type`, `campaign_id`,
/// `start_date`, `end_date`; pages with `limit` and `starting_after_id`.
pub async fn customer_activity(
    Extension(slot): Current,
    Segments(id): Segments<String>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let limit = params.int("limit", 10, 1, 100)? as usize;
    let oldest_first = match params.get("order") {
        None | Some("-created_at") => false,
        Some("created_at") => true,
        Some(_) => {
            return Err(ApiError::invalid_query(
                "Query parameter 'order' should be equal to one of the allowed values: created_at, -created_at",
            ));
        }
    };
    let (start, end) = (date(&params, "start_date")?, date(&params, "end_date")?);
    let (project, _) = open(&slot);
    let customer = project
        .customers
        .resolve(&id)
        .ok_or_else(|| ApiError::not_found("customer", &id))?
        .to_string();
    let mut rows: Vec<Value> = project
        .events
        .all()
        .iter()
        .filter(|e| e.customer_id.as_deref() == Some(customer.as_str()))
        .filter(|e| start.is_none_or(|s| e.created_at >= s))
        .filter(|e| end.is_none_or(|t| e.created_at <= t))
        .filter(|e| {
            params
                .get("campaign_id")
                .is_none_or(|c| e.data.pointer("/campaign/id").and_then(Value::as_str) == Some(c))
        })
        .filter_map(|e| activity_type(&e.kind).map(|kind| activity(e, kind)))
        .filter(|a| params.get("type").is_none_or(|t| a["type"] == t))
        .collect();
    drop(project);
    if !oldest_first {
        rows.reverse();
    }
    if let Some(after) = params.get("starting_after_id") {
        match rows.iter().position(|a| a["id"] == after) {
            Some(i) => {
                rows.drain(..=i);
            }
            None => rows.clear(),
        }
    }
    let has_more = rows.len() > limit;
    rows.truncate(limit);
    let mut answer = serde_json::json!({
        "object": "list",
        "data_ref": "data",
        "data": rows,
        "has_more": has_more,
    });
    if has_more
        && let Some(last) = answer["data"]
            .as_array()
            .and_then(|d| d.last())
            .map(|l| l["id"].clone())
    {
        answer["more_starting_after"] = last;
    }
    Ok(Json(answer))
}

/// The routes of this module.
pub fn router() -> Router<Emulator> {
    Router::new().route("/v1/customers/{id}/activity", get(customer_activity))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_events_map_to_customer_activity() {
        assert_eq!(
            activity_type("redemption.succeeded").as_deref(),
            Some("customer.redemption.succeeded")
        );
        assert_eq!(
            activity_type("customer.email.sent").as_deref(),
            Some("customer.email.sent")
        );
        assert_eq!(
            activity_type("customer.order.paid").as_deref(),
            Some("customer.order.paid")
        );
        assert_eq!(activity_type("voucher.created"), None);
        assert_eq!(activity_type("campaign.enabled"), None);
    }
}
