//! The step library: one module per domain concept, the per-scenario [`world::HarnessWorld`],
//! the parameter types, the [`runner`] shared by `run` and `cargo test`, and the
//! [`vocabulary`] read back from the registered steps (catalogue, dry run).

pub mod access;
pub mod catalog;
pub mod checkout;
pub mod client_side;
pub mod clock;
pub mod coupons;
pub mod distributions;
pub mod failures;
pub mod holds;
pub mod integrity;
pub mod loyalty;
pub mod migration;
pub mod network;
pub mod outcomes;
pub mod outputs;
pub mod params;
pub mod plan;
pub mod promotions;
pub mod publications;
pub mod rate_limits;
pub mod redemptions;
pub mod referrals;
pub mod runner;
pub mod selection;
pub mod shapes;
pub mod stacking;
pub mod vocabulary;
pub mod webhooks;
pub mod world;

pub use runner::{RunConfig, RunError, run};
pub use world::HarnessWorld;
