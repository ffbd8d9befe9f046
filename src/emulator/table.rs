//! An ordered table of one resource: lookup by id or by an alias (`code`, `source_id`), and
//! listing newest first.

use std::collections::HashMap;

#[derive(Debug)]
pub struct Table<T> {
    rows: HashMap<String, T>,
    order: Vec<String>,
    aliases: HashMap<String, String>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Self {
            rows: HashMap::new(),
            order: Vec::new(),
            aliases: HashMap::new(),
        }
    }
}

impl<T> Table<T> {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Inserts or replaces the row under `key`.
    pub fn put(&mut self, key: String, row: T) {
        if self.rows.insert(key.clone(), row).is_none() {
            self.order.push(key);
        }
    }

    /// Makes `alias` find the row under `key`.
    pub fn alias(&mut self, alias: String, key: String) {
        self.aliases.insert(alias, key);
    }

    pub fn unalias(&mut self, alias: &str) {
        self.aliases.remove(alias);
    }

    /// The key of the row found by key or alias.
    pub fn resolve(&self, key_or_alias: &str) -> Option<&str> {
        if let Some((k, _)) = self.rows.get_key_value(key_or_alias) {
            return Some(k.as_str());
        }
        self.aliases
            .get(key_or_alias)
            .filter(|k| self.rows.contains_key(*k))
            .map(String::as_str)
    }

    pub fn get(&self, key_or_alias: &str) -> Option<&T> {
        let key = self.resolve(key_or_alias)?;
        self.rows.get(key)
    }

    pub fn get_mut(&mut self, key_or_alias: &str) -> Option<&mut T> {
        let key = self.resolve(key_or_alias)?.to_string();
        self.rows.get_mut(&key)
    }

    pub fn contains(&self, key_or_alias: &str) -> bool {
        self.resolve(key_or_alias).is_some()
    }

    /// Removes the row found by key or alias (its aliases stop resolving).
    pub fn remove(&mut self, key_or_alias: &str) -> Option<T> {
        let key = self.resolve(key_or_alias)?.to_string();
        let row = self.rows.remove(&key)?;
        self.order.retain(|k| k != &key);
        Some(row)
    }

    /// Rows newest first.
    pub fn newest_first(&self) -> impl Iterator<Item = &T> {
        self.order.iter().rev().filter_map(|k| self.rows.get(k))
    }

    /// Rows oldest first.
    pub fn oldest_first(&self) -> impl Iterator<Item = &T> {
        self.order.iter().filter_map(|k| self.rows.get(k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_by_key_and_alias_and_lists_newest_first() {
        let mut t = Table::default();
        t.put("a".into(), 1);
        t.put("b".into(), 2);
        t.alias("src-b".into(), "b".into());
        assert_eq!(t.get("src-b"), Some(&2));
        assert_eq!(t.newest_first().copied().collect::<Vec<_>>(), vec![2, 1]);
        t.put("a".into(), 3);
        assert_eq!(t.oldest_first().copied().collect::<Vec<_>>(), vec![3, 2]);
        assert_eq!(t.remove("src-b"), Some(2));
        assert!(t.get("src-b").is_none());
        assert_eq!(t.len(), 1);
    }
}
