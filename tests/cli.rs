//! The command line as a user meets it: exit codes, reports, and what a failure says.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_voucherify-harness");

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(args: &[&str], dir: &Path) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

const FEATURE: &str = r#"@coupons
Feature: A coupon
  Scenario: An amount coupon takes its value off the cart
    Given a coupon "SPRING10" giving 10.00 off
    When Alice checks out a cart of 40.00 with "SPRING10"
    Then the discount is 10.00

  Scenario: A percent coupon
    Given a coupon "P15" giving 15% off
    When Alice checks out a cart of 19.99 with "P15"
    Then the discount is 3.00
"#;

#[test]
fn a_passing_run_exits_0_and_writes_both_reports() {
    let dir = scratch("cli-pass");
    std::fs::write(dir.join("coupon.feature"), FEATURE).unwrap();
    let out = run(&["run", "coupon.feature"], &dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("2 scenarios (2 passed, 0 failed, 0 skipped)"),
        "{stdout}"
    );
    let junit = std::fs::read_to_string(dir.join("reports/junit.xml")).unwrap();
    assert_eq!(junit.matches("<testcase ").count(), 2);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("reports/cucumber.json")).unwrap())
            .unwrap();
    assert_eq!(json[0]["elements"].as_array().unwrap().len(), 2);
}

#[test]
fn a_plan_prints_each_scenarios_calls_and_runs_nothing_else() {
    let dir = scratch("cli-plan");
    std::fs::write(dir.join("coupon.feature"), FEATURE).unwrap();
    let out = run(&["run", "--plan", "coupon.feature"], &dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    // Each scenario creates its coupon and checks out once.
    for (line, name) in [
        (3, "An amount coupon takes its value off the cart"),
        (8, "A percent coupon"),
    ] {
        assert!(
            stdout.contains(&format!("      2  coupon.feature:{line}  {name}\n")),
            "{stdout}"
        );
    }
    assert!(
        stdout.contains("4 API calls in all: 4 in 2 scenario(s)."),
        "{stdout}"
    );
    assert!(!dir.join("reports").exists(), "a plan writes no report");
    // On the live target the plan counts the cleanup and the key check, and compares the total
    // with the budget; it needs no keys and sends nothing.
    let out = run(
        &[
            "run",
            "--target",
            "live",
            "--plan",
            "--call-budget",
            "5",
            "coupon.feature",
        ],
        &dir,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("A live run of this selection would not start: this selection needs"),
        "{stdout}"
    );
    assert!(
        stdout.contains("more than the call budget of 5"),
        "{stdout}"
    );
    assert!(!dir.join("reports").exists(), "a plan writes no report");
}

#[test]
fn a_wrong_expected_amount_exits_1_and_the_junit_failure_names_step_expected_and_actual() {
    let dir = scratch("cli-fail");
    let wrong = FEATURE.replace("Then the discount is 10.00", "Then the discount is 12.00");
    std::fs::write(dir.join("coupon.feature"), wrong).unwrap();
    let out = run(&["run", "coupon.feature", "--junit", "out/j.xml"], &dir);
    assert_eq!(out.status.code(), Some(1));
    let junit = std::fs::read_to_string(dir.join("out/j.xml")).unwrap();
    assert!(
        junit.contains("<failure message=\"Then the discount is 12.00 (line 6): total discount: expected 12.00, got 10.00\""),
        "{junit}"
    );
    assert_eq!(junit.matches("<failure ").count(), 1);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("rerun: cargo run --release -- run coupon.feature:3"),
        "{stdout}"
    );
    // The rerun command runs that one scenario.
    let out = run(&["run", "coupon.feature:3"], &dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout.contains("1 scenarios (0 passed, 1 failed, 0 skipped)"),
        "{stdout}"
    );
    let out = run(&["run", "coupon.feature:8"], &dir);
    assert_eq!(out.status.code(), Some(0), "the other scenario passes");
}

#[test]
fn usage_and_configuration_errors_exit_2() {
    let dir = scratch("cli-usage");
    std::fs::write(dir.join("coupon.feature"), FEATURE).unwrap();
    for args in [
        vec!["run", "--no-such-option"],
        vec!["run", "missing-folder"],
        vec!["run", "coupon.feature", "--tags", "@coupons and"],
        vec!["run", "coupon.feature", "--name", "("],
        vec!["run", "--target", "nowhere"],
        vec!["run", "coupon.feature", "--shard", "4/3"],
        vec!["run", "coupon.feature:4"],
        vec!["run", "coupon.feature", "--shard", "two"],
        vec!["run", "coupon.feature", "--tags", "@coupons and or @x"],
        vec!["frobnicate"],
    ] {
        let out = run(&args, &dir);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.stderr.is_empty(), "{args:?} prints why");
    }
}

#[test]
fn an_undefined_step_fails_the_scenario_instead_of_skipping_it() {
    let dir = scratch("cli-undefined");
    std::fs::write(
        dir.join("typo.feature"),
        "Feature: Typos\n  Scenario: A misspelt step\n    Given a cuopon \"X\" giving 1.00 off\n",
    )
    .unwrap();
    let out = run(&["run", "typo.feature"], &dir);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn a_feature_that_does_not_parse_exits_2_names_file_and_line_and_the_reports_are_still_written() {
    let dir = scratch("cli-syntax");
    std::fs::write(dir.join("coupon.feature"), FEATURE).unwrap();
    std::fs::write(
        dir.join("broken.feature"),
        "Feature: Broken\n  Scenario: A step outside of Gherkin\n    Given a coupon \"A\" giving 1.00 off\n  Scenaro: typo\n",
    )
    .unwrap();
    let out = run(&["run", "."], &dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("error: broken.feature:4:")
            || stderr.contains("error: ./broken.feature:4:"),
        "{stderr}"
    );
    assert!(stderr.contains("not valid Gherkin"), "{stderr}");
    let junit = std::fs::read_to_string(dir.join("reports/junit.xml")).unwrap();
    assert_eq!(
        junit.matches("classname=\"features.parse_errors\"").count(),
        1
    );
    assert_eq!(
        junit.matches("<testcase ").count(),
        3,
        "the good file still ran"
    );
    let html = std::fs::read_to_string(dir.join("reports/index.html")).unwrap();
    assert!(html.contains("Feature files that do not parse"));
}

#[test]
fn an_unwritable_report_path_exits_2_names_the_path_and_the_other_reports_are_written() {
    let dir = scratch("cli-unwritable");
    std::fs::write(dir.join("coupon.feature"), FEATURE).unwrap();
    // A report path below a file cannot be created.
    let out = run(
        &[
            "run",
            "coupon.feature",
            "--junit",
            "coupon.feature/junit.xml",
        ],
        &dir,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("error: cannot write coupon.feature/junit.xml:"),
        "{stderr}"
    );
    for report in ["cucumber.json", "index.html", "requests.log"] {
        assert!(dir.join("reports").join(report).is_file(), "{report}");
    }
    let html = std::fs::read_to_string(dir.join("reports/index.html")).unwrap();
    assert!(html.contains("Reports that could not be written"));
    assert!(html.contains("cannot write coupon.feature/junit.xml"));
}

#[test]
fn a_dry_run_reports_exactly_the_misspelt_step_without_calling_any_api() {
    let dir = scratch("cli-dry-run");
    let typo = FEATURE.replace(
        "When Alice checks out a cart of 19.99 with \"P15\"",
        "When Alice chekcs out a cart of 19.99 with \"P15\"",
    );
    std::fs::write(dir.join("coupon.feature"), typo).unwrap();
    // Nothing listens at this address: a call would fail the run.
    let out = run(
        &[
            "run",
            "coupon.feature",
            "--dry-run",
            "--base-url",
            "http://127.0.0.1:9",
        ],
        &dir,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let problems: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("undefined:") || l.starts_with("ambiguous:"))
        .collect();
    assert_eq!(
        problems,
        ["undefined: coupon.feature:10: When Alice chekcs out a cart of 19.99 with \"P15\""]
    );
    assert!(
        stdout.contains("did you mean: When {word} checks out a cart of {money} with {string}"),
        "{stdout}"
    );
    assert!(
        stdout.contains("#[when(expr = \"Alice chekcs out a cart of {money} with {string}\")]"),
        "{stdout}"
    );
    assert!(!dir.join("reports").exists(), "a dry run writes no report");

    std::fs::write(dir.join("coupon.feature"), FEATURE).unwrap();
    let out = run(&["run", "coupon.feature", "--dry-run"], &dir);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn the_step_catalogue_lists_every_step_the_features_use() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = run(&["steps"], root);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    // Every step of features/ has its definition in the catalogue, with an example.
    let definitions = voucherify_harness::steps::vocabulary::definitions();
    let features = std::fs::read_dir(root.join("features"))
        .unwrap()
        .flat_map(|area| std::fs::read_dir(area.unwrap().path()).unwrap())
        .map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap());
    let mut checked = 0;
    for text in features {
        for line in text.lines().map(str::trim) {
            let Some((keyword, step)) = line.split_once(' ') else {
                continue;
            };
            if !["Given", "When", "Then", "And", "But"].contains(&keyword) || step.contains('<') {
                continue;
            }
            let def = definitions
                .iter()
                .find(|d| d.regex.is_match(step))
                .unwrap_or_else(|| panic!("no definition for {line:?}"));
            assert!(
                stdout.contains(&format!(" {}\n", def.expression)),
                "{} missing from the catalogue",
                def.expression
            );
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked} steps checked");
    assert!(stdout.contains("## coupons\n"), "grouped by area");
    assert!(
        stdout.contains("{offer} what a coupon gives"),
        "parameter types"
    );
    assert!(stdout.contains("e.g. Given a coupon \"SPRING10\" giving 10.00 off"));
}

/// `(classname, name)` of every testcase of a JUnit file.
fn testcases(path: &Path) -> Vec<(String, String)> {
    let xml = std::fs::read_to_string(path).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .map(|n| {
            (
                n.attribute("classname").unwrap().to_string(),
                n.attribute("name").unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn shards_together_run_every_scenario_exactly_once() {
    let dir = scratch("cli-shards");
    let features = Path::new(env!("CARGO_MANIFEST_DIR")).join("features");
    let features = features.to_str().unwrap();
    let out = run(&["run", features, "-q", "--junit", "all.xml"], &dir);
    assert_eq!(out.status.code(), Some(0));
    let mut all = testcases(&dir.join("all.xml"));
    all.sort();
    let mut union = Vec::new();
    let mut sizes = Vec::new();
    for i in 1..=3 {
        let junit = format!("shard-{i}.xml");
        let shard = format!("{i}/3");
        let out = run(
            &["run", features, "-q", "--shard", &shard, "--junit", &junit],
            &dir,
        );
        assert_eq!(out.status.code(), Some(0), "shard {shard}");
        let cases = testcases(&dir.join(&junit));
        sizes.push(cases.len());
        union.extend(cases);
    }
    union.sort();
    assert_eq!(union, all, "every scenario exactly once");
    let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
    assert!(max - min <= 1, "balanced: {sizes:?}");
    // The same shard twice is the same share.
    run(
        &[
            "run",
            features,
            "-q",
            "--shard",
            "2/3",
            "--junit",
            "again.xml",
        ],
        &dir,
    );
    assert_eq!(
        testcases(&dir.join("again.xml")),
        testcases(&dir.join("shard-2.xml"))
    );
}

#[test]
fn a_retried_scenario_that_keeps_failing_is_reported_once_with_its_attempts() {
    let dir = scratch("cli-retries");
    let wrong = FEATURE.replace("Then the discount is 10.00", "Then the discount is 12.00");
    std::fs::write(dir.join("coupon.feature"), wrong).unwrap();
    let out = run(&["run", "coupon.feature", "--retries", "2"], &dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert_eq!(stdout.matches("failed, retrying").count(), 2, "{stdout}");
    let junit = std::fs::read_to_string(dir.join("reports/junit.xml")).unwrap();
    assert_eq!(junit.matches("<testcase ").count(), 2);
    assert_eq!(junit.matches("<failure ").count(), 1);
    assert!(junit.contains("<property name=\"retries\" value=\"2\"/>"));
}
