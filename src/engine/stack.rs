//! Stacking: several redeemables in one request, checked and applied in order.
//!
//! Each redeemable arrives already checked (an [`Incentive`] or a [`Rejection`]). In `ALL` mode
//! one rejection makes the whole request invalid and nothing is applied; in `PARTIAL` mode the
//! applicable ones still apply. Beyond `applicable_redeemables_limit`, further applicable
//! redeemables are `SKIPPED` with the API's reason key.

use super::discount::{self, Applied, Discount};
use super::order::OrderCalc;
use super::rejection::Rejection;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApplicationMode {
    /// Every redeemable must be applicable, else none applies (`valid: false`).
    All,
    /// Applicable redeemables apply even when others are not.
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

/// The project's stacking rules that the engine enforces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackingRules {
    pub redeemables_limit: usize,
    pub applicable_redeemables_limit: usize,
    pub application_mode: ApplicationMode,
}

impl Default for StackingRules {
    /// The API's defaults: 30 redeemables per request, 5 applicable, mode `ALL`.
    fn default() -> Self {
        Self {
            redeemables_limit: 30,
            applicable_redeemables_limit: 5,
            application_mode: ApplicationMode::All,
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
}

/// Why an applicable redeemable was not applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// `ALL` mode and another redeemable failed: nothing was evaluated further (`result: {}`).
    AnotherRedeemableFailed,
    ApplicableRedeemablesLimitExceeded,
}

impl SkipReason {
    /// The `result.details` the API gives, if any.
    pub fn details(self) -> Option<(&'static str, &'static str)> {
        match self {
            Self::AnotherRedeemableFailed => None,
            Self::ApplicableRedeemablesLimitExceeded => Some((
                "applicable_redeemables_limit_exceeded",
                "Applicable redeemables limit exceeded",
            )),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Applied; `order` is the running order after it, whose `applied` fields are this
    /// redeemable's own contribution.
    Applicable {
        order: OrderCalc,
        applied: Applied,
    },
    Inapplicable(Rejection),
    Skipped(SkipReason),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evaluation {
    pub valid: bool,
    pub outcomes: Vec<Outcome>,
    /// The order after every applied redeemable; `applied` fields cover the whole request.
    pub order: OrderCalc,
}

impl Evaluation {
    /// The first rejection, which a failed redemption reports.
    pub fn first_rejection(&self) -> Option<&Rejection> {
        self.outcomes.iter().find_map(|o| match o {
            Outcome::Inapplicable(r) => Some(r),
            _ => None,
        })
    }
}

/// Evaluates `candidates` in order against `order`.
pub fn evaluate(
    order: OrderCalc,
    candidates: Vec<Result<Incentive, Rejection>>,
    rules: &StackingRules,
) -> Evaluation {
    let any_rejected = candidates.iter().any(Result::is_err);
    if any_rejected && rules.application_mode == ApplicationMode::All {
        let outcomes = candidates
            .into_iter()
            .map(|c| match c {
                Err(r) => Outcome::Inapplicable(r),
                Ok(_) => Outcome::Skipped(SkipReason::AnotherRedeemableFailed),
            })
            .collect();
        return Evaluation {
            valid: false,
            outcomes,
            order,
        };
    }

    let mut running = order;
    running.reset_applied();
    let mut applied_count = 0;
    let mut outcomes = Vec::with_capacity(candidates.len());
    for candidate in candidates {
        let outcome = match candidate {
            Err(rejection) => Outcome::Inapplicable(rejection),
            Ok(_) if applied_count >= rules.applicable_redeemables_limit => {
                Outcome::Skipped(SkipReason::ApplicableRedeemablesLimitExceeded)
            }
            Ok(Incentive::Discount { discount, targets }) => {
                applied_count += 1;
                let all: Vec<usize>;
                let targets = match &targets {
                    Some(t) => t.as_slice(),
                    None => {
                        all = (0..running.lines.len()).collect();
                        &all
                    }
                };
                let applied = discount::apply(&mut running, &discount, targets);
                let mut snapshot = running.clone();
                snapshot.applied = applied.order;
                for (line, own) in snapshot.lines.iter_mut().zip(&applied.lines) {
                    line.applied = *own;
                }
                Outcome::Applicable {
                    order: snapshot,
                    applied,
                }
            }
        };
        outcomes.push(outcome);
    }
    Evaluation {
        valid: applied_count > 0,
        outcomes,
        order: running,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::discount::Effect;
    use crate::engine::money::Percent;
    use crate::engine::order::Line;

    fn amount(off: i64) -> Result<Incentive, Rejection> {
        Ok(Incentive::Discount {
            discount: Discount::Amount {
                amount_off: off,
                effect: Effect::ApplyToOrder,
            },
            targets: None,
        })
    }

    fn expired() -> Result<Incentive, Rejection> {
        Err(Rejection::VoucherExpired { code: "OLD".into() })
    }

    fn cart(total: i64) -> OrderCalc {
        OrderCalc::new(Some(total), vec![])
    }

    #[test]
    fn discounts_stack_in_order_with_running_totals() {
        let percent = Ok(Incentive::Discount {
            discount: Discount::Percent {
                percent_off: Percent::from_number(10.0).unwrap(),
                amount_limit: None,
                effect: Effect::ApplyToOrder,
            },
            targets: None,
        });
        let e = evaluate(
            cart(10_000),
            vec![amount(1000), percent],
            &StackingRules::default(),
        );
        assert!(e.valid);
        assert_eq!(e.order.total_discount(), 1900);
        assert_eq!(e.order.total_applied(), 1900);
        match &e.outcomes[1] {
            Outcome::Applicable { order, applied } => {
                assert_eq!(applied.order, 900);
                assert_eq!(order.applied, 900);
                assert_eq!(order.discount, 1900);
            }
            other => panic!("expected applicable, got {other:?}"),
        }
    }

    #[test]
    fn all_mode_refuses_everything_when_one_fails() {
        let e = evaluate(
            cart(5000),
            vec![amount(1000), expired()],
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
        let e = evaluate(cart(5000), vec![expired(), amount(1000)], &rules);
        assert!(e.valid);
        assert_eq!(e.order.total_amount(), 4000);
    }

    #[test]
    fn the_applicable_limit_skips_the_rest() {
        let rules = StackingRules {
            applicable_redeemables_limit: 2,
            ..StackingRules::default()
        };
        let e = evaluate(
            cart(5000),
            vec![amount(100), amount(100), amount(100)],
            &rules,
        );
        assert_eq!(e.order.total_discount(), 200);
        assert_eq!(
            e.outcomes[2],
            Outcome::Skipped(SkipReason::ApplicableRedeemablesLimitExceeded)
        );
    }

    #[test]
    fn item_discounts_default_to_every_line() {
        let order = OrderCalc::new(
            None,
            vec![Line::new(1, Some(1000), 1000), Line::new(1, Some(500), 500)],
        );
        let c = Ok(Incentive::Discount {
            discount: Discount::Percent {
                percent_off: Percent::from_number(10.0).unwrap(),
                amount_limit: None,
                effect: Effect::ApplyToItems,
            },
            targets: None,
        });
        let e = evaluate(order, vec![c], &StackingRules::default());
        assert_eq!(e.order.items_discount(), 150);
    }
}
