//! The step vocabulary as QA read it (`voucherify-harness steps`), and what `run --dry-run`
//! found in feature files: values, and their text.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// A parameter type of the vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamDoc {
    pub name: String,
    pub meaning: String,
    pub example: String,
}

/// One step definition.
#[derive(Debug, Clone)]
pub struct StepEntry {
    /// `Given`, `When` or `Then`.
    pub kind: &'static str,
    /// The Cucumber Expression, e.g. `a coupon {string} giving {offer}`.
    pub expression: String,
    /// The step module it lives in (`coupons`, `checkout`, ...).
    pub area: String,
    /// `steps/coupons.rs:51`
    pub location: String,
    /// A step text it matches.
    pub example: String,
    /// Where the example was found (`features/coupons/discounts.feature:7`), if in a feature.
    pub example_at: Option<String>,
    pub params: Vec<ParamDoc>,
}

/// The catalogue: steps grouped by area, then the parameter types.
pub fn render(entries: &[StepEntry], params: &[ParamDoc]) -> String {
    let mut by_area: BTreeMap<&str, Vec<&StepEntry>> = BTreeMap::new();
    for e in entries {
        by_area.entry(e.area.as_str()).or_default().push(e);
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Step vocabulary: {} steps in {} areas. Given sets up, When acts, Then checks.\n",
        entries.len(),
        by_area.len()
    );
    for (area, mut steps) in by_area {
        let order = |k: &str| ["Given", "When", "Then"].iter().position(|x| *x == k);
        steps.sort_by(|a, b| {
            order(a.kind)
                .cmp(&order(b.kind))
                .then(a.expression.cmp(&b.expression))
        });
        let _ = writeln!(out, "## {area}");
        for s in steps {
            let _ = writeln!(out, "  {:<5} {}", s.kind, s.expression);
            let at = s
                .example_at
                .as_deref()
                .map(|a| format!("   ({a})"))
                .unwrap_or_default();
            let _ = writeln!(out, "        e.g. {} {}{at}", s.kind, s.example);
            if !s.params.is_empty() {
                let names: Vec<String> = s
                    .params
                    .iter()
                    .map(|p| format!("{{{}}} {}", p.name, p.meaning))
                    .collect();
                let _ = writeln!(out, "        parameters: {}", names.join("; "));
            }
        }
        out.push('\n');
    }
    let _ = writeln!(out, "## parameter types");
    for p in params {
        let _ = writeln!(
            out,
            "  {:<10} {} (e.g. {})",
            format!("{{{}}}", p.name),
            p.meaning,
            p.example
        );
    }
    out
}

/// What is wrong with a step in a feature file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// No definition matches: a pattern to write, and the nearest existing step.
    Undefined {
        suggestion: String,
        closest: Option<String>,
    },
    /// Several definitions match.
    Ambiguous { matches: Vec<String> },
}

/// One step of a feature file that would not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub path: String,
    pub line: usize,
    pub keyword: String,
    pub text: String,
    pub problem: Problem,
}

/// The dry-run's text: each finding with its fix, then a one-line verdict.
pub fn render_findings(findings: &[Finding], steps_checked: usize, scenarios: usize) -> String {
    let mut out = String::new();
    for f in findings {
        match &f.problem {
            Problem::Undefined {
                suggestion,
                closest,
            } => {
                let _ = writeln!(
                    out,
                    "undefined: {}:{}: {} {}",
                    f.path, f.line, f.keyword, f.text
                );
                if let Some(c) = closest {
                    let _ = writeln!(out, "    did you mean: {c}");
                }
                let _ = writeln!(out, "    or define it: {suggestion}");
            }
            Problem::Ambiguous { matches } => {
                let _ = writeln!(
                    out,
                    "ambiguous: {}:{}: {} {}",
                    f.path, f.line, f.keyword, f.text
                );
                for m in matches {
                    let _ = writeln!(out, "    matches: {m}");
                }
            }
        }
    }
    let undefined = findings
        .iter()
        .filter(|f| matches!(f.problem, Problem::Undefined { .. }))
        .count();
    let _ = writeln!(
        out,
        "dry run: {scenarios} scenarios, {steps_checked} steps checked, {undefined} undefined, {} ambiguous (no API called)",
        findings.len() - undefined
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_say_where_and_how_to_fix() {
        let text = render_findings(
            &[Finding {
                path: "typo.feature".into(),
                line: 3,
                keyword: "Given".into(),
                text: "a cuopon \"X\" giving 1.00 off".into(),
                problem: Problem::Undefined {
                    suggestion: "#[given(expr = \"a cuopon {string} giving {money} off\")]".into(),
                    closest: Some("Given a coupon {string} giving {offer}".into()),
                },
            }],
            12,
            4,
        );
        assert!(text.starts_with("undefined: typo.feature:3: Given a cuopon \"X\" giving 1.00 off\n    did you mean: Given a coupon {string} giving {offer}\n"));
        assert!(text.ends_with(
            "dry run: 4 scenarios, 12 steps checked, 1 undefined, 0 ambiguous (no API called)\n"
        ));
    }
}
