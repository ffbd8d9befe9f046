//! The client-side API: web pages and mobile apps that call with the project's public keys from
//! an allowed website, and what happens with the wrong website or in the wrong place.

use cucumber::{given, then, when};

use super::network::{attempt_with, checkout_request};
use super::params::{Money, Website};
use super::world::{FailureKind, HarnessWorld, StepFailure, StepResult};
use crate::client::{Client, ClientError, Limiter, RetryPolicy};
use crate::model::OrderInput;

/// The shop's website and another one, as browsers send them in `origin`.
const SHOP_WEBSITE: &str = "https://shop.example.com";
const OTHER_WEBSITE: &str = "https://elsewhere.example.net";

/// The customer a web page checks out for.
const VISITOR: &str = "Visitor";

/// A page loaded in a browser on `origin`: the public keys, no retries and no knowledge of
/// rate limits (a page's fetch neither retries nor waits). All pages share one log.
fn web_page(world: &HarnessWorld, origin: &str) -> Result<Client, StepFailure> {
    let page = world.web_page.as_ref().ok_or_else(|| {
        world.failure(
            "the shop has no client-side keys yet; add \"Given the shop allows client-side calls from its website\"",
        )
    })?;
    Ok(page
        .with_origin(Some(origin))
        .with_limiter(Limiter::default()))
}

/// A failure about the web pages' calls, showing the last one.
fn page_failure(world: &HarnessWorld, message: String) -> StepFailure {
    let exchange = world.web_page.as_ref().and_then(|p| {
        let attempts = p.log().last_call();
        (!attempts.is_empty()).then(|| attempts.iter().map(ToString::to_string).collect())
    });
    StepFailure {
        kind: FailureKind::Assertion,
        message,
        exchange,
    }
}

fn website(which: &str) -> &'static str {
    if which == "the shop's website" {
        SHOP_WEBSITE
    } else {
        OTHER_WEBSITE
    }
}

#[given(expr = "the shop allows client-side calls from its website")]
async fn allows(world: &mut HarnessWorld) -> StepResult {
    let (control, project) = world.control_plane()?;
    let access = control
        .set_client_side(&project, &[SHOP_WEBSITE])
        .await
        .map_err(|e| world.call_failed("allowing client-side calls", &e))?;
    let page = world
        .client()?
        .with_client_side(access.keys_for(None))
        .with_retry(RetryPolicy::none());
    world.web_page = Some(page);
    Ok(())
}

/// Checks or redeems from a page, `times` times; each answer is an attempt to check later.
async fn from_page(
    world: &mut HarnessWorld,
    which: &str,
    name: String,
    amount: Money,
    redeem: bool,
    times: usize,
) -> StepResult {
    let names = [name];
    let order = OrderInput {
        amount: Some(amount.0),
        ..OrderInput::default()
    };
    let request = checkout_request(world, VISITOR, &names, order);
    world.batch_start = world.attempts.len();
    for _ in 0..times {
        let page = web_page(world, website(which))?;
        let attempt = attempt_with(&page, true, VISITOR, &names, &request, redeem).await;
        if let Some(e) = &attempt.error {
            if e.is_transport() {
                return Err(world.call_failed("the web page's call", e));
            }
            world.last_call = Some(Err(e.clone()));
        }
        world.attempts.push(attempt);
    }
    Ok(())
}

#[when(expr = "a page on {website} checks {string} against a cart of {money}")]
async fn page_checks(
    world: &mut HarnessWorld,
    which: Website,
    name: String,
    amount: Money,
) -> StepResult {
    from_page(world, &which.0, name, amount, false, 1).await
}

#[when(expr = "a page on {website} checks {string} against a cart of {money} {int} times in a row")]
async fn page_checks_repeatedly(
    world: &mut HarnessWorld,
    which: Website,
    name: String,
    amount: Money,
    times: usize,
) -> StepResult {
    from_page(world, &which.0, name, amount, false, times).await
}

#[when(expr = "a customer on {website} checks out a cart of {money} with {string}")]
async fn page_redeems(
    world: &mut HarnessWorld,
    which: Website,
    amount: Money,
    name: String,
) -> StepResult {
    from_page(world, &which.0, name, amount, true, 1).await
}

#[when(expr = "the shop's server looks up the coupon {string} with the website's public keys")]
async fn server_with_public_keys(world: &mut HarnessWorld, name: String) -> StepResult {
    // The server's own retries and limiter, with the page's keys and no origin.
    let client = web_page(world, "")?
        .with_origin(None)
        .with_retry(world.client()?.retry_policy())
        .with_limiter(world.client()?.limiter().clone());
    let outcome = client
        .get_voucher(&world.code(&name))
        .await
        .map(|v| serde_json::to_value(v).unwrap_or_default());
    if let Err(e) = &outcome
        && e.is_transport()
    {
        return Err(world.call_failed("the lookup", e));
    }
    world.last_call = Some(outcome);
    Ok(())
}

#[then(expr = "{int} checks are accepted and {int} is refused for too many calls in a short time")]
async fn some_refused_for_rate(
    world: &mut HarnessWorld,
    accepted: usize,
    refused: usize,
) -> StepResult {
    let batch = world.batch();
    let ok = batch.iter().filter(|a| a.succeeded()).count();
    let limited = batch
        .iter()
        .filter(|a| matches!(a.error, Some(ClientError::RateLimited { sent: true, .. })))
        .count();
    if (ok, limited) == (accepted, refused) {
        return Ok(());
    }
    let outcomes: Vec<String> = batch.iter().map(|a| a.describe()).collect();
    let message = format!(
        "expected {accepted} accepted and {refused} refused for the rate limit, got {ok} and \
         {limited}: {}",
        outcomes.join("; ")
    );
    Err(page_failure(world, message))
}
