//! Webhooks: the shop's endpoint (the harness's own sink, which checks signatures) listens
//! for events, and the steps wait, with a timeout, for what should arrive.

use std::time::Duration;

use cucumber::{given, then, when};

use super::params::Topics;
use super::world::{HarnessWorld, StepFailure, StepResult};
use crate::client::{Client, Secret};
use crate::model::webhook::WebhookInput;
use crate::sink::{self, Behaviour, Received, Sink};

/// What a scenario set up for webhooks and distributions.
#[derive(Debug, Default)]
pub struct ScenarioHooks {
    /// The shop's endpoint, once started; it stops with the scenario.
    pub sink: Option<Sink>,
    /// Register a URL where nothing listens.
    pub endpoint_down: bool,
    /// The endpoint checks signatures with a secret that is not the project's.
    pub outdated_secret: bool,
    pub behaviour: Behaviour,
    /// The webhook the shop registered.
    pub webhook: Option<String>,
}

/// Plain-language topics and the event types they stand for.
const TOPICS: &[(&str, &[&str])] = &[
    (
        "redemptions",
        &["redemption.succeeded", "redemption.failed"],
    ),
    (
        "rollbacks",
        &[
            "redemption.rollback.succeeded",
            "redemption.rollback.failed",
        ],
    ),
    (
        "publications",
        &["publication.succeeded", "voucher.published"],
    ),
    ("new customers", &["customer.created"]),
    (
        "rewards",
        &["customer.rewarded", "customer.rewarded.loyalty_points"],
    ),
    ("loyalty points", &["voucher.loyalty_card.points_added"]),
    (
        "coupons",
        &[
            "voucher.created",
            "voucher.updated",
            "voucher.deleted",
            "voucher.enabled",
            "voucher.disabled",
        ],
    ),
];

/// The words features use for webhook types.
const KINDS: &[(&str, &str)] = &[
    ("redemption-succeeded", "redemption.succeeded"),
    ("redemption-failed", "redemption.failed"),
    ("rollback-succeeded", "redemption.rollback.succeeded"),
    ("rollback-failed", "redemption.rollback.failed"),
    ("publication-succeeded", "publication.succeeded"),
    ("voucher-published", "voucher.published"),
    ("customer-created", "customer.created"),
    ("customer-rewarded", "customer.rewarded"),
    ("points-added", "voucher.loyalty_card.points_added"),
];

fn lookup<'a>(
    world: &HarnessWorld,
    table: &[(&str, &'a str)],
    word: &str,
) -> Result<&'a str, StepFailure> {
    table
        .iter()
        .find(|(w, _)| *w == word)
        .map(|(_, k)| *k)
        .ok_or_else(|| {
            let known: Vec<&str> = table.iter().map(|(w, _)| *w).collect();
            world.failure(format!(
                "unknown webhook type \"{word}\"; known: {}",
                known.join(", ")
            ))
        })
}

fn kind_of(world: &HarnessWorld, word: &str) -> Result<&'static str, StepFailure> {
    lookup(world, KINDS, word)
}

/// The control plane and the scenario's project, or why the step cannot run here.
pub fn control_plane(world: &HarnessWorld) -> Result<(Client, String), StepFailure> {
    world.control_plane()
}

/// Starts the shop's endpoint if it is not running, checking signatures with the project's
/// webhook secret (or an outdated one); returns its URL.
pub async fn endpoint(world: &mut HarnessWorld) -> Result<String, StepFailure> {
    if world.hooks.endpoint_down {
        return sink::closed_url()
            .await
            .map_err(|e| world.failure(format!("cannot pick a closed local port: {e}")));
    }
    if let Some(sink) = &world.hooks.sink {
        return Ok(sink.url());
    }
    let (control, project) = control_plane(world)?;
    let secret = control
        .webhook_secret(&project)
        .await
        .map_err(|e| world.call_failed("reading the project's webhook secret", &e))?;
    let sink = Sink::start()
        .await
        .map_err(|e| world.failure(format!("cannot start the shop's webhook endpoint: {e}")))?;
    sink.expect_secret(Some(if world.hooks.outdated_secret {
        outdated(&secret)
    } else {
        secret
    }));
    sink.behave(world.hooks.behaviour);
    let url = sink.url();
    world.hooks.sink = Some(sink);
    Ok(url)
}

/// A secret that is close to the real one and still wrong.
fn outdated(secret: &Secret) -> Secret {
    Secret::new(format!("{}-previous", secret.expose()))
}

fn the_sink(world: &HarnessWorld) -> Result<&Sink, StepFailure> {
    world.hooks.sink.as_ref().ok_or_else(|| {
        world.failure("the shop has no webhook endpoint: add \"Given the shop listens for webhooks about ...\"")
    })
}

#[given(expr = "the shop listens for webhooks about {topics}")]
async fn listens(world: &mut HarnessWorld, topics: Topics) -> StepResult {
    let topics = topics.0;
    let mut events: Vec<String> = Vec::new();
    for topic in topics.replace(" and ", ", ").split(", ") {
        let topic = topic.trim();
        let kinds = TOPICS
            .iter()
            .find(|(t, _)| *t == topic)
            .map(|(_, k)| *k)
            .ok_or_else(|| {
                let known: Vec<&str> = TOPICS.iter().map(|(t, _)| *t).collect();
                world.failure(format!(
                    "unknown webhook topic \"{topic}\"; known: {}",
                    known.join(", ")
                ))
            })?;
        events.extend(kinds.iter().map(|k| k.to_string()));
    }
    let url = endpoint(world).await?;
    let (_, project) = control_plane(world)?;
    let input = WebhookInput {
        target_url: url,
        events,
        active: Some(true),
    };
    let webhook = world
        .client()?
        .register_webhook(&project, &input)
        .await
        .map_err(|e| world.call_failed("registering the shop's webhook endpoint", &e))?;
    world.hooks.webhook = Some(webhook.id);
    Ok(())
}

#[given(expr = "the shop's webhook endpoint answers every call with a server error")]
async fn endpoint_fails(world: &mut HarnessWorld) -> StepResult {
    set_behaviour(world, Behaviour::Fail(500));
    Ok(())
}

#[given(expr = "the shop's webhook endpoint takes {int} second(s) to answer")]
async fn endpoint_slow(world: &mut HarnessWorld, seconds: u64) -> StepResult {
    set_behaviour(world, Behaviour::Slow(Duration::from_secs(seconds)));
    Ok(())
}

fn set_behaviour(world: &mut HarnessWorld, behaviour: Behaviour) {
    world.hooks.behaviour = behaviour;
    if let Some(sink) = &world.hooks.sink {
        sink.behave(behaviour);
    }
}

#[given(expr = "the shop's webhook endpoint is down")]
async fn endpoint_down(world: &mut HarnessWorld) -> StepResult {
    world.hooks.endpoint_down = true;
    Ok(())
}

#[given(expr = "the shop checks webhook signatures with an outdated secret")]
async fn outdated_secret(world: &mut HarnessWorld) -> StepResult {
    world.hooks.outdated_secret = true;
    if world.hooks.sink.is_some() {
        let (control, project) = control_plane(world)?;
        let secret = control
            .webhook_secret(&project)
            .await
            .map_err(|e| world.call_failed("reading the project's webhook secret", &e))?;
        if let Some(sink) = &world.hooks.sink {
            sink.expect_secret(Some(outdated(&secret)));
        }
    }
    Ok(())
}

#[given(expr = "failed webhooks are retried {int} time(s)")]
async fn retried(world: &mut HarnessWorld, retries: u32) -> StepResult {
    let (control, project) = control_plane(world)?;
    let change = serde_json::json!({
        "max_attempts": retries + 1,
        "retry_delay_ms": 100,
        "timeout_ms": 2000,
    });
    control
        .set_webhook_settings(&project, &change)
        .await
        .map(|_| ())
        .map_err(|e| world.call_failed("setting how webhooks are retried", &e))
}

/// The code a sendout is about.
fn code_in(r: &Received) -> Option<String> {
    let data = &r.payload.as_ref()?.data;
    [
        "/voucher/code",
        "/redemption/voucher/code",
        "/publication/voucher/code",
    ]
    .iter()
    .find_map(|p| data.pointer(p).and_then(|c| c.as_str()))
    .map(str::to_string)
}

fn kind_in(r: &Received) -> Option<&str> {
    r.payload.as_ref().map(|p| p.kind.as_str())
}

fn describe(received: &[Received]) -> String {
    if received.is_empty() {
        return "nothing".into();
    }
    received
        .iter()
        .map(|r| {
            format!(
                "{} about {} (signature {}, answered {})",
                kind_in(r).unwrap_or("a call that is not a sendout"),
                code_in(r).unwrap_or_else(|| "-".into()),
                if r.verified { "valid" } else { "not valid" },
                r.answered
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Waits for a sendout of `kind` matching `about`; checks its signature and envelope.
async fn arrives(
    world: &HarnessWorld,
    seconds: u64,
    kind: &str,
    what: &str,
    about: impl Fn(&Received) -> bool,
) -> StepResult {
    let sink = the_sink(world)?;
    let found = sink
        .wait_for(Duration::from_secs(seconds), |r| {
            kind_in(r) == Some(kind) && about(r)
        })
        .await;
    let Some(found) = found else {
        return Err(world.failure(format!(
            "no {kind} webhook for {what} arrived within {seconds} s; the shop received: {}",
            describe(&sink.received())
        )));
    };
    if !found.verified {
        return Err(world.failure(format!(
            "a {kind} webhook for {what} arrived, but its x-voucherify-signature does not match \
             the body under the project's webhook secret"
        )));
    }
    let payload = found
        .payload
        .as_ref()
        .ok_or_else(|| world.failure("the webhook is not a sendout"))?;
    let project = world.project().and_then(|p| p.project_id.clone());
    if project.is_some_and(|p| p != payload.project_id) {
        return Err(world.failure(format!(
            "the {kind} webhook names project {}, not the scenario's",
            payload.project_id
        )));
    }
    if !payload.id.starts_with("whs_")
        || payload.source.object != "webhook" && payload.source.object != "distribution"
    {
        return Err(world.failure(format!(
            "the {kind} webhook's envelope is not the API's: id {}, source {}",
            payload.id, payload.source.object
        )));
    }
    Ok(())
}

#[then(expr = "within {int} second(s) a {word} webhook arrives for {string}")]
async fn arrives_for_code(
    world: &mut HarnessWorld,
    seconds: u64,
    word: String,
    name: String,
) -> StepResult {
    let kind = kind_of(world, &word)?;
    let code = world.code(&name);
    arrives(world, seconds, kind, &format!("\"{name}\""), |r| {
        code_in(r).as_deref() == Some(code.as_str())
    })
    .await
}

#[then(expr = "within {int} second(s) a {word} webhook arrives about {word}")]
async fn arrives_about_person(
    world: &mut HarnessWorld,
    seconds: u64,
    word: String,
    person: String,
) -> StepResult {
    let kind = kind_of(world, &word)?;
    let source_id = world.customer(&person).source_id.unwrap_or_default();
    arrives(world, seconds, kind, &person, |r| {
        r.payload
            .as_ref()
            .and_then(|p| p.data.pointer("/customer/source_id"))
            .and_then(|s| s.as_str())
            == Some(source_id.as_str())
    })
    .await
}

#[then(expr = "the shop received exactly {int} {word} webhook(s)")]
async fn received_exactly(world: &mut HarnessWorld, expected: usize, word: String) -> StepResult {
    let kind = kind_of(world, &word)?;
    let got = the_sink(world)?
        .received()
        .iter()
        .filter(|r| kind_in(r) == Some(kind))
        .count();
    let (control, project) = control_plane(world)?;
    let sent = control
        .webhook_deliveries(
            &project,
            &[("type", kind.to_string()), ("limit", "1000".into())],
        )
        .await
        .map_err(|e| world.call_failed("reading the webhook delivery log", &e))?;
    if got != expected || sent.total as usize != expected {
        return Err(world.failure(format!(
            "expected exactly {expected} {kind} webhook(s); the shop received {got} and the delivery log lists {}",
            sent.total
        )));
    }
    Ok(())
}

/// Checks the shop's endpoint and the delivery log: events are handed out in the order they
/// happened, so once a later event's webhook has arrived, an earlier one would be in the log.
#[then(expr = "no {word} webhook has arrived")]
async fn none_arrived(world: &mut HarnessWorld, word: String) -> StepResult {
    let kind = kind_of(world, &word)?;
    let received = the_sink(world)?.received();
    if received.iter().any(|r| kind_in(r) == Some(kind)) {
        return Err(world.failure(format!(
            "no {kind} webhook should have arrived; the shop received: {}",
            describe(&received)
        )));
    }
    let (control, project) = control_plane(world)?;
    let sent = control
        .webhook_deliveries(&project, &[("type", kind.to_string())])
        .await
        .map_err(|e| world.call_failed("reading the webhook delivery log", &e))?;
    if sent.total > 0 {
        return Err(world.failure(format!(
            "no {kind} webhook should have been sent; the delivery log lists {}",
            sent.total
        )));
    }
    Ok(())
}

#[then(expr = "within {int} second(s) the {word} webhook is given up after {int} attempts")]
async fn given_up(
    world: &mut HarnessWorld,
    seconds: u64,
    word: String,
    attempts: usize,
) -> StepResult {
    let kind = kind_of(world, &word)?;
    let (control, project) = control_plane(world)?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    let query = [("type", kind.to_string())];
    loop {
        let log = control
            .webhook_deliveries(&project, &query)
            .await
            .map_err(|e| world.call_failed("reading the webhook delivery log", &e))?;
        if let Some(d) = log.items.iter().find(|d| d.status == "FAILED") {
            if d.attempts.len() != attempts {
                return Err(world.failure(format!(
                    "the {kind} webhook was given up after {} attempts, expected {attempts}",
                    d.attempts.len()
                )));
            }
            if let Some(ok) = d
                .attempts
                .iter()
                .find(|a| a.status_code.is_some_and(|s| (200..300).contains(&s)))
            {
                return Err(world.failure(format!(
                    "the {kind} webhook was marked failed although attempt {} was answered {}",
                    ok.number,
                    ok.status_code.unwrap_or_default()
                )));
            }
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            let states: Vec<String> = log
                .items
                .iter()
                .map(|d| format!("{} after {} attempt(s)", d.status, d.attempts.len()))
                .collect();
            return Err(world.failure(format!(
                "the {kind} webhook was not given up within {seconds} s; the delivery log shows: {}",
                if states.is_empty() { "nothing".into() } else { states.join(", ") }
            )));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[then(expr = "the shop's webhook endpoint has been switched off")]
async fn switched_off(world: &mut HarnessWorld) -> StepResult {
    let (_, project) = control_plane(world)?;
    let id = world
        .hooks
        .webhook
        .clone()
        .ok_or_else(|| world.failure("the shop registered no webhook endpoint"))?;
    let webhook = world
        .client()?
        .get_webhook(&project, &id)
        .await
        .map_err(|e| world.call_failed("reading the shop's webhook", &e))?;
    if webhook.active {
        return Err(world.failure("the shop's webhook endpoint is still active"));
    }
    Ok(())
}

#[then(
    expr = "within {int} second(s) the shop rejects a {word} webhook because its signature does not match"
)]
async fn rejects_signature(world: &mut HarnessWorld, seconds: u64, word: String) -> StepResult {
    let kind = kind_of(world, &word)?;
    let sink = the_sink(world)?;
    let found = sink
        .wait_for(Duration::from_secs(seconds), |r| kind_in(r) == Some(kind))
        .await
        .ok_or_else(|| {
            world.failure(format!(
                "no {kind} webhook arrived within {seconds} s; the shop received: {}",
                describe(&sink.received())
            ))
        })?;
    if found.verified || found.answered != 401 {
        return Err(world.failure(format!(
            "the shop should have rejected the {kind} webhook (signature checked with an outdated \
             secret), but it {} it (answered {})",
            if found.verified {
                "accepted"
            } else {
                "handled"
            },
            found.answered
        )));
    }
    Ok(())
}

#[then(expr = "the checkout succeeds in under {int} second(s)")]
async fn checkout_fast(world: &mut HarnessWorld, seconds: u64) -> StepResult {
    let attempt = world.last_attempt()?;
    if !attempt.succeeded() {
        return Err(world.failure(format!(
            "the checkout was not accepted: {}",
            attempt.describe()
        )));
    }
    let exchange = world
        .client()?
        .log()
        .entries()
        .into_iter()
        .rev()
        .find(|e| e.method == "POST" && e.path.starts_with("/v1/redemptions"))
        .ok_or_else(|| world.failure("the request log holds no redemption"))?;
    if exchange.duration_ms >= seconds * 1000 {
        return Err(world.failure(format!(
            "the checkout took {} ms, expected under {seconds} s",
            exchange.duration_ms
        )));
    }
    Ok(())
}

/// Plain-language reasons a set-up is refused, and what the error's details must name.
const REFUSALS: &[(&str, &str)] = &[
    ("it has no address", "'target_url'"),
    ("it has no web address", "'target_url'"),
    ("it listens for an unknown event", ".events["),
    ("it has no channel", "'channel'"),
    ("its trigger is unknown", ".trigger.event"),
    ("its message has a broken placeholder", ".template.body"),
];

/// Checks that the last set-up call was refused with `invalid_payload` naming the problem.
pub fn refused(world: &HarnessWorld, what: &str, reason: &str) -> StepResult {
    let fragment = REFUSALS
        .iter()
        .find(|(r, _)| *r == reason)
        .map(|(_, f)| *f)
        .ok_or_else(|| world.failure(format!("unknown refusal reason \"{reason}\"")))?;
    match &world.last_call {
        Some(Err(e)) => {
            let details = e.body().and_then(|b| b.details.clone()).unwrap_or_default();
            if e.status() == Some(400)
                && e.key() == Some("invalid_payload")
                && details.contains(fragment)
            {
                Ok(())
            } else {
                Err(world.failure(format!(
                    "the {what} should be refused as invalid_payload naming {fragment}; got: {e}"
                )))
            }
        }
        Some(Ok(_)) => Err(world.failure(format!(
            "the {what} was accepted, expected a refusal because {reason}"
        ))),
        None => Err(world.failure(format!("no {what} was attempted"))),
    }
}

#[when(expr = "the shop registers a webhook endpoint without an address")]
async fn register_without_address(world: &mut HarnessWorld) -> StepResult {
    let (_, project) = control_plane(world)?;
    let body = serde_json::json!({"events": ["redemption.succeeded"]});
    let client = world.client()?;
    let app_id = client.app_id().unwrap_or_default().to_string();
    let token = client
        .secret_key()
        .map(|s| s.expose().to_string())
        .unwrap_or_default();
    let outcome = client
        .raw(
            reqwest::Method::POST,
            &["management", "v1", "projects", &project, "webhooks"],
            &[],
            Some(body.to_string().into_bytes()),
            &[("X-Management-Id", &app_id), ("X-Management-Token", &token)],
        )
        .await;
    world.last_call = Some(as_outcome(outcome));
    Ok(())
}

#[when(expr = "the shop registers a webhook endpoint for an event that does not exist")]
async fn register_unknown_event(world: &mut HarnessWorld) -> StepResult {
    let event = "coffee.brewed".to_string();
    let (_, project) = control_plane(world)?;
    let url = endpoint(world).await?;
    let input = WebhookInput {
        target_url: url,
        events: vec!["redemption.succeeded".into(), event],
        active: None,
    };
    let outcome = world.client()?.register_webhook(&project, &input).await;
    world.last_call = Some(outcome.map(|w| serde_json::to_value(w).unwrap_or_default()));
    Ok(())
}

/// A raw answer as the outcome of a call: its JSON, or its error object.
pub fn as_outcome(
    outcome: Result<crate::client::RawResponse, crate::client::ClientError>,
) -> Result<serde_json::Value, crate::client::ClientError> {
    let response = outcome?;
    let body = response.json().unwrap_or_default();
    if (200..300).contains(&response.status) {
        return Ok(body);
    }
    Err(crate::client::ClientError::Api {
        status: response.status,
        body: Box::new(serde_json::from_value(body).unwrap_or_default()),
    })
}

#[then(expr = "the webhook is refused because {string}")]
async fn webhook_refused(world: &mut HarnessWorld, reason: String) -> StepResult {
    refused(world, "webhook", &reason)
}
