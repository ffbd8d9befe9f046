//! Time: moving the project's clock on the emulator.

use cucumber::{given, when};

use super::world::{HarnessWorld, StepResult};
use crate::engine::time::DAY;

#[given(expr = "{int} day(s) pass(es)")]
#[when(expr = "{int} day(s) pass(es)")]
async fn days_pass(world: &mut HarnessWorld, days: i64) -> StepResult {
    let (control, project) = world.control_plane()?;
    control
        .advance_clock(&project, &format!("P{days}D"))
        .await
        .map_err(|e| world.call_failed("moving the clock", &e))?;
    world.clock_moved(days * DAY);
    Ok(())
}
