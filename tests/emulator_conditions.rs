//! The emulator's conditions over HTTP: injected faults, rate-limit modes with the API's
//! headers and 429 body, and the client-side API with its keys, origins and limit.

mod common;

use common::{Answer, Api, assert_error};
use serde_json::{Value, json};

/// The default project's id.
async fn project_id(api: &Api) -> String {
    let list: Value = api
        .http
        .get(format!("{}/_emulator/projects", api.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    list["projects"][0]["id"].as_str().unwrap().to_string()
}

/// A control-plane call (no keys).
async fn control(api: &Api, method: &str, path: &str, body: Option<Value>) -> Answer {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = api.http.request(method, format!("{}{path}", api.base));
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    Answer {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        headers,
    }
}

fn header<'a>(a: &'a Answer, name: &str) -> Option<&'a str> {
    a.headers.get(name).and_then(|v| v.to_str().ok())
}

fn redemption(code: &str) -> Value {
    json!({"redeemables": Api::redeemables(&[code]), "order": {"amount": 4000}})
}

#[tokio::test]
async fn an_injected_status_answers_the_next_calls_then_stops() {
    let api = Api::start().await;
    let id = project_id(&api).await;
    let set = control(
        &api,
        "PUT",
        &format!("/_emulator/projects/{id}/faults"),
        Some(json!({"status": 503, "count": 2, "retry_after": 1})),
    )
    .await;
    assert_eq!(set.status, 200, "{}", set.body);
    for _ in 0..2 {
        let a = api.get("/v1/vouchers").await;
        assert_eq!(a.status, 503);
        assert_eq!(a.body["code"], 503);
        assert_eq!(a.body["message"], "Service Unavailable");
        assert!(a.body["request_id"].as_str().unwrap().starts_with("v-"));
        assert_eq!(header(&a, "retry-after"), Some("1"));
    }
    assert_eq!(api.get("/v1/vouchers").await.status, 200);
    let view = control(
        &api,
        "GET",
        &format!("/_emulator/projects/{id}/faults"),
        None,
    )
    .await;
    assert_eq!(view.body["injected"], 2);
    assert!(view.body.get("status").is_none(), "{}", view.body);
}

#[tokio::test]
async fn a_probability_of_one_always_fires_and_zero_never_does() {
    let api = Api::start().await;
    let id = project_id(&api).await;
    let path = format!("/_emulator/projects/{id}/faults");
    control(
        &api,
        "PUT",
        &path,
        Some(json!({"status": 500, "probability": 1.0})),
    )
    .await;
    for _ in 0..5 {
        assert_eq!(api.get("/v1/vouchers").await.status, 500);
    }
    control(
        &api,
        "PUT",
        &path,
        Some(json!({"status": 500, "probability": 0.0})),
    )
    .await;
    for _ in 0..5 {
        assert_eq!(api.get("/v1/vouchers").await.status, 200);
    }
    let cleared = control(&api, "DELETE", &path, None).await;
    assert_eq!(cleared.status, 204);
}

#[tokio::test]
async fn a_dropped_connection_gives_no_answer_and_applies_nothing() {
    let api = Api::start().await;
    let id = project_id(&api).await;
    api.voucher(
        "ONCE",
        json!({"type": "AMOUNT", "amount_off": 500}),
        Some(1),
    )
    .await;
    control(
        &api,
        "PUT",
        &format!("/_emulator/projects/{id}/faults"),
        Some(json!({"drop": true, "count": 1})),
    )
    .await;
    let sent = api
        .http
        .post(format!("{}/v1/redemptions", api.base))
        .header("X-App-Id", &api.app_id)
        .header("X-App-Token", &api.secret)
        .json(&redemption("ONCE"))
        .send()
        .await;
    let answered = match sent {
        Err(_) => false,
        Ok(resp) => resp.text().await.is_ok(),
    };
    assert!(!answered, "a dropped call must not give an answer");
    let v = api.get("/v1/vouchers/ONCE").await;
    assert_eq!(v.body["redemption"]["redeemed_quantity"], 0);
    assert_eq!(
        api.post("/v1/redemptions", redemption("ONCE")).await.status,
        200
    );
}

#[tokio::test]
async fn latency_delays_every_call_of_the_project_only() {
    let api = Api::start().await;
    let id = project_id(&api).await;
    control(
        &api,
        "PUT",
        &format!("/_emulator/projects/{id}/faults"),
        Some(json!({"latency_ms": 200})),
    )
    .await;
    let started = std::time::Instant::now();
    assert_eq!(api.get("/v1/vouchers").await.status, 200);
    assert!(started.elapsed() >= std::time::Duration::from_millis(200));
    // The audit log times the call as the caller waited for it.
    let log = control(
        &api,
        "GET",
        &format!("/_emulator/projects/{id}/audit-log?path=/v1/vouchers"),
        None,
    )
    .await;
    let took = log.body["entries"][0]["duration_ms"].as_u64().unwrap();
    assert!((200..2_000).contains(&took), "duration_ms {took}");
    // Another project's calls are not delayed, nor failed.
    let other = control(&api, "POST", "/_emulator/projects", Some(json!({}))).await;
    let other_app = other.body["app_id"].as_str().unwrap();
    let other_key = other.body["secret_key"].as_str().unwrap();
    control(
        &api,
        "PUT",
        &format!("/_emulator/projects/{id}/faults"),
        Some(json!({"status": 503})),
    )
    .await;
    let a = api
        .send_as(other_app, other_key, "GET", "/v1/vouchers", None)
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(api.get("/v1/vouchers").await.status, 503);
}

#[tokio::test]
async fn fault_plans_that_make_no_sense_are_refused() {
    let api = Api::start().await;
    let id = project_id(&api).await;
    let path = format!("/_emulator/projects/{id}/faults");
    for body in [
        json!({"status": 200}),
        json!({"status": 503, "drop": true}),
        json!({"drop": true, "probability": 1.5}),
        json!({"count": 1}),
        json!({"status": "503"}),
    ] {
        let a = control(&api, "PUT", &path, Some(body.clone())).await;
        assert_error(&a, 400, "invalid_payload");
    }
    let a = control(
        &api,
        "PUT",
        "/_emulator/projects/proj_nope/faults",
        Some(json!({"status": 503})),
    )
    .await;
    assert_error(&a, 404, "not_found");
    assert_eq!(api.get("/v1/vouchers").await.status, 200);
}

#[tokio::test]
async fn the_sandbox_answers_the_101st_call_within_the_hour_with_429() {
    let api = Api::start().await;
    let id = project_id(&api).await;
    api.voucher(
        "SPRING10",
        json!({"type": "AMOUNT", "amount_off": 1000}),
        None,
    )
    .await;
    let set = control(
        &api,
        "PUT",
        &format!("/_emulator/projects/{id}/rate-limit"),
        Some(json!({"mode": "sandbox"})),
    )
    .await;
    assert_eq!(set.body["api"]["limit"], 100);
    for n in 1..=100u64 {
        let a = api.get("/v1/vouchers/SPRING10").await;
        assert_eq!(a.status, 200);
        assert_eq!(header(&a, "x-rate-limit-limit"), Some("100"));
        assert_eq!(
            header(&a, "x-rate-limit-remaining"),
            Some((100 - n).to_string().as_str())
        );
    }
    let a = api.post("/v1/redemptions", redemption("SPRING10")).await;
    assert_eq!(a.status, 429);
    assert_eq!(
        a.body,
        json!({"code": 429, "message": "Too many requests hit the API too quickly."})
    );
    assert_eq!(header(&a, "x-rate-limit-limit"), Some("100"));
    assert_eq!(header(&a, "x-rate-limit-remaining"), Some("0"));
    assert_eq!(header(&a, "x-rate-limit-type"), Some("api_calls"));
    let retry: i64 = header(&a, "x-rate-limit-retry").unwrap().parse().unwrap();
    let wall = voucherify_harness::emulator::clock::wall_now().millis() / 1000;
    assert!(
        (wall + 3_500..=wall + 3_601).contains(&retry),
        "{retry} vs {wall}"
    );
    let after: i64 = header(&a, "retry-after").unwrap().parse().unwrap();
    assert!((3_500..=3_600).contains(&after), "{after}");
    // The refused redemption changed nothing.
    let view = control(
        &api,
        "GET",
        &format!("/_emulator/projects/{id}/rate-limit"),
        None,
    )
    .await;
    assert_eq!(view.body["api"]["refused"], 1);
    control(
        &api,
        "PUT",
        &format!("/_emulator/projects/{id}/clock"),
        Some(json!({"advance": "PT1H"})),
    )
    .await;
    let v = api.get("/v1/vouchers/SPRING10").await;
    assert_eq!(v.status, 200);
    assert_eq!(v.body["redemption"]["redeemed_quantity"], 0);
    assert_eq!(header(&v, "x-rate-limit-remaining"), Some("99"));
}

#[tokio::test]
async fn a_per_minute_plan_limits_calls_per_minute() {
    let api = Api::start().await;
    let id = project_id(&api).await;
    let path = format!("/_emulator/projects/{id}/rate-limit");
    let set = control(
        &api,
        "PUT",
        &path,
        Some(json!({"mode": "per_minute", "limit": 3})),
    )
    .await;
    assert_eq!(set.body["api"]["period"], "PT1M");
    for _ in 0..3 {
        assert_eq!(api.get("/v1/vouchers").await.status, 200);
    }
    assert_eq!(api.get("/v1/vouchers").await.status, 429);
    let a = control(
        &api,
        "PUT",
        &path,
        Some(json!({"mode": "sandbox", "limit": 5})),
    )
    .await;
    assert_error(&a, 400, "invalid_payload");
    control(&api, "PUT", &path, Some(json!({"mode": "off"}))).await;
    let a = api.get("/v1/vouchers").await;
    assert_eq!(a.status, 200);
    assert!(header(&a, "x-rate-limit-limit").is_none());
}

#[tokio::test]
async fn calls_turned_away_by_a_fault_or_a_limit_are_in_the_audit_log() {
    let api = Api::start().await;
    let id = project_id(&api).await;
    let faults = format!("/_emulator/projects/{id}/faults");
    control(
        &api,
        "PUT",
        &faults,
        Some(json!({"status": 500, "count": 1})),
    )
    .await;
    let failed = api.get("/v1/vouchers?limit=1").await;
    assert_eq!(failed.status, 500);
    let limits = format!("/_emulator/projects/{id}/rate-limit");
    control(
        &api,
        "PUT",
        &limits,
        Some(json!({"mode": "per_minute", "limit": 1})),
    )
    .await;
    assert_eq!(api.get("/v1/vouchers?limit=2").await.status, 200);
    let limited = api.get("/v1/vouchers?limit=3").await;
    assert_eq!(limited.status, 429);
    let log = control(
        &api,
        "GET",
        &format!("/_emulator/projects/{id}/audit-log"),
        None,
    )
    .await;
    let entries = log.body["entries"].as_array().unwrap();
    let seen: Vec<(&str, u64)> = entries
        .iter()
        .map(|e| (e["path"].as_str().unwrap(), e["status"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        seen,
        [
            ("/v1/vouchers?limit=3", 429),
            ("/v1/vouchers?limit=2", 200),
            ("/v1/vouchers?limit=1", 500),
        ]
    );
    assert_eq!(entries[2]["request_id"], failed.body["request_id"]);
    assert_eq!(entries[2]["response_body"], failed.body);
    assert_eq!(entries[0]["response_body"], limited.body);
}

struct ClientSide {
    app_id: String,
    token: String,
}

async fn client_side(api: &Api, origins: &[&str]) -> ClientSide {
    let id = project_id(api).await;
    let a = control(
        api,
        "PUT",
        &format!("/_emulator/projects/{id}/client-side"),
        Some(json!({"allowed_origins": origins})),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    ClientSide {
        app_id: a.body["client_application_id"]
            .as_str()
            .unwrap()
            .to_string(),
        token: a.body["client_token"].as_str().unwrap().to_string(),
    }
}

async fn client_call(
    api: &Api,
    keys: &ClientSide,
    origin: Option<&str>,
    path: &str,
    body: &Value,
) -> Answer {
    let mut req = api
        .http
        .post(format!("{}{path}", api.base))
        .header("X-Client-Application-Id", &keys.app_id)
        .header("X-Client-Token", &keys.token)
        .json(body);
    if let Some(o) = origin {
        req = req.header("origin", o);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    Answer {
        status,
        body: resp.json().await.unwrap_or(Value::Null),
        headers,
    }
}

const SHOP: &str = "https://shop.example.com";

#[tokio::test]
async fn client_side_calls_need_the_public_keys_and_an_allowed_origin() {
    let api = Api::start().await;
    api.voucher(
        "SPRING10",
        json!({"type": "AMOUNT", "amount_off": 1000}),
        Some(1),
    )
    .await;
    let keys = client_side(&api, &[SHOP]).await;
    let body = redemption("SPRING10");
    let a = client_call(&api, &keys, Some(SHOP), "/client/v1/validations", &body).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["valid"], true);
    assert_eq!(a.body["order"]["total_amount"], 3000);

    let a = client_call(
        &api,
        &keys,
        Some("https://elsewhere.example.net"),
        "/client/v1/validations",
        &body,
    )
    .await;
    assert_error(&a, 401, "unauthorized");
    assert!(a.body["details"].as_str().unwrap().contains("elsewhere"));
    let a = client_call(&api, &keys, None, "/client/v1/validations", &body).await;
    assert_error(&a, 401, "unauthorized");
    let wrong = ClientSide {
        app_id: keys.app_id.clone(),
        token: "not-the-token".into(),
    };
    let a = client_call(&api, &wrong, Some(SHOP), "/client/v1/redemptions", &body).await;
    assert_error(&a, 401, "unauthorized");
    // Server keys do not open the client-side API, nor client keys the server API.
    let a = api.post("/v1/validations", body.clone()).await;
    assert_eq!(a.status, 200);
    let a = api
        .send_as(
            &keys.app_id,
            &keys.token,
            "GET",
            "/v1/vouchers/SPRING10",
            None,
        )
        .await;
    assert_error(&a, 401, "unauthorized");
    let served = api
        .http
        .get(format!("{}/v1/vouchers/SPRING10", api.base))
        .header("X-Client-Application-Id", &keys.app_id)
        .header("X-Client-Token", &keys.token)
        .send()
        .await
        .unwrap();
    assert_eq!(served.status().as_u16(), 401);
    let served: Value = served.json().await.unwrap();
    assert!(
        served["details"].as_str().unwrap().contains("/client/v1"),
        "{served}"
    );

    let a = client_call(&api, &keys, Some(SHOP), "/client/v1/redemptions", &body).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let v = api.get("/v1/vouchers/SPRING10").await;
    assert_eq!(v.body["redemption"]["redeemed_quantity"], 1);
}

#[tokio::test]
async fn client_side_calls_are_limited_to_5_in_5_seconds() {
    let api = Api::start().await;
    api.voucher(
        "SPRING10",
        json!({"type": "AMOUNT", "amount_off": 1000}),
        None,
    )
    .await;
    let keys = client_side(&api, &["*"]).await;
    let id = project_id(&api).await;
    // A frozen clock keeps all six calls in one window, however slow the machine.
    control(
        &api,
        "PUT",
        &format!("/_emulator/projects/{id}/clock"),
        Some(json!({"now": "2030-01-01T00:00:00.000Z"})),
    )
    .await;
    let body = redemption("SPRING10");
    for left in (0..5).rev() {
        let a = client_call(&api, &keys, Some(SHOP), "/client/v1/validations", &body).await;
        assert_eq!(a.status, 200);
        assert_eq!(
            header(&a, "x-rate-limit-remaining"),
            Some(left.to_string().as_str())
        );
    }
    let a = client_call(&api, &keys, Some(SHOP), "/client/v1/redemptions", &body).await;
    assert_eq!(a.status, 429);
    assert_eq!(header(&a, "x-rate-limit-limit"), Some("5"));
    assert_eq!(header(&a, "retry-after"), Some("5"));
    assert!(a.body.get("key").is_none());
    // Server-side calls do not count against the client-side limit.
    assert_eq!(api.get("/v1/vouchers").await.status, 200);
    let v = api.get("/v1/vouchers/SPRING10").await;
    assert_eq!(v.body["redemption"]["redeemed_quantity"], 0);
    control(
        &api,
        "PUT",
        &format!("/_emulator/projects/{id}/clock"),
        Some(json!({"advance": "PT5S"})),
    )
    .await;
    let a = client_call(&api, &keys, Some(SHOP), "/client/v1/validations", &body).await;
    assert_eq!(a.status, 200);
}

#[tokio::test]
async fn client_side_qualifications_answer_like_the_server_side() {
    let api = Api::start().await;
    let campaign = api
        .post(
            "/v1/campaigns",
            json!({"name": "Web deals", "campaign_type": "PROMOTION", "promotion": {"tiers": [
                {"name": "5 off", "action": {"discount": {"type": "AMOUNT", "amount_off": 500}}}
            ]}}),
        )
        .await;
    assert_eq!(campaign.status, 200, "{}", campaign.body);
    let keys = client_side(&api, &[SHOP]).await;
    let a = client_call(
        &api,
        &keys,
        Some(SHOP),
        "/client/v1/qualifications",
        &json!({"customer": {"source_id": "alice"}, "order": {"amount": 3000}}),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["redeemables"]["total"], 1);
    assert_eq!(
        a.body["redeemables"]["data"][0]["order"]["total_discount_amount"],
        500
    );
}

#[tokio::test]
async fn client_side_access_is_refused_for_malformed_origins_and_unknown_projects() {
    let api = Api::start().await;
    let id = project_id(&api).await;
    let path = format!("/_emulator/projects/{id}/client-side");
    let a = control(&api, "GET", &path, None).await;
    assert_error(&a, 404, "not_found");
    let a = control(
        &api,
        "PUT",
        &path,
        Some(json!({"allowed_origins": ["shop.example.com"]})),
    )
    .await;
    assert_error(&a, 400, "invalid_payload");
    assert_eq!(
        a.body["details"],
        "Property .allowed_origins[0] should be an origin such as https://shop.example.com, or *"
    );
    let a = control(&api, "PUT", &path, Some(json!({}))).await;
    assert_error(&a, 400, "invalid_payload");
}
