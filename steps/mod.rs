//! The step library: one module per domain concept, the per-scenario [`world::HarnessWorld`],
//! the parameter types, and the [`runner`] shared by `run` and `cargo test`.

pub mod access;
pub mod catalog;
pub mod checkout;
pub mod clock;
pub mod coupons;
pub mod distributions;
pub mod integrity;
pub mod outcomes;
pub mod params;
pub mod promotions;
pub mod redemptions;
pub mod runner;
pub mod stacking;
pub mod webhooks;
pub mod world;

pub use runner::{RunConfig, RunError, run};
pub use world::HarnessWorld;
