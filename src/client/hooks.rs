//! Webhooks (Management API), customer activity, and the emulator's control plane for webhook
//! secrets, delivery settings and log, distributions, outbox and audit log.

use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Client, ClientError, RawResponse, Secret};
use crate::emulator::hooks::distributions::{Distribution, DistributionInput};
use crate::emulator::hooks::{AuditEntry, Delivery, Message};
use crate::model::webhook::{Webhook, WebhookInput};
use crate::model::{ErrorBody, List};

type Query<'a> = &'a [(&'a str, String)];

/// Reads an answer as `T`, or the API's error object.
fn decode<T: DeserializeOwned>(response: RawResponse, what: &str) -> Result<T, ClientError> {
    if !(200..300).contains(&response.status) {
        let body: ErrorBody = serde_json::from_str(&response.body).unwrap_or_else(|_| ErrorBody {
            code: response.status,
            message: response.body.chars().take(300).collect(),
            ..ErrorBody::default()
        });
        return Err(ClientError::Api {
            status: response.status,
            body: Box::new(body),
        });
    }
    let text = if response.body.trim().is_empty() {
        "null"
    } else {
        &response.body
    };
    serde_json::from_str(text).map_err(|e| ClientError::Decode {
        url: what.to_string(),
        status: response.status,
        detail: e.to_string(),
    })
}

impl Client {
    /// A Management API call with this client's keys as `X-Management-Id`/`-Token`.
    async fn management<T: DeserializeOwned>(
        &self,
        method: Method,
        segments: &[&str],
        body: Option<&(impl Serialize + ?Sized)>,
    ) -> Result<T, ClientError> {
        let (id, token) = match &self.credentials {
            Some(c) => (c.app_id.clone(), c.secret_key.expose().to_string()),
            None => (String::new(), String::new()),
        };
        let bytes = body.map(|b| serde_json::to_vec(b).unwrap_or_default());
        let headers = [
            ("X-Management-Id", id.as_str()),
            ("X-Management-Token", token.as_str()),
        ];
        let response = self.raw(method, segments, &[], bytes, &headers).await?;
        decode(response, &segments.join("/"))
    }

    /// `POST /management/v1/projects/{projectId}/webhooks`.
    pub async fn register_webhook(
        &self,
        project: &str,
        input: &WebhookInput,
    ) -> Result<Webhook, ClientError> {
        self.management(
            Method::POST,
            &["management", "v1", "projects", project, "webhooks"],
            Some(input),
        )
        .await
    }

    /// `GET /management/v1/projects/{projectId}/webhooks/{webhookId}`.
    pub async fn get_webhook(&self, project: &str, id: &str) -> Result<Webhook, ClientError> {
        self.management(
            Method::GET,
            &["management", "v1", "projects", project, "webhooks", id],
            None::<&()>,
        )
        .await
    }

    /// `GET /v1/customers/{id}/activity` (`data_ref` `data`).
    pub async fn customer_activity(
        &self,
        id_or_source_id: &str,
        query: Query<'_>,
    ) -> Result<List<serde_json::Value>, ClientError> {
        self.call(
            Method::GET,
            &["v1", "customers", id_or_source_id, "activity"],
            query,
            None::<&()>,
        )
        .await
    }

    /// The project's webhook secret (control plane). Read past the request log, so the
    /// secret is never recorded.
    pub async fn webhook_secret(&self, project: &str) -> Result<Secret, ClientError> {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty()
                .extend(["_emulator", "projects", project, "webhook-secret"]);
        }
        let shown = url.to_string();
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| ClientError::Unreachable {
                url: shown.clone(),
                detail: e.to_string(),
            })?;
        let status = response.status().as_u16();
        let body = response
            .text()
            .await
            .map_err(|e| ClientError::Unreachable {
                url: shown.clone(),
                detail: e.to_string(),
            })?;
        let value: serde_json::Value = decode(
            RawResponse {
                status,
                headers: Vec::new(),
                body,
            },
            &shown,
        )?;
        value["secret"]
            .as_str()
            .map(Secret::new)
            .ok_or_else(|| ClientError::Decode {
                url: shown,
                status,
                detail: "the answer has no secret".into(),
            })
    }

    /// Changes how sendouts are retried (`max_attempts`, `retry_delay_ms`, `timeout_ms`).
    pub async fn set_webhook_settings(
        &self,
        project: &str,
        change: &serde_json::Value,
    ) -> Result<serde_json::Value, ClientError> {
        self.call(
            Method::PUT,
            &["_emulator", "projects", project, "webhook-settings"],
            &[],
            Some(change),
        )
        .await
    }

    /// Sendouts, newest first (filters `webhook`, `type`, `status`, `customer`).
    pub async fn webhook_deliveries(
        &self,
        project: &str,
        query: Query<'_>,
    ) -> Result<List<Delivery>, ClientError> {
        self.call(
            Method::GET,
            &["_emulator", "projects", project, "webhook-deliveries"],
            query,
            None::<&()>,
        )
        .await
    }

    pub async fn create_distribution(
        &self,
        project: &str,
        input: &DistributionInput,
    ) -> Result<Distribution, ClientError> {
        self.call(
            Method::POST,
            &["_emulator", "projects", project, "distributions"],
            &[],
            Some(input),
        )
        .await
    }

    pub async fn disable_distribution(
        &self,
        project: &str,
        id: &str,
    ) -> Result<Distribution, ClientError> {
        self.call(
            Method::POST,
            &[
                "_emulator",
                "projects",
                project,
                "distributions",
                id,
                "disable",
            ],
            &[],
            None::<&()>,
        )
        .await
    }

    /// Messages of distributions, newest first (filters `channel`, `status`, `customer`,
    /// `distribution`).
    pub async fn outbox(
        &self,
        project: &str,
        query: Query<'_>,
    ) -> Result<List<Message>, ClientError> {
        self.call(
            Method::GET,
            &["_emulator", "projects", project, "outbox"],
            query,
            None::<&()>,
        )
        .await
    }

    /// Audit log entries, newest first (filters `method`, `path`, `status`, `request_id`,
    /// `created_at[after]`, `created_at[before]`).
    pub async fn audit_log(
        &self,
        project: &str,
        query: Query<'_>,
    ) -> Result<List<AuditEntry>, ClientError> {
        self.call(
            Method::GET,
            &["_emulator", "projects", project, "audit-log"],
            query,
            None::<&()>,
        )
        .await
    }
}

impl Client {
    /// The project's secret key, for checks that it never shows up anywhere.
    pub fn secret_key(&self) -> Option<&Secret> {
        self.credentials.as_ref().map(|c| &c.secret_key)
    }
}
