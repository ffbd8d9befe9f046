//! Qualification: which incentives a customer and a cart could get, each with the discount it
//! would give on its own. Campaign totals and per-customer limits are not checked here (the
//! API documents this), so a redemption may still refuse what qualification listed.

use super::answers::targets_view;
use super::resolve;
use super::{customers, orders};
use crate::emulator::convert;
use crate::emulator::error::ApiError;
use crate::emulator::filters::Filters;
use crate::emulator::store::Project;
use crate::engine::discount;
use crate::engine::eligibility::{self, Redeemable, RulesMode};
use crate::engine::rules::Counters;
use crate::engine::stack::Incentive;
use crate::engine::time::Timestamp;
use crate::model::validation::RedeemableOutcome;
use crate::model::{List, QualificationRequest, QualificationResponse, QualifiedRedeemable};

const SCENARIOS: [&str; 3] = ["ALL", "CUSTOMER_WALLET", "AUDIENCE_ONLY"];
const SORTING: [&str; 3] = ["DEFAULT", "BEST_DEAL", "LEAST_DEAL"];
/// The fields `options.filters` takes.
const FILTER_FIELDS: &[&str] = &[
    "category_id",
    "campaign_id",
    "campaign_type",
    "resource_id",
    "resource_type",
    "voucher_type",
    "code",
    "holder_role",
];

pub fn qualify(
    project: &mut Project,
    req: &QualificationRequest,
    now: Timestamp,
) -> Result<QualificationResponse, ApiError> {
    let scenario = req.scenario.as_deref().unwrap_or("ALL");
    if !SCENARIOS.contains(&scenario) {
        return Err(ApiError::bad_request(
            "invalid_payload",
            "Invalid payload",
            format!(
                "Scenario {scenario} is not reproduced by the emulator; use one of {}",
                SCENARIOS.join(", ")
            ),
        ));
    }
    let options = req.options.clone().unwrap_or_default();
    let limit = options.limit.unwrap_or(5);
    if !(1..=50).contains(&limit) {
        return Err(ApiError::invalid_payload(
            "Property .options.limit should be between 1 and 50",
        ));
    }
    let sorting = options.sorting_rule.as_deref().unwrap_or("DEFAULT");
    if !SORTING.contains(&sorting) {
        return Err(ApiError::invalid_payload(format!(
            "Property .options.sorting_rule should be equal to one of the allowed values: {}",
            SORTING.join(", ")
        )));
    }
    let filters = match &options.filters {
        Some(f) => Filters::from_json(f, FILTER_FIELDS)?,
        None => Filters::default(),
    };
    if let Some(c) = &req.customer {
        customers::check(project, c)?;
    }
    if let Some(o) = &req.order {
        orders::check_status(o.status.as_deref())?;
    }
    let mut order = convert::order(project, req.order.as_ref())?;
    let customer_id = req
        .customer
        .as_ref()
        .and_then(|c| customers::find(project, c));
    let mode = if scenario == "AUDIENCE_ONLY" {
        RulesMode::AudienceOnly
    } else {
        RulesMode::IgnoreLimits
    };
    let ctx = resolve::context(
        project,
        &order,
        req.order.is_some(),
        req.customer.as_ref(),
        req.metadata.as_ref(),
        mode,
    );

    let mut candidates = Vec::new();
    if scenario != "CUSTOMER_WALLET" {
        for tier in project.tiers.oldest_first() {
            let (r, resolved) =
                resolve::tier_redeemable(project, tier, now, customer_id.as_deref());
            candidates.push(Candidate {
                id: tier.id.clone(),
                object: "promotion_tier",
                created_at: tier.created_at,
                redeemable: r,
                resolved,
                banner: tier.banner.clone(),
                voucher_type: None,
                holder_role: None,
            });
        }
    }
    if let Some(customer) = &customer_id {
        for voucher in project
            .vouchers
            .oldest_first()
            .filter(|v| v.holder_id() == Some(customer))
            .map(|v| v.voucher())
        {
            let (r, resolved) =
                resolve::voucher_redeemable(project, &voucher, now, customer_id.as_deref());
            let holder_role = project
                .holders
                .newest_first()
                .find(|h| h.redeemable_id == voucher.id && h.customer_id == *customer)
                .map_or_else(|| "OWNER".to_string(), |h| h.holder_role.clone());
            candidates.push(Candidate {
                id: voucher.code.clone(),
                object: "voucher",
                created_at: voucher.created_at,
                redeemable: r,
                resolved,
                banner: None,
                voucher_type: Some(voucher.kind.to_string()),
                holder_role: Some(holder_role),
            });
        }
    }

    order.know_unit_products(
        project,
        candidates
            .iter()
            .filter_map(|c| c.redeemable.discount.as_ref()),
    );
    let mut found = Vec::new();
    for candidate in candidates {
        if options
            .starting_after
            .is_some_and(|after| candidate.created_at.is_none_or(|c| c >= after))
            || !filters.matches(|field| candidate.values(project, field))
        {
            continue;
        }
        let Candidate {
            id,
            object,
            created_at,
            redeemable,
            resolved,
            banner,
            ..
        } = candidate;
        let redeemable = Redeemable {
            counters: Counters::default(),
            ..redeemable
        };
        let Ok(incentive) = eligibility::check(&redeemable, &order.calc, &ctx) else {
            continue;
        };
        let mut alone = order.calc.clone();
        if let Incentive::Discount {
            discount: d,
            targets,
        } = &incentive
        {
            let all: Vec<usize> = (0..alone.lines.len()).collect();
            discount::apply(&mut alone, d, targets.as_deref().unwrap_or(&all));
        }
        let (applicable_to, inapplicable_to) = targets_view(&redeemable);
        found.push(QualifiedRedeemable {
            id,
            object: object.into(),
            created_at,
            result: RedeemableOutcome {
                discount: resolved.discount.clone(),
                ..RedeemableOutcome::default()
            },
            order: Some(convert::calculated_order(&alone, &order)),
            applicable_to: Some(applicable_to),
            inapplicable_to: Some(inapplicable_to),
            metadata: resolved.metadata.clone(),
            categories: resolved.categories.clone(),
            banner,
            name: resolved.name.clone(),
            campaign_id: resolved.campaign.as_ref().map(|c| c.0.clone()),
            campaign_name: resolved.campaign.as_ref().map(|c| c.1.clone()),
        });
    }
    let discount_of =
        |q: &QualifiedRedeemable| q.order.as_ref().map_or(0, |o| o.total_discount_amount);
    match sorting {
        "BEST_DEAL" => found.sort_by_key(|q| std::cmp::Reverse(discount_of(q))),
        "LEAST_DEAL" => found.sort_by_key(discount_of),
        _ => found.sort_by_key(|q| std::cmp::Reverse(q.created_at)),
    }
    let total = found.len() as u64;
    let page: Vec<QualifiedRedeemable> = found.into_iter().take(limit as usize).collect();
    let has_more = (page.len() as u64) < total;
    let more_after = page.last().and_then(|q| q.created_at);
    let tracking_id = req.tracking_id.clone().or_else(|| {
        customer_id
            .as_ref()
            .map(|_| format!("track_{}", project.ids.hex("")))
    });
    let mut redeemables = List::new("data", page, total).with("has_more", has_more.into());
    if has_more {
        redeemables = redeemables.with(
            "more_starting_after",
            serde_json::to_value(more_after).unwrap_or_default(),
        );
    }
    let mut whole = convert::calculated_order(&order.calc, &order);
    whole.customer_id = customer_id;
    Ok(QualificationResponse {
        redeemables,
        tracking_id,
        order: Some(whole),
        stacking_rules: Some(project.stacking_view()),
    })
}

/// An incentive that may qualify, with what `options.filters` can ask about it.
struct Candidate {
    id: String,
    object: &'static str,
    created_at: Option<Timestamp>,
    redeemable: Redeemable,
    resolved: resolve::Resolved,
    banner: Option<String>,
    voucher_type: Option<String>,
    holder_role: Option<String>,
}

impl Candidate {
    /// Its values of a filter field.
    fn values(&self, project: &Project, field: &str) -> Vec<String> {
        let campaign_id = self.resolved.campaign.as_ref().map(|c| c.0.clone());
        match field {
            "resource_id" => vec![self.id.clone()],
            "resource_type" => vec![self.object.to_string()],
            "campaign_id" => campaign_id.into_iter().collect(),
            "campaign_type" => campaign_id
                .and_then(|id| project.campaigns.get(&id))
                .map(|c| c.campaign_type.clone())
                .into_iter()
                .collect(),
            "category_id" => self
                .resolved
                .categories
                .iter()
                .filter_map(|c| c.get("id").and_then(|id| id.as_str()).map(str::to_string))
                .collect(),
            "voucher_type" => self.voucher_type.clone().into_iter().collect(),
            "code" => self.resolved.code.clone().into_iter().collect(),
            "holder_role" => self.holder_role.clone().into_iter().collect(),
            _ => Vec::new(),
        }
    }
}
