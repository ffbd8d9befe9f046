//! Migration of legacy codes: the old system's export (a CSV file, built from the scenario's
//! table), the bulk imports that bring it in, what the import reported, and how each imported
//! code looks and behaves afterwards.

use std::time::Duration;

use cucumber::gherkin::Step;
use cucumber::{given, then, when};

use super::params::Offer;
use super::world::{HarnessWorld, StepFailure, StepResult};
use crate::client::ClientError;
use crate::emulator::ops::imports::parse_date;
use crate::engine::money::format_minor;
use crate::model::voucher::RedemptionLimit;
use crate::model::{AsyncAction, DiscountSpec, ImportItem};

/// Where the export is kept between steps (`world.remembered`).
const EXPORT: &str = "migration.export";

/// How long an import may take before the step gives up.
const IMPORT_WAIT: Duration = Duration::from_secs(30);

/// Why an import is refused, in plain words, and the API's error key with a piece of its
/// details.
const REFUSALS: &[(&str, &str, &str)] = &[
    (
        "the file has no code column",
        "invalid_payload",
        "no 'Code' column",
    ),
    ("the file is empty", "invalid_payload", "empty"),
    ("a code already exists", "duplicate_key", "already exist"),
    ("a code is listed twice", "duplicate_key", "more than once"),
    ("a code is missing", "invalid_voucher", "without 'code'"),
];

/// Why a row is refused, in plain words, and how the API's reason starts.
const ROW_REASONS: &[(&str, &str)] = &[
    ("its value is not a number", "Value: must be a number"),
    ("its code appears twice in the file", "Code: appears twice"),
    ("it has no voucher type", "Voucher Type is required"),
    ("it has no code", "Code is required"),
    (
        "its expiry date is not a date",
        "Expiration Date: must be a date",
    ),
    ("it has too few values", "the row has"),
];

/// The export as CSV lines: the header, then one line per code.
fn export(world: &HarnessWorld) -> Result<Vec<Vec<String>>, StepFailure> {
    let text = world
        .remembered
        .get(EXPORT)
        .ok_or_else(|| world.failure("the old system has exported nothing in this scenario"))?;
    Ok(serde_json::from_str(text).unwrap_or_default())
}

fn keep_export(world: &mut HarnessWorld, lines: &[Vec<String>]) {
    world.remembered.insert(
        EXPORT.into(),
        serde_json::to_string(lines).unwrap_or_default(),
    );
}

fn csv_text(lines: &[Vec<String>]) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    for line in lines {
        let _ = writer.write_record(line);
    }
    writer.into_inner().unwrap_or_default()
}

/// The CSV cells of an offer: voucher type, value, discount type.
fn offer_cells(offer: &str) -> Result<[String; 3], String> {
    if let Some(amount) = offer.strip_prefix("a gift card of ") {
        let money: super::params::Money = amount.parse()?;
        return Ok(["GIFT_VOUCHER".into(), money.0.to_string(), String::new()]);
    }
    let spec = offer.parse::<Offer>()?.0;
    let value = match spec.kind.as_str() {
        "PERCENT" => spec.percent_off.map(|p| p.to_string()),
        "FIXED" => spec.fixed_amount.map(|a| a.to_string()),
        _ => spec.amount_off.map(|a| a.to_string()),
    };
    Ok([
        "DISCOUNT_VOUCHER".into(),
        value.unwrap_or_default(),
        spec.kind,
    ])
}

#[given(expr = "the old system exported these codes:")]
async fn exported_codes(world: &mut HarnessWorld, step: &Step) -> StepResult {
    let table = step.table.as_ref().ok_or_else(|| {
        world.failure("the step needs a table: code | offer | uses | used | expires")
    })?;
    let mut rows = table.rows.iter();
    let header: Vec<String> = rows
        .next()
        .map(|r| r.iter().map(|c| c.trim().to_lowercase()).collect())
        .unwrap_or_default();
    let cell = |row: &[String], name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .and_then(|i| row.get(i))
            .map(|c| c.trim().to_string())
            .unwrap_or_default()
    };
    let mut lines = vec![
        [
            "Code",
            "Voucher Type",
            "Value",
            "Discount Type",
            "Redemption Limit",
            "Redeemed Quantity",
            "Expiration Date",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for row in rows {
        let offer = cell(row, "offer");
        let [kind, value, discount] = offer_cells(&offer).map_err(|e| world.failure(e))?;
        let uses = cell(row, "uses");
        lines.push(vec![
            world.code(&cell(row, "code")),
            kind,
            value,
            discount,
            if uses == "unlimited" {
                String::new()
            } else {
                uses
            },
            cell(row, "used"),
            cell(row, "expires"),
        ]);
    }
    keep_export(world, &lines);
    Ok(())
}

/// The export's line of `name`.
fn line_of(world: &HarnessWorld, lines: &[Vec<String>], name: &str) -> Result<usize, StepFailure> {
    let code = world.code(name);
    lines
        .iter()
        .position(|l| l.first() == Some(&code))
        .ok_or_else(|| world.failure(format!("the export has no line for \"{name}\"")))
}

#[given(expr = "the export has {string} as the value of {string}")]
async fn export_value(world: &mut HarnessWorld, value: String, name: String) -> StepResult {
    let mut lines = export(world)?;
    let at = line_of(world, &lines, &name)?;
    lines[at][2] = value;
    keep_export(world, &lines);
    Ok(())
}

#[given(expr = "the export lists {string} twice")]
async fn export_twice(world: &mut HarnessWorld, name: String) -> StepResult {
    let mut lines = export(world)?;
    let at = line_of(world, &lines, &name)?;
    let copy = lines[at].clone();
    lines.push(copy);
    keep_export(world, &lines);
    Ok(())
}

#[given(expr = "the export calls its code column {string}")]
async fn export_code_column(world: &mut HarnessWorld, name: String) -> StepResult {
    let mut lines = export(world)?;
    lines[0][0] = name;
    keep_export(world, &lines);
    Ok(())
}

#[given(expr = "the export has a column {string} with {string} for {string}")]
async fn export_column(
    world: &mut HarnessWorld,
    column: String,
    value: String,
    name: String,
) -> StepResult {
    let mut lines = export(world)?;
    let at = line_of(world, &lines, &name)?;
    for (i, line) in lines.iter_mut().enumerate() {
        line.push(match i {
            0 => column.clone(),
            i if i == at => value.clone(),
            _ => String::new(),
        });
    }
    keep_export(world, &lines);
    Ok(())
}

/// Waits for the import to be done and keeps the async action (or the refusal).
async fn finish_import(
    world: &mut HarnessWorld,
    started: Result<String, ClientError>,
) -> StepResult {
    let outcome = match started {
        Ok(id) => {
            let action = world
                .client()?
                .wait_for_async_action(&id, IMPORT_WAIT, |_| {})
                .await
                .map_err(|e| world.call_failed("reading the import's progress", &e))?;
            if action.status == "IN_PROGRESS" {
                return Err(world.failure(format!(
                    "the import was still in progress after {} s",
                    IMPORT_WAIT.as_secs()
                )));
            }
            Ok(serde_json::to_value(action).unwrap_or_default())
        }
        Err(e) if e.is_outage() => return Err(world.call_failed("the import", &e)),
        Err(e) => Err(e),
    };
    world.last_call = Some(outcome);
    Ok(())
}

#[when(expr = "the shop imports the exported codes")]
async fn import_export(world: &mut HarnessWorld) -> StepResult {
    let csv = csv_text(&export(world)?);
    let started = world
        .client()?
        .import_vouchers_csv("legacy-codes.csv", &csv)
        .await;
    finish_import(world, started).await
}

fn items(world: &HarnessWorld, names: &[&str], discount: Option<DiscountSpec>) -> Vec<ImportItem> {
    names
        .iter()
        .map(|name| ImportItem {
            code: Some(world.code(name)),
            kind: discount.as_ref().map(|_| "DISCOUNT_VOUCHER".to_string()),
            discount: discount.clone(),
            redemption: Some(RedemptionLimit { quantity: Some(1) }),
            ..ImportItem::default()
        })
        .collect()
}

#[when(expr = "the shop imports the codes {string} and {string} giving {offer}")]
async fn import_codes(world: &mut HarnessWorld, a: String, b: String, offer: Offer) -> StepResult {
    let items = items(world, &[&a, &b], Some(offer.0));
    let started = world.client()?.import_vouchers(&items).await;
    finish_import(world, started).await
}

#[when(expr = "the shop imports the codes {string} and {string} into the campaign {string}")]
async fn import_into_campaign(
    world: &mut HarnessWorld,
    a: String,
    b: String,
    campaign: String,
) -> StepResult {
    let items = items(world, &[&a, &b], None);
    let campaign = world.code(&campaign);
    let started = world
        .client()?
        .import_into_campaign(&campaign, &items)
        .await;
    finish_import(world, started).await
}

/// The finished import of the scenario.
fn import_result(world: &HarnessWorld) -> Result<AsyncAction, StepFailure> {
    match &world.last_call {
        Some(Ok(value)) => serde_json::from_value(value.clone())
            .map_err(|e| world.failure(format!("the import's answer cannot be read: {e}"))),
        Some(Err(e)) => Err(world.failure(format!("the import was refused: {e}"))),
        None => Err(world.failure("no import has happened in this scenario")),
    }
}

async fn import_counts(world: &mut HarnessWorld, imported: i64, refused: i64) -> StepResult {
    let action = import_result(world)?;
    let result = action.result.unwrap_or_default();
    if (result.done_count, result.failed_count) != (imported, refused) {
        let reasons: Vec<String> = result
            .failed
            .iter()
            .map(|f| format!("{} (row {:?}): {}", f.code, f.row, f.reason))
            .collect();
        return Err(world.failure(format!(
            "expected {imported} imported and {refused} refused, the import says \"{}\"{}",
            result.message,
            if reasons.is_empty() {
                String::new()
            } else {
                format!("; refused: {}", reasons.join("; "))
            }
        )));
    }
    Ok(())
}

#[then(expr = "the import reports {int} code(s) imported and none refused")]
async fn imported_all(world: &mut HarnessWorld, imported: i64) -> StepResult {
    import_counts(world, imported, 0).await
}

#[then(expr = "the import reports {int} code(s) imported and {int} refused")]
async fn imported_some(world: &mut HarnessWorld, imported: i64, refused: i64) -> StepResult {
    import_counts(world, imported, refused).await
}

#[then(expr = "line {int} of the export, {string}, is refused because {string}")]
async fn line_refused(
    world: &mut HarnessWorld,
    line: u64,
    name: String,
    why: String,
) -> StepResult {
    let start = ROW_REASONS
        .iter()
        .find(|(phrase, _)| *phrase == why)
        .map(|(_, start)| *start)
        .ok_or_else(|| {
            let known: Vec<String> = ROW_REASONS
                .iter()
                .map(|(p, _)| format!("\"{p}\""))
                .collect();
            world.failure(format!(
                "unknown reason \"{why}\"; known: {}",
                known.join(", ")
            ))
        })?;
    let lines = export(world)?;
    let code = world.code(&name);
    let at = (line as usize).checked_sub(1);
    if at.and_then(|at| lines.get(at)).and_then(|l| l.first()) != Some(&code) {
        return Err(world.failure(format!(
            "line {line} of the export is not \"{name}\": the scenario's export has {} lines",
            lines.len()
        )));
    }
    let result = import_result(world)?.result.unwrap_or_default();
    // The API counts rows after the header: line 3 of the file is row 2.
    let row = line - 1;
    let failure = result
        .failed
        .iter()
        .find(|f| f.row == Some(row))
        .ok_or_else(|| {
            world.failure(format!(
                "the import reports no refused row {row} (line {line}); it refused: {:?}",
                result.failed
            ))
        })?;
    if failure.code != code || !failure.reason.starts_with(start) {
        return Err(world.failure(format!(
            "row {row} should be \"{code}\" refused with a reason starting \"{start}\", the import says \"{}\": {}",
            failure.code, failure.reason
        )));
    }
    Ok(())
}

#[then(expr = "the import is refused because {string}")]
async fn import_refused(world: &mut HarnessWorld, why: String) -> StepResult {
    let (key, piece) = REFUSALS
        .iter()
        .find(|(phrase, _, _)| *phrase == why)
        .map(|(_, key, piece)| (*key, *piece))
        .ok_or_else(|| {
            let known: Vec<String> = REFUSALS
                .iter()
                .map(|(p, _, _)| format!("\"{p}\""))
                .collect();
            world.failure(format!(
                "unknown reason \"{why}\"; known: {}",
                known.join(", ")
            ))
        })?;
    match &world.last_call {
        Some(Err(e)) if e.key() == Some(key) => {
            let details = e.body().and_then(|b| b.details.clone()).unwrap_or_default();
            if details.contains(piece) {
                Ok(())
            } else {
                Err(world.failure(format!(
                    "the import was refused ({key}) but its details do not say \"{piece}\": {details}"
                )))
            }
        }
        Some(Err(e)) => Err(world.failure(format!(
            "the import should be refused with {key}, it was refused with: {e}"
        ))),
        Some(Ok(v)) => Err(world.failure(format!(
            "the import should be refused ({key}), it was accepted: {}",
            v["result"]["message"]
        ))),
        None => Err(world.failure("no import has happened in this scenario")),
    }
}

async fn voucher(world: &HarnessWorld, name: &str) -> Result<crate::model::Voucher, StepFailure> {
    let code = world.code(name);
    world
        .client()?
        .get_voucher(&code)
        .await
        .map_err(|e| world.call_failed(&format!("reading the code \"{name}\""), &e))
}

#[then(expr = "the code {string} gives {offer}")]
async fn code_gives(world: &mut HarnessWorld, name: String, offer: Offer) -> StepResult {
    let v = voucher(world, &name).await?;
    let d = v.discount.unwrap_or_default();
    let want = offer.0;
    let same = d.kind == want.kind
        && d.amount_off == want.amount_off
        && d.percent_off == want.percent_off
        && d.fixed_amount == want.fixed_amount;
    if !same {
        return Err(world.failure(format!(
            "\"{name}\" should give {} {:?}, it gives {} (amount_off {:?}, percent_off {:?}, fixed_amount {:?})",
            want.kind,
            want.amount_off.or(want.fixed_amount).map(format_minor).or(want.percent_off.map(|p| format!("{p}%"))),
            d.kind,
            d.amount_off,
            d.percent_off,
            d.fixed_amount
        )));
    }
    Ok(())
}

#[then(expr = "the code {string} has {int} use(s) left")]
async fn uses_left(world: &mut HarnessWorld, name: String, left: i64) -> StepResult {
    let v = voucher(world, &name).await?;
    let Some(limit) = v.redemption.quantity else {
        return Err(world.failure(format!(
            "\"{name}\" should have {left} use(s) left, it has no limit"
        )));
    };
    let actual = limit - v.redemption.redeemed_quantity;
    if actual != left {
        return Err(world.failure(format!(
            "\"{name}\" should have {left} use(s) left, it has {actual} ({} of {limit} used)",
            v.redemption.redeemed_quantity
        )));
    }
    Ok(())
}

#[then(expr = "the code {string} expires on {word}")]
async fn expires_on(world: &mut HarnessWorld, name: String, date: String) -> StepResult {
    let want = parse_date(&date)
        .ok_or_else(|| world.failure(format!("\"{date}\" is not a date (write 2031-12-31)")))?;
    let v = voucher(world, &name).await?;
    if v.expiration_date != Some(want) {
        return Err(world.failure(format!(
            "\"{name}\" should expire on {}, it expires {}",
            want,
            v.expiration_date
                .map_or_else(|| "never".to_string(), |t| format!("on {t}"))
        )));
    }
    Ok(())
}

#[then(expr = "the code {string} keeps {string} as its {string}")]
async fn keeps_metadata(
    world: &mut HarnessWorld,
    name: String,
    value: String,
    property: String,
) -> StepResult {
    let v = voucher(world, &name).await?;
    match v.metadata.get(&property) {
        Some(serde_json::Value::String(s)) if *s == value => Ok(()),
        other => Err(world.failure(format!(
            "\"{name}\" should keep \"{value}\" as its \"{property}\", its metadata has {other:?}"
        ))),
    }
}

#[then(expr = "the code {string} was not imported")]
async fn not_imported(world: &mut HarnessWorld, name: String) -> StepResult {
    let code = world.code(&name);
    match world.client()?.get_voucher(&code).await {
        Err(e) if e.status() == Some(404) => Ok(()),
        Err(e) => Err(world.call_failed(&format!("looking up \"{name}\""), &e)),
        Ok(v) => Err(world.failure(format!(
            "\"{name}\" should not exist, but it was created at {:?}",
            v.created_at
        ))),
    }
}

#[then(expr = "the checkouts with {string} and {string} got the same discount and total")]
async fn same_checkouts(world: &mut HarnessWorld, a: String, b: String) -> StepResult {
    let order_of = |name: &str| {
        world
            .attempts
            .iter()
            .rev()
            .find(|at| at.codes.iter().any(|c| c == name))
            .and_then(|at| at.order().cloned())
            .ok_or_else(|| {
                world.failure(format!(
                    "no accepted checkout with \"{name}\" in this scenario"
                ))
            })
    };
    let (x, y) = (order_of(&a)?, order_of(&b)?);
    let figures = |o: &crate::model::Order| (o.total_discount_amount, o.total_amount);
    if figures(&x) != figures(&y) {
        return Err(world.failure(format!(
            "\"{a}\" gave a discount of {} and a total of {}, \"{b}\" a discount of {} and a total of {}",
            format_minor(figures(&x).0),
            format_minor(figures(&x).1),
            format_minor(figures(&y).0),
            format_minor(figures(&y).1)
        )));
    }
    Ok(())
}
