//! Validation sessions that hold codes: a validation with `session: {"type": "LOCK"}` keeps one
//! use of each code it accepted, and the gift credits or points it would take, for that session
//! until its time runs out (7 days unless `ttl`/`ttl_unit` say otherwise), a redemption with
//! the session's key uses them, or `DELETE /v1/vouchers/{code}/sessions/{key}` releases one.
//! Other requests see a held code as that much less available: its last use held answers
//! `quantity_exceeded`, held credits make `gift_amount_exceeded` come sooner.

use std::borrow::Cow;

use serde_json::{Value, json};

use super::checkout::Checkout;
use crate::emulator::error::ApiError;
use crate::emulator::store::{Project, Session, SessionLock};
use crate::engine::stack::Outcome;
use crate::engine::time::{DAY, HOUR, MINUTE, SECOND, Timestamp};
use crate::model::{ValidationRequest, Voucher};

/// What a request asks of a session: its key (if it names one) and how long it lasts.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRequest {
    pub key: Option<String>,
    /// As the request gave it (the answer echoes it).
    ttl: Value,
    ttl_unit: String,
    ttl_ms: i64,
}

const UNITS: [(&str, f64); 7] = [
    ("DAYS", DAY as f64),
    ("HOURS", HOUR as f64),
    ("MINUTES", MINUTE as f64),
    ("SECONDS", SECOND as f64),
    ("MILLISECONDS", 1.0),
    ("MICROSECONDS", 0.001),
    ("NANOSECONDS", 0.000_001),
];

/// The request's `session`, checked: an object, `type` `LOCK`, a positive `ttl`, a known
/// `ttl_unit`, a non-empty `key`.
pub fn parse(req: &ValidationRequest) -> Result<Option<SessionRequest>, ApiError> {
    let Some(session) = &req.session else {
        return Ok(None);
    };
    let object = session
        .as_object()
        .ok_or_else(|| ApiError::invalid_payload("Property .session should be an object"))?;
    if let Some(kind) = object.get("type")
        && kind != "LOCK"
    {
        return Err(ApiError::invalid_payload(
            "Property .session.type should be equal to one of the allowed values: LOCK",
        ));
    }
    let key = match object.get("key") {
        None | Some(Value::Null) => None,
        Some(Value::String(k)) if !k.trim().is_empty() => Some(k.clone()),
        Some(_) => {
            return Err(ApiError::invalid_payload(
                "Property .session.key should be a non-empty string",
            ));
        }
    };
    let ttl_unit = match object.get("ttl_unit") {
        None | Some(Value::Null) => "DAYS".to_string(),
        Some(Value::String(u)) if UNITS.iter().any(|(n, _)| n == u) => u.clone(),
        Some(_) => {
            return Err(ApiError::invalid_payload(format!(
                "Property .session.ttl_unit should be equal to one of the allowed values: {}",
                UNITS.map(|(n, _)| n).join(", ")
            )));
        }
    };
    let ttl = match object.get("ttl") {
        None | Some(Value::Null) if ttl_unit == "DAYS" => json!(7),
        None | Some(Value::Null) => {
            return Err(ApiError::invalid_payload(
                "Property .session.ttl is required with .session.ttl_unit",
            ));
        }
        Some(v) if v.as_f64().is_some_and(|t| t > 0.0) => v.clone(),
        Some(_) => {
            return Err(ApiError::invalid_payload(
                "Property .session.ttl should be a number above 0",
            ));
        }
    };
    let unit_ms = UNITS
        .iter()
        .find(|(n, _)| *n == ttl_unit)
        .map_or(DAY as f64, |(_, ms)| *ms);
    let ttl_ms = (ttl.as_f64().unwrap_or(7.0) * unit_ms)
        .ceil()
        .min(i64::MAX as f64) as i64;
    Ok(Some(SessionRequest {
        key,
        ttl,
        ttl_unit,
        ttl_ms,
    }))
}

/// What open sessions other than `except` hold of one code.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Held {
    pub uses: i64,
    pub credits: i64,
    pub points: i64,
}

impl Held {
    /// The code as the rest of the world may use it: held uses count as redeemed, held credits
    /// and points as spent.
    pub fn apply<'a>(&self, voucher: &'a Voucher) -> Cow<'a, Voucher> {
        if *self == Self::default() {
            return Cow::Borrowed(voucher);
        }
        let mut v = voucher.clone();
        v.redemption.redeemed_quantity += self.uses;
        if let Some(gift) = &mut v.gift {
            gift.balance -= self.credits;
        }
        if let Some(card) = &mut v.loyalty_card {
            card.balance -= self.points;
        }
        Cow::Owned(v)
    }
}

pub fn held(project: &Project, code: &str, now: Timestamp, except: Option<&str>) -> Held {
    let mut held = Held::default();
    for session in project.sessions.values() {
        if session.expires_at <= now || except == Some(session.key.as_str()) {
            continue;
        }
        for lock in session.locks.iter().filter(|l| l.code == code) {
            held.uses += 1;
            held.credits += lock.credits;
            held.points += lock.points;
        }
    }
    held
}

/// Holds what a valid validation accepted; answers the response's `session`.
pub fn hold(
    project: &mut Project,
    request: &SessionRequest,
    checkout: &Checkout,
    now: Timestamp,
) -> Value {
    project.sessions.retain(|_, s| s.expires_at > now);
    let key = request
        .key
        .clone()
        .unwrap_or_else(|| project.ids.hex("ssn_"));
    let locks = checkout
        .resolved
        .iter()
        .zip(&checkout.evaluation.outcomes)
        .filter_map(|(resolved, outcome)| {
            let (Some(code), Outcome::Applicable { applied, .. }) = (&resolved.code, outcome)
            else {
                return None;
            };
            let (credits, points) = resolved.usage.taken(applied.total());
            Some(SessionLock {
                code: code.clone(),
                credits,
                points,
            })
        })
        .collect();
    // The same key again replaces the session.
    project.sessions.insert(
        key.clone(),
        Session {
            key: key.clone(),
            expires_at: now.plus(request.ttl_ms),
            locks,
        },
    );
    json!({"key": key, "type": "LOCK", "ttl": request.ttl.clone(), "ttl_unit": request.ttl_unit})
}

/// A redemption under `key` used what the session held: the session ends.
pub fn consume(project: &mut Project, key: &str) {
    project.sessions.remove(key);
}

/// `DELETE /v1/vouchers/{code}/sessions/{key}`: releases the session's hold on that code.
pub fn release(
    project: &mut Project,
    code: &str,
    key: &str,
    now: Timestamp,
) -> Result<(), ApiError> {
    let code = project
        .vouchers
        .get(code)
        .map(|v| v.code.clone())
        .ok_or_else(|| ApiError::not_found("voucher", code))?;
    let session = project
        .sessions
        .get_mut(key)
        .filter(|s| s.expires_at > now && s.locks.iter().any(|l| l.code == code))
        .ok_or_else(|| ApiError::not_found("session", key))?;
    session.locks.retain(|l| l.code != code);
    if session.locks.is_empty() {
        project.sessions.remove(key);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(session: Value) -> ValidationRequest {
        ValidationRequest {
            session: Some(session),
            ..ValidationRequest::default()
        }
    }

    #[test]
    fn a_lock_lasts_seven_days_unless_told_otherwise() {
        let s = parse(&request(json!({"type": "LOCK"}))).unwrap().unwrap();
        assert_eq!(
            (s.ttl.clone(), s.ttl_unit.as_str(), s.ttl_ms),
            (json!(7), "DAYS", 7 * DAY)
        );
        let s = parse(&request(
            json!({"type": "LOCK", "key": "cart-1", "ttl": 90, "ttl_unit": "SECONDS"}),
        ))
        .unwrap()
        .unwrap();
        assert_eq!((s.key.as_deref(), s.ttl_ms), (Some("cart-1"), 90 * SECOND));
        let s = parse(&request(json!({"ttl": 1500, "ttl_unit": "MICROSECONDS"})))
            .unwrap()
            .unwrap();
        assert_eq!(s.ttl_ms, 2, "a part of a millisecond still holds one");
        assert_eq!(parse(&ValidationRequest::default()).unwrap(), None);
    }

    #[test]
    fn malformed_sessions_are_refused_naming_the_property() {
        for (session, property) in [
            (json!("LOCK"), ".session "),
            (json!({"type": "KEEP"}), ".session.type"),
            (json!({"key": 7}), ".session.key"),
            (json!({"key": " "}), ".session.key"),
            (json!({"ttl": 0}), ".session.ttl"),
            (json!({"ttl": "1"}), ".session.ttl"),
            (json!({"ttl_unit": "WEEKS", "ttl": 1}), ".session.ttl_unit"),
            (json!({"ttl_unit": "HOURS"}), ".session.ttl"),
        ] {
            match parse(&request(session.clone())) {
                Err(ApiError::Standard { body, .. }) => {
                    assert_eq!(body.key.as_deref(), Some("invalid_payload"), "{session}");
                    assert!(body.details.unwrap().contains(property), "{session}");
                }
                other => panic!("{session}: {other:?}"),
            }
        }
    }
}
