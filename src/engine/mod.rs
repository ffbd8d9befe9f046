//! Pure promotion logic: money, discounts, code checks and stacking.
//!
//! No HTTP, no clock, no I/O: callers pass `now` and plain values, and get values back.

pub mod applicable;
pub mod code;
pub mod discount;
pub mod eligibility;
pub mod logic;
pub mod loyalty;
pub mod money;
pub mod order;
pub mod rejection;
pub mod rules;
pub mod stack;
pub mod time;
