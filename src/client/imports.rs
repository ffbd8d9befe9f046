//! Bulk imports of codes and the async actions that report on them.

use std::time::{Duration, Instant};

use reqwest::Method;

use super::ledger::{Entry, Kind};
use super::{Client, ClientError};
use crate::emulator::multipart::form_with_file;
use crate::model::{AsyncAction, AsyncActionStarted, ImportItem};

impl Client {
    /// `POST /v1/vouchers/import`: standalone codes; the id of the async action.
    pub async fn import_vouchers(&self, items: &[ImportItem]) -> Result<String, ClientError> {
        self.import_items(&["v1", "vouchers", "import"], items)
            .await
    }

    /// `POST /v1/vouchers/importCSV` with the file as a form's `file` part.
    pub async fn import_vouchers_csv(
        &self,
        filename: &str,
        csv: &[u8],
    ) -> Result<String, ClientError> {
        let (content_type, body) = form_with_file(filename, csv, &[]);
        let id = self
            .call_bytes_with::<AsyncActionStarted>(
                Method::POST,
                &["v1", "vouchers", "importCSV"],
                &[],
                Some(body),
                &[("Content-Type", &content_type)],
            )
            .await?
            .async_action_id;
        self.record_imported(csv_codes(csv));
        Ok(id)
    }

    /// `POST /v1/campaigns/{id}/import`: codes that take the campaign's value.
    pub async fn import_into_campaign(
        &self,
        campaign: &str,
        items: &[ImportItem],
    ) -> Result<String, ClientError> {
        self.import_items(&["v1", "campaigns", campaign, "import"], items)
            .await
    }

    /// A JSON import at `path`: the id of its async action, the codes recorded for cleanup.
    async fn import_items(
        &self,
        path: &[&str],
        items: &[ImportItem],
    ) -> Result<String, ClientError> {
        let id = self
            .call::<AsyncActionStarted>(Method::POST, path, &[], Some(items))
            .await?
            .async_action_id;
        self.record_imported(items.iter().filter_map(|i| i.code.clone()));
        Ok(id)
    }

    /// On a shared project, the run's imported codes go into its ledger (the answer names only
    /// the async action), so that cleanup deletes them by code; a code that was refused is
    /// reported as already gone.
    fn record_imported(&self, codes: impl Iterator<Item = String>) {
        let Some(mark) = self.mark() else { return };
        let entries: Vec<Entry> = codes
            .filter(|code| code.starts_with(&mark.prefix))
            .map(|code| Entry {
                kind: Kind::Voucher,
                id: code.clone(),
                label: code,
                scenario: mark.scenario.clone(),
                campaign_id: None,
            })
            .collect();
        if !entries.is_empty() {
            mark.ledger.record(entries);
        }
    }

    pub async fn get_async_action(&self, id: &str) -> Result<AsyncAction, ClientError> {
        self.call(Method::GET, &["v1", "async-actions", id], &[], None::<&()>)
            .await
    }

    /// Reads the action until it is no longer `IN_PROGRESS` (or `within` has passed), telling
    /// `progress` each percentage it reports.
    pub async fn wait_for_async_action(
        &self,
        id: &str,
        within: Duration,
        mut progress: impl FnMut(i64),
    ) -> Result<AsyncAction, ClientError> {
        let deadline = Instant::now() + within;
        let mut pause = Duration::from_millis(20);
        loop {
            let action = self.get_async_action(id).await?;
            progress(action.progress);
            if action.status != "IN_PROGRESS" || Instant::now() >= deadline {
                return Ok(action);
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(500));
        }
    }
}

/// The codes of a CSV's `Code` column (matched as the emulator matches headers).
fn csv_codes(csv: &[u8]) -> impl Iterator<Item = String> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(csv);
    let column = reader.headers().ok().and_then(|h| {
        h.iter()
            .position(|name| name.trim().eq_ignore_ascii_case("code"))
    });
    reader
        .into_records()
        .filter_map(Result::ok)
        .filter_map(move |r| column.and_then(|c| r.get(c)).map(|c| c.trim().to_string()))
        .filter(|c| !c.is_empty())
}
