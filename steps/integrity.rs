//! Data integrity: what the API recorded (redemption entries, orders, customer counters, a
//! code's history, the audit log) checked against what the scenario did.

use std::collections::BTreeSet;

use cucumber::gherkin::Step;
use cucumber::{then, when};

use super::checkout::checkout;
use super::params::Money;
use super::webhooks::control_plane;
use super::world::{Attempt, HarnessWorld, StepFailure, StepResult};
use crate::model::{Customer, Metadata, Order, OrderInput};

#[when(expr = "{word} checks out a cart of {money} with {string} and these order details:")]
async fn checks_out_with_details(
    world: &mut HarnessWorld,
    step: &Step,
    person: String,
    amount: Money,
    name: String,
) -> StepResult {
    let table = step
        .table
        .as_ref()
        .ok_or_else(|| world.failure("this step needs a table with columns detail and value"))?;
    let mut metadata = Metadata::new();
    for row in table.rows.iter().skip(1) {
        let cell = |i: usize| row.get(i).map(|c| c.trim().to_string()).unwrap_or_default();
        metadata.insert(cell(0), serde_json::Value::String(cell(1)));
    }
    let order = OrderInput {
        amount: Some(amount.0),
        metadata: Some(metadata),
        ..OrderInput::default()
    };
    world.batch_start = world.attempts.len();
    checkout(world, &person, &[name], order, true).await
}

async fn order_of(world: &HarnessWorld, person: &str) -> Result<Order, StepFailure> {
    let id = world
        .redemption_of(person)?
        .order()
        .and_then(|o| o.id.clone())
        .ok_or_else(|| world.failure(format!("{person}'s redemption answer names no order")))?;
    world
        .client()?
        .get_order(&id)
        .await
        .map_err(|e| world.call_failed(&format!("reading {person}'s order"), &e))
}

#[then(expr = "{word}'s order shows a discount of {money} and a total of {money}")]
async fn order_totals(
    world: &mut HarnessWorld,
    person: String,
    discount: Money,
    total: Money,
) -> StepResult {
    let order = order_of(world, &person).await?;
    world.expect_money(
        &format!("discount on {person}'s order"),
        discount.0,
        order.total_discount_amount,
    )?;
    world.expect_money(
        &format!("total of {person}'s order"),
        total.0,
        order.total_amount,
    )
}

#[then(expr = "{word}'s order keeps the detail {string} as {string}")]
async fn order_detail(
    world: &mut HarnessWorld,
    person: String,
    key: String,
    value: String,
) -> StepResult {
    let order = order_of(world, &person).await?;
    match order.metadata.get(&key) {
        Some(serde_json::Value::String(v)) if *v == value => Ok(()),
        other => Err(world.failure(format!(
            "{person}'s order should keep {key} = \"{value}\"; it has {}",
            other.map_or("nothing".to_string(), |v| v.to_string())
        ))),
    }
}

async fn customer_record(world: &HarnessWorld, person: &str) -> Result<Customer, StepFailure> {
    let source_id = world.customer(person).source_id.unwrap_or_default();
    world
        .client()?
        .get_customer(&source_id)
        .await
        .map_err(|e| world.call_failed(&format!("reading {person}'s customer record"), &e))
}

/// Redemption entries (not rollbacks) of the API for `query`, all pages.
async fn entries(
    world: &HarnessWorld,
    query: &[(&str, String)],
) -> Result<Vec<serde_json::Value>, StepFailure> {
    let mut all = Vec::new();
    for page in 1..=20 {
        let mut q = query.to_vec();
        q.push(("limit", "100".into()));
        q.push(("page", page.to_string()));
        let list = world
            .client()?
            .list_redemptions(&q)
            .await
            .map_err(|e| world.call_failed("listing redemptions", &e))?;
        let n = list.items.len();
        all.extend(list.items);
        if n < 100 {
            break;
        }
    }
    Ok(all
        .into_iter()
        .filter(|r| r["object"] == "redemption")
        .collect())
}

#[then(
    expr = "the redemption list for {word} holds {int} successful and {int} failed redemption(s)"
)]
async fn list_for_person(
    world: &mut HarnessWorld,
    person: String,
    succeeded: usize,
    failed: usize,
) -> StepResult {
    let id = customer_record(world, &person).await?.id;
    let ok = entries(
        world,
        &[("customer", id.clone()), ("result", "SUCCESS".into())],
    )
    .await?;
    let bad = entries(
        world,
        &[("customer", id.clone()), ("result", "FAILURE".into())],
    )
    .await?;
    let wrong_customer = ok
        .iter()
        .chain(&bad)
        .any(|r| r["customer_id"].as_str() != Some(id.as_str()));
    if ok.len() != succeeded || bad.len() != failed || wrong_customer {
        return Err(world.failure(format!(
            "the redemption list for {person} should hold {succeeded} successful and {failed} \
             failed redemption(s); it holds {} and {}{}",
            ok.len(),
            bad.len(),
            if wrong_customer {
                ", some of another customer"
            } else {
                ""
            }
        )));
    }
    Ok(())
}

#[then(expr = "the redemption list for the campaign {string} holds {int} successful redemption(s)")]
async fn list_for_campaign(world: &mut HarnessWorld, name: String, expected: usize) -> StepResult {
    let campaign = world.code(&name);
    let found = entries(
        world,
        &[("campaign", campaign), ("result", "SUCCESS".into())],
    )
    .await?;
    let outside = found.iter().any(|r| {
        r.pointer("/voucher/campaign")
            .and_then(|c| c.as_str())
            .is_some_and(|c| c != world.code(&name))
    });
    if found.len() != expected || outside {
        return Err(world.failure(format!(
            "the redemption list for the campaign \"{name}\" should hold {expected} successful \
             redemption(s); it holds {}{}",
            found.len(),
            if outside {
                ", some of another campaign"
            } else {
                ""
            }
        )));
    }
    Ok(())
}

#[then(expr = "{word}'s redemption entry shows an order of {money} with a discount of {money}")]
async fn entry_amounts(
    world: &mut HarnessWorld,
    person: String,
    amount: Money,
    discount: Money,
) -> StepResult {
    let id = customer_record(world, &person).await?.id;
    let found = entries(world, &[("customer", id), ("result", "SUCCESS".into())]).await?;
    let entry = found
        .first()
        .ok_or_else(|| world.failure(format!("{person} has no successful redemption entry")))?;
    let number = |p: &str| entry.pointer(p).and_then(|v| v.as_i64()).unwrap_or(0);
    world.expect_money(
        &format!("order amount in {person}'s redemption entry"),
        amount.0,
        number("/order/amount"),
    )?;
    world.expect_money(
        &format!("discount in {person}'s redemption entry"),
        discount.0,
        number("/order/total_discount_amount"),
    )
}

#[then(
    expr = "{word}'s account shows {int} redemption(s): {int} succeeded, {int} failed and {int} rolled back"
)]
async fn summary(
    world: &mut HarnessWorld,
    person: String,
    total: i64,
    succeeded: i64,
    failed: i64,
    rolled_back: i64,
) -> StepResult {
    let r = customer_record(world, &person).await?.summary.redemptions;
    let expected = (total, succeeded, failed, rolled_back);
    let actual = (
        r.total_redeemed,
        r.total_succeeded,
        r.total_failed,
        r.total_rolled_back,
    );
    if expected != actual {
        return Err(world.failure(format!(
            "{person}'s account should show {total} redemptions ({succeeded} succeeded, {failed} \
             failed, {rolled_back} rolled back); it shows {} ({} succeeded, {} failed, {} rolled back)",
            actual.0, actual.1, actual.2, actual.3
        )));
    }
    Ok(())
}

#[then(expr = "the history of {string} shows {int} successful and {int} failed redemption(s)")]
async fn history(
    world: &mut HarnessWorld,
    name: String,
    succeeded: usize,
    failed: usize,
) -> StepResult {
    let code = world.code(&name);
    let list = world
        .client()?
        .voucher_redemptions(&code)
        .await
        .map_err(|e| world.call_failed(&format!("reading the history of \"{name}\""), &e))?;
    let count = |result: &str| list.items.iter().filter(|r| r["result"] == result).count();
    let (ok, bad) = (count("SUCCESS"), count("FAILURE"));
    if (ok, bad) != (succeeded, failed) {
        return Err(world.failure(format!(
            "the history of \"{name}\" should show {succeeded} successful and {failed} failed \
             redemption(s); it shows {ok} and {bad}"
        )));
    }
    Ok(())
}

/// What the scenario knows of one checkout: the ids the API gave it.
fn recorded_ids(attempt: &Attempt) -> (Vec<String>, Option<String>) {
    let succeeded: Vec<String> = attempt
        .redemption
        .iter()
        .flat_map(|r| {
            r.redemptions
                .iter()
                .map(|c| c.id.clone())
                .chain(r.parent_redemption.iter().map(|p| p.id.clone()))
        })
        .collect();
    let failed = attempt
        .error
        .as_ref()
        .and_then(|e| e.body())
        .and_then(|b| b.resource_id.clone())
        .filter(|id| id.starts_with("rf_"));
    (succeeded, failed)
}

#[then(expr = "the redemption records match every checkout of this scenario")]
async fn reconcile(world: &mut HarnessWorld) -> StepResult {
    let redeemed: Vec<&Attempt> = world
        .attempts
        .iter()
        .filter(|a| a.validation.is_none())
        .collect();
    if redeemed.is_empty() {
        return Err(world.failure("the scenario made no redemption to compare"));
    }
    let people: BTreeSet<String> = redeemed
        .iter()
        .filter(|a| a.customer != "an anonymous shopper")
        .map(|a| a.customer.clone())
        .collect();
    let mut problems: Vec<String> = Vec::new();
    for person in &people {
        let mine: Vec<&&Attempt> = redeemed.iter().filter(|a| a.customer == *person).collect();
        let customer = customer_record(world, person).await?;
        let listed = entries(world, &[("customer", customer.id.clone())]).await?;
        let listed_ids: BTreeSet<String> = listed
            .iter()
            .filter_map(|r| r["id"].as_str().map(str::to_string))
            .collect();
        let mut expected_ids = BTreeSet::new();
        let (mut succeeded, mut failed) = (0, 0);
        for attempt in &mine {
            let (ok_ids, failed_id) = recorded_ids(attempt);
            if !ok_ids.is_empty() {
                succeeded += 1;
            }
            if failed_id.is_some() {
                failed += 1;
            }
            for id in ok_ids {
                let entry = listed.iter().find(|r| r["id"] == id.as_str());
                match entry {
                    None => problems.push(format!(
                        "{person}'s redemption {id} is missing from the redemption list"
                    )),
                    Some(r) => {
                        if r["result"] != "SUCCESS" {
                            problems.push(format!(
                                "{person}'s redemption {id} is listed as {}",
                                r["result"]
                            ));
                        }
                        let amount = attempt.order().map(|o| o.amount);
                        let listed_amount = r.pointer("/order/amount").and_then(|a| a.as_i64());
                        if amount.is_some() && listed_amount.is_some() && amount != listed_amount {
                            problems.push(format!(
                                "{person}'s redemption {id}: the shop's order was {:?}, the list says {:?}",
                                amount, listed_amount
                            ));
                        }
                    }
                }
                expected_ids.insert(id);
            }
            if let Some(id) = failed_id {
                match listed.iter().find(|r| r["id"] == id.as_str()) {
                    Some(r) if r["result"] == "FAILURE" => {}
                    Some(r) => problems.push(format!(
                        "{person}'s refused redemption {id} is listed as {}",
                        r["result"]
                    )),
                    None => problems.push(format!(
                        "{person}'s refused redemption {id} is missing from the redemption list"
                    )),
                }
                expected_ids.insert(id);
            }
        }
        for extra in listed_ids.difference(&expected_ids) {
            problems.push(format!(
                "the API lists redemption {extra} for {person}, which the scenario did not make"
            ));
        }
        let counters = &customer.summary.redemptions;
        if counters.total_succeeded != succeeded || counters.total_failed != failed {
            problems.push(format!(
                "{person} made {succeeded} successful and {failed} refused redemption(s); the account counts {} and {}",
                counters.total_succeeded, counters.total_failed
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(world.failure(format!(
            "the API's records differ from what the scenario did:\n  - {}",
            problems.join("\n  - ")
        )))
    }
}

// The audit log (emulator control plane)

async fn audit(
    world: &HarnessWorld,
    query: &[(&str, String)],
) -> Result<Vec<crate::emulator::hooks::AuditEntry>, StepFailure> {
    let (control, project) = control_plane(world)?;
    let mut q = query.to_vec();
    q.push(("limit", "1000".into()));
    control
        .audit_log(&project, &q)
        .await
        .map(|l| l.items)
        .map_err(|e| world.call_failed("reading the audit log", &e))
}

#[then(expr = "the audit log lists {word}'s redemption as answered successfully")]
async fn audit_success(world: &mut HarnessWorld, person: String) -> StepResult {
    let (ids, _) = recorded_ids(world.redemption_of(&person)?);
    let logged = audit(
        world,
        &[
            ("method", "POST".into()),
            ("path", "/v1/redemptions".into()),
        ],
    )
    .await?;
    let entry = logged.iter().find(|e| {
        e.response_body
            .as_ref()
            .and_then(|b| b["redemptions"].as_array())
            .is_some_and(|rs| {
                rs.iter()
                    .any(|r| ids.iter().any(|id| r["id"] == id.as_str()))
            })
    });
    let Some(entry) = entry else {
        return Err(world.failure(format!(
            "the audit log ({} redemption request(s)) does not list {person}'s redemption {}",
            logged.len(),
            ids.join(", ")
        )));
    };
    let source_id = world.customer(&person).source_id.unwrap_or_default();
    let names_person = entry
        .request_body
        .as_ref()
        .and_then(|b| b.pointer("/customer/source_id"))
        .and_then(|s| s.as_str())
        == Some(source_id.as_str());
    if entry.status != 200 || !entry.request_id.starts_with("v-") || !names_person {
        return Err(world.failure(format!(
            "the audit log entry of {person}'s redemption should show status 200, a request id \
             and {person}'s request; it shows status {}, request id \"{}\"{}",
            entry.status,
            entry.request_id,
            if names_person {
                ""
            } else {
                ", and another request body"
            }
        )));
    }
    Ok(())
}

#[then(
    expr = "the audit log lists {word}'s refused redemption with the request id the shop was given"
)]
async fn audit_refusal(world: &mut HarnessWorld, person: String) -> StepResult {
    let attempt = world
        .attempts
        .iter()
        .rev()
        .find(|a| a.customer == person && a.error.is_some())
        .ok_or_else(|| {
            world.failure(format!(
                "{person} has no refused redemption in this scenario"
            ))
        })?;
    let error = attempt
        .error
        .as_ref()
        .and_then(|e| e.body())
        .cloned()
        .unwrap_or_default();
    let request_id = error
        .request_id
        .clone()
        .ok_or_else(|| world.failure("the refusal the shop was given carries no request id"))?;
    let logged = audit(world, &[("request_id", request_id.clone())]).await?;
    match logged.as_slice() {
        [entry]
            if entry.status == error.code
                && entry.path.starts_with("/v1/redemptions")
                && entry
                    .response_body
                    .as_ref()
                    .is_some_and(|b| b["key"] == error.key.as_deref().unwrap_or_default()) =>
        {
            Ok(())
        }
        [entry] => Err(world.failure(format!(
            "the audit log entry {request_id} shows {} {} answered {}, expected the refused \
             redemption answered {}",
            entry.method, entry.path, entry.status, error.code
        ))),
        other => Err(world.failure(format!(
            "the audit log should list request {request_id} once; it lists it {} time(s)",
            other.len()
        ))),
    }
}

#[then(expr = "the audit log shows {int} refused request(s)")]
async fn audit_refused(world: &mut HarnessWorld, expected: usize) -> StepResult {
    let logged = audit(world, &[("status", "4xx".into())]).await?;
    if logged.len() != expected {
        let shown: Vec<String> = logged
            .iter()
            .map(|e| format!("{} {} → {}", e.method, e.path, e.status))
            .collect();
        return Err(world.failure(format!(
            "the audit log should show {expected} refused request(s); it shows {}: {}",
            logged.len(),
            shown.join("; ")
        )));
    }
    Ok(())
}

#[then(expr = "the audit log shows {int} check(s) answered as unavailable before the accepted one")]
async fn audit_unavailable_then_accepted(
    world: &mut HarnessWorld,
    turned_away: usize,
) -> StepResult {
    let logged = audit(
        world,
        &[
            ("method", "POST".into()),
            ("path", "/v1/validations".into()),
        ],
    )
    .await?;
    // Newest first: the accepted check, then the ones turned away.
    let statuses: Vec<u16> = logged.iter().map(|e| e.status).collect();
    let mut expected = vec![200];
    expected.extend(std::iter::repeat_n(503, turned_away));
    let ids: std::collections::HashSet<&str> =
        logged.iter().map(|e| e.request_id.as_str()).collect();
    // Each answer turned away carries the request id it was logged under.
    let bodies_kept = logged.iter().all(|e| {
        let answer = e.response_body.as_ref();
        e.request_body.is_some()
            && answer.is_some()
            && (e.status == 200 || answer.is_some_and(|b| b["request_id"] == *e.request_id))
    });
    if statuses != expected || ids.len() != logged.len() || !bodies_kept {
        return Err(world.failure(format!(
            "the audit log should show the checks answered {expected:?} (newest first), each \
             with its own request id and both bodies; it shows {statuses:?}{}{}",
            if ids.len() == logged.len() {
                ""
            } else {
                ", request ids repeated"
            },
            if bodies_kept { "" } else { ", bodies missing" }
        )));
    }
    Ok(())
}

#[then(expr = "no secret key appears anywhere in the audit log")]
async fn audit_has_no_secret(world: &mut HarnessWorld) -> StepResult {
    let (control, project) = control_plane(world)?;
    let answer = control
        .raw(
            reqwest::Method::GET,
            &["_emulator", "projects", &project, "audit-log"],
            &[("limit", "1000".into())],
            None,
            &[],
        )
        .await
        .map_err(|e| world.call_failed("reading the audit log", &e))?;
    let total = answer.json().and_then(|v| v["total"].as_u64()).unwrap_or(0);
    if total == 0 {
        return Err(world.failure("the audit log is empty, so it proves nothing"));
    }
    let api_key = world
        .client()?
        .secret_key()
        .map(|s| s.expose().to_string())
        .ok_or_else(|| world.failure("the scenario's client has no secret key"))?;
    let webhook_secret = control
        .webhook_secret(&project)
        .await
        .map_err(|e| world.call_failed("reading the project's webhook secret", &e))?;
    for (what, secret) in [
        ("the project's secret key", api_key.as_str()),
        ("the project's webhook secret", webhook_secret.expose()),
    ] {
        if answer.body.contains(secret) {
            return Err(world.failure(format!(
                "{what} appears in the audit log ({total} entries); it must be redacted"
            )));
        }
    }
    Ok(())
}
