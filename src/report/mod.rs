//! A run's results as plain values, and the reports rendered from them: terminal lines and
//! summary, JUnit XML for CI. (Cucumber JSON is written by cucumber's own writer.)

pub mod collector;
pub mod junit;
pub mod terminal;

use std::path::PathBuf;
use std::time::Duration;

pub use collector::Collector;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Passed,
    Failed,
    Skipped,
    /// Not run (an earlier step failed or was skipped), or still running.
    Pending,
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

#[derive(Debug, Clone)]
pub struct StepReport {
    pub keyword: String,
    pub text: String,
    pub line: usize,
    pub status: Status,
    /// Failure text: expected vs actual and the last exchange.
    pub error: Option<String>,
    pub from_background: bool,
}

#[derive(Debug, Clone)]
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
}

#[derive(Debug, Clone)]
pub struct FeatureReport {
    pub name: String,
    pub path: Option<PathBuf>,
    pub tags: Vec<String>,
    pub scenarios: Vec<ScenarioReport>,
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
    pub parse_errors: Vec<String>,
    pub duration: Duration,
    /// `name → value` facts about the run (target, base URL, run id).
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

    /// True when every scenario passed (or was skipped on purpose) and every file parsed.
    pub fn succeeded(&self) -> bool {
        self.parse_errors.is_empty() && self.counts().failed == 0
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
            tags: vec![],
            scenarios: vec![],
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
    fn slugs_are_plain() {
        assert_eq!(
            slug("Coupon: discounts & limits!"),
            "coupon_discounts_limits"
        );
    }
}
