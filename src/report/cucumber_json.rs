//! Cucumber JSON (the format of cucumber-jvm and cucumber-js that report tools such as the
//! Jenkins cucumber-reports plugin, cucumber-html-reporter and multiple-cucumber-html-reporter
//! load), rendered from a [`RunReport`]: a retried scenario appears once with the steps of its
//! last attempt, a background is an element before each scenario, tags keep their `@`.

use serde_json::{Value, json};

use super::{FeatureReport, RunReport, ScenarioReport, Status, StepReport};

pub fn render(report: &RunReport) -> String {
    let mut features: Vec<Value> = report.features.iter().map(feature).collect();
    features.extend(report.parse_errors.iter().map(|e| parse_error(e)));
    serde_json::to_string_pretty(&Value::Array(features)).unwrap_or_else(|_| "[]".into())
}

fn kebab(text: &str) -> String {
    super::slug(text).replace('_', "-")
}

fn tags(tags: &[String], line: usize) -> Value {
    Value::Array(
        tags.iter()
            .map(|t| json!({ "name": format!("@{}", t.trim_start_matches('@')), "line": line }))
            .collect(),
    )
}

fn feature(f: &FeatureReport) -> Value {
    let id = kebab(&f.name);
    let names = RunReport::unique_names(f);
    let mut elements = Vec::new();
    for (s, name) in f.scenarios.iter().zip(&names) {
        let background: Vec<&StepReport> = s.steps.iter().filter(|st| st.from_background).collect();
        if !background.is_empty() {
            elements.push(json!({
                "keyword": "Background",
                "type": "background",
                "name": "",
                "description": "",
                "line": background[0].line.saturating_sub(1).max(1),
                "steps": background.iter().map(|st| step(st)).collect::<Vec<_>>(),
            }));
        }
        elements.push(scenario(&id, f, s, name));
    }
    json!({
        "uri": super::junit::shown_path(f),
        "id": id,
        "keyword": if f.keyword.is_empty() { "Feature" } else { f.keyword.as_str() },
        "name": f.name,
        "description": f.description,
        "line": f.line.max(1),
        "tags": tags(&f.tags, f.line.saturating_sub(1).max(1)),
        "elements": elements,
    })
}

fn scenario(feature_id: &str, f: &FeatureReport, s: &ScenarioReport, name: &str) -> Value {
    // Feature tags are on the feature; the element lists its own (and its Examples') tags.
    let own: Vec<String> = s
        .tags
        .iter()
        .filter(|t| !f.tags.contains(t))
        .cloned()
        .collect();
    json!({
        "id": format!("{feature_id};{}", kebab(name)),
        "keyword": if s.keyword.is_empty() { "Scenario" } else { s.keyword.as_str() },
        "type": "scenario",
        "name": name,
        "description": s.description,
        "line": s.line,
        "tags": tags(&own, s.line.saturating_sub(1).max(1)),
        "steps": s.steps.iter().filter(|st| !st.from_background).map(step).collect::<Vec<_>>(),
    })
}

fn step(st: &StepReport) -> Value {
    let status = match st.status {
        Status::Passed => "passed",
        Status::Skipped => "undefined",
        Status::Pending => "skipped",
        Status::Failed => {
            let text = st.error.as_deref().unwrap_or("");
            if text.starts_with("no step definition matches") {
                "undefined"
            } else if text.starts_with("more than one step definition") {
                "ambiguous"
            } else {
                "failed"
            }
        }
    };
    let mut result = json!({
        "status": status,
        "duration": st.duration.as_nanos() as u64,
    });
    if let Some(e) = &st.error {
        result["error_message"] = Value::String(e.clone());
    }
    let mut v = json!({
        "keyword": format!("{} ", st.keyword),
        "name": st.text,
        "line": st.line,
        "result": result,
    });
    if let Some(doc) = &st.docstring {
        v["doc_string"] = json!({ "value": doc, "content_type": "", "line": st.line + 1 });
    }
    if !st.table.is_empty() {
        v["rows"] = Value::Array(st.table.iter().map(|row| json!({ "cells": row })).collect());
    }
    v
}

/// A file that did not parse, as a feature with one failed step, so report tools show it.
fn parse_error(error: &str) -> Value {
    let (uri, line) = location(error);
    json!({
        "uri": uri,
        "id": kebab(&uri),
        "keyword": "Feature",
        "name": format!("{uri} (does not parse)"),
        "description": "",
        "line": 1,
        "tags": [],
        "elements": [{
            "id": format!("{};parse-error", kebab(&uri)),
            "keyword": "Scenario",
            "type": "scenario",
            "name": "The feature file parses",
            "description": "",
            "line": line,
            "tags": [],
            "steps": [{
                "keyword": "Given ",
                "name": "the feature file is valid Gherkin",
                "line": line,
                "result": { "status": "failed", "duration": 0, "error_message": error },
            }],
        }],
    })
}

/// `path` and `line` of a `path:line:col: why` message.
fn location(error: &str) -> (String, usize) {
    let mut parts = error.splitn(4, ':');
    let path = parts.next().unwrap_or("").to_string();
    let line = parts
        .next()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(1);
    (path, line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn elements_carry_what_report_tools_need() {
        let report = RunReport {
            features: vec![FeatureReport {
                name: "Coupon discounts".into(),
                path: Some(PathBuf::from("features/coupons/discounts.feature")),
                tags: vec!["coupons".into()],
                line: 2,
                scenarios: vec![ScenarioReport {
                    name: "A coupon".into(),
                    line: 7,
                    tags: vec!["coupons".into(), "smoke".into()],
                    status: Status::Failed,
                    steps: vec![
                        StepReport {
                            keyword: "Given".into(),
                            text: "a shop".into(),
                            line: 4,
                            status: Status::Passed,
                            from_background: true,
                            ..StepReport::default()
                        },
                        StepReport {
                            keyword: "Then".into(),
                            text: "the discount is 10.00".into(),
                            line: 9,
                            status: Status::Failed,
                            error: Some("expected 10.00, got 12.00".into()),
                            ..StepReport::default()
                        },
                    ],
                    ..ScenarioReport::default()
                }],
                ..FeatureReport::default()
            }],
            parse_errors: vec!["features/x.feature:3:5: not valid Gherkin".into()],
            ..RunReport::default()
        };
        let v: Value = serde_json::from_str(&render(&report)).unwrap();
        let f = &v[0];
        assert_eq!(f["id"], "coupon-discounts");
        assert_eq!(f["tags"][0]["name"], "@coupons");
        assert_eq!(f["elements"][0]["type"], "background");
        let sc = &f["elements"][1];
        assert_eq!(sc["id"], "coupon-discounts;a-coupon");
        assert_eq!(sc["tags"].as_array().unwrap().len(), 1, "only its own tag");
        assert_eq!(sc["steps"][0]["keyword"], "Then ");
        assert_eq!(sc["steps"][0]["result"]["status"], "failed");
        assert_eq!(v[1]["uri"], "features/x.feature");
        assert_eq!(v[1]["elements"][0]["line"], 3);
    }
}
