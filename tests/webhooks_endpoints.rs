//! Webhooks, distributions, customer activity and the audit log, checked over HTTP against an
//! emulator on a free port, with the harness's own webhook endpoint as the target.

mod common;

use std::time::{Duration, Instant};

use common::{Answer, Api, assert_error};
use serde_json::{Value, json};
use voucherify_harness::client::Secret;
use voucherify_harness::emulator::hooks::signature;
use voucherify_harness::sink::{self, Behaviour, Sink};

const WAIT: Duration = Duration::from_secs(5);

fn project_id(api: &Api) -> String {
    api.running.emulator.default_project().id.clone()
}

async fn control(api: &Api, method: &str, path: &str, body: Option<Value>) -> Answer {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = api.http.request(method, format!("{}{path}", api.base));
    if let Some(b) = body {
        req = req
            .header("Content-Type", "application/json")
            .body(b.to_string());
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

/// Registers a webhook through the Management API with the project's own keys.
async fn register(api: &Api, url: &str, events: &[&str]) -> Answer {
    let project = project_id(api);
    let resp = api
        .http
        .post(format!(
            "{}/management/v1/projects/{project}/webhooks",
            api.base
        ))
        .header("X-Management-Id", &api.app_id)
        .header("X-Management-Token", &api.secret)
        .header("Content-Type", "application/json")
        .body(json!({"target_url": url, "events": events}).to_string())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.json().await.unwrap_or(Value::Null);
    Answer {
        status,
        body,
        headers,
    }
}

async fn secret(api: &Api) -> String {
    let project = project_id(api);
    let a = control(
        api,
        "GET",
        &format!("/_emulator/projects/{project}/webhook-secret"),
        None,
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.body["secret"].as_str().unwrap().to_string()
}

async fn sink_for(api: &Api) -> Sink {
    let sink = Sink::start().await.unwrap();
    sink.expect_secret(Some(Secret::new(secret(api).await)));
    sink
}

async fn redeem(api: &Api, code: &str, customer: &str) -> (Answer, Duration) {
    let started = Instant::now();
    let a = api
        .post(
            "/v1/redemptions",
            json!({"redeemables": Api::redeemables(&[code]), "order": {"amount": 5000},
                   "customer": {"source_id": customer, "name": "Alice", "email": "alice@example.com"}}),
        )
        .await;
    (a, started.elapsed())
}

/// The first `redemption.succeeded` webhook the sink gets within [`WAIT`].
async fn redemption_webhook(sink: &Sink) -> Option<sink::Received> {
    sink.wait_for(WAIT, |r| {
        r.payload
            .as_ref()
            .is_some_and(|p| p.kind == "redemption.succeeded")
    })
    .await
}

async fn deliveries(api: &Api, query: &str) -> Vec<Value> {
    let project = project_id(api);
    let a = control(
        api,
        "GET",
        &format!("/_emulator/projects/{project}/webhook-deliveries?{query}"),
        None,
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.body["deliveries"].as_array().unwrap().clone()
}

async fn eventually_deliveries(
    api: &Api,
    query: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let rows = deliveries(api, query).await;
        if done(&rows) || Instant::now() > deadline {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn one_redemption_delivers_one_signed_event_and_the_audit_log_keeps_no_secret() {
    let api = Api::start().await;
    let sink = sink_for(&api).await;
    let a = register(&api, &sink.url(), &["redemption.succeeded"]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a.body["id"].as_str().unwrap().starts_with("wh_"));
    assert_eq!(a.body["object"], "webhook");
    assert_eq!(a.body["active"], true);
    api.voucher(
        "SUMMER10",
        json!({"type": "PERCENT", "percent_off": 10}),
        None,
    )
    .await;
    let (r, _) = redeem(&api, "SUMMER10", "alice").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let redemption_id = r.body["redemptions"][0]["id"].as_str().unwrap().to_string();

    let got = redemption_webhook(&sink)
        .await
        .expect("a redemption.succeeded webhook within 5 s");
    let key = secret(&api).await;
    assert!(got.verified);
    assert!(signature::verify(
        &key,
        got.body.as_bytes(),
        got.signature.as_deref().unwrap()
    ));
    let envelope: Value = serde_json::from_str(&got.body).unwrap();
    assert!(envelope.get("object").is_none());
    assert!(envelope["id"].as_str().unwrap().starts_with("whs_"));
    assert_eq!(envelope["project_id"], project_id(&api).as_str());
    assert_eq!(envelope["source"]["object"], "webhook");
    assert_eq!(envelope["source"]["target_url"], sink.url().as_str());
    assert_eq!(envelope["data"]["voucher"]["code"], "SUMMER10");
    assert_eq!(envelope["data"]["redemption"]["id"], redemption_id.as_str());
    assert_eq!(envelope["event"]["entity_id"], redemption_id.as_str());
    assert_eq!(envelope["event"]["event_source"]["channel"], "API");
    let group_id = envelope["event"]["group_id"].as_str().unwrap().to_string();
    assert!(group_id.starts_with("v-"));
    // Compact JSON: the body is signed exactly as serialised without whitespace.
    assert_eq!(got.body, envelope.to_string());

    let sent = eventually_deliveries(&api, "type=redemption.succeeded", |d| {
        d.iter().all(|x| x["status"] == "DELIVERED")
    })
    .await;
    assert_eq!(sent.len(), 1, "one event, one sendout: {sent:?}");
    assert_eq!(sent[0]["attempts"][0]["status_code"], 200);
    assert_eq!(sink.received().len(), 1);

    let project = project_id(&api);
    let audit = control(
        &api,
        "GET",
        &format!(
            "/_emulator/projects/{project}/audit-log?method=POST&path=/v1/redemptions&limit=1000"
        ),
        None,
    )
    .await;
    assert_eq!(audit.status, 200, "{}", audit.body);
    let entries = audit.body["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    let entry = &entries[0];
    assert_eq!(entry["status"], 200);
    assert_eq!(entry["request_id"], group_id.as_str());
    assert_eq!(entry["request_body"]["customer"]["source_id"], "alice");
    assert_eq!(
        entry["response_body"]["redemptions"][0]["id"],
        redemption_id.as_str()
    );
    assert_eq!(entry["app_id"], common::APP_ID);

    let whole = control(
        &api,
        "GET",
        &format!("/_emulator/projects/{project}/audit-log?limit=1000"),
        None,
    )
    .await;
    let text = whole.body.to_string();
    assert!(whole.body["total"].as_u64().unwrap() >= 2, "{text}");
    assert!(
        text.contains("/management/v1/projects"),
        "management calls are audited"
    );
    assert!(
        !text.contains(common::SECRET),
        "the secret key leaked into the audit log"
    );
    assert!(
        !text.contains(&key),
        "the webhook secret leaked into the audit log"
    );
}

#[tokio::test]
async fn a_secret_key_sent_in_a_body_or_query_is_redacted_in_the_audit_log() {
    let api = Api::start().await;
    api.post(
        "/v1/customers",
        json!({"source_id": "leaky", "metadata": {"note": format!("key={}", common::SECRET), "api_token": "t0k3n-value"}}),
    )
    .await;
    api.get(&format!("/v1/vouchers?code={}", common::SECRET))
        .await;
    let project = project_id(&api);
    let audit = control(
        &api,
        "GET",
        &format!("/_emulator/projects/{project}/audit-log"),
        None,
    )
    .await;
    let text = audit.body.to_string();
    assert_eq!(audit.body["total"], 2, "{text}");
    assert!(!text.contains(common::SECRET), "{text}");
    assert!(!text.contains("t0k3n-value"), "{text}");
    assert!(text.contains("[redacted]"));
}

#[tokio::test]
async fn the_audit_log_filters_by_status_method_path_and_request_id() {
    let api = Api::start().await;
    api.voucher(
        "ONCE",
        json!({"type": "AMOUNT", "amount_off": 500}),
        Some(1),
    )
    .await;
    redeem(&api, "ONCE", "alice").await;
    let (refused, _) = redeem(&api, "ONCE", "bob").await;
    assert_error(&refused, 400, "quantity_exceeded");
    api.get("/v1/vouchers/NOPE").await;
    let project = project_id(&api);
    let get = |q: &'static str| {
        let api = &api;
        let project = project.clone();
        async move {
            control(
                api,
                "GET",
                &format!("/_emulator/projects/{project}/audit-log?{q}"),
                None,
            )
            .await
            .body
        }
    };
    assert_eq!(get("").await["total"], 4);
    assert_eq!(get("status=4xx").await["total"], 2);
    assert_eq!(get("status=404").await["total"], 1);
    assert_eq!(get("method=post&path=/v1/redemptions").await["total"], 2);
    let by_id = control(
        &api,
        "GET",
        &format!(
            "/_emulator/projects/{project}/audit-log?request_id={}",
            refused.body["request_id"].as_str().unwrap()
        ),
        None,
    )
    .await;
    assert_eq!(by_id.body["total"], 1);
    assert_eq!(by_id.body["entries"][0]["status"], 400);
    assert_eq!(
        by_id.body["entries"][0]["response_body"]["key"],
        "quantity_exceeded"
    );
    let bad = control(
        &api,
        "GET",
        &format!("/_emulator/projects/{project}/audit-log?status=abc"),
        None,
    )
    .await;
    assert_error(&bad, 400, "invalid_query_params");
}

#[tokio::test]
async fn a_failing_target_never_fails_or_slows_the_api_and_is_retried_then_switched_off() {
    let api = Api::start().await;
    let project = project_id(&api);
    let s = control(
        &api,
        "PUT",
        &format!("/_emulator/projects/{project}/webhook-settings"),
        Some(json!({"max_attempts": 3, "retry_delay_ms": 50, "timeout_ms": 1000})),
    )
    .await;
    assert_eq!(s.status, 200, "{}", s.body);
    let sink = sink_for(&api).await;
    sink.behave(Behaviour::Fail(500));
    let wh = register(&api, &sink.url(), &["redemption.succeeded"]).await;
    api.voucher(
        "SUMMER10",
        json!({"type": "AMOUNT", "amount_off": 500}),
        None,
    )
    .await;
    let (r, took) = redeem(&api, "SUMMER10", "alice").await;
    assert_eq!(r.status, 200);
    assert!(
        took < Duration::from_millis(500),
        "the redemption took {took:?}"
    );
    let rows = eventually_deliveries(&api, "", |d| d.iter().any(|x| x["status"] == "FAILED")).await;
    assert_eq!(rows[0]["status"], "FAILED", "{rows:?}");
    let attempts = rows[0]["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 3);
    assert!(attempts.iter().all(|a| a["status_code"] == 500));
    assert_eq!(sink.received().len(), 3);
    let id = wh.body["id"].as_str().unwrap();
    let after = control(
        &api,
        "GET",
        &format!("/_emulator/projects/{project}/webhooks/{id}"),
        None,
    )
    .await;
    assert_eq!(
        after.body["active"], false,
        "a webhook that failed is switched off"
    );
}

#[tokio::test]
async fn slow_or_unreachable_targets_do_not_delay_the_api() {
    let api = Api::start().await;
    let project = project_id(&api);
    control(
        &api,
        "PUT",
        &format!("/_emulator/projects/{project}/webhook-settings"),
        Some(json!({"max_attempts": 2, "retry_delay_ms": 50, "timeout_ms": 300})),
    )
    .await;
    let slow = sink_for(&api).await;
    slow.behave(Behaviour::Slow(Duration::from_secs(2)));
    register(&api, &slow.url(), &["redemption.succeeded"]).await;
    register(
        &api,
        &sink::closed_url().await.unwrap(),
        &["redemption.succeeded"],
    )
    .await;
    api.voucher(
        "SUMMER10",
        json!({"type": "AMOUNT", "amount_off": 500}),
        None,
    )
    .await;
    let (r, took) = redeem(&api, "SUMMER10", "alice").await;
    assert_eq!(r.status, 200);
    assert!(
        took < Duration::from_millis(500),
        "the redemption took {took:?}"
    );
    let rows = eventually_deliveries(&api, "status=FAILED", |d| d.len() == 2).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    let errors: Vec<&str> = rows
        .iter()
        .flat_map(|d| d["attempts"].as_array().unwrap())
        .filter_map(|a| a["error"].as_str())
        .collect();
    assert!(
        errors.iter().any(|e| e.contains("no answer within 300 ms")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|e| e.contains("could not connect")),
        "{errors:?}"
    );
}

#[tokio::test]
async fn malformed_webhook_definitions_are_refused_in_the_api_error_shape() {
    let api = Api::start().await;
    let project = project_id(&api);
    let path = format!("/_emulator/projects/{project}/webhooks");
    for (body, detail) in [
        (
            json!({"events": ["redemption.succeeded"]}),
            "Payload should have required property 'target_url'",
        ),
        (
            json!({"target_url": "not a url", "events": ["redemption.succeeded"]}),
            "Property .target_url should be an absolute http or https URL",
        ),
        (
            json!({"target_url": "http://127.0.0.1:1/x", "events": []}),
            "Property .events should NOT have fewer than 1 items",
        ),
        (
            json!({"target_url": "http://127.0.0.1:1/x", "events": ["redemption.succeeded", "coffee.brewed"]}),
            "Property .events[1] should be equal to one of the allowed values",
        ),
    ] {
        let a = control(&api, "POST", &path, Some(body)).await;
        assert_error(&a, 400, "invalid_payload");
        assert!(
            a.body["details"].as_str().unwrap().starts_with(detail),
            "{}",
            a.body
        );
    }
    let a = register(&api, "http://127.0.0.1:1/x", &["redemption.succeeded"]).await;
    assert_eq!(a.status, 200);
    let wrong = api
        .http
        .get(format!(
            "{}/management/v1/projects/{project}/webhooks",
            api.base
        ))
        .header("X-Management-Id", &api.app_id)
        .header("X-Management-Token", "wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    let missing = control(&api, "GET", "/_emulator/projects/proj_nope/webhooks", None).await;
    assert_error(&missing, 404, "not_found");
    let gone = control(&api, "DELETE", &format!("{path}/wh_nope"), None).await;
    assert_error(&gone, 404, "not_found");
    assert_eq!(gone.body["resource_type"], "webhook");
}

#[tokio::test]
async fn malformed_distributions_are_refused_with_a_clear_error() {
    let api = Api::start().await;
    let project = project_id(&api);
    let path = format!("/_emulator/projects/{project}/distributions");
    for (body, detail) in [
        (
            json!({"name": "X", "trigger": {"event": "customer.order.paid"}, "template": {"body": "Hi"}}),
            "Payload should have required property 'channel'",
        ),
        (
            json!({"name": "X", "trigger": {"event": "order.sometimes"}, "channel": "email", "template": {"body": "Hi"}}),
            "Property .trigger.event should be equal to one of the allowed values",
        ),
        (
            json!({"name": "X", "trigger": {"event": "customer.order.paid"}, "channel": "fax", "template": {"body": "Hi"}}),
            "Property .channel should be equal to one of the allowed values: email, sms, webhook",
        ),
        (
            json!({"name": "X", "trigger": {"event": "customer.order.paid"}, "channel": "webhook", "template": {"body": "Hi"}}),
            "Payload should have required property 'target_url'",
        ),
        (
            json!({"name": "X", "trigger": {"event": "customer.order.paid"}, "channel": "email", "template": {"body": "Hi {{customer.name"}}),
            "Property .template.body has a placeholder opened",
        ),
        (
            json!({"name": "X", "trigger": {"event": "customer.order.paid"}, "channel": "email", "template": {"body": "Hi {{secret}}"}}),
            "Property .template.body names {{secret}}",
        ),
    ] {
        let a = control(&api, "POST", &path, Some(body)).await;
        assert_error(&a, 400, "invalid_payload");
        assert!(
            a.body["details"].as_str().unwrap().starts_with(detail),
            "{}",
            a.body
        );
    }
    let list = control(&api, "GET", &path, None).await;
    assert_eq!(list.body["total"], 0, "nothing half-written");
}

async fn outbox(api: &Api, query: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let project = project_id(api);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let a = control(
            api,
            "GET",
            &format!("/_emulator/projects/{project}/outbox?{query}"),
            None,
        )
        .await;
        let rows = a.body["messages"].as_array().cloned().unwrap_or_default();
        if done(&rows) || Instant::now() > deadline {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn a_paid_order_emails_the_customer_and_the_activity_records_it() {
    let api = Api::start().await;
    let project = project_id(&api);
    let d = control(
        &api,
        "POST",
        &format!("/_emulator/projects/{project}/distributions"),
        Some(json!({"name": "Thanks", "trigger": {"event": "customer.order.paid"}, "channel": "email",
                    "template": {"subject": "Thank you {{customer.name}}", "body": "Your order of {{order.amount}} is paid"}})),
    )
    .await;
    assert_eq!(d.status, 201, "{}", d.body);
    api.post(
        "/v1/customers",
        json!({"source_id": "alice", "name": "Alice", "email": "alice@example.com"}),
    )
    .await;
    api.post("/v1/orders", json!({"source_id": "o1", "amount": 4200, "status": "PAID", "customer": {"source_id": "alice"}})).await;
    let rows = outbox(&api, "channel=email", |m| !m.is_empty()).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["to"], "alice@example.com");
    assert_eq!(rows[0]["subject"], "Thank you Alice");
    assert_eq!(rows[0]["body"], "Your order of 4200 is paid");
    assert_eq!(rows[0]["status"], "SENT");
    let activity = api
        .get("/v1/customers/alice/activity?type=customer.email.sent")
        .await;
    assert_eq!(activity.status, 200, "{}", activity.body);
    assert_eq!(activity.body["data_ref"], "data");
    let data = activity.body["data"].as_array().unwrap();
    assert_eq!(data.len(), 1, "{}", activity.body);
    assert!(data[0]["id"].as_str().unwrap().starts_with("evcus_"));
    assert_eq!(data[0]["data"]["data"]["distribution"]["name"], "Thanks");
    let all = api
        .get("/v1/customers/alice/activity?limit=100&order=created_at")
        .await;
    let types: Vec<&str> = all.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "customer.created",
            "customer.order.created",
            "customer.order.paid",
            "customer.email.sent"
        ]
    );
    let unknown = api.get("/v1/customers/nobody/activity").await;
    assert_error(&unknown, 404, "not_found");
}

#[tokio::test]
async fn entering_a_segment_texts_the_customer_or_records_why_not() {
    let api = Api::start().await;
    let project = project_id(&api);
    control(
        &api,
        "POST",
        &format!("/_emulator/projects/{project}/distributions"),
        Some(json!({"name": "VIP text", "trigger": {"event": "customer.segment.entered", "segment": "VIP"},
                    "channel": "sms", "template": {"body": "Welcome to VIP, {{customer.name}}"}})),
    )
    .await;
    api.post(
        "/v1/customers",
        json!({"source_id": "alice", "name": "Alice", "phone": "+48 600 100 200"}),
    )
    .await;
    api.post("/v1/customers", json!({"source_id": "bob", "name": "Bob"}))
        .await;
    api.post(
        "/v1/segments",
        json!({"name": "Others", "type": "static", "customers": ["alice"]}),
    )
    .await;
    let s = api
        .post(
            "/v1/segments",
            json!({"name": "VIP", "type": "static", "customers": ["alice", "bob"]}),
        )
        .await;
    assert_eq!(s.status, 200, "{}", s.body);
    let rows = outbox(&api, "", |m| m.len() >= 2).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    let alice = rows
        .iter()
        .find(|m| m["to"] == "+48 600 100 200")
        .expect("Alice's text");
    assert_eq!(alice["body"], "Welcome to VIP, Alice");
    assert_eq!(alice["status"], "SENT");
    let bob = rows
        .iter()
        .find(|m| m["status"] == "FAILED")
        .expect("Bob's failed text");
    assert_eq!(bob["failure_reason"], "the customer has no phone number");
    let activity = api
        .get("/v1/customers/bob/activity?type=customer.sms.failed")
        .await;
    assert_eq!(activity.body["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_webhook_distribution_posts_the_message_signed_and_marks_it_sent() {
    let api = Api::start().await;
    let project = project_id(&api);
    let sink = sink_for(&api).await;
    control(
        &api,
        "POST",
        &format!("/_emulator/projects/{project}/distributions"),
        Some(
            json!({"name": "Coupon used", "trigger": {"event": "customer.redemption.succeeded"},
                    "channel": "webhook", "target_url": sink.url(),
                    "template": {"body": "{{customer.name}} used {{code}}"}}),
        ),
    )
    .await;
    api.voucher(
        "SUMMER10",
        json!({"type": "AMOUNT", "amount_off": 500}),
        None,
    )
    .await;
    redeem(&api, "SUMMER10", "alice").await;
    let got = sink
        .wait_for(WAIT, |r| r.verified)
        .await
        .expect("a signed message");
    let payload = got.payload.unwrap();
    assert_eq!(payload.source.object, "distribution");
    assert_eq!(payload.data["message"]["body"], "Alice used SUMMER10");
    let rows = outbox(&api, "channel=webhook", |m| {
        m.iter().any(|x| x["status"] == "SENT")
    })
    .await;
    assert_eq!(rows[0]["status"], "SENT", "{rows:?}");
}

#[tokio::test]
async fn webhooks_hear_only_what_happens_after_they_are_registered() {
    let api = Api::start().await;
    api.post("/v1/customers", json!({"source_id": "early"}))
        .await;
    let sink = sink_for(&api).await;
    register(&api, &sink.url(), &["customer.created"]).await;
    api.post("/v1/customers", json!({"source_id": "late"}))
        .await;
    let got = sink
        .wait_for(WAIT, |r| r.payload.is_some())
        .await
        .expect("the later customer is announced");
    assert_eq!(got.payload.unwrap().data["customer"]["source_id"], "late");
    let all = eventually_deliveries(&api, "", |d| d.iter().all(|x| x["status"] != "PENDING")).await;
    assert_eq!(all.len(), 1, "{all:?}");
}

#[tokio::test]
async fn redemptions_can_be_listed_by_campaign() {
    let api = Api::start().await;
    let c = api
        .post(
            "/v1/campaigns",
            json!({"name": "Partners", "campaign_type": "DISCOUNT_COUPONS", "type": "STATIC", "vouchers_count": 2,
                   "voucher": {"type": "DISCOUNT_VOUCHER", "discount": {"type": "AMOUNT", "amount_off": 500}}}),
        )
        .await;
    assert_eq!(c.status, 200, "{}", c.body);
    let codes = api.get("/v1/vouchers?campaign=Partners").await;
    let code = codes.body["vouchers"][0]["code"]
        .as_str()
        .unwrap()
        .to_string();
    api.voucher("OTHER", json!({"type": "AMOUNT", "amount_off": 100}), None)
        .await;
    redeem(&api, &code, "alice").await;
    redeem(&api, "OTHER", "alice").await;
    let by_name = api.get("/v1/redemptions?campaign=Partners").await;
    assert_eq!(by_name.body["total"], 1, "{}", by_name.body);
    assert_eq!(
        by_name.body["redemptions"][0]["voucher"]["code"],
        code.as_str()
    );
    let id = c.body["id"].as_str().unwrap();
    let by_id = api.get(&format!("/v1/redemptions?campaign={id}")).await;
    assert_eq!(by_id.body["total"], 1);
    let none = api.get("/v1/redemptions?campaign=Nothing").await;
    assert_eq!(none.body["total"], 0);
}

#[tokio::test]
async fn a_reset_forgets_webhooks_and_stops_sending() {
    let api = Api::start().await;
    let project = project_id(&api);
    let sink = sink_for(&api).await;
    register(&api, &sink.url(), &["customer.created"]).await;
    let r = control(
        &api,
        "POST",
        &format!("/_emulator/projects/{project}/reset"),
        None,
    )
    .await;
    assert_eq!(r.status, 204);
    let list = control(
        &api,
        "GET",
        &format!("/_emulator/projects/{project}/webhooks"),
        None,
    )
    .await;
    assert_eq!(list.body["total"], 0);
    api.post("/v1/customers", json!({"source_id": "after"}))
        .await;
    let audit = control(
        &api,
        "GET",
        &format!("/_emulator/projects/{project}/audit-log"),
        None,
    )
    .await;
    assert_eq!(
        audit.body["total"], 1,
        "the reset emptied the audit log too"
    );
    assert!(sink.received().is_empty());
}

#[tokio::test]
async fn a_client_side_redemption_is_sent_out_without_a_server_side_call_after_it() {
    let api = Api::start().await;
    let sink = sink_for(&api).await;
    let a = register(&api, &sink.url(), &["redemption.succeeded"]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    api.voucher("WEB10", json!({"type": "AMOUNT", "amount_off": 1000}), None)
        .await;
    let project = project_id(&api);
    let keys = control(
        &api,
        "PUT",
        &format!("/_emulator/projects/{project}/client-side"),
        Some(json!({"allowed_origins": ["*"]})),
    )
    .await;
    assert_eq!(keys.status, 200, "{}", keys.body);
    // The shop's page redeems; nothing calls the server-side API afterwards.
    let redeemed = api
        .http
        .post(format!("{}/client/v1/redemptions", api.base))
        .header(
            "X-Client-Application-Id",
            keys.body["client_application_id"].as_str().unwrap(),
        )
        .header(
            "X-Client-Token",
            keys.body["client_token"].as_str().unwrap(),
        )
        .header("origin", "https://shop.example.com")
        .json(&json!({"redeemables": Api::redeemables(&["WEB10"]), "order": {"amount": 5000}}))
        .send()
        .await
        .unwrap();
    assert_eq!(redeemed.status(), 200);
    let got = redemption_webhook(&sink)
        .await
        .expect("a redemption.succeeded webhook within 5 s of a client-side redemption");
    let envelope: Value = serde_json::from_str(&got.body).unwrap();
    assert_eq!(envelope["data"]["voucher"]["code"], "WEB10");
}
