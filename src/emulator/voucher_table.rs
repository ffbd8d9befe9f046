//! A project's codes, stored compactly so that one project holds a million of them in a few
//! hundred megabytes: lookup by code or voucher id, listing in insertion order.
//!
//! A [`Voucher`] as the API returns it is close to a kilobyte inline (most of it fields that
//! a code rarely has); the table keeps a packed row instead: the fields every code has, inline;
//! the rest in one box that codes without them do not have; discounts shared between codes
//! that give the same one (a bulk import gives thousands of codes one discount). The indexes
//! hold row positions only, hashed by the row's own code and id, so no key is stored twice.
//!
//! Reading a code materialises a `Voucher`; [`VoucherTable::get_mut`] hands out a `Voucher`
//! that is packed back when the guard is dropped. Scans that only need the code, id, campaign,
//! holder or state go through [`Row`], which materialises nothing.
//!
//! Costs, for n codes: `put`, `get`, `get_mut`, `resolve`, `remove` are O(1) (a removal leaves
//! a hole that a later compaction closes, amortised O(1)); listing is lazy.

use std::borrow::Cow;
use std::hash::{BuildHasher, RandomState};
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use hashbrown::HashTable;

use crate::engine::time::Timestamp;
use crate::model::loyalty::{GiftState, LoyaltyCardState};
use crate::model::voucher::{DiscountSpec, VoucherPublish, VoucherRedemption, list_url};
use crate::model::{Metadata, Voucher};

/// Voucher types spelled by index (anything else is kept as text in [`Rest`]).
const KINDS: [&str; 3] = ["DISCOUNT_VOUCHER", "GIFT_VOUCHER", "LOYALTY_CARD"];
/// Discounts remembered for sharing.
const SHARED_DISCOUNTS: usize = 16;

/// What a code rarely has, boxed only when it has any of it.
#[derive(Debug, Default, PartialEq)]
struct Rest {
    kind: Option<String>,
    campaign: Option<String>,
    category: Option<String>,
    category_id: Option<String>,
    categories: Vec<serde_json::Value>,
    gift: Option<GiftState>,
    loyalty_card: Option<LoyaltyCardState>,
    validity_timeframe: Option<serde_json::Value>,
    validity_day_of_week: Option<Vec<u8>>,
    additional_info: Option<String>,
    metadata: Metadata,
    assets: serde_json::Value,
    redeemed_points: Option<i64>,
    redeemed_amount: Option<i64>,
    published: i64,
}

/// One code as the table keeps it.
#[derive(Debug)]
struct Packed {
    id: Box<str>,
    code: Box<str>,
    campaign_id: Option<Box<str>>,
    holder_id: Option<Box<str>>,
    discount: Option<Arc<DiscountSpec>>,
    quantity: Option<i64>,
    redeemed_quantity: i64,
    start_date: Option<Timestamp>,
    expiration_date: Option<Timestamp>,
    created_at: Option<Timestamp>,
    updated_at: Option<Timestamp>,
    rest: Option<Box<Rest>>,
    /// Index in [`KINDS`], or `u8::MAX` when `rest.kind` spells it.
    kind: u8,
    active: bool,
    is_referral_code: bool,
}

impl Packed {
    fn voucher(&self) -> Voucher {
        let rest = self.rest.as_deref();
        let code = self.code.to_string();
        let kind = match KINDS.get(usize::from(self.kind)) {
            Some(kind) => Cow::Borrowed(*kind),
            None => Cow::Owned(rest.and_then(|r| r.kind.clone()).unwrap_or_default()),
        };
        Voucher {
            id: self.id.to_string(),
            campaign: rest.and_then(|r| r.campaign.clone()),
            campaign_id: self.campaign_id.as_deref().map(str::to_string),
            category: rest.and_then(|r| r.category.clone()),
            category_id: rest.and_then(|r| r.category_id.clone()),
            categories: rest.map(|r| r.categories.clone()).unwrap_or_default(),
            kind,
            discount: self.discount.as_deref().cloned(),
            gift: rest.and_then(|r| r.gift.clone()),
            loyalty_card: rest.and_then(|r| r.loyalty_card.clone()),
            start_date: self.start_date,
            expiration_date: self.expiration_date,
            validity_timeframe: rest.and_then(|r| r.validity_timeframe.clone()),
            validity_day_of_week: rest.and_then(|r| r.validity_day_of_week.clone()),
            active: self.active,
            additional_info: rest.and_then(|r| r.additional_info.clone()),
            metadata: rest.map(|r| r.metadata.clone()).unwrap_or_default(),
            // `null` is written as the API's empty assets.
            assets: rest.map(|r| r.assets.clone()).unwrap_or_default(),
            is_referral_code: self.is_referral_code,
            holder_id: self.holder_id.as_deref().map(str::to_string),
            created_at: self.created_at,
            updated_at: self.updated_at,
            redemption: VoucherRedemption {
                quantity: self.quantity,
                redeemed_quantity: self.redeemed_quantity,
                redeemed_points: rest.and_then(|r| r.redeemed_points),
                redeemed_amount: rest.and_then(|r| r.redeemed_amount),
                object: "list".into(),
                url: list_url(&code, "redemptions"),
            },
            publish: VoucherPublish {
                object: "list".into(),
                count: rest.map_or(0, |r| r.published),
                url: list_url(&code, "publications"),
            },
            object: "voucher".into(),
            code,
        }
    }
}

/// A read-only view of a stored code for scans: nothing is materialised until
/// [`Row::voucher`].
#[derive(Clone, Copy, Debug)]
pub struct Row<'a>(&'a Packed);

impl<'a> Row<'a> {
    pub fn id(&self) -> &'a str {
        &self.0.id
    }

    pub fn code(&self) -> &'a str {
        &self.0.code
    }

    pub fn campaign_id(&self) -> Option<&'a str> {
        self.0.campaign_id.as_deref()
    }

    pub fn campaign(&self) -> Option<&'a str> {
        self.0.rest.as_deref().and_then(|r| r.campaign.as_deref())
    }

    pub fn category(&self) -> Option<&'a str> {
        self.0.rest.as_deref().and_then(|r| r.category.as_deref())
    }

    pub fn holder_id(&self) -> Option<&'a str> {
        self.0.holder_id.as_deref()
    }

    pub fn active(&self) -> bool {
        self.0.active
    }

    pub fn is_referral_code(&self) -> bool {
        self.0.is_referral_code
    }

    /// The code as the API returns it.
    pub fn voucher(&self) -> Voucher {
        self.0.voucher()
    }
}

/// Every code of a project.
#[derive(Debug, Default)]
pub struct VoucherTable {
    /// Rows in insertion order; `None` where a code was removed.
    slots: Vec<Option<Packed>>,
    /// Positions in `slots`, hashed by code.
    by_code: HashTable<u32>,
    /// Positions in `slots`, hashed by voucher id.
    by_id: HashTable<u32>,
    hasher: RandomState,
    holes: usize,
    /// Recently stored discounts, shared by the codes that give the same one.
    discounts: Vec<Arc<DiscountSpec>>,
}

impl VoucherTable {
    pub fn len(&self) -> usize {
        self.slots.len() - self.holes
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Room for `additional` more codes without growing (bulk imports).
    pub fn reserve(&mut self, additional: usize) {
        self.slots.reserve(additional);
        let hasher = &self.hasher;
        let slots = &self.slots;
        self.by_code.reserve(additional, |&at| {
            hasher.hash_one(row_at(slots, at).map_or("", |p| &*p.code))
        });
        self.by_id.reserve(additional, |&at| {
            hasher.hash_one(row_at(slots, at).map_or("", |p| &*p.id))
        });
    }

    fn find_code(&self, code: &str) -> Option<usize> {
        let hash = self.hasher.hash_one(code);
        self.by_code
            .find(hash, |&at| {
                row_at(&self.slots, at).is_some_and(|p| &*p.code == code)
            })
            .map(|&at| at as usize)
    }

    fn find_id(&self, id: &str) -> Option<usize> {
        let hash = self.hasher.hash_one(id);
        self.by_id
            .find(hash, |&at| {
                row_at(&self.slots, at).is_some_and(|p| &*p.id == id)
            })
            .map(|&at| at as usize)
    }

    /// The position of the code found by code or voucher id.
    fn position(&self, code_or_id: &str) -> Option<usize> {
        self.find_code(code_or_id)
            .or_else(|| self.find_id(code_or_id))
    }

    /// The code of the voucher found by code or id.
    pub fn resolve(&self, code_or_id: &str) -> Option<&str> {
        self.row(code_or_id).map(|r| r.code())
    }

    pub fn contains(&self, code_or_id: &str) -> bool {
        self.position(code_or_id).is_some()
    }

    /// A view of the code found by code or id.
    pub fn row(&self, code_or_id: &str) -> Option<Row<'_>> {
        let at = self.position(code_or_id)?;
        self.slots[at].as_ref().map(Row)
    }

    /// The voucher found by code or id.
    pub fn get(&self, code_or_id: &str) -> Option<Voucher> {
        self.row(code_or_id).map(|r| r.voucher())
    }

    /// The voucher found by code or id, to change: it is stored again when the guard drops.
    pub fn get_mut(&mut self, code_or_id: &str) -> Option<VoucherMut<'_>> {
        let at = self.position(code_or_id)?;
        let voucher = self.slots[at].as_ref()?.voucher();
        Some(VoucherMut {
            table: self,
            at,
            voucher,
        })
    }

    /// Stores `voucher` under its code: a new code goes last, a known one is replaced in place.
    pub fn put(&mut self, voucher: Voucher) {
        let packed = self.pack(voucher);
        match self.find_code(&packed.code) {
            Some(at) => self.replace(at, packed),
            None => {
                let at = u32::try_from(self.slots.len())
                    .expect("a project holds fewer than 4 billion codes");
                let code_hash = self.hasher.hash_one(&*packed.code);
                let id_hash = self.hasher.hash_one(&*packed.id);
                self.slots.push(Some(packed));
                let (hasher, slots) = (&self.hasher, &self.slots);
                self.by_code.insert_unique(code_hash, at, |&at| {
                    hasher.hash_one(row_at(slots, at).map_or("", |p| &*p.code))
                });
                self.by_id.insert_unique(id_hash, at, |&at| {
                    hasher.hash_one(row_at(slots, at).map_or("", |p| &*p.id))
                });
            }
        }
    }

    /// Puts `packed` at `at` (same code), re-indexing the id if it changed.
    fn replace(&mut self, at: usize, packed: Packed) {
        let old_id = self.slots[at].as_ref().map(|p| p.id.clone());
        if old_id.as_deref() != Some(&*packed.id) {
            if let Some(old) = old_id {
                self.unindex_id(&old, at);
            }
            let hash = self.hasher.hash_one(&*packed.id);
            self.slots[at] = Some(packed);
            let (hasher, slots) = (&self.hasher, &self.slots);
            self.by_id.insert_unique(hash, at as u32, |&at| {
                hasher.hash_one(row_at(slots, at).map_or("", |p| &*p.id))
            });
        } else {
            self.slots[at] = Some(packed);
        }
    }

    fn unindex_id(&mut self, id: &str, at: usize) {
        let hash = self.hasher.hash_one(id);
        if let Ok(entry) = self.by_id.find_entry(hash, |&a| a as usize == at) {
            entry.remove();
        }
    }

    fn unindex_code(&mut self, code: &str, at: usize) {
        let hash = self.hasher.hash_one(code);
        if let Ok(entry) = self.by_code.find_entry(hash, |&a| a as usize == at) {
            entry.remove();
        }
    }

    /// Removes the code found by code or id.
    pub fn remove(&mut self, code_or_id: &str) -> Option<Voucher> {
        let at = self.position(code_or_id)?;
        let packed = self.slots[at].take()?;
        self.unindex_code(&packed.code, at);
        self.unindex_id(&packed.id, at);
        self.holes += 1;
        if self.holes > 64 && self.holes * 2 > self.slots.len() {
            self.compact();
        }
        Some(packed.voucher())
    }

    /// Closes the holes left by removals, keeping the order, and indexes the rows again.
    fn compact(&mut self) {
        self.slots.retain(Option::is_some);
        self.holes = 0;
        self.by_code.clear();
        self.by_id.clear();
        let (hasher, slots) = (&self.hasher, &self.slots);
        for (at, packed) in slots.iter().enumerate() {
            let Some(p) = packed else { continue };
            self.by_code
                .insert_unique(hasher.hash_one(&*p.code), at as u32, |&at| {
                    hasher.hash_one(row_at(slots, at).map_or("", |p| &*p.code))
                });
            self.by_id
                .insert_unique(hasher.hash_one(&*p.id), at as u32, |&at| {
                    hasher.hash_one(row_at(slots, at).map_or("", |p| &*p.id))
                });
        }
    }

    /// Codes newest first (lazy: taking a page costs the page).
    pub fn newest_first(&self) -> impl Iterator<Item = Row<'_>> {
        self.slots.iter().rev().filter_map(|s| s.as_ref().map(Row))
    }

    /// Codes oldest first (lazy).
    pub fn oldest_first(&self) -> impl Iterator<Item = Row<'_>> {
        self.slots.iter().filter_map(|s| s.as_ref().map(Row))
    }

    /// A discount equal to one stored lately is shared with it.
    fn share(&mut self, discount: DiscountSpec) -> Arc<DiscountSpec> {
        if let Some(known) = self.discounts.iter().find(|d| ***d == discount) {
            return known.clone();
        }
        let shared = Arc::new(discount);
        if self.discounts.len() == SHARED_DISCOUNTS {
            self.discounts.remove(0);
        }
        self.discounts.push(shared.clone());
        shared
    }

    fn pack(&mut self, v: Voucher) -> Packed {
        let kind_at = KINDS.iter().position(|k| *k == v.kind);
        let assets = match v.assets {
            serde_json::Value::Object(map) if is_empty_assets(&map) => serde_json::Value::Null,
            other => other,
        };
        let rest = Rest {
            kind: if kind_at.is_none() {
                Some(v.kind.into_owned())
            } else {
                None
            },
            campaign: v.campaign,
            category: v.category,
            category_id: v.category_id,
            categories: v.categories,
            gift: v.gift,
            loyalty_card: v.loyalty_card,
            validity_timeframe: v.validity_timeframe,
            validity_day_of_week: v.validity_day_of_week,
            additional_info: v.additional_info,
            metadata: v.metadata,
            assets,
            redeemed_points: v.redemption.redeemed_points,
            redeemed_amount: v.redemption.redeemed_amount,
            published: v.publish.count,
        };
        Packed {
            id: v.id.into_boxed_str(),
            code: v.code.into_boxed_str(),
            campaign_id: v.campaign_id.map(String::into_boxed_str),
            holder_id: v.holder_id.map(String::into_boxed_str),
            discount: v.discount.map(|d| self.share(d)),
            quantity: v.redemption.quantity,
            redeemed_quantity: v.redemption.redeemed_quantity,
            start_date: v.start_date,
            expiration_date: v.expiration_date,
            created_at: v.created_at,
            updated_at: v.updated_at,
            rest: (rest != Rest::default()).then(|| Box::new(rest)),
            kind: kind_at.map_or(u8::MAX, |k| k as u8),
            active: v.active,
            is_referral_code: v.is_referral_code,
        }
    }
}

fn row_at(slots: &[Option<Packed>], at: u32) -> Option<&Packed> {
    slots.get(at as usize).and_then(Option::as_ref)
}

/// `{"qr": {}, "barcode": {}}`, what a code made here has.
fn is_empty_assets(map: &serde_json::Map<String, serde_json::Value>) -> bool {
    map.len() == 2
        && ["qr", "barcode"].iter().all(|k| {
            map.get(*k)
                .is_some_and(|v| v.as_object().is_some_and(|o| o.is_empty()))
        })
}

/// A stored code being changed; packed back into the table when dropped.
pub struct VoucherMut<'a> {
    table: &'a mut VoucherTable,
    at: usize,
    voucher: Voucher,
}

impl Deref for VoucherMut<'_> {
    type Target = Voucher;

    fn deref(&self) -> &Voucher {
        &self.voucher
    }
}

impl DerefMut for VoucherMut<'_> {
    fn deref_mut(&mut self) -> &mut Voucher {
        &mut self.voucher
    }
}

impl Drop for VoucherMut<'_> {
    fn drop(&mut self) {
        let voucher = std::mem::take(&mut self.voucher);
        let packed = self.table.pack(voucher);
        // The code is the row's key and does not change; anything else may.
        debug_assert!(
            self.table.slots[self.at]
                .as_ref()
                .is_some_and(|p| p.code == packed.code),
            "a stored code changed its code"
        );
        self.table.replace(self.at, packed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::voucher::DiscountSpec;

    fn code(code: &str, id: &str) -> Voucher {
        Voucher {
            id: id.into(),
            code: code.into(),
            kind: "DISCOUNT_VOUCHER".into(),
            discount: Some(DiscountSpec {
                kind: "AMOUNT".into(),
                amount_off: Some(500),
                ..DiscountSpec::default()
            }),
            active: true,
            ..Voucher::default()
        }
    }

    #[test]
    fn a_code_reads_back_as_it_was_stored() {
        let mut t = VoucherTable::default();
        let mut v = code("A", "v_1");
        v.campaign = Some("Spring".into());
        v.campaign_id = Some("camp_1".into());
        v.gift = Some(GiftState {
            amount: 100,
            balance: 40,
            effect: "APPLY_TO_ORDER".into(),
        });
        v.metadata.insert("legacy".into(), "L-1".into());
        v.redemption.quantity = Some(3);
        v.redemption.redeemed_quantity = 1;
        v.holder_id = Some("cust_1".into());
        v.start_date = Some(Timestamp(1));
        t.put(v.clone());
        let back = t.get("A").unwrap();
        assert_eq!(back.metadata, v.metadata);
        assert_eq!(back.gift, v.gift);
        assert_eq!(back.campaign, v.campaign);
        assert_eq!(back.redemption.quantity, Some(3));
        assert_eq!(back.redemption.redeemed_quantity, 1);
        assert_eq!(back.holder_id.as_deref(), Some("cust_1"));
        assert_eq!(back.start_date, Some(Timestamp(1)));
        assert_eq!(back.discount, v.discount);
        assert_eq!(
            back.redemption.url,
            "/v1/vouchers/A/redemptions?page=1&limit=10"
        );
        assert_eq!(t.get("v_1").unwrap().code, "A");
        let mut other = code("B", "v_2");
        other.kind = "SOMETHING_NEW".into();
        t.put(other);
        assert_eq!(t.get("B").unwrap().kind, "SOMETHING_NEW");
        assert_eq!(t.get("A").unwrap().kind, "DISCOUNT_VOUCHER");
    }

    #[test]
    fn changes_through_the_guard_are_kept_and_discounts_shared() {
        let mut t = VoucherTable::default();
        t.put(code("A", "v_1"));
        t.put(code("B", "v_2"));
        {
            let mut v = t.get_mut("v_2").unwrap();
            v.redemption.redeemed_quantity += 1;
            v.holder_id = Some("cust_9".into());
        }
        let b = t.get("B").unwrap();
        assert_eq!(b.redemption.redeemed_quantity, 1);
        assert_eq!(t.row("B").unwrap().holder_id(), Some("cust_9"));
        let (a, b) = (t.row("A").unwrap().0, t.row("B").unwrap().0);
        assert!(Arc::ptr_eq(
            a.discount.as_ref().unwrap(),
            b.discount.as_ref().unwrap()
        ));
        assert!(a.rest.is_none(), "a plain code has nothing boxed");
    }

    #[test]
    fn removals_keep_order_and_lookups_across_compactions() {
        let mut t = VoucherTable::default();
        for n in 0..1_000 {
            t.put(code(&format!("k{n}"), &format!("id{n}")));
        }
        for n in (0..1_000).filter(|n| n % 3 != 0) {
            assert_eq!(t.remove(&format!("id{n}")).unwrap().code, format!("k{n}"));
        }
        let left: Vec<String> = (0..1_000)
            .filter(|n| n % 3 == 0)
            .map(|n| format!("k{n}"))
            .collect();
        assert_eq!(t.len(), left.len());
        let order: Vec<&str> = t.oldest_first().map(|r| r.code()).collect();
        assert_eq!(order, left);
        for n in (0..1_000).filter(|n| n % 3 == 0) {
            assert_eq!(t.resolve(&format!("id{n}")), Some(format!("k{n}").as_str()));
        }
        assert!(t.get("k1").is_none() && !t.contains("id2"));
        t.put(code("k1", "id1"));
        assert_eq!(t.newest_first().next().unwrap().code(), "k1");
        assert!(t.remove("nope").is_none());
        // Replacing a code with a new id finds it by the new id only.
        t.put(code("k1", "id1b"));
        assert!(t.contains("id1b") && !t.contains("id1"));
        assert_eq!(t.len(), left.len() + 1);
    }
}
