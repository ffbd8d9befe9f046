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
}

impl Line {
    pub fn new(quantity: i64, price: Option<Minor>, amount: Minor) -> Self {
        Self {
            quantity,
            price,
            amount,
            discount: 0,
            applied: 0,
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
    /// Order amount before any discount.
    pub amount: Minor,
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
            discount: 0,
            applied: 0,
            lines,
        }
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
