//! Holds: a checkout that keeps a code (and the gift credits it takes) for a customer while
//! they pay, the order placed under that hold, and a hold the shop releases.

use cucumber::{given, then, when};
use serde_json::{Value, json};

use super::checkout::{cart, push, start_batch};
use super::params::Money;
use super::world::{HarnessWorld, StepResult};
use crate::model::{RedeemableRef, ValidationRequest};

/// Where a customer's held checkout is remembered for the order placed later.
fn held_key(person: &str) -> String {
    format!("hold of {person}")
}

/// Validates `redeemable` for `person` with a session that holds it; remembers the request
/// (with the session key the answer gave) so the order can be placed under the hold.
async fn hold(
    world: &mut HarnessWorld,
    person: &str,
    name: &str,
    redeemable: RedeemableRef,
    amount: i64,
    days: Option<i64>,
) -> StepResult {
    start_batch(world);
    let mut session = json!({"type": "LOCK"});
    if let Some(days) = days {
        session["ttl"] = json!(days);
        session["ttl_unit"] = json!("DAYS");
    }
    let mut request = ValidationRequest {
        redeemables: vec![redeemable],
        order: Some(cart(amount)),
        customer: Some(world.customer(person)),
        session: Some(session),
        ..ValidationRequest::default()
    };
    let (validation, error) = match world.client()?.validate(&request).await {
        Ok(v) => (Some(v), None),
        Err(e) => (None, Some(e)),
    };
    let key = validation
        .as_ref()
        .filter(|v| v.valid)
        .and_then(|v| v.session.as_ref())
        .and_then(|s| s.get("key"))
        .and_then(Value::as_str)
        .map(str::to_string);
    if let Some(validation) = validation.as_ref().filter(|v| v.valid) {
        let Some(key) = key else {
            return Err(world.failure(format!(
                "the code was accepted but the answer holds no session key: {:?}",
                validation.session
            )));
        };
        request.session = Some(json!({"type": "LOCK", "key": key}));
        let remembered = json!({"request": request, "name": name});
        world
            .remembered
            .insert(held_key(person), remembered.to_string());
    }
    let names = [name.to_string()];
    push(world, person, &names, &request, validation, None, error)
}

#[given(expr = "{word} holds {string} against a cart of {money}")]
#[when(expr = "{word} holds {string} against a cart of {money}")]
async fn holds(
    world: &mut HarnessWorld,
    person: String,
    name: String,
    amount: Money,
) -> StepResult {
    let r = world.redeemable(&name);
    hold(world, &person, &name, r, amount.0, None).await
}

#[given(expr = "{word} holds {string} against a cart of {money} for {int} day(s)")]
#[when(expr = "{word} holds {string} against a cart of {money} for {int} day(s)")]
async fn holds_for(
    world: &mut HarnessWorld,
    person: String,
    name: String,
    amount: Money,
    days: i64,
) -> StepResult {
    let r = world.redeemable(&name);
    hold(world, &person, &name, r, amount.0, Some(days)).await
}

#[given(expr = "{word} holds {money} of the gift card {string} against a cart of {money}")]
#[when(expr = "{word} holds {money} of the gift card {string} against a cart of {money}")]
async fn holds_credits(
    world: &mut HarnessWorld,
    person: String,
    credits: Money,
    name: String,
    amount: Money,
) -> StepResult {
    let r = RedeemableRef {
        gift: Some(json!({"credits": credits.0})),
        ..world.redeemable(&name)
    };
    hold(world, &person, &name, r, amount.0, None).await
}

#[when(expr = "{word} places her/his/their held order")]
async fn places_held_order(world: &mut HarnessWorld, person: String) -> StepResult {
    start_batch(world);
    let held: Value = world
        .remembered
        .get(&held_key(&person))
        .and_then(|raw| serde_json::from_str(raw).ok())
        .ok_or_else(|| world.failure(format!("{person} holds no code: hold one first")))?;
    let request: ValidationRequest = serde_json::from_value(held["request"].clone())
        .map_err(|e| world.failure(format!("the held checkout cannot be read back: {e}")))?;
    let name = held["name"].as_str().unwrap_or_default().to_string();
    let (redemption, error) = match world.client()?.redeem(&request).await {
        Ok(r) => (Some(r), None),
        Err(e) => (None, Some(e)),
    };
    // The redemption names the session whose hold it used.
    let key = request.session.as_ref().and_then(|s| s.get("key"));
    if let Some(r) = &redemption
        && let Some(named) = r.redemptions.iter().find(|r| r.session.is_some())
        && named.session.as_ref().and_then(|s| s.get("key")) != key
    {
        return Err(world.failure(format!(
            "the redemption names the session {:?}, the hold was {key:?}",
            named.session
        )));
    }
    push(world, &person, &[name], &request, None, redemption, error)
}

#[when(expr = "the shop releases {word}'s hold on {string}")]
async fn releases(world: &mut HarnessWorld, person: String, name: String) -> StepResult {
    let code = world.code(&name);
    let key = world
        .remembered
        .get(&held_key(&person))
        .and_then(|raw| serde_json::from_str::<Value>(raw).ok())
        .and_then(|held| {
            held["request"]["session"]["key"]
                .as_str()
                .map(str::to_string)
        })
        .unwrap_or_else(|| format!("no-hold-of-{person}"));
    let outcome = world.client()?.release_session(&code, &key).await;
    if let Err(e) = &outcome
        && e.is_outage()
    {
        return Err(world.call_failed("releasing the hold", e));
    }
    world.last_call = Some(outcome.map(|()| Value::Null));
    Ok(())
}

#[then(expr = "the release is refused because the hold does not exist")]
async fn release_refused(world: &mut HarnessWorld) -> StepResult {
    match &world.last_call {
        Some(Err(e))
            if e.status() == Some(404)
                && e.key() == Some("not_found")
                && e.body().and_then(|b| b.resource_type.as_deref()) == Some("session") =>
        {
            Ok(())
        }
        Some(Err(e)) => {
            Err(world.failure(format!("expected 404 not_found for the session, got: {e}")))
        }
        Some(Ok(_)) => Err(world.failure("expected the release to be refused, but it succeeded")),
        None => Err(world.failure("no release was asked for")),
    }
}
