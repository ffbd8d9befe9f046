//! Request extraction that always answers in the API's error shape: JSON bodies with
//! "Property .x should ..." details, query strings and path segments.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::ApiError;

/// Parses a required JSON body into `T`: in one pass when the body is right, and otherwise
/// again through a JSON value, to name the property at fault as the API does.
pub fn json<T: DeserializeOwned + Serialize>(bytes: &[u8]) -> Result<T, ApiError> {
    if let Some(value) = super::strict::from_slice(bytes) {
        return Ok(value);
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::invalid_payload("Payload should be object"));
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        ApiError::invalid_payload(format!(
            "Request body is not valid JSON: {}",
            strip_position(&e)
        ))
    })?;
    serde_path_to_error::deserialize(super::strict::Strict(&value)).map_err(describe)
}

/// Parses an optional JSON body: no body (or `null`) gives `T::default()`.
pub fn json_or_default<T: DeserializeOwned + Serialize + Default>(
    bytes: &[u8],
) -> Result<T, ApiError> {
    let trimmed = bytes.trim_ascii();
    if trimmed.is_empty() || trimmed == b"null" {
        return Ok(T::default());
    }
    json(bytes)
}

fn strip_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.find(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// Turns a serde error into the API's `invalid_payload` details.
fn describe(err: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let inner = err.inner();
    let mut path = String::new();
    for segment in err.path().iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => path.push_str(&format!("[{index}]")),
            serde_path_to_error::Segment::Map { key } => {
                path.push('.');
                path.push_str(key);
            }
            serde_path_to_error::Segment::Enum { variant } => {
                path.push('.');
                path.push_str(variant);
            }
            serde_path_to_error::Segment::Unknown => {}
        }
    }
    let message = strip_position(inner);
    let subject = |p: &str| {
        if p.is_empty() {
            "Payload".to_string()
        } else {
            format!("Property {p}")
        }
    };
    let details = if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.trim_end_matches('`');
        format!("{} should have required property '{field}'", subject(&path))
    } else if let Some(rest) = message.strip_prefix("invalid type: ") {
        let expected = rest.split(", expected ").nth(1).unwrap_or("");
        format!("{} should be {}", subject(&path), json_type(expected))
    } else if message.starts_with("invalid length") && message.contains("expected struct") {
        format!("{} should be object", subject(&path))
    } else if message.starts_with("unknown variant") {
        let allowed = message
            .split("expected ")
            .nth(1)
            .unwrap_or("")
            .replace('`', "");
        format!(
            "{} should be equal to one of the allowed values: {allowed}",
            subject(&path)
        )
    } else if message.starts_with("invalid value: ") && message.contains("ISO 8601") {
        format!("{} should match format \"date-time\"", subject(&path))
    } else if message.starts_with("invalid value: integer") || message.contains("out of range") {
        format!("{} should be integer in the allowed range", subject(&path))
    } else {
        format!("{}: {message}", subject(&path))
    };
    ApiError::invalid_payload(details)
}

/// The JSON type name for serde's "expected ..." text.
fn json_type(expected: &str) -> &'static str {
    let e = expected.to_ascii_lowercase();
    if ["i64", "u64", "i32", "u32", "u16", "u8", "usize", "integer"]
        .iter()
        .any(|t| e.contains(t))
    {
        "integer"
    } else if e.contains("f64") || e.contains("f32") || e.contains("number") {
        "number"
    } else if e.contains("bool") {
        "boolean"
    } else if e.contains("sequence") || e.contains("array") || e.contains("vec") {
        "array"
    } else if e.contains("string") || e.contains("iso 8601") {
        "string"
    } else {
        "object"
    }
}

/// Query parameters as name → value (the last one wins), and every pair in order for the
/// deepObject parameters that repeat a name (`filters[x][conditions][$in][]=a&...[]=b`);
/// malformed strings get `invalid_query_params`.
#[derive(Debug, Default, Clone)]
pub struct Params {
    map: HashMap<String, String>,
    pairs: Vec<(String, String)>,
}

impl Params {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(String::as_str)
    }

    /// Every pair, in the order of the query string.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// An integer parameter within `[min, max]`, or `default` when absent.
    pub fn int(&self, name: &str, default: i64, min: i64, max: i64) -> Result<i64, ApiError> {
        match self.get(name) {
            None => Ok(default),
            Some(raw) => raw
                .parse::<i64>()
                .ok()
                .filter(|n| (min..=max).contains(n))
                .ok_or_else(|| {
                    ApiError::invalid_query(format!(
                        "Query parameter '{name}' should be an integer between {min} and {max}"
                    ))
                }),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(pairs) = Query::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::invalid_query(e.body_text()))?;
        Ok(Self {
            map: pairs.iter().cloned().collect(),
            pairs,
        })
    }
}

/// Path parameters with the API's error shape on failure.
#[derive(Debug)]
pub struct Segments<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Segments<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(t)| Self(t))
            .map_err(|e| ApiError::bad_request("invalid_path", "Invalid path", e.body_text()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ValidationRequest;

    fn details(body: &str) -> String {
        match json::<ValidationRequest>(body.as_bytes()).unwrap_err() {
            ApiError::Standard { body, .. } => body.details.unwrap(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn missing_fields_are_named_like_the_api() {
        assert_eq!(
            details(r#"{"redeemables":[{"object":"voucher","id":"A"},{"object":"voucher"}]}"#),
            "Property .redeemables[1] should have required property 'id'"
        );
        assert_eq!(
            details("{}"),
            "Payload should have required property 'redeemables'"
        );
    }

    #[test]
    fn wrong_types_say_what_was_expected() {
        assert_eq!(
            details(r#"{"redeemables":[],"order":{"amount":"12.00"}}"#),
            "Property .order.amount should be integer"
        );
        assert_eq!(
            details(r#"{"redeemables":[],"order":{"amount":12.5}}"#),
            "Property .order.amount should be integer"
        );
        assert_eq!(details("[]"), "Payload should be object");
    }

    #[test]
    fn malformed_json_is_invalid_payload() {
        assert!(details(r#"{"redeemables": ["#).starts_with("Request body is not valid JSON"));
        assert!(
            details(r#"{"redeemables":[]} trailing"#).starts_with("Request body is not valid JSON")
        );
        assert_eq!(
            details(r#"{"redeemables":[], "order": []}"#),
            "Property .order should be object"
        );
        assert_eq!(details("  "), "Payload should be object");
    }

    #[test]
    fn a_body_that_is_not_utf8_is_invalid_payload_and_utf8_text_reads_as_it_is() {
        let body = b"{\"redeemables\":[{\"object\":\"voucher\",\"id\":\"A\xff\"}]}";
        match json::<ValidationRequest>(body).unwrap_err() {
            ApiError::Standard { body, .. } => {
                assert_eq!(body.key.as_deref(), Some("invalid_payload"));
                assert!(
                    body.details
                        .unwrap()
                        .starts_with("Request body is not valid JSON")
                );
            }
            other => panic!("{other:?}"),
        }
        let read: ValidationRequest =
            json(r#"{"redeemables":[{"object":"voucher","id":"Café\u00e9 ☕"}]}"#.as_bytes())
                .unwrap();
        assert_eq!(read.redeemables[0].id, "Caféé ☕");
    }

    #[test]
    fn optional_bodies_default() {
        let r: crate::model::RollbackRequest = json_or_default(b"").unwrap();
        assert_eq!(r, Default::default());
        let r: crate::model::RollbackRequest = json_or_default(b"null").unwrap();
        assert_eq!(r, Default::default());
    }
}
