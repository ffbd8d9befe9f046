//! The runner behind `voucherify-harness run` and `cargo test`: parses feature files, filters
//! by tags, names, lines and shard, gives every scenario a project on the target, and writes the
//! reports (JUnit, Cucumber JSON, HTML, request log) from the run's [`RunReport`].

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use cucumber::gherkin::tagexpr::TagOperation;
use cucumber::tag::Ext as _;
use cucumber::{World as _, WriterExt as _, gherkin, parser};
use futures::FutureExt as _;
use futures::stream::{self, StreamExt as _};
use regex::Regex;

use super::world::HarnessWorld;
use crate::client::Exchange;
use crate::report::collector::{feature_report, parse_error_text, scenario_report};
use crate::report::shard::{Shard, ShardKey};
use crate::report::terminal::Terminal;
use crate::report::{
    Collector, RunReport, ScenarioReport, Status, cucumber_json, html, junit, messages,
};
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

/// Parses several feature paths (files or folders) as one input.
#[derive(Debug, Default, Clone)]
struct Paths;

impl cucumber::Parser<Vec<PathBuf>> for Paths {
    type Cli = cucumber::cli::Empty;
    type Output = stream::Iter<std::vec::IntoIter<parser::Result<gherkin::Feature>>>;

    fn parse(self, input: Vec<PathBuf>, _cli: Self::Cli) -> Self::Output {
        let mut all = Vec::new();
        for path in input {
            let parsed = cucumber::Parser::parse(parser::Basic::new(), path, Default::default());
            all.extend(futures::executor::block_on(parsed.collect::<Vec<_>>()));
        }
        stream::iter(all)
    }
}

/// The feature paths and, for `file.feature:LINE`, the lines picked in each file.
#[derive(Debug, Clone, Default)]
struct Selection {
    paths: Vec<PathBuf>,
    /// (canonical file, line) pairs; empty means every scenario.
    lines: HashSet<(PathBuf, usize)>,
    /// Files given with lines (their other scenarios are left out).
    files_with_lines: HashSet<PathBuf>,
}

fn selection(paths: &[PathBuf]) -> Result<Selection, RunError> {
    let mut out = Selection::default();
    for path in paths {
        if path.exists() {
            out.paths.push(path.clone());
            continue;
        }
        let text = path.to_string_lossy();
        let with_line = text
            .rsplit_once(':')
            .and_then(|(file, line)| Some((PathBuf::from(file), line.parse::<usize>().ok()?)))
            .filter(|(file, _)| file.is_file());
        let Some((file, line)) = with_line else {
            return Err(RunError::Config(format!(
                "no feature file or folder at {}",
                path.display()
            )));
        };
        let canonical = file.canonicalize().unwrap_or_else(|_| file.clone());
        out.lines.insert((canonical.clone(), line));
        out.files_with_lines.insert(canonical);
        if !out.paths.contains(&file) {
            out.paths.push(file);
        }
    }
    Ok(out)
}

/// The filters of a run: tags, name, lines, shard.
struct Filter {
    tags: Option<TagOperation>,
    name: Option<Regex>,
    selection: Selection,
    /// (canonical file, line) of the scenarios of this shard.
    shard: Option<HashSet<(PathBuf, usize)>>,
}

impl Filter {
    fn new(config: &RunConfig) -> Result<Self, RunError> {
        let tags = config
            .tags
            .as_deref()
            .map(|expr| {
                TagOperation::from_str(expr).map_err(|e| {
                    RunError::Config(format!(
                        "invalid tag expression '{expr}': {e} (write e.g. \"@coupons and not @slow\")"
                    ))
                })
            })
            .transpose()?;
        let name = config
            .name
            .as_deref()
            .map(|re| {
                Regex::new(re)
                    .map_err(|e| RunError::Config(format!("invalid --name pattern '{re}': {e}")))
            })
            .transpose()?;
        Ok(Self {
            tags,
            name,
            selection: selection(&config.paths)?,
            shard: None,
        })
    }

    /// Tags, name and lines (not the shard).
    fn selects(
        &self,
        feature: &gherkin::Feature,
        rule: Option<&gherkin::Rule>,
        scenario: &gherkin::Scenario,
    ) -> bool {
        let tag_ok = self.tags.as_ref().is_none_or(|t| {
            t.eval(
                feature
                    .tags
                    .iter()
                    .chain(rule.iter().flat_map(|r| &r.tags))
                    .chain(scenario.tags.iter()),
            )
        });
        let name_ok = self
            .name
            .as_ref()
            .is_none_or(|re| re.is_match(&scenario.name));
        let file = canonical(feature);
        // An outline's rows are scenarios whose line is their Examples row.
        let line_ok = !self.selection.files_with_lines.contains(&file)
            || self
                .selection
                .lines
                .contains(&(file, scenario.position.line));
        tag_ok && name_ok && line_ok
    }

    fn in_shard(&self, feature: &gherkin::Feature, scenario: &gherkin::Scenario) -> bool {
        self.shard
            .as_ref()
            .is_none_or(|s| s.contains(&(canonical(feature), scenario.position.line)))
    }
}

fn canonical(feature: &gherkin::Feature) -> PathBuf {
    feature
        .path
        .as_ref()
        .map(|p| p.canonicalize().unwrap_or_else(|_| p.clone()))
        .unwrap_or_default()
}

/// Parses the features (examples expanded) and keeps the scenarios the filter selects.
fn load(filter: &Filter) -> (Vec<gherkin::Feature>, Vec<String>) {
    let parsed = cucumber::Parser::parse(Paths, filter.selection.paths.clone(), Default::default());
    let mut features = Vec::new();
    let mut errors = Vec::new();
    for result in futures::executor::block_on(parsed.collect::<Vec<_>>()) {
        match result {
            Ok(mut f) => {
                let scenarios = std::mem::take(&mut f.scenarios);
                f.scenarios = scenarios
                    .into_iter()
                    .filter(|s| filter.selects(&f, None, s))
                    .collect();
                let mut rules = std::mem::take(&mut f.rules);
                for r in &mut rules {
                    let scenarios = std::mem::take(&mut r.scenarios);
                    r.scenarios = scenarios
                        .into_iter()
                        .filter(|s| filter.selects(&f, Some(r), s))
                        .collect();
                }
                f.rules = rules;
                features.push(f);
            }
            Err(e) => errors.push(parse_error_text(&e)),
        }
    }
    (features, errors)
}

/// Every `file.feature:LINE` must name a scenario (or an Examples row) of that file.
fn check_lines(filter: &Filter, features: &[gherkin::Feature]) -> Result<(), RunError> {
    let mut found = HashSet::new();
    for f in features {
        let file = canonical(f);
        let scenarios = f
            .scenarios
            .iter()
            .chain(f.rules.iter().flat_map(|r| r.scenarios.iter()));
        for s in scenarios {
            found.insert((file.clone(), s.position.line));
        }
    }
    let mut missing: Vec<&(PathBuf, usize)> = filter
        .selection
        .lines
        .iter()
        .filter(|l| !found.contains(*l))
        .collect();
    missing.sort();
    match missing.first() {
        None => Ok(()),
        Some((file, line)) => Err(RunError::Config(format!(
            "no scenario starts at {}:{line} (give the line of a Scenario or of an Examples row)",
            file.display()
        ))),
    }
}

/// The scenarios of a shard, as (canonical file, line).
fn shard_members(features: &[gherkin::Feature], shard: Shard) -> HashSet<(PathBuf, usize)> {
    let mut keys = Vec::new();
    for f in features {
        let path = junit_path(f);
        let scenarios = f
            .scenarios
            .iter()
            .chain(f.rules.iter().flat_map(|r| r.scenarios.iter()));
        for s in scenarios {
            keys.push(ShardKey {
                path: path.clone(),
                name: format!("{} {:?}", s.name, example_row(s)),
                line: s.position.line,
            });
        }
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    shard
        .select(&keys)
        .into_iter()
        .map(|k| {
            let p = cwd.join(&k.path);
            (p.canonicalize().unwrap_or(p), k.line)
        })
        .collect()
}

fn example_row(s: &gherkin::Scenario) -> Vec<String> {
    s.examples
        .first()
        .and_then(|e| e.table.as_ref())
        .and_then(|t| t.rows.get(1).cloned())
        .unwrap_or_default()
}

fn junit_path(f: &gherkin::Feature) -> String {
    let Some(path) = &f.path else {
        return f.name.clone();
    };
    let cwd = std::env::current_dir().unwrap_or_default();
    path.strip_prefix(&cwd)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The tag of scenarios that need the emulator's control plane.
const EMULATOR_TAG: &str = "emulator";

/// Why a scenario cannot run on this target (it is then reported skipped, not run).
fn skip_reason(
    kind: TargetKind,
    feature: &gherkin::Feature,
    rule: Option<&gherkin::Rule>,
    scenario: &gherkin::Scenario,
) -> Option<String> {
    let tagged = feature
        .tags
        .iter()
        .chain(rule.iter().flat_map(|r| &r.tags))
        .chain(&scenario.tags)
        .any(|t| t == EMULATOR_TAG);
    (tagged && kind == TargetKind::Live).then(|| {
        "tagged @emulator: it needs the emulator's control plane (its clock), which the live target does not have".to_string()
    })
}

/// Reports of the selected scenarios this target cannot run, marked skipped with the reason.
fn skipped_on_target(
    features: &[gherkin::Feature],
    kind: TargetKind,
    filter: &Filter,
) -> Vec<crate::report::FeatureReport> {
    let mut out = Vec::new();
    for f in features {
        let mut report = feature_report(f);
        let scenarios = f.scenarios.iter().map(|s| (None, s)).chain(
            f.rules
                .iter()
                .flat_map(|r| r.scenarios.iter().map(move |s| (Some(r), s))),
        );
        for (rule, sc) in scenarios {
            if !filter.in_shard(f, sc) {
                continue;
            }
            if let Some(reason) = skip_reason(kind, f, rule, sc) {
                let mut s = scenario_report(f, rule, sc);
                s.status = Status::Skipped;
                s.skip_reason = Some(reason);
                report.scenarios.push(s);
            }
        }
        if !report.scenarios.is_empty() {
            out.push(report);
        }
    }
    out
}

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
        cucumber = cucumber.retries(config.retries);
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

/// One scenario's exchanges: (feature file, scenario line, scenario name, exchanges).
type Exchanges = (String, usize, String, Vec<Exchange>);

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

/// Writes every report it can; a report that cannot be written is noted in the run's report
/// (exit code 2) and does not stop the others.
fn write_reports(
    config: &RunConfig,
    report: &mut RunReport,
    exchanges: &Mutex<Vec<Exchanges>>,
    started: std::time::SystemTime,
) {
    let mut outputs: Vec<(&PathBuf, String)> = Vec::new();
    if let Some(path) = &config.junit {
        outputs.push((path, junit::render(report)));
    }
    if let Some(path) = &config.cucumber_json {
        outputs.push((path, cucumber_json::render(report)));
    }
    if let Some(path) = &config.messages {
        outputs.push((
            path,
            messages::render(
                report,
                &message_sources(report),
                &message_definitions(),
                started,
            ),
        ));
    }
    if let Some(path) = &config.request_log {
        let mut entries = exchanges.lock().unwrap_or_else(|p| p.into_inner()).clone();
        entries.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        let mut text = String::new();
        for (path, line, name, exchanges) in entries {
            text.push_str(&format!("## {path}:{line} {name}\n"));
            for e in exchanges {
                text.push_str(&e.to_string());
            }
            text.push('\n');
        }
        outputs.push((path, text));
    }
    let mut errors = Vec::new();
    for (path, text) in outputs {
        if let Err(e) = write_file(path, &text) {
            errors.push(e.to_string());
        }
    }
    // The HTML goes last so that it can show the other reports' problems.
    report.write_errors = errors;
    if let Some(path) = &config.html
        && let Err(e) = write_file(path, &html::render(report))
    {
        report.write_errors.push(e.to_string());
    }
}

/// The feature files of the report, read again and parsed without expanding their Examples.
fn message_sources(report: &RunReport) -> Vec<messages::Source> {
    report
        .features
        .iter()
        .filter_map(|f| {
            let path = f.path.as_ref()?;
            let text = std::fs::read_to_string(path).ok()?;
            let feature = gherkin::Feature::parse(&text, Default::default()).ok()?;
            Some(messages::Source {
                uri: junit::shown_path(f),
                text,
                feature,
            })
        })
        .collect()
}

fn message_definitions() -> Vec<messages::Definition> {
    super::vocabulary::definitions()
        .into_iter()
        .map(|d| {
            let (uri, line) = d.location.rsplit_once(':').unwrap_or((&d.location, "0"));
            messages::Definition {
                uri: uri.to_string(),
                line: line.parse().unwrap_or(0),
                expression: d.expression,
                regex: d.regex,
            }
        })
        .collect()
}

fn write_file(path: &Path, text: &str) -> Result<(), RunError> {
    let io_error = |source| RunError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io_error)?;
    }
    std::fs::write(path, text).map_err(io_error)
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
