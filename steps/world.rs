//! Per-scenario state: the target and project client, names mapped to real codes and ids,
//! and what the scenario did (its checkout attempts), for the Then steps to check.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::client::pacer::Ticket;
use crate::client::{Client, ClientError};
use crate::engine::money::format_minor;
use crate::engine::time::{DAY, Timestamp};
use crate::model::{
    CustomerInput, Order, RedeemableRef, RedeemableResult, RedemptionResponse, ValidationResponse,
};
use crate::target::{ScenarioProject, Target};

/// Whether a failed step found a wrong answer or could not get one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The target answered, and not as the scenario expects.
    Assertion,
    /// The target could not be reached, timed out, or failed (5xx).
    Error,
}

/// Why a step failed: what was expected, what came back, and the last HTTP exchange.
#[derive(Debug, Clone)]
pub struct StepFailure {
    pub kind: FailureKind,
    pub message: String,
    pub exchange: Option<String>,
}

/// The marker that starts the message of a step that failed for lack of an answer.
pub const ERROR_MARKER: &str = "error: ";

impl fmt::Display for StepFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.kind == FailureKind::Error {
            f.write_str(ERROR_MARKER)?;
        }
        f.write_str(&self.message)?;
        if let Some(exchange) = &self.exchange {
            write!(f, "\n\nLast exchange (secrets redacted):\n{exchange}")?;
        }
        Ok(())
    }
}

pub type StepResult = Result<(), StepFailure>;

/// A deal named in the feature: a coupon (by code) or a cart promotion (by tier id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deal {
    /// `voucher` or `promotion_tier`.
    pub object: &'static str,
    pub id: String,
    /// The campaign behind it, if any.
    pub campaign: Option<String>,
}

/// One checkout (validation or redemption) made by a scenario.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub customer: String,
    /// The deals' names as the feature gives them.
    pub codes: Vec<String>,
    /// The ids sent for them (codes, tier ids).
    pub ids: Vec<String>,
    pub validation: Option<ValidationResponse>,
    pub redemption: Option<RedemptionResponse>,
    pub error: Option<ClientError>,
}

impl Attempt {
    /// A redemption that went through, or a validation that said `valid`.
    pub fn succeeded(&self) -> bool {
        self.redemption.is_some() || self.validation.as_ref().is_some_and(|v| v.valid)
    }

    /// The error key of the refusal: the request's error, or the first inapplicable
    /// redeemable's.
    pub fn refusal_key(&self) -> Option<String> {
        if let Some(e) = &self.error {
            return e.key().map(str::to_string);
        }
        self.validation.as_ref().and_then(|v| {
            v.inapplicable_redeemables
                .iter()
                .chain(v.redeemables.iter())
                .find(|r| r.status == "INAPPLICABLE")
                .and_then(|r| r.result.error.as_ref())
                .and_then(|e| e.key.clone())
        })
    }

    /// The order the answer computed, if any.
    pub fn order(&self) -> Option<&Order> {
        self.redemption
            .as_ref()
            .and_then(|r| r.order.as_ref())
            .or_else(|| self.validation.as_ref().and_then(|v| v.order.as_ref()))
    }

    /// The redemption id to roll back: the parent of a stack, else the single redemption.
    pub fn redemption_id(&self) -> Option<&str> {
        let r = self.redemption.as_ref()?;
        r.parent_redemption
            .as_ref()
            .map(|p| p.id.as_str())
            .or_else(|| r.redemptions.first().map(|r| r.id.as_str()))
    }

    /// What happened to one redeemable (by the id sent): its status and reason key.
    pub fn outcome_of(&self, id: &str) -> Option<(String, Option<String>)> {
        let key_of = |r: &RedeemableResult| {
            r.result
                .details
                .as_ref()
                .map(|d| d.key.clone())
                .or_else(|| r.result.error.as_ref().and_then(|e| e.key.clone()))
        };
        let listed = |list: &[RedeemableResult]| {
            list.iter()
                .find(|r| r.id == id)
                .map(|r| (r.status.clone(), key_of(r)))
        };
        if let Some(v) = &self.validation {
            return listed(&v.redeemables)
                .or_else(|| listed(&v.skipped_redeemables))
                .or_else(|| listed(&v.inapplicable_redeemables));
        }
        if let Some(r) = &self.redemption {
            let applied = r.redemptions.iter().any(|child| {
                child
                    .voucher
                    .as_ref()
                    .is_some_and(|v| v.code == id || v.id == id)
                    || child.related_object_id == id
            });
            if applied {
                return Some(("APPLICABLE".into(), None));
            }
            return listed(&r.skipped_redeemables).or_else(|| listed(&r.inapplicable_redeemables));
        }
        None
    }

    pub fn describe(&self) -> String {
        match (&self.redemption, &self.validation, &self.error) {
            (Some(_), _, _) => "redeemed".into(),
            (_, Some(v), _) if v.valid => "valid".into(),
            (_, Some(_), _) => format!("invalid ({})", self.refusal_key().unwrap_or_default()),
            (_, _, Some(e)) => format!("refused ({e})"),
            _ => "no answer".into(),
        }
    }
}

#[derive(Debug, Default, cucumber::World)]
#[world(init = Self::new)]
pub struct HarnessWorld {
    target: Option<Arc<Target>>,
    project: Option<ScenarioProject>,
    setup_error: Option<String>,
    /// The client steps call; a step may swap it (e.g. for wrong keys).
    client: Option<Client>,
    /// Offset of the project's clock from the wall clock, as moved by the scenario.
    clock_offset_ms: i64,
    /// Every checkout of the scenario, in order.
    pub attempts: Vec<Attempt>,
    /// Where the current batch of checkouts starts in `attempts`.
    pub batch_start: usize,
    /// The outcome of the last call that was not a checkout.
    pub last_call: Option<Result<serde_json::Value, ClientError>>,
    /// Free-form values steps hand to later steps (e.g. a name → an id).
    pub remembered: HashMap<String, String>,
    /// Deals by the name the feature gives them.
    pub deals: HashMap<String, Deal>,
    /// The last qualification answer.
    pub qualification: Option<crate::model::QualificationResponse>,
    /// Stacking rules the scenario set on its project so far.
    pub stacking: serde_json::Map<String, serde_json::Value>,
    /// A web page of the shop (client-side keys, its own log), once the scenario allowed
    /// client-side calls.
    pub web_page: Option<Client>,
    /// The shop's webhook endpoint and what the scenario set up for webhooks.
    pub hooks: super::webhooks::ScenarioHooks,
    /// The scenario is tagged `@emulator` (it may use the control plane).
    emulator_tagged: bool,
    /// Why the scenario was not run (the live run's call budget), if it was not.
    not_run: Option<String>,
    /// The pacer's ticket of the scenario (live target).
    ticket: Option<Ticket>,
}

/// Where a scenario is and how it is tagged, as the runner hands it to the World.
#[derive(Debug, Clone, Default)]
pub struct ScenarioInfo {
    pub name: String,
    /// `features/coupons/discounts.feature:7`
    pub location: String,
    /// Tagged `@emulator` (on the scenario, its rule or its feature).
    pub emulator_tagged: bool,
}

impl HarnessWorld {
    fn new() -> Self {
        Self::default()
    }

    /// Called before each scenario: gives it the target and a project of its own.
    pub async fn attach(&mut self, target: Arc<Target>, scenario: &str) {
        let info = ScenarioInfo {
            name: scenario.to_string(),
            ..ScenarioInfo::default()
        };
        self.attach_scenario(target, &info).await;
    }

    /// The same, knowing where the scenario is and how it is tagged. On the live target the
    /// scenario may wait here for the API's next rate-limit window, or not run at all when its
    /// calls would exceed the run's budget (then every step says so, and calls nothing).
    pub async fn attach_scenario(&mut self, target: Arc<Target>, info: &ScenarioInfo) {
        self.emulator_tagged = info.emulator_tagged;
        match target.scenario_project_at(&info.name, &info.location).await {
            Ok(project) => match target.begin_scenario(&info.location, &project.client).await {
                Ok(ticket) => {
                    self.ticket = ticket;
                    self.client = Some(project.client.clone());
                    self.project = Some(project);
                }
                Err(reason) => self.not_run = Some(reason),
            },
            Err(e) => {
                self.setup_error = Some(format!("could not set up the scenario's project: {e}"))
            }
        }
        self.target = Some(target);
    }

    /// Called after each scenario: its planned calls are free again.
    pub fn detach(&mut self) {
        if let Some(target) = &self.target {
            target.end_scenario(self.ticket.take());
        }
    }

    /// Why the scenario was not run, if it was not.
    pub fn not_run(&self) -> Option<&str> {
        self.not_run.as_deref()
    }

    /// API calls the scenario sent (every client it used; not the control plane's).
    pub fn calls_sent(&self) -> u64 {
        self.project.as_ref().map_or(0, |p| p.client.calls_sent())
    }

    pub fn target(&self) -> Result<&Target, StepFailure> {
        self.target.as_deref().ok_or_else(|| StepFailure {
            kind: FailureKind::Error,
            message: "the scenario has no target (the runner did not attach one)".into(),
            exchange: None,
        })
    }

    /// The client of the scenario's project.
    pub fn client(&self) -> Result<&Client, StepFailure> {
        if let Some(reason) = &self.not_run {
            return Err(StepFailure {
                kind: FailureKind::Error,
                message: reason.clone(),
                exchange: None,
            });
        }
        if let Some(e) = &self.setup_error {
            return Err(StepFailure {
                kind: FailureKind::Error,
                message: e.clone(),
                exchange: None,
            });
        }
        self.client.as_ref().ok_or_else(|| StepFailure {
            kind: FailureKind::Error,
            message: "the scenario has no API client".into(),
            exchange: None,
        })
    }

    pub fn project(&self) -> Option<&ScenarioProject> {
        self.project.as_ref()
    }

    /// A control-plane client and the scenario's emulator project, or a failure saying the
    /// step needs the emulator (tag the scenario `@emulator`).
    ///
    /// A scenario not tagged `@emulator` gets the same failure on the emulator too: it would
    /// fail on the live target, so it must say that it needs the emulator.
    pub fn control_plane(&self) -> Result<(Client, String), StepFailure> {
        let target = self.target()?;
        self.client()?;
        let project = self.project().and_then(|p| p.project_id.clone());
        let (true, true, Some(project)) =
            (self.emulator_tagged, target.has_control_plane(), project)
        else {
            return Err(StepFailure {
                kind: FailureKind::Error,
                message: "this step needs the emulator's control plane; tag the scenario @emulator"
                    .into(),
                exchange: None,
            });
        };
        let control = target
            .anonymous_client()
            .map_err(|e| self.call_failed("reaching the control plane", &e))?;
        Ok((control, project))
    }

    /// Replaces the client steps call.
    pub fn use_client(&mut self, client: Client) {
        self.client = Some(client);
    }

    /// The real code behind a coupon's name in the feature file.
    pub fn code(&self, name: &str) -> String {
        format!("{}{name}", self.prefix())
    }

    /// What this scenario puts in front of codes, names and source ids (see
    /// [`ScenarioProject::prefix`]).
    pub fn prefix(&self) -> &str {
        self.project.as_ref().map_or("", |p| p.prefix.as_str())
    }

    /// Records what a deal's name stands for.
    pub fn remember_deal(&mut self, name: &str, deal: Deal) {
        self.deals.insert(name.to_string(), deal);
    }

    /// The name the feature gave the deal with this id, if any.
    pub fn deal_name(&self, id: &str) -> Option<String> {
        self.deals
            .iter()
            .find(|(_, d)| d.id == id)
            .map(|(n, _)| n.clone())
    }

    /// The redeemable a deal's name stands for (a coupon code unless named otherwise).
    pub fn redeemable(&self, name: &str) -> RedeemableRef {
        match self.deals.get(name) {
            Some(d) => RedeemableRef {
                object: d.object.to_string(),
                id: d.id.clone(),
                ..RedeemableRef::default()
            },
            None => RedeemableRef::voucher(&self.code(name)),
        }
    }

    /// The customer behind a person's name: their `source_id` is the name in lower case.
    pub fn customer(&self, person: &str) -> CustomerInput {
        let prefix = self.prefix();
        let slug: String = person
            .to_lowercase()
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { '-' })
            .collect();
        CustomerInput {
            source_id: Some(format!("{prefix}{slug}")),
            name: Some(person.to_string()),
            email: Some(format!("{slug}@example.com")),
            ..CustomerInput::default()
        }
    }

    /// The time on the target now, as far as the scenario moved its clock.
    pub fn now(&self) -> Timestamp {
        crate::emulator::clock::wall_now().plus(self.clock_offset_ms)
    }

    pub fn days_from_now(&self, days: i64) -> Timestamp {
        self.now().plus(days * DAY)
    }

    pub fn clock_moved(&mut self, ms: i64) {
        self.clock_offset_ms += ms;
        // Rate-limit windows follow the project's clock: what the API said no longer holds.
        if let Some(client) = &self.client {
            client.forget_rate_limit();
        }
    }

    /// The latest checkout.
    pub fn last_attempt(&self) -> Result<&Attempt, StepFailure> {
        self.attempts
            .last()
            .ok_or_else(|| self.failure("no checkout has happened in this scenario yet"))
    }

    /// The checkouts of the current batch.
    pub fn batch(&self) -> &[Attempt] {
        &self.attempts[self.batch_start.min(self.attempts.len())..]
    }

    /// The latest successful redemption by `person`.
    pub fn redemption_of(&self, person: &str) -> Result<&Attempt, StepFailure> {
        self.attempts
            .iter()
            .rev()
            .find(|a| a.customer == person && a.redemption.is_some())
            .ok_or_else(|| {
                self.failure(format!(
                    "{person} has no successful redemption in this scenario"
                ))
            })
    }

    /// A failure about a wrong answer, with the last exchange attached.
    pub fn failure(&self, message: impl Into<String>) -> StepFailure {
        StepFailure {
            kind: FailureKind::Assertion,
            message: message.into(),
            exchange: self.last_exchange(),
        }
    }

    /// A failure from a call that did not give the expected answer.
    pub fn call_failed(&self, what: &str, error: &ClientError) -> StepFailure {
        let kind = if error.is_outage() {
            FailureKind::Error
        } else {
            FailureKind::Assertion
        };
        StepFailure {
            kind,
            message: format!("{what} failed: {error}"),
            exchange: self.last_exchange(),
        }
    }

    /// Fails unless `actual == expected`, showing both amounts.
    pub fn expect_money(&self, what: &str, expected: i64, actual: i64) -> StepResult {
        if expected == actual {
            return Ok(());
        }
        Err(self.failure(format!(
            "{what}: expected {}, got {}",
            format_minor(expected),
            format_minor(actual)
        )))
    }

    /// The last call with every attempt it took (retries show there).
    fn last_exchange(&self) -> Option<String> {
        let attempts = self.client.as_ref()?.log().last_call();
        if attempts.is_empty() {
            return None;
        }
        Some(attempts.iter().map(ToString::to_string).collect())
    }
}
