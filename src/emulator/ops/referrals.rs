//! Referral programs: the program of a `REFERRAL_PROGRAM` campaign, the holders of a code
//! (its referrer and the referees), and conversions, when a referee's redemption or custom
//! event counts a referral and brings the referee's and the referrer's rewards.
//!
//! A referee counts once per campaign: later purchases with a referral code still get its
//! discount and name the referrer on the order, but count and reward nothing. A rollback of
//! the referee's redemption gives the code's use back and leaves the referral and the rewards
//! already given in place: they were issued as their own ledger entries and publications.

use serde_json::{Value, json};

use super::{campaigns, customers, loyalty, publications};
use crate::emulator::convert;
use crate::emulator::error::ApiError;
use crate::emulator::store::Project;
use crate::engine::rejection::Rejection;
use crate::engine::time::Timestamp;
use crate::model::customer::ReferralEntry;
use crate::model::referral::{HeldRedeemable, ReferrerTier};
use crate::model::{
    Campaign, CustomerInput, HoldersInput, MemberInput, PublicationInput, RedeemableHolder,
    ReferralProgram, Voucher,
};

/// Most holders one request may add.
pub const MAX_HOLDERS: usize = 100;

const CONVERSIONS: [&str; 2] = ["redemption", "custom_event"];
const REFEREE_REWARDS: [&str; 3] = ["DISCOUNT_VOUCHER", "LOYALTY_CARD", "GIFT_VOUCHER"];

/// Referrer reward types and the campaign type each draws on.
const REFERRER_REWARDS: [(&str, &str); 3] = [
    ("LOYALTY_POINTS", "LOYALTY_PROGRAM"),
    ("GIFT_CREDITS", "GIFT_VOUCHERS"),
    ("DISCOUNT_CODE", "DISCOUNT_COUPONS"),
];

fn invalid(details: impl Into<String>) -> ApiError {
    ApiError::invalid_payload(details)
}

/// The campaign `key` names, which must be of `campaign_type`.
fn source_campaign(
    project: &Project,
    key: &str,
    campaign_type: &str,
    path: &str,
) -> Result<Campaign, ApiError> {
    let campaign = project
        .campaigns
        .get(key)
        .cloned()
        .ok_or_else(|| ApiError::not_found("campaign", key))?;
    if campaign.campaign_type != campaign_type {
        return Err(invalid(format!(
            "Property {path} should name a {campaign_type} campaign, {} is {}",
            campaign.name, campaign.campaign_type
        )));
    }
    Ok(campaign)
}

/// A points or credits amount: a positive integer, as a number or a string.
fn positive(value: Option<&Value>, path: &str) -> Result<i64, ApiError> {
    let n = match value {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    n.filter(|n| *n > 0)
        .ok_or_else(|| invalid(format!("Property {path} should be a positive integer")))
}

/// Checks a campaign's `referral_program` and fills in what it implies: the conversion type,
/// the reward campaigns' ids and names, and tier ids.
pub fn check_program(project: &mut Project, program: &mut ReferralProgram) -> Result<(), ApiError> {
    let conversion = program
        .conversion_event_type
        .get_or_insert_with(|| "redemption".into());
    if !CONVERSIONS.contains(&conversion.as_str()) {
        return Err(invalid(format!(
            "Property .referral_program.conversion_event_type should be equal to one of the allowed values: {}",
            CONVERSIONS.join(", ")
        )));
    }
    if program.converts_on_event() {
        let event = program.custom_event.as_mut().ok_or_else(|| {
            invalid("Property .referral_program should have required property 'custom_event'")
        })?;
        match (&event.name, &event.id) {
            (Some(name), _) if !name.trim().is_empty() => {}
            (_, Some(id)) if !id.trim().is_empty() => event.name = Some(id.clone()),
            _ => {
                return Err(invalid(
                    "Property .referral_program.custom_event should have required property 'name'",
                ));
            }
        }
    }
    if let Some(reward) = &mut program.referee_reward {
        if !REFEREE_REWARDS.contains(&reward.kind.as_str()) {
            return Err(invalid(format!(
                "Property .referral_program.referee_reward.type should be equal to one of the allowed values: {}",
                REFEREE_REWARDS.join(", ")
            )));
        }
        if reward.kind != "DISCOUNT_VOUCHER" {
            let wanted = if reward.kind == "LOYALTY_CARD" {
                "LOYALTY_PROGRAM"
            } else {
                "GIFT_VOUCHERS"
            };
            let parent = reward.related_object_parent.as_mut().ok_or_else(|| {
                invalid("Property .referral_program.referee_reward should have required property 'related_object_parent'")
            })?;
            let campaign = source_campaign(
                project,
                &parent.id,
                wanted,
                ".referral_program.referee_reward.related_object_parent.id",
            )?;
            positive(
                reward.amount.as_ref(),
                ".referral_program.referee_reward.amount",
            )?;
            parent.id = campaign.id;
            parent.name = Some(campaign.name);
            parent.object = Some("CAMPAIGN".into());
        }
    }
    for (i, tier) in program.referrer_rewards.iter_mut().flatten().enumerate() {
        let path = format!(".referral_program.referrer_rewards[{i}]");
        let Some((_, wanted)) = REFERRER_REWARDS
            .iter()
            .find(|(kind, _)| *kind == tier.reward.kind)
        else {
            let kinds: Vec<&str> = REFERRER_REWARDS.iter().map(|(k, _)| *k).collect();
            return Err(invalid(format!(
                "Property {path}.reward.type should be equal to one of the allowed values: {}",
                kinds.join(", ")
            )));
        };
        if tier.referees.is_some_and(|n| n < 1) {
            return Err(invalid(format!(
                "Property {path}.referees should be a positive integer"
            )));
        }
        let campaign = source_campaign(
            project,
            &tier.reward.campaign_id,
            wanted,
            &format!("{path}.reward.campaign_id"),
        )?;
        match tier.reward.kind.as_str() {
            "LOYALTY_POINTS" => {
                let points = tier.reward.points.map(Value::from);
                positive(points.as_ref(), &format!("{path}.reward.points"))?;
            }
            "GIFT_CREDITS" => {
                let amount = tier.reward.amount.map(Value::from);
                positive(amount.as_ref(), &format!("{path}.reward.amount"))?;
            }
            _ => {}
        }
        tier.reward.campaign_id = campaign.id;
        if tier.id.is_empty() {
            tier.id = project.ids.hex("rt_");
        }
    }
    Ok(())
}

/// Why a referral code cannot be used by this customer: none given, or it is their own.
pub fn rejection(
    voucher: &Voucher,
    customer_given: bool,
    customer_id: Option<&str>,
) -> Option<Rejection> {
    if !voucher.is_referral_code {
        return None;
    }
    if !customer_given {
        return Some(Rejection::MissingCustomer);
    }
    match (&voucher.holder_id, customer_id) {
        (Some(holder), Some(customer)) if holder == customer => {
            Some(Rejection::ReferrerNotPermittedToRedeem {
                code: voucher.code.clone(),
            })
        }
        _ => None,
    }
}

/// The referrer behind a referral code used by `customer_id`, if any (not the customer).
pub fn referrer_of(voucher: &Voucher, customer_id: Option<&str>) -> Option<String> {
    voucher
        .holder_id
        .clone()
        .filter(|h| voucher.is_referral_code && Some(h.as_str()) != customer_id)
}

/// The program of a referral code's campaign.
fn program_of(project: &Project, voucher: &Voucher) -> Option<(Campaign, ReferralProgram)> {
    let campaign = project.campaigns.get(voucher.campaign_id.as_deref()?)?;
    let program = campaign.referral_program.clone()?;
    Some((campaign.clone(), program))
}

/// What led to a conversion.
pub enum Trigger<'a> {
    /// A redemption (`r_...`) of the code.
    Redemption(&'a str),
    /// A custom event named `event`.
    Event { event: &'a str, metadata: Value },
}

/// Counts `referee_id` as referred through `code` when the campaign converts on this trigger
/// and the referee was not referred in it before; gives the referee's and the referrer's
/// rewards. Returns whether a referral was counted. The referral stands whatever the rewards
/// do: a reward whose source cannot give (a coupon campaign out of codes) gives nothing.
pub fn convert(
    project: &mut Project,
    code: &str,
    referee_id: &str,
    trigger: Trigger,
    now: Timestamp,
) -> bool {
    let Some(voucher) = project.vouchers.get(code) else {
        return false;
    };
    let Some(referrer_id) = referrer_of(&voucher, Some(referee_id)) else {
        return false;
    };
    let Some((campaign, program)) = program_of(project, &voucher) else {
        return false;
    };
    let converts = match &trigger {
        Trigger::Redemption(_) => !program.converts_on_event(),
        Trigger::Event { event, .. } => {
            program.converts_on_event()
                && program.custom_event.as_ref().is_some_and(|e| {
                    e.name.as_deref() == Some(event) || e.id.as_deref() == Some(event)
                })
        }
    };
    let already = project.customers.get(referee_id).is_some_and(|c| {
        c.referrals
            .campaigns
            .iter()
            .any(|r| r.campaign_id == campaign.id)
    });
    if !converts || already {
        return false;
    }
    let (related_id, related_type, custom_event) = match &trigger {
        Trigger::Redemption(id) => (id.to_string(), "redemption", Value::Null),
        Trigger::Event { event, metadata } => (
            project.ids.hex("evcus_"),
            "customer_event",
            json!({"type": event, "metadata": metadata}),
        ),
    };
    if let Some(referee) = project.customers.get_mut(referee_id) {
        referee.referrals.total += 1;
        referee.referrals.campaigns.push(ReferralEntry {
            campaign_id: campaign.id.clone(),
            referrer_id: referrer_id.clone(),
            related_object_id: related_id.clone(),
            related_object_type: related_type.into(),
            date: Some(now),
        });
    }
    let count = match project.customers.get_mut(&referrer_id) {
        Some(referrer) => {
            referrer.loyalty.referred_customers += 1;
            let entry = referrer
                .loyalty
                .campaigns
                .entry(campaign.name.clone())
                .or_default();
            entry.referred_customers += 1;
            entry.referred_customers
        }
        None => 0,
    };
    if !holds(project, &voucher.id, referee_id) {
        add_holder(project, &voucher, referee_id, "REFEREE", None, now);
    }
    let redemption = match &trigger {
        Trigger::Redemption(id) => project.redemptions.get(id).cloned().map(|r| json!(r)),
        Trigger::Event { .. } => None,
    };
    project.emit(
        "customer.referred",
        referee_id,
        Some(referee_id),
        json!({
            "customer": convert::customer_ref(project, referee_id),
            "referrer": convert::customer_ref(project, &referrer_id),
            "campaign": campaign,
            "voucher": voucher,
            "custom_event": custom_event,
            "redemption": redemption,
        }),
        now,
    );
    let _ = reward_referee(project, &program, referee_id, now);
    for tier in program.referrer_rewards.iter().flatten() {
        let due = match tier.referees {
            None => true,
            Some(n) => n == count,
        };
        if due {
            let _ = reward_referrer(project, &campaign, &voucher, tier, &referrer_id, now);
        }
    }
    true
}

/// Whether `customer_id` already holds the code `voucher_id` in some role.
fn holds(project: &Project, voucher_id: &str, customer_id: &str) -> bool {
    project
        .holders
        .oldest_first()
        .any(|h| h.redeemable_id == voucher_id && h.customer_id == customer_id)
}

/// Records that `customer_id` holds `voucher` as `role`.
pub fn add_holder(
    project: &mut Project,
    voucher: &Voucher,
    customer_id: &str,
    role: &str,
    metadata: Option<crate::model::Metadata>,
    now: Timestamp,
) -> RedeemableHolder {
    let campaign_type = voucher
        .campaign_id
        .as_deref()
        .and_then(|c| project.campaigns.get(c))
        .map(|c| c.campaign_type.clone());
    let holder = RedeemableHolder {
        id: project.ids.hex("rh_"),
        created_at: Some(now),
        redeemable_id: voucher.id.clone(),
        redeemable_object: "voucher".into(),
        campaign_id: voucher.campaign_id.clone(),
        campaign_type,
        voucher_type: voucher.kind.to_string(),
        customer_id: customer_id.to_string(),
        holder_role: role.into(),
        object: "redeemable_holder".into(),
        metadata,
        redeemable: None,
    };
    project.holders.put(holder.id.clone(), holder.clone());
    holder
}

/// A card of `campaign` held by `customer_id`, or a new one published to them.
fn card_for(
    project: &mut Project,
    campaign: &Campaign,
    customer_id: &str,
    now: Timestamp,
) -> Result<String, ApiError> {
    if campaign.campaign_type == "LOYALTY_PROGRAM" {
        let input = MemberInput {
            customer: CustomerInput {
                id: Some(customer_id.to_string()),
                ..CustomerInput::default()
            },
            ..MemberInput::default()
        };
        return loyalty::add_member(project, &campaign.id, &input, now).map(|v| v.code);
    }
    if let Some(code) = loyalty::card_of(project, &campaign.id, customer_id) {
        return Ok(code);
    }
    let code = campaigns::generate(project, &campaign.id, now)?.code;
    // A new gift card starts empty: the reward's credits arrive as a ledger entry.
    if let Some(mut voucher) = project.vouchers.get_mut(&code)
        && let Some(gift) = voucher.gift.as_mut()
    {
        gift.amount = 0;
        gift.balance = 0;
    }
    publications::give(project, &code, customer_id, None, now).map(|v| v.code)
}

/// Adds `amount` points or credits to `customer_id`'s card in `campaign`; returns the card.
fn credit(
    project: &mut Project,
    campaign: &Campaign,
    customer_id: &str,
    amount: i64,
    reason: &str,
    details: Value,
    now: Timestamp,
) -> Result<Voucher, ApiError> {
    let code = card_for(project, campaign, customer_id, now)?;
    let kind = if campaign.campaign_type == "LOYALTY_PROGRAM" {
        "POINTS_ADDITION"
    } else {
        "CREDITS_ADDITION"
    };
    let m = loyalty::Move {
        code: &code,
        delta: amount,
        kind,
        reason: Some(reason.into()),
        source_id: None,
        source: Some("Automation"),
        details,
    };
    loyalty::move_balance(project, m, now)?;
    project
        .vouchers
        .get(&code)
        .ok_or_else(|| ApiError::not_found("voucher", &code))
}

fn reward_referee(
    project: &mut Project,
    program: &ReferralProgram,
    referee_id: &str,
    now: Timestamp,
) -> Result<(), ApiError> {
    let Some(reward) = &program.referee_reward else {
        return Ok(());
    };
    let Some(parent) = reward
        .related_object_parent
        .as_ref()
        .filter(|_| reward.kind != "DISCOUNT_VOUCHER")
    else {
        return Ok(());
    };
    let Some(campaign) = project.campaigns.get(&parent.id).cloned() else {
        return Ok(());
    };
    let amount = positive(reward.amount.as_ref(), ".referee_reward.amount")?;
    credit(
        project,
        &campaign,
        referee_id,
        amount,
        "Referral: referee reward",
        json!({}),
        now,
    )?;
    Ok(())
}

fn reward_referrer(
    project: &mut Project,
    referral: &Campaign,
    voucher: &Voucher,
    tier: &ReferrerTier,
    referrer_id: &str,
    now: Timestamp,
) -> Result<(), ApiError> {
    let Some(source) = project.campaigns.get(&tier.reward.campaign_id).cloned() else {
        return Ok(());
    };
    let referral_tier = json!({
        "id": tier.id,
        "campaign_id": referral.id,
        "parameters": {"event_type": referral.referral_program.as_ref().and_then(|p| p.conversion_event_type.clone())},
    });
    let details = json!({"referral_tier": {"id": tier.id}});
    let (given, balance) = match tier.reward.kind.as_str() {
        kind @ ("LOYALTY_POINTS" | "GIFT_CREDITS") => {
            let (field, amount) = if kind == "LOYALTY_POINTS" {
                ("points", tier.reward.points.unwrap_or(0))
            } else {
                ("amount", tier.reward.amount.unwrap_or(0))
            };
            let reason = "Referral reward";
            let card = credit(project, &source, referrer_id, amount, reason, details, now)?;
            (card, json!({ field: amount }))
        }
        _ => {
            let input = PublicationInput {
                customer: Some(CustomerInput {
                    id: Some(referrer_id.to_string()),
                    ..CustomerInput::default()
                }),
                campaign: Some(crate::model::publication::PublicationCampaign {
                    name: source.id.clone(),
                    count: Some(1),
                }),
                ..PublicationInput::default()
            };
            let publication = publications::publish(project, &input, false, now)?;
            (publication.voucher.unwrap_or_default(), Value::Null)
        }
    };
    project.emit(
        "customer.rewarded",
        referrer_id,
        Some(referrer_id),
        json!({
            "customer": convert::customer_ref(project, referrer_id),
            "holder": convert::customer_ref(project, referrer_id),
            "voucher": given,
            "campaign": referral,
            "referral_tier": referral_tier,
            "balance": balance,
            "referral_voucher": {"id": voucher.id, "code": voucher.code},
        }),
        now,
    );
    Ok(())
}

/// The referral code `member` (code or id) of the referral campaign `campaign` (if named).
fn referral_code(
    project: &Project,
    campaign: Option<&str>,
    member: &str,
) -> Result<Voucher, ApiError> {
    let campaign_id = campaign
        .map(|key| {
            project
                .campaigns
                .get(key)
                .map(|c| c.id.clone())
                .ok_or_else(|| ApiError::not_found("campaign", key))
        })
        .transpose()?;
    project
        .vouchers
        .get(member)
        .filter(|v| v.is_referral_code)
        .filter(|v| {
            campaign_id
                .as_deref()
                .is_none_or(|c| v.campaign_id.as_deref() == Some(c))
        })
        .ok_or_else(|| ApiError::not_found("voucher", member))
}

/// `POST /v1/referrals/[{campaign}/]members/{member}/holders`: adds referees to a published
/// referral code. Everything is checked before anyone is added.
pub fn add_holders(
    project: &mut Project,
    campaign: Option<&str>,
    member: &str,
    input: &HoldersInput,
    now: Timestamp,
) -> Result<Vec<RedeemableHolder>, ApiError> {
    let holders = input
        .holders
        .as_ref()
        .ok_or_else(|| invalid("Payload should have required property 'holders'"))?;
    if holders.is_empty() {
        return Err(invalid(
            "Property .holders must NOT have fewer than 1 items",
        ));
    }
    if holders.len() > MAX_HOLDERS {
        return Err(invalid(format!(
            "Property .holders must NOT have more than {MAX_HOLDERS} items"
        )));
    }
    let voucher = referral_code(project, campaign, member)?;
    if voucher.holder_id.is_none() {
        return Err(ApiError::bad_request(
            "not_published",
            "Voucher is not published",
            "Referral code must be first published to Referrer before assigning it to Referee",
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for (i, customer) in holders.iter().enumerate() {
        if customer.id.is_none() && customer.source_id.is_none() {
            return Err(invalid(format!(
                "Property .holders[{i}] should have required property 'id' or 'source_id'"
            )));
        }
        customers::check(project, customer)?;
        let key = customers::find(project, customer)
            .or_else(|| customer.source_id.clone())
            .unwrap_or_default();
        if !seen.insert(key.clone()) {
            return Err(ApiError::duplicate("customer", &key));
        }
        if customers::find(project, customer).is_some_and(|id| holds(project, &voucher.id, &id)) {
            return Err(ApiError::new(
                axum::http::StatusCode::CONFLICT,
                "holder_assignement_duplication",
                "Customer is already assigned to given redeemable",
                format!("Customer {key} already holds {}", voucher.code),
            ));
        }
    }
    let mut added = Vec::new();
    for customer in holders {
        let id = customers::upsert(project, customer, now)?;
        added.push(add_holder(
            project,
            &voucher,
            &id,
            "REFEREE",
            input.metadata.clone(),
            now,
        ));
    }
    Ok(added)
}

/// `GET /v1/referrals/[{campaign}/]members/{member}/holders`, oldest first.
pub fn list_holders(
    project: &Project,
    campaign: Option<&str>,
    member: &str,
) -> Result<Vec<RedeemableHolder>, ApiError> {
    let voucher = referral_code(project, campaign, member)?;
    Ok(project
        .holders
        .oldest_first()
        .filter(|h| h.redeemable_id == voucher.id)
        .cloned()
        .collect())
}

/// `DELETE /v1/referrals/[{campaign}/]members/{member}/holders/{holder}`: removes a referee
/// (the referrer stays).
pub fn remove_holder(
    project: &mut Project,
    campaign: Option<&str>,
    member: &str,
    holder_id: &str,
) -> Result<(), ApiError> {
    let voucher = referral_code(project, campaign, member)?;
    let holder = project
        .holders
        .get(holder_id)
        .filter(|h| h.redeemable_id == voucher.id)
        .cloned()
        .ok_or_else(|| ApiError::not_found("redeemable_holder", holder_id))?;
    if holder.holder_role == "REFERRER" {
        return Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "forbidden",
            "Can not remove assignment",
            "You can not remove Referrer assignment",
        ));
    }
    project.holders.remove(holder_id);
    Ok(())
}

/// `GET /v1/customers/{id}/redeemables`: the codes a customer holds, newest first, each with
/// its state.
pub fn wallet(
    project: &Project,
    customer: &str,
    now: Timestamp,
) -> Result<Vec<RedeemableHolder>, ApiError> {
    let id = project
        .customers
        .resolve(customer)
        .ok_or_else(|| ApiError::not_found("customer", customer))?;
    Ok(project
        .holders
        .newest_first()
        .filter(|h| h.customer_id == id)
        .filter_map(|h| {
            let voucher = project.vouchers.get(&h.redeemable_id)?.clone();
            Some(RedeemableHolder {
                redeemable: Some(HeldRedeemable {
                    kind: "voucher".into(),
                    status: status(&voucher, now).into(),
                    voucher: Some(voucher),
                }),
                ..h.clone()
            })
        })
        .collect())
}

/// A held code's state, as a wallet shows it.
fn status(voucher: &Voucher, now: Timestamp) -> &'static str {
    let limit = voucher.redemption.quantity;
    if !voucher.active {
        "DISABLED"
    } else if voucher.expiration_date.is_some_and(|e| now > e) {
        "EXPIRED"
    } else if voucher.start_date.is_some_and(|s| now < s) {
        "NOT_ACTIVE_YET"
    } else if limit.is_some_and(|q| voucher.redemption.redeemed_quantity >= q) {
        "USED"
    } else if voucher.gift.as_ref().is_some_and(|g| g.balance <= 0)
        || voucher
            .loyalty_card
            .as_ref()
            .is_some_and(|c| c.balance <= 0)
    {
        "NO_BALANCE"
    } else {
        "ACTIVE"
    }
}
