//! Async actions (`GET /v1/async-actions/{id}`) and the bodies of the bulk imports that start
//! them (`POST /v1/vouchers/import`, `/v1/vouchers/importCSV`, `/v1/campaigns/{id}/import`).

use serde::{Deserialize, Serialize};

use super::Metadata;
use super::voucher::{DiscountSpec, RedemptionLimit};
use crate::engine::time::Timestamp;

fn async_action_object() -> String {
    "async_action".to_string()
}

/// A bulk operation and, once it is `DONE`, its result.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AsyncAction {
    #[serde(default)]
    pub id: String,
    /// `VOUCHERS.IMPORT`, `VOUCHERS.IMPORT_CSV`, `CAMPAIGN.VOUCHERS_IMPORT`, ...
    #[serde(rename = "type", default)]
    pub kind: String,
    /// `IN_PROGRESS`, `DONE` or `FAILED`.
    #[serde(default)]
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<ImportResult>,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub updated_at: Option<Timestamp>,
    #[serde(default)]
    pub request_id: Option<String>,
    /// 0-100.
    #[serde(default)]
    pub progress: i64,
    /// Milliseconds from the request to the end of the work.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processing_time: Option<i64>,
    #[serde(default = "async_action_object")]
    pub object: String,
}

/// What an import did: `"2 voucher(s) imported successfully, 1 failed."`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportResult {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub failed: Vec<ImportFailure>,
    #[serde(default)]
    pub done_count: i64,
    #[serde(default)]
    pub failed_count: i64,
}

/// One code that was not imported, and why.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportFailure {
    #[serde(default)]
    pub code: String,
    /// The CSV data row (1 = the first row after the header); absent for JSON imports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<u64>,
    #[serde(default)]
    pub reason: String,
}

/// One code of a JSON import (`POST /v1/vouchers/import`, `/v1/campaigns/{id}/import`); fields
/// the API does not import are ignored, as it does.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportItem {
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
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// ISO 8601, also the short forms the import takes (`2024-05-01`, `2024-05-01T10`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redemption: Option<RedemptionLimit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

/// The answer of a call that started an async action.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AsyncActionStarted {
    pub async_action_id: String,
}
