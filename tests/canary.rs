//! Secret canary: scenarios run with a known secret key, and the key must appear in no artifact
//! of the run: stdout, stderr, JUnit, Cucumber JSON and Messages, HTML, the request log, the
//! snapshots.
//!
//! The run uses the live target pointed at an emulator whose project has the canary as its
//! secret key, so every request of every scenario authenticates with it (the passing scenarios
//! prove it was accepted); the base URL also carries it as a password, as a careless CI
//! variable might.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;

use voucherify_harness::emulator::clock::wall_now;
use voucherify_harness::emulator::{Emulator, ProjectSpec, Running};

const BIN: &str = env!("CARGO_BIN_EXE_voucherify-harness");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const APP_ID: &str = "canary-app";
const CANARY: &str = "canary-secret-5f0c2a9e71d34b68";

const FAILING: &str = r#"@coupons
Feature: A failure shows its exchange
  Scenario: A wrong expectation shows the request and the answer
    Given a coupon "CANARYTEST" giving 10.00 off
    When Alice checks out a cart of 40.00 with "CANARYTEST"
    Then the discount is 12.00

  Scenario: A wrong key is refused without showing the right one
    Given a coupon "CANARYKEY" giving 10.00 off
    And the shop's integration uses a wrong secret key
    When the shop looks up the coupon "CANARYKEY"
    Then the request is refused as unauthorized
"#;

#[tokio::test(flavor = "multi_thread")]
async fn the_secret_key_appears_in_no_artifact() {
    let emulator = Emulator::new(
        ProjectSpec {
            name: Some("Canary".into()),
            app_id: Some(APP_ID.into()),
            secret_key: Some(CANARY.into()),
        },
        wall_now(),
    );
    let running = Running::start(emulator, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("the emulator starts");
    let base = running
        .url()
        .replacen("http://", &format!("http://shop:{CANARY}@"), 1);

    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("canary");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("features")).unwrap();
    // Live runs share one project: these features use distinct codes.
    for file in ["discounts.feature", "contract.feature"] {
        std::fs::copy(
            Path::new(ROOT).join("features/coupons").join(file),
            dir.join("features").join(file),
        )
        .unwrap();
    }
    std::fs::write(dir.join("features/failing.feature"), FAILING).unwrap();

    let run_dir = dir.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(BIN)
            .args(["run", "--target", "live", "--sandbox", "--base-url", &base])
            .env("VOUCHERIFY_APP_ID", APP_ID)
            .env("VOUCHERIFY_SECRET_KEY", CANARY)
            .current_dir(run_dir)
            .output()
            .expect("the binary runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    // The key was really used: scenarios that need an authenticated project passed.
    assert!(
        stdout.contains("11 scenarios (10 passed, 1 failed, 0 skipped)"),
        "{stdout}"
    );

    let mut artifacts = vec![
        ("stdout".to_string(), stdout),
        ("stderr".to_string(), stderr),
    ];
    for report in [
        "junit.xml",
        "cucumber.json",
        "cucumber.ndjson",
        "index.html",
        "requests.log",
    ] {
        let path = dir.join("reports").join(report);
        let text = std::fs::read_to_string(&path).expect("the report is written");
        assert!(text.len() > 1_000, "{report} has content");
        artifacts.push((report.to_string(), text));
    }
    let log = &artifacts.last().unwrap().1;
    assert!(
        log.contains("> POST /v1/redemptions"),
        "the request log holds exchanges"
    );
    for entry in std::fs::read_dir(Path::new(ROOT).join("snapshots")).unwrap() {
        let path = entry.unwrap().path();
        artifacts.push((
            path.display().to_string(),
            std::fs::read_to_string(&path).unwrap(),
        ));
    }
    for (name, text) in &artifacts {
        assert!(!text.contains(CANARY), "the secret key leaked into {name}");
        assert!(
            !text.contains(&CANARY[..16]),
            "part of the secret key is in {name}"
        );
    }
    running.stop().await;
}
