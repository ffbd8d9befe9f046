//! Between the contract and the engine: request parts checked and turned into engine values,
//! and engine results turned back into response objects.

use super::error::ApiError;
use super::store::Project;
use crate::engine::discount::{Discount, Effect, UnitEffect};
use crate::engine::money::Percent;
use crate::engine::order::{Line, OrderCalc};
use crate::engine::stack::StackingRules;
use crate::model::order::ItemProduct;
use crate::model::{
    CustomerRef, DiscountSpec, Order, OrderInput, OrderItem, OrderItemInput, Product, Shared,
    StackingRulesView,
};

/// Most items an order may carry.
pub const MAX_ORDER_ITEMS: usize = 500;

/// Checks a `discount` object and returns the engine's discount, plus the spec as stored
/// (with the default effect filled in). `path` names the object in error details.
pub fn discount(spec: &DiscountSpec, path: &str) -> Result<(Discount, DiscountSpec), ApiError> {
    let discount = engine_discount(spec, path)?;
    let mut stored = spec.clone();
    stored.effect = Some(discount.effect_api_name().into());
    Ok((discount, stored))
}

/// Checks a `discount` object like [`discount`] and returns the engine's discount, without the
/// stored copy of the spec (a validation only needs the former).
pub fn engine_discount(spec: &DiscountSpec, path: &str) -> Result<Discount, ApiError> {
    let effect_of = |allowed: &[Effect]| -> Result<Effect, ApiError> {
        match spec.effect.as_deref() {
            None => Ok(Effect::ApplyToOrder),
            Some(name) => Effect::from_api_name(name)
                .filter(|e| allowed.contains(e))
                .ok_or_else(|| {
                    let names: Vec<&str> = allowed.iter().map(|e| e.api_name()).collect();
                    ApiError::invalid_payload(format!(
                        "Property {path}.effect should be equal to one of the allowed values: {}",
                        names.join(", ")
                    ))
                }),
        }
    };
    let non_negative = |field: &str, value: Option<i64>, required: bool| match value {
        None if required => Err(ApiError::invalid_payload(format!(
            "Property {path} should have required property '{field}'"
        ))),
        Some(v) if v < 0 => Err(ApiError::invalid_payload(format!(
            "Property {path}.{field} should be >= 0"
        ))),
        other => Ok(other),
    };
    let discount = match spec.kind.as_str() {
        "AMOUNT" => {
            let effect = effect_of(&[
                Effect::ApplyToOrder,
                Effect::ApplyToItems,
                Effect::ApplyToItemsProportionally,
                Effect::ApplyToItemsProportionallyByQuantity,
                Effect::ApplyToItemsByQuantity,
            ])?;
            let amount_off = non_negative("amount_off", spec.amount_off, true)?.unwrap_or(0);
            Discount::Amount { amount_off, effect }
        }
        "PERCENT" => {
            let effect = effect_of(&[Effect::ApplyToOrder, Effect::ApplyToItems])?;
            let raw = spec.percent_off.ok_or_else(|| {
                ApiError::invalid_payload(format!(
                    "Property {path} should have required property 'percent_off'"
                ))
            })?;
            let percent_off = Percent::from_number(raw)
                .filter(|p| (0..=Percent::HUNDRED.0).contains(&p.0))
                .ok_or_else(|| {
                    ApiError::invalid_payload(format!(
                        "Property {path}.percent_off should be between 0 and 100"
                    ))
                })?;
            let amount_limit = non_negative("amount_limit", spec.amount_limit, false)?;
            Discount::Percent {
                percent_off,
                amount_limit,
                effect,
            }
        }
        "FIXED" => {
            let effect = effect_of(&[Effect::ApplyToOrder, Effect::ApplyToItems])?;
            let fixed_amount = non_negative("fixed_amount", spec.fixed_amount, true)?.unwrap_or(0);
            Discount::Fixed {
                fixed_amount,
                effect,
            }
        }
        "UNIT" => {
            let product = spec
                .unit_type
                .clone()
                .filter(|t| !t.trim().is_empty())
                .ok_or_else(|| {
                    ApiError::invalid_payload(format!(
                        "Property {path} should have required property 'unit_type'"
                    ))
                })?;
            let unit_off = match spec.unit_off {
                Some(n) if n >= 1 => n,
                Some(_) => {
                    return Err(ApiError::invalid_payload(format!(
                        "Property {path}.unit_off should be >= 1"
                    )));
                }
                None => {
                    return Err(ApiError::invalid_payload(format!(
                        "Property {path} should have required property 'unit_off'"
                    )));
                }
            };
            let effect = match spec.effect.as_deref() {
                None => UnitEffect::AddMissingItems,
                Some(name) => UnitEffect::from_api_name(name).ok_or_else(|| {
                    ApiError::invalid_payload(format!(
                        "Property {path}.effect should be equal to one of the allowed values: ADD_MISSING_ITEMS, ADD_NEW_ITEMS (ADD_MANY_ITEMS with units[] is not reproduced by the emulator)"
                    ))
                })?,
            };
            Discount::Unit {
                product,
                unit_off,
                effect,
                price: None,
            }
        }
        "SHIPPING" => {
            return Err(ApiError::bad_request(
                "invalid_voucher",
                "Invalid Voucher",
                "SHIPPING discounts are not reproduced by the emulator; use AMOUNT, PERCENT, FIXED or UNIT",
            ));
        }
        _ => {
            return Err(ApiError::invalid_payload(format!(
                "Property {path}.type should be equal to one of the allowed values: AMOUNT, PERCENT, FIXED, UNIT, SHIPPING"
            )));
        }
    };
    Ok(discount)
}

/// An order ready for the engine, with the item details to echo back.
#[derive(Clone, Debug, Default)]
pub struct PreparedOrder {
    pub calc: OrderCalc,
    pub items: Vec<OrderItem>,
    /// The request's order without its items (they are `items`, priced).
    pub input: OrderInput,
    /// The catalogue's items for products unit discounts may add, by the key they use.
    pub unit_products: std::collections::HashMap<String, OrderItem>,
}

impl PreparedOrder {
    /// Knows the catalogue item of every product the `discounts` may add to the cart.
    pub fn know_unit_products<'a>(
        &mut self,
        project: &Project,
        discounts: impl IntoIterator<Item = &'a Discount>,
    ) {
        for discount in discounts {
            let Discount::Unit { product: key, .. } = discount else {
                continue;
            };
            if let Some(p) = project.products.get(key) {
                self.unit_products.insert(
                    key.clone(),
                    OrderItem {
                        object: "order_item".into(),
                        product_id: Some(p.id.clone()),
                        source_id: p.source_id.clone(),
                        related_object: Some("product".into()),
                        price: p.price,
                        product: Some(item_product(p)),
                        ..OrderItem::default()
                    },
                );
            }
        }
    }
}

/// The `product` an order item echoes for a catalogue product.
fn item_product(p: &Product) -> Box<ItemProduct> {
    Box::new(ItemProduct {
        id: Some(p.id.clone()),
        source_id: p.source_id.clone(),
        name: p.name.clone(),
        price: p.price,
        ..ItemProduct::default()
    })
}

/// Checks an order from a request and prices its lines (catalogue prices fill in missing ones).
/// An order that names a stored order (`id` or `source_id`) without items or amount takes the
/// stored one's.
pub fn order(project: &Project, input: Option<&OrderInput>) -> Result<PreparedOrder, ApiError> {
    let mut head = input.map(order_head).unwrap_or_default();
    let stored_items;
    let mut given = input.and_then(|i| i.items.as_deref());
    if given.is_none() && head.amount.is_none() {
        let stored = [head.id.as_deref(), head.source_id.as_deref()]
            .into_iter()
            .flatten()
            .find_map(|key| project.orders.get(key));
        if let Some(stored) = stored {
            head.amount = Some(stored.amount);
            stored_items = Some(stored.items.iter().map(item_input_from).collect::<Vec<_>>());
            given = stored_items.as_deref();
        }
    }
    if let Some(amount) = head.amount
        && amount < 0
    {
        return Err(ApiError::invalid_payload(
            "Property .order.amount should be >= 0",
        ));
    }
    let given = given.unwrap_or_default();
    if given.len() > MAX_ORDER_ITEMS {
        return Err(ApiError::invalid_payload(format!(
            "Property .order.items must NOT have more than {MAX_ORDER_ITEMS} items"
        )));
    }
    let mut lines = Vec::with_capacity(given.len());
    let mut items = Vec::with_capacity(given.len());
    let mut sum: i64 = 0;
    for (i, item) in given.iter().enumerate() {
        let at = |field: &str| format!("Property .order.items[{i}].{field}");
        for (field, value) in [
            ("quantity", item.quantity),
            ("price", item.price),
            ("amount", item.amount),
        ] {
            if value.is_some_and(|v| v < 0) {
                return Err(ApiError::invalid_payload(format!(
                    "{} should be >= 0",
                    at(field)
                )));
            }
        }
        let catalogue = item
            .product_id
            .as_deref()
            .or_else(|| {
                (item.related_object.as_deref() != Some("sku"))
                    .then_some(item.source_id.as_deref())
                    .flatten()
            })
            .and_then(|key| project.products.get(key));
        let price = item
            .price
            .or_else(|| item.product.as_ref().and_then(|p| p.price))
            .or_else(|| catalogue.and_then(|p| p.price));
        let quantity = item.quantity.unwrap_or(1);
        let amount = match (item.amount, price) {
            (Some(amount), _) => amount,
            (None, Some(price)) => price.checked_mul(quantity).ok_or_else(|| {
                ApiError::invalid_payload(format!(
                    "{} times price is larger than the API's largest amount",
                    at("quantity")
                ))
            })?,
            (None, None) => 0,
        };
        sum = sum.checked_add(amount).ok_or_else(|| {
            ApiError::invalid_payload(
                "Property .order.items add up to more than the largest amount",
            )
        })?;
        lines.push(Line::new(quantity, price, amount));
        let product = item.product.clone().or_else(|| catalogue.map(item_product));
        items.push(OrderItem {
            object: "order_item".into(),
            product_id: item
                .product_id
                .clone()
                .or_else(|| catalogue.map(|p| p.id.clone())),
            sku_id: item.sku_id.clone(),
            source_id: item.source_id.clone(),
            related_object: item.related_object.clone(),
            quantity,
            amount,
            price,
            subtotal_amount: amount,
            product,
            sku: item.sku.clone(),
            metadata: item.metadata.clone(),
            ..OrderItem::default()
        });
    }
    let amount = head.amount.unwrap_or(sum);
    Ok(PreparedOrder {
        calc: OrderCalc::new(Some(amount), lines),
        items,
        input: head,
        unit_products: Default::default(),
    })
}

/// The order of a request without its items: those become the prepared order's lines, so they
/// are read where they are instead of copied.
fn order_head(input: &OrderInput) -> OrderInput {
    let OrderInput {
        id,
        source_id,
        status,
        amount,
        items: _,
        customer,
        customer_id,
        referrer,
        referrer_id,
        metadata,
    } = input;
    OrderInput {
        id: id.clone(),
        source_id: source_id.clone(),
        status: status.clone(),
        amount: *amount,
        items: None,
        customer: customer.clone(),
        customer_id: customer_id.clone(),
        referrer: referrer.clone(),
        referrer_id: referrer_id.clone(),
        metadata: metadata.clone(),
    }
}

fn item_input_from(item: &OrderItem) -> OrderItemInput {
    OrderItemInput {
        product_id: item.product_id.clone(),
        sku_id: item.sku_id.clone(),
        source_id: item.source_id.clone(),
        related_object: item.related_object.clone(),
        quantity: Some(item.quantity),
        price: item.price,
        amount: Some(item.amount),
        product: item.product.clone(),
        sku: item.sku.clone(),
        metadata: item.metadata.clone(),
    }
}

/// The calculated order object for `calc` (totals and items), without identity fields.
pub fn calculated_order(calc: &OrderCalc, prepared: &PreparedOrder) -> Order {
    OrderWriter::new(prepared).order(calc)
}

/// Writes the calculated orders of one prepared order. Orders whose lines came out alike
/// share one copy of their items (a validation's items are most often the same in every
/// redeemable's order and in the order itself), which an answer then writes once.
pub struct OrderWriter<'a> {
    prepared: &'a PreparedOrder,
    written: Vec<(&'a [Line], Shared<Vec<OrderItem>>)>,
}

impl<'a> OrderWriter<'a> {
    pub fn new(prepared: &'a PreparedOrder) -> Self {
        Self {
            prepared,
            written: Vec::new(),
        }
    }

    /// The calculated order object for `calc`, without identity fields.
    pub fn order(&mut self, calc: &'a OrderCalc) -> Order {
        let prepared = self.prepared;
        let items = match self.written.iter().find(|(lines, _)| *lines == calc.lines) {
            Some((_, items)) => items.clone(),
            None => {
                let items = Shared::new(items_of(calc, prepared));
                self.written.push((&calc.lines, items.clone()));
                items
            }
        };
        Order {
            id: prepared.input.id.clone(),
            source_id: prepared.input.source_id.clone(),
            amount: calc.amount,
            discount_amount: calc.discount,
            items_discount_amount: calc.items_discount(),
            total_discount_amount: calc.total_discount(),
            total_amount: calc.total_amount(),
            applied_discount_amount: calc.applied,
            items_applied_discount_amount: calc.items_applied(),
            total_applied_discount_amount: calc.total_applied(),
            initial_amount: calc.units_changed().then_some(calc.initial_amount),
            items,
            metadata: prepared.input.metadata.clone().unwrap_or_default(),
            customer_id: None,
            referrer_id: prepared.input.referrer_id.clone(),
            object: "order".into(),
            ..Order::default()
        }
    }
}

/// The items of `calc`: the prepared items with the amounts of their lines.
fn items_of(calc: &OrderCalc, prepared: &PreparedOrder) -> Vec<OrderItem> {
    calc.lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let item = prepared.items.get(i).cloned().unwrap_or_else(|| {
                line.added_product
                    .as_ref()
                    .and_then(|key| prepared.unit_products.get(key))
                    .cloned()
                    .unwrap_or_else(|| added_item(line))
            });
            let units = line.units.touched.then_some(line.units);
            OrderItem {
                quantity: units.map_or(item.quantity, |_| line.quantity),
                amount: units.map_or(item.amount, |_| line.amount),
                discount_amount: line.discount,
                applied_discount_amount: line.applied,
                subtotal_amount: line.subtotal(),
                initial_quantity: units.map(|u| u.initial_quantity),
                initial_amount: units.map(|u| u.initial_amount),
                discount_quantity: units.map(|u| u.discount_quantity),
                applied_discount_quantity: units.map(|u| u.applied_discount_quantity),
                applied_quantity: units.map(|u| u.applied_quantity),
                applied_quantity_amount: units.map(|u| u.applied_quantity_amount),
                ..item
            }
        })
        .collect()
}

/// The item a unit discount added for a product the catalogue does not know: by id
/// (`prod_...`) or source id, as the discount names it.
fn added_item(line: &Line) -> OrderItem {
    let product = line.added_product.clone().unwrap_or_default();
    let (product_id, source_id) = if product.starts_with("prod_") {
        (Some(product), None)
    } else {
        (None, Some(product))
    };
    OrderItem {
        object: "order_item".into(),
        product_id,
        source_id,
        related_object: Some("product".into()),
        price: line.price,
        ..OrderItem::default()
    }
}

/// The short customer object for `id` in this project.
pub fn customer_ref(project: &Project, id: &str) -> CustomerRef {
    CustomerRef {
        id: id.to_string(),
        object: "customer".into(),
        ..project
            .customers
            .get(id)
            .map(|c| CustomerRef {
                source_id: c.source_id.clone(),
                name: c.name.clone(),
                email: c.email.clone(),
                metadata: Some(c.metadata.clone()),
                ..CustomerRef::default()
            })
            .unwrap_or_default()
    }
}

/// The stacking rules object every validation answer carries.
pub fn stacking_view(rules: &StackingRules) -> StackingRulesView {
    StackingRulesView {
        redeemables_limit: rules.redeemables_limit as u32,
        applicable_redeemables_limit: rules.applicable_redeemables_limit as u32,
        applicable_redeemables_per_category_limit: rules.applicable_redeemables_per_category_limit
            as u32,
        applicable_exclusive_redeemables_limit: rules.applicable_exclusive_redeemables_limit as u32,
        applicable_exclusive_redeemables_per_category_limit: rules
            .applicable_exclusive_redeemables_per_category_limit
            as u32,
        exclusive_categories: rules.exclusive_categories.clone(),
        joint_categories: rules.joint_categories.clone(),
        redeemables_application_mode: rules.application_mode.api_name().into(),
        redeemables_sorting_rule: rules.sorting_rule.api_name().into(),
        redeemables_products_application_mode: "STACK".into(),
        redeemables_no_effect_rule: "REDEEM_ANYWAY".into(),
        no_effect_skip_categories: Vec::new(),
        no_effect_redeem_anyway_categories: Vec::new(),
        redeemables_rollback_order_mode: "WITH_ORDER".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: serde_json::Value) -> DiscountSpec {
        serde_json::from_value(json).unwrap()
    }

    fn details(e: ApiError) -> String {
        e.body()["details"].as_str().unwrap().to_string()
    }

    #[test]
    fn unit_discounts_need_a_product_and_whole_units() {
        let (d, stored) = discount(
            &spec(serde_json::json!({"type":"UNIT","unit_off":2,"unit_type":"prod_mug"})),
            ".discount",
        )
        .unwrap();
        assert_eq!(
            d,
            Discount::Unit {
                product: "prod_mug".into(),
                unit_off: 2,
                effect: UnitEffect::AddMissingItems,
                price: None
            }
        );
        assert_eq!(stored.effect.as_deref(), Some("ADD_MISSING_ITEMS"));
        for (body, expected) in [
            (
                serde_json::json!({"type":"UNIT","unit_off":1}),
                "required property 'unit_type'",
            ),
            (
                serde_json::json!({"type":"UNIT","unit_type":"p"}),
                "required property 'unit_off'",
            ),
            (
                serde_json::json!({"type":"UNIT","unit_off":0,"unit_type":"p"}),
                ".discount.unit_off should be >= 1",
            ),
            (
                serde_json::json!({"type":"UNIT","unit_off":1,"unit_type":"p","effect":"ADD_MANY_ITEMS"}),
                ".discount.effect should be equal to one of the allowed values: ADD_MISSING_ITEMS, ADD_NEW_ITEMS",
            ),
        ] {
            let e = discount(&spec(body.clone()), ".discount").unwrap_err();
            assert!(details(e).contains(expected), "{body}");
        }
    }

    #[test]
    fn discounts_are_checked_and_defaulted() {
        let (d, stored) = discount(
            &spec(serde_json::json!({"type":"AMOUNT","amount_off":500})),
            ".discount",
        )
        .unwrap();
        assert_eq!(
            d,
            Discount::Amount {
                amount_off: 500,
                effect: Effect::ApplyToOrder
            }
        );
        assert_eq!(stored.effect.as_deref(), Some("APPLY_TO_ORDER"));
        let e = discount(&spec(serde_json::json!({"type":"PERCENT"})), ".discount").unwrap_err();
        assert_eq!(
            details(e),
            "Property .discount should have required property 'percent_off'"
        );
        let e = discount(
            &spec(serde_json::json!({"type":"PERCENT","percent_off":120})),
            ".discount",
        )
        .unwrap_err();
        assert_eq!(
            details(e),
            "Property .discount.percent_off should be between 0 and 100"
        );
        let e = discount(&spec(serde_json::json!({"type":"FIXED","fixed_amount":1,"effect":"APPLY_TO_ITEMS_BY_QUANTITY"})), ".discount").unwrap_err();
        assert!(details(e).starts_with("Property .discount.effect should be equal to one of"));
        let e = discount(&spec(serde_json::json!({"type":"BOGUS"})), ".discount").unwrap_err();
        assert!(details(e).starts_with("Property .discount.type should be equal to one of"));
    }
}
