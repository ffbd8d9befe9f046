//! [`Shared`]: a part of an answer that several places of the same answer hold alike (a
//! validation's order items appear in each applicable redeemable's order and in the order
//! itself), copied by reference and written as JSON once.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// `T`, cheap to clone, written as JSON once and copied as written after that.
///
/// Its JSON is serde_json's own writing of `T`, so answers read exactly as if `T` were written
/// in place; it is meant for serde_json's serializers (answers, values), which copy the written
/// text as it is. Changing the value (through `DerefMut`) forgets the text.
pub struct Shared<T>(Arc<Inner<T>>);

struct Inner<T> {
    value: T,
    json: OnceLock<Box<RawValue>>,
}

impl<T> Shared<T> {
    pub fn new(value: T) -> Self {
        Self(Arc::new(Inner {
            value,
            json: OnceLock::new(),
        }))
    }

    /// Whether `self` and `other` are the same value, not merely equal ones.
    pub fn same(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0.value
    }
}

impl<T: Clone> DerefMut for Shared<T> {
    /// The value alone (copied first if another holder shares it), without its old text.
    fn deref_mut(&mut self) -> &mut T {
        let inner = Arc::make_mut(&mut self.0);
        inner.json = OnceLock::new();
        &mut inner.value
    }
}

impl<T: Clone> Clone for Inner<T> {
    /// The value alone: its text is written again when asked for.
    fn clone(&self) -> Self {
        Self {
            value: self.value.clone(),
            json: OnceLock::new(),
        }
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<T: Default> Default for Shared<T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T> From<T> for Shared<T> {
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<T: PartialEq> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        self.same(other) || self.0.value == other.0.value
    }
}

impl<T: fmt::Debug> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.value.fmt(f)
    }
}

impl<T: Serialize> Serialize for Shared<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if let Some(json) = self.0.json.get() {
            return json.serialize(serializer);
        }
        match serde_json::value::to_raw_value(&self.0.value) {
            Ok(json) => self.0.json.get_or_init(|| json).serialize(serializer),
            // Not JSON-writable: the serializer says why.
            Err(_) => self.0.value.serialize(serializer),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Shared<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Self::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
    struct Item {
        id: String,
        quantity: i64,
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    }

    fn items() -> Vec<Item> {
        vec![
            Item {
                id: "prod_\"quoted\"".into(),
                quantity: 2,
                note: None,
            },
            Item {
                id: "prod_mug".into(),
                quantity: -1,
                note: Some("é\n".into()),
            },
        ]
    }

    #[test]
    fn written_exactly_as_the_value_itself_every_time() {
        let shared = Shared::new(items());
        let plain = serde_json::to_string(&items()).unwrap();
        assert_eq!(serde_json::to_string(&shared).unwrap(), plain);
        // The second time copies the text written the first time.
        assert_eq!(serde_json::to_string(&shared).unwrap(), plain);
        let nested = json!({"a": shared.clone(), "b": [shared]});
        assert_eq!(nested, json!({"a": items(), "b": [items()]}));
        assert_eq!(
            serde_json::to_string_pretty(&Shared::new(7)).unwrap(),
            serde_json::to_string_pretty(&7).unwrap()
        );
    }

    #[test]
    fn a_change_is_written_and_leaves_other_holders_as_they_were() {
        let first = Shared::new(items());
        let _ = serde_json::to_string(&first).unwrap();
        let mut second = first.clone();
        assert!(second.same(&first));
        second[0].quantity = 5;
        assert!(!second.same(&first));
        assert_eq!(first[0].quantity, 2);
        let mut expected = items();
        expected[0].quantity = 5;
        assert_eq!(
            serde_json::to_string(&second).unwrap(),
            serde_json::to_string(&expected).unwrap()
        );
        assert_eq!(
            serde_json::to_string(&first).unwrap(),
            serde_json::to_string(&items()).unwrap()
        );
        // A sole holder changes in place and forgets its text too.
        let mut only = Shared::new(items());
        let _ = serde_json::to_string(&only).unwrap();
        only.push(Item::default());
        assert_eq!(
            serde_json::to_value(&only)
                .unwrap()
                .as_array()
                .unwrap()
                .len(),
            3
        );
    }

    #[test]
    fn read_back_equal_to_what_was_written() {
        let shared = Shared::new(items());
        let text = serde_json::to_string(&shared).unwrap();
        let back: Shared<Vec<Item>> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, shared);
        assert!(!back.same(&shared));
    }

    #[test]
    fn a_value_json_cannot_write_is_an_error_not_a_panic() {
        let mut map = std::collections::HashMap::new();
        map.insert((1, 2), 3);
        assert!(serde_json::to_string(&Shared::new(map)).is_err());
    }
}
