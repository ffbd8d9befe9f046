//! Validation rules, their assignments, categories and segments.

use serde::{Deserialize, Serialize};

use super::ErrorMessage;
use crate::engine::time::Timestamp;

fn rules_object() -> String {
    "validation_rules".to_string()
}

fn assignment_object() -> String {
    "validation_rules_assignment".to_string()
}

/// The body of `POST /v1/validation-rules` and `PUT .../{id}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ValidationRuleInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorMessage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applicable_to: Option<serde_json::Value>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_type: Option<String>,
}

/// A validation rule as the API returns it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ValidationRule {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub rules: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorMessage>,
    #[serde(default)]
    pub applicable_to: serde_json::Value,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub context_type: String,
    #[serde(default)]
    pub assignments_count: i64,
    #[serde(default = "rules_object")]
    pub object: String,
}

/// The body of `POST /v1/validation-rules/{id}/assignments`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AssignmentInput {
    pub related_object_type: String,
    pub related_object_id: String,
}

/// A rule assigned to a voucher, campaign or promotion tier.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub rule_id: String,
    #[serde(default)]
    pub related_object_id: String,
    #[serde(default)]
    pub related_object_type: String,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(default = "assignment_object")]
    pub object: String,
}

/// A category (`POST /v1/categories {name, hierarchy}`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Category {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub hierarchy: i64,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
    #[serde(default)]
    pub object: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CategoryInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hierarchy: Option<i64>,
}

/// A segment; static segments list their customers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub filter: Option<serde_json::Value>,
    #[serde(default)]
    pub initial_sync_status: String,
    #[serde(default)]
    pub object: String,
}

/// The body of `POST /v1/segments`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SegmentInput {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customers: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<serde_json::Value>,
}
