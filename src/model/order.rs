//! Orders: the request form, and the calculated form with discounts and totals.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::{CustomerInput, CustomerRef, Metadata, Shared, is_zero};
use crate::engine::time::Timestamp;

fn order_object() -> Cow<'static, str> {
    Cow::Borrowed("order")
}

fn order_item_object() -> Cow<'static, str> {
    Cow::Borrowed("order_item")
}

/// Product or SKU data given inline in an order item.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ItemProduct {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    #[serde(rename = "override", default, skip_serializing_if = "Option::is_none")]
    pub override_: Option<bool>,
}

/// An order item in a request.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderItemInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    /// `product` or `sku`, telling what `source_id` names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related_object: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<i64>,
    /// Unit price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<i64>,
    /// price × quantity, when the caller gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<Box<ItemProduct>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<Box<ItemProduct>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

/// An order in a request (`POST /v1/orders`, or inside validations and redemptions).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    /// `CREATED`, `PAID`, `CANCELED` or `FULFILLED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<OrderItemInput>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<CustomerInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referrer: Option<CustomerInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referrer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

/// A calculated order item.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderItem {
    /// Always `order_item`: borrowed, so copying an item (an answer holds each order up to
    /// three times) costs nothing for it.
    #[serde(default = "order_item_object")]
    pub object: Cow<'static, str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related_object: Option<String>,
    #[serde(default)]
    pub quantity: i64,
    #[serde(default)]
    pub amount: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub discount_amount: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub applied_discount_amount: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<i64>,
    #[serde(default)]
    pub subtotal_amount: i64,
    /// What unit discounts did to the line (only on lines they touched): the quantity and
    /// amount before units were added, units given free, units added by this request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_quantity: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_amount: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_quantity: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied_discount_quantity: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied_quantity: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied_quantity_amount: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<Box<ItemProduct>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<Box<ItemProduct>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

/// One entry of an order's `redemptions` map.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderRedemptionEntry {
    #[serde(default)]
    pub date: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_date: Option<Timestamp>,
    #[serde(default)]
    pub related_object_type: String,
    #[serde(default)]
    pub related_object_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related_object_parent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stacked: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_stacked: Option<Vec<String>>,
}

/// An order as the API returns it, with its totals.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Order {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default)]
    pub amount: i64,
    /// The amount before unit discounts added units (only when they did).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_amount: Option<i64>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub discount_amount: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub items_discount_amount: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub total_discount_amount: i64,
    #[serde(default)]
    pub total_amount: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub applied_discount_amount: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub items_applied_discount_amount: i64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub total_applied_discount_amount: i64,
    /// Shared: the orders of one answer hold the same items more often than not.
    #[serde(default)]
    pub items: Shared<Vec<OrderItem>>,
    #[serde(default)]
    pub metadata: Metadata,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<CustomerRef>,
    #[serde(default)]
    pub customer_id: Option<String>,
    #[serde(default)]
    pub referrer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referrer: Option<CustomerRef>,
    #[serde(default = "order_object")]
    pub object: Cow<'static, str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redemptions: Option<serde_json::Map<String, serde_json::Value>>,
}

impl Order {
    /// The typed entries of the `redemptions` map.
    pub fn redemption_entries(&self) -> Vec<(String, OrderRedemptionEntry)> {
        self.redemptions
            .iter()
            .flatten()
            .filter_map(|(id, v)| {
                serde_json::from_value(v.clone())
                    .ok()
                    .map(|e| (id.clone(), e))
            })
            .collect()
    }
}
