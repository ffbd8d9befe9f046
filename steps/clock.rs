//! Time: moving the project's clock on the emulator.

use cucumber::{given, when};

use super::world::{FailureKind, HarnessWorld, StepFailure, StepResult};
use crate::engine::time::DAY;

#[given(expr = "{int} day(s) pass(es)")]
#[when(expr = "{int} day(s) pass(es)")]
async fn days_pass(world: &mut HarnessWorld, days: i64) -> StepResult {
    let target = world.target()?;
    let project = world.project().and_then(|p| p.project_id.clone());
    let (true, Some(project)) = (target.has_control_plane(), project) else {
        return Err(StepFailure {
            kind: FailureKind::Error,
            message:
                "moving the clock needs the emulator's control plane; tag the scenario @emulator"
                    .into(),
            exchange: None,
        });
    };
    let control = target
        .anonymous_client()
        .map_err(|e| world.call_failed("reaching the control plane", &e))?;
    control
        .advance_clock(&project, &format!("P{days}D"))
        .await
        .map_err(|e| world.call_failed("moving the clock", &e))?;
    world.clock_moved(days * DAY);
    Ok(())
}
