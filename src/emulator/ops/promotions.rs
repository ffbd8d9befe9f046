//! Promotion tiers: code-less cart promotions of a `PROMOTION` campaign.

use super::{categories, rules};
use crate::emulator::convert;
use crate::emulator::error::ApiError;
use crate::emulator::store::Project;
use crate::engine::time::Timestamp;
use crate::model::campaign::{TierAction, TierCampaign};
use crate::model::{List, PromotionTier, TierInput};

/// Checks a tier before anything is created. `at` names it in error details.
pub fn check(project: &Project, tier: &TierInput, at: &str) -> Result<(), ApiError> {
    if tier.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return Err(ApiError::invalid_payload(format!(
            "Property {at} should have required property 'name'"
        )));
    }
    let spec = tier
        .action
        .as_ref()
        .and_then(|a| a.discount.as_ref())
        .ok_or_else(|| {
            ApiError::invalid_payload(format!(
                "Property {at}.action should have required property 'discount'"
            ))
        })?;
    convert::engine_discount(spec, &format!("{at}.action.discount"))?;
    categories::resolve(
        project,
        tier.category_id.as_deref(),
        tier.category.as_deref(),
    )?;
    rules::check_ids(
        project,
        tier.validation_rules.as_deref().unwrap_or_default(),
    )?;
    if let (Some(s), Some(e)) = (tier.start_date, tier.expiration_date)
        && s > e
    {
        return Err(ApiError::bad_request(
            "invalid_promotion_tier",
            "Invalid promotion tier",
            "start_date must be before expiration_date",
        ));
    }
    Ok(())
}

/// Creates a checked tier in campaign `campaign_id` (`default_hierarchy` when none is given).
pub fn insert(
    project: &mut Project,
    campaign_id: &str,
    tier: &TierInput,
    default_hierarchy: i64,
    now: Timestamp,
) -> Result<PromotionTier, ApiError> {
    check(project, tier, "")?;
    let campaign = project
        .campaigns
        .get(campaign_id)
        .cloned()
        .ok_or_else(|| ApiError::not_found("campaign", campaign_id))?;
    if campaign.campaign_type != "PROMOTION" {
        return Err(ApiError::bad_request(
            "invalid_campaign",
            "Invalid Campaign",
            format!("Campaign {} is not a PROMOTION campaign", campaign.id),
        ));
    }
    let spec = tier
        .action
        .as_ref()
        .and_then(|a| a.discount.as_ref())
        .cloned()
        .unwrap_or_default();
    let stored = convert::discount(&spec, ".action.discount")?.1;
    let category = categories::resolve(
        project,
        tier.category_id.as_deref(),
        tier.category.as_deref(),
    )?;
    let id = project.ids.alnum("promo_", 24);
    let promotion = PromotionTier {
        id: id.clone(),
        created_at: Some(now),
        updated_at: None,
        name: tier.name.clone().unwrap_or_default(),
        banner: tier.banner.clone().or_else(|| tier.name.clone()),
        action: TierAction {
            discount: Some(stored),
        },
        metadata: tier.metadata.clone().unwrap_or_default(),
        hierarchy: tier.hierarchy.unwrap_or(default_hierarchy),
        campaign: TierCampaign {
            id: campaign.id.clone(),
            start_date: campaign.start_date,
            expiration_date: campaign.expiration_date,
            active: campaign.active,
            object: "campaign".into(),
        },
        campaign_id: Some(campaign.id.clone()),
        active: tier.active.unwrap_or(true),
        start_date: tier.start_date,
        expiration_date: tier.expiration_date,
        category_id: category.as_ref().map(|c| c.id.clone()),
        categories: categories::listed(category.as_ref()),
        object: "promotion_tier".into(),
        validation_rule_assignments: None,
    };
    project.tiers.put(id.clone(), promotion);
    rules::assign_all(
        project,
        tier.validation_rules.as_deref().unwrap_or_default(),
        "promotion_tier",
        &id,
        now,
    )?;
    Ok(view(
        project,
        project.tiers.get(&id).expect("the tier was just stored"),
    ))
}

/// A tier as returned, with its rule assignments.
pub fn view(project: &Project, tier: &PromotionTier) -> PromotionTier {
    let assignments: Vec<serde_json::Value> = project
        .assignments
        .oldest_first()
        .filter(|a| a.related_object_id == tier.id)
        .map(|a| serde_json::to_value(a).unwrap_or_default())
        .collect();
    let total = assignments.len() as u64;
    PromotionTier {
        validation_rule_assignments: Some(List::new("data", assignments, total)),
        ..tier.clone()
    }
}

/// Updates a tier's name, banner, discount (same type), dates, hierarchy and metadata.
pub fn update(
    project: &mut Project,
    id: &str,
    input: &TierInput,
    now: Timestamp,
) -> Result<PromotionTier, ApiError> {
    let current = project
        .tiers
        .get(id)
        .cloned()
        .ok_or_else(|| ApiError::not_found("promotion_tier", id))?;
    let discount = match input.action.as_ref().and_then(|a| a.discount.as_ref()) {
        Some(spec) => Some(convert::discount(spec, ".action.discount")?.1),
        None => current.action.discount.clone(),
    };
    let tier = project
        .tiers
        .get_mut(id)
        .ok_or_else(|| ApiError::not_found("promotion_tier", id))?;
    if let Some(name) = &input.name {
        tier.name = name.clone();
    }
    if input.banner.is_some() {
        tier.banner = input.banner.clone();
    }
    tier.action.discount = discount;
    if let Some(h) = input.hierarchy {
        tier.hierarchy = h;
    }
    if let Some(m) = &input.metadata {
        tier.metadata = m.clone();
    }
    if let Some(a) = input.active {
        tier.active = a;
    }
    tier.start_date = input.start_date.or(tier.start_date);
    tier.expiration_date = input.expiration_date.or(tier.expiration_date);
    tier.updated_at = Some(now);
    let tier = tier.clone();
    Ok(view(project, &tier))
}

pub fn set_active(
    project: &mut Project,
    id: &str,
    active: bool,
    now: Timestamp,
) -> Result<PromotionTier, ApiError> {
    let tier = project
        .tiers
        .get_mut(id)
        .ok_or_else(|| ApiError::not_found("promotion_tier", id))?;
    tier.active = active;
    tier.updated_at = Some(now);
    let tier = tier.clone();
    Ok(view(project, &tier))
}
