//! Redemptions and their rollbacks.

use serde::{Deserialize, Serialize};

use super::validation::RedeemableResult;
use super::{CustomerInput, CustomerRef, Metadata, Order, Voucher};
use crate::engine::time::Timestamp;

fn redemption_object() -> String {
    "redemption".to_string()
}

fn rollback_object() -> String {
    "redemption_rollback".to_string()
}

/// Who made a redemption.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Channel {
    #[serde(default)]
    pub channel_id: Option<String>,
    /// `USER`, `API` or `AUTO_REDEEM`.
    #[serde(default)]
    pub channel_type: String,
}

/// A redemption (`r_...`, or `rf_...` when it failed).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Redemption {
    #[serde(default)]
    pub id: String,
    #[serde(default = "redemption_object")]
    pub object: String,
    #[serde(default)]
    pub date: Option<Timestamp>,
    #[serde(default)]
    pub customer_id: Option<String>,
    #[serde(default)]
    pub tracking_id: Option<String>,
    #[serde(default)]
    pub metadata: Option<Metadata>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// The parent redemption of a stacked child.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redemption: Option<String>,
    /// `SUCCESS` or `FAILURE`.
    #[serde(default)]
    pub result: String,
    /// `SUCCEEDED`, `FAILED` or `ROLLED_BACK`.
    #[serde(default)]
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_message: Option<String>,
    /// `{key}` of the validation session whose hold this redemption used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<serde_json::Value>,
    #[serde(default)]
    pub order: Option<Order>,
    #[serde(default)]
    pub channel: Channel,
    #[serde(default)]
    pub customer: Option<CustomerRef>,
    /// `voucher`, `promotion_tier` or `redemption` (a stacked parent).
    #[serde(default)]
    pub related_object_type: String,
    #[serde(default)]
    pub related_object_id: String,
    #[serde(default)]
    pub voucher: Option<Voucher>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion_tier: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reward: Option<serde_json::Value>,
    /// `{amount}`: credits taken from a gift card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gift: Option<serde_json::Value>,
    /// `{points}`: points taken from a loyalty card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loyalty_card: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related_redemptions: Option<serde_json::Value>,
}

/// The answer of `POST /v1/redemptions`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RedemptionResponse {
    #[serde(default)]
    pub redemptions: Vec<Redemption>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_redemption: Option<Redemption>,
    #[serde(default)]
    pub order: Option<Order>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inapplicable_redeemables: Vec<RedeemableResult>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped_redeemables: Vec<RedeemableResult>,
}

/// The optional body of a rollback (`reason` and `tracking_id` may come in the query instead).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RollbackRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<CustomerInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

/// A rollback (`rr_...`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RedemptionRollback {
    #[serde(default)]
    pub id: String,
    #[serde(default = "rollback_object")]
    pub object: String,
    #[serde(default)]
    pub date: Option<Timestamp>,
    #[serde(default)]
    pub customer_id: Option<String>,
    #[serde(default)]
    pub tracking_id: Option<String>,
    #[serde(default)]
    pub metadata: Option<Metadata>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// The redemption that was rolled back.
    #[serde(default)]
    pub redemption: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default)]
    pub result: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub order: Option<Order>,
    #[serde(default)]
    pub channel: Channel,
    #[serde(default)]
    pub customer: Option<CustomerRef>,
    #[serde(default)]
    pub related_object_type: String,
    #[serde(default)]
    pub related_object_id: String,
    #[serde(default)]
    pub voucher: Option<Voucher>,
}

/// The answer of `POST /v1/redemptions/{parentId}/rollbacks`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RollbacksResponse {
    #[serde(default)]
    pub rollbacks: Vec<RedemptionRollback>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_rollback: Option<RedemptionRollback>,
    #[serde(default)]
    pub order: Option<Order>,
}
