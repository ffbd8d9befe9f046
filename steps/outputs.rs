//! Writes a run's reports from its [`RunReport`]: JUnit, Cucumber JSON, Cucumber Messages, the
//! request log and the HTML page. A report that cannot be written is noted in the run's report
//! (exit code 2) and does not stop the others.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use cucumber::gherkin;

use super::runner::{RunConfig, RunError};
use crate::client::Exchange;
use crate::report::{RunReport, cucumber_json, html, junit, messages};

/// One scenario's exchanges: (feature file, scenario line, scenario name, exchanges).
pub type Exchanges = (String, usize, String, Vec<Exchange>);

/// Writes every report it can; a report that cannot be written is noted in the run's report
/// (exit code 2) and does not stop the others.
pub fn write_reports(
    config: &RunConfig,
    report: &mut RunReport,
    exchanges: &Mutex<Vec<Exchanges>>,
    started: SystemTime,
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
