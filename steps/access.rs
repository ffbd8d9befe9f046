//! API keys: a shop that calls with wrong, missing or mixed-up keys, and how it is refused.

use cucumber::{given, then, when};

use super::world::{HarnessWorld, StepResult};
use crate::client::{Credentials, Secret};

#[given(expr = "the shop's integration uses a wrong secret key")]
async fn wrong_key(world: &mut HarnessWorld) -> StepResult {
    let client = world.client()?;
    let wrong = Credentials {
        app_id: client.app_id().unwrap_or("unknown-app").to_string(),
        secret_key: Secret::new("not-the-secret-key-of-this-project"),
    };
    let swapped = client.with_credentials(Some(wrong));
    world.use_client(swapped);
    Ok(())
}

#[given(expr = "the shop's integration sends no API keys")]
async fn no_keys(world: &mut HarnessWorld) -> StepResult {
    let keyless = world.client()?.with_credentials(None);
    world.use_client(keyless);
    Ok(())
}

#[given(expr = "the shop's integration uses the secret key of another project")]
async fn other_projects_key(world: &mut HarnessWorld) -> StepResult {
    let (control, _) = world.control_plane()?;
    let other = control
        .create_project("another project")
        .await
        .map_err(|e| world.call_failed("creating another project", &e))?;
    let client = world.client()?;
    let mixed = Credentials {
        app_id: client.app_id().unwrap_or("unknown-app").to_string(),
        secret_key: other.credentials().secret_key,
    };
    let swapped = client.with_credentials(Some(mixed));
    world.use_client(swapped);
    Ok(())
}

#[when(expr = "the shop looks up the coupon {string}")]
async fn look_up(world: &mut HarnessWorld, name: String) -> StepResult {
    let code = world.code(&name);
    let outcome = world
        .client()?
        .get_voucher(&code)
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

#[then(expr = "the request is refused as unauthorized")]
async fn unauthorized(world: &mut HarnessWorld) -> StepResult {
    match &world.last_call {
        Some(Err(e)) if e.status() == Some(401) && e.key() == Some("unauthorized") => Ok(()),
        Some(Err(e)) => Err(world.failure(format!("expected 401 unauthorized, got: {e}"))),
        Some(Ok(_)) => Err(world.failure("expected 401 unauthorized, but the request succeeded")),
        None => Err(world.failure("no request was made")),
    }
}
