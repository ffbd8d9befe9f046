//! Properties of the engine over random carts and discounts.

use proptest::prelude::*;
use voucherify_harness::engine::discount::{Discount, Effect};
use voucherify_harness::engine::money::Percent;
use voucherify_harness::engine::order::{Line, OrderCalc};
use voucherify_harness::engine::stack::{self, ApplicationMode, Incentive, StackingRules};

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
    ]
}

fn cart() -> impl Strategy<Value = OrderCalc> {
    let line = (0i64..50, 0i64..1_000_000).prop_map(|(q, p)| Line::new(q, Some(p), q * p));
    (
        proptest::collection::vec(line, 0..12),
        proptest::option::of(0i64..100_000_000),
    )
        .prop_map(|(lines, amount)| OrderCalc::new(amount, lines))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn totals_keep_their_invariants(order in cart(), discounts in proptest::collection::vec(discount(), 1..6)) {
        let amount = order.amount;
        let candidates = discounts
            .into_iter()
            .map(|d| Ok(Incentive::Discount { discount: d, targets: None }))
            .collect();
        let rules = StackingRules { application_mode: ApplicationMode::Partial, ..StackingRules::default() };
        let e = stack::evaluate(order, candidates, &rules);
        let o = &e.order;
        prop_assert!(o.total_discount() >= 0);
        prop_assert!(o.total_discount() <= amount);
        prop_assert_eq!(o.total_amount(), amount - o.total_discount());
        prop_assert_eq!(o.items_discount(), o.lines.iter().map(|l| l.discount).sum::<i64>());
        for line in &o.lines {
            prop_assert!(line.discount >= 0 && line.discount <= line.amount, "line {:?}", line);
        }
        prop_assert_eq!(o.total_applied(), o.total_discount());
    }

    #[test]
    fn a_percentage_never_exceeds_its_base(amount in 0i64..i64::MAX / 2, p in 0i64..=1_000_000) {
        let off = Percent(p).of(amount);
        prop_assert!(off >= 0 && off <= amount);
    }
}
