//! Bulk imports of codes: `POST /v1/vouchers/import`, `/v1/vouchers/importCSV` and
//! `/v1/campaigns/{id}/import`. Each answers 202 with the id of the async action that does the
//! work in the background ([`crate::emulator::ops::imports`]).

use std::sync::Arc;
use std::time::Instant;

use crate::emulator::answer::Json;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Extension, Router};

use super::{Body, Current, open};
use crate::emulator::error::{ApiError, ApiResult, current_request_id};
use crate::emulator::extract::{Segments, json};
use crate::emulator::multipart;
use crate::emulator::ops::campaigns;
use crate::emulator::ops::imports::{self, Kind, Planned};
use crate::emulator::store::{Emulator, ProjectSlot};
use crate::model::{AsyncActionStarted, ImportItem};

/// Reads a JSON import body off the async threads (it may hold thousands of codes).
async fn items(body: axum::body::Bytes) -> ApiResult<Vec<ImportItem>> {
    tokio::task::spawn_blocking(move || {
        let items: Vec<ImportItem> = json(&body)?;
        imports::check_items(&items)?;
        Ok(items)
    })
    .await
    .unwrap_or_else(|_| Err(ApiError::invalid_payload("The import could not be read")))
}

/// A CSV file up to this size is imported before the 202 is sent.
const SMALL_FILE_BYTES: usize = 256 * 1024;

/// Records the action, answers 202, and stores the rows in the background. A `small` import
/// (one chunk) is stored before the answer: its first read is `DONE`, so a client polls it the
/// same number of times on every run.
async fn start(
    slot: &Arc<ProjectSlot>,
    kind: Kind,
    plan: impl FnOnce() -> Vec<Planned> + Send + 'static,
    check_taken: Vec<String>,
    small: bool,
) -> ApiResult<Response> {
    let started = Instant::now();
    let request_id = current_request_id();
    let action_id = {
        let (mut project, now) = open(slot);
        let codes: Vec<&str> = check_taken.iter().map(String::as_str).collect();
        imports::check_taken(&project, &codes)?;
        imports::start_action(&mut project, &kind, &request_id, now)
    };
    let slot = slot.clone();
    let id = action_id.clone();
    let work = tokio::task::spawn_blocking(move || {
        let rows = plan();
        imports::run(&slot, &id, &kind, rows, started);
    });
    if small {
        // The action records its own outcome; a failed task leaves it IN_PROGRESS, as a
        // crashed background job would.
        let _ = work.await;
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(AsyncActionStarted {
            async_action_id: action_id,
        }),
    )
        .into_response())
}

/// `POST /v1/vouchers/import`: an array of standalone codes.
pub async fn vouchers_import(Extension(slot): Current, Body(body): Body) -> ApiResult<Response> {
    let items = items(body).await?;
    let codes = items.iter().filter_map(|i| i.code.clone()).collect();
    let small = items.len() <= imports::CHUNK;
    start(
        &slot,
        Kind::Vouchers,
        move || imports::plan_items(items, &Kind::Vouchers),
        codes,
        small,
    )
    .await
}

/// `POST /v1/vouchers/importCSV`: a form with the CSV in its `file` part (and optionally
/// `webhooks_enable=true`). A code the project has is updated from its row.
pub async fn vouchers_import_csv(
    Extension(slot): Current,
    headers: HeaderMap,
    Body(body): Body,
) -> ApiResult<Response> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let parts = multipart::parts(content_type, &body)?;
    let file = parts
        .iter()
        .find(|p| p.name == "file")
        .ok_or_else(multipart::missing_file)?;
    let events = parts
        .iter()
        .find(|p| p.name == "webhooks_enable")
        .is_some_and(|p| p.data.trim_ascii().eq_ignore_ascii_case(b"true"));
    let header = imports::csv_header(file.data)?;
    let range = file.data.as_ptr() as usize - body.as_ptr() as usize;
    let file_bytes = body.slice(range..range + file.data.len());
    let kind = Kind::VouchersCsv { events };
    let small = file_bytes.len() <= SMALL_FILE_BYTES;
    start(
        &slot,
        kind,
        move || imports::plan_csv(&file_bytes, &header),
        Vec::new(),
        small,
    )
    .await
}

/// `POST /v1/campaigns/{id}/import`: codes that take the campaign's value, dates and type.
pub async fn campaigns_import(
    Extension(slot): Current,
    Segments(id): Segments<String>,
    Body(body): Body,
) -> ApiResult<Response> {
    let campaign = {
        let (project, _) = open(&slot);
        campaigns::view(&project, &id)?
    };
    if !["DISCOUNT_COUPONS", "GIFT_VOUCHERS", "LOYALTY_PROGRAM"]
        .contains(&campaign.campaign_type.as_str())
    {
        return Err(ApiError::bad_request(
            "invalid_campaign",
            "Invalid Campaign",
            format!("{} campaigns do not hold codes", campaign.campaign_type),
        ));
    }
    let items = items(body).await?;
    let codes = items.iter().filter_map(|i| i.code.clone()).collect();
    let kind = Kind::Campaign(Box::new(campaign));
    let plan_kind = kind.clone();
    let small = items.len() <= imports::CHUNK;
    start(
        &slot,
        kind,
        move || imports::plan_items(items, &plan_kind),
        codes,
        small,
    )
    .await
}

/// The routes of this module.
pub fn router() -> Router<Emulator> {
    Router::new()
        .route("/v1/vouchers/import", post(vouchers_import))
        .route("/v1/vouchers/importCSV", post(vouchers_import_csv))
        .route("/v1/campaigns/{id}/import", post(campaigns_import))
}
