//! The HTML report (`reports/index.html`): one self-contained page a product owner can open
//! without a network: the run's metadata, a summary per business area with an inline SVG chart,
//! the failures first, then every feature as living documentation with each step's status, and
//! for a failing step the expected and actual values and the redacted HTTP exchange.
//!
//! Plain string building over the [`RunReport`] values: no template engine, no JavaScript.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::junit::{escape, shown_path};
use super::{Counts, FeatureReport, RunReport, ScenarioReport, Status, StepReport, slug};

const STYLE: &str = r#"
:root { --pass:#2e7d32; --fail:#c62828; --skip:#757575; --flaky:#e65100; --ink:#1f2328; --muted:#59636e; --line:#d1d9e0; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink); margin: 0; background: #f6f8fa; }
header { background: #24292f; color: #fff; padding: 18px 32px; }
header h1 { margin: 0; font-size: 22px; font-weight: 600; }
header .verdict { display: inline-block; margin-left: 12px; padding: 2px 10px; border-radius: 12px; font-size: 14px; vertical-align: middle; }
.verdict.passed { background: var(--pass); } .verdict.failed { background: var(--fail); }
main { max-width: 1100px; margin: 0 auto; padding: 8px 32px 48px; }
h2 { font-size: 19px; margin: 28px 0 10px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 17px; margin: 0 0 4px; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin: 8px 0 16px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 18px; min-width: 110px; }
.card b { display: block; font-size: 26px; }
.card.passed b { color: var(--pass); } .card.failed b { color: var(--fail); } .card.skipped b { color: var(--skip); } .card.flaky b { color: var(--flaky); }
table { border-collapse: collapse; background: #fff; }
td, th { border: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #f0f3f6; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.summary { display: flex; gap: 20px; flex-wrap: wrap; align-items: center; }
.chart { background: #fff; border: 1px solid var(--line); border-radius: 8px; }
.meta td:first-child { color: var(--muted); white-space: nowrap; }
.area { margin-top: 8px; }
.feature { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 18px; margin: 14px 0; }
.feature .path { color: var(--muted); font-size: 13px; }
.description { white-space: pre-line; color: #333; margin: 6px 0 10px; }
.tag { display: inline-block; background: #ddf4ff; color: #0550ae; border-radius: 10px; padding: 0 8px; font-size: 12px; margin-right: 4px; }
.scenario { border-left: 4px solid var(--line); margin: 12px 0 0; padding: 2px 0 2px 12px; }
.scenario.passed { border-color: var(--pass); } .scenario.failed { border-color: var(--fail); } .scenario.skipped { border-color: var(--skip); } .scenario.flaky { border-color: var(--flaky); }
.scenario summary { cursor: pointer; font-weight: 600; }
.scenario summary .status { font-weight: 400; font-size: 13px; color: var(--muted); margin-left: 8px; }
.steps { list-style: none; margin: 6px 0 0; padding: 0; }
.step { padding: 1px 0; }
.step .mark { display: inline-block; width: 1.4em; font-weight: 700; }
.step.passed .mark { color: var(--pass); } .step.failed .mark { color: var(--fail); } .step.skipped .mark, .step.not-run .mark { color: var(--skip); }
.step.not-run { color: var(--muted); }
.kw { font-weight: 600; color: #8250df; }
.value { color: #0a3069; background: #eef4ff; border-radius: 3px; padding: 0 2px; }
.background { color: var(--muted); font-size: 13px; margin: 8px 0 0; }
.step table { margin: 4px 0 4px 1.4em; font-size: 14px; }
.failure { margin: 6px 0 8px 1.4em; border: 1px solid #ffcecb; background: #fff5f5; border-radius: 6px; padding: 8px 12px; }
.failure .message { font-weight: 600; color: var(--fail); white-space: pre-wrap; }
.failure table { margin: 6px 0; }
.failure th { width: 90px; }
pre.exchange { max-height: 420px; overflow: auto; }
pre { background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px; padding: 8px; overflow-x: auto; font-size: 12.5px; white-space: pre-wrap; word-break: break-all; margin: 6px 0 0; }
.attempts { color: var(--flaky); font-size: 13px; margin: 4px 0; }
ul.failed-list li { margin: 4px 0; }
ul.failed-list .why { color: var(--fail); font-weight: 600; }
ul.failed-list table { margin: 4px 0 8px; font-size: 14px; }
a { color: #0969da; }
footer { color: var(--muted); font-size: 13px; text-align: center; padding: 16px; }
"#;

/// The whole page.
pub fn render(report: &RunReport) -> String {
    let mut html = String::with_capacity(64 * 1024);
    let counts = report.counts();
    let verdict = if report.succeeded() {
        "passed"
    } else {
        "failed"
    };
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Scenario report: {} of {} passed</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header><h1>Voucherify integration: scenario report<span class=\"verdict {verdict}\">{}</span></h1></header>\n<main>\n",
        counts.passed,
        counts.total(),
        if verdict == "passed" {
            "all passed"
        } else {
            "failures"
        }
    );
    summary(&mut html, report);
    problems(&mut html, report);
    failures(&mut html, report);
    metadata(&mut html, report);
    features(&mut html, report);
    let _ = write!(
        html,
        "</main>\n<footer>voucherify-harness {} · this page needs no network access</footer>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    html
}

/// Counts per business area, in area order.
fn areas(report: &RunReport) -> BTreeMap<String, (Counts, usize)> {
    let mut areas: BTreeMap<String, (Counts, usize)> = BTreeMap::new();
    for f in &report.features {
        let entry = areas.entry(f.area()).or_default();
        for s in &f.scenarios {
            match s.status {
                Status::Passed => entry.0.passed += 1,
                Status::Skipped => entry.0.skipped += 1,
                Status::Failed | Status::Pending => entry.0.failed += 1,
            }
            if s.is_flaky() {
                entry.1 += 1;
            }
        }
    }
    areas
}

fn summary(html: &mut String, report: &RunReport) {
    let c = report.counts();
    let flaky = report.scenarios().filter(|(_, s)| s.is_flaky()).count();
    html.push_str("<section id=\"summary\">\n<h2>Summary</h2>\n<div class=\"cards\">");
    for (class, label, n) in [
        ("total", "scenarios", c.total()),
        ("passed", "passed", c.passed),
        ("failed", "failed", c.failed),
        ("skipped", "skipped", c.skipped),
        ("flaky", "flaky", flaky),
    ] {
        let _ = write!(
            html,
            "<div class=\"card {class}\" data-count=\"{class}\"><b>{n}</b>{label}</div>"
        );
    }
    html.push_str("</div>\n<div class=\"summary\">\n");
    let areas = areas(report);
    html.push_str(&donut(&c));
    html.push_str(&chart(&areas));
    html.push_str(
        "<table class=\"areas\"><tr><th>Area</th><th>Passed</th><th>Failed</th><th>Skipped</th><th>Flaky</th></tr>",
    );
    for (area, (c, flaky)) in &areas {
        let _ = write!(
            html,
            "<tr data-area=\"{a}\"><td><a href=\"#area-{s}\">{a}</a></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{flaky}</td></tr>",
            c.passed,
            c.failed,
            c.skipped,
            a = escape(area),
            s = slug(area),
        );
    }
    html.push_str("</table>\n</div>\n</section>\n");
}

/// The whole run as a ring: passed, failed, skipped, with the pass rate in the middle.
fn donut(c: &Counts) -> String {
    const R: f64 = 52.0;
    let circumference = 2.0 * std::f64::consts::PI * R;
    let total = c.total().max(1) as f64;
    let mut svg = String::from(
        "<svg class=\"chart donut\" role=\"img\" aria-label=\"All scenarios: passed, failed, skipped\" xmlns=\"http://www.w3.org/2000/svg\" width=\"150\" height=\"150\" viewBox=\"0 0 150 150\"><circle cx=\"75\" cy=\"75\" r=\"52\" fill=\"none\" stroke=\"#eaeef2\" stroke-width=\"18\"/>",
    );
    let mut offset = 0.0;
    for (n, color) in [
        (c.passed, "#2e7d32"),
        (c.failed, "#c62828"),
        (c.skipped, "#9e9e9e"),
    ] {
        if n == 0 {
            continue;
        }
        let len = circumference * n as f64 / total;
        let _ = write!(
            svg,
            "<circle cx=\"75\" cy=\"75\" r=\"{R}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"18\" stroke-dasharray=\"{len:.2} {:.2}\" stroke-dashoffset=\"{:.2}\" transform=\"rotate(-90 75 75)\"/>",
            circumference - len,
            -offset
        );
        offset += len;
    }
    let rate = 100.0 * c.passed as f64 / total;
    let _ = writeln!(
        svg,
        "<text x=\"75\" y=\"80\" text-anchor=\"middle\" font-size=\"22\" font-weight=\"700\" fill=\"#1f2328\">{rate:.0}%</text><text x=\"75\" y=\"98\" text-anchor=\"middle\" font-size=\"11\" fill=\"#59636e\">passed</text></svg>"
    );
    svg
}

/// A horizontal stacked bar per area: passed, failed, skipped.
fn chart(areas: &BTreeMap<String, (Counts, usize)>) -> String {
    const LABEL: f64 = 110.0;
    const BAR: f64 = 380.0;
    const ROW: f64 = 32.0;
    let max = areas
        .values()
        .map(|(c, _)| c.total())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let height = ROW * areas.len() as f64 + 34.0;
    let width = LABEL + BAR + 60.0;
    let mut svg = format!(
        "<svg class=\"chart\" role=\"img\" aria-label=\"Scenarios per area: passed, failed, skipped\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">"
    );
    for (i, (area, (c, _))) in areas.iter().enumerate() {
        let y = 8.0 + ROW * i as f64;
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"14\" fill=\"#1f2328\">{}</text>",
            LABEL - 8.0,
            y + 15.0,
            escape(area)
        );
        let mut x = LABEL;
        for (n, color, what) in [
            (c.passed, "#2e7d32", "passed"),
            (c.failed, "#c62828", "failed"),
            (c.skipped, "#9e9e9e", "skipped"),
        ] {
            if n == 0 {
                continue;
            }
            let w = BAR * n as f64 / max;
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{y}\" width=\"{w:.1}\" height=\"20\" fill=\"{color}\"><title>{} {what}</title></rect>",
                n
            );
            if w >= 18.0 {
                let _ = write!(
                    svg,
                    "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\" fill=\"#fff\">{n}</text>",
                    x + w / 2.0,
                    y + 14.5
                );
            }
            x += w;
        }
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{}\" font-size=\"12\" fill=\"#59636e\">{}</text>",
            x + 6.0,
            y + 15.0,
            c.total()
        );
    }
    let legend_y = 8.0 + ROW * areas.len() as f64 + 6.0;
    let mut x = LABEL;
    for (label, color) in [
        ("passed", "#2e7d32"),
        ("failed", "#c62828"),
        ("skipped", "#9e9e9e"),
    ] {
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"{legend_y}\" width=\"12\" height=\"12\" fill=\"{color}\"/><text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#1f2328\">{label}</text>",
            x + 16.0,
            legend_y + 10.5
        );
        x += 80.0;
    }
    svg.push_str("</svg>\n");
    svg
}

fn metadata(html: &mut String, report: &RunReport) {
    html.push_str("<section id=\"metadata\">\n<h2>Run</h2>\n<table class=\"meta\">");
    let _ = write!(
        html,
        "<tr><td>duration</td><td>{:.2} s</td></tr>",
        report.duration.as_secs_f64()
    );
    for (name, value) in &report.properties {
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td></tr>",
            escape(name),
            escape(value)
        );
    }
    html.push_str("</table>\n</section>\n");
}

fn problems(html: &mut String, report: &RunReport) {
    for (id, title, errors) in [
        (
            "parse-errors",
            "Feature files that do not parse",
            &report.parse_errors,
        ),
        (
            "write-errors",
            "Reports that could not be written",
            &report.write_errors,
        ),
    ] {
        if errors.is_empty() {
            continue;
        }
        let _ = write!(html, "<section id=\"{id}\">\n<h2>{title}</h2>\n<ul>");
        for e in errors {
            let _ = write!(html, "<li><code>{}</code></li>", escape(e));
        }
        html.push_str("</ul>\n</section>\n");
    }
}

fn anchor(f: &FeatureReport, s: &ScenarioReport) -> String {
    format!(
        "{}-{}",
        slug(&f.area()),
        slug(&format!("{} {}", f.file_stem(), s.line))
    )
}

fn failures(html: &mut String, report: &RunReport) {
    let failed: Vec<_> = report
        .scenarios()
        .filter(|(_, s)| matches!(s.status, Status::Failed | Status::Pending))
        .collect();
    if failed.is_empty() {
        return;
    }
    html.push_str(
        "<section id=\"failures\">\n<h2>Failed scenarios</h2>\n<ul class=\"failed-list\">",
    );
    for (f, s) in failed {
        let step = s
            .failed_step()
            .map(|st| {
                let message = st.message().unwrap_or("").lines().next().unwrap_or("");
                let table = expected_actual(message)
                    .map(|(e, a)| {
                        format!(
                            "<table class=\"expected-actual\"><tr><th>Expected</th><td>{}</td><th>Actual</th><td>{}</td></tr></table>",
                            escape(&e),
                            escape(&a)
                        )
                    })
                    .unwrap_or_default();
                format!(
                    " at <i>{} {}</i><div class=\"why\">{}</div>{table}",
                    escape(&st.keyword),
                    escape(&st.text),
                    escape(message)
                )
            })
            .unwrap_or_default();
        let _ = write!(
            html,
            "<li><a href=\"#{}\">{}</a> <span class=\"path\">({}:{})</span>{step}</li>",
            anchor(f, s),
            escape(&s.display_name()),
            escape(&shown_path(f)),
            s.line
        );
    }
    html.push_str("</ul>\n</section>\n");
}

fn features(html: &mut String, report: &RunReport) {
    html.push_str("<section id=\"features\">\n<h2>Features</h2>\n");
    let mut by_area: BTreeMap<String, Vec<&FeatureReport>> = BTreeMap::new();
    for f in &report.features {
        by_area.entry(f.area()).or_default().push(f);
    }
    for (area, features) in by_area {
        let _ = writeln!(
            html,
            "<div class=\"area\" id=\"area-{}\"><h2>{}</h2>",
            slug(&area),
            escape(&area)
        );
        for f in features {
            feature(html, f);
        }
        html.push_str("</div>\n");
    }
    html.push_str("</section>\n");
}

fn tags(tags: &[String]) -> String {
    tags.iter()
        .map(|t| {
            format!(
                "<span class=\"tag\">@{}</span>",
                escape(t.trim_start_matches('@'))
            )
        })
        .collect()
}

fn feature(html: &mut String, f: &FeatureReport) {
    let _ = write!(
        html,
        "<article class=\"feature\"><h3>{}: {}</h3><div class=\"path\">{} {}</div>",
        escape(if f.keyword.is_empty() {
            "Feature"
        } else {
            &f.keyword
        }),
        escape(&f.name),
        escape(&shown_path(f)),
        tags(&f.tags)
    );
    if !f.description.is_empty() {
        let _ = write!(
            html,
            "<div class=\"description\">{}</div>",
            escape(&f.description)
        );
    }
    if !f.background.is_empty() {
        html.push_str("<div class=\"background\"><span class=\"kw\">Background</span> (before every scenario)<ul class=\"steps\">");
        for st in &f.background {
            let _ = write!(
                html,
                "<li class=\"step\"><span class=\"mark\">·</span>{}</li>",
                step_text(st)
            );
        }
        html.push_str("</ul></div>");
    }
    for s in &f.scenarios {
        scenario(html, f, s);
    }
    html.push_str("</article>\n");
}

fn scenario_class(s: &ScenarioReport) -> &'static str {
    match s.status {
        Status::Passed if s.is_flaky() => "flaky",
        Status::Passed => "passed",
        Status::Skipped => "skipped",
        Status::Failed | Status::Pending => "failed",
    }
}

fn scenario(html: &mut String, f: &FeatureReport, s: &ScenarioReport) {
    let class = scenario_class(s);
    let status = match class {
        "flaky" => format!("passed on attempt {}", s.failed_attempts.len() + 1),
        other => other.to_string(),
    };
    let _ = write!(
        html,
        "<details class=\"scenario {class}\" id=\"{}\" open><summary>{}: {} <span class=\"status\">{status} · {} ms · line {}</span> {}</summary>",
        anchor(f, s),
        escape(if s.keyword.is_empty() {
            "Scenario"
        } else {
            &s.keyword
        }),
        escape(&s.display_name()),
        s.duration.as_millis(),
        s.line,
        tags(&own_tags(f, s)),
    );
    if !s.description.is_empty() {
        let _ = write!(
            html,
            "<div class=\"description\">{}</div>",
            escape(&s.description)
        );
    }
    for attempt in &s.failed_attempts {
        let _ = write!(html, "<div class=\"attempts\">{}</div>", escape(attempt));
    }
    if let Some(reason) = s
        .skip_reason
        .as_deref()
        .filter(|_| s.status == Status::Skipped)
    {
        let _ = write!(
            html,
            "<div class=\"attempts\">skipped: {}</div>",
            escape(reason)
        );
    }
    html.push_str("<ul class=\"steps\">");
    for st in s.steps.iter().filter(|st| !st.from_background) {
        step(html, st);
    }
    // A failing background step is shown too: it is why the scenario failed.
    for st in s
        .steps
        .iter()
        .filter(|st| st.from_background && st.status == Status::Failed)
    {
        step(html, st);
    }
    html.push_str("</ul></details>\n");
}

fn own_tags(f: &FeatureReport, s: &ScenarioReport) -> Vec<String> {
    s.tags
        .iter()
        .filter(|t| !f.tags.contains(t))
        .cloned()
        .collect()
}

fn step(html: &mut String, st: &StepReport) {
    let (class, mark) = match st.status {
        Status::Passed => ("passed", "✓"),
        Status::Failed => ("failed", "✗"),
        Status::Skipped => ("skipped", "?"),
        Status::Pending => ("not-run", "–"),
    };
    let _ = write!(
        html,
        "<li class=\"step {class}\" title=\"{}\"><span class=\"mark\">{mark}</span>{}",
        st.status.label(),
        step_text(st)
    );
    if let Some(message) = st.message().filter(|_| st.status == Status::Failed) {
        html.push_str("<div class=\"failure\">");
        let _ = write!(html, "<div class=\"message\">{}</div>", escape(message));
        if let Some((expected, actual)) = expected_actual(message) {
            let _ = write!(
                html,
                "<table class=\"expected-actual\"><tr><th>Expected</th><td>{}</td></tr><tr><th>Actual</th><td>{}</td></tr></table>",
                escape(&expected),
                escape(&actual)
            );
        }
        if let Some(exchange) = st.exchange() {
            let _ = write!(
                html,
                "<div>HTTP exchange (secrets redacted)</div><pre class=\"exchange\">{}</pre>",
                escape(&readable_exchange(exchange))
            );
        }
        html.push_str("</div>");
    }
    html.push_str("</li>");
}

/// The exchange with its JSON bodies indented, so a reader finds the fields.
fn readable_exchange(exchange: &str) -> String {
    let mut out = String::new();
    for line in exchange.trim_end().lines() {
        let body = line
            .strip_prefix("> ")
            .or_else(|| line.strip_prefix("< "))
            .filter(|b| b.starts_with('{') || b.starts_with('['))
            .and_then(|b| serde_json::from_str::<serde_json::Value>(b).ok())
            .and_then(|v| serde_json::to_string_pretty(&v).ok());
        match body {
            Some(pretty) => {
                let prefix = &line[..2];
                for (i, l) in pretty.lines().enumerate() {
                    out.push_str(if i == 0 { prefix } else { "  " });
                    out.push_str(l);
                    out.push('\n');
                }
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out.trim_end().to_string()
}

/// The step's words with its quoted values and numbers highlighted, and its table or doc string.
fn step_text(st: &StepReport) -> String {
    let mut out = format!("<span class=\"kw\">{}</span> ", escape(&st.keyword));
    let mut rest = st.text.as_str();
    while let Some(start) = rest.find('"') {
        let Some(len) = rest[start + 1..].find('"') else {
            break;
        };
        out.push_str(&escape(&rest[..start]));
        let _ = write!(
            out,
            "<span class=\"value\">{}</span>",
            escape(&rest[start..start + len + 2])
        );
        rest = &rest[start + len + 2..];
    }
    out.push_str(&escape(rest));
    if let Some((header, rows)) = st.table.split_first() {
        out.push_str("<table><tr>");
        for cell in header {
            let _ = write!(out, "<th>{}</th>", escape(cell));
        }
        out.push_str("</tr>");
        for row in rows {
            out.push_str("<tr>");
            for cell in row {
                let _ = write!(out, "<td>{}</td>", escape(cell));
            }
            out.push_str("</tr>");
        }
        out.push_str("</table>");
    }
    if let Some(doc) = &st.docstring {
        let _ = write!(out, "<pre>{}</pre>", escape(doc));
    }
    out
}

/// `(expected, actual)` from a message such as `total discount: expected 10.00, got 12.00`.
fn expected_actual(message: &str) -> Option<(String, String)> {
    let line = message.lines().next()?;
    let start = line.find("expected ")?;
    let rest = &line[start + "expected ".len()..];
    let (expected, actual) = rest
        .split_once(", got ")
        .or_else(|| rest.split_once(", but "))?;
    Some((expected.trim().to_string(), actual.trim().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::time::Duration;

    fn report() -> RunReport {
        let step = |text: &str, status, error: Option<&str>| StepReport {
            keyword: "Then".into(),
            text: text.into(),
            line: 9,
            status,
            error: error.map(str::to_string),
            ..StepReport::default()
        };
        RunReport {
            features: vec![FeatureReport {
                name: "Coupon <discounts>".into(),
                path: Some(PathBuf::from("/p/features/coupons/discounts.feature")),
                tags: vec!["coupons".into()],
                description: "A coupon takes its value off.".into(),
                scenarios: vec![
                    ScenarioReport {
                        name: "A coupon".into(),
                        line: 7,
                        status: Status::Failed,
                        steps: vec![step(
                            "the discount is \"10.00\"",
                            Status::Failed,
                            Some(
                                "total discount: expected 10.00, got 12.00\n\nLast exchange (secrets redacted):\nPOST /v1/redemptions\n< {\"ok\":true}",
                            ),
                        )],
                        ..ScenarioReport::default()
                    },
                    ScenarioReport {
                        name: "Another".into(),
                        line: 12,
                        status: Status::Passed,
                        duration: Duration::from_millis(4),
                        steps: vec![step("all is well", Status::Passed, None)],
                        ..ScenarioReport::default()
                    },
                ],
                ..FeatureReport::default()
            }],
            properties: vec![("target".into(), "emulator".into())],
            ..RunReport::default()
        }
    }

    #[test]
    fn a_failing_step_shows_expected_actual_and_the_exchange() {
        let html = render(&report());
        assert!(html.contains(
            "<tr><th>Expected</th><td>10.00</td></tr><tr><th>Actual</th><td>12.00</td></tr>"
        ));
        assert!(html.contains("<pre class=\"exchange\">POST /v1/redemptions\n&lt; {\n    &quot;ok&quot;: true\n  }</pre>"));
        assert!(html.contains("Coupon &lt;discounts&gt;"));
        assert!(html.contains("<tr data-area=\"coupons\"><td><a href=\"#area-coupons\">coupons</a></td><td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">0</td>"));
        assert!(html.contains("<a href=\"#coupons-discounts_7\">A coupon</a>"));
        assert!(html.contains("<td>target</td><td>emulator</td>"));
    }

    #[test]
    fn the_page_needs_nothing_from_the_network() {
        let html = render(&report());
        for needle in ["http://", "https://", "<script", "<link", "@import", "url("] {
            let allowed = "http://www.w3.org/2000/svg";
            let found = html.replace(allowed, "").contains(needle);
            assert!(!found, "the page refers to {needle}");
        }
    }

    #[test]
    fn expected_and_actual_are_read_from_the_message() {
        assert_eq!(
            expected_actual("total discount: expected 10.00, got 12.00"),
            Some(("10.00".into(), "12.00".into()))
        );
        assert_eq!(expected_actual("no discount"), None);
    }
}
