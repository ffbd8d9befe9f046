//! What a person sees while a run goes: a live progress line (on a terminal), one line per
//! scenario, failures in full, and a summary that names each failed scenario with the command
//! that reruns it.

use std::io::{IsTerminal as _, Write};
use std::time::Duration;

use super::{RunReport, ScenarioReport, Status};

/// Prints to stdout unless quiet.
#[derive(Debug, Clone, Default)]
pub struct Terminal {
    pub quiet: bool,
    /// Redraw a progress line in place (stdout is a terminal).
    pub live: bool,
}

/// How far the run is: the numbers behind the progress line.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    pub total: usize,
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    /// The scenario that started last and has not finished.
    pub current: Option<String>,
}

impl Progress {
    pub fn started(&mut self, name: &str) {
        self.current = Some(name.to_string());
    }

    pub fn finished(&mut self, name: &str, status: Status) {
        match status {
            Status::Passed => self.passed += 1,
            Status::Skipped => self.skipped += 1,
            Status::Failed | Status::Pending => self.failed += 1,
        }
        if self.current.as_deref() == Some(name) {
            self.current = None;
        }
    }

    pub fn done(&self) -> usize {
        self.passed + self.failed + self.skipped
    }

    /// `[12/27] 11 passed, 1 failed, 0 skipped · A percent coupon rounds…`, at most `width`
    /// characters.
    pub fn line(&self, width: usize) -> String {
        let mut line = format!(
            "[{}/{}] {} passed, {} failed, {} skipped",
            self.done(),
            self.total.max(self.done()),
            self.passed,
            self.failed,
            self.skipped
        );
        if let Some(current) = &self.current {
            line.push_str(" · ");
            line.push_str(current);
        }
        if line.chars().count() > width {
            line = line.chars().take(width.saturating_sub(1)).collect();
            line.push('…');
        }
        line
    }
}

/// Clears the current terminal line.
const CLEAR_LINE: &str = "\r\x1b[2K";

impl Terminal {
    /// A terminal that draws progress when stdout is one.
    pub fn new(quiet: bool) -> Self {
        Self {
            quiet,
            live: !quiet && std::io::stdout().is_terminal(),
        }
    }

    fn clear(&self, out: &mut impl Write) {
        if self.live {
            let _ = write!(out, "{CLEAR_LINE}");
        }
    }

    /// Redraws the progress line (only on a terminal).
    pub fn progress(&self, progress: &Progress) {
        if !self.live {
            return;
        }
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(100usize);
        let mut out = std::io::stdout().lock();
        let _ = write!(out, "{CLEAR_LINE}{}", progress.line(width.max(20)));
        let _ = out.flush();
    }

    /// Removes the progress line at the end of the run.
    pub fn progress_done(&self) {
        if self.live {
            let mut out = std::io::stdout().lock();
            self.clear(&mut out);
            let _ = out.flush();
        }
    }

    pub fn retrying(&self, feature: &str, s: &ScenarioReport) {
        if self.quiet {
            return;
        }
        let mut out = std::io::stdout().lock();
        self.clear(&mut out);
        let last = s.failed_attempts.last().map(String::as_str).unwrap_or("");
        let _ = writeln!(
            out,
            "  ↻ {feature} › {} failed, retrying ({last})",
            s.display_name()
        );
    }

    pub fn scenario(&self, feature: &str, s: &ScenarioReport) {
        if self.quiet {
            return;
        }
        let mark = match s.status {
            Status::Passed if s.is_flaky() => "⚠",
            Status::Passed => "✔",
            Status::Skipped => "○",
            Status::Failed | Status::Pending => "✘",
        };
        let mut out = std::io::stdout().lock();
        self.clear(&mut out);
        let flaky = if s.is_flaky() {
            format!(", flaky: passed on attempt {}", s.failed_attempts.len() + 1)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  {mark} {feature} › {} ({}{flaky})",
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
        if self.live {
            print!("{CLEAR_LINE}");
        }
        eprintln!("error: {text}");
    }

    /// The closing summary.
    pub fn summary(&self, report: &RunReport, rerun: &dyn Fn(&str, &ScenarioReport) -> String) {
        let c = report.counts();
        let steps: usize = report.scenarios().map(|(_, s)| s.steps.len()).sum();
        let flaky = report.scenarios().filter(|(_, s)| s.is_flaky()).count();
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out);
        let flaky = if flaky > 0 {
            format!(", {flaky} flaky")
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{} scenarios ({} passed, {} failed, {} skipped{flaky}), {} steps, in {:.2} s",
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
        let flaky: Vec<_> = report.scenarios().filter(|(_, s)| s.is_flaky()).collect();
        if !flaky.is_empty() {
            let _ = writeln!(out, "\nFlaky scenarios (passed after a retry):");
            for (f, s) in flaky {
                let path = super::junit::shown_path(f);
                let _ = writeln!(out, "  ⚠ {} ({path}:{})", s.display_name(), s.line);
                for attempt in &s.failed_attempts {
                    let _ = writeln!(out, "      {attempt}");
                }
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_progress_line_counts_and_fits_the_width() {
        let mut p = Progress {
            total: 27,
            ..Progress::default()
        };
        p.started("An amount coupon takes its value off the cart");
        p.finished(
            "An amount coupon takes its value off the cart",
            Status::Passed,
        );
        p.started("A percent coupon rounds the discount to the nearest cent");
        p.finished("x", Status::Failed);
        let line = p.line(200);
        assert_eq!(
            line,
            "[2/27] 1 passed, 1 failed, 0 skipped · A percent coupon rounds the discount to the nearest cent"
        );
        let short = p.line(30);
        assert_eq!(short.chars().count(), 30);
        assert!(short.ends_with('…'));
    }
}
