//! Distributions: messages the project sends when something happens to a customer (an order
//! is paid, a customer joins a segment, ...), by e-mail, SMS or to the shop's webhook
//! endpoint, and the customer's activity that records them.

use std::time::Duration;

use cucumber::{given, then, when};

use super::params::{Money, SendChannel, TriggerPhrase};
use super::webhooks::{as_outcome, control_plane, endpoint, refused};
use super::world::{HarnessWorld, StepFailure, StepResult};
use crate::emulator::hooks::Message;
use crate::emulator::hooks::distributions::{DistributionInput, Template, Trigger};
use crate::model::{CustomerInput, OrderInput, SegmentInput};

/// Plain-language channels.
const CHANNELS: &[(&str, &str)] = &[("e-mails", "email"), ("texts", "sms"), ("posts", "webhook")];

/// Plain-language activity and the API's activity types.
const ACTIVITY: &[(&str, &str)] = &[
    ("an e-mail sent", "customer.email.sent"),
    ("a failed e-mail", "customer.email.failed"),
    ("a text message sent", "customer.sms.sent"),
    ("a failed text message", "customer.sms.failed"),
    ("a paid order", "customer.order.paid"),
    ("a successful redemption", "customer.redemption.succeeded"),
    ("entering a segment", "customer.segment.entered"),
];

/// The trigger a phrase such as `when an order is paid` names.
fn trigger(world: &HarnessWorld, phrase: &str) -> Result<Trigger, StepFailure> {
    let plain = |event: &str| Trigger {
        event: event.into(),
        ..Trigger::default()
    };
    let quoted = |prefix: &str, suffix: &str| {
        phrase
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(suffix))
            .map(str::to_string)
    };
    Ok(match phrase {
        "when an order is paid" => plain("customer.order.paid"),
        "when a coupon is redeemed" => plain("customer.redemption.succeeded"),
        "when a redemption is rolled back" => plain("customer.redemption.rollback.succeeded"),
        "when a customer signs up" => plain("customer.created"),
        "when a code is published to a customer" => plain("customer.publication.succeeded"),
        "when loyalty points are added" => plain("customer.voucher.loyalty_card.points_added"),
        _ => {
            if let Some(segment) = quoted("when a customer joins the segment \"", "\"") {
                Trigger {
                    event: "customer.segment.entered".into(),
                    segment: Some(world.code(&segment)),
                    custom_event: None,
                }
            } else if let Some(name) = quoted("when the custom event \"", "\" happens") {
                Trigger {
                    event: "customer.custom_event".into(),
                    segment: None,
                    custom_event: Some(name),
                }
            } else {
                return Err(world.failure(format!(
                    "unknown trigger \"{phrase}\"; say when an order is paid, when a coupon is \
                     redeemed, when a redemption is rolled back, when a customer signs up, when a \
                     code is published to a customer, when loyalty points are added, when a \
                     customer joins the segment \"...\", or when the custom event \"...\" happens"
                )));
            }
        }
    })
}

#[given(expr = "a distribution {string} {channel} {string} {trigger}")]
async fn distribution(
    world: &mut HarnessWorld,
    name: String,
    channel: SendChannel,
    body: String,
    when: TriggerPhrase,
) -> StepResult {
    let (channel, when) = (channel.0, when.0);
    let channel = CHANNELS
        .iter()
        .find(|(w, _)| *w == channel)
        .map(|(_, c)| c.to_string())
        .unwrap_or(channel);
    let trigger = trigger(world, &when)?;
    let target_url = if channel == "webhook" {
        Some(endpoint(world).await?)
    } else {
        None
    };
    let input = DistributionInput {
        name: name.clone(),
        trigger,
        template: Template {
            subject: (channel == "email").then(|| name.clone()),
            body,
        },
        channel,
        target_url,
        active: Some(true),
    };
    let (control, project) = control_plane(world)?;
    let created = control
        .create_distribution(&project, &input)
        .await
        .map_err(|e| world.call_failed(&format!("setting up the distribution \"{name}\""), &e))?;
    world
        .remembered
        .insert(format!("distribution:{name}"), created.id);
    Ok(())
}

#[given(expr = "the distribution {string} is switched off")]
async fn switch_off(world: &mut HarnessWorld, name: String) -> StepResult {
    let id = distribution_id(world, &name)?;
    let (control, project) = control_plane(world)?;
    control
        .disable_distribution(&project, &id)
        .await
        .map(|_| ())
        .map_err(|e| world.call_failed(&format!("switching off \"{name}\""), &e))
}

fn distribution_id(world: &HarnessWorld, name: &str) -> Result<String, StepFailure> {
    world
        .remembered
        .get(&format!("distribution:{name}"))
        .cloned()
        .ok_or_else(|| world.failure(format!("no distribution \"{name}\" was set up")))
}

#[given(expr = "{word}'s phone number is {string}")]
async fn phone(world: &mut HarnessWorld, person: String, number: String) -> StepResult {
    let customer = CustomerInput {
        phone: Some(number),
        ..world.customer(&person)
    };
    world
        .client()?
        .upsert_customer(&customer)
        .await
        .map(|_| ())
        .map_err(|e| world.call_failed(&format!("registering {person}"), &e))
}

#[given(expr = "{word} has no phone number")]
async fn no_phone(world: &mut HarnessWorld, person: String) -> StepResult {
    let customer = world.customer(&person);
    world
        .client()?
        .upsert_customer(&customer)
        .await
        .map(|_| ())
        .map_err(|e| world.call_failed(&format!("registering {person}"), &e))
}

#[when(expr = "{word} joins the customer segment {string}")]
async fn joins_segment(world: &mut HarnessWorld, person: String, segment: String) -> StepResult {
    let customer = world.customer(&person);
    let client = world.client()?;
    client
        .upsert_customer(&customer)
        .await
        .map_err(|e| world.call_failed(&format!("registering {person}"), &e))?;
    client
        .create_segment(&SegmentInput {
            name: world.code(&segment),
            kind: "static".into(),
            customers: customer.source_id.clone().map(|s| vec![s]),
            filter: None,
        })
        .await
        .map(|_| ())
        .map_err(|e| world.call_failed(&format!("creating the segment \"{segment}\""), &e))
}

#[when(expr = "{word} pays for an order of {money}")]
async fn pays(world: &mut HarnessWorld, person: String, amount: Money) -> StepResult {
    let order = OrderInput {
        amount: Some(amount.0),
        status: Some("PAID".into()),
        customer: Some(world.customer(&person)),
        ..OrderInput::default()
    };
    world
        .client()?
        .upsert_order(&order)
        .await
        .map(|_| ())
        .map_err(|e| world.call_failed(&format!("{person}'s order"), &e))
}

/// Waits until the outbox holds a message matching `wanted`.
async fn eventually_message(
    world: &HarnessWorld,
    seconds: u64,
    query: &[(&str, String)],
    wanted: impl Fn(&Message) -> bool,
) -> Result<Result<Message, Vec<Message>>, StepFailure> {
    let (control, project) = control_plane(world)?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    loop {
        let outbox = control
            .outbox(&project, query)
            .await
            .map_err(|e| world.call_failed("reading the outbox", &e))?;
        if let Some(m) = outbox.items.iter().find(|m| wanted(m)) {
            return Ok(Ok(m.clone()));
        }
        if tokio::time::Instant::now() >= deadline {
            return Ok(Err(outbox.items));
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn shown(messages: &[Message]) -> String {
    if messages.is_empty() {
        return "nothing".into();
    }
    messages
        .iter()
        .map(|m| {
            format!(
                "\"{}\" to {} ({}{})",
                m.body,
                m.to.as_deref().unwrap_or("nobody"),
                m.status,
                m.failure_reason
                    .as_deref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

async fn receives(
    world: &HarnessWorld,
    seconds: u64,
    person: &str,
    channel: &str,
    text: &str,
) -> StepResult {
    let customer = world.customer(person).source_id.unwrap_or_default();
    let query = [("channel", channel.to_string()), ("customer", customer)];
    match eventually_message(world, seconds, &query, |m| m.body == text && m.status == "SENT").await? {
        Ok(message) => {
            let expected_to = match channel {
                "email" => world.customer(person).email,
                _ => None,
            };
            if expected_to.is_some() && message.to != expected_to {
                return Err(world.failure(format!(
                    "the message went to {:?}, not to {person}'s address {:?}",
                    message.to, expected_to
                )));
            }
            Ok(())
        }
        Err(seen) => Err(world.failure(format!(
            "within {seconds} s no {channel} message \"{text}\" was sent to {person}; the outbox holds: {}",
            shown(&seen)
        ))),
    }
}

#[then(expr = "within {int} second(s) {word} is e-mailed {string}")]
async fn emailed(
    world: &mut HarnessWorld,
    seconds: u64,
    person: String,
    text: String,
) -> StepResult {
    receives(world, seconds, &person, "email", &text).await
}

#[then(expr = "within {int} second(s) {word} is texted {string}")]
async fn texted(
    world: &mut HarnessWorld,
    seconds: u64,
    person: String,
    text: String,
) -> StepResult {
    receives(world, seconds, &person, "sms", &text).await
}

#[then(
    expr = "within {int} second(s) the text message to {word} is recorded as failed because {string}"
)]
async fn text_failed(
    world: &mut HarnessWorld,
    seconds: u64,
    person: String,
    reason: String,
) -> StepResult {
    let customer = world.customer(&person).source_id.unwrap_or_default();
    let query = [("channel", "sms".to_string()), ("customer", customer)];
    match eventually_message(world, seconds, &query, |m| m.status == "FAILED").await? {
        Ok(m) if m.failure_reason.as_deref() == Some(reason.as_str()) => Ok(()),
        Ok(m) => Err(world.failure(format!(
            "the text message to {person} failed because {:?}, expected \"{reason}\"",
            m.failure_reason
        ))),
        Err(seen) => Err(world.failure(format!(
            "within {seconds} s no failed text message to {person} was recorded; the outbox holds: {}",
            shown(&seen)
        ))),
    }
}

#[then(expr = "within {int} second(s) the shop's webhook endpoint receives the message {string}")]
async fn webhook_message(world: &mut HarnessWorld, seconds: u64, text: String) -> StepResult {
    let sink = world
        .hooks
        .sink
        .as_ref()
        .ok_or_else(|| world.failure("the shop has no webhook endpoint"))?;
    let found = sink
        .wait_for(Duration::from_secs(seconds), |r| {
            r.payload.as_ref().is_some_and(|p| {
                p.source.object == "distribution"
                    && p.data.pointer("/message/body").and_then(|b| b.as_str())
                        == Some(text.as_str())
            })
        })
        .await;
    match found {
        Some(r) if r.verified => Ok(()),
        Some(_) => Err(world.failure(
            "the message arrived, but its x-voucherify-signature does not match the project's webhook secret",
        )),
        None => {
            let bodies: Vec<String> = sink
                .received()
                .iter()
                .filter_map(|r| r.payload.as_ref())
                .map(|p| format!("{} {}", p.kind, p.data.pointer("/message/body").map(|b| b.to_string()).unwrap_or_default()))
                .collect();
            Err(world.failure(format!(
                "within {seconds} s the shop's endpoint did not receive \"{text}\"; it received: {}",
                if bodies.is_empty() { "nothing".into() } else { bodies.join("; ") }
            )))
        }
    }
}

#[then(expr = "the distribution {string} has sent nothing")]
async fn sent_nothing(world: &mut HarnessWorld, name: String) -> StepResult {
    let id = distribution_id(world, &name)?;
    let (control, project) = control_plane(world)?;
    let outbox = control
        .outbox(&project, &[("distribution", id)])
        .await
        .map_err(|e| world.call_failed("reading the outbox", &e))?;
    if !outbox.items.is_empty() {
        return Err(world.failure(format!(
            "the distribution \"{name}\" should have sent nothing; it sent: {}",
            shown(&outbox.items)
        )));
    }
    Ok(())
}

#[then(expr = "{word}'s activity shows {string}")]
async fn activity_shows(world: &mut HarnessWorld, person: String, what: String) -> StepResult {
    let kind = ACTIVITY
        .iter()
        .find(|(w, _)| *w == what)
        .map(|(_, k)| *k)
        .ok_or_else(|| {
            let known: Vec<&str> = ACTIVITY.iter().map(|(w, _)| *w).collect();
            world.failure(format!(
                "unknown activity \"{what}\"; known: {}",
                known.join(", ")
            ))
        })?;
    let customer = world.customer(&person).source_id.unwrap_or_default();
    let list = world
        .client()?
        .customer_activity(&customer, &[("limit", "100".into())])
        .await
        .map_err(|e| world.call_failed(&format!("reading {person}'s activity"), &e))?;
    if list.items.iter().any(|a| a["type"] == kind) {
        return Ok(());
    }
    let types: Vec<String> = list
        .items
        .iter()
        .filter_map(|a| a["type"].as_str().map(str::to_string))
        .collect();
    Err(world.failure(format!(
        "{person}'s activity has no {kind}; it shows: {}",
        if types.is_empty() {
            "nothing".into()
        } else {
            types.join(", ")
        }
    )))
}

#[when(expr = "the shop sets up a distribution without a channel")]
async fn without_channel(world: &mut HarnessWorld) -> StepResult {
    let body = serde_json::json!({
        "name": "No channel",
        "trigger": {"event": "customer.order.paid"},
        "template": {"body": "Thank you"},
    });
    send_definition(world, &body).await
}

#[when(expr = "the shop sets up a distribution with a trigger that does not exist")]
async fn unknown_trigger(world: &mut HarnessWorld) -> StepResult {
    let body = serde_json::json!({
        "name": "Odd trigger",
        "trigger": {"event": "order.sometimes"},
        "channel": "email",
        "template": {"body": "Thank you"},
    });
    send_definition(world, &body).await
}

#[when(expr = "the shop sets up a distribution e-mailing {string}")]
async fn with_template(world: &mut HarnessWorld, text: String) -> StepResult {
    let body = serde_json::json!({
        "name": "Template",
        "trigger": {"event": "customer.order.paid"},
        "channel": "email",
        "template": {"body": text},
    });
    send_definition(world, &body).await
}

async fn send_definition(world: &mut HarnessWorld, body: &serde_json::Value) -> StepResult {
    let (control, project) = control_plane(world)?;
    let outcome = control
        .raw(
            reqwest::Method::POST,
            &["_emulator", "projects", &project, "distributions"],
            &[],
            Some(body.to_string().into_bytes()),
            &[],
        )
        .await;
    world.last_call = Some(as_outcome(outcome));
    Ok(())
}

#[then(expr = "the distribution is refused because {string}")]
async fn distribution_refused(world: &mut HarnessWorld, reason: String) -> StepResult {
    refused(world, "distribution", &reason)
}
