//! Keeps a live run within its call budget and the API's rate-limit windows, a scenario at a
//! time: a scenario starts only when the calls it is expected to make (measured by the plan)
//! fit in what is left of the run's budget and of the API's current window. When the window
//! is short, the scenario waits for the next one (the wait is announced); when the budget is
//! short, the scenario is not run, and says why.
//!
//! The window is what the API announced in its `X-Rate-Limit-*` headers, less the calls let
//! through since ([`Limiter::window`]), less the calls that running scenarios are still
//! expected to make.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{Client, Limiter};

/// A scenario that was let in; hand it back with [`Pacer::finish`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket(u64);

#[derive(Debug)]
struct Running {
    planned: u64,
    client: Client,
}

#[derive(Debug, Default)]
struct State {
    running: HashMap<u64, Running>,
    next: u64,
    /// The window end last announced as waited for.
    announced: Option<Instant>,
    /// Time spent waiting for windows, and how many times.
    waited: Duration,
    waits: u32,
}

/// The run's pacer: one per live run, shared by every scenario.
#[derive(Debug)]
pub struct Pacer {
    limiter: Limiter,
    /// The project's budget key in the limiter (its application id).
    key: String,
    budget: u64,
    /// Calls kept back for the cleanup at the end of the run.
    reserve: u64,
    state: Mutex<State>,
    changed: tokio::sync::Notify,
    /// Says that the run waits, and why.
    announce: fn(&str),
}

/// How long to look again when the end of the window is not known yet.
const RECHECK: Duration = Duration::from_millis(200);

/// A margin after a window's announced end (the API counts in whole seconds).
const MARGIN: Duration = Duration::from_millis(50);

impl Pacer {
    pub fn new(limiter: Limiter, key: &str, budget: u64, reserve: u64, announce: fn(&str)) -> Self {
        Self {
            limiter,
            key: key.to_string(),
            budget,
            reserve,
            state: Mutex::default(),
            changed: tokio::sync::Notify::new(),
            announce,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // Each change is a whole-value update; a poisoned lock holds a consistent state.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The calls running scenarios are still expected to make.
    fn outstanding(state: &State) -> u64 {
        state
            .running
            .values()
            .map(|r| r.planned.saturating_sub(r.client.calls_sent()))
            .sum()
    }

    /// Lets a scenario expected to make `planned` calls (through `client` and the clients made
    /// from it) start, waiting for the API's next window when needed; `Err` says why it must
    /// not run.
    pub async fn begin(&self, planned: u64, client: &Client) -> Result<Ticket, String> {
        loop {
            let notified = self.changed.notified();
            let now = Instant::now();
            let wait_until = {
                let mut state = self.state();
                let used = self.limiter.admitted();
                let outstanding = Self::outstanding(&state);
                if used + outstanding + planned + self.reserve > self.budget {
                    return Err(format!(
                        "not run: its {planned} calls would exceed the call budget of {} \
                         ({used} calls made, {outstanding} expected by running scenarios, {} \
                         kept for the cleanup)",
                        self.budget, self.reserve
                    ));
                }
                let window = self.limiter.window(&self.key, now);
                let fits = match window {
                    None => true,
                    Some(w) if planned > w.limit => {
                        return Err(format!(
                            "not run: it needs {planned} calls, more than the API allows in one \
                             rate-limit window ({} calls)",
                            w.limit
                        ));
                    }
                    // Nothing else running: what is left is all this scenario can hope for.
                    Some(w) if w.reset_at.is_none() && state.running.is_empty() => true,
                    Some(w) => w.remaining >= outstanding + planned,
                };
                if fits {
                    state.next += 1;
                    let id = state.next;
                    state.running.insert(
                        id,
                        Running {
                            planned,
                            client: client.clone(),
                        },
                    );
                    return Ok(Ticket(id));
                }
                let reset = window.and_then(|w| w.reset_at);
                if let (Some(at), Some(w)) = (reset, window)
                    && state.announced != Some(at)
                {
                    state.announced = Some(at);
                    state.waits += 1;
                    (self.announce)(&format!(
                        "Waiting {} s for the API's next rate-limit window: {} of its {} calls \
                         are left in this one, and the next scenario needs {planned} (with {outstanding} \
                         expected by the scenarios running)",
                        at.saturating_duration_since(now).as_secs().max(1),
                        w.remaining,
                        w.limit
                    ));
                }
                reset.map(|at| at + MARGIN).unwrap_or(now + RECHECK)
            };
            let started = Instant::now();
            tokio::select! {
                _ = tokio::time::sleep_until(wait_until.into()) => {}
                _ = notified => {}
            }
            self.state().waited += started.elapsed();
        }
    }

    /// The scenario is over: what it did not use is free again.
    pub fn finish(&self, ticket: Ticket) {
        self.state().running.remove(&ticket.0);
        self.changed.notify_waiters();
    }

    /// How many times the run waited for a window (announced waits), and for how long in all
    /// (scenarios waiting at the same time each count).
    pub fn waited(&self) -> (u32, Duration) {
        let state = self.state();
        (state.waits, state.waited)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::{Timeouts, http_client};

    fn client() -> Client {
        Client::new(
            http_client(Timeouts::default()),
            "http://127.0.0.1:9",
            None,
            Timeouts::default(),
        )
        .unwrap()
    }

    fn quiet(_: &str) {}

    fn unix_now() -> i64 {
        crate::emulator::clock::wall_now().millis() / 1_000
    }

    #[tokio::test]
    async fn the_budget_holds_back_what_does_not_fit() {
        let limiter = Limiter::with_cap(None, Some(20));
        let pacer = Pacer::new(limiter, "p", 20, 5, quiet);
        let c = client();
        let a = pacer.begin(10, &c).await.unwrap();
        let why = pacer.begin(6, &c).await.unwrap_err();
        assert!(why.contains("call budget of 20"), "{why}");
        assert!(why.contains("10 expected by running scenarios"), "{why}");
        assert!(why.contains("5 kept for the cleanup"), "{why}");
        pacer.begin(5, &c).await.unwrap();
        pacer.finish(a);
        // The finished scenario made no call: its reservation is free again.
        pacer.begin(6, &c).await.unwrap();
    }

    #[tokio::test]
    async fn a_scenario_waits_for_the_next_window_when_this_one_is_short() {
        let limiter = Limiter::with_cap(None, None);
        // Made first: making a client can take a while on a busy machine, and the window below
        // is timed from `now`.
        let c = client();
        let now = Instant::now();
        let unix = unix_now();
        let headers = |remaining: u64| {
            vec![
                ("x-rate-limit-limit".to_string(), "10".to_string()),
                ("x-rate-limit-remaining".to_string(), remaining.to_string()),
                ("x-rate-limit-retry".to_string(), (unix + 1).to_string()),
            ]
        };
        limiter.observe("p", &headers(3), now, unix);
        let pacer = Pacer::new(limiter.clone(), "p", 1_000, 0, quiet);
        let t = pacer.begin(3, &c).await.unwrap();
        pacer.finish(t);
        // 3 are left, 4 are needed: the scenario waits for the window to end, 1 s after the
        // answer that told.
        let t = pacer.begin(4, &c).await.unwrap();
        assert!(
            now.elapsed() >= Duration::from_secs(1),
            "{:?}",
            now.elapsed()
        );
        assert_eq!(pacer.waited().0, 1);
        pacer.finish(t);
        let why = pacer.begin(11, &c).await.unwrap_err();
        assert!(
            why.contains("more than the API allows in one rate-limit window (10 calls)"),
            "{why}"
        );
    }
}
