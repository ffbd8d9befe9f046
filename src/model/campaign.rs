//! Campaigns, their code template, and promotion tiers.

use serde::{Deserialize, Serialize};

use super::voucher::{CodeConfig, RedemptionLimit};
use super::{DiscountSpec, List, Metadata};
use crate::engine::time::Timestamp;

fn campaign_object() -> String {
    "campaign".to_string()
}

fn tier_object() -> String {
    "promotion_tier".to_string()
}

/// The `voucher` template of a campaign: what each of its codes is.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct VoucherTemplate {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<DiscountSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gift: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loyalty_card: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redemption: Option<RedemptionLimit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_config: Option<CodeConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_referral_code: Option<bool>,
}

/// A promotion tier in a request (campaign creation or `POST /v1/promotions/{id}/tiers`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TierInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub banner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<TierAction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hierarchy: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_rules: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_id: Option<String>,
}

/// `action` of a tier: the discount it gives.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TierAction {
    #[serde(default)]
    pub discount: Option<DiscountSpec>,
}

/// `promotion` of a campaign body.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PromotionInput {
    #[serde(default)]
    pub tiers: Vec<TierInput>,
}

/// The body of `POST /v1/campaigns` (and `PUT`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CampaignInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign_type: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vouchers_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voucher: Option<VoucherTemplate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join_once: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_join: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_rules: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion: Option<PromotionInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral_program: Option<super::ReferralProgram>,
}

/// A campaign as the API returns it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Campaign {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub campaign_type: String,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voucher: Option<VoucherTemplate>,
    #[serde(default)]
    pub auto_join: bool,
    #[serde(default)]
    pub join_once: bool,
    #[serde(default)]
    pub use_voucher_metadata_schema: bool,
    #[serde(default)]
    pub start_date: Option<Timestamp>,
    #[serde(default)]
    pub expiration_date: Option<Timestamp>,
    #[serde(default)]
    pub vouchers_count: i64,
    #[serde(default)]
    pub active: bool,
    #[serde(default)]
    pub metadata: Metadata,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub creation_status: String,
    #[serde(default)]
    pub vouchers_generation_status: String,
    #[serde(default)]
    pub protected: bool,
    #[serde(default)]
    pub category_id: Option<String>,
    #[serde(default)]
    pub categories: Vec<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promotion: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral_program: Option<super::ReferralProgram>,
    #[serde(default = "campaign_object")]
    pub object: String,
}

/// The campaign a tier belongs to, as the tier shows it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TierCampaign {
    pub id: String,
    #[serde(default)]
    pub start_date: Option<Timestamp>,
    #[serde(default)]
    pub expiration_date: Option<Timestamp>,
    #[serde(default)]
    pub active: bool,
    #[serde(default = "campaign_object")]
    pub object: String,
}

/// A promotion tier as the API returns it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PromotionTier {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub banner: Option<String>,
    #[serde(default)]
    pub action: TierAction,
    #[serde(default)]
    pub metadata: Metadata,
    #[serde(default)]
    pub hierarchy: i64,
    #[serde(default)]
    pub campaign: TierCampaign,
    #[serde(default)]
    pub campaign_id: Option<String>,
    #[serde(default)]
    pub active: bool,
    #[serde(default)]
    pub start_date: Option<Timestamp>,
    #[serde(default)]
    pub expiration_date: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<serde_json::Value>,
    #[serde(default = "tier_object")]
    pub object: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_rule_assignments: Option<List<serde_json::Value>>,
}
