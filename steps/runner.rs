//! The runner behind `voucherify-harness run` and `cargo test`: selects the scenarios
//! ([`super::selection`]), gives every scenario a project on the target, collects the results
//! into a [`RunReport`], and has the reports written ([`super::outputs`]); also the dry run.

use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use cucumber::{World as _, WriterExt as _, gherkin};
use futures::FutureExt as _;

use super::outputs::{Exchanges, write_reports};
use super::selection::{
    Filter, Paths, check_lines, junit_path, load, shard_members, skip_reason, skipped_on_target,
};
use super::world::HarnessWorld;
use crate::report::shard::Shard;
use crate::report::terminal::Terminal;
use crate::report::{Collector, RunReport, ScenarioReport};
use crate::target::{Target, TargetConfig, TargetError, TargetKind};

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
    let mut filter = Filter::new(&config)?;
    let (features, _) = load(&filter);
    check_lines(&filter, &features)?;
    if let Some(shard) = config.shard {
        filter.shard = Some(shard_members(&features, shard));
    }
    let seed = seed(&config);
    let mut target_config = config.target.clone();
    target_config.seed = Some(seed);
    let target = Target::start(target_config).await?;
    let started = std::time::SystemTime::now();
    let report = Arc::new(Mutex::new(RunReport::default()));
    let terminal = Terminal::new(config.quiet);
    if !config.quiet {
        let shard = config
            .shard
            .map(|s| format!(", shard {s}"))
            .unwrap_or_default();
        println!(
            "Running {} against {} ({}{shard})",
            describe_paths(&config.paths),
            redacted_url(&target.base_url),
            kind_name(target.kind)
        );
    }

    let exchanges: Arc<Mutex<Vec<Exchanges>>> = Arc::default();
    let hook_target = target.clone();
    let log = exchanges.clone();
    let writer = Collector::new(report.clone(), terminal.clone()).fail_on_skipped();
    let mut cucumber = HarnessWorld::cucumber::<PathBuf>()
        .with_parser(Paths)
        .with_writer(writer)
        .with_default_cli()
        .max_concurrent_scenarios(config.concurrency.unwrap_or(DEFAULT_CONCURRENCY).max(1))
        .before(move |_feature, _rule, scenario, world| {
            let target = hook_target.clone();
            let name = scenario.name.clone();
            async move { world.attach(target, &name).await }.boxed_local()
        })
        .after(move |feature, _rule, scenario, _finished, world| {
            if let Some(world) = world {
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
                    junit_path(feature),
                    scenario.position.line,
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
    for skipped in skipped {
        match report.features.iter_mut().find(|f| f.path == skipped.path) {
            Some(f) => f.scenarios.extend(skipped.scenarios),
            None => report.features.push(skipped),
        }
    }
    report.properties = properties(&config, &target, seed);
    // Drop features the filters emptied.
    report.features.retain(|f| !f.scenarios.is_empty());
    report.sort();
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
    Ok(report)
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
