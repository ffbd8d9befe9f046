//! `applicable_to`: which order lines a discount may touch.

use serde_json::Value;

use super::rules::{Collections, ItemFacts, ProductRef};

/// How a target picks lines among those it matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetEffect {
    Every,
    Cheapest,
    MostExpensive,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub product: ProductRef,
    pub effect: TargetEffect,
}

/// The `applicable_to` of a rule: lines included (or all) minus lines excluded.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ApplicableTo {
    pub included: Vec<Target>,
    pub excluded: Vec<Target>,
    pub included_all: bool,
}

impl ApplicableTo {
    /// Reads the API's object; refuses unknown objects and effects with a message.
    pub fn parse(value: &Value) -> Result<Option<Self>, String> {
        let Some(obj) = value.as_object() else {
            return if value.is_null() {
                Ok(None)
            } else {
                Err("applicable_to should be an object".into())
            };
        };
        let list = |key: &str| -> Result<Vec<Target>, String> {
            let Some(items) = obj.get(key) else {
                return Ok(Vec::new());
            };
            let items = items
                .as_array()
                .ok_or_else(|| format!("applicable_to.{key} should be an array"))?;
            items
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let product = ProductRef::from_value(v)
                        .filter(|p| !p.id.is_empty())
                        .ok_or_else(|| format!("applicable_to.{key}[{i}] should name an id"))?;
                    if !["product", "sku", "products_collection"].contains(&product.object.as_str()) {
                        return Err(format!(
                            "applicable_to.{key}[{i}].object should be product, sku or products_collection"
                        ));
                    }
                    let effect = match v.get("effect").and_then(Value::as_str).unwrap_or("APPLY_TO_EVERY") {
                        "APPLY_TO_EVERY" => TargetEffect::Every,
                        "APPLY_TO_CHEAPEST" => TargetEffect::Cheapest,
                        "APPLY_TO_MOST_EXPENSIVE" => TargetEffect::MostExpensive,
                        other => return Err(format!("applicable_to.{key}[{i}].effect '{other}' is not known")),
                    };
                    Ok(Target { product, effect })
                })
                .collect()
        };
        Ok(Some(Self {
            included: list("included")?,
            excluded: list("excluded")?,
            included_all: obj
                .get("included_all")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        }))
    }

    /// Merges another rule's targets into this one.
    pub fn merge(&mut self, other: &ApplicableTo) {
        self.included.extend(other.included.iter().cloned());
        self.excluded.extend(other.excluded.iter().cloned());
        self.included_all |= other.included_all;
    }

    /// The lines a discount may touch, by index.
    pub fn lines(&self, items: &[ItemFacts], collections: &Collections) -> Vec<usize> {
        let mut chosen: Vec<usize> = if self.included_all || self.included.is_empty() {
            (0..items.len()).collect()
        } else {
            let mut out = Vec::new();
            for target in &self.included {
                let matching: Vec<usize> = (0..items.len())
                    .filter(|i| items[*i].matches(&target.product, collections))
                    .collect();
                let picked: Vec<usize> = match target.effect {
                    TargetEffect::Every => matching,
                    TargetEffect::Cheapest => matching
                        .into_iter()
                        .min_by_key(|i| items[*i].price)
                        .into_iter()
                        .collect(),
                    TargetEffect::MostExpensive => matching
                        .into_iter()
                        .max_by_key(|i| items[*i].price)
                        .into_iter()
                        .collect(),
                };
                out.extend(picked);
            }
            out
        };
        chosen.retain(|i| {
            !self
                .excluded
                .iter()
                .any(|t| items[*i].matches(&t.product, collections))
        });
        chosen.sort_unstable();
        chosen.dedup();
        chosen
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item(id: &str, price: i64) -> ItemFacts {
        ItemFacts {
            product_id: Some(id.into()),
            quantity: 1,
            price,
            amount: price,
            ..ItemFacts::default()
        }
    }

    #[test]
    fn included_minus_excluded() {
        let items = [item("a", 100), item("b", 300), item("c", 200)];
        let at = ApplicableTo::parse(&json!({"included": [{"object": "product", "id": "a"}, {"object": "product", "id": "b"}]})).unwrap().unwrap();
        assert_eq!(at.lines(&items, &Collections::new()), vec![0, 1]);
        let all_but_b = ApplicableTo::parse(
            &json!({"included_all": true, "excluded": [{"object": "product", "id": "b"}]}),
        )
        .unwrap()
        .unwrap();
        assert_eq!(all_but_b.lines(&items, &Collections::new()), vec![0, 2]);
    }

    #[test]
    fn cheapest_and_collections() {
        let items = [item("a", 100), item("b", 300), item("c", 200)];
        let mut collections = Collections::new();
        collections.insert(
            "pc_1".into(),
            vec![
                ProductRef {
                    object: "product".into(),
                    id: "b".into(),
                    source_id: None,
                },
                ProductRef {
                    object: "product".into(),
                    id: "c".into(),
                    source_id: None,
                },
            ],
        );
        let at = ApplicableTo::parse(&json!({"included": [{"object": "products_collection", "id": "pc_1", "effect": "APPLY_TO_CHEAPEST"}]})).unwrap().unwrap();
        assert_eq!(at.lines(&items, &collections), vec![2]);
        assert!(
            ApplicableTo::parse(&json!({"included": [{"object": "shelf", "id": "x"}]})).is_err()
        );
        assert!(
            ApplicableTo::parse(
                &json!({"included": [{"object": "product", "id": "x", "effect": "APPLY_TO_ALL"}]})
            )
            .is_err()
        );
    }
}
