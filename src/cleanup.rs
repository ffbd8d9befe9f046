//! Deleting what a run created on a shared project, as its [`Ledger`] records it: vouchers,
//! campaigns (with their codes and promotion tiers), validation rules, segments, customers,
//! products, categories and rewards. Orders, redemptions and rollbacks stay: the API has no
//! call that deletes them, and the report says so. What is deleted (or was already gone) leaves
//! the ledger; what could not be deleted stays in it for a later `cleanup --run-id`.

use std::collections::{BTreeMap, HashSet};

use reqwest::Method;

use crate::client::ledger::{Entry, Kind};
use crate::client::{Client, ClientError, Ledger};

/// What a cleanup did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CleanupReport {
    pub run_id: String,
    /// Objects deleted, per kind (a campaign's codes count with their campaign's deletion).
    pub deleted: BTreeMap<Kind, usize>,
    /// Objects that were already gone (404).
    pub gone: usize,
    /// Objects that could not be deleted, and why.
    pub failed: Vec<(Entry, String)>,
    /// Objects not tried because the call budget or the rate limit held the calls back.
    pub not_tried: usize,
    /// What stays because the API cannot delete it, per kind.
    pub left: BTreeMap<Kind, usize>,
    /// Delete calls made.
    pub calls: u64,
}

impl CleanupReport {
    pub fn deleted_total(&self) -> usize {
        self.deleted.values().sum()
    }

    /// True when everything the API can delete is gone.
    pub fn complete(&self) -> bool {
        self.failed.is_empty() && self.not_tried == 0
    }

    /// One paragraph for people: what was deleted, what is left and why.
    pub fn summary(&self) -> String {
        let list = |counts: &BTreeMap<Kind, usize>| {
            counts
                .iter()
                .filter(|(_, n)| **n > 0)
                .map(|(k, n)| k.count(*n))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut out = format!(
            "deleted {} object(s) of run {}",
            self.deleted_total(),
            self.run_id
        );
        if self.deleted_total() > 0 {
            out.push_str(&format!(" ({})", list(&self.deleted)));
        }
        out.push_str(&format!(" in {} call(s)", self.calls));
        if self.gone > 0 {
            out.push_str(&format!("; {} already gone", self.gone));
        }
        if !self.left.is_empty() {
            out.push_str(&format!(
                "; left {}: the API cannot delete them",
                list(&self.left)
            ));
        }
        if !self.failed.is_empty() {
            out.push_str(&format!(
                "; could not delete {}: {}",
                self.failed.len(),
                self.failed
                    .iter()
                    .take(3)
                    .map(|(e, why)| format!("{} {} ({why})", kind_name(e.kind), shown(e)))
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
        if self.not_tried > 0 {
            out.push_str(&format!(
                "; {} not tried: the call budget or the rate limit held the calls back",
                self.not_tried
            ));
        }
        if !self.complete() {
            out.push_str(&format!(
                "; they stay in the ledger for `voucherify-harness cleanup --run-id {}`",
                self.run_id
            ));
        }
        out
    }
}

fn kind_name(kind: Kind) -> String {
    let one = kind.count(1);
    one.trim_start_matches("1 ").to_string()
}

fn shown(e: &Entry) -> String {
    if e.label.is_empty() {
        e.id.clone()
    } else {
        format!("{} ({})", e.label, e.id)
    }
}

/// The objects cleanup deletes, in the order it deletes them: a campaign's codes go with their
/// campaign, and are not deleted one by one.
pub fn deletions(entries: &[Entry]) -> Vec<Entry> {
    let campaigns: HashSet<&str> = entries
        .iter()
        .filter(|e| e.kind == Kind::Campaign)
        .map(|e| e.id.as_str())
        .collect();
    let mut out: Vec<Entry> = entries
        .iter()
        .filter(|e| e.kind.deletable())
        .filter(|e| {
            !(e.kind == Kind::Voucher
                && e.campaign_id
                    .as_deref()
                    .is_some_and(|c| campaigns.contains(c)))
        })
        .cloned()
        .collect();
    // Kinds are declared in deletion order: codes before their campaigns' rules, customers
    // after their segments, products and categories last.
    out.sort_by_key(|e| e.kind);
    out
}

/// How long a cleanup may wait for the API's next rate-limit window (a Sandbox's is an hour).
#[derive(Debug, Clone, Copy)]
pub struct Waiting {
    /// The longest single wait; a window that ends later stops the cleanup.
    pub max_wait: std::time::Duration,
    /// Says that the cleanup waits, and how long.
    pub announce: fn(&str),
}

impl Waiting {
    /// Never waits: a used-up window stops the cleanup.
    pub const NEVER: Self = Self {
        max_wait: std::time::Duration::ZERO,
        announce: |_| {},
    };
}

/// The longest wait for a window: a Sandbox's hour, and a little.
pub const LONGEST_WAIT: std::time::Duration = std::time::Duration::from_secs(3_660);

/// A margin after a window's announced end (the API counts in whole seconds).
const MARGIN: std::time::Duration = std::time::Duration::from_millis(50);

/// When the API's rate limit (not the run's call budget) held a deletion back: how long until
/// the next window, if it is known and within `waiting`.
fn window_wait(
    client: &Client,
    error: &ClientError,
    waiting: Waiting,
) -> Option<std::time::Duration> {
    let ClientError::RateLimited { limit: Some(_), .. } = error else {
        return None;
    };
    let end = client.rate_limit_window()?.reset_at?;
    let wait = end.saturating_duration_since(std::time::Instant::now()) + MARGIN;
    (wait <= waiting.max_wait).then_some(wait)
}

/// Deletes what the ledger records through `client` (the project's keys); the ledger keeps
/// what is left. A used-up rate-limit window stops it.
pub async fn cleanup(client: &Client, ledger: &Ledger) -> CleanupReport {
    cleanup_waiting(client, ledger, Waiting::NEVER).await
}

/// The same, waiting for the API's next rate-limit window when the current one is used up
/// (as `waiting` allows); the run's call budget still stops it.
pub async fn cleanup_waiting(client: &Client, ledger: &Ledger, waiting: Waiting) -> CleanupReport {
    let entries = ledger.entries();
    let mut report = CleanupReport {
        run_id: ledger.run_id(),
        ..CleanupReport::default()
    };
    let mut done: HashSet<(Kind, String)> = HashSet::new();
    let plan = deletions(&entries);
    let mut stopped = false;
    for entry in &plan {
        if stopped {
            report.not_tried += 1;
            continue;
        }
        let Some((segments, query)) = entry.kind.delete_call(entry) else {
            continue;
        };
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let mut waited = false;
        let outcome = loop {
            let before = client.calls_sent();
            let outcome = client
                .call::<serde_json::Value>(Method::DELETE, &segments, &query, None::<&()>)
                .await;
            report.calls += client.calls_sent() - before;
            // One wait per deletion: a window that is used up again at once is someone else's.
            match outcome {
                Err(ref e) if !waited => match window_wait(client, e, waiting) {
                    Some(wait) => {
                        (waiting.announce)(&format!(
                            "Cleanup waits {} s for the API's next rate-limit window",
                            wait.as_secs_f64().ceil()
                        ));
                        tokio::time::sleep(wait).await;
                        waited = true;
                    }
                    None => break outcome,
                },
                _ => break outcome,
            }
        };
        match outcome {
            Ok(_) => {
                *report.deleted.entry(entry.kind).or_insert(0) += 1;
                done.insert((entry.kind, entry.id.clone()));
            }
            Err(e) if e.status() == Some(404) => {
                report.gone += 1;
                done.insert((entry.kind, entry.id.clone()));
            }
            // The budget, or a window that could not be waited for: the rest waits too.
            Err(ClientError::RateLimited { .. }) => {
                stopped = true;
                report.not_tried += 1;
            }
            Err(e) => report.failed.push((entry.clone(), e.to_string())),
        }
    }
    // A deleted campaign took its codes with it.
    let campaigns_gone: HashSet<String> = done
        .iter()
        .filter(|(k, _)| *k == Kind::Campaign)
        .map(|(_, id)| id.clone())
        .collect();
    for e in &entries {
        if e.kind == Kind::Voucher
            && e.campaign_id
                .as_ref()
                .is_some_and(|c| campaigns_gone.contains(c))
            && done.insert((e.kind, e.id.clone()))
        {
            *report.deleted.entry(Kind::Voucher).or_insert(0) += 1;
        }
    }
    ledger.forget(|e| done.contains(&(e.kind, e.id.clone())));
    for e in ledger.entries() {
        if !e.kind.deletable() {
            *report.left.entry(e.kind).or_insert(0) += 1;
        }
    }
    report
}

/// What `voucherify-harness cleanup` works with.
#[derive(Debug, Clone)]
pub struct CleanupOptions {
    pub base_url: String,
    pub credentials: crate::client::Credentials,
    pub ledger_dir: std::path::PathBuf,
    /// One run; `None`: every run in the folder made on this project.
    pub run_id: Option<String>,
    pub call_budget: u64,
    pub timeouts: crate::client::Timeouts,
    /// Waiting for the API's next rate-limit window.
    pub waiting: Waiting,
}

/// What `voucherify-harness cleanup` did: notes for people, and a report per run.
#[derive(Debug, Clone, Default)]
pub struct CleanupOutcome {
    pub notes: Vec<String>,
    pub reports: Vec<CleanupReport>,
}

/// A base URL as ledgers keep it: no credentials, no query, no trailing slash.
fn comparable(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.set_query(None);
            u.to_string().trim_end_matches('/').to_string()
        }
        Err(_) => url.trim_end_matches('/').to_string(),
    }
}

/// Deletes what the ledgers of `options` record, on the project of `options`' keys; a ledger
/// made on another project is left alone (an error when it was asked for by its run id).
pub async fn clean_runs(options: &CleanupOptions) -> Result<CleanupOutcome, String> {
    use crate::client::ledger::ledger_path;
    let dir = &options.ledger_dir;
    let mut outcome = CleanupOutcome::default();
    let paths: Vec<std::path::PathBuf> = match &options.run_id {
        Some(id) => {
            let path = ledger_path(dir, id);
            if !path.is_file() {
                return Err(format!(
                    "no ledger of run {id} in {} (a live run keeps it there; give --ledger-dir \
                     if it was kept elsewhere)",
                    dir.display()
                ));
            }
            vec![path]
        }
        None => {
            let mut found: Vec<_> = std::fs::read_dir(dir)
                .map(|entries| {
                    entries
                        .filter_map(Result::ok)
                        .map(|e| e.path())
                        .filter(|p| p.extension().is_some_and(|x| x == "json"))
                        .collect()
                })
                .unwrap_or_default();
            found.sort();
            if found.is_empty() {
                outcome.notes.push(format!(
                    "no ledger in {}: nothing to clean up",
                    dir.display()
                ));
            }
            found
        }
    };
    let here = comparable(&options.base_url);
    let client = Client::new(
        crate::client::http_client(options.timeouts),
        &options.base_url,
        Some(options.credentials.clone()),
        options.timeouts,
    )
    .map_err(|e| e.to_string())?
    .with_limiter(crate::client::Limiter::with_cap(
        None,
        Some(options.call_budget),
    ));
    for path in paths {
        let ledger = Ledger::open(&path)?;
        let file = ledger.file();
        if file.app_id != options.credentials.app_id || comparable(&file.base_url) != here {
            let why = format!(
                "run {} was made on app id {} at {}, not on app id {} at {here}",
                file.run_id, file.app_id, file.base_url, options.credentials.app_id
            );
            if options.run_id.is_some() {
                return Err(format!("{why}: use that project's keys and URL"));
            }
            outcome.notes.push(format!("skipped: {why}"));
            continue;
        }
        outcome
            .reports
            .push(cleanup_waiting(&client, &ledger, options.waiting).await);
        if let Some(error) = ledger.write_error() {
            return Err(error);
        }
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: Kind, id: &str, campaign: Option<&str>) -> Entry {
        Entry {
            kind,
            id: id.into(),
            label: String::new(),
            scenario: String::new(),
            campaign_id: campaign.map(str::to_string),
        }
    }

    #[test]
    fn codes_go_with_their_campaign_and_orders_stay() {
        let entries = [
            entry(Kind::Customer, "cust_1", None),
            entry(Kind::Order, "ord_1", None),
            entry(Kind::Voucher, "v_1", Some("camp_1")),
            entry(Kind::Voucher, "v_2", None),
            entry(Kind::Campaign, "camp_1", None),
            entry(Kind::Redemption, "r_1", None),
        ];
        let ids: Vec<String> = deletions(&entries).into_iter().map(|e| e.id).collect();
        assert_eq!(ids, ["v_2", "camp_1", "cust_1"]);
    }

    #[test]
    fn the_summary_says_what_is_left_and_why() {
        let mut r = CleanupReport {
            run_id: "K3F9QZ".into(),
            calls: 3,
            ..CleanupReport::default()
        };
        r.deleted.insert(Kind::Voucher, 2);
        r.deleted.insert(Kind::Customer, 1);
        r.left.insert(Kind::Order, 1);
        r.left.insert(Kind::Redemption, 2);
        assert_eq!(
            r.summary(),
            "deleted 3 object(s) of run K3F9QZ (2 vouchers, 1 customer) in 3 call(s); left 1 \
             order, 2 redemptions: the API cannot delete them"
        );
        assert!(r.complete());
        r.not_tried = 4;
        assert!(
            r.summary().ends_with("cleanup --run-id K3F9QZ`"),
            "{}",
            r.summary()
        );
    }
}
