//! The HTTP face of the emulator: routes, request ids, authentication, path normalisation,
//! and a server that runs embedded (port 0) or standalone (connections: [`super::listen`]).

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, Method, Uri};
use axum::middleware::{self, Next};
use axum::response::Response;
use tokio::net::TcpListener;
use tower::ServiceExt as _;

use super::edge;
use super::error::{ApiError, REQUEST_ID};
use super::routes::{
    MAX_BODY_BYTES, campaigns, categories, control, customers, loyalties, orders, products,
    promotions, qualifications, redemptions, rewards, validation_rules, validations, vouchers,
};
use super::routes::{activity, async_actions, hooks, imports, referrals};
use super::routes::{client, conditions};
use super::store::Emulator;

/// The header every response carries, naming the emulator and its version.
pub const VERSION_HEADER: &str = "x-voucherify-emulator";

/// The whole API: `/v1` (authenticated by `X-App-Id` + `X-App-Token`) and `/_emulator`.
pub fn app(emulator: Emulator) -> Router {
    let v1 = Router::new()
        .merge(vouchers::router())
        .merge(customers::router())
        .merge(products::router())
        .merge(orders::router())
        .merge(validations::router())
        .merge(redemptions::router())
        .merge(validation_rules::router())
        .merge(campaigns::router())
        .merge(promotions::router())
        .merge(categories::router())
        .merge(qualifications::router())
        .merge(loyalties::router())
        .merge(rewards::router())
        .merge(referrals::router())
        .merge(activity::router())
        .merge(imports::router())
        .merge(async_actions::router())
        .route_layer(middleware::from_fn_with_state(
            emulator.clone(),
            authenticate,
        ));

    v1.merge(client::router(emulator.clone()))
        .merge(conditions::router())
        .merge(control::router())
        .merge(hooks::router(emulator.clone()))
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(
            emulator.clone(),
            request_context,
        ))
        .with_state(emulator)
}

/// Gives each request its id (for error bodies) and stamps the version header.
async fn request_context(State(emulator): State<Emulator>, req: Request, next: Next) -> Response {
    let id = emulator.next_request_id();
    let mut response = REQUEST_ID.scope(id, next.run(req)).await;
    response.headers_mut().insert(
        VERSION_HEADER,
        HeaderValue::from_static(concat!("voucherify-harness/", env!("CARGO_PKG_VERSION"))),
    );
    response
}

/// `X-App-Id` + `X-App-Token` must name one project; it travels on as an extension, and the
/// call meets the project's faults and rate limits.
async fn authenticate(State(emulator): State<Emulator>, mut req: Request, next: Next) -> Response {
    let slot = {
        let headers = req.headers();
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        match (header("x-app-id"), header("x-app-token")) {
            (Some(app_id), Some(token)) => emulator.authenticate(app_id, token),
            _ => None,
        }
    };
    match slot {
        Some(slot) => {
            req.extensions_mut().insert(slot);
            edge::conditions(req, next).await
        }
        None => edge::server_unauthorized(req.headers()),
    }
}

async fn unknown_route(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "not_found",
        "Resource not found",
        format!("No API endpoint matches {method} {}", uri.path()),
    )
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "Method not allowed",
        format!("{method} is not allowed on {}", uri.path()),
    )
}

/// Collapses repeated slashes and drops a trailing slash, as SDKs configured with a trailing
/// slash send `//v1/...` and some send `/v1/vouchers/`.
fn normalize_path(mut req: Request) -> Request {
    let uri = req.uri();
    let path = uri.path();
    if !path.contains("//") && (path.len() <= 1 || !path.ends_with('/')) {
        return req;
    }
    let mut clean = String::with_capacity(path.len());
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        clean.push('/');
        clean.push_str(segment);
    }
    if clean.is_empty() {
        clean.push('/');
    }
    if let Some(query) = uri.query() {
        clean.push('?');
        clean.push_str(query);
    }
    if let Ok(new_uri) = clean.parse::<Uri>() {
        *req.uri_mut() = new_uri;
    }
    req
}

/// Serves the emulator on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    emulator: Emulator,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_router(listener, app(emulator), shutdown).await
}

/// Serves `router` (the emulator's [`app`], or a variant of it such as the live-like one) on
/// `listener` until `shutdown` completes.
pub async fn serve_router(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    super::listen::serve(listener, router.map_request(normalize_path), shutdown).await
}

/// An emulator running in the background of this process.
#[derive(Debug)]
pub struct Running {
    pub addr: SocketAddr,
    pub emulator: Emulator,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Binds `addr` (port 0 picks a free port) and serves in a background task.
    pub async fn start(emulator: Emulator, addr: SocketAddr) -> std::io::Result<Self> {
        let router = app(emulator.clone());
        Self::start_router(emulator, router, addr).await
    }

    /// The same with `router` built over `emulator` (e.g. the live-like API).
    pub async fn start_router(
        emulator: Emulator,
        router: Router,
        addr: SocketAddr,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(serve_router(listener, router, async move {
            let _ = stopped.await;
        }));
        Ok(Self {
            addr,
            emulator,
            stop: Some(stop),
            task,
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops serving and waits for open connections to finish.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
