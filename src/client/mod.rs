//! A typed client of the Voucherify API over reqwest.
//!
//! It sends `X-App-Id` / `X-App-Token` (or, for the client-side API, the public keys and an
//! origin), keeps the API's error object as data ([`ClientError::Api`]), logs every attempt for
//! failure reports with secrets redacted, and offers [`Client::raw`] for requests that are
//! malformed on purpose.
//!
//! Resilience: a connect timeout, and a per-call timeout that covers every attempt; bounded
//! retries with backoff and jitter only where a retry is safe ([`retry`]); one [`Limiter`]
//! shared by all clients of a run that keeps within the API's announced budget.

mod api;
pub mod client_side;
pub mod conditions;
pub mod control;
mod hooks;
mod imports;
pub mod ledger;
pub mod limiter;
mod log;
mod loyalty;
pub mod pacer;
mod referrals;
pub mod retry;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use reqwest::{Method, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use client_side::ClientSideKeys;
pub use ledger::{Ledger, RunMark};
pub use limiter::{Limiter, Pace};
pub use log::{Exchange, RequestLog};
pub use retry::RetryPolicy;

use crate::model::ErrorBody;

/// A secret key: never printed, never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The key itself, for the one header that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// A project's server-side keys.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub app_id: String,
    pub secret_key: Secret,
}

/// Why a call did not give the expected answer.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ClientError {
    /// The API answered with its error object.
    #[error("the API answered {status} {}: {}{}", body.key.as_deref().unwrap_or("(no key)"), body.message, body.details.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Api { status: u16, body: Box<ErrorBody> },
    /// No connection could be made: nothing listens at the target, or the network is down.
    #[error("target unreachable at {url}: {detail}")]
    Unreachable { url: String, detail: String },
    /// No answer within the timeout.
    #[error("no answer from {url} within {timeout:?} (timeout)")]
    Timeout { url: String, timeout: Duration },
    /// The connection broke before the answer was complete.
    #[error("the connection to {url} broke before an answer came: {detail}")]
    Interrupted { url: String, detail: String },
    /// The API's rate limit is used up (`sent`: a 429 came back; else the call was held back
    /// because no call could succeed before its timeout).
    #[error("rate limit reached: {detail}")]
    RateLimited {
        detail: String,
        limit: Option<u64>,
        sent: bool,
    },
    /// An answer that is not what the contract says.
    #[error("unexpected answer from {url} (HTTP {status}): {detail}")]
    Decode {
        url: String,
        status: u16,
        detail: String,
    },
}

impl ClientError {
    /// The API's error key, when the API answered with one.
    pub fn key(&self) -> Option<&str> {
        match self {
            Self::Api { body, .. } => body.key.as_deref(),
            _ => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } | Self::Decode { status, .. } => Some(*status),
            Self::RateLimited { sent: true, .. } => Some(429),
            _ => None,
        }
    }

    /// The error object of an API error.
    pub fn body(&self) -> Option<&ErrorBody> {
        match self {
            Self::Api { body, .. } => Some(body),
            _ => None,
        }
    }

    /// True when the target could not be reached, did not answer in time, or broke off.
    pub fn is_transport(&self) -> bool {
        matches!(
            self,
            Self::Unreachable { .. } | Self::Timeout { .. } | Self::Interrupted { .. }
        )
    }

    /// True when the call failed for lack of an answer, not because of the request: transport
    /// failures, rate limits and 5xx. A scenario cannot go on after such a failure.
    pub fn is_outage(&self) -> bool {
        self.is_transport()
            || matches!(self, Self::RateLimited { .. })
            || self.status().is_some_and(|s| s >= 500)
    }
}

/// What came back from [`Client::raw`].
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl RawResponse {
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.body).ok()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Timeouts of a client.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// The most a connection may take to open.
    pub connect: Duration,
    /// The most a call may take until its answer is read, retries and their waits included.
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            request: Duration::from_secs(10),
        }
    }
}

/// The API client of one project.
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    base: Url,
    credentials: Option<Credentials>,
    log: RequestLog,
    timeouts: Timeouts,
    client_side: Option<ClientSideKeys>,
    limiter: Limiter,
    retry: RetryPolicy,
    /// Requests sent by this client and the clients made from it (a scenario's calls).
    sent: Arc<AtomicU64>,
    /// On a shared project: the run and scenario to mark created objects with, and the ledger.
    mark: Option<RunMark>,
}

/// Numbers logical calls across all clients, so a call's attempts can be found in a log.
static CALLS: AtomicU64 = AtomicU64::new(1);

static TLS: Once = Once::new();

/// A reqwest client with the given timeouts (and the TLS provider installed once).
pub fn http_client(timeouts: Timeouts) -> reqwest::Client {
    TLS.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    reqwest::Client::builder()
        .connect_timeout(timeouts.connect)
        .timeout(timeouts.request)
        .user_agent(concat!("voucherify-harness/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default()
}

impl Client {
    /// A client of `base_url` (without `/v1`), e.g. `https://api.voucherify.io`.
    pub fn new(
        http: reqwest::Client,
        base_url: &str,
        credentials: Option<Credentials>,
        timeouts: Timeouts,
    ) -> Result<Self, ClientError> {
        let base =
            Url::parse(base_url.trim_end_matches('/')).map_err(|e| ClientError::Unreachable {
                url: base_url.to_string(),
                detail: format!("not a URL: {e}"),
            })?;
        Ok(Self {
            http,
            base,
            credentials,
            log: RequestLog::default(),
            timeouts,
            client_side: None,
            limiter: Limiter::default(),
            retry: RetryPolicy::default(),
            sent: Arc::default(),
            mark: None,
        })
    }

    /// The same client (same log and call count) marking what it creates with `mark`.
    pub fn with_mark(&self, mark: RunMark) -> Self {
        Self {
            mark: Some(mark),
            ..self.clone()
        }
    }

    /// The run mark, on a shared project.
    pub fn mark(&self) -> Option<&RunMark> {
        self.mark.as_ref()
    }

    /// Requests this client and the clients made from it have sent (retries included; calls
    /// held back by a limit are not sent).
    pub fn calls_sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// The same client with other credentials (and its own log).
    pub fn with_credentials(&self, credentials: Option<Credentials>) -> Self {
        Self {
            credentials,
            client_side: None,
            log: RequestLog::default(),
            ..self.clone()
        }
    }

    /// The same client calling the client-side API with public keys (and its own log).
    pub fn with_client_side(&self, keys: ClientSideKeys) -> Self {
        Self {
            credentials: None,
            client_side: Some(keys),
            log: RequestLog::default(),
            ..self.clone()
        }
    }

    /// The same client-side client (same log) calling from another `origin`.
    pub fn with_origin(&self, origin: Option<&str>) -> Self {
        let mut client = self.clone();
        if let Some(keys) = &mut client.client_side {
            keys.origin = origin.map(str::to_string);
        }
        client
    }

    /// The same client (same log) with other timeouts.
    pub fn with_timeouts(&self, timeouts: Timeouts) -> Self {
        Self {
            timeouts,
            ..self.clone()
        }
    }

    /// The same client (same log) sharing `limiter`.
    pub fn with_limiter(&self, limiter: Limiter) -> Self {
        Self {
            limiter,
            ..self.clone()
        }
    }

    /// The same client (same log) with another retry policy.
    pub fn with_retry(&self, retry: RetryPolicy) -> Self {
        Self {
            retry,
            ..self.clone()
        }
    }

    /// The same client (same keys and log) talking to another base URL.
    pub fn with_base_url(&self, base_url: &str) -> Result<Self, ClientError> {
        let base =
            Url::parse(base_url.trim_end_matches('/')).map_err(|e| ClientError::Unreachable {
                url: base_url.to_string(),
                detail: format!("not a URL: {e}"),
            })?;
        Ok(Self {
            base,
            ..self.clone()
        })
    }

    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }

    pub fn limiter(&self) -> &Limiter {
        &self.limiter
    }

    /// What the limiter knows of this client's current rate-limit window.
    pub fn rate_limit_window(&self) -> Option<limiter::WindowView> {
        self.limiter.window(self.budget_key(), Instant::now())
    }

    pub fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    /// The key under which the limiter keeps this client's budget: its application id.
    fn budget_key(&self) -> &str {
        self.client_side
            .as_ref()
            .map(|k| k.app_id.as_str())
            .or(self.app_id())
            .unwrap_or("")
    }

    /// Forgets what the API said about this project's rate limit (its clock was moved).
    pub fn forget_rate_limit(&self) {
        self.limiter.forget(self.budget_key());
    }

    pub fn base_url(&self) -> &Url {
        &self.base
    }

    pub fn app_id(&self) -> Option<&str> {
        self.credentials.as_ref().map(|c| c.app_id.as_str())
    }

    /// This client's exchanges, oldest first, with secrets redacted.
    pub fn log(&self) -> &RequestLog {
        &self.log
    }

    fn url(&self, segments: &[&str], query: &[(&str, String)]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty();
            for s in segments {
                path.push(s);
            }
        }
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        url
    }

    fn secret(&self) -> Option<&str> {
        match &self.client_side {
            Some(keys) => Some(keys.token.expose()),
            None => self.credentials.as_ref().map(|c| c.secret_key.expose()),
        }
    }

    /// Sends a request and returns status, headers and body; only transport failures (and a
    /// rate limit that leaves no call before the timeout) are errors. `body` is sent as is (it
    /// may be malformed on purpose). Attempts are retried where safe, each one logged.
    pub async fn raw(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, String)],
        body: Option<Vec<u8>>,
        headers: &[(&str, &str)],
    ) -> Result<RawResponse, ClientError> {
        let url = self.url(segments, query);
        let safety = retry::Safety::of(&method, segments);
        let what = describe_call(&method, segments);
        let deadline = Instant::now() + self.timeouts.request;
        let call = CALLS.fetch_add(1, Ordering::Relaxed);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut exchange = Exchange {
                method: method.to_string(),
                path: shown_path(&url),
                request_body: body
                    .as_ref()
                    .map(|b| String::from_utf8_lossy(b).into_owned()),
                call,
                attempt,
                ..Exchange::default()
            };
            if let Err(why) = self.limiter.acquire(self.budget_key(), deadline).await {
                let error = ClientError::RateLimited {
                    detail: why.detail,
                    limit: why.limit,
                    sent: false,
                };
                exchange.error = Some(format!("not sent: {error}"));
                self.log.push(exchange, self.secret());
                return Err(error);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if !left.is_zero() {
                self.sent.fetch_add(1, Ordering::Relaxed);
            }
            let started = Instant::now();
            let result = if left.is_zero() {
                Err(ClientError::Timeout {
                    url: redacted_url(&url),
                    timeout: self.timeouts.request,
                })
            } else {
                self.send_once(&method, &url, body.as_deref(), headers, left)
                    .await
            };
            exchange.duration_ms = started.elapsed().as_millis() as u64;
            let outcome = match &result {
                Ok(r) => {
                    exchange.status = Some(r.status);
                    exchange.response_body = Some(r.body.clone());
                    exchange.request_id = r.json().and_then(|v| {
                        v.get("request_id")
                            .and_then(|id| id.as_str())
                            .map(str::to_string)
                    });
                    exchange.rate_limit = rate_limit_headers(&r.headers);
                    if let Some(mark) = &self.mark {
                        mark.observe_sent(&method, segments, body.as_deref());
                        mark.observe(&method, segments, r.status, &r.body);
                    }
                    self.limiter.observe(
                        self.budget_key(),
                        &exchange.rate_limit,
                        Instant::now(),
                        unix_now(),
                    );
                    retry::Attempt::Answered {
                        status: r.status,
                        retry_after: retry_after(&r.headers),
                    }
                }
                Err(e) => {
                    exchange.error = Some(e.to_string());
                    match e {
                        ClientError::Unreachable { .. } => retry::Attempt::NotConnected,
                        ClientError::Timeout { .. } => retry::Attempt::TimedOut,
                        _ => retry::Attempt::Interrupted,
                    }
                }
            };
            let draw: f64 = rand::Rng::random(&mut rand::rng());
            match retry::decide(&self.retry, safety, &what, attempt, outcome, draw) {
                retry::Next::Done => {}
                retry::Next::GiveUp { why } => exchange.note = Some(why),
                retry::Next::Retry { after, why } => {
                    if Instant::now() + after < deadline {
                        exchange.note = Some(why);
                        self.log.push(exchange, self.secret());
                        tokio::time::sleep(after).await;
                        continue;
                    }
                    exchange.note = Some(format!(
                        "not retried: waiting {} ms would pass the call's {:?} timeout",
                        after.as_millis(),
                        self.timeouts.request
                    ));
                }
            }
            self.log.push(exchange, self.secret());
            return result;
        }
    }

    /// One attempt, with `timeout` for all of it.
    async fn send_once(
        &self,
        method: &Method,
        url: &Url,
        body: Option<&[u8]>,
        headers: &[(&str, &str)],
        timeout: Duration,
    ) -> Result<RawResponse, ClientError> {
        let mut request = self
            .http
            .request(method.clone(), url.clone())
            .timeout(timeout);
        if let Some(c) = &self.credentials {
            request = request
                .header("X-App-Id", &c.app_id)
                .header("X-App-Token", c.secret_key.expose());
        }
        if let Some(k) = &self.client_side {
            request = request
                .header("X-Client-Application-Id", &k.app_id)
                .header("X-Client-Token", k.token.expose());
            if let Some(origin) = &k.origin {
                request = request.header("Origin", origin);
            }
        }
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        if let Some(bytes) = body {
            if !headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            {
                request = request.header("Content-Type", "application/json");
            }
            request = request.body(bytes.to_vec());
        }
        let response = request
            .send()
            .await
            .map_err(|e| self.transport_error(url, &e, timeout))?;
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = response
            .text()
            .await
            .map_err(|e| self.transport_error(url, &e, timeout))?;
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }

    fn transport_error(&self, url: &Url, e: &reqwest::Error, timeout: Duration) -> ClientError {
        let shown = redacted_url(url);
        let mut detail = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            detail.push_str(": ");
            detail.push_str(&s.to_string());
            source = s.source();
        }
        let detail = log::redact(&detail, self.secret());
        if e.is_connect() {
            ClientError::Unreachable { url: shown, detail }
        } else if e.is_timeout() {
            ClientError::Timeout {
                url: shown,
                timeout: timeout.min(self.timeouts.request),
            }
        } else {
            ClientError::Interrupted { url: shown, detail }
        }
    }

    /// Sends JSON and decodes the answer as `T`; the API's error object becomes
    /// [`ClientError::Api`].
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, String)],
        body: Option<&(impl Serialize + ?Sized)>,
    ) -> Result<T, ClientError> {
        let bytes = body.map(|b| match &self.mark {
            Some(mark) => {
                let mut value = serde_json::to_value(b).unwrap_or_default();
                mark.stamp(&method, segments, &mut value);
                serde_json::to_vec(&value).unwrap_or_default()
            }
            None => serde_json::to_vec(b).unwrap_or_default(),
        });
        self.call_bytes(method, segments, query, bytes).await
    }

    /// Like [`Client::call`] with a body sent as is (malformed on purpose, for example).
    pub async fn call_bytes<T: DeserializeOwned>(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, String)],
        body: Option<Vec<u8>>,
    ) -> Result<T, ClientError> {
        self.call_bytes_with(method, segments, query, body, &[])
            .await
    }

    /// Like [`Client::call_bytes`] with extra headers (a `Content-Type` replaces JSON's).
    pub async fn call_bytes_with<T: DeserializeOwned>(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, String)],
        body: Option<Vec<u8>>,
        headers: &[(&str, &str)],
    ) -> Result<T, ClientError> {
        let response = self.raw(method, segments, query, body, headers).await?;
        let url = redacted_url(&self.url(segments, &[]));
        if response.status == 429 {
            return Err(rate_limited(&response, self.timeouts.request));
        }
        if !(200..300).contains(&response.status) {
            let body: ErrorBody =
                serde_json::from_str(&response.body).unwrap_or_else(|_| ErrorBody {
                    code: response.status,
                    message: response.body.chars().take(300).collect(),
                    ..ErrorBody::default()
                });
            return Err(ClientError::Api {
                status: response.status,
                body: Box::new(body),
            });
        }
        let text = if response.body.trim().is_empty() {
            "null"
        } else {
            &response.body
        };
        serde_json::from_str(text).map_err(|e| ClientError::Decode {
            url,
            status: response.status,
            detail: e.to_string(),
        })
    }
}

/// What a call is, in words, for the log.
fn describe_call(method: &Method, segments: &[&str]) -> String {
    let redeems = segments
        .iter()
        .any(|s| matches!(*s, "redemptions" | "redemption" | "redeem"));
    match (method, redeems) {
        (&Method::POST, true) => "redemption".into(),
        (m, _) if *m == Method::GET => "read".into(),
        _ => "call that changes data".into(),
    }
}

/// Path and query as the log shows them.
fn shown_path(url: &Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    }
}

fn unix_now() -> i64 {
    crate::emulator::clock::wall_now().millis() / 1_000
}

/// The answer's rate-limit headers, lower-case names.
fn rate_limit_headers(headers: &[(String, String)]) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(k, _)| {
            let k = k.to_ascii_lowercase();
            k.starts_with("x-rate-limit-") || k == "retry-after"
        })
        .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
        .collect()
}

/// How long the API asked to wait: `Retry-After` seconds, else `X-Rate-Limit-Retry` (Unix
/// seconds) on a 429.
fn retry_after(headers: &[(String, String)]) -> Option<Duration> {
    let get = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.trim().parse::<i64>().ok())
    };
    get("retry-after")
        .or_else(|| get("x-rate-limit-retry").map(|at| at - unix_now()))
        .map(|secs| Duration::from_secs(secs.max(0) as u64))
}

/// The error for a 429 that could not be waited out, naming the limit.
fn rate_limited(response: &RawResponse, timeout: Duration) -> ClientError {
    let limit = response
        .header("x-rate-limit-limit")
        .and_then(|v| v.trim().parse::<u64>().ok());
    let reset = response
        .header("x-rate-limit-retry")
        .and_then(|v| v.trim().parse::<i64>().ok());
    let wait = retry_after(&response.headers);
    let mut detail = match limit {
        Some(n) => format!("the API's limit of {n} calls is used up (HTTP 429)"),
        None => "the API answered HTTP 429 (too many requests)".to_string(),
    };
    if let Some(at) = reset {
        detail.push_str(&format!(
            "; calls are allowed again at {}",
            crate::engine::time::Timestamp(at.saturating_mul(1_000)).to_iso()
        ));
    }
    if let Some(w) = wait {
        detail.push_str(&format!(
            " (in {} s; this call's timeout is {timeout:?})",
            w.as_secs()
        ));
    }
    ClientError::RateLimited {
        detail,
        limit,
        sent: true,
    }
}

/// A URL without credentials or query, for messages.
fn redacted_url(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_password(None);
    let _ = shown.set_username("");
    shown.set_query(None);
    shown.to_string()
}
