//! `POST /v1/qualifications`: which incentives a customer and cart could get.

use serde::{Deserialize, Serialize};

use super::validation::{RedeemableOutcome, StackingRulesView};
use super::{CustomerInput, List, Metadata, Order, OrderInput, Shared, TargetList};
use crate::engine::time::Timestamp;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct QualificationOptions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starting_after: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expand: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sorting_rule: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct QualificationRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<CustomerInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<OrderInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<QualificationOptions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

/// One incentive the customer qualifies for, with what it would do to the cart alone.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct QualifiedRedeemable {
    pub id: String,
    /// `voucher`, `promotion_tier` or `campaign`.
    pub object: String,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub result: RedeemableOutcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<Order>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applicable_to: Option<TargetList>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inapplicable_to: Option<TargetList>,
    #[serde(default)]
    pub metadata: Metadata,
    #[serde(default)]
    pub categories: Vec<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub banner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign_name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QualificationResponse {
    pub redeemables: List<QualifiedRedeemable>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<Order>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stacking_rules: Option<Shared<StackingRulesView>>,
}
