//! An order being discounted: its lines, the discounts taken so far, and the API's totals.
//!
//! Totals follow the API's definitions exactly:
//! `items_discount_amount` = Σ line discounts; `total_discount_amount` = `discount_amount` +
//! `items_discount_amount`; `total_amount` = `amount` − `total_discount_amount`; the `applied_*`
//! fields are the same sums restricted to what the current request (or redeemable) added.

use super::money::Minor;

/// One order line: `amount` is price × quantity (or the amount the caller gave).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Line {
    pub quantity: i64,
    pub price: Option<Minor>,
    pub amount: Minor,
    /// Item-level discount taken so far.
    pub discount: Minor,
    /// Item-level discount added by the current request.
    pub applied: Minor,
    /// Free units: what unit discounts gave so far, and in the current request.
    pub units: UnitCounts,
    /// The product a unit discount added this line for (lines from the cart have none).
    pub added_product: Option<String>,
}

/// How unit discounts changed a line: units added to the cart and units given free.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct UnitCounts {
    /// Quantity before any unit was added.
    pub initial_quantity: i64,
    /// Amount before any unit was added.
    pub initial_amount: Minor,
    /// Units given free so far, and by the current request.
    pub discount_quantity: i64,
    pub applied_discount_quantity: i64,
    /// Units added by the current request, and what they cost.
    pub applied_quantity: i64,
    pub applied_quantity_amount: Minor,
    /// Whether a unit discount touched this line at all.
    pub touched: bool,
}

impl Line {
    pub fn new(quantity: i64, price: Option<Minor>, amount: Minor) -> Self {
        Self {
            quantity,
            price,
            amount,
            discount: 0,
            applied: 0,
            units: UnitCounts {
                initial_quantity: quantity,
                initial_amount: amount,
                ..UnitCounts::default()
            },
            added_product: None,
        }
    }

    /// What is left to discount on this line.
    pub fn remaining(&self) -> Minor {
        (self.amount - self.discount).max(0)
    }

    /// `subtotal_amount`: the line after its item-level discounts.
    pub fn subtotal(&self) -> Minor {
        self.amount - self.discount
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct OrderCalc {
    /// Order amount before any discount (with the units unit discounts added).
    pub amount: Minor,
    /// Order amount before any discount or added unit.
    pub initial_amount: Minor,
    /// Order-level discount taken so far.
    pub discount: Minor,
    /// Order-level discount added by the current request.
    pub applied: Minor,
    pub lines: Vec<Line>,
}

impl OrderCalc {
    /// An order of `lines`; its amount is `amount` when given, else the sum of the lines.
    pub fn new(amount: Option<Minor>, lines: Vec<Line>) -> Self {
        let amount =
            amount.unwrap_or_else(|| lines.iter().fold(0, |sum, l| sum.saturating_add(l.amount)));
        Self {
            amount,
            initial_amount: amount,
            discount: 0,
            applied: 0,
            lines,
        }
    }

    /// Adds `units` of a product at `price` each to line `index`, or to a new line for
    /// `product` when `index` is `None`; the order's amount grows by their cost. Returns the
    /// line's index.
    pub fn add_units(
        &mut self,
        index: Option<usize>,
        product: &str,
        units: i64,
        price: Minor,
    ) -> usize {
        let index = match index.filter(|i| *i < self.lines.len()) {
            Some(i) => i,
            None => {
                self.lines.push(Line {
                    price: Some(price),
                    added_product: Some(product.to_string()),
                    ..Line::new(0, Some(price), 0)
                });
                self.lines.len() - 1
            }
        };
        let cost = price.saturating_mul(units.max(0));
        let line = &mut self.lines[index];
        line.quantity += units.max(0);
        line.amount = line.amount.saturating_add(cost);
        line.units.applied_quantity += units.max(0);
        line.units.applied_quantity_amount += cost;
        line.units.touched = true;
        self.amount = self.amount.saturating_add(cost);
        index
    }

    /// Whether a unit discount added units or gave some free.
    pub fn units_changed(&self) -> bool {
        self.lines.iter().any(|l| l.units.touched)
    }

    pub fn items_discount(&self) -> Minor {
        self.lines.iter().map(|l| l.discount).sum()
    }

    pub fn items_applied(&self) -> Minor {
        self.lines.iter().map(|l| l.applied).sum()
    }

    pub fn total_discount(&self) -> Minor {
        self.discount + self.items_discount()
    }

    pub fn total_applied(&self) -> Minor {
        self.applied + self.items_applied()
    }

    pub fn total_amount(&self) -> Minor {
        self.amount - self.total_discount()
    }

    /// What is left of the order to discount; never negative.
    pub fn remaining(&self) -> Minor {
        self.total_amount().max(0)
    }

    /// Adds an order-level discount, capped so the order never goes below zero.
    /// Returns the part actually taken.
    pub fn take_order_discount(&mut self, wanted: Minor) -> Minor {
        let taken = wanted.clamp(0, self.remaining());
        self.discount += taken;
        self.applied += taken;
        taken
    }

    /// Adds an item-level discount to line `index`, capped by that line and by the order.
    /// Returns the part actually taken.
    pub fn take_line_discount(&mut self, index: usize, wanted: Minor) -> Minor {
        let order_left = self.remaining();
        let Some(line) = self.lines.get_mut(index) else {
            return 0;
        };
        let taken = wanted.clamp(0, line.remaining().min(order_left));
        line.discount += taken;
        line.applied += taken;
        taken
    }

    /// Forgets which discounts the current request added (keeps the discounts themselves):
    /// the start of a new redeemable's "applied" view.
    pub fn reset_applied(&mut self) {
        self.applied = 0;
        for line in &mut self.lines {
            line.applied = 0;
            line.units.applied_discount_quantity = 0;
            line.units.applied_quantity = 0;
            line.units.applied_quantity_amount = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cart() -> OrderCalc {
        OrderCalc::new(
            None,
            vec![Line::new(1, Some(2000), 2000), Line::new(1, Some(700), 700)],
        )
    }

    #[test]
    fn amount_defaults_to_the_sum_of_lines() {
        assert_eq!(cart().amount, 2700);
        assert_eq!(OrderCalc::new(Some(5000), vec![]).amount, 5000);
    }

    #[test]
    fn totals_follow_the_contract() {
        let mut o = cart();
        assert_eq!(o.take_line_discount(0, 1000), 1000);
        assert_eq!(o.take_line_discount(1, 1000), 700);
        assert_eq!(o.take_order_discount(100), 100);
        assert_eq!(o.items_discount(), 1700);
        assert_eq!(o.total_discount(), 1800);
        assert_eq!(o.total_amount(), 900);
        assert_eq!(o.total_applied(), 1800);
        o.reset_applied();
        assert_eq!(o.total_applied(), 0);
        assert_eq!(o.total_discount(), 1800);
    }

    #[test]
    fn never_goes_below_zero() {
        let mut o = cart();
        assert_eq!(o.take_order_discount(10_000), 2700);
        assert_eq!(o.take_line_discount(0, 10), 0);
        assert_eq!(o.total_amount(), 0);
        assert_eq!(o.take_order_discount(-5), 0);
    }
}
