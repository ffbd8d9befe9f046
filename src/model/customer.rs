//! Customers: the upsert body, the full object and the short reference.

use serde::{Deserialize, Serialize};

use super::Metadata;
use crate::engine::time::Timestamp;

fn customer_object() -> String {
    "customer".to_string()
}

/// A customer in a request: upserted by `id` or `source_id`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomerInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthdate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

/// Redemption counters in a customer's `summary`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RedemptionSummary {
    #[serde(default)]
    pub total_redeemed: i64,
    #[serde(default)]
    pub total_failed: i64,
    #[serde(default)]
    pub total_succeeded: i64,
    #[serde(default)]
    pub total_rolled_back: i64,
    #[serde(default)]
    pub total_rollback_failed: i64,
    #[serde(default)]
    pub total_rollback_succeeded: i64,
}

/// Order counters in a customer's `summary`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderSummary {
    #[serde(default)]
    pub total_amount: i64,
    #[serde(default)]
    pub total_count: i64,
    #[serde(default)]
    pub average_amount: i64,
    #[serde(default)]
    pub last_order_amount: Option<i64>,
    #[serde(default)]
    pub last_order_date: Option<Timestamp>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomerSummary {
    #[serde(default)]
    pub redemptions: RedemptionSummary,
    #[serde(default)]
    pub orders: OrderSummary,
}

/// Points and referrals in one campaign, in a customer's `loyalty.campaigns` (keyed by name).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CampaignLoyalty {
    #[serde(default)]
    pub points: i64,
    #[serde(default)]
    pub referred_customers: i64,
}

/// A customer's `loyalty`: points on the cards they hold and the customers they referred.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomerLoyalty {
    #[serde(default)]
    pub points: i64,
    #[serde(default)]
    pub referred_customers: i64,
    #[serde(default)]
    pub campaigns: std::collections::BTreeMap<String, CampaignLoyalty>,
}

/// One referral of a customer (as the referee).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReferralEntry {
    #[serde(default)]
    pub campaign_id: String,
    #[serde(default)]
    pub referrer_id: String,
    #[serde(default)]
    pub related_object_id: String,
    /// `redemption` or `customer_event`.
    #[serde(default)]
    pub related_object_type: String,
    #[serde(default)]
    pub date: Option<Timestamp>,
}

/// A customer's `referrals`: who referred them, in which campaigns.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomerReferrals {
    #[serde(default)]
    pub total: i64,
    #[serde(default)]
    pub campaigns: Vec<ReferralEntry>,
}

/// A customer as the API returns it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub source_id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub birthdate: Option<String>,
    #[serde(default)]
    pub address: Option<serde_json::Value>,
    #[serde(default)]
    pub metadata: Metadata,
    #[serde(default)]
    pub summary: CustomerSummary,
    #[serde(default)]
    pub loyalty: CustomerLoyalty,
    #[serde(default)]
    pub referrals: CustomerReferrals,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub updated_at: Option<Timestamp>,
    #[serde(default = "customer_object")]
    pub object: String,
}

/// The short customer object embedded in orders and redemptions.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomerRef {
    #[serde(default)]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    #[serde(default = "customer_object")]
    pub object: String,
}
