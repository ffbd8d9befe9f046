//! Where scenarios run: the emulator embedded in this process, an emulator at a URL, or the live
//! API. The target hands each scenario a client of its own project.
//!
//! On the live target scenarios share the project: each scenario's client marks what it
//! creates with the run (prefixes, `metadata.harness_run_id`) and records it in the run's
//! ledger; the limiter holds the run to its call budget; the pacer starts a scenario only when
//! its planned calls fit; and the run ends by deleting what it created.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::cleanup::CleanupReport;
use crate::client::ledger::{LedgerFile, ledger_path};
use crate::client::pacer::{Pacer, Ticket};
use crate::client::{
    Client, ClientError, Credentials, Ledger, Limiter, Pace, RunMark, Timeouts, http_client,
};
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
    /// What a live run is allowed and how it keeps within its budget.
    pub live: LiveOptions,
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
            live: LiveOptions::default(),
        }
    }
}

/// The Sandbox's calls per hour, the default call budget of a live run.
pub const DEFAULT_CALL_BUDGET: u64 = 100;

/// What a live run is allowed to do, and how it keeps within its budget.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// The project is a Sandbox (`--sandbox`, `VOUCHERIFY_SANDBOX=1`): without it nothing runs.
    pub sandbox: bool,
    /// Send the keys to a host that is neither a Voucherify API host nor this machine.
    pub allow_host: bool,
    /// The most API calls the run may make, cleanup included.
    pub call_budget: u64,
    /// Keep what the run created instead of deleting it at the end.
    pub keep_data: bool,
    /// Where the run's ledger is kept (`None`: in memory only).
    pub ledger_dir: Option<PathBuf>,
    /// The run's id (random when `None`).
    pub run_id: Option<String>,
    /// The calls each scenario is expected to make (by `file:line`) and the calls kept for the
    /// cleanup, from the plan; with them, scenarios are paced.
    pub plan: Option<PlannedCalls>,
    /// A rehearsal (the plan itself, on an embedded emulator): no checks, no ledger file.
    pub rehearsal: bool,
}

impl Default for LiveOptions {
    fn default() -> Self {
        Self {
            sandbox: false,
            allow_host: false,
            call_budget: DEFAULT_CALL_BUDGET,
            keep_data: false,
            ledger_dir: None,
            run_id: None,
            plan: None,
            rehearsal: false,
        }
    }
}

/// What the plan expects of a live run.
#[derive(Debug, Clone, Default)]
pub struct PlannedCalls {
    /// Calls per scenario, by `file:line`.
    pub scenarios: HashMap<String, u64>,
    /// Calls the cleanup at the end needs.
    pub cleanup: u64,
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
    /// The first call to the live target found no API, or one that refused the keys.
    #[error("{0}")]
    Probe(String),
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
    /// What the run created (live target).
    ledger: Option<Ledger>,
    /// Starts scenarios when their calls fit (live target, with a plan).
    pacer: Option<Pacer>,
    live: LiveOptions,
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
        let run_id = config.live.run_id.clone().unwrap_or_else(run_id);
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
        let live = config.kind == TargetKind::Live;
        let cap = (live && !config.live.rehearsal).then_some(config.live.call_budget);
        let limiter = Limiter::with_cap(config.pace, cap);
        let app_id = config
            .credentials
            .as_ref()
            .map(|c| c.app_id.clone())
            .unwrap_or_default();
        let ledger = live.then(|| {
            let path = (!config.live.rehearsal)
                .then_some(config.live.ledger_dir.as_ref())
                .flatten()
                .map(|dir| ledger_path(dir, &run_id));
            Ledger::new(
                LedgerFile {
                    run_id: run_id.clone(),
                    base_url: redacted_base(&base_url),
                    app_id: app_id.clone(),
                    started_at: crate::emulator::clock::wall_now().to_string(),
                    objects: Vec::new(),
                },
                path,
            )
        });
        let pacer = match (&config.live.plan, live && !config.live.rehearsal) {
            (Some(plan), true) => Some(Pacer::new(
                limiter.clone(),
                &app_id,
                config.live.call_budget,
                plan.cleanup,
                announce,
            )),
            _ => None,
        };
        Ok(Arc::new(Self {
            kind: config.kind,
            base_url,
            timeouts: config.timeouts,
            run_id,
            http,
            credentials: config.credentials,
            embedded,
            limiter,
            scenarios: AtomicU64::new(0),
            ledger,
            pacer,
            live: config.live,
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
        self.scenario_project_at(scenario, "").await
    }

    /// The same for the scenario at `location` (`features/x.feature:7`), which the ledger names
    /// as the creator of what the scenario creates on a shared project.
    pub async fn scenario_project_at(
        &self,
        scenario: &str,
        location: &str,
    ) -> Result<ScenarioProject, ClientError> {
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
                let mut client = self.client(self.credentials.clone())?;
                if let Some(ledger) = &self.ledger {
                    client = client.with_mark(RunMark {
                        run_id: self.run_id.clone(),
                        prefix: self.name_prefix(),
                        scenario: location.to_string(),
                        ledger: ledger.clone(),
                    });
                }
                Ok(ScenarioProject {
                    client,
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

    /// Lets the scenario at `location` start when its planned calls fit the budget and the
    /// API's window (it may wait for the next window); `Err` says why it must not run.
    pub async fn begin_scenario(
        &self,
        location: &str,
        client: &Client,
    ) -> Result<Option<Ticket>, String> {
        let Some(pacer) = &self.pacer else {
            return Ok(None);
        };
        let planned = self
            .live
            .plan
            .as_ref()
            .and_then(|p| p.scenarios.get(location).copied())
            .unwrap_or(0);
        pacer.begin(planned, client).await.map(Some)
    }

    /// The scenario is over: what it did not use of its planned calls is free again.
    pub fn end_scenario(&self, ticket: Option<Ticket>) {
        if let (Some(pacer), Some(ticket)) = (&self.pacer, ticket) {
            pacer.finish(ticket);
        }
    }

    /// How often and how long scenarios waited for the API's next window.
    pub fn waited(&self) -> Option<(u32, std::time::Duration)> {
        self.pacer.as_ref().map(Pacer::waited)
    }

    /// API calls the run has made (live target: all of them count against the budget).
    pub fn calls_made(&self) -> u64 {
        self.limiter.admitted()
    }

    pub fn live_options(&self) -> &LiveOptions {
        &self.live
    }

    /// The run's ledger (live target).
    pub fn ledger(&self) -> Option<&Ledger> {
        self.ledger.as_ref()
    }

    pub fn app_id(&self) -> Option<&str> {
        self.credentials.as_ref().map(|c| c.app_id.as_str())
    }

    /// One call to the live target before any scenario: it must answer, and accept the keys.
    /// A used-up rate limit is no reason to stop (the pacer waits for the next window).
    pub async fn probe(&self) -> Result<(), TargetError> {
        let client = self.client(self.credentials.clone())?;
        let shown = redacted_base(&self.base_url);
        match client.list_vouchers(&[("limit", "1".to_string())]).await {
            Ok(_) => Ok(()),
            Err(ClientError::RateLimited { .. }) => Ok(()),
            Err(e) if e.is_transport() => Err(TargetError::Probe(format!(
                "cannot reach the live target at {shown}: {e}; check VOUCHERIFY_API_URL (or \
                 --base-url) and the network"
            ))),
            Err(e) if matches!(e.status(), Some(401 | 403)) => Err(TargetError::Probe(format!(
                "the live target at {shown} refused the keys of app id {} ({}): check \
                 VOUCHERIFY_APP_ID and VOUCHERIFY_SECRET_KEY",
                self.app_id().unwrap_or_default(),
                e.status().map(|s| s.to_string()).unwrap_or_default()
            ))),
            Err(e) => Err(TargetError::Probe(format!(
                "the live target at {shown} did not answer like the Voucherify API to a first \
                 call (GET /v1/vouchers): {e}; check VOUCHERIFY_API_URL (or --base-url)"
            ))),
        }
    }

    /// Deletes what the run created (live target), through the run's limiter; the exchanges
    /// are in the returned client's log.
    pub async fn cleanup(&self) -> Option<(CleanupReport, Client)> {
        let ledger = self.ledger.as_ref()?;
        let client = self.client(self.credentials.clone()).ok()?;
        let waiting = crate::cleanup::Waiting {
            max_wait: if self.live.rehearsal {
                std::time::Duration::ZERO
            } else {
                crate::cleanup::LONGEST_WAIT
            },
            announce,
        };
        let report = crate::cleanup::cleanup_waiting(&client, ledger, waiting).await;
        Some((report, client))
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

/// Says on the terminal that the run waits for the API's next window.
fn announce(text: &str) {
    println!("{text}");
}

/// A base URL without user, password or query.
fn redacted_base(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.set_query(None);
            u.to_string().trim_end_matches('/').to_string()
        }
        Err(_) => "(not a URL)".into(),
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
