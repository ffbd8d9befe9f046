//! voucherify-harness: prove a Voucherify integration works, offline or against a Sandbox.
//!
//! # Layout
//!
//! - [`engine`]: pure promotion logic (money, discounts, code checks, stacking); `now` is a
//!   parameter, never read from a clock.
//! - [`model`]: serde types of the API contract, shared by the client and the emulator.
//! - [`emulator`]: an axum server that reproduces the API over the engine, with a control plane
//!   under `/_emulator/`.
//! - [`client`]: a typed reqwest client with a request log that never holds a secret.
//! - [`target`]: where scenarios run: the embedded emulator, an emulator URL, or the live API.
//! - [`steps`]: the Gherkin step library and the runner behind `run` and `cargo test`.
//! - [`report`]: JUnit XML and terminal output built from a run's results.
//! - [`sink`]: the harness's own webhook endpoint, which checks signatures.

pub mod client;
pub mod emulator;
pub mod engine;
pub mod model;
pub mod report;
pub mod sink;
#[path = "../steps/mod.rs"]
pub mod steps;
pub mod target;
