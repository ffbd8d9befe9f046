//! `run --plan`: the calls each scenario of a selection makes, measured by running it on an
//! embedded emulator (nothing is sent anywhere else). For the live target the rehearsal takes
//! the live path (one shared project, prefixes, the ledger) and ends with the cleanup, so the
//! plan also counts the calls that delete what the run creates; a live run compares the total
//! with its call budget before it starts, and paces its scenarios by their planned calls.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::SocketAddr;

use super::runner::{RunConfig, RunError, location, run_measured};
use crate::client::{Credentials, Secret};
use crate::emulator::{Emulator, ProjectSpec, Running};
use crate::report::Status;
use crate::target::{LiveOptions, TargetConfig, TargetError, TargetKind};

/// One scenario of the plan.
#[derive(Debug, Clone)]
pub struct ScenarioPlan {
    pub path: String,
    pub line: usize,
    pub name: String,
    /// API calls it made in the rehearsal.
    pub calls: u64,
    /// Calls that delete what it created (live target).
    pub cleanup: u64,
    /// Why the target does not run it (`@emulator` on the live target).
    pub skipped: Option<String>,
    /// How it ended in the rehearsal (a failed one may make fewer calls on the target).
    pub status: Status,
}

/// The calls a selection makes on a target.
#[derive(Debug, Clone)]
pub struct Plan {
    pub target: TargetKind,
    pub scenarios: Vec<ScenarioPlan>,
    /// Calls the cleanup at the end makes (live target).
    pub cleanup_calls: u64,
    /// The call that checks the target and the keys before the first scenario (live target).
    pub probe_calls: u64,
}

impl Plan {
    /// Calls of the scenarios the target runs.
    pub fn scenario_calls(&self) -> u64 {
        self.scenarios.iter().map(|s| s.calls).sum()
    }

    pub fn run_count(&self) -> usize {
        self.scenarios
            .iter()
            .filter(|s| s.skipped.is_none())
            .count()
    }

    /// Every call of a run of this selection.
    pub fn total(&self) -> u64 {
        self.scenario_calls() + self.cleanup_calls + self.probe_calls
    }

    /// Where the total comes from, in words.
    fn breakdown(&self) -> String {
        let mut out = format!(
            "{} in {} scenario(s)",
            self.scenario_calls(),
            self.run_count()
        );
        if self.target == TargetKind::Live {
            out.push_str(&format!(
                ", {} to delete what they create, {} to check the keys",
                self.cleanup_calls, self.probe_calls
            ));
        }
        out
    }

    /// Why a live run of this selection does not start with `budget`.
    pub fn refusal(&self, budget: u64) -> String {
        format!(
            "this selection needs {} API calls ({}), more than the call budget of {budget} \
             (--call-budget; a Sandbox project allows 100 calls an hour). Run fewer scenarios \
             (a folder, a file, --tags \"@smoke\") or raise --call-budget; \
             `run --target live --plan` lists the calls of each scenario",
            self.total(),
            self.breakdown()
        )
    }

    /// The plan as a table for people.
    pub fn render(&self, budget: Option<u64>) -> String {
        let mut out = String::new();
        let live = self.target == TargetKind::Live;
        let _ = writeln!(
            out,
            "Calls each scenario makes on the {} (measured on an embedded emulator; nothing was \
             sent anywhere else):",
            if live { "live target" } else { "emulator" }
        );
        for s in &self.scenarios {
            let at = format!("{}:{}", s.path, s.line);
            match &s.skipped {
                Some(why) => {
                    let _ = writeln!(out, "  {:>5}  {at}  {} (skipped: {why})", "-", s.name);
                }
                None => {
                    let delete = if live {
                        format!(" +{:<3}", s.cleanup)
                    } else {
                        String::new()
                    };
                    let failed = if s.status == Status::Passed {
                        ""
                    } else {
                        " (did not pass in the rehearsal: it may make more calls)"
                    };
                    let _ = writeln!(out, "  {:>5}{delete}  {at}  {}{failed}", s.calls, s.name);
                }
            }
        }
        let skipped = self.scenarios.len() - self.run_count();
        let _ = write!(
            out,
            "{} API calls in all: {}",
            self.total(),
            self.breakdown()
        );
        if skipped > 0 {
            let _ = write!(out, "; {skipped} scenario(s) skipped on this target");
        }
        let _ = writeln!(out, ".");
        if live {
            let _ = writeln!(
                out,
                "(+N: the calls that delete what the scenario creates, at the end of the run)"
            );
        }
        if let Some(budget) = budget {
            if self.total() > budget {
                let _ = writeln!(
                    out,
                    "A live run of this selection would not start: {}.",
                    self.refusal(budget)
                );
            } else {
                let _ = writeln!(
                    out,
                    "A live run of this selection fits the call budget of {budget}."
                );
            }
        }
        out
    }
}

/// Keys of the rehearsal's emulator (never a real project's).
const REHEARSAL_APP_ID: &str = "plan-rehearsal";
const REHEARSAL_SECRET: &str = "plan-rehearsal-secret";

/// Rehearses the selection on an embedded emulator and counts each scenario's calls.
pub async fn plan(config: &RunConfig) -> Result<Plan, RunError> {
    let kind = config.target.kind;
    let mut rehearsal = RunConfig {
        junit: None,
        cucumber_json: None,
        html: None,
        messages: None,
        request_log: None,
        quiet: true,
        retries: 0,
        fail_fast: false,
        ..config.clone()
    };
    let mut embedded = None;
    rehearsal.target = match kind {
        TargetKind::Emulator => TargetConfig {
            base_url: None,
            live: LiveOptions::default(),
            ..config.target.clone()
        },
        TargetKind::Live => {
            let emulator = Emulator::new(
                ProjectSpec {
                    name: Some("Plan rehearsal".into()),
                    app_id: Some(REHEARSAL_APP_ID.into()),
                    secret_key: Some(REHEARSAL_SECRET.into()),
                },
                crate::emulator::clock::wall_now(),
            );
            let running = Running::start(emulator, SocketAddr::from(([127, 0, 0, 1], 0)))
                .await
                .map_err(|e| RunError::Target(TargetError::Embedded(e)))?;
            let target = TargetConfig {
                kind: TargetKind::Live,
                base_url: Some(running.url()),
                credentials: Some(Credentials {
                    app_id: REHEARSAL_APP_ID.into(),
                    secret_key: Secret::new(REHEARSAL_SECRET),
                }),
                pace: None,
                live: LiveOptions {
                    rehearsal: true,
                    keep_data: false,
                    ledger_dir: None,
                    plan: None,
                    ..config.target.live.clone()
                },
                ..config.target.clone()
            };
            embedded = Some(running);
            target
        }
    };
    // Boxed: a live run plans through here, and the rehearsal is a run of its own.
    let (report, measured) = Box::pin(run_measured(rehearsal, true)).await?;
    if let Some(running) = embedded {
        running.stop().await;
    }
    let calls: HashMap<String, u64> = measured
        .calls
        .iter()
        .map(|(path, line, _, n)| (location(path, *line), *n))
        .collect();
    // The deletions of each scenario's objects.
    let mut deletions: HashMap<String, u64> = HashMap::new();
    for e in crate::cleanup::deletions(&measured.created) {
        *deletions.entry(e.scenario).or_insert(0) += 1;
    }
    let mut scenarios = Vec::new();
    for (f, s) in report.scenarios() {
        let path = crate::report::junit::shown_path(f);
        let at = location(&path, s.line);
        let skipped =
            (s.status == Status::Skipped).then(|| s.skip_reason.clone().unwrap_or_default());
        scenarios.push(ScenarioPlan {
            name: s.display_name(),
            calls: if skipped.is_some() {
                0
            } else {
                calls.get(&at).copied().unwrap_or(0)
            },
            cleanup: deletions.get(&at).copied().unwrap_or(0),
            skipped,
            status: s.status,
            path,
            line: s.line,
        });
    }
    Ok(Plan {
        target: kind,
        scenarios,
        cleanup_calls: measured.cleanup.map(|c| c.calls).unwrap_or(0),
        probe_calls: if kind == TargetKind::Live { 1 } else { 0 },
    })
}
