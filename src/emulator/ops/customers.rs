//! Customers: upsert by `id` or `source_id`, lookups, and summary counters.

use crate::emulator::error::ApiError;
use crate::emulator::store::Project;
use crate::engine::time::Timestamp;
use crate::model::{Customer, CustomerInput};

/// Checks a customer given in a request before anything is written.
pub fn check(project: &Project, input: &CustomerInput) -> Result<(), ApiError> {
    if let Some(id) = &input.id
        && !project.customers.contains(id)
    {
        return Err(ApiError::not_found("customer", id));
    }
    if input
        .source_id
        .as_deref()
        .is_some_and(|s| s.trim().is_empty())
    {
        return Err(ApiError::invalid_payload(
            "Property .customer.source_id should NOT be shorter than 1 characters",
        ));
    }
    Ok(())
}

/// The id of the stored customer this input names, if it exists.
pub fn find(project: &Project, input: &CustomerInput) -> Option<String> {
    [input.id.as_deref(), input.source_id.as_deref()]
        .into_iter()
        .flatten()
        .find_map(|key| project.customers.resolve(key))
        .map(str::to_string)
}

/// Creates or updates the customer; returns its id. Call [`check`] first.
pub fn upsert(
    project: &mut Project,
    input: &CustomerInput,
    now: Timestamp,
) -> Result<String, ApiError> {
    check(project, input)?;
    let id = match find(project, input) {
        Some(id) => id,
        None => {
            let id = project.ids.alnum("cust_", 24);
            let customer = Customer {
                id: id.clone(),
                source_id: input.source_id.clone(),
                created_at: Some(now),
                object: "customer".into(),
                ..Customer::default()
            };
            if let Some(source) = &input.source_id {
                project.customers.alias(source.clone(), id.clone());
            }
            project.customers.put(id.clone(), customer);
            update_fields(project, &id, input, None)?;
            let data = serde_json::json!({"customer": project.customers.get(&id)});
            project.emit("customer.created", &id, Some(&id), data, now);
            return Ok(id);
        }
    };
    update_fields(project, &id, input, Some(now))?;
    Ok(id)
}

fn update_fields(
    project: &mut Project,
    id: &str,
    input: &CustomerInput,
    updated_at: Option<Timestamp>,
) -> Result<(), ApiError> {
    let customer = project
        .customers
        .get_mut(id)
        .ok_or_else(|| ApiError::not_found("customer", id))?;
    let changes = [
        (&mut customer.name, &input.name),
        (&mut customer.email, &input.email),
        (&mut customer.phone, &input.phone),
        (&mut customer.description, &input.description),
        (&mut customer.birthdate, &input.birthdate),
    ];
    let mut changed = false;
    for (field, value) in changes {
        if value.is_some() {
            *field = value.clone();
            changed = true;
        }
    }
    if input.address.is_some() {
        customer.address = input.address.clone();
        changed = true;
    }
    if let Some(metadata) = &input.metadata {
        customer.metadata = metadata.clone();
        changed = true;
    }
    if changed && updated_at.is_some() {
        customer.updated_at = updated_at;
    }
    Ok(())
}

/// Counts one redemption attempt in the customer's summary.
pub fn count_redemption(project: &mut Project, id: Option<&str>, succeeded: bool) {
    if let Some(customer) = id.and_then(|id| project.customers.get_mut(id)) {
        let r = &mut customer.summary.redemptions;
        r.total_redeemed += 1;
        if succeeded {
            r.total_succeeded += 1;
        } else {
            r.total_failed += 1;
        }
    }
}

/// Counts one rollback in the customer's summary.
pub fn count_rollback(project: &mut Project, id: Option<&str>, succeeded: bool) {
    if let Some(customer) = id.and_then(|id| project.customers.get_mut(id)) {
        let r = &mut customer.summary.redemptions;
        if succeeded {
            r.total_rolled_back += 1;
            r.total_rollback_succeeded += 1;
        } else {
            r.total_rollback_failed += 1;
        }
    }
}

/// Counts a new order in the customer's summary.
pub fn count_order(project: &mut Project, id: Option<&str>, amount: i64, at: Timestamp) {
    if let Some(customer) = id.and_then(|id| project.customers.get_mut(id)) {
        let o = &mut customer.summary.orders;
        o.total_count += 1;
        o.total_amount = o.total_amount.saturating_add(amount);
        o.average_amount = o.total_amount / o.total_count;
        o.last_order_amount = Some(amount);
        o.last_order_date = Some(at);
    }
}

/// A customer as the API shows them: `loyalty.points` and each program's points are what the
/// loyalty cards they hold carry now.
pub fn view(project: &Project, key: &str) -> Option<Customer> {
    let mut customer = project.customers.get(key)?.clone();
    let loyalty = &mut customer.loyalty;
    loyalty.points = 0;
    for entry in loyalty.campaigns.values_mut() {
        entry.points = 0;
    }
    // Cards reach customers through publications, each recorded as a holder.
    for card in project
        .holders
        .oldest_first()
        .filter(|h| h.customer_id == customer.id && h.voucher_type == "LOYALTY_CARD")
        .filter_map(|h| project.vouchers.get(&h.redeemable_id))
        .filter(|v| v.holder_id.as_deref() == Some(customer.id.as_str()))
    {
        let (Some(state), Some(campaign)) = (
            &card.loyalty_card,
            card.campaign_id
                .as_deref()
                .and_then(|c| project.campaigns.get(c)),
        ) else {
            continue;
        };
        loyalty.points += state.balance;
        loyalty
            .campaigns
            .entry(campaign.name.clone())
            .or_default()
            .points += state.balance;
    }
    Some(customer)
}
