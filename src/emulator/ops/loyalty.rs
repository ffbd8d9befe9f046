//! Loyalty programs: members and their cards, points moving in and out (with a ledger entry
//! for every move), earning rules fired by paid orders, custom events and segment entries,
//! rewards and their redemption. Gift cards' credits move through the same ledger.

use serde_json::{Value, json};

use super::{campaigns, customers, publications, rules};
use crate::emulator::convert;
use crate::emulator::error::ApiError;
use crate::emulator::store::{CardDebit, Project, StoredEarningRule};
use crate::engine::loyalty::{self, EarningFacts, Rate};
use crate::engine::rules::{Facts, OrderFacts, Outcome};
use crate::engine::time::Timestamp;
use crate::model::redemption::Channel;
use crate::model::{
    Balance, CustomerInput, EarningRule, MemberInput, Order, Redemption, Reward, RewardAssignment,
    RewardRedemptionInput, Transaction, Voucher,
};

/// A move of points or credits on a card.
pub struct Move<'a> {
    pub code: &'a str,
    /// Positive adds, negative takes.
    pub delta: i64,
    /// The ledger type (`POINTS_ACCRUAL`, `CREDITS_REDEMPTION`...).
    pub kind: &'a str,
    pub reason: Option<String>,
    pub source_id: Option<String>,
    pub source: Option<&'a str>,
    /// Extra `details` of the ledger entry (order, redemption, reward, event...).
    pub details: Value,
}

fn balance_view(voucher: &Voucher, delta: i64) -> Balance {
    let (points, amount, total, balance, kind) = match (&voucher.loyalty_card, &voucher.gift) {
        (Some(card), _) => (Some(delta), None, card.points, card.balance, "loyalty_card"),
        (_, Some(gift)) => (None, Some(delta), gift.amount, gift.balance, "gift_voucher"),
        _ => (None, None, 0, 0, "voucher"),
    };
    Balance {
        points,
        amount,
        total,
        balance,
        kind: kind.into(),
        object: "balance".into(),
        related_object: json!({"type": "voucher", "id": voucher.id}),
        operation_type: Some("MANUAL".into()),
    }
}

/// Moves points (loyalty cards) or credits (gift cards): the balance never goes below zero,
/// lifetime totals grow with additions and accruals, and the ledger gets an entry.
pub fn move_balance(
    project: &mut Project,
    m: Move,
    now: Timestamp,
) -> Result<(Transaction, Balance), ApiError> {
    let voucher = project
        .vouchers
        .get(m.code)
        .cloned()
        .ok_or_else(|| ApiError::not_found("voucher", m.code))?;
    let current = match (&voucher.loyalty_card, &voucher.gift) {
        (Some(card), _) => card.balance,
        (_, Some(gift)) => gift.balance,
        _ => {
            return Err(ApiError::bad_request(
                "invalid_voucher",
                "Invalid Voucher",
                format!("{} is neither a loyalty card nor a gift card", voucher.code),
            ));
        }
    };
    let Some(after) = loyalty::moved(current, m.delta) else {
        let key = if voucher.loyalty_card.is_some() {
            crate::engine::rejection::Rejection::LoyaltyCardPointsExceeded {
                code: voucher.code.clone(),
            }
        } else {
            crate::engine::rejection::Rejection::GiftAmountExceeded {
                code: voucher.code.clone(),
            }
        };
        return Err(ApiError::from_rejection(&key));
    };
    let grows_total = matches!(
        m.kind,
        "POINTS_ACCRUAL" | "POINTS_ADDITION" | "CREDITS_ADDITION"
    );
    let stored = project
        .vouchers
        .get_mut(m.code)
        .ok_or_else(|| ApiError::not_found("voucher", m.code))?;
    if let Some(card) = &mut stored.loyalty_card {
        card.balance = after;
        if grows_total {
            card.points = card.points.saturating_add(m.delta);
        }
        if m.kind == "POINTS_REDEMPTION" || m.kind == "POINTS_REFUND" {
            let redeemed = stored.redemption.redeemed_points.unwrap_or(0) - m.delta;
            stored.redemption.redeemed_points = Some(redeemed.max(0));
        }
    }
    if let Some(gift) = &mut stored.gift {
        gift.balance = after;
        if grows_total {
            gift.amount = gift.amount.saturating_add(m.delta);
        }
        if m.kind == "CREDITS_REDEMPTION" || m.kind == "CREDITS_REFUND" {
            let redeemed = stored.redemption.redeemed_amount.unwrap_or(0) - m.delta;
            stored.redemption.redeemed_amount = Some(redeemed.max(0));
        }
    }
    stored.updated_at = Some(now);
    let voucher = stored.clone();
    let balance = balance_view(&voucher, m.delta);
    let mut details = json!({ "balance": balance });
    if let (Value::Object(d), Value::Object(extra)) = (&mut details, m.details) {
        d.extend(extra);
    }
    let transaction = Transaction {
        id: project.ids.hex("vtx_"),
        source_id: m.source_id,
        voucher_id: voucher.id.clone(),
        campaign_id: voucher.campaign_id.clone(),
        source: m.source.map(str::to_string),
        reason: m.reason,
        kind: m.kind.to_string(),
        details,
        related_transaction_id: None,
        created_at: Some(now),
    };
    project
        .transactions
        .put(transaction.id.clone(), transaction.clone());
    if m.delta > 0 {
        let kind = if voucher.loyalty_card.is_some() {
            "voucher.loyalty_card.points_added"
        } else {
            "voucher.gift.balance_added"
        };
        let data = json!({"voucher": voucher, "balance": balance, "transaction": transaction});
        project.emit(kind, &voucher.id, voucher.holder_id.as_deref(), data, now);
    }
    Ok((transaction, balance))
}

/// The program behind an id or name; 404 unless it is a loyalty program.
pub fn program(project: &Project, key: &str) -> Result<crate::model::Campaign, ApiError> {
    project
        .campaigns
        .get(key)
        .filter(|c| c.campaign_type == "LOYALTY_PROGRAM")
        .cloned()
        .ok_or_else(|| ApiError::not_found("campaign", key))
}

/// A member's card, by code or id, optionally within a program.
pub fn member(
    project: &Project,
    program_key: Option<&str>,
    member: &str,
) -> Result<Voucher, ApiError> {
    let program_id = program_key
        .map(|k| program(project, k))
        .transpose()?
        .map(|c| c.id);
    project
        .vouchers
        .get(member)
        .filter(|v| v.kind == "LOYALTY_CARD")
        .filter(|v| {
            program_id
                .as_ref()
                .is_none_or(|p| v.campaign_id.as_deref() == Some(p.as_str()))
        })
        .cloned()
        .ok_or_else(|| ApiError::not_found("voucher", member))
}

/// The card a customer holds in a program, if any.
pub fn card_of(project: &Project, program_id: &str, customer_id: &str) -> Option<String> {
    project
        .vouchers
        .oldest_first()
        .find(|v| {
            v.campaign_id.as_deref() == Some(program_id)
                && v.holder_id.as_deref() == Some(customer_id)
        })
        .map(|v| v.code.clone())
}

/// `POST /v1/loyalties/{id}/members`: gives the customer a card (the same one again, since
/// programs are join-once).
pub fn add_member(
    project: &mut Project,
    program_key: &str,
    input: &MemberInput,
    now: Timestamp,
) -> Result<Voucher, ApiError> {
    let program = program(project, program_key)?;
    customers::check(project, &input.customer)?;
    if input.customer.id.is_none() && input.customer.source_id.is_none() {
        return Err(ApiError::invalid_payload(
            "Property .customer should have required property 'id' or 'source_id'",
        ));
    }
    if let Some(code) = &input.voucher {
        let card = member(project, Some(&program.id), code)?;
        if card.holder_id.is_some() {
            return Err(ApiError::bad_request(
                "voucher_already_published",
                "Voucher already published",
                format!("Card {code} already has a member"),
            ));
        }
    }
    if let Some(existing) = customers::find(project, &input.customer)
        && let Some(code) = card_of(project, &program.id, &existing)
    {
        return project
            .vouchers
            .get(&code)
            .cloned()
            .ok_or_else(|| ApiError::not_found("voucher", &code));
    }
    let customer_id = customers::upsert(project, &input.customer, now)?;
    let code = match &input.voucher {
        Some(code) => code.clone(),
        None => {
            let free = project
                .vouchers
                .oldest_first()
                .find(|v| {
                    v.campaign_id.as_deref() == Some(program.id.as_str())
                        && v.holder_id.is_none()
                        && v.active
                })
                .map(|v| v.code.clone());
            match free {
                Some(code) => code,
                None => campaigns::generate(project, &program.id, now)?.code,
            }
        }
    };
    publications::give(project, &code, &customer_id, input.metadata.clone(), now)
}

/// `POST .../balance`: adds (positive) or removes (negative) points; never below zero.
pub fn change_balance(
    project: &mut Project,
    code: &str,
    points: i64,
    reason: Option<String>,
    source_id: Option<String>,
    now: Timestamp,
) -> Result<Balance, ApiError> {
    if points == 0 {
        return Err(ApiError::bad_request(
            "invalid_add_balance_params",
            "Invalid add balance params",
            "Property .points should be a non-zero integer",
        ));
    }
    let kind = if points > 0 {
        "POINTS_ADDITION"
    } else {
        "POINTS_REMOVAL"
    };
    let m = Move {
        code,
        delta: points,
        kind,
        reason,
        source_id,
        source: Some("API"),
        details: json!({}),
    };
    move_balance(project, m, now).map(|(_, b)| b)
}

/// `POST /v1/vouchers/{code}/balance`: adds or removes gift credits (or points on a card).
pub fn change_code_balance(
    project: &mut Project,
    code: &str,
    amount: i64,
    reason: Option<String>,
    source_id: Option<String>,
    now: Timestamp,
) -> Result<Balance, ApiError> {
    let voucher = project
        .vouchers
        .get(code)
        .cloned()
        .ok_or_else(|| ApiError::not_found("voucher", code))?;
    if voucher.loyalty_card.is_some() {
        return change_balance(project, code, amount, reason, source_id, now);
    }
    if amount == 0 {
        return Err(ApiError::bad_request(
            "invalid_add_balance_params",
            "Invalid add balance params",
            "Property .amount should be a non-zero integer",
        ));
    }
    let kind = if amount > 0 {
        "CREDITS_ADDITION"
    } else {
        "CREDITS_REMOVAL"
    };
    let m = Move {
        code,
        delta: amount,
        kind,
        reason,
        source_id,
        source: Some("API"),
        details: json!({}),
    };
    move_balance(project, m, now).map(|(_, b)| b)
}

// ---------- earning rules ----------

const BUILT_IN_EVENTS: [&str; 2] = ["order.paid", "customer.segment.entered"];

/// `POST /v1/loyalties/{id}/earning-rules`: checks every rule, then stores them all.
pub fn create_earning_rules(
    project: &mut Project,
    program_key: &str,
    input: &[EarningRule],
    now: Timestamp,
) -> Result<Vec<EarningRule>, ApiError> {
    let program = program(project, program_key)?;
    if input.is_empty() || input.len() > 100 {
        return Err(ApiError::invalid_payload(
            "Payload should hold between 1 and 100 earning rules",
        ));
    }
    let mut parsed = Vec::new();
    for (i, rule) in input.iter().enumerate() {
        if rule.event.trim().is_empty() {
            return Err(ApiError::invalid_payload(format!(
                "Property [{i}].event should not be empty"
            )));
        }
        let earning = loyalty::parse(&rule.loyalty).map_err(|details| {
            ApiError::bad_request(
                "missing_param",
                "Missing required parameter",
                format!("[{i}]: {details}"),
            )
        })?;
        if let Some(val) = &rule.validation_rule_id {
            rules::check_ids(project, std::slice::from_ref(val))?;
        }
        if rule.event == "customer.segment.entered" {
            let segment = rule
                .segment
                .as_ref()
                .and_then(|s| s.get("id"))
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "missing_param",
                        "Missing required parameter",
                        format!("Parameter '[{i}].segment.id' is required"),
                    )
                })?;
            if !project.segments.contains(segment) {
                return Err(ApiError::not_found("segment", segment));
            }
        }
        parsed.push(earning);
    }
    let mut out = Vec::new();
    for (rule, earning) in input.iter().zip(parsed) {
        let stored = EarningRule {
            id: project.ids.alnum("ern_", 24),
            created_at: Some(now),
            updated_at: None,
            active: Some(rule.active.unwrap_or(true)),
            source: Some(
                json!({"banner": rule.source.as_ref().and_then(|s| s.get("banner")).cloned(), "object_id": program.id, "object_type": "campaign"}),
            ),
            object: "earning_rule".into(),
            metadata: Some(rule.metadata.clone().unwrap_or_default()),
            ..rule.clone()
        };
        project.earning_rules.put(
            stored.id.clone(),
            StoredEarningRule {
                rule: stored.clone(),
                campaign_id: program.id.clone(),
                earning,
            },
        );
        out.push(stored);
    }
    Ok(out)
}

/// What an earning moment knows.
pub struct Moment<'a> {
    pub event: &'a str,
    pub customer_id: &'a str,
    pub order: Option<&'a Order>,
    pub event_metadata: Option<&'a serde_json::Map<String, Value>>,
    pub segment_id: Option<&'a str>,
    /// Only this card (a custom event naming `loyalty.code`).
    pub card: Option<&'a str>,
}

/// Fires the earning rules of every program for `moment`: each rule that applies adds its
/// points to the customer's card (enrolling them first in `auto_join` programs).
pub fn earn(project: &mut Project, moment: &Moment, now: Timestamp) -> Result<i64, ApiError> {
    let rules: Vec<StoredEarningRule> = project
        .earning_rules
        .oldest_first()
        .filter(|r| r.rule.event == moment.event && r.rule.active != Some(false))
        .filter(|r| {
            r.rule.start_date.is_none_or(|s| now >= s)
                && r.rule.expiration_date.is_none_or(|e| now <= e)
        })
        .filter(|r| {
            moment.segment_id.is_none_or(|seg| {
                r.rule
                    .segment
                    .as_ref()
                    .and_then(|s| s.get("id"))
                    .and_then(Value::as_str)
                    == Some(seg)
            })
        })
        .cloned()
        .collect();
    let customer = project.customers.get(moment.customer_id).cloned();
    let mut total = 0;
    for rule in rules {
        let Some(program) = project.campaigns.get(&rule.campaign_id).cloned() else {
            continue;
        };
        if !program.active {
            continue;
        }
        if let Some(val) = &rule.rule.validation_rule_id
            && !order_rules_pass(project, val, moment.order)
        {
            continue;
        }
        let facts = EarningFacts {
            order_amount: moment.order.map_or(0, |o| o.amount),
            order_total_amount: moment.order.map_or(0, |o| o.total_amount),
            order_metadata: moment.order.map(|o| &o.metadata),
            event_metadata: moment.event_metadata,
            customer_metadata: customer.as_ref().map(|c| &c.metadata),
        };
        let points = loyalty::points_earned(&rule.earning, &facts);
        if points <= 0 {
            continue;
        }
        let code = match moment.card {
            Some(code) => match project.vouchers.get(code) {
                Some(v) if v.campaign_id.as_deref() == Some(program.id.as_str()) => {
                    code.to_string()
                }
                _ => continue,
            },
            None => match card_of(project, &program.id, moment.customer_id) {
                Some(code) => code,
                None if program.auto_join => {
                    let input = MemberInput {
                        customer: CustomerInput {
                            id: Some(moment.customer_id.to_string()),
                            ..CustomerInput::default()
                        },
                        ..MemberInput::default()
                    };
                    add_member(project, &program.id, &input, now)?.code
                }
                None => continue,
            },
        };
        let mut details = json!({"earning_rule": {"id": rule.rule.id, "source": rule.rule.source}});
        if let Some(order) = moment.order {
            details["order"] = json!({"id": order.id, "source_id": order.source_id});
        }
        if moment.event_metadata.is_some() || !BUILT_IN_EVENTS.contains(&moment.event) {
            details["event"] = json!({"type": moment.event});
        }
        let m = Move {
            code: &code,
            delta: points,
            kind: "POINTS_ACCRUAL",
            reason: None,
            source_id: None,
            source: Some("Automation"),
            details,
        };
        let (transaction, balance) = move_balance(project, m, now)?;
        total += points;
        let data = json!({
            "customer": customers::view(project, moment.customer_id),
            "voucher": project.vouchers.get(&code),
            "campaign": program,
            "earning_rule": rule.rule,
            "balance": balance,
            "order": moment.order,
            "event": {"type": moment.event},
            "transaction": transaction,
        });
        project.emit(
            "customer.rewarded.loyalty_points",
            &code,
            Some(moment.customer_id),
            data,
            now,
        );
    }
    Ok(total)
}

/// Whether an earning rule's order conditions hold.
fn order_rules_pass(project: &Project, rule_id: &str, order: Option<&Order>) -> bool {
    let Some(stored) = project.rules.get(rule_id) else {
        return false;
    };
    let items: Vec<crate::engine::rules::ItemFacts> = order
        .map(|o| {
            o.items
                .iter()
                .map(|i| crate::engine::rules::ItemFacts {
                    product_id: i.product_id.clone(),
                    product_source_id: i
                        .product
                        .as_ref()
                        .and_then(|p| p.source_id.clone())
                        .or_else(|| i.source_id.clone()),
                    sku_id: i.sku_id.clone(),
                    sku_source_id: None,
                    quantity: i.quantity,
                    price: i.price.unwrap_or(i.amount),
                    amount: i.amount,
                    metadata: i.metadata.clone().unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    let facts = Facts {
        order: order.map(|o| OrderFacts {
            amount: o.total_amount,
            initial_amount: o.amount,
            items: &items,
            metadata: Some(&o.metadata),
        }),
        ..Facts::default()
    };
    crate::engine::rules::evaluate(&stored.parsed, &facts) == Outcome::Pass
}

// ---------- rewards ----------

const REWARD_TYPES: [&str; 3] = ["CAMPAIGN", "COIN", "MATERIAL"];

/// `POST /v1/rewards`.
pub fn create_reward(
    project: &mut Project,
    input: &Reward,
    now: Timestamp,
) -> Result<Reward, ApiError> {
    if input.name.trim().is_empty() {
        return Err(ApiError::invalid_payload(
            "Payload should have required property 'name'",
        ));
    }
    match input.kind.as_str() {
        "CAMPAIGN" => {
            let campaign = input.parameters.get("campaign").ok_or_else(|| {
                ApiError::bad_request(
                    "missing_param",
                    "Missing required parameter",
                    "Parameter 'parameters.campaign' is required",
                )
            })?;
            let id = campaign
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let target = project
                .campaigns
                .get(id)
                .cloned()
                .ok_or_else(|| ApiError::not_found("campaign", id))?;
            if target.campaign_type != "DISCOUNT_COUPONS" {
                let balance = campaign.get("balance").and_then(Value::as_i64).unwrap_or(0);
                if balance <= 0 {
                    return Err(ApiError::bad_request(
                        "invalid_balance",
                        "Property 'parameters.campaign.balance' is invalid",
                        format!(
                            "Property 'parameters.campaign.balance' must be greater than zero for campaign type: {}",
                            target.campaign_type
                        ),
                    ));
                }
            }
        }
        "COIN" => {
            coin_rate(&input.parameters).ok_or_else(|| {
                ApiError::bad_request(
                    "missing_param",
                    "Missing required parameter",
                    "Parameters 'coin.exchange_ratio' > 0 and 'coin.points_ratio' > 0 are required",
                )
            })?;
        }
        "MATERIAL" => {}
        _ => {
            return Err(ApiError::invalid_payload(format!(
                "Property .type should be equal to one of the allowed values: {}",
                REWARD_TYPES.join(", ")
            )));
        }
    }
    let reward = Reward {
        id: project.ids.alnum("rew_", 24),
        created_at: Some(now),
        updated_at: None,
        object: "reward".into(),
        attributes: if input.attributes.is_null() {
            json!({})
        } else {
            input.attributes.clone()
        },
        redeemed: None,
        ..input.clone()
    };
    project.rewards.put(reward.id.clone(), reward.clone());
    Ok(reward)
}

/// The worth of points under a COIN reward.
pub fn coin_rate(parameters: &Value) -> Option<Rate> {
    let coin = parameters.get("coin")?;
    Rate::from_numbers(
        coin.get("exchange_ratio")?.as_f64()?,
        coin.get("points_ratio")
            .and_then(Value::as_i64)
            .unwrap_or(1),
    )
}

/// Assigns a reward to a program with its cost in points.
pub fn assign_reward(
    project: &mut Project,
    reward_id: &str,
    program_key: &str,
    parameters: Option<&Value>,
    now: Timestamp,
) -> Result<RewardAssignment, ApiError> {
    let reward = project
        .rewards
        .get(reward_id)
        .cloned()
        .ok_or_else(|| ApiError::not_found("reward", reward_id))?;
    let program = program(project, program_key)?;
    let points = parameters
        .and_then(|p| p.pointer("/loyalty/points"))
        .and_then(Value::as_i64);
    if reward.kind != "COIN" && points.is_none_or(|p| p <= 0) {
        return Err(ApiError::bad_request(
            "missing_param",
            "Missing required parameter",
            "Parameter 'parameters.loyalty' is required",
        ));
    }
    if let Some(existing) = project
        .reward_assignments
        .oldest_first()
        .find(|a| a.reward_id == reward.id && a.related_object_id == program.id)
    {
        return Err(ApiError::duplicate("reward_assignment", &existing.id));
    }
    let assignment = RewardAssignment {
        id: project.ids.alnum("rewa_", 24),
        reward_id: reward.id.clone(),
        related_object_id: program.id.clone(),
        related_object_type: "campaign".into(),
        parameters: points
            .map(|p| json!({"loyalty": {"points": p}}))
            .unwrap_or_else(|| json!({})),
        created_at: Some(now),
        updated_at: None,
        object: "reward_assignment".into(),
    };
    project
        .reward_assignments
        .put(assignment.id.clone(), assignment.clone());
    Ok(assignment)
}

/// The assignment of `reward_id` to the card's program.
pub fn assignment_for(
    project: &Project,
    reward_id: &str,
    program_id: &str,
) -> Result<(Reward, RewardAssignment), ApiError> {
    let reward = project
        .rewards
        .get(reward_id)
        .cloned()
        .ok_or_else(|| ApiError::not_found("reward", reward_id))?;
    let assignment = project
        .reward_assignments
        .oldest_first()
        .find(|a| a.reward_id == reward.id && a.related_object_id == program_id)
        .cloned()
        .ok_or_else(|| ApiError::not_found("reward", reward_id))?;
    Ok((reward, assignment))
}

/// `POST /v1/loyalties/{id}/members/{memberId}/redemption`: debits exactly the reward's cost
/// and issues the reward, or refuses and debits nothing.
pub fn redeem_reward(
    project: &mut Project,
    program_key: Option<&str>,
    member_code: &str,
    input: &RewardRedemptionInput,
    now: Timestamp,
) -> Result<Redemption, ApiError> {
    let card = member(project, program_key, member_code)?;
    let program_id = card.campaign_id.clone().unwrap_or_default();
    let choice = input.reward.as_ref().ok_or_else(|| {
        ApiError::from_rejection(&crate::engine::rejection::Rejection::MissingReward)
    })?;
    let (reward, assignment) = assignment_for(project, &choice.id, &program_id)?;
    if reward.kind == "COIN" {
        // Paying with points is a checkout: the order is required and the discount applies.
        let Some(order) = &input.order else {
            return Err(ApiError::from_rejection(
                &crate::engine::rejection::Rejection::MissingOrder,
            ));
        };
        let request = crate::model::ValidationRequest {
            redeemables: vec![crate::model::RedeemableRef {
                object: "voucher".into(),
                id: card.code.clone(),
                reward: Some(json!({"id": reward.id, "points": choice.points})),
                gift: None,
            }],
            order: Some(order.clone()),
            customer: card.holder_id.clone().map(|h| CustomerInput {
                id: Some(h),
                ..CustomerInput::default()
            }),
            metadata: input.metadata.clone(),
            ..Default::default()
        };
        let mut answer = super::checkout::redeem(project, &request, now)?;
        return answer
            .redemptions
            .pop()
            .ok_or_else(|| ApiError::not_found("redemption", member_code));
    }
    let cost = assignment
        .parameters
        .pointer("/loyalty/points")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if let Some(stock) = reward.stock.as_ref().and_then(|s| {
        s.as_i64()
            .or_else(|| s.as_str().and_then(|t| t.parse().ok()))
    }) && reward.redeemed.unwrap_or(0) >= stock
    {
        return Err(ApiError::bad_request(
            "reward_out_of_stock",
            "Reward out of stock",
            format!("Reward {} has no stock left", reward.id),
        ));
    }
    let balance = card.loyalty_card.as_ref().map_or(0, |c| c.balance);
    if balance < cost {
        return Err(ApiError::from_rejection(
            &crate::engine::rejection::Rejection::LoyaltyCardPointsExceeded {
                code: card.code.clone(),
            },
        ));
    }
    let holder = card.holder_id.clone();
    // Check the reward can be issued before taking any points.
    let target = reward
        .parameters
        .pointer("/campaign/id")
        .and_then(Value::as_str)
        .and_then(|c| project.campaigns.get(c))
        .cloned();
    if reward.kind == "CAMPAIGN" && target.is_none() {
        return Err(ApiError::not_found(
            "campaign",
            reward
                .parameters
                .pointer("/campaign/id")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        ));
    }
    let redemption_id = project.ids.hex("r_");
    let m = Move {
        code: &card.code,
        delta: -cost,
        kind: "POINTS_REDEMPTION",
        reason: None,
        source_id: None,
        source: Some("API"),
        details: json!({"redemption": {"id": redemption_id}, "reward": {"id": reward.id, "name": reward.name}}),
    };
    move_balance(project, m, now)?;
    if let Some(v) = project.vouchers.get_mut(&card.code) {
        v.redemption.redeemed_quantity += 1;
    }
    let issued = issue(project, &reward, target.as_ref(), holder.as_deref(), now)?;
    if let Some(r) = project.rewards.get_mut(&reward.id) {
        r.redeemed = Some(r.redeemed.unwrap_or(0) + 1);
    }
    let card_after = project.vouchers.get(&card.code).cloned();
    let redemption = Redemption {
        id: redemption_id.clone(),
        object: "redemption".into(),
        date: Some(now),
        customer_id: holder.clone(),
        tracking_id: None,
        metadata: input.metadata.clone(),
        amount: Some(cost),
        result: "SUCCESS".into(),
        status: "SUCCEEDED".into(),
        channel: Channel {
            channel_id: None,
            channel_type: "API".into(),
        },
        customer: holder.as_deref().map(|h| convert::customer_ref(project, h)),
        related_object_type: "voucher".into(),
        related_object_id: card.id.clone(),
        voucher: card_after,
        reward: Some(json!({
            "assignment_id": assignment.id,
            "id": reward.id,
            "name": reward.name,
            "type": reward.kind,
            "object": "reward",
            "voucher": issued,
            "product": reward.parameters.get("product"),
        })),
        loyalty_card: Some(json!({"points": cost})),
        ..Redemption::default()
    };
    project
        .redemptions
        .put(redemption_id.clone(), redemption.clone());
    project.card_debits.insert(
        redemption_id.clone(),
        CardDebit {
            code: card.code.clone(),
            points: cost,
            credits: 0,
        },
    );
    customers::count_redemption(project, holder.as_deref(), true);
    let data = json!({
        "customer": holder.as_deref().and_then(|h| customers::view(project, h)),
        "voucher": redemption.voucher,
        "redemption": redemption,
        "reward": redemption.reward,
    });
    project.emit(
        "redemption.succeeded",
        &redemption_id,
        holder.as_deref(),
        data,
        now,
    );
    Ok(redemption)
}

/// Gives the reward: a code of the reward's campaign published to the holder, credits on a
/// new gift card, or points on the holder's card in another program.
fn issue(
    project: &mut Project,
    reward: &Reward,
    target: Option<&crate::model::Campaign>,
    holder: Option<&str>,
    now: Timestamp,
) -> Result<Option<Voucher>, ApiError> {
    let Some(campaign) = target.filter(|_| reward.kind == "CAMPAIGN") else {
        return Ok(None);
    };
    let Some(holder) = holder else {
        return Ok(None);
    };
    let balance = reward
        .parameters
        .pointer("/campaign/balance")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    match campaign.campaign_type.as_str() {
        "LOYALTY_PROGRAM" => {
            let code = match card_of(project, &campaign.id, holder) {
                Some(code) => code,
                None => {
                    let input = MemberInput {
                        customer: CustomerInput {
                            id: Some(holder.to_string()),
                            ..CustomerInput::default()
                        },
                        ..MemberInput::default()
                    };
                    add_member(project, &campaign.id, &input, now)?.code
                }
            };
            let m = Move {
                code: &code,
                delta: balance,
                kind: "POINTS_ADDITION",
                reason: Some(format!("Reward {}", reward.name)),
                source_id: None,
                source: Some("Automation"),
                details: json!({"reward": {"id": reward.id}}),
            };
            move_balance(project, m, now)?;
            Ok(project.vouchers.get(&code).cloned())
        }
        _ => {
            let code = campaigns::generate(project, &campaign.id, now)?.code;
            if campaign.campaign_type == "GIFT_VOUCHERS"
                && let Some(v) = project.vouchers.get_mut(&code)
                && let Some(gift) = &mut v.gift
            {
                gift.amount = balance;
                gift.balance = balance;
            }
            publications::give(project, &code, holder, None, now).map(Some)
        }
    }
}

/// Gives back what a redemption took from a card (a rollback); returns the amount, negative.
pub fn refund(
    project: &mut Project,
    redemption_id: &str,
    rollback_id: &str,
    now: Timestamp,
) -> Option<i64> {
    let debit = project.card_debits.remove(redemption_id)?;
    let (delta, kind) = if debit.points > 0 {
        (debit.points, "POINTS_REFUND")
    } else {
        (debit.credits, "CREDITS_REFUND")
    };
    let m = Move {
        code: &debit.code,
        delta,
        kind,
        reason: None,
        source_id: None,
        source: Some("API"),
        details: json!({"rollback": {"id": rollback_id}, "redemption": {"id": redemption_id}}),
    };
    move_balance(project, m, now).ok().map(|_| -delta)
}
