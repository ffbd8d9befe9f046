//! A cucumber writer that turns the run's events into a [`RunReport`] and drives the terminal:
//! one line per finished scenario, a live progress line, retries folded into one scenario.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use cucumber::event::{
    self, Cucumber, Feature, RetryableScenario, Rule, Scenario, Step, StepError,
};
use cucumber::{Event, World, Writer, cli, gherkin, parser};

use super::terminal::{Progress, Terminal};
use super::{FeatureReport, RunReport, ScenarioReport, Status, StepReport};

/// (feature index, scenario line, scenario column): a scenario within the run.
type ScenarioKey = (usize, usize, usize);

/// Collects results into a shared [`RunReport`] (read it after the run).
pub struct Collector {
    report: Arc<Mutex<RunReport>>,
    terminal: Terminal,
    /// Feature path or name → index in the report.
    features: HashMap<String, usize>,
    /// Running scenarios → start time.
    started: HashMap<ScenarioKey, SystemTime>,
    /// Running steps (scenario, step line, from background) → start time.
    steps_started: HashMap<(ScenarioKey, usize, bool), SystemTime>,
    run_started: Option<SystemTime>,
    progress: Progress,
}

impl Collector {
    pub fn new(report: Arc<Mutex<RunReport>>, terminal: Terminal) -> Self {
        Self {
            report,
            terminal,
            features: HashMap::new(),
            started: HashMap::new(),
            steps_started: HashMap::new(),
            run_started: None,
            progress: Progress::default(),
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
        let report = feature_report(feature);
        let index = self.with_report(|r| {
            r.features.push(report);
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
        self.started.insert(key(fi, sc), at);
        let exists = self.with_report(|r| find_scenario(&mut r.features[fi], sc).is_some());
        if exists {
            // A retry: the earlier attempt was recorded and reset when it finished.
            self.progress.started(&sc.name);
            return;
        }
        let report = scenario_report(feature, rule, sc);
        self.with_report(|r| r.features[fi].scenarios.push(report));
        self.progress.started(&sc.name);
        self.terminal.progress(&self.progress);
    }

    fn step_event(
        &mut self,
        feature: &gherkin::Feature,
        sc: &gherkin::Scenario,
        step: &gherkin::Step,
        background: bool,
        ev: &Step<impl World>,
        at: SystemTime,
    ) {
        let fi = self.feature_index(feature);
        let step_key = (key(fi, sc), step.position.line, background);
        let (status, error) = match ev {
            Step::Started => {
                self.steps_started.insert(step_key, at);
                return;
            }
            Step::Passed(..) => (Status::Passed, None),
            Step::Skipped => (
                Status::Skipped,
                Some("no step definition matches this step".to_string()),
            ),
            Step::Failed(_, _, _, err) => (Status::Failed, Some(error_text(err))),
        };
        let duration = self
            .steps_started
            .remove(&step_key)
            .and_then(|start| at.duration_since(start).ok())
            .unwrap_or_default();
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
                st.duration = duration;
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
        retries: Option<event::Retries>,
        at: SystemTime,
    ) {
        let fi = self.feature_index(feature);
        let started = self.started.remove(&key(fi, sc)).unwrap_or(at);
        let finished = self.with_report(|r| {
            let feature_name = r.features[fi].name.clone();
            let s = find_scenario(&mut r.features[fi], sc)?;
            s.duration += at.duration_since(started).unwrap_or_default();
            s.status = scenario_status(&s.steps);
            if s.status == Status::Skipped {
                s.skip_reason = s.steps.iter().find_map(|st| st.error.clone());
            }
            let retried = s.status == Status::Failed && retries.is_some_and(|r| r.left > 0);
            if retried {
                // Cucumber runs it again: keep what went wrong, start the steps afresh.
                let attempt = s.failed_attempts.len() + 1;
                s.failed_attempts
                    .push(format!("attempt {attempt}: {}", attempt_summary(s)));
                for st in &mut s.steps {
                    st.status = Status::Pending;
                    st.error = None;
                    st.duration = Duration::ZERO;
                }
                s.status = Status::Pending;
            }
            Some((feature_name, s.clone(), retried))
        });
        if let Some((feature_name, s, retried)) = finished {
            if retried {
                self.terminal.retrying(&feature_name, &s);
            } else {
                self.progress.finished(&sc.name, s.status);
                self.terminal.scenario(&feature_name, &s);
            }
            self.terminal.progress(&self.progress);
        }
    }
}

/// A feature's report before any of its scenarios ran.
pub fn feature_report(feature: &gherkin::Feature) -> FeatureReport {
    FeatureReport {
        name: feature.name.clone(),
        path: feature.path.clone(),
        tags: feature.tags.clone(),
        scenarios: Vec::new(),
        keyword: feature.keyword.clone(),
        line: feature.position.line,
        description: description(feature.description.as_deref()),
        background: feature
            .background
            .iter()
            .flat_map(|bg| bg.steps.iter().map(|s| step_report(s, true)))
            .collect(),
    }
}

/// A scenario's report before it ran: its steps (backgrounds first) all pending.
pub fn scenario_report(
    feature: &gherkin::Feature,
    rule: Option<&gherkin::Rule>,
    sc: &gherkin::Scenario,
) -> ScenarioReport {
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
    ScenarioReport {
        name: sc.name.clone(),
        example: example_values(sc),
        line: sc.position.line,
        tags,
        steps,
        status: Status::Pending,
        duration: Duration::ZERO,
        skip_reason: None,
        keyword: sc.keyword.clone(),
        description: description(sc.description.as_deref()),
        rule: rule.map(|r| r.name.clone()),
        failed_attempts: Vec::new(),
    }
}

fn key(fi: usize, sc: &gherkin::Scenario) -> ScenarioKey {
    (fi, sc.position.line, sc.position.col)
}

fn scenario_status(steps: &[StepReport]) -> Status {
    if steps.iter().any(|st| st.status == Status::Failed) {
        Status::Failed
    } else if steps.iter().any(|st| st.status == Status::Skipped) {
        Status::Skipped
    } else if steps.iter().all(|st| st.status == Status::Passed) {
        Status::Passed
    } else {
        Status::Failed
    }
}

/// `Then the discount is 10.00 (line 9): total discount: expected 10.00, got 12.00`
fn attempt_summary(s: &ScenarioReport) -> String {
    match s.failed_step() {
        Some(st) => format!(
            "{} {} (line {}): {}",
            st.keyword,
            st.text,
            st.line,
            st.message().unwrap_or("").lines().next().unwrap_or("")
        ),
        None => "the scenario did not finish".into(),
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

fn description(text: Option<&str>) -> String {
    let Some(text) = text else {
        return String::new();
    };
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    lines.join("\n").trim().to_string()
}

fn step_report(step: &gherkin::Step, from_background: bool) -> StepReport {
    StepReport {
        keyword: step.keyword.trim().to_string(),
        text: step.value.clone(),
        line: step.position.line,
        status: Status::Pending,
        error: None,
        from_background,
        duration: Duration::ZERO,
        docstring: step.docstring.clone(),
        table: step
            .table
            .as_ref()
            .map(|t| t.rows.clone())
            .unwrap_or_default(),
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
        StepError::NotFound => {
            "no step definition matches this step (`voucherify-harness run --dry-run` suggests one)"
                .to_string()
        }
        StepError::AmbiguousMatch(e) => {
            format!("more than one step definition matches this step. {e}")
        }
    }
}

/// `line:column` of the first line that starts with `start` without being a Gherkin keyword.
fn unknown_keyword_line(path: &std::path::Path, start: &str) -> Option<String> {
    const KEYWORDS: &[&str] = &[
        "Feature:",
        "Rule:",
        "Background:",
        "Scenario:",
        "Scenario Outline:",
        "Scenario Template:",
        "Example:",
        "Examples:",
        "Scenarios:",
        "Given ",
        "When ",
        "Then ",
        "And ",
        "But ",
        "* ",
    ];
    let start = start.trim();
    if start.is_empty() {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().enumerate().find_map(|(i, line)| {
        let trimmed = line.trim_start();
        (trimmed.starts_with(start) && !KEYWORDS.iter().any(|k| trimmed.starts_with(k)))
            .then(|| format!("{}:{}", i + 1, line.len() - trimmed.len() + 1))
    })
}

/// A path relative to the working directory when below it.
fn shown(path: &std::path::Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    path.strip_prefix(&cwd)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// A parse error as `path:line:column: what was wrong`.
pub fn parse_error_text(e: &parser::Error) -> String {
    match e {
        parser::Error::Parsing(e) => match e.as_ref() {
            gherkin::ParseFileError::Reading { path, source } => {
                format!("{}: cannot read the feature file: {source}", shown(path))
            }
            gherkin::ParseFileError::Parsing {
                path,
                error,
                source,
            } => {
                // gherkin says "Error at LINE:COL: {expected tokens}".
                let text = source.to_string();
                let (position, expected) = text
                    .strip_prefix("Error at ")
                    .and_then(|rest| rest.split_once(": "))
                    .unwrap_or(("1:1", text.as_str()));
                let why = match error {
                    Some(env) => env.to_string(),
                    None => {
                        let mut tokens: Vec<String> = expected
                            .trim_matches(|c| c == '{' || c == '}')
                            .split(", ")
                            .map(|t| t.replace('\\', "").trim_matches('"').to_string())
                            .filter(|t| !t.is_empty() && t != "_")
                            .collect();
                        tokens.sort();
                        format!("expected {}", tokens.join(" or "))
                    }
                };
                let why: Vec<&str> = why.split_whitespace().collect();
                // gherkin reports an unknown keyword where it gave up (often the end of the
                // file); the line a person must fix is the one that starts with it.
                let position = match error {
                    Some(gherkin::EnvError::UnknownKeyword(start)) => {
                        unknown_keyword_line(path, start).unwrap_or_else(|| position.to_string())
                    }
                    _ => position.to_string(),
                };
                format!(
                    "{}:{position}: not valid Gherkin: {}",
                    shown(path),
                    why.join(" ").trim_end_matches('.')
                )
            }
        },
        parser::Error::ExampleExpansion(e) => {
            let path = e.path.as_deref().map(shown).unwrap_or_default();
            format!(
                "{path}:{}:{}: the Examples table has no column <{}>",
                e.pos.line, e.pos.col, e.name
            )
        }
    }
}

/// Events may come in any order (scenarios run concurrently): every event is filed under its
/// feature and scenario, and the report is sorted at the end, so no reordering is needed and
/// the progress line stays live.
impl cucumber::writer::Normalized for Collector {}

impl<W: World + std::fmt::Debug> Writer<W> for Collector {
    type Cli = cli::Empty;

    async fn handle_event(&mut self, event: parser::Result<Event<Cucumber<W>>>, _cli: &Self::Cli) {
        let Event { value, at, .. } = match event {
            Ok(ev) => ev,
            Err(e) => {
                let text = parse_error_text(&e);
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
                self.terminal.progress_done();
            }
            Cucumber::ParsingFinished { scenarios, .. } => {
                self.progress.total = scenarios;
                self.terminal.progress(&self.progress);
            }
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
            Scenario::Background(step, e) => self.step_event(feature, sc, &step, true, &e, at),
            Scenario::Step(step, e) => self.step_event(feature, sc, &step, false, &e, at),
            Scenario::Hook(_, event::Hook::Failed(_, info)) => self.hook_failed(feature, sc, &info),
            Scenario::Hook(..) | Scenario::Log(_) => {}
            Scenario::Finished => self.scenario_finished(feature, sc, ev.retries, at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::steps::HarnessWorld;
    use cucumber::event::{Retries, Source};

    type Ev = Cucumber<HarnessWorld>;

    fn feed(c: &mut Collector, ev: Ev) {
        let event = Ok(Event::new(ev));
        futures::executor::block_on(<Collector as Writer<HarnessWorld>>::handle_event(
            c,
            event,
            &cli::Empty,
        ));
    }

    fn scenario_event(
        f: &Source<gherkin::Feature>,
        sc: &Source<gherkin::Scenario>,
        event: Scenario<HarnessWorld>,
        current: usize,
        left: usize,
    ) -> Ev {
        Cucumber::Feature(
            f.clone(),
            Feature::Scenario(
                sc.clone(),
                RetryableScenario {
                    event,
                    retries: Some(Retries { current, left }),
                },
            ),
        )
    }

    #[test]
    fn a_scenario_that_passes_on_a_retry_is_reported_once_as_flaky() {
        let text = "Feature: Checkout\n  Scenario: A coupon\n    Then the discount is 10.00\n";
        let feature = gherkin::Feature::parse(text, Default::default()).expect("valid Gherkin");
        let sc = Source::new(feature.scenarios[0].clone());
        let step = Source::new(feature.scenarios[0].steps[0].clone());
        let f = Source::new(feature);
        let report = Arc::new(Mutex::new(RunReport::default()));
        let mut c = Collector::new(report.clone(), Terminal::new(true));
        feed(&mut c, Cucumber::Started);
        feed(&mut c, Cucumber::Feature(f.clone(), Feature::Started));
        // Attempt 1 fails, one retry left.
        feed(&mut c, scenario_event(&f, &sc, Scenario::Started, 0, 1));
        let failed = Step::Failed(
            None,
            None,
            None,
            StepError::Panic(Arc::new(
                "total discount: expected 10.00, got 12.00".to_string(),
            )),
        );
        feed(
            &mut c,
            scenario_event(&f, &sc, Scenario::Step(step.clone(), failed), 0, 1),
        );
        feed(&mut c, scenario_event(&f, &sc, Scenario::Finished, 0, 1));
        // Attempt 2 passes.
        feed(&mut c, scenario_event(&f, &sc, Scenario::Started, 1, 0));
        let passed = Step::Passed(regex::Regex::new("x").unwrap().capture_locations(), None);
        feed(
            &mut c,
            scenario_event(&f, &sc, Scenario::Step(step, passed), 1, 0),
        );
        feed(&mut c, scenario_event(&f, &sc, Scenario::Finished, 1, 0));
        feed(&mut c, Cucumber::Finished);

        let report = report.lock().unwrap().clone();
        assert_eq!(
            report.features[0].scenarios.len(),
            1,
            "the scenario appears once"
        );
        let s = &report.features[0].scenarios[0];
        assert_eq!(s.status, Status::Passed);
        assert!(s.is_flaky());
        assert_eq!(
            s.failed_attempts,
            vec![
                "attempt 1: Then the discount is 10.00 (line 3): total discount: expected 10.00, got 12.00"
            ]
        );
        assert!(report.succeeded(), "a flaky scenario does not fail the run");
        let xml = super::super::junit::render(&report);
        assert_eq!(xml.matches("<testcase ").count(), 1);
        assert!(xml.contains("<property name=\"flaky\" value=\"true\"/>"));
        assert!(xml.contains("<flakyFailure message=\"attempt 1: Then the discount is 10.00 (line 3): total discount: expected 10.00, got 12.00\""));
        assert!(!xml.contains("<failure"));
    }

    #[test]
    fn a_scenario_that_fails_every_attempt_fails_once() {
        let text = "Feature: Checkout\n  Scenario: A coupon\n    Then the discount is 10.00\n";
        let feature = gherkin::Feature::parse(text, Default::default()).expect("valid Gherkin");
        let sc = Source::new(feature.scenarios[0].clone());
        let step = Source::new(feature.scenarios[0].steps[0].clone());
        let f = Source::new(feature);
        let report = Arc::new(Mutex::new(RunReport::default()));
        let mut c = Collector::new(report.clone(), Terminal::new(true));
        for (current, left) in [(0, 1), (1, 0)] {
            feed(
                &mut c,
                scenario_event(&f, &sc, Scenario::Started, current, left),
            );
            let failed = Step::Failed(None, None, None, StepError::Panic(Arc::new("no")));
            feed(
                &mut c,
                scenario_event(&f, &sc, Scenario::Step(step.clone(), failed), current, left),
            );
            feed(
                &mut c,
                scenario_event(&f, &sc, Scenario::Finished, current, left),
            );
        }
        let report = report.lock().unwrap().clone();
        let s = &report.features[0].scenarios[0];
        assert_eq!(report.features[0].scenarios.len(), 1);
        assert_eq!(s.status, Status::Failed);
        assert_eq!(s.failed_attempts.len(), 1);
        assert!(!s.is_flaky());
    }
}
