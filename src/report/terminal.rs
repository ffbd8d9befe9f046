//! What a person sees while a run goes: one line per scenario, failures in full, a summary
//! that names each failed scenario with the command that reruns it.

use std::io::Write;
use std::time::Duration;

use super::{RunReport, ScenarioReport, Status};

/// Prints to stdout unless quiet.
#[derive(Debug, Clone, Default)]
pub struct Terminal {
    pub quiet: bool,
}

impl Terminal {
    pub fn scenario(&self, feature: &str, s: &ScenarioReport) {
        if self.quiet {
            return;
        }
        let mark = match s.status {
            Status::Passed => "✔",
            Status::Skipped => "○",
            Status::Failed | Status::Pending => "✘",
        };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "  {mark} {feature} › {} ({})",
            s.display_name(),
            millis(s.duration)
        );
        if let Some(step) = s.failed_step() {
            let _ = writeln!(
                out,
                "      failed at line {}: {} {}",
                step.line, step.keyword, step.text
            );
            for line in step.error.as_deref().unwrap_or("").lines() {
                let _ = writeln!(out, "        {line}");
            }
        } else if s.status == Status::Skipped {
            let _ = writeln!(
                out,
                "      skipped: {}",
                s.skip_reason.as_deref().unwrap_or("")
            );
        }
    }

    pub fn parse_error(&self, text: &str) {
        eprintln!("error: {text}");
    }

    /// The closing summary.
    pub fn summary(&self, report: &RunReport, rerun: &dyn Fn(&str, &ScenarioReport) -> String) {
        let c = report.counts();
        let steps: usize = report.scenarios().map(|(_, s)| s.steps.len()).sum();
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{} scenarios ({} passed, {} failed, {} skipped), {} steps, in {:.2} s",
            c.total(),
            c.passed,
            c.failed,
            c.skipped,
            steps,
            report.duration.as_secs_f64()
        );
        for e in &report.parse_errors {
            let _ = writeln!(out, "parse error: {e}");
        }
        let failed: Vec<_> = report
            .scenarios()
            .filter(|(_, s)| matches!(s.status, Status::Failed | Status::Pending))
            .collect();
        if !failed.is_empty() {
            let _ = writeln!(out, "\nFailed scenarios:");
            for (f, s) in failed {
                let path = super::junit::shown_path(f);
                let _ = writeln!(out, "  ✘ {} ({path}:{})", s.display_name(), s.line);
                let _ = writeln!(out, "      rerun: {}", rerun(&path, s));
            }
        }
    }
}

fn millis(d: Duration) -> String {
    format!("{} ms", d.as_millis())
}
