//! Loyalty cards and gift cards: balances, transactions, earning rules, rewards, and custom
//! events.

use serde::{Deserialize, Serialize};

use super::{CustomerInput, Metadata, OrderInput};
use crate::engine::time::Timestamp;

/// `loyalty_card` of a card: lifetime points and what is left.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LoyaltyCardState {
    #[serde(default)]
    pub points: i64,
    #[serde(default)]
    pub balance: i64,
}

/// `gift` of a gift card: the credits it was given, what is left, and how it applies.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GiftState {
    #[serde(default)]
    pub amount: i64,
    #[serde(default)]
    pub balance: i64,
    #[serde(default = "apply_to_order")]
    pub effect: String,
}

fn apply_to_order() -> String {
    "APPLY_TO_ORDER".to_string()
}

/// The answer of a balance change (`POST .../balance`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Balance {
    /// Points added or removed (loyalty cards).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<i64>,
    /// Credits added or removed (gift cards).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    #[serde(default)]
    pub total: i64,
    #[serde(default)]
    pub balance: i64,
    /// `loyalty_card` or `gift_voucher`.
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub object: String,
    #[serde(default)]
    pub related_object: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_type: Option<String>,
}

/// The body of a balance change.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BalanceInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<Timestamp>,
}

/// One entry of a card's ledger (`vtx_...`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Transaction {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub source_id: Option<String>,
    #[serde(default)]
    pub voucher_id: String,
    #[serde(default)]
    pub campaign_id: Option<String>,
    /// `API`, `Automation`...
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    /// `POINTS_ACCRUAL`, `POINTS_REDEMPTION`, `POINTS_REFUND`, `POINTS_ADDITION`,
    /// `POINTS_REMOVAL`, `CREDITS_REDEMPTION`, `CREDITS_REFUND`, `CREDITS_ADDITION`,
    /// `CREDITS_REMOVAL`.
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub details: serde_json::Value,
    #[serde(default)]
    pub related_transaction_id: Option<String>,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
}

/// The body of `POST /v1/loyalties/{id}/members`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MemberInput {
    pub customer: CustomerInput,
    /// An existing unassigned card's code to give the member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voucher: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

/// An earning rule in a request or answer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EarningRule {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_rule_id: Option<String>,
    /// `{type: FIXED, points}` or `{type: PROPORTIONAL, calculation_type, order|custom_event: {...}}`.
    #[serde(default)]
    pub loyalty: serde_json::Value,
    /// `order.paid`, `customer.segment.entered`, or a custom event's name.
    #[serde(default)]
    pub event: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_event: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub object: String,
}

/// A reward (`rew_...`) in a request or answer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Reward {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    #[serde(default)]
    pub name: String,
    /// `CAMPAIGN`, `COIN` or `MATERIAL`.
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub parameters: serde_json::Value,
    #[serde(default)]
    pub stock: Option<serde_json::Value>,
    #[serde(default)]
    pub redeemed: Option<i64>,
    #[serde(default)]
    pub attributes: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub updated_at: Option<Timestamp>,
    #[serde(default)]
    pub metadata: Metadata,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub object: String,
}

/// A reward assigned to a program with its cost (`rewa_...`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RewardAssignment {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub reward_id: String,
    #[serde(default)]
    pub related_object_id: String,
    #[serde(default)]
    pub related_object_type: String,
    #[serde(default)]
    pub parameters: serde_json::Value,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub updated_at: Option<Timestamp>,
    #[serde(default)]
    pub object: String,
}

/// The body of `POST /v1/rewards/{id}/assignments` (and items of `POST .../rewards`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RewardAssignmentInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reward: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<serde_json::Value>,
}

/// The body of a member's reward redemption.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RewardRedemptionInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reward: Option<RewardChoice>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<OrderInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RewardChoice {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<i64>,
}

/// The body of `POST /v1/events`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EventInput {
    pub event: String,
    pub customer: CustomerInput,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loyalty: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}
