//! Shared helpers for the endpoint tests: an emulator on a free port and a raw HTTP client.
#![allow(dead_code)]

pub mod harness_client;

use std::net::SocketAddr;

use serde_json::Value;
use voucherify_harness::emulator::clock::wall_now;
use voucherify_harness::emulator::{Emulator, ProjectSpec, Running};

pub const APP_ID: &str = "test-app";
pub const SECRET: &str = "test-secret-key-0001";

pub struct Api {
    pub running: Running,
    pub http: reqwest::Client,
    pub base: String,
    pub app_id: String,
    pub secret: String,
}

pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Api {
    pub async fn start() -> Self {
        let emulator = Emulator::new(
            ProjectSpec {
                name: None,
                app_id: Some(APP_ID.into()),
                secret_key: Some(SECRET.into()),
            },
            wall_now(),
        );
        let running = Running::start(emulator, SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("the emulator starts");
        let base = running.url();
        Self {
            running,
            http: voucherify_harness::client::http_client(Default::default()),
            base,
            app_id: APP_ID.into(),
            secret: SECRET.into(),
        }
    }

    /// A request with this project's keys; `body` is sent as is.
    pub async fn send(&self, method: &str, path: &str, body: Option<&str>) -> Answer {
        self.send_as(&self.app_id, &self.secret, method, path, body)
            .await
    }

    pub async fn send_as(
        &self,
        app_id: &str,
        secret: &str,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("X-App-Id", app_id)
            .header("X-App-Token", secret);
        if let Some(b) = body {
            req = req
                .header("Content-Type", "application/json")
                .body(b.to_string());
        }
        let resp = req.send().await.expect("the emulator answers");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("a body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Answer {
            status,
            body,
            headers,
        }
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.send("POST", path, Some(&body.to_string())).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send("GET", path, None).await
    }

    /// A standalone discount code; `quantity` `None` = unlimited.
    pub async fn voucher(&self, code: &str, discount: Value, quantity: Option<i64>) -> Value {
        let a = self
            .post(
                &format!("/v1/vouchers/{code}"),
                serde_json::json!({"type": "DISCOUNT_VOUCHER", "discount": discount, "redemption": {"quantity": quantity}}),
            )
            .await;
        assert_eq!(a.status, 200, "creating {code}: {}", a.body);
        a.body
    }

    pub fn redeemables(codes: &[&str]) -> Value {
        Value::Array(
            codes
                .iter()
                .map(|c| serde_json::json!({"object": "voucher", "id": c}))
                .collect(),
        )
    }
}

/// Asserts the API's error shape and returns the key.
pub fn assert_error(a: &Answer, status: u16, key: &str) {
    assert_eq!(a.status, status, "status of {}", a.body);
    assert_eq!(a.body["code"], status, "code in {}", a.body);
    assert_eq!(a.body["key"], key, "key in {}", a.body);
    assert!(a.body["message"].is_string(), "message in {}", a.body);
    assert!(
        a.body["request_id"]
            .as_str()
            .is_some_and(|r| r.starts_with("v-")),
        "request_id in {}",
        a.body
    );
}
