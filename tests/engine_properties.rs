//! Properties of the engine over random carts, discounts and rule trees.

use std::collections::BTreeSet;

use proptest::prelude::*;
use voucherify_harness::engine::discount::{Discount, Effect, UnitEffect};
use voucherify_harness::engine::eligibility::{Category, Context, Redeemable};
use voucherify_harness::engine::logic;
use voucherify_harness::engine::money::Percent;
use voucherify_harness::engine::order::{Line, OrderCalc};
use voucherify_harness::engine::stack::{self, ApplicationMode, StackingRules};

fn effect() -> impl Strategy<Value = Effect> {
    prop_oneof![
        Just(Effect::ApplyToOrder),
        Just(Effect::ApplyToItems),
        Just(Effect::ApplyToItemsProportionally),
        Just(Effect::ApplyToItemsProportionallyByQuantity),
        Just(Effect::ApplyToItemsByQuantity),
    ]
}

fn discount() -> impl Strategy<Value = Discount> {
    prop_oneof![
        (0i64..1_000_000, effect())
            .prop_map(|(amount_off, effect)| Discount::Amount { amount_off, effect }),
        (
            0u32..=1_000_000,
            proptest::option::of(0i64..100_000),
            prop_oneof![Just(Effect::ApplyToOrder), Just(Effect::ApplyToItems)]
        )
            .prop_map(|(p, amount_limit, effect)| Discount::Percent {
                percent_off: Percent(i64::from(p)),
                amount_limit,
                effect
            }),
        (
            0i64..100_000,
            prop_oneof![Just(Effect::ApplyToOrder), Just(Effect::ApplyToItems)]
        )
            .prop_map(|(fixed_amount, effect)| Discount::Fixed {
                fixed_amount,
                effect
            }),
        (
            1i64..5,
            prop_oneof![
                Just(UnitEffect::AddMissingItems),
                Just(UnitEffect::AddNewItems)
            ],
            proptest::option::of(0i64..100_000)
        )
            .prop_map(|(unit_off, effect, price)| Discount::Unit {
                product: "prod_gift".into(),
                unit_off,
                effect,
                price
            }),
    ]
}

fn redeemable() -> impl Strategy<Value = Redeemable> {
    (discount(), proptest::option::of((0u8..4, 1i64..4))).prop_map(|(d, category)| Redeemable {
        subject: "Discount Coupon",
        state: Ok(()),
        discount: Some(d),
        rules: Vec::new(),
        counters: Default::default(),
        category: category.map(|(c, h)| Category {
            id: format!("cat_{c}"),
            hierarchy: h,
        }),
    })
}

fn cart() -> impl Strategy<Value = OrderCalc> {
    let line = (0i64..50, 0i64..1_000_000).prop_map(|(q, p)| Line::new(q, Some(p), q * p));
    (
        proptest::collection::vec(line, 0..12),
        proptest::option::of(0i64..100_000_000),
    )
        .prop_map(|(lines, amount)| OrderCalc::new(amount, lines))
}

fn rules() -> impl Strategy<Value = StackingRules> {
    (
        1usize..6,
        1usize..3,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(limit, per_cat, partial, exclusive, sorted)| StackingRules {
                applicable_redeemables_limit: limit,
                applicable_redeemables_per_category_limit: per_cat,
                exclusive_categories: if exclusive {
                    vec!["cat_0".into()]
                } else {
                    vec![]
                },
                joint_categories: vec!["cat_1".into()],
                application_mode: if partial {
                    ApplicationMode::Partial
                } else {
                    ApplicationMode::All
                },
                sorting_rule: if sorted {
                    stack::SortingRule::CategoryHierarchy
                } else {
                    stack::SortingRule::RequestedOrder
                },
                ..StackingRules::default()
            },
        )
}

/// A logic tree and the reference evaluation of it.
#[derive(Clone, Debug)]
enum Tree {
    Rule(u32),
    And(Box<Tree>, Box<Tree>),
    Or(Box<Tree>, Box<Tree>),
    Not(Box<Tree>),
}

impl Tree {
    fn eval(&self, values: &[bool]) -> bool {
        match self {
            Tree::Rule(n) => values[(*n - 1) as usize],
            Tree::And(a, b) => a.eval(values) && b.eval(values),
            Tree::Or(a, b) => a.eval(values) || b.eval(values),
            Tree::Not(a) => !a.eval(values),
        }
    }

    /// Text with only the parentheses precedence needs (or, then and, then not).
    fn text(&self) -> String {
        fn wrap(t: &Tree, parent: u8) -> String {
            let (text, own) = match t {
                Tree::Rule(n) => (n.to_string(), 3),
                Tree::Not(a) => (format!("not {}", wrap(a, 3)), 3),
                Tree::And(a, b) => (format!("{} and {}", wrap(a, 2), wrap(b, 3)), 2),
                Tree::Or(a, b) => (format!("{} or {}", wrap(a, 1), wrap(b, 2)), 1),
            };
            if own < parent {
                format!("({text})")
            } else {
                text
            }
        }
        wrap(self, 0)
    }
}

fn tree(rules: u32) -> impl Strategy<Value = Tree> {
    let leaf = (1..=rules).prop_map(Tree::Rule);
    leaf.prop_recursive(5, 40, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Tree::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Tree::Or(Box::new(a), Box::new(b))),
            inner.prop_map(|a| Tree::Not(Box::new(a))),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn stacked_totals_keep_their_invariants(order in cart(), redeemables in proptest::collection::vec(redeemable(), 1..6), rules in rules()) {
        let amount = order.amount;
        let e = stack::evaluate(order, &redeemables, &Context::default(), &rules);
        let o = &e.order;
        // Free units grow the order by exactly what they cost; the cart's amount stays initial.
        let added: i64 = o.lines.iter().map(|l| l.units.applied_quantity_amount).sum();
        prop_assert_eq!(o.initial_amount, amount);
        prop_assert_eq!(o.amount, amount + added);
        prop_assert!(o.total_discount() >= 0);
        prop_assert!(o.total_discount() <= o.amount);
        prop_assert_eq!(o.total_amount(), o.amount - o.total_discount());
        prop_assert_eq!(o.items_discount(), o.lines.iter().map(|l| l.discount).sum::<i64>());
        for line in &o.lines {
            prop_assert!(line.discount >= 0 && line.discount <= line.amount, "line {:?}", line);
        }
        prop_assert_eq!(o.total_applied(), o.total_discount());
        let applied = e.outcomes.iter().filter(|x| matches!(x, stack::Outcome::Applicable { .. })).count();
        let joint = e.outcomes.iter().zip(&redeemables).filter(|(x, r)| {
            matches!(x, stack::Outcome::Applicable { .. }) && r.category.as_ref().is_some_and(|c| c.id == "cat_1")
        }).count();
        prop_assert!(applied - joint <= rules.applicable_redeemables_limit);
    }

    #[test]
    fn a_percentage_never_exceeds_its_base(amount in 0i64..i64::MAX / 2, p in 0i64..=1_000_000) {
        let off = Percent(p).of(amount);
        prop_assert!(off >= 0 && off <= amount);
    }

    #[test]
    fn the_logic_parser_agrees_with_a_reference_evaluator(t in tree(5), values in proptest::collection::vec(any::<bool>(), 5)) {
        let defined: BTreeSet<u32> = (1..=5).collect();
        let text = t.text();
        let parsed = logic::parse(&text, &defined).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(parsed.eval(&mut |n| values[(n - 1) as usize]), t.eval(&values), "{}", text);
    }
}
