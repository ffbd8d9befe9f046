//! Stacked validation: the request shared with redemption, and the validation response.

use serde::{Deserialize, Serialize};

use super::{
    CustomerInput, DiscountSpec, ErrorBody, Metadata, Order, OrderInput, Shared, TargetList,
};

/// One entry of `redeemables`: `{object, id}` plus gift credits or a loyalty reward.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RedeemableRef {
    /// `voucher`, `promotion_tier` or `promotion_stack`.
    pub object: String,
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gift: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reward: Option<serde_json::Value>,
}

impl RedeemableRef {
    pub fn voucher(code: &str) -> Self {
        Self {
            object: "voucher".into(),
            id: code.into(),
            ..Self::default()
        }
    }
}

/// The body of `POST /v1/validations` and `POST /v1/redemptions`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ValidationRequest {
    pub redeemables: Vec<RedeemableRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<OrderInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<CustomerInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<serde_json::Value>,
}

/// `result.details` of a skipped redeemable.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ResultDetails {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub message: String,
}

/// `result` of one redeemable.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RedeemableOutcome {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<DiscountSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<ResultDetails>,
    /// `{credits, balance}` of a gift card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gift: Option<serde_json::Value>,
    /// `{points}` of a loyalty card paying with points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loyalty_card: Option<serde_json::Value>,
}

/// One redeemable in a validation answer: `APPLICABLE`, `INAPPLICABLE` or `SKIPPED`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RedeemableResult {
    pub status: String,
    pub id: String,
    pub object: String,
    /// Boxed: an entry is moved about while an answer is sorted, and most of it is its order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<Box<Order>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applicable_to: Option<TargetList>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inapplicable_to: Option<TargetList>,
    #[serde(default)]
    pub result: RedeemableOutcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<serde_json::Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// The project's stacking rules, as every validation answer carries them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StackingRulesView {
    pub redeemables_limit: u32,
    pub applicable_redeemables_limit: u32,
    pub applicable_redeemables_per_category_limit: u32,
    pub applicable_exclusive_redeemables_limit: u32,
    pub applicable_exclusive_redeemables_per_category_limit: u32,
    pub exclusive_categories: Vec<String>,
    pub joint_categories: Vec<String>,
    pub redeemables_application_mode: String,
    pub redeemables_sorting_rule: String,
    pub redeemables_products_application_mode: String,
    pub redeemables_no_effect_rule: String,
    pub no_effect_skip_categories: Vec<String>,
    pub no_effect_redeem_anyway_categories: Vec<String>,
    pub redeemables_rollback_order_mode: String,
}

/// The answer of `POST /v1/validations`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ValidationResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub valid: bool,
    #[serde(default)]
    pub redeemables: Vec<RedeemableResult>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped_redeemables: Vec<RedeemableResult>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inapplicable_redeemables: Vec<RedeemableResult>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<Order>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stacking_rules: Option<Shared<StackingRulesView>>,
}
