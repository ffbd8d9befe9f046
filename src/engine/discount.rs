//! Discounts (`AMOUNT`, `PERCENT`, `FIXED`, `UNIT`) and how each effect takes money off an
//! order (a unit discount first adds the units it gives to the cart).
//!
//! Stacked discounts are computed on the order as it stands after the earlier ones (the API's
//! "discounted amount" mode). Per-line rounding uses [`Percent::of`]; proportional splits use
//! [`split_proportionally`], so the parts always add up to the whole.

use super::money::{Minor, Percent, split_proportionally};
use super::order::OrderCalc;

/// Where a discount lands, with the API's enum names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Effect {
    /// Off the order as a whole.
    ApplyToOrder,
    /// Off each matching line (AMOUNT: `amount_off` per line).
    ApplyToItems,
    /// AMOUNT only: `amount_off` split over matching lines in proportion to their amounts.
    ApplyToItemsProportionally,
    /// AMOUNT only: `amount_off` split over matching lines in proportion to their quantities.
    ApplyToItemsProportionallyByQuantity,
    /// AMOUNT only: `amount_off` per unit of each matching line.
    ApplyToItemsByQuantity,
}

impl Effect {
    pub const fn api_name(self) -> &'static str {
        match self {
            Self::ApplyToOrder => "APPLY_TO_ORDER",
            Self::ApplyToItems => "APPLY_TO_ITEMS",
            Self::ApplyToItemsProportionally => "APPLY_TO_ITEMS_PROPORTIONALLY",
            Self::ApplyToItemsProportionallyByQuantity => {
                "APPLY_TO_ITEMS_PROPORTIONALLY_BY_QUANTITY"
            }
            Self::ApplyToItemsByQuantity => "APPLY_TO_ITEMS_BY_QUANTITY",
        }
    }

    pub fn from_api_name(name: &str) -> Option<Self> {
        [
            Self::ApplyToOrder,
            Self::ApplyToItems,
            Self::ApplyToItemsProportionally,
            Self::ApplyToItemsProportionallyByQuantity,
            Self::ApplyToItemsByQuantity,
        ]
        .into_iter()
        .find(|e| e.api_name() == name)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Discount {
    Amount {
        amount_off: Minor,
        effect: Effect,
    },
    Percent {
        percent_off: Percent,
        /// Upper bound of the whole discount this redeemable gives.
        amount_limit: Option<Minor>,
        effect: Effect,
    },
    /// A new price: the order (or each matching line's unit) costs `fixed_amount`.
    Fixed {
        fixed_amount: Minor,
        effect: Effect,
    },
    /// `unit_off` units of one product free (`UNIT`). The lines it applies to are the
    /// product's lines in the cart; `price` is the catalogue's, for a product the cart lacks.
    Unit {
        product: String,
        unit_off: i64,
        effect: UnitEffect,
        price: Option<Minor>,
    },
}

impl Discount {
    /// The API name of its effect (`APPLY_TO_ORDER`, `ADD_MISSING_ITEMS`, ...).
    pub const fn effect_api_name(&self) -> &'static str {
        match self {
            Self::Amount { effect, .. }
            | Self::Percent { effect, .. }
            | Self::Fixed { effect, .. } => effect.api_name(),
            Self::Unit { effect, .. } => effect.api_name(),
        }
    }
}

/// How a unit discount gets its units into the cart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnitEffect {
    /// Adds only the units the cart lacks to reach `unit_off`.
    AddMissingItems,
    /// Adds `unit_off` new units whatever the cart holds.
    AddNewItems,
}

impl UnitEffect {
    pub const fn api_name(self) -> &'static str {
        match self {
            Self::AddMissingItems => "ADD_MISSING_ITEMS",
            Self::AddNewItems => "ADD_NEW_ITEMS",
        }
    }

    pub fn from_api_name(name: &str) -> Option<Self> {
        [Self::AddMissingItems, Self::AddNewItems]
            .into_iter()
            .find(|e| e.api_name() == name)
    }
}

/// What one discount took off: order-level and per line (same indexing as the order's lines).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Applied {
    pub order: Minor,
    pub lines: Vec<Minor>,
}

impl Applied {
    pub fn total(&self) -> Minor {
        self.order + self.lines.iter().sum::<Minor>()
    }
}

/// Applies `discount` to `order`, touching only the lines listed in `targets` for item effects.
/// Never takes a line or the order below zero.
pub fn apply(order: &mut OrderCalc, discount: &Discount, targets: &[usize]) -> Applied {
    let mut applied = Applied {
        order: 0,
        lines: vec![0; order.lines.len()],
    };
    let effect = match discount {
        Discount::Amount { effect, .. }
        | Discount::Percent { effect, .. }
        | Discount::Fixed { effect, .. } => *effect,
        Discount::Unit {
            product,
            unit_off,
            effect,
            price,
        } => {
            apply_units(
                order,
                &mut applied,
                (product, *unit_off, *effect, *price),
                targets,
            );
            return applied;
        }
    };
    if effect == Effect::ApplyToOrder {
        let wanted = match discount {
            Discount::Amount { amount_off, .. } => *amount_off,
            Discount::Percent {
                percent_off,
                amount_limit,
                ..
            } => cap(percent_off.of(order.remaining()), *amount_limit),
            Discount::Fixed { fixed_amount, .. } => order.remaining() - (*fixed_amount).max(0),
            Discount::Unit { .. } => 0,
        };
        applied.order = order.take_order_discount(wanted);
        return applied;
    }

    let targets: Vec<usize> = targets
        .iter()
        .copied()
        .filter(|i| *i < order.lines.len())
        .collect();
    let wanted: Vec<Minor> = match discount {
        Discount::Amount { amount_off, .. } => {
            let off = (*amount_off).max(0);
            match effect {
                Effect::ApplyToItemsProportionally => {
                    let weights: Vec<Minor> = targets
                        .iter()
                        .map(|i| order.lines[*i].remaining())
                        .collect();
                    let total = off.min(weights.iter().sum());
                    split_proportionally(total, &weights)
                }
                Effect::ApplyToItemsProportionallyByQuantity => {
                    let weights: Vec<Minor> = targets
                        .iter()
                        .map(|i| order.lines[*i].quantity.max(0))
                        .collect();
                    let room: Minor = targets.iter().map(|i| order.lines[*i].remaining()).sum();
                    split_proportionally(off.min(room), &weights)
                }
                Effect::ApplyToItemsByQuantity => targets
                    .iter()
                    .map(|i| off.saturating_mul(order.lines[*i].quantity.max(0)))
                    .collect(),
                _ => vec![off; targets.len()],
            }
        }
        Discount::Percent {
            percent_off,
            amount_limit,
            ..
        } => {
            let per_line: Vec<Minor> = targets
                .iter()
                .map(|i| percent_off.of(order.lines[*i].remaining()))
                .collect();
            let sum: Minor = per_line.iter().sum();
            match amount_limit {
                Some(limit) if sum > *limit => split_proportionally((*limit).max(0), &per_line),
                _ => per_line,
            }
        }
        Discount::Fixed { fixed_amount, .. } => targets
            .iter()
            .map(|i| {
                let line = &order.lines[*i];
                let new_total = (*fixed_amount).max(0).saturating_mul(line.quantity.max(0));
                line.remaining() - new_total
            })
            .collect(),
        Discount::Unit { .. } => vec![0; targets.len()],
    };
    for (index, want) in targets.iter().zip(wanted) {
        applied.lines[*index] += order.take_line_discount(*index, want);
    }
    applied
}

/// A unit discount: the product's first line in the cart (or a new line at the catalogue
/// price) gets the units the effect adds, then `unit_off` of its units free. A product that is
/// in neither the cart nor the catalogue gets nothing.
fn apply_units(
    order: &mut OrderCalc,
    applied: &mut Applied,
    (product, unit_off, effect, catalogue_price): (&str, i64, UnitEffect, Option<Minor>),
    targets: &[usize],
) {
    let unit_off = unit_off.max(0);
    let line = targets.iter().copied().find(|i| *i < order.lines.len());
    let Some(price) = line
        .and_then(|i| order.lines[i].price)
        .or(catalogue_price)
        .filter(|p| *p >= 0)
    else {
        return;
    };
    let have = line.map_or(0, |i| order.lines[i].quantity.max(0));
    let add = match effect {
        UnitEffect::AddMissingItems => (unit_off - have).max(0),
        UnitEffect::AddNewItems => unit_off,
    };
    let index = match (line, add) {
        (Some(i), 0) => i,
        _ => order.add_units(line, product, add, price),
    };
    applied.lines.resize(order.lines.len(), 0);
    let taken = order.take_line_discount(index, price.saturating_mul(unit_off));
    applied.lines[index] += taken;
    let units = &mut order.lines[index].units;
    units.touched = true;
    units.discount_quantity += unit_off;
    units.applied_discount_quantity += unit_off;
}

fn cap(value: Minor, limit: Option<Minor>) -> Minor {
    match limit {
        Some(limit) => value.min(limit.max(0)),
        None => value,
    }
}

#[cfg(test)]
mod tests {
    use super::super::order::Line;
    use super::*;

    fn pct(p: f64) -> Percent {
        Percent::from_number(p).unwrap()
    }

    fn two_lines() -> OrderCalc {
        OrderCalc::new(
            None,
            vec![Line::new(1, Some(2000), 2000), Line::new(2, Some(350), 700)],
        )
    }

    #[test]
    fn amount_off_the_order_is_capped_by_the_order() {
        let mut o = OrderCalc::new(Some(4000), vec![]);
        let d = Discount::Amount {
            amount_off: 1000,
            effect: Effect::ApplyToOrder,
        };
        assert_eq!(apply(&mut o, &d, &[]).order, 1000);
        assert_eq!(o.total_amount(), 3000);
        let big = Discount::Amount {
            amount_off: 10_000,
            effect: Effect::ApplyToOrder,
        };
        assert_eq!(apply(&mut o, &big, &[]).order, 3000);
        assert_eq!(o.total_amount(), 0);
    }

    #[test]
    fn percent_is_taken_on_what_is_left_and_capped() {
        let mut o = OrderCalc::new(Some(10_000), vec![]);
        apply(
            &mut o,
            &Discount::Amount {
                amount_off: 2000,
                effect: Effect::ApplyToOrder,
            },
            &[],
        );
        let ten = Discount::Percent {
            percent_off: pct(10.0),
            amount_limit: None,
            effect: Effect::ApplyToOrder,
        };
        assert_eq!(apply(&mut o, &ten, &[]).order, 800);
        let capped = Discount::Percent {
            percent_off: pct(50.0),
            amount_limit: Some(500),
            effect: Effect::ApplyToOrder,
        };
        assert_eq!(apply(&mut o, &capped, &[]).order, 500);
        assert_eq!(o.total_amount(), 6700);
    }

    #[test]
    fn fixed_price_for_the_order_and_per_unit() {
        let mut o = OrderCalc::new(Some(5000), vec![]);
        let d = Discount::Fixed {
            fixed_amount: 3000,
            effect: Effect::ApplyToOrder,
        };
        assert_eq!(apply(&mut o, &d, &[]).order, 2000);
        // A fixed price above the order's gives nothing.
        let mut cheap = OrderCalc::new(Some(1000), vec![]);
        assert_eq!(apply(&mut cheap, &d, &[]).order, 0);

        let mut lines = two_lines();
        let per_unit = Discount::Fixed {
            fixed_amount: 300,
            effect: Effect::ApplyToItems,
        };
        let a = apply(&mut lines, &per_unit, &[0, 1]);
        assert_eq!(a.lines, vec![1700, 100]);
        assert_eq!(lines.total_amount(), 300 + 600);
    }

    #[test]
    fn amount_per_item_line_as_in_the_api_example() {
        let mut o = OrderCalc::new(
            None,
            vec![Line::new(1, Some(2000), 2000), Line::new(1, Some(700), 700)],
        );
        let d = Discount::Amount {
            amount_off: 1000,
            effect: Effect::ApplyToItems,
        };
        let a = apply(&mut o, &d, &[0, 1]);
        assert_eq!(a.lines, vec![1000, 700]);
        assert_eq!(o.items_discount(), 1700);
        assert_eq!(o.total_amount(), 1000);
    }

    #[test]
    fn amount_split_proportionally_adds_up() {
        let mut o = two_lines();
        let d = Discount::Amount {
            amount_off: 1000,
            effect: Effect::ApplyToItemsProportionally,
        };
        let a = apply(&mut o, &d, &[0, 1]);
        assert_eq!(a.lines.iter().sum::<Minor>(), 1000);
        assert_eq!(a.lines, vec![741, 259]);
        let mut q = two_lines();
        let by_qty = Discount::Amount {
            amount_off: 300,
            effect: Effect::ApplyToItemsProportionallyByQuantity,
        };
        assert_eq!(apply(&mut q, &by_qty, &[0, 1]).lines, vec![100, 200]);
        let mut u = two_lines();
        let per_unit = Discount::Amount {
            amount_off: 100,
            effect: Effect::ApplyToItemsByQuantity,
        };
        assert_eq!(apply(&mut u, &per_unit, &[0, 1]).lines, vec![100, 200]);
    }

    #[test]
    fn percent_per_item_respects_its_limit() {
        let mut o = two_lines();
        let d = Discount::Percent {
            percent_off: pct(50.0),
            amount_limit: Some(600),
            effect: Effect::ApplyToItems,
        };
        let a = apply(&mut o, &d, &[0, 1]);
        assert_eq!(a.total(), 600);
        assert_eq!(a.lines, vec![444, 156]);
    }

    #[test]
    fn only_target_lines_are_touched() {
        let mut o = two_lines();
        let d = Discount::Percent {
            percent_off: pct(10.0),
            amount_limit: None,
            effect: Effect::ApplyToItems,
        };
        let a = apply(&mut o, &d, &[1, 7]);
        assert_eq!(a.lines, vec![0, 70]);
    }

    fn unit(unit_off: i64, effect: UnitEffect, price: Option<Minor>) -> Discount {
        Discount::Unit {
            product: "prod_mug".into(),
            unit_off,
            effect,
            price,
        }
    }

    #[test]
    fn missing_units_are_added_then_given_free() {
        // One mug at 3.50 in the cart; two free: one more is added, both are free.
        let mut o = two_lines();
        let a = apply(&mut o, &unit(2, UnitEffect::AddMissingItems, None), &[1]);
        assert_eq!(a.lines, vec![0, 700]);
        let mug = &o.lines[1];
        assert_eq!(
            (mug.quantity, mug.amount, mug.units.initial_quantity),
            (2, 700, 2)
        );
        // The cart had 2 already (quantity 2 in `two_lines`): nothing added.
        assert_eq!(mug.units.applied_quantity, 0);
        assert_eq!(mug.units.discount_quantity, 2);
        assert_eq!((o.amount, o.initial_amount), (2700, 2700));

        let mut short = OrderCalc::new(None, vec![Line::new(1, Some(350), 350)]);
        let a = apply(
            &mut short,
            &unit(3, UnitEffect::AddMissingItems, None),
            &[0],
        );
        assert_eq!(a.lines, vec![1050]);
        let mug = &short.lines[0];
        assert_eq!((mug.quantity, mug.amount), (3, 1050));
        assert_eq!(
            (
                mug.units.applied_quantity,
                mug.units.applied_quantity_amount
            ),
            (2, 700)
        );
        assert_eq!(
            (short.initial_amount, short.amount, short.total_amount()),
            (350, 1050, 0)
        );
    }

    #[test]
    fn new_units_are_added_on_top_of_the_cart() {
        let mut o = OrderCalc::new(None, vec![Line::new(2, Some(350), 700)]);
        let a = apply(&mut o, &unit(1, UnitEffect::AddNewItems, None), &[0]);
        assert_eq!(a.total(), 350);
        assert_eq!(
            (o.lines[0].quantity, o.amount, o.total_amount()),
            (3, 1050, 700)
        );
    }

    #[test]
    fn a_product_missing_from_the_cart_gets_a_line_at_the_catalogue_price() {
        let mut o = OrderCalc::new(None, vec![Line::new(1, Some(2000), 2000)]);
        let a = apply(
            &mut o,
            &unit(1, UnitEffect::AddMissingItems, Some(450)),
            &[],
        );
        assert_eq!(a.lines, vec![0, 450]);
        assert_eq!(o.lines.len(), 2);
        assert_eq!(o.lines[1].added_product.as_deref(), Some("prod_mug"));
        assert_eq!(
            (o.amount, o.total_amount(), o.initial_amount),
            (2450, 2000, 2000)
        );
        // Neither in the cart nor priced in the catalogue: nothing happens.
        let mut bare = OrderCalc::new(Some(1000), vec![]);
        let a = apply(&mut bare, &unit(1, UnitEffect::AddNewItems, None), &[]);
        assert_eq!((a.total(), bare.amount, bare.lines.len()), (0, 1000, 0));
    }

    #[test]
    fn effect_names_round_trip() {
        for e in [
            Effect::ApplyToOrder,
            Effect::ApplyToItems,
            Effect::ApplyToItemsProportionally,
            Effect::ApplyToItemsProportionallyByQuantity,
            Effect::ApplyToItemsByQuantity,
        ] {
            assert_eq!(Effect::from_api_name(e.api_name()), Some(e));
        }
        assert_eq!(Effect::from_api_name("APPLY_TO_NOTHING"), None);
    }
}
