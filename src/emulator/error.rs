//! The one place where emulator errors become HTTP responses, in the API's error shape.
//!
//! Every error carries the `request_id` of the request it answers (`v-` + hex), read from the
//! task-local set by the request middleware, so handlers never thread it through.

use crate::emulator::answer::Json;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::engine::rejection::Rejection;
use crate::model::{ErrorBody, ErrorMessage};

tokio::task_local! {
    /// The id of the request being handled.
    pub static REQUEST_ID: String;
}

/// The current request's id, or a fresh one outside a request.
pub fn current_request_id() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| "v-0000000000000000000".to_string())
}

/// An error answer of the emulator.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The standard error object.
    Standard {
        status: StatusCode,
        body: Box<ErrorBody>,
    },
    /// A body of another shape (413 `{"statusCode":..}`, 429 without a key), sent as is.
    Raw {
        status: StatusCode,
        body: serde_json::Value,
        headers: Vec<(&'static str, String)>,
    },
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, key: &str, message: &str, details: impl Into<String>) -> Self {
        Self::Standard {
            status,
            body: Box::new(ErrorBody {
                code: status.as_u16(),
                key: Some(key.to_string()),
                message: message.to_string(),
                details: Some(details.into()),
                ..ErrorBody::default()
            }),
        }
    }

    pub fn bad_request(key: &str, message: &str, details: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, key, message, details)
    }

    /// 400 `invalid_payload` with the API's "Property .x should ..." details.
    pub fn invalid_payload(details: impl Into<String>) -> Self {
        Self::bad_request("invalid_payload", "Invalid payload", details)
    }

    pub fn invalid_query(details: impl Into<String>) -> Self {
        Self::bad_request("invalid_query_params", "Invalid query params", details)
    }

    /// 404 `not_found` naming the resource.
    pub fn not_found(resource_type: &str, id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "Resource not found",
            format!("Cannot find {resource_type} with id {id}"),
        )
        .with_resource(resource_type, id)
    }

    /// 409 `duplicate_found`.
    pub fn duplicate(resource_type: &str, id: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "duplicate_found",
            "Duplicated resource found",
            format!("Duplicated {resource_type} exists with id {id}"),
        )
        .with_resource(resource_type, id)
    }

    /// 401 as the API sends it for a missing or wrong key.
    pub fn unauthorized() -> Self {
        Self::Standard {
            status: StatusCode::UNAUTHORIZED,
            body: Box::new(ErrorBody {
                code: 401,
                key: Some("unauthorized".into()),
                message: "Unauthorized".into(),
                details: Some(
                    "Check the X-App-Id and X-App-Token headers: they must be the application \
                     id and secret key of one project."
                        .into(),
                ),
                ..ErrorBody::default()
            }),
        }
    }

    /// A business rejection as a request error (failed redemption, legacy endpoints).
    pub fn from_rejection(rejection: &Rejection) -> Self {
        let status = StatusCode::from_u16(rejection.status()).unwrap_or(StatusCode::BAD_REQUEST);
        let mut error = Self::new(
            status,
            rejection.key(),
            rejection.message(),
            rejection.details(),
        );
        if let Some((kind, id)) = rejection.resource() {
            error = error.with_resource(kind, id);
        }
        if let Some(text) = rejection.translation() {
            error = error.with_translation(text);
        }
        error
    }

    pub fn with_resource(mut self, resource_type: &str, id: &str) -> Self {
        if let Self::Standard { body, .. } = &mut self {
            body.resource_type = Some(resource_type.to_string());
            body.resource_id = Some(id.to_string());
        }
        self
    }

    pub fn with_translation(mut self, text: &str) -> Self {
        if let Self::Standard { body, .. } = &mut self {
            body.error = Some(ErrorMessage {
                message: text.to_string(),
            });
        }
        self
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Standard { status, .. } | Self::Raw { status, .. } => *status,
        }
    }

    /// The error object as it is sent, with the current request id.
    pub fn body(&self) -> serde_json::Value {
        match self {
            Self::Standard { body, .. } => {
                let mut body = (**body).clone();
                body.request_id = Some(current_request_id());
                serde_json::to_value(body).unwrap_or_default()
            }
            Self::Raw { body, .. } => body.clone(),
        }
    }

    /// The error object for embedding in a validation result (`result.error`).
    pub fn rejection_body(rejection: &Rejection) -> ErrorBody {
        let mut body = match Self::from_rejection(rejection) {
            Self::Standard { body, .. } => *body,
            Self::Raw { .. } => ErrorBody::default(),
        };
        body.request_id = Some(current_request_id());
        body
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = self.body();
        let mut response = (status, Json(body)).into_response();
        if let Self::Raw { headers, .. } = self {
            for (name, value) in headers {
                if let Ok(value) = HeaderValue::from_str(&value) {
                    response.headers_mut().insert(name, value);
                }
            }
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_names_the_resource() {
        let e = ApiError::not_found("voucher", "X1");
        let body = e.body();
        assert_eq!(body["code"], 404);
        assert_eq!(body["key"], "not_found");
        assert_eq!(body["details"], "Cannot find voucher with id X1");
        assert_eq!(body["resource_type"], "voucher");
        assert!(body["request_id"].as_str().unwrap().starts_with("v-"));
    }

    #[test]
    fn rejections_keep_key_and_translation() {
        let e = ApiError::from_rejection(&Rejection::VoucherExpired { code: "OLD".into() });
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
        let body = e.body();
        assert_eq!(body["key"], "voucher_expired");
        assert_eq!(body["details"], "OLD");
        assert!(body["error"]["message"].is_string());
    }
}
