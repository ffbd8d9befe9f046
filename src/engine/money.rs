//! Money in integer minor units (cents), and percentages with exact rounding.
//!
//! Rounding rule: a percentage of an amount is computed exactly in integers and rounded to the
//! nearest minor unit, halves rounded up (15% of 19.99 = 2.9985 → 3.00; 10% of 0.05 = 0.005 →
//! 0.01). Percentages keep four decimal places (`12.3456%`); finer digits are rounded away.

use std::fmt;

/// An amount of money in minor units (`1000` = 10.00), as the API sends it.
pub type Minor = i64;

/// A percentage in ten-thousandths of a percent: `Percent(150_000)` is 15%.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Percent(pub i64);

const PERCENT_SCALE: i64 = 10_000;

impl Percent {
    pub const HUNDRED: Percent = Percent(100 * PERCENT_SCALE);

    /// From the API's plain number (`10` = 10%, `12.5` = 12.5%). `None` when not finite.
    pub fn from_number(value: f64) -> Option<Self> {
        if !value.is_finite() {
            return None;
        }
        let scaled = (value * PERCENT_SCALE as f64).round();
        if scaled.abs() > 1e15 {
            return None;
        }
        Some(Self(scaled as i64))
    }

    /// The plain number the API prints (`10`, `12.5`).
    pub fn as_number(self) -> f64 {
        self.0 as f64 / PERCENT_SCALE as f64
    }

    /// `self` percent of `amount`, rounded to the nearest minor unit, halves up.
    /// Negative amounts give 0; the result never exceeds `amount` when `self` ≤ 100%.
    pub fn of(self, amount: Minor) -> Minor {
        if amount <= 0 || self.0 <= 0 {
            return 0;
        }
        let denominator = i128::from(100 * PERCENT_SCALE);
        let exact = i128::from(amount) * i128::from(self.0);
        let rounded = (exact + denominator / 2) / denominator;
        i64::try_from(rounded).unwrap_or(i64::MAX)
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.0 / PERCENT_SCALE;
        let frac = (self.0 % PERCENT_SCALE).abs();
        if frac == 0 {
            write!(f, "{whole}%")
        } else {
            let digits = format!("{frac:04}");
            write!(f, "{whole}.{}%", digits.trim_end_matches('0'))
        }
    }
}

/// `1234` → `"12.34"`, `-5` → `"-0.05"`: how people read an amount in minor units.
pub fn format_minor(amount: Minor) -> String {
    let sign = if amount < 0 { "-" } else { "" };
    let abs = amount.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Splits `total` over `weights` in proportion, exactly: the parts add up to `total` and no part
/// exceeds its weight when `total` ≤ the sum of weights (largest-remainder method; ties go to the
/// earlier weight). Zero or negative weights get nothing.
pub fn split_proportionally(total: Minor, weights: &[Minor]) -> Vec<Minor> {
    let sum: i128 = weights.iter().map(|w| i128::from((*w).max(0))).sum();
    if total <= 0 || sum == 0 {
        return vec![0; weights.len()];
    }
    let total = i128::from(total);
    let mut parts = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    let mut given: i128 = 0;
    for (i, w) in weights.iter().enumerate() {
        let w = i128::from((*w).max(0));
        let exact = total * w;
        let part = exact / sum;
        given += part;
        parts.push(part);
        remainders.push((exact % sum, i));
    }
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut left = total - given;
    for (_, i) in remainders {
        if left == 0 {
            break;
        }
        if weights[i] > 0 {
            parts[i] += 1;
            left -= 1;
        }
    }
    parts
        .into_iter()
        .map(|p| i64::try_from(p).unwrap_or(i64::MAX))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_rounds_half_up_to_the_minor_unit() {
        let fifteen = Percent::from_number(15.0).unwrap();
        assert_eq!(fifteen.of(1999), 300); // 299.85 → 300
        let ten = Percent::from_number(10.0).unwrap();
        assert_eq!(ten.of(5), 1); // 0.5 → 1
        assert_eq!(ten.of(4), 0); // 0.4 → 0
        assert_eq!(ten.of(14), 1); // 1.4 → 1
        let third = Percent::from_number(33.3333).unwrap();
        assert_eq!(third.of(9000), 3000); // 2999.997 → 3000
        let odd = Percent::from_number(12.5).unwrap();
        assert_eq!(odd.of(1004), 126); // 125.5 → 126
    }

    #[test]
    fn percent_of_nothing_is_nothing() {
        assert_eq!(Percent::from_number(50.0).unwrap().of(0), 0);
        assert_eq!(Percent::from_number(50.0).unwrap().of(-100), 0);
        assert_eq!(Percent::from_number(0.0).unwrap().of(100), 0);
        assert_eq!(Percent::HUNDRED.of(i64::MAX), i64::MAX);
    }

    #[test]
    fn percent_prints_like_the_api() {
        assert_eq!(Percent::from_number(10.0).unwrap().to_string(), "10%");
        assert_eq!(Percent::from_number(12.5).unwrap().to_string(), "12.5%");
        assert_eq!(Percent::from_number(12.5).unwrap().as_number(), 12.5);
        assert!(Percent::from_number(f64::NAN).is_none());
    }

    #[test]
    fn formats_minor_units() {
        assert_eq!(format_minor(1234), "12.34");
        assert_eq!(format_minor(5), "0.05");
        assert_eq!(format_minor(-5), "-0.05");
        assert_eq!(format_minor(0), "0.00");
    }

    #[test]
    fn splits_exactly() {
        assert_eq!(split_proportionally(100, &[1, 1, 1]), vec![34, 33, 33]);
        assert_eq!(split_proportionally(1000, &[2000, 700]), vec![741, 259]);
        assert_eq!(split_proportionally(10, &[0, 5]), vec![0, 10]);
        assert_eq!(split_proportionally(0, &[5, 5]), vec![0, 0]);
        assert_eq!(split_proportionally(7, &[]), Vec::<i64>::new());
    }
}
