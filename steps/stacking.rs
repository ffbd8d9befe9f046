//! Which deals combine: deal categories and the project's stacking rules (set through the
//! emulator's control plane; the real service sets them in its dashboard).

use cucumber::given;
use serde_json::{Value, json};

use super::params::Offer;
use super::promotions::category_id;
use super::world::{HarnessWorld, StepResult};
use crate::model::VoucherInput;
use crate::model::voucher::RedemptionLimit;

/// Merges `change` into the scenario's stacking rules and sends them to the project.
async fn set_rules(world: &mut HarnessWorld, change: Value) -> StepResult {
    let (control, project) = world.control_plane()?;
    if let Value::Object(map) = change {
        world.stacking.extend(map);
    }
    control
        .set_stacking_rules(&project, &Value::Object(world.stacking.clone()))
        .await
        .map(|_| ())
        .map_err(|e| world.call_failed("setting the stacking rules", &e))
}

async fn add_to(world: &mut HarnessWorld, list: &str, category: &str) -> StepResult {
    let id = category_id(world, category, None).await?;
    let mut ids: Vec<Value> = world
        .stacking
        .get(list)
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default();
    ids.push(json!(id));
    set_rules(world, json!({ list: ids })).await
}

#[given(expr = "the deal category {string} never stacks with other deals")]
async fn exclusive(world: &mut HarnessWorld, category: String) -> StepResult {
    add_to(world, "exclusive_categories", &category).await
}

#[given(expr = "the deal category {string} always stacks with other deals")]
async fn joint(world: &mut HarnessWorld, category: String) -> StepResult {
    add_to(world, "joint_categories", &category).await
}

#[given(expr = "the deal category {string} exists")]
async fn exists(world: &mut HarnessWorld, category: String) -> StepResult {
    category_id(world, &category, None).await.map(|_| ())
}

#[given(expr = "the deal category {string} ranks {int}")]
async fn ranks(world: &mut HarnessWorld, category: String, rank: i64) -> StepResult {
    category_id(world, &category, Some(rank)).await.map(|_| ())
}

#[given(expr = "the shop allows at most {int} deal(s) per checkout")]
async fn at_most(world: &mut HarnessWorld, limit: usize) -> StepResult {
    set_rules(world, json!({"applicable_redeemables_limit": limit})).await
}

#[given(expr = "the shop applies the usable deals when others cannot be used")]
async fn partial(world: &mut HarnessWorld) -> StepResult {
    set_rules(world, json!({"redeemables_application_mode": "PARTIAL"})).await
}

#[given(expr = "the shop applies deals in the order requested")]
async fn requested_order(world: &mut HarnessWorld) -> StepResult {
    set_rules(
        world,
        json!({"redeemables_sorting_rule": "REQUESTED_ORDER"}),
    )
    .await
}

#[given(expr = "the shop applies deals by category rank")]
async fn category_order(world: &mut HarnessWorld) -> StepResult {
    set_rules(
        world,
        json!({"redeemables_sorting_rule": "CATEGORY_HIERARCHY"}),
    )
    .await
}

#[given(expr = "a coupon {string} giving {offer} in the category {string}")]
async fn coupon_in_category(
    world: &mut HarnessWorld,
    name: String,
    offer: Offer,
    category: String,
) -> StepResult {
    let category_id = category_id(world, &category, None).await?;
    let input = VoucherInput {
        code: Some(world.code(&name)),
        kind: Some("DISCOUNT_VOUCHER".into()),
        discount: Some(offer.0),
        category_id: Some(category_id),
        redemption: Some(RedemptionLimit { quantity: None }),
        ..VoucherInput::default()
    };
    world
        .client()?
        .create_voucher(&input)
        .await
        .map(|_| ())
        .map_err(|e| world.call_failed(&format!("creating the coupon \"{name}\""), &e))
}
