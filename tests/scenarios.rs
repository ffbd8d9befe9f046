//! Runs every feature under `features/` against the embedded emulator, with the same runner as
//! `voucherify-harness run` (reports go to `target/scenario-reports/`).

use std::path::PathBuf;
use std::process::ExitCode;

use voucherify_harness::steps::{self, RunConfig};

fn main() -> ExitCode {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let reports = root.join("target").join("scenario-reports");
    let config = RunConfig {
        paths: vec![root.join("features")],
        junit: Some(reports.join("junit.xml")),
        cucumber_json: Some(reports.join("cucumber.json")),
        html: Some(reports.join("index.html")),
        messages: Some(reports.join("cucumber.ndjson")),
        request_log: Some(reports.join("requests.log")),
        quiet: std::env::var_os("SCENARIOS_VERBOSE").is_none(),
        ..RunConfig::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime for the scenarios");
    match runtime.block_on(steps::run(config)) {
        Ok(report) if report.succeeded() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
