//! What happened in a project, as the API's event types (`redemption.succeeded`,
//! `voucher.published`, ...): an append-only log that webhooks, distributions and the
//! customer activity feed read from. Operations emit while they hold the project's lock, so an
//! event is recorded exactly when its change is.

use serde::{Deserialize, Serialize};

use crate::engine::time::Timestamp;

/// One event of a project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// `evt_...`
    pub id: String,
    /// The API's event type, e.g. `redemption.succeeded`.
    #[serde(rename = "type")]
    pub kind: String,
    pub created_at: Timestamp,
    /// The id of the object the event is about.
    pub entity_id: String,
    /// The customer concerned, if any.
    pub customer_id: Option<String>,
    /// The payload's `data`: the objects involved, as the API names them.
    pub data: serde_json::Value,
    /// The id of the request that caused the event (`v-...`), if a request did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
}

/// A project's events, oldest first.
#[derive(Debug, Clone, Default)]
pub struct EventLog {
    events: Vec<Event>,
}

impl EventLog {
    pub fn push(&mut self, event: Event) {
        self.events.push(event);
    }

    pub fn all(&self) -> &[Event] {
        &self.events
    }

    /// Events after the first `seen` ones (for readers that keep their place).
    pub fn since(&self, seen: usize) -> &[Event] {
        &self.events[seen.min(self.events.len())..]
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}
