//! Vouchers (codes) and their discount description.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::loyalty::{GiftState, LoyaltyCardState};
use super::{Metadata, plain_number};
use crate::engine::time::Timestamp;

/// The `discount` object of a voucher, tier or campaign, as the API spells it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DiscountSpec {
    /// `AMOUNT`, `PERCENT`, `FIXED` or `UNIT`.
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_off: Option<i64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "plain_number::serialize"
    )]
    pub percent_off: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_limit: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_amount: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_off: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_dynamic: Option<bool>,
}

/// `redemption` inside a voucher: the use limit and the uses so far.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct VoucherRedemption {
    /// `null` = unlimited.
    #[serde(default)]
    pub quantity: Option<i64>,
    #[serde(default)]
    pub redeemed_quantity: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redeemed_points: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redeemed_amount: Option<i64>,
    #[serde(default = "list_object", serialize_with = "list_or_empty")]
    pub object: Cow<'static, str>,
    #[serde(default)]
    pub url: String,
}

/// `/v1/vouchers/{code}/{list}?page=1&limit=10`: where a voucher's `redemption` and `publish`
/// lists are read (written without the formatting machinery: every stored code read for a
/// validation is given both).
pub fn list_url(code: &str, list: &str) -> String {
    const START: &str = "/v1/vouchers/";
    const END: &str = "?page=1&limit=10";
    let mut url = String::with_capacity(START.len() + code.len() + 1 + list.len() + END.len());
    url.push_str(START);
    url.push_str(code);
    url.push('/');
    url.push_str(list);
    url.push_str(END);
    url
}

/// `publish` inside a voucher.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct VoucherPublish {
    #[serde(default = "list_object", serialize_with = "list_or_empty")]
    pub object: Cow<'static, str>,
    #[serde(default)]
    pub count: i64,
    #[serde(default)]
    pub url: String,
}

fn assets_or_empty<S: serde::Serializer>(
    assets: &serde_json::Value,
    s: S,
) -> Result<S::Ok, S::Error> {
    if assets.is_null() {
        serde_json::json!({"qr": {}, "barcode": {}}).serialize(s)
    } else {
        assets.serialize(s)
    }
}

/// Writes `default` for an empty `object` (the store leaves it empty: one allocation less per
/// stored code).
fn object_or<S: serde::Serializer>(object: &str, default: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(if object.is_empty() { default } else { object })
}

fn list_or_empty<S: serde::Serializer>(object: &str, s: S) -> Result<S::Ok, S::Error> {
    object_or(object, "list", s)
}

fn voucher_or_empty<S: serde::Serializer>(object: &str, s: S) -> Result<S::Ok, S::Error> {
    object_or(object, "voucher", s)
}

fn list_object() -> Cow<'static, str> {
    Cow::Borrowed("list")
}

fn voucher_object() -> Cow<'static, str> {
    Cow::Borrowed("voucher")
}

fn yes() -> bool {
    true
}

/// A voucher as the API returns it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Voucher {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub campaign: Option<String>,
    #[serde(default)]
    pub campaign_id: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub category_id: Option<String>,
    #[serde(default)]
    pub categories: Vec<serde_json::Value>,
    /// `DISCOUNT_VOUCHER`, `GIFT_VOUCHER` or `LOYALTY_CARD`.
    #[serde(rename = "type", default)]
    pub kind: Cow<'static, str>,
    #[serde(default)]
    pub discount: Option<DiscountSpec>,
    #[serde(default)]
    pub gift: Option<GiftState>,
    #[serde(default)]
    pub loyalty_card: Option<LoyaltyCardState>,
    #[serde(default)]
    pub start_date: Option<Timestamp>,
    #[serde(default)]
    pub expiration_date: Option<Timestamp>,
    #[serde(default)]
    pub validity_timeframe: Option<serde_json::Value>,
    #[serde(default)]
    pub validity_day_of_week: Option<Vec<u8>>,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub additional_info: Option<String>,
    #[serde(default)]
    pub metadata: Metadata,
    /// `null` in the emulator's store stands for the empty `{"qr": {}, "barcode": {}}` the
    /// API sends (one allocation less per stored code).
    #[serde(default, serialize_with = "assets_or_empty")]
    pub assets: serde_json::Value,
    #[serde(default)]
    pub is_referral_code: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder_id: Option<String>,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub updated_at: Option<Timestamp>,
    #[serde(default)]
    pub redemption: VoucherRedemption,
    #[serde(default)]
    pub publish: VoucherPublish,
    #[serde(default = "voucher_object", serialize_with = "voucher_or_empty")]
    pub object: Cow<'static, str>,
}

/// `redemption` in a create or update body.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RedemptionLimit {
    /// `null` = unlimited.
    #[serde(default)]
    pub quantity: Option<i64>,
}

/// `code_config` for generated codes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CodeConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charset: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postfix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
}

/// The body of `POST /v1/vouchers[/{code}]` and `PUT /v1/vouchers/{code}`.
/// Absent (or `null`) fields keep their current value on update.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct VoucherInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<DiscountSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gift: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loyalty_card: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redemption: Option<RedemptionLimit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_config: Option<CodeConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_rules: Option<Vec<String>>,
}
