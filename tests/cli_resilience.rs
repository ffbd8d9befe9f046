//! The command line when the API is out of reach or out of calls: a closed port fails the run
//! fast with "target unreachable" in the JUnit report, and a scenario needing more calls than
//! the Sandbox has left fails with the limit named, without hammering the API.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use voucherify_harness::emulator::clock::wall_now;
use voucherify_harness::emulator::{Emulator, ProjectSpec, Running};

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
        .env_remove("VOUCHERIFY_API_URL")
        .output()
        .expect("the binary runs")
}

const COUPON: &str = r#"@coupons
Feature: A coupon
  Scenario: An amount coupon takes its value off the cart
    Given a coupon "SPRING10" giving 10.00 off
    When Alice checks out a cart of 40.00 with "SPRING10"
    Then the discount is 10.00
"#;

#[test]
fn a_closed_port_fails_the_scenario_within_its_timeout_saying_target_unreachable() {
    let dir = scratch("cli-closed-port");
    std::fs::write(dir.join("coupon.feature"), COUPON).unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let url = format!("http://{closed}");
    let started = Instant::now();
    let out = run(&["run", "coupon.feature", "--base-url", &url], &dir);
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
    let junit = std::fs::read_to_string(dir.join("reports/junit.xml")).unwrap();
    assert!(junit.contains("target unreachable"), "{junit}");
    assert_eq!(junit.matches("<testcase ").count(), 1);
}

#[test]
fn timeouts_and_rates_that_make_no_sense_are_usage_errors() {
    let dir = scratch("cli-bad-options");
    std::fs::write(dir.join("coupon.feature"), COUPON).unwrap();
    for args in [
        vec!["run", "coupon.feature", "--timeout", "0"],
        vec!["run", "coupon.feature", "--timeout", "soon"],
        vec!["run", "coupon.feature", "--rate-limit", "fast"],
        vec!["run", "coupon.feature", "--rate-limit", "0/min"],
    ] {
        let out = run(&args, &dir);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    let out = run(
        &[
            "run",
            "coupon.feature",
            "--timeout",
            "5",
            "--rate-limit",
            "50/s",
        ],
        &dir,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

const BUSY_SANDBOX: &str = r#"@failures @emulator
Feature: A busy Sandbox
  Scenario: Five checkouts in a nearly used-up Sandbox
    Given a coupon "TEAM" giving 5.00 off
    And the shop uses a Sandbox project
    And the shop has already made 97 calls this hour
    When 5 customers each check out a cart of 20.00 with "TEAM"
    Then 5 checkouts succeed
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scenario_needing_more_calls_than_remain_fails_naming_the_limit_without_hammering() {
    let dir = scratch("cli-busy-sandbox");
    std::fs::write(dir.join("busy.feature"), BUSY_SANDBOX).unwrap();
    let emulator = Emulator::new(ProjectSpec::default(), wall_now());
    let running = Running::start(emulator.clone(), SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let url = running.url();
    let out = tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || run(&["run", "busy.feature", "--base-url", &url], &dir)
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let junit = std::fs::read_to_string(dir.join("reports/junit.xml")).unwrap();
    assert!(junit.contains("rate limit reached"), "{junit}");
    assert!(junit.contains("limit of 100 calls is used up"), "{junit}");

    // The scenario's project: 100 calls used, and none sent only to be refused.
    let default = emulator.default_project().id.clone();
    let projects = emulator.projects();
    let scenario = projects.iter().find(|p| p.id != default).unwrap();
    let slot = emulator.project(&scenario.id).unwrap();
    let view = slot.conditions.rate_limit(wall_now());
    let api = view.api.unwrap();
    assert_eq!(api.used, 100);
    assert_eq!(api.refused, 0, "calls were sent after the budget ran out");
    running.stop().await;
}
