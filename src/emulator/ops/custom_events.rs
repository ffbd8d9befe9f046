//! Custom events (`POST /v1/events`): they upsert the customer, are recorded for distributions
//! and activity, fire the loyalty earning rules named after them, and count the referral of a
//! `referral.code` in programs that convert on the event.

use serde_json::json;

use super::{customers, loyalty, referrals};
use crate::emulator::convert;
use crate::emulator::error::ApiError;
use crate::emulator::store::Project;
use crate::engine::time::Timestamp;
use crate::model::EventInput;

/// Records a custom event; returns the API's answer.
pub fn track(
    project: &mut Project,
    input: &EventInput,
    now: Timestamp,
) -> Result<serde_json::Value, ApiError> {
    if input.event.trim().is_empty() {
        return Err(ApiError::invalid_payload(
            "Property .event should NOT be shorter than 1 characters",
        ));
    }
    if input.customer.id.is_none() && input.customer.source_id.is_none() {
        return Err(ApiError::invalid_payload(
            "Property .customer should have required property 'id' or 'source_id'",
        ));
    }
    customers::check(project, &input.customer)?;
    let card = input
        .loyalty
        .as_ref()
        .map(|l| {
            l.get("code")
                .and_then(serde_json::Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| {
                    ApiError::invalid_payload(
                        "Property .loyalty should have required property 'code'",
                    )
                })
        })
        .transpose()?;
    if let Some(code) = &card {
        loyalty::member(project, None, code)?;
    }
    let referral = referral_code(project, input)?;
    let customer_id = customers::upsert(project, &input.customer, now)?;
    let data = json!({
        "event": {"type": input.event, "metadata": input.metadata},
        "customer": customers::view(project, &customer_id),
    });
    project.emit(
        "customer.custom_event",
        &customer_id,
        Some(&customer_id),
        data,
        now,
    );
    let moment = loyalty::Moment {
        event: &input.event,
        customer_id: &customer_id,
        order: None,
        event_metadata: input.metadata.as_ref(),
        segment_id: None,
        card: card.as_deref(),
    };
    loyalty::earn(project, &moment, now)?;
    if let Some(code) = &referral {
        let trigger = referrals::Trigger::Event {
            event: &input.event,
            metadata: json!(input.metadata),
        };
        referrals::convert(project, code, &customer_id, trigger, now);
    }
    let customer = convert::customer_ref(project, &customer_id);
    Ok(json!({
        "object": "event",
        "type": input.event,
        "customer": customer,
        "referral": null,
        "loyalty": null,
    }))
}

/// The referral code an event names, checked: it exists, is published, and is not the
/// customer's own.
fn referral_code(project: &Project, input: &EventInput) -> Result<Option<String>, ApiError> {
    let Some(referral) = &input.referral else {
        return Ok(None);
    };
    let code = referral
        .get("code")
        .and_then(serde_json::Value::as_str)
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| {
            ApiError::invalid_payload("Property .referral should have required property 'code'")
        })?;
    let voucher = project
        .vouchers
        .get(code)
        .ok_or_else(|| ApiError::not_found("voucher", code))?;
    if let Some(referrer) = referral
        .get("referrer_id")
        .and_then(serde_json::Value::as_str)
        && !project.customers.contains(referrer)
    {
        return Err(ApiError::not_found("customer", referrer));
    }
    if voucher.is_referral_code && voucher.holder_id.is_none() {
        return Err(ApiError::bad_request(
            "not_published",
            "Voucher is not published",
            "Referral code must be first published to Referrer before it is used",
        ));
    }
    let customer_id = customers::find(project, &input.customer);
    if let Some(rejection) = referrals::rejection(voucher, true, customer_id.as_deref()) {
        return Err(ApiError::from_rejection(&rejection));
    }
    Ok(Some(voucher.code.clone()))
}
