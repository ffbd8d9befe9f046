//! Middleware between an authenticated call and its handler: injected faults (latency, an error
//! status, a dropped connection), rate limits with the API's `X-Rate-Limit-*` headers, and the
//! authentication of client-side calls (`X-Client-Application-Id`, `X-Client-Token`, `origin`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::Rng;

use super::client_keys::OriginProblem;
use super::clock::wall_now;
use super::conditions::{Action, Side, Verdict};
use super::error::{ApiError, REQUEST_ID, current_request_id};
use super::hooks::audit;
use super::store::{Emulator, ProjectSlot};
use crate::engine::time::Timestamp;

/// Injected faults, then rate limits, then the handler; called by authentication once it has
/// put the project in the request's extensions.
pub async fn conditions(mut req: Request, next: Next) -> Response {
    let Some(slot) = req.extensions().get::<Arc<ProjectSlot>>().cloned() else {
        return next.run(req).await;
    };
    let side = if req.uri().path().starts_with("/client/") {
        Side::Client
    } else {
        Side::Server
    };
    let decision = slot.conditions.decide(rand::rng().random::<f64>());
    if decision.delay_ms == 0 {
        return answer(slot, side, decision.action, req, next).await;
    }
    // A slow API still does the work when the caller has stopped waiting: the call runs on
    // its own task, so a client that times out does not cancel it (its answer is just lost).
    let id = current_request_id();
    let delay = Duration::from_millis(decision.delay_ms);
    // The audit log times the call from here, so its duration includes the delay.
    req.extensions_mut().insert(audit::Arrived(Instant::now()));
    let task = tokio::spawn(REQUEST_ID.scope(id, async move {
        tokio::time::sleep(delay).await;
        answer(slot, side, decision.action, req, next).await
    }));
    match task.await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Internal Server Error",
            "The emulator failed while handling this call.",
        )
        .into_response(),
    }
}

/// The injected answer, or the call within its rate limits.
async fn answer(
    slot: Arc<ProjectSlot>,
    side: Side,
    action: Action,
    req: Request,
    next: Next,
) -> Response {
    match action {
        Action::Pass => {}
        Action::Fail {
            status,
            retry_after,
        } => return turned_away(slot, side, req, injected(status, retry_after)).await,
        Action::Drop => return dropped(),
    }
    if !slot.conditions.limits(side) {
        return handle(slot, side, req, |req| next.run(req)).await;
    }
    let now = slot.read().clock.now(wall_now());
    match slot.conditions.admit(side, now) {
        None => handle(slot, side, req, |req| next.run(req)).await,
        Some(verdict) if !verdict.allowed => {
            turned_away(slot, side, req, too_many_requests(&verdict, now)).await
        }
        Some(verdict) => {
            let mut response = handle(slot, side, req, |req| next.run(req)).await;
            for (name, value) in rate_headers(&verdict) {
                if let Ok(value) = HeaderValue::from_str(&value) {
                    response.headers_mut().insert(name, value);
                }
            }
            response
        }
    }
}

/// The call's answer (its handler's, or a fault's or limit's in its place); a server-side call
/// is written in the project's audit log on the way (in this same layer rather than one of its
/// own: one layer less for every call). Events the call emitted, from either side, then go out
/// from the project's dispatcher, off the request path.
async fn handle<A, F>(slot: Arc<ProjectSlot>, side: Side, req: Request, answer: A) -> Response
where
    A: FnOnce(Request) -> F,
    F: Future<Output = Response>,
{
    match side {
        Side::Server => audit::record_answer(slot, req, answer).await,
        Side::Client => {
            let response = answer(req).await;
            slot.read().hand_out_events();
            response
        }
    }
}

/// A call answered by an injected fault or a rate limit instead of its handler: it was answered
/// all the same, so it is handled (and audited) like any other.
async fn turned_away(
    slot: Arc<ProjectSlot>,
    side: Side,
    req: Request,
    error: ApiError,
) -> Response {
    handle(slot, side, req, |_| async { error.into_response() }).await
}

/// `X-Rate-Limit-Limit`, `-Remaining` and `-Retry` (Unix seconds when the window ends).
fn rate_headers(v: &Verdict) -> Vec<(&'static str, String)> {
    vec![
        ("x-rate-limit-limit", v.limit.to_string()),
        ("x-rate-limit-remaining", v.remaining.to_string()),
        ("x-rate-limit-retry", v.retry_unix().to_string()),
    ]
}

/// 429 as the API sends it: `{code, message}` without a key, with the rate-limit headers,
/// `Retry-After` and `X-Rate-Limit-Type`.
fn too_many_requests(v: &Verdict, now: Timestamp) -> ApiError {
    let mut headers = rate_headers(v);
    headers.push(("retry-after", v.retry_after_secs(now).to_string()));
    headers.push(("x-rate-limit-type", "api_calls".to_string()));
    ApiError::Raw {
        status: StatusCode::TOO_MANY_REQUESTS,
        body: serde_json::json!({
            "code": 429,
            "message": "Too many requests hit the API too quickly.",
        }),
        headers,
    }
}

/// The answer of an injected status, in the error shape (with `Retry-After` when set).
fn injected(status: u16, retry_after: Option<u64>) -> ApiError {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let message = status.canonical_reason().unwrap_or("Error");
    let mut headers = Vec::new();
    if let Some(secs) = retry_after {
        headers.push(("retry-after", secs.to_string()));
    }
    ApiError::Raw {
        status,
        body: serde_json::json!({
            "code": status.as_u16(),
            "message": message,
            "details": "A fault set through the emulator's control plane answered this call.",
            "request_id": current_request_id(),
        }),
        headers,
    }
}

/// A response whose body fails at once: the server closes the connection and the caller gets
/// no usable answer.
fn dropped() -> Response {
    let broken = futures::stream::once(async {
        Err::<axum::body::Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "connection dropped by an injected fault",
        ))
    });
    Response::new(Body::from_stream(broken))
}

/// `X-Client-Application-Id` + `X-Client-Token` must be one project's client-side keys and
/// `origin` one of its allowed origins; the project travels on as an extension.
pub async fn authenticate_client(
    State(emulator): State<Emulator>,
    mut req: Request,
    next: Next,
) -> Response {
    let headers = req.headers();
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let slot = match (header("x-client-application-id"), header("x-client-token")) {
        (Some(app_id), Some(token)) => {
            emulator.find(|slot| slot.client_keys.matches(app_id, token))
        }
        _ => None,
    };
    let Some(slot) = slot else {
        return unauthorized(
            "Check the X-Client-Application-Id and X-Client-Token headers: they must be the \
             client-side keys of one project.",
        );
    };
    if let Err(problem) = slot.client_keys.check_origin(header("origin")) {
        let details = match problem {
            OriginProblem::Missing => {
                "Client-side calls need an origin header naming the web page's origin.".to_string()
            }
            OriginProblem::NotAllowed(origin) => format!(
                "The origin {origin} is not among the project's allowed origins for client-side calls."
            ),
        };
        return unauthorized(&details);
    }
    req.extensions_mut().insert(slot);
    conditions(req, next).await
}

/// 401 for a server-side call without valid keys; names the mix-up when client-side keys were
/// sent instead of the secret key.
pub fn server_unauthorized(headers: &axum::http::HeaderMap) -> Response {
    if headers.contains_key("x-client-token") && !headers.contains_key("x-app-token") {
        return unauthorized(
            "Client-side keys (X-Client-Application-Id, X-Client-Token) work only on /client/v1 \
             endpoints; server-side calls need the X-App-Id and X-App-Token of one project.",
        );
    }
    ApiError::unauthorized().into_response()
}

fn unauthorized(details: &str) -> Response {
    let mut error = ApiError::unauthorized();
    if let ApiError::Standard { body, .. } = &mut error {
        body.details = Some(details.to_string());
    }
    error.into_response()
}
