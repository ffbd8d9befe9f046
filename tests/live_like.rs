//! The live path, proven without internet: `voucherify-harness emulate --live-like` (the API
//! without its control plane, under a rate limit with the real headers and 429s) as the target
//! of `voucherify-harness run --target live --sandbox`, both as separate processes.
//!
//! - The whole suite passes on it, except the `@emulator` scenarios, reported skipped with the
//!   reason; the run stays within its call budget (counted by the emulator's own headers); and
//!   afterwards the emulator holds no deletable object carrying the run id.
//! - With a budget below the plan the run refuses to start, says how many calls it needs, and
//!   sends nothing.
//! - The secret key appears in no output, report, ledger or request log.
//! - Bad input stops the run before the first scenario: one message, exit code 2, no file.
//! - The README's "Running against your Sandbox" section, followed word for word (with the
//!   binary for `cargo run --release --` and a free port for 7700), works.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_voucherify-harness");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const APP_ID: &str = "live-like-app";
const SECRET: &str = "live-like-secret-3c9d1e07b5a4";

/// A live-like emulator in its own process, stopped when dropped.
struct LiveLike {
    child: Child,
    url: String,
    banner: String,
}

impl LiveLike {
    /// `emulate --live-like` on a free port with the test's keys and `extra` options.
    fn start(extra: &[&str]) -> Self {
        let mut command = Command::new(BIN);
        command
            .args(["emulate", "--live-like", "--port", "0"])
            .args(["--app-id", APP_ID, "--secret-key", SECRET])
            .args(extra);
        Self::spawn(command)
    }

    /// Starts `command` (an `emulate`) and reads its banner up to "Press Ctrl-C".
    fn spawn(mut command: Command) -> Self {
        let mut child = command
            .env_remove("VOUCHERIFY_APP_ID")
            .env_remove("VOUCHERIFY_SECRET_KEY")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the emulator starts");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout"));
        let mut banner = String::new();
        loop {
            let mut line = String::new();
            let n = lines.read_line(&mut line).expect("the banner");
            assert!(n > 0, "the emulator stopped before it listened:\n{banner}");
            banner.push_str(&line);
            if line.starts_with("Press Ctrl-C") {
                break;
            }
        }
        let url = banner
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .expect("a URL in the banner")
            .to_string();
        // The emulator writes nothing more until it stops; keep its stdout open meanwhile.
        std::mem::forget(lines);
        Self { child, url, banner }
    }
}

impl Drop for LiveLike {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a finished command left.
#[derive(Debug)]
struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `command` to its end, failing the test when it takes longer than `limit` (a live run
/// that waits for an hour's window would otherwise hang the test).
fn run_within(mut command: Command, limit: Duration) -> Ran {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the command starts");
    let read = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_string(&mut text);
            }
            text
        })
    };
    let out = read(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = read(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("the command runs") {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{command:?} took more than {limit:?}\n--- stdout\n{}\n--- stderr\n{}",
                out.join().unwrap_or_default(),
                err.join().unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Ran {
        code: status.code().unwrap_or(-1),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

/// A fresh folder with a copy of features/, where runs write their reports.
fn workdir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("live-like-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&Path::new(ROOT).join("features"), &dir.join("features"));
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The harness in `dir`, with the test's keys and nothing else from the environment.
fn harness(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .current_dir(dir)
        .env_remove("VOUCHERIFY_API_URL")
        .env_remove("VOUCHERIFY_SANDBOX")
        .env("VOUCHERIFY_APP_ID", APP_ID)
        .env("VOUCHERIFY_SECRET_KEY", SECRET);
    command
}

/// The number before `suffix` in `text` (`"989 API calls in all"` → 989).
fn number_before(text: &str, suffix: &str) -> Option<u64> {
    let at = text.find(suffix)?;
    let digits: String = text[..at]
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.chars().rev().collect::<String>().parse().ok()
}

/// `158 scenarios (108 passed, 0 failed, 50 skipped)` → (158, 108, 0, 50).
fn summary(stdout: &str) -> (u64, u64, u64, u64) {
    let line = stdout
        .lines()
        .find(|l| l.contains(" scenarios (") && l.contains(" passed, "))
        .unwrap_or_else(|| panic!("no summary in:\n{stdout}"));
    (
        number_before(line, " scenarios (").unwrap(),
        number_before(line, " passed").unwrap(),
        number_before(line, " failed").unwrap(),
        number_before(line, " skipped").unwrap(),
    )
}

/// The run id of a live run, from its banner (`..., run ABC123, Sandbox; ...`).
fn run_id(stdout: &str) -> String {
    let banner = stdout.lines().next().unwrap_or_default();
    let at = banner
        .find(", run ")
        .unwrap_or_else(|| panic!("no run id in the banner: {banner}"));
    banner[at + 6..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect()
}

/// Where an emulator is and the keys of its project.
#[derive(Debug, Clone, Copy)]
struct Api<'a> {
    url: &'a str,
    app_id: &'a str,
    secret: &'a str,
}

impl<'a> Api<'a> {
    /// The emulator with the test's keys.
    fn of(url: &'a str) -> Self {
        Self {
            url,
            app_id: APP_ID,
            secret: SECRET,
        }
    }
}

/// A GET that must succeed: the JSON answer and its `X-Rate-Limit-Remaining`.
async fn get(api: Api<'_>, path: &str) -> (Value, Option<u64>) {
    let http = voucherify_harness::client::http_client(Default::default());
    let mut tries = 0;
    let resp = loop {
        let resp = http
            .get(format!("{}{path}", api.url))
            .header("X-App-Id", api.app_id)
            .header("X-App-Token", api.secret)
            .send()
            .await
            .expect("the emulator answers");
        tries += 1;
        // A short window of the emulator's limit: wait as told.
        if resp.status().as_u16() == 429 && tries < 10 {
            let wait = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(1);
            tokio::time::sleep(Duration::from_secs(wait.max(1))).await;
            continue;
        }
        break resp;
    };
    assert_eq!(resp.status().as_u16(), 200, "GET {path}");
    let remaining = resp
        .headers()
        .get("x-rate-limit-remaining")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let body = resp.json().await.expect("a JSON answer");
    (body, remaining)
}

/// The lists of every kind of object a run deletes.
const DELETABLE_LISTS: [&str; 9] = [
    "vouchers",
    "campaigns",
    "loyalties",
    "promotions/tiers",
    "validation-rules",
    "customers",
    "products",
    "categories",
    "rewards",
];

/// The objects of these lists that carry run `id` (its prefix, or its metadata mark).
async fn objects_of_run(api: Api<'_>, id: &str) -> Vec<String> {
    let prefix = format!("HR{id}-");
    let mark = format!("\"harness_run_id\":\"{id}\"");
    let mut found = Vec::new();
    for list in DELETABLE_LISTS {
        for page in 1..=100 {
            let (body, _) = get(api, &format!("/v1/{list}?limit=100&page={page}")).await;
            let key = body["data_ref"].as_str().unwrap_or("data").to_string();
            let Some(items) = body[&key].as_array().filter(|a| !a.is_empty()) else {
                break;
            };
            for item in items {
                let text = item.to_string();
                if text.contains(&prefix) || text.contains(&mark) {
                    found.push(format!(
                        "{list}: {}",
                        text.chars().take(160).collect::<String>()
                    ));
                }
            }
        }
    }
    found
}

/// Every file under `dir` that holds `secret`.
fn files_holding(dir: &Path, secret: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_holding(&path, secret));
        } else if std::fs::read(&path)
            .map(|b| String::from_utf8_lossy(&b).contains(secret))
            .unwrap_or(false)
        {
            out.push(path);
        }
    }
    out
}

/// What a folder holds besides the copied features and a `.env`.
fn written(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "features" && n != ".env")
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_suite_runs_on_a_live_like_target_within_its_budget_and_leaves_nothing() {
    let emulator = LiveLike::start(&["--rate-limit", "100000/h"]);
    let url = emulator.url.clone();
    assert!(
        !emulator.banner.contains(SECRET),
        "the emulator printed its key:\n{}",
        emulator.banner
    );
    let dir = workdir("suite");
    let limit = Duration::from_secs(300);

    // The plan: what a live run of the whole suite needs.
    let plan = run_within(harness(&dir, &["run", "--target", "live", "--plan"]), limit);
    assert_eq!(plan.code, 0, "{plan:?}");
    let needed = number_before(&plan.stdout, " API calls in all").expect("the plan's total");
    let planned_scenarios =
        number_before(&plan.stdout, " scenario(s), ").expect("the plan's scenario count");
    assert!(needed > 100, "the whole suite needs {needed} calls");
    assert!(
        written(&dir).is_empty(),
        "the plan wrote {:?}",
        written(&dir)
    );

    // A budget below the plan: refused up front, nothing sent, nothing written.
    let (_, before) = get(Api::of(&url), "/v1/vouchers?limit=1").await;
    let budget = (needed - 1).to_string();
    let refused = run_within(
        harness(
            &dir,
            &[
                "run",
                "--target",
                "live",
                "--sandbox",
                "--base-url",
                &url,
                "--call-budget",
                &budget,
            ],
        ),
        limit,
    );
    let (_, after) = get(Api::of(&url), "/v1/vouchers?limit=1").await;
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(
        refused
            .stderr
            .contains(&format!("this selection needs {needed} API calls")),
        "{}",
        refused.stderr
    );
    assert!(
        refused
            .stderr
            .contains(&format!("more than the call budget of {budget}")),
        "{}",
        refused.stderr
    );
    assert_eq!(
        refused.stderr.trim().lines().count(),
        1,
        "{}",
        refused.stderr
    );
    assert_eq!(
        before.zip(after).map(|(b, a)| b - a),
        Some(1),
        "the refused run sent calls (only the test's own GET may count)"
    );
    assert!(
        written(&dir).is_empty(),
        "the refused run wrote {:?}",
        written(&dir)
    );

    // Within budget: every scenario but the @emulator ones passes.
    let (_, before) = get(Api::of(&url), "/v1/vouchers?limit=1").await;
    let budget = needed.to_string();
    let run = run_within(
        harness(
            &dir,
            &[
                "run",
                "--target",
                "live",
                "--sandbox",
                "--base-url",
                &url,
                "--call-budget",
                &budget,
            ],
        ),
        limit,
    );
    let (_, after) = get(Api::of(&url), "/v1/vouchers?limit=1").await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let (total, passed, failed, skipped) = summary(&run.stdout);
    assert_eq!(failed, 0, "{}", run.stdout);
    assert_eq!(passed, planned_scenarios, "{}", run.stdout);
    assert_eq!(passed + skipped, total);
    assert!(skipped > 0, "the @emulator scenarios are reported skipped");
    let junit = std::fs::read_to_string(dir.join("reports/junit.xml")).unwrap();
    let reasons: Vec<&str> = junit
        .match_indices("<skipped message=\"")
        .map(|(at, m)| junit[at + m.len()..].split('"').next().unwrap_or(""))
        .collect();
    assert_eq!(reasons.len() as u64, skipped, "{junit}");
    assert!(
        reasons.iter().all(|r| r.starts_with("tagged @emulator")),
        "{reasons:?}"
    );

    // The budget held, counted by the emulator itself (less the test's own GET).
    let used = before
        .zip(after)
        .map(|(b, a)| b - a - 1)
        .expect("rate-limit headers");
    assert!(
        used <= needed,
        "the run made {used} calls, its budget was {needed}"
    );
    assert!(
        junit.contains(&format!("made, {needed} planned, budget {needed}")),
        "the report states the calls made against the budget"
    );

    // Nothing deletable is left with the run's id; what the API keeps is reported.
    let id = run_id(&run.stdout);
    let left = objects_of_run(Api::of(&url), &id).await;
    assert!(
        left.is_empty(),
        "run {id} left {} object(s): {left:#?}",
        left.len()
    );
    let cleanup = run
        .stdout
        .lines()
        .find(|l| l.starts_with("Cleanup: "))
        .expect("a cleanup line");
    assert!(cleanup.contains(&format!("of run {id}")), "{cleanup}");
    assert!(
        cleanup.contains("orders") && cleanup.contains("redemptions"),
        "{cleanup}"
    );
    assert!(cleanup.contains("the API cannot delete them"), "{cleanup}");
    assert!(!cleanup.contains("could not delete"), "{cleanup}");

    // The secret is nowhere: stdout, stderr, reports (the request log and the ledger included).
    for out in [&plan, &refused, &run] {
        assert!(!out.stdout.contains(SECRET) && !out.stderr.contains(SECRET));
    }
    assert!(dir.join("reports/requests.log").is_file());
    assert!(dir.join(format!("reports/runs/{id}.json")).is_file());
    let leaks = files_holding(&dir, SECRET);
    assert!(leaks.is_empty(), "the secret key is in {leaks:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_larger_than_the_apis_window_waits_for_the_next_one_and_meets_no_429() {
    // 20 calls a second, and a selection of several times that.
    let emulator = LiveLike::start(&["--rate-limit", "20/s"]);
    let dir = workdir("paced");
    let run = run_within(
        harness(
            &dir,
            &[
                "run",
                "--target",
                "live",
                "--sandbox",
                "--base-url",
                &emulator.url,
                "features/coupons/discounts.feature",
                "features/coupons/validity.feature",
                "features/coupons/stacking.feature",
                "--keep-data",
            ],
        ),
        Duration::from_secs(120),
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("for the API's next rate-limit window"),
        "the run says that it waits:\n{}",
        run.stdout
    );
    let (_, _, failed, _) = summary(&run.stdout);
    assert_eq!(failed, 0);
    let log = std::fs::read_to_string(dir.join("reports/requests.log")).unwrap();
    assert!(!log.contains("< 429"), "a call met a 429");
    // Kept for inspection, then deleted by its run id (paced too).
    let id = run_id(&run.stdout);
    let kept = objects_of_run(Api::of(&emulator.url), &id).await;
    assert!(kept.len() > 5, "run {id} kept {kept:#?}");
    assert!(
        run.stdout.contains(&format!("cleanup --run-id {id}")),
        "{}",
        run.stdout
    );
    let cleanup = run_within(
        harness(
            &dir,
            &["cleanup", "--run-id", &id, "--base-url", &emulator.url],
        ),
        Duration::from_secs(60),
    );
    assert_eq!(cleanup.code, 0, "{cleanup:?}");
    assert!(
        cleanup.stdout.contains(&format!("of run {id}")),
        "{}",
        cleanup.stdout
    );
    let left = objects_of_run(Api::of(&emulator.url), &id).await;
    assert!(left.is_empty(), "run {id} left {left:#?}");
    // A second cleanup finds nothing left to delete.
    let again = run_within(
        harness(
            &dir,
            &["cleanup", "--run-id", &id, "--base-url", &emulator.url],
        ),
        Duration::from_secs(60),
    );
    assert_eq!(again.code, 0, "{again:?}");
    assert!(
        again.stdout.contains("deleted 0 object(s)"),
        "{}",
        again.stdout
    );
}

/// A case of bad input: its name, the arguments, environment variables, a `.env` file, and
/// what the message must say.
type BadInput<'a> = (
    &'a str,
    Vec<String>,
    Vec<(&'a str, &'a str)>,
    Option<&'a str>,
    &'a str,
);

#[test]
fn bad_input_stops_the_run_before_the_first_scenario_with_exit_code_2() {
    let emulator = LiveLike::start(&["--rate-limit", "100000/h"]);
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let file = "features/coupons/access.feature";
    let live = |base: &str| {
        vec![
            "run".to_string(),
            "--target".into(),
            "live".into(),
            "--sandbox".into(),
            "--base-url".into(),
            base.to_string(),
            file.into(),
        ]
    };
    let cases: Vec<BadInput> = vec![
        (
            "no keys",
            live(&emulator.url),
            vec![("VOUCHERIFY_APP_ID", ""), ("VOUCHERIFY_SECRET_KEY", "")],
            None,
            "needs VOUCHERIFY_APP_ID",
        ),
        (
            "a key with a space",
            live(&emulator.url),
            vec![("VOUCHERIFY_SECRET_KEY", "live-like secret")],
            None,
            "VOUCHERIFY_SECRET_KEY is malformed",
        ),
        (
            "a .env that does not parse",
            live(&emulator.url),
            vec![("VOUCHERIFY_APP_ID", ""), ("VOUCHERIFY_SECRET_KEY", "")],
            Some(
                "VOUCHERIFY_APP_ID=live-like-app\nVOUCHERIFY_SECRET_KEY=\"live-like-secret-3c9d1e07b5a4\n",
            ),
            "line 2 (VOUCHERIFY_SECRET_KEY)",
        ),
        (
            "an unreachable host",
            live(&closed),
            vec![],
            None,
            "cannot reach the live target",
        ),
        (
            "keys the target refuses",
            live(&emulator.url),
            vec![("VOUCHERIFY_SECRET_KEY", "not-the-secret-key")],
            None,
            "refused the keys of app id live-like-app (401)",
        ),
        (
            "no Sandbox statement",
            vec![
                "run".into(),
                "--target".into(),
                "live".into(),
                "--base-url".into(),
                emulator.url.clone(),
                file.into(),
            ],
            vec![],
            None,
            "--sandbox or VOUCHERIFY_SANDBOX=1",
        ),
        (
            "a host that is not Voucherify's",
            live("https://api.example.com"),
            vec![],
            None,
            "pass --allow-host",
        ),
    ];
    for (case, args, env, dotenv, expected) in cases {
        let dir = workdir(&format!("bad-input-{}", case.replace([' ', '.'], "-")));
        if let Some(text) = dotenv {
            std::fs::write(dir.join(".env"), text).unwrap();
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut command = harness(&dir, &args);
        for (k, v) in env {
            command.env(k, v);
        }
        let out = run_within(command, Duration::from_secs(60));
        assert_eq!(out.code, 2, "{case}: {out:?}");
        assert!(out.stdout.is_empty(), "{case}: {}", out.stdout);
        let message = out.stderr.trim();
        assert_eq!(
            message.lines().count(),
            1,
            "{case}: one message:\n{message}"
        );
        assert!(message.contains(expected), "{case}: {message}");
        assert!(
            !message.contains(SECRET),
            "{case}: the key is shown: {message}"
        );
        assert!(
            written(&dir).is_empty(),
            "{case}: wrote {:?}",
            written(&dir)
        );
    }
}

/// The README's section, as shell scripts: one per `sh` block, unindented.
fn readme_blocks() -> Vec<String> {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    let start = readme
        .find("## Running against your Sandbox")
        .expect("the README has the section");
    let rest = &readme[start + 3..];
    let section = &rest[..rest.find("\n## ").unwrap_or(rest.len())];
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for line in section.lines() {
        let trimmed = line.trim_start();
        match &mut current {
            None if trimmed == "```sh" => {
                current = Some((line.len() - trimmed.len(), String::new()))
            }
            Some(_) if trimmed == "```" => blocks.push(current.take().unwrap().1),
            Some((indent, text)) => {
                let cut = line.len().min(*indent);
                text.push_str(&line[cut..]);
                text.push('\n');
            }
            None => {}
        }
    }
    blocks
}

#[tokio::test(flavor = "multi_thread")]
async fn the_readme_sandbox_section_works_word_for_word_on_a_live_like_emulator() {
    let blocks = readme_blocks();
    assert!(blocks.len() >= 5, "{blocks:#?}");
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port().to_string()
    };
    let word_for_word = |text: &str| {
        text.replace("cargo run --release --", BIN)
            .replace("7700", &port)
    };
    let dir = workdir("readme");
    let mut emulator = None;
    let mut outputs = String::new();
    let mut ran = 0;
    for block in &blocks {
        let script = word_for_word(block);
        let mut command = Command::new("sh");
        command
            .current_dir(&dir)
            .env_remove("VOUCHERIFY_APP_ID")
            .env_remove("VOUCHERIFY_SECRET_KEY")
            .env_remove("VOUCHERIFY_API_URL")
            .env_remove("VOUCHERIFY_SANDBOX");
        if block.contains(" emulate ") {
            // "In a second terminal".
            command.args(["-c", &format!("exec {}", script.trim())]);
            emulator = Some(LiveLike::spawn(command));
            continue;
        }
        command.args(["-c", &script]);
        let out = run_within(command, Duration::from_secs(120));
        let expected = if block.contains("exits 2") { 2 } else { 0 };
        assert_eq!(
            out.code, expected,
            "{block}\n{}\n{}",
            out.stdout, out.stderr
        );
        outputs.push_str(&out.stdout);
        outputs.push_str(&out.stderr);
        ran += 1;
    }
    let emulator = emulator.expect("the section starts a live-like emulator");
    assert!(ran >= 4, "{ran} blocks ran");
    assert!(outputs.contains("API calls in all"), "the plan was printed");
    assert!(outputs.contains("Cleanup: deleted"), "{outputs}");
    assert!(
        outputs.contains("skipped on this target") || outputs.contains("Skipped, tagged @emulator")
    );
    assert!(
        outputs.contains("this selection needs"),
        "the whole suite was refused"
    );
    // Every run of the section left nothing deletable behind.
    let ids: Vec<String> = outputs
        .lines()
        .filter(|l| l.starts_with("Running ") && l.contains(", run "))
        .map(run_id)
        .collect();
    assert_eq!(ids.len(), 2, "{outputs}");
    let dotenv = std::fs::read_to_string(dir.join(".env")).unwrap();
    let key = |name: &str| {
        dotenv
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .unwrap_or_else(|| panic!("{name} in .env"))
            .to_string()
    };
    let (app_id, secret) = (key("VOUCHERIFY_APP_ID"), key("VOUCHERIFY_SECRET_KEY"));
    let api = Api {
        url: &emulator.url,
        app_id: &app_id,
        secret: &secret,
    };
    for id in &ids {
        let left = objects_of_run(api, id).await;
        assert!(left.is_empty(), "run {id} left {left:#?}");
    }
    // The section kept within the hour's 100 calls of the default limit.
    let (_, remaining) = get(api, "/v1/vouchers?limit=1").await;
    assert!(remaining.is_some_and(|r| r > 0), "{remaining:?}");
    assert!(!outputs.contains(&secret), "the secret key was shown");
    let leaks = files_holding(&dir.join("reports"), &secret);
    assert!(leaks.is_empty(), "the secret key is in {leaks:?}");
}
