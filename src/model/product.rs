//! Products of the catalogue.

use serde::{Deserialize, Serialize};

use super::Metadata;
use crate::engine::time::Timestamp;

fn product_object() -> String {
    "product".to_string()
}

/// The body of `POST /v1/products` (upsert on `id` or `source_id`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProductInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

/// A product as the API returns it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Product {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub source_id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub price: Option<i64>,
    #[serde(default)]
    pub attributes: Vec<String>,
    #[serde(default)]
    pub metadata: Metadata,
    #[serde(default)]
    pub image_url: Option<String>,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub updated_at: Option<Timestamp>,
    #[serde(default = "product_object")]
    pub object: String,
}
