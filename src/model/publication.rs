//! Publications: a code given to a customer.

use serde::{Deserialize, Serialize};

use super::{CustomerInput, CustomerRef, Metadata, Voucher};
use crate::engine::time::Timestamp;

/// The `campaign` of a publication request: which campaign, how many codes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PublicationCampaign {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
}

/// The body of `POST /v1/publications`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PublicationInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<CustomerInput>,
    /// A code to publish.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voucher: Option<String>,
    /// Or a campaign to take (or generate) codes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<PublicationCampaign>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

/// A publication (`pub_...`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Publication {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub object: String,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub customer_id: Option<String>,
    #[serde(default)]
    pub tracking_id: Option<String>,
    #[serde(default)]
    pub metadata: Metadata,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub source_id: Option<String>,
    /// `SUCCESS` or `FAILURE`.
    #[serde(default)]
    pub result: String,
    #[serde(default)]
    pub customer: Option<CustomerRef>,
    #[serde(default)]
    pub vouchers_id: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voucher: Option<Voucher>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vouchers: Option<Vec<String>>,
}
