//! The dispatcher of one project: a background task that reads the project's event log after
//! each request, turns events into webhook sendouts and distribution messages, and delivers the
//! sendouts with bounded retries. The request that caused an event never waits for it: the
//! request only wakes the task (a non-blocking send on a channel of one).
//!
//! The task holds the project weakly and stops when the project is reset or deleted (both drop
//! the waking channel). It locks the project only to read events and record outcomes, never
//! across a network call.

use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::distributions::{self, Distribution, Message};
use super::signature::{self, SIGNATURE_HEADER};
use super::{DELIVERED, Delivery, DeliveryAttempt, FAILED, PENDING, SENT};
use crate::client::{Timeouts, http_client};
use crate::emulator::clock::wall_now;
use crate::emulator::events::Event;
use crate::emulator::store::{Project, ProjectSlot};
use crate::engine::time::Timestamp;
use crate::model::webhook::{WebhookEvent, WebhookPayload, WebhookSource};

/// Starts the project's dispatcher unless one runs. Call with the project locked, from inside
/// the tokio runtime (a request handler).
pub fn ensure_running(slot: &Arc<ProjectSlot>, project: &mut Project) {
    if project.hooks.has_dispatcher() || tokio::runtime::Handle::try_current().is_err() {
        return;
    }
    let (waker, woken) = mpsc::channel(1);
    project.hooks.set_waker(waker);
    let signer = Signer {
        app_id: slot.app_id.clone(),
        secret: signature::project_secret(&slot.id, &slot.secret_key),
    };
    tokio::spawn(run(Arc::downgrade(slot), signer, woken));
    project.hooks.wake();
}

/// What the dispatcher signs with, and the key it names as the events' source.
#[derive(Clone)]
pub struct Signer {
    pub app_id: String,
    pub secret: String,
}

/// One delivery attempt to make.
struct Job {
    id: String,
    /// When the attempt starts, on the project's clock.
    started_at: Timestamp,
    url: String,
    body: String,
    signature: String,
    timeout: Duration,
}

/// What came of one attempt.
struct Outcome {
    started_at: Timestamp,
    status_code: Option<u16>,
    error: Option<String>,
    duration_ms: u64,
}

async fn run(slot: Weak<ProjectSlot>, signer: Signer, mut woken: mpsc::Receiver<()>) {
    let http = http_client(Timeouts {
        connect: Duration::from_secs(5),
        request: Duration::from_secs(60),
    });
    let mut sending: JoinSet<(String, Outcome)> = JoinSet::new();
    loop {
        let (jobs, next_due) = {
            let Some(slot) = slot.upgrade() else { return };
            let mut project = slot.lock();
            let now = project.clock.now(wall_now());
            fan_out(&mut project, &signer, now);
            due_jobs(&mut project, Instant::now())
        };
        for job in jobs {
            sending.spawn(send(http.clone(), job));
        }
        let far = Instant::now() + Duration::from_secs(86_400);
        tokio::select! {
            message = woken.recv() => {
                if message.is_none() {
                    sending.abort_all();
                    return;
                }
            }
            Some(done) = sending.join_next(), if !sending.is_empty() => {
                if let Ok((id, outcome)) = done {
                    let Some(slot) = slot.upgrade() else { return };
                    record(&mut slot.lock(), &id, outcome);
                }
            }
            () = tokio::time::sleep_until(next_due.unwrap_or(far)), if next_due.is_some() => {}
        }
    }
}

/// Hands every event not yet handed out to the webhooks and distributions that want it.
/// Messages record activity events, which are handed out in turn.
pub fn fan_out(project: &mut Project, signer: &Signer, now: Timestamp) {
    loop {
        let start = project.hooks.cursor;
        let events: Vec<Event> = project.events.since(start).to_vec();
        if events.is_empty() {
            return;
        }
        project.hooks.cursor = start + events.len();
        for (offset, event) in events.iter().enumerate() {
            let index = start + offset;
            let targets: Vec<WebhookSource> = project
                .hooks
                .webhooks
                .oldest_first()
                .filter(|w| {
                    w.webhook.active
                        && index >= w.from_event
                        && w.webhook.events.contains(&event.kind)
                })
                .map(|w| WebhookSource {
                    id: w.webhook.id.clone(),
                    object: "webhook".into(),
                    target_url: w.webhook.target_url.clone(),
                })
                .collect();
            for source in targets {
                queue(
                    project,
                    event,
                    source,
                    event.data.clone(),
                    None,
                    signer,
                    now,
                );
            }
            let triggered: Vec<Distribution> = project
                .hooks
                .distributions
                .oldest_first()
                .filter(|d| {
                    d.active && index >= d.from_event && distributions::triggered_by(d, event)
                })
                .cloned()
                .collect();
            for distribution in triggered {
                distribute(project, &distribution, event, signer, now);
            }
        }
    }
}

/// Adds a sendout of `event` to `source`, due at once; returns its id.
pub fn queue(
    project: &mut Project,
    event: &Event,
    source: WebhookSource,
    data: serde_json::Value,
    message_id: Option<String>,
    signer: &Signer,
    now: Timestamp,
) -> String {
    let id = project.ids.hex("whs_");
    let event_source = match &event.group_id {
        Some(_) => serde_json::json!({
            "channel": "API",
            "api_key": {"name": "Default", "app_id": signer.app_id},
        }),
        None => serde_json::json!({"channel": "INTERNAL"}),
    };
    let payload = WebhookPayload {
        id: id.clone(),
        project_id: project.id.clone(),
        created_at: Some(now),
        kind: event.kind.clone(),
        data,
        source: source.clone(),
        event: WebhookEvent {
            id: event.id.clone(),
            kind: event.kind.clone(),
            created_at: Some(event.created_at),
            entity_id: Some(event.entity_id.clone()),
            group_id: event.group_id.clone(),
            event_source,
        },
    };
    // Compact JSON: no whitespace outside strings, as the API signs it.
    let body = serde_json::to_string(&payload).unwrap_or_default();
    let signature = signature::sign(&signer.secret, body.as_bytes());
    project.hooks.push_delivery(Delivery {
        id: id.clone(),
        object: "webhook_sendout".into(),
        source,
        event_id: event.id.clone(),
        kind: event.kind.clone(),
        entity_id: event.entity_id.clone(),
        customer_id: event.customer_id.clone(),
        message_id,
        status: PENDING.into(),
        attempts: Vec::new(),
        created_at: now,
        finished_at: None,
        signature,
        body,
        due: Some(Instant::now()),
    });
    id
}

/// Sends one distribution's message for `event` to the event's customer.
fn distribute(
    project: &mut Project,
    distribution: &Distribution,
    event: &Event,
    signer: &Signer,
    now: Timestamp,
) {
    let Some(customer) = event
        .customer_id
        .as_deref()
        .and_then(|id| project.customers.get(id))
        .cloned()
    else {
        return;
    };
    let context = distributions::context(&customer, event);
    let subject = distribution
        .template
        .subject
        .as_deref()
        .map(|s| distributions::render(s, &context));
    let body = distributions::render(&distribution.template.body, &context);
    let recipient = distributions::recipient(
        &distribution.channel,
        &customer,
        distribution.target_url.as_deref(),
    );
    let webhook = distribution.channel == "webhook";
    let (status, failure) = match (&recipient, webhook) {
        (Err(why), _) => (FAILED, Some(why.to_string())),
        (Ok(_), true) => (PENDING, None),
        (Ok(_), false) => (SENT, None),
    };
    let id = project.ids.hex("msg_");
    let mut message = Message {
        id: id.clone(),
        object: "distribution_message".into(),
        distribution_id: distribution.id.clone(),
        distribution_name: distribution.name.clone(),
        channel: distribution.channel.clone(),
        customer_id: customer.id.clone(),
        to: recipient.clone().ok(),
        subject,
        body,
        status: status.into(),
        failure_reason: failure,
        event_id: event.id.clone(),
        event_type: event.kind.clone(),
        delivery_id: None,
        created_at: now,
    };
    if let (Ok(url), true) = (&recipient, webhook) {
        let mut data = event.data.clone();
        if let Some(object) = data.as_object_mut() {
            object.insert(
                "distribution".into(),
                serde_json::json!({"id": distribution.id, "name": distribution.name}),
            );
            object.insert(
                "message".into(),
                serde_json::json!({"id": message.id, "subject": message.subject, "body": message.body}),
            );
        }
        let source = WebhookSource {
            id: distribution.id.clone(),
            object: "distribution".into(),
            target_url: url.clone(),
        };
        message.delivery_id = Some(queue(
            project,
            event,
            source,
            data,
            Some(id.clone()),
            signer,
            now,
        ));
    }
    record_activity(project, &message, distribution, now);
    project.hooks.push_message(message);
}

/// Records a sent or failed message in the customer's activity.
fn record_activity(
    project: &mut Project,
    message: &Message,
    distribution: &Distribution,
    now: Timestamp,
) {
    let Some(kind) = distributions::activity_type(&message.channel, &message.status) else {
        return;
    };
    let customer = project.customers.get(&message.customer_id).map(|c| {
        serde_json::json!({"id": c.id, "source_id": c.source_id, "name": c.name, "email": c.email, "object": "customer"})
    });
    let data = serde_json::json!({
        "customer": customer,
        "distribution": {
            "id": distribution.id,
            "name": distribution.name,
            "channel": distribution.channel,
            "message_id": message.id,
            "failure_reason": message.failure_reason,
        },
        "sent_at": now,
    });
    project.emit(&kind, &message.id, Some(&message.customer_id), data, now);
}

/// Takes the sendouts due by `now` (marking them in flight), and says when the next one is due.
fn due_jobs(project: &mut Project, now: Instant) -> (Vec<Job>, Option<Instant>) {
    let timeout = Duration::from_millis(project.hooks.settings.timeout_ms);
    let started_at = project.clock.now(wall_now());
    let mut jobs = Vec::new();
    let mut next: Option<Instant> = None;
    for d in project.hooks.deliveries.iter_mut() {
        if d.status != PENDING {
            continue;
        }
        match d.due {
            Some(at) if at <= now => {
                d.due = None;
                jobs.push(Job {
                    id: d.id.clone(),
                    started_at,
                    url: d.source.target_url.clone(),
                    body: d.body.clone(),
                    signature: d.signature.clone(),
                    timeout,
                });
            }
            Some(at) => next = Some(next.map_or(at, |n| n.min(at))),
            None => {}
        }
    }
    (jobs, next)
}

async fn send(http: reqwest::Client, job: Job) -> (String, Outcome) {
    let started = std::time::Instant::now();
    let result = http
        .post(&job.url)
        .timeout(job.timeout)
        .header("content-type", "application/json")
        .header(SIGNATURE_HEADER, &job.signature)
        .body(job.body)
        .send()
        .await;
    let duration_ms = started.elapsed().as_millis() as u64;
    let outcome = match result {
        Ok(response) => Outcome {
            started_at: job.started_at,
            status_code: Some(response.status().as_u16()),
            error: None,
            duration_ms,
        },
        Err(e) => Outcome {
            started_at: job.started_at,
            status_code: None,
            error: Some(if e.is_timeout() {
                format!("no answer within {} ms", job.timeout.as_millis())
            } else if e.is_connect() {
                "could not connect to the target".to_string()
            } else {
                "the connection failed before an answer".to_string()
            }),
            duration_ms,
        },
    };
    (job.id, outcome)
}

/// Records an attempt: a 2xx delivers; otherwise a retry is scheduled, or after the last
/// attempt the sendout fails and the webhook that asked for it is switched off, as the real
/// service does.
fn record(project: &mut Project, id: &str, outcome: Outcome) {
    let finished_at = project.clock.now(wall_now());
    let settings = project.hooks.settings;
    let Some(delivery) = project.hooks.delivery_mut(id) else {
        return;
    };
    let number = delivery.attempts.len() as u32 + 1;
    let delivered = outcome.status_code.is_some_and(|s| (200..300).contains(&s));
    delivery.attempts.push(DeliveryAttempt {
        number,
        at: outcome.started_at,
        status_code: outcome.status_code,
        error: outcome.error,
        duration_ms: outcome.duration_ms,
    });
    let finished = if delivered {
        Some(DELIVERED)
    } else if number >= settings.max_attempts {
        Some(FAILED)
    } else {
        delivery.due = Some(Instant::now() + settings.delay_after(number as usize));
        None
    };
    let Some(status) = finished else { return };
    delivery.status = status.into();
    delivery.finished_at = Some(finished_at);
    let source = delivery.source.clone();
    let message_id = delivery.message_id.clone();
    if status == FAILED
        && source.object == "webhook"
        && let Some(webhook) = project.hooks.webhooks.get_mut(&source.id)
    {
        webhook.webhook.active = false;
    }
    if let Some(message) = message_id.and_then(|m| project.hooks.message_mut(&m)) {
        if status == DELIVERED {
            message.status = SENT.into();
        } else {
            message.status = FAILED.into();
            message.failure_reason = Some("the webhook endpoint did not accept the message".into());
        }
    }
}
