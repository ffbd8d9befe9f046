//! Publications: coupon campaigns whose codes the shop gives to customers, and what each
//! customer's wallet then holds.

use cucumber::{given, then, when};

use super::params::Offer;
use super::world::{Deal, HarnessWorld, StepFailure, StepResult};
use crate::model::campaign::VoucherTemplate;
use crate::model::publication::PublicationCampaign;
use crate::model::voucher::RedemptionLimit;
use crate::model::{CampaignInput, CustomerInput, PublicationInput, RedeemableHolder, Voucher};

/// Why a code is not given, in plain words: the API key and the resource it names.
const PUBLICATION_REASONS: &[(&str, &str, Option<&str>)] = &[
    (
        "the campaign has no code left",
        "no_voucher_suitable_for_publication",
        None,
    ),
    ("the customer is unknown", "not_found", Some("customer")),
    ("the campaign is unknown", "not_found", Some("campaign")),
];

/// What a wallet says of a code, in plain words.
const STATUSES: &[(&str, &str)] = &[
    ("active", "ACTIVE"),
    ("used", "USED"),
    ("disabled", "DISABLED"),
    ("expired", "EXPIRED"),
];

async fn coupon_campaign(
    world: &mut HarnessWorld,
    name: &str,
    kind: &str,
    count: i64,
    offer: Offer,
    single_use: bool,
) -> StepResult {
    let input = CampaignInput {
        name: Some(world.code(name)),
        campaign_type: Some("DISCOUNT_COUPONS".into()),
        kind: Some(kind.into()),
        vouchers_count: Some(count),
        voucher: Some(VoucherTemplate {
            kind: Some("DISCOUNT_VOUCHER".into()),
            discount: Some(offer.0),
            redemption: single_use.then_some(RedemptionLimit { quantity: Some(1) }),
            ..VoucherTemplate::default()
        }),
        ..CampaignInput::default()
    };
    let created = world
        .client()?
        .create_campaign(&input)
        .await
        .map_err(|e| world.call_failed(&format!("creating the campaign \"{name}\""), &e))?;
    world
        .remembered
        .insert(format!("campaign:{name}"), created.id);
    Ok(())
}

#[given(expr = "a coupon campaign {string} of {int} single-use code(s) giving {offer}")]
async fn fixed_campaign(
    world: &mut HarnessWorld,
    name: String,
    count: i64,
    offer: Offer,
) -> StepResult {
    coupon_campaign(world, &name, "STATIC", count, offer, true).await
}

#[given(expr = "an open coupon campaign {string} giving {offer}")]
async fn open_campaign(world: &mut HarnessWorld, name: String, offer: Offer) -> StepResult {
    coupon_campaign(world, &name, "AUTO_UPDATE", 0, offer, false).await
}

/// Asks for a code of `campaign` for `customer`; a refusal is recorded for later steps.
async fn give(
    world: &mut HarnessWorld,
    person: &str,
    customer: CustomerInput,
    campaign: &str,
    join_once: bool,
) -> StepResult {
    let input = PublicationInput {
        customer: Some(customer),
        campaign: Some(PublicationCampaign {
            name: world.code(campaign),
            count: None,
        }),
        ..PublicationInput::default()
    };
    let outcome = world.client()?.publish(&input, join_once).await;
    match outcome {
        Ok(publication) => {
            let code = publication
                .voucher
                .as_ref()
                .map(|v| v.code.clone())
                .ok_or_else(|| world.failure("the publication names no code"))?;
            let key = format!("given:{person}:{campaign}");
            let list = world.remembered.entry(key).or_default();
            if !list.is_empty() {
                list.push(',');
            }
            list.push_str(&code);
            world.remember_deal(
                &format!("{person}'s {campaign} code"),
                Deal {
                    object: "voucher",
                    id: code,
                    campaign: world
                        .remembered
                        .get(&format!("campaign:{campaign}"))
                        .cloned(),
                },
            );
            world.last_call = Some(Ok(serde_json::to_value(&publication).unwrap_or_default()));
        }
        Err(e) if e.is_outage() => return Err(world.call_failed("the publication", &e)),
        Err(e) => world.last_call = Some(Err(e)),
    }
    Ok(())
}

#[given(expr = "the shop has given {word} a code of {string}")]
async fn has_given(world: &mut HarnessWorld, person: String, campaign: String) -> StepResult {
    let customer = world.customer(&person);
    give(world, &person, customer, &campaign, false).await?;
    if let Some(Err(e)) = &world.last_call {
        return Err(world.failure(format!(
            "giving {person} a code of \"{campaign}\" failed while setting up: {e}"
        )));
    }
    Ok(())
}

#[when(expr = "the shop gives {word} a code of {string}")]
async fn gives(world: &mut HarnessWorld, person: String, campaign: String) -> StepResult {
    let customer = world.customer(&person);
    give(world, &person, customer, &campaign, false).await
}

#[when(expr = "the shop gives {word} a code of {string}, once per customer")]
async fn gives_once(world: &mut HarnessWorld, person: String, campaign: String) -> StepResult {
    let customer = world.customer(&person);
    give(world, &person, customer, &campaign, true).await
}

#[when(expr = "the shop gives the customer {string} a code of {string}")]
async fn gives_by_id(world: &mut HarnessWorld, id: String, campaign: String) -> StepResult {
    let customer = CustomerInput {
        id: Some(id.clone()),
        ..CustomerInput::default()
    };
    give(world, &id, customer, &campaign, false).await
}

#[then(expr = "the code is not given because {string}")]
async fn not_given(world: &mut HarnessWorld, reason: String) -> StepResult {
    let Some((_, key, resource)) = PUBLICATION_REASONS.iter().find(|(p, ..)| *p == reason) else {
        let known: Vec<String> = PUBLICATION_REASONS
            .iter()
            .map(|(p, ..)| format!("\"{p}\""))
            .collect();
        return Err(world.failure(format!(
            "unknown reason \"{reason}\"; known: {}",
            known.join(", ")
        )));
    };
    let error = match &world.last_call {
        Some(Err(e)) => e,
        Some(Ok(_)) => return Err(world.failure("the code was given")),
        None => return Err(world.failure("no code has been asked for in this scenario")),
    };
    let body = error.body();
    let got_key = body.and_then(|b| b.key.as_deref());
    let got_resource = body.and_then(|b| b.resource_type.as_deref());
    if got_key != Some(*key) || (resource.is_some() && got_resource != *resource) {
        return Err(world.failure(format!(
            "expected {key}{}, got {error}",
            resource
                .map(|r| format!(" naming a {r}"))
                .unwrap_or_default()
        )));
    }
    if !(400..500).contains(&error.status().unwrap_or(0)) {
        return Err(world.failure(format!("expected a 4xx, got {error}")));
    }
    Ok(())
}

/// The codes of a campaign (by its name in the feature) a person holds as their owner.
pub async fn wallet_codes(
    world: &HarnessWorld,
    person: &str,
    campaign: &str,
    role: &str,
) -> Result<Vec<(RedeemableHolder, Voucher)>, StepFailure> {
    let source_id = world.customer(person).source_id.unwrap_or_default();
    let wallet = match world.client()?.customer_redeemables(&source_id).await {
        Ok(wallet) => wallet,
        // A customer the project never saw holds nothing.
        Err(e) if e.status() == Some(404) => return Ok(Vec::new()),
        Err(e) => return Err(world.call_failed(&format!("reading {person}'s wallet"), &e)),
    };
    let name = world.code(campaign);
    Ok(wallet
        .items
        .into_iter()
        .filter(|h| h.holder_role == role)
        .filter_map(|h| {
            let voucher = h.redeemable.as_ref()?.voucher.clone()?;
            (voucher.campaign.as_deref() == Some(name.as_str())).then_some((h, voucher))
        })
        .collect())
}

#[then(expr = "{word} holds {int} code(s) of {string}")]
async fn holds_codes(
    world: &mut HarnessWorld,
    person: String,
    count: usize,
    campaign: String,
) -> StepResult {
    let held = wallet_codes(world, &person, &campaign, "OWNER").await?;
    let customer = world
        .client()?
        .get_customer(&world.customer(&person).source_id.unwrap_or_default())
        .await;
    if held.len() != count {
        return Err(world.failure(format!(
            "{person} should hold {count} code(s) of \"{campaign}\", the wallet lists {}",
            held.len()
        )));
    }
    // Each code names its holder too.
    if let Ok(customer) = customer {
        for (_, voucher) in &held {
            let stored = world
                .client()?
                .get_voucher(&voucher.code)
                .await
                .map_err(|e| world.call_failed(&format!("reading {}", voucher.code), &e))?;
            if stored.holder_id.as_deref() != Some(customer.id.as_str()) {
                return Err(world.failure(format!(
                    "{} is in {person}'s wallet but names {:?} as its holder",
                    voucher.code, stored.holder_id
                )));
            }
        }
    }
    Ok(())
}

#[then(expr = "{word} holds no code of {string}")]
async fn holds_none(world: &mut HarnessWorld, person: String, campaign: String) -> StepResult {
    holds_codes(world, person, 0, campaign).await
}

#[then(expr = "{word} and {word} hold different codes of {string}")]
async fn different_codes(
    world: &mut HarnessWorld,
    first: String,
    second: String,
    campaign: String,
) -> StepResult {
    let a = wallet_codes(world, &first, &campaign, "OWNER").await?;
    let b = wallet_codes(world, &second, &campaign, "OWNER").await?;
    match (a.as_slice(), b.as_slice()) {
        ([(_, x)], [(_, y)]) if x.code != y.code => Ok(()),
        ([(_, x)], [_]) => Err(world.failure(format!("{first} and {second} both hold {}", x.code))),
        _ => Err(world.failure(format!(
            "{first} and {second} should hold one code each, hold {} and {}",
            a.len(),
            b.len()
        ))),
    }
}

#[then(expr = "{word} was given the same code both times")]
async fn same_code(world: &mut HarnessWorld, person: String) -> StepResult {
    let prefix = format!("given:{person}:");
    let given: Vec<&str> = world
        .remembered
        .iter()
        .filter(|(k, _)| k.starts_with(&prefix))
        .flat_map(|(_, v)| v.split(','))
        .collect();
    match given.as_slice() {
        [a, b] if a == b => Ok(()),
        [a, b] => Err(world.failure(format!("{person} was given {a}, then {b}"))),
        other => Err(world.failure(format!(
            "{person} should have been given a code twice, was given {} code(s)",
            other.len()
        ))),
    }
}

#[then(expr = "{string} has {int} code(s) left")]
async fn codes_left(world: &mut HarnessWorld, campaign: String, count: usize) -> StepResult {
    let query = [
        ("campaign", world.code(&campaign)),
        ("limit", "100".to_string()),
    ];
    let codes = world
        .client()?
        .list_vouchers(&query)
        .await
        .map_err(|e| world.call_failed(&format!("listing the codes of \"{campaign}\""), &e))?;
    let left = codes.items.iter().filter(|v| v.holder_id.is_none()).count();
    if left != count {
        return Err(world.failure(format!(
            "\"{campaign}\" should have {count} code(s) nobody holds, has {left} (of {})",
            codes.items.len()
        )));
    }
    Ok(())
}

#[then(expr = "{word}'s wallet shows her/his/their code of {string} as {word}")]
async fn wallet_status(
    world: &mut HarnessWorld,
    person: String,
    campaign: String,
    state: String,
) -> StepResult {
    let Some((_, status)) = STATUSES.iter().find(|(word, _)| *word == state) else {
        let known: Vec<&str> = STATUSES.iter().map(|(w, _)| *w).collect();
        return Err(world.failure(format!(
            "unknown state \"{state}\"; known: {}",
            known.join(", ")
        )));
    };
    let held = wallet_codes(world, &person, &campaign, "OWNER").await?;
    let [(holder, voucher)] = held.as_slice() else {
        return Err(world.failure(format!(
            "{person} should hold one code of \"{campaign}\", holds {}",
            held.len()
        )));
    };
    let shown = holder
        .redeemable
        .as_ref()
        .map(|r| r.status.as_str())
        .unwrap_or_default();
    if shown != *status {
        return Err(world.failure(format!(
            "{person}'s wallet shows {} as {shown}, expected {status}",
            voucher.code
        )));
    }
    Ok(())
}
