//! Serde types of the Voucherify API contract, shared by the client (reading) and the emulator
//! (writing). Field names, enums and nesting follow the official OpenAPI description; fields
//! that the API omits when zero or absent are omitted here too.

pub mod async_action;
pub mod campaign;
pub mod customer;
pub mod error;
pub mod list;
pub mod loyalty;
pub mod order;
pub mod product;
pub mod publication;
pub mod qualification;
pub mod redemption;
pub mod referral;
pub mod rules;
pub mod shared;
pub mod validation;
pub mod voucher;
pub mod webhook;

pub use async_action::{AsyncAction, AsyncActionStarted, ImportFailure, ImportItem, ImportResult};
pub use campaign::{Campaign, CampaignInput, PromotionTier, TierInput};
pub use customer::{Customer, CustomerInput, CustomerRef};
pub use error::{ErrorBody, ErrorMessage};
pub use list::{List, TargetList};
pub use loyalty::{
    Balance, BalanceInput, EarningRule, EventInput, GiftState, LoyaltyCardState, MemberInput,
    Reward, RewardAssignment, RewardAssignmentInput, RewardRedemptionInput, Transaction,
};
pub use order::{Order, OrderInput, OrderItem, OrderItemInput, OrderRedemptionEntry};
pub use product::{Product, ProductInput};
pub use publication::{Publication, PublicationInput};
pub use qualification::{QualificationRequest, QualificationResponse, QualifiedRedeemable};
pub use redemption::{
    Redemption, RedemptionResponse, RedemptionRollback, RollbackRequest, RollbacksResponse,
};
pub use referral::{HoldersInput, RedeemableHolder, ReferralProgram};
pub use rules::{
    Assignment, AssignmentInput, Category, CategoryInput, Segment, SegmentInput, ValidationRule,
    ValidationRuleInput,
};
pub use shared::Shared;
pub use validation::{
    RedeemableRef, RedeemableResult, StackingRulesView, ValidationRequest, ValidationResponse,
};
pub use voucher::{DiscountSpec, Voucher, VoucherInput};

/// Free-form metadata object.
pub type Metadata = serde_json::Map<String, serde_json::Value>;

pub(crate) fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// Serializes a float as the API prints numbers: `10` rather than `10.0` when whole.
pub(crate) mod plain_number {
    use serde::Serializer;

    pub fn serialize<S: Serializer>(value: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) if v.fract() == 0.0 && v.abs() < 9e15 => s.serialize_i64(*v as i64),
            Some(v) => s.serialize_f64(*v),
            None => s.serialize_none(),
        }
    }
}
