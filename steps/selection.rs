//! Which scenarios a run runs: the feature paths (a `file.feature:LINE` picks one scenario or
//! Examples row), tags, names, the shard, and the scenarios the target cannot run (`@emulator`
//! on the live target), which are reported skipped instead.

use std::collections::HashSet;
use std::path::PathBuf;
use std::str::FromStr;

use cucumber::gherkin::tagexpr::TagOperation;
use cucumber::tag::Ext as _;
use cucumber::{gherkin, parser};
use futures::stream::{self, StreamExt as _};
use regex::Regex;

use super::runner::{RunConfig, RunError};
use crate::report::collector::{feature_report, parse_error_text, scenario_report};
use crate::report::shard::{Shard, ShardKey};
use crate::report::{FeatureReport, Status};
use crate::target::TargetKind;

/// Parses several feature paths (files or folders) as one input.
#[derive(Debug, Default, Clone)]
pub struct Paths;

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
pub struct Selection {
    pub paths: Vec<PathBuf>,
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
pub struct Filter {
    tags: Option<TagOperation>,
    name: Option<Regex>,
    pub selection: Selection,
    /// (canonical file, line) of the scenarios of this shard.
    pub shard: Option<HashSet<(PathBuf, usize)>>,
}

impl Filter {
    pub fn new(config: &RunConfig) -> Result<Self, RunError> {
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
    pub fn selects(
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

    pub fn in_shard(&self, feature: &gherkin::Feature, scenario: &gherkin::Scenario) -> bool {
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
pub fn load(filter: &Filter) -> (Vec<gherkin::Feature>, Vec<String>) {
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
pub fn check_lines(filter: &Filter, features: &[gherkin::Feature]) -> Result<(), RunError> {
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
pub fn shard_members(features: &[gherkin::Feature], shard: Shard) -> HashSet<(PathBuf, usize)> {
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

pub fn junit_path(f: &gherkin::Feature) -> String {
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
pub fn skip_reason(
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
        "tagged @emulator: it needs the emulator's control plane (its clock, faults, rate-limit \
         modes, stacking rules or webhook outbox), which a live project does not have"
            .to_string()
    })
}

/// Reports of the selected scenarios this target cannot run, marked skipped with the reason.
pub fn skipped_on_target(
    features: &[gherkin::Feature],
    kind: TargetKind,
    filter: &Filter,
) -> Vec<FeatureReport> {
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
