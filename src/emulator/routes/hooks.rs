//! Webhooks through the Management API shape (`/management/v1/projects/{projectId}/webhooks`,
//! with `X-Management-Id` + `X-Management-Token`) and, without keys, through the control plane;
//! the control plane also holds the project's webhook secret, delivery settings, sendout log,
//! distributions, outbox and audit log.

use std::sync::Arc;

use crate::emulator::answer::Json;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;

use super::Body;
use crate::emulator::clock::wall_now;
use crate::emulator::error::{ApiError, ApiResult};
use crate::emulator::extract::{Params, Segments, json, json_or_default};
use crate::emulator::hooks::audit::{self, AuditFilter};
use crate::emulator::hooks::distributions::{self, Distribution, DistributionInput};
use crate::emulator::hooks::{
    DeliverySettings, SettingsChange, StoredWebhook, dispatch, signature,
};
use crate::emulator::store::{Emulator, Project, ProjectSlot};
use crate::model::webhook::{WEBHOOK_EVENTS, Webhook, WebhookInput};

fn project(emulator: &Emulator, id: &str) -> ApiResult<Arc<ProjectSlot>> {
    emulator
        .project(id)
        .ok_or_else(|| ApiError::not_found("project", id))
}

/// A list answer of the control plane, newest first, paged by `limit` (1-1000, default 100)
/// and `page`.
fn list<T: Serialize + Clone>(
    data_ref: &str,
    rows: Vec<T>,
    params: &Params,
) -> ApiResult<Json<serde_json::Value>> {
    let limit = params.int("limit", 100, 1, 1000)? as usize;
    let page = params.int("page", 1, 1, 100_000)? as usize;
    let total = rows.len();
    let shown: Vec<T> = rows
        .into_iter()
        .skip((page - 1) * limit)
        .take(limit)
        .collect();
    Ok(Json(serde_json::json!({
        "object": "list",
        "data_ref": data_ref,
        data_ref: shown,
        "total": total,
    })))
}

// Webhooks

/// Checks a webhook definition: an absolute http(s) URL and known event types.
fn check_webhook(input: &WebhookInput) -> ApiResult<()> {
    distributions::check_url(".target_url", &input.target_url)?;
    if input.events.is_empty() {
        return Err(ApiError::invalid_payload(
            "Property .events should NOT have fewer than 1 items",
        ));
    }
    if let Some((i, _)) = input
        .events
        .iter()
        .enumerate()
        .find(|(_, e)| !WEBHOOK_EVENTS.contains(&e.as_str()))
    {
        return Err(ApiError::invalid_payload(format!(
            "Property .events[{i}] should be equal to one of the allowed values: {}",
            WEBHOOK_EVENTS.join(", ")
        )));
    }
    Ok(())
}

fn unique(events: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in events {
        if !out.contains(e) {
            out.push(e.clone());
        }
    }
    out
}

fn webhook_of<'a>(project: &'a mut Project, id: &str) -> ApiResult<&'a mut StoredWebhook> {
    project
        .hooks
        .webhooks
        .get_mut(id)
        .ok_or_else(|| ApiError::not_found("webhook", id))
}

pub async fn webhooks_create(
    State(emulator): State<Emulator>,
    Segments(id): Segments<String>,
    Body(body): Body,
) -> ApiResult<Json<Webhook>> {
    let input: WebhookInput = json(&body)?;
    check_webhook(&input)?;
    let slot = project(&emulator, &id)?;
    let mut project = slot.lock();
    let webhook = Webhook {
        id: project.ids.alnum("wh_", 24),
        object: "webhook".into(),
        created_at: Some(project.clock.now(wall_now())),
        target_url: input.target_url.clone(),
        events: unique(&input.events),
        active: input.active.unwrap_or(true),
    };
    let from_event = project.events.len();
    project.hooks.webhooks.put(
        webhook.id.clone(),
        StoredWebhook {
            webhook: webhook.clone(),
            from_event,
        },
    );
    dispatch::ensure_running(&slot, &mut project);
    Ok(Json(webhook))
}

pub async fn webhooks_list(
    State(emulator): State<Emulator>,
    Segments(id): Segments<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let slot = project(&emulator, &id)?;
    let project = slot.lock();
    let data: Vec<Webhook> = project
        .hooks
        .webhooks
        .oldest_first()
        .map(|w| w.webhook.clone())
        .collect();
    let total = data.len();
    Ok(Json(
        serde_json::json!({"object": "list", "data_ref": "data", "data": data, "total": total}),
    ))
}

pub async fn webhooks_get(
    State(emulator): State<Emulator>,
    Segments((id, webhook)): Segments<(String, String)>,
) -> ApiResult<Json<Webhook>> {
    let slot = project(&emulator, &id)?;
    let mut project = slot.lock();
    Ok(Json(webhook_of(&mut project, &webhook)?.webhook.clone()))
}

/// `PUT`: replaces `target_url` and `events` (both required) and `active` when given.
pub async fn webhooks_update(
    State(emulator): State<Emulator>,
    Segments((id, webhook)): Segments<(String, String)>,
    Body(body): Body,
) -> ApiResult<Json<Webhook>> {
    let input: WebhookInput = json(&body)?;
    check_webhook(&input)?;
    let slot = project(&emulator, &id)?;
    let mut project = slot.lock();
    let from_event = project.events.len();
    let stored = webhook_of(&mut project, &webhook)?;
    let was_active = stored.webhook.active;
    stored.webhook.target_url = input.target_url.clone();
    stored.webhook.events = unique(&input.events);
    if let Some(active) = input.active {
        stored.webhook.active = active;
    }
    if stored.webhook.active && !was_active {
        // Switched back on: it hears about what happens from now on.
        stored.from_event = from_event;
    }
    let answer = stored.webhook.clone();
    dispatch::ensure_running(&slot, &mut project);
    Ok(Json(answer))
}

pub async fn webhooks_delete(
    State(emulator): State<Emulator>,
    Segments((id, webhook)): Segments<(String, String)>,
) -> ApiResult<StatusCode> {
    let slot = project(&emulator, &id)?;
    let mut project = slot.lock();
    project
        .hooks
        .webhooks
        .remove(&webhook)
        .ok_or_else(|| ApiError::not_found("webhook", &webhook))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Management calls carry `X-Management-Id` + `X-Management-Token`; the emulator takes a
/// project's own application id and secret key there, for that project only.
async fn management_keys(
    State(emulator): State<Emulator>,
    mut req: Request,
    next: Next,
) -> Response {
    let named = req
        .uri()
        .path()
        .split('/')
        .nth(4)
        .unwrap_or_default()
        .to_string();
    let Some(target) = emulator.project(&named) else {
        return ApiError::not_found("project", &named).into_response();
    };
    let headers = req.headers();
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let caller = match (header("x-management-id"), header("x-management-token")) {
        (Some(id), Some(token)) => emulator.authenticate(id, token),
        _ => None,
    };
    match caller {
        Some(slot) if slot.id == target.id => {
            req.extensions_mut().insert(slot);
            next.run(req).await
        }
        _ => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Unauthorized",
            "Check the X-Management-Id and X-Management-Token headers: the emulator takes the \
             application id and secret key of the project named in the path.",
        )
        .into_response(),
    }
}

// Secret and delivery settings

pub async fn secret_get(
    State(emulator): State<Emulator>,
    Segments(id): Segments<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let slot = project(&emulator, &id)?;
    Ok(Json(serde_json::json!({
        "object": "webhook_secret",
        "project_id": slot.id,
        "secret": signature::project_secret(&slot.id, &slot.secret_key),
        "header": signature::SIGNATURE_HEADER,
    })))
}

pub async fn settings_get(
    State(emulator): State<Emulator>,
    Segments(id): Segments<String>,
) -> ApiResult<Json<DeliverySettings>> {
    let slot = project(&emulator, &id)?;
    let project = slot.lock();
    Ok(Json(project.hooks.settings))
}

pub async fn settings_set(
    State(emulator): State<Emulator>,
    Segments(id): Segments<String>,
    Body(body): Body,
) -> ApiResult<Json<DeliverySettings>> {
    let change: SettingsChange = json_or_default(&body)?;
    let slot = project(&emulator, &id)?;
    let mut project = slot.lock();
    project.hooks.settings.apply(&change)?;
    Ok(Json(project.hooks.settings))
}

/// `GET .../webhook-deliveries`: sendouts newest first; filters `webhook` (a webhook or
/// distribution id), `type`, `status`, `customer`.
pub async fn deliveries_list(
    State(emulator): State<Emulator>,
    Segments(id): Segments<String>,
    params: Params,
) -> ApiResult<Json<serde_json::Value>> {
    let slot = project(&emulator, &id)?;
    let rows = {
        let project = slot.lock();
        let customer = params
            .get("customer")
            .map(|c| project.customers.resolve(c).unwrap_or(c).to_string());
        project
            .hooks
            .deliveries
            .iter()
            .rev()
            .filter(|d| params.get("webhook").is_none_or(|w| d.source.id == w))
            .filter(|d| params.get("type").is_none_or(|t| d.kind == t))
            .filter(|d| params.get("status").is_none_or(|s| d.status == s))
            .filter(|d| {
                customer
                    .as_deref()
                    .is_none_or(|c| d.customer_id.as_deref() == Some(c))
            })
            .cloned()
            .collect::<Vec<_>>()
    };
    list("deliveries", rows, &params)
}

// Distributions and the outbox

pub async fn distributions_create(
    State(emulator): State<Emulator>,
    Segments(id): Segments<String>,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Distribution>)> {
    let input: DistributionInput = json(&body)?;
    distributions::check(&input)?;
    let slot = project(&emulator, &id)?;
    let mut project = slot.lock();
    let distribution = Distribution {
        id: project.ids.alnum("distr_", 24),
        object: "distribution".into(),
        name: input.name.trim().to_string(),
        trigger: input.trigger,
        channel: input.channel,
        target_url: input.target_url,
        template: input.template,
        active: input.active.unwrap_or(true),
        created_at: project.clock.now(wall_now()),
        from_event: project.events.len(),
    };
    project
        .hooks
        .distributions
        .put(distribution.id.clone(), distribution.clone());
    dispatch::ensure_running(&slot, &mut project);
    Ok((StatusCode::CREATED, Json(distribution)))
}

pub async fn distributions_list(
    State(emulator): State<Emulator>,
    Segments(id): Segments<String>,
    params: Params,
) -> ApiResult<Json<serde_json::Value>> {
    let slot = project(&emulator, &id)?;
    let rows: Vec<Distribution> = slot
        .lock()
        .hooks
        .distributions
        .newest_first()
        .cloned()
        .collect();
    list("distributions", rows, &params)
}

pub async fn distributions_get(
    State(emulator): State<Emulator>,
    Segments((id, distribution)): Segments<(String, String)>,
) -> ApiResult<Json<Distribution>> {
    let slot = project(&emulator, &id)?;
    let project = slot.lock();
    project
        .hooks
        .distributions
        .get(&distribution)
        .cloned()
        .map(Json)
        .ok_or_else(|| ApiError::not_found("distribution", &distribution))
}

pub async fn distributions_delete(
    State(emulator): State<Emulator>,
    Segments((id, distribution)): Segments<(String, String)>,
) -> ApiResult<StatusCode> {
    let slot = project(&emulator, &id)?;
    let mut project = slot.lock();
    project
        .hooks
        .distributions
        .remove(&distribution)
        .ok_or_else(|| ApiError::not_found("distribution", &distribution))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn toggle(
    emulator: &Emulator,
    id: &str,
    distribution: &str,
    active: bool,
) -> ApiResult<Json<Distribution>> {
    let slot = project(emulator, id)?;
    let mut project = slot.lock();
    let from_event = project.events.len();
    let stored = project
        .hooks
        .distributions
        .get_mut(distribution)
        .ok_or_else(|| ApiError::not_found("distribution", distribution))?;
    if active && !stored.active {
        stored.from_event = from_event;
    }
    stored.active = active;
    Ok(Json(stored.clone()))
}

pub async fn distributions_enable(
    State(emulator): State<Emulator>,
    Segments((id, distribution)): Segments<(String, String)>,
) -> ApiResult<Json<Distribution>> {
    toggle(&emulator, &id, &distribution, true).await
}

pub async fn distributions_disable(
    State(emulator): State<Emulator>,
    Segments((id, distribution)): Segments<(String, String)>,
) -> ApiResult<Json<Distribution>> {
    toggle(&emulator, &id, &distribution, false).await
}

/// `GET .../outbox`: messages newest first; filters `channel`, `status`, `customer`,
/// `distribution`.
pub async fn outbox_list(
    State(emulator): State<Emulator>,
    Segments(id): Segments<String>,
    params: Params,
) -> ApiResult<Json<serde_json::Value>> {
    let slot = project(&emulator, &id)?;
    let rows = {
        let project = slot.lock();
        let customer = params
            .get("customer")
            .map(|c| project.customers.resolve(c).unwrap_or(c).to_string());
        project
            .hooks
            .outbox
            .iter()
            .rev()
            .filter(|m| params.get("channel").is_none_or(|c| m.channel == c))
            .filter(|m| params.get("status").is_none_or(|s| m.status == s))
            .filter(|m| customer.as_deref().is_none_or(|c| m.customer_id == c))
            .filter(|m| {
                params
                    .get("distribution")
                    .is_none_or(|d| m.distribution_id == d || m.distribution_name == d)
            })
            .cloned()
            .collect::<Vec<_>>()
    };
    list("messages", rows, &params)
}

// Audit log

/// `GET .../audit-log`: API requests newest first; filters `method`, `path` (contains),
/// `status` (`200` or `4xx`), `request_id`, `created_at[after]`, `created_at[before]`.
pub async fn audit_list(
    State(emulator): State<Emulator>,
    Segments(id): Segments<String>,
    params: Params,
) -> ApiResult<Json<serde_json::Value>> {
    let filter = AuditFilter::from_params(&params)?;
    let slot = project(&emulator, &id)?;
    let (rows, dropped) = {
        let project = slot.read();
        (
            project.hooks.audit.select(&filter),
            project.hooks.audit.dropped(),
        )
    };
    let mut answer = list("entries", rows, &params)?;
    answer.0["dropped"] = dropped.into();
    Ok(answer)
}

/// The routes of this module; management routes check their keys and are audited.
pub fn router(emulator: Emulator) -> Router<Emulator> {
    let management = Router::new()
        .route(
            "/management/v1/projects/{id}/webhooks",
            post(webhooks_create).get(webhooks_list),
        )
        .route(
            "/management/v1/projects/{id}/webhooks/{webhook}",
            get(webhooks_get)
                .put(webhooks_update)
                .delete(webhooks_delete),
        )
        .route_layer(middleware::from_fn(audit::layer))
        .route_layer(middleware::from_fn_with_state(emulator, management_keys));
    let control = Router::new()
        .route(
            "/_emulator/projects/{id}/webhooks",
            post(webhooks_create).get(webhooks_list),
        )
        .route(
            "/_emulator/projects/{id}/webhooks/{webhook}",
            get(webhooks_get)
                .put(webhooks_update)
                .delete(webhooks_delete),
        )
        .route("/_emulator/projects/{id}/webhook-secret", get(secret_get))
        .route(
            "/_emulator/projects/{id}/webhook-settings",
            get(settings_get).put(settings_set),
        )
        .route(
            "/_emulator/projects/{id}/webhook-deliveries",
            get(deliveries_list),
        )
        .route(
            "/_emulator/projects/{id}/distributions",
            post(distributions_create).get(distributions_list),
        )
        .route(
            "/_emulator/projects/{id}/distributions/{distribution}",
            get(distributions_get).delete(distributions_delete),
        )
        .route(
            "/_emulator/projects/{id}/distributions/{distribution}/enable",
            post(distributions_enable),
        )
        .route(
            "/_emulator/projects/{id}/distributions/{distribution}/disable",
            post(distributions_disable),
        )
        .route("/_emulator/projects/{id}/outbox", get(outbox_list))
        .route("/_emulator/projects/{id}/audit-log", get(audit_list));
    management.merge(control)
}
