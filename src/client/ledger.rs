//! What a run creates on a shared (live) project, so that it can be found and deleted again.
//!
//! Every object a run creates carries the run: its code, source id or name starts with the
//! run's prefix (`HR<run id>-`), and the client stamps `metadata.harness_run_id` into the
//! objects it creates ([`stamp`]). The client reads every answer that changed data, and the
//! objects in it that carry the run go into the [`Ledger`] ([`objects_in`]), which a file keeps
//! across processes so that `voucherify-harness cleanup --run-id ID` can finish what a run left.
//! Only objects that carry the run are ever recorded, so cleanup never touches anything else.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The metadata key that names the run an object belongs to.
pub const RUN_ID_KEY: &str = "harness_run_id";

/// An API call as path segments and query pairs.
pub type Call = (Vec<String>, Vec<(&'static str, String)>);

/// The kinds of object a run can create.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Voucher,
    Campaign,
    ValidationRule,
    Segment,
    Customer,
    Product,
    Category,
    Reward,
    Order,
    Redemption,
    RedemptionRollback,
    Publication,
}

impl Kind {
    /// The kind of an API object, by its `object` field.
    pub fn from_object(object: &str) -> Option<Self> {
        Some(match object {
            "voucher" => Self::Voucher,
            "campaign" => Self::Campaign,
            "validation_rules" => Self::ValidationRule,
            "segment" => Self::Segment,
            "customer" => Self::Customer,
            "product" => Self::Product,
            "category" => Self::Category,
            "reward" => Self::Reward,
            "order" => Self::Order,
            "redemption" => Self::Redemption,
            "redemption_rollback" => Self::RedemptionRollback,
            "publication" => Self::Publication,
            _ => return None,
        })
    }

    /// False for what the API has no way to delete: orders, redemptions, rollbacks and
    /// publications.
    pub fn deletable(self) -> bool {
        !matches!(
            self,
            Self::Order | Self::Redemption | Self::RedemptionRollback | Self::Publication
        )
    }

    /// `2 vouchers`, `1 campaign`.
    pub fn count(self, n: usize) -> String {
        let (one, many) = match self {
            Self::Voucher => ("voucher", "vouchers"),
            Self::Campaign => ("campaign", "campaigns"),
            Self::ValidationRule => ("validation rule", "validation rules"),
            Self::Segment => ("segment", "segments"),
            Self::Customer => ("customer", "customers"),
            Self::Product => ("product", "products"),
            Self::Category => ("category", "categories"),
            Self::Reward => ("reward", "rewards"),
            Self::Order => ("order", "orders"),
            Self::Redemption => ("redemption", "redemptions"),
            Self::RedemptionRollback => ("redemption rollback", "redemption rollbacks"),
            Self::Publication => ("publication", "publications"),
        };
        format!("{n} {}", if n == 1 { one } else { many })
    }

    /// The path of the API call that deletes an object of this kind (`None`: no such call).
    /// Vouchers are deleted by code, the others by id; `force=true` deletes for good instead
    /// of moving to the bin.
    pub fn delete_call(self, entry: &Entry) -> Option<Call> {
        let force = vec![("force", "true".to_string())];
        let (resource, key, query) = match self {
            Self::Voucher => ("vouchers", entry.label.clone(), force),
            Self::Campaign => ("campaigns", entry.id.clone(), force),
            Self::Product => ("products", entry.id.clone(), force),
            Self::ValidationRule => ("validation-rules", entry.id.clone(), Vec::new()),
            Self::Segment => ("segments", entry.id.clone(), Vec::new()),
            Self::Customer => ("customers", entry.id.clone(), Vec::new()),
            Self::Category => ("categories", entry.id.clone(), Vec::new()),
            Self::Reward => ("rewards", entry.id.clone(), Vec::new()),
            Self::Order | Self::Redemption | Self::RedemptionRollback | Self::Publication => {
                return None;
            }
        };
        Some((vec!["v1".into(), resource.into(), key], query))
    }
}

/// One object a run created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub kind: Kind,
    pub id: String,
    /// The code of a voucher, else the name or source id the object was given (may be empty).
    #[serde(default)]
    pub label: String,
    /// The scenario that created it (`features/coupons/discounts.feature:7`).
    #[serde(default)]
    pub scenario: String,
    /// The campaign a voucher belongs to (deleting the campaign deletes the voucher).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign_id: Option<String>,
}

/// What a ledger file holds: the run, the project it ran on, and what it created.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerFile {
    pub run_id: String,
    /// The API base URL of the project (without credentials).
    pub base_url: String,
    pub app_id: String,
    #[serde(default)]
    pub started_at: String,
    #[serde(default)]
    pub objects: Vec<Entry>,
}

/// The objects of one run, kept in memory and, when it has a path, in a file rewritten after
/// every change (so a run that is stopped half-way still leaves its ledger).
#[derive(Debug, Clone)]
pub struct Ledger {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug)]
struct Inner {
    file: LedgerFile,
    path: Option<PathBuf>,
    /// The first error writing the file, if any.
    write_error: Option<String>,
}

impl Ledger {
    /// An empty ledger of `run_id`, kept at `path` (only in memory when `None`).
    pub fn new(file: LedgerFile, path: Option<PathBuf>) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Inner {
                file,
                path,
                write_error: None,
            })),
        }
    }

    /// The ledger kept at `path`.
    pub fn open(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the ledger {}: {e}", path.display()))?;
        let file: LedgerFile = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not a ledger of this harness: {e}", path.display()))?;
        Ok(Self::new(file, Some(path.to_path_buf())))
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Every change below replaces whole values, so a poisoned lock holds a usable ledger.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn run_id(&self) -> String {
        self.inner().file.run_id.clone()
    }

    pub fn file(&self) -> LedgerFile {
        self.inner().file.clone()
    }

    pub fn path(&self) -> Option<PathBuf> {
        self.inner().path.clone()
    }

    pub fn entries(&self) -> Vec<Entry> {
        self.inner().file.objects.clone()
    }

    /// The first error met writing the ledger file, if any.
    pub fn write_error(&self) -> Option<String> {
        self.inner().write_error.clone()
    }

    /// Adds the entries not in the ledger yet (same kind and id), and saves.
    pub fn record(&self, entries: Vec<Entry>) {
        let mut inner = self.inner();
        let before = inner.file.objects.len();
        for e in entries {
            // A voucher is known by its id and by its code, a customer by its id and by its
            // source id.
            let same = |o: &Entry| {
                o.kind == e.kind
                    && (o.id == e.id
                        || (matches!(e.kind, Kind::Voucher | Kind::Customer)
                            && !e.label.is_empty()
                            && o.label == e.label))
            };
            if !inner.file.objects.iter().any(same) {
                inner.file.objects.push(e);
            }
        }
        if inner.file.objects.len() != before {
            save(&mut inner);
        }
    }

    /// Forgets the entries for which `gone` is true, and saves.
    pub fn forget(&self, gone: impl Fn(&Entry) -> bool) {
        let mut inner = self.inner();
        inner.file.objects.retain(|e| !gone(e));
        save(&mut inner);
    }

    /// Entries per kind.
    pub fn counts(&self) -> BTreeMap<Kind, usize> {
        let mut out = BTreeMap::new();
        for e in &self.inner().file.objects {
            *out.entry(e.kind).or_insert(0) += 1;
        }
        out
    }
}

/// Writes the ledger file next to itself, then moves it in place.
fn save(inner: &mut Inner) {
    let Some(path) = inner.path.clone() else {
        return;
    };
    let result = (|| -> std::io::Result<()> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let text = serde_json::to_string_pretty(&inner.file).unwrap_or_default();
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, text + "\n")?;
        std::fs::rename(&tmp, &path)
    })();
    if let Err(e) = result
        && inner.write_error.is_none()
    {
        inner.write_error = Some(format!("cannot write the ledger {}: {e}", path.display()));
    }
}

/// The ledger file of run `run_id` in `dir`.
pub fn ledger_path(dir: &Path, run_id: &str) -> PathBuf {
    dir.join(format!("{run_id}.json"))
}

/// What a scenario's client needs to mark what it creates: the run, the scenario, the ledger.
#[derive(Debug, Clone)]
pub struct RunMark {
    pub run_id: String,
    /// `HR<run id>-`: the start of every code, name and source id of the run.
    pub prefix: String,
    /// The scenario (`features/coupons/discounts.feature:7`).
    pub scenario: String,
    pub ledger: Ledger,
}

impl RunMark {
    /// Stamps a request body that creates objects (see [`stamp`]).
    pub fn stamp(&self, method: &Method, segments: &[&str], body: &mut Value) {
        stamp(method, segments, body, &self.run_id);
    }

    /// Records the objects of the run in an answer to a call that changed data.
    pub fn observe(&self, method: &Method, segments: &[&str], status: u16, body: &str) {
        // Reads and evaluations (validations, qualifications) create nothing.
        let reads = super::retry::Safety::of(method, segments) == super::retry::Safety::Read;
        if reads || *method == Method::DELETE {
            return;
        }
        let Ok(answer) = serde_json::from_str::<Value>(body) else {
            return;
        };
        let mut found = Vec::new();
        if (200..300).contains(&status) {
            found = objects_in(&answer, &self.run_id, &self.prefix);
        } else if answer["resource_type"] == "redemption"
            && let Some(id) = answer["resource_id"].as_str()
            && redeems(segments)
        {
            // A refused redemption is recorded by the API too (`rf_...`).
            found.push(Entry {
                kind: Kind::Redemption,
                id: id.to_string(),
                label: "failed".into(),
                scenario: String::new(),
                campaign_id: None,
            });
        }
        for e in &mut found {
            e.scenario = self.scenario.clone();
        }
        if !found.is_empty() {
            self.ledger.record(found);
        }
    }
}

impl RunMark {
    /// Records the customers a request that changed data names by a source id of the run: the
    /// API upserts them (with a redemption, even a refused one, an event, a publication, a
    /// referral's holders) and its answer may not show them. They are deleted by source id.
    pub fn observe_sent(&self, method: &Method, segments: &[&str], request: Option<&[u8]>) {
        let reads = super::retry::Safety::of(method, segments) == super::retry::Safety::Read;
        if reads || *method == Method::DELETE {
            return;
        }
        let Some(Ok(body)) = request.map(serde_json::from_slice::<Value>) else {
            return;
        };
        let mut found = Vec::new();
        named_customers(&body, None, &self.prefix, &mut found);
        let entries: Vec<Entry> = found
            .into_iter()
            .map(|source_id| Entry {
                kind: Kind::Customer,
                id: source_id.clone(),
                label: source_id,
                scenario: self.scenario.clone(),
                campaign_id: None,
            })
            .collect();
        if !entries.is_empty() {
            self.ledger.record(entries);
        }
    }
}

/// The source ids of the run in objects under a `customer`, `referrer` or `holders` key.
fn named_customers(value: &Value, key: Option<&str>, prefix: &str, out: &mut Vec<String>) {
    let names_customer = matches!(key, Some("customer" | "referrer" | "holders"));
    match value {
        Value::Object(map) => {
            if names_customer
                && let Some(id) = map.get("source_id").and_then(Value::as_str)
                && id.starts_with(prefix)
                && !out.iter().any(|o| o == id)
            {
                out.push(id.to_string());
            }
            for (k, v) in map {
                named_customers(v, Some(k), prefix, out);
            }
        }
        // The elements of a `holders` list are customers too.
        Value::Array(items) => {
            for v in items {
                named_customers(v, key, prefix, out);
            }
        }
        _ => {}
    }
}

fn redeems(segments: &[&str]) -> bool {
    segments
        .iter()
        .any(|s| matches!(*s, "redemptions" | "redemption"))
}

/// Puts `metadata.harness_run_id` into the objects a request creates: the voucher, campaign,
/// customer, product or order it creates, and for a redemption the redemption itself and the
/// customer and order the API records with it. Other requests are left as they are.
pub fn stamp(method: &Method, segments: &[&str], body: &mut Value, run_id: &str) {
    if *method != Method::POST {
        return;
    }
    let path: Vec<&str> = segments
        .iter()
        .copied()
        .skip_while(|s| *s == "client")
        .collect();
    let (top, nested) = match path.as_slice() {
        ["v1", "vouchers"] | ["v1", "vouchers", _] => (true, false),
        [
            "v1",
            "campaigns" | "customers" | "products" | "orders" | "publications",
        ] => (true, false),
        ["v1", "redemptions"] | ["v1", "vouchers", _, "redemption"] => (true, true),
        _ => return,
    };
    let mark = |object: &mut Value| {
        let Value::Object(map) = object else {
            return;
        };
        let metadata = map
            .entry("metadata")
            .or_insert_with(|| Value::Object(Default::default()));
        if metadata.is_null() {
            *metadata = Value::Object(Default::default());
        }
        if let Value::Object(m) = metadata {
            m.insert(RUN_ID_KEY.into(), Value::String(run_id.to_string()));
        }
    };
    if nested {
        for key in ["customer", "order"] {
            if let Some(object) = body.get_mut(key) {
                mark(object);
            }
        }
    }
    if top {
        mark(body);
    }
}

/// True when an object carries the run: its code, source id or name starts with the run's
/// prefix, or its metadata names the run.
fn carries_run(node: &serde_json::Map<String, Value>, run_id: &str, prefix: &str) -> bool {
    let named = ["code", "source_id", "name"].iter().any(|k| {
        node.get(*k)
            .and_then(Value::as_str)
            .is_some_and(|v| v.starts_with(prefix))
    });
    let stamped = node
        .get("metadata")
        .and_then(|m| m.get(RUN_ID_KEY))
        .and_then(Value::as_str)
        == Some(run_id);
    named || stamped
}

/// Every object in an answer (at any depth) that has a known `object` kind and an `id`, and
/// carries the run.
pub fn objects_in(answer: &Value, run_id: &str, prefix: &str) -> Vec<Entry> {
    let mut out = Vec::new();
    walk(answer, run_id, prefix, &mut out);
    out
}

fn walk(value: &Value, run_id: &str, prefix: &str, out: &mut Vec<Entry>) {
    match value {
        Value::Object(map) => {
            let kind = map
                .get("object")
                .and_then(Value::as_str)
                .and_then(Kind::from_object);
            let id = map.get("id").and_then(Value::as_str);
            if let (Some(kind), Some(id)) = (kind, id)
                && !id.is_empty()
                && carries_run(map, run_id, prefix)
                && !out.iter().any(|e: &Entry| e.kind == kind && e.id == id)
            {
                let text = |k: &str| map.get(k).and_then(Value::as_str).map(str::to_string);
                // A voucher named by its code alone has the code as its id.
                let code = text("code").or_else(|| (kind == Kind::Voucher).then(|| id.to_string()));
                // Customers and products are known by their source id (the shop's own).
                let label = if matches!(kind, Kind::Customer | Kind::Product) {
                    text("source_id").or(code).or_else(|| text("name"))
                } else {
                    code.or_else(|| text("name")).or_else(|| text("source_id"))
                };
                out.push(Entry {
                    kind,
                    id: id.to_string(),
                    label: label.unwrap_or_default(),
                    scenario: String::new(),
                    campaign_id: text("campaign_id"),
                });
            }
            for v in map.values() {
                walk(v, run_id, prefix, out);
            }
        }
        Value::Array(items) => {
            for v in items {
                walk(v, run_id, prefix, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn creating_requests_are_stamped_and_others_are_not() {
        let mut voucher = json!({"code": "HRX-1-SPRING10", "metadata": {"shop": "a"}});
        stamp(
            &Method::POST,
            &["v1", "vouchers", "HRX-1-SPRING10"],
            &mut voucher,
            "X",
        );
        assert_eq!(
            voucher["metadata"],
            json!({"shop": "a", "harness_run_id": "X"})
        );

        let mut redemption = json!({"redeemables": [], "customer": {"source_id": "s"}, "order": {"amount": 1}, "metadata": null});
        stamp(
            &Method::POST,
            &["client", "v1", "redemptions"],
            &mut redemption,
            "X",
        );
        for key in ["customer", "order"] {
            assert_eq!(redemption[key]["metadata"][RUN_ID_KEY], "X", "{key}");
        }
        assert_eq!(redemption["metadata"][RUN_ID_KEY], "X");

        for (method, path) in [
            (Method::POST, vec!["v1", "validations"]),
            (Method::PUT, vec!["v1", "vouchers", "C"]),
            (Method::POST, vec!["v1", "vouchers", "C", "disable"]),
            (Method::POST, vec!["v1", "validation-rules"]),
        ] {
            let mut body = json!({"customer": {"source_id": "s"}});
            stamp(&method, &path, &mut body, "X");
            assert_eq!(body, json!({"customer": {"source_id": "s"}}), "{path:?}");
        }
    }

    #[test]
    fn only_objects_that_carry_the_run_are_found() {
        let answer = json!({
            "redemptions": [{
                "id": "r_1", "object": "redemption", "metadata": {"harness_run_id": "X"},
                "voucher": {"id": "v_1", "object": "voucher", "code": "HRX-2-SPRING10", "campaign_id": null},
                "customer": {"id": "cust_1", "object": "customer", "source_id": "HRX-2-alice"},
            }],
            "order": {"id": "ord_1", "object": "order", "metadata": {"harness_run_id": "X"}},
            "other": {"id": "v_9", "object": "voucher", "code": "SOMEONE-ELSES"},
            "stale": {"id": "cust_9", "object": "customer", "metadata": {"harness_run_id": "Y"}},
            "tier": {"id": "promo_1", "object": "promotion_tier", "name": "HRX-2-Gold"},
        });
        let found = objects_in(&answer, "X", "HRX-");
        let kinds: Vec<(Kind, &str, &str)> = found
            .iter()
            .map(|e| (e.kind, e.id.as_str(), e.label.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                (Kind::Redemption, "r_1", ""),
                (Kind::Voucher, "v_1", "HRX-2-SPRING10"),
                (Kind::Customer, "cust_1", "HRX-2-alice"),
                (Kind::Order, "ord_1", ""),
            ]
        );
    }

    #[test]
    fn customers_a_request_names_are_recorded_once_by_source_id() {
        let ledger = Ledger::new(
            LedgerFile {
                run_id: "X".into(),
                ..LedgerFile::default()
            },
            None,
        );
        let mark = RunMark {
            run_id: "X".into(),
            prefix: "HRX-".into(),
            scenario: "f.feature:3".into(),
            ledger: ledger.clone(),
        };
        let redemption = json!({
            "redeemables": [{"object": "voucher", "id": "HRX-1-A"}],
            "customer": {"source_id": "HRX-1-alice"},
            "order": {"items": [{"source_id": "HRX-1-Mug", "quantity": 1}]}
        });
        let bytes = redemption.to_string().into_bytes();
        mark.observe_sent(&Method::POST, &["v1", "redemptions"], Some(&bytes));
        let holders =
            json!({"holders": [{"source_id": "HRX-1-bob"}, {"source_id": "someone-else"}]});
        let bytes = holders.to_string().into_bytes();
        let path = ["v1", "referrals", "camp_1", "members", "C", "holders"];
        mark.observe_sent(&Method::POST, &path, Some(&bytes));
        // A check creates nothing.
        let check = json!({"customer": {"source_id": "HRX-1-carol"}}).to_string();
        mark.observe_sent(
            &Method::POST,
            &["v1", "validations"],
            Some(check.as_bytes()),
        );
        // The answer that shows Alice by her id does not add her twice.
        let answer = json!({"customer": {"id": "cust_1", "object": "customer", "name": "Alice", "source_id": "HRX-1-alice"}});
        mark.observe(
            &Method::POST,
            &["v1", "redemptions"],
            200,
            &answer.to_string(),
        );
        let labels: Vec<(Kind, String)> = ledger
            .entries()
            .into_iter()
            .map(|e| (e.kind, e.label))
            .collect();
        assert_eq!(
            labels,
            [
                (Kind::Customer, "HRX-1-alice".to_string()),
                (Kind::Customer, "HRX-1-bob".to_string())
            ]
        );
    }

    #[test]
    fn a_refused_redemption_is_recorded_and_the_file_follows_the_ledger() {
        let dir = std::env::temp_dir().join(format!("ledger-test-{}", std::process::id()));
        let path = ledger_path(&dir, "X");
        let ledger = Ledger::new(
            LedgerFile {
                run_id: "X".into(),
                ..LedgerFile::default()
            },
            Some(path.clone()),
        );
        let mark = RunMark {
            run_id: "X".into(),
            prefix: "HRX-".into(),
            scenario: "f.feature:3".into(),
            ledger: ledger.clone(),
        };
        let refused = json!({"code": 400, "key": "quantity_exceeded", "resource_id": "rf_1", "resource_type": "redemption"});
        mark.observe(
            &Method::POST,
            &["v1", "redemptions"],
            400,
            &refused.to_string(),
        );
        let created = json!({"id": "v_1", "object": "voucher", "code": "HRX-1-A"});
        mark.observe(
            &Method::POST,
            &["v1", "vouchers", "HRX-1-A"],
            200,
            &created.to_string(),
        );
        mark.observe(
            &Method::POST,
            &["v1", "vouchers", "HRX-1-A"],
            200,
            &created.to_string(),
        );
        mark.observe(&Method::GET, &["v1", "vouchers"], 200, &created.to_string());
        let reread = Ledger::open(&path).unwrap();
        assert_eq!(reread.entries().len(), 2, "{:?}", reread.entries());
        assert_eq!(reread.entries()[1].scenario, "f.feature:3");
        ledger.forget(|e| e.kind == Kind::Voucher);
        assert_eq!(Ledger::open(&path).unwrap().counts().len(), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
