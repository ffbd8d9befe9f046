//! Stacked validation and redemption: resolve the redeemables, gather what their rules need,
//! let the engine decide, and (for a redemption) consume, record and count in one go.

use std::collections::HashSet;

use super::answers::{sort_results, tracking_id};
use super::resolve::{self, Resolved};
use super::{customers, loyalty, orders, referrals, sessions};
use crate::emulator::convert::{self, PreparedOrder};
use crate::emulator::error::ApiError;
use crate::emulator::store::{BudgetEntry, CardDebit, Project};
use crate::engine::eligibility::{Context, Redeemable, RulesMode};
use crate::engine::stack::{self, ApplicationMode, Evaluation, Outcome};
use crate::engine::time::Timestamp;
use crate::model::redemption::Channel;
use crate::model::{
    CustomerInput, Order, OrderRedemptionEntry, Redemption, RedemptionResponse, Shared,
    StackingRulesView, ValidationRequest, ValidationResponse,
};

const OBJECTS: [&str; 3] = ["voucher", "promotion_tier", "promotion_stack"];

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
    let limit = project.stacking().redeemables_limit;
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
    let mut seen = HashSet::with_capacity(req.redeemables.len());
    for r in &req.redeemables {
        let key = match r.object.as_str() {
            "voucher" => project.vouchers.resolve(&r.id).unwrap_or(&r.id),
            _ => &r.id,
        };
        if !seen.insert((r.object.as_str(), key)) {
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
    let mut order = convert::order(project, req.order.as_ref())?;
    let customer_id = customer.as_ref().and_then(|c| customers::find(project, c));
    let context = resolve::context(
        project,
        &order,
        req.order.is_some(),
        customer.as_ref(),
        req.metadata.as_ref(),
        RulesMode::Full,
    );
    let session = sessions::parse(req)?.and_then(|s| s.key);
    let (engine, resolved): (Vec<Redeemable>, Vec<Resolved>) = req
        .redeemables
        .iter()
        .map(|r| {
            let who = (customer.is_some(), customer_id.as_deref());
            resolve::resolve(
                project,
                r,
                now,
                who,
                req.order.is_some(),
                session.as_deref(),
            )
        })
        .unzip();
    order.know_unit_products(project, engine.iter().filter_map(|r| r.discount.as_ref()));
    let evaluation = stack::evaluate(order.calc.clone(), &engine, &context, project.stacking());
    Ok(Checkout {
        order,
        evaluation,
        resolved,
        customer,
        context,
        engine,
    })
}

/// `POST /v1/validations`: evaluates without changing anything but the id counter.
pub fn validate(
    project: &mut Project,
    req: &ValidationRequest,
    now: Timestamp,
) -> Result<ValidationResponse, ApiError> {
    validate_locked(project, req, now).map(|v| v.answer(req))
}

/// A validation decided with the project at hand: everything its answer needs, so the answer
/// is written after the project is let go (other calls wait for the decision only).
pub struct Validated {
    checkout: Checkout,
    id: String,
    customer_id: Option<String>,
    session: Option<serde_json::Value>,
    tracking_id: Option<String>,
    mode: ApplicationMode,
    stacking: Shared<StackingRulesView>,
}

/// A validation that writes nothing (it holds no session): decided under the project's read
/// lock, side by side with other validations; its ids come from the project's shared counter.
pub fn validate_shared(
    project: &Project,
    req: &ValidationRequest,
    now: Timestamp,
) -> Result<Validated, ApiError> {
    let checkout = evaluate(project, req, now)?;
    let customer_id = checkout
        .customer
        .as_ref()
        .and_then(|c| customers::find(project, c));
    let tracking_id = tracking_id(project, req, customer_id.as_deref());
    Ok(Validated {
        id: project.ids.hex("valid_"),
        mode: project.stacking().application_mode,
        stacking: project.stacking_view(),
        checkout,
        customer_id,
        session: None,
        tracking_id,
    })
}

/// A whole validation under the project's write lock, holding what its session asks for (a
/// session's validation decides and holds in one go, so two sessions never hold the same last
/// use).
pub fn validate_locked(
    project: &mut Project,
    req: &ValidationRequest,
    now: Timestamp,
) -> Result<Validated, ApiError> {
    let mut validated = validate_shared(project, req, now)?;
    if let Some(asked) = sessions::parse(req)?
        && validated.checkout.evaluation.valid
    {
        validated.session = Some(sessions::hold(project, &asked, &validated.checkout, now));
    }
    Ok(validated)
}

impl Validated {
    /// The answer of `POST /v1/validations`.
    pub fn answer(self, req: &ValidationRequest) -> ValidationResponse {
        let checkout = &self.checkout;
        let mut orders = convert::OrderWriter::new(&checkout.order);
        let sorted = sort_results(self.mode, req, checkout, &mut orders);
        let mut order = orders.order(&checkout.evaluation.order);
        order.customer_id = self.customer_id;
        ValidationResponse {
            id: Some(self.id),
            valid: checkout.evaluation.valid,
            redeemables: sorted.all,
            skipped_redeemables: sorted.skipped,
            inapplicable_redeemables: sorted.inapplicable,
            order: checkout.evaluation.valid.then_some(order),
            tracking_id: self.tracking_id,
            session: self.session,
            stacking_rules: Some(self.stacking),
        }
    }
}

/// `POST /v1/redemptions`: checks and consumes in one step. A refused redemption is recorded
/// (`rf_...`) and answered with the first rejection as a 400.
pub fn redeem(
    project: &mut Project,
    req: &ValidationRequest,
    now: Timestamp,
) -> Result<RedemptionResponse, ApiError> {
    let checkout = evaluate(project, req, now)?;
    let session = sessions::parse(req)?.and_then(|s| s.key);
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
        session: session.as_ref().map(|key| serde_json::json!({"key": key})),
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

    // The session's hold is used by this redemption.
    if let Some(key) = &session {
        sessions::consume(project, key);
    }
    // Consume each applied code.
    for (resolved, outcome) in checkout.resolved.iter().zip(&checkout.evaluation.outcomes) {
        if let (Some(code), Outcome::Applicable { .. }) = (&resolved.code, outcome)
            && let Some(mut v) = project.vouchers.get_mut(code)
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
            .and_then(|c| project.vouchers.get(c));
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
        let (credits, points) = resolved.usage.taken(applied.total());
        let voucher = match (&resolved.code, credits + points > 0) {
            (Some(code), true) => {
                let m = loyalty::Move {
                    code,
                    delta: -(credits + points),
                    kind: if credits > 0 {
                        "CREDITS_REDEMPTION"
                    } else {
                        "POINTS_REDEMPTION"
                    },
                    reason: None,
                    source_id: None,
                    source: Some("API"),
                    details: serde_json::json!({"redemption": {"id": id}, "order": {"id": req.order.as_ref().and_then(|o| o.id.clone())}}),
                };
                loyalty::move_balance(project, m, now)?;
                project.card_debits.insert(
                    id.clone(),
                    CardDebit {
                        code: code.clone(),
                        points,
                        credits,
                    },
                );
                project.vouchers.get(code)
            }
            _ => voucher,
        };
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
            amount: (credits + points > 0).then_some(credits + points),
            gift: (credits > 0).then(|| serde_json::json!({"amount": credits})),
            loyalty_card: (points > 0).then(|| serde_json::json!({"points": points})),
            reward: (points > 0)
                .then(|| req.redeemables[i].reward.clone())
                .flatten(),
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
    let mut stored = orders::save(
        project,
        existing,
        &checkout.order,
        &checkout.evaluation.order,
        status,
        customer_id.clone(),
        Some((entry_id, entry)),
        now,
    )?;

    // A referral code names its referrer on the order.
    let referrer = children.iter().find_map(|c| {
        c.voucher
            .as_ref()
            .and_then(|v| referrals::referrer_of(v, customer_id.as_deref()))
    });
    if let Some(referrer) = referrer {
        stored.referrer_id = Some(referrer.clone());
        stored.referrer = Some(convert::customer_ref(project, &referrer));
        if let Some(order) = stored
            .id
            .as_deref()
            .and_then(|id| project.orders.get_mut(id))
        {
            order.referrer_id = stored.referrer_id.clone();
            order.referrer = stored.referrer.clone();
        }
    }
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

    // A referee's redemption may count a referral.
    if let Some(referee) = customer_id.as_deref() {
        for child in &children {
            if let Some(v) = child.voucher.as_ref().filter(|v| v.is_referral_code) {
                let trigger = referrals::Trigger::Redemption(&child.id);
                referrals::convert(project, &v.code, referee, trigger, now);
            }
        }
    }

    let mut orders = convert::OrderWriter::new(&checkout.order);
    let sorted = sort_results(
        project.stacking().application_mode,
        req,
        &checkout,
        &mut orders,
    );
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
        "customer": redemption.customer_id.as_deref().and_then(|c| customers::view(project, c)),
        "order": order,
        "campaign": campaign,
        "voucher": redemption.voucher,
        "holder": redemption.voucher.as_ref().and_then(|v| v.holder_id.as_deref()).and_then(|h| customers::view(project, h)),
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
    order.referrer_id = stored.referrer_id.clone();
    order.referrer = stored.referrer.clone();
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
        .and_then(|c| project.vouchers.get(c));
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
        "customer": customer_id.and_then(|c| customers::view(project, c)),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::ops::vouchers;
    use crate::emulator::{Emulator, ProjectSpec};
    use crate::model::VoucherInput;
    use serde_json::json;

    /// The answer to a validation of a 2-item order with `codes`.
    fn answer(codes: &[serde_json::Value]) -> ValidationResponse {
        let now = Timestamp::parse("2026-03-01T12:00:00Z").unwrap();
        let emulator = Emulator::with_seed(ProjectSpec::default(), now, 7);
        let slot = emulator.default_project();
        for code in codes {
            let input: VoucherInput = serde_json::from_value(code.clone()).unwrap();
            vouchers::create(&mut slot.lock(), None, &input, now).unwrap();
        }
        let req: ValidationRequest = serde_json::from_value(json!({
            "redeemables": codes.iter().map(|c| json!({"object": "voucher", "id": c["code"]})).collect::<Vec<_>>(),
            "order": {"items": [
                {"product_id": "prod_mug", "quantity": 2, "price": 950},
                {"product_id": "prod_beans", "quantity": 1, "price": 1550}
            ]}
        }))
        .unwrap();
        validate_shared(&slot.read(), &req, now)
            .unwrap()
            .answer(&req)
    }

    fn items_of(order: &Order) -> serde_json::Value {
        serde_json::to_value(&order.items).unwrap()
    }

    #[test]
    fn orders_with_the_same_items_share_them_and_write_them_alike() {
        let answer = answer(&[
            json!({"code": "TEN", "type": "DISCOUNT_VOUCHER", "discount": {"type": "PERCENT", "percent_off": 10}}),
            json!({"code": "FIVE", "type": "DISCOUNT_VOUCHER", "discount": {"type": "AMOUNT", "amount_off": 500}}),
        ]);
        let whole = answer.order.as_ref().unwrap();
        for r in &answer.redeemables {
            let order = r.order.as_ref().unwrap();
            assert!(order.items.same(&whole.items), "{}", r.id);
            assert_eq!(items_of(order), items_of(whole));
        }
        assert_eq!(items_of(whole)[0]["subtotal_amount"], 1900);
    }

    #[test]
    fn orders_whose_items_differ_keep_their_own() {
        // An item discount changes the items: the first code's order has none of the second's.
        let answer = answer(&[
            json!({"code": "TEN", "type": "DISCOUNT_VOUCHER", "discount": {"type": "PERCENT", "percent_off": 10}}),
            json!({"code": "MUGS", "type": "DISCOUNT_VOUCHER",
                "discount": {"type": "AMOUNT", "amount_off": 200, "effect": "APPLY_TO_ITEMS"}}),
        ]);
        let [first, second] = [0, 1].map(|i| answer.redeemables[i].order.as_ref().unwrap());
        let whole = answer.order.as_ref().unwrap();
        assert!(!first.items.same(&second.items));
        assert!(second.items.same(&whole.items));
        assert_ne!(items_of(first), items_of(second));
        assert!(items_of(first)[0].get("discount_amount").is_none());
        assert!(items_of(second)[0]["discount_amount"].as_i64().unwrap() > 0);
    }
}
