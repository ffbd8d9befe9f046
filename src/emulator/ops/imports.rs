//! Bulk imports of codes: `POST /v1/vouchers/import` (JSON), `/v1/vouchers/importCSV` (a CSV
//! file) and `/v1/campaigns/{id}/import` (JSON, into a campaign).
//!
//! The request is checked as a whole first (shape, codes missing, codes already taken): a
//! refused request changes nothing. The rows are then read and checked without the project's
//! lock, and stored in chunks, each under the lock for a few milliseconds, so other requests
//! of the project go on while a large import runs. Rows that cannot be imported are reported in
//! the async action's result with their row and reason, and the others are imported, as the
//! API's async-action results show (`"1 product(s) imported successfully, 1 failed."`).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use super::vouchers::{self, Draft};
use crate::emulator::clock::wall_now;
use crate::emulator::convert;
use crate::emulator::error::ApiError;
use crate::emulator::store::{Project, ProjectSlot};
use crate::engine::time::Timestamp;
use crate::model::voucher::RedemptionLimit;
use crate::model::{
    AsyncAction, Campaign, DiscountSpec, ImportFailure, ImportItem, ImportResult, Metadata,
};

/// Rows stored per turn of the project's lock.
pub const CHUNK: usize = 5_000;

/// The columns of a voucher CSV the API maps to voucher fields; any other column becomes a
/// metadata property of each code.
pub const CSV_COLUMNS: [&str; 12] = [
    "Code",
    "Voucher Type",
    "Value",
    "Discount Type",
    "Category",
    "Start Date",
    "Expiration Date",
    "Redemption Limit",
    "Redeemed Quantity",
    "Redeemed Amount",
    "Active",
    "Additional Info",
];

/// One row of an import, read and checked: what to store, or why not.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The CSV data row (1 = the first after the header); `None` for JSON.
    pub row: Option<u64>,
    pub code: String,
    pub outcome: Result<Box<Row>, String>,
}

/// A code to store (or, from a CSV, to update when it exists).
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub draft: Draft,
    pub redeemed_quantity: i64,
    pub redeemed_amount: Option<i64>,
    /// The CSV columns that had a value (an update changes only these).
    pub given: HashSet<&'static str>,
}

/// What kind of import, and where its codes go.
#[derive(Debug, Clone)]
pub enum Kind {
    Vouchers,
    VouchersCsv {
        /// Announce created and updated codes (`webhooks_enable=true`).
        events: bool,
    },
    Campaign(Box<Campaign>),
}

impl Kind {
    fn action_type(&self) -> &'static str {
        match self {
            Self::Vouchers => "VOUCHERS.IMPORT",
            Self::VouchersCsv { .. } => "VOUCHERS.IMPORT_CSV",
            Self::Campaign(_) => "CAMPAIGN.VOUCHERS_IMPORT",
        }
    }
}

fn invalid_voucher(details: impl Into<String>) -> ApiError {
    ApiError::bad_request("invalid_voucher", "Invalid Voucher", details)
}

/// Refuses a JSON import whose items lack codes or repeat one (nothing is imported).
pub fn check_items(items: &[ImportItem]) -> Result<(), ApiError> {
    let missing = items
        .iter()
        .filter(|i| i.code.as_deref().is_none_or(|c| c.trim().is_empty()))
        .count();
    if missing > 0 {
        return Err(invalid_voucher(format!(
            "Found {missing} voucher(s) without 'code' value"
        )));
    }
    let mut seen = HashSet::with_capacity(items.len());
    let repeated: Vec<&str> = items
        .iter()
        .filter_map(|i| i.code.as_deref())
        .filter(|c| !seen.insert(*c))
        .collect();
    if !repeated.is_empty() {
        return Err(duplicate_key(
            &repeated,
            "appear more than once in the request",
        ));
    }
    Ok(())
}

/// 400 `duplicate_key`: `"2 voucher codes(s) already exist."`, naming the first few.
fn duplicate_key(codes: &[&str], what: &str) -> ApiError {
    let shown: Vec<&str> = codes.iter().take(10).copied().collect();
    let more = if codes.len() > shown.len() {
        ", ..."
    } else {
        ""
    };
    ApiError::bad_request(
        "duplicate_key",
        "Duplicate codes",
        format!(
            "{} voucher codes(s) {what}: {}{more}",
            codes.len(),
            shown.join(", ")
        ),
    )
}

/// Refuses a JSON import that holds codes the project already has (nothing is imported).
pub fn check_taken(project: &Project, codes: &[&str]) -> Result<(), ApiError> {
    let taken: Vec<&str> = codes
        .iter()
        .filter(|c| project.vouchers.contains(c))
        .copied()
        .collect();
    if taken.is_empty() {
        Ok(())
    } else {
        Err(duplicate_key(&taken, "already exist"))
    }
}

/// Records a new async action `IN_PROGRESS` and returns its id.
pub fn start_action(
    project: &mut Project,
    kind: &Kind,
    request_id: &str,
    now: Timestamp,
) -> String {
    let id = project.ids.hex("aa_");
    let action = AsyncAction {
        id: id.clone(),
        kind: kind.action_type().into(),
        status: "IN_PROGRESS".into(),
        result: None,
        created_at: Some(now),
        updated_at: Some(now),
        request_id: Some(request_id.to_string()),
        progress: 0,
        processing_time: None,
        object: "async_action".into(),
    };
    project.async_actions.put(id.clone(), action);
    id
}

/// Plans the rows of a JSON import (no lock needed).
pub fn plan_items(items: Vec<ImportItem>, kind: &Kind) -> Vec<Planned> {
    items
        .into_iter()
        .map(|item| {
            let code = item.code.clone().unwrap_or_default();
            let outcome = match kind {
                Kind::Campaign(campaign) => campaign_row(&item, campaign),
                _ => standalone_row(&item),
            }
            .map(Box::new);
            Planned {
                row: None,
                code,
                outcome,
            }
        })
        .collect()
}

fn dates(item: &ImportItem) -> Result<(Option<Timestamp>, Option<Timestamp>), String> {
    let read = |name: &str, text: Option<&String>| match text {
        None => Ok(None),
        Some(t) => parse_date(t).map(Some).ok_or_else(|| {
            format!("{name}: must be a date in ISO 8601 format (actual value is '{t}')")
        }),
    };
    let start = read("start_date", item.start_date.as_ref())?;
    let end = read("expiration_date", item.expiration_date.as_ref())?;
    if let (Some(s), Some(e)) = (start, end)
        && s > e
    {
        return Err("start_date must be before expiration_date".into());
    }
    Ok((start, end))
}

fn quantity(limit: Option<&RedemptionLimit>, name: &str) -> Result<Option<i64>, String> {
    match limit.and_then(|r| r.quantity) {
        Some(q) if q < 1 => Err(format!(
            "{name}: must be greater than 0 (actual value is '{q}')"
        )),
        q => Ok(q),
    }
}

/// A standalone code of `POST /v1/vouchers/import`.
fn standalone_row(item: &ImportItem) -> Result<Row, String> {
    let code = check_code(item.code.as_deref().unwrap_or_default())?;
    let kind = item
        .kind
        .clone()
        .unwrap_or_else(|| "DISCOUNT_VOUCHER".into());
    if kind == "LOYALTY_CARD" {
        return Err("type: a loyalty card is imported into its LOYALTY_PROGRAM campaign".into());
    }
    let (discount, gift, loyalty_card) = vouchers::value_of(
        &kind,
        item.discount.as_ref(),
        item.gift.as_ref(),
        item.loyalty_card.as_ref(),
    )
    .map_err(reason)?;
    let (start_date, expiration_date) = dates(item)?;
    Ok(Row {
        draft: Draft {
            code,
            kind,
            discount,
            gift,
            loyalty_card,
            category: None,
            start_date,
            expiration_date,
            active: item.active.unwrap_or(true),
            additional_info: item.additional_info.clone(),
            metadata: item.metadata.clone().unwrap_or_default(),
            quantity: quantity(item.redemption.as_ref(), "redemption.quantity")?,
            ..Draft::default()
        },
        given: category_given(item.category.as_deref()),
        ..Row::default()
    }
    .with_category(item.category.clone()))
}

/// A code of `POST /v1/campaigns/{id}/import`: value, dates and type from the campaign.
fn campaign_row(item: &ImportItem, campaign: &Campaign) -> Result<Row, String> {
    let code = check_code(item.code.as_deref().unwrap_or_default())?;
    let template = campaign.voucher.clone().unwrap_or_default();
    let kind = template
        .kind
        .clone()
        .unwrap_or_else(|| "DISCOUNT_VOUCHER".into());
    let gift = item.gift.as_ref().or(template.gift.as_ref());
    let card = item
        .loyalty_card
        .as_ref()
        .or(template.loyalty_card.as_ref());
    let (discount, gift, loyalty_card) =
        vouchers::value_of(&kind, template.discount.as_ref(), gift, card).map_err(reason)?;
    let quantity = match quantity(item.redemption.as_ref(), "redemption.quantity")? {
        Some(q) => Some(q),
        None if item.redemption.is_some() => None,
        None => template.redemption.as_ref().and_then(|r| r.quantity),
    };
    Ok(Row {
        draft: Draft {
            code,
            kind,
            discount,
            gift,
            loyalty_card,
            campaign: Some((campaign.id.clone(), campaign.name.clone())),
            start_date: campaign.start_date,
            expiration_date: campaign.expiration_date,
            active: item.active.unwrap_or(true),
            additional_info: item.additional_info.clone(),
            metadata: item.metadata.clone().unwrap_or_default(),
            quantity,
            is_referral_code: template.is_referral_code.unwrap_or(false),
            ..Draft::default()
        },
        given: category_given(item.category.as_deref()),
        ..Row::default()
    }
    .with_category(
        item.category
            .clone()
            .or_else(|| campaign.category_id.clone()),
    ))
}

fn category_given(category: Option<&str>) -> HashSet<&'static str> {
    category.map(|_| "Category").into_iter().collect()
}

impl Row {
    /// Keeps the category as given; it is linked to a category of the project when stored.
    fn with_category(mut self, category: Option<String>) -> Self {
        self.draft.category = category.map(|name| crate::model::Category {
            name,
            ..crate::model::Category::default()
        });
        self
    }
}

fn check_code(code: &str) -> Result<String, String> {
    if code.trim().is_empty() {
        return Err("Code is required".into());
    }
    if code.len() > 256 || code.chars().any(char::is_control) {
        return Err(format!(
            "Code: must be at most 256 printable characters (actual value is '{code}')"
        ));
    }
    Ok(code.to_string())
}

/// The reason of a row from the error the same value gets at `POST /v1/vouchers`.
fn reason(error: ApiError) -> String {
    match error {
        ApiError::Standard { body, .. } => body.details.unwrap_or(body.message),
        ApiError::Raw { body, .. } => body.to_string(),
    }
}

/// Reads the short ISO 8601 forms the import takes: `YYYY-MM-DD`, `YYYY-MM-DDTHH`,
/// `YYYY-MM-DDTHH:mm`, `YYYY-MM-DDTHH:mm:ss`, with or without `Z`, milliseconds or an offset.
pub fn parse_date(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Some(t) = Timestamp::parse(text) {
        return Some(t);
    }
    let (date, time) = text.split_once('T')?;
    let time = time.strip_suffix('Z').unwrap_or(time);
    let full = match time.len() {
        2 => format!("{date}T{time}:00:00Z"),
        5 => format!("{date}T{time}:00Z"),
        _ => format!("{date}T{time}Z"),
    };
    Timestamp::parse(&full)
}

// CSV

/// The header of a voucher CSV: each column's field, or the metadata property it fills.
#[derive(Debug, Clone)]
pub struct CsvHeader {
    columns: Vec<Column>,
}

#[derive(Debug, Clone)]
enum Column {
    Field(&'static str),
    Metadata(String),
}

impl CsvHeader {
    /// The columns that are not voucher fields (imported as metadata).
    pub fn metadata_columns(&self) -> Vec<&str> {
        self.columns
            .iter()
            .filter_map(|c| match c {
                Column::Metadata(name) => Some(name.as_str()),
                Column::Field(_) => None,
            })
            .collect()
    }
}

fn normalize(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase()
}

fn reader(bytes: &[u8]) -> csv::Reader<&[u8]> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes)
}

/// Checks the first line of a voucher CSV: it must name the columns, with a `Code` column and
/// no name twice. Names are matched without regard to case or spacing.
pub fn csv_header(bytes: &[u8]) -> Result<CsvHeader, ApiError> {
    let expected = CSV_COLUMNS.join(", ");
    let mut records = reader(bytes).into_records();
    let first = match records.next() {
        None => {
            return Err(ApiError::invalid_payload(format!(
                "The CSV file is empty: its first line should name the columns ({expected})"
            )));
        }
        Some(Err(e)) => {
            return Err(ApiError::invalid_payload(format!(
                "The CSV file cannot be read at line 1: {e}"
            )));
        }
        Some(Ok(record)) => record,
    };
    let mut columns = Vec::with_capacity(first.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, raw) in first.iter().enumerate() {
        let name = raw.trim();
        if name.is_empty() {
            return Err(ApiError::invalid_payload(format!(
                "The CSV header (line 1) has no name in column {}",
                i + 1
            )));
        }
        let key = normalize(name);
        if let Some(before) = seen.insert(key, i + 1) {
            return Err(ApiError::invalid_payload(format!(
                "The CSV header (line 1) names the column '{name}' twice (columns {before} and {})",
                i + 1
            )));
        }
        let column = CSV_COLUMNS
            .iter()
            .find(|c| normalize(c) == normalize(name))
            .map_or_else(|| Column::Metadata(name.to_string()), |c| Column::Field(c));
        columns.push(column);
    }
    if !columns.iter().any(|c| matches!(c, Column::Field("Code"))) {
        let found: Vec<&str> = first.iter().map(str::trim).collect();
        return Err(ApiError::invalid_payload(format!(
            "The CSV header (line 1) has no 'Code' column; it names: {}. The columns are {expected}, and any other column is imported as metadata",
            found.join(", ")
        )));
    }
    Ok(CsvHeader { columns })
}

/// Plans every data row of a voucher CSV whose header was checked (no lock needed).
pub fn plan_csv(bytes: &[u8], header: &CsvHeader) -> Vec<Planned> {
    let mut planned = Vec::new();
    let mut first_row_of: HashMap<String, u64> = HashMap::new();
    for (n, record) in reader(bytes).into_records().skip(1).enumerate() {
        let row = n as u64 + 1;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                planned.push(Planned {
                    row: Some(row),
                    code: String::new(),
                    outcome: Err(format!("the row cannot be read: {e}")),
                });
                continue;
            }
        };
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let code = header
            .columns
            .iter()
            .position(|c| matches!(c, Column::Field("Code")))
            .and_then(|i| record.get(i))
            .unwrap_or_default()
            .trim()
            .to_string();
        let outcome = if record.len() != header.columns.len() {
            Err(format!(
                "the row has {} values, the header names {} columns",
                record.len(),
                header.columns.len()
            ))
        } else if let Some(first) = first_row_of.get(&code).filter(|_| !code.is_empty()) {
            Err(format!(
                "Code: appears twice in the file (first in row {first})"
            ))
        } else {
            csv_row(&record, header)
        };
        if !code.is_empty() {
            first_row_of.entry(code.clone()).or_insert(row);
        }
        planned.push(Planned {
            row: Some(row),
            code,
            outcome: outcome.map(Box::new),
        });
    }
    planned
}

fn csv_row(record: &csv::StringRecord, header: &CsvHeader) -> Result<Row, String> {
    let mut cells: HashMap<&'static str, &str> = HashMap::new();
    let mut metadata = Metadata::new();
    for (column, value) in header.columns.iter().zip(record.iter()) {
        let value = value.trim();
        match column {
            Column::Field(name) if !value.is_empty() => {
                cells.insert(name, value);
            }
            Column::Field(_) => {}
            Column::Metadata(name) if !value.is_empty() => {
                metadata.insert(name.clone(), value.into());
            }
            Column::Metadata(_) => {}
        }
    }
    let code = check_code(cells.get("Code").copied().unwrap_or_default())?;
    let kind = match cells.get("Voucher Type").copied() {
        None => return Err("Voucher Type is required".into()),
        Some(k) => k.to_ascii_uppercase(),
    };
    let value = cells.get("Value").copied();
    let integer = |name: &str, text: &str, min: i64| -> Result<i64, String> {
        text.parse::<i64>()
            .ok()
            .filter(|n| *n >= min)
            .ok_or_else(|| {
                if text.parse::<f64>().is_ok() {
                    format!("{name}: must be a whole number of at least {min} (actual value is '{text}')")
                } else {
                    format!("{name}: must be a number (actual value is '{text}')")
                }
            })
    };
    let (discount, gift) = match kind.as_str() {
        "DISCOUNT_VOUCHER" => {
            let discount_type = cells
                .get("Discount Type")
                .map(|t| t.to_ascii_uppercase())
                .ok_or("Discount Type is required for a DISCOUNT_VOUCHER")?;
            let value = value.ok_or("Value is required")?;
            let mut spec = DiscountSpec {
                kind: discount_type.clone(),
                ..DiscountSpec::default()
            };
            match discount_type.as_str() {
                "AMOUNT" => spec.amount_off = Some(integer("Value", value, 0)?),
                "FIXED" => spec.fixed_amount = Some(integer("Value", value, 0)?),
                "PERCENT" => {
                    spec.percent_off = Some(value.parse::<f64>().map_err(|_| {
                        format!("Value: must be a number (actual value is '{value}')")
                    })?)
                }
                other => {
                    return Err(format!(
                        "Discount Type: must be equal to one of AMOUNT,PERCENT,FIXED (actual value is '{other}')"
                    ));
                }
            }
            let (_, checked) = convert::discount(&spec, ".discount").map_err(reason)?;
            (Some(checked), None)
        }
        "GIFT_VOUCHER" => {
            let value = value.ok_or("Value is required")?;
            let amount = integer("Value", value, 1)?;
            let gift = serde_json::json!({"amount": amount});
            let (_, gift, _) =
                vouchers::value_of("GIFT_VOUCHER", None, Some(&gift), None).map_err(reason)?;
            (None, gift)
        }
        other => {
            return Err(format!(
                "Voucher Type: must be equal to one of DISCOUNT_VOUCHER,GIFT_VOUCHER (actual value is '{other}')"
            ));
        }
    };
    let date = |name: &'static str| -> Result<Option<Timestamp>, String> {
        cells
            .get(name)
            .map(|t| {
                parse_date(t).ok_or_else(|| {
                    format!("{name}: must be a date in ISO 8601 format (actual value is '{t}')")
                })
            })
            .transpose()
    };
    let start_date = date("Start Date")?;
    let expiration_date = date("Expiration Date")?;
    if let (Some(s), Some(e)) = (start_date, expiration_date)
        && s > e
    {
        return Err("Start Date must be before Expiration Date".into());
    }
    let quantity = cells
        .get("Redemption Limit")
        .map(|t| integer("Redemption Limit", t, 1))
        .transpose()?;
    let redeemed_quantity = cells
        .get("Redeemed Quantity")
        .map(|t| integer("Redeemed Quantity", t, 0))
        .transpose()?
        .unwrap_or(0);
    let redeemed_amount = cells
        .get("Redeemed Amount")
        .map(|t| integer("Redeemed Amount", t, 0))
        .transpose()?;
    if let (Some(gift), Some(spent)) = (&gift, redeemed_amount)
        && spent > gift.amount
    {
        return Err(format!(
            "Redeemed Amount: cannot be more than the gift card's Value {} (actual value is '{spent}')",
            gift.amount
        ));
    }
    let active = match cells.get("Active").map(|a| a.to_ascii_lowercase()) {
        None => true,
        Some(a) if a == "true" => true,
        Some(a) if a == "false" => false,
        Some(a) => {
            return Err(format!(
                "Active: must be true or false (actual value is '{a}')"
            ));
        }
    };
    let mut given: HashSet<&'static str> = cells.keys().copied().collect();
    if !metadata.is_empty() {
        given.insert("metadata");
    }
    Ok(Row {
        draft: Draft {
            code,
            kind,
            discount,
            gift,
            start_date,
            expiration_date,
            active,
            additional_info: cells.get("Additional Info").map(|s| s.to_string()),
            metadata,
            quantity,
            ..Draft::default()
        },
        redeemed_quantity,
        redeemed_amount,
        given,
    }
    .with_category(cells.get("Category").map(|s| s.to_string())))
}

// Storing

/// Stores planned rows in chunks, each under the project's lock, then records the result.
/// Runs on a blocking thread: the caller has already answered 202.
pub fn run(
    slot: &Arc<ProjectSlot>,
    action_id: &str,
    kind: &Kind,
    rows: Vec<Planned>,
    started: Instant,
) {
    let total = rows.len().max(1);
    let mut failed: Vec<ImportFailure> = Vec::new();
    let mut done = 0i64;
    let mut handled = 0usize;
    let mut rows = rows.into_iter();
    loop {
        let chunk: Vec<Planned> = rows.by_ref().take(CHUNK).collect();
        if chunk.is_empty() {
            break;
        }
        handled += chunk.len();
        let mut project = slot.lock();
        let now = project.clock.now(wall_now());
        project.vouchers.reserve(chunk.len());
        for planned in chunk {
            let outcome = planned
                .outcome
                .and_then(|row| store_row(&mut project, *row, kind, now));
            match outcome {
                Ok(()) => done += 1,
                Err(reason) => failed.push(ImportFailure {
                    code: planned.code,
                    row: planned.row,
                    reason,
                }),
            }
        }
        if let Some(action) = project.async_actions.get_mut(action_id) {
            action.progress = (handled * 100 / total).min(99) as i64;
            action.updated_at = Some(now);
        }
    }
    let mut project = slot.lock();
    let now = project.clock.now(wall_now());
    if let Some(action) = project.async_actions.get_mut(action_id) {
        action.status = "DONE".into();
        action.progress = 100;
        action.updated_at = Some(now);
        action.processing_time = Some(started.elapsed().as_millis() as i64);
        action.result = Some(ImportResult {
            message: format!(
                "{done} voucher(s) imported successfully, {} failed.",
                failed.len()
            ),
            failed_count: failed.len() as i64,
            failed,
            done_count: done,
        });
    }
}

/// Stores one checked row: a new code, or (from a CSV) the given columns of an existing one.
fn store_row(
    project: &mut Project,
    mut row: Row,
    kind: &Kind,
    now: Timestamp,
) -> Result<(), String> {
    let code = row.draft.code.clone();
    let plain_category = link_category(project, &mut row);
    if project.vouchers.contains(&code) {
        return match kind {
            Kind::VouchersCsv { events } => update(project, row, plain_category, *events, now),
            _ => Err(format!(
                "Code: a voucher with the code '{code}' already exists"
            )),
        };
    }
    let events = matches!(kind, Kind::VouchersCsv { events: true });
    let mut voucher = vouchers::new_code(project, row.draft, now);
    if plain_category.is_some() {
        voucher.category = plain_category;
    }
    voucher.redemption.redeemed_quantity = row.redeemed_quantity;
    if let Some(spent) = row.redeemed_amount {
        match &mut voucher.gift {
            Some(gift) => gift.balance = gift.amount - spent,
            None => voucher.redemption.redeemed_amount = Some(spent),
        }
    }
    if events {
        vouchers::store(project, voucher.clone());
        let data = serde_json::json!({"voucher": voucher});
        project.emit("voucher.created", &voucher.id, None, data, now);
    } else {
        vouchers::store(project, voucher);
    }
    Ok(())
}

/// Links a category name (or id) to the project's category of that name; a name the project
/// has no category of is kept as the code's plain `category` (returned).
fn link_category(project: &Project, row: &mut Row) -> Option<String> {
    let given = row.draft.category.take()?;
    match project.categories.get(&given.name) {
        Some(found) => {
            row.draft.category = Some(found.clone());
            None
        }
        None => Some(given.name),
    }
}

/// A CSV row for a code the project has: its given columns replace the stored values.
fn update(
    project: &mut Project,
    row: Row,
    plain_category: Option<String>,
    events: bool,
    now: Timestamp,
) -> Result<(), String> {
    // A copy is changed and stored only when every column was taken: a refused row leaves the
    // code as it was.
    let Some(mut voucher) = project.vouchers.get(&row.draft.code) else {
        return Err("Code: the voucher disappeared during the import".into());
    };
    if voucher.kind != row.draft.kind {
        return Err(format!(
            "Voucher Type: cannot change the existing {} into a {}",
            voucher.kind, row.draft.kind
        ));
    }
    let stored_type = voucher.discount.as_ref().map(|d| d.kind.clone());
    let new_type = row.draft.discount.as_ref().map(|d| d.kind.clone());
    if stored_type != new_type {
        return Err(format!(
            "Discount Type: cannot change the existing {} into {}",
            stored_type.unwrap_or_default(),
            new_type.unwrap_or_default()
        ));
    }
    let given = |c: &str| row.given.contains(c);
    let draft = row.draft;
    if given("Value") {
        voucher.discount = draft.discount;
        if let (Some(old), Some(new)) = (&mut voucher.gift, draft.gift) {
            let spent = old.amount - old.balance;
            old.amount = new.amount;
            old.balance = new.amount - spent;
        }
    }
    if given("Category") {
        voucher.category = draft
            .category
            .as_ref()
            .map(|c| c.name.clone())
            .or(plain_category);
        voucher.category_id = draft.category.as_ref().map(|c| c.id.clone());
    }
    if given("Start Date") {
        voucher.start_date = draft.start_date;
    }
    if given("Expiration Date") {
        voucher.expiration_date = draft.expiration_date;
    }
    if let (Some(s), Some(e)) = (voucher.start_date, voucher.expiration_date)
        && s > e
    {
        return Err("Start Date must be before Expiration Date".into());
    }
    if given("Redemption Limit") {
        voucher.redemption.quantity = draft.quantity;
    }
    if given("Redeemed Quantity") {
        voucher.redemption.redeemed_quantity = row.redeemed_quantity;
    }
    if given("Redeemed Amount")
        && let Some(spent) = row.redeemed_amount
    {
        match &mut voucher.gift {
            Some(gift) => gift.balance = gift.amount - spent,
            None => voucher.redemption.redeemed_amount = Some(spent),
        }
    }
    if given("Active") {
        voucher.active = draft.active;
    }
    if given("Additional Info") {
        voucher.additional_info = draft.additional_info;
    }
    for (k, v) in draft.metadata {
        voucher.metadata.insert(k, v);
    }
    voucher.updated_at = Some(now);
    project.vouchers.put(voucher.clone());
    if events {
        let data = serde_json::json!({"voucher": voucher});
        project.emit("voucher.updated", &voucher.id, None, data, now);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_iso_dates_are_read() {
        let full = Timestamp::parse("2030-05-01T10:00:00Z").unwrap();
        assert_eq!(parse_date("2030-05-01T10"), Some(full));
        assert_eq!(parse_date("2030-05-01T10:00"), Some(full));
        assert_eq!(parse_date("2030-05-01T10:00:00"), Some(full));
        assert_eq!(parse_date("2030-05-01T10:00:00.000Z"), Some(full));
        assert_eq!(
            parse_date("2030-05-01"),
            Timestamp::parse("2030-05-01T00:00:00Z")
        );
        assert_eq!(parse_date("tomorrow"), None);
        assert_eq!(parse_date("2030-13-01"), None);
    }

    fn plan(csv: &str) -> Vec<Planned> {
        let header = csv_header(csv.as_bytes()).unwrap();
        plan_csv(csv.as_bytes(), &header)
    }

    fn header_error(csv: &str) -> String {
        match csv_header(csv.as_bytes()).unwrap_err() {
            ApiError::Standard { body, .. } => body.details.unwrap(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn headers_need_a_code_column_and_unique_names() {
        assert!(header_error("").contains("empty"));
        assert!(
            header_error("SPRING10,DISCOUNT_VOUCHER,10,PERCENT\n")
                .contains("no 'Code' column; it names: SPRING10")
        );
        assert!(header_error("Code,Value,value\n").contains("'value' twice (columns 2 and 3)"));
        assert!(header_error("Code,,Value\n").contains("no name in column 2"));
        let header = csv_header(b"\xEF\xBB\xBF code ,VOUCHER TYPE,Store\n").unwrap();
        assert_eq!(header.metadata_columns(), vec!["Store"]);
    }

    #[test]
    fn rows_carry_their_values_or_a_precise_reason() {
        let rows = plan(
            "Code,Voucher Type,Value,Discount Type,Redemption Limit,Redeemed Quantity,Expiration Date,Store\n\
             OLD-1,DISCOUNT_VOUCHER,1000,AMOUNT,5,2,2030-12-31,Krakow\n\
             OLD-2,DISCOUNT_VOUCHER,ten,AMOUNT,,,,\n\
             OLD-1,DISCOUNT_VOUCHER,10,PERCENT,,,,\n\
             OLD-4,,10,PERCENT,,,,\n\
             OLD-5,GIFT_VOUCHER,5000,,,,2030-12-31T10,\n\
             OLD-6,DISCOUNT_VOUCHER,10,PERCENT\n",
        );
        assert_eq!(rows.len(), 6);
        let first = rows[0].outcome.as_ref().unwrap();
        assert_eq!(
            first.draft.discount.as_ref().unwrap().amount_off,
            Some(1000)
        );
        assert_eq!(first.draft.quantity, Some(5));
        assert_eq!(first.redeemed_quantity, 2);
        assert_eq!(first.draft.metadata["Store"], "Krakow");
        let reason = |i: usize| rows[i].outcome.as_ref().unwrap_err().clone();
        assert_eq!(rows[1].row, Some(2));
        assert_eq!(reason(1), "Value: must be a number (actual value is 'ten')");
        assert_eq!(
            reason(2),
            "Code: appears twice in the file (first in row 1)"
        );
        assert_eq!(reason(3), "Voucher Type is required");
        assert_eq!(
            rows[4]
                .outcome
                .as_ref()
                .unwrap()
                .draft
                .gift
                .as_ref()
                .unwrap()
                .amount,
            5000
        );
        assert_eq!(
            reason(5),
            "the row has 4 values, the header names 8 columns"
        );
    }

    #[test]
    fn json_imports_refuse_missing_and_repeated_codes() {
        let item = |code: Option<&str>| ImportItem {
            code: code.map(str::to_string),
            ..ImportItem::default()
        };
        let err = check_items(&[item(Some("A")), item(None)]).unwrap_err();
        assert_eq!(
            err.body()["details"],
            "Found 1 voucher(s) without 'code' value"
        );
        let err = check_items(&[item(Some("A")), item(Some("A"))]).unwrap_err();
        assert_eq!(err.body()["key"], "duplicate_key");
        assert!(check_items(&[item(Some("A")), item(Some("B"))]).is_ok());
    }
}
