//! Referral programs: the campaign's `referral_program`, the holders of a code (owner, referrer,
//! referees), a customer's wallet entries, and the emulator's referrer reward tiers.

use serde::{Deserialize, Serialize};

use super::{CustomerInput, Metadata, Voucher};
use crate::engine::time::Timestamp;

fn holder_object() -> String {
    "redeemable_holder".to_string()
}

/// The custom event that counts a referral (`conversion_event_type: custom_event`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ConversionEvent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Where a referee's reward comes from.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RewardSource {
    #[serde(default)]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
}

/// `referee_reward`: points (`LOYALTY_CARD`) or credits (`GIFT_VOUCHER`) for the referred
/// customer, on a card of the `related_object_parent` campaign.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RefereeReward {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related_object_parent: Option<RewardSource>,
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Points or credits (minor units); the API writes it as a string, numbers are accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<serde_json::Value>,
}

/// What a referrer gets when a tier is reached (emulator extension).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReferrerReward {
    /// `LOYALTY_POINTS`, `GIFT_CREDITS` or `DISCOUNT_CODE`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// The loyalty program, gift card campaign or coupon campaign the reward comes from.
    #[serde(default)]
    pub campaign_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
}

/// A referrer reward tier (emulator extension: the real API configures these in the
/// Dashboard only). Without `referees` the reward is given for each unique referee; with
/// `referees: n` it is given once, when the n-th unique referee converts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReferrerTier {
    #[serde(default)]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referees: Option<i64>,
    #[serde(default)]
    pub reward: ReferrerReward,
}

/// `referral_program` of a `REFERRAL_PROGRAM` campaign.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReferralProgram {
    /// `redemption` (the default) or `custom_event`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversion_event_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_event: Option<ConversionEvent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referee_reward: Option<RefereeReward>,
    /// Emulator extension: the referrer's reward tiers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referrer_rewards: Option<Vec<ReferrerTier>>,
}

impl ReferralProgram {
    /// Whether a custom event (rather than a redemption) counts the referral.
    pub fn converts_on_event(&self) -> bool {
        self.conversion_event_type.as_deref() == Some("custom_event")
    }
}

/// The redeemable a wallet entry holds, with its state.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HeldRedeemable {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub voucher: Option<Voucher>,
    /// `ACTIVE`, `USED`, `DISABLED`, `NOT_ACTIVE_YET`, `EXPIRED` or `NO_BALANCE`.
    #[serde(default)]
    pub status: String,
}

/// A customer's hold on a code (`rh_...`): its owner, its referrer, or a referee.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RedeemableHolder {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub redeemable_id: String,
    #[serde(default)]
    pub redeemable_object: String,
    #[serde(default)]
    pub campaign_id: Option<String>,
    #[serde(default)]
    pub campaign_type: Option<String>,
    #[serde(default)]
    pub voucher_type: String,
    #[serde(default)]
    pub customer_id: String,
    /// `OWNER`, `REFERRER` or `REFEREE`.
    #[serde(default)]
    pub holder_role: String,
    #[serde(default = "holder_object")]
    pub object: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// The code itself, in a customer's wallet (`GET /v1/customers/{id}/redeemables`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redeemable: Option<HeldRedeemable>,
}

/// The body of `POST /v1/referrals/.../holders`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HoldersInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holders: Option<Vec<CustomerInput>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

/// The answer of `POST /v1/referrals/.../holders`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HoldersAdded {
    #[serde(default)]
    pub holders: Vec<RedeemableHolder>,
}
