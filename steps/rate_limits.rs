//! Rate limits: a Sandbox project's 100 calls an hour, a plan's calls per minute, what the API
//! tells the shop about its remaining calls, and the refusal once they are used up.

use cucumber::{given, then, when};

use super::params::Period;
use super::world::{HarnessWorld, StepResult};
use crate::client::ClientError;
use crate::emulator::conditions::{Mode, RateLimitChange};
use crate::engine::time::{HOUR, MINUTE};

async fn set_mode(world: &mut HarnessWorld, change: RateLimitChange) -> StepResult {
    let (control, project) = world.control_plane()?;
    control
        .set_rate_limit(&project, &change)
        .await
        .map(|_| ())
        .map_err(|e| world.call_failed("setting the project's rate limit", &e))
}

#[given(expr = "the shop uses a Sandbox project")]
async fn sandbox(world: &mut HarnessWorld) -> StepResult {
    let change = RateLimitChange {
        mode: Some(Mode::Sandbox),
        ..RateLimitChange::default()
    };
    set_mode(world, change).await
}

#[given(expr = "the shop's plan allows {int} calls a minute")]
async fn per_minute(world: &mut HarnessWorld, limit: u64) -> StepResult {
    let change = RateLimitChange {
        mode: Some(Mode::PerMinute),
        limit: Some(limit),
        ..RateLimitChange::default()
    };
    set_mode(world, change).await
}

#[given(expr = "the shop has already made {int} call(s) this {period}")]
async fn calls_made(world: &mut HarnessWorld, count: usize, _period: Period) -> StepResult {
    let client = world.client()?.clone();
    let query = [("limit", "1".to_string())];
    for n in 1..=count {
        client
            .list_vouchers(&query)
            .await
            .map_err(|e| world.call_failed(&format!("call {n} of {count}"), &e))?;
    }
    Ok(())
}

#[given(expr = "a(n) {period} passes")]
#[when(expr = "a(n) {period} passes")]
async fn time_passes(world: &mut HarnessWorld, period: Period) -> StepResult {
    let (control, project) = world.control_plane()?;
    let (iso, ms) = if period.0 == "hour" {
        ("PT1H", HOUR)
    } else {
        ("PT1M", MINUTE)
    };
    control
        .advance_clock(&project, iso)
        .await
        .map_err(|e| world.call_failed("moving the clock", &e))?;
    world.clock_moved(ms);
    Ok(())
}

#[then(expr = "the request is refused because the limit of {int} calls is used up")]
async fn refused_for_limit(world: &mut HarnessWorld, limit: u64) -> StepResult {
    match &world.last_call {
        Some(Err(ClientError::RateLimited {
            limit: Some(named),
            detail,
            ..
        })) if *named == limit && detail.contains(&format!("{limit} calls")) => Ok(()),
        Some(Err(e)) => Err(world.failure(format!(
            "expected a refusal naming the limit of {limit} calls, got: {e}"
        ))),
        Some(Ok(_)) => Err(world.failure(format!(
            "expected a refusal for the limit of {limit} calls, but the request succeeded"
        ))),
        None => Err(world.failure("no request was made")),
    }
}

#[then(expr = "the shop is told it has {int} call(s) left")]
async fn calls_left(world: &mut HarnessWorld, expected: u64) -> StepResult {
    let last = world
        .client()?
        .log()
        .last()
        .ok_or_else(|| world.failure("no call was made"))?;
    let told = last.rate_limit_header("x-rate-limit-remaining");
    if told == Some(expected.to_string().as_str()) {
        return Ok(());
    }
    Err(world.failure(format!(
        "expected X-Rate-Limit-Remaining {expected}, the answer said {}",
        told.unwrap_or("nothing")
    )))
}

#[then(expr = "the coupon {string} is found")]
async fn found(world: &mut HarnessWorld, name: String) -> StepResult {
    match &world.last_call {
        Some(Ok(v)) if v["code"] == world.code(&name).as_str() => Ok(()),
        Some(Ok(v)) => Err(world.failure(format!("a different coupon came back: {}", v["code"]))),
        Some(Err(e)) => Err(world.failure(format!("expected the coupon \"{name}\", got: {e}"))),
        None => Err(world.failure("no lookup was made")),
    }
}
