//! The runner behind `voucherify-harness run` and `cargo test`: parses feature files, filters
//! by tags and names, gives every scenario a project on the target, and writes the reports.

use std::io;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use cucumber::gherkin::tagexpr::TagOperation;
use cucumber::tag::Ext as _;
use cucumber::{World as _, WriterExt as _, gherkin, parser, writer};
use futures::FutureExt as _;
use futures::stream::{self, StreamExt as _};
use regex::Regex;

use super::world::HarnessWorld;
use crate::report::terminal::Terminal;
use crate::report::{Collector, RunReport, ScenarioReport, junit};
use crate::target::{Target, TargetConfig, TargetError, TargetKind};

/// What to run, where, and where the reports go.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// Feature files or folders of them.
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
    /// Stop at the first failed scenario.
    pub fail_fast: bool,
    /// No per-scenario lines (the summary is still printed).
    pub quiet: bool,
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
            fail_fast: false,
            quiet: false,
        }
    }
}

/// Why a run could not start or finish its reports (exit code 2).
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

/// Runs the scenarios and writes the reports; the report says whether everything passed.
pub async fn run(config: RunConfig) -> Result<RunReport, RunError> {
    for path in &config.paths {
        if !path.exists() {
            return Err(RunError::Config(format!(
                "no feature file or folder at {}",
                path.display()
            )));
        }
    }
    let tags = config
        .tags
        .as_deref()
        .map(|expr| {
            TagOperation::from_str(expr)
                .map_err(|e| RunError::Config(format!("invalid tag expression '{expr}': {e}")))
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
    let json_out: Box<dyn io::Write> = match &config.cucumber_json {
        Some(path) => Box::new(create_file(path)?),
        None => Box::new(io::sink()),
    };
    if let Some(path) = &config.junit {
        create_file(path)?;
    }

    let target = Target::start(config.target.clone()).await?;
    let report = Arc::new(Mutex::new(RunReport::default()));
    let terminal = Terminal {
        quiet: config.quiet,
    };
    if !config.quiet {
        println!(
            "Running {} against {} ({})",
            describe_paths(&config.paths),
            target.base_url,
            kind_name(target.kind)
        );
    }

    let hook_target = target.clone();
    let writer = Collector::new(report.clone(), terminal.clone())
        .tee::<HarnessWorld, _>(writer::Json::for_tee(json_out))
        .normalized()
        .fail_on_skipped();
    let mut cucumber = HarnessWorld::cucumber::<PathBuf>()
        .with_parser(Paths)
        .with_writer(writer)
        .with_default_cli()
        .max_concurrent_scenarios(config.concurrency.unwrap_or(DEFAULT_CONCURRENCY).max(1))
        .before(move |_feature, _rule, scenario, world| {
            let target = hook_target.clone();
            let name = scenario.name.clone();
            async move { world.attach(target, &name).await }.boxed_local()
        });
    if config.fail_fast {
        cucumber = cucumber.fail_fast();
    }
    cucumber
        .filter_run(config.paths.clone(), move |feature, rule, scenario| {
            let tag_ok = tags.as_ref().is_none_or(|t| {
                t.eval(
                    feature
                        .tags
                        .iter()
                        .chain(rule.iter().flat_map(|r| &r.tags))
                        .chain(scenario.tags.iter()),
                )
            });
            let name_ok = name.as_ref().is_none_or(|re| re.is_match(&scenario.name));
            tag_ok && name_ok
        })
        .await;

    let mut report = report.lock().unwrap_or_else(|p| p.into_inner()).clone();
    report.properties = vec![
        ("target".into(), kind_name(target.kind).into()),
        ("base_url".into(), target.base_url.clone()),
        ("run_id".into(), target.run_id.clone()),
    ];
    // Drop features the filters emptied.
    report.features.retain(|f| !f.scenarios.is_empty());
    if let Some(path) = &config.junit {
        junit::write(&report, path).map_err(|source| RunError::Io {
            path: path.clone(),
            source,
        })?;
    }
    terminal.summary(&report, &|path, s| rerun_command(path, s));
    if !config.quiet {
        for (label, path) in [
            ("JUnit", &config.junit),
            ("Cucumber JSON", &config.cucumber_json),
        ] {
            if let Some(p) = path {
                println!("{label}: {}", p.display());
            }
        }
    }
    target.shutdown().await;
    Ok(report)
}

fn kind_name(kind: TargetKind) -> &'static str {
    match kind {
        TargetKind::Emulator => "emulator",
        TargetKind::Live => "live",
    }
}

fn describe_paths(paths: &[PathBuf]) -> String {
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    shown.join(", ")
}

fn create_file(path: &Path) -> Result<std::fs::File, RunError> {
    let io_error = |source| RunError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io_error)?;
    }
    std::fs::File::create(path).map_err(io_error)
}

/// The command that reruns one scenario.
pub fn rerun_command(path: &str, s: &ScenarioReport) -> String {
    let pattern = format!("^{}$", regex::escape(&s.name));
    format!(
        "cargo run --release -- run {} --name '{}'",
        shell_word(path),
        pattern.replace('\'', "'\\''")
    )
}

fn shell_word(text: &str) -> String {
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c))
    {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}
