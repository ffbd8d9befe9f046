//! Bulk imports of codes and the async actions that report on them.

use std::time::{Duration, Instant};

use reqwest::Method;

use super::{Client, ClientError};
use crate::emulator::multipart::form_with_file;
use crate::model::{AsyncAction, AsyncActionStarted, ImportItem};

impl Client {
    /// `POST /v1/vouchers/import`: standalone codes; the id of the async action.
    pub async fn import_vouchers(&self, items: &[ImportItem]) -> Result<String, ClientError> {
        self.call::<AsyncActionStarted>(
            Method::POST,
            &["v1", "vouchers", "import"],
            &[],
            Some(items),
        )
        .await
        .map(|a| a.async_action_id)
    }

    /// `POST /v1/vouchers/importCSV` with the file as a form's `file` part.
    pub async fn import_vouchers_csv(
        &self,
        filename: &str,
        csv: &[u8],
    ) -> Result<String, ClientError> {
        let (content_type, body) = form_with_file(filename, csv, &[]);
        self.call_bytes_with::<AsyncActionStarted>(
            Method::POST,
            &["v1", "vouchers", "importCSV"],
            &[],
            Some(body),
            &[("Content-Type", &content_type)],
        )
        .await
        .map(|a| a.async_action_id)
    }

    /// `POST /v1/campaigns/{id}/import`: codes that take the campaign's value.
    pub async fn import_into_campaign(
        &self,
        campaign: &str,
        items: &[ImportItem],
    ) -> Result<String, ClientError> {
        self.call::<AsyncActionStarted>(
            Method::POST,
            &["v1", "campaigns", campaign, "import"],
            &[],
            Some(items),
        )
        .await
        .map(|a| a.async_action_id)
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
