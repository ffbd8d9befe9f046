//! Cart promotions: code-less promotions with conditions, tiers, targets and budgets, and the
//! shop asking which ones a cart can get.

use cucumber::gherkin::Step;
use cucumber::{given, then, when};
use serde_json::{Value, json};

use super::catalog::product_ref;
use super::checkout::checkout;
use super::params::{Money, Offer};
use super::world::{Attempt, Deal, HarnessWorld, StepFailure, StepResult};
use crate::model::campaign::{PromotionInput, TierAction, VoucherTemplate};
use crate::model::voucher::RedemptionLimit;
use crate::model::{
    CampaignInput, CategoryInput, DiscountSpec, ErrorMessage, OrderInput, QualificationRequest,
    TierInput, ValidationRuleInput,
};

/// What a promotion is made of, before it is created.
#[derive(Default)]
pub struct Draft {
    pub discount: DiscountSpec,
    pub rules: Vec<Value>,
    pub applicable_to: Option<Value>,
    pub category: Option<String>,
}

fn numbered(rules: &[Value]) -> Value {
    let mut map = serde_json::Map::new();
    for (i, r) in rules.iter().enumerate() {
        map.insert((i + 1).to_string(), r.clone());
    }
    Value::Object(map)
}

/// Creates the validation rule of a draft (if it has conditions or targets); its id.
async fn create_rule(
    world: &mut HarnessWorld,
    name: &str,
    draft: &Draft,
) -> Result<Option<String>, StepFailure> {
    if draft.rules.is_empty() && draft.applicable_to.is_none() {
        return Ok(None);
    }
    let input = ValidationRuleInput {
        name: Some(format!("{} conditions", world.code(name))),
        rules: Some(numbered(&draft.rules)),
        applicable_to: draft.applicable_to.clone(),
        ..ValidationRuleInput::default()
    };
    let rule = world
        .client()?
        .create_validation_rule(&input)
        .await
        .map_err(|e| world.call_failed(&format!("creating the conditions of \"{name}\""), &e))?;
    world
        .remembered
        .insert(format!("rule:{name}"), rule.id.clone());
    Ok(Some(rule.id))
}

/// The id of a deal category, created on first mention.
pub async fn category_id(
    world: &mut HarnessWorld,
    name: &str,
    rank: Option<i64>,
) -> Result<String, StepFailure> {
    let key = format!("category:{name}");
    if let Some(id) = world.remembered.get(&key) {
        return Ok(id.clone());
    }
    let input = CategoryInput {
        name: Some(world.code(name)),
        hierarchy: Some(rank.unwrap_or(1)),
    };
    let category = world
        .client()?
        .create_category(&input)
        .await
        .map_err(|e| world.call_failed(&format!("creating the category \"{name}\""), &e))?;
    world.remembered.insert(key, category.id.clone());
    Ok(category.id)
}

fn tier_input(
    world: &HarnessWorld,
    name: &str,
    draft: &Draft,
    rule: Option<String>,
    category: Option<String>,
) -> TierInput {
    TierInput {
        name: Some(name.to_string()),
        banner: Some(name.to_string()),
        action: Some(TierAction {
            discount: Some(super::catalog::in_catalogue(world, draft.discount.clone())),
        }),
        validation_rules: rule.map(|r| vec![r]),
        category_id: category,
        ..TierInput::default()
    }
}

/// Creates a one-tier promotion campaign named after the promotion.
pub async fn create(world: &mut HarnessWorld, name: &str, draft: Draft) -> StepResult {
    let rule = create_rule(world, name, &draft).await?;
    let category = match &draft.category {
        Some(c) => Some(category_id(world, c, None).await?),
        None => None,
    };
    let input = CampaignInput {
        name: Some(world.code(name)),
        campaign_type: Some("PROMOTION".into()),
        promotion: Some(PromotionInput {
            tiers: vec![tier_input(world, name, &draft, rule, category)],
        }),
        ..CampaignInput::default()
    };
    create_campaign(world, &input, &[name.to_string()]).await
}

/// Creates a promotion campaign and records its tiers under `names` (in order).
async fn create_campaign(
    world: &mut HarnessWorld,
    input: &CampaignInput,
    names: &[String],
) -> StepResult {
    let client = world.client()?;
    let campaign = client
        .create_campaign(input)
        .await
        .map_err(|e| world.call_failed("creating the promotion", &e))?;
    let tiers = client
        .promotion_tiers(&campaign.id)
        .await
        .map_err(|e| world.call_failed("reading the promotion's tiers", &e))?;
    for name in names {
        let tier = tiers
            .items
            .iter()
            .find(|t| &t.name == name)
            .ok_or_else(|| world.failure(format!("the promotion has no tier named \"{name}\"")))?;
        world.remember_deal(
            name,
            Deal {
                object: "promotion_tier",
                id: tier.id.clone(),
                campaign: Some(campaign.id.clone()),
            },
        );
    }
    Ok(())
}

fn amount_at_least(min: i64) -> Value {
    json!({"name": "order.amount", "conditions": {"$more_than_or_equal": [min]}})
}

#[given(expr = "a cart promotion {string} giving {offer}")]
async fn plain(world: &mut HarnessWorld, name: String, offer: Offer) -> StepResult {
    create(
        world,
        &name,
        Draft {
            discount: offer.0,
            ..Draft::default()
        },
    )
    .await
}

#[given(expr = "a cart promotion {string} giving {offer} on carts of {money} or more")]
async fn threshold(world: &mut HarnessWorld, name: String, offer: Offer, min: Money) -> StepResult {
    let draft = Draft {
        discount: offer.0,
        rules: vec![amount_at_least(min.0)],
        ..Draft::default()
    };
    create(world, &name, draft).await
}

#[given(expr = "a cart promotion {string} giving {offer} when the cart holds {string}")]
async fn holds(
    world: &mut HarnessWorld,
    name: String,
    offer: Offer,
    product: String,
) -> StepResult {
    let rule =
        json!({"name": "order.items.any", "conditions": {"$is": [product_ref(world, &product)]}});
    let draft = Draft {
        discount: offer.0,
        rules: vec![rule],
        ..Draft::default()
    };
    create(world, &name, draft).await
}

#[given(
    expr = "a cart promotion {string} giving {offer} when the cart holds at least {int} {string}"
)]
async fn holds_quantity(
    world: &mut HarnessWorld,
    name: String,
    offer: Offer,
    quantity: i64,
    product: String,
) -> StepResult {
    let rule = json!({
        "name": "order.items.any",
        "conditions": {"$is": [product_ref(world, &product)]},
        "rules": {"1": {"name": "order.items.quantity", "conditions": {"$more_than_or_equal": [quantity]}}}
    });
    let draft = Draft {
        discount: offer.0,
        rules: vec![rule],
        ..Draft::default()
    };
    create(world, &name, draft).await
}

#[given(expr = "a cart promotion {string} giving {offer} for the customer segment {string}")]
async fn for_segment(
    world: &mut HarnessWorld,
    name: String,
    offer: Offer,
    segment: String,
) -> StepResult {
    let key = format!("segment:{segment}");
    let segment_id = match world.remembered.get(&key) {
        Some(id) => id.clone(),
        None => {
            let input = crate::model::SegmentInput {
                name: world.code(&segment),
                kind: "static".into(),
                customers: Some(Vec::new()),
                filter: None,
            };
            let created = world.client()?.create_segment(&input).await.map_err(|e| {
                world.call_failed(&format!("creating the segment \"{segment}\""), &e)
            })?;
            world.remembered.insert(key, created.id.clone());
            created.id
        }
    };
    let draft = Draft {
        discount: offer.0,
        rules: vec![json!({"name": "customer.segment", "conditions": {"$is": [segment_id]}})],
        ..Draft::default()
    };
    create(world, &name, draft).await
}

#[given(expr = "a cart promotion {string} giving {offer} on {string} only")]
async fn on_product(
    world: &mut HarnessWorld,
    name: String,
    offer: Offer,
    product: String,
) -> StepResult {
    let mut target = product_ref(world, &product);
    target["effect"] = json!("APPLY_TO_EVERY");
    let draft = Draft {
        discount: offer.0,
        applicable_to: Some(json!({"included": [target], "excluded": [], "included_all": false})),
        ..Draft::default()
    };
    create(world, &name, draft).await
}

#[given(expr = "a cart promotion {string} giving {offer} in the category {string}")]
async fn in_category(
    world: &mut HarnessWorld,
    name: String,
    offer: Offer,
    category: String,
) -> StepResult {
    let draft = Draft {
        discount: offer.0,
        category: Some(category),
        ..Draft::default()
    };
    create(world, &name, draft).await
}

fn cap(name: &str, condition: &str, value: i64) -> Value {
    json!({"name": name, "conditions": {condition: [value]}})
}

#[given(expr = "a cart promotion {string} giving {offer}, limited to {int} redemption(s)")]
async fn capped(world: &mut HarnessWorld, name: String, offer: Offer, limit: i64) -> StepResult {
    let draft = Draft {
        discount: offer.0,
        rules: vec![cap("campaign.redemptions.count", "$less_than", limit)],
        ..Draft::default()
    };
    create(world, &name, draft).await
}

#[given(expr = "a cart promotion {string} giving {offer}, with a discount budget of {money}")]
async fn budgeted(
    world: &mut HarnessWorld,
    name: String,
    offer: Offer,
    budget: Money,
) -> StepResult {
    let draft = Draft {
        discount: offer.0,
        rules: vec![cap(
            "campaign.orders.amount_discounted",
            "$less_than_or_equal",
            budget.0,
        )],
        ..Draft::default()
    };
    create(world, &name, draft).await
}

#[given(expr = "a cart promotion {string} giving {offer}, once per customer")]
async fn once_per_customer(world: &mut HarnessWorld, name: String, offer: Offer) -> StepResult {
    let draft = Draft {
        discount: offer.0,
        rules: vec![cap("redemption.count.per_customer", "$less_than", 1)],
        ..Draft::default()
    };
    create(world, &name, draft).await
}

#[given(expr = "a tiered promotion {string}:")]
async fn tiered(world: &mut HarnessWorld, step: &Step, name: String) -> StepResult {
    let table = step.table.as_ref().ok_or_else(|| {
        world.failure("this step needs a table with columns tier, offer and from")
    })?;
    let mut tiers = Vec::new();
    let mut names = Vec::new();
    for (i, row) in table.rows.iter().skip(1).enumerate() {
        let cell = |n: usize| row.get(n).map(|c| c.trim().to_string()).unwrap_or_default();
        let tier_name = cell(0);
        let offer: Offer = cell(1).parse().map_err(|e: String| world.failure(e))?;
        let from: Money = cell(2).parse().map_err(|e: String| world.failure(e))?;
        let draft = Draft {
            discount: offer.0,
            rules: vec![amount_at_least(from.0)],
            ..Draft::default()
        };
        let rule = create_rule(world, &tier_name, &draft).await?;
        let mut tier = tier_input(world, &tier_name, &draft, rule, None);
        tier.hierarchy = Some(i as i64 + 1);
        tiers.push(tier);
        names.push(tier_name);
    }
    let input = CampaignInput {
        name: Some(world.code(&name)),
        campaign_type: Some("PROMOTION".into()),
        promotion: Some(PromotionInput { tiers }),
        ..CampaignInput::default()
    };
    create_campaign(world, &input, &names).await
}

#[given(expr = "the promotion {string} has been switched off")]
async fn switched_off(world: &mut HarnessWorld, name: String) -> StepResult {
    let deal =
        world.deals.get(&name).cloned().ok_or_else(|| {
            world.failure(format!("no promotion named \"{name}\" in this scenario"))
        })?;
    world
        .client()?
        .disable_promotion_tier(&deal.id)
        .await
        .map(|_| ())
        .map_err(|e| world.call_failed(&format!("switching off \"{name}\""), &e))
}

#[given(expr = "the promotion {string} tells shoppers who do not qualify {string}")]
async fn custom_message(world: &mut HarnessWorld, name: String, message: String) -> StepResult {
    let rule = world
        .remembered
        .get(&format!("rule:{name}"))
        .cloned()
        .ok_or_else(|| {
            world.failure(format!(
                "the promotion \"{name}\" has no conditions to explain"
            ))
        })?;
    let input = ValidationRuleInput {
        error: Some(ErrorMessage { message }),
        ..ValidationRuleInput::default()
    };
    world
        .client()?
        .call::<Value>(
            reqwest::Method::PUT,
            &["v1", "validation-rules", &rule],
            &[],
            Some(&input),
        )
        .await
        .map(|_| ())
        .map_err(|e| world.call_failed("setting the promotion's message", &e))
}

#[given(
    expr = "a coupon campaign {string} of {int} codes giving {offer}, limited to {int} redemption(s)"
)]
async fn coupon_campaign(
    world: &mut HarnessWorld,
    name: String,
    count: i64,
    offer: Offer,
    limit: i64,
) -> StepResult {
    let draft = Draft {
        discount: offer.0.clone(),
        rules: vec![cap("campaign.redemptions.count", "$less_than", limit)],
        ..Draft::default()
    };
    let rule = create_rule(world, &name, &draft).await?;
    let input = CampaignInput {
        name: Some(world.code(&name)),
        campaign_type: Some("DISCOUNT_COUPONS".into()),
        vouchers_count: Some(count),
        voucher: Some(VoucherTemplate {
            kind: Some("DISCOUNT_VOUCHER".into()),
            discount: Some(offer.0),
            redemption: Some(RedemptionLimit { quantity: Some(1) }),
            ..VoucherTemplate::default()
        }),
        validation_rules: rule.map(|r| vec![r]),
        ..CampaignInput::default()
    };
    let client = world.client()?;
    let campaign = client
        .create_campaign(&input)
        .await
        .map_err(|e| world.call_failed(&format!("creating the campaign \"{name}\""), &e))?;
    let codes = client
        .list_vouchers(&[
            ("campaign_id", campaign.id.clone()),
            ("limit", "100".into()),
        ])
        .await
        .map_err(|e| world.call_failed("listing the campaign's codes", &e))?;
    for (i, v) in codes.items.iter().enumerate() {
        world.remember_deal(
            &format!("{name} #{}", i + 1),
            Deal {
                object: "voucher",
                id: v.code.clone(),
                campaign: Some(campaign.id.clone()),
            },
        );
    }
    Ok(())
}

#[when(expr = "{int} customers each check out a cart of {money} with a different code of {string}")]
async fn different_codes(
    world: &mut HarnessWorld,
    count: usize,
    amount: Money,
    name: String,
) -> StepResult {
    world.batch_start = world.attempts.len();
    for i in 1..=count {
        let order = OrderInput {
            amount: Some(amount.0),
            ..OrderInput::default()
        };
        checkout(
            world,
            &format!("Customer-{i}"),
            &[format!("{name} #{i}")],
            order,
            true,
        )
        .await?;
    }
    Ok(())
}

#[when(expr = "{word} checks out a cart of {money} with the automatic promotions")]
async fn automatic(world: &mut HarnessWorld, person: String, amount: Money) -> StepResult {
    world.batch_start = world.attempts.len();
    let order = OrderInput {
        amount: Some(amount.0),
        ..OrderInput::default()
    };
    let answer = qualify(world, &person, order.clone()).await?;
    // The best deal of each of the shop's campaigns (a shared project also holds the deals
    // of other scenarios and runs, which are not this shop's).
    let mut seen = std::collections::HashSet::new();
    let mut chosen = Vec::new();
    for r in &answer.redeemables.items {
        if r.object != "promotion_tier" {
            continue;
        }
        if let Some(name) = world.deal_name(&r.id)
            && seen.insert(r.campaign_id.clone())
        {
            chosen.push(name);
        }
    }
    if chosen.is_empty() {
        world.attempts.push(Attempt {
            customer: person,
            codes: Vec::new(),
            ids: Vec::new(),
            validation: None,
            redemption: None,
            error: None,
        });
        return Ok(());
    }
    checkout(world, &person, &chosen, order, true).await
}

async fn qualify(
    world: &mut HarnessWorld,
    person: &str,
    order: OrderInput,
) -> Result<crate::model::QualificationResponse, StepFailure> {
    qualify_in(world, person, order, "ALL").await
}

/// Asks which incentives `person` qualifies for, in a qualification `scenario`.
async fn qualify_in(
    world: &mut HarnessWorld,
    person: &str,
    order: OrderInput,
    scenario: &str,
) -> Result<crate::model::QualificationResponse, StepFailure> {
    let request = QualificationRequest {
        customer: Some(world.customer(person)),
        order: Some(order),
        scenario: Some(scenario.into()),
        options: Some(crate::model::qualification::QualificationOptions {
            limit: Some(50),
            sorting_rule: Some("BEST_DEAL".into()),
            ..Default::default()
        }),
        ..QualificationRequest::default()
    };
    let answer = world
        .client()?
        .qualify(&request)
        .await
        .map_err(|e| world.call_failed("asking which promotions apply", &e))?;
    world.qualification = Some(answer.clone());
    Ok(answer)
}

#[when(expr = "{word} asks which promotions a cart of {money} can get")]
async fn asks(world: &mut HarnessWorld, person: String, amount: Money) -> StepResult {
    let order = OrderInput {
        amount: Some(amount.0),
        ..OrderInput::default()
    };
    qualify(world, &person, order).await.map(|_| ())
}

#[when(expr = "{word} asks which of her/his/their codes a cart of {money} can use")]
async fn asks_wallet(world: &mut HarnessWorld, person: String, amount: Money) -> StepResult {
    let order = OrderInput {
        amount: Some(amount.0),
        ..OrderInput::default()
    };
    qualify_in(world, &person, order, "CUSTOMER_WALLET")
        .await
        .map(|_| ())
}

fn offered(world: &HarnessWorld, name: &str) -> Result<Option<i64>, StepFailure> {
    let answer = world
        .qualification
        .as_ref()
        .ok_or_else(|| world.failure("no one asked which promotions apply"))?;
    let id = world.redeemable(name).id;
    Ok(answer
        .redeemables
        .items
        .iter()
        .find(|r| r.id == id)
        .map(|r| r.order.as_ref().map_or(0, |o| o.total_discount_amount)))
}

#[then(expr = "the promotion {string} is offered with a discount of {money}")]
#[then(expr = "the code {string} is offered with a discount of {money}")]
async fn is_offered(world: &mut HarnessWorld, name: String, discount: Money) -> StepResult {
    match offered(world, &name)? {
        Some(actual) => world.expect_money(
            &format!("discount \"{name}\" would give"),
            discount.0,
            actual,
        ),
        None => Err(world.failure(format!("\"{name}\" is not among the promotions offered"))),
    }
}

#[then(expr = "the promotion {string} is not offered")]
#[then(expr = "the code {string} is not offered")]
async fn not_offered(world: &mut HarnessWorld, name: String) -> StepResult {
    match offered(world, &name)? {
        None => Ok(()),
        Some(d) => Err(world.failure(format!(
            "\"{name}\" should not be offered, but is, with a discount of {}",
            crate::engine::money::format_minor(d)
        ))),
    }
}

#[then(expr = "no promotion is applied")]
async fn none_applied(world: &mut HarnessWorld) -> StepResult {
    let attempt = world.last_attempt()?;
    if attempt.succeeded() {
        return Err(world.failure(format!(
            "expected no promotion, but {} applied",
            attempt.codes.join(", ")
        )));
    }
    Ok(())
}
