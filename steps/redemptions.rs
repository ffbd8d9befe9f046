//! Redemption records: rollbacks, the order a redemption leaves, and the redemption lists.

use cucumber::{given, then, when};

use super::world::{HarnessWorld, StepResult};
use crate::model::RollbackRequest;

/// Plain-language reasons a rollback is refused, and their API keys.
const ROLLBACK_REASONS: &[(&str, &str)] = &[
    ("was already rolled back", "already_rolled_back"),
    ("is part of a stack", "invalid_redemption_parent"),
];

async fn roll_back(world: &mut HarnessWorld, person: &str) -> StepResult {
    let attempt = world.redemption_of(person)?;
    let id = attempt
        .redemption_id()
        .ok_or_else(|| world.failure(format!("{person}'s redemption has no id")))?
        .to_string();
    let stacked = attempt
        .redemption
        .as_ref()
        .is_some_and(|r| r.parent_redemption.is_some());
    let client = world.client()?;
    let request = RollbackRequest {
        reason: Some("scenario rollback".into()),
        ..RollbackRequest::default()
    };
    let outcome = if stacked {
        client
            .rollback_stacked(&id, &request)
            .await
            .map(|r| serde_json::to_value(r).unwrap_or_default())
    } else {
        client
            .rollback(&id, &request)
            .await
            .map(|r| serde_json::to_value(r).unwrap_or_default())
    };
    if let Err(e) = &outcome
        && e.is_transport()
    {
        return Err(world.call_failed("the rollback", e));
    }
    world.last_call = Some(outcome);
    Ok(())
}

#[given(expr = "{word}'s redemption has been rolled back")]
#[given(expr = "{word}'s redemption is rolled back")]
#[when(expr = "{word}'s redemption is rolled back")]
async fn rolled_back(world: &mut HarnessWorld, person: String) -> StepResult {
    roll_back(world, &person).await?;
    match &world.last_call {
        Some(Err(e)) => Err(world.call_failed(&format!("rolling back {person}'s redemption"), e)),
        _ => Ok(()),
    }
}

#[when(expr = "{word}'s redemption is rolled back again")]
async fn rolled_back_again(world: &mut HarnessWorld, person: String) -> StepResult {
    roll_back(world, &person).await
}

#[then(expr = "the rollback is refused because the redemption {string}")]
async fn rollback_refused(world: &mut HarnessWorld, reason: String) -> StepResult {
    let key = ROLLBACK_REASONS
        .iter()
        .find(|(p, _)| *p == reason)
        .map(|(_, k)| *k)
        .ok_or_else(|| world.failure(format!("unknown rollback reason \"{reason}\"")))?;
    match &world.last_call {
        Some(Err(e)) if e.key() == Some(key) => Ok(()),
        Some(Err(e)) => Err(world.failure(format!(
            "expected the rollback to be refused with {key}, got: {e}"
        ))),
        Some(Ok(_)) => Err(world.failure(format!(
            "expected the rollback to be refused with {key}, but it succeeded"
        ))),
        None => Err(world.failure("no rollback was attempted")),
    }
}

async fn order_of(
    world: &HarnessWorld,
    person: &str,
) -> Result<crate::model::Order, super::world::StepFailure> {
    let attempt = world.redemption_of(person)?;
    let id = attempt
        .order()
        .and_then(|o| o.id.clone())
        .ok_or_else(|| world.failure(format!("{person}'s redemption answer names no order")))?;
    world
        .client()?
        .get_order(&id)
        .await
        .map_err(|e| world.call_failed(&format!("reading {person}'s order"), &e))
}

#[then(expr = "{word}'s order is paid and records the redemption of {string}")]
async fn order_records(world: &mut HarnessWorld, person: String, name: String) -> StepResult {
    let order = order_of(world, &person).await?;
    if order.status.as_deref() != Some("PAID") {
        return Err(world.failure(format!(
            "{person}'s order should be PAID, is {:?}",
            order.status
        )));
    }
    let redemption_id = world
        .redemption_of(&person)?
        .redemption_id()
        .unwrap_or_default()
        .to_string();
    let code = world.code(&name);
    let voucher = world
        .client()?
        .get_voucher(&code)
        .await
        .map_err(|e| world.call_failed(&format!("reading \"{name}\""), &e))?;
    let entries = order.redemption_entries();
    let Some((_, entry)) = entries.iter().find(|(id, _)| *id == redemption_id) else {
        let ids: Vec<&str> = entries.iter().map(|(id, _)| id.as_str()).collect();
        return Err(world.failure(format!(
            "{person}'s order should list redemption {redemption_id}; it lists: {}",
            ids.join(", ")
        )));
    };
    let names_voucher = entry.related_object_id == voucher.id
        || entry
            .stacked
            .as_ref()
            .is_some_and(|children| !children.is_empty());
    if !names_voucher {
        return Err(world.failure(format!(
            "the order's redemption entry points at {} {}, not at \"{name}\" ({})",
            entry.related_object_type, entry.related_object_id, voucher.id
        )));
    }
    Ok(())
}

#[then(expr = "{word}'s order is canceled")]
async fn order_canceled(world: &mut HarnessWorld, person: String) -> StepResult {
    let order = order_of(world, &person).await?;
    if order.status.as_deref() != Some("CANCELED") {
        return Err(world.failure(format!(
            "{person}'s order should be CANCELED, is {:?}",
            order.status
        )));
    }
    world.expect_money(
        &format!("discount left on {person}'s canceled order"),
        0,
        order.total_discount_amount,
    )
}

#[then(expr = "the redemption list shows a successful redemption of {string} by {word}")]
async fn listed(world: &mut HarnessWorld, name: String, person: String) -> StepResult {
    let customer = world.customer(&person).source_id.unwrap_or_default();
    let code = world.code(&name);
    let query = [
        ("customer", customer),
        ("result", "SUCCESS".to_string()),
        ("limit", "100".to_string()),
    ];
    let list = world
        .client()?
        .list_redemptions(&query)
        .await
        .map_err(|e| world.call_failed("listing redemptions", &e))?;
    let found = list.items.iter().any(|r| {
        r.get("object").and_then(|o| o.as_str()) == Some("redemption")
            && r.pointer("/voucher/code").and_then(|c| c.as_str()) == Some(code.as_str())
    });
    if !found {
        return Err(world.failure(format!(
            "the redemption list for {person} ({} entries) has no successful redemption of \"{name}\"",
            list.items.len()
        )));
    }
    Ok(())
}

#[then(expr = "the history of {string} lists {int} redemption(s)")]
async fn history(world: &mut HarnessWorld, name: String, expected: u64) -> StepResult {
    let code = world.code(&name);
    let list = world
        .client()?
        .voucher_redemptions(&code)
        .await
        .map_err(|e| world.call_failed(&format!("reading the history of \"{name}\""), &e))?;
    if list.total != expected {
        return Err(world.failure(format!(
            "the history of \"{name}\" should list {expected} redemption(s), lists {}",
            list.total
        )));
    }
    Ok(())
}
