//! Stacked validation and redemption: resolve the redeemables, price the order, let the engine
//! decide, and (for a redemption) consume the codes and record everything in one go.

use std::collections::HashSet;

use super::{customers, orders, vouchers};
use crate::emulator::convert::{self, PreparedOrder};
use crate::emulator::error::ApiError;
use crate::emulator::store::Project;
use crate::engine::rejection::Rejection;
use crate::engine::stack::{self, ApplicationMode, Evaluation, Incentive, Outcome, StackingRules};
use crate::engine::time::Timestamp;
use crate::model::redemption::Channel;
use crate::model::validation::{RedeemableOutcome, ResultDetails};
use crate::model::{
    CustomerInput, Order, OrderRedemptionEntry, RedeemableRef, RedeemableResult, Redemption,
    RedemptionResponse, StackingRulesView, ValidationRequest, ValidationResponse,
};

const OBJECTS: [&str; 3] = ["voucher", "promotion_tier", "promotion_stack"];

/// A request checked and evaluated, not yet applied.
#[derive(Debug)]
pub struct Checkout {
    pub order: PreparedOrder,
    pub evaluation: Evaluation,
    /// The stored voucher (by code) behind each redeemable, when it is one.
    pub codes: Vec<Option<String>>,
    pub customer: Option<CustomerInput>,
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
    let mut codes = Vec::with_capacity(req.redeemables.len());
    let mut candidates = Vec::with_capacity(req.redeemables.len());
    for r in &req.redeemables {
        let (code, candidate) = candidate(project, r, now);
        codes.push(code);
        candidates.push(candidate);
    }
    let evaluation = stack::evaluate(order.calc.clone(), candidates, &project.stacking);
    Ok(Checkout {
        order,
        evaluation,
        codes,
        customer,
    })
}

fn candidate(
    project: &Project,
    r: &RedeemableRef,
    now: Timestamp,
) -> (Option<String>, Result<Incentive, Rejection>) {
    if r.object != "voucher" {
        let rejection = Rejection::NotFound {
            resource_type: if r.object == "promotion_stack" {
                "promotion_stack"
            } else {
                "promotion_tier"
            },
            id: r.id.clone(),
        };
        return (None, Err(rejection));
    }
    let Some(voucher) = project.vouchers.get(&r.id) else {
        let rejection = Rejection::NotFound {
            resource_type: "voucher",
            id: r.id.clone(),
        };
        return (None, Err(rejection));
    };
    let code = Some(voucher.code.clone());
    if let Err(rejection) =
        crate::engine::code::check(&voucher.code, &vouchers::code_state(voucher), now)
    {
        return (code, Err(rejection));
    }
    match vouchers::discount_of(voucher) {
        Some(discount) => (
            code,
            Ok(Incentive::Discount {
                discount,
                targets: None,
            }),
        ),
        None => (
            code,
            Err(Rejection::NotFound {
                resource_type: "voucher",
                id: r.id.clone(),
            }),
        ),
    }
}

fn empty_list() -> serde_json::Value {
    serde_json::json!({"data": [], "total": 0, "data_ref": "data", "object": "list"})
}

/// One redeemable's entry in an answer.
fn redeemable_result(
    project: &Project,
    checkout: &Checkout,
    index: usize,
    r: &RedeemableRef,
    outcome: &Outcome,
) -> RedeemableResult {
    let voucher = checkout.codes[index]
        .as_deref()
        .and_then(|c| project.vouchers.get(c));
    let base = RedeemableResult {
        id: r.id.clone(),
        object: r.object.clone(),
        ..RedeemableResult::default()
    };
    match outcome {
        Outcome::Applicable { order, .. } => RedeemableResult {
            status: "APPLICABLE".into(),
            order: Some(convert::calculated_order(order, &checkout.order)),
            applicable_to: Some(empty_list()),
            inapplicable_to: Some(empty_list()),
            result: RedeemableOutcome {
                discount: voucher.and_then(|v| v.discount.clone()),
                ..RedeemableOutcome::default()
            },
            metadata: Some(voucher.map(|v| v.metadata.clone()).unwrap_or_default()),
            categories: Some(Vec::new()),
            ..base
        },
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
        applicable_redeemables_per_category_limit: 1,
        applicable_exclusive_redeemables_limit: 1,
        applicable_exclusive_redeemables_per_category_limit: 1,
        exclusive_categories: Vec::new(),
        joint_categories: Vec::new(),
        redeemables_application_mode: rules.application_mode.api_name().into(),
        redeemables_sorting_rule: "REQUESTED_ORDER".into(),
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
    for (i, (r, outcome)) in req
        .redeemables
        .iter()
        .zip(&checkout.evaluation.outcomes)
        .enumerate()
    {
        let result = redeemable_result(project, checkout, i, r, outcome);
        match outcome {
            Outcome::Inapplicable(_) => sorted.inapplicable.push(result.clone()),
            Outcome::Skipped(_) => sorted.skipped.push(result.clone()),
            Outcome::Applicable { .. } => {}
        }
        let partial = project.stacking.application_mode == ApplicationMode::Partial;
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
        ));
    }

    // Consume each applied code.
    for (code, outcome) in checkout.codes.iter().zip(&checkout.evaluation.outcomes) {
        if let (Some(code), Outcome::Applicable { .. }) = (code, outcome)
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
    for (i, (code, outcome)) in checkout
        .codes
        .iter()
        .zip(&checkout.evaluation.outcomes)
        .enumerate()
    {
        let Outcome::Applicable { order, .. } = outcome else {
            continue;
        };
        let voucher = code
            .as_deref()
            .and_then(|c| project.vouchers.get(c))
            .cloned();
        let id = project.ids.hex("r_");
        child_ids.push(id.clone());
        children.push(Redemption {
            id,
            redemption: parent_id.clone(),
            result: "SUCCESS".into(),
            status: "SUCCEEDED".into(),
            order: Some(convert::calculated_order(order, &checkout.order)),
            related_object_type: "voucher".into(),
            related_object_id: voucher
                .as_ref()
                .map_or_else(|| req.redeemables[i].id.clone(), |v| v.id.clone()),
            voucher,
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

    let sorted = sort_results(project, req, &checkout);
    Ok(RedemptionResponse {
        redemptions: children,
        parent_redemption: parent,
        order: Some(stored),
        inapplicable_redeemables: sorted.inapplicable,
        skipped_redeemables: sorted.skipped,
    })
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
) -> ApiError {
    let id = project.ids.hex("rf_");
    let rejection = checkout.evaluation.first_rejection().cloned();
    let (code, message) = rejection.as_ref().map_or(
        ("no_applicable_redeemables", "No applicable redeemables"),
        |r| (r.key(), r.message()),
    );
    let single_voucher = (req.redeemables.len() == 1)
        .then(|| checkout.codes[0].as_deref())
        .flatten()
        .and_then(|c| project.vouchers.get(c))
        .cloned();
    let (related_type, related_id) = match &single_voucher {
        Some(v) => ("voucher".to_string(), v.id.clone()),
        None => ("redemption".to_string(), id.clone()),
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
    project.redemptions.put(id.clone(), failed);
    customers::count_redemption(project, customer_id, false);
    let error = match &rejection {
        Some(r) => ApiError::from_rejection(r),
        None => ApiError::bad_request(code, message, "None of the redeemables could be applied"),
    };
    error.with_resource("redemption", &id)
}
