//! The `filters` query parameter of list endpoints, in the API's deepObject style:
//! `filters[holder_role][conditions][$in][0]=OWNER&filters[campaign_type][conditions][$is]=…`
//! and `filters[junction]=and|or` (default `and`).
//!
//! A list of values comes as indexed (`[$in][0]=a&[$in][1]=b`), repeated (`[$in][]=a&[$in][]=b`)
//! or comma-separated (`[$in]=a,b`). Unknown fields and operators are refused with
//! `invalid_query_params`, naming the parameter, so a misspelt filter never silently lists all.
//! The same conditions also come as JSON in a request body (qualifications' `options.filters`).

use serde_json::Value;

use super::error::ApiError;
use super::extract::Params;
use crate::engine::time::Timestamp;

/// One condition on one field.
#[derive(Debug, Clone, PartialEq)]
enum Op {
    Is(String),
    IsNot(String),
    In(Vec<String>),
    NotIn(Vec<String>),
    HasValue,
    IsUnknown,
    StartsWith(String),
    EndsWith(String),
    Contains(String),
    NotContain(String),
    After(Timestamp),
    Before(Timestamp),
}

/// The parsed `filters`: every condition, joined by `and` or `or`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    any: bool,
    conditions: Vec<(String, Op)>,
}

impl Filters {
    /// The `filters[...]` parameters of `params`, for a list whose filterable fields are
    /// `fields` (the date fields among them take `$after`/`$before`).
    pub fn parse(params: &Params, fields: &[&str], date_fields: &[&str]) -> Result<Self, ApiError> {
        let mut filters = Self::default();
        let mut lists: Vec<(String, &'static str, Vec<String>)> = Vec::new();
        for (name, value) in params.pairs() {
            let Some(rest) = name.strip_prefix("filters[") else {
                continue;
            };
            let bad =
                |why: &str| ApiError::invalid_query(format!("Query parameter '{name}' {why}"));
            let parts: Vec<&str> = rest
                .strip_suffix(']')
                .ok_or_else(|| bad("is malformed"))?
                .split("][")
                .collect();
            match parts.as_slice() {
                ["junction"] => {
                    filters.any = match value.to_ascii_lowercase().as_str() {
                        "and" => false,
                        "or" => true,
                        _ => {
                            return Err(bad(
                                "should be equal to one of the allowed values: and, or",
                            ));
                        }
                    }
                }
                [field, "conditions", op, index @ ..] if index.len() <= 1 => {
                    let date = date_fields.contains(field);
                    if !fields.contains(field) && !date {
                        return Err(bad(&format!(
                            "filters an unknown field; the fields are: {}",
                            [fields, date_fields].concat().join(", ")
                        )));
                    }
                    if let Some(kind) = list_op(op) {
                        let values = lists.iter_mut().find(|(f, k, _)| f == field && *k == kind);
                        let split: Vec<String> = if index.is_empty() {
                            value.split(',').map(|v| v.trim().to_string()).collect()
                        } else {
                            vec![value.clone()]
                        };
                        match values {
                            Some((_, _, v)) => v.extend(split),
                            None => lists.push((field.to_string(), kind, split)),
                        }
                        continue;
                    }
                    if !index.is_empty() {
                        return Err(bad("takes one value"));
                    }
                    let op = single_op(op, value, date).ok_or_else(|| {
                        bad(if date {
                            "should use $after, $before, $has_value or $is_unknown with an ISO 8601 date"
                        } else {
                            "uses an unknown operator; the operators are $is, $is_not, $in, $not_in, $has_value, $is_unknown, $starts_with, $ends_with, $contains, $not_contain"
                        })
                    })?;
                    filters.conditions.push((field.to_string(), op));
                }
                _ => return Err(bad("is malformed")),
            }
        }
        for (field, kind, values) in lists {
            let op = if kind == "$in" {
                Op::In(values)
            } else {
                Op::NotIn(values)
            };
            filters.conditions.push((field, op));
        }
        Ok(filters)
    }

    /// The `options.filters` object of a request body:
    /// `{"resource_type": {"conditions": {"$in": ["promotion_tier"]}}, "junction": "and"}`.
    /// In this form `$is` and `$is_not` take an array, of which the first value counts.
    pub fn from_json(filters: &Value, fields: &[&str]) -> Result<Self, ApiError> {
        let bad =
            |what: &str| ApiError::invalid_payload(format!("Property .options.filters{what}"));
        let object = filters
            .as_object()
            .ok_or_else(|| bad(" should be an object"))?;
        let mut out = Self::default();
        for (field, spec) in object {
            if field == "junction" {
                out.any = match spec.as_str().map(str::to_ascii_lowercase).as_deref() {
                    Some("and") => false,
                    Some("or") => true,
                    _ => {
                        return Err(bad(
                            ".junction should be equal to one of the allowed values: and, or",
                        ));
                    }
                };
                continue;
            }
            if !fields.contains(&field.as_str()) {
                return Err(bad(&format!(
                    ".{field} is not allowed; the fields are: junction, {}",
                    fields.join(", ")
                )));
            }
            let conditions = spec
                .get("conditions")
                .and_then(Value::as_object)
                .ok_or_else(|| bad(&format!(".{field}.conditions should be an object")))?;
            for (op, value) in conditions {
                let at = |why: &str| bad(&format!(".{field}.conditions.{op} {why}"));
                let texts = || -> Result<Vec<String>, ApiError> {
                    value
                        .as_array()
                        .and_then(|a| a.iter().map(|v| v.as_str().map(str::to_string)).collect())
                        .ok_or_else(|| at("should be an array of strings"))
                };
                let first = || -> Result<String, ApiError> {
                    texts()?
                        .into_iter()
                        .next()
                        .ok_or_else(|| at("should not be empty"))
                };
                let op = match op.as_str() {
                    "$is" => Op::Is(first()?),
                    "$is_not" => Op::IsNot(first()?),
                    "$in" => Op::In(texts()?),
                    "$not_in" => Op::NotIn(texts()?),
                    "$has_value" => Op::HasValue,
                    "$is_unknown" => Op::IsUnknown,
                    _ => {
                        return Err(at(
                            "is not allowed; the operators are $is, $is_not, $in, $not_in, $has_value, $is_unknown",
                        ));
                    }
                };
                out.conditions.push((field.clone(), op));
            }
        }
        Ok(out)
    }

    /// Whether a row passes, given its values of each field (none when it has none; several
    /// for a field such as a redeemable's categories, where a condition holds if one value
    /// meets it, and a negative one if no value breaks it).
    pub fn matches<V: IntoIterator<Item = String>>(&self, values_of: impl Fn(&str) -> V) -> bool {
        if self.conditions.is_empty() {
            return true;
        }
        let mut results = self.conditions.iter().map(|(field, op)| {
            let values: Vec<String> = values_of(field).into_iter().collect();
            holds(op, &values)
        });
        if self.any {
            results.any(|r| r)
        } else {
            results.all(|r| r)
        }
    }
}

fn list_op(op: &str) -> Option<&'static str> {
    match op {
        "$in" => Some("$in"),
        "$not_in" => Some("$not_in"),
        _ => None,
    }
}

fn single_op(op: &str, value: &str, date: bool) -> Option<Op> {
    let text = || value.to_string();
    Some(match (op, date) {
        ("$has_value", _) => Op::HasValue,
        ("$is_unknown", _) => Op::IsUnknown,
        ("$after", true) => Op::After(Timestamp::parse(value)?),
        ("$before", true) => Op::Before(Timestamp::parse(value)?),
        ("$is", false) => Op::Is(text()),
        ("$is_not", false) => Op::IsNot(text()),
        ("$starts_with", false) => Op::StartsWith(text()),
        ("$ends_with", false) => Op::EndsWith(text()),
        ("$contains", false) => Op::Contains(text()),
        ("$not_contain", false) => Op::NotContain(text()),
        _ => return None,
    })
}

fn holds(op: &Op, values: &[String]) -> bool {
    let any = |f: &dyn Fn(&str) -> bool| values.iter().any(|v| f(v));
    let times = || values.iter().filter_map(|v| Timestamp::parse(v));
    match op {
        Op::HasValue => !values.is_empty(),
        Op::IsUnknown => values.is_empty(),
        Op::Is(x) => any(&|v| v == x),
        Op::IsNot(x) => !any(&|v| v == x),
        Op::In(xs) => any(&|v| xs.iter().any(|x| x == v)),
        Op::NotIn(xs) => !any(&|v| xs.iter().any(|x| x == v)),
        Op::StartsWith(x) => any(&|v| v.starts_with(x.as_str())),
        Op::EndsWith(x) => any(&|v| v.ends_with(x.as_str())),
        Op::Contains(x) => any(&|v| v.contains(x.as_str())),
        Op::NotContain(x) => !any(&|v| v.contains(x.as_str())),
        Op::After(t) => times().any(|v| v > *t),
        Op::Before(t) => times().any(|v| v < *t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::extract::FromRequestParts;
    use axum::http::Request;

    async fn params(query: &str) -> Params {
        let (mut parts, ()) = Request::builder()
            .uri(format!("/x?{query}"))
            .body(())
            .unwrap()
            .into_parts();
        Params::from_request_parts(&mut parts, &()).await.unwrap()
    }

    async fn filters(query: &str) -> Result<Filters, ApiError> {
        Filters::parse(&params(query).await, &["role", "kind"], &["created_at"])
    }

    fn row<'a>(role: Option<&'a str>, created: &'a str) -> impl Fn(&str) -> Option<String> + 'a {
        move |field| match field {
            "role" => role.map(str::to_string),
            "created_at" => Some(created.to_string()),
            _ => None,
        }
    }

    #[tokio::test]
    async fn lists_come_indexed_repeated_or_comma_separated() {
        for query in [
            "filters[role][conditions][$in][0]=OWNER&filters[role][conditions][$in][1]=REFERRER",
            "filters[role][conditions][$in][]=OWNER&filters[role][conditions][$in][]=REFERRER",
            "filters[role][conditions][$in]=OWNER,REFERRER",
        ] {
            let f = filters(query).await.unwrap();
            assert!(f.matches(row(Some("OWNER"), "2026-01-01")), "{query}");
            assert!(f.matches(row(Some("REFERRER"), "2026-01-01")), "{query}");
            assert!(!f.matches(row(Some("REFEREE"), "2026-01-01")), "{query}");
            assert!(!f.matches(row(None, "2026-01-01")), "{query}");
        }
    }

    #[tokio::test]
    async fn conditions_join_with_and_unless_the_junction_says_or() {
        let both = "filters[role][conditions][$is]=OWNER&filters[created_at][conditions][$after]=2026-06-01";
        let f = filters(both).await.unwrap();
        assert!(f.matches(row(Some("OWNER"), "2026-07-01T00:00:00Z")));
        assert!(!f.matches(row(Some("OWNER"), "2026-05-01")));
        let f = filters(&format!("{both}&filters[junction]=OR"))
            .await
            .unwrap();
        assert!(f.matches(row(Some("OWNER"), "2026-05-01")));
        assert!(!f.matches(row(Some("REFEREE"), "2026-05-01")));
        assert!(filters("").await.unwrap().matches(row(None, "x")));
    }

    #[tokio::test]
    async fn text_operators_compare_as_the_api_describes() {
        let cases = [
            ("$is_not]=OWNER", Some("REFEREE"), true),
            ("$starts_with]=OWN", Some("OWNER"), true),
            ("$ends_with]=ER", Some("OWNER"), true),
            ("$contains]=WN", Some("OWNER"), true),
            ("$not_contain]=WN", Some("OWNER"), false),
            ("$has_value]=", None, false),
            ("$is_unknown]=", None, true),
            ("$not_in][]=OWNER", Some("OWNER"), false),
        ];
        for (op, value, expected) in cases {
            let f = filters(&format!("filters[role][conditions][{op}"))
                .await
                .unwrap();
            assert_eq!(
                f.matches(row(value, "2026-01-01")),
                expected,
                "{op} on {value:?}"
            );
        }
    }

    #[tokio::test]
    async fn misspelt_filters_are_refused_with_the_parameter_named() {
        for query in [
            "filters[rol][conditions][$is]=OWNER",
            "filters[role][conditions][$equals]=OWNER",
            "filters[role][condition][$is]=OWNER",
            "filters[role][conditions][$is][0]=OWNER",
            "filters[created_at][conditions][$after]=yesterday",
            "filters[created_at][conditions][$is]=2026-01-01",
            "filters[junction]=xor",
            "filters[role",
        ] {
            match filters(query).await {
                Err(ApiError::Standard { body, .. }) => {
                    assert_eq!(body.key.as_deref(), Some("invalid_query_params"), "{query}");
                    let name = query.split('=').next().unwrap();
                    assert!(body.details.unwrap().contains(name), "{query}");
                }
                other => panic!("{query}: {other:?}"),
            }
        }
    }
}
