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
