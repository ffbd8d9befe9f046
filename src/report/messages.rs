//! Cucumber Messages (NDJSON, one envelope per line), the format of cucumber's own formatters
//! (html-formatter, the JUnit and JSON formatters, report services): the feature sources and
//! their Gherkin documents, one pickle per scenario and Examples row, the step definitions,
//! and the test cases with each step's result, rendered from a [`RunReport`].
//!
//! Ids are made from the file and line of what they name, so the same run gives the same file.
//! A retried scenario appears as its last attempt.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cucumber::gherkin;
use serde_json::{Value, json};

use super::{RunReport, ScenarioReport, Status, StepReport};

/// One feature file: how the report names it, its text, and its parsed (unexpanded) document.
pub struct Source {
    pub uri: String,
    pub text: String,
    pub feature: gherkin::Feature,
}

/// A step definition: its expression and where it is.
pub struct Definition {
    pub expression: String,
    pub regex: regex::Regex,
    pub uri: String,
    pub line: usize,
}

/// Cucumber's protocol version these messages follow.
const PROTOCOL: &str = "27.0.0";

fn loc(line: usize, column: usize) -> Value {
    json!({ "line": line.max(1), "column": column.max(1) })
}

fn timestamp(at: SystemTime) -> Value {
    let d = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    json!({ "seconds": d.as_secs(), "nanos": d.subsec_nanos() })
}

fn duration(d: Duration) -> Value {
    json!({ "seconds": d.as_secs(), "nanos": d.subsec_nanos() })
}

fn keyword_type(step: &gherkin::Step) -> &'static str {
    match step.keyword.trim() {
        "And" | "But" | "*" => "Conjunction",
        _ => step_type(step.ty),
    }
}

fn step_type(ty: gherkin::StepType) -> &'static str {
    match ty {
        gherkin::StepType::Given => "Context",
        gherkin::StepType::When => "Action",
        gherkin::StepType::Then => "Outcome",
    }
}

fn tags(uri: &str, tags: &[String], line: usize) -> Vec<Value> {
    tags.iter()
        .enumerate()
        .map(|(i, t)| {
            json!({
                "location": loc(line, 1),
                "name": format!("@{}", t.trim_start_matches('@')),
                "id": format!("tag:{uri}:{line}:{i}"),
            })
        })
        .collect()
}

fn row(uri: &str, line: usize, cells: &[String]) -> Value {
    json!({
        "location": loc(line, 1),
        "cells": cells.iter().map(|c| json!({ "location": loc(line, 1), "value": c })).collect::<Vec<_>>(),
        "id": format!("row:{uri}:{line}"),
    })
}

fn step(uri: &str, s: &gherkin::Step) -> Value {
    let line = s.position.line;
    let mut v = json!({
        "location": loc(line, s.position.col),
        "keyword": format!("{} ", s.keyword.trim()),
        "keywordType": keyword_type(s),
        "text": s.value,
        "id": format!("step:{uri}:{line}"),
    });
    if let Some(t) = &s.table {
        let rows: Vec<Value> = t
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| row(uri, t.position.line + i, r))
            .collect();
        v["dataTable"] = json!({ "location": loc(t.position.line, 1), "rows": rows });
    }
    if let Some(doc) = &s.docstring {
        v["docString"] =
            json!({ "location": loc(line + 1, 1), "content": doc, "delimiter": "\"\"\"" });
    }
    v
}

/// The line of Examples body row `index`, as cucumber numbers expanded scenarios.
fn example_row_line(examples: &gherkin::Examples, index: usize) -> usize {
    examples.position.line + index + 2
}

fn scenario(uri: &str, sc: &gherkin::Scenario) -> Value {
    let line = sc.position.line;
    let examples: Vec<Value> = sc
        .examples
        .iter()
        .map(|ex| {
            let rows = ex.table.as_ref().map(|t| t.rows.as_slice()).unwrap_or(&[]);
            let header = rows
                .first()
                .map(|h| row(uri, example_row_line(ex, 0) - 1, h));
            let body: Vec<Value> = rows
                .iter()
                .skip(1)
                .enumerate()
                .map(|(i, r)| row(uri, example_row_line(ex, i), r))
                .collect();
            let mut v = json!({
                "location": loc(ex.position.line, ex.position.col),
                "tags": tags(uri, &ex.tags, ex.position.line.saturating_sub(1)),
                "keyword": ex.keyword,
                "name": ex.name.clone().unwrap_or_default(),
                "description": ex.description.clone().unwrap_or_default(),
                "tableBody": body,
                "id": format!("examples:{uri}:{}", ex.position.line),
            });
            if let Some(h) = header {
                v["tableHeader"] = h;
            }
            v
        })
        .collect();
    json!({ "scenario": {
        "location": loc(line, sc.position.col),
        "tags": tags(uri, &sc.tags, line.saturating_sub(1)),
        "keyword": sc.keyword,
        "name": sc.name,
        "description": sc.description.clone().unwrap_or_default(),
        "steps": sc.steps.iter().map(|s| step(uri, s)).collect::<Vec<_>>(),
        "examples": examples,
        "id": format!("scenario:{uri}:{line}"),
    }})
}

fn background(uri: &str, bg: &gherkin::Background) -> Value {
    json!({ "background": {
        "location": loc(bg.position.line, bg.position.col),
        "keyword": bg.keyword,
        "name": bg.name,
        "description": bg.description.clone().unwrap_or_default(),
        "steps": bg.steps.iter().map(|s| step(uri, s)).collect::<Vec<_>>(),
        "id": format!("background:{uri}:{}", bg.position.line),
    }})
}

fn document(src: &Source) -> Value {
    let f = &src.feature;
    let uri = src.uri.as_str();
    let mut children = Vec::new();
    children.extend(f.background.iter().map(|bg| background(uri, bg)));
    children.extend(f.scenarios.iter().map(|sc| scenario(uri, sc)));
    for r in &f.rules {
        let mut rule_children = Vec::new();
        rule_children.extend(r.background.iter().map(|bg| background(uri, bg)));
        rule_children.extend(r.scenarios.iter().map(|sc| scenario(uri, sc)));
        children.push(json!({ "rule": {
            "location": loc(r.position.line, r.position.col),
            "tags": tags(uri, &r.tags, r.position.line.saturating_sub(1)),
            "keyword": r.keyword,
            "name": r.name,
            "description": r.description.clone().unwrap_or_default(),
            "children": rule_children,
            "id": format!("rule:{uri}:{}", r.position.line),
        }}));
    }
    json!({ "gherkinDocument": {
        "uri": uri,
        "feature": {
            "location": loc(f.position.line, f.position.col),
            "tags": tags(uri, &f.tags, f.position.line.saturating_sub(1)),
            "language": "en",
            "keyword": f.keyword,
            "name": f.name,
            "description": f.description.clone().unwrap_or_default(),
            "children": children,
        },
        "comments": [],
    }})
}

/// The AST ids behind a scenario of the report: the scenario and, for an Examples row, the row.
fn scenario_ast_ids(src: &Source, s: &ScenarioReport) -> Option<(String, Option<String>)> {
    let uri = &src.uri;
    let scenarios = src
        .feature
        .scenarios
        .iter()
        .chain(src.feature.rules.iter().flat_map(|r| r.scenarios.iter()));
    for sc in scenarios {
        if sc.examples.is_empty() {
            if sc.position.line == s.line {
                return Some((format!("scenario:{uri}:{}", s.line), None));
            }
            continue;
        }
        for ex in &sc.examples {
            let rows = ex.table.as_ref().map(|t| t.rows.len()).unwrap_or(0);
            for i in 0..rows.saturating_sub(1) {
                if example_row_line(ex, i) == s.line {
                    return Some((
                        format!("scenario:{uri}:{}", sc.position.line),
                        Some(format!("row:{uri}:{}", s.line)),
                    ));
                }
            }
        }
    }
    None
}

fn status_name(st: &StepReport) -> &'static str {
    match st.status {
        Status::Passed => "PASSED",
        Status::Skipped => "UNDEFINED",
        Status::Pending => "SKIPPED",
        Status::Failed => {
            let text = st.error.as_deref().unwrap_or("");
            if text.starts_with("no step definition matches") {
                "UNDEFINED"
            } else if text.starts_with("more than one step definition") {
                "AMBIGUOUS"
            } else {
                "FAILED"
            }
        }
    }
}

/// The NDJSON text: one envelope per line.
pub fn render(
    report: &RunReport,
    sources: &[Source],
    definitions: &[Definition],
    started: SystemTime,
) -> String {
    let mut out: Vec<Value> = vec![json!({ "meta": {
        "protocolVersion": PROTOCOL,
        "implementation": { "name": "voucherify-harness", "version": env!("CARGO_PKG_VERSION") },
        "runtime": { "name": "rust" },
        "os": { "name": std::env::consts::OS },
        "cpu": { "name": std::env::consts::ARCH },
    }})];
    for src in sources {
        out.push(json!({ "source": {
            "uri": src.uri,
            "data": src.text,
            "mediaType": "text/x.cucumber.gherkin+plain",
        }}));
        out.push(document(src));
    }
    // Pickles and test cases, for the scenarios that ran (or were skipped).
    let mut cases = Vec::new();
    for f in &report.features {
        let uri = super::junit::shown_path(f);
        let Some(src) = sources.iter().find(|s| s.uri == uri) else {
            continue;
        };
        for s in &f.scenarios {
            let Some((scenario_id, row_id)) = scenario_ast_ids(src, s) else {
                continue;
            };
            let pickle_id = format!("pickle:{uri}:{}", s.line);
            let steps: Vec<Value> = s
                .steps
                .iter()
                .map(|st| {
                    let mut ast = vec![format!("step:{uri}:{}", st.line)];
                    ast.extend(row_id.clone());
                    let mut v = json!({
                        "id": format!("pickle-step:{uri}:{}:{}", s.line, st.line),
                        "text": st.text,
                        "type": match st.keyword.as_str() {
                            "Given" => "Context",
                            "When" => "Action",
                            "Then" => "Outcome",
                            _ => "Unknown",
                        },
                        "astNodeIds": ast,
                    });
                    if let Some((header, rows)) = st.table.split_first() {
                        let all: Vec<Value> = std::iter::once(header)
                            .chain(rows)
                            .map(|r| json!({ "cells": r.iter().map(|c| json!({ "value": c })).collect::<Vec<_>>() }))
                            .collect();
                        v["argument"] = json!({ "dataTable": { "rows": all } });
                    } else if let Some(doc) = &st.docstring {
                        v["argument"] = json!({ "docString": { "content": doc } });
                    }
                    v
                })
                .collect();
            let mut ast = vec![scenario_id];
            ast.extend(row_id);
            out.push(json!({ "pickle": {
                "id": pickle_id,
                "uri": uri,
                "name": s.name,
                "language": "en",
                "steps": steps,
                "tags": s.tags.iter().map(|t| json!({ "name": format!("@{}", t.trim_start_matches('@')), "astNodeId": ast[0] })).collect::<Vec<_>>(),
                "astNodeIds": ast,
            }}));
            cases.push((uri.clone(), s));
        }
    }
    for (i, d) in definitions.iter().enumerate() {
        out.push(json!({ "stepDefinition": {
            "id": format!("step-definition:{i}"),
            "pattern": { "source": d.expression, "type": "CUCUMBER_EXPRESSION" },
            "sourceReference": { "uri": d.uri, "location": { "line": d.line } },
        }}));
    }
    out.push(json!({ "testRunStarted": { "timestamp": timestamp(started) } }));
    for (uri, s) in &cases {
        let test_steps: Vec<Value> = s
            .steps
            .iter()
            .map(|st| {
                let matching: Vec<String> = definitions
                    .iter()
                    .enumerate()
                    .filter(|(_, d)| d.regex.is_match(&st.text))
                    .map(|(i, _)| format!("step-definition:{i}"))
                    .collect();
                let args: Vec<Value> = matching
                    .iter()
                    .map(|_| json!({ "stepMatchArguments": [] }))
                    .collect();
                json!({
                    "id": format!("test-step:{uri}:{}:{}", s.line, st.line),
                    "pickleStepId": format!("pickle-step:{uri}:{}:{}", s.line, st.line),
                    "stepDefinitionIds": matching,
                    "stepMatchArgumentsLists": args,
                })
            })
            .collect();
        out.push(json!({ "testCase": {
            "id": format!("test-case:{uri}:{}", s.line),
            "pickleId": format!("pickle:{uri}:{}", s.line),
            "testSteps": test_steps,
        }}));
    }
    let mut clock = started;
    for (uri, s) in &cases {
        let started_id = format!("test-case-started:{uri}:{}", s.line);
        out.push(json!({ "testCaseStarted": {
            "id": started_id,
            "testCaseId": format!("test-case:{uri}:{}", s.line),
            "attempt": s.failed_attempts.len(),
            "timestamp": timestamp(clock),
        }}));
        for st in &s.steps {
            let step_id = format!("test-step:{uri}:{}:{}", s.line, st.line);
            out.push(json!({ "testStepStarted": {
                "testCaseStartedId": started_id,
                "testStepId": step_id,
                "timestamp": timestamp(clock),
            }}));
            clock += st.duration;
            let mut result =
                json!({ "duration": duration(st.duration), "status": status_name(st) });
            if let Some(e) = &st.error {
                result["message"] = Value::String(e.clone());
            }
            out.push(json!({ "testStepFinished": {
                "testCaseStartedId": started_id,
                "testStepId": step_id,
                "testStepResult": result,
                "timestamp": timestamp(clock),
            }}));
        }
        out.push(json!({ "testCaseFinished": {
            "testCaseStartedId": started_id,
            "timestamp": timestamp(clock),
            "willBeRetried": false,
        }}));
    }
    out.push(json!({ "testRunFinished": {
        "success": report.succeeded(),
        "timestamp": timestamp(clock.max(started + report.duration)),
    }}));
    let mut text = String::new();
    for v in out {
        text.push_str(&v.to_string());
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::FeatureReport;
    use std::collections::HashSet;
    use std::path::PathBuf;

    const TEXT: &str = "@coupons\nFeature: Limits\n  Scenario Outline: A coupon used <n> times\n    Given a coupon \"TEAM\" giving 5.00 off, usable <n> times\n\n    Examples:\n      | n |\n      | 1 |\n      | 3 |\n";

    #[test]
    fn every_reference_names_something_that_was_sent() {
        let feature = gherkin::Feature::parse(TEXT, Default::default()).unwrap();
        let step = |line| StepReport {
            keyword: "Given".into(),
            text: "a coupon \"TEAM\" giving 5.00 off, usable 1 times".into(),
            line,
            status: Status::Passed,
            ..StepReport::default()
        };
        let report = RunReport {
            features: vec![FeatureReport {
                name: "Limits".into(),
                path: Some(PathBuf::from("features/coupons/limits.feature")),
                scenarios: [8, 9]
                    .into_iter()
                    .map(|line| ScenarioReport {
                        name: "A coupon used 1 times".into(),
                        line,
                        status: Status::Passed,
                        steps: vec![step(4)],
                        ..ScenarioReport::default()
                    })
                    .collect(),
                ..FeatureReport::default()
            }],
            ..RunReport::default()
        };
        let sources = [Source {
            uri: "features/coupons/limits.feature".into(),
            text: TEXT.into(),
            feature,
        }];
        let defs = [Definition {
            expression: "a coupon {string} giving {offer}, usable {int} time(s)".into(),
            regex: regex::Regex::new("^a coupon .* usable \\d+ times?$").unwrap(),
            uri: "steps/coupons.rs".into(),
            line: 62,
        }];
        let text = render(&report, &sources, &defs, UNIX_EPOCH);
        let envelopes: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let mut ids = HashSet::new();
        let mut refs = Vec::new();
        fn walk(v: &Value, ids: &mut HashSet<String>, refs: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    for (k, v) in m {
                        match (k.as_str(), v) {
                            ("id", Value::String(s)) => {
                                assert!(ids.insert(s.clone()), "duplicate id {s}");
                            }
                            (k, Value::String(s))
                                if k.ends_with("Id") && k != "testRunStartedId" =>
                            {
                                refs.push(s.clone())
                            }
                            (k, Value::Array(a)) if k.ends_with("Ids") => {
                                refs.extend(a.iter().filter_map(|x| x.as_str().map(String::from)))
                            }
                            _ => {}
                        }
                        walk(v, ids, refs);
                    }
                }
                Value::Array(a) => a.iter().for_each(|v| walk(v, ids, refs)),
                _ => {}
            }
        }
        for e in &envelopes {
            assert_eq!(
                e.as_object().unwrap().len(),
                1,
                "one message per envelope: {e}"
            );
            walk(e, &mut ids, &mut refs);
        }
        for r in &refs {
            assert!(ids.contains(r), "{r} names nothing");
        }
        let pickles: Vec<&Value> = envelopes.iter().filter_map(|e| e.get("pickle")).collect();
        assert_eq!(pickles.len(), 2, "one pickle per Examples row");
        assert_eq!(
            pickles[1]["astNodeIds"],
            json!([
                "scenario:features/coupons/limits.feature:3",
                "row:features/coupons/limits.feature:9"
            ])
        );
        let last = envelopes.last().unwrap();
        assert_eq!(last["testRunFinished"]["success"], true);
    }
}
