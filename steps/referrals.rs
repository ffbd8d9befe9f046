//! Referral programs: referrers and their codes, friends who use them, and who was referred
//! and rewarded.

use cucumber::{given, then, when};
use serde_json::json;

use super::params::Offer;
use super::publications::wallet_codes;
use super::world::{Deal, HarnessWorld, StepFailure, StepResult};
use crate::model::campaign::VoucherTemplate;
use crate::model::publication::PublicationCampaign;
use crate::model::referral::{
    ConversionEvent, RefereeReward, ReferrerReward, ReferrerTier, RewardSource,
};
use crate::model::{CampaignInput, Customer, EventInput, PublicationInput, ReferralProgram};

fn campaign_id(world: &HarnessWorld, name: &str) -> Result<String, StepFailure> {
    world
        .remembered
        .get(&format!("campaign:{name}"))
        .or_else(|| world.remembered.get(&format!("program:{name}")))
        .cloned()
        .ok_or_else(|| world.failure(format!("no campaign named \"{name}\" in this scenario")))
}

async fn referral_program(
    world: &mut HarnessWorld,
    name: &str,
    offer: Offer,
    program: ReferralProgram,
) -> StepResult {
    let input = CampaignInput {
        name: Some(world.code(name)),
        campaign_type: Some("REFERRAL_PROGRAM".into()),
        voucher: Some(VoucherTemplate {
            kind: Some("DISCOUNT_VOUCHER".into()),
            discount: Some(offer.0),
            ..VoucherTemplate::default()
        }),
        join_once: Some(true),
        referral_program: Some(program),
        ..CampaignInput::default()
    };
    let created =
        world.client()?.create_campaign(&input).await.map_err(|e| {
            world.call_failed(&format!("creating the referral program \"{name}\""), &e)
        })?;
    world
        .remembered
        .insert(format!("campaign:{name}"), created.id);
    Ok(())
}

#[given(expr = "a referral program {string} giving friends {offer}")]
async fn program(world: &mut HarnessWorld, name: String, offer: Offer) -> StepResult {
    referral_program(world, &name, offer, ReferralProgram::default()).await
}

#[given(
    expr = "a referral program {string} giving friends {offer}, counting a friend when {string} happens"
)]
async fn program_by_event(
    world: &mut HarnessWorld,
    name: String,
    offer: Offer,
    event: String,
) -> StepResult {
    let program = ReferralProgram {
        conversion_event_type: Some("custom_event".into()),
        custom_event: Some(ConversionEvent {
            id: None,
            name: Some(event),
        }),
        ..ReferralProgram::default()
    };
    referral_program(world, &name, offer, program).await
}

#[given(expr = "a referral program {string} giving friends {offer} and {int} points in {string}")]
async fn double_sided(
    world: &mut HarnessWorld,
    name: String,
    offer: Offer,
    points: i64,
    loyalty: String,
) -> StepResult {
    let program = ReferralProgram {
        referee_reward: Some(RefereeReward {
            related_object_parent: Some(RewardSource {
                id: campaign_id(world, &loyalty)?,
                ..RewardSource::default()
            }),
            kind: "LOYALTY_CARD".into(),
            amount: Some(json!(points.to_string())),
        }),
        ..ReferralProgram::default()
    };
    referral_program(world, &name, offer, program).await
}

/// Adds a referrer reward tier to a program (an emulator extension of the campaign body).
async fn add_tier(world: &mut HarnessWorld, name: &str, tier: ReferrerTier) -> StepResult {
    let id = campaign_id(world, name)?;
    let client = world.client()?;
    let campaign = client
        .get_campaign(&id)
        .await
        .map_err(|e| world.call_failed(&format!("reading \"{name}\""), &e))?;
    let mut program = campaign.referral_program.unwrap_or_default();
    program
        .referrer_rewards
        .get_or_insert_with(Vec::new)
        .push(tier);
    let update = CampaignInput {
        referral_program: Some(program),
        ..CampaignInput::default()
    };
    client
        .update_campaign(&id, &update)
        .await
        .map(|_| ())
        .map_err(|e| world.call_failed(&format!("rewarding the referrers of \"{name}\""), &e))
}

#[given(
    expr = "the referral program {string} rewards the referrer with {int} points in {string} for each friend"
)]
async fn points_per_friend(
    world: &mut HarnessWorld,
    name: String,
    points: i64,
    loyalty: String,
) -> StepResult {
    let tier = ReferrerTier {
        reward: ReferrerReward {
            kind: "LOYALTY_POINTS".into(),
            campaign_id: campaign_id(world, &loyalty)?,
            points: Some(points),
            amount: None,
        },
        ..ReferrerTier::default()
    };
    add_tier(world, &name, tier).await
}

#[given(
    expr = "the referral program {string} rewards the referrer with a coupon of {string} once {int} friends are referred"
)]
async fn coupon_at(
    world: &mut HarnessWorld,
    name: String,
    coupons: String,
    friends: i64,
) -> StepResult {
    let tier = ReferrerTier {
        referees: Some(friends),
        reward: ReferrerReward {
            kind: "DISCOUNT_CODE".into(),
            campaign_id: campaign_id(world, &coupons)?,
            ..ReferrerReward::default()
        },
        ..ReferrerTier::default()
    };
    add_tier(world, &name, tier).await
}

#[given(expr = "{word} has joined the referral program {string}")]
#[when(expr = "{word} joins the referral program {string}")]
async fn joins(world: &mut HarnessWorld, person: String, name: String) -> StepResult {
    let input = PublicationInput {
        customer: Some(world.customer(&person)),
        campaign: Some(PublicationCampaign {
            name: campaign_id(world, &name)?,
            count: None,
        }),
        ..PublicationInput::default()
    };
    let publication = world
        .client()?
        .publish(&input, true)
        .await
        .map_err(|e| world.call_failed(&format!("giving {person} a code of \"{name}\""), &e))?;
    let code = publication
        .voucher
        .map(|v| v.code)
        .ok_or_else(|| world.failure("the publication names no code"))?;
    world
        .remembered
        .insert(format!("referral:{person}"), name.clone());
    let campaign = campaign_id(world, &name).ok();
    world.remember_deal(
        &format!("{person}'s referral code"),
        Deal {
            object: "voucher",
            id: code,
            campaign,
        },
    );
    Ok(())
}

/// The code behind a deal's name.
fn code_of(world: &HarnessWorld, name: &str) -> Result<(String, String), StepFailure> {
    let deal = world
        .deals
        .get(name)
        .ok_or_else(|| world.failure(format!("no code named \"{name}\" in this scenario")))?;
    let campaign = deal
        .campaign
        .clone()
        .ok_or_else(|| world.failure(format!("\"{name}\" belongs to no campaign")))?;
    Ok((deal.id.clone(), campaign))
}

async fn customer(world: &HarnessWorld, person: &str) -> Result<Customer, StepFailure> {
    let source_id = world.customer(person).source_id.unwrap_or_default();
    world
        .client()?
        .get_customer(&source_id)
        .await
        .map_err(|e| world.call_failed(&format!("reading {person}"), &e))
}

#[when(expr = "{word} does {string} with {string}")]
async fn event_with_code(
    world: &mut HarnessWorld,
    person: String,
    event: String,
    name: String,
) -> StepResult {
    let (code, _) = code_of(world, &name)?;
    let input = EventInput {
        event,
        customer: world.customer(&person),
        referral: Some(json!({"code": code})),
        ..EventInput::default()
    };
    world
        .client()?
        .track_event(&input)
        .await
        .map(|_| ())
        .map_err(|e| world.call_failed(&format!("{person}'s event"), &e))
}

#[when(expr = "the shop adds {word} and {word} as friends on {string}")]
async fn add_friends(
    world: &mut HarnessWorld,
    first: String,
    second: String,
    name: String,
) -> StepResult {
    let (code, campaign) = code_of(world, &name)?;
    let holders = [world.customer(&first), world.customer(&second)];
    world
        .client()?
        .add_referral_holders(&campaign, &code, &holders)
        .await
        .map(|_| ())
        .map_err(|e| world.call_failed(&format!("adding friends on \"{name}\""), &e))
}

#[then(expr = "{word}'s wallet lists her/his/their referral code of {string}")]
async fn wallet_lists(world: &mut HarnessWorld, person: String, name: String) -> StepResult {
    let expected = code_of(world, &format!("{person}'s referral code"))?.0;
    let held = wallet_codes(world, &person, &name, "REFERRER").await?;
    match held.as_slice() {
        [(_, voucher)] if voucher.code == expected && voucher.is_referral_code => Ok(()),
        _ => Err(world.failure(format!(
            "{person}'s wallet should list the referral code {expected} of \"{name}\", lists {:?}",
            held.iter()
                .map(|(_, v)| v.code.as_str())
                .collect::<Vec<_>>()
        ))),
    }
}

/// The holders of a referral code: (customer id, role).
async fn holders(world: &HarnessWorld, name: &str) -> Result<Vec<(String, String)>, StepFailure> {
    let (code, campaign) = code_of(world, name)?;
    let list = world
        .client()?
        .referral_holders(&campaign, &code)
        .await
        .map_err(|e| world.call_failed(&format!("listing the holders of \"{name}\""), &e))?;
    Ok(list
        .items
        .into_iter()
        .map(|h| (h.customer_id, h.holder_role))
        .collect())
}

#[then(expr = "{string} names {word} as its referrer")]
async fn names_referrer(world: &mut HarnessWorld, name: String, person: String) -> StepResult {
    let id = customer(world, &person).await?.id;
    let found = holders(world, &name).await?;
    let referrers: Vec<&String> = found
        .iter()
        .filter(|(_, role)| role == "REFERRER")
        .map(|(c, _)| c)
        .collect();
    if referrers != [&id] {
        return Err(world.failure(format!(
            "\"{name}\" should have {person} ({id}) as its only referrer, has {referrers:?}"
        )));
    }
    Ok(())
}

#[then(expr = "{string} lists {word} and {word} as friends")]
async fn lists_friends(
    world: &mut HarnessWorld,
    name: String,
    first: String,
    second: String,
) -> StepResult {
    let mut expected = vec![
        customer(world, &first).await?.id,
        customer(world, &second).await?.id,
    ];
    expected.sort();
    let mut referees: Vec<String> = holders(world, &name)
        .await?
        .into_iter()
        .filter(|(_, role)| role == "REFEREE")
        .map(|(c, _)| c)
        .collect();
    referees.sort();
    if referees != expected {
        return Err(world.failure(format!(
            "\"{name}\" should list {first} and {second} as friends {expected:?}, lists {referees:?}"
        )));
    }
    Ok(())
}

#[then(expr = "{word}'s order names {word} as the referrer")]
async fn order_names(world: &mut HarnessWorld, buyer: String, person: String) -> StepResult {
    let id = customer(world, &person).await?.id;
    let order = world
        .redemption_of(&buyer)?
        .order()
        .cloned()
        .ok_or_else(|| world.failure(format!("{buyer}'s redemption has no order")))?;
    let stored = match &order.id {
        Some(order_id) => world
            .client()?
            .get_order(order_id)
            .await
            .map_err(|e| world.call_failed(&format!("reading {buyer}'s order"), &e))?,
        None => return Err(world.failure(format!("{buyer}'s order has no id"))),
    };
    for (what, referrer) in [
        ("answer", &order.referrer_id),
        ("stored order", &stored.referrer_id),
    ] {
        if referrer.as_deref() != Some(id.as_str()) {
            return Err(world.failure(format!(
                "{buyer}'s order ({what}) should name {person} ({id}) as the referrer, names {referrer:?}"
            )));
        }
    }
    Ok(())
}

#[then(expr = "{word} has referred {int} friend(s)")]
async fn referred(world: &mut HarnessWorld, person: String, count: i64) -> StepResult {
    let found = customer(world, &person).await?;
    let total = found.loyalty.referred_customers;
    let program = world.remembered.get(&format!("referral:{person}")).cloned();
    let in_program = program
        .as_ref()
        .and_then(|p| found.loyalty.campaigns.get(&world.code(p)))
        .map_or(0, |c| c.referred_customers);
    if total != count || in_program != count {
        return Err(world.failure(format!(
            "{person} should have referred {count} friend(s): {total} in all, {in_program} in {}",
            program.unwrap_or_default()
        )));
    }
    Ok(())
}

#[then(expr = "{word} was referred by {word}")]
async fn referred_by(world: &mut HarnessWorld, friend: String, person: String) -> StepResult {
    let referrer = customer(world, &person).await?.id;
    let found = customer(world, &friend).await?;
    let referrers: Vec<&str> = found
        .referrals
        .campaigns
        .iter()
        .map(|r| r.referrer_id.as_str())
        .collect();
    if found.referrals.total != 1 || referrers != [referrer.as_str()] {
        return Err(world.failure(format!(
            "{friend} should have been referred once, by {person} ({referrer}); referrals: {} by {referrers:?}",
            found.referrals.total
        )));
    }
    Ok(())
}
