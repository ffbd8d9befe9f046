//! One rate limiter for a whole run, shared by the clients of all concurrent scenarios: an
//! optional pace (at most N calls per period, in bursts of up to N) and, per project, the budget
//! the API announces in its `X-Rate-Limit-*` headers. When that budget is used up and the window
//! ends after a call's timeout, the call is not sent: it fails at once with a message naming
//! the limit, instead of knocking on a closed door.
//!
//! A live run also gives the limiter its call budget: no call beyond it is sent. And the
//! limiter tells what it knows of a project's current window ([`Limiter::window`]), which the
//! [`super::pacer`] uses to start a scenario only when its calls fit.
//!
//! Why hand-written: the pace is a dozen lines of GCRA, and the budget part (learned from the
//! API's headers, keyed by project) is what matters here and no rate-limiting crate models it.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::engine::time::Timestamp;

/// At most `calls` calls per `period`, in bursts of up to `calls`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pace {
    pub calls: u32,
    pub period: Duration,
}

impl FromStr for Pace {
    type Err = String;

    /// `100/min`, `5/s`, `100/h` (also `second`, `minute`, `hour`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || format!("'{s}' is not a rate such as 100/min, 5/s or 100/h");
        let (calls, unit) = s.trim().split_once('/').ok_or_else(err)?;
        let calls: u32 = calls.trim().parse().map_err(|_| err())?;
        let period = match unit.trim() {
            "s" | "sec" | "second" => Duration::from_secs(1),
            "m" | "min" | "minute" => Duration::from_secs(60),
            "h" | "hour" => Duration::from_secs(3_600),
            _ => return Err(err()),
        };
        if calls == 0 {
            return Err(err());
        }
        Ok(Self { calls, period })
    }
}

impl fmt::Display for Pace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.period.as_secs() {
            1 => "second".to_string(),
            60 => "minute".to_string(),
            3_600 => "hour".to_string(),
            n => format!("{n} s"),
        };
        write!(f, "{} calls per {unit}", self.calls)
    }
}

/// What the API said about a project's calls.
#[derive(Debug, Clone, Copy)]
struct Budget {
    limit: u64,
    remaining: u64,
    /// The window's end as the API gave it (Unix seconds) and as an instant here.
    reset_unix: i64,
    reset_at: Instant,
}

#[derive(Debug, Default)]
struct State {
    pace: Option<Pace>,
    /// The pace's theoretical arrival time (GCRA).
    tat: Option<Instant>,
    budgets: HashMap<String, Budget>,
    /// Projects whose announced window is over and no answer of the next one has come yet:
    /// the limit, and the calls let through since.
    rolled: HashMap<String, (u64, u64)>,
    /// The most calls the run may send (its call budget), if any.
    cap: Option<u64>,
    /// Calls let through so far.
    admitted: u64,
}

/// What the limiter knows of a project's current rate-limit window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowView {
    pub limit: u64,
    /// Calls left, counting those let through since the API's last answer.
    pub remaining: u64,
    /// When the window ends (`None`: a new window began and its end is not known yet).
    pub reset_at: Option<Instant>,
}

/// Whether a call may go now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    Go,
    /// Go after this wait (already reserved).
    Wait(Duration),
    /// Do not send.
    Refuse(Refusal),
}

/// Why a call was held back: the text names the limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub detail: String,
    /// The API's limit, when it was the API's budget that ran out.
    pub limit: Option<u64>,
}

/// The run's limiter; clones share it.
#[derive(Debug, Clone, Default)]
pub struct Limiter {
    state: Arc<Mutex<State>>,
}

impl Limiter {
    pub fn new(pace: Option<Pace>) -> Self {
        Self {
            state: Arc::new(Mutex::new(State {
                pace,
                ..State::default()
            })),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // Each update is a whole-value assignment; a poisoned lock holds consistent values.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn pace(&self) -> Option<Pace> {
        self.state().pace
    }

    /// A limiter that also lets through at most `cap` calls in all (a run's call budget).
    pub fn with_cap(pace: Option<Pace>, cap: Option<u64>) -> Self {
        let limiter = Self::new(pace);
        limiter.state().cap = cap;
        limiter
    }

    /// Calls let through so far.
    pub fn admitted(&self) -> u64 {
        self.state().admitted
    }

    /// What is known of project `key`'s current window at `now`.
    pub fn window(&self, key: &str, now: Instant) -> Option<WindowView> {
        let state = self.state();
        match (state.budgets.get(key), state.rolled.get(key)) {
            (Some(b), _) if now < b.reset_at => Some(WindowView {
                limit: b.limit,
                remaining: b.remaining,
                reset_at: Some(b.reset_at),
            }),
            (Some(b), _) => Some(WindowView {
                limit: b.limit,
                remaining: b.limit,
                reset_at: None,
            }),
            (None, Some(&(limit, used))) => Some(WindowView {
                limit,
                remaining: limit.saturating_sub(used),
                reset_at: None,
            }),
            (None, None) => None,
        }
    }

    /// Decides whether a call of project `key` may go at `now` and reserves its place; a call
    /// that would have to wait past `deadline` is refused.
    pub fn admit(&self, key: &str, now: Instant, deadline: Instant) -> Admission {
        let mut state = self.state();
        if let Some(cap) = state.cap
            && state.admitted >= cap
        {
            return Admission::Refuse(Refusal {
                detail: format!(
                    "the run's call budget of {cap} calls is used up; the call was not sent"
                ),
                limit: None,
            });
        }
        let mut earliest = now;
        let mut use_budget = false;
        match state.budgets.get(key).copied() {
            Some(b) if now >= b.reset_at => {
                state.budgets.remove(key);
                state.rolled.insert(key.to_string(), (b.limit, 0));
            }
            Some(b) if b.remaining == 0 => {
                if b.reset_at > deadline {
                    let wait = b.reset_at.saturating_duration_since(now).as_secs();
                    return Admission::Refuse(Refusal {
                        detail: format!(
                            "the API's limit of {} calls is used up (X-Rate-Limit-Remaining: 0) \
                             until {} (in {wait} s), later than this call's timeout; the call \
                             was not sent",
                            b.limit,
                            Timestamp(b.reset_unix.saturating_mul(1_000)).to_iso()
                        ),
                        limit: Some(b.limit),
                    });
                }
                // A new window opens in time: wait for it and let the API say what is left.
                earliest = b.reset_at;
                state.budgets.remove(key);
                state.rolled.insert(key.to_string(), (b.limit, 0));
            }
            Some(_) => use_budget = true,
            None => {}
        }
        if let Some(pace) = state.pace {
            let interval = pace.period / pace.calls;
            let tolerance = pace.period.saturating_sub(interval);
            let tat = state.tat.unwrap_or(now).max(now);
            let conforming = tat.checked_sub(tolerance).unwrap_or(now).max(now);
            let go_at = conforming.max(earliest);
            if go_at > deadline {
                return Admission::Refuse(Refusal {
                    detail: format!(
                        "the run's own limit of {pace} would hold this call past its timeout; \
                         the call was not sent"
                    ),
                    limit: None,
                });
            }
            state.tat = Some(tat.max(go_at) + interval);
            earliest = go_at;
        }
        if use_budget && let Some(b) = state.budgets.get_mut(key) {
            b.remaining = b.remaining.saturating_sub(1);
        } else if let Some((_, used)) = state.rolled.get_mut(key) {
            *used += 1;
        }
        state.admitted += 1;
        match earliest.saturating_duration_since(now) {
            d if d.is_zero() => Admission::Go,
            d => Admission::Wait(d),
        }
    }

    /// Waits for the call's turn; `Err` names the limit when it cannot go before `deadline`.
    pub async fn acquire(&self, key: &str, deadline: Instant) -> Result<(), Refusal> {
        match self.admit(key, Instant::now(), deadline) {
            Admission::Go => Ok(()),
            Admission::Wait(d) => {
                tokio::time::sleep(d).await;
                Ok(())
            }
            Admission::Refuse(why) => Err(why),
        }
    }

    /// Learns project `key`'s budget from an answer's headers (names in lower case).
    pub fn observe(&self, key: &str, headers: &[(String, String)], now: Instant, now_unix: i64) {
        let get = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .and_then(|(_, v)| v.trim().parse::<i64>().ok())
        };
        let (Some(limit), Some(remaining)) =
            (get("x-rate-limit-limit"), get("x-rate-limit-remaining"))
        else {
            return;
        };
        let reset_unix = get("x-rate-limit-retry")
            .or_else(|| get("retry-after").map(|s| now_unix + s))
            .unwrap_or(now_unix + 60);
        let budget = Budget {
            limit: limit.max(0) as u64,
            remaining: remaining.max(0) as u64,
            reset_unix,
            reset_at: now + Duration::from_secs(reset_unix.saturating_sub(now_unix).max(0) as u64),
        };
        let mut state = self.state();
        match state.budgets.get_mut(key) {
            // Same window: answers may arrive out of order, the lowest count is the truth.
            Some(b) if b.reset_unix == reset_unix => {
                b.remaining = b.remaining.min(budget.remaining);
            }
            // An answer from a window already over.
            Some(b) if b.reset_unix > reset_unix => {}
            _ => {
                state.budgets.insert(key.to_string(), budget);
                state.rolled.remove(key);
            }
        }
    }

    /// Forgets what the API said about project `key` (e.g. after its clock was moved).
    pub fn forget(&self, key: &str) {
        let mut state = self.state();
        state.budgets.remove(key);
        state.rolled.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(limit: i64, remaining: i64, retry: i64) -> Vec<(String, String)> {
        vec![
            ("x-rate-limit-limit".into(), limit.to_string()),
            ("x-rate-limit-remaining".into(), remaining.to_string()),
            ("x-rate-limit-retry".into(), retry.to_string()),
        ]
    }

    const UNIX: i64 = 1_900_000_000;

    #[test]
    fn rates_read_like_people_write_them() {
        let p: Pace = "100/min".parse().unwrap();
        assert_eq!((p.calls, p.period), (100, Duration::from_secs(60)));
        assert_eq!(
            "5/s".parse::<Pace>().unwrap().to_string(),
            "5 calls per second"
        );
        assert_eq!(
            "100/h".parse::<Pace>().unwrap().period,
            Duration::from_secs(3_600)
        );
        for bad in ["100", "0/s", "x/min", "5/week"] {
            assert!(bad.parse::<Pace>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_used_up_budget_refuses_calls_that_cannot_wait_for_the_next_window() {
        let l = Limiter::new(None);
        let now = Instant::now();
        let deadline = now + Duration::from_secs(10);
        assert_eq!(l.admit("p", now, deadline), Admission::Go);
        l.observe("p", &headers(100, 0, UNIX + 3_599), now, UNIX);
        match l.admit("p", now, deadline) {
            Admission::Refuse(why) => {
                assert!(why.detail.contains("limit of 100 calls"), "{why:?}");
                assert!(why.detail.contains("in 3599 s"), "{why:?}");
                assert_eq!(why.limit, Some(100));
            }
            other => panic!("{other:?}"),
        }
        // Another project's budget is its own.
        assert_eq!(l.admit("q", now, deadline), Admission::Go);
        // A window that ends before the deadline is waited for.
        l.observe("r", &headers(5, 0, UNIX + 3), now, UNIX);
        assert_eq!(
            l.admit("r", now, deadline),
            Admission::Wait(Duration::from_secs(3))
        );
        l.forget("p");
        assert_eq!(l.admit("p", now, deadline), Admission::Go);
    }

    #[test]
    fn concurrent_calls_count_down_the_budget_before_the_answers_come() {
        let l = Limiter::new(None);
        let now = Instant::now();
        let deadline = now + Duration::from_secs(10);
        l.observe("p", &headers(100, 2, UNIX + 600), now, UNIX);
        assert_eq!(l.admit("p", now, deadline), Admission::Go);
        assert_eq!(l.admit("p", now, deadline), Admission::Go);
        assert!(matches!(l.admit("p", now, deadline), Admission::Refuse(_)));
        // A late answer of the same window cannot raise the count again.
        l.observe("p", &headers(100, 1, UNIX + 600), now, UNIX);
        assert!(matches!(l.admit("p", now, deadline), Admission::Refuse(_)));
        // A new window can.
        l.observe("p", &headers(100, 99, UNIX + 4_200), now, UNIX);
        assert_eq!(l.admit("p", now, deadline), Admission::Go);
    }

    #[test]
    fn the_cap_stops_calls_and_the_window_counts_calls_since_the_last_answer() {
        let l = Limiter::with_cap(None, Some(3));
        let now = Instant::now();
        let deadline = now + Duration::from_secs(10);
        assert_eq!(l.window("p", now), None);
        l.observe("p", &headers(10, 6, UNIX + 2), now, UNIX);
        assert_eq!(l.admit("p", now, deadline), Admission::Go);
        let w = l.window("p", now).unwrap();
        assert_eq!((w.limit, w.remaining), (10, 5));
        assert_eq!(w.reset_at, Some(now + Duration::from_secs(2)));
        // The window ends: a new one is assumed whole, less what went out since.
        let later = now + Duration::from_secs(3);
        assert_eq!(
            l.admit("p", later, later + Duration::from_secs(10)),
            Admission::Go
        );
        let w = l.window("p", later).unwrap();
        assert_eq!((w.limit, w.remaining, w.reset_at), (10, 9, None));
        assert_eq!(
            l.admit("q", later, later + Duration::from_secs(10)),
            Admission::Go
        );
        assert_eq!(l.admitted(), 3);
        match l.admit("q", later, later + Duration::from_secs(10)) {
            Admission::Refuse(why) => assert!(why.detail.contains("call budget of 3"), "{why:?}"),
            other => panic!("{other:?}"),
        }
        // An answer of the new window replaces the guess.
        l.observe("p", &headers(10, 2, UNIX + 70), later, UNIX + 3);
        assert_eq!(l.window("p", later).unwrap().remaining, 2);
    }

    #[test]
    fn the_pace_allows_a_burst_then_spaces_calls_out() {
        let l = Limiter::new(Some("4/s".parse().unwrap()));
        let now = Instant::now();
        let far = now + Duration::from_secs(60);
        for _ in 0..4 {
            assert_eq!(l.admit("p", now, far), Admission::Go);
        }
        assert_eq!(
            l.admit("p", now, far),
            Admission::Wait(Duration::from_millis(250))
        );
        assert_eq!(
            l.admit("q", now, far),
            Admission::Wait(Duration::from_millis(500)),
            "the pace is shared by every project"
        );
        match l.admit("p", now, now + Duration::from_millis(100)) {
            Admission::Refuse(why) => {
                assert!(why.detail.contains("4 calls per second"), "{why:?}")
            }
            other => panic!("{other:?}"),
        }
    }
}
