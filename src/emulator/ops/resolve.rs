//! Resolving the redeemables of a request for the engine: what each one is (a code, a tier, a
//! gift card spending credits, a loyalty card paying with points), the rules assigned to it,
//! its budget counters, and what the request tells the rules (items, metadata, segments).

use serde_json::Value;

use super::{categories, customers, loyalty, referrals, rules, sessions, vouchers};
use crate::emulator::convert::{self, PreparedOrder};
use crate::emulator::store::Project;
use crate::engine::code::{self, CodeState};
use crate::engine::discount::{Discount, Effect};
use crate::engine::eligibility::{Context, Redeemable, RulesMode};
use crate::engine::loyalty::Rate;
use crate::engine::rejection::Rejection;
use crate::engine::rules::{Counters, CustomerFacts, ItemFacts};
use crate::engine::time::Timestamp;
use crate::model::{CustomerInput, DiscountSpec, Metadata, RedeemableRef};

impl Usage {
    /// What a card gives up for a discount of `applied` (minor units): (credits, points).
    pub fn taken(self, applied: i64) -> (i64, i64) {
        match self {
            Usage::Nothing => (0, 0),
            Usage::Credits => (applied, 0),
            Usage::Points { rate, points } => (0, points.min(rate.points_for(applied))),
        }
    }
}

/// What spending a card takes from it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Usage {
    /// A discount code or tier: nothing to take.
    #[default]
    Nothing,
    /// Gift credits, as many as the discount turns out to be.
    Credits,
    /// Points worth `rate`, at most `points`.
    Points { rate: Rate, points: i64 },
}

/// What a redeemable of the request turned out to be.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    /// The stored code, for a voucher.
    pub code: Option<String>,
    /// The stored tier id, for a promotion tier.
    pub tier: Option<String>,
    /// Whose budget it draws on: its campaign, or the code itself.
    pub owner: Option<String>,
    pub discount: Option<DiscountSpec>,
    pub metadata: Metadata,
    pub campaign: Option<(String, String)>,
    pub name: Option<String>,
    pub categories: Vec<serde_json::Value>,
    pub usage: Usage,
}

/// What rules can know about the request: items, metadata, the customer's segments.
pub fn context(
    project: &Project,
    order: &PreparedOrder,
    has_order: bool,
    customer: Option<&CustomerInput>,
    metadata: Option<&Metadata>,
    mode: RulesMode,
) -> Context {
    let items = order
        .items
        .iter()
        .map(|item| {
            let is_sku = item.related_object.as_deref() == Some("sku");
            ItemFacts {
                product_id: item.product_id.clone(),
                product_source_id: item
                    .product
                    .as_ref()
                    .and_then(|p| p.source_id.clone())
                    .or_else(|| (!is_sku).then(|| item.source_id.clone()).flatten()),
                sku_id: item.sku_id.clone(),
                sku_source_id: item
                    .sku
                    .as_ref()
                    .and_then(|s| s.source_id.clone())
                    .or_else(|| is_sku.then(|| item.source_id.clone()).flatten()),
                quantity: item.quantity,
                price: item.price.unwrap_or(item.amount),
                amount: item.amount,
                metadata: item.metadata.clone().unwrap_or_default(),
            }
        })
        .collect();
    let customer = customer.map(|input| {
        let stored =
            customers::find(project, input).and_then(|id| project.customers.get(&id).cloned());
        CustomerFacts {
            segments: stored
                .as_ref()
                .map(|c| categories::segments_of(project, &c.id))
                .unwrap_or_default(),
            metadata: input
                .metadata
                .clone()
                .or_else(|| stored.map(|c| c.metadata))
                .unwrap_or_default(),
        }
    });
    Context {
        has_order,
        items,
        order_metadata: order.input.metadata.clone(),
        customer,
        redemption_metadata: metadata.cloned(),
        collections: Default::default(),
        mode,
    }
}

/// The budget counters of `owner` before this redemption.
pub fn counters(project: &Project, owner: Option<&str>, customer_id: Option<&str>) -> Counters {
    let Some(budget) = owner.and_then(|o| project.budgets.get(o)) else {
        return Counters::default();
    };
    Counters {
        per_customer: customer_id
            .and_then(|c| budget.customers.get(c))
            .copied()
            .unwrap_or(0),
        redemptions: budget.redemptions,
        customers: budget.customers.values().filter(|n| **n > 0).count() as i64,
        orders_amount: budget.orders_amount,
        amount_discounted: budget.amount_discounted,
    }
}

/// The engine's view of one redeemable of the request, and what it resolved to. `customer`
/// says whether the request names a customer, and which stored one it is.
pub fn resolve(
    project: &Project,
    r: &RedeemableRef,
    now: Timestamp,
    customer: (bool, Option<&str>),
    has_order: bool,
    session: Option<&str>,
) -> (Redeemable, Resolved) {
    let (customer_given, customer_id) = customer;
    let missing = |resource_type: &'static str| Redeemable {
        subject: "",
        state: Err(Rejection::NotFound {
            resource_type,
            id: r.id.clone(),
        }),
        discount: None,
        rules: Vec::new(),
        counters: Counters::default(),
        category: None,
    };
    match r.object.as_str() {
        "voucher" => match project.vouchers.get(&r.id) {
            Some(stored) => {
                // What other sessions hold is not there for this request to take.
                let voucher = sessions::held(project, &stored.code, now, session).apply(&stored);
                let voucher = voucher.as_ref();
                let (mut redeemable, mut resolved) =
                    voucher_redeemable(project, voucher, now, customer_id);
                if let Some(rejection) = referrals::rejection(voucher, customer_given, customer_id)
                    && redeemable.state.is_ok()
                {
                    redeemable.state = Err(rejection);
                }
                spend(
                    project,
                    voucher,
                    r,
                    customer_id,
                    has_order,
                    &mut redeemable,
                    &mut resolved,
                );
                (redeemable, resolved)
            }
            None => (missing("voucher"), Resolved::default()),
        },
        "promotion_tier" => match project.tiers.get(&r.id) {
            Some(tier) => tier_redeemable(project, tier, now, customer_id),
            None => (missing("promotion_tier"), Resolved::default()),
        },
        _ => (missing("promotion_stack"), Resolved::default()),
    }
}

/// A code as the engine checks it (a gift or loyalty card gets its spending from [`spend`]).
pub fn voucher_redeemable(
    project: &Project,
    voucher: &crate::model::Voucher,
    now: Timestamp,
    customer_id: Option<&str>,
) -> (Redeemable, Resolved) {
    let campaign = voucher
        .campaign_id
        .as_deref()
        .and_then(|c| project.campaigns.get(c));
    let mut state = code::check(&voucher.code, &vouchers::code_state(voucher), now);
    if state.is_ok() && campaign.is_some_and(|c| !c.active) {
        state = Err(Rejection::VoucherDisabled {
            code: voucher.code.clone(),
        });
    }
    let owner = voucher
        .campaign_id
        .clone()
        .unwrap_or_else(|| voucher.id.clone());
    let mut related = vec![voucher.id.as_str()];
    related.extend(voucher.campaign_id.as_deref());
    let category_id = voucher
        .category_id
        .as_deref()
        .or_else(|| campaign.and_then(|c| c.category_id.as_deref()));
    let redeemable = Redeemable {
        subject: match voucher.kind.as_ref() {
            "GIFT_VOUCHER" => "Gift Card",
            "LOYALTY_CARD" => "Loyalty Card",
            _ => "Discount Coupon",
        },
        state,
        discount: vouchers::discount_of(voucher).map(|d| priced(project, d)),
        rules: rules::assigned(project, &related),
        counters: counters(project, Some(&owner), customer_id),
        category: categories::for_engine(project, category_id),
    };
    let resolved = Resolved {
        code: Some(voucher.code.clone()),
        tier: None,
        owner: Some(owner),
        discount: voucher.discount.clone(),
        metadata: voucher.metadata.clone(),
        campaign: campaign.map(|c| (c.id.clone(), c.name.clone())),
        name: None,
        categories: voucher.categories.clone(),
        usage: Usage::Nothing,
    };
    (redeemable, resolved)
}

/// A unit discount naming its catalogue product by id, with the catalogue price, for a cart
/// that lacks the product (one the catalogue does not know keeps its `unit_type`).
fn priced(project: &Project, discount: Discount) -> Discount {
    match discount {
        Discount::Unit {
            product,
            unit_off,
            effect,
            price: None,
        } => {
            let stored = project.products.get(&product);
            Discount::Unit {
                product: stored.map_or(product, |p| p.id.clone()),
                unit_off,
                effect,
                price: stored.and_then(|p| p.price),
            }
        }
        other => other,
    }
}

/// A promotion tier as the engine checks it.
pub fn tier_redeemable(
    project: &Project,
    tier: &crate::model::PromotionTier,
    now: Timestamp,
    customer_id: Option<&str>,
) -> (Redeemable, Resolved) {
    let campaign = project.campaigns.get(&tier.campaign.id);
    let window = CodeState {
        active: true,
        start_date: tier.start_date.or(campaign.and_then(|c| c.start_date)),
        expiration_date: tier
            .expiration_date
            .or(campaign.and_then(|c| c.expiration_date)),
        quantity: None,
        redeemed_quantity: 0,
    };
    let state = if !tier.active || campaign.is_some_and(|c| !c.active) {
        Err(Rejection::PromotionInactive {
            id: tier.id.clone(),
        })
    } else {
        code::check(&tier.id, &window, now).map_err(|_| Rejection::PromotionNotActiveNow {
            id: tier.id.clone(),
        })
    };
    let owner = tier.campaign.id.clone();
    let related = [tier.id.as_str(), tier.campaign.id.as_str()];
    let category_id = tier
        .category_id
        .as_deref()
        .or_else(|| campaign.and_then(|c| c.category_id.as_deref()));
    let discount = tier
        .action
        .discount
        .as_ref()
        .and_then(|spec| convert::engine_discount(spec, ".action.discount").ok())
        .map(|d| priced(project, d));
    let redeemable = Redeemable {
        subject: "Promotion Tier",
        state,
        discount,
        rules: rules::assigned(project, &related),
        counters: counters(project, Some(&owner), customer_id),
        category: categories::for_engine(project, category_id),
    };
    let resolved = Resolved {
        code: None,
        tier: Some(tier.id.clone()),
        owner: Some(owner),
        discount: tier.action.discount.clone(),
        metadata: tier.metadata.clone(),
        campaign: campaign.map(|c| (c.id.clone(), c.name.clone())),
        name: Some(tier.name.clone()),
        categories: tier.categories.clone(),
        usage: Usage::Nothing,
    };
    (redeemable, resolved)
}

/// What a gift card or a loyalty card pays in this request: credits up to the card's balance,
/// or points (under a pay-with-points reward) worth money. Refusals become the card's state.
fn spend(
    project: &Project,
    voucher: &crate::model::Voucher,
    r: &RedeemableRef,
    customer_id: Option<&str>,
    has_order: bool,
    redeemable: &mut Redeemable,
    resolved: &mut Resolved,
) {
    let code = || voucher.code.clone();
    let refuse = |redeemable: &mut Redeemable, rejection: Rejection| {
        if redeemable.state.is_ok() {
            redeemable.state = Err(rejection);
        }
    };
    if let Some(gift) = &voucher.gift {
        let requested = r
            .gift
            .as_ref()
            .and_then(|g| g.get("credits"))
            .and_then(Value::as_i64);
        if requested.is_some_and(|c| c > gift.balance || c < 0) {
            refuse(redeemable, Rejection::GiftAmountExceeded { code: code() });
        }
        let effect = if gift.effect == "APPLY_TO_ITEMS" {
            Effect::ApplyToItemsProportionally
        } else {
            Effect::ApplyToOrder
        };
        redeemable.discount = Some(Discount::Amount {
            amount_off: requested.unwrap_or(gift.balance).min(gift.balance),
            effect,
        });
        resolved.usage = Usage::Credits;
        return;
    }
    let Some(card) = &voucher.loyalty_card else {
        return;
    };
    let Some(reward) = r.reward.as_ref() else {
        return refuse(redeemable, Rejection::MissingReward);
    };
    let reward_id = reward.get("id").and_then(Value::as_str).unwrap_or_default();
    let program = voucher.campaign_id.as_deref().unwrap_or_default();
    let rate = match loyalty::assignment_for(project, reward_id, program) {
        Ok((reward, _)) if reward.kind == "COIN" => loyalty::coin_rate(&reward.parameters),
        Ok(_) => return refuse(redeemable, Rejection::MissingReward),
        Err(_) => {
            return refuse(
                redeemable,
                Rejection::NotFound {
                    resource_type: "reward",
                    id: reward_id.to_string(),
                },
            );
        }
    };
    let Some(rate) = rate else {
        return refuse(redeemable, Rejection::MissingReward);
    };
    if customer_id.is_none() || voucher.holder_id.as_deref() != customer_id {
        return refuse(redeemable, Rejection::InvalidCustomer { code: code() });
    }
    if !has_order {
        return refuse(redeemable, Rejection::MissingOrder);
    }
    let points = reward
        .get("points")
        .and_then(Value::as_i64)
        .unwrap_or(card.balance);
    if points > card.balance || points < 0 {
        return refuse(
            redeemable,
            Rejection::LoyaltyCardPointsExceeded { code: code() },
        );
    }
    redeemable.discount = Some(Discount::Amount {
        amount_off: rate.value(points),
        effect: Effect::ApplyToOrder,
    });
    resolved.usage = Usage::Points { rate, points };
}
