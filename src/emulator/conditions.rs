//! What a project's API calls meet before they reach a handler: faults set through the control
//! plane (added latency, an error status, a dropped connection) and rate limits (the Sandbox's
//! 100 calls an hour, per-minute plans, the client-side 5 calls in 5 seconds).
//!
//! Decisions only: the caller passes the project's `now` and a random draw, and turns the
//! decision into a delay, an answer or a closed connection.

use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::error::ApiError;
use crate::engine::time::{HOUR, MINUTE, SECOND, Timestamp};

/// The most latency a fault may add (10 minutes).
pub const MAX_LATENCY_MS: u64 = 600_000;

/// Calls per hour in Sandbox mode (fixed: the contract says packages do not raise it).
pub const SANDBOX_LIMIT: u64 = 100;

/// Calls per minute of the Business plan, the default of per-minute mode.
pub const PER_MINUTE_DEFAULT: u64 = 100;

/// The client-side limit per caller: 5 calls in 5 seconds.
pub const CLIENT_SIDE_LIMIT: u64 = 5;
pub const CLIENT_SIDE_PERIOD_MS: i64 = 5 * SECOND;

/// Faults to inject into a project's calls, as set through the control plane.
///
/// `latency_ms` delays every call. `status` answers that error status instead of the call, or
/// `drop` closes the connection without an answer; either applies to the next `count` calls,
/// to each call with `probability`, or (neither given) to every call.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FaultPlan {
    #[serde(default)]
    pub latency_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default)]
    pub drop: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// Seconds sent in `Retry-After` with an injected status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

impl FaultPlan {
    /// Checks a plan from the control plane; the errors name the property like the API does.
    pub fn check(&self) -> Result<(), ApiError> {
        let bad = |text: &str| Err(ApiError::invalid_payload(text.to_string()));
        if self.latency_ms > MAX_LATENCY_MS {
            return bad("Property .latency_ms should be <= 600000");
        }
        if let Some(status) = self.status
            && !(400..=599).contains(&status)
        {
            return bad("Property .status should be between 400 and 599");
        }
        if self.status.is_some() && self.drop {
            return bad("Payload should have only one of the properties 'status' and 'drop'");
        }
        if self.count.is_some() && self.probability.is_some() {
            return bad("Payload should have only one of the properties 'count' and 'probability'");
        }
        if self.count == Some(0) {
            return bad("Property .count should be >= 1");
        }
        if let Some(p) = self.probability
            && !(0.0..=1.0).contains(&p)
        {
            return bad("Property .probability should be between 0 and 1");
        }
        let has_action = self.status.is_some() || self.drop;
        if !has_action && (self.count.is_some() || self.probability.is_some()) {
            return bad("Properties .count and .probability need 'status' or 'drop'");
        }
        if self.retry_after.is_some() && self.status.is_none() {
            return bad("Property .retry_after needs 'status'");
        }
        if !has_action && self.latency_ms == 0 {
            return bad(
                "Payload should have one of the properties 'latency_ms', 'status' or 'drop'",
            );
        }
        Ok(())
    }

    /// What happens to the next call; `draw` is uniform in `[0, 1)`.
    pub fn decide(&mut self, draw: f64) -> Decision {
        let delay_ms = self.latency_ms;
        let fires = match (self.count, self.probability) {
            (Some(0), _) => false,
            (Some(n), _) => {
                self.count = Some(n - 1);
                true
            }
            (None, Some(p)) => draw < p,
            (None, None) => true,
        };
        let action = match (fires, self.status, self.drop) {
            (true, Some(status), _) => Action::Fail {
                status,
                retry_after: self.retry_after,
            },
            (true, None, true) => Action::Drop,
            _ => Action::Pass,
        };
        if self.count == Some(0) {
            // Spent: only the latency (if any) stays.
            *self = Self {
                latency_ms: self.latency_ms,
                ..Self::default()
            };
        }
        Decision { delay_ms, action }
    }
}

/// What the emulator does with one call.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Decision {
    pub delay_ms: u64,
    pub action: Action,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Action {
    /// Let the call through.
    Pass,
    /// Answer this status instead.
    Fail {
        status: u16,
        retry_after: Option<u64>,
    },
    /// Close the connection without an answer.
    Drop,
}

/// A fixed window: `limit` calls per `period_ms`, starting at the first call after the last
/// window ended.
#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    pub limit: u64,
    pub period_ms: i64,
    started: Option<Timestamp>,
    used: u64,
    refused: u64,
}

/// The answer of a window to one call.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Verdict {
    pub allowed: bool,
    pub limit: u64,
    pub remaining: u64,
    /// When the window ends and the whole limit is available again.
    pub reset_at: Timestamp,
}

impl Verdict {
    /// `X-Rate-Limit-Retry`: Unix seconds, rounded up.
    pub fn retry_unix(&self) -> i64 {
        self.reset_at.millis().div_euclid(SECOND)
            + i64::from(self.reset_at.millis().rem_euclid(SECOND) != 0)
    }

    /// `Retry-After`: whole seconds until the window ends, at least 1.
    pub fn retry_after_secs(&self, now: Timestamp) -> i64 {
        let ms = self.reset_at.millis().saturating_sub(now.millis());
        (ms.saturating_add(SECOND - 1) / SECOND).max(1)
    }
}

impl Window {
    pub fn new(limit: u64, period_ms: i64) -> Self {
        Self {
            limit,
            period_ms,
            started: None,
            used: 0,
            refused: 0,
        }
    }

    fn current(&mut self, now: Timestamp) -> Timestamp {
        match self.started {
            // A clock moved back before the window also starts a new one.
            Some(start) if now >= start && now < start.plus(self.period_ms) => start,
            _ => {
                self.started = Some(now);
                self.used = 0;
                now
            }
        }
    }

    /// Counts a call if the window has room left.
    pub fn admit(&mut self, now: Timestamp) -> Verdict {
        let start = self.current(now);
        let allowed = self.used < self.limit;
        if allowed {
            self.used += 1;
        } else {
            self.refused += 1;
        }
        Verdict {
            allowed,
            limit: self.limit,
            remaining: self.limit - self.used,
            reset_at: start.plus(self.period_ms),
        }
    }

    /// The window as the control plane shows it.
    pub fn view(&self, now: Timestamp) -> WindowView {
        let live = self
            .started
            .filter(|s| now >= *s && now < s.plus(self.period_ms));
        let used = if live.is_some() { self.used } else { 0 };
        WindowView {
            limit: self.limit,
            period: period_name(self.period_ms),
            used,
            remaining: self.limit - used,
            reset_at: live.map(|s| s.plus(self.period_ms)),
            refused: self.refused,
        }
    }
}

fn period_name(ms: i64) -> String {
    match ms {
        HOUR => "PT1H".into(),
        MINUTE => "PT1M".into(),
        ms if ms % SECOND == 0 => format!("PT{}S", ms / SECOND),
        ms => format!("PT{}S", ms as f64 / SECOND as f64),
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WindowView {
    pub limit: u64,
    /// ISO 8601 duration of the window.
    pub period: String,
    pub used: u64,
    pub remaining: u64,
    #[serde(default)]
    pub reset_at: Option<Timestamp>,
    /// Calls refused with 429 since the mode was set.
    pub refused: u64,
}

/// The rate-limit mode of a project's server-side calls.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// No limit, no rate-limit headers (the default).
    #[default]
    Off,
    /// 100 calls per hour.
    Sandbox,
    /// `limit` calls per minute (Business 100, Organization 2,000).
    PerMinute,
}

/// A change of rate limits from the control plane.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct RateLimitChange {
    #[serde(default)]
    pub mode: Option<Mode>,
    #[serde(default)]
    pub limit: Option<u64>,
    /// The client-side limit of 5 calls in 5 seconds (on unless turned off).
    #[serde(default)]
    pub client_side: Option<bool>,
}

/// A project's rate limits as the control plane shows them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RateLimitView {
    pub mode: Mode,
    #[serde(default)]
    pub api: Option<WindowView>,
    #[serde(default)]
    pub client_side: Option<WindowView>,
    #[serde(default)]
    pub object: String,
}

/// Which API a call uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// `/v1` with the secret key.
    Server,
    /// `/client/v1` with the public client-side key.
    Client,
}

#[derive(Debug)]
struct State {
    faults: FaultPlan,
    injected: u64,
    mode: Mode,
    api: Option<Window>,
    client: Option<Window>,
}

impl Default for State {
    fn default() -> Self {
        Self {
            faults: FaultPlan::default(),
            injected: 0,
            mode: Mode::Off,
            api: None,
            client: Some(Window::new(CLIENT_SIDE_LIMIT, CLIENT_SIDE_PERIOD_MS)),
        }
    }
}

/// A project's faults and rate limits. Its own lock (never held across an `.await`), so checking
/// a call never waits on the project's data.
#[derive(Debug, Default)]
pub struct Conditions {
    state: Mutex<State>,
}

/// The faults as the control plane shows them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaultView {
    #[serde(flatten)]
    pub plan: FaultPlan,
    /// Calls answered with an injected status or dropped so far.
    pub injected: u64,
    #[serde(default)]
    pub object: String,
}

impl Conditions {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // Every update below is a single assignment, so a poisoned lock holds whole values.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Replaces the fault plan (after [`FaultPlan::check`]).
    pub fn set_faults(&self, plan: FaultPlan) -> Result<FaultView, ApiError> {
        plan.check()?;
        let mut state = self.state();
        state.faults = plan;
        Ok(fault_view(&state))
    }

    pub fn clear_faults(&self) {
        self.state().faults = FaultPlan::default();
    }

    pub fn faults(&self) -> FaultView {
        fault_view(&self.state())
    }

    /// Decides the fate of the next call.
    pub fn decide(&self, draw: f64) -> Decision {
        let mut state = self.state();
        let decision = state.faults.decide(draw);
        if decision.action != Action::Pass {
            state.injected += 1;
        }
        decision
    }

    /// Applies a rate-limit change; the errors name the property like the API does.
    pub fn set_rate_limit(
        &self,
        change: &RateLimitChange,
        now: Timestamp,
    ) -> Result<RateLimitView, ApiError> {
        if change.mode.is_none() && change.client_side.is_none() {
            return Err(ApiError::invalid_payload(
                "Payload should have one of the properties 'mode' or 'client_side'",
            ));
        }
        let api = match (change.mode, change.limit) {
            (None, Some(_)) => {
                return Err(ApiError::invalid_payload(
                    "Property .limit needs 'mode': per_minute",
                ));
            }
            (Some(Mode::Off), Some(_)) | (Some(Mode::Sandbox), Some(_)) => {
                return Err(ApiError::invalid_payload(
                    "Property .limit applies only to mode per_minute (the Sandbox is fixed at 100 calls per hour)",
                ));
            }
            (Some(Mode::PerMinute), Some(0)) => {
                return Err(ApiError::invalid_payload("Property .limit should be >= 1"));
            }
            (Some(Mode::Off), None) => Some(None),
            (Some(Mode::Sandbox), None) => Some(Some(Window::new(SANDBOX_LIMIT, HOUR))),
            (Some(Mode::PerMinute), limit) => Some(Some(Window::new(
                limit.unwrap_or(PER_MINUTE_DEFAULT),
                MINUTE,
            ))),
            (None, None) => None,
        };
        let mut state = self.state();
        if let (Some(mode), Some(window)) = (change.mode, api) {
            state.mode = mode;
            state.api = window;
        }
        match change.client_side {
            Some(true) if state.client.is_none() => {
                state.client = Some(Window::new(CLIENT_SIDE_LIMIT, CLIENT_SIDE_PERIOD_MS));
            }
            Some(false) => state.client = None,
            _ => {}
        }
        Ok(rate_view(&state, now))
    }

    /// Limits the project's server-side calls to `limit` per `period_ms` (fixed windows), for a
    /// standalone emulator without a control plane (`emulate --live-like`). Hourly windows show
    /// as mode `sandbox`, others as `per_minute`.
    pub fn set_api_window(&self, limit: u64, period_ms: i64) {
        let mut state = self.state();
        state.mode = if period_ms == HOUR {
            Mode::Sandbox
        } else {
            Mode::PerMinute
        };
        state.api = Some(Window::new(limit.max(1), period_ms.max(1)));
    }

    pub fn rate_limit(&self, now: Timestamp) -> RateLimitView {
        rate_view(&self.state(), now)
    }

    /// True when a call from `side` is counted against a window (so it needs the project's
    /// clock); calls of a project without rate limits skip the count entirely.
    pub fn limits(&self, side: Side) -> bool {
        let state = self.state();
        state.api.is_some() || (side == Side::Client && state.client.is_some())
    }

    /// Counts a call against the limits of its side. `None` when no limit applies; otherwise
    /// the verdict to answer with (the tightest one when two apply).
    pub fn admit(&self, side: Side, now: Timestamp) -> Option<Verdict> {
        let mut state = self.state();
        let client = match (side, state.client.as_mut()) {
            (Side::Client, Some(window)) => Some(window.admit(now)),
            _ => None,
        };
        if let Some(v) = client
            && !v.allowed
        {
            return Some(v);
        }
        let api = state.api.as_mut().map(|w| w.admit(now));
        match (client, api) {
            (Some(c), Some(a)) if !a.allowed || a.remaining < c.remaining => Some(a),
            (Some(c), _) => Some(c),
            (None, a) => a,
        }
    }
}

fn fault_view(state: &State) -> FaultView {
    FaultView {
        plan: state.faults.clone(),
        injected: state.injected,
        object: "faults".into(),
    }
}

fn rate_view(state: &State, now: Timestamp) -> RateLimitView {
    RateLimitView {
        mode: state.mode,
        api: state.api.as_ref().map(|w| w.view(now)),
        client_side: state.client.as_ref().map(|w| w.view(now)),
        object: "rate_limit".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Timestamp = Timestamp(1_700_000_000_000);

    fn plan(json: serde_json::Value) -> FaultPlan {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_counted_status_fires_that_many_times_then_only_latency_stays() {
        let mut p = plan(serde_json::json!({"status": 503, "count": 2, "latency_ms": 5}));
        p.check().unwrap();
        for _ in 0..2 {
            let d = p.decide(0.99);
            assert_eq!(d.delay_ms, 5);
            assert!(matches!(d.action, Action::Fail { status: 503, .. }));
        }
        assert_eq!(p.decide(0.0).action, Action::Pass);
        assert_eq!(p.latency_ms, 5);
        assert_eq!(p.status, None);
    }

    #[test]
    fn a_probability_uses_the_draw() {
        let mut p = plan(serde_json::json!({"drop": true, "probability": 0.25}));
        assert_eq!(p.decide(0.1).action, Action::Drop);
        assert_eq!(p.decide(0.3).action, Action::Pass);
        assert_eq!(p.decide(0.24).action, Action::Drop);
    }

    #[test]
    fn nonsense_plans_are_refused_with_the_property_named() {
        for (json, text) in [
            (serde_json::json!({"status": 200}), ".status"),
            (serde_json::json!({"status": 503, "drop": true}), "'drop'"),
            (serde_json::json!({"status": 503, "count": 0}), ".count"),
            (
                serde_json::json!({"status": 503, "count": 1, "probability": 0.5}),
                "'probability'",
            ),
            (
                serde_json::json!({"drop": true, "probability": 2.0}),
                ".probability",
            ),
            (serde_json::json!({"count": 2}), "'status' or 'drop'"),
            (serde_json::json!({"latency_ms": 700_000}), ".latency_ms"),
            (serde_json::json!({}), "'latency_ms'"),
        ] {
            let e = plan(json.clone()).check().unwrap_err();
            let details = e.body()["details"].as_str().unwrap().to_string();
            assert!(details.contains(text), "{json}: {details}");
            assert_eq!(e.status().as_u16(), 400);
        }
    }

    #[test]
    fn a_window_admits_its_limit_then_refuses_until_it_ends() {
        let mut w = Window::new(3, MINUTE);
        for left in [2, 1, 0] {
            let v = w.admit(T0.plus(10));
            assert!(v.allowed);
            assert_eq!(v.remaining, left);
        }
        let v = w.admit(T0.plus(20));
        assert!(!v.allowed);
        assert_eq!(v.reset_at, T0.plus(10 + MINUTE));
        assert_eq!(v.retry_after_secs(T0.plus(20)), 60);
        assert!(w.admit(T0.plus(10 + MINUTE)).allowed);
        assert_eq!(w.view(T0.plus(10 + MINUTE)).used, 1);
        assert_eq!(w.view(T0.plus(10 + MINUTE)).refused, 1);
    }

    #[test]
    fn retry_headers_round_up_to_whole_seconds() {
        let v = Verdict {
            allowed: false,
            limit: 1,
            remaining: 0,
            reset_at: Timestamp(1_500),
        };
        assert_eq!(v.retry_unix(), 2);
        assert_eq!(v.retry_after_secs(Timestamp(1_499)), 1);
        assert_eq!(v.retry_after_secs(Timestamp(0)), 2);
    }

    #[test]
    fn sandbox_mode_allows_100_calls_an_hour() {
        let c = Conditions::default();
        let change = RateLimitChange {
            mode: Some(Mode::Sandbox),
            ..RateLimitChange::default()
        };
        c.set_rate_limit(&change, T0).unwrap();
        for _ in 0..100 {
            assert!(c.admit(Side::Server, T0).unwrap().allowed);
        }
        let v = c.admit(Side::Server, T0.plus(HOUR - 1)).unwrap();
        assert!(!v.allowed);
        assert_eq!(v.limit, 100);
        assert!(c.admit(Side::Server, T0.plus(HOUR)).unwrap().allowed);
    }

    #[test]
    fn client_side_calls_meet_their_own_limit_and_the_project_limit() {
        let c = Conditions::default();
        assert_eq!(c.admit(Side::Server, T0), None);
        for _ in 0..5 {
            assert!(c.admit(Side::Client, T0).unwrap().allowed);
        }
        let v = c.admit(Side::Client, T0.plus(4_999)).unwrap();
        assert!(!v.allowed);
        assert_eq!(v.limit, 5);
        assert!(c.admit(Side::Client, T0.plus(5_000)).unwrap().allowed);
        let off = RateLimitChange {
            client_side: Some(false),
            ..RateLimitChange::default()
        };
        c.set_rate_limit(&off, T0).unwrap();
        assert_eq!(c.admit(Side::Client, T0), None);
    }

    #[test]
    fn a_limit_without_per_minute_mode_is_refused() {
        let c = Conditions::default();
        let change = RateLimitChange {
            mode: Some(Mode::Sandbox),
            limit: Some(5),
            ..RateLimitChange::default()
        };
        assert_eq!(
            c.set_rate_limit(&change, T0).unwrap_err().status().as_u16(),
            400
        );
        let change = RateLimitChange {
            mode: Some(Mode::PerMinute),
            limit: Some(2_000),
            ..RateLimitChange::default()
        };
        let view = c.set_rate_limit(&change, T0).unwrap();
        assert_eq!(view.api.unwrap().limit, 2_000);
    }
}
