//! An emulator of the Voucherify API over the pure engine, with a control plane under
//! `/_emulator/`.
//!
//! Layout: [`server`] (router, middleware), [`listen`] (connections), [`routes`] (one module
//! per resource), [`ops`] (operations on one project's data), [`convert`] (contract ↔ engine),
//! [`store`] (projects and their locks), [`error`] (the one error → response mapping),
//! [`conditions`] and [`edge`] (injected faults, rate limits, client-side authentication),
//! [`client_keys`] (public keys and allowed origins).

pub mod answer;
pub mod client_keys;
pub mod clock;
pub mod conditions;
pub mod convert;
pub mod edge;
pub mod error;
pub mod events;
pub mod extract;
pub mod filters;
pub mod hooks;
pub mod ids;
pub mod listen;
pub mod live_like;
pub mod multipart;
pub mod ops;
pub mod routes;
pub mod server;
pub mod store;
pub mod strict;
pub mod table;
pub mod voucher_table;

pub use server::{Running, app, serve, serve_router};
pub use store::{Emulator, ProjectInfo, ProjectSpec};
