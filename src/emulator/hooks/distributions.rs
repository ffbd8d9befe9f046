//! Distributions: a trigger (an event type about a customer), a channel (e-mail, SMS or a
//! webhook) and a message template. The real service sets them up in its dashboard only; the
//! emulator takes them through its control plane, renders each message with the customer's
//! and the event's data, puts it in the project's outbox, and records the send in the
//! customer's activity (`customer.email.sent`, `customer.sms.failed`, ...).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{FAILED, SENT};
use crate::emulator::error::ApiError;
use crate::emulator::events::Event;
use crate::engine::time::Timestamp;
use crate::model::Customer;

/// The triggers a distribution may use (the API's distribution-side event types).
pub const TRIGGERS: &[&str] = &[
    "customer.created",
    "customer.publication.succeeded",
    "customer.segment.entered",
    "customer.segment.left",
    "customer.order.created",
    "customer.order.updated",
    "customer.order.paid",
    "customer.order.canceled",
    "customer.redemption.succeeded",
    "customer.redemption.rollback.succeeded",
    "customer.custom_event",
    "customer.voucher.loyalty_card.points_added",
    "customer.voucher.gift.balance_added",
    "customer.rewarded",
    "customer.referred",
];

/// The channels a distribution may send through.
pub const CHANNELS: &[&str] = &["email", "sms", "webhook"];

/// What a template may name: `{{customer.name}}`, `{{code}}`, `{{order.amount}}`, ...
pub const TEMPLATE_ROOTS: &[&str] = &[
    "customer",
    "code",
    "voucher",
    "order",
    "campaign",
    "segment",
    "publication",
    "redemption",
    "event",
    "loyalty",
    "reward",
    "balance",
    "metadata",
];

/// When a distribution sends.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    /// One of [`TRIGGERS`].
    pub event: String,
    /// For segment triggers: the segment's id or name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<String>,
    /// For `customer.custom_event`: the custom event's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_event: Option<String>,
}

/// What a distribution says.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub body: String,
}

/// The body that defines a distribution.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistributionInput {
    pub name: String,
    pub trigger: Trigger,
    /// One of [`CHANNELS`].
    pub channel: String,
    /// Where the webhook channel posts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_url: Option<String>,
    pub template: Template,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

/// A distribution (`distr_...`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Distribution {
    pub id: String,
    pub object: String,
    pub name: String,
    pub trigger: Trigger,
    pub channel: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_url: Option<String>,
    pub template: Template,
    pub active: bool,
    pub created_at: Timestamp,
    /// The first event of the project's log it may send for.
    #[serde(skip)]
    pub from_event: usize,
}

/// One message of a distribution, in the project's outbox (`msg_...`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub id: String,
    pub object: String,
    pub distribution_id: String,
    pub distribution_name: String,
    /// `email`, `sms` or `webhook`.
    pub channel: String,
    pub customer_id: String,
    /// The e-mail address, phone number or URL it went to.
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub body: String,
    /// `SENT`, `FAILED`, or `PENDING` while a webhook delivery is under way.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    pub event_id: String,
    pub event_type: String,
    /// The sendout carrying it (webhook channel).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_id: Option<String>,
    pub created_at: Timestamp,
}

/// Checks a definition, with an error that names the property and what it should be.
pub fn check(input: &DistributionInput) -> Result<(), ApiError> {
    if input.name.trim().is_empty() {
        return Err(ApiError::invalid_payload(
            "Property .name should NOT be shorter than 1 characters",
        ));
    }
    if !TRIGGERS.contains(&input.trigger.event.as_str()) {
        return Err(ApiError::invalid_payload(format!(
            "Property .trigger.event should be equal to one of the allowed values: {}",
            TRIGGERS.join(", ")
        )));
    }
    let segment_trigger = input.trigger.event.starts_with("customer.segment.");
    if input.trigger.segment.is_some() && !segment_trigger {
        return Err(ApiError::invalid_payload(
            "Property .trigger.segment applies only to the triggers customer.segment.entered and customer.segment.left",
        ));
    }
    if input.trigger.custom_event.is_some() && input.trigger.event != "customer.custom_event" {
        return Err(ApiError::invalid_payload(
            "Property .trigger.custom_event applies only to the trigger customer.custom_event",
        ));
    }
    if !CHANNELS.contains(&input.channel.as_str()) {
        return Err(ApiError::invalid_payload(format!(
            "Property .channel should be equal to one of the allowed values: {}",
            CHANNELS.join(", ")
        )));
    }
    match (&input.target_url, input.channel.as_str()) {
        (None, "webhook") => {
            return Err(ApiError::invalid_payload(
                "Payload should have required property 'target_url' for the webhook channel",
            ));
        }
        (Some(url), "webhook") => check_url(".target_url", url)?,
        (Some(_), _) => {
            return Err(ApiError::invalid_payload(
                "Property .target_url applies only to the webhook channel",
            ));
        }
        (None, _) => {}
    }
    if input.template.body.trim().is_empty() {
        return Err(ApiError::invalid_payload(
            "Property .template.body should NOT be shorter than 1 characters",
        ));
    }
    check_template(".template.body", &input.template.body)?;
    if let Some(subject) = &input.template.subject {
        check_template(".template.subject", subject)?;
    }
    Ok(())
}

/// An absolute `http` or `https` URL.
pub fn check_url(property: &str, url: &str) -> Result<(), ApiError> {
    match reqwest::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        _ => Err(ApiError::invalid_payload(format!(
            "Property {property} should be an absolute http or https URL"
        ))),
    }
}

/// The placeholders of a template, or why it is malformed.
fn placeholders(template: &str) -> Result<Vec<&str>, String> {
    let mut found = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| "has a placeholder opened with {{ and never closed".to_string())?;
        let name = after[..end].trim();
        let well_formed = !name.is_empty()
            && name.split('.').all(|part| {
                !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            });
        if !well_formed {
            return Err(format!(
                "has a malformed placeholder {{{{{}}}}}",
                &after[..end]
            ));
        }
        found.push(name);
        rest = &after[end + 2..];
    }
    Ok(found)
}

fn check_template(property: &str, template: &str) -> Result<(), ApiError> {
    let names = placeholders(template)
        .map_err(|why| ApiError::invalid_payload(format!("Property {property} {why}")))?;
    for name in names {
        let root = name.split('.').next().unwrap_or_default();
        if !TEMPLATE_ROOTS.contains(&root) {
            return Err(ApiError::invalid_payload(format!(
                "Property {property} names {{{{{name}}}}}; placeholders start with one of: {}",
                TEMPLATE_ROOTS.join(", ")
            )));
        }
    }
    Ok(())
}

/// Fills a checked template from `context`; a missing value renders as nothing.
pub fn render(template: &str, context: &Value) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let mut value = context;
        for part in after[..end].trim().split('.') {
            value = value.get(part).unwrap_or(&Value::Null);
        }
        match value {
            Value::String(s) => out.push_str(s),
            Value::Number(n) => out.push_str(&n.to_string()),
            Value::Bool(b) => out.push_str(&b.to_string()),
            _ => {}
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// True when `event` fires `distribution`: its type is the trigger (the distribution-side name
/// is the project event's with `customer.` in front, e.g. `redemption.succeeded` fires
/// `customer.redemption.succeeded`), and the segment or custom event matches if one is named.
pub fn triggered_by(distribution: &Distribution, event: &Event) -> bool {
    let trigger = &distribution.trigger;
    let kind_matches = event.kind == trigger.event
        || trigger
            .event
            .strip_prefix("customer.")
            .is_some_and(|k| k == event.kind);
    if !kind_matches {
        return false;
    }
    if let Some(segment) = &trigger.segment {
        let named = |field: &str| {
            event
                .data
                .pointer(&format!("/segment/{field}"))
                .and_then(Value::as_str)
                == Some(segment.as_str())
        };
        if !(named("id") || named("name")) {
            return false;
        }
    }
    if let Some(name) = &trigger.custom_event
        && custom_event_name(&event.data) != Some(name.as_str())
    {
        return false;
    }
    true
}

/// The name of a custom event in an event's data (`event.type`, `event` or `type`).
fn custom_event_name(data: &Value) -> Option<&str> {
    data.pointer("/event/type")
        .and_then(Value::as_str)
        .or_else(|| data.get("event").and_then(Value::as_str))
        .or_else(|| data.get("type").and_then(Value::as_str))
}

/// The code an event is about, wherever its data carries it.
fn code_of(data: &Value) -> Option<&str> {
    [
        "/voucher/code",
        "/publication/voucher/code",
        "/publication/vouchers/0/code",
        "/loyalty_card/code",
    ]
    .iter()
    .find_map(|p| data.pointer(p).and_then(Value::as_str))
}

/// What a template can name for `event` sent to `customer`.
pub fn context(customer: &Customer, event: &Event) -> Value {
    let mut ctx = event.data.as_object().cloned().unwrap_or_else(Map::new);
    ctx.insert(
        "customer".into(),
        serde_json::to_value(customer).unwrap_or_default(),
    );
    if let Some(code) = code_of(&event.data) {
        ctx.insert("code".into(), Value::String(code.to_string()));
    }
    ctx.entry("event").or_insert_with(
        || serde_json::json!({"id": event.id, "type": event.kind, "created_at": event.created_at}),
    );
    Value::Object(ctx)
}

/// Where a message goes on `channel`, or why it cannot go.
pub fn recipient(
    channel: &str,
    customer: &Customer,
    target_url: Option<&str>,
) -> Result<String, &'static str> {
    let present = |v: &Option<String>| {
        v.as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(str::to_string)
    };
    match channel {
        "email" => present(&customer.email).ok_or("the customer has no e-mail address"),
        "sms" => present(&customer.phone).ok_or("the customer has no phone number"),
        _ => target_url
            .map(str::to_string)
            .ok_or("the distribution has no target URL"),
    }
}

/// The activity type that records a message on `channel` (none for webhooks).
pub fn activity_type(channel: &str, status: &str) -> Option<String> {
    let outcome = match status {
        SENT => "sent",
        FAILED => "failed",
        _ => return None,
    };
    matches!(channel, "email" | "sms").then(|| format!("customer.{channel}.{outcome}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> DistributionInput {
        DistributionInput {
            name: "Thanks".into(),
            trigger: Trigger {
                event: "customer.order.paid".into(),
                ..Trigger::default()
            },
            channel: "email".into(),
            target_url: None,
            template: Template {
                subject: Some("Thank you {{customer.name}}".into()),
                body: "Your code {{ code }} awaits".into(),
            },
            active: None,
        }
    }

    fn details(e: ApiError) -> String {
        e.body()["details"].as_str().unwrap_or_default().to_string()
    }

    #[test]
    fn a_sound_definition_passes() {
        check(&input()).unwrap();
    }

    #[test]
    fn malformed_definitions_name_what_is_wrong() {
        let mut i = input();
        i.trigger.event = "order.whatever".into();
        assert!(details(check(&i).unwrap_err()).starts_with("Property .trigger.event should be"));
        let mut i = input();
        i.channel = "pigeon".into();
        assert!(details(check(&i).unwrap_err()).contains(".channel"));
        let mut i = input();
        i.channel = "webhook".into();
        assert!(details(check(&i).unwrap_err()).contains("target_url"));
        i.target_url = Some("ftp://example.com".into());
        assert!(details(check(&i).unwrap_err()).contains("http or https"));
        let mut i = input();
        i.template.body = "Hi {{customer.name".into();
        assert!(details(check(&i).unwrap_err()).contains("never closed"));
        let mut i = input();
        i.template.body = "Hi {{password}}".into();
        assert!(details(check(&i).unwrap_err()).contains("placeholders start with"));
        let mut i = input();
        i.trigger.segment = Some("VIP".into());
        assert!(details(check(&i).unwrap_err()).contains("segment"));
    }

    #[test]
    fn templates_render_names_codes_and_numbers() {
        let ctx = serde_json::json!({"customer": {"name": "Alice"}, "code": "SUMMER10", "order": {"amount": 5000}});
        assert_eq!(
            render(
                "Hi {{customer.name}}, use {{ code }} on {{order.amount}}{{order.missing}}!",
                &ctx
            ),
            "Hi Alice, use SUMMER10 on 5000!"
        );
    }

    #[test]
    fn triggers_match_the_customer_side_name_and_filters() {
        let d = Distribution {
            id: "distr_1".into(),
            object: "distribution".into(),
            name: "VIP".into(),
            trigger: Trigger {
                event: "customer.segment.entered".into(),
                segment: Some("VIP".into()),
                custom_event: None,
            },
            channel: "email".into(),
            target_url: None,
            template: Template::default(),
            active: true,
            created_at: Timestamp::from_millis(0),
            from_event: 0,
        };
        let event = |kind: &str, data: Value| Event {
            id: "evt_1".into(),
            kind: kind.into(),
            created_at: Timestamp::from_millis(0),
            entity_id: "x".into(),
            customer_id: Some("cust_1".into()),
            data,
            group_id: None,
        };
        assert!(triggered_by(
            &d,
            &event(
                "customer.segment.entered",
                serde_json::json!({"segment": {"id": "seg_1", "name": "VIP"}})
            )
        ));
        assert!(!triggered_by(
            &d,
            &event(
                "customer.segment.entered",
                serde_json::json!({"segment": {"id": "seg_2", "name": "Other"}})
            )
        ));
        let mut paid = d.clone();
        paid.trigger = Trigger {
            event: "customer.redemption.succeeded".into(),
            ..Trigger::default()
        };
        assert!(triggered_by(
            &paid,
            &event("redemption.succeeded", Value::Null)
        ));
        assert!(!triggered_by(
            &paid,
            &event("redemption.failed", Value::Null)
        ));
        let mut custom = d;
        custom.trigger = Trigger {
            event: "customer.custom_event".into(),
            segment: None,
            custom_event: Some("signed_up".into()),
        };
        assert!(triggered_by(
            &custom,
            &event(
                "customer.custom_event",
                serde_json::json!({"event": {"type": "signed_up"}})
            )
        ));
        assert!(!triggered_by(
            &custom,
            &event(
                "customer.custom_event",
                serde_json::json!({"event": {"type": "other"}})
            )
        ));
    }
}
