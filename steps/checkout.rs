//! Checkouts: a customer validates or redeems codes against a cart, and what came of it.

use cucumber::gherkin::Step;
use cucumber::{given, when};

use super::params::Money;
use super::world::{Attempt, HarnessWorld, StepFailure, StepResult};
use crate::model::order::ItemProduct;
use crate::model::{OrderInput, OrderItemInput, ValidationRequest};

pub(super) fn cart(amount: i64) -> OrderInput {
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
        redeemables: names.iter().map(|n| world.redeemable(n)).collect(),
        order: Some(order),
        customer: Some(world.customer(person)),
        ..ValidationRequest::default()
    };
    let client = world.client()?;
    if redeem {
        let outcome = client.redeem(&request).await;
        record(world, person, names, &request, None, outcome)
    } else {
        let outcome = client.validate(&request).await;
        let (validation, error) = match outcome {
            Ok(v) => (Some(v), None),
            Err(e) => (None, Some(e)),
        };
        push(world, person, names, &request, validation, None, error)
    }
}

/// Records a redemption's outcome as an attempt.
fn record(
    world: &mut HarnessWorld,
    person: &str,
    names: &[String],
    request: &ValidationRequest,
    validation: Option<crate::model::ValidationResponse>,
    outcome: Result<crate::model::RedemptionResponse, crate::client::ClientError>,
) -> StepResult {
    let (redemption, error) = match outcome {
        Ok(r) => (Some(r), None),
        Err(e) => (None, Some(e)),
    };
    push(world, person, names, request, validation, redemption, error)
}

pub(super) fn push(
    world: &mut HarnessWorld,
    person: &str,
    names: &[String],
    request: &ValidationRequest,
    validation: Option<crate::model::ValidationResponse>,
    redemption: Option<crate::model::RedemptionResponse>,
    error: Option<crate::client::ClientError>,
) -> StepResult {
    if let Some(e) = &error
        && e.is_outage()
    {
        return Err(world.call_failed("the checkout", e));
    }
    world.attempts.push(Attempt {
        customer: person.to_string(),
        codes: names.to_vec(),
        ids: request.redeemables.iter().map(|r| r.id.clone()).collect(),
        validation,
        redemption,
        error,
    });
    Ok(())
}

pub(super) fn start_batch(world: &mut HarnessWorld) {
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

#[when(expr = "{word} checks out a cart of {money} with {string}, {string} and {string}")]
async fn checks_out_three(
    world: &mut HarnessWorld,
    person: String,
    amount: Money,
    first: String,
    second: String,
    third: String,
) -> StepResult {
    start_batch(world);
    checkout(
        world,
        &person,
        &[first, second, third],
        cart(amount.0),
        true,
    )
    .await
}

#[when(expr = "an anonymous shopper checks out a cart of {money} with {string}")]
async fn anonymous(world: &mut HarnessWorld, amount: Money, name: String) -> StepResult {
    start_batch(world);
    let request = ValidationRequest {
        redeemables: vec![world.redeemable(&name)],
        order: Some(cart(amount.0)),
        ..ValidationRequest::default()
    };
    let outcome = world.client()?.redeem(&request).await;
    record(
        world,
        "an anonymous shopper",
        &[name],
        &request,
        None,
        outcome,
    )
}

#[when(expr = "{int} customers check out a cart of {money} with {string} at the same time")]
async fn at_once(
    world: &mut HarnessWorld,
    count: usize,
    amount: Money,
    name: String,
) -> StepResult {
    start_batch(world);
    let client = world.client()?.clone();
    let requests: Vec<(String, ValidationRequest)> = (1..=count)
        .map(|i| {
            let person = format!("Customer-{i}");
            let request = ValidationRequest {
                redeemables: vec![world.redeemable(&name)],
                order: Some(cart(amount.0)),
                customer: Some(world.customer(&person)),
                ..ValidationRequest::default()
            };
            (person, request)
        })
        .collect();
    let outcomes = futures::future::join_all(requests.iter().map(|(_, r)| client.redeem(r))).await;
    for ((person, request), outcome) in requests.iter().zip(outcomes) {
        record(
            world,
            person,
            std::slice::from_ref(&name),
            request,
            None,
            outcome,
        )?;
    }
    Ok(())
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

#[when(expr = "{word} checks {string} without sending the cart")]
async fn validates_without_cart(
    world: &mut HarnessWorld,
    person: String,
    name: String,
) -> StepResult {
    start_batch(world);
    let request = ValidationRequest {
        redeemables: vec![world.redeemable(&name)],
        customer: Some(world.customer(&person)),
        ..ValidationRequest::default()
    };
    let outcome = world.client()?.validate(&request).await;
    let (validation, error) = match outcome {
        Ok(v) => (Some(v), None),
        Err(e) => (None, Some(e)),
    };
    push(world, &person, &[name], &request, validation, None, error)
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
            product: Some(Box::new(ItemProduct {
                name: Some(name),
                price: Some(unit.0),
                ..ItemProduct::default()
            })),
            ..OrderItemInput::default()
        });
    }
    Ok(OrderInput {
        items: Some(items),
        ..OrderInput::default()
    })
}
