//! Rollbacks: give the uses back, cancel the order, and record `rr_...` (or `rrf_...` when the
//! rollback is refused after the redemption was found).

use super::customers;
use crate::emulator::error::ApiError;
use crate::emulator::store::Project;
use crate::engine::time::Timestamp;
use crate::model::{RedemptionRollback, RollbackRequest, RollbacksResponse};

/// Where the rollback came from: `reason` and `tracking_id` may be in the query or the body.
#[derive(Debug, Default, Clone)]
pub struct RollbackInput {
    pub reason: Option<String>,
    pub tracking_id: Option<String>,
    pub body: RollbackRequest,
}

impl RollbackInput {
    fn reason(&self) -> Option<String> {
        self.reason.clone().or_else(|| self.body.reason.clone())
    }
}

/// `POST /v1/redemptions/{id}/rollback`: a redemption that is not part of a stack.
pub fn single(
    project: &mut Project,
    id: &str,
    input: &RollbackInput,
    now: Timestamp,
) -> Result<RedemptionRollback, ApiError> {
    let redemption = project
        .redemptions
        .get(id)
        .ok_or_else(|| ApiError::not_found("redemption", id))?;
    if project.children.contains_key(id) {
        return Err(ApiError::bad_request(
            "invalid_redemption",
            "Invalid redemption",
            "You can rollback only a single redemption. Use different endpoint for stacked redemption.",
        ));
    }
    if redemption.redemption.is_some() {
        return Err(invalid_parent());
    }
    check(project, id, input)?;
    let rollback = roll_back_one(project, id, input, now);
    let order = cancel_order(project, id, &rollback.id, &[], now);
    customers::count_rollback(project, rollback.customer_id.as_deref(), true);
    let rollback = RedemptionRollback { order, ..rollback };
    project.rollbacks.put(rollback.id.clone(), rollback.clone());
    emit_rollback(project, &rollback, now);
    Ok(rollback)
}

/// `POST /v1/redemptions/{parentId}/rollbacks`: a stacked parent with all its children, or a
/// redemption without a parent.
pub fn stacked(
    project: &mut Project,
    parent_id: &str,
    input: &RollbackInput,
    now: Timestamp,
) -> Result<RollbacksResponse, ApiError> {
    let redemption = project
        .redemptions
        .get(parent_id)
        .ok_or_else(|| ApiError::not_found("redemption", parent_id))?;
    if redemption.redemption.is_some() {
        return Err(invalid_parent());
    }
    check(project, parent_id, input)?;
    let children = project.children.get(parent_id).cloned().unwrap_or_default();
    if children.is_empty() {
        let rollback = single(project, parent_id, input, now)?;
        return Ok(RollbacksResponse {
            order: rollback.order.clone(),
            rollbacks: vec![rollback],
            parent_rollback: None,
        });
    }
    let mut rollbacks: Vec<RedemptionRollback> = children
        .iter()
        .map(|child| roll_back_one(project, child, input, now))
        .collect();
    let parent = roll_back_one(project, parent_id, input, now);
    let child_rollbacks: Vec<String> = rollbacks.iter().map(|r| r.id.clone()).collect();
    let order = cancel_order(project, parent_id, &parent.id, &child_rollbacks, now);
    customers::count_rollback(project, parent.customer_id.as_deref(), true);
    for r in &mut rollbacks {
        r.order = order.clone();
        project.rollbacks.put(r.id.clone(), r.clone());
        emit_rollback(project, r, now);
    }
    let parent = RedemptionRollback {
        order: order.clone(),
        ..parent
    };
    project.rollbacks.put(parent.id.clone(), parent.clone());
    Ok(RollbacksResponse {
        rollbacks,
        parent_rollback: Some(parent),
        order,
    })
}

fn emit_rollback(project: &mut Project, rollback: &RedemptionRollback, now: Timestamp) {
    let redemption = project.redemptions.get(&rollback.redemption).cloned();
    let data = serde_json::json!({
        "customer": rollback.customer_id.as_deref().and_then(|c| customers::view(project, c)),
        "order": rollback.order,
        "voucher": rollback.voucher,
        "redemption": redemption,
        "redemption_rollback": rollback,
    });
    project.emit(
        "redemption.rollback.succeeded",
        &rollback.id,
        rollback.customer_id.as_deref(),
        data,
        now,
    );
}

fn invalid_parent() -> ApiError {
    ApiError::bad_request(
        "invalid_redemption_parent",
        "Invalid redemption parent",
        "You can rollback only a redemption that does not have parent redemption.",
    )
}

/// Refusals that need the redemption: a failed one, one already rolled back (recorded as a
/// failed rollback), a customer that does not match.
fn check(project: &mut Project, id: &str, input: &RollbackInput) -> Result<(), ApiError> {
    let Some(redemption) = project.redemptions.get(id) else {
        return Err(ApiError::not_found("redemption", id));
    };
    if redemption.result != "SUCCESS" {
        return Err(ApiError::bad_request(
            "invalid_redemption",
            "Invalid redemption",
            "Only a successful redemption can be rolled back.",
        ));
    }
    let customer_id = redemption.customer_id.clone();
    if redemption.status == "ROLLED_BACK" {
        let failed = project.ids.hex("rrf_");
        customers::count_rollback(project, customer_id.as_deref(), false);
        return Err(ApiError::bad_request(
            "already_rolled_back",
            "Already rolled back",
            "Redemption has been already rolled back.",
        )
        .with_resource("redemption_rollback", &failed));
    }
    if let Some(given) = &input.body.customer {
        let named = customers::find(project, given);
        if named.is_none() || named != customer_id {
            return Err(ApiError::bad_request(
                "invalid_customer",
                "Invalid customer",
                "The customer does not match the customer of the redemption.",
            ));
        }
    }
    Ok(())
}

/// Marks one redemption rolled back and gives its use back; returns the rollback (not stored).
fn roll_back_one(
    project: &mut Project,
    id: &str,
    input: &RollbackInput,
    now: Timestamp,
) -> RedemptionRollback {
    let rollback_id = project.ids.hex("rr_");
    let Some(redemption) = project.redemptions.get_mut(id) else {
        return RedemptionRollback::default();
    };
    redemption.status = "ROLLED_BACK".into();
    let budget_entry = redemption.id.clone();
    redemption.related_redemptions = Some(serde_json::json!({
        "rollbacks": [{"id": rollback_id, "date": now}],
        "redemptions": [],
    }));
    let redemption = redemption.clone();
    if let Some(entry) = project.budget_entries.remove(&budget_entry) {
        super::checkout::add_to_budget(project, &entry, -1);
    }
    let refunded = super::loyalty::refund(project, &redemption.id, &rollback_id, now);
    let voucher = redemption.voucher.as_ref().and_then(|v| {
        let mut stored = project.vouchers.get_mut(&v.code)?;
        stored.redemption.redeemed_quantity = (stored.redemption.redeemed_quantity - 1).max(0);
        stored.updated_at = Some(now);
        Some(stored.clone())
    });
    RedemptionRollback {
        id: rollback_id,
        object: "redemption_rollback".into(),
        date: Some(now),
        customer_id: redemption.customer_id.clone(),
        tracking_id: input
            .tracking_id
            .clone()
            .or_else(|| input.body.tracking_id.clone())
            .or(redemption.tracking_id.clone()),
        metadata: input.body.metadata.clone().or(redemption.metadata.clone()),
        amount: refunded,
        redemption: redemption.id.clone(),
        reason: input.reason(),
        result: "SUCCESS".into(),
        status: "SUCCEEDED".into(),
        order: None,
        channel: redemption.channel.clone(),
        customer: redemption.customer.clone(),
        related_object_type: redemption.related_object_type.clone(),
        related_object_id: redemption.related_object_id.clone(),
        voucher,
    }
}

/// Cancels the order of redemption `entry_id`, clears its discounts and notes the rollback.
fn cancel_order(
    project: &mut Project,
    entry_id: &str,
    rollback_id: &str,
    stacked: &[String],
    now: Timestamp,
) -> Option<crate::model::Order> {
    let order_id = project
        .redemptions
        .get(entry_id)?
        .order
        .as_ref()?
        .id
        .clone()?;
    let order = project.orders.get_mut(&order_id)?;
    order.status = Some("CANCELED".into());
    order.updated_at = Some(now);
    for item in order.items.iter_mut() {
        item.discount_amount = 0;
        item.applied_discount_amount = 0;
        item.subtotal_amount = item.amount;
    }
    order.discount_amount = 0;
    order.items_discount_amount = 0;
    order.total_discount_amount = 0;
    order.applied_discount_amount = 0;
    order.items_applied_discount_amount = 0;
    order.total_applied_discount_amount = 0;
    order.total_amount = order.amount;
    if let Some(entry) = order
        .redemptions
        .as_mut()
        .and_then(|m| m.get_mut(entry_id))
        .and_then(|v| v.as_object_mut())
    {
        entry.insert("rollback_id".into(), rollback_id.into());
        entry.insert(
            "rollback_date".into(),
            serde_json::to_value(now).unwrap_or_default(),
        );
        if !stacked.is_empty() {
            entry.insert("rollback_stacked".into(), serde_json::json!(stacked));
        }
    }
    Some(order.clone())
}
