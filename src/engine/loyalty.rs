//! Loyalty points and gift credits: earning formulas, the value of points, and the balance
//! arithmetic every card movement goes through.
//!
//! Rounding: proportional earning counts whole steps only, rounded down ("1 point per 10.00":
//! 25.99 earns 2 points). Paying with points converts them to money rounded down to the minor
//! unit ("1 point = 0.01": 150 points pay 1.50; at 0.015 a point, 3 points pay 0.04).

use serde_json::{Map, Value};

/// How an earning rule computes points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Earning {
    Fixed {
        points: i64,
    },
    /// `points` for every whole `every` of the base.
    Proportional {
        every: i64,
        points: i64,
        base: Base,
    },
}

/// What a proportional rule counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Base {
    /// The order before discounts, in minor units.
    OrderAmount,
    /// The order after discounts, in minor units.
    OrderTotalAmount,
    OrderMetadata(String),
    EventMetadata(String),
    CustomerMetadata(String),
}

/// What an earning rule can count.
#[derive(Clone, Debug, Default)]
pub struct EarningFacts<'a> {
    pub order_amount: i64,
    pub order_total_amount: i64,
    pub order_metadata: Option<&'a Map<String, Value>>,
    pub event_metadata: Option<&'a Map<String, Value>>,
    pub customer_metadata: Option<&'a Map<String, Value>>,
}

fn int(v: Option<&Value>, name: &str) -> Result<i64, String> {
    let v = v.ok_or_else(|| format!("Parameter '{name}' is required"))?;
    v.as_i64()
        .ok_or_else(|| format!("Parameter '{name}' should be an integer"))
}

/// Reads an earning rule's `loyalty` object.
pub fn parse(loyalty: &Value) -> Result<Earning, String> {
    let kind = loyalty
        .get("type")
        .and_then(Value::as_str)
        .ok_or("Parameter 'loyalty.type' is required")?;
    match kind {
        "FIXED" => {
            let points = int(loyalty.get("points"), "loyalty.points")?;
            if points < 0 {
                return Err("Parameter 'loyalty.points' should be >= 0".into());
            }
            Ok(Earning::Fixed { points })
        }
        "PROPORTIONAL" => {
            let calculation = loyalty
                .get("calculation_type")
                .and_then(Value::as_str)
                .unwrap_or("ORDER_AMOUNT");
            let (path, base) = match calculation {
                "ORDER_AMOUNT" => (["order", "amount"], Base::OrderAmount),
                "ORDER_TOTAL_AMOUNT" => (["order", "total_amount"], Base::OrderTotalAmount),
                "ORDER_METADATA" => (["order", "metadata"], Base::OrderMetadata(String::new())),
                "CUSTOM_EVENT_METADATA" => (
                    ["custom_event", "metadata"],
                    Base::EventMetadata(String::new()),
                ),
                "CUSTOMER_METADATA" => (
                    ["customer", "metadata"],
                    Base::CustomerMetadata(String::new()),
                ),
                other => {
                    return Err(format!(
                        "Calculation type '{other}' is not reproduced by the emulator"
                    ));
                }
            };
            let spec = loyalty
                .get(path[0])
                .and_then(|v| v.get(path[1]))
                .ok_or_else(|| {
                    format!("Parameter 'loyalty.{}.{}' is required", path[0], path[1])
                })?;
            let every = int(spec.get("every"), "every")?;
            let points = int(spec.get("points"), "points")?;
            if every <= 0 || points < 0 {
                return Err("Parameters 'every' should be > 0 and 'points' >= 0".into());
            }
            let property = || {
                spec.get("property")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| "Parameter 'property' is required".to_string())
            };
            let base = match base {
                Base::OrderMetadata(_) => Base::OrderMetadata(property()?),
                Base::EventMetadata(_) => Base::EventMetadata(property()?),
                Base::CustomerMetadata(_) => Base::CustomerMetadata(property()?),
                other => other,
            };
            Ok(Earning::Proportional {
                every,
                points,
                base,
            })
        }
        other => Err(format!(
            "Loyalty type '{other}' should be FIXED or PROPORTIONAL"
        )),
    }
}

/// Points `rule` gives for these facts; never negative.
pub fn points_earned(rule: &Earning, facts: &EarningFacts) -> i64 {
    match rule {
        Earning::Fixed { points } => *points,
        Earning::Proportional {
            every,
            points,
            base,
        } => {
            let metadata = |map: Option<&Map<String, Value>>, key: &str| {
                map.and_then(|m| m.get(key))
                    .and_then(|v| {
                        v.as_f64()
                            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
                    })
                    .unwrap_or(0.0)
            };
            let value = match base {
                Base::OrderAmount => facts.order_amount as f64,
                Base::OrderTotalAmount => facts.order_total_amount as f64,
                Base::OrderMetadata(k) => metadata(facts.order_metadata, k),
                Base::EventMetadata(k) => metadata(facts.event_metadata, k),
                Base::CustomerMetadata(k) => metadata(facts.customer_metadata, k),
            };
            if !value.is_finite() || value <= 0.0 {
                return 0;
            }
            let steps = (value / *every as f64).floor();
            (steps as i64).saturating_mul(*points)
        }
    }
}

/// The worth of points under a pay-with-points reward: `exchange_ratio` currency units for
/// every `points_ratio` points. Kept in ten-thousandths of a currency unit for exactness.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    /// Currency per `points_ratio` points, in ten-thousandths (0.01 → 100).
    pub exchange_e4: i64,
    pub points_ratio: i64,
}

impl Rate {
    pub fn from_numbers(exchange_ratio: f64, points_ratio: i64) -> Option<Self> {
        let exchange_e4 = (exchange_ratio * 10_000.0).round();
        (exchange_ratio.is_finite() && exchange_e4 > 0.0 && points_ratio > 0).then_some(Self {
            exchange_e4: exchange_e4 as i64,
            points_ratio,
        })
    }

    /// Money (minor units) that `points` pay, rounded down.
    pub fn value(self, points: i64) -> i64 {
        let num = i128::from(points.max(0)) * i128::from(self.exchange_e4);
        let den = 100 * i128::from(self.points_ratio);
        i64::try_from(num / den).unwrap_or(i64::MAX)
    }

    /// The fewest points that pay at least `amount` (minor units).
    pub fn points_for(self, amount: i64) -> i64 {
        let num = i128::from(amount.max(0)) * 100 * i128::from(self.points_ratio);
        let den = i128::from(self.exchange_e4);
        i64::try_from((num + den - 1) / den).unwrap_or(i64::MAX)
    }
}

/// A balance after moving `delta` (positive adds, negative takes); `None` when it would go
/// below zero.
pub fn moved(balance: i64, delta: i64) -> Option<i64> {
    balance.checked_add(delta).filter(|b| *b >= 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn proportional_earning_counts_whole_steps() {
        let rule = parse(&json!({"type": "PROPORTIONAL", "calculation_type": "ORDER_AMOUNT", "order": {"amount": {"every": 1000, "points": 1}}})).unwrap();
        let facts = |amount| EarningFacts {
            order_amount: amount,
            ..EarningFacts::default()
        };
        assert_eq!(points_earned(&rule, &facts(2599)), 2);
        assert_eq!(points_earned(&rule, &facts(999)), 0);
        assert_eq!(points_earned(&rule, &facts(10_000)), 10);
        assert_eq!(points_earned(&rule, &facts(-5)), 0);
    }

    #[test]
    fn metadata_and_fixed_earning() {
        let rule = parse(&json!({"type": "PROPORTIONAL", "calculation_type": "CUSTOM_EVENT_METADATA", "custom_event": {"metadata": {"every": 2, "points": 5, "property": "visits"}}})).unwrap();
        let meta = json!({"visits": 7}).as_object().cloned().unwrap();
        let facts = EarningFacts {
            event_metadata: Some(&meta),
            ..EarningFacts::default()
        };
        assert_eq!(points_earned(&rule, &facts), 15);
        assert_eq!(
            points_earned(
                &parse(&json!({"type": "FIXED", "points": 20})).unwrap(),
                &facts
            ),
            20
        );
        assert!(parse(&json!({"type": "FIXED", "points": -1})).is_err());
        assert!(
            parse(&json!({"type": "PROPORTIONAL", "order": {"amount": {"every": 0, "points": 1}}}))
                .is_err()
        );
        assert!(parse(&json!({"type": "BONUS"})).is_err());
    }

    #[test]
    fn points_convert_to_money_rounding_down() {
        let cent = Rate::from_numbers(0.01, 1).unwrap();
        assert_eq!(cent.value(150), 150);
        assert_eq!(cent.points_for(150), 150);
        let odd = Rate::from_numbers(0.015, 1).unwrap();
        assert_eq!(odd.value(3), 4);
        assert_eq!(odd.points_for(4), 3);
        let bulk = Rate::from_numbers(1.0, 100).unwrap();
        assert_eq!(bulk.value(250), 250);
        assert!(Rate::from_numbers(0.0, 1).is_none());
    }

    #[test]
    fn balances_never_go_negative() {
        assert_eq!(moved(100, -100), Some(0));
        assert_eq!(moved(100, -101), None);
        assert_eq!(moved(100, 50), Some(150));
    }
}
