//! The client-side API (`/client/v1`), as a web page or mobile app calls it: public keys and
//! the page's origin instead of the secret key.

use reqwest::Method;

use super::{Client, ClientError, Secret};
use crate::model::{RedemptionResponse, ValidationRequest, ValidationResponse};

/// A project's public keys and the origin the calls come from.
#[derive(Clone, Debug)]
pub struct ClientSideKeys {
    pub app_id: String,
    /// Public, yet redacted from logs like any token.
    pub token: Secret,
    /// The `origin` header (`https://shop.example.com`); browsers always send one.
    pub origin: Option<String>,
}

impl Client {
    /// `POST /client/v1/validations`.
    pub async fn client_validate(
        &self,
        request: &ValidationRequest,
    ) -> Result<ValidationResponse, ClientError> {
        self.call(
            Method::POST,
            &["client", "v1", "validations"],
            &[],
            Some(request),
        )
        .await
    }

    /// `POST /client/v1/redemptions`.
    pub async fn client_redeem(
        &self,
        request: &ValidationRequest,
    ) -> Result<RedemptionResponse, ClientError> {
        self.call(
            Method::POST,
            &["client", "v1", "redemptions"],
            &[],
            Some(request),
        )
        .await
    }

    /// `POST /client/v1/qualifications` (the body as the API documents it).
    pub async fn client_qualify(
        &self,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, ClientError> {
        self.call(
            Method::POST,
            &["client", "v1", "qualifications"],
            &[],
            Some(body),
        )
        .await
    }
}
