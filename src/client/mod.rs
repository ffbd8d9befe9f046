//! A typed client of the Voucherify API over reqwest.
//!
//! It sends `X-App-Id` / `X-App-Token`, keeps the API's error object as data
//! ([`ClientError::Api`]), logs every exchange for failure reports with the secret key
//! redacted, and offers [`Client::raw`] for requests that are malformed on purpose.

mod api;
pub mod control;
mod hooks;
mod log;

use std::sync::Once;
use std::time::{Duration, Instant};

use reqwest::{Method, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use log::{Exchange, RequestLog};

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
    /// Nothing listens at the target, or the connection broke.
    #[error("target unreachable at {url}: {detail}")]
    Unreachable { url: String, detail: String },
    /// No answer within the timeout.
    #[error("no answer from {url} within {timeout:?} (timeout)")]
    Timeout { url: String, timeout: Duration },
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

    /// True when the target could not be reached or did not answer in time.
    pub fn is_transport(&self) -> bool {
        matches!(self, Self::Unreachable { .. } | Self::Timeout { .. })
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
    pub connect: Duration,
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
}

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
        })
    }

    /// The same client with other credentials (and its own log).
    pub fn with_credentials(&self, credentials: Option<Credentials>) -> Self {
        Self {
            credentials,
            log: RequestLog::default(),
            ..self.clone()
        }
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
        self.credentials.as_ref().map(|c| c.secret_key.expose())
    }

    /// Sends a request and returns status, headers and body; only transport failures are
    /// errors. `body` is sent as is (it may be malformed on purpose).
    pub async fn raw(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, String)],
        body: Option<Vec<u8>>,
        headers: &[(&str, &str)],
    ) -> Result<RawResponse, ClientError> {
        let url = self.url(segments, query);
        let mut request = self.http.request(method.clone(), url.clone());
        if let Some(c) = &self.credentials {
            request = request
                .header("X-App-Id", &c.app_id)
                .header("X-App-Token", c.secret_key.expose());
        }
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        if let Some(bytes) = &body {
            request = request
                .header("Content-Type", "application/json")
                .body(bytes.clone());
        }
        let started = Instant::now();
        let path = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        let mut exchange = Exchange {
            method: method.to_string(),
            path,
            request_body: body
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).into_owned()),
            ..Exchange::default()
        };
        let outcome = request.send().await;
        let result = match outcome {
            Err(e) => Err(self.transport_error(&url, &e)),
            Ok(response) => {
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
                match response.text().await {
                    Ok(body) => Ok(RawResponse {
                        status,
                        headers,
                        body,
                    }),
                    Err(e) => Err(self.transport_error(&url, &e)),
                }
            }
        };
        exchange.duration_ms = started.elapsed().as_millis() as u64;
        match &result {
            Ok(r) => {
                exchange.status = Some(r.status);
                exchange.response_body = Some(r.body.clone());
                exchange.request_id = r.json().and_then(|v| {
                    v.get("request_id")
                        .and_then(|id| id.as_str())
                        .map(str::to_string)
                });
            }
            Err(e) => exchange.error = Some(e.to_string()),
        }
        self.log.push(exchange, self.secret());
        result
    }

    fn transport_error(&self, url: &Url, e: &reqwest::Error) -> ClientError {
        let shown = redacted_url(url);
        if e.is_timeout() {
            ClientError::Timeout {
                url: shown,
                timeout: self.timeouts.request,
            }
        } else {
            let mut detail = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                detail.push_str(": ");
                detail.push_str(&s.to_string());
                source = s.source();
            }
            ClientError::Unreachable {
                url: shown,
                detail: log::redact(&detail, self.secret()),
            }
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
        let bytes = body.map(|b| serde_json::to_vec(b).unwrap_or_default());
        let response = self.raw(method, segments, query, bytes, &[]).await?;
        let url = redacted_url(&self.url(segments, &[]));
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

/// A URL without credentials or query, for messages.
fn redacted_url(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_password(None);
    let _ = shown.set_username("");
    shown.set_query(None);
    shown.to_string()
}
