//! Orders: upsert on `id` or `source_id`, and the order a redemption leaves behind.

use super::{customers, loyalty};
use crate::emulator::convert::{self, PreparedOrder};
use crate::emulator::error::ApiError;
use crate::emulator::store::Project;
use crate::engine::order::OrderCalc;
use crate::engine::time::Timestamp;
use crate::model::{CustomerInput, Order, OrderInput, OrderRedemptionEntry};

pub const STATUSES: [&str; 4] = ["CREATED", "PAID", "CANCELED", "FULFILLED"];

pub fn check_status(status: Option<&str>) -> Result<(), ApiError> {
    match status {
        Some(s) if !STATUSES.contains(&s) => Err(ApiError::invalid_payload(format!(
            "Property .status should be equal to one of the allowed values: {}",
            STATUSES.join(", ")
        ))),
        _ => Ok(()),
    }
}

/// The stored order this input names, if any; an unknown `id` is an error.
pub fn existing(project: &Project, input: &OrderInput) -> Result<Option<String>, ApiError> {
    if let Some(id) = &input.id {
        return project
            .orders
            .resolve(id)
            .map(|k| Some(k.to_string()))
            .ok_or_else(|| ApiError::not_found("order", id));
    }
    Ok(input
        .source_id
        .as_deref()
        .and_then(|s| project.orders.resolve(s))
        .map(str::to_string))
}

/// The customer of an order: `customer` (upserted) or `customer_id`.
pub fn customer_input(input: &OrderInput) -> Option<CustomerInput> {
    input.customer.clone().or_else(|| {
        input.customer_id.as_ref().map(|id| CustomerInput {
            id: Some(id.clone()),
            ..CustomerInput::default()
        })
    })
}

/// `POST /v1/orders` and `PUT /v1/orders/{id}`: creates or updates an order without discounts.
pub fn upsert(
    project: &mut Project,
    input: &OrderInput,
    now: Timestamp,
) -> Result<Order, ApiError> {
    check_status(input.status.as_deref())?;
    let customer = customer_input(input);
    if let Some(c) = &customer {
        customers::check(project, c)?;
    }
    let existing = existing(project, input)?;
    let prepared = convert::order(project, Some(input))?;
    let customer_id = match &customer {
        Some(c) => Some(customers::upsert(project, c, now)?),
        None => None,
    };
    let status = input.status.clone();
    save(
        project,
        existing,
        &prepared,
        &prepared.calc,
        status,
        customer_id,
        None,
        now,
    )
}

/// Stores an order computed as `calc` (with the discounts it got), adding a redemption entry
/// when given. Returns the stored order.
#[allow(clippy::too_many_arguments)]
pub fn save(
    project: &mut Project,
    existing: Option<String>,
    prepared: &PreparedOrder,
    calc: &OrderCalc,
    status: Option<String>,
    customer_id: Option<String>,
    entry: Option<(String, OrderRedemptionEntry)>,
    now: Timestamp,
) -> Result<Order, ApiError> {
    let mut order = convert::calculated_order(calc, prepared);
    let previous = existing
        .as_deref()
        .and_then(|id| project.orders.get(id))
        .cloned();
    let is_new = previous.is_none();
    let id = match &previous {
        Some(p) => p.id.clone().unwrap_or_default(),
        None => project.ids.alnum("ord_", 24),
    };
    order.id = Some(id.clone());
    order.source_id = prepared
        .input
        .source_id
        .clone()
        .or_else(|| previous.as_ref().and_then(|p| p.source_id.clone()));
    order.created_at = previous.as_ref().and_then(|p| p.created_at).or(Some(now));
    order.updated_at = (!is_new).then_some(now);
    order.status = status
        .or_else(|| previous.as_ref().and_then(|p| p.status.clone()))
        .or_else(|| Some("CREATED".into()));
    order.customer_id = customer_id
        .clone()
        .or_else(|| previous.as_ref().and_then(|p| p.customer_id.clone()));
    order.customer = order
        .customer_id
        .as_deref()
        .map(|c| convert::customer_ref(project, c))
        .map(|mut c| {
            c.name = None;
            c.email = None;
            c.source_id = None;
            c.metadata = None;
            c
        });
    if prepared.input.metadata.is_none()
        && let Some(p) = &previous
    {
        order.metadata = p.metadata.clone();
    }
    let mut redemptions = previous
        .as_ref()
        .and_then(|p| p.redemptions.clone())
        .unwrap_or_default();
    if let Some((rid, e)) = entry {
        redemptions.insert(rid, serde_json::to_value(e).unwrap_or_default());
    }
    order.redemptions = (!redemptions.is_empty()).then_some(redemptions);
    if let Some(source) = &order.source_id {
        project.orders.alias(source.clone(), id.clone());
    }
    project.orders.put(id.clone(), order.clone());
    if is_new {
        customers::count_order(project, order.customer_id.as_deref(), order.amount, now);
    }
    let was = previous.as_ref().and_then(|p| p.status.clone());
    let customer = order.customer_id.clone();
    let data = serde_json::json!({"order": order});
    if is_new {
        project.emit(
            "customer.order.created",
            &id,
            customer.as_deref(),
            data.clone(),
            now,
        );
    } else {
        project.emit(
            "customer.order.updated",
            &id,
            customer.as_deref(),
            data.clone(),
            now,
        );
    }
    if order.status != was {
        match order.status.as_deref() {
            Some("PAID") => {
                project.emit("customer.order.paid", &id, customer.as_deref(), data, now);
                // A paid order fires the loyalty programs' order.paid earning rules.
                if let Some(customer_id) = customer.as_deref() {
                    let moment = loyalty::Moment {
                        event: "order.paid",
                        customer_id,
                        order: Some(&order),
                        event_metadata: None,
                        segment_id: None,
                        card: None,
                    };
                    loyalty::earn(project, &moment, now)?;
                }
            }
            Some("CANCELED") => project.emit(
                "customer.order.canceled",
                &id,
                customer.as_deref(),
                data,
                now,
            ),
            _ => {}
        }
    }
    Ok(order)
}
