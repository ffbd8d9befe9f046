//! Webhooks of the Management API (`/management/v1/projects/{projectId}/webhooks`) and the
//! envelope of a webhook sendout (`WebhookProjectSettingPayload`, version 2024-01-01).

use serde::{Deserialize, Serialize};

use crate::engine::time::Timestamp;

/// The event types a project webhook can listen for (the payload's `type` enum).
pub const WEBHOOK_EVENTS: &[&str] = &[
    "business_validation_rule.assignment.created",
    "business_validation_rule.assignment.deleted",
    "business_validation_rule.created",
    "business_validation_rule.deleted",
    "business_validation_rule.updated",
    "campaign.created",
    "campaign.deleted",
    "campaign.disabled",
    "campaign.enabled",
    "campaign.updated",
    "campaign.vouchers.generation.completed",
    "customer.created",
    "customer.deleted",
    "customer.rewarded",
    "customer.rewarded.loyalty_points",
    "publication.succeeded",
    "redemption.failed",
    "redemption.rollback.failed",
    "redemption.rollback.succeeded",
    "redemption.succeeded",
    "voucher.created",
    "voucher.deleted",
    "voucher.disabled",
    "voucher.enabled",
    "voucher.gift.balance_added",
    "voucher.loyalty_card.points_added",
    "voucher.published",
    "voucher.updated",
];

fn webhook_object() -> String {
    "webhook".to_string()
}

/// The body of a webhook's creation or update.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WebhookInput {
    pub target_url: String,
    pub events: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

/// A webhook configuration (`wh_...`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Webhook {
    pub id: String,
    #[serde(default = "webhook_object")]
    pub object: String,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    pub target_url: String,
    #[serde(default)]
    pub events: Vec<String>,
    #[serde(default)]
    pub active: bool,
}

/// What sent a webhook: a project webhook or a distribution.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WebhookSource {
    pub id: String,
    /// `webhook` or `distribution`.
    pub object: String,
    pub target_url: String,
}

/// The event behind a sendout.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WebhookEvent {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub entity_id: Option<String>,
    /// The request that caused the event (`v-...`).
    #[serde(default)]
    pub group_id: Option<String>,
    #[serde(default)]
    pub event_source: serde_json::Value,
}

/// The body of one sendout (no top-level `object`, as the API sends it).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WebhookPayload {
    /// `whs_...`
    pub id: String,
    pub project_id: String,
    pub created_at: Option<Timestamp>,
    #[serde(rename = "type")]
    pub kind: String,
    pub data: serde_json::Value,
    pub source: WebhookSource,
    pub event: WebhookEvent,
}
