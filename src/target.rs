//! Where scenarios run: the emulator embedded in this process, an emulator at a URL, or the live
//! API. The target hands each scenario a client of its own project.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::client::{Client, ClientError, Credentials, Limiter, Pace, Timeouts, http_client};
use crate::emulator::{Emulator, ProjectSpec, Running};

/// What the run talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// The emulator (embedded unless a base URL is given); scenarios get fresh projects.
    Emulator,
    /// A real Voucherify project; scenarios share it and isolate by prefixes.
    Live,
}

/// How to reach the target.
#[derive(Debug, Clone)]
pub struct TargetConfig {
    pub kind: TargetKind,
    /// API base URL without `/v1`; `None` on the emulator starts an embedded one.
    pub base_url: Option<String>,
    /// Live project keys.
    pub credentials: Option<Credentials>,
    pub timeouts: Timeouts,
    /// The run's own pace, shared by all scenarios (none: only the API's budget holds calls).
    pub pace: Option<Pace>,
    /// The embedded emulator's seed (random when `None`).
    pub seed: Option<u64>,
}

impl Default for TargetConfig {
    fn default() -> Self {
        Self {
            kind: TargetKind::Emulator,
            base_url: None,
            credentials: None,
            timeouts: Timeouts::default(),
            pace: None,
            seed: None,
        }
    }
}

/// Why a target could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("cannot start the embedded emulator: {0}")]
    Embedded(std::io::Error),
    #[error("the live target needs VOUCHERIFY_APP_ID and VOUCHERIFY_SECRET_KEY")]
    MissingCredentials,
    #[error("{0}")]
    Client(#[from] ClientError),
}

/// A running target, shared by all scenarios of a run.
#[derive(Debug)]
pub struct Target {
    pub kind: TargetKind,
    pub base_url: String,
    pub timeouts: Timeouts,
    /// A short id of this run, used to tell apart what it creates on a shared project.
    pub run_id: String,
    http: reqwest::Client,
    credentials: Option<Credentials>,
    embedded: Option<Running>,
    /// One limiter for every client of the run.
    limiter: Limiter,
    /// Numbers the scenarios of the run (retries included) for their name prefixes.
    scenarios: AtomicU64,
}

/// What one scenario works with.
#[derive(Debug, Clone)]
pub struct ScenarioProject {
    pub client: Client,
    /// The emulator project id (`None` on the live target).
    pub project_id: Option<String>,
    /// What the scenario puts in front of its codes, names and source ids: nothing on the
    /// emulator (the project is its own), `HR<run id>-<scenario number>-` on a shared project.
    pub prefix: String,
}

impl Target {
    pub async fn start(config: TargetConfig) -> Result<Arc<Self>, TargetError> {
        let http = http_client(config.timeouts);
        let run_id = run_id();
        let (base_url, embedded) = match (&config.kind, &config.base_url) {
            (_, Some(url)) => (url.trim_end_matches('/').to_string(), None),
            (TargetKind::Emulator, None) => {
                let now = crate::emulator::clock::wall_now();
                let emulator = match config.seed {
                    Some(seed) => Emulator::with_seed(ProjectSpec::default(), now, seed),
                    None => Emulator::new(ProjectSpec::default(), now),
                };
                let addr = SocketAddr::from(([127, 0, 0, 1], 0));
                let running = Running::start(emulator, addr)
                    .await
                    .map_err(TargetError::Embedded)?;
                (running.url(), Some(running))
            }
            (TargetKind::Live, None) => ("https://api.voucherify.io".to_string(), None),
        };
        if config.kind == TargetKind::Live && config.credentials.is_none() {
            return Err(TargetError::MissingCredentials);
        }
        Ok(Arc::new(Self {
            kind: config.kind,
            base_url,
            timeouts: config.timeouts,
            run_id,
            http,
            credentials: config.credentials,
            embedded,
            limiter: Limiter::new(config.pace),
            scenarios: AtomicU64::new(0),
        }))
    }

    pub fn has_control_plane(&self) -> bool {
        self.kind == TargetKind::Emulator
    }

    /// A client without project keys (control plane, or malformed requests on purpose).
    pub fn anonymous_client(&self) -> Result<Client, ClientError> {
        self.client(None)
    }

    /// A client of the target with `credentials`, sharing the run's limiter.
    pub fn client(&self, credentials: Option<Credentials>) -> Result<Client, ClientError> {
        Client::new(
            self.http.clone(),
            &self.base_url,
            credentials,
            self.timeouts,
        )
        .map(|c| c.with_limiter(self.limiter.clone()))
    }

    /// The limiter shared by every client of the run.
    pub fn limiter(&self) -> &Limiter {
        &self.limiter
    }

    /// A client of a project for one scenario: a fresh emulator project, or the live project.
    pub async fn scenario_project(&self, scenario: &str) -> Result<ScenarioProject, ClientError> {
        match self.kind {
            TargetKind::Emulator => {
                let control = self.anonymous_client()?;
                let name: String = scenario.chars().take(120).collect();
                let project = control.create_project(&name).await?;
                Ok(ScenarioProject {
                    client: self.client(Some(project.credentials()))?,
                    project_id: Some(project.id),
                    prefix: String::new(),
                })
            }
            TargetKind::Live => {
                let number = self.scenarios.fetch_add(1, Ordering::Relaxed) + 1;
                Ok(ScenarioProject {
                    client: self.client(self.credentials.clone())?,
                    project_id: None,
                    prefix: format!("{}{number}-", self.name_prefix()),
                })
            }
        }
    }

    /// The prefix every name this run creates starts with: empty on the emulator, where every
    /// scenario has a project of its own; `HR<run id>-` on a shared project, where each
    /// scenario adds its own number (`HRK3F9QZ-12-SPRING10`), so that two scenarios of one run
    /// that both create "SPRING10" do not collide.
    pub fn name_prefix(&self) -> String {
        match self.kind {
            TargetKind::Emulator => String::new(),
            TargetKind::Live => format!("HR{}-", self.run_id),
        }
    }

    /// Stops the embedded emulator, if any.
    pub async fn shutdown(self: Arc<Self>) {
        if let Ok(mut target) = Arc::try_unwrap(self)
            && let Some(running) = target.embedded.take()
        {
            running.stop().await;
        }
    }
}

/// Six base-36 characters from the clock and the process id.
fn run_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut n = crate::emulator::ids::mix(nanos ^ u64::from(std::process::id()));
    let alphabet = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    (0..6)
        .map(|_| {
            let c = alphabet[(n % 36) as usize] as char;
            n /= 36;
            c
        })
        .collect()
}
