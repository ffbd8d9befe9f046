//! The list envelope: `{"object":"list","data_ref":"<k>","<k>":[...],"total":N}`.

use std::borrow::Cow;

use serde::de::DeserializeOwned;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A page of `T` under the key `data_ref`.
#[derive(Clone, Debug, PartialEq)]
pub struct List<T> {
    pub data_ref: String,
    pub items: Vec<T>,
    pub total: u64,
    /// Extra top-level fields some lists carry (`quantity`, `redeemed_quantity`, `has_more`...).
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl<T> List<T> {
    pub fn new(data_ref: &str, items: Vec<T>, total: u64) -> Self {
        Self {
            data_ref: data_ref.to_string(),
            items,
            total,
            extra: serde_json::Map::new(),
        }
    }

    pub fn with(mut self, key: &str, value: serde_json::Value) -> Self {
        self.extra.insert(key.to_string(), value);
        self
    }
}

impl<T: Serialize> Serialize for List<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (k, v) in &self.extra {
            map.serialize_entry(k, v)?;
        }
        map.serialize_entry("object", "list")?;
        map.serialize_entry("data_ref", &self.data_ref)?;
        map.serialize_entry(&self.data_ref, &self.items)?;
        map.serialize_entry("total", &self.total)?;
        map.end()
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let mut map = serde_json::Map::deserialize(deserializer)?;
        let data_ref = match map.remove("data_ref") {
            Some(serde_json::Value::String(s)) => s,
            _ => "data".to_string(),
        };
        let items = match map.remove(&data_ref) {
            Some(v) => serde_json::from_value(v).map_err(D::Error::custom)?,
            None => Vec::new(),
        };
        let total = map.remove("total").and_then(|t| t.as_u64()).unwrap_or(0);
        map.remove("object");
        Ok(Self {
            data_ref,
            items,
            total,
            extra: map,
        })
    }
}

/// `applicable_to` / `inapplicable_to` of a redeemable: the products its rules aim at, in the
/// API's key order (`data`, `total`, `data_ref`, `object`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TargetList {
    #[serde(default)]
    pub data: Vec<serde_json::Value>,
    #[serde(default)]
    pub total: u64,
    #[serde(default = "data_key")]
    pub data_ref: Cow<'static, str>,
    #[serde(default = "list_object")]
    pub object: Cow<'static, str>,
}

impl TargetList {
    pub fn new(data: Vec<serde_json::Value>) -> Self {
        Self {
            total: data.len() as u64,
            data,
            data_ref: data_key(),
            object: list_object(),
        }
    }
}

fn data_key() -> Cow<'static, str> {
    Cow::Borrowed("data")
}

fn list_object() -> Cow<'static, str> {
    Cow::Borrowed("list")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_under_its_data_ref() {
        let list = List::new("vouchers", vec![1, 2], 2).with("has_more", false.into());
        let json = serde_json::to_value(&list).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"has_more": false, "object": "list", "data_ref": "vouchers", "vouchers": [1, 2], "total": 2})
        );
        let back: List<i32> = serde_json::from_value(json).unwrap();
        assert_eq!(back, list);
    }

    #[test]
    fn target_lists_keep_the_api_key_order() {
        let list = TargetList::new(vec![serde_json::json!({"id": "prod_1"})]);
        assert_eq!(
            serde_json::to_string(&list).unwrap(),
            r#"{"data":[{"id":"prod_1"}],"total":1,"data_ref":"data","object":"list"}"#
        );
        let back: TargetList = serde_json::from_str(r#"{"data":[]}"#).unwrap();
        assert_eq!(back, TargetList::new(Vec::new()));
    }
}
