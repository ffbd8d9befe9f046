//! Campaigns: `DISCOUNT_COUPONS` and `REFERRAL_PROGRAM` campaigns that generate codes from
//! their template (referral codes for the latter), gift card and loyalty campaigns, and
//! `PROMOTION` campaigns that hold tiers.

use super::vouchers::{self, Draft};
use super::{categories, promotions, referrals, rules};
use crate::emulator::convert;
use crate::emulator::error::ApiError;
use crate::emulator::store::Project;
use crate::engine::time::Timestamp;
use crate::model::voucher::CodeConfig;
use crate::model::{Campaign, CampaignInput, Voucher};

/// Most codes one request generates (the emulator answers synchronously).
pub const MAX_GENERATED: i64 = 100_000;

/// Campaign types whose codes come from a template.
const CODE_CAMPAIGNS: [&str; 4] = [
    "DISCOUNT_COUPONS",
    "GIFT_VOUCHERS",
    "LOYALTY_PROGRAM",
    "REFERRAL_PROGRAM",
];

const TYPES: [&str; 5] = [
    "DISCOUNT_COUPONS",
    "PROMOTION",
    "GIFT_VOUCHERS",
    "LOYALTY_PROGRAM",
    "REFERRAL_PROGRAM",
];

fn invalid(details: impl Into<String>) -> ApiError {
    ApiError::bad_request("invalid_campaign", "Invalid Campaign", details)
}

/// `POST /v1/campaigns`: checks everything, then creates the campaign, its codes or its tiers.
pub fn create(
    project: &mut Project,
    input: &CampaignInput,
    now: Timestamp,
) -> Result<Campaign, ApiError> {
    let name = input
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::invalid_payload("Payload should have required property 'name'"))?;
    if project.campaigns.contains(&name) {
        return Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "duplicate_found",
            "Duplicated resource found",
            format!("Duplicated campaign exists with name {name}"),
        )
        .with_resource("campaign", &name));
    }
    let campaign_type = input.campaign_type.clone().ok_or_else(|| {
        ApiError::invalid_payload("Payload should have required property 'campaign_type'")
    })?;
    if !TYPES.contains(&campaign_type.as_str()) {
        return Err(ApiError::invalid_payload(format!(
            "Property .campaign_type should be equal to one of the allowed values: {}",
            TYPES.join(", ")
        )));
    }
    let category = categories::resolve(
        project,
        input.category_id.as_deref(),
        input.category.as_deref(),
    )?;
    let rule_ids = input.validation_rules.clone().unwrap_or_default();
    rules::check_ids(project, &rule_ids)?;
    let count = input.vouchers_count.unwrap_or(0);
    let mut template = input.voucher.clone();
    let mut referral_program = None;
    let kind = match campaign_type.as_str() {
        "DISCOUNT_COUPONS" | "REFERRAL_PROGRAM" => {
            let t = template.as_mut().ok_or_else(|| {
                invalid(format!(
                    "Property 'voucher' is required for {campaign_type} campaign"
                ))
            })?;
            let spec = t.discount.as_ref().ok_or_else(|| {
                invalid(format!(
                    "Property 'voucher.discount' is required for {campaign_type} campaign"
                ))
            })?;
            t.discount = Some(convert::discount(spec, ".voucher.discount")?.1);
            t.kind = Some("DISCOUNT_VOUCHER".into());
            t.is_referral_code = Some(campaign_type == "REFERRAL_PROGRAM");
            if campaign_type == "REFERRAL_PROGRAM" {
                let mut program = input.referral_program.clone().unwrap_or_default();
                referrals::check_program(project, &mut program)?;
                referral_program = Some(program);
            }
            t.code_config = Some(code_config(t.code_config.as_ref()));
            if !(0..=MAX_GENERATED).contains(&count) {
                return Err(invalid(format!(
                    "vouchers_count should be between 0 and {MAX_GENERATED}"
                )));
            }
            input.kind.clone().unwrap_or_else(|| "AUTO_UPDATE".into())
        }
        "GIFT_VOUCHERS" | "LOYALTY_PROGRAM" => {
            let code_kind = if campaign_type == "GIFT_VOUCHERS" {
                "GIFT_VOUCHER"
            } else {
                "LOYALTY_CARD"
            };
            let t = template.get_or_insert_with(Default::default);
            let (_, gift, card) =
                vouchers::value_of(code_kind, None, t.gift.as_ref(), t.loyalty_card.as_ref())?;
            t.kind = Some(code_kind.into());
            t.gift = gift.map(|g| serde_json::json!({"amount": g.amount, "effect": g.effect}));
            t.loyalty_card = card.map(|c| serde_json::json!({"points": c.points}));
            t.is_referral_code = Some(false);
            t.code_config = Some(code_config(t.code_config.as_ref()));
            if !(0..=MAX_GENERATED).contains(&count) {
                return Err(invalid(format!(
                    "vouchers_count should be between 0 and {MAX_GENERATED}"
                )));
            }
            input.kind.clone().unwrap_or_else(|| "AUTO_UPDATE".into())
        }
        "PROMOTION" => {
            let tiers = input
                .promotion
                .as_ref()
                .map(|p| p.tiers.as_slice())
                .unwrap_or_default();
            for (i, tier) in tiers.iter().enumerate() {
                promotions::check(project, tier, &format!(".promotion.tiers[{i}]"))?;
            }
            "STATIC".to_string()
        }
        other => {
            return Err(invalid(format!(
                "{other} campaigns are not reproduced by the emulator yet"
            )));
        }
    };
    if let (Some(start), Some(end)) = (input.start_date, input.expiration_date)
        && start > end
    {
        return Err(invalid("start_date must be before expiration_date"));
    }

    let id = project.ids.alnum("camp_", 24);
    let campaign = Campaign {
        id: id.clone(),
        name: name.clone(),
        description: input.description.clone(),
        campaign_type: campaign_type.clone(),
        kind,
        voucher: template,
        auto_join: input.auto_join.unwrap_or(false),
        join_once: input.join_once.unwrap_or(false) || campaign_type == "LOYALTY_PROGRAM",
        use_voucher_metadata_schema: false,
        start_date: input.start_date,
        expiration_date: input.expiration_date,
        vouchers_count: 0,
        active: input.active.unwrap_or(true),
        metadata: input.metadata.clone().unwrap_or_default(),
        created_at: Some(now),
        updated_at: None,
        category: category.as_ref().map(|c| c.name.clone()),
        creation_status: "DONE".into(),
        vouchers_generation_status: "DONE".into(),
        protected: false,
        category_id: category.as_ref().map(|c| c.id.clone()),
        categories: categories::listed(category.as_ref()),
        promotion: None,
        referral_program,
        object: "campaign".into(),
    };
    project.campaigns.alias(name, id.clone());
    project.campaigns.put(id.clone(), campaign);
    rules::assign_all(project, &rule_ids, "campaign", &id, now)?;
    if campaign_type == "PROMOTION" {
        let tiers = input
            .promotion
            .as_ref()
            .map(|p| p.tiers.clone())
            .unwrap_or_default();
        for (i, tier) in tiers.iter().enumerate() {
            promotions::insert(project, &id, tier, i as i64 + 1, now)?;
        }
    }
    for _ in 0..count {
        generate(project, &id, now)?;
    }
    let campaign = view(project, &id)?;
    project.emit(
        "campaign.created",
        &id,
        None,
        serde_json::json!({"campaign": campaign}),
        now,
    );
    Ok(campaign)
}

fn code_config(given: Option<&CodeConfig>) -> CodeConfig {
    let mut config = given.cloned().unwrap_or_default();
    if config.pattern.is_none() && config.length.is_none() {
        config.length = Some(8);
    }
    if config.charset.is_none() {
        config.charset =
            Some("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".into());
    }
    config
}

/// The checked `referral_program` of an update: only referral campaigns have one.
pub fn updated_program(
    project: &mut Project,
    key: &str,
    given: Option<crate::model::ReferralProgram>,
) -> Result<Option<crate::model::ReferralProgram>, ApiError> {
    let Some(mut program) = given else {
        return Ok(None);
    };
    let campaign_type = project
        .campaigns
        .get(key)
        .map(|c| c.campaign_type.clone())
        .ok_or_else(|| ApiError::not_found("campaign", key))?;
    if campaign_type != "REFERRAL_PROGRAM" {
        return Err(invalid(format!(
            "referral_program can only be set on a REFERRAL_PROGRAM campaign, not {campaign_type}"
        )));
    }
    referrals::check_program(project, &mut program)?;
    Ok(Some(program))
}

/// A campaign as returned, with its tiers summarized for promotions.
pub fn view(project: &Project, key: &str) -> Result<Campaign, ApiError> {
    let mut campaign = project
        .campaigns
        .get(key)
        .cloned()
        .ok_or_else(|| ApiError::not_found("campaign", key))?;
    if campaign.campaign_type == "PROMOTION" {
        let tiers: Vec<serde_json::Value> = project
            .tiers
            .oldest_first()
            .filter(|t| t.campaign.id == campaign.id)
            .map(|t| serde_json::to_value(promotions::view(project, t)).unwrap_or_default())
            .collect();
        let total = tiers.len();
        campaign.promotion = Some(serde_json::json!({
            "object": "list", "data_ref": "tiers", "tiers": tiers, "total": total, "has_more": false
        }));
    }
    Ok(campaign)
}

/// A new code from the campaign's template.
pub fn generate(
    project: &mut Project,
    campaign_id: &str,
    now: Timestamp,
) -> Result<Voucher, ApiError> {
    let campaign = project
        .campaigns
        .get(campaign_id)
        .cloned()
        .ok_or_else(|| ApiError::not_found("campaign", campaign_id))?;
    let template = campaign
        .voucher
        .clone()
        .filter(|_| CODE_CAMPAIGNS.contains(&campaign.campaign_type.as_str()))
        .ok_or_else(|| {
            invalid(format!(
                "{} campaigns do not generate codes",
                campaign.campaign_type
            ))
        })?;
    let code = vouchers::generate_code(project, template.code_config.as_ref())?;
    add_code(project, &campaign, code, now)
}

/// Adds a code (given or generated) to a code campaign.
pub fn add_code(
    project: &mut Project,
    campaign: &crate::model::Campaign,
    code: String,
    now: Timestamp,
) -> Result<Voucher, ApiError> {
    if !CODE_CAMPAIGNS.contains(&campaign.campaign_type.as_str()) {
        return Err(invalid(format!(
            "{} campaigns do not hold codes",
            campaign.campaign_type
        )));
    }
    if project.vouchers.contains(&code) {
        return Err(ApiError::duplicate("voucher", &code));
    }
    let template = campaign.voucher.clone().unwrap_or_default();
    let category = categories::resolve(project, campaign.category_id.as_deref(), None)?;
    let kind = template
        .kind
        .clone()
        .unwrap_or_else(|| "DISCOUNT_VOUCHER".into());
    let (discount, gift, loyalty_card) = vouchers::value_of(
        &kind,
        template.discount.as_ref(),
        template.gift.as_ref(),
        template.loyalty_card.as_ref(),
    )?;
    let draft = Draft {
        code,
        kind,
        discount,
        gift,
        loyalty_card,
        campaign: Some((campaign.id.clone(), campaign.name.clone())),
        category,
        start_date: campaign.start_date,
        expiration_date: campaign.expiration_date,
        active: true,
        quantity: template.redemption.as_ref().and_then(|r| r.quantity),
        is_referral_code: template.is_referral_code.unwrap_or(false),
        ..Draft::default()
    };
    Ok(vouchers::insert(project, draft, now))
}

/// Turns a campaign on or off (its codes and tiers follow).
pub fn set_active(
    project: &mut Project,
    key: &str,
    active: bool,
    now: Timestamp,
) -> Result<(), ApiError> {
    let campaign = project
        .campaigns
        .get_mut(key)
        .ok_or_else(|| ApiError::not_found("campaign", key))?;
    campaign.active = active;
    campaign.updated_at = Some(now);
    let id = campaign.id.clone();
    let data = serde_json::json!({"campaign": campaign.clone()});
    project.emit(
        if active {
            "campaign.enabled"
        } else {
            "campaign.disabled"
        },
        &id,
        None,
        data,
        now,
    );
    for tier in project
        .tiers
        .oldest_first()
        .map(|t| t.id.clone())
        .collect::<Vec<_>>()
    {
        if let Some(t) = project.tiers.get_mut(&tier)
            && t.campaign.id == id
        {
            t.campaign.active = active;
        }
    }
    Ok(())
}

/// Deletes a campaign with its codes, tiers and assignments.
pub fn delete(project: &mut Project, key: &str, now: Timestamp) -> Result<String, ApiError> {
    let campaign = project
        .campaigns
        .remove(key)
        .ok_or_else(|| ApiError::not_found("campaign", key))?;
    project.campaigns.unalias(&campaign.name);
    let codes: Vec<(String, String)> = project
        .vouchers
        .oldest_first()
        .filter(|v| v.campaign_id.as_deref() == Some(campaign.id.as_str()))
        .map(|v| (v.code.clone(), v.id.clone()))
        .collect();
    for (code, id) in codes {
        project.vouchers.remove(&code);
        project.vouchers.unalias(&id);
        rules::forget(project, &id);
    }
    let tiers: Vec<String> = project
        .tiers
        .oldest_first()
        .filter(|t| t.campaign.id == campaign.id)
        .map(|t| t.id.clone())
        .collect();
    for t in tiers {
        project.tiers.remove(&t);
        rules::forget(project, &t);
    }
    rules::forget(project, &campaign.id);
    project.emit(
        "campaign.deleted",
        &campaign.id,
        None,
        serde_json::json!({"campaign": campaign}),
        now,
    );
    Ok(project.ids.hex("aa_"))
}
