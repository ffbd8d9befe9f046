//! Response shapes: an API answer with what changes from call to call (ids, codes, source ids,
//! timestamps, URLs that embed them) replaced by placeholders, so the same shape holds for
//! every run and for every target. The insta snapshots in `snapshots/` are such shapes; a
//! scenario step compares an answer with one of them here, without insta, read-only.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// Keys whose string values are ids.
fn is_id_key(key: &str) -> bool {
    key == "id" || key.ends_with("_id") || key == "request_id"
}

/// Strings that look like the API's ids: `v_…`, `r_0c…`, `rf_…`, `ord_…`, `cust_…`, ...
fn looks_like_id(text: &str) -> bool {
    let Some((prefix, rest)) = text.split_once('_') else {
        return false;
    };
    (1..=6).contains(&prefix.len())
        && prefix.chars().all(|c| c.is_ascii_lowercase())
        && rest.len() >= 8
        && rest.chars().all(|c| c.is_ascii_alphanumeric())
}

/// `2026-01-31T10:00:00.000Z` and the like.
fn looks_like_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() >= 19
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[..4].iter().all(u8::is_ascii_digit)
}

/// The shape of an answer: the same JSON with ids, codes, source ids, timestamps and URLs
/// replaced by `[id]`, `[code]`, `[source_id]`, `[timestamp]`, `[url]`.
pub fn redact(value: &Value) -> Value {
    redact_in(None, value)
}

fn redact_in(key: Option<&str>, value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                // The run mark a live run stamps into what it creates is the harness's own.
                if key == Some("metadata") && k == crate::client::ledger::RUN_ID_KEY {
                    continue;
                }
                let k2 = if looks_like_id(k) {
                    // Objects keyed by id (an order's redemptions): one key per entry.
                    let mut n = 1;
                    let mut name = "[id]".to_string();
                    while out.contains_key(&name) {
                        n += 1;
                        name = format!("[id {n}]");
                    }
                    name
                } else {
                    k.clone()
                };
                out.insert(k2, redact_in(Some(k), v));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| redact_in(key, v)).collect()),
        Value::String(text) => {
            let key = key.unwrap_or("");
            let placeholder = if key == "code" || key == "voucher_code" {
                "[code]"
            } else if key == "source_id" {
                "[source_id]"
            } else if key == "url" || key.ends_with("_url") {
                "[url]"
            } else if is_id_key(key) || looks_like_id(text) {
                "[id]"
            } else if looks_like_timestamp(text) {
                "[timestamp]"
            } else if key == "details" || key == "message" {
                // Error texts name the code or id they are about.
                return Value::String(redact_words(text));
            } else {
                return value.clone();
            };
            Value::String(placeholder.into())
        }
        other => other.clone(),
    }
}

fn is_placeholder(text: &str) -> bool {
    matches!(
        text,
        "[id]" | "[code]" | "[source_id]" | "[timestamp]" | "[url]"
    )
}

/// Ids inside free text.
fn redact_words(text: &str) -> String {
    text.split(' ')
        .map(|w| if looks_like_id(w) { "[id]" } else { w })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The JSON body of an insta snapshot file (`---` header, then the value).
pub fn read_snapshot(text: &str) -> Result<Value, String> {
    let body = text
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .map(|(_, body)| body)
        .ok_or("not an insta snapshot file (no --- header)")?;
    serde_json::from_str(body).map_err(|e| format!("the snapshot is not JSON: {e}"))
}

/// Where the snapshots are: `snapshots/` here, else the one in the harness's source tree.
pub fn snapshot_dir() -> PathBuf {
    let here = PathBuf::from("snapshots");
    if here.is_dir() {
        return here;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots")
}

/// The first difference between a snapshot and a shape, as `at /path: ...`; `None` if equal.
pub fn difference(expected: &Value, actual: &Value) -> Option<String> {
    diff_at("", expected, actual)
}

fn diff_at(path: &str, expected: &Value, actual: &Value) -> Option<String> {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let p = format!("{path}/{k}");
                match a.get(k) {
                    None => {
                        return Some(format!(
                            "at {p}: the snapshot has this field, the answer does not"
                        ));
                    }
                    Some(av) => {
                        if let Some(d) = diff_at(&p, ev, av) {
                            return Some(d);
                        }
                    }
                }
            }
            a.keys()
                .find(|k| !e.contains_key(*k))
                .map(|k| format!("at {path}/{k}: the answer has a field the snapshot does not"))
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                return Some(format!(
                    "at {}: the snapshot lists {} entries, the answer {}",
                    if path.is_empty() { "/" } else { path },
                    e.len(),
                    a.len()
                ));
            }
            e.iter()
                .zip(a)
                .enumerate()
                .find_map(|(i, (ev, av))| diff_at(&format!("{path}/{i}"), ev, av))
        }
        (e, a) if e == a => None,
        // An id that is there in one answer and null in another (a customer already known or
        // not) is the same shape.
        (Value::Null, Value::String(p)) | (Value::String(p), Value::Null) if is_placeholder(p) => {
            None
        }
        (e, a) => Some(format!(
            "at {}: the snapshot has {e}, the answer has {a}",
            if path.is_empty() { "/" } else { path }
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_codes_and_times_become_placeholders() {
        let answer = json!({
            "id": "r_0c8b46ba013f62d61e",
            "date": "2026-11-30T08:46:41.347Z",
            "voucher": {"code": "HRX1-SPRING10", "discount": {"amount_off": 1000}},
            "customer": {"source_id": "alice", "name": "Alice"},
            "redemptions": {"r_0c8b46ba013f62d61e": {"result": "SUCCESS"}},
            "related_object_id": "v_5pWcVkR1VZFTE8cd9YetwoaqoJEBZ5zb",
            "url": "/v1/vouchers/SPRING10/redemptions",
            "details": "Cannot find voucher with id v_5pWcVkR1VZFTE8cd9Yet",
            "code": 404
        });
        assert_eq!(
            redact(&answer),
            json!({
                "id": "[id]",
                "date": "[timestamp]",
                "voucher": {"code": "[code]", "discount": {"amount_off": 1000}},
                "customer": {"source_id": "[source_id]", "name": "Alice"},
                "redemptions": {"[id]": {"result": "SUCCESS"}},
                "related_object_id": "[id]",
                "url": "[url]",
                "details": "Cannot find voucher with id [id]",
                "code": 404
            })
        );
    }

    #[test]
    fn differences_name_the_path() {
        let a = json!({"order": {"status": "PAID", "items": [1, 2]}});
        let b = json!({"order": {"status": "CANCELED", "items": [1, 2]}});
        assert_eq!(
            difference(&a, &b).unwrap(),
            "at /order/status: the snapshot has \"PAID\", the answer has \"CANCELED\""
        );
        assert_eq!(difference(&a, &a), None);
        let known = json!({"customer_id": "[id]"});
        let unknown = json!({"customer_id": null});
        assert_eq!(difference(&known, &unknown), None, "an id may be null");
        assert!(difference(&json!({"status": null}), &json!({"status": "PAID"})).is_some());
        let c = json!({"order": {"status": "PAID", "items": [1, 2], "extra": true}});
        assert!(difference(&a, &c).unwrap().starts_with("at /order/extra"));
    }

    #[test]
    fn snapshot_files_are_read() {
        let text = "---\nsource: tests/snapshots.rs\nexpression: shape\n---\n{\n  \"a\": 1\n}\n";
        assert_eq!(read_snapshot(text).unwrap(), json!({"a": 1}));
        assert!(read_snapshot("{}").is_err());
    }
}
