//! Stacking: several redeemables in one request, checked and applied in order under the
//! project's stacking rules.
//!
//! - `ALL` mode: one inapplicable redeemable makes the request invalid and nothing applies.
//!   `PARTIAL` mode: applicable redeemables apply even when others are not.
//! - Categories: a redeemable in an *exclusive* category, when applicable, keeps the common
//!   ones out (`exclusion_rules_not_met`); one in a *joint* category always joins and counts
//!   towards no limit. Limits on applicable redeemables (in all, per category, exclusive, and
//!   exclusive per category) skip the ones beyond them with the API's reason keys.
//! - Order of application: as requested, or by category hierarchy (uncategorized last).
//!   Each redeemable's rules and discount see the order as the earlier ones left it.

use std::collections::HashMap;

use super::discount::{self, Applied, Discount};
use super::eligibility::{self, Context, Redeemable};
use super::order::OrderCalc;
use super::rejection::Rejection;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApplicationMode {
    All,
    Partial,
}

impl ApplicationMode {
    pub const fn api_name(self) -> &'static str {
        match self {
            Self::All => "ALL",
            Self::Partial => "PARTIAL",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortingRule {
    RequestedOrder,
    CategoryHierarchy,
}

impl SortingRule {
    pub const fn api_name(self) -> &'static str {
        match self {
            Self::RequestedOrder => "REQUESTED_ORDER",
            Self::CategoryHierarchy => "CATEGORY_HIERARCHY",
        }
    }
}

/// The project's stacking rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackingRules {
    pub redeemables_limit: usize,
    pub applicable_redeemables_limit: usize,
    pub applicable_redeemables_per_category_limit: usize,
    pub applicable_exclusive_redeemables_limit: usize,
    pub applicable_exclusive_redeemables_per_category_limit: usize,
    pub exclusive_categories: Vec<String>,
    pub joint_categories: Vec<String>,
    pub application_mode: ApplicationMode,
    pub sorting_rule: SortingRule,
}

impl Default for StackingRules {
    /// The API's defaults: 30 redeemables per request, 5 applicable, 1 per category, 1
    /// exclusive, mode `ALL`, requested order.
    fn default() -> Self {
        Self {
            redeemables_limit: 30,
            applicable_redeemables_limit: 5,
            applicable_redeemables_per_category_limit: 1,
            applicable_exclusive_redeemables_limit: 1,
            applicable_exclusive_redeemables_per_category_limit: 1,
            exclusive_categories: Vec::new(),
            joint_categories: Vec::new(),
            application_mode: ApplicationMode::All,
            sorting_rule: SortingRule::RequestedOrder,
        }
    }
}

/// What an applicable redeemable gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Incentive {
    /// A discount on the lines in `targets` (`None`: every line) or on the order.
    Discount {
        discount: Discount,
        targets: Option<Vec<usize>>,
    },
    /// Applicable, with nothing to take off the order.
    NoEffect,
}

/// Why an applicable redeemable was not applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// `ALL` mode and another redeemable failed (`result: {}`).
    AnotherRedeemableFailed,
    ApplicableRedeemablesLimitExceeded,
    ApplicableRedeemablesPerCategoryLimitExceeded,
    ApplicableExclusiveRedeemablesLimitExceeded,
    ApplicableExclusiveRedeemablesPerCategoryLimitExceeded,
    ExclusionRulesNotMet,
}

impl SkipReason {
    /// The `result.details` the API gives, if any.
    pub fn details(self) -> Option<(&'static str, &'static str)> {
        Some(match self {
            Self::AnotherRedeemableFailed => return None,
            Self::ApplicableRedeemablesLimitExceeded => (
                "applicable_redeemables_limit_exceeded",
                "Applicable redeemables limit exceeded",
            ),
            Self::ApplicableRedeemablesPerCategoryLimitExceeded => (
                "applicable_redeemables_per_category_limit_exceeded",
                "Applicable redeemables per category limit exceeded",
            ),
            Self::ApplicableExclusiveRedeemablesLimitExceeded => (
                "applicable_exclusive_redeemables_limit_exceeded",
                "Applicable exclusive redeemables limit exceeded",
            ),
            Self::ApplicableExclusiveRedeemablesPerCategoryLimitExceeded => (
                "applicable_exclusive_redeemables_per_category_limit_exceeded",
                "Applicable exclusive redeemables per category limit exceeded",
            ),
            Self::ExclusionRulesNotMet => (
                "exclusion_rules_not_met",
                "Redeemable cannot be applied due to exclusion rules",
            ),
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Applied; `order` is the running order after it, whose `applied` fields are this
    /// redeemable's own contribution.
    Applicable {
        order: OrderCalc,
        applied: Applied,
        targets: Option<Vec<usize>>,
    },
    Inapplicable(Rejection),
    Skipped(SkipReason),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evaluation {
    pub valid: bool,
    /// One per redeemable, in request order.
    pub outcomes: Vec<Outcome>,
    /// Request indexes in the order they were considered.
    pub sequence: Vec<usize>,
    /// The order after every applied redeemable; `applied` fields cover the whole request.
    pub order: OrderCalc,
}

impl Evaluation {
    /// The first rejection (in the order considered), which a failed redemption reports.
    pub fn first_rejection(&self) -> Option<&Rejection> {
        self.sequence.iter().find_map(|i| match &self.outcomes[*i] {
            Outcome::Inapplicable(r) => Some(r),
            _ => None,
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Common,
    Exclusive,
    Joint,
}

/// Evaluates `redeemables` against `order` under `rules`.
pub fn evaluate(
    order: OrderCalc,
    redeemables: &[Redeemable],
    ctx: &Context,
    rules: &StackingRules,
) -> Evaluation {
    let mut sequence: Vec<usize> = (0..redeemables.len()).collect();
    if rules.sorting_rule == SortingRule::CategoryHierarchy {
        sequence.sort_by_key(|i| {
            redeemables[*i]
                .category
                .as_ref()
                .map_or(i64::MAX, |c| c.hierarchy)
        });
    }
    let kind = |r: &Redeemable| match &r.category {
        Some(c) if rules.joint_categories.contains(&c.id) => Kind::Joint,
        Some(c) if rules.exclusive_categories.contains(&c.id) => Kind::Exclusive,
        _ => Kind::Common,
    };

    // First look: which are applicable on the order as given.
    let first: Vec<Result<Incentive, Rejection>> = redeemables
        .iter()
        .map(|r| eligibility::check(r, &order, ctx))
        .collect();
    let all_mode = rules.application_mode == ApplicationMode::All;
    if all_mode && first.iter().any(Result::is_err) {
        return refuse_all(
            order,
            first.into_iter().map(|c| c.err()).collect(),
            sequence,
        );
    }
    let exclusive_present = redeemables
        .iter()
        .zip(&first)
        .any(|(r, c)| c.is_ok() && kind(r) == Kind::Exclusive);

    let mut running = order;
    running.reset_applied();
    let mut outcomes: Vec<Option<Outcome>> = vec![None; redeemables.len()];
    let (mut applied_count, mut exclusive_count) = (0usize, 0usize);
    let mut per_category: HashMap<String, usize> = HashMap::new();
    for &i in &sequence {
        let r = &redeemables[i];
        if let Err(rejection) = &first[i] {
            outcomes[i] = Some(Outcome::Inapplicable(rejection.clone()));
            continue;
        }
        let category = r.category.as_ref().map(|c| c.id.clone());
        let in_category = category
            .as_ref()
            .map_or(0, |c| per_category.get(c).copied().unwrap_or(0));
        let skip = match kind(r) {
            Kind::Joint => None,
            Kind::Exclusive if exclusive_count >= rules.applicable_exclusive_redeemables_limit => {
                Some(SkipReason::ApplicableExclusiveRedeemablesLimitExceeded)
            }
            Kind::Exclusive
                if category.is_some()
                    && in_category >= rules.applicable_exclusive_redeemables_per_category_limit =>
            {
                Some(SkipReason::ApplicableExclusiveRedeemablesPerCategoryLimitExceeded)
            }
            Kind::Exclusive => None,
            Kind::Common if exclusive_present => Some(SkipReason::ExclusionRulesNotMet),
            Kind::Common if applied_count >= rules.applicable_redeemables_limit => {
                Some(SkipReason::ApplicableRedeemablesLimitExceeded)
            }
            Kind::Common
                if category.is_some()
                    && in_category >= rules.applicable_redeemables_per_category_limit =>
            {
                Some(SkipReason::ApplicableRedeemablesPerCategoryLimitExceeded)
            }
            Kind::Common => None,
        };
        if let Some(reason) = skip {
            outcomes[i] = Some(Outcome::Skipped(reason));
            continue;
        }
        // Rules see the order as the earlier redeemables left it.
        let incentive = match eligibility::check(r, &running, ctx) {
            Ok(incentive) => incentive,
            Err(rejection) if all_mode => {
                let mut rejections: Vec<Option<Rejection>> = vec![None; redeemables.len()];
                rejections[i] = Some(rejection);
                let original = reset(running);
                return refuse_all(original, rejections, sequence);
            }
            Err(rejection) => {
                outcomes[i] = Some(Outcome::Inapplicable(rejection));
                continue;
            }
        };
        if kind(r) != Kind::Joint {
            applied_count += 1;
            if let Some(c) = category {
                *per_category.entry(c).or_default() += 1;
            }
        }
        if kind(r) == Kind::Exclusive {
            exclusive_count += 1;
        }
        let (applied, targets) = match incentive {
            Incentive::Discount { discount, targets } => {
                let all: Vec<usize> = (0..running.lines.len()).collect();
                let applied =
                    discount::apply(&mut running, &discount, targets.as_deref().unwrap_or(&all));
                (applied, targets)
            }
            Incentive::NoEffect => (
                Applied {
                    order: 0,
                    lines: vec![0; running.lines.len()],
                },
                None,
            ),
        };
        let mut snapshot = running.clone();
        snapshot.applied = applied.order;
        for (line, own) in snapshot.lines.iter_mut().zip(&applied.lines) {
            line.applied = *own;
        }
        outcomes[i] = Some(Outcome::Applicable {
            order: snapshot,
            applied,
            targets,
        });
    }
    let outcomes: Vec<Outcome> = outcomes
        .into_iter()
        .map(|o| o.unwrap_or(Outcome::Skipped(SkipReason::AnotherRedeemableFailed)))
        .collect();
    let any_inapplicable = outcomes
        .iter()
        .any(|o| matches!(o, Outcome::Inapplicable(_)));
    let any_applied = outcomes
        .iter()
        .any(|o| matches!(o, Outcome::Applicable { .. }));
    Evaluation {
        valid: any_applied && !(all_mode && any_inapplicable),
        outcomes,
        sequence,
        order: running,
    }
}

/// The order with every discount taken back.
fn reset(mut order: OrderCalc) -> OrderCalc {
    order.discount = 0;
    order.applied = 0;
    for line in &mut order.lines {
        line.discount = 0;
        line.applied = 0;
    }
    order
}

fn refuse_all(
    order: OrderCalc,
    rejections: Vec<Option<Rejection>>,
    sequence: Vec<usize>,
) -> Evaluation {
    let outcomes = rejections
        .into_iter()
        .map(|r| match r {
            Some(r) => Outcome::Inapplicable(r),
            None => Outcome::Skipped(SkipReason::AnotherRedeemableFailed),
        })
        .collect();
    Evaluation {
        valid: false,
        outcomes,
        sequence,
        order,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::discount::Effect;
    use crate::engine::eligibility::Category;
    use crate::engine::money::Percent;
    use crate::engine::order::Line;

    fn amount(off: i64) -> Redeemable {
        Redeemable {
            subject: "Discount Coupon",
            state: Ok(()),
            discount: Some(Discount::Amount {
                amount_off: off,
                effect: Effect::ApplyToOrder,
            }),
            rules: Vec::new(),
            counters: Default::default(),
            category: None,
        }
    }

    fn percent(p: f64) -> Redeemable {
        Redeemable {
            discount: Some(Discount::Percent {
                percent_off: Percent::from_number(p).unwrap(),
                amount_limit: None,
                effect: Effect::ApplyToOrder,
            }),
            ..amount(0)
        }
    }

    fn in_category(mut r: Redeemable, id: &str, hierarchy: i64) -> Redeemable {
        r.category = Some(Category {
            id: id.into(),
            hierarchy,
        });
        r
    }

    fn expired() -> Redeemable {
        Redeemable {
            state: Err(Rejection::VoucherExpired { code: "OLD".into() }),
            ..amount(100)
        }
    }

    fn cart(total: i64) -> OrderCalc {
        OrderCalc::new(Some(total), vec![])
    }

    fn run(order: OrderCalc, rs: &[Redeemable], rules: &StackingRules) -> Evaluation {
        evaluate(order, rs, &Context::default(), rules)
    }

    #[test]
    fn discounts_stack_in_order_with_running_totals() {
        let e = run(
            cart(10_000),
            &[amount(1000), percent(10.0)],
            &StackingRules::default(),
        );
        assert!(e.valid);
        assert_eq!(e.order.total_discount(), 1900);
        assert_eq!(e.order.total_applied(), 1900);
        match &e.outcomes[1] {
            Outcome::Applicable { order, applied, .. } => {
                assert_eq!(applied.order, 900);
                assert_eq!(order.applied, 900);
                assert_eq!(order.discount, 1900);
            }
            other => panic!("expected applicable, got {other:?}"),
        }
    }

    #[test]
    fn all_mode_refuses_everything_when_one_fails() {
        let e = run(
            cart(5000),
            &[amount(1000), expired()],
            &StackingRules::default(),
        );
        assert!(!e.valid);
        assert_eq!(e.order.total_discount(), 0);
        assert_eq!(
            e.outcomes[0],
            Outcome::Skipped(SkipReason::AnotherRedeemableFailed)
        );
        assert_eq!(e.first_rejection().unwrap().key(), "voucher_expired");
    }

    #[test]
    fn partial_mode_applies_what_it_can() {
        let rules = StackingRules {
            application_mode: ApplicationMode::Partial,
            ..StackingRules::default()
        };
        let e = run(cart(5000), &[expired(), amount(1000)], &rules);
        assert!(e.valid);
        assert_eq!(e.order.total_amount(), 4000);
    }

    #[test]
    fn the_applicable_limit_skips_the_rest() {
        let rules = StackingRules {
            applicable_redeemables_limit: 2,
            ..StackingRules::default()
        };
        let e = run(cart(5000), &[amount(100), amount(100), amount(100)], &rules);
        assert_eq!(e.order.total_discount(), 200);
        assert_eq!(
            e.outcomes[2],
            Outcome::Skipped(SkipReason::ApplicableRedeemablesLimitExceeded)
        );
    }

    #[test]
    fn exclusive_keeps_common_out_and_joint_always_joins() {
        let rules = StackingRules {
            exclusive_categories: vec!["cat_x".into()],
            joint_categories: vec!["cat_j".into()],
            ..StackingRules::default()
        };
        let rs = [
            amount(100),
            in_category(amount(500), "cat_x", 1),
            in_category(amount(300), "cat_x", 1),
            in_category(amount(50), "cat_j", 2),
        ];
        let e = run(cart(10_000), &rs, &rules);
        assert!(e.valid);
        assert_eq!(
            e.outcomes[0],
            Outcome::Skipped(SkipReason::ExclusionRulesNotMet)
        );
        assert!(matches!(e.outcomes[1], Outcome::Applicable { .. }));
        assert_eq!(
            e.outcomes[2],
            Outcome::Skipped(SkipReason::ApplicableExclusiveRedeemablesLimitExceeded)
        );
        assert!(matches!(e.outcomes[3], Outcome::Applicable { .. }));
        assert_eq!(e.order.total_discount(), 550);
    }

    #[test]
    fn one_per_category_by_default() {
        let rs = [
            in_category(amount(100), "cat_a", 1),
            in_category(amount(200), "cat_a", 1),
        ];
        let e = run(cart(10_000), &rs, &StackingRules::default());
        assert_eq!(
            e.outcomes[1],
            Outcome::Skipped(SkipReason::ApplicableRedeemablesPerCategoryLimitExceeded)
        );
    }

    #[test]
    fn category_hierarchy_changes_the_order_and_the_totals() {
        let rs = [
            in_category(percent(10.0), "cat_p", 2),
            in_category(amount(1000), "cat_a", 1),
        ];
        let requested = run(cart(10_000), &rs, &StackingRules::default());
        assert_eq!(requested.order.total_discount(), 1000 + 1000);
        let rules = StackingRules {
            sorting_rule: SortingRule::CategoryHierarchy,
            ..StackingRules::default()
        };
        let sorted = run(cart(10_000), &rs, &rules);
        assert_eq!(sorted.sequence, vec![1, 0]);
        assert_eq!(sorted.order.total_discount(), 1000 + 900);
        let rs2 = [
            in_category(amount(1000), "cat_a", 2),
            in_category(percent(10.0), "cat_p", 1),
        ];
        assert_eq!(
            run(cart(10_000), &rs2, &StackingRules::default())
                .order
                .total_discount(),
            1900
        );
        assert_eq!(run(cart(10_000), &rs2, &rules).order.total_discount(), 2000);
    }

    #[test]
    fn item_discounts_default_to_every_line() {
        let order = OrderCalc::new(
            None,
            vec![Line::new(1, Some(1000), 1000), Line::new(1, Some(500), 500)],
        );
        let r = Redeemable {
            discount: Some(Discount::Percent {
                percent_off: Percent::from_number(10.0).unwrap(),
                amount_limit: None,
                effect: Effect::ApplyToItems,
            }),
            ..amount(0)
        };
        let e = run(order, &[r], &StackingRules::default());
        assert_eq!(e.order.items_discount(), 150);
    }
}
