//! The harness's own webhook endpoint: an axum server on `127.0.0.1:0` that plays the shop's
//! backend. It records every call, checks the `x-voucherify-signature` header against the
//! project's webhook secret (answering 401 to a signature that does not match, as a careful
//! shop would), and can be told to fail or to answer slowly.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use tokio::net::TcpListener;

use crate::client::Secret;
use crate::emulator::hooks::signature::{SIGNATURE_HEADER, verify};
use crate::model::webhook::WebhookPayload;

/// How the endpoint answers a call whose signature checks out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Behaviour {
    /// 200 at once.
    #[default]
    Accept,
    /// This status at once (e.g. 500).
    Fail(u16),
    /// 200 after this long.
    Slow(Duration),
}

/// One call the endpoint received.
#[derive(Debug, Clone)]
pub struct Received {
    /// The exact body.
    pub body: String,
    pub signature: Option<String>,
    /// The signature matched the body under the secret the endpoint was given.
    pub verified: bool,
    /// The status the endpoint answered.
    pub answered: u16,
    /// The body read as a sendout, if it is one.
    pub payload: Option<WebhookPayload>,
    pub at: Instant,
}

#[derive(Debug, Default)]
struct SinkState {
    received: Mutex<Vec<Received>>,
    behaviour: Mutex<Behaviour>,
    secret: Mutex<Option<Secret>>,
}

fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A running endpoint; it stops when dropped.
#[derive(Debug)]
pub struct Sink {
    addr: SocketAddr,
    state: Arc<SinkState>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

/// The path the endpoint is registered under.
pub const PATH: &str = "/webhooks/voucherify";

impl Sink {
    /// Starts an endpoint on a free local port.
    pub async fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(SinkState::default());
        let app = Router::new()
            .route(PATH, post(receive))
            .with_state(state.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Self {
            addr,
            state,
            stop: Some(stop),
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}{PATH}", self.addr)
    }

    /// The secret signatures are checked with (`None`: every call is refused).
    pub fn expect_secret(&self, secret: Option<Secret>) {
        *locked(&self.state.secret) = secret;
    }

    pub fn behave(&self, behaviour: Behaviour) {
        *locked(&self.state.behaviour) = behaviour;
    }

    /// Every call so far, oldest first.
    pub fn received(&self) -> Vec<Received> {
        locked(&self.state.received).clone()
    }

    /// Waits until a call matches `wanted`, polling every 25 ms, for at most `timeout`.
    pub async fn wait_for(
        &self,
        timeout: Duration,
        wanted: impl Fn(&Received) -> bool,
    ) -> Option<Received> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(found) = locked(&self.state.received).iter().find(|r| wanted(r)) {
                return Some(found.clone());
            }
            if tokio::time::Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A local URL where nothing listens (an endpoint that is down).
pub async fn closed_url() -> std::io::Result<String> {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let addr = listener.local_addr()?;
    drop(listener);
    Ok(format!("http://{addr}{PATH}"))
}

async fn receive(
    State(state): State<Arc<SinkState>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let signature = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let verified = match (&*locked(&state.secret), &signature) {
        (Some(secret), Some(sig)) => verify(secret.expose(), &body, sig),
        _ => false,
    };
    let behaviour = *locked(&state.behaviour);
    let answered = match (verified, behaviour) {
        (false, _) => StatusCode::UNAUTHORIZED,
        (true, Behaviour::Fail(code)) => {
            StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        }
        (true, _) => StatusCode::OK,
    };
    locked(&state.received).push(Received {
        body: String::from_utf8_lossy(&body).into_owned(),
        signature,
        verified,
        answered: answered.as_u16(),
        payload: serde_json::from_slice(&body).ok(),
        at: Instant::now(),
    });
    if let (true, Behaviour::Slow(pause)) = (verified, behaviour) {
        tokio::time::sleep(pause).await;
    }
    answered
}
