//! The audit log: every API request a project answered, with method, path, status, request
//! and response bodies, request id and time, read through the control plane with filters.
//!
//! Secrets never reach it: headers are not kept (so neither `X-App-Token` nor
//! `X-Management-Token`), every occurrence of the project's secret key or webhook secret in a
//! path or body is replaced by `[redacted]`, and so is the value of any JSON property whose
//! name speaks of a secret, token or password.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::Request;
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::signature;
use crate::emulator::clock::wall_now;
use crate::emulator::error::{ApiError, current_request_id};
use crate::emulator::extract::Params;
use crate::emulator::store::ProjectSlot;
use crate::engine::time::Timestamp;

/// Entries a project keeps; older ones are dropped (and counted).
pub const KEPT_ENTRIES: usize = 10_000;
/// Request bodies up to this size are read for the log; larger ones pass through unread.
pub const READ_BODY_BYTES: usize = 1024 * 1024;
/// Bodies longer than this are kept shortened.
pub const KEPT_BODY_BYTES: usize = 16 * 1024;

const REDACTED: &str = "[redacted]";

/// One request and its answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub object: String,
    /// The id the answer carried (`v-...`), as in error bodies.
    pub request_id: String,
    /// On the project's clock, when the answer was ready.
    pub created_at: Timestamp,
    pub method: String,
    /// Path and query.
    pub path: String,
    pub status: u16,
    pub duration_ms: u64,
    /// The application id that made the call (never its secret).
    #[serde(default)]
    pub app_id: Option<String>,
    /// JSON as sent (a string when it was not JSON or was too long to keep whole).
    #[serde(default)]
    pub request_body: Option<Value>,
    #[serde(default)]
    pub response_body: Option<Value>,
}

/// A project's audit log, oldest first.
///
/// It has a lock of its own: every call appends to it, and validations, which only read the
/// project, append under the project's read lock.
#[derive(Debug, Default)]
pub struct AuditLog {
    log: Mutex<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    entries: VecDeque<(AuditEntry, Option<RawBodies>)>,
    /// How many old entries were dropped past [`KEPT_ENTRIES`].
    dropped: u64,
}

/// Bodies as they went over the wire, turned into the entry's redacted JSON only when the log
/// is read: a request pays for a copy of its bodies, not for parsing and redacting them.
#[derive(Debug)]
pub struct RawBodies {
    request: Kept,
    response: Kept,
    secrets: Arc<[String]>,
}

impl AuditLog {
    fn locked(&self) -> MutexGuard<'_, Entries> {
        self.log
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn push(&self, entry: AuditEntry) {
        self.push_with(entry, None);
    }

    /// Appends an entry; gives back the oldest one when the log was full (to be dropped by the
    /// caller, after the lock is let go).
    fn push_with(
        &self,
        entry: AuditEntry,
        bodies: Option<RawBodies>,
    ) -> Option<(AuditEntry, Option<RawBodies>)> {
        let mut log = self.locked();
        log.entries.push_back((entry, bodies));
        if log.entries.len() > KEPT_ENTRIES {
            log.dropped += 1;
            return log.entries.pop_front();
        }
        None
    }

    /// How many old entries were dropped past [`KEPT_ENTRIES`].
    pub fn dropped(&self) -> u64 {
        self.locked().dropped
    }

    /// Matching entries, newest first.
    pub fn select(&self, filter: &AuditFilter) -> Vec<AuditEntry> {
        self.locked()
            .entries
            .iter()
            .rev()
            .filter(|(e, _)| filter.matches(e))
            .map(|(e, raw)| {
                let mut entry = e.clone();
                if let Some(raw) = raw {
                    let secrets: Vec<&str> = raw.secrets.iter().map(String::as_str).collect();
                    entry.request_body = raw.request.to_value(&secrets);
                    entry.response_body = raw.response.to_value(&secrets);
                }
                entry
            })
            .collect()
    }

    pub fn len(&self) -> usize {
        self.locked().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Which statuses a filter takes: one code or a class (`4xx`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    Exact(u16),
    Class(u16),
}

/// Filters of `GET /_emulator/projects/{id}/audit-log`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub method: Option<String>,
    /// Entries whose path contains this text.
    pub path: Option<String>,
    pub status: Option<StatusFilter>,
    pub request_id: Option<String>,
    pub after: Option<Timestamp>,
    pub before: Option<Timestamp>,
}

impl AuditFilter {
    pub fn from_params(params: &Params) -> Result<Self, ApiError> {
        let status = params
            .get("status")
            .map(|raw| {
                let lower = raw.to_ascii_lowercase();
                let parsed = if let Some(class) = lower.strip_suffix("xx") {
                    class
                        .parse::<u16>()
                        .ok()
                        .filter(|c| (1..=5).contains(c))
                        .map(StatusFilter::Class)
                } else {
                    lower
                        .parse::<u16>()
                        .ok()
                        .filter(|c| (100..=599).contains(c))
                        .map(StatusFilter::Exact)
                };
                parsed.ok_or_else(|| {
                    ApiError::invalid_query(
                        "Query parameter 'status' should be an HTTP status (200) or a class (4xx)",
                    )
                })
            })
            .transpose()?;
        let date = |name: &str| {
            params
                .get(name)
                .map(|raw| {
                    Timestamp::parse(raw).ok_or_else(|| {
                        ApiError::invalid_query(format!(
                            "Query parameter '{name}' should be an ISO 8601 date"
                        ))
                    })
                })
                .transpose()
        };
        Ok(Self {
            method: params.get("method").map(str::to_ascii_uppercase),
            path: params.get("path").map(str::to_string),
            status,
            request_id: params.get("request_id").map(str::to_string),
            after: date("created_at[after]")?,
            before: date("created_at[before]")?,
        })
    }

    pub fn matches(&self, e: &AuditEntry) -> bool {
        self.method.as_deref().is_none_or(|m| e.method == m)
            && self.path.as_deref().is_none_or(|p| e.path.contains(p))
            && self.status.is_none_or(|s| match s {
                StatusFilter::Exact(code) => e.status == code,
                StatusFilter::Class(class) => e.status / 100 == class,
            })
            && self.request_id.as_deref().is_none_or(|r| e.request_id == r)
            && self.after.is_none_or(|a| e.created_at > a)
            && self.before.is_none_or(|b| e.created_at < b)
    }
}

/// Middleware of routes whose project an earlier layer put in the request's extensions (the
/// management API): [`record`] as a layer of its own.
pub async fn layer(req: Request, next: Next) -> Response {
    match req.extensions().get::<Arc<ProjectSlot>>().cloned() {
        Some(slot) => record(slot, req, next).await,
        None => next.run(req).await,
    }
}

/// When a call reached the emulator, where something (an injected latency) held it before the
/// audit layer; without it the call is timed from the audit layer on.
#[derive(Debug, Clone, Copy)]
pub struct Arrived(pub std::time::Instant);

/// Runs an authenticated server-side call and records the request and its answer in the
/// project's audit log, then wakes the project's dispatcher if the call emitted events (they go
/// out from there, off the request path).
pub async fn record(slot: Arc<ProjectSlot>, req: Request, next: Next) -> Response {
    record_answer(slot, req, |req| next.run(req)).await
}

/// The same with the answer from `answer` (the handler, or a fault or limit that answered in
/// its place).
pub async fn record_answer<A, F>(slot: Arc<ProjectSlot>, req: Request, answer: A) -> Response
where
    A: FnOnce(Request) -> F,
    F: Future<Output = Response>,
{
    let started = req
        .extensions()
        .get::<Arrived>()
        .map_or_else(std::time::Instant::now, |arrived| arrived.0);
    let method = req.method().to_string();
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| req.uri().path().to_string());
    let app_id = caller(req.headers());
    let (parts, body) = req.into_parts();
    let (req, request_body) = match content_length(&parts.headers) {
        None | Some(0) => (Request::from_parts(parts, body), Kept::Nothing),
        Some(n) if n <= READ_BODY_BYTES => match to_bytes(body, READ_BODY_BYTES).await {
            Ok(bytes) => (
                Request::from_parts(parts, Body::from(bytes.clone())),
                Kept::Bytes(bytes),
            ),
            Err(_) => {
                return ApiError::invalid_payload("Request body could not be read").into_response();
            }
        },
        Some(n) => (Request::from_parts(parts, body), Kept::Unread(n)),
    };
    let response = answer(req).await;
    let status = response.status().as_u16();
    let (parts, body) = response.into_parts();
    let response_bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
    let response = Response::from_parts(parts, Body::from(response_bytes.clone()));

    let mut entry = AuditEntry {
        object: "audit_log_entry".into(),
        request_id: current_request_id(),
        created_at: Timestamp::from_millis(0),
        method,
        path,
        status,
        duration_ms: started.elapsed().as_millis() as u64,
        app_id,
        request_body: None,
        response_body: None,
    };
    // Redaction and copies happen before any lock is taken: the project is only read for its
    // clock, and the log locked to append (an entry pushed out of the full log is dropped
    // after it is let go).
    let secrets = slot
        .audit_secrets
        .get_or_init(|| {
            let webhook_secret = signature::project_secret(&slot.id, &slot.secret_key);
            Arc::from(vec![slot.secret_key.clone(), webhook_secret])
        })
        .clone();
    let bodies = {
        let plain: Vec<&str> = secrets.iter().map(String::as_str).collect();
        entry.path = redact_text(&entry.path, &plain);
        RawBodies {
            request: request_body.settle(&plain, true),
            response: Kept::Bytes(response_bytes).settle(&plain, false),
            secrets,
        }
    };
    let _pushed_out = {
        let project = slot.read();
        entry.created_at = project.clock.now(wall_now());
        project.hand_out_events();
        project.hooks.audit.push_with(entry, Some(bodies))
    };
    response
}

/// The application id of the call (management calls name theirs in `X-Management-Id`).
fn caller(headers: &HeaderMap) -> Option<String> {
    ["x-app-id", "x-management-id"]
        .iter()
        .find_map(|h| headers.get(*h).and_then(|v| v.to_str().ok()))
        .map(str::to_string)
}

fn content_length(headers: &HeaderMap) -> Option<usize> {
    headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

/// A body as far as the log keeps it.
#[derive(Debug)]
enum Kept {
    Nothing,
    Bytes(Bytes),
    Unread(usize),
    /// A long body, redacted and shortened when it was logged.
    Value(Value),
}

impl Kept {
    /// What the log holds on to: a short body as it is, a long one redacted and shortened now.
    /// A request body is copied first (a slice of the connection's read buffer would keep the
    /// whole buffer alive); an answer's bytes were written for it alone and are kept as they are.
    fn settle(self, secrets: &[&str], copy: bool) -> Self {
        match self {
            Self::Bytes(b) if b.len() > KEPT_BODY_BYTES => Self::Value(body_value(&b, secrets)),
            Self::Bytes(b) if copy => Self::Bytes(Bytes::copy_from_slice(&b)),
            other => other,
        }
    }

    fn to_value(&self, secrets: &[&str]) -> Option<Value> {
        match self {
            Self::Nothing => None,
            Self::Value(v) => Some(v.clone()),
            Self::Unread(n) => Some(Value::String(format!("[{n} bytes, not kept]"))),
            Self::Bytes(b) if b.is_empty() => None,
            Self::Bytes(b) => Some(body_value(b, secrets)),
        }
    }
}

/// A body with secrets redacted: JSON when it is JSON and short enough, text otherwise.
pub fn body_value(bytes: &[u8], secrets: &[&str]) -> Value {
    if let Ok(mut value) = serde_json::from_slice::<Value>(bytes) {
        redact_value(&mut value, secrets);
        let text = value.to_string();
        if text.len() <= KEPT_BODY_BYTES {
            return value;
        }
        return Value::String(shorten(&text));
    }
    let text = redact_text(&String::from_utf8_lossy(bytes), secrets);
    Value::String(shorten(&text))
}

fn shorten(text: &str) -> String {
    if text.len() <= KEPT_BODY_BYTES {
        return text.to_string();
    }
    let mut end = KEPT_BODY_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &text[..end], text.len())
}

/// Whether a property's name says its value is a secret.
fn secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["secret", "token", "password"]
        .iter()
        .any(|word| name.contains(word))
}

fn redact_value(value: &mut Value, secrets: &[&str]) {
    match value {
        Value::String(s) => *s = redact_text(s, secrets),
        Value::Array(items) => items.iter_mut().for_each(|v| redact_value(v, secrets)),
        Value::Object(map) => {
            for (name, v) in map.iter_mut() {
                if secret_name(name) && !v.is_null() {
                    *v = Value::String(REDACTED.into());
                } else {
                    redact_value(v, secrets);
                }
            }
        }
        _ => {}
    }
}

/// Replaces each secret (and its percent-encoded form) in `text`.
pub fn redact_text(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        if out.contains(secret) {
            out = out.replace(secret, REDACTED);
        }
        // A percent-encoded secret starts like the secret up to its first encoded byte.
        let plain = secret
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(b))
            .count();
        if plain == secret.len() || !out.contains(&secret[..plain]) {
            continue;
        }
        let encoded: String = secret
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        if encoded != *secret {
            out = out.replace(&encoded, REDACTED);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(method: &str, path: &str, status: u16, at: i64) -> AuditEntry {
        AuditEntry {
            object: "audit_log_entry".into(),
            request_id: format!("v-{at}"),
            created_at: Timestamp::from_millis(at),
            method: method.into(),
            path: path.into(),
            status,
            duration_ms: 1,
            app_id: None,
            request_body: None,
            response_body: None,
        }
    }

    #[test]
    fn secrets_are_redacted_in_text_and_json() {
        let secrets = ["s3cr3t-key", "wh sec/ret"];
        let body = br#"{"note":"key s3cr3t-key here","secret_key":"anything","nested":[{"api_token":"t"}],"url":"x?k=wh%20sec%2Fret"}"#;
        let v = body_value(body, &secrets);
        let text = v.to_string();
        assert!(!text.contains("s3cr3t-key"));
        assert!(!text.contains("anything"));
        assert!(!text.contains("wh%20sec%2Fret"));
        assert_eq!(v["nested"][0]["api_token"], REDACTED);
        assert_eq!(v["note"], "key [redacted] here");
        let plain = body_value(b"not json s3cr3t-key", &secrets);
        assert_eq!(plain, Value::String("not json [redacted]".into()));
    }

    #[test]
    fn long_bodies_are_kept_short() {
        let big = format!("{{\"x\":\"{}\"}}", "a".repeat(40_000));
        let v = body_value(big.as_bytes(), &[]);
        let s = v.as_str().unwrap();
        assert!(s.len() < KEPT_BODY_BYTES + 100);
        assert!(s.ends_with("bytes in all)"));
    }

    #[test]
    fn filters_pick_method_path_status_and_time() {
        let log = AuditLog::default();
        log.push(entry("POST", "/v1/redemptions", 200, 10));
        log.push(entry("POST", "/v1/redemptions", 400, 20));
        log.push(entry("GET", "/v1/vouchers/A", 404, 30));
        let pick = |f: AuditFilter| {
            log.select(&f)
                .iter()
                .map(|e| e.created_at.millis())
                .collect::<Vec<_>>()
        };
        assert_eq!(pick(AuditFilter::default()), vec![30, 20, 10]);
        assert_eq!(
            pick(AuditFilter {
                status: Some(StatusFilter::Class(4)),
                ..AuditFilter::default()
            }),
            vec![30, 20]
        );
        assert_eq!(
            pick(AuditFilter {
                method: Some("POST".into()),
                status: Some(StatusFilter::Exact(200)),
                ..AuditFilter::default()
            }),
            vec![10]
        );
        assert_eq!(
            pick(AuditFilter {
                path: Some("vouchers".into()),
                after: Some(Timestamp::from_millis(10)),
                ..AuditFilter::default()
            }),
            vec![30]
        );
    }

    #[test]
    fn the_log_keeps_a_bounded_number_of_entries() {
        let log = AuditLog::default();
        for i in 0..(KEPT_ENTRIES + 5) {
            log.push(entry("GET", "/v1/x", 200, i as i64));
        }
        assert_eq!(log.len(), KEPT_ENTRIES);
        assert_eq!(log.dropped(), 5);
    }
}
