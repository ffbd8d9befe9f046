//! Control-plane calls that set the conditions of an emulator project: injected faults, rate
//! limits, and client-side access (never part of the real API).

use reqwest::Method;

use super::{Client, ClientError, ClientSideKeys, Secret};
use crate::emulator::client_keys::ClientAccess;
use crate::emulator::conditions::{FaultPlan, FaultView, RateLimitChange, RateLimitView};

impl Client {
    /// `PUT /_emulator/projects/{id}/faults`: replaces the project's faults.
    pub async fn set_faults(
        &self,
        project: &str,
        plan: &FaultPlan,
    ) -> Result<FaultView, ClientError> {
        self.call(
            Method::PUT,
            &["_emulator", "projects", project, "faults"],
            &[],
            Some(plan),
        )
        .await
    }

    pub async fn faults(&self, project: &str) -> Result<FaultView, ClientError> {
        self.call(
            Method::GET,
            &["_emulator", "projects", project, "faults"],
            &[],
            None::<&()>,
        )
        .await
    }

    pub async fn clear_faults(&self, project: &str) -> Result<(), ClientError> {
        self.call::<serde_json::Value>(
            Method::DELETE,
            &["_emulator", "projects", project, "faults"],
            &[],
            None::<&()>,
        )
        .await
        .map(|_| ())
    }

    /// `PUT /_emulator/projects/{id}/rate-limit`.
    pub async fn set_rate_limit(
        &self,
        project: &str,
        change: &RateLimitChange,
    ) -> Result<RateLimitView, ClientError> {
        self.call(
            Method::PUT,
            &["_emulator", "projects", project, "rate-limit"],
            &[],
            Some(change),
        )
        .await
    }

    pub async fn rate_limit(&self, project: &str) -> Result<RateLimitView, ClientError> {
        self.call(
            Method::GET,
            &["_emulator", "projects", project, "rate-limit"],
            &[],
            None::<&()>,
        )
        .await
    }

    /// `PUT /_emulator/projects/{id}/client-side`: allows `origins` and returns the project's
    /// public keys.
    pub async fn set_client_side(
        &self,
        project: &str,
        origins: &[&str],
    ) -> Result<ClientAccess, ClientError> {
        let body = serde_json::json!({ "allowed_origins": origins });
        self.call(
            Method::PUT,
            &["_emulator", "projects", project, "client-side"],
            &[],
            Some(&body),
        )
        .await
    }
}

impl ClientAccess {
    /// The keys a page on `origin` uses.
    pub fn keys_for(&self, origin: Option<&str>) -> ClientSideKeys {
        ClientSideKeys {
            app_id: self.client_application_id.clone(),
            token: Secret::new(self.client_token.clone()),
            origin: origin.map(str::to_string),
        }
    }
}
