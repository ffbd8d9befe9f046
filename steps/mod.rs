//! The step library: one module per domain concept, the per-scenario [`world::HarnessWorld`],
//! the parameter types, the [`runner`] shared by `run` and `cargo test`, and the
//! [`vocabulary`] read back from the registered steps (catalogue, dry run).

pub mod access;
pub mod checkout;
pub mod clock;
pub mod coupons;
pub mod outputs;
pub mod params;
pub mod redemptions;
pub mod runner;
pub mod selection;
pub mod shapes;
pub mod vocabulary;
pub mod world;

pub use runner::{RunConfig, RunError, run};
pub use world::HarnessWorld;
