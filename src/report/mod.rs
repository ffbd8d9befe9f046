//! A run's results as plain values, and the reports rendered from them: terminal lines and
//! summary, JUnit XML for CI, Cucumber JSON and Cucumber Messages for report tools, the HTML
//! living documentation.

pub mod catalogue;
pub mod collector;
pub mod cucumber_json;
pub mod html;
pub mod junit;
pub mod messages;
pub mod shard;
pub mod terminal;

use std::path::PathBuf;
use std::time::Duration;

pub use collector::Collector;

/// A step's or a scenario's outcome; `Pending` is not run (an earlier step failed or was
/// skipped) or still running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Status {
    #[default]
    Pending,
    Passed,
    Failed,
    Skipped,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
            Self::Pending => "not run",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct StepReport {
    pub keyword: String,
    pub text: String,
    pub line: usize,
    pub status: Status,
    /// Failure text: expected vs actual and the last exchange.
    pub error: Option<String>,
    pub from_background: bool,
    pub duration: Duration,
    /// The step's doc string, if it has one.
    pub docstring: Option<String>,
    /// The step's data table, if it has one (header row first).
    pub table: Vec<Vec<String>>,
}

/// The line that separates a step failure's message from the exchange that produced it.
pub const EXCHANGE_HEADER: &str = "\n\nLast exchange (secrets redacted):\n";

impl StepReport {
    /// The failure message without the exchange, and without the "no answer" marker.
    pub fn message(&self) -> Option<&str> {
        let text = self.error.as_deref()?;
        let text = text.split(EXCHANGE_HEADER).next().unwrap_or(text);
        Some(text.strip_prefix(ERROR_MARKER).unwrap_or(text))
    }

    /// The redacted HTTP exchange attached to the failure, if any.
    pub fn exchange(&self) -> Option<&str> {
        self.error
            .as_deref()?
            .split_once(EXCHANGE_HEADER)
            .map(|(_, e)| e)
    }

    /// True when the failure is about a missing answer (unreachable, timeout, 5xx).
    pub fn is_error(&self) -> bool {
        self.error
            .as_deref()
            .is_some_and(|e| e.starts_with(ERROR_MARKER))
    }
}

/// The marker a step failure starts with when the target gave no usable answer.
pub const ERROR_MARKER: &str = "error: ";

#[derive(Debug, Clone, Default)]
pub struct ScenarioReport {
    pub name: String,
    /// `header: value` pairs of the Examples row, for a Scenario Outline.
    pub example: Vec<(String, String)>,
    pub line: usize,
    pub tags: Vec<String>,
    pub steps: Vec<StepReport>,
    pub status: Status,
    pub duration: Duration,
    /// Why the scenario was skipped, when it was.
    pub skip_reason: Option<String>,
    /// `Scenario` or `Scenario Outline` (as written in the file).
    pub keyword: String,
    /// The scenario's description lines, if any.
    pub description: String,
    /// The rule the scenario belongs to, if any.
    pub rule: Option<String>,
    /// One line per earlier attempt that failed (when retries are on).
    pub failed_attempts: Vec<String>,
}

impl ScenarioReport {
    /// The name plus the example values: stable and unique within a feature.
    pub fn display_name(&self) -> String {
        if self.example.is_empty() {
            return self.name.clone();
        }
        let values: Vec<String> = self
            .example
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        format!("{} [{}]", self.name, values.join(", "))
    }

    pub fn failed_step(&self) -> Option<&StepReport> {
        self.steps.iter().find(|s| s.status == Status::Failed)
    }

    /// Passed after failing at least once.
    pub fn is_flaky(&self) -> bool {
        self.status == Status::Passed && !self.failed_attempts.is_empty()
    }
}

#[derive(Debug, Clone, Default)]
pub struct FeatureReport {
    pub name: String,
    pub path: Option<PathBuf>,
    pub tags: Vec<String>,
    pub scenarios: Vec<ScenarioReport>,
    /// `Feature` (or its translation).
    pub keyword: String,
    pub line: usize,
    /// The free text under the feature's title.
    pub description: String,
    /// The background steps as written (shown once in the living documentation).
    pub background: Vec<StepReport>,
}

impl FeatureReport {
    /// The business area: the folder under `features/` (`coupons`), else the file's folder.
    pub fn area(&self) -> String {
        let Some(path) = &self.path else {
            return "features".into();
        };
        let parts: Vec<String> = path
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if let Some(i) = parts.iter().rposition(|p| p == "features")
            && i + 2 < parts.len()
        {
            return parts[i + 1].clone();
        }
        path.parent()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "features".into())
    }

    /// The file name without `.feature`.
    pub fn file_stem(&self) -> String {
        self.path
            .as_ref()
            .and_then(|p| p.file_stem())
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| slug(&self.name))
    }
}

/// Lower-case letters, digits and underscores only.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_string()
}

/// Everything a run did.
#[derive(Debug, Clone, Default)]
pub struct RunReport {
    pub features: Vec<FeatureReport>,
    /// Feature files that could not be read: `path:line:column: why`.
    pub parse_errors: Vec<String>,
    /// Reports that could not be written: `cannot write <path>: why`.
    pub write_errors: Vec<String>,
    pub duration: Duration,
    /// `name → value` facts about the run (target, base URL, run id, seed, ...).
    pub properties: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
}

impl Counts {
    pub fn total(&self) -> usize {
        self.passed + self.failed + self.skipped
    }
}

impl RunReport {
    pub fn scenarios(&self) -> impl Iterator<Item = (&FeatureReport, &ScenarioReport)> {
        self.features
            .iter()
            .flat_map(|f| f.scenarios.iter().map(move |s| (f, s)))
    }

    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for (_, s) in self.scenarios() {
            match s.status {
                Status::Passed => c.passed += 1,
                Status::Failed | Status::Pending => c.failed += 1,
                Status::Skipped => c.skipped += 1,
            }
        }
        c
    }

    /// True when every scenario passed (or was skipped on purpose), every file parsed and
    /// every report was written.
    pub fn succeeded(&self) -> bool {
        self.exit_code() == 0
    }

    /// 0 all passed, 1 a scenario failed, 2 bad input (a feature file that does not parse, a
    /// report that cannot be written).
    pub fn exit_code(&self) -> u8 {
        if !self.parse_errors.is_empty() || !self.write_errors.is_empty() {
            2
        } else if self.counts().failed > 0 {
            1
        } else {
            0
        }
    }

    /// A property's value.
    pub fn property(&self, name: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Features in path order and scenarios in file order, so reports do not depend on the
    /// order in which concurrent scenarios finished.
    pub fn sort(&mut self) {
        self.features
            .sort_by(|a, b| a.path.cmp(&b.path).then(a.name.cmp(&b.name)));
        for f in &mut self.features {
            f.scenarios.sort_by_key(|s| s.line);
        }
    }

    /// Scenario names made unique within each feature: the display name, and for the rare
    /// scenarios that share one (same title, same example values), ` (2)`, ` (3)` in file order.
    pub fn unique_names(feature: &FeatureReport) -> Vec<String> {
        let mut seen: std::collections::HashMap<String, usize> = Default::default();
        feature
            .scenarios
            .iter()
            .map(|s| {
                let name = s.display_name();
                let n = seen.entry(name.clone()).or_insert(0);
                *n += 1;
                if *n == 1 {
                    name
                } else {
                    format!("{name} ({n})")
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_come_from_the_features_folder() {
        let f = FeatureReport {
            name: "Coupon discounts".into(),
            path: Some(PathBuf::from("/x/features/coupons/discounts.feature")),
            ..FeatureReport::default()
        };
        assert_eq!(f.area(), "coupons");
        assert_eq!(f.file_stem(), "discounts");
        let flat = FeatureReport {
            path: Some(PathBuf::from("/tmp/mine/checkout.feature")),
            ..f
        };
        assert_eq!(flat.area(), "mine");
    }

    #[test]
    fn a_step_failure_splits_into_message_and_exchange() {
        use crate::steps::world::{FailureKind, StepFailure};
        let failure = StepFailure {
            kind: FailureKind::Error,
            message: "no answer from the target".into(),
            exchange: Some("> GET /v1/vouchers/X\n< no answer\n".into()),
        };
        let step = StepReport {
            status: Status::Failed,
            error: Some(failure.to_string()),
            ..StepReport::default()
        };
        assert!(step.is_error());
        assert_eq!(step.message(), Some("no answer from the target"));
        assert_eq!(step.exchange(), Some("> GET /v1/vouchers/X\n< no answer\n"));
        assert_eq!(ERROR_MARKER, crate::steps::world::ERROR_MARKER);
    }

    #[test]
    fn scenario_names_are_unique_within_a_feature() {
        let scenario = |name: &str, example: &[(&str, &str)], line| ScenarioReport {
            name: name.into(),
            example: example
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            line,
            ..ScenarioReport::default()
        };
        let f = FeatureReport {
            scenarios: vec![
                scenario("A coupon", &[("uses", "1")], 10),
                scenario("A coupon", &[("uses", "3")], 11),
                scenario("A coupon", &[("uses", "3")], 12),
                scenario("Another", &[], 20),
            ],
            ..FeatureReport::default()
        };
        assert_eq!(
            RunReport::unique_names(&f),
            [
                "A coupon [uses=1]",
                "A coupon [uses=3]",
                "A coupon [uses=3] (2)",
                "Another"
            ]
        );
    }

    #[test]
    fn slugs_are_plain() {
        assert_eq!(
            slug("Coupon: discounts & limits!"),
            "coupon_discounts_limits"
        );
    }
}
