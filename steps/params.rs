//! Parameter types of the step vocabulary: `{money}`, `{percent}` and `{offer}`.

use std::str::FromStr;

use cucumber::Parameter;

use crate::engine::money::{Minor, Percent};
use crate::model::DiscountSpec;

/// An amount as people write it: `40`, `12.5`, `12.50` (two decimals at most).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Parameter)]
#[param(name = "money", regex = r"\d+(?:\.\d{1,2})?")]
pub struct Money(pub Minor);

impl FromStr for Money {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_money(s).map(Money)
    }
}

fn parse_money(s: &str) -> Result<Minor, String> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let whole: i64 = whole
        .parse()
        .map_err(|_| format!("'{s}' is not an amount"))?;
    let cents: i64 = match frac.len() {
        0 => 0,
        1 => {
            frac.parse::<i64>()
                .map_err(|_| format!("'{s}' is not an amount"))?
                * 10
        }
        2 => frac
            .parse()
            .map_err(|_| format!("'{s}' is not an amount"))?,
        _ => return Err(format!("'{s}' has more than two decimals")),
    };
    whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(cents))
        .ok_or_else(|| format!("'{s}' is too large"))
}

/// A percentage: `10%`, `12.5%`.
#[derive(Debug, Clone, Copy, PartialEq, Parameter)]
#[param(name = "percent", regex = r"\d+(?:\.\d+)?%")]
pub struct PercentParam(pub f64);

impl FromStr for PercentParam {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let n: f64 = s
            .trim_end_matches('%')
            .parse()
            .map_err(|_| format!("'{s}' is not a percentage"))?;
        Percent::from_number(n).ok_or_else(|| format!("'{s}' is not a percentage"))?;
        Ok(Self(n))
    }
}

/// What a coupon gives, in words:
/// `10.00 off`, `2.00 off each item`, `15% off`, `15% off up to 5.00`, `20% off each item`,
/// `a fixed price of 30.00`, `a fixed price of 8.00 per item`, `1 free "Mug"` (units the cart
/// lacks are added), `1 free "Mug" on top` (added whatever the cart holds). A free product's
/// `unit_type` is its name here; [`super::catalog::in_catalogue`] turns it into the catalogue's.
#[derive(Debug, Clone, PartialEq, Parameter)]
#[param(
    name = "offer",
    regex = r#"\d+(?:\.\d{1,2})? off(?: each item)?|\d+(?:\.\d+)?% off(?: each item)?(?: up to \d+(?:\.\d{1,2})?)?|a fixed price of \d+(?:\.\d{1,2})?(?: per item)?|\d+ free "[^"]+"(?: on top)?"#
)]
pub struct Offer(pub DiscountSpec);

impl FromStr for Offer {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let each_item = s.contains(" each item") || s.ends_with(" per item");
        let effect = Some(
            if each_item {
                "APPLY_TO_ITEMS"
            } else {
                "APPLY_TO_ORDER"
            }
            .to_string(),
        );
        if let Some((units, rest)) = s.split_once(" free \"") {
            let (product, on_top) = match rest.strip_suffix("\" on top") {
                Some(product) => (product, true),
                None => (rest.trim_end_matches('"'), false),
            };
            return Ok(Self(DiscountSpec {
                kind: "UNIT".into(),
                unit_off: Some(
                    units
                        .parse()
                        .map_err(|_| format!("'{units}' is not a number of units"))?,
                ),
                unit_type: Some(product.to_string()),
                effect: Some(
                    if on_top {
                        "ADD_NEW_ITEMS"
                    } else {
                        "ADD_MISSING_ITEMS"
                    }
                    .into(),
                ),
                ..DiscountSpec::default()
            }));
        }
        if let Some(rest) = s.strip_prefix("a fixed price of ") {
            let amount = rest.trim_end_matches(" per item");
            return Ok(Self(DiscountSpec {
                kind: "FIXED".into(),
                fixed_amount: Some(parse_money(amount)?),
                effect,
                ..DiscountSpec::default()
            }));
        }
        let (value, rest) = s
            .split_once(" off")
            .ok_or_else(|| format!("'{s}' is not an offer"))?;
        if let Some(percent) = value.strip_suffix('%') {
            let percent_off = PercentParam::from_str(&format!("{percent}%"))?.0;
            let amount_limit = match rest.split_once(" up to ") {
                Some((_, limit)) => Some(parse_money(limit)?),
                None => None,
            };
            return Ok(Self(DiscountSpec {
                kind: "PERCENT".into(),
                percent_off: Some(percent_off),
                amount_limit,
                effect,
                ..DiscountSpec::default()
            }));
        }
        Ok(Self(DiscountSpec {
            kind: "AMOUNT".into(),
            amount_off: Some(parse_money(value)?),
            effect,
            ..DiscountSpec::default()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_like_people_write_it() {
        assert_eq!("40".parse::<Money>().unwrap().0, 4000);
        assert_eq!("12.5".parse::<Money>().unwrap().0, 1250);
        assert_eq!("0.05".parse::<Money>().unwrap().0, 5);
        assert!("1.005".parse::<Money>().is_err());
    }

    #[test]
    fn offers_become_discounts() {
        let o: Offer = "15% off up to 5.00".parse().unwrap();
        assert_eq!(o.0.kind, "PERCENT");
        assert_eq!(o.0.percent_off, Some(15.0));
        assert_eq!(o.0.amount_limit, Some(500));
        let o: Offer = "2.00 off each item".parse().unwrap();
        assert_eq!((o.0.kind.as_str(), o.0.amount_off), ("AMOUNT", Some(200)));
        assert_eq!(o.0.effect.as_deref(), Some("APPLY_TO_ITEMS"));
        let o: Offer = "2 free \"Mug\"".parse().unwrap();
        assert_eq!((o.0.kind.as_str(), o.0.unit_off), ("UNIT", Some(2)));
        assert_eq!(o.0.unit_type.as_deref(), Some("Mug"));
        assert_eq!(o.0.effect.as_deref(), Some("ADD_MISSING_ITEMS"));
        let o: Offer = "1 free \"Mug\" on top".parse().unwrap();
        assert_eq!(o.0.effect.as_deref(), Some("ADD_NEW_ITEMS"));
        let o: Offer = "a fixed price of 30.00".parse().unwrap();
        assert_eq!((o.0.kind.as_str(), o.0.fixed_amount), ("FIXED", Some(3000)));
        assert_eq!(o.0.effect.as_deref(), Some("APPLY_TO_ORDER"));
    }
}

/// Where a client-side call comes from.
#[derive(Debug, Clone, PartialEq, Eq, Parameter)]
#[param(name = "website", regex = r"the shop's website|another website")]
pub struct Website(pub String);

impl FromStr for Website {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_string()))
    }
}

/// A cart that is wrong on purpose.
#[derive(Debug, Clone, PartialEq, Eq, Parameter)]
#[param(
    name = "flaw",
    regex = r"a negative cart amount|an item with a negative quantity|an item with a negative price"
)]
pub struct CartFlaw(pub String);

impl FromStr for CartFlaw {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_string()))
    }
}

/// A rate-limit period.
#[derive(Debug, Clone, PartialEq, Eq, Parameter)]
#[param(name = "period", regex = r"hour|minute")]
pub struct Period(pub String);

impl FromStr for Period {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_string()))
    }
}

/// How a distribution sends its message.
#[derive(Debug, Clone, PartialEq, Eq, Parameter)]
#[param(name = "channel", regex = r"e-mails|texts|posts")]
pub struct SendChannel(pub String);

impl FromStr for SendChannel {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_string()))
    }
}

/// When a distribution sends: `when an order is paid`, `when the custom event "x" happens`...
#[derive(Debug, Clone, PartialEq, Eq, Parameter)]
#[param(name = "trigger", regex = r"when .+")]
pub struct TriggerPhrase(pub String);

impl FromStr for TriggerPhrase {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_string()))
    }
}

/// What webhooks a shop listens for: `redemptions`, `rollbacks and publications`...
#[derive(Debug, Clone, PartialEq, Eq, Parameter)]
#[param(name = "topics", regex = r".+")]
pub struct Topics(pub String);

impl FromStr for Topics {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_string()))
    }
}
