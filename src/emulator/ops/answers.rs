//! How a checkout's outcome is written in the answer: each redeemable's entry with the API's
//! statuses and reason keys (its order written by a [`OrderWriter`]), and the lists of skipped
//! and inapplicable ones. The stacking rules an answer carries are the project's own view of
//! them ([`crate::emulator::store::Project::stacking_view`]).

use super::checkout::Checkout;
use super::resolve::Usage;
use crate::emulator::convert::OrderWriter;
use crate::emulator::error::ApiError;
use crate::emulator::store::Project;
use crate::engine::eligibility::Redeemable;
use crate::engine::stack::{ApplicationMode, Outcome};
use crate::model::validation::{RedeemableOutcome, ResultDetails};
use crate::model::{RedeemableRef, RedeemableResult, TargetList, ValidationRequest};

/// `applicable_to` / `inapplicable_to` of a redeemable, from its rules' targets.
pub fn targets_view(r: &Redeemable) -> (TargetList, TargetList) {
    let list = |targets: Vec<&crate::engine::applicable::Target>| {
        TargetList::new(
            targets
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
                .collect(),
        )
    };
    let applicable: Vec<_> = r
        .rules
        .iter()
        .filter_map(|a| a.applicable_to.as_ref())
        .collect();
    (
        list(applicable.iter().flat_map(|a| a.included.iter()).collect()),
        list(applicable.iter().flat_map(|a| a.excluded.iter()).collect()),
    )
}

/// One redeemable's entry in an answer, its order written by `orders`.
fn redeemable_result<'a>(
    checkout: &'a Checkout,
    orders: &mut OrderWriter<'a>,
    index: usize,
    r: &RedeemableRef,
    outcome: &'a Outcome,
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
        Outcome::Applicable { order, applied, .. } => {
            let (applicable_to, inapplicable_to) = targets_view(&checkout.engine[index]);
            let (credits, points) = resolved.usage.taken(applied.total());
            RedeemableResult {
                status: "APPLICABLE".into(),
                order: Some(Box::new(orders.order(order))),
                applicable_to: Some(applicable_to),
                inapplicable_to: Some(inapplicable_to),
                result: match resolved.usage {
                    Usage::Nothing => RedeemableOutcome {
                        discount: resolved.discount.clone(),
                        ..RedeemableOutcome::default()
                    },
                    Usage::Credits => RedeemableOutcome {
                        gift: Some(serde_json::json!({"credits": credits})),
                        ..RedeemableOutcome::default()
                    },
                    Usage::Points { .. } => RedeemableOutcome {
                        loyalty_card: Some(serde_json::json!({"points": points})),
                        ..RedeemableOutcome::default()
                    },
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

pub struct Sorted {
    pub all: Vec<RedeemableResult>,
    pub inapplicable: Vec<RedeemableResult>,
    pub skipped: Vec<RedeemableResult>,
}

/// The entries of every redeemable, in the order they were considered; `orders` writes their
/// orders.
pub fn sort_results<'a>(
    mode: ApplicationMode,
    req: &ValidationRequest,
    checkout: &'a Checkout,
    orders: &mut OrderWriter<'a>,
) -> Sorted {
    let mut sorted = Sorted {
        all: Vec::new(),
        inapplicable: Vec::new(),
        skipped: Vec::new(),
    };
    let partial = mode == ApplicationMode::Partial;
    for &i in &checkout.evaluation.sequence {
        let outcome = &checkout.evaluation.outcomes[i];
        let result = redeemable_result(checkout, orders, i, &req.redeemables[i], outcome);
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

/// The request's tracking id, or a new one for a known customer.
pub fn tracking_id(
    project: &Project,
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
