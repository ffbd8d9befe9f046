//! A cucumber writer that turns the run's events into a [`RunReport`] and prints progress.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use cucumber::event::{
    self, Cucumber, Feature, RetryableScenario, Rule, Scenario, Step, StepError,
};
use cucumber::{Event, World, Writer, cli, gherkin, parser};

use super::terminal::Terminal;
use super::{FeatureReport, RunReport, ScenarioReport, Status, StepReport};

/// Collects results into a shared [`RunReport`] (read it after the run).
pub struct Collector {
    report: Arc<Mutex<RunReport>>,
    terminal: Terminal,
    /// Feature path or name → index in the report.
    features: HashMap<String, usize>,
    /// Running scenarios: (feature index, scenario line, scenario column) → start time.
    started: HashMap<(usize, usize, usize), SystemTime>,
    run_started: Option<SystemTime>,
}

impl Collector {
    pub fn new(report: Arc<Mutex<RunReport>>, terminal: Terminal) -> Self {
        Self {
            report,
            terminal,
            features: HashMap::new(),
            started: HashMap::new(),
            run_started: None,
        }
    }

    fn with_report<T>(&self, f: impl FnOnce(&mut RunReport) -> T) -> T {
        let mut report = self.report.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut report)
    }

    fn feature_index(&mut self, feature: &gherkin::Feature) -> usize {
        let key = feature_key(feature);
        if let Some(i) = self.features.get(&key) {
            return *i;
        }
        let index = self.with_report(|r| {
            r.features.push(FeatureReport {
                name: feature.name.clone(),
                path: feature.path.clone(),
                tags: feature.tags.clone(),
                scenarios: Vec::new(),
            });
            r.features.len() - 1
        });
        self.features.insert(key, index);
        index
    }

    fn scenario_started(
        &mut self,
        feature: &gherkin::Feature,
        rule: Option<&gherkin::Rule>,
        sc: &gherkin::Scenario,
        at: SystemTime,
    ) {
        let fi = self.feature_index(feature);
        let mut steps = Vec::new();
        let backgrounds = feature
            .background
            .iter()
            .chain(rule.and_then(|r| r.background.as_ref()));
        for bg in backgrounds {
            steps.extend(bg.steps.iter().map(|s| step_report(s, true)));
        }
        steps.extend(sc.steps.iter().map(|s| step_report(s, false)));
        let mut tags = feature.tags.clone();
        if let Some(r) = rule {
            tags.extend(r.tags.iter().cloned());
        }
        tags.extend(sc.tags.iter().cloned());
        let report = ScenarioReport {
            name: sc.name.clone(),
            example: example_values(sc),
            line: sc.position.line,
            tags,
            steps,
            status: Status::Pending,
            duration: Duration::ZERO,
            skip_reason: None,
        };
        self.with_report(|r| r.features[fi].scenarios.push(report));
        self.started
            .insert((fi, sc.position.line, sc.position.col), at);
    }

    fn step_event(
        &mut self,
        feature: &gherkin::Feature,
        sc: &gherkin::Scenario,
        step: &gherkin::Step,
        background: bool,
        ev: &Step<impl World>,
    ) {
        let fi = self.feature_index(feature);
        let (status, error) = match ev {
            Step::Started => return,
            Step::Passed(..) => (Status::Passed, None),
            Step::Skipped => (
                Status::Skipped,
                Some("no step definition matches this step".to_string()),
            ),
            Step::Failed(_, _, _, err) => (Status::Failed, Some(error_text(err))),
        };
        self.with_report(|r| {
            if let Some(s) = find_scenario(&mut r.features[fi], sc)
                && let Some(st) = s.steps.iter_mut().find(|st| {
                    st.line == step.position.line
                        && st.from_background == background
                        && st.status == Status::Pending
                })
            {
                st.status = status;
                st.error = error;
            }
        });
    }

    fn hook_failed(
        &mut self,
        feature: &gherkin::Feature,
        sc: &gherkin::Scenario,
        info: &event::Info,
    ) {
        let fi = self.feature_index(feature);
        let message = format!("a hook failed: {}", panic_text(info));
        self.with_report(|r| {
            if let Some(s) = find_scenario(&mut r.features[fi], sc)
                && let Some(first) = s.steps.first_mut()
            {
                first.status = Status::Failed;
                first.error = Some(message);
            }
        });
    }

    fn scenario_finished(
        &mut self,
        feature: &gherkin::Feature,
        sc: &gherkin::Scenario,
        at: SystemTime,
    ) {
        let fi = self.feature_index(feature);
        let started = self
            .started
            .remove(&(fi, sc.position.line, sc.position.col))
            .unwrap_or(at);
        let finished = self.with_report(|r| {
            let feature_name = r.features[fi].name.clone();
            let s = find_scenario(&mut r.features[fi], sc)?;
            s.duration = at.duration_since(started).unwrap_or_default();
            s.status = if s.steps.iter().any(|st| st.status == Status::Failed) {
                Status::Failed
            } else if s.steps.iter().any(|st| st.status == Status::Skipped) {
                Status::Skipped
            } else if s.steps.iter().all(|st| st.status == Status::Passed) {
                Status::Passed
            } else {
                Status::Failed
            };
            if s.status == Status::Skipped {
                s.skip_reason = s.steps.iter().find_map(|st| st.error.clone());
            }
            Some((feature_name, s.clone()))
        });
        if let Some((feature_name, s)) = finished {
            self.terminal.scenario(&feature_name, &s);
        }
    }
}

fn feature_key(feature: &gherkin::Feature) -> String {
    feature
        .path
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| feature.name.clone())
}

fn find_scenario<'a>(
    feature: &'a mut FeatureReport,
    sc: &gherkin::Scenario,
) -> Option<&'a mut ScenarioReport> {
    feature
        .scenarios
        .iter_mut()
        .rev()
        .find(|s| s.line == sc.position.line && s.name == sc.name)
}

fn step_report(step: &gherkin::Step, from_background: bool) -> StepReport {
    StepReport {
        keyword: step.keyword.trim().to_string(),
        text: step.value.clone(),
        line: step.position.line,
        status: Status::Pending,
        error: None,
        from_background,
    }
}

/// `header → value` of the one Examples row an expanded outline scenario carries.
fn example_values(sc: &gherkin::Scenario) -> Vec<(String, String)> {
    let Some(table) = sc.examples.first().and_then(|e| e.table.as_ref()) else {
        return Vec::new();
    };
    match (table.rows.first(), table.rows.get(1)) {
        (Some(header), Some(values)) => {
            header.iter().cloned().zip(values.iter().cloned()).collect()
        }
        _ => Vec::new(),
    }
}

fn panic_text(info: &event::Info) -> String {
    if let Some(s) = info.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = info.downcast_ref::<&str>() {
        (*s).to_string()
    } else {
        "the step panicked".to_string()
    }
}

fn error_text(err: &StepError) -> String {
    match err {
        StepError::Panic(info) => panic_text(info),
        other => other.to_string(),
    }
}

impl<W: World + std::fmt::Debug> Writer<W> for Collector {
    type Cli = cli::Empty;

    async fn handle_event(&mut self, event: parser::Result<Event<Cucumber<W>>>, _cli: &Self::Cli) {
        let Event { value, at, .. } = match event {
            Ok(ev) => ev,
            Err(e) => {
                let text = e.to_string();
                self.terminal.parse_error(&text);
                self.with_report(|r| r.parse_errors.push(text));
                return;
            }
        };
        match value {
            Cucumber::Started => self.run_started = Some(at),
            Cucumber::Finished => {
                if let Some(started) = self.run_started {
                    let elapsed = at.duration_since(started).unwrap_or_default();
                    self.with_report(|r| r.duration = elapsed);
                }
            }
            Cucumber::ParsingFinished { .. } => {}
            Cucumber::Feature(feature, ev) => match ev {
                Feature::Started => {
                    self.feature_index(&feature);
                }
                Feature::Finished => {}
                Feature::Scenario(sc, ev) => self.scenario(&feature, None, &sc, ev, at),
                Feature::Rule(rule, Rule::Scenario(sc, ev)) => {
                    self.scenario(&feature, Some(&rule), &sc, ev, at)
                }
                Feature::Rule(..) => {}
            },
        }
    }
}

impl Collector {
    fn scenario<W: World>(
        &mut self,
        feature: &gherkin::Feature,
        rule: Option<&gherkin::Rule>,
        sc: &gherkin::Scenario,
        ev: RetryableScenario<W>,
        at: SystemTime,
    ) {
        match ev.event {
            Scenario::Started => self.scenario_started(feature, rule, sc, at),
            Scenario::Background(step, ev) => self.step_event(feature, sc, &step, true, &ev),
            Scenario::Step(step, ev) => self.step_event(feature, sc, &step, false, &ev),
            Scenario::Hook(_, event::Hook::Failed(_, info)) => self.hook_failed(feature, sc, &info),
            Scenario::Hook(..) | Scenario::Log(_) => {}
            Scenario::Finished => self.scenario_finished(feature, sc, at),
        }
    }
}
