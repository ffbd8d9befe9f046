//! Bad input: checkouts sent malformed on purpose, and the exact error the API answers for each.

use cucumber::{then, when};
use reqwest::Method;
use serde_json::{Value, json};

use super::params::{CartFlaw, Money};
use super::world::{HarnessWorld, StepFailure, StepResult};

/// How an expected error's `details` is compared.
enum Details {
    Exact(&'static str),
    StartsWith(&'static str),
}

/// Plain-language reasons, and the status, key and details the API answers with.
const REFUSALS: &[(&str, u16, &str, Details)] = &[
    (
        "the body is not valid JSON",
        400,
        "invalid_payload",
        Details::StartsWith("Request body is not valid JSON"),
    ),
    (
        "the cart amount must be a whole number of cents",
        400,
        "invalid_payload",
        Details::Exact("Property .order.amount should be integer"),
    ),
    (
        "at most 30 coupons can be used at once",
        400,
        "invalid_payload",
        Details::Exact("Property .redeemables must NOT have more than 30 items"),
    ),
    (
        "the same coupon is used twice",
        400,
        "duplicated_redeemables",
        Details::Exact("Duplicated redeemables detected in one redemption"),
    ),
    (
        "the cart amount cannot be negative",
        400,
        "invalid_payload",
        Details::Exact("Property .order.amount should be >= 0"),
    ),
    (
        "a quantity cannot be negative",
        400,
        "invalid_payload",
        Details::Exact("Property .order.items[0].quantity should be >= 0"),
    ),
    (
        "a price cannot be negative",
        400,
        "invalid_payload",
        Details::Exact("Property .order.items[0].price should be >= 0"),
    ),
    (
        "only vouchers, promotions and promotion stacks can be redeemed",
        400,
        "invalid_payload",
        Details::Exact(
            "Property .redeemables[0].object should be equal to one of the allowed values: voucher, promotion_tier, promotion_stack",
        ),
    ),
];

/// A redemption body for `codes` and `order`, as a JSON value to bend out of shape.
fn checkout_body(world: &HarnessWorld, person: &str, codes: &[String], order: Value) -> Value {
    let customer = serde_json::to_value(world.customer(person)).unwrap_or(Value::Null);
    json!({
        "redeemables": codes
            .iter()
            .map(|c| json!({"object": "voucher", "id": world.code(c)}))
            .collect::<Vec<_>>(),
        "order": order,
        "customer": customer,
    })
}

/// The key under which a checkout's customer is remembered.
const CHECKOUT_CUSTOMER: &str = "checkout customer:";

/// Sends `body` as is to the redemption endpoint and keeps the outcome for the Then steps.
async fn send(world: &mut HarnessWorld, person: &str, body: Vec<u8>) -> StepResult {
    if let Some(source_id) = world.customer(person).source_id {
        world
            .remembered
            .insert(format!("{CHECKOUT_CUSTOMER}{source_id}"), source_id);
    }
    let outcome = world
        .client()?
        .call_bytes::<Value>(Method::POST, &["v1", "redemptions"], &[], Some(body))
        .await;
    if let Err(e) = &outcome
        && e.is_outage()
    {
        return Err(world.call_failed("the checkout", e));
    }
    world.last_call = Some(outcome);
    Ok(())
}

fn bytes(body: &Value) -> Vec<u8> {
    serde_json::to_vec(body).unwrap_or_default()
}

#[when(expr = "{word} sends a checkout with {string} that is cut off halfway")]
async fn cut_off(world: &mut HarnessWorld, person: String, name: String) -> StepResult {
    let body = bytes(&checkout_body(
        world,
        &person,
        &[name],
        json!({"amount": 4000}),
    ));
    let half = body[..body.len() / 2].to_vec();
    send(world, &person, half).await
}

#[when(expr = "{word} checks out with {string} and writes the cart amount {money} as text")]
async fn amount_as_text(
    world: &mut HarnessWorld,
    person: String,
    name: String,
    amount: Money,
) -> StepResult {
    let text = crate::engine::money::format_minor(amount.0);
    let body = checkout_body(world, &person, &[name], json!({ "amount": text }));
    send(world, &person, bytes(&body)).await
}

#[when(expr = "{word} checks out a cart of {money} with {int} different coupons")]
async fn many_coupons(
    world: &mut HarnessWorld,
    person: String,
    amount: Money,
    count: usize,
) -> StepResult {
    let names: Vec<String> = (1..=count).map(|i| format!("COUPON{i}")).collect();
    let body = checkout_body(world, &person, &names, json!({"amount": amount.0}));
    send(world, &person, bytes(&body)).await
}

#[when(expr = "{word} checks out a cart of {money} with {string} twice")]
async fn same_coupon_twice(
    world: &mut HarnessWorld,
    person: String,
    amount: Money,
    name: String,
) -> StepResult {
    let body = checkout_body(
        world,
        &person,
        &[name.clone(), name],
        json!({"amount": amount.0}),
    );
    send(world, &person, bytes(&body)).await
}

#[when(expr = "{word} checks out with {string} and {flaw}")]
async fn negative(
    world: &mut HarnessWorld,
    person: String,
    name: String,
    cart: CartFlaw,
) -> StepResult {
    let order = match cart.0.as_str() {
        "a negative cart amount" => json!({"amount": -500}),
        "an item with a negative quantity" => {
            json!({"items": [{"source_id": "beans", "quantity": -1, "price": 1250}]})
        }
        _ => json!({"items": [{"source_id": "beans", "quantity": 1, "price": -1250}]}),
    };
    let body = checkout_body(world, &person, &[name], order);
    send(world, &person, bytes(&body)).await
}

#[when(
    expr = "{word} checks out a cart of {money} with {string} presented as an unknown kind of discount"
)]
async fn unknown_kind(
    world: &mut HarnessWorld,
    person: String,
    amount: Money,
    name: String,
) -> StepResult {
    let mut body = checkout_body(world, &person, &[name], json!({"amount": amount.0}));
    body["redeemables"][0]["object"] = json!("discount");
    send(world, &person, bytes(&body)).await
}

fn refusal(
    world: &HarnessWorld,
    reason: &str,
) -> Result<&'static (&'static str, u16, &'static str, Details), StepFailure> {
    REFUSALS.iter().find(|r| r.0 == reason).ok_or_else(|| {
        let known: Vec<String> = REFUSALS.iter().map(|r| format!("\"{}\"", r.0)).collect();
        world.failure(format!(
            "unknown reason \"{reason}\"; known reasons: {}",
            known.join(", ")
        ))
    })
}

#[then(expr = "the request is refused as invalid because {string}")]
async fn refused_as_invalid(world: &mut HarnessWorld, reason: String) -> StepResult {
    let (_, status, key, details) = refusal(world, &reason)?;
    let expected = match details {
        Details::Exact(d) => format!("{status} {key} \"{d}\""),
        Details::StartsWith(d) => format!("{status} {key} \"{d}...\""),
    };
    let error = match &world.last_call {
        Some(Err(e)) => e,
        Some(Ok(_)) => {
            return Err(world.failure(format!(
                "expected the request to be refused with {expected}, but it succeeded"
            )));
        }
        None => return Err(world.failure("no request was sent")),
    };
    let body = error.body();
    let actual_details = body.and_then(|b| b.details.as_deref()).unwrap_or("");
    let details_ok = match details {
        Details::Exact(d) => actual_details == *d,
        Details::StartsWith(d) => actual_details.starts_with(d),
    };
    if error.status() == Some(*status) && error.key() == Some(*key) && details_ok {
        return Ok(());
    }
    Err(world.failure(format!(
        "expected {expected}, got {} {} \"{actual_details}\"",
        error.status().map_or("no status".into(), |s| s.to_string()),
        error.key().unwrap_or("(no key)")
    )))
}

/// The whole redemption list must be empty on a project of the scenario's own; on a shared
/// project (the live target), the list of each customer the scenario's checkouts named.
#[then(expr = "no redemption is recorded")]
async fn nothing_recorded(world: &mut HarnessWorld) -> StepResult {
    let own_project = world.project().is_some_and(|p| p.project_id.is_some());
    let filters: Vec<Vec<(&str, String)>> = if own_project {
        vec![Vec::new()]
    } else {
        let mut customers: Vec<String> = world
            .remembered
            .iter()
            .filter(|(k, _)| k.starts_with(CHECKOUT_CUSTOMER))
            .map(|(_, v)| v.clone())
            .collect();
        customers.sort();
        customers
            .into_iter()
            .map(|c| vec![("customer", c)])
            .collect()
    };
    for query in filters {
        let list = world
            .client()?
            .list_redemptions(&query)
            .await
            .map_err(|e| world.call_failed("reading the redemption list", &e))?;
        if list.total != 0 {
            let whose = query
                .first()
                .map(|(_, c)| format!(" of the customer {c}"))
                .unwrap_or_default();
            return Err(world.failure(format!(
                "expected no redemption, the list{whose} has {} (a refused request left a record)",
                list.total
            )));
        }
    }
    Ok(())
}
