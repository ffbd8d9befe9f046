//! JUnit XML for CI: one `testcase` per scenario (and per Examples row) named after the
//! scenario and its example values (never its line), `classname`
//! `features.<area>.<feature_slug>`, `file` and `line`, `failure` for a wrong answer and `error`
//! when the target could not answer, `skipped` with its reason, run properties on each suite,
//! a scenario that passed on a retry once with a `flakyFailure` per failed attempt, and the
//! scenario's steps with the failing exchange in `system-out`.

use std::fmt::Write as _;
use std::path::Path;

use super::{FeatureReport, RunReport, ScenarioReport, Status, slug};

/// `features.<area>.<feature>`, with no other dots.
pub fn classname(feature: &FeatureReport) -> String {
    format!(
        "features.{}.{}",
        slug(&feature.area()),
        slug(&feature.file_stem())
    )
}

/// The file path as shown in reports: relative to the working directory when below it.
pub fn shown_path(feature: &FeatureReport) -> String {
    let Some(path) = &feature.path else {
        return String::new();
    };
    let cwd = std::env::current_dir().unwrap_or_default();
    path.strip_prefix(&cwd)
        .unwrap_or(path)
        .display()
        .to_string()
}

pub fn render(report: &RunReport) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let totals = totals(report.features.iter().flat_map(|f| f.scenarios.iter()));
    let _ = writeln!(
        xml,
        "<testsuites name=\"voucherify-harness\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3}\">",
        totals.0,
        totals.1,
        totals.2,
        totals.3,
        report.duration.as_secs_f64()
    );
    for feature in &report.features {
        suite(&mut xml, report, feature);
    }
    for error in &report.parse_errors {
        let _ = writeln!(
            xml,
            "  <testsuite name=\"parse errors\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\" time=\"0\">\n    <testcase name=\"{}\" classname=\"features.parse_errors\" time=\"0\">\n      <error message=\"{}\" type=\"ParseError\"/>\n    </testcase>\n  </testsuite>",
            escape(&first_line(error)),
            escape(error)
        );
    }
    xml.push_str("</testsuites>\n");
    xml
}

/// (tests, failures, errors, skipped)
fn totals<'a>(scenarios: impl Iterator<Item = &'a ScenarioReport>) -> (usize, usize, usize, usize) {
    let mut t = (0, 0, 0, 0);
    for s in scenarios {
        t.0 += 1;
        match outcome(s) {
            Outcome::Failure => t.1 += 1,
            Outcome::Error => t.2 += 1,
            Outcome::Skipped => t.3 += 1,
            Outcome::Passed => {}
        }
    }
    t
}

#[derive(PartialEq)]
enum Outcome {
    Passed,
    Failure,
    Error,
    Skipped,
}

fn outcome(s: &ScenarioReport) -> Outcome {
    match s.status {
        Status::Passed => Outcome::Passed,
        Status::Skipped => Outcome::Skipped,
        Status::Failed | Status::Pending => {
            if s.failed_step().is_some_and(|st| st.is_error()) {
                Outcome::Error
            } else {
                Outcome::Failure
            }
        }
    }
}

fn suite(xml: &mut String, report: &RunReport, feature: &FeatureReport) {
    let t = totals(feature.scenarios.iter());
    let time: f64 = feature
        .scenarios
        .iter()
        .map(|s| s.duration.as_secs_f64())
        .sum();
    let file = shown_path(feature);
    let _ = writeln!(
        xml,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{time:.3}\" file=\"{}\">",
        escape(&feature.name),
        t.0,
        t.1,
        t.2,
        t.3,
        escape(&file)
    );
    if !report.properties.is_empty() {
        xml.push_str("    <properties>\n");
        for (name, value) in &report.properties {
            let _ = writeln!(
                xml,
                "      <property name=\"{}\" value=\"{}\"/>",
                escape(name),
                escape(value)
            );
        }
        xml.push_str("    </properties>\n");
    }
    let classname = classname(feature);
    let names = RunReport::unique_names(feature);
    for (s, name) in feature.scenarios.iter().zip(&names) {
        let _ = writeln!(
            xml,
            "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\" time=\"{:.3}\">",
            escape(name),
            escape(&classname),
            escape(&file),
            s.line,
            s.duration.as_secs_f64()
        );
        match outcome(s) {
            Outcome::Passed if s.is_flaky() => {
                xml.push_str(
                    "      <properties>\n        <property name=\"flaky\" value=\"true\"/>\n      </properties>\n",
                );
                for attempt in &s.failed_attempts {
                    let _ = writeln!(
                        xml,
                        "      <flakyFailure message=\"{}\" type=\"AssertionError\"/>",
                        escape(&first_line(attempt))
                    );
                }
            }
            Outcome::Passed => {}
            Outcome::Skipped => {
                let _ = writeln!(
                    xml,
                    "      <skipped message=\"{}\"/>",
                    escape(s.skip_reason.as_deref().unwrap_or("skipped"))
                );
            }
            kind @ (Outcome::Failure | Outcome::Error) => {
                let (tag, kind_name) = if kind == Outcome::Error {
                    ("error", "Error")
                } else {
                    ("failure", "AssertionError")
                };
                let (message, detail) = match s.failed_step() {
                    Some(step) => {
                        let text = step.error.clone().unwrap_or_default();
                        let text = text
                            .strip_prefix(super::ERROR_MARKER)
                            .unwrap_or(&text)
                            .to_string();
                        (
                            format!(
                                "{} {} (line {}): {}",
                                step.keyword,
                                step.text,
                                step.line,
                                first_line(step.message().unwrap_or(""))
                            ),
                            text,
                        )
                    }
                    None => ("the scenario did not finish".to_string(), String::new()),
                };
                let _ = writeln!(
                    xml,
                    "      <{tag} message=\"{}\" type=\"{kind_name}\">{}</{tag}>",
                    escape(&message),
                    escape(&detail)
                );
            }
        }
        let _ = writeln!(
            xml,
            "      <system-out>{}</system-out>",
            escape(&steps_text(s))
        );
        xml.push_str("    </testcase>\n");
    }
    xml.push_str("  </testsuite>\n");
}

fn steps_text(s: &ScenarioReport) -> String {
    let mut out = String::new();
    for st in &s.steps {
        let _ = writeln!(
            out,
            "[{}] {} {} (line {})",
            st.status.label(),
            st.keyword,
            st.text,
            st.line
        );
        if let Some(e) = &st.error {
            for line in e.lines() {
                let _ = writeln!(out, "    {line}");
            }
        }
    }
    out
}

fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or("");
    line.chars().take(500).collect()
}

/// XML text and attribute escaping; characters XML 1.0 forbids are dropped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

pub fn write(report: &RunReport, path: &Path) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, render(report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::StepReport;
    use std::path::PathBuf;
    use std::time::Duration;

    fn report(error: Option<&str>) -> RunReport {
        let status = if error.is_some() {
            Status::Failed
        } else {
            Status::Passed
        };
        RunReport {
            features: vec![FeatureReport {
                name: "Coupon <discounts>".into(),
                path: Some(PathBuf::from("/p/features/coupons/discounts.feature")),
                scenarios: vec![ScenarioReport {
                    name: "A coupon".into(),
                    example: vec![("uses".into(), "3".into())],
                    line: 7,
                    steps: vec![StepReport {
                        keyword: "Then".into(),
                        text: "the discount is 10.00".into(),
                        line: 9,
                        status,
                        error: error.map(str::to_string),
                        from_background: false,
                        ..StepReport::default()
                    }],
                    status,
                    duration: Duration::from_millis(12),
                    skip_reason: None,
                    ..ScenarioReport::default()
                }],
                ..FeatureReport::default()
            }],
            parse_errors: vec![],
            write_errors: vec![],
            duration: Duration::from_millis(20),
            properties: vec![("target".into(), "emulator".into())],
        }
    }

    #[test]
    fn a_failure_names_step_expected_and_actual() {
        let xml = render(&report(Some("total discount: expected 10.00, got 12.00")));
        assert!(xml.contains("<failure message=\"Then the discount is 10.00 (line 9): total discount: expected 10.00, got 12.00\""));
        assert!(xml.contains("classname=\"features.coupons.discounts\""));
        assert!(xml.contains("name=\"A coupon [uses=3]\""));
        assert!(xml.contains("line=\"7\""));
        assert!(xml.contains("Coupon &lt;discounts&gt;"));
        assert!(xml.contains("<property name=\"target\" value=\"emulator\"/>"));
    }

    #[test]
    fn an_unreachable_target_is_an_error() {
        let xml = render(&report(Some(
            "error: target unreachable at http://127.0.0.1:1/",
        )));
        assert!(xml.contains("<error message="));
        assert!(xml.contains("errors=\"1\""));
        assert!(!xml.contains("<failure"));
    }

    #[test]
    fn escapes_what_xml_forbids() {
        assert_eq!(escape("a&b\u{1}<c>\"'"), "a&amp;b&lt;c&gt;&quot;&apos;");
    }
}
