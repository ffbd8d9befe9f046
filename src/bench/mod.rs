//! `voucherify-harness bench`: figures about the emulator and the suite, printed, never
//! asserted.
//!
//! - [`load`]: requests per second of `POST /v1/validations` (a 5-item order, 2 codes) against a
//!   static route of the same server, in the same run, at 1, 8 and 64 keep-alive connections.
//! - [`phases`]: the same validation in process on one thread, timed by phase.
//! - [`suite`]: wall time of every feature on the embedded emulator, at the default
//!   concurrency and at 1.
//! - [`scale`]: importing a million codes (time, peak memory), and validation latency with a
//!   thousand against a million codes in the project.

pub mod load;
pub mod phases;
pub mod scale;
pub mod suite;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::emulator::{Emulator, ProjectSpec, Running};

/// What to measure, and how long.
#[derive(Debug, Clone)]
pub struct BenchConfig {
    /// Each throughput case runs this long.
    pub load_duration: Duration,
    /// Connections of the throughput cases.
    pub connections: Vec<usize>,
    /// Codes imported for the scale figures.
    pub codes: usize,
    /// Validations timed per project for the latency figures.
    pub latency_samples: usize,
    /// Validations timed phase by phase, in process.
    pub phase_rounds: u32,
    /// The features whose wall time is measured; `None` skips the suite.
    pub features: Option<PathBuf>,
    /// Also time the suite at concurrency 1.
    pub serial_suite: bool,
}

impl BenchConfig {
    /// The full benchmark.
    pub fn full(features: Option<PathBuf>) -> Self {
        Self {
            load_duration: Duration::from_secs(3),
            connections: vec![1, 8, 64],
            codes: 1_000_000,
            latency_samples: 2_000,
            phase_rounds: 20_000,
            features,
            serial_suite: true,
        }
    }

    /// A quick look (a few seconds of load, a tenth of the codes, the suite once).
    pub fn quick(features: Option<PathBuf>) -> Self {
        Self {
            load_duration: Duration::from_millis(700),
            codes: 100_000,
            latency_samples: 500,
            phase_rounds: 2_000,
            serial_suite: false,
            ..Self::full(features)
        }
    }
}

/// Runs every benchmark, printing each figure as it comes.
pub async fn run(config: &BenchConfig) -> Result<(), String> {
    // The harness's client installs the TLS provider every reqwest client needs.
    let _ = crate::client::http_client(crate::client::Timeouts::default());
    println!(
        "voucherify-harness {} bench ({} cores{})",
        env!("CARGO_PKG_VERSION"),
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        if cfg!(debug_assertions) {
            ", debug build: use --release for real figures"
        } else {
            ", release build"
        }
    );
    println!();
    load::run(config).await?;
    println!();
    phases::run(config.phase_rounds)?;
    println!();
    scale::run(config).await?;
    if let Some(features) = &config.features {
        println!();
        suite::run(features, config.serial_suite).await?;
    }
    Ok(())
}

/// An emulator of its own on a free local port.
pub async fn emulator() -> Result<Running, String> {
    let emulator = Emulator::with_seed(
        ProjectSpec::default(),
        crate::emulator::clock::wall_now(),
        7,
    );
    Running::start(emulator, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .map_err(|e| format!("cannot start an emulator: {e}"))
}

/// A new project of `running`: its application id and secret key.
pub fn project(running: &Running, name: &str) -> Result<(String, String), String> {
    let info = running
        .emulator
        .create_project(
            ProjectSpec {
                name: Some(name.into()),
                ..ProjectSpec::default()
            },
            crate::emulator::clock::wall_now(),
        )
        .map_err(|e| format!("cannot create a project: {:?}", e.body()))?;
    Ok((info.app_id, info.secret_key.unwrap_or_default()))
}

/// A field of `/proc/self/status` in kB (`VmRSS`, `VmHWM`), where there is one.
pub fn memory_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Starts a new peak (`VmHWM`) from the current memory, where Linux allows it.
pub fn reset_peak_memory() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// `1234.5 MiB` from kB.
pub fn mib(kb: u64) -> String {
    format!("{:.1} MiB", kb as f64 / 1024.0)
}

/// The `q` quantile (0-1) of sorted samples.
pub fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let at = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[at.min(sorted.len() - 1)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_pick_from_sorted_samples() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(quantile(&samples, 0.5), Duration::from_millis(51));
        assert_eq!(quantile(&samples, 0.99), Duration::from_millis(99));
        assert_eq!(quantile(&[], 0.5), Duration::ZERO);
    }

    #[test]
    fn memory_is_read_from_proc_where_there_is_one() {
        if std::path::Path::new("/proc/self/status").exists() {
            assert!(memory_kb("VmRSS").is_some_and(|kb| kb > 0));
            assert!(memory_kb("NoSuchField").is_none());
        }
    }
}
