//! Whether a code can be used now: active flag, validity window and remaining uses.

use super::rejection::Rejection;
use super::time::Timestamp;

/// The parts of a code that decide whether it can be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeState {
    pub active: bool,
    pub start_date: Option<Timestamp>,
    pub expiration_date: Option<Timestamp>,
    /// `redemption.quantity`; `None` = unlimited.
    pub quantity: Option<i64>,
    pub redeemed_quantity: i64,
}

/// Checks a code at instant `now`, in this order: disabled, not active yet, expired, used up.
/// The window is inclusive: usable at exactly `start_date` and at exactly `expiration_date`.
pub fn check(code: &str, state: &CodeState, now: Timestamp) -> Result<(), Rejection> {
    let code = || code.to_string();
    if !state.active {
        return Err(Rejection::VoucherDisabled { code: code() });
    }
    if state.start_date.is_some_and(|start| now < start) {
        return Err(Rejection::VoucherNotActive { code: code() });
    }
    if state.expiration_date.is_some_and(|end| now > end) {
        return Err(Rejection::VoucherExpired { code: code() });
    }
    if state
        .quantity
        .is_some_and(|quantity| state.redeemed_quantity >= quantity)
    {
        return Err(Rejection::QuantityExceeded { code: code() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::DAY;

    fn fresh() -> CodeState {
        CodeState {
            active: true,
            start_date: None,
            expiration_date: None,
            quantity: Some(1),
            redeemed_quantity: 0,
        }
    }

    const NOW: Timestamp = Timestamp(1_700_000_000_000);

    #[test]
    fn a_fresh_code_is_usable() {
        assert_eq!(check("A", &fresh(), NOW), Ok(()));
    }

    #[test]
    fn each_state_gives_its_key() {
        let key = |s: CodeState| check("A", &s, NOW).unwrap_err().key();
        assert_eq!(
            key(CodeState {
                active: false,
                ..fresh()
            }),
            "voucher_disabled"
        );
        assert_eq!(
            key(CodeState {
                start_date: Some(NOW.plus(DAY)),
                ..fresh()
            }),
            "voucher_not_active"
        );
        assert_eq!(
            key(CodeState {
                expiration_date: Some(NOW.plus(-DAY)),
                ..fresh()
            }),
            "voucher_expired"
        );
        assert_eq!(
            key(CodeState {
                redeemed_quantity: 1,
                ..fresh()
            }),
            "quantity_exceeded"
        );
    }

    #[test]
    fn window_edges_are_inclusive_and_unlimited_means_unlimited() {
        let s = CodeState {
            start_date: Some(NOW),
            expiration_date: Some(NOW),
            quantity: None,
            redeemed_quantity: 1_000_000,
            ..fresh()
        };
        assert_eq!(check("A", &s, NOW), Ok(()));
    }
}
