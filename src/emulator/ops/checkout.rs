//! Stacked validation and redemption: resolve the redeemables, gather what their rules need,
//! let the engine decide, and (for a redemption) consume, record and count in one go.

use std::collections::HashSet;

use super::{categories, customers, orders, rules, vouchers};
use crate::emulator::convert::{self, PreparedOrder};
use crate::emulator::error::ApiError;
use crate::emulator::store::{BudgetEntry, Project};
use crate::engine::code::{self, CodeState};
use crate::engine::eligibility::{Context, Redeemable, RulesMode};
use crate::engine::rejection::Rejection;
use crate::engine::rules::{Counters, CustomerFacts, ItemFacts};
use crate::engine::stack::{self, ApplicationMode, Evaluation, Outcome, StackingRules};
use crate::engine::time::Timestamp;
use crate::model::redemption::Channel;
use crate::model::validation::{RedeemableOutcome, ResultDetails};
use crate::model::{
    CustomerInput, DiscountSpec, Metadata, Order, OrderRedemptionEntry, RedeemableRef,
    RedeemableResult, Redemption, RedemptionResponse, StackingRulesView, ValidationRequest,
    ValidationResponse,
};

const OBJECTS: [&str; 3] = ["voucher", "promotion_tier", "promotion_stack"];

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
}

/// A request checked and evaluated, not yet applied.
#[derive(Debug)]
pub struct Checkout {
    pub order: PreparedOrder,
    pub evaluation: Evaluation,
    pub resolved: Vec<Resolved>,
    pub customer: Option<CustomerInput>,
    pub context: Context,
    pub engine: Vec<Redeemable>,
}

/// Checks the request's shape against the project's stacking rules.
fn check_request(project: &Project, req: &ValidationRequest) -> Result<(), ApiError> {
    let limit = project.stacking.redeemables_limit;
    if req.redeemables.is_empty() {
        return Err(ApiError::invalid_payload(
            "Property .redeemables must NOT have fewer than 1 items",
        ));
    }
    if req.redeemables.len() > limit {
        return Err(ApiError::invalid_payload(format!(
            "Property .redeemables must NOT have more than {limit} items"
        )));
    }
    for (i, r) in req.redeemables.iter().enumerate() {
        if !OBJECTS.contains(&r.object.as_str()) {
            return Err(ApiError::invalid_payload(format!(
                "Property .redeemables[{i}].object should be equal to one of the allowed values: {}",
                OBJECTS.join(", ")
            )));
        }
        if r.id.trim().is_empty() {
            return Err(ApiError::invalid_payload(format!(
                "Property .redeemables[{i}].id should NOT be shorter than 1 characters"
            )));
        }
    }
    if req.redeemables.len() > 1
        && req
            .redeemables
            .iter()
            .any(|r| r.object == "promotion_stack")
    {
        return Err(ApiError::bad_request(
            "invalid_redeemables",
            "Invalid redeemables",
            "Promotion Stack cannot be use with other redeemables",
        ));
    }
    let mut seen = HashSet::new();
    for r in &req.redeemables {
        let key = match r.object.as_str() {
            "voucher" => project
                .vouchers
                .resolve(&r.id)
                .map_or_else(|| r.id.clone(), str::to_string),
            _ => r.id.clone(),
        };
        if !seen.insert((r.object.clone(), key)) {
            return Err(ApiError::bad_request(
                "duplicated_redeemables",
                "Duplicated redeemables detected",
                "Duplicated redeemables detected in one redemption",
            ));
        }
    }
    Ok(())
}

/// The customer a request names: `customer`, else the order's customer.
fn customer_of(req: &ValidationRequest) -> Option<CustomerInput> {
    req.customer
        .clone()
        .or_else(|| req.order.as_ref().and_then(orders::customer_input))
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
fn counters(project: &Project, owner: Option<&str>, customer_id: Option<&str>) -> Counters {
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

/// The engine's view of one redeemable of the request, and what it resolved to.
pub fn resolve(
    project: &Project,
    r: &RedeemableRef,
    now: Timestamp,
    customer_id: Option<&str>,
) -> (Redeemable, Resolved) {
    let missing = |resource_type: &'static str| Redeemable {
        subject: String::new(),
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
            Some(voucher) => voucher_redeemable(project, voucher, now, customer_id),
            None => (missing("voucher"), Resolved::default()),
        },
        "promotion_tier" => match project.tiers.get(&r.id) {
            Some(tier) => tier_redeemable(project, tier, now, customer_id),
            None => (missing("promotion_tier"), Resolved::default()),
        },
        _ => (missing("promotion_stack"), Resolved::default()),
    }
}

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
        subject: match voucher.kind.as_str() {
            "GIFT_VOUCHER" => "Gift Card",
            "LOYALTY_CARD" => "Loyalty Card",
            _ => "Discount Coupon",
        }
        .into(),
        state,
        discount: vouchers::discount_of(voucher),
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
    };
    (redeemable, resolved)
}

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
        .and_then(|spec| convert::discount(spec, ".action.discount").ok())
        .map(|(d, _)| d);
    let redeemable = Redeemable {
        subject: "Promotion Tier".into(),
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
    };
    (redeemable, resolved)
}

/// Checks and evaluates a request against the project at `now`, changing nothing.
pub fn evaluate(
    project: &Project,
    req: &ValidationRequest,
    now: Timestamp,
) -> Result<Checkout, ApiError> {
    check_request(project, req)?;
    let customer = customer_of(req);
    if let Some(c) = &customer {
        customers::check(project, c)?;
    }
    if let Some(order) = &req.order {
        orders::check_status(order.status.as_deref())?;
        orders::existing(project, order)?;
    }
    let order = convert::order(project, req.order.as_ref())?;
    let customer_id = customer.as_ref().and_then(|c| customers::find(project, c));
    let context = context(
        project,
        &order,
        req.order.is_some(),
        customer.as_ref(),
        req.metadata.as_ref(),
        RulesMode::Full,
    );
    let (engine, resolved): (Vec<Redeemable>, Vec<Resolved>) = req
        .redeemables
        .iter()
        .map(|r| resolve(project, r, now, customer_id.as_deref()))
        .unzip();
    let evaluation = stack::evaluate(order.calc.clone(), &engine, &context, &project.stacking);
    Ok(Checkout {
        order,
        evaluation,
        resolved,
        customer,
        context,
        engine,
    })
}

fn empty_list() -> serde_json::Value {
    serde_json::json!({"data": [], "total": 0, "data_ref": "data", "object": "list"})
}

/// `applicable_to` / `inapplicable_to` of a redeemable, from its rules' targets.
pub fn targets_view(r: &Redeemable) -> (serde_json::Value, serde_json::Value) {
    let list = |targets: Vec<&crate::engine::applicable::Target>| {
        let data: Vec<serde_json::Value> = targets
            .iter()
            .map(|t| {
                serde_json::json!({
                    "object": if t.product.object.is_empty() { "product" } else { t.product.object.as_str() },
                    "id": t.product.id,
                    "source_id": t.product.source_id,
                    "effect": match t.effect {
                        crate::engine::applicable::TargetEffect::Every => "APPLY_TO_EVERY",
                        crate::engine::applicable::TargetEffect::Cheapest => "APPLY_TO_CHEAPEST",
                        crate::engine::applicable::TargetEffect::MostExpensive => "APPLY_TO_MOST_EXPENSIVE",
                    },
                })
            })
            .collect();
        let total = data.len();
        serde_json::json!({"data": data, "total": total, "data_ref": "data", "object": "list"})
    };
    let applicable: Vec<_> = r
        .rules
        .iter()
        .filter_map(|a| a.applicable_to.as_ref())
        .collect();
    if applicable.is_empty() {
        return (empty_list(), empty_list());
    }
    (
        list(applicable.iter().flat_map(|a| a.included.iter()).collect()),
        list(applicable.iter().flat_map(|a| a.excluded.iter()).collect()),
    )
}

/// One redeemable's entry in an answer.
fn redeemable_result(
    checkout: &Checkout,
    index: usize,
    r: &RedeemableRef,
    outcome: &Outcome,
) -> RedeemableResult {
    let resolved = &checkout.resolved[index];
    let base = RedeemableResult {
        id: r.id.clone(),
        object: r.object.clone(),
        campaign_id: resolved.campaign.as_ref().map(|c| c.0.clone()),
        campaign_name: resolved.campaign.as_ref().map(|c| c.1.clone()),
        name: resolved.name.clone(),
        ..RedeemableResult::default()
    };
    match outcome {
        Outcome::Applicable { order, .. } => {
            let (applicable_to, inapplicable_to) = targets_view(&checkout.engine[index]);
            RedeemableResult {
                status: "APPLICABLE".into(),
                order: Some(convert::calculated_order(order, &checkout.order)),
                applicable_to: Some(applicable_to),
                inapplicable_to: Some(inapplicable_to),
                result: RedeemableOutcome {
                    discount: resolved.discount.clone(),
                    ..RedeemableOutcome::default()
                },
                metadata: Some(resolved.metadata.clone()),
                categories: Some(resolved.categories.clone()),
                ..base
            }
        }
        Outcome::Inapplicable(rejection) => RedeemableResult {
            status: "INAPPLICABLE".into(),
            result: RedeemableOutcome {
                error: Some(ApiError::rejection_body(rejection)),
                ..RedeemableOutcome::default()
            },
            ..base
        },
        Outcome::Skipped(reason) => RedeemableResult {
            status: "SKIPPED".into(),
            result: RedeemableOutcome {
                details: reason.details().map(|(key, message)| ResultDetails {
                    key: key.into(),
                    message: message.into(),
                }),
                ..RedeemableOutcome::default()
            },
            ..base
        },
    }
}

/// The stacking rules object every validation answer carries.
pub fn stacking_view(rules: &StackingRules) -> StackingRulesView {
    StackingRulesView {
        redeemables_limit: rules.redeemables_limit as u32,
        applicable_redeemables_limit: rules.applicable_redeemables_limit as u32,
        applicable_redeemables_per_category_limit: rules.applicable_redeemables_per_category_limit
            as u32,
        applicable_exclusive_redeemables_limit: rules.applicable_exclusive_redeemables_limit as u32,
        applicable_exclusive_redeemables_per_category_limit: rules
            .applicable_exclusive_redeemables_per_category_limit
            as u32,
        exclusive_categories: rules.exclusive_categories.clone(),
        joint_categories: rules.joint_categories.clone(),
        redeemables_application_mode: rules.application_mode.api_name().into(),
        redeemables_sorting_rule: rules.sorting_rule.api_name().into(),
        redeemables_products_application_mode: "STACK".into(),
        redeemables_no_effect_rule: "REDEEM_ANYWAY".into(),
        no_effect_skip_categories: Vec::new(),
        no_effect_redeem_anyway_categories: Vec::new(),
        redeemables_rollback_order_mode: "WITH_ORDER".into(),
    }
}

struct Sorted {
    all: Vec<RedeemableResult>,
    inapplicable: Vec<RedeemableResult>,
    skipped: Vec<RedeemableResult>,
}

fn sort_results(project: &Project, req: &ValidationRequest, checkout: &Checkout) -> Sorted {
    let mut sorted = Sorted {
        all: Vec::new(),
        inapplicable: Vec::new(),
        skipped: Vec::new(),
    };
    let partial = project.stacking.application_mode == ApplicationMode::Partial;
    for &i in &checkout.evaluation.sequence {
        let outcome = &checkout.evaluation.outcomes[i];
        let result = redeemable_result(checkout, i, &req.redeemables[i], outcome);
        match outcome {
            Outcome::Inapplicable(_) => sorted.inapplicable.push(result.clone()),
            Outcome::Skipped(_) => sorted.skipped.push(result.clone()),
            Outcome::Applicable { .. } => {}
        }
        if !partial || matches!(outcome, Outcome::Applicable { .. }) {
            sorted.all.push(result);
        }
    }
    sorted
}

fn tracking_id(
    project: &mut Project,
    req: &ValidationRequest,
    customer_id: Option<&str>,
) -> Option<String> {
    req.tracking_id.clone().or_else(|| {
        customer_id.map(|_| {
            let id = project.ids.hex("");
            format!("track_{id}")
        })
    })
}

/// `POST /v1/validations`: evaluates without changing anything but the id counter.
pub fn validate(
    project: &mut Project,
    req: &ValidationRequest,
    now: Timestamp,
) -> Result<ValidationResponse, ApiError> {
    let checkout = evaluate(project, req, now)?;
    let customer_id = checkout
        .customer
        .as_ref()
        .and_then(|c| customers::find(project, c));
    let sorted = sort_results(project, req, &checkout);
    let mut order = convert::calculated_order(&checkout.evaluation.order, &checkout.order);
    order.customer_id = customer_id.clone();
    let tracking_id = tracking_id(project, req, customer_id.as_deref());
    Ok(ValidationResponse {
        id: Some(project.ids.hex("valid_")),
        valid: checkout.evaluation.valid,
        redeemables: sorted.all,
        skipped_redeemables: sorted.skipped,
        inapplicable_redeemables: sorted.inapplicable,
        order: checkout.evaluation.valid.then_some(order),
        tracking_id,
        session: None,
        stacking_rules: Some(stacking_view(&project.stacking)),
    })
}

/// `POST /v1/redemptions`: checks and consumes in one step. A refused redemption is recorded
/// (`rf_...`) and answered with the first rejection as a 400.
pub fn redeem(
    project: &mut Project,
    req: &ValidationRequest,
    now: Timestamp,
) -> Result<RedemptionResponse, ApiError> {
    let checkout = evaluate(project, req, now)?;
    let input = req.order.clone().unwrap_or_default();
    let existing = orders::existing(project, &input)?;
    let customer_id = match &checkout.customer {
        Some(c) => Some(customers::upsert(project, c, now)?),
        None => None,
    };
    let customer = customer_id
        .as_deref()
        .map(|id| convert::customer_ref(project, id));
    let tracking_id = tracking_id(project, req, customer_id.as_deref());
    let base = Redemption {
        object: "redemption".into(),
        date: Some(now),
        customer_id: customer_id.clone(),
        tracking_id,
        metadata: Some(req.metadata.clone().unwrap_or_default()),
        channel: Channel {
            channel_id: None,
            channel_type: "API".into(),
        },
        customer,
        ..Redemption::default()
    };

    if !checkout.evaluation.valid {
        return Err(record_failure(
            project,
            req,
            &checkout,
            base,
            customer_id.as_deref(),
            now,
        ));
    }

    // Consume each applied code.
    for (resolved, outcome) in checkout.resolved.iter().zip(&checkout.evaluation.outcomes) {
        if let (Some(code), Outcome::Applicable { .. }) = (&resolved.code, outcome)
            && let Some(v) = project.vouchers.get_mut(code)
        {
            v.redemption.redeemed_quantity += 1;
            v.updated_at = Some(now);
        }
    }

    let stacked = req.redeemables.len() > 1;
    let parent_id = stacked.then(|| project.ids.hex("r_"));
    let mut children = Vec::new();
    let mut child_ids = Vec::new();
    let mut budget = Vec::new();
    for &i in &checkout.evaluation.sequence {
        let Outcome::Applicable { order, applied, .. } = &checkout.evaluation.outcomes[i] else {
            continue;
        };
        let resolved = &checkout.resolved[i];
        let voucher = resolved
            .code
            .as_deref()
            .and_then(|c| project.vouchers.get(c))
            .cloned();
        let tier = resolved
            .tier
            .as_deref()
            .and_then(|t| project.tiers.get(t))
            .cloned();
        let id = project.ids.hex("r_");
        child_ids.push(id.clone());
        if let Some(owner) = &resolved.owner {
            budget.push((
                id.clone(),
                BudgetEntry {
                    owner: owner.clone(),
                    customer_id: customer_id.clone(),
                    order_amount: checkout.order.calc.amount,
                    discount: applied.total(),
                },
            ));
        }
        let (related_type, related_id) = match (&voucher, &tier) {
            (Some(v), _) => ("voucher", v.id.clone()),
            (None, Some(t)) => ("promotion_tier", t.id.clone()),
            _ => ("voucher", req.redeemables[i].id.clone()),
        };
        children.push(Redemption {
            id,
            redemption: parent_id.clone(),
            result: "SUCCESS".into(),
            status: "SUCCEEDED".into(),
            order: Some(convert::calculated_order(order, &checkout.order)),
            related_object_type: related_type.into(),
            related_object_id: related_id,
            voucher,
            promotion_tier: tier.map(|t| serde_json::to_value(t).unwrap_or_default()),
            ..base.clone()
        });
    }

    let (entry_id, entry) = match &parent_id {
        Some(pid) => (
            pid.clone(),
            OrderRedemptionEntry {
                date: Some(now),
                related_object_type: "redemption".into(),
                related_object_id: pid.clone(),
                stacked: Some(child_ids.clone()),
                ..OrderRedemptionEntry::default()
            },
        ),
        None => (
            child_ids[0].clone(),
            OrderRedemptionEntry {
                date: Some(now),
                related_object_type: children[0].related_object_type.clone(),
                related_object_id: children[0].related_object_id.clone(),
                ..OrderRedemptionEntry::default()
            },
        ),
    };
    let status = Some(input.status.clone().unwrap_or_else(|| "PAID".into()));
    let stored = orders::save(
        project,
        existing,
        &checkout.order,
        &checkout.evaluation.order,
        status,
        customer_id.clone(),
        Some((entry_id, entry)),
        now,
    );

    for (id, entry) in budget {
        add_to_budget(project, &entry, 1);
        project.budget_entries.insert(id, entry);
    }
    // Children carry the stored order's identity with their own running totals.
    for child in &mut children {
        if let Some(order) = &mut child.order {
            adopt_identity(order, &stored);
        }
        project.redemptions.put(child.id.clone(), child.clone());
    }
    let parent = parent_id.map(|pid| {
        let parent = Redemption {
            id: pid.clone(),
            result: "SUCCESS".into(),
            status: "SUCCEEDED".into(),
            order: Some(stored.clone()),
            related_object_type: "redemption".into(),
            related_object_id: pid.clone(),
            voucher: None,
            ..base.clone()
        };
        project.redemptions.put(pid.clone(), parent.clone());
        project.children.insert(pid, child_ids.clone());
        parent
    });
    customers::count_redemption(project, customer_id.as_deref(), true);
    for child in &children {
        let data = redemption_event_data(project, child, &stored);
        project.emit(
            "redemption.succeeded",
            &child.id,
            customer_id.as_deref(),
            data,
            now,
        );
    }

    let sorted = sort_results(project, req, &checkout);
    Ok(RedemptionResponse {
        redemptions: children,
        parent_redemption: parent,
        order: Some(stored),
        inapplicable_redeemables: sorted.inapplicable,
        skipped_redeemables: sorted.skipped,
    })
}

/// The `data` of a `redemption.*` event: the objects the API names in it.
pub fn redemption_event_data(
    project: &Project,
    redemption: &Redemption,
    order: &Order,
) -> serde_json::Value {
    let campaign = redemption
        .voucher
        .as_ref()
        .and_then(|v| v.campaign_id.as_deref())
        .or_else(|| {
            redemption
                .promotion_tier
                .as_ref()
                .and_then(|t| t.get("campaign_id"))
                .and_then(|c| c.as_str())
        })
        .and_then(|c| project.campaigns.get(c));
    serde_json::json!({
        "customer": redemption.customer_id.as_deref().and_then(|c| project.customers.get(c)),
        "order": order,
        "campaign": campaign,
        "voucher": redemption.voucher,
        "holder": redemption.voucher.as_ref().and_then(|v| v.holder_id.as_deref()).and_then(|h| project.customers.get(h)),
        "promotion_tier": redemption.promotion_tier,
        "redemption": redemption,
    })
}

/// Adds (`sign` 1) or takes back (`sign` -1) one redemption's share of its budget.
pub fn add_to_budget(project: &mut Project, entry: &BudgetEntry, sign: i64) {
    let budget = project.budgets.entry(entry.owner.clone()).or_default();
    budget.redemptions += sign;
    budget.orders_amount = budget
        .orders_amount
        .saturating_add(sign.saturating_mul(entry.order_amount));
    budget.amount_discounted = budget
        .amount_discounted
        .saturating_add(sign.saturating_mul(entry.discount));
    if let Some(c) = &entry.customer_id {
        *budget.customers.entry(c.clone()).or_default() += sign;
    }
}

fn adopt_identity(order: &mut Order, stored: &Order) {
    order.id = stored.id.clone();
    order.source_id = stored.source_id.clone();
    order.created_at = stored.created_at;
    order.updated_at = stored.updated_at;
    order.status = stored.status.clone();
    order.customer = stored.customer.clone();
    order.customer_id = stored.customer_id.clone();
}

fn record_failure(
    project: &mut Project,
    req: &ValidationRequest,
    checkout: &Checkout,
    base: Redemption,
    customer_id: Option<&str>,
    now: Timestamp,
) -> ApiError {
    let id = project.ids.hex("rf_");
    let rejection = checkout.evaluation.first_rejection().cloned();
    let (code, message) = rejection.as_ref().map_or(
        ("no_applicable_redeemables", "No applicable redeemables"),
        |r| (r.key(), r.message()),
    );
    let single = (req.redeemables.len() == 1).then(|| &checkout.resolved[0]);
    let single_voucher = single
        .and_then(|r| r.code.as_deref())
        .and_then(|c| project.vouchers.get(c))
        .cloned();
    let single_tier = single.and_then(|r| r.tier.clone());
    let (related_type, related_id) = match (&single_voucher, single_tier) {
        (Some(v), _) => ("voucher".to_string(), v.id.clone()),
        (None, Some(t)) => ("promotion_tier".to_string(), t),
        _ => ("redemption".to_string(), id.clone()),
    };
    let failed = Redemption {
        id: id.clone(),
        result: "FAILURE".into(),
        status: "FAILED".into(),
        failure_code: Some(code.into()),
        failure_message: Some(message.into()),
        order: None,
        related_object_type: related_type,
        related_object_id: related_id,
        voucher: single_voucher,
        ..base
    };
    project.redemptions.put(id.clone(), failed.clone());
    customers::count_redemption(project, customer_id, false);
    let data = serde_json::json!({
        "customer": customer_id.and_then(|c| project.customers.get(c)),
        "voucher": failed.voucher,
        "redemption": failed,
    });
    project.emit("redemption.failed", &id, customer_id, data, now);
    let error = match &rejection {
        Some(r) => ApiError::from_rejection(r),
        None => ApiError::bad_request(code, message, "None of the redeemables could be applied"),
    };
    error.with_resource("redemption", &id)
}
