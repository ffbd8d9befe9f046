//! The reports a run writes, read as CI, report tools and a browser read them: JUnit parsed as
//! XML, Cucumber JSON checked against what report tools need, the HTML page opened in
//! headless Chromium (when the machine has it).
//!
//! The run goes to the live target pointed at an emulator this test starts, so that one run
//! has a passing, a failing, an erroring (no control plane) and a skipped (@emulator) scenario.

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use regex::Regex;

const BIN: &str = env!("CARGO_BIN_EXE_voucherify-harness");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

const PROBLEMS: &str = r#"@coupons
Feature: Checkout problems
  What a failing, an erroring and a skipped scenario look like in the reports.

  Scenario: A wrong expectation fails with both amounts
    Given a coupon "WRONG10" giving 10.00 off
    When Alice checks out a cart of 40.00 with "WRONG10"
    Then the discount is 12.00

  Scenario: Moving the clock without the emulator is an error
    Given 3 days pass

  @emulator
  Scenario: A scenario that needs the emulator is skipped on the live target
    Given 3 days pass

  Scenario Outline: A coupon worth <value> takes exactly that off
    Given a coupon "<code>" giving <value> off
    When Alice checks out a cart of 40.00 with "<code>"
    Then the discount is <value>

    Examples:
      | code | value |
      | ROW5 | 5.00  |
      | ROW7 | 7.00  |
"#;

/// A scratch project: `features/coupons/` with a real feature and the problems above. (Live
/// runs share one project, so only features whose scenarios use distinct codes run there.)
fn project(name: &str, header: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    let features = dir.join("features/coupons");
    std::fs::create_dir_all(&features).unwrap();
    let text = std::fs::read_to_string(Path::new(ROOT).join("features/coupons/discounts.feature"))
        .unwrap();
    std::fs::write(
        features.join("discounts.feature"),
        format!("{header}{text}"),
    )
    .unwrap();
    std::fs::write(
        features.join("checkout_problems.feature"),
        format!("{header}{PROBLEMS}"),
    )
    .unwrap();
    dir
}

/// Runs the harness in `dir` against the live target at `base`, with the emulator's keys.
async fn run_live(dir: PathBuf, base: String, extra: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(BIN)
            .arg("run")
            .args([
                "--target",
                "live",
                "--sandbox",
                "--base-url",
                &base,
                "--seed",
                "42",
            ])
            .args(extra)
            .env("VOUCHERIFY_APP_ID", common::APP_ID)
            .env("VOUCHERIFY_SECRET_KEY", common::SECRET)
            .current_dir(dir)
            .output()
            .expect("the binary runs")
    })
    .await
    .unwrap()
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Case {
    classname: String,
    name: String,
    file: String,
    line: usize,
}

fn cases(doc: &roxmltree::Document<'_>) -> Vec<Case> {
    doc.descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .map(|n| Case {
            classname: n.attribute("classname").unwrap_or_default().into(),
            name: n.attribute("name").unwrap_or_default().into(),
            file: n.attribute("file").unwrap_or_default().into(),
            line: n
                .attribute("line")
                .and_then(|l| l.parse().ok())
                .unwrap_or(0),
        })
        .collect()
}

fn testcase<'a>(doc: &'a roxmltree::Document<'a>, name: &str) -> roxmltree::Node<'a, 'a> {
    doc.descendants()
        .find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some(name))
        .unwrap_or_else(|| panic!("a testcase named {name:?}"))
}

fn child<'a>(node: roxmltree::Node<'a, 'a>, tag: &str) -> Option<roxmltree::Node<'a, 'a>> {
    node.children().find(|c| c.has_tag_name(tag))
}

#[tokio::test(flavor = "multi_thread")]
async fn junit_json_and_html_hold_what_their_readers_need() {
    let api = common::Api::start().await;
    let dir = project("reports", "");
    let out = run_live(dir.clone(), api.base.clone(), vec![]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");

    // JUnit
    let xml = std::fs::read_to_string(dir.join("reports/junit.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let all = cases(&doc);
    assert_eq!(all.len(), 7 + 5, "{stdout}");
    let classname = Regex::new(r"^features\.coupons\.[a-z0-9_]+$").unwrap();
    let mut seen = HashSet::new();
    for c in &all {
        assert!(classname.is_match(&c.classname), "{c:?}");
        assert!(seen.insert((&c.classname, &c.name)), "duplicate {c:?}");
        let text = std::fs::read_to_string(dir.join(&c.file)).expect("file names the feature");
        let line = text.lines().nth(c.line - 1).unwrap_or("").trim();
        assert!(
            line.starts_with("Scenario") || line.starts_with('|'),
            "{c:?} points at {line:?}"
        );
    }
    let rows: Vec<&Case> = all.iter().filter(|c| c.name.contains(" [code=")).collect();
    assert_eq!(rows.len(), 2, "one testcase per Examples row");
    assert!(
        rows.iter()
            .any(|c| c.name == "A coupon worth 7.00 takes exactly that off [code=ROW7, value=7.00]")
    );

    let failed = testcase(&doc, "A wrong expectation fails with both amounts");
    let failure = child(failed, "failure").expect("a failure");
    assert_eq!(
        failure.attribute("message"),
        Some("Then the discount is 12.00 (line 8): total discount: expected 12.00, got 10.00")
    );
    let out_text = child(failed, "system-out")
        .and_then(|n| n.text())
        .unwrap_or("");
    assert!(out_text.contains("> POST /v1/redemptions"), "{out_text}");
    assert!(
        out_text.contains("Last exchange (secrets redacted)"),
        "{out_text}"
    );

    let erred = testcase(&doc, "Moving the clock without the emulator is an error");
    assert!(child(erred, "error").is_some() && child(erred, "failure").is_none());
    let skipped = testcase(
        &doc,
        "A scenario that needs the emulator is skipped on the live target",
    );
    let reason = child(skipped, "skipped").and_then(|n| n.attribute("message"));
    assert!(
        reason.is_some_and(|r| r.contains("@emulator")),
        "{reason:?}"
    );

    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    let props: Vec<(&str, &str)> = child(suite, "properties")
        .expect("suite properties")
        .children()
        .filter(|n| n.has_tag_name("property"))
        .map(|n| (n.attribute("name").unwrap(), n.attribute("value").unwrap()))
        .collect();
    for (name, value) in [
        ("target", "live"),
        ("base_url", api.base.as_str()),
        ("seed", "42"),
    ] {
        assert!(
            props.contains(&(name, value)),
            "{name}={value} in {props:?}"
        );
    }
    assert!(props.iter().any(|(n, v)| *n == "run_id" && v.len() == 6));
    let root = doc.root_element();
    assert_eq!(root.attribute("tests"), Some("12"));
    assert_eq!(root.attribute("failures"), Some("1"));
    assert_eq!(root.attribute("errors"), Some("1"));
    assert_eq!(root.attribute("skipped"), Some("1"));

    // Names do not move when unrelated lines do.
    let moved = project("reports-moved", "# A comment a reader added.\n\n");
    let out = run_live(moved.clone(), api.base.clone(), vec![]).await;
    assert_eq!(out.status.code(), Some(1));
    let xml2 = std::fs::read_to_string(moved.join("reports/junit.xml")).unwrap();
    let doc2 = roxmltree::Document::parse(&xml2).unwrap();
    let names = |cs: &[Case]| {
        let mut v: Vec<(String, String)> = cs
            .iter()
            .map(|c| (c.classname.clone(), c.name.clone()))
            .collect();
        v.sort();
        v
    };
    let all2 = cases(&doc2);
    assert_eq!(names(&all), names(&all2));
    let lines: HashSet<usize> = all.iter().map(|c| c.line + 2).collect();
    assert_eq!(lines, all2.iter().map(|c| c.line).collect::<HashSet<_>>());

    // Cucumber JSON
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("reports/cucumber.json")).unwrap())
            .expect("valid JSON");
    let features = json.as_array().expect("an array of features");
    assert_eq!(features.len(), 2);
    let mut ids = HashSet::new();
    let mut scenarios = 0;
    for f in features {
        for field in ["uri", "id", "keyword", "name", "line", "elements", "tags"] {
            assert!(f.get(field).is_some(), "feature without {field}: {f}");
        }
        for t in f["tags"].as_array().unwrap() {
            assert!(t["name"].as_str().unwrap().starts_with('@'));
        }
        for e in f["elements"].as_array().unwrap() {
            for field in ["keyword", "name", "line", "type", "steps"] {
                assert!(e.get(field).is_some(), "element without {field}: {e}");
            }
            if e["type"] == "scenario" {
                scenarios += 1;
                assert!(ids.insert(e["id"].as_str().unwrap().to_string()), "{e}");
            }
            for s in e["steps"].as_array().unwrap() {
                let status = s["result"]["status"].as_str().unwrap();
                assert!(
                    [
                        "passed",
                        "failed",
                        "skipped",
                        "undefined",
                        "pending",
                        "ambiguous"
                    ]
                    .contains(&status)
                );
                assert!(s["keyword"].as_str().unwrap().ends_with(' '));
                assert_eq!(
                    status == "failed",
                    s["result"].get("error_message").is_some()
                );
            }
        }
    }
    assert_eq!(scenarios, 12);

    // Cucumber Messages: one envelope a line, a pickle and a test case per scenario.
    let ndjson = std::fs::read_to_string(dir.join("reports/cucumber.ndjson")).unwrap();
    let envelopes: Vec<serde_json::Value> = ndjson
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON envelope a line"))
        .collect();
    let count = |kind: &str| envelopes.iter().filter(|e| e.get(kind).is_some()).count();
    assert_eq!(count("meta"), 1);
    assert_eq!(count("gherkinDocument"), 2);
    assert_eq!(count("pickle"), 12);
    assert_eq!(count("testCaseFinished"), 12);
    let failed_steps = envelopes
        .iter()
        .filter(|e| e["testStepFinished"]["testStepResult"]["status"] == "FAILED")
        .count();
    assert_eq!(
        failed_steps, 2,
        "the wrong amount and the clock without control plane"
    );

    // HTML
    let html_path = dir.join("reports/index.html");
    let html = std::fs::read_to_string(&html_path).unwrap();
    for needle in [
        "<script",
        "<link",
        "src=\"http",
        "href=\"http",
        "@import",
        "url(",
    ] {
        assert!(!html.contains(needle), "the page loads {needle}");
    }
    assert!(html.contains("<svg class=\"chart\""));
    assert!(html.contains(
        "<tr><th>Expected</th><td>12.00</td></tr><tr><th>Actual</th><td>10.00</td></tr>"
    ));
    browser_check(&html_path);
}

/// Opens the page in headless Chromium and checks what it rendered; says so plainly when the
/// machine has no Chromium (`.ci/run` installs Debian's `chromium`).
fn browser_check(page: &Path) {
    let Some(chromium) = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
    else {
        say(
            "NOTE: the browser check of reports/index.html DID NOT RUN: no chromium on this machine (apt-get install chromium)",
        );
        return;
    };
    let profile = page.with_file_name("chromium-profile");
    let _ = std::fs::remove_dir_all(&profile);
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let base = |args: &[&str]| {
        let out = Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
                &format!("--user-data-dir={}", profile.display()),
            ])
            .args(args)
            .arg(&url)
            .output()
            .expect("chromium runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    };
    let dom = String::from_utf8(base(&["--dump-dom"]).stdout).unwrap();
    assert!(
        dom.contains("<section id=\"summary\">"),
        "the summary rendered"
    );
    assert!(
        dom.contains("data-count=\"failed\"><b>2</b>failed"),
        "the failed count"
    );
    assert!(dom.contains("<li class=\"step failed\""), "a failing step");
    assert!(dom.contains("total discount: expected 12.00, got 10.00"));
    let shot = page.with_file_name("index.png");
    let _ = std::fs::remove_file(&shot);
    base(&[
        "--window-size=1200,1600",
        &format!("--screenshot={}", shot.display()),
    ]);
    let png = std::fs::read(&shot).expect("a screenshot");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "{} bytes",
        png.len()
    );
    say(&format!(
        "browser check: headless {chromium} rendered the summary and the failing step"
    ));
}

/// Writes to stderr past the test harness's capture, so a passing test still says it.
fn say(text: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{text}");
}

const REFUSED_ONCE: &str = r#"@coupons
Feature: A coupon refused once
  Scenario: A coupon created on the second attempt is accepted
    Given a coupon "LATER" giving 1.00 off
    When Alice checks "LATER" against a cart of 10.00
    Then the coupon is accepted

  Scenario: A coupon created at once
    Given a coupon "AT-ONCE" giving 1.00 off
"#;

/// An emulator that refuses the first creation of a code ending in `LATER`, as an API having a
/// bad moment would: the scenario's first attempt fails, its retry passes.
async fn refusing_once() -> (voucherify_harness::emulator::Running, String) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use axum::response::IntoResponse as _;
    use voucherify_harness::emulator::{Emulator, ProjectSpec, Running, app};

    let emulator = Emulator::new(
        ProjectSpec {
            name: None,
            app_id: Some(common::APP_ID.into()),
            secret_key: Some(common::SECRET.into()),
        },
        voucherify_harness::emulator::clock::wall_now(),
    );
    let refused = Arc::new(AtomicBool::new(false));
    let router = app(emulator.clone()).layer(axum::middleware::from_fn(
        move |req: axum::extract::Request, next: axum::middleware::Next| {
            let refused = refused.clone();
            async move {
                let creates_later = req.method() == "POST"
                    && req.uri().path().starts_with("/v1/vouchers/")
                    && req.uri().path().ends_with("LATER");
                if creates_later && !refused.swap(true, Ordering::SeqCst) {
                    let body = serde_json::json!({"code": 400, "key": "invalid_payload", "message": "Invalid payload", "details": "refused once on purpose"});
                    return (axum::http::StatusCode::BAD_REQUEST, axum::Json(body)).into_response();
                }
                next.run(req).await
            }
        },
    ));
    let running = Running::start_router(emulator, router, ([127, 0, 0, 1], 0).into())
        .await
        .expect("the emulator starts");
    let base = running.url();
    (running, base)
}

/// A scenario that fails, then passes on its retry, is one testcase marked flaky.
#[tokio::test(flavor = "multi_thread")]
async fn a_scenario_retried_to_success_appears_once_marked_flaky() {
    let (_api, base) = refusing_once().await;
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("reports-flaky");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("features/coupons")).unwrap();
    std::fs::write(dir.join("features/coupons/order.feature"), REFUSED_ONCE).unwrap();
    let args = [
        "--retries",
        "1",
        "--retry-after",
        "300",
        "--concurrency",
        "1",
    ];
    let out = run_live(
        dir.clone(),
        base,
        args.iter().map(|a| a.to_string()).collect(),
    )
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "a flaky pass is a pass: {stdout}"
    );
    assert!(
        stdout.contains("2 scenarios (2 passed, 0 failed, 0 skipped, 1 flaky)"),
        "{stdout}"
    );

    let xml = std::fs::read_to_string(dir.join("reports/junit.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    assert_eq!(cases(&doc).len(), 2, "the retried scenario appears once");
    let flaky = testcase(&doc, "A coupon created on the second attempt is accepted");
    assert!(child(flaky, "failure").is_none());
    let marked = child(flaky, "properties")
        .map(|p| {
            p.children().any(|n| {
                n.attribute("name") == Some("flaky") && n.attribute("value") == Some("true")
            })
        })
        .unwrap_or(false);
    assert!(marked, "{xml}");
    let attempt = child(flaky, "flakyFailure").and_then(|n| n.attribute("message"));
    assert_eq!(
        attempt,
        Some(
            "attempt 1: Given a coupon \"LATER\" giving 1.00 off (line 4): creating the coupon \"LATER\" failed: the API answered 400 invalid_payload: Invalid payload (refused once on purpose)"
        )
    );
    let html = std::fs::read_to_string(dir.join("reports/index.html")).unwrap();
    assert!(html.contains("passed on attempt 2"));
}
