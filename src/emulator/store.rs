//! The emulator's state: isolated projects, each behind its own lock.
//!
//! Why these locks: the registry (`RwLock`) is read on every request to find a project by its
//! keys and written only when projects come and go; each project's data sits behind one
//! `RwLock` that a handler holds for the whole of one operation and never across an `.await`,
//! so a redemption checks and consumes in one critical section and projects never wait on each
//! other. Validations without a session, the busiest calls, run under the read side, side by
//! side: their ids come from an atomic counter and the audit log has a lock of its own.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::client_keys::ClientKeys;
use super::clock::Clock;
use super::conditions::Conditions;
use super::convert;
use super::error::ApiError;
use super::events::{Event, EventLog};
use super::hooks::Hooks;
use super::ids::{IdGen, mix};
use super::table::Table;
use super::voucher_table::VoucherTable;
use crate::engine::applicable::ApplicableTo;
use crate::engine::loyalty::Earning;
use crate::engine::rules::RuleSet;
use crate::engine::stack::StackingRules;
use crate::engine::time::Timestamp;
use crate::model::{
    Assignment, AsyncAction, Campaign, Category, Customer, EarningRule, Order, Product,
    PromotionTier, Publication, RedeemableHolder, Redemption, RedemptionRollback, Reward,
    RewardAssignment, Segment, Shared, StackingRulesView, Transaction, ValidationRule,
};

/// A validation rule with its parsed form.
#[derive(Debug, Clone)]
pub struct StoredRule {
    pub rule: ValidationRule,
    pub parsed: RuleSet,
    pub applicable_to: Option<ApplicableTo>,
}

/// An earning rule with its parsed formula and program.
#[derive(Debug, Clone)]
pub struct StoredEarningRule {
    pub rule: EarningRule,
    pub campaign_id: String,
    pub earning: Earning,
}

/// Points or credits one redemption took from a card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardDebit {
    pub code: String,
    pub points: i64,
    pub credits: i64,
}

/// A validation session holding codes (`ssn_...` or the shop's own key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub key: String,
    pub expires_at: Timestamp,
    pub locks: Vec<SessionLock>,
}

/// One code a session holds: a use, and the credits or points the validation would take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionLock {
    pub code: String,
    pub credits: i64,
    pub points: i64,
}

/// A static segment and its members (customer ids).
#[derive(Debug, Clone)]
pub struct StoredSegment {
    pub segment: Segment,
    pub members: std::collections::BTreeSet<String>,
}

/// Running totals of one budget owner (a campaign, or a standalone code), for the budget rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Budget {
    pub redemptions: i64,
    /// Redemptions per customer id.
    pub customers: HashMap<String, i64>,
    pub orders_amount: i64,
    pub amount_discounted: i64,
}

/// What one successful redemption added to a budget, so a rollback can take it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetEntry {
    pub owner: String,
    pub customer_id: Option<String>,
    pub order_amount: i64,
    pub discount: i64,
}

/// All data of one project.
#[derive(Debug)]
pub struct Project {
    pub id: String,
    pub name: String,
    pub created_at: Timestamp,
    pub clock: Clock,
    pub ids: IdGen,
    pub rng: StdRng,
    /// Webhooks, distributions, their deliveries and outbox, and the audit log.
    pub hooks: Hooks,
    /// Read through `stacking()`, set through `set_stacking`, which keeps the view beside them.
    stacking: StackingRules,
    /// The stacking rules as every validation answer writes them.
    stacking_view: Shared<StackingRulesView>,
    /// Keyed by code; aliased by voucher id.
    pub vouchers: VoucherTable,
    /// Keyed by id; aliased by source_id.
    pub customers: Table<Customer>,
    /// Keyed by id; aliased by source_id.
    pub products: Table<Product>,
    /// Keyed by id; aliased by source_id.
    pub orders: Table<Order>,
    /// Successful (`r_`) and failed (`rf_`) redemptions, keyed by id.
    pub redemptions: Table<Redemption>,
    /// Keyed by id (`rr_`).
    pub rollbacks: Table<RedemptionRollback>,
    /// Stacked parent id → child ids, in application order.
    pub children: HashMap<String, Vec<String>>,
    /// Keyed by id (`val_`).
    pub rules: Table<StoredRule>,
    /// Keyed by id (`asgm_`).
    pub assignments: Table<Assignment>,
    /// Keyed by id; aliased by name.
    pub campaigns: Table<Campaign>,
    /// Keyed by id (`promo_`).
    pub tiers: Table<PromotionTier>,
    /// Keyed by id; aliased by name.
    pub categories: Table<Category>,
    /// Keyed by id (`seg_`).
    pub segments: Table<StoredSegment>,
    /// Budget owner (campaign or standalone code id) → running totals.
    pub budgets: HashMap<String, Budget>,
    /// Redemption id → what it added to a budget.
    pub budget_entries: HashMap<String, BudgetEntry>,
    /// Everything that happened, for webhooks, distributions and activity feeds.
    pub events: EventLog,
    /// Card ledgers (`vtx_`), keyed by id.
    pub transactions: Table<Transaction>,
    /// Earning rules (`ern_`), keyed by id.
    pub earning_rules: Table<StoredEarningRule>,
    /// Rewards (`rew_`), keyed by id.
    pub rewards: Table<Reward>,
    /// Rewards assigned to programs (`rewa_`), keyed by id.
    pub reward_assignments: Table<RewardAssignment>,
    /// Redemption id → what it took from a card, for refunds.
    pub card_debits: HashMap<String, CardDebit>,
    /// Publications (`pub_`), keyed by id.
    pub publications: Table<Publication>,
    /// Bulk imports (`aa_`), keyed by id.
    pub async_actions: Table<AsyncAction>,
    /// Who holds which code (`rh_`): owners, referrers and referees, keyed by id.
    pub holders: Table<RedeemableHolder>,
    /// Validation sessions holding codes, keyed by session key.
    pub sessions: HashMap<String, Session>,
}

impl Project {
    fn new(id: String, name: String, salt: u64, created_at: Timestamp) -> Self {
        Self {
            id,
            name,
            created_at,
            clock: Clock::default(),
            ids: IdGen::new(salt),
            rng: StdRng::seed_from_u64(salt),
            hooks: Hooks::default(),
            stacking: StackingRules::default(),
            stacking_view: convert::stacking_view(&StackingRules::default()).into(),
            vouchers: VoucherTable::default(),
            customers: Table::default(),
            products: Table::default(),
            orders: Table::default(),
            redemptions: Table::default(),
            rollbacks: Table::default(),
            children: HashMap::new(),
            rules: Table::default(),
            assignments: Table::default(),
            campaigns: Table::default(),
            tiers: Table::default(),
            categories: Table::default(),
            segments: Table::default(),
            budgets: HashMap::new(),
            budget_entries: HashMap::new(),
            events: EventLog::default(),
            transactions: Table::default(),
            earning_rules: Table::default(),
            rewards: Table::default(),
            reward_assignments: Table::default(),
            card_debits: HashMap::new(),
            sessions: HashMap::new(),
            publications: Table::default(),
            async_actions: Table::default(),
            holders: Table::default(),
        }
    }

    /// Records an event of type `kind` about `entity_id`.
    pub fn emit(
        &mut self,
        kind: &str,
        entity_id: &str,
        customer_id: Option<&str>,
        data: serde_json::Value,
        now: Timestamp,
    ) {
        let id = self.ids.hex("evt_");
        self.events.push(Event {
            id,
            kind: kind.to_string(),
            created_at: now,
            entity_id: entity_id.to_string(),
            customer_id: customer_id.map(str::to_string),
            data,
            group_id: super::error::REQUEST_ID.try_with(Clone::clone).ok(),
        });
    }

    pub fn stacking(&self) -> &StackingRules {
        &self.stacking
    }

    /// The stacking rules as a validation answer writes them (written once, shared by every
    /// answer until the rules change).
    pub fn stacking_view(&self) -> Shared<StackingRulesView> {
        self.stacking_view.clone()
    }

    pub fn set_stacking(&mut self, rules: StackingRules) {
        self.stacking_view = convert::stacking_view(&rules).into();
        self.stacking = rules;
    }

    /// Wakes the project's dispatcher, if it has one, when events wait to be handed out; a call
    /// that emitted none (a validation, a read) leaves it asleep.
    pub fn hand_out_events(&self) {
        if self.events.len() > self.hooks.cursor {
            self.hooks.wake();
        }
    }

    /// Forgets every object, keeping identity, keys and clock.
    pub fn wipe(&mut self) {
        let keep = (
            self.id.clone(),
            self.name.clone(),
            self.created_at,
            self.clock,
        );
        let salt = self.rng.random();
        *self = Self::new(keep.0, keep.1, salt, keep.2);
        self.clock = keep.3;
    }
}

/// One project with its keys.
#[derive(Debug)]
pub struct ProjectSlot {
    pub id: String,
    pub name: String,
    pub app_id: String,
    pub secret_key: String,
    /// Many readers at once (validations decide under a read lock), one writer.
    data: RwLock<Project>,
    /// Faults and rate limits its calls meet (a lock of their own).
    pub conditions: Conditions,
    /// Client-side keys and allowed origins (a lock of their own).
    pub client_keys: ClientKeys,
    /// The secrets the audit log redacts (the secret key and the webhook secret made from it),
    /// worked out on the first call.
    pub audit_secrets: std::sync::OnceLock<Arc<[String]>>,
}

impl ProjectSlot {
    /// Locks the project's data to change it. A panic in another holder never leaves data
    /// half-written (handlers validate before they mutate), so a poisoned lock is safe to take
    /// over.
    pub fn lock(&self) -> RwLockWriteGuard<'_, Project> {
        self.data
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Reads the project's data, side by side with other readers.
    pub fn read(&self) -> RwLockReadGuard<'_, Project> {
        self.data
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// What a new project is made of (any part may be left for the emulator to choose).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ProjectSpec {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub app_id: Option<String>,
    #[serde(default)]
    pub secret_key: Option<String>,
}

/// A project's public description; `secret_key` is shown only when it is created.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProjectInfo {
    pub id: String,
    pub name: String,
    pub app_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key: Option<String>,
    pub created_at: Timestamp,
    #[serde(default)]
    pub object: String,
}

#[derive(Debug, Default)]
struct Registry {
    by_id: HashMap<String, Arc<ProjectSlot>>,
    by_app_id: HashMap<String, String>,
    order: Vec<String>,
}

/// The emulator's state handle; cheap to clone.
#[derive(Clone, Debug)]
pub struct Emulator {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    registry: RwLock<Registry>,
    seed: u64,
    counter: AtomicU64,
    default_project: String,
}

impl Emulator {
    /// An emulator with one default project made from `default`.
    pub fn new(default: ProjectSpec, now: Timestamp) -> Self {
        Self::with_seed(default, now, rand::rng().random())
    }

    /// The same, with the seed of its ids, request ids and generated codes given, so that a run
    /// can be repeated.
    pub fn with_seed(default: ProjectSpec, now: Timestamp, seed: u64) -> Self {
        let mut inner = Inner {
            registry: RwLock::new(Registry::default()),
            seed,
            counter: AtomicU64::new(0),
            default_project: String::new(),
        };
        let spec = ProjectSpec {
            name: default.name.or_else(|| Some("Default project".into())),
            ..default
        };
        let slot = inner.make_slot(spec, now);
        inner.default_project = slot.id.clone();
        inner.insert(slot);
        Self {
            inner: Arc::new(inner),
        }
    }

    pub fn default_project(&self) -> Arc<ProjectSlot> {
        self.project(&self.inner.default_project)
            .expect("the default project is never deleted")
    }

    /// A fresh request id (`v-` + 18 hex digits).
    pub fn next_request_id(&self) -> String {
        let n = self.inner.counter.fetch_add(1, Ordering::Relaxed);
        format!(
            "v-0c{:016x}",
            mix(self.inner.seed ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15))
        )
    }

    pub fn create_project(
        &self,
        spec: ProjectSpec,
        now: Timestamp,
    ) -> Result<ProjectInfo, ApiError> {
        if let Some(app_id) = &spec.app_id {
            if app_id.trim().is_empty() {
                return Err(ApiError::invalid_payload(
                    "Property .app_id should not be empty",
                ));
            }
            if self.read().by_app_id.contains_key(app_id) {
                return Err(ApiError::duplicate("project", app_id));
            }
        }
        if spec
            .secret_key
            .as_deref()
            .is_some_and(|k| k.trim().is_empty())
        {
            return Err(ApiError::invalid_payload(
                "Property .secret_key should not be empty",
            ));
        }
        let slot = self.inner.make_slot(spec, now);
        let mut info = info(&slot);
        info.secret_key = Some(slot.secret_key.clone());
        let mut registry = self.write();
        if registry.by_app_id.contains_key(&slot.app_id) {
            return Err(ApiError::duplicate("project", &slot.app_id));
        }
        Inner::insert_into(&mut registry, slot);
        Ok(info)
    }

    /// The project whose keys these are, if any.
    pub fn authenticate(&self, app_id: &str, secret_key: &str) -> Option<Arc<ProjectSlot>> {
        let registry = self.read();
        let id = registry.by_app_id.get(app_id)?;
        let slot = registry.by_id.get(id)?;
        constant_time_eq(slot.secret_key.as_bytes(), secret_key.as_bytes()).then(|| slot.clone())
    }

    pub fn project(&self, id: &str) -> Option<Arc<ProjectSlot>> {
        self.read().by_id.get(id).cloned()
    }

    /// The first project that `matches` (e.g. by its client-side keys).
    pub fn find(&self, matches: impl Fn(&ProjectSlot) -> bool) -> Option<Arc<ProjectSlot>> {
        self.read().by_id.values().find(|s| matches(s)).cloned()
    }

    pub fn projects(&self) -> Vec<ProjectInfo> {
        let registry = self.read();
        registry
            .order
            .iter()
            .filter_map(|id| registry.by_id.get(id))
            .map(|slot| info(slot))
            .collect()
    }

    /// Deletes a project; the default project cannot be deleted (it is wiped instead).
    pub fn delete_project(&self, id: &str) -> Result<(), ApiError> {
        if id == self.inner.default_project {
            let slot = self
                .project(id)
                .ok_or_else(|| ApiError::not_found("project", id))?;
            slot.lock().wipe();
            return Ok(());
        }
        let mut registry = self.write();
        let slot = registry
            .by_id
            .remove(id)
            .ok_or_else(|| ApiError::not_found("project", id))?;
        registry.by_app_id.remove(&slot.app_id);
        registry.order.retain(|p| p != id);
        Ok(())
    }

    /// Deletes every project but the default one, and wipes that one.
    pub fn reset(&self) {
        let default = self.default_project();
        {
            let mut registry = self.write();
            registry.by_id.retain(|id, _| *id == default.id);
            registry.by_app_id.retain(|_, id| *id == default.id);
            registry.order.retain(|id| *id == default.id);
        }
        default.lock().wipe();
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Registry> {
        self.inner
            .registry
            .read()
            .unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Registry> {
        self.inner
            .registry
            .write()
            .unwrap_or_else(|p| p.into_inner())
    }
}

impl Inner {
    fn make_slot(&self, spec: ProjectSpec, now: Timestamp) -> ProjectSlot {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let salt = mix(self.seed ^ (n + 1).wrapping_mul(0xa076_1d64_78bd_642f));
        let mut rng = StdRng::seed_from_u64(salt);
        let id = format!("proj_{}", &uuid_like(&mut rng).replace('-', "")[..24]);
        let name = spec.name.unwrap_or_else(|| format!("Project {}", n + 1));
        ProjectSlot {
            app_id: spec.app_id.unwrap_or_else(|| uuid_like(&mut rng)),
            secret_key: spec.secret_key.unwrap_or_else(|| uuid_like(&mut rng)),
            data: RwLock::new(Project::new(id.clone(), name.clone(), salt, now)),
            conditions: Conditions::default(),
            client_keys: ClientKeys::default(),
            audit_secrets: std::sync::OnceLock::new(),
            id,
            name,
        }
    }

    fn insert(&mut self, slot: ProjectSlot) {
        let registry = self.registry.get_mut().unwrap_or_else(|p| p.into_inner());
        Self::insert_into(registry, slot);
    }

    fn insert_into(registry: &mut Registry, slot: ProjectSlot) {
        registry
            .by_app_id
            .insert(slot.app_id.clone(), slot.id.clone());
        registry.order.push(slot.id.clone());
        registry.by_id.insert(slot.id.clone(), Arc::new(slot));
    }
}

fn info(slot: &ProjectSlot) -> ProjectInfo {
    ProjectInfo {
        id: slot.id.clone(),
        name: slot.name.clone(),
        app_id: slot.app_id.clone(),
        secret_key: None,
        created_at: slot.lock().created_at,
        object: "project".into(),
    }
}

/// A random key in the API's UUID format.
fn uuid_like(rng: &mut StdRng) -> String {
    let b: [u8; 16] = rng.random();
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Timestamp = Timestamp(1_700_000_000_000);

    #[test]
    fn projects_are_found_by_their_keys_only() {
        let emu = Emulator::new(
            ProjectSpec {
                app_id: Some("app".into()),
                secret_key: Some("secret".into()),
                name: None,
            },
            NOW,
        );
        assert!(emu.authenticate("app", "secret").is_some());
        assert!(emu.authenticate("app", "wrong").is_none());
        assert!(emu.authenticate("nope", "secret").is_none());
        let p = emu.create_project(ProjectSpec::default(), NOW).unwrap();
        let key = p.secret_key.clone().unwrap();
        let slot = emu.authenticate(&p.app_id, &key).unwrap();
        assert_eq!(slot.id, p.id);
        assert_ne!(p.id, emu.default_project().id);
    }

    #[test]
    fn app_ids_are_unique_and_reset_keeps_only_the_default() {
        let emu = Emulator::new(ProjectSpec::default(), NOW);
        let spec = ProjectSpec {
            app_id: Some("same".into()),
            ..ProjectSpec::default()
        };
        emu.create_project(spec.clone(), NOW).unwrap();
        assert_eq!(
            emu.create_project(spec, NOW).unwrap_err().status(),
            axum::http::StatusCode::CONFLICT
        );
        assert_eq!(emu.projects().len(), 2);
        emu.reset();
        assert_eq!(emu.projects().len(), 1);
    }

    #[test]
    fn request_ids_look_like_the_api() {
        let emu = Emulator::new(ProjectSpec::default(), NOW);
        let a = emu.next_request_id();
        assert_eq!(a.len(), 20);
        assert!(a.starts_with("v-0c"));
        assert_ne!(a, emu.next_request_id());
    }
}
