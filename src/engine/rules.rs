//! Validation rules: a numbered set of rules combined by a `logic` expression, parsed once
//! (refusing bad definitions with a message that names the problem) and evaluated against the
//! facts of a checkout.
//!
//! Semantics the harness documents:
//! - `order.amount` is the cart as it stands at this point of a stack; `order.initial_amount`
//!   the cart before any discount.
//! - `order.items.count` counts order lines; `order.items.aggregated_quantity` sums units.
//! - Counters (`campaign.redemptions.count`, `campaign.redemptions.customers_count`,
//!   `redemption.count.per_customer`, `campaign.orders.amount`) are the values *before* this
//!   redemption, so a cap of N redemptions is `$less_than: [N]`. The discount budget
//!   `campaign.orders.amount_discounted` *includes* this redemption's discount, so
//!   `$less_than_or_equal: [budget]` never lets the campaign give more than its budget.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Map, Value};

use super::logic::{self, Logic};

/// An operator of a condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Is,
    IsNot,
    In,
    NotIn,
    LessThan,
    LessThanOrEqual,
    MoreThan,
    MoreThanOrEqual,
    CountMore,
    CountLess,
    StartsWith,
    EndsWith,
    Contains,
}

const OPERATORS: &[(&str, Op)] = &[
    ("$is", Op::Is),
    ("$is_not", Op::IsNot),
    ("$in", Op::In),
    ("$not_in", Op::NotIn),
    ("$less_than", Op::LessThan),
    ("$less_than_or_equal", Op::LessThanOrEqual),
    ("$more_than", Op::MoreThan),
    ("$more_than_or_equal", Op::MoreThanOrEqual),
    ("$greater_than", Op::MoreThan),
    ("$greater_than_or_equal", Op::MoreThanOrEqual),
    ("$count_more", Op::CountMore),
    ("$count_less", Op::CountLess),
    ("$starts_with", Op::StartsWith),
    ("$ends_with", Op::EndsWith),
    ("$contains", Op::Contains),
];

/// Rule names evaluated at the top of a rule set. `*` marks names that need a `property`.
const TOP_NAMES: &[&str] = &[
    "order.amount",
    "order.initial_amount",
    "order.items.count",
    "order.items.price_any",
    "order.items.price_each",
    "order.items.any",
    "order.items.every",
    "order.items.none",
    "order.items.cheapest",
    "order.items.most_expensive",
    "order.metadata*",
    "customer.segment",
    "customer.metadata*",
    "redemption.metadata*",
    "redemption.count.per_customer",
    "campaign.redemptions.count",
    "campaign.redemptions.customers_count",
    "campaign.orders.amount",
    "campaign.orders.amount_discounted",
    "product.id",
    "sku.id",
    "custom_event.metadata*",
];

/// Rule names allowed inside an `order.items.*` rule, about the matching items.
const ITEM_NAMES: &[&str] = &[
    "order.items.quantity",
    "order.items.aggregated_quantity",
    "order.items.price",
    "order.items.amount",
    "order.items.aggregated_amount",
    "order.items.metadata*",
];

/// Rules about items, which select items and may hold item rules.
const GROUP_NAMES: &[&str] = &[
    "order.items.any",
    "order.items.every",
    "order.items.none",
    "order.items.cheapest",
    "order.items.most_expensive",
];

#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    pub op: Op,
    pub values: Vec<Value>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub name: String,
    pub property: Option<String>,
    pub conditions: Vec<Condition>,
    /// Item rules under an `order.items.*` rule.
    pub sub: RuleSet,
    /// The rule's own `error.message`.
    pub error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct RuleSet {
    pub rules: BTreeMap<u32, Rule>,
    /// `None` with no rules; else the given logic or all rules `and`ed.
    pub logic: Option<Logic>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Top,
    Items,
}

/// Parses a `rules` object (`{"1": {...}, "2": {...}, "logic": "1 and 2"}`).
pub fn parse(value: &Value) -> Result<RuleSet, String> {
    parse_set(value, Level::Top, "")
}

fn parse_set(value: &Value, level: Level, at: &str) -> Result<RuleSet, String> {
    let map = match value {
        Value::Null => return Ok(RuleSet::default()),
        Value::Object(map) => map,
        _ => return Err(format!("Rules{at} should be an object of numbered rules")),
    };
    let mut rules = BTreeMap::new();
    let mut logic_text = None;
    for (key, rule) in map {
        if key == "logic" {
            match rule {
                Value::String(text) => logic_text = Some(text.clone()),
                Value::Null => {}
                _ => return Err(format!("Logic{at} should be a text such as \"1 and 2\"")),
            }
            continue;
        }
        let number: u32 =
            key.parse().ok().filter(|n| *n >= 1).ok_or_else(|| {
                format!("Rules{at} should be numbered from \"1\"; found key '{key}'")
            })?;
        rules.insert(
            number,
            parse_rule(rule, level, &format!("{at} {number}").replace("  ", " "))?,
        );
    }
    let defined: BTreeSet<u32> = rules.keys().copied().collect();
    let logic = match logic_text.as_deref().map(str::trim) {
        Some(text) if !text.is_empty() => Some(logic::parse(text, &defined)?),
        _ => logic::all_of(&defined),
    };
    Ok(RuleSet { rules, logic })
}

fn parse_rule(value: &Value, level: Level, at: &str) -> Result<Rule, String> {
    let obj = value
        .as_object()
        .ok_or_else(|| format!("Rule{at} should be an object with a name and conditions"))?;
    let name = obj
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("Rule{at} should have a 'name'"))?
        .to_string();
    let names = match level {
        Level::Top => TOP_NAMES,
        Level::Items => ITEM_NAMES,
    };
    let known = names
        .iter()
        .find(|n| n.trim_end_matches('*') == name)
        .ok_or_else(|| {
            let place = if level == Level::Items {
                "inside an items rule"
            } else {
                "at this level"
            };
            format!("Rule{at} has an unknown name '{name}' {place}")
        })?;
    let property = obj
        .get("property")
        .and_then(Value::as_str)
        .map(str::to_string);
    if known.ends_with('*') && property.as_deref().is_none_or(str::is_empty) {
        return Err(format!("Rule '{name}' must have a 'property'"));
    }
    let mut conditions = Vec::new();
    match obj.get("conditions") {
        None | Some(Value::Null) => {}
        Some(Value::Object(conds)) => {
            for (op_name, values) in conds {
                let op = OPERATORS
                    .iter()
                    .find(|(n, _)| n == op_name)
                    .map(|(_, op)| *op)
                    .ok_or_else(|| {
                        format!("Rule{at} ('{name}') has an unknown operator '{op_name}'")
                    })?;
                let values = match values {
                    Value::Array(v) => v.clone(),
                    other => vec![other.clone()],
                };
                if values.is_empty() {
                    return Err(format!(
                        "Rule{at} ('{name}') gives operator '{op_name}' no values"
                    ));
                }
                conditions.push(Condition { op, values });
            }
        }
        Some(_) => {
            return Err(format!(
                "Rule{at} ('{name}') should have 'conditions' as an object"
            ));
        }
    }
    let nested = obj.get("rules").cloned().unwrap_or(Value::Null);
    let has_nested = nested
        .as_object()
        .is_some_and(|m| m.keys().any(|k| k != "logic"));
    let sub = if GROUP_NAMES.contains(&name.as_str()) {
        parse_set(&nested, Level::Items, &format!("{at}."))?
    } else if has_nested {
        return Err(format!("Rule{at} ('{name}') cannot hold nested rules"));
    } else {
        RuleSet::default()
    };
    let error = obj
        .get("error")
        .and_then(|e| e.get("message"))
        .and_then(Value::as_str)
        .map(str::to_string);
    Ok(Rule {
        name,
        property,
        conditions,
        sub,
        error,
    })
}

impl RuleSet {
    /// True when some rule (at any depth) has one of these names.
    pub fn mentions(&self, names: &[&str]) -> bool {
        self.rules
            .values()
            .any(|r| names.contains(&r.name.as_str()) || r.sub.mentions(names))
    }

    /// Only the rules whose names start with `prefix` (the others dropped from the logic by
    /// counting as passed).
    pub fn only(&self, prefix: &str) -> RuleSet {
        RuleSet {
            rules: self
                .rules
                .iter()
                .filter(|(_, r)| r.name.starts_with(prefix))
                .map(|(k, r)| (*k, r.clone()))
                .collect(),
            logic: self.logic.clone(),
        }
    }
}

// ---------- facts ----------

/// A product or SKU reference in rules and `applicable_to`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ProductRef {
    /// `product`, `sku` or `products_collection`.
    pub object: String,
    pub id: String,
    pub source_id: Option<String>,
}

impl ProductRef {
    pub fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::String(id) => Some(Self {
                object: String::new(),
                id: id.clone(),
                source_id: None,
            }),
            Value::Object(o) => Some(Self {
                object: o
                    .get("object")
                    .and_then(Value::as_str)
                    .unwrap_or("product")
                    .to_string(),
                id: o
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                source_id: o
                    .get("source_id")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            }),
            _ => None,
        }
    }
}

/// What the rules know about one order line.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ItemFacts {
    pub product_id: Option<String>,
    pub product_source_id: Option<String>,
    pub sku_id: Option<String>,
    pub sku_source_id: Option<String>,
    pub quantity: i64,
    pub price: i64,
    pub amount: i64,
    pub metadata: Map<String, Value>,
}

/// Collections by id, as the references they hold.
pub type Collections = HashMap<String, Vec<ProductRef>>;

impl ItemFacts {
    /// Whether this line is the product, SKU or collection member `r` names.
    pub fn matches(&self, r: &ProductRef, collections: &Collections) -> bool {
        let eq = |a: &Option<String>, b: &str| a.as_deref() == Some(b);
        let source = r.source_id.as_deref();
        match r.object.as_str() {
            "sku" => eq(&self.sku_id, &r.id) || source.is_some_and(|s| eq(&self.sku_source_id, s)),
            "products_collection" => collections.get(&r.id).is_some_and(|members| {
                members
                    .iter()
                    .any(|m| m.object != "products_collection" && self.matches(m, collections))
            }),
            "product" => {
                eq(&self.product_id, &r.id)
                    || eq(&self.product_source_id, &r.id)
                    || source.is_some_and(|s| eq(&self.product_source_id, s))
            }
            _ => [
                &self.product_id,
                &self.product_source_id,
                &self.sku_id,
                &self.sku_source_id,
            ]
            .into_iter()
            .any(|f| eq(f, &r.id)),
        }
    }
}

/// The order as rules see it.
#[derive(Clone, Debug, Default)]
pub struct OrderFacts<'a> {
    /// The cart at this point of the stack.
    pub amount: i64,
    /// The cart before any discount.
    pub initial_amount: i64,
    pub items: &'a [ItemFacts],
    pub metadata: Option<&'a Map<String, Value>>,
}

#[derive(Clone, Debug, Default)]
pub struct CustomerFacts {
    pub segments: Vec<String>,
    pub metadata: Map<String, Value>,
}

/// Redemption counters of the redeemable's campaign (or of the code itself when standalone).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub per_customer: i64,
    pub redemptions: i64,
    pub customers: i64,
    pub orders_amount: i64,
    /// Discounts given so far plus this one.
    pub amount_discounted: i64,
}

/// Everything rules can look at.
#[derive(Clone, Debug, Default)]
pub struct Facts<'a> {
    pub order: Option<OrderFacts<'a>>,
    pub customer: Option<&'a CustomerFacts>,
    pub redemption_metadata: Option<&'a Map<String, Value>>,
    pub event_metadata: Option<&'a Map<String, Value>>,
    pub counters: Counters,
    pub collections: Option<&'a Collections>,
    /// Qualification: campaign totals and per-customer limits count as met.
    pub ignore_limits: bool,
}

/// Data a rule needed and the request did not give.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Missing {
    Customer,
    Amount,
    OrderItems,
}

/// The outcome of a rule set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Fail {
        /// The custom message of the failed rule, if it has one.
        message: Option<String>,
        missing: Option<Missing>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct RuleResult {
    ok: bool,
    missing: Option<Missing>,
}

const PASS: RuleResult = RuleResult {
    ok: true,
    missing: None,
};
const FAIL: RuleResult = RuleResult {
    ok: false,
    missing: None,
};

fn missing(m: Missing) -> RuleResult {
    RuleResult {
        ok: false,
        missing: Some(m),
    }
}

fn judge(ok: bool) -> RuleResult {
    if ok { PASS } else { FAIL }
}

/// Evaluates a rule set; on failure, says which rule's message applies and what was missing.
pub fn evaluate(set: &RuleSet, facts: &Facts) -> Outcome {
    let Some(logic) = &set.logic else {
        return Outcome::Pass;
    };
    let mut results: BTreeMap<u32, RuleResult> = BTreeMap::new();
    let ok = logic.eval(&mut |n| {
        let result = set
            .rules
            .get(&n)
            .map_or(FAIL, |rule| evaluate_rule(rule, facts));
        results.insert(n, result);
        result.ok
    });
    if ok {
        return Outcome::Pass;
    }
    let failed = results.iter().find(|(_, r)| !r.ok);
    let missing = results.values().find_map(|r| r.missing);
    Outcome::Fail {
        message: failed
            .and_then(|(n, _)| set.rules.get(n))
            .and_then(|r| r.error.clone()),
        missing,
    }
}

fn evaluate_rule(rule: &Rule, facts: &Facts) -> RuleResult {
    let name = rule.name.as_str();
    let number = |n: i64| judge(compare_all(&rule.conditions, &Value::from(n)));
    let limit = |n: i64| if facts.ignore_limits { PASS } else { number(n) };
    match name {
        "order.amount" => facts
            .order
            .as_ref()
            .map_or(missing(Missing::Amount), |o| number(o.amount)),
        "order.initial_amount" => facts
            .order
            .as_ref()
            .map_or(missing(Missing::Amount), |o| number(o.initial_amount)),
        "order.items.count" => match &facts.order {
            Some(o) => number(o.items.len() as i64),
            None => missing(Missing::OrderItems),
        },
        "order.items.price_any" | "order.items.price_each" => match &facts.order {
            Some(o) if !o.items.is_empty() => {
                let check = |i: &ItemFacts| compare_all(&rule.conditions, &Value::from(i.price));
                judge(if name.ends_with("any") {
                    o.items.iter().any(check)
                } else {
                    o.items.iter().all(check)
                })
            }
            _ => missing(Missing::OrderItems),
        },
        "order.metadata" => {
            let value = facts
                .order
                .as_ref()
                .and_then(|o| o.metadata)
                .and_then(|m| rule.property.as_ref().and_then(|p| m.get(p)));
            judge(compare_all(&rule.conditions, value.unwrap_or(&Value::Null)))
        }
        "redemption.metadata" | "custom_event.metadata" => {
            let map = if name.starts_with("redemption") {
                facts.redemption_metadata
            } else {
                facts.event_metadata
            };
            let value = map.and_then(|m| rule.property.as_ref().and_then(|p| m.get(p)));
            judge(compare_all(&rule.conditions, value.unwrap_or(&Value::Null)))
        }
        "customer.segment" => match facts.customer {
            None => missing(Missing::Customer),
            Some(c) => judge(list_matches(&rule.conditions, &c.segments)),
        },
        "customer.metadata" => match facts.customer {
            None => missing(Missing::Customer),
            Some(c) => {
                let value = rule.property.as_ref().and_then(|p| c.metadata.get(p));
                judge(compare_all(&rule.conditions, value.unwrap_or(&Value::Null)))
            }
        },
        "redemption.count.per_customer" => {
            if facts.ignore_limits {
                PASS
            } else if facts.customer.is_none() {
                missing(Missing::Customer)
            } else {
                number(facts.counters.per_customer)
            }
        }
        "campaign.redemptions.count" => limit(facts.counters.redemptions),
        "campaign.redemptions.customers_count" => limit(facts.counters.customers),
        "campaign.orders.amount" => limit(facts.counters.orders_amount),
        "campaign.orders.amount_discounted" => limit(facts.counters.amount_discounted),
        "product.id" | "sku.id" => match &facts.order {
            Some(o) => {
                let ids: Vec<String> = o
                    .items
                    .iter()
                    .filter_map(|i| {
                        if name == "sku.id" {
                            i.sku_id.clone()
                        } else {
                            i.product_id.clone()
                        }
                    })
                    .collect();
                judge(list_matches(&rule.conditions, &ids))
            }
            None => missing(Missing::OrderItems),
        },
        group if GROUP_NAMES.contains(&group) => match &facts.order {
            Some(o) if !o.items.is_empty() || group == "order.items.none" => {
                items_rule(rule, o.items, facts)
            }
            _ => missing(Missing::OrderItems),
        },
        _ => FAIL,
    }
}

/// `order.items.any / every / none / cheapest / most_expensive`.
fn items_rule(rule: &Rule, items: &[ItemFacts], facts: &Facts) -> RuleResult {
    let empty = Collections::new();
    let collections = facts.collections.unwrap_or(&empty);
    let refs: Vec<ProductRef> = rule
        .conditions
        .iter()
        .filter(|c| matches!(c.op, Op::Is | Op::In))
        .flat_map(|c| c.values.iter().filter_map(ProductRef::from_value))
        .collect();
    let excluded: Vec<ProductRef> = rule
        .conditions
        .iter()
        .filter(|c| matches!(c.op, Op::IsNot | Op::NotIn))
        .flat_map(|c| c.values.iter().filter_map(ProductRef::from_value))
        .collect();
    let selected = |i: &ItemFacts| {
        (refs.is_empty() || refs.iter().any(|r| i.matches(r, collections)))
            && !excluded.iter().any(|r| i.matches(r, collections))
    };
    let group: Vec<&ItemFacts> = items.iter().filter(|i| selected(i)).collect();
    let counts_ok = rule.conditions.iter().all(|c| match c.op {
        Op::CountMore => c
            .values
            .iter()
            .all(|v| number_of(v).is_some_and(|n| (group.len() as f64) > n)),
        Op::CountLess => c
            .values
            .iter()
            .all(|v| number_of(v).is_some_and(|n| (group.len() as f64) < n)),
        _ => true,
    });
    if !counts_ok {
        return FAIL;
    }
    let passes = |item: &ItemFacts| sub_rules_pass(&rule.sub, item, &group);
    let ok = match rule.name.as_str() {
        "order.items.any" => group.iter().any(|i| passes(i)),
        "order.items.none" => !group.iter().any(|i| passes(i)),
        "order.items.every" => {
            !group.is_empty()
                && refs
                    .iter()
                    .all(|r| group.iter().any(|i| i.matches(r, collections)))
                && group.iter().all(|i| passes(i))
        }
        "order.items.cheapest" | "order.items.most_expensive" => {
            let pick = if rule.name.ends_with("cheapest") {
                items.iter().min_by_key(|i| i.price)
            } else {
                items.iter().max_by_key(|i| i.price)
            };
            pick.is_some_and(|i| selected(i) && passes(i))
        }
        _ => false,
    };
    judge(ok)
}

fn sub_rules_pass(set: &RuleSet, item: &ItemFacts, group: &[&ItemFacts]) -> bool {
    let Some(logic) = &set.logic else {
        return true;
    };
    logic.eval(&mut |n| {
        let Some(rule) = set.rules.get(&n) else {
            return false;
        };
        let value = match rule.name.as_str() {
            "order.items.quantity" => Value::from(item.quantity),
            "order.items.price" => Value::from(item.price),
            "order.items.amount" => Value::from(item.amount),
            "order.items.aggregated_quantity" => {
                Value::from(group.iter().map(|i| i.quantity).sum::<i64>())
            }
            "order.items.aggregated_amount" => {
                Value::from(group.iter().map(|i| i.amount).sum::<i64>())
            }
            "order.items.metadata" => rule
                .property
                .as_ref()
                .and_then(|p| item.metadata.get(p))
                .cloned()
                .unwrap_or(Value::Null),
            _ => return false,
        };
        compare_all(&rule.conditions, &value)
    })
}

fn number_of(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn equal(a: &Value, b: &Value) -> bool {
    match (number_of(a), number_of(b)) {
        (Some(x), Some(y)) if !matches!((a, b), (Value::String(_), Value::String(_))) => x == y,
        _ => match (a, b) {
            (Value::Bool(x), Value::Bool(y)) => x == y,
            _ => text_of(a).is_some() && text_of(a) == text_of(b),
        },
    }
}

/// All conditions hold for `actual`.
fn compare_all(conditions: &[Condition], actual: &Value) -> bool {
    conditions.iter().all(|c| compare(c, actual))
}

fn compare(c: &Condition, actual: &Value) -> bool {
    let num = number_of(actual);
    let text = text_of(actual);
    match c.op {
        Op::Is | Op::In => c.values.iter().any(|v| equal(actual, v)),
        Op::IsNot | Op::NotIn => !c.values.iter().any(|v| equal(actual, v)),
        Op::LessThan => cmp_num(num, &c.values, |a, b| a < b),
        Op::LessThanOrEqual => cmp_num(num, &c.values, |a, b| a <= b),
        Op::MoreThan => cmp_num(num, &c.values, |a, b| a > b),
        Op::MoreThanOrEqual => cmp_num(num, &c.values, |a, b| a >= b),
        Op::StartsWith => text.is_some_and(|t| {
            c.values
                .iter()
                .filter_map(text_of)
                .any(|v| t.starts_with(&v))
        }),
        Op::EndsWith => {
            text.is_some_and(|t| c.values.iter().filter_map(text_of).any(|v| t.ends_with(&v)))
        }
        Op::Contains => {
            text.is_some_and(|t| c.values.iter().filter_map(text_of).any(|v| t.contains(&v)))
        }
        // Counts apply to lists; on a single value they count it as one.
        Op::CountMore => cmp_num(
            Some(if actual.is_null() { 0.0 } else { 1.0 }),
            &c.values,
            |a, b| a > b,
        ),
        Op::CountLess => cmp_num(
            Some(if actual.is_null() { 0.0 } else { 1.0 }),
            &c.values,
            |a, b| a < b,
        ),
    }
}

fn cmp_num(actual: Option<f64>, values: &[Value], f: impl Fn(f64, f64) -> bool) -> bool {
    actual.is_some_and(|a| values.iter().filter_map(number_of).all(|b| f(a, b)))
}

/// List-valued facts (segments, ids): `$is`/`$in` any listed value present, `$is_not`/`$not_in`
/// none present, `$count_more`/`$count_less` on the list's length.
fn list_matches(conditions: &[Condition], list: &[String]) -> bool {
    conditions.iter().all(|c| {
        let present = |v: &Value| text_of(v).is_some_and(|t| list.contains(&t));
        match c.op {
            Op::Is | Op::In | Op::Contains => c.values.iter().any(present),
            Op::IsNot | Op::NotIn => !c.values.iter().any(present),
            Op::CountMore => cmp_num(Some(list.len() as f64), &c.values, |a, b| a > b),
            Op::CountLess => cmp_num(Some(list.len() as f64), &c.values, |a, b| a < b),
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn set(v: Value) -> RuleSet {
        parse(&v).unwrap()
    }

    fn cart(amount: i64, items: &[ItemFacts]) -> Facts<'_> {
        Facts {
            order: Some(OrderFacts {
                amount,
                initial_amount: amount,
                items,
                metadata: None,
            }),
            ..Facts::default()
        }
    }

    #[test]
    fn an_amount_threshold() {
        let s = set(json!({"1": {"name": "order.amount", "conditions": {"$more_than": [10000]}}}));
        assert_eq!(evaluate(&s, &cart(15000, &[])), Outcome::Pass);
        assert!(matches!(
            evaluate(&s, &cart(9900, &[])),
            Outcome::Fail { .. }
        ));
        assert!(matches!(
            evaluate(&s, &cart(10000, &[])),
            Outcome::Fail { .. }
        ));
        assert_eq!(
            evaluate(&s, &Facts::default()),
            Outcome::Fail {
                message: None,
                missing: Some(Missing::Amount)
            }
        );
    }

    #[test]
    fn logic_combines_and_the_failing_rules_message_wins() {
        let s = set(json!({
            "1": {"name": "order.amount", "conditions": {"$more_than_or_equal": [5000]}, "error": {"message": "Spend 50 or more"}},
            "2": {"name": "customer.segment", "conditions": {"$is": ["seg_vip"]}},
            "logic": "1 or 2"
        }));
        let vip = CustomerFacts {
            segments: vec!["seg_vip".into()],
            ..CustomerFacts::default()
        };
        let mut facts = cart(1000, &[]);
        facts.customer = Some(&vip);
        assert_eq!(evaluate(&s, &facts), Outcome::Pass);
        let other = CustomerFacts::default();
        facts.customer = Some(&other);
        assert_eq!(
            evaluate(&s, &facts),
            Outcome::Fail {
                message: Some("Spend 50 or more".into()),
                missing: None
            }
        );
        facts.customer = None;
        assert_eq!(
            evaluate(&s, &facts),
            Outcome::Fail {
                message: Some("Spend 50 or more".into()),
                missing: Some(Missing::Customer)
            }
        );
    }

    #[test]
    fn items_rules_with_quantities() {
        let beans = ItemFacts {
            product_id: Some("prod_beans".into()),
            quantity: 3,
            price: 1000,
            amount: 3000,
            ..ItemFacts::default()
        };
        let mug = ItemFacts {
            product_id: Some("prod_mug".into()),
            quantity: 1,
            price: 800,
            amount: 800,
            ..ItemFacts::default()
        };
        let items = [beans, mug];
        let any = set(
            json!({"1": {"name": "order.items.any", "conditions": {"$is": [{"id": "prod_beans", "object": "product"}]},
            "rules": {"1": {"name": "order.items.quantity", "conditions": {"$more_than_or_equal": [3]}}}}}),
        );
        assert_eq!(evaluate(&any, &cart(3800, &items)), Outcome::Pass);
        assert!(matches!(
            evaluate(&any, &cart(800, &items[1..])),
            Outcome::Fail { .. }
        ));
        let every = set(
            json!({"1": {"name": "order.items.every", "conditions": {"$is": ["prod_beans", "prod_mug"]}}}),
        );
        assert_eq!(evaluate(&every, &cart(3800, &items)), Outcome::Pass);
        assert!(matches!(
            evaluate(&every, &cart(3000, &items[..1])),
            Outcome::Fail { .. }
        ));
        let none =
            set(json!({"1": {"name": "order.items.none", "conditions": {"$is": ["prod_mug"]}}}));
        assert!(matches!(
            evaluate(&none, &cart(3800, &items)),
            Outcome::Fail { .. }
        ));
        assert_eq!(evaluate(&none, &cart(3000, &items[..1])), Outcome::Pass);
        let count =
            set(json!({"1": {"name": "order.items.count", "conditions": {"$more_than": [1]}}}));
        assert_eq!(evaluate(&count, &cart(3800, &items)), Outcome::Pass);
    }

    #[test]
    fn metadata_and_counters() {
        let meta = json!({"channel": "web"}).as_object().unwrap().clone();
        let s = set(
            json!({"1": {"name": "order.metadata", "property": "channel", "conditions": {"$is": ["web"]}}}),
        );
        let mut f = cart(100, &[]);
        assert!(matches!(evaluate(&s, &f), Outcome::Fail { .. }));
        f.order.as_mut().unwrap().metadata = Some(&meta);
        assert_eq!(evaluate(&s, &f), Outcome::Pass);
        let cap = set(
            json!({"1": {"name": "campaign.redemptions.count", "conditions": {"$less_than": [10]}}}),
        );
        f.counters.redemptions = 9;
        assert_eq!(evaluate(&cap, &f), Outcome::Pass);
        f.counters.redemptions = 10;
        assert!(matches!(evaluate(&cap, &f), Outcome::Fail { .. }));
        f.ignore_limits = true;
        assert_eq!(evaluate(&cap, &f), Outcome::Pass);
    }

    #[test]
    fn bad_definitions_name_the_problem() {
        let err = |v: Value| parse(&v).unwrap_err();
        assert!(
            err(json!({"1": {"name": "order.amount", "conditions": {"$bigger": [1]}}}))
                .contains("unknown operator '$bigger'")
        );
        assert!(
            err(json!({"1": {"name": "order.amount"}, "logic": "1 and 2"}))
                .contains("refers to rule 2")
        );
        assert!(
            err(json!({"1": {"name": "order.amount"}, "logic": "(1"}))
                .contains("unclosed parenthesis")
        );
        assert_eq!(
            err(json!({"1": {"name": "order.metadata", "conditions": {"$is": ["x"]}}})),
            "Rule 'order.metadata' must have a 'property'"
        );
        assert!(
            err(json!({"1": {"name": "order.colour"}})).contains("unknown name 'order.colour'")
        );
        assert!(err(json!({"x": {"name": "order.amount"}})).contains("numbered"));
        assert!(
            err(json!({"1": {"name": "order.amount", "rules": {"1": {"name": "order.amount"}}}}))
                .contains("cannot hold nested rules")
        );
        assert!(err(json!({"1": {"name": "order.items.any", "rules": {"1": {"name": "customer.segment"}}}})).contains("inside an items rule"));
        assert!(err(json!([1])).contains("should be an object"));
    }
}
