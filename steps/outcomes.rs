//! What came of a checkout: discounts, totals, which deals applied, were skipped or refused,
//! and why, in the shop's words.

use cucumber::then;

use super::params::Money;
use super::world::{Attempt, HarnessWorld, StepFailure, StepResult};
use crate::engine::money::format_minor;

/// Plain-language reasons and the API error keys they stand for.
pub const REASONS: &[(&str, &str)] = &[
    ("has expired", "voucher_expired"),
    ("is not active yet", "voucher_not_active"),
    ("is disabled", "voucher_disabled"),
    ("does not exist", "not_found"),
    ("has already been used", "quantity_exceeded"),
    ("does not hold enough credits", "gift_amount_exceeded"),
    (
        "is the customer's own referral code",
        "referrer_not_permitted_to_redeem",
    ),
    ("is used without a customer", "missing_customer"),
];

/// Why a promotion is refused, in plain words, and the API keys.
pub const PROMOTION_REASONS: &[(&str, &str)] = &[
    ("does not qualify", "redemption_rules_violated"),
    ("has run out", "redemption_rules_violated"),
    ("needs a known customer", "missing_customer"),
    ("was not sent with its amount", "missing_amount"),
    ("was not sent with its items", "missing_order_items"),
    ("is switched off", "promotion_inactive"),
    ("has not started", "promotion_not_active_now"),
];

/// Why a deal is skipped, in plain words, and the API's reason keys.
pub const SKIP_REASONS: &[(&str, &str)] = &[
    (
        "another exclusive deal already applies",
        "applicable_exclusive_redeemables_limit_exceeded",
    ),
    ("an exclusive deal applies", "exclusion_rules_not_met"),
    (
        "too many deals are applied",
        "applicable_redeemables_limit_exceeded",
    ),
    (
        "its category already has a deal",
        "applicable_redeemables_per_category_limit_exceeded",
    ),
];

fn lookup(
    world: &HarnessWorld,
    table: &[(&str, &'static str)],
    phrase: &str,
    what: &str,
) -> Result<&'static str, StepFailure> {
    table
        .iter()
        .find(|(p, _)| *p == phrase)
        .map(|(_, key)| *key)
        .ok_or_else(|| {
            let known: Vec<String> = table.iter().map(|(p, _)| format!("\"{p}\"")).collect();
            world.failure(format!(
                "unknown {what} \"{phrase}\"; known: {}",
                known.join(", ")
            ))
        })
}

fn reason_key(world: &HarnessWorld, reason: &str) -> Result<&'static str, StepFailure> {
    lookup(world, REASONS, reason, "reason")
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
#[then(expr = "the promotion gives a discount of {money}")]
async fn discount_is(world: &mut HarnessWorld, expected: Money) -> StepResult {
    let order = successful_order(world)?;
    world.expect_money("total discount", expected.0, order.total_discount_amount)
}

#[then(expr = "the cart total is {money}")]
async fn total_is(world: &mut HarnessWorld, expected: Money) -> StepResult {
    let order = successful_order(world)?;
    world.expect_money("cart total after discounts", expected.0, order.total_amount)
}

#[then(expr = "the order holds {int} {string}, {int} of them free")]
async fn holds_free_units(
    world: &mut HarnessWorld,
    quantity: i64,
    product: String,
    free: i64,
) -> StepResult {
    let order = successful_order(world)?;
    let source_id = world.code(&product);
    let item = order
        .items
        .iter()
        .find(|i| {
            i.source_id.as_deref() == Some(source_id.as_str())
                || i.product.as_ref().and_then(|p| p.name.as_deref()) == Some(product.as_str())
        })
        .ok_or_else(|| world.failure(format!("the order holds no \"{product}\"")))?;
    let got = (item.quantity, item.discount_quantity.unwrap_or(0));
    if got == (quantity, free) {
        return Ok(());
    }
    Err(world.failure(format!(
        "expected {quantity} \"{product}\" with {free} free, the order holds {} with {} free",
        got.0, got.1
    )))
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

fn expect_refusal(
    world: &HarnessWorld,
    attempt: &Attempt,
    expected: &str,
    reason: &str,
) -> StepResult {
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

#[then(expr = "the coupon is refused because it {string}")]
#[then(expr = "the checkout is refused because the coupon {string}")]
async fn refused(world: &mut HarnessWorld, reason: String) -> StepResult {
    let expected = reason_key(world, &reason)?;
    expect_refusal(world, world.last_attempt()?, expected, &reason)
}

#[then(expr = "the promotion is refused because the cart {string}")]
#[then(expr = "the promotion is refused because it {string}")]
async fn promotion_refused(world: &mut HarnessWorld, reason: String) -> StepResult {
    let expected = lookup(world, PROMOTION_REASONS, &reason, "reason")?;
    expect_refusal(world, world.last_attempt()?, expected, &reason)
}

fn attempt_of<'a>(world: &'a HarnessWorld, person: &str) -> Result<&'a Attempt, StepFailure> {
    world
        .attempts
        .iter()
        .rev()
        .find(|a| a.customer == person)
        .ok_or_else(|| world.failure(format!("{person} has not checked out in this scenario")))
}

#[then(expr = "{word}'s checkout is refused because the cart {string}")]
#[then(expr = "{word}'s checkout is refused because the promotion {string}")]
async fn person_refused(world: &mut HarnessWorld, person: String, reason: String) -> StepResult {
    let expected = lookup(world, PROMOTION_REASONS, &reason, "reason")?;
    expect_refusal(world, attempt_of(world, &person)?, expected, &reason)
}

#[then(expr = "{word}'s checkout gets a discount of {money}")]
async fn person_discount(world: &mut HarnessWorld, person: String, expected: Money) -> StepResult {
    let attempt = attempt_of(world, &person)?;
    if !attempt.succeeded() {
        return Err(world.failure(format!(
            "{person}'s checkout was not accepted: {}",
            attempt.describe()
        )));
    }
    let actual = attempt.order().map_or(0, |o| o.total_discount_amount);
    world.expect_money(&format!("{person}'s discount"), expected.0, actual)
}

#[then(expr = "the shop is told {string}")]
async fn shop_is_told(world: &mut HarnessWorld, message: String) -> StepResult {
    let attempt = world.last_attempt()?;
    let told = attempt
        .error
        .as_ref()
        .and_then(|e| e.body())
        .and_then(|b| b.error.as_ref())
        .map(|m| m.message.clone())
        .or_else(|| {
            attempt.validation.as_ref().and_then(|v| {
                v.inapplicable_redeemables.iter().find_map(|r| {
                    r.result
                        .error
                        .as_ref()
                        .and_then(|e| e.error.as_ref())
                        .map(|m| m.message.clone())
                })
            })
        });
    match told {
        Some(text) if text == message => Ok(()),
        other => Err(world.failure(format!(
            "expected the shop to be told \"{message}\", got {other:?}"
        ))),
    }
}

fn outcome_of(world: &HarnessWorld, name: &str) -> Result<(String, Option<String>), StepFailure> {
    let attempt = world.last_attempt()?;
    let id = world.redeemable(name).id;
    attempt.outcome_of(&id).ok_or_else(|| {
        world.failure(format!(
            "the checkout's answer says nothing about \"{name}\": {}",
            attempt.describe()
        ))
    })
}

#[then(expr = "{string} is applied")]
#[then(expr = "the promotion {string} is applied")]
async fn applied(world: &mut HarnessWorld, name: String) -> StepResult {
    match outcome_of(world, &name)? {
        (status, _) if status == "APPLICABLE" => Ok(()),
        (status, key) => Err(world.failure(format!(
            "\"{name}\" should be applied, is {status} ({})",
            key.unwrap_or_default()
        ))),
    }
}

#[then(expr = "{string} is skipped because {string}")]
async fn skipped(world: &mut HarnessWorld, name: String, reason: String) -> StepResult {
    let expected = lookup(world, SKIP_REASONS, &reason, "reason to skip")?;
    match outcome_of(world, &name)? {
        (status, Some(key)) if status == "SKIPPED" && key == expected => Ok(()),
        (status, key) => Err(world.failure(format!(
            "\"{name}\" should be SKIPPED with {expected}, is {status} ({})",
            key.unwrap_or_default()
        ))),
    }
}

#[then(expr = "{string} is refused because it {string}")]
async fn deal_refused(world: &mut HarnessWorld, name: String, reason: String) -> StepResult {
    let expected = reason_key(world, &reason)?;
    match outcome_of(world, &name)? {
        (status, Some(key)) if status == "INAPPLICABLE" && key == expected => Ok(()),
        (status, key) => Err(world.failure(format!(
            "\"{name}\" should be INAPPLICABLE with {expected}, is {status} ({})",
            key.unwrap_or_default()
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
        return Err(world.failure(format!(
            "expected {expected} successful checkout(s) of {}, got {succeeded}: {}",
            batch.len(),
            tally(batch)
        )));
    }
    Ok(())
}

#[then(expr = "{int} checkout(s) is/are refused because the coupon {string}")]
async fn batch_refused(world: &mut HarnessWorld, expected: usize, reason: String) -> StepResult {
    let key = reason_key(world, &reason)?;
    count_refused(world, expected, key)
}

#[then(expr = "{int} checkout(s) is/are refused because the promotion {string}")]
async fn batch_refused_promotion(
    world: &mut HarnessWorld,
    expected: usize,
    reason: String,
) -> StepResult {
    let key = lookup(world, PROMOTION_REASONS, &reason, "reason")?;
    count_refused(world, expected, key)
}

fn count_refused(world: &HarnessWorld, expected: usize, key: &str) -> StepResult {
    let batch = world.batch();
    let refused = batch
        .iter()
        .filter(|a| !a.succeeded() && a.refusal_key().as_deref() == Some(key))
        .count();
    if refused != expected {
        return Err(world.failure(format!(
            "expected {expected} checkout(s) refused with {key}, got {refused}: {}",
            tally(batch)
        )));
    }
    Ok(())
}

/// "10 redeemed, 22 refused (redemption_rules_violated)": a batch at a glance.
fn tally(batch: &[Attempt]) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for a in batch {
        let label = if a.succeeded() {
            "succeeded".to_string()
        } else {
            format!(
                "refused ({})",
                a.refusal_key().unwrap_or_else(|| "no key".into())
            )
        };
        match counts.iter_mut().find(|(l, _)| *l == label) {
            Some((_, n)) => *n += 1,
            None => counts.push((label, 1)),
        }
    }
    let parts: Vec<String> = counts.iter().map(|(l, n)| format!("{n} {l}")).collect();
    parts.join(", ")
}
