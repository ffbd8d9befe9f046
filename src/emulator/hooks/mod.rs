//! What a project sends out and what it remembers of the requests it answered: webhook
//! configurations, distributions, the sendouts they cause with every delivery attempt, the
//! outbox of messages, and the audit log.
//!
//! Nothing here runs on the request path: handlers only emit events (see
//! [`crate::emulator::events`]); the [`dispatch`] task of the project reads the event log after
//! each request and turns events into sendouts and messages in the background.

pub mod audit;
pub mod dispatch;
pub mod distributions;
pub mod signature;

use std::collections::VecDeque;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::error::ApiError;
use super::table::Table;
use crate::engine::time::Timestamp;
use crate::model::webhook::{Webhook, WebhookSource};

pub use audit::{AuditEntry, AuditLog};
pub use distributions::{Distribution, Message};

/// How many finished sendouts and messages a project keeps (the oldest go first).
pub const KEPT_RECORDS: usize = 10_000;

/// Delivery status of a sendout or a message.
pub const PENDING: &str = "PENDING";
pub const DELIVERED: &str = "DELIVERED";
pub const SENT: &str = "SENT";
pub const FAILED: &str = "FAILED";

/// A webhook and the first event it may hear about (events before its registration are not
/// sent to it).
#[derive(Debug, Clone)]
pub struct StoredWebhook {
    pub webhook: Webhook,
    pub from_event: usize,
}

/// How sendouts are retried. The real service retries 12 times with gaps doubling from one
/// minute; the emulator keeps the shape on a shorter, settable scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliverySettings {
    /// Attempts in all, the first one included (1 to 13).
    pub max_attempts: u32,
    /// The gap before the first retry; each next gap doubles (0 to 86,400,000).
    pub retry_delay_ms: u64,
    /// How long a target may take to answer (100 to 60,000); the real service allows 10 s.
    pub timeout_ms: u64,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            retry_delay_ms: 500,
            timeout_ms: 10_000,
        }
    }
}

impl DeliverySettings {
    /// The gap after the `attempts`-th failed attempt.
    pub fn delay_after(&self, attempts: usize) -> Duration {
        let doublings = attempts.saturating_sub(1).min(20) as u32;
        let ms = self
            .retry_delay_ms
            .saturating_mul(1u64 << doublings)
            .min(86_400_000);
        Duration::from_millis(ms)
    }

    /// Applies a change, refusing values out of range.
    pub fn apply(&mut self, change: &SettingsChange) -> Result<(), ApiError> {
        let mut next = *self;
        if let Some(n) = change.max_attempts {
            if !(1..=13).contains(&n) {
                return Err(ApiError::invalid_payload(
                    "Property .max_attempts should be between 1 and 13",
                ));
            }
            next.max_attempts = n;
        }
        if let Some(ms) = change.retry_delay_ms {
            if ms > 86_400_000 {
                return Err(ApiError::invalid_payload(
                    "Property .retry_delay_ms should be between 0 and 86400000",
                ));
            }
            next.retry_delay_ms = ms;
        }
        if let Some(ms) = change.timeout_ms {
            if !(100..=60_000).contains(&ms) {
                return Err(ApiError::invalid_payload(
                    "Property .timeout_ms should be between 100 and 60000",
                ));
            }
            next.timeout_ms = ms;
        }
        *self = next;
        Ok(())
    }
}

/// A change of the delivery settings; absent fields keep their value.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_delay_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
}

/// One try at delivering a sendout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryAttempt {
    pub number: u32,
    /// When the attempt started, on the project's clock.
    pub at: Timestamp,
    /// The target's HTTP status, when it answered.
    #[serde(default)]
    pub status_code: Option<u16>,
    /// Why there was no answer (refused connection, timeout).
    #[serde(default)]
    pub error: Option<String>,
    pub duration_ms: u64,
}

/// One sendout (`whs_...`): an event posted to a webhook or a distribution's target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    pub id: String,
    pub object: String,
    pub source: WebhookSource,
    pub event_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub entity_id: String,
    #[serde(default)]
    pub customer_id: Option<String>,
    /// The outbox message this sendout carries (distributions over a webhook).
    #[serde(default)]
    pub message_id: Option<String>,
    /// `PENDING`, `DELIVERED` or `FAILED`.
    pub status: String,
    pub attempts: Vec<DeliveryAttempt>,
    pub created_at: Timestamp,
    #[serde(default)]
    pub finished_at: Option<Timestamp>,
    /// The `x-voucherify-signature` sent with it.
    pub signature: String,
    /// The exact body sent (JSON text, signed as is).
    pub body: String,
    /// When the next attempt is due; `None` while one is in flight or when finished.
    #[serde(skip)]
    pub due: Option<tokio::time::Instant>,
}

/// A project's webhooks, distributions, sendouts, outbox and audit log.
#[derive(Debug, Default)]
pub struct Hooks {
    /// Keyed by id (`wh_`).
    pub webhooks: Table<StoredWebhook>,
    /// Keyed by id (`distr_`).
    pub distributions: Table<Distribution>,
    /// Oldest first.
    pub deliveries: VecDeque<Delivery>,
    /// Messages of distributions, oldest first.
    pub outbox: VecDeque<Message>,
    pub audit: AuditLog,
    pub settings: DeliverySettings,
    /// Events before this index of the project's log have been handed out.
    pub cursor: usize,
    /// Wakes the project's dispatcher; dropping it (reset, deletion) stops the dispatcher.
    waker: Option<mpsc::Sender<()>>,
}

impl Hooks {
    /// Tells the dispatcher, if any, that new events may be waiting. Never blocks.
    pub fn wake(&self) {
        if let Some(waker) = &self.waker {
            let _ = waker.try_send(());
        }
    }

    /// True while a dispatcher serves this project.
    pub fn has_dispatcher(&self) -> bool {
        self.waker.as_ref().is_some_and(|w| !w.is_closed())
    }

    fn set_waker(&mut self, waker: mpsc::Sender<()>) {
        self.waker = Some(waker);
    }

    pub fn delivery_mut(&mut self, id: &str) -> Option<&mut Delivery> {
        self.deliveries.iter_mut().find(|d| d.id == id)
    }

    pub fn message_mut(&mut self, id: &str) -> Option<&mut Message> {
        self.outbox.iter_mut().find(|m| m.id == id)
    }

    /// Adds a sendout, forgetting the oldest finished one past [`KEPT_RECORDS`].
    pub fn push_delivery(&mut self, delivery: Delivery) {
        self.deliveries.push_back(delivery);
        if self.deliveries.len() > KEPT_RECORDS
            && let Some(i) = self.deliveries.iter().position(|d| d.status != PENDING)
        {
            self.deliveries.remove(i);
        }
    }

    /// Adds a message, forgetting the oldest past [`KEPT_RECORDS`].
    pub fn push_message(&mut self, message: Message) {
        self.outbox.push_back(message);
        if self.outbox.len() > KEPT_RECORDS
            && let Some(i) = self.outbox.iter().position(|m| m.status != PENDING)
        {
            self.outbox.remove(i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_gaps_double_and_stay_bounded() {
        let s = DeliverySettings {
            max_attempts: 13,
            retry_delay_ms: 100,
            timeout_ms: 1_000,
        };
        assert_eq!(s.delay_after(1), Duration::from_millis(100));
        assert_eq!(s.delay_after(2), Duration::from_millis(200));
        assert_eq!(s.delay_after(4), Duration::from_millis(800));
        assert_eq!(s.delay_after(60), Duration::from_millis(86_400_000));
    }

    #[test]
    fn settings_out_of_range_change_nothing() {
        let mut s = DeliverySettings::default();
        let bad = SettingsChange {
            max_attempts: Some(2),
            timeout_ms: Some(5),
            ..SettingsChange::default()
        };
        assert!(s.apply(&bad).is_err());
        assert_eq!(s, DeliverySettings::default());
        let good = SettingsChange {
            max_attempts: Some(2),
            retry_delay_ms: Some(0),
            timeout_ms: None,
        };
        s.apply(&good).unwrap();
        assert_eq!((s.max_attempts, s.retry_delay_ms), (2, 0));
    }
}
