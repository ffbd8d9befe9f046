//! The network between the shop and the API: unreachable, slow, failing or dropping calls, how
//! long the shop waits, and what its integration retried.

use std::time::{Duration, Instant};

use cucumber::{given, then, when};

use super::params::Money;
use super::world::{Attempt, HarnessWorld, StepFailure, StepResult};
use crate::client::{Client, ClientError, Timeouts};
use crate::emulator::conditions::FaultPlan;
use crate::model::{OrderInput, ValidationRequest};

/// Plain-language reasons a call got no usable answer.
const OUTAGES: &[(&str, &str)] = &[
    ("cannot be reached", "target unreachable"),
    ("did not answer in time", "a timeout"),
    ("dropped the connection", "a broken connection"),
    ("had an internal error", "HTTP 500"),
    ("is unavailable", "HTTP 503"),
];

fn matches_outage(reason: &str, e: &ClientError) -> bool {
    match reason {
        "cannot be reached" => matches!(e, ClientError::Unreachable { .. }),
        "did not answer in time" => matches!(e, ClientError::Timeout { .. }),
        "dropped the connection" => matches!(e, ClientError::Interrupted { .. }),
        "had an internal error" => e.status() == Some(500),
        "is unavailable" => e.status() == Some(503),
        _ => false,
    }
}

async fn inject(world: &mut HarnessWorld, plan: FaultPlan) -> StepResult {
    let (control, project) = world.control_plane()?;
    control
        .set_faults(&project, &plan)
        .await
        .map(|_| ())
        .map_err(|e| world.call_failed("setting the API's faults", &e))
}

#[given(expr = "the API cannot be reached")]
async fn unreachable(world: &mut HarnessWorld) -> StepResult {
    // A port that was free a moment ago: nothing listens there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| world.failure(format!("could not find a closed port: {e}")))?;
    let client = world
        .client()?
        .with_base_url(&format!("http://{closed}"))
        .map_err(|e| world.call_failed("pointing the shop at a closed port", &e))?;
    world.use_client(client);
    Ok(())
}

#[given(expr = "the API takes {int} second(s) to answer")]
async fn slow(world: &mut HarnessWorld, seconds: u64) -> StepResult {
    let plan = FaultPlan {
        latency_ms: seconds * 1_000,
        ..FaultPlan::default()
    };
    inject(world, plan).await
}

#[given(expr = "the shop's integration waits at most {int} second(s) for an answer")]
async fn patience(world: &mut HarnessWorld, seconds: u64) -> StepResult {
    let client = world.client()?;
    let timeouts = Timeouts {
        request: Duration::from_secs(seconds),
        ..client.timeouts()
    };
    let client = client.with_timeouts(timeouts);
    world.use_client(client);
    Ok(())
}

#[given(expr = "the API is unavailable for the next {int} call(s)")]
async fn unavailable(world: &mut HarnessWorld, count: u32) -> StepResult {
    let plan = FaultPlan {
        status: Some(503),
        count: Some(count),
        ..FaultPlan::default()
    };
    inject(world, plan).await
}

#[given(expr = "the API fails with an internal error on the next call")]
async fn internal_error(world: &mut HarnessWorld) -> StepResult {
    let plan = FaultPlan {
        status: Some(500),
        count: Some(1),
        ..FaultPlan::default()
    };
    inject(world, plan).await
}

#[given(expr = "the connection to the API drops on the next call")]
async fn drops(world: &mut HarnessWorld) -> StepResult {
    let plan = FaultPlan {
        drop: true,
        count: Some(1),
        ..FaultPlan::default()
    };
    inject(world, plan).await
}

/// The checkout request of `person` with the coupons `names`.
pub fn checkout_request(
    world: &HarnessWorld,
    person: &str,
    names: &[String],
    order: OrderInput,
) -> ValidationRequest {
    ValidationRequest {
        redeemables: names.iter().map(|n| world.redeemable(n)).collect(),
        order: Some(order),
        customer: Some(world.customer(person)),
        ..ValidationRequest::default()
    }
}

/// Validates (`redeem` false) or redeems through `client` (server- or client-side); every
/// answer, an error or none, is the attempt's outcome.
pub async fn attempt_with(
    client: &Client,
    client_side: bool,
    person: &str,
    names: &[String],
    request: &ValidationRequest,
    redeem: bool,
) -> Attempt {
    let mut attempt = Attempt {
        customer: person.to_string(),
        codes: names.to_vec(),
        ids: request.redeemables.iter().map(|r| r.id.clone()).collect(),
        validation: None,
        redemption: None,
        error: None,
    };
    let outcome = match (redeem, client_side) {
        (true, false) => client
            .redeem(request)
            .await
            .map(|r| attempt.redemption = Some(r)),
        (true, true) => client
            .client_redeem(request)
            .await
            .map(|r| attempt.redemption = Some(r)),
        (false, false) => client
            .validate(request)
            .await
            .map(|v| attempt.validation = Some(v)),
        (false, true) => client
            .client_validate(request)
            .await
            .map(|v| attempt.validation = Some(v)),
    };
    attempt.error = outcome.err();
    attempt
}

/// A checkout whose failure to get an answer is an outcome to check, not a failed step.
async fn try_checkout(
    world: &mut HarnessWorld,
    person: &str,
    name: String,
    amount: Money,
    redeem: bool,
) -> StepResult {
    let order = OrderInput {
        amount: Some(amount.0),
        ..OrderInput::default()
    };
    world.batch_start = world.attempts.len();
    let started = Instant::now();
    let names = [name];
    let request = checkout_request(world, person, &names, order);
    let client = world.client()?.clone();
    let attempt = attempt_with(&client, false, person, &names, &request, redeem).await;
    let elapsed = started.elapsed();
    let tries = client.log().last_call().len();
    world
        .remembered
        .insert("elapsed_ms".into(), elapsed.as_millis().to_string());
    world
        .remembered
        .insert("attempts".into(), tries.to_string());
    world.attempts.push(attempt);
    Ok(())
}

#[when(expr = "{word} tries to check out a cart of {money} with {string}")]
async fn tries_checkout(
    world: &mut HarnessWorld,
    person: String,
    amount: Money,
    name: String,
) -> StepResult {
    try_checkout(world, &person, name, amount, true).await
}

#[when(expr = "{word} tries to check {string} against a cart of {money}")]
async fn tries_check(
    world: &mut HarnessWorld,
    person: String,
    name: String,
    amount: Money,
) -> StepResult {
    try_checkout(world, &person, name, amount, false).await
}

#[then(expr = "the checkout fails because the API {string}")]
async fn fails_because(world: &mut HarnessWorld, reason: String) -> StepResult {
    let (_, meaning) = OUTAGES
        .iter()
        .find(|(phrase, _)| *phrase == reason)
        .ok_or_else(|| {
            let known: Vec<String> = OUTAGES.iter().map(|(p, _)| format!("\"{p}\"")).collect();
            world.failure(format!(
                "unknown reason \"{reason}\"; known reasons: {}",
                known.join(", ")
            ))
        })?;
    let attempt = world.last_attempt()?;
    match &attempt.error {
        Some(e) if matches_outage(&reason, e) => Ok(()),
        Some(e) => Err(world.failure(format!("expected {meaning}, got: {e}"))),
        None => Err(world.failure(format!(
            "expected {meaning}, but the checkout was {}",
            attempt.describe()
        ))),
    }
}

fn remembered(world: &HarnessWorld, what: &str) -> Result<u64, StepFailure> {
    world
        .remembered
        .get(what)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| world.failure("no checkout was tried in this scenario"))
}

#[then(expr = "the shop knows within {int} seconds")]
async fn knows_within(world: &mut HarnessWorld, seconds: u64) -> StepResult {
    let elapsed = remembered(world, "elapsed_ms")?;
    if elapsed < seconds * 1_000 {
        return Ok(());
    }
    Err(world.failure(format!(
        "the shop waited {elapsed} ms, more than {seconds} s"
    )))
}

#[then(expr = "the shop's integration sent it only once")]
async fn sent_once(world: &mut HarnessWorld) -> StepResult {
    let attempts = remembered(world, "attempts")?;
    if attempts == 1 {
        return Ok(());
    }
    Err(world.failure(format!(
        "the call was sent {attempts} times; a call that may have been applied must not be replayed"
    )))
}

#[then(expr = "the shop's integration retried {int} time(s)")]
async fn retried(world: &mut HarnessWorld, expected: u64) -> StepResult {
    let retries = remembered(world, "attempts")?.saturating_sub(1);
    if retries == expected {
        return Ok(());
    }
    Err(world.failure(format!(
        "expected {expected} retries, the shop's integration made {retries}"
    )))
}
