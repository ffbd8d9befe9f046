//! Suite wall time: every feature on the embedded emulator, as `run` does it, at the default
//! concurrency and at 1, with the reports written to a temporary folder that is removed after.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::steps::{self, RunConfig, runner};

async fn time_run(
    features: &Path,
    concurrency: usize,
    reports: &Path,
) -> Result<(Duration, usize, usize), String> {
    let config = RunConfig {
        paths: vec![features.to_path_buf()],
        concurrency: Some(concurrency),
        junit: Some(reports.join("junit.xml")),
        cucumber_json: Some(reports.join("cucumber.json")),
        html: Some(reports.join("index.html")),
        messages: Some(reports.join("cucumber.ndjson")),
        request_log: Some(reports.join("requests.log")),
        quiet: true,
        seed: Some(1),
        ..RunConfig::default()
    };
    let started = Instant::now();
    let report = steps::run(config).await.map_err(|e| e.to_string())?;
    let took = started.elapsed();
    let scenarios: Vec<_> = report.features.iter().flat_map(|f| &f.scenarios).collect();
    let failed = scenarios
        .iter()
        .filter(|s| s.status == crate::report::Status::Failed)
        .count();
    Ok((took, scenarios.len(), failed))
}

/// Prints the suite's wall time at the default concurrency and (when asked) at 1.
pub async fn run(features: &Path, serial: bool) -> Result<(), String> {
    let reports: PathBuf =
        std::env::temp_dir().join(format!("voucherify-bench-{}", std::process::id()));
    let default = runner::DEFAULT_CONCURRENCY;
    let outcome = async {
        let (parallel, scenarios, failed) = time_run(features, default, &reports).await?;
        println!(
            "Suite: {} ({scenarios} scenarios, {failed} failed) on the embedded emulator",
            features.display()
        );
        println!(
            "  concurrency {default:>2}: {:.2} s",
            parallel.as_secs_f64()
        );
        if serial {
            let (one, _, _) = time_run(features, 1, &reports).await?;
            println!("  concurrency  1: {:.2} s", one.as_secs_f64());
            println!(
                "  speed-up: {:.2}x",
                one.as_secs_f64() / parallel.as_secs_f64().max(1e-9)
            );
        }
        Ok::<(), String>(())
    }
    .await;
    let _ = std::fs::remove_dir_all(&reports);
    outcome
}
