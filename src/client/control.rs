//! The emulator's control plane, for the harness itself (never part of the real API).

use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::{Client, ClientError, Credentials, Secret};
use crate::engine::time::Timestamp;

/// A project created through the control plane.
#[derive(Debug, Clone, Deserialize)]
pub struct NewProject {
    pub id: String,
    pub name: String,
    pub app_id: String,
    secret_key: String,
}

impl NewProject {
    pub fn credentials(&self) -> Credentials {
        Credentials {
            app_id: self.app_id.clone(),
            secret_key: Secret::new(self.secret_key.clone()),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClockView {
    pub now: Timestamp,
    pub frozen: bool,
}

impl Client {
    /// `POST /_emulator/projects`.
    pub async fn create_project(&self, name: &str) -> Result<NewProject, ClientError> {
        let body = serde_json::json!({ "name": name });
        self.call(Method::POST, &["_emulator", "projects"], &[], Some(&body))
            .await
    }

    pub async fn delete_project(&self, id: &str) -> Result<(), ClientError> {
        self.call::<serde_json::Value>(
            Method::DELETE,
            &["_emulator", "projects", id],
            &[],
            None::<&()>,
        )
        .await
        .map(|_| ())
    }

    pub async fn clock(&self, project: &str) -> Result<ClockView, ClientError> {
        self.call(
            Method::GET,
            &["_emulator", "projects", project, "clock"],
            &[],
            None::<&()>,
        )
        .await
    }

    /// Freezes the project's clock at `now`.
    pub async fn set_clock(&self, project: &str, now: Timestamp) -> Result<ClockView, ClientError> {
        let body = serde_json::json!({ "now": now });
        self.call(
            Method::PUT,
            &["_emulator", "projects", project, "clock"],
            &[],
            Some(&body),
        )
        .await
    }

    /// Moves the project's clock by an ISO 8601 duration (`P1D`, `-PT2H`).
    pub async fn advance_clock(
        &self,
        project: &str,
        duration: &str,
    ) -> Result<ClockView, ClientError> {
        let body = serde_json::json!({ "advance": duration });
        self.call(
            Method::PUT,
            &["_emulator", "projects", project, "clock"],
            &[],
            Some(&body),
        )
        .await
    }

    /// Changes the project's stacking rules (fields as in a validation's `stacking_rules`).
    pub async fn set_stacking_rules(
        &self,
        project: &str,
        change: &serde_json::Value,
    ) -> Result<serde_json::Value, ClientError> {
        self.call(
            Method::PUT,
            &["_emulator", "projects", project, "stacking-rules"],
            &[],
            Some(change),
        )
        .await
    }
}
