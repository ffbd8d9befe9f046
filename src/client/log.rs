//! The request log: every exchange of a client, with secrets redacted before it is stored.

use std::fmt;
use std::sync::{Arc, Mutex};

/// One request and its answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exchange {
    pub method: String,
    /// Path and query, without host.
    pub path: String,
    pub request_body: Option<String>,
    pub status: Option<u16>,
    pub response_body: Option<String>,
    pub request_id: Option<String>,
    pub duration_ms: u64,
    /// A transport failure, when there was no answer.
    pub error: Option<String>,
    /// The logical call this attempt belongs to (attempts of one call share it).
    pub call: u64,
    /// 1 for the first attempt, 2 for the first retry, ...
    pub attempt: u32,
    /// What the client did next (a retry and its wait, or why it did not retry).
    pub note: Option<String>,
    /// The answer's rate-limit headers (`x-rate-limit-*`, `retry-after`).
    pub rate_limit: Vec<(String, String)>,
}

impl Exchange {
    /// A rate-limit header of the answer (lower-case name).
    pub fn rate_limit_header(&self, name: &str) -> Option<&str> {
        self.rate_limit
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Display for Exchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "> {} {}", self.method, self.path)?;
        if self.attempt > 1 {
            write!(f, " (attempt {})", self.attempt)?;
        }
        writeln!(f)?;
        if let Some(body) = &self.request_body {
            writeln!(f, "> {}", shorten(body))?;
        }
        match (&self.status, &self.error) {
            (Some(status), _) => {
                write!(f, "< {status}")?;
                if let Some(id) = &self.request_id {
                    write!(f, " (request {id})")?;
                }
                writeln!(f, " in {} ms", self.duration_ms)?;
                if let Some(body) = &self.response_body {
                    writeln!(f, "< {}", shorten(body))?;
                }
            }
            (None, Some(error)) => writeln!(f, "< no answer: {error}")?,
            (None, None) => writeln!(f, "< no answer")?,
        }
        if !self.rate_limit.is_empty() {
            let shown: Vec<String> = self
                .rate_limit
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect();
            writeln!(f, "< {}", shown.join(", "))?;
        }
        if let Some(note) = &self.note {
            writeln!(f, "! {note}")?;
        }
        Ok(())
    }
}

/// Bodies longer than this are cut in reports.
const SHOWN_BODY: usize = 4_000;

fn shorten(body: &str) -> String {
    if body.len() <= SHOWN_BODY {
        return body.to_string();
    }
    let mut end = SHOWN_BODY;
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &body[..end], body.len())
}

/// Replaces every occurrence of `secret` in `text`.
pub fn redact(text: &str, secret: Option<&str>) -> String {
    match secret {
        Some(s) if s.len() >= 4 => text.replace(s, "[redacted]"),
        _ => text.to_string(),
    }
}

/// A shared, append-only log of exchanges.
#[derive(Debug, Clone, Default)]
pub struct RequestLog {
    entries: Arc<Mutex<Vec<Exchange>>>,
}

impl RequestLog {
    /// Stores `exchange` with any occurrence of `secret` redacted.
    pub fn push(&self, mut exchange: Exchange, secret: Option<&str>) {
        for field in [
            &mut exchange.request_body,
            &mut exchange.response_body,
            &mut exchange.error,
            &mut exchange.note,
        ]
        .into_iter()
        .flatten()
        {
            *field = redact(field, secret);
        }
        exchange.path = redact(&exchange.path, secret);
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(exchange);
    }

    pub fn entries(&self) -> Vec<Exchange> {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn last(&self) -> Option<Exchange> {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .last()
            .cloned()
    }

    /// Every attempt of the latest call, oldest first (one entry unless it was retried).
    pub fn last_call(&self) -> Vec<Exchange> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let Some(call) = entries.last().map(|e| e.call) else {
            return Vec::new();
        };
        let mut attempts: Vec<Exchange> = entries
            .iter()
            .rev()
            .take_while(|e| e.call == call)
            .cloned()
            .collect();
        attempts.reverse();
        attempts
    }

    /// Every attempt of call `call`, oldest first.
    pub fn attempts_of(&self, call: u64) -> Vec<Exchange> {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|e| e.call == call)
            .cloned()
            .collect()
    }

    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_reach_the_log() {
        let log = RequestLog::default();
        log.push(
            Exchange {
                method: "POST".into(),
                path: "/v1/x?key=s3cr3t-key".into(),
                request_body: Some("{\"token\":\"s3cr3t-key\"}".into()),
                error: Some("failed with s3cr3t-key".into()),
                ..Exchange::default()
            },
            Some("s3cr3t-key"),
        );
        let shown = format!("{:?}", log.entries());
        assert!(!shown.contains("s3cr3t-key"));
        assert!(shown.contains("[redacted]"));
    }

    #[test]
    fn long_bodies_are_shortened_in_reports() {
        let e = Exchange {
            method: "GET".into(),
            path: "/v1/x".into(),
            status: Some(200),
            response_body: Some("x".repeat(10_000)),
            ..Exchange::default()
        };
        let text = e.to_string();
        assert!(text.len() < 5_000);
        assert!(text.contains("10000 bytes in all"));
    }
}
