//! The command line: `run` scenarios, `emulate` the API standalone, `seed` fixtures into a
//! target, `bench` the emulator, list the `steps`, `cleanup` what live runs created.

use std::net::SocketAddr;
use std::process::ExitCode;

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};
use voucherify_harness::client::{Credentials, Pace, Secret, Timeouts};
use voucherify_harness::emulator::{self, Emulator, ProjectSpec};
use voucherify_harness::live::Environment;
use voucherify_harness::report::catalogue;
use voucherify_harness::report::shard::Shard;
use voucherify_harness::steps::{self, RunConfig, runner, vocabulary};
use voucherify_harness::target::{DEFAULT_CALL_BUDGET, LiveOptions, TargetConfig, TargetKind};
use voucherify_harness::{bench, fixtures};

/// The emulator makes and frees many small objects per request from several threads; this
/// allocator does that with less contention and less memory per object than the system's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser, Debug)]
#[command(
    name = "voucherify-harness",
    version,
    about = "Prove a Voucherify integration works: scenarios, an emulator, reports"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run feature files against the emulator (default) or a live project; exit 0 when every
    /// scenario passed, 1 when one failed, 2 on a usage or configuration error.
    Run(Box<RunArgs>),
    /// Serve the emulated Voucherify API until Ctrl-C.
    Emulate {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// Port to listen on (0 picks a free one).
        #[arg(long, default_value_t = 7700)]
        port: u16,
        /// Application id of the default project.
        #[arg(long, env = "VOUCHERIFY_APP_ID")]
        app_id: Option<String>,
        /// Secret key of the default project.
        #[arg(long, env = "VOUCHERIFY_SECRET_KEY", hide_env_values = true)]
        secret_key: Option<String>,
        /// Serve the API as a live Sandbox project looks: no control plane (/_emulator/ answers
        /// 404) and a rate limit with the real headers and 429s.
        #[arg(long)]
        live_like: bool,
        /// The live-like rate limit, e.g. 100/h (the default, a Sandbox's) or 1000/min.
        #[arg(long, value_parser = parse_pace, requires = "live_like")]
        rate_limit: Option<Pace>,
    },
    /// Load fixture customers, products, campaigns and legacy-code CSVs into a target; exit 0
    /// when everything loaded, 1 when rows were refused, 2 on bad fixtures or no target.
    Seed(SeedArgs),
    /// Measure throughput, scale and suite time (figures printed, not asserted).
    Bench {
        /// Shorter runs and 100,000 codes instead of 1,000,000; the suite once.
        #[arg(long)]
        quick: bool,
        /// Features whose wall time is measured (default: features/ when present).
        #[arg(long)]
        features: Option<PathBuf>,
    },
    /// Delete what live runs created, as their ledgers record it (orders and redemptions stay:
    /// the API cannot delete them). Exit 0 when everything deletable is gone, 1 when something
    /// is left, 2 on bad input.
    Cleanup(CleanupArgs),
    /// Print every step pattern with an example and its parameter types, grouped by area.
    Steps {
        /// Feature files or folders to take examples from (default: features/ when present).
        paths: Vec<PathBuf>,
    },
}

#[derive(clap::Args, Debug)]
struct CleanupArgs {
    /// The run whose objects to delete (its id is in the run's banner and reports).
    #[arg(
        long,
        required_unless_present = "all_runs",
        conflicts_with = "all_runs"
    )]
    run_id: Option<String>,
    /// Every run with a ledger in --ledger-dir made on this project.
    #[arg(long)]
    all_runs: bool,
    /// Where the runs' ledgers are.
    #[arg(long, default_value = "reports/runs")]
    ledger_dir: PathBuf,
    /// API base URL without /v1 (default: VOUCHERIFY_API_URL, else https://api.voucherify.io).
    #[arg(long, env = "VOUCHERIFY_API_URL")]
    base_url: Option<String>,
    /// Allow a host that is neither a Voucherify API host nor this machine.
    #[arg(long)]
    allow_host: bool,
    /// The most API calls the cleanup may make.
    #[arg(long, default_value_t = DEFAULT_CALL_BUDGET)]
    call_budget: u64,
    /// Seconds a call may take.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    timeout: u64,
}

#[derive(clap::Args, Debug)]
struct RunArgs {
    /// Feature files or folders (default: features/); FILE:LINE picks one scenario.
    paths: Vec<PathBuf>,
    /// Where scenarios run.
    #[arg(long, value_enum, default_value = "emulator")]
    target: TargetArg,
    /// API base URL without /v1 (an emulator started elsewhere, or a live host).
    #[arg(long, env = "VOUCHERIFY_API_URL")]
    base_url: Option<String>,
    /// Tag expression, e.g. "@coupons and not @slow".
    #[arg(long)]
    tags: Option<String>,
    /// Only scenarios whose name matches this regular expression.
    #[arg(long)]
    name: Option<String>,
    /// Scenarios run at the same time.
    #[arg(long, default_value_t = runner::DEFAULT_CONCURRENCY)]
    concurrency: usize,
    /// JUnit XML report.
    #[arg(long, default_value = "reports/junit.xml")]
    junit: PathBuf,
    /// Cucumber JSON report.
    #[arg(long, default_value = "reports/cucumber.json")]
    cucumber_json: PathBuf,
    /// HTML report.
    #[arg(long, default_value = "reports/index.html")]
    html: PathBuf,
    /// Cucumber Messages (NDJSON) report.
    #[arg(long, default_value = "reports/cucumber.ndjson")]
    messages: PathBuf,
    /// Every HTTP exchange of the run, secrets redacted.
    #[arg(long, default_value = "reports/requests.log")]
    request_log: PathBuf,
    /// Run a failed scenario again up to N times; one that then passes is reported flaky.
    #[arg(long, default_value_t = 0, value_name = "N")]
    retries: usize,
    /// Wait this many milliseconds before a retry (other scenarios run meanwhile).
    #[arg(long, value_name = "MS")]
    retry_after: Option<u64>,
    /// Run only share I of N (e.g. 2/4) of the scenarios, for a CI matrix.
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    shard: Option<Shard>,
    /// Seed of the run's generated ids and codes (default: PROPTEST_RNG_SEED, else random).
    #[arg(long)]
    seed: Option<u64>,
    /// List undefined or ambiguous steps with a suggested pattern; calls no API.
    #[arg(long)]
    dry_run: bool,
    /// Stop at the first failed scenario.
    #[arg(long)]
    fail_fast: bool,
    /// Print only the summary.
    #[arg(long, short)]
    quiet: bool,
    /// Seconds a call may take, retries included; an unreachable target fails within it.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    timeout: u64,
    /// The run's own pace, shared by all scenarios, e.g. 100/min, 5/s, 100/h.
    #[arg(long, value_parser = parse_pace)]
    rate_limit: Option<Pace>,
    /// Print the API calls each scenario makes (measured on an embedded emulator; with
    /// --target live, what a live run of the selection needs); runs nothing elsewhere.
    #[arg(long)]
    plan: bool,
    /// The live project is a Sandbox (also VOUCHERIFY_SANDBOX=1): a live run needs it.
    #[arg(long)]
    sandbox: bool,
    /// Allow a live host that is neither a Voucherify API host nor this machine.
    #[arg(long)]
    allow_host: bool,
    /// The most API calls a live run may make, cleanup included (a Sandbox allows 100 an hour).
    #[arg(long, default_value_t = DEFAULT_CALL_BUDGET, value_name = "N")]
    call_budget: u64,
    /// Keep what a live run created (delete it later with `cleanup --run-id`).
    #[arg(long)]
    keep_data: bool,
    /// Where live runs keep the ledger of what they created.
    #[arg(long, default_value = "reports/runs")]
    ledger_dir: PathBuf,
}

#[derive(clap::Args, Debug)]
struct SeedArgs {
    /// Folder with customers.json, products.json, campaigns.json and *.csv legacy codes.
    #[arg(long)]
    fixtures: PathBuf,
    /// Where to load them.
    #[arg(long, value_enum, default_value = "emulator")]
    target: TargetArg,
    /// API base URL without /v1 (default: an emulator at http://127.0.0.1:7700, or the live API).
    #[arg(long, env = "VOUCHERIFY_API_URL")]
    base_url: Option<String>,
    /// Application id of the project.
    #[arg(long, env = "VOUCHERIFY_APP_ID")]
    app_id: Option<String>,
    /// Secret key of the project.
    #[arg(long, env = "VOUCHERIFY_SECRET_KEY", hide_env_values = true)]
    secret_key: Option<String>,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
}

fn parse_pace(text: &str) -> Result<Pace, String> {
    text.parse()
}

fn parse_shard(s: &str) -> Result<Shard, String> {
    s.parse()
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum TargetArg {
    Emulator,
    Live,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match cli.command {
        Command::Run(args) => runtime.block_on(run(*args)),
        Command::Emulate {
            host,
            port,
            app_id,
            secret_key,
            live_like,
            rate_limit,
        } => {
            let live_like = live_like.then(|| {
                rate_limit
                    .map(|p| (u64::from(p.calls), p.period.as_millis() as i64))
                    .unwrap_or(emulator::live_like::DEFAULT_WINDOW)
            });
            runtime.block_on(emulate(host, port, app_id, secret_key, live_like))
        }
        Command::Seed(args) => runtime.block_on(seed(args)),
        Command::Bench { quick, features } => runtime.block_on(bench(quick, features)),
        Command::Steps { paths } => steps_catalogue(paths),
        Command::Cleanup(args) => runtime.block_on(cleanup(args)),
    }
}

async fn seed(args: SeedArgs) -> ExitCode {
    let fixtures = match fixtures::Fixtures::read(&args.fixtures) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let (Some(app_id), Some(secret)) = (args.app_id, args.secret_key) else {
        eprintln!(
            "error: seed needs the project's keys: --app-id and --secret-key (or VOUCHERIFY_APP_ID and VOUCHERIFY_SECRET_KEY); `voucherify-harness emulate` prints its own"
        );
        return ExitCode::from(2);
    };
    let base_url = args.base_url.unwrap_or_else(|| match args.target {
        TargetArg::Emulator => "http://127.0.0.1:7700".into(),
        TargetArg::Live => "https://api.voucherify.io".into(),
    });
    let timeouts = Timeouts::default();
    let credentials = Credentials {
        app_id,
        secret_key: Secret::new(secret),
    };
    let client = match voucherify_harness::client::Client::new(
        voucherify_harness::client::http_client(timeouts),
        &base_url,
        Some(credentials),
        timeouts,
    ) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let progress = !args.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr());
    match fixtures::seed(&client, &fixtures, progress).await {
        Ok(report) => {
            for note in &report.notes {
                println!("note: {note}");
            }
            println!(
                "Seeded {}: {} customers, {} products, {} campaigns created ({} already there), {} codes imported, {} refused",
                args.fixtures.display(),
                report.customers,
                report.products,
                report.campaigns_created,
                report.campaigns_kept,
                report.codes_imported,
                report.refused.len()
            );
            for (path, failure) in &report.refused {
                println!(
                    "refused: {} row {} ({}): {}",
                    path.display(),
                    failure.row.map_or_else(|| "?".into(), |r| r.to_string()),
                    failure.code,
                    failure.reason
                );
            }
            if report.refused.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

async fn bench(quick: bool, features: Option<PathBuf>) -> ExitCode {
    let features = features.or_else(|| Some(PathBuf::from("features")).filter(|p| p.is_dir()));
    let config = if quick {
        bench::BenchConfig::quick(features)
    } else {
        bench::BenchConfig::full(features)
    };
    match bench::run(&config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn steps_catalogue(paths: Vec<PathBuf>) -> ExitCode {
    let paths = if paths.is_empty() {
        vec![PathBuf::from("features")]
            .into_iter()
            .filter(|p| p.exists())
            .collect()
    } else {
        paths
    };
    let features = if paths.is_empty() {
        Vec::new()
    } else {
        let config = RunConfig {
            paths,
            ..RunConfig::default()
        };
        match runner::dry_run_features(&config) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    };
    let entries = vocabulary::catalogue(&features);
    print!("{}", catalogue::render(&entries, &vocabulary::param_docs()));
    ExitCode::SUCCESS
}

async fn emulate(
    host: String,
    port: u16,
    app_id: Option<String>,
    secret_key: Option<String>,
    live_like: Option<(u64, i64)>,
) -> ExitCode {
    let addr: SocketAddr = match format!("{host}:{port}").parse() {
        Ok(a) => a,
        Err(_) => match tokio::net::lookup_host((host.as_str(), port))
            .await
            .ok()
            .and_then(|mut a| a.next())
        {
            Some(a) => a,
            None => {
                eprintln!("error: cannot resolve host '{host}'");
                return ExitCode::from(2);
            }
        },
    };
    // A key given here may be a real project's (from the environment): it is never shown.
    let key_given = secret_key.is_some();
    let emu = Emulator::new(
        ProjectSpec {
            name: Some("Default project".into()),
            app_id,
            secret_key,
        },
        emulator::clock::wall_now(),
    );
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {addr}: {e}");
            return ExitCode::from(2);
        }
    };
    let bound = listener.local_addr().unwrap_or(addr);
    let project = emu.default_project();
    match live_like {
        Some((limit, period_ms)) => {
            let pace = Pace {
                calls: u32::try_from(limit).unwrap_or(u32::MAX),
                period: std::time::Duration::from_millis(period_ms as u64),
            };
            println!("Voucherify emulator, live-like, listening on http://{bound}");
            println!("  API base URL     http://{bound}  (SDKs add /v1)");
            println!("  control plane    none (as on a live project)");
            println!("  rate limit       {pace}, with X-Rate-Limit-* headers and 429s");
        }
        None => {
            println!("Voucherify emulator listening on http://{bound}");
            println!("  API base URL     http://{bound}  (SDKs add /v1)");
            println!("  control plane    http://{bound}/_emulator/");
        }
    }
    println!("  default project  {}", project.id);
    println!("  X-App-Id         {}", project.app_id);
    if key_given {
        println!("  X-App-Token      the secret key given (--secret-key or VOUCHERIFY_SECRET_KEY)");
    } else {
        println!("  X-App-Token      {}", project.secret_key);
    }
    println!("Press Ctrl-C to stop.");
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let router = match live_like {
        Some(window) => emulator::live_like::live_like_app(emu, window),
        None => emulator::app(emu),
    };
    match emulator::serve_router(listener, router, shutdown).await {
        Ok(()) => {
            println!("Emulator stopped.");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: the emulator stopped: {e}");
            ExitCode::from(1)
        }
    }
}

/// The environment with the `.env` file of this folder under it.
fn environment() -> Result<Environment, ExitCode> {
    Environment::load(Path::new(".env")).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })
}

async fn run(args: RunArgs) -> ExitCode {
    let kind = match args.target {
        TargetArg::Emulator => TargetKind::Emulator,
        TargetArg::Live => TargetKind::Live,
    };
    let mut base_url = args.base_url;
    let mut credentials = None;
    let mut sandbox = args.sandbox;
    // A live run's settings: the environment, then a .env file (a plan needs no keys).
    if kind == TargetKind::Live && !args.dry_run {
        let env = match environment() {
            Ok(env) => env,
            Err(code) => return code,
        };
        base_url = base_url.or_else(|| env.from_file("VOUCHERIFY_API_URL"));
        if !args.plan {
            match env.credentials().and_then(|c| Ok((c, env.sandbox()?))) {
                Ok((c, from_env)) => {
                    credentials = Some(c);
                    sandbox |= from_env;
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            }
        }
    }
    let config = RunConfig {
        paths: if args.paths.is_empty() {
            vec![PathBuf::from("features")]
        } else {
            args.paths
        },
        target: TargetConfig {
            kind,
            base_url,
            credentials,
            timeouts: Timeouts {
                request: std::time::Duration::from_secs(args.timeout),
                ..Timeouts::default()
            },
            pace: args.rate_limit,
            seed: None,
            live: LiveOptions {
                sandbox,
                allow_host: args.allow_host,
                call_budget: args.call_budget,
                keep_data: args.keep_data,
                ledger_dir: Some(args.ledger_dir),
                ..LiveOptions::default()
            },
        },
        tags: args.tags,
        name: args.name,
        concurrency: Some(args.concurrency),
        junit: Some(args.junit),
        cucumber_json: Some(args.cucumber_json),
        html: Some(args.html),
        messages: Some(args.messages),
        request_log: Some(args.request_log),
        fail_fast: args.fail_fast,
        quiet: args.quiet,
        retries: args.retries,
        retry_after: args.retry_after.map(std::time::Duration::from_millis),
        shard: args.shard,
        seed: args.seed,
    };
    if args.dry_run {
        return match runner::dry_run(&config) {
            Ok(dry) => {
                for e in &dry.parse_errors {
                    eprintln!("error: {e}");
                }
                print!(
                    "{}",
                    catalogue::render_findings(&dry.findings, dry.steps_checked, dry.scenarios)
                );
                ExitCode::from(dry.exit_code())
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        };
    }
    if args.plan {
        let budget = (kind == TargetKind::Live).then_some(args.call_budget);
        return match steps::plan::plan(&config).await {
            Ok(plan) => {
                print!("{}", plan.render(budget));
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        };
    }
    match steps::run(config).await {
        Ok(report) => ExitCode::from(report.exit_code()),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

async fn cleanup(args: CleanupArgs) -> ExitCode {
    let env = match environment() {
        Ok(env) => env,
        Err(code) => return code,
    };
    let base_url = args
        .base_url
        .or_else(|| env.from_file("VOUCHERIFY_API_URL"))
        .unwrap_or_else(|| voucherify_harness::live::DEFAULT_API_URL.to_string());
    let checked = voucherify_harness::live::check_host(&base_url, args.allow_host)
        .and_then(|()| env.credentials());
    let credentials = match checked {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let options = voucherify_harness::cleanup::CleanupOptions {
        base_url,
        credentials,
        ledger_dir: args.ledger_dir,
        run_id: args.run_id,
        call_budget: args.call_budget,
        timeouts: Timeouts {
            request: std::time::Duration::from_secs(args.timeout),
            ..Timeouts::default()
        },
        waiting: voucherify_harness::cleanup::Waiting {
            max_wait: voucherify_harness::cleanup::LONGEST_WAIT,
            announce: |text| println!("{text}"),
        },
    };
    match voucherify_harness::cleanup::clean_runs(&options).await {
        Ok(outcome) => {
            for line in &outcome.notes {
                println!("{line}");
            }
            for report in &outcome.reports {
                println!("Cleanup: {}", report.summary());
            }
            if outcome.reports.iter().all(|r| r.complete()) {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
