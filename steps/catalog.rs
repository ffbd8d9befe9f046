//! The shop's catalogue and customers: products with prices, and customer segments.

use cucumber::gherkin::Step;
use cucumber::given;

use super::params::Money;
use super::world::{HarnessWorld, StepResult};
use crate::model::{DiscountSpec, ProductInput, SegmentInput};

#[given(expr = "the shop sells:")]
async fn shop_sells(world: &mut HarnessWorld, step: &Step) -> StepResult {
    let table = step
        .table
        .as_ref()
        .ok_or_else(|| world.failure("this step needs a table with columns product and price"))?;
    for row in table.rows.iter().skip(1) {
        let name = row
            .first()
            .map(|c| c.trim().to_string())
            .unwrap_or_default();
        let price: Money = row
            .get(1)
            .map(|c| c.trim())
            .unwrap_or_default()
            .parse()
            .map_err(|e: String| world.failure(e))?;
        let input = ProductInput {
            source_id: Some(world.code(&name)),
            name: Some(name.clone()),
            price: Some(price.0),
            ..ProductInput::default()
        };
        let product =
            world.client()?.upsert_product(&input).await.map_err(|e| {
                world.call_failed(&format!("adding \"{name}\" to the catalogue"), &e)
            })?;
        world
            .remembered
            .insert(format!("product:{name}"), product.id);
    }
    Ok(())
}

/// A discount as the catalogue knows it: a free product named in the feature (`1 free "Mug"`)
/// becomes that product's source id in the scenario's catalogue.
pub fn in_catalogue(world: &HarnessWorld, mut discount: DiscountSpec) -> DiscountSpec {
    if discount.kind == "UNIT"
        && let Some(name) = discount.unit_type.take()
    {
        discount.unit_type = Some(world.code(&name));
    }
    discount
}

/// A reference to a catalogue product in rules and targets.
pub fn product_ref(world: &HarnessWorld, name: &str) -> serde_json::Value {
    serde_json::json!({
        "object": "product",
        "id": world.remembered.get(&format!("product:{name}")).cloned().unwrap_or_else(|| world.code(name)),
        "source_id": world.code(name),
    })
}

#[given(expr = "{word} is in the customer segment {string}")]
async fn in_segment(world: &mut HarnessWorld, person: String, segment: String) -> StepResult {
    let customer = world.customer(&person);
    let client = world.client()?;
    client
        .upsert_customer(&customer)
        .await
        .map_err(|e| world.call_failed(&format!("registering {person}"), &e))?;
    let created = client
        .create_segment(&SegmentInput {
            name: world.code(&segment),
            kind: "static".into(),
            customers: customer.source_id.clone().map(|s| vec![s]),
            filter: None,
        })
        .await
        .map_err(|e| world.call_failed(&format!("creating the segment \"{segment}\""), &e))?;
    world
        .remembered
        .insert(format!("segment:{segment}"), created.id);
    Ok(())
}
