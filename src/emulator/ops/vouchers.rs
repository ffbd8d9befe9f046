//! Vouchers: creation (given or generated code), update, and the state the engine checks.

use rand::Rng;

use super::{categories, rules};
use crate::emulator::convert;
use crate::emulator::error::ApiError;
use crate::emulator::store::Project;
use crate::engine::code::CodeState;
use crate::engine::discount::Discount;
use crate::engine::time::Timestamp;
use crate::model::Metadata;
use crate::model::voucher::{CodeConfig, VoucherPublish, VoucherRedemption, list_url};
use crate::model::{Category, DiscountSpec, GiftState, LoyaltyCardState, Voucher, VoucherInput};

/// Longest code the emulator accepts.
const MAX_CODE_LENGTH: usize = 256;

const ALPHANUMERIC: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The engine's view of a voucher's usability.
pub fn code_state(voucher: &Voucher) -> CodeState {
    CodeState {
        active: voucher.active,
        start_date: voucher.start_date,
        expiration_date: voucher.expiration_date,
        quantity: voucher.redemption.quantity,
        redeemed_quantity: voucher.redemption.redeemed_quantity,
    }
}

/// The engine's discount of a stored voucher (stored discounts were checked on the way in).
pub fn discount_of(voucher: &Voucher) -> Option<Discount> {
    let spec = voucher.discount.as_ref()?;
    convert::engine_discount(spec, ".discount").ok()
}

/// Everything a new code is made of, checked.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub code: String,
    pub kind: String,
    pub discount: Option<DiscountSpec>,
    pub campaign: Option<(String, String)>,
    pub category: Option<Category>,
    pub start_date: Option<Timestamp>,
    pub expiration_date: Option<Timestamp>,
    pub active: bool,
    pub additional_info: Option<String>,
    pub metadata: Metadata,
    pub quantity: Option<i64>,
    pub is_referral_code: bool,
    pub gift: Option<GiftState>,
    pub loyalty_card: Option<LoyaltyCardState>,
}

/// Creates a code (`POST /v1/vouchers[/{code}]`), standalone or in a campaign.
pub fn create(
    project: &mut Project,
    path_code: Option<&str>,
    input: &VoucherInput,
    now: Timestamp,
) -> Result<Voucher, ApiError> {
    let campaign = match input.campaign_id.as_deref().or(input.campaign.as_deref()) {
        Some(key) => Some(
            project
                .campaigns
                .get(key)
                .cloned()
                .ok_or_else(|| ApiError::not_found("campaign", key))?,
        ),
        None => None,
    };
    let template = campaign
        .as_ref()
        .and_then(|c| c.voucher.clone())
        .unwrap_or_default();
    let kind = input
        .kind
        .clone()
        .or_else(|| template.kind.clone())
        .unwrap_or_else(|| "DISCOUNT_VOUCHER".into());
    let (stored_discount, gift, loyalty_card) = value_of(
        &kind,
        input.discount.as_ref().or(template.discount.as_ref()),
        input.gift.as_ref().or(template.gift.as_ref()),
        input
            .loyalty_card
            .as_ref()
            .or(template.loyalty_card.as_ref()),
    )?;
    if kind == "LOYALTY_CARD"
        && campaign
            .as_ref()
            .is_none_or(|c| c.campaign_type != "LOYALTY_PROGRAM")
    {
        return Err(ApiError::bad_request(
            "invalid_voucher",
            "Invalid Voucher",
            "A loyalty card needs the id or name of its LOYALTY_PROGRAM campaign",
        ));
    }
    check_dates(input.start_date, input.expiration_date)?;
    let quantity = redemption_quantity(input)?.flatten();
    let category = categories::resolve(
        project,
        input.category_id.as_deref(),
        input.category.as_deref(),
    )?;
    let rule_ids = input.validation_rules.clone().unwrap_or_default();
    rules::check_ids(project, &rule_ids)?;
    let code = match path_code.or(input.code.as_deref()) {
        Some(code) => check_code(code)?.to_string(),
        None => generate_code(project, input.code_config.as_ref())?,
    };
    if project.vouchers.contains(&code) {
        return Err(ApiError::duplicate("voucher", &code));
    }
    let draft = Draft {
        code,
        kind,
        discount: stored_discount,
        gift,
        loyalty_card,
        campaign: campaign.as_ref().map(|c| (c.id.clone(), c.name.clone())),
        category,
        start_date: input
            .start_date
            .or(campaign.as_ref().and_then(|c| c.start_date)),
        expiration_date: input
            .expiration_date
            .or(campaign.as_ref().and_then(|c| c.expiration_date)),
        active: input.active.unwrap_or(true),
        additional_info: input.additional_info.clone(),
        metadata: input.metadata.clone().unwrap_or_default(),
        quantity: quantity.or(campaign
            .as_ref()
            .and_then(|c| c.voucher.as_ref())
            .and_then(|v| v.redemption.as_ref())
            .and_then(|r| r.quantity)),
        is_referral_code: false,
    };
    let voucher = insert(project, draft, now);
    rules::assign_all(project, &rule_ids, "voucher", &voucher.id, now)?;
    Ok(voucher)
}

/// What a code of `kind` gives: a checked discount, gift credits, or a points card.
pub type CodeValue = (
    Option<DiscountSpec>,
    Option<GiftState>,
    Option<LoyaltyCardState>,
);

/// Checks what a code of `kind` gives.
pub fn value_of(
    kind: &str,
    discount: Option<&DiscountSpec>,
    gift: Option<&serde_json::Value>,
    loyalty_card: Option<&serde_json::Value>,
) -> Result<CodeValue, ApiError> {
    match kind {
        "DISCOUNT_VOUCHER" => {
            let spec = discount.ok_or_else(|| {
                ApiError::invalid_payload("Payload should have required property 'discount'")
            })?;
            Ok((Some(convert::discount(spec, ".discount")?.1), None, None))
        }
        "GIFT_VOUCHER" => {
            let gift = gift.ok_or_else(|| {
                ApiError::invalid_payload("Payload should have required property 'gift'")
            })?;
            let amount = gift
                .get("amount")
                .and_then(serde_json::Value::as_i64)
                .filter(|a| *a > 0)
                .ok_or_else(|| {
                    ApiError::invalid_payload("Property .gift.amount should be an integer > 0")
                })?;
            let effect = gift
                .get("effect")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("APPLY_TO_ORDER");
            if !["APPLY_TO_ORDER", "APPLY_TO_ITEMS"].contains(&effect) {
                return Err(ApiError::invalid_payload(
                    "Property .gift.effect should be equal to one of the allowed values: APPLY_TO_ORDER, APPLY_TO_ITEMS",
                ));
            }
            let state = GiftState {
                amount,
                balance: amount,
                effect: effect.into(),
            };
            Ok((None, Some(state), None))
        }
        "LOYALTY_CARD" => {
            let points = loyalty_card
                .and_then(|l| l.get("points"))
                .map(|p| p.as_i64().filter(|p| *p >= 0))
                .unwrap_or(Some(0))
                .ok_or_else(|| {
                    ApiError::invalid_payload(
                        "Property .loyalty_card.points should be an integer >= 0",
                    )
                })?;
            let state = LoyaltyCardState {
                points,
                balance: points,
            };
            Ok((None, None, Some(state)))
        }
        other => Err(ApiError::invalid_payload(format!(
            "Property .type should be equal to one of the allowed values: DISCOUNT_VOUCHER, GIFT_VOUCHER, LOYALTY_CARD (got {other})"
        ))),
    }
}

/// Stores a checked draft as a new code; counts it in its campaign.
pub fn insert(project: &mut Project, draft: Draft, now: Timestamp) -> Voucher {
    let voucher = new_code(project, draft, now);
    store(project, voucher.clone());
    let data = serde_json::json!({"voucher": voucher});
    project.emit("voucher.created", &voucher.id, None, data, now);
    voucher
}

/// A new code (with its id) from a checked draft, not stored yet.
pub fn new_code(project: &mut Project, draft: Draft, now: Timestamp) -> Voucher {
    let id = project.ids.alnum("v_", 32);
    let code = draft.code;
    Voucher {
        id: id.clone(),
        code: code.clone(),
        campaign: draft.campaign.as_ref().map(|c| c.1.clone()),
        campaign_id: draft.campaign.as_ref().map(|c| c.0.clone()),
        category: draft.category.as_ref().map(|c| c.name.clone()),
        category_id: draft.category.as_ref().map(|c| c.id.clone()),
        categories: categories::listed(draft.category.as_ref()),
        kind: draft.kind.into(),
        discount: draft.discount,
        gift: draft.gift,
        loyalty_card: draft.loyalty_card,
        start_date: draft.start_date,
        expiration_date: draft.expiration_date,
        active: draft.active,
        additional_info: draft.additional_info,
        metadata: draft.metadata,
        // `null` is written as the API's empty assets.
        assets: serde_json::Value::Null,
        is_referral_code: draft.is_referral_code,
        created_at: Some(now),
        redemption: VoucherRedemption {
            quantity: draft.quantity,
            redeemed_quantity: 0,
            redeemed_points: None,
            redeemed_amount: None,
            object: "list".into(),
            url: list_url(&code, "redemptions"),
        },
        publish: VoucherPublish {
            object: "list".into(),
            count: 0,
            url: list_url(&code, "publications"),
        },
        object: "voucher".into(),
        ..Voucher::default()
    }
}

/// Stores a new code and counts it in its campaign, without an event (bulk imports announce
/// their codes only when asked to).
pub fn store(project: &mut Project, voucher: Voucher) {
    if let Some(campaign_id) = &voucher.campaign_id
        && let Some(c) = project.campaigns.get_mut(campaign_id)
    {
        c.vouchers_count += 1;
    }
    project.vouchers.put(voucher);
}

/// Updates a voucher (`PUT /v1/vouchers/{code}`); the discount type cannot change.
pub fn update(
    project: &mut Project,
    code: &str,
    input: &VoucherInput,
    now: Timestamp,
) -> Result<Voucher, ApiError> {
    let current = project
        .vouchers
        .get(code)
        .ok_or_else(|| ApiError::not_found("voucher", code))?;
    if input.kind.as_deref().is_some_and(|k| k != current.kind) {
        return Err(ApiError::bad_request(
            "invalid_voucher",
            "Invalid Voucher",
            "It is not possible to change Voucher type",
        ));
    }
    let discount = match &input.discount {
        None => current.discount.clone(),
        Some(spec) => {
            let current_type = current.discount.as_ref().map(|d| d.kind.as_str());
            if current_type.is_some_and(|t| t != spec.kind) {
                return Err(ApiError::bad_request(
                    "invalid_voucher",
                    "Invalid Voucher",
                    "It is not possible to change Voucher discount type",
                ));
            }
            Some(convert::discount(spec, ".discount")?.1)
        }
    };
    let start = input.start_date.or(current.start_date);
    let end = input.expiration_date.or(current.expiration_date);
    check_dates(start, end)?;
    let quantity = redemption_quantity(input)?;

    let mut voucher = current;
    voucher.discount = discount;
    voucher.start_date = start;
    voucher.expiration_date = end;
    if let Some(active) = input.active {
        voucher.active = active;
    }
    if input.additional_info.is_some() {
        voucher.additional_info = input.additional_info.clone();
    }
    if input.category.is_some() {
        voucher.category = input.category.clone();
    }
    if let Some(metadata) = &input.metadata {
        voucher.metadata = metadata.clone();
    }
    if let Some(quantity) = quantity {
        voucher.redemption.quantity = quantity;
    }
    voucher.updated_at = Some(now);
    project.vouchers.put(voucher.clone());
    project.emit(
        "voucher.updated",
        &voucher.id,
        voucher.holder_id.as_deref(),
        serde_json::json!({"voucher": voucher}),
        now,
    );
    Ok(voucher)
}

/// Turns a voucher on or off.
pub fn set_active(
    project: &mut Project,
    code: &str,
    active: bool,
    now: Timestamp,
) -> Result<Voucher, ApiError> {
    let mut voucher = project
        .vouchers
        .get(code)
        .ok_or_else(|| ApiError::not_found("voucher", code))?;
    voucher.active = active;
    voucher.updated_at = Some(now);
    project.vouchers.put(voucher.clone());
    let kind = if active {
        "voucher.enabled"
    } else {
        "voucher.disabled"
    };
    project.emit(
        kind,
        &voucher.id,
        voucher.holder_id.as_deref(),
        serde_json::json!({"voucher": voucher}),
        now,
    );
    Ok(voucher)
}

/// `Some(limit)` when the body sets `redemption` (`limit` = `None` for unlimited).
fn redemption_quantity(input: &VoucherInput) -> Result<Option<Option<i64>>, ApiError> {
    match &input.redemption {
        None => Ok(None),
        Some(r) => match r.quantity {
            Some(q) if q < 1 => Err(ApiError::invalid_payload(
                "Property .redemption.quantity should be >= 1",
            )),
            q => Ok(Some(q)),
        },
    }
}

fn check_dates(start: Option<Timestamp>, end: Option<Timestamp>) -> Result<(), ApiError> {
    match (start, end) {
        (Some(s), Some(e)) if s > e => Err(ApiError::bad_request(
            "invalid_voucher",
            "Invalid Voucher",
            "start_date must be before expiration_date",
        )),
        _ => Ok(()),
    }
}

fn check_code(code: &str) -> Result<&str, ApiError> {
    if code.trim().is_empty() {
        return Err(ApiError::invalid_payload(
            "Property .code should NOT be shorter than 1 characters",
        ));
    }
    if code.len() > MAX_CODE_LENGTH || code.chars().any(char::is_control) {
        return Err(ApiError::invalid_payload(format!(
            "Property .code should be at most {MAX_CODE_LENGTH} printable characters"
        )));
    }
    Ok(code)
}

/// A fresh code from `code_config` (length 8 of letters and digits by default; `#` in a
/// pattern is a random character), never one already in use.
pub fn generate_code(
    project: &mut Project,
    config: Option<&CodeConfig>,
) -> Result<String, ApiError> {
    let default = CodeConfig::default();
    let config = config.unwrap_or(&default);
    let charset: Vec<char> = config
        .charset
        .as_deref()
        .filter(|c| !c.is_empty())
        .unwrap_or(ALPHANUMERIC)
        .chars()
        .collect();
    let length = config.length.unwrap_or(8);
    if !(1..=MAX_CODE_LENGTH as i64).contains(&length) {
        return Err(ApiError::bad_request(
            "invalid_code_config",
            "Invalid code config",
            format!("code_config.length should be between 1 and {MAX_CODE_LENGTH}"),
        ));
    }
    let pattern = config
        .pattern
        .clone()
        .unwrap_or_else(|| "#".repeat(length as usize));
    if !pattern.contains('#') {
        return Err(ApiError::bad_request(
            "invalid_code_config",
            "Invalid code config",
            "code_config.pattern should contain at least one '#'",
        ));
    }
    for _ in 0..64 {
        let body: String = pattern
            .chars()
            .map(|c| {
                if c == '#' {
                    charset[project.rng.random_range(0..charset.len())]
                } else {
                    c
                }
            })
            .collect();
        let code = format!(
            "{}{body}{}",
            config.prefix.as_deref().unwrap_or(""),
            config.postfix.as_deref().unwrap_or("")
        );
        if !project.vouchers.contains(&code) {
            return Ok(code);
        }
    }
    Err(ApiError::bad_request(
        "invalid_code_config",
        "Invalid code config",
        "code_config leaves no unused code; use a longer pattern or a larger charset",
    ))
}
