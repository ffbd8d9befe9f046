//! Response shapes: a scenario pins the shape of the last answer to a snapshot in
//! `snapshots/` (ids, codes and times redacted), so the API contract cannot drift silently.

use cucumber::then;

use super::world::{HarnessWorld, StepResult};
use crate::shape;

#[then(expr = "the response has the shape of snapshot {string}")]
async fn has_shape(world: &mut HarnessWorld, name: String) -> StepResult {
    let exchange =
        world.client()?.log().last().ok_or_else(|| {
            world.failure("no request was made, so there is no response to compare")
        })?;
    let body = exchange
        .response_body
        .as_deref()
        .ok_or_else(|| world.failure("the last request got no answer"))?;
    let answer: serde_json::Value = serde_json::from_str(body)
        .map_err(|e| world.failure(format!("the answer is not JSON: {e}")))?;
    let path = shape::snapshot_dir().join(format!("{name}.snap"));
    let text = std::fs::read_to_string(&path).map_err(|e| {
        world.failure(format!(
            "cannot read the snapshot {}: {e} (snapshots are made by `cargo test --test snapshots`)",
            path.display()
        ))
    })?;
    let expected = shape::read_snapshot(&text)
        .map_err(|e| world.failure(format!("{}: {e}", path.display())))?;
    match shape::difference(&expected, &shape::redact(&answer)) {
        None => Ok(()),
        Some(d) => Err(world.failure(format!(
            "the answer does not have the shape of snapshot \"{name}\": {d}. If the change is \
             intended, update the snapshot with `cargo insta test --review` (or `cargo test --test \
             snapshots` then `cargo insta review`)"
        ))),
    }
}
