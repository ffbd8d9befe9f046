//! Whether one redeemable applies to the order as it stands, and what it would give: its own
//! state, its validation rules (evaluated on the running order, with budget counters that
//! include the discount it would give), and the lines its discount may touch.

use serde_json::{Map, Value};

use super::applicable::ApplicableTo;
use super::discount::{self, Discount};
use super::order::OrderCalc;
use super::rejection::Rejection;
use super::rules::{
    self, Collections, Counters, CustomerFacts, Facts, ItemFacts, Missing, OrderFacts, Outcome,
    ProductRef, RuleSet,
};
use super::stack::Incentive;

/// One validation rule assigned to a redeemable (directly or through its campaign).
#[derive(Clone, Debug, PartialEq)]
pub struct AssignedRules {
    /// `val_...`
    pub id: String,
    pub rules: RuleSet,
    /// The rule set's fallback `error.message`.
    pub error: Option<String>,
    pub applicable_to: Option<ApplicableTo>,
}

/// A category, for stacking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Category {
    pub id: String,
    pub hierarchy: i64,
}

/// A redeemable as the engine checks it.
#[derive(Clone, Debug, PartialEq)]
pub struct Redeemable {
    /// How errors name it: `Discount Coupon`, `Promotion Tier`...
    pub subject: &'static str,
    /// The result of its own checks (exists, enabled, in its validity window, uses left).
    pub state: Result<(), Rejection>,
    pub discount: Option<Discount>,
    pub rules: Vec<AssignedRules>,
    /// Counters of its campaign (or of the code itself when standalone), before this use.
    pub counters: Counters,
    pub category: Option<Category>,
}

/// Which rules count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum RulesMode {
    /// Every rule (validation and redemption).
    #[default]
    Full,
    /// Campaign totals and per-customer limits count as met (qualification).
    IgnoreLimits,
    /// Only `customer.*` rules (qualification's `AUDIENCE_ONLY`).
    AudienceOnly,
}

/// What every redeemable of a request is checked against.
#[derive(Clone, Debug, Default)]
pub struct Context {
    pub has_order: bool,
    pub items: Vec<ItemFacts>,
    pub order_metadata: Option<Map<String, Value>>,
    pub customer: Option<CustomerFacts>,
    pub redemption_metadata: Option<Map<String, Value>>,
    pub collections: Collections,
    pub mode: RulesMode,
}

impl Redeemable {
    /// The lines its discount may touch (`None`: every line).
    pub fn targets(&self, ctx: &Context) -> Option<Vec<usize>> {
        let mut merged: Option<ApplicableTo> = None;
        for a in self.rules.iter().filter_map(|r| r.applicable_to.as_ref()) {
            match &mut merged {
                Some(m) => m.merge(a),
                None => merged = Some(a.clone()),
            }
        }
        merged.map(|m| m.lines(&ctx.items, &ctx.collections))
    }
}

/// Checks `r` against the order as it stands (`running`).
pub fn check(r: &Redeemable, running: &OrderCalc, ctx: &Context) -> Result<Incentive, Rejection> {
    r.state.clone()?;
    let targets = match &r.discount {
        // A unit discount applies to its product's lines.
        Some(Discount::Unit { product, .. }) => {
            let unit = ProductRef {
                object: "product".into(),
                id: product.clone(),
                source_id: None,
            };
            Some(
                (0..ctx.items.len())
                    .filter(|i| ctx.items[*i].matches(&unit, &ctx.collections))
                    .collect(),
            )
        }
        _ => r.targets(ctx),
    };
    // What the discount would take counts only for rules to read (budget limits on the amount
    // discounted): a redeemable without rules skips the trial.
    let prospective = match &r.discount {
        Some(d) if !r.rules.is_empty() => {
            let all: Vec<usize> = (0..running.lines.len()).collect();
            let mut trial = running.clone();
            discount::apply(&mut trial, d, targets.as_deref().unwrap_or(&all)).total()
        }
        _ => 0,
    };
    let counters = Counters {
        amount_discounted: r.counters.amount_discounted.saturating_add(prospective),
        ..r.counters
    };
    let facts = Facts {
        order: ctx.has_order.then(|| OrderFacts {
            amount: running.total_amount(),
            initial_amount: running.amount,
            items: &ctx.items,
            metadata: ctx.order_metadata.as_ref(),
        }),
        customer: ctx.customer.as_ref(),
        redemption_metadata: ctx.redemption_metadata.as_ref(),
        event_metadata: None,
        counters,
        collections: Some(&ctx.collections),
        ignore_limits: ctx.mode != RulesMode::Full,
    };
    for assigned in &r.rules {
        let audience;
        let set = if ctx.mode == RulesMode::AudienceOnly {
            audience = assigned.rules.only("customer.");
            &audience
        } else {
            &assigned.rules
        };
        if let Outcome::Fail { message, missing } = rules::evaluate(set, &facts) {
            return Err(match missing {
                Some(Missing::Customer) => Rejection::MissingCustomer,
                Some(Missing::Amount) => Rejection::MissingAmount,
                Some(Missing::OrderItems) => Rejection::MissingOrderItems,
                None => Rejection::RulesViolated {
                    subject: r.subject.to_string(),
                    rule_id: assigned.id.clone(),
                    message: message.or_else(|| assigned.error.clone()),
                },
            });
        }
    }
    match &r.discount {
        Some(d) => Ok(Incentive::Discount {
            discount: d.clone(),
            targets,
        }),
        None => Ok(Incentive::NoEffect),
    }
}
