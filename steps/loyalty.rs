//! Loyalty programs and gift cards: joining, earning by paid orders and custom events,
//! spending on rewards or on an order, and reading balances and histories.

use cucumber::gherkin::Step;
use cucumber::{given, then, when};
use serde_json::json;

use super::params::{Money, Offer};
use super::world::{Attempt, HarnessWorld, StepFailure, StepResult};
use crate::model::campaign::VoucherTemplate;
use crate::model::loyalty::RewardChoice;
use crate::model::voucher::RedemptionLimit;
use crate::model::{
    CampaignInput, EarningRule, EventInput, MemberInput, OrderInput, RedeemableRef,
    RedemptionResponse, Reward, RewardAssignmentInput, RewardRedemptionInput, ValidationRequest,
    VoucherInput,
};

/// Why spending points is refused, in plain words, and the API keys.
const CARD_REASONS: &[(&str, &str)] = &[
    (
        "does not hold enough points",
        "loyalty_card_points_exceeded",
    ),
    ("belongs to someone else", "invalid_customer"),
    ("needs an order", "missing_order"),
];

fn program_id(world: &HarnessWorld, program: &str) -> Result<String, StepFailure> {
    world
        .remembered
        .get(&format!("program:{program}"))
        .cloned()
        .ok_or_else(|| {
            world.failure(format!(
                "no loyalty program named \"{program}\" in this scenario"
            ))
        })
}

fn card_key(person: &str, program: &str) -> String {
    format!("card:{person}:{program}")
}

fn card(world: &HarnessWorld, person: &str, program: &str) -> Result<String, StepFailure> {
    world
        .remembered
        .get(&card_key(person, program))
        .cloned()
        .ok_or_else(|| world.failure(format!("{person} is not a member of \"{program}\"")))
}

/// The program a person's card belongs to, when the feature does not name it.
fn only_card(world: &HarnessWorld, person: &str) -> Result<(String, String), StepFailure> {
    let prefix = format!("card:{person}:");
    let mut cards = world
        .remembered
        .iter()
        .filter(|(k, _)| k.starts_with(&prefix));
    match (cards.next(), cards.next()) {
        (Some((k, code)), None) => Ok((k[prefix.len()..].to_string(), code.clone())),
        (None, _) => Err(world.failure(format!("{person} has no loyalty card in this scenario"))),
        _ => Err(world.failure(format!("{person} has several cards: name the program"))),
    }
}

/// The card a person holds in a program without having joined in the scenario (a reward
/// gave it), from their wallet.
async fn held_card(
    world: &HarnessWorld,
    person: &str,
    program_id: &str,
) -> Result<Option<String>, StepFailure> {
    let source_id = world.customer(person).source_id.unwrap_or_default();
    let wallet = match world.client()?.customer_redeemables(&source_id).await {
        Ok(wallet) => wallet,
        Err(e) if e.status() == Some(404) => return Ok(None),
        Err(e) => return Err(world.call_failed(&format!("reading {person}'s wallet"), &e)),
    };
    Ok(wallet
        .items
        .into_iter()
        .filter(|h| h.campaign_id.as_deref() == Some(program_id))
        .find_map(|h| h.redeemable.and_then(|r| r.voucher).map(|v| v.code)))
}

#[given(expr = "a loyalty program {string}")]
async fn program(world: &mut HarnessWorld, name: String) -> StepResult {
    let input = CampaignInput {
        name: Some(world.code(&name)),
        voucher: Some(VoucherTemplate {
            kind: Some("LOYALTY_CARD".into()),
            loyalty_card: Some(json!({"points": 0})),
            ..VoucherTemplate::default()
        }),
        ..CampaignInput::default()
    };
    let created = world
        .client()?
        .create_loyalty_program(&input)
        .await
        .map_err(|e| world.call_failed(&format!("creating the program \"{name}\""), &e))?;
    world
        .remembered
        .insert(format!("program:{name}"), created.id);
    Ok(())
}

async fn earning_rule(world: &mut HarnessWorld, program: &str, rule: EarningRule) -> StepResult {
    let id = program_id(world, program)?;
    world
        .client()?
        .create_earning_rules(&id, &[rule])
        .await
        .map(|_| ())
        .map_err(|e| world.call_failed(&format!("adding an earning rule to \"{program}\""), &e))
}

#[given(expr = "the program {string} gives {int} points for every paid order")]
async fn fixed_per_order(world: &mut HarnessWorld, program: String, points: i64) -> StepResult {
    let rule = EarningRule {
        event: "order.paid".into(),
        loyalty: json!({"type": "FIXED", "points": points}),
        ..EarningRule::default()
    };
    earning_rule(world, &program, rule).await
}

#[given(expr = "the program {string} gives {int} point(s) for every {money} spent")]
async fn proportional(
    world: &mut HarnessWorld,
    program: String,
    points: i64,
    every: Money,
) -> StepResult {
    let rule = EarningRule {
        event: "order.paid".into(),
        loyalty: json!({"type": "PROPORTIONAL", "calculation_type": "ORDER_AMOUNT", "order": {"amount": {"every": every.0, "points": points}}}),
        ..EarningRule::default()
    };
    earning_rule(world, &program, rule).await
}

#[given(expr = "the program {string} gives {int} points when the custom event {string} happens")]
async fn per_event(
    world: &mut HarnessWorld,
    program: String,
    points: i64,
    event: String,
) -> StepResult {
    let rule = EarningRule {
        event,
        loyalty: json!({"type": "FIXED", "points": points}),
        ..EarningRule::default()
    };
    earning_rule(world, &program, rule).await
}

#[given(expr = "the program {string} offers {string}, a coupon giving {offer}, for {int} points")]
async fn coupon_reward(
    world: &mut HarnessWorld,
    program: String,
    reward: String,
    offer: Offer,
    points: i64,
) -> StepResult {
    let id = program_id(world, &program)?;
    let coupons = CampaignInput {
        name: Some(world.code(&format!("{reward} coupons"))),
        campaign_type: Some("DISCOUNT_COUPONS".into()),
        voucher: Some(VoucherTemplate {
            kind: Some("DISCOUNT_VOUCHER".into()),
            discount: Some(offer.0),
            redemption: Some(RedemptionLimit { quantity: Some(1) }),
            ..VoucherTemplate::default()
        }),
        ..CampaignInput::default()
    };
    let client = world.client()?;
    let campaign = client
        .create_campaign(&coupons)
        .await
        .map_err(|e| world.call_failed(&format!("creating the coupons of \"{reward}\""), &e))?;
    let created = client
        .create_reward(&Reward {
            name: world.code(&reward),
            kind: "CAMPAIGN".into(),
            parameters: json!({"campaign": {"id": campaign.id}}),
            ..Reward::default()
        })
        .await
        .map_err(|e| world.call_failed(&format!("creating the reward \"{reward}\""), &e))?;
    client
        .assign_reward(
            &created.id,
            &RewardAssignmentInput {
                campaign: Some(id),
                parameters: Some(json!({"loyalty": {"points": points}})),
                reward: None,
            },
        )
        .await
        .map_err(|e| world.call_failed(&format!("offering \"{reward}\" in \"{program}\""), &e))?;
    world
        .remembered
        .insert(format!("reward:{reward}"), created.id);
    Ok(())
}

#[given(expr = "the program {string} lets members pay with points at {money} per point")]
async fn pay_with_points(world: &mut HarnessWorld, program: String, value: Money) -> StepResult {
    let id = program_id(world, &program)?;
    let client = world.client()?;
    let created = client
        .create_reward(&Reward {
            name: world.code(&format!("{program} points")),
            kind: "COIN".into(),
            parameters: json!({"coin": {"exchange_ratio": value.0 as f64 / 100.0, "points_ratio": 1}}),
            ..Reward::default()
        })
        .await
        .map_err(|e| world.call_failed("creating the pay-with-points reward", &e))?;
    client
        .assign_reward(
            &created.id,
            &RewardAssignmentInput {
                campaign: Some(id),
                ..RewardAssignmentInput::default()
            },
        )
        .await
        .map_err(|e| world.call_failed("letting members pay with points", &e))?;
    world
        .remembered
        .insert(format!("coin:{program}"), created.id);
    Ok(())
}

async fn join(world: &mut HarnessWorld, person: &str, program: &str) -> StepResult {
    let id = program_id(world, program)?;
    let input = MemberInput {
        customer: world.customer(person),
        ..MemberInput::default()
    };
    let card = world
        .client()?
        .add_member(&id, &input)
        .await
        .map_err(|e| world.call_failed(&format!("{person} joining \"{program}\""), &e))?;
    world
        .remembered
        .insert(card_key(person, program), card.code);
    Ok(())
}

#[given(expr = "{word} has joined the program {string}")]
#[when(expr = "{word} joins the program {string}")]
async fn joins(world: &mut HarnessWorld, person: String, program: String) -> StepResult {
    join(world, &person, &program).await
}

#[given(expr = "{word} has {int} points in the program {string}")]
async fn has_points(
    world: &mut HarnessWorld,
    person: String,
    points: i64,
    program: String,
) -> StepResult {
    join(world, &person, &program).await?;
    let (id, code) = (
        program_id(world, &program)?,
        card(world, &person, &program)?,
    );
    world
        .client()?
        .change_points(&id, &code, points, "scenario set-up")
        .await
        .map(|_| ())
        .map_err(|e| world.call_failed(&format!("giving {person} {points} points"), &e))
}

async fn order(world: &mut HarnessWorld, person: &str, amount: Money, status: &str) -> StepResult {
    let input = OrderInput {
        amount: Some(amount.0),
        status: Some(status.into()),
        customer: Some(world.customer(person)),
        ..OrderInput::default()
    };
    world
        .client()?
        .upsert_order(&input)
        .await
        .map(|_| ())
        .map_err(|e| world.call_failed(&format!("{person}'s order"), &e))
}

#[when(expr = "{word}'s order of {money} is paid")]
async fn order_paid(world: &mut HarnessWorld, person: String, amount: Money) -> StepResult {
    order(world, &person, amount, "PAID").await
}

#[when(expr = "{word}'s order of {money} is placed but not paid")]
async fn order_created(world: &mut HarnessWorld, person: String, amount: Money) -> StepResult {
    order(world, &person, amount, "CREATED").await
}

#[when(expr = "{word}'s order of {money} is canceled")]
async fn order_canceled(world: &mut HarnessWorld, person: String, amount: Money) -> StepResult {
    order(world, &person, amount, "CANCELED").await
}

#[when(expr = "{word} does {string}")]
async fn custom_event(world: &mut HarnessWorld, person: String, event: String) -> StepResult {
    let input = EventInput {
        event,
        customer: world.customer(&person),
        ..EventInput::default()
    };
    world
        .client()?
        .track_event(&input)
        .await
        .map(|_| ())
        .map_err(|e| world.call_failed(&format!("{person}'s event"), &e))
}

#[given(expr = "{word} redeems the reward {string}")]
#[when(expr = "{word} redeems the reward {string}")]
async fn redeems_reward(world: &mut HarnessWorld, person: String, reward: String) -> StepResult {
    let (program, code) = only_card(world, &person)?;
    let program = program_id(world, &program)?;
    let reward_id = world
        .remembered
        .get(&format!("reward:{reward}"))
        .cloned()
        .ok_or_else(|| world.failure(format!("no reward named \"{reward}\" in this scenario")))?;
    let input = RewardRedemptionInput {
        reward: Some(RewardChoice {
            id: reward_id,
            points: None,
        }),
        ..RewardRedemptionInput::default()
    };
    let outcome = world.client()?.redeem_reward(&program, &code, &input).await;
    let (redemption, error) = match outcome {
        Ok(r) => (
            Some(RedemptionResponse {
                redemptions: vec![r],
                ..RedemptionResponse::default()
            }),
            None,
        ),
        Err(e) if e.is_outage() => return Err(world.call_failed("redeeming the reward", &e)),
        Err(e) => (None, Some(e)),
    };
    world.attempts.push(Attempt {
        customer: person,
        codes: vec![reward],
        ids: vec![code],
        validation: None,
        redemption,
        error,
    });
    Ok(())
}

async fn pay_points(
    world: &mut HarnessWorld,
    payer: &str,
    owner: &str,
    points: i64,
    cart: Money,
) -> StepResult {
    let (program, code) = only_card(world, owner)?;
    let coin = world
        .remembered
        .get(&format!("coin:{program}"))
        .cloned()
        .ok_or_else(|| {
            world.failure(format!(
                "\"{program}\" does not let members pay with points"
            ))
        })?;
    world.batch_start = world.attempts.len();
    let request = ValidationRequest {
        redeemables: vec![RedeemableRef {
            object: "voucher".into(),
            id: code.clone(),
            reward: Some(json!({"id": coin, "points": points})),
            gift: None,
        }],
        order: Some(OrderInput {
            amount: Some(cart.0),
            ..OrderInput::default()
        }),
        customer: Some(world.customer(payer)),
        ..ValidationRequest::default()
    };
    let outcome = world.client()?.redeem(&request).await;
    record(world, payer, &code, outcome)
}

fn record(
    world: &mut HarnessWorld,
    person: &str,
    code: &str,
    outcome: Result<RedemptionResponse, crate::client::ClientError>,
) -> StepResult {
    let (redemption, error) = match outcome {
        Ok(r) => (Some(r), None),
        Err(e) if e.is_outage() => return Err(world.call_failed("the checkout", &e)),
        Err(e) => (None, Some(e)),
    };
    world.attempts.push(Attempt {
        customer: person.to_string(),
        codes: vec![code.to_string()],
        ids: vec![code.to_string()],
        validation: None,
        redemption,
        error,
    });
    Ok(())
}

#[given(expr = "{word} pays {int} points towards a cart of {money}")]
#[when(expr = "{word} pays {int} points towards a cart of {money}")]
async fn pays_points(
    world: &mut HarnessWorld,
    person: String,
    points: i64,
    cart: Money,
) -> StepResult {
    pay_points(world, &person, &person, points, cart).await
}

#[when(expr = "{word} pays {int} of {word}'s points towards a cart of {money}")]
async fn pays_someone_elses_points(
    world: &mut HarnessWorld,
    payer: String,
    points: i64,
    owner: String,
    cart: Money,
) -> StepResult {
    pay_points(world, &payer, &owner, points, cart).await
}

fn refusal(world: &HarnessWorld, reason: &str) -> StepResult {
    let expected = CARD_REASONS
        .iter()
        .find(|(p, _)| *p == reason)
        .map(|(_, k)| *k)
        .ok_or_else(|| world.failure(format!("unknown reason \"{reason}\"")))?;
    let attempt = world.last_attempt()?;
    match attempt.refusal_key() {
        Some(key) if key == expected && !attempt.succeeded() => Ok(()),
        other => Err(world.failure(format!(
            "expected a refusal with {expected} (\"{reason}\"), got {}",
            other.unwrap_or_else(|| attempt.describe())
        ))),
    }
}

#[then(expr = "the reward is refused because the card {string}")]
#[then(expr = "the points payment is refused because the card {string}")]
async fn refused(world: &mut HarnessWorld, reason: String) -> StepResult {
    refusal(world, &reason)
}

#[then(expr = "{word}'s card in {string} holds {int} points")]
async fn holds(
    world: &mut HarnessWorld,
    person: String,
    program: String,
    points: i64,
) -> StepResult {
    let id = program_id(world, &program)?;
    let code = match card(world, &person, &program) {
        Ok(code) => code,
        Err(unknown) => held_card(world, &person, &id).await?.ok_or(unknown)?,
    };
    let member = world
        .client()?
        .get_member(&id, &code)
        .await
        .map_err(|e| world.call_failed(&format!("reading {person}'s card"), &e))?;
    let balance = member.loyalty_card.map_or(0, |c| c.balance);
    if balance != points {
        return Err(world.failure(format!(
            "{person}'s card in \"{program}\" should hold {points} points, holds {balance}"
        )));
    }
    Ok(())
}

#[then(expr = "{word} receives the coupon of her/his/their reward")]
async fn receives_coupon(world: &mut HarnessWorld, person: String) -> StepResult {
    let attempt = world.redemption_of(&person)?;
    let code = attempt
        .redemption
        .as_ref()
        .and_then(|r| r.redemptions.first())
        .and_then(|r| r.reward.as_ref())
        .and_then(|r| r.pointer("/voucher/code"))
        .and_then(|c| c.as_str())
        .map(str::to_string)
        .ok_or_else(|| world.failure(format!("{person}'s reward redemption names no coupon")))?;
    let voucher = world
        .client()?
        .get_voucher(&code)
        .await
        .map_err(|e| world.call_failed("reading the reward's coupon", &e))?;
    let customer = world
        .client()?
        .get_customer(&world.customer(&person).source_id.unwrap_or_default())
        .await
        .map_err(|e| world.call_failed(&format!("reading {person}"), &e))?;
    if voucher.holder_id.as_deref() != Some(customer.id.as_str()) {
        return Err(world.failure(format!(
            "the reward's coupon {code} should belong to {person}, belongs to {:?}",
            voucher.holder_id
        )));
    }
    Ok(())
}

/// Ledger types in plain words.
const MOVEMENTS: &[(&str, &str)] = &[
    ("points earned", "POINTS_ACCRUAL"),
    ("points spent", "POINTS_REDEMPTION"),
    ("points given back", "POINTS_REFUND"),
    ("points added", "POINTS_ADDITION"),
    ("points removed", "POINTS_REMOVAL"),
];

#[then(expr = "{word}'s points history in {string} reads:")]
async fn history(
    world: &mut HarnessWorld,
    step: &Step,
    person: String,
    program: String,
) -> StepResult {
    let (id, code) = (
        program_id(world, &program)?,
        card(world, &person, &program)?,
    );
    let table = step
        .table
        .as_ref()
        .ok_or_else(|| world.failure("this step needs a table with columns movement and points"))?;
    let expected: Vec<(String, i64)> = table
        .rows
        .iter()
        .skip(1)
        .map(|r| {
            let kind = MOVEMENTS
                .iter()
                .find(|(p, _)| *p == r[0].trim())
                .map_or_else(|| r[0].trim().to_string(), |(_, k)| k.to_string());
            (kind, r[1].trim().parse().unwrap_or(i64::MIN))
        })
        .collect();
    let list = world
        .client()?
        .member_transactions(&id, &code)
        .await
        .map_err(|e| world.call_failed(&format!("reading {person}'s history"), &e))?;
    let mut actual: Vec<(String, i64)> = list
        .items
        .iter()
        .map(|t| {
            (
                t.kind.clone(),
                t.details
                    .pointer("/balance/points")
                    .and_then(|p| p.as_i64())
                    .unwrap_or(0),
            )
        })
        .collect();
    actual.reverse();
    if actual != expected {
        return Err(world.failure(format!(
            "{person}'s history should read {expected:?} (oldest first), reads {actual:?}"
        )));
    }
    Ok(())
}

#[given(expr = "a gift card {string} holding {money}")]
async fn gift_card(world: &mut HarnessWorld, name: String, amount: Money) -> StepResult {
    let input = VoucherInput {
        code: Some(world.code(&name)),
        kind: Some("GIFT_VOUCHER".into()),
        gift: Some(json!({"amount": amount.0})),
        ..VoucherInput::default()
    };
    world
        .client()?
        .create_voucher(&input)
        .await
        .map(|_| ())
        .map_err(|e| world.call_failed(&format!("creating the gift card \"{name}\""), &e))
}

#[given(expr = "{word} pays {money} of a cart of {money} with the gift card {string}")]
#[when(expr = "{word} pays {money} of a cart of {money} with the gift card {string}")]
async fn pays_with_gift(
    world: &mut HarnessWorld,
    person: String,
    credits: Money,
    cart: Money,
    name: String,
) -> StepResult {
    let code = world.code(&name);
    world.batch_start = world.attempts.len();
    let request = ValidationRequest {
        redeemables: vec![RedeemableRef {
            object: "voucher".into(),
            id: code.clone(),
            gift: Some(json!({"credits": credits.0})),
            reward: None,
        }],
        order: Some(OrderInput {
            amount: Some(cart.0),
            ..OrderInput::default()
        }),
        customer: Some(world.customer(&person)),
        ..ValidationRequest::default()
    };
    let outcome = world.client()?.redeem(&request).await;
    record(world, &person, &code, outcome)
}

#[then(expr = "the gift card {string} holds {money}")]
async fn gift_holds(world: &mut HarnessWorld, name: String, amount: Money) -> StepResult {
    let code = world.code(&name);
    let voucher = world
        .client()?
        .get_voucher(&code)
        .await
        .map_err(|e| world.call_failed(&format!("reading \"{name}\""), &e))?;
    let balance = voucher.gift.map_or(0, |g| g.balance);
    world.expect_money(&format!("credits left on \"{name}\""), amount.0, balance)
}
