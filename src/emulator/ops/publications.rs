//! Publications: giving codes to customers, from a given code or from a campaign.

use super::{campaigns, customers, referrals};
use crate::emulator::convert;
use crate::emulator::error::ApiError;
use crate::emulator::store::Project;
use crate::engine::time::Timestamp;
use crate::model::{CustomerInput, Metadata, Publication, PublicationInput, Voucher};

/// Most codes one publication may take from a campaign.
pub const MAX_COUNT: i64 = 20;

const CHANNELS: [&str; 1] = ["API"];

/// `POST /v1/publications`: checks everything, then gives the codes to the customer.
pub fn publish(
    project: &mut Project,
    input: &PublicationInput,
    join_once: bool,
    now: Timestamp,
) -> Result<Publication, ApiError> {
    let customer = input.customer.as_ref().ok_or_else(|| {
        ApiError::invalid_payload("Payload should have required property 'customer'")
    })?;
    if customer.id.is_none() && customer.source_id.is_none() {
        return Err(ApiError::invalid_payload(
            "Property .customer should have required property 'id' or 'source_id'",
        ));
    }
    customers::check(project, customer)?;
    if let Some(channel) = &input.channel
        && !CHANNELS.contains(&channel.as_str())
    {
        return Err(ApiError::invalid_payload(
            "Property .channel should be equal to one of the allowed values: API",
        ));
    }
    let existing_customer = customers::find(project, customer);
    // The same source id gives back the first publication.
    if let (Some(source), Some(cid)) = (&input.source_id, &existing_customer)
        && let Some(previous) = project.publications.oldest_first().find(|p| {
            p.source_id.as_deref() == Some(source.as_str())
                && p.customer_id.as_deref() == Some(cid.as_str())
        })
    {
        return Ok(previous.clone());
    }
    let codes: Vec<String> = match (&input.voucher, &input.campaign) {
        (Some(code), None) => {
            let voucher = project
                .vouchers
                .get(code)
                .ok_or_else(|| ApiError::not_found("voucher", code))?;
            if let Some(holder) = &voucher.holder_id
                && Some(holder) != existing_customer.as_ref()
            {
                return Err(ApiError::bad_request(
                    "voucher_already_published",
                    "Voucher already published",
                    format!("Voucher {code} has already been published to another customer"),
                ));
            }
            vec![voucher.code.clone()]
        }
        (None, Some(campaign)) => {
            let count = campaign.count.unwrap_or(1);
            if !(1..=MAX_COUNT).contains(&count) {
                return Err(ApiError::bad_request(
                    "too_many_vouchers_requested",
                    "Too many vouchers requested",
                    format!("Property .campaign.count should be between 1 and {MAX_COUNT}"),
                ));
            }
            let stored = project
                .campaigns
                .get(&campaign.name)
                .cloned()
                .ok_or_else(|| ApiError::not_found("campaign", &campaign.name))?;
            if join_once || stored.join_once {
                let held = existing_customer.as_ref().and_then(|cid| {
                    project
                        .publications
                        .oldest_first()
                        .find(|p| {
                            p.customer_id.as_deref() == Some(cid)
                                && p.voucher.as_ref().and_then(|v| v.campaign_id.as_deref())
                                    == Some(stored.id.as_str())
                        })
                        .cloned()
                });
                if let Some(previous) = held {
                    return Ok(previous);
                }
            }
            let mut free: Vec<String> = project
                .vouchers
                .oldest_first()
                .filter(|v| {
                    v.campaign_id.as_deref() == Some(stored.id.as_str())
                        && v.holder_id.is_none()
                        && v.active
                })
                .take(count as usize)
                .map(|v| v.code.clone())
                .collect();
            let missing = count as usize - free.len();
            if missing > 0 && (stored.kind != "AUTO_UPDATE" || !stored.active) {
                return Err(ApiError::bad_request(
                    "no_voucher_suitable_for_publication",
                    "No voucher suitable for publication",
                    format!("Campaign {} has no code left to publish", stored.name),
                ));
            }
            for _ in 0..missing {
                free.push(campaigns::generate(project, &stored.id, now)?.code);
            }
            free
        }
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request(
                "invalid_publish_params",
                "Invalid publish params",
                "Give either a voucher or a campaign, not both",
            ));
        }
        (None, None) => {
            return Err(ApiError::bad_request(
                "missing_vouchers",
                "Missing vouchers",
                "Give a voucher code or a campaign to publish from",
            ));
        }
    };
    let customer_id = customers::upsert(project, customer, now)?;
    let mut published = Vec::new();
    for code in &codes {
        published.push(assign(project, code, &customer_id, now));
    }
    let publication = Publication {
        id: project.ids.alnum("pub_", 24),
        object: "publication".into(),
        created_at: Some(now),
        customer_id: Some(customer_id.clone()),
        tracking_id: Some(format!("track_{}", project.ids.hex(""))),
        metadata: input.metadata.clone().unwrap_or_default(),
        channel: input.channel.clone().unwrap_or_else(|| "API".into()),
        source_id: input.source_id.clone(),
        result: "SUCCESS".into(),
        customer: Some(convert::customer_ref(project, &customer_id)),
        vouchers_id: published.iter().map(|v| v.id.clone()).collect(),
        voucher: (published.len() == 1).then(|| published[0].clone()),
        vouchers: (published.len() > 1).then(|| published.iter().map(|v| v.code.clone()).collect()),
    };
    project
        .publications
        .put(publication.id.clone(), publication.clone());
    for voucher in &published {
        let campaign = voucher
            .campaign_id
            .as_deref()
            .and_then(|c| project.campaigns.get(c))
            .cloned();
        let data = serde_json::json!({
            "customer": customers::view(project, &customer_id),
            "campaign": campaign,
            "publication": publication,
            "voucher": voucher,
        });
        project.emit(
            "voucher.published",
            &voucher.id,
            Some(&customer_id),
            data.clone(),
            now,
        );
        project.emit(
            "publication.succeeded",
            &publication.id,
            Some(&customer_id),
            data,
            now,
        );
    }
    Ok(publication)
}

/// Makes `customer_id` the holder of `code` (its owner, or the referrer of a referral code);
/// returns the code as it now is.
pub fn assign(project: &mut Project, code: &str, customer_id: &str, now: Timestamp) -> Voucher {
    let Some(voucher) = project.vouchers.get_mut(code) else {
        return Voucher::default();
    };
    let new_holder = voucher.holder_id.as_deref() != Some(customer_id);
    if new_holder {
        voucher.holder_id = Some(customer_id.to_string());
        voucher.publish.count += 1;
    }
    voucher.updated_at = Some(now);
    let voucher = voucher.clone();
    if new_holder {
        let role = if voucher.is_referral_code {
            "REFERRER"
        } else {
            "OWNER"
        };
        referrals::add_holder(project, &voucher, customer_id, role, None, now);
    }
    voucher
}

/// Publishes one code to a customer (rewards, referrals, loyalty members).
pub fn give(
    project: &mut Project,
    code: &str,
    customer_id: &str,
    metadata: Option<Metadata>,
    now: Timestamp,
) -> Result<Voucher, ApiError> {
    let input = PublicationInput {
        customer: Some(CustomerInput {
            id: Some(customer_id.to_string()),
            ..CustomerInput::default()
        }),
        voucher: Some(code.to_string()),
        metadata,
        ..PublicationInput::default()
    };
    publish(project, &input, false, now)?;
    project
        .vouchers
        .get(code)
        .cloned()
        .ok_or_else(|| ApiError::not_found("voucher", code))
}
