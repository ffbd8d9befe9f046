//! Business rejections: why a redeemable cannot be applied, with the API's error key and texts.
//!
//! These are values, not HTTP responses: the emulator puts them inside `result.error` of a
//! validation (HTTP 200) or turns the first one into the 400 of a failed redemption.

/// Why a redeemable was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// The code or id does not exist (404 inside `result.error`).
    NotFound {
        resource_type: &'static str,
        id: String,
    },
    /// `active: false`.
    VoucherDisabled { code: String },
    /// Before `start_date`.
    VoucherNotActive { code: String },
    /// After `expiration_date`.
    VoucherExpired { code: String },
    /// `redemption.quantity` already used up.
    QuantityExceeded { code: String },
    /// A promotion tier (or its campaign) is disabled.
    PromotionInactive { id: String },
    /// A promotion tier outside its validity window.
    PromotionNotActiveNow { id: String },
    /// Validation rules are not met. `subject` is how the API names the redeemable
    /// (`Discount Coupon`, `Promotion Tier`...); `message` is the failed rule's own text.
    RulesViolated {
        subject: String,
        rule_id: String,
        message: Option<String>,
    },
    /// The rules need a customer and the request has none.
    MissingCustomer,
    /// The rules need the order amount and the request has no order.
    MissingAmount,
    /// The rules need order items and the request has none.
    MissingOrderItems,
    /// More gift credits asked for than the card holds.
    GiftAmountExceeded { code: String },
    /// More points asked for than the card holds.
    LoyaltyCardPointsExceeded { code: String },
    /// A loyalty card used without a reward.
    MissingReward,
    /// Paying with points needs the order it pays for.
    MissingOrder,
    /// The card belongs to someone else (or no customer was given).
    InvalidCustomer { code: String },
    /// A referrer using their own referral code.
    ReferrerNotPermittedToRedeem { code: String },
}

impl Rejection {
    /// The HTTP status the API puts in the error object (`code`).
    pub fn status(&self) -> u16 {
        match self {
            Self::NotFound { .. } => 404,
            _ => 400,
        }
    }

    /// The API's error key.
    pub fn key(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => "not_found",
            Self::VoucherDisabled { .. } => "voucher_disabled",
            Self::VoucherNotActive { .. } => "voucher_not_active",
            Self::VoucherExpired { .. } => "voucher_expired",
            Self::QuantityExceeded { .. } => "quantity_exceeded",
            Self::PromotionInactive { .. } => "promotion_inactive",
            Self::PromotionNotActiveNow { .. } => "promotion_not_active_now",
            Self::RulesViolated { .. } => "redemption_rules_violated",
            Self::MissingCustomer => "missing_customer",
            Self::MissingAmount => "missing_amount",
            Self::MissingOrderItems => "missing_order_items",
            Self::GiftAmountExceeded { .. } => "gift_amount_exceeded",
            Self::LoyaltyCardPointsExceeded { .. } => "loyalty_card_points_exceeded",
            Self::MissingReward => "missing_reward",
            Self::MissingOrder => "missing_order",
            Self::InvalidCustomer { .. } => "invalid_customer",
            Self::ReferrerNotPermittedToRedeem { .. } => "referrer_not_permitted_to_redeem",
        }
    }

    /// The API's short `message`.
    pub fn message(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => "Resource not found",
            Self::VoucherDisabled { .. } => "voucher is disabled",
            Self::VoucherNotActive { .. } => "voucher not active",
            Self::VoucherExpired { .. } => "voucher expired",
            Self::QuantityExceeded { .. } => "quantity exceeded",
            Self::PromotionInactive { .. } => "Inactive Promotion",
            Self::PromotionNotActiveNow { .. } => "promotion not active now",
            Self::RulesViolated { .. } => "redemption does not match validation rules",
            Self::MissingCustomer => "Missing customer",
            Self::MissingAmount => "Missing amount",
            Self::MissingOrderItems => "Missing order items",
            Self::GiftAmountExceeded { .. } => "gift amount exceeded",
            Self::LoyaltyCardPointsExceeded { .. } => "loyalty card points exceeded",
            Self::MissingReward => "Missing reward",
            Self::MissingOrder => "Missing order",
            Self::InvalidCustomer { .. } => "Customer must be a holder of a loyalty card.",
            Self::ReferrerNotPermittedToRedeem { .. } => "voucher cannot be redeemed by referrer",
        }
    }

    /// The API's `details`: the code for code-state errors, a sentence for lookups.
    pub fn details(&self) -> String {
        match self {
            Self::NotFound { resource_type, id } => {
                format!("Cannot find {resource_type} with id {id}")
            }
            Self::VoucherDisabled { code }
            | Self::VoucherNotActive { code }
            | Self::VoucherExpired { code }
            | Self::QuantityExceeded { code } => code.clone(),
            Self::PromotionInactive { id } => format!("Promotion Tier with id: {id} is disabled."),
            Self::PromotionNotActiveNow { id } => {
                format!("Promotion Tier with id: {id} is not active in the given timeframe.")
            }
            Self::RulesViolated {
                subject, rule_id, ..
            } => {
                format!(
                    "{subject} cannot be redeemed because of violated validation rules: {rule_id}"
                )
            }
            Self::MissingCustomer => "Customer is required to validate rules".into(),
            Self::MissingAmount => "Order amount is required to validate rules".into(),
            Self::MissingOrderItems => "Order items are required to validate rules".into(),
            Self::GiftAmountExceeded { code }
            | Self::LoyaltyCardPointsExceeded { code }
            | Self::InvalidCustomer { code }
            | Self::ReferrerNotPermittedToRedeem { code } => code.clone(),
            Self::MissingReward => "A reward is required when redeeming a LOYALTY_CARD".into(),
            Self::MissingOrder => "An order is required to pay with points".into(),
        }
    }

    /// The resource a lookup error names (`resource_id`, `resource_type`).
    pub fn resource(&self) -> Option<(&'static str, &str)> {
        match self {
            Self::NotFound { resource_type, id } => Some((resource_type, id)),
            _ => None,
        }
    }

    /// The human text the API returns as `error.message` (a project's default translation).
    pub fn translation(&self) -> Option<&str> {
        match self {
            Self::NotFound { .. }
            | Self::MissingCustomer
            | Self::MissingAmount
            | Self::MissingOrderItems
            | Self::MissingOrder => None,
            Self::GiftAmountExceeded { .. } => Some("The gift card does not hold enough credits."),
            Self::LoyaltyCardPointsExceeded { .. } => {
                Some("The loyalty card does not hold enough points.")
            }
            Self::MissingReward => Some("Missing reward = please add one."),
            Self::InvalidCustomer { .. } => Some("The customer is invalid."),
            Self::ReferrerNotPermittedToRedeem { .. } => {
                Some("The referrer cannot redeem their own referral code.")
            }
            Self::PromotionInactive { .. } => Some("The promotion is inactive."),
            Self::PromotionNotActiveNow { .. } => Some("The promotion is not active now."),
            Self::RulesViolated { message, .. } => message.as_deref(),
            Self::VoucherDisabled { .. } => {
                Some("The voucher has been disabled and cannot be used.")
            }
            Self::VoucherNotActive { .. } => Some("The voucher is not active yet."),
            Self::VoucherExpired { .. } => Some("The voucher has expired."),
            Self::QuantityExceeded { .. } => {
                Some("The voucher has reached its redemption limit and cannot be used again.")
            }
        }
    }

    /// The legacy `reason` text (`POST /v1/vouchers/{code}/validate`).
    pub fn legacy_reason(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => "voucher not found",
            Self::VoucherDisabled { .. } => "voucher is disabled",
            Self::VoucherNotActive { .. } => "voucher not active",
            Self::VoucherExpired { .. } => "voucher expired",
            Self::QuantityExceeded { .. } => "quantity exceeded",
            Self::PromotionInactive { .. } => "promotion is inactive",
            Self::PromotionNotActiveNow { .. } => "promotion not active now",
            Self::RulesViolated { .. } => "redemption does not match validation rules",
            Self::MissingCustomer => "missing customer",
            Self::MissingAmount => "missing amount",
            Self::MissingOrderItems => "missing order items",
            Self::GiftAmountExceeded { .. } => "gift amount exceeded",
            Self::LoyaltyCardPointsExceeded { .. } => "loyalty card points exceeded",
            Self::MissingReward => "missing reward",
            Self::MissingOrder => "missing order",
            Self::InvalidCustomer { .. } => "invalid customer",
            Self::ReferrerNotPermittedToRedeem { .. } => "voucher cannot be redeemed by referrer",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_are_404_with_the_resource_named() {
        let r = Rejection::NotFound {
            resource_type: "voucher",
            id: "NOPE".into(),
        };
        assert_eq!(r.status(), 404);
        assert_eq!(r.key(), "not_found");
        assert_eq!(r.details(), "Cannot find voucher with id NOPE");
        assert_eq!(r.resource(), Some(("voucher", "NOPE")));
    }

    #[test]
    fn code_state_errors_name_the_code() {
        let r = Rejection::VoucherExpired { code: "OLD".into() };
        assert_eq!(
            (r.status(), r.key(), r.message()),
            (400, "voucher_expired", "voucher expired")
        );
        assert_eq!(r.details(), "OLD");
        assert!(r.translation().is_some());
    }
}
