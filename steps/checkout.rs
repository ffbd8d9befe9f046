//! Checkouts: a customer validates or redeems codes against a cart, and what came of it.

use cucumber::gherkin::Step;
use cucumber::{given, then, when};

use super::params::Money;
use super::world::{Attempt, HarnessWorld, StepFailure, StepResult};
use crate::engine::money::format_minor;
use crate::model::order::ItemProduct;
use crate::model::{OrderInput, OrderItemInput, RedeemableRef, ValidationRequest};

/// Plain-language reasons and the API error keys they stand for.
pub const REASONS: &[(&str, &str)] = &[
    ("has expired", "voucher_expired"),
    ("is not active yet", "voucher_not_active"),
    ("is disabled", "voucher_disabled"),
    ("does not exist", "not_found"),
    ("has already been used", "quantity_exceeded"),
];

fn reason_key(world: &HarnessWorld, reason: &str) -> Result<&'static str, StepFailure> {
    REASONS
        .iter()
        .find(|(phrase, _)| *phrase == reason)
        .map(|(_, key)| *key)
        .ok_or_else(|| {
            let known: Vec<String> = REASONS.iter().map(|(p, _)| format!("\"{p}\"")).collect();
            world.failure(format!(
                "unknown reason \"{reason}\"; known reasons: {}",
                known.join(", ")
            ))
        })
}

fn cart(amount: i64) -> OrderInput {
    OrderInput {
        amount: Some(amount),
        ..OrderInput::default()
    }
}

/// Validates (`redeem` false) or redeems codes for `person`, recording the attempt. A refusal
/// is an outcome to check later; only a missing answer fails the step.
pub async fn checkout(
    world: &mut HarnessWorld,
    person: &str,
    names: &[String],
    order: OrderInput,
    redeem: bool,
) -> StepResult {
    let request = ValidationRequest {
        redeemables: names
            .iter()
            .map(|n| RedeemableRef::voucher(&world.code(n)))
            .collect(),
        order: Some(order),
        customer: Some(world.customer(person)),
        ..ValidationRequest::default()
    };
    let client = world.client()?;
    let mut attempt = Attempt {
        customer: person.to_string(),
        codes: names.to_vec(),
        validation: None,
        redemption: None,
        error: None,
    };
    if redeem {
        match client.redeem(&request).await {
            Ok(r) => attempt.redemption = Some(r),
            Err(e) => attempt.error = Some(e),
        }
    } else {
        match client.validate(&request).await {
            Ok(v) => attempt.validation = Some(v),
            Err(e) => attempt.error = Some(e),
        }
    }
    if let Some(e) = &attempt.error
        && e.is_outage()
    {
        return Err(world.call_failed("the checkout", e));
    }
    world.attempts.push(attempt);
    Ok(())
}

fn start_batch(world: &mut HarnessWorld) {
    world.batch_start = world.attempts.len();
}

#[given(expr = "{word} has already redeemed {string}")]
async fn already_redeemed(world: &mut HarnessWorld, person: String, name: String) -> StepResult {
    checkout(
        world,
        &person,
        std::slice::from_ref(&name),
        cart(10_000),
        true,
    )
    .await?;
    let attempt = world.last_attempt()?;
    if !attempt.succeeded() {
        return Err(world.failure(format!(
            "{person} could not redeem \"{name}\" while setting up: {}",
            attempt.describe()
        )));
    }
    start_batch(world);
    Ok(())
}

#[when(expr = "{word} checks out a cart of {money} with {string}")]
async fn checks_out(
    world: &mut HarnessWorld,
    person: String,
    amount: Money,
    name: String,
) -> StepResult {
    start_batch(world);
    checkout(world, &person, &[name], cart(amount.0), true).await
}

#[when(expr = "{word} checks out a cart of {money} with {string} and {string}")]
async fn checks_out_two(
    world: &mut HarnessWorld,
    person: String,
    amount: Money,
    first: String,
    second: String,
) -> StepResult {
    start_batch(world);
    checkout(world, &person, &[first, second], cart(amount.0), true).await
}

#[when(expr = "{word} checks out with {string} and this cart:")]
async fn checks_out_items(
    world: &mut HarnessWorld,
    step: &Step,
    person: String,
    name: String,
) -> StepResult {
    let order = items_order(world, step)?;
    start_batch(world);
    checkout(world, &person, &[name], order, true).await
}

#[when(expr = "{word} checks {string} against a cart of {money}")]
async fn validates(
    world: &mut HarnessWorld,
    person: String,
    name: String,
    amount: Money,
) -> StepResult {
    start_batch(world);
    checkout(world, &person, &[name], cart(amount.0), false).await
}

#[when(expr = "{word} checks {string} and {string} against a cart of {money}")]
async fn validates_two(
    world: &mut HarnessWorld,
    person: String,
    first: String,
    second: String,
    amount: Money,
) -> StepResult {
    start_batch(world);
    checkout(world, &person, &[first, second], cart(amount.0), false).await
}

#[when(expr = "{int} customers each check out a cart of {money} with {string}")]
async fn many_check_out(
    world: &mut HarnessWorld,
    count: usize,
    amount: Money,
    name: String,
) -> StepResult {
    start_batch(world);
    for i in 1..=count {
        checkout(
            world,
            &format!("Customer-{i}"),
            std::slice::from_ref(&name),
            cart(amount.0),
            true,
        )
        .await?;
    }
    Ok(())
}

/// An order from a table with columns `product`, `quantity`, `price`.
fn items_order(world: &HarnessWorld, step: &Step) -> Result<OrderInput, StepFailure> {
    let table = step.table.as_ref().ok_or_else(|| {
        world.failure("this step needs a table with columns product, quantity and price")
    })?;
    let mut rows = table.rows.iter();
    let header: Vec<String> = rows
        .next()
        .map(|h| h.iter().map(|c| c.trim().to_lowercase()).collect())
        .unwrap_or_default();
    let column = |name: &str| {
        header.iter().position(|h| h == name).ok_or_else(|| {
            world.failure(format!(
                "the cart table has no \"{name}\" column (it has: {})",
                header.join(", ")
            ))
        })
    };
    let (product, quantity, price) = (column("product")?, column("quantity")?, column("price")?);
    let mut items = Vec::new();
    for row in rows {
        let cell = |i: usize| row.get(i).map(|c| c.trim().to_string()).unwrap_or_default();
        let qty: i64 = cell(quantity)
            .parse()
            .map_err(|_| world.failure(format!("\"{}\" is not a quantity", cell(quantity))))?;
        let unit: Money = cell(price).parse().map_err(|e: String| world.failure(e))?;
        let name = cell(product);
        items.push(OrderItemInput {
            source_id: Some(world.code(&name)),
            related_object: Some("product".into()),
            quantity: Some(qty),
            price: Some(unit.0),
            product: Some(ItemProduct {
                name: Some(name),
                price: Some(unit.0),
                ..ItemProduct::default()
            }),
            ..OrderItemInput::default()
        });
    }
    Ok(OrderInput {
        items: Some(items),
        ..OrderInput::default()
    })
}

fn successful_order(world: &HarnessWorld) -> Result<&crate::model::Order, StepFailure> {
    let attempt = world.last_attempt()?;
    if !attempt.succeeded() {
        return Err(world.failure(format!(
            "the checkout was not accepted: {}",
            attempt.describe()
        )));
    }
    attempt
        .order()
        .ok_or_else(|| world.failure("the accepted checkout has no order in its answer"))
}

#[then(expr = "the checkout succeeds")]
#[then(expr = "the coupon is accepted")]
#[then(expr = "the coupons are accepted")]
async fn accepted(world: &mut HarnessWorld) -> StepResult {
    successful_order(world).map(|_| ())
}

#[then(expr = "the discount is {money}")]
async fn discount_is(world: &mut HarnessWorld, expected: Money) -> StepResult {
    let order = successful_order(world)?;
    world.expect_money("total discount", expected.0, order.total_discount_amount)
}

#[then(expr = "the cart total is {money}")]
async fn total_is(world: &mut HarnessWorld, expected: Money) -> StepResult {
    let order = successful_order(world)?;
    world.expect_money("cart total after discounts", expected.0, order.total_amount)
}

#[then(expr = "the item {string} is discounted by {money}")]
async fn item_discount(world: &mut HarnessWorld, product: String, expected: Money) -> StepResult {
    let order = successful_order(world)?;
    let item = order
        .items
        .iter()
        .find(|i| i.product.as_ref().and_then(|p| p.name.as_deref()) == Some(product.as_str()))
        .ok_or_else(|| world.failure(format!("the order has no item \"{product}\"")))?;
    world.expect_money(
        &format!("discount on \"{product}\""),
        expected.0,
        item.discount_amount,
    )
}

#[then(expr = "the coupon is refused because it {string}")]
#[then(expr = "the checkout is refused because the coupon {string}")]
async fn refused(world: &mut HarnessWorld, reason: String) -> StepResult {
    let expected = reason_key(world, &reason)?;
    let attempt = world.last_attempt()?;
    if attempt.succeeded() {
        return Err(world.failure(format!(
            "expected the coupon to be refused because it {reason} ({expected}), but it was accepted"
        )));
    }
    match attempt.refusal_key() {
        Some(key) if key == expected => Ok(()),
        other => Err(world.failure(format!(
            "expected refusal key {expected} (\"{reason}\"), got {}",
            other.unwrap_or_else(|| "no key".into())
        ))),
    }
}

#[then(expr = "no discount is applied")]
async fn no_discount(world: &mut HarnessWorld) -> StepResult {
    let attempt = world.last_attempt()?;
    if attempt.succeeded() {
        let discount = attempt.order().map_or(0, |o| o.total_discount_amount);
        return Err(world.failure(format!(
            "expected no discount, but the checkout was accepted with a discount of {}",
            format_minor(discount)
        )));
    }
    let discount = attempt.order().map_or(0, |o| o.total_discount_amount);
    world.expect_money("discount of the refused checkout", 0, discount)
}

#[then(expr = "{int} checkout(s) succeed(s)")]
async fn batch_succeeded(world: &mut HarnessWorld, expected: usize) -> StepResult {
    let batch = world.batch();
    let succeeded = batch.iter().filter(|a| a.succeeded()).count();
    if succeeded != expected {
        let outcomes: Vec<String> = batch.iter().map(Attempt::describe).collect();
        return Err(world.failure(format!(
            "expected {expected} successful checkout(s) of {}, got {succeeded}: {}",
            batch.len(),
            outcomes.join("; ")
        )));
    }
    Ok(())
}

#[then(expr = "{int} checkout(s) is/are refused because the coupon {string}")]
async fn batch_refused(world: &mut HarnessWorld, expected: usize, reason: String) -> StepResult {
    let key = reason_key(world, &reason)?;
    let batch = world.batch();
    let refused = batch
        .iter()
        .filter(|a| !a.succeeded() && a.refusal_key().as_deref() == Some(key))
        .count();
    if refused != expected {
        let outcomes: Vec<String> = batch.iter().map(Attempt::describe).collect();
        return Err(world.failure(format!(
            "expected {expected} checkout(s) refused with {key}, got {refused}: {}",
            outcomes.join("; ")
        )));
    }
    Ok(())
}
