//! The runner behind `voucherify-harness run` and `cargo test`: selects the scenarios
//! ([`super::selection`]), gives every scenario a project on the target, collects the results
//! into a [`RunReport`], and has the reports written ([`super::outputs`]); also the dry run.
//!
//! A live run is checked before anything is sent or written: the Sandbox statement, the host,
//! the keys' shape, then the plan ([`super::plan`]: the selection rehearsed on an embedded
//! emulator) against the call budget, then one call that must be answered and accept the keys.
//! It ends by deleting what it created, unless told to keep it.

use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use cucumber::{World as _, WriterExt as _, gherkin};
use futures::FutureExt as _;

use super::outputs::{Exchanges, write_reports};
use super::selection::{
    Filter, Paths, check_lines, junit_path, load, shard_members, skip_reason, skipped_on_target,
};
use super::world::{HarnessWorld, ScenarioInfo};
use crate::cleanup::CleanupReport;
use crate::client::ledger::Entry;
use crate::live::LiveError;
use crate::report::shard::Shard;
use crate::report::terminal::Terminal;
use crate::report::{Collector, RunReport, ScenarioReport};
use crate::target::{PlannedCalls, Target, TargetConfig, TargetError, TargetKind};

/// What to run, where, and where the reports go.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// Feature files or folders of them; `file.feature:12` picks the scenario (or Examples
    /// row) at line 12.
    pub paths: Vec<PathBuf>,
    pub target: TargetConfig,
    /// A tag expression such as `@coupons and not @slow`.
    pub tags: Option<String>,
    /// Only scenarios whose name matches this regular expression.
    pub name: Option<String>,
    /// Scenarios run at the same time (default 16).
    pub concurrency: Option<usize>,
    pub junit: Option<PathBuf>,
    pub cucumber_json: Option<PathBuf>,
    /// The HTML report.
    pub html: Option<PathBuf>,
    /// Cucumber Messages (NDJSON).
    pub messages: Option<PathBuf>,
    /// Every HTTP exchange of the run, secrets redacted.
    pub request_log: Option<PathBuf>,
    /// Stop at the first failed scenario.
    pub fail_fast: bool,
    /// No per-scenario lines (the summary is still printed).
    pub quiet: bool,
    /// Run a failed scenario again up to this many times; one that then passes is flaky.
    pub retries: usize,
    /// How long to wait before running a failed scenario again.
    pub retry_after: Option<std::time::Duration>,
    /// Only this share of the scenarios.
    pub shard: Option<Shard>,
    /// The run's random seed (the emulator's ids and generated codes); random when `None`.
    pub seed: Option<u64>,
}

impl Default for RunConfig {
    fn default() -> Self {
        Self {
            paths: vec![PathBuf::from("features")],
            target: TargetConfig::default(),
            tags: None,
            name: None,
            concurrency: None,
            junit: Some(PathBuf::from("reports/junit.xml")),
            cucumber_json: Some(PathBuf::from("reports/cucumber.json")),
            html: Some(PathBuf::from("reports/index.html")),
            messages: Some(PathBuf::from("reports/cucumber.ndjson")),
            request_log: Some(PathBuf::from("reports/requests.log")),
            fail_fast: false,
            quiet: false,
            retries: 0,
            retry_after: None,
            shard: None,
            seed: None,
        }
    }
}

/// Why a run could not start (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{0}")]
    Config(String),
    #[error(transparent)]
    Target(#[from] TargetError),
    #[error(transparent)]
    Live(#[from] LiveError),
    /// The selection needs more calls than the live run may make.
    #[error("{0}")]
    Budget(String),
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

/// Default number of scenarios in flight.
pub const DEFAULT_CONCURRENCY: usize = 16;

/// What `run --dry-run` found.
#[derive(Debug, Clone)]
pub struct DryRun {
    pub findings: Vec<crate::report::catalogue::Finding>,
    pub steps_checked: usize,
    pub scenarios: usize,
    pub parse_errors: Vec<String>,
}

impl DryRun {
    /// 0 every step has exactly one definition, 1 some do not, 2 a file does not parse.
    pub fn exit_code(&self) -> u8 {
        if !self.parse_errors.is_empty() {
            2
        } else if self.findings.is_empty() {
            0
        } else {
            1
        }
    }
}

/// The selected features, parsed with their examples expanded (files that do not parse are
/// left out).
pub fn dry_run_features(config: &RunConfig) -> Result<Vec<gherkin::Feature>, RunError> {
    let filter = Filter::new(config)?;
    Ok(load(&filter).0)
}

/// Checks every step of the selected scenarios against the step library, calling no API.
pub fn dry_run(config: &RunConfig) -> Result<DryRun, RunError> {
    let filter = Filter::new(config)?;
    let (features, parse_errors) = load(&filter);
    let (findings, steps_checked) = super::vocabulary::dry_run(&features);
    let scenarios = features
        .iter()
        .map(|f| f.scenarios.len() + f.rules.iter().map(|r| r.scenarios.len()).sum::<usize>())
        .sum();
    Ok(DryRun {
        findings,
        steps_checked,
        scenarios,
        parse_errors,
    })
}

/// The seed of a run: the given one, else `PROPTEST_RNG_SEED` (so one CI variable pins the
/// property tests and the scenarios), else a random one.
fn seed(config: &RunConfig) -> u64 {
    config
        .seed
        .or_else(|| {
            std::env::var("PROPTEST_RNG_SEED")
                .ok()
                .and_then(|s| s.trim().parse().ok())
        })
        .unwrap_or_else(rand::random)
}

/// Runs the scenarios and writes the reports; the report says whether everything passed.
pub async fn run(config: RunConfig) -> Result<RunReport, RunError> {
    run_measured(config, false).await.map(|(report, _)| report)
}

/// (feature file, scenario line, scenario name, API calls sent).
pub type ScenarioCalls = (String, usize, String, u64);

/// What a run measured besides its report: the calls of each scenario, what it created on a
/// shared project, and its cleanup.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    pub calls: Vec<ScenarioCalls>,
    /// What the run created (live target), before its cleanup.
    pub created: Vec<Entry>,
    pub cleanup: Option<CleanupReport>,
    /// The call to the live target before the first scenario.
    pub probe_calls: u64,
}

/// `features/coupons/discounts.feature:7`: how the plan and the pacer name a scenario.
pub fn location(path: &str, line: usize) -> String {
    format!("{path}:{line}")
}

/// Checks a live run's configuration, with no call: Sandbox statement, host, keys.
fn check_live(target: &TargetConfig) -> Result<(), RunError> {
    if !target.live.sandbox {
        return Err(LiveError::NotSandbox.into());
    }
    let base = target
        .base_url
        .clone()
        .unwrap_or_else(|| crate::live::DEFAULT_API_URL.to_string());
    crate::live::check_host(&base, target.live.allow_host)?;
    let credentials = target.credentials.as_ref().ok_or(LiveError::Missing(
        "VOUCHERIFY_APP_ID and VOUCHERIFY_SECRET_KEY",
    ))?;
    crate::live::check_credentials(credentials)?;
    Ok(())
}

/// Runs the scenarios; `silent` prints nothing and writes no report (the plan's rehearsal).
pub async fn run_measured(
    config: RunConfig,
    silent: bool,
) -> Result<(RunReport, Measured), RunError> {
    let mut filter = Filter::new(&config)?;
    let (features, _) = load(&filter);
    check_lines(&filter, &features)?;
    if let Some(shard) = config.shard {
        filter.shard = Some(shard_members(&features, shard));
    }
    let seed = seed(&config);
    let mut target_config = config.target.clone();
    target_config.seed = Some(seed);
    let live_run = target_config.kind == TargetKind::Live && !target_config.live.rehearsal;
    let mut planned_total = None;
    if live_run {
        check_live(&target_config)?;
        let plan = super::plan::plan(&config).await?;
        let budget = target_config.live.call_budget;
        if plan.total() > budget {
            return Err(RunError::Budget(plan.refusal(budget)));
        }
        planned_total = Some(plan.total());
        target_config.live.plan = Some(PlannedCalls {
            scenarios: plan
                .scenarios
                .iter()
                .map(|s| (location(&s.path, s.line), s.calls))
                .collect(),
            cleanup: plan.cleanup_calls,
        });
    }
    let target = Target::start(target_config).await?;
    let mut measured = Measured::default();
    if live_run {
        let before = target.calls_made();
        if let Err(e) = target.probe().await {
            target.shutdown().await;
            return Err(e.into());
        }
        measured.probe_calls = target.calls_made() - before;
    }
    let started = std::time::SystemTime::now();
    let report = Arc::new(Mutex::new(RunReport::default()));
    let terminal = if silent {
        Terminal {
            quiet: true,
            live: false,
        }
    } else {
        Terminal::new(config.quiet)
    };
    if !config.quiet && !silent {
        let shard = config
            .shard
            .map(|s| format!(", shard {s}"))
            .unwrap_or_default();
        let live = if live_run {
            format!(
                ", app id {}, run {}, Sandbox; call budget {}, this selection needs {}",
                target.app_id().unwrap_or_default(),
                target.run_id,
                target.live_options().call_budget,
                planned_total.unwrap_or_default()
            )
        } else {
            String::new()
        };
        println!(
            "Running {} against {} ({}{live}{shard})",
            describe_paths(&config.paths),
            redacted_url(&target.base_url),
            kind_name(target.kind)
        );
    }

    let exchanges: Arc<Mutex<Vec<Exchanges>>> = Arc::default();
    let calls: Arc<Mutex<Vec<ScenarioCalls>>> = Arc::default();
    let not_run: Arc<Mutex<Vec<(String, usize, String)>>> = Arc::default();
    let hook_target = target.clone();
    let log = exchanges.clone();
    let counted = calls.clone();
    let held_back = not_run.clone();
    let writer = Collector::new(report.clone(), terminal.clone()).fail_on_skipped();
    let mut cucumber = HarnessWorld::cucumber::<PathBuf>()
        .with_parser(Paths)
        .with_writer(writer)
        .with_default_cli()
        .max_concurrent_scenarios(config.concurrency.unwrap_or(DEFAULT_CONCURRENCY).max(1))
        .before(move |feature, rule, scenario, world| {
            let target = hook_target.clone();
            let info = ScenarioInfo {
                name: scenario.name.clone(),
                location: location(&junit_path(feature), scenario.position.line),
                emulator_tagged: is_emulator_tagged(feature, rule, scenario),
            };
            async move { world.attach_scenario(target, &info).await }.boxed_local()
        })
        .after(move |feature, _rule, scenario, _finished, world| {
            if let Some(world) = world {
                world.detach();
                let path = junit_path(feature);
                let line = scenario.position.line;
                if let Some(reason) = world.not_run() {
                    held_back.lock().unwrap_or_else(|p| p.into_inner()).push((
                        path.clone(),
                        line,
                        reason.to_string(),
                    ));
                }
                counted.lock().unwrap_or_else(|p| p.into_inner()).push((
                    path.clone(),
                    line,
                    scenario.name.clone(),
                    world.calls_sent(),
                ));
                let mut entries = world
                    .project()
                    .map(|p| p.client.log().entries())
                    .unwrap_or_default();
                if let Ok(client) = world.client() {
                    for e in client.log().entries() {
                        if !entries.contains(&e) {
                            entries.push(e);
                        }
                    }
                }
                log.lock().unwrap_or_else(|p| p.into_inner()).push((
                    path,
                    line,
                    scenario.name.clone(),
                    entries,
                ));
            }
            async {}.boxed_local()
        });
    if config.fail_fast {
        cucumber = cucumber.fail_fast();
    }
    if config.retries > 0 {
        cucumber = cucumber
            .retries(config.retries)
            .retry_after(config.retry_after);
    }
    let skipped = skipped_on_target(&features, target.kind, &filter);
    let filter = Arc::new(filter);
    let kind = target.kind;
    cucumber
        .filter_run(
            filter.selection.paths.clone(),
            move |feature, rule, scenario| {
                filter.selects(feature, rule, scenario)
                    && filter.in_shard(feature, scenario)
                    && skip_reason(kind, feature, rule, scenario).is_none()
            },
        )
        .await;

    let mut report = report.lock().unwrap_or_else(|p| p.into_inner()).clone();
    if !silent && !config.quiet {
        print_skipped(&skipped);
    }
    for skipped in skipped {
        match report.features.iter_mut().find(|f| f.path == skipped.path) {
            Some(f) => f.scenarios.extend(skipped.scenarios),
            None => report.features.push(skipped),
        }
    }
    report.properties = properties(&config, &target, seed);
    let held_back = not_run.lock().unwrap_or_else(|p| p.into_inner()).clone();
    if !held_back.is_empty() {
        // They failed at their first step with the reason, and made no call.
        report.properties.push((
            "not_run".into(),
            format!(
                "{} scenario(s) not run: the call budget held them back",
                held_back.len()
            ),
        ));
        if !silent {
            println!(
                "Not run: {} scenario(s), held back by the call budget of {} calls (see each \
                 scenario's first step)",
                held_back.len(),
                target.live_options().call_budget
            );
        }
    }
    measured.calls = calls.lock().unwrap_or_else(|p| p.into_inner()).clone();
    if let Some(ledger) = target.ledger() {
        measured.created = ledger.entries();
    }
    if target.kind == TargetKind::Live {
        finish_live(&target, &mut report, &mut measured, &exchanges, silent).await;
        if let Some(total) = planned_total {
            report.properties.push((
                "calls".into(),
                format!(
                    "{} made, {total} planned, budget {}",
                    target.calls_made(),
                    target.live_options().call_budget
                ),
            ));
        }
    }
    // Drop features the filters emptied.
    report.features.retain(|f| !f.scenarios.is_empty());
    report.sort();
    if silent {
        target.shutdown().await;
        return Ok((report, measured));
    }
    write_reports(&config, &mut report, &exchanges, started);
    terminal.summary(&report, &|path, s| rerun_command(path, s));
    if !config.quiet {
        for (label, path) in [
            ("JUnit", &config.junit),
            ("Cucumber JSON", &config.cucumber_json),
            ("Cucumber Messages", &config.messages),
            ("HTML", &config.html),
            ("Request log", &config.request_log),
        ] {
            if let Some(p) = path {
                println!("{label}: {}", p.display());
            }
        }
    }
    for e in &report.write_errors {
        eprintln!("error: {e}");
    }
    target.shutdown().await;
    Ok((report, measured))
}

/// The end of a live run: the cleanup (unless the data is kept), its exchanges in the request
/// log, and what it did and what waited in the report and on the terminal.
async fn finish_live(
    target: &Target,
    report: &mut RunReport,
    measured: &mut Measured,
    exchanges: &Mutex<Vec<Exchanges>>,
    silent: bool,
) {
    let ledger_path = target
        .ledger()
        .and_then(|l| l.path())
        .map(|p| format!(" (ledger {})", p.display()))
        .unwrap_or_default();
    let summary = if target.live_options().keep_data {
        let kept = target.ledger().map(|l| l.entries().len()).unwrap_or(0);
        format!(
            "kept {kept} object(s) of run {} (--keep-data){ledger_path}; delete them with \
             `voucherify-harness cleanup --run-id {}`",
            target.run_id, target.run_id
        )
    } else if let Some((cleanup, client)) = target.cleanup().await {
        let summary = format!("{}{ledger_path}", cleanup.summary());
        exchanges.lock().unwrap_or_else(|p| p.into_inner()).push((
            "~cleanup".into(),
            0,
            format!("cleanup of run {}", target.run_id),
            client.log().entries(),
        ));
        measured.cleanup = Some(cleanup);
        summary
    } else {
        return;
    };
    if let Some(error) = target.ledger().and_then(|l| l.write_error()) {
        report.write_errors.push(error);
    }
    report.properties.push(("cleanup".into(), summary.clone()));
    let waited = target.waited().filter(|(n, _)| *n > 0);
    if let Some((n, time)) = waited {
        report.properties.push((
            "pacing".into(),
            format!(
                "waited {n} time(s) for the API's next rate-limit window, {:.0} s in all",
                time.as_secs_f64()
            ),
        ));
    }
    if !silent {
        println!("Cleanup: {summary}");
    }
}

/// Lists the scenarios the target does not run, under the reason.
fn print_skipped(skipped: &[crate::report::FeatureReport]) {
    let mut reasons: Vec<(&str, Vec<String>)> = Vec::new();
    for f in skipped {
        for s in &f.scenarios {
            let reason = s.skip_reason.as_deref().unwrap_or("");
            let line = format!("  ○ {} › {}", f.name, s.display_name());
            match reasons.iter_mut().find(|(r, _)| *r == reason) {
                Some((_, lines)) => lines.push(line),
                None => reasons.push((reason, vec![line])),
            }
        }
    }
    for (reason, lines) in reasons {
        println!("Skipped, {reason}:");
        for line in lines {
            println!("{line}");
        }
    }
}

/// Tagged `@emulator` on the scenario, its rule or its feature.
fn is_emulator_tagged(
    feature: &gherkin::Feature,
    rule: Option<&gherkin::Rule>,
    scenario: &gherkin::Scenario,
) -> bool {
    feature
        .tags
        .iter()
        .chain(rule.iter().flat_map(|r| &r.tags))
        .chain(&scenario.tags)
        .any(|t| t == "emulator")
}

/// Facts about the run that every report shows.
fn properties(config: &RunConfig, target: &Target, seed: u64) -> Vec<(String, String)> {
    let mut p = vec![
        ("target".to_string(), kind_name(target.kind).to_string()),
        ("base_url".into(), redacted_url(&target.base_url)),
        ("run_id".into(), target.run_id.clone()),
        ("seed".into(), seed.to_string()),
        (
            "started_at".into(),
            crate::emulator::clock::wall_now().to_string(),
        ),
        (
            "harness_version".into(),
            env!("CARGO_PKG_VERSION").to_string(),
        ),
        ("features".into(), describe_paths(&config.paths)),
    ];
    if let Some(tags) = &config.tags {
        p.push(("tags".into(), tags.clone()));
    }
    if let Some(name) = &config.name {
        p.push(("name".into(), name.clone()));
    }
    if let Some(shard) = config.shard {
        p.push(("shard".into(), shard.to_string()));
    }
    if config.retries > 0 {
        p.push(("retries".into(), config.retries.to_string()));
    }
    p
}

fn kind_name(kind: TargetKind) -> &'static str {
    match kind {
        TargetKind::Emulator => "emulator",
        TargetKind::Live => "live",
    }
}

/// A URL without user, password or query, for reports.
pub fn redacted_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.set_query(None);
            u.to_string().trim_end_matches('/').to_string()
        }
        Err(_) => "(not a URL)".into(),
    }
}

fn describe_paths(paths: &[PathBuf]) -> String {
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    shown.join(", ")
}

/// The command that reruns one scenario (or one Examples row): its file and line.
pub fn rerun_command(path: &str, s: &ScenarioReport) -> String {
    format!(
        "cargo run --release -- run {}",
        shell_word(&format!("{path}:{}", s.line))
    )
}

fn shell_word(text: &str) -> String {
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-:".contains(c))
    {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_credentials_and_query() {
        assert_eq!(
            redacted_url("https://user:pw@api.voucherify.io/?token=x"),
            "https://api.voucherify.io"
        );
        assert_eq!(
            redacted_url("http://127.0.0.1:7700"),
            "http://127.0.0.1:7700"
        );
    }

    #[test]
    fn a_rerun_names_file_and_line() {
        let s = ScenarioReport {
            line: 14,
            ..ScenarioReport::default()
        };
        assert_eq!(
            rerun_command("features/coupons/it's.feature", &s),
            "cargo run --release -- run 'features/coupons/it'\\''s.feature:14'"
        );
    }
}
