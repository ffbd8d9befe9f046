//! An ordered table of one resource: lookup by id or by an alias (`code`, `source_id`), and
//! listing newest first.
//!
//! Costs, for a table of n rows: `put`, `get`, `resolve`, `alias` and `remove` are O(1)
//! (a removal leaves a hole that a later compaction closes, amortised O(1)); `len` is O(1);
//! listing is lazy, so the first page of `newest_first()` costs a page, not n. Rows sit in
//! one vector in insertion order, so a million rows cost one allocation, not a million.

use std::collections::HashMap;

#[derive(Debug)]
pub struct Table<T> {
    /// Rows in insertion order; `None` where a row was removed.
    slots: Vec<Option<T>>,
    /// Key → position in `slots`.
    index: HashMap<Box<str>, usize>,
    aliases: HashMap<String, String>,
    /// Holes in `slots`.
    holes: usize,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Self {
            slots: Vec::new(),
            index: HashMap::new(),
            aliases: HashMap::new(),
            holes: 0,
        }
    }
}

impl<T> Table<T> {
    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Room for `additional` more rows without growing (bulk imports).
    pub fn reserve(&mut self, additional: usize) {
        self.slots.reserve(additional);
        self.index.reserve(additional);
    }

    /// Inserts or replaces the row under `key` (a replaced row keeps its place in the order).
    pub fn put(&mut self, key: String, row: T) {
        if let Some(&at) = self.index.get(key.as_str()) {
            self.slots[at] = Some(row);
            return;
        }
        self.index.insert(key.into_boxed_str(), self.slots.len());
        self.slots.push(Some(row));
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
        if let Some((k, _)) = self.index.get_key_value(key_or_alias) {
            return Some(k);
        }
        let key = self.aliases.get(key_or_alias)?;
        self.index.get_key_value(key.as_str()).map(|(k, _)| &**k)
    }

    fn position(&self, key_or_alias: &str) -> Option<usize> {
        match self.index.get(key_or_alias) {
            Some(&at) => Some(at),
            None => {
                let key = self.aliases.get(key_or_alias)?;
                self.index.get(key.as_str()).copied()
            }
        }
    }

    pub fn get(&self, key_or_alias: &str) -> Option<&T> {
        let at = self.position(key_or_alias)?;
        self.slots[at].as_ref()
    }

    pub fn get_mut(&mut self, key_or_alias: &str) -> Option<&mut T> {
        let at = self.position(key_or_alias)?;
        self.slots[at].as_mut()
    }

    pub fn contains(&self, key_or_alias: &str) -> bool {
        self.position(key_or_alias).is_some()
    }

    /// Removes the row found by key or alias (its aliases stop resolving).
    pub fn remove(&mut self, key_or_alias: &str) -> Option<T> {
        let key: Box<str> = self.resolve(key_or_alias)?.into();
        let at = self.index.remove(&key)?;
        let row = self.slots[at].take()?;
        self.holes += 1;
        if self.holes > 64 && self.holes * 2 > self.slots.len() {
            self.compact();
        }
        Some(row)
    }

    /// Closes the holes left by removals, keeping the order.
    fn compact(&mut self) {
        let mut moved_to = Vec::with_capacity(self.slots.len());
        let mut next = 0;
        for slot in &self.slots {
            moved_to.push(next);
            next += usize::from(slot.is_some());
        }
        self.slots.retain(Option::is_some);
        for at in self.index.values_mut() {
            *at = moved_to[*at];
        }
        self.holes = 0;
    }

    /// Rows newest first (lazy: taking a page costs the page).
    pub fn newest_first(&self) -> impl DoubleEndedIterator<Item = &T> {
        self.slots.iter().rev().filter_map(Option::as_ref)
    }

    /// Rows oldest first (lazy).
    pub fn oldest_first(&self) -> impl DoubleEndedIterator<Item = &T> {
        self.slots.iter().filter_map(Option::as_ref)
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

    #[test]
    fn removals_keep_order_and_lookups_across_compactions() {
        let mut t = Table::default();
        for n in 0..1_000 {
            t.put(format!("k{n}"), n);
            t.alias(format!("id{n}"), format!("k{n}"));
        }
        for n in (0..1_000).filter(|n| n % 3 != 0) {
            assert_eq!(t.remove(&format!("id{n}")), Some(n));
        }
        let left: Vec<i32> = (0..1_000).filter(|n| n % 3 == 0).collect();
        assert_eq!(t.len(), left.len());
        assert_eq!(t.oldest_first().copied().collect::<Vec<_>>(), left);
        for n in &left {
            assert_eq!(t.get(&format!("id{n}")), Some(n));
            assert_eq!(t.resolve(&format!("id{n}")), Some(format!("k{n}").as_str()));
        }
        assert!(t.get("k1").is_none() && !t.contains("id2"));
        t.put("k1".into(), 7);
        assert_eq!(t.newest_first().next(), Some(&7));
        assert_eq!(t.remove("nope"), None);
    }
}
