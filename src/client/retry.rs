//! When a call is tried again, and after how long: bounded attempts, exponential backoff with
//! jitter, the API's retry headers honoured, and never a blind replay of a call that changes
//! data (a redemption whose answer was lost may have been applied).
//!
//! Pure decisions: the caller passes what happened and a random draw, and does the waiting.

use std::time::Duration;

use reqwest::Method;

/// How many attempts a call gets and how long to wait between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = no retries).
    pub max_attempts: u32,
    /// The wait before the first retry; it doubles with each further retry.
    pub base_delay: Duration,
    /// The longest backoff between two attempts.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries (a browser's fetch, or a test that wants the first answer).
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The backoff before attempt `attempt + 1`: `base × 2^(attempt-1)`, capped, with "equal
    /// jitter" (half fixed, half drawn) so concurrent callers spread out. `draw` is in `[0, 1)`.
    pub fn backoff(&self, attempt: u32, draw: f64) -> Duration {
        let exp = attempt.saturating_sub(1).min(20);
        let full = self
            .base_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_delay);
        let half = full / 2;
        half + half.mul_f64(draw.clamp(0.0, 1.0))
    }
}

/// Whether repeating a call can change anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Safety {
    /// Reads and evaluations (GET, validations, qualifications): safe to repeat.
    Read,
    /// Anything that changes data: repeated only when the API said it did not process it.
    Write,
}

impl Safety {
    /// The safety of `method` on the path `segments`.
    pub fn of(method: &Method, segments: &[&str]) -> Self {
        if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
            return Self::Read;
        }
        let evaluates = matches!(
            segments.last().copied(),
            Some("validations" | "qualifications" | "validate")
        );
        if *method == Method::POST && evaluates {
            Self::Read
        } else {
            Self::Write
        }
    }
}

/// What one attempt came to, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// The API answered with this status (and, maybe, how long to wait).
    Answered {
        status: u16,
        retry_after: Option<Duration>,
    },
    /// No connection could be made: nothing was sent.
    NotConnected,
    /// Sent, but no answer came in time.
    TimedOut,
    /// Sent, but the connection broke before the answer was complete.
    Interrupted,
}

/// What to do after an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// The answer stands (success or an error to report as is).
    Done,
    /// Try again after `after`; `why` goes to the request log.
    Retry { after: Duration, why: String },
    /// Stop here although the attempt failed; `why` goes to the request log.
    GiveUp { why: String },
}

/// Decides after attempt number `attempt` (1-based).
pub fn decide(
    policy: &RetryPolicy,
    safety: Safety,
    what: &str,
    attempt: u32,
    outcome: Attempt,
    draw: f64,
) -> Next {
    let (retryable, reason, told) = match outcome {
        Attempt::Answered { status, .. } if status < 500 && status != 429 => return Next::Done,
        Attempt::Answered {
            status: 429,
            retry_after,
        } => (true, "HTTP 429 (rate limit)".to_string(), retry_after),
        Attempt::Answered {
            status,
            retry_after,
        } => (
            safety == Safety::Read,
            format!("HTTP {status}"),
            retry_after.filter(|_| status == 503),
        ),
        Attempt::NotConnected => (true, "no connection".to_string(), None),
        Attempt::TimedOut => (
            safety == Safety::Read,
            "no answer in time".to_string(),
            None,
        ),
        Attempt::Interrupted => (
            safety == Safety::Read,
            "the connection broke".to_string(),
            None,
        ),
    };
    if !retryable {
        return Next::GiveUp {
            why: format!(
                "not retried after {reason}: a {what} is never replayed, the API may have applied it"
            ),
        };
    }
    if attempt >= policy.max_attempts {
        return Next::GiveUp {
            why: format!(
                "gave up after {reason}: {attempt} of {} attempts used",
                policy.max_attempts
            ),
        };
    }
    let (after, source) = match told {
        // The API's own wait, plus up to 10% so concurrent callers do not return together.
        Some(wait) => (wait + wait.mul_f64(draw.clamp(0.0, 1.0) / 10.0), " as told"),
        None => (policy.backoff(attempt, draw), ""),
    };
    Next::Retry {
        after,
        why: format!(
            "retry {} of {} in {} ms{source}, after {reason}",
            attempt,
            policy.max_attempts - 1,
            after.as_millis()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: RetryPolicy = RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(200),
        max_delay: Duration::from_secs(5),
    };

    fn answered(status: u16) -> Attempt {
        Attempt::Answered {
            status,
            retry_after: None,
        }
    }

    #[test]
    fn backoff_doubles_is_capped_and_jittered_within_half() {
        assert_eq!(P.backoff(1, 0.0), Duration::from_millis(100));
        assert_eq!(P.backoff(1, 1.0), Duration::from_millis(200));
        assert_eq!(P.backoff(3, 1.0), Duration::from_millis(800));
        assert_eq!(P.backoff(30, 1.0), Duration::from_secs(5));
        for draw in [0.0, 0.3, 0.99] {
            let d = P.backoff(2, draw);
            assert!(d >= Duration::from_millis(200) && d <= Duration::from_millis(400));
        }
    }

    #[test]
    fn reads_are_retried_after_server_errors_and_lost_answers() {
        for outcome in [
            answered(500),
            answered(503),
            answered(504),
            Attempt::TimedOut,
            Attempt::Interrupted,
            Attempt::NotConnected,
        ] {
            assert!(
                matches!(
                    decide(&P, Safety::Read, "read", 1, outcome, 0.5),
                    Next::Retry { .. }
                ),
                "{outcome:?}"
            );
        }
    }

    #[test]
    fn a_write_is_never_replayed_when_it_may_have_been_applied() {
        for outcome in [
            answered(500),
            answered(503),
            Attempt::TimedOut,
            Attempt::Interrupted,
        ] {
            match decide(&P, Safety::Write, "redemption", 1, outcome, 0.5) {
                Next::GiveUp { why } => assert!(why.contains("never replayed"), "{why}"),
                other => panic!("{outcome:?} gave {other:?}"),
            }
        }
        // Refused before processing, or never sent: safe to send again.
        for outcome in [answered(429), Attempt::NotConnected] {
            assert!(matches!(
                decide(&P, Safety::Write, "redemption", 1, outcome, 0.5),
                Next::Retry { .. }
            ));
        }
    }

    #[test]
    fn the_apis_retry_header_sets_the_wait() {
        let told = Attempt::Answered {
            status: 429,
            retry_after: Some(Duration::from_secs(2)),
        };
        match decide(&P, Safety::Write, "redemption", 1, told, 0.5) {
            Next::Retry { after, why } => {
                assert_eq!(after, Duration::from_millis(2_100));
                assert!(why.contains("as told"), "{why}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn answers_below_500_stand_and_attempts_are_bounded() {
        for status in [200, 201, 400, 401, 404, 409] {
            assert_eq!(
                decide(&P, Safety::Read, "read", 1, answered(status), 0.5),
                Next::Done
            );
        }
        match decide(&P, Safety::Read, "read", 4, answered(503), 0.5) {
            Next::GiveUp { why } => assert!(why.contains("4 of 4"), "{why}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            decide(
                &RetryPolicy::none(),
                Safety::Read,
                "read",
                1,
                answered(503),
                0.5
            ),
            Next::GiveUp { .. }
        ));
    }

    #[test]
    fn validations_are_reads_and_redemptions_writes() {
        assert_eq!(
            Safety::of(&Method::POST, &["v1", "validations"]),
            Safety::Read
        );
        assert_eq!(
            Safety::of(&Method::POST, &["client", "v1", "qualifications"]),
            Safety::Read
        );
        assert_eq!(
            Safety::of(&Method::POST, &["v1", "redemptions"]),
            Safety::Write
        );
        assert_eq!(
            Safety::of(&Method::GET, &["v1", "redemptions"]),
            Safety::Read
        );
        assert_eq!(
            Safety::of(&Method::DELETE, &["v1", "vouchers", "X"]),
            Safety::Write
        );
    }
}
