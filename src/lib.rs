//! voucherify-harness: prove a Voucherify integration works, offline or against a Sandbox.
//!
//! # Layout
//!
//! - [`engine`]: pure promotion logic (money, discounts, code checks, stacking); `now` is a
//!   parameter, never read from a clock.
//! - [`model`]: serde types of the API contract, shared by the client and the emulator.
//! - [`emulator`]: an axum server that reproduces the API over the engine, with a control plane
//!   under `/_emulator/`.
//! - [`client`]: a typed reqwest client with timeouts, safe retries, a limiter shared by a run,
//!   and a request log that never holds a secret.
//! - [`target`]: where scenarios run: the embedded emulator, an emulator URL, or the live API.
//! - [`live`]: what a live run needs before it starts: keys from the environment or `.env`,
//!   a Voucherify host (or this machine), and the statement that the project is a Sandbox.
//! - [`cleanup`]: deleting what a run created on a shared project, from its ledger.
//! - [`steps`]: the Gherkin step library and the runner behind `run` and `cargo test`.
//! - [`report`]: a run's results as values, and the reports rendered from them: terminal,
//!   JUnit XML, Cucumber JSON, HTML, the step catalogue.
//! - [`sink`]: the harness's own webhook endpoint, which checks signatures.
//! - [`shape`]: response shapes (ids, codes, times redacted) and the snapshots they are kept in.
//! - [`fixtures`]: seed data from a fixtures folder (`voucherify-harness seed`).
//! - [`bench`]: throughput, scale and suite-time figures for `voucherify-harness bench`.

pub mod bench;
pub mod cleanup;
pub mod client;
pub mod emulator;
pub mod engine;
pub mod fixtures;
pub mod live;
pub mod model;
pub mod report;
pub mod shape;
pub mod sink;
#[path = "../steps/mod.rs"]
pub mod steps;
pub mod target;
