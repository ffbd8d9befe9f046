//! The emulator's answers, checked over HTTP: authentication, error shapes, code states,
//! redemptions, rollbacks, lists and the control plane.

mod common;

use common::{Api, assert_error};
use serde_json::json;

#[tokio::test]
async fn wrong_or_missing_keys_are_401_unauthorized() {
    let api = Api::start().await;
    let a = api
        .send_as(common::APP_ID, "wrong", "GET", "/v1/vouchers", None)
        .await;
    assert_error(&a, 401, "unauthorized");
    assert_eq!(a.body["message"], "Unauthorized");
    let a = api
        .send_as("nobody", common::SECRET, "GET", "/v1/vouchers", None)
        .await;
    assert_error(&a, 401, "unauthorized");
    let anonymous = api
        .http
        .get(format!("{}/v1/vouchers", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
}

#[tokio::test]
async fn malformed_and_incomplete_bodies_are_invalid_payload() {
    let api = Api::start().await;
    let a = api
        .send("POST", "/v1/validations", Some("{\"redeemables\": ["))
        .await;
    assert_error(&a, 400, "invalid_payload");
    let a = api
        .send(
            "POST",
            "/v1/validations",
            Some(r#"{"redeemables":[{"object":"voucher","id":"A"},{"object":"voucher"}]}"#),
        )
        .await;
    assert_error(&a, 400, "invalid_payload");
    assert_eq!(
        a.body["details"],
        "Property .redeemables[1] should have required property 'id'"
    );
    let a = api
        .send(
            "POST",
            "/v1/redemptions",
            Some(r#"{"redeemables":[{"object":"voucher","id":"A"}],"order":{"amount":"12.00"}}"#),
        )
        .await;
    assert_eq!(
        a.body["details"],
        "Property .order.amount should be integer"
    );
    let a = api.send("POST", "/v1/vouchers", Some("")).await;
    assert_error(&a, 400, "invalid_payload");
    let a = api
        .post("/v1/validations", json!({"redeemables": []}))
        .await;
    assert_eq!(
        a.body["details"],
        "Property .redeemables must NOT have fewer than 1 items"
    );
    let many: Vec<_> = (0..31)
        .map(|i| json!({"object": "voucher", "id": format!("C{i}")}))
        .collect();
    let a = api
        .post("/v1/validations", json!({"redeemables": many}))
        .await;
    assert_eq!(
        a.body["details"],
        "Property .redeemables must NOT have more than 30 items"
    );
    let a = api
        .post(
            "/v1/validations",
            json!({"redeemables": [{"object": "coupon", "id": "X"}]}),
        )
        .await;
    assert_error(&a, 400, "invalid_payload");
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_the_error_shape() {
    let api = Api::start().await;
    assert_error(&api.get("/v1/nothing-here").await, 404, "not_found");
    assert_error(
        &api.send("PATCH", "/v1/vouchers", None).await,
        405,
        "method_not_allowed",
    );
    let a = api.get("/v1/vouchers").await;
    assert_eq!(
        a.headers
            .get("x-voucherify-emulator")
            .and_then(|v| v.to_str().ok()),
        Some(concat!("voucherify-harness/", env!("CARGO_PKG_VERSION")))
    );
}

#[tokio::test]
async fn oversized_bodies_get_the_api_413_shape() {
    let api = Api::start().await;
    let big = format!(
        "{{\"metadata\":{{\"x\":\"{}\"}}}}",
        "a".repeat(11 * 1024 * 1024)
    );
    let a = api.send("POST", "/v1/vouchers", Some(&big)).await;
    assert_eq!(a.status, 413);
    assert_eq!(a.body["statusCode"], 413);
    assert_eq!(a.body["error"], "Request Entity Too Large");
}

#[tokio::test]
async fn vouchers_are_created_read_updated_and_deleted() {
    let api = Api::start().await;
    let v = api
        .voucher(
            "SPRING10",
            json!({"type": "AMOUNT", "amount_off": 1000}),
            Some(1),
        )
        .await;
    assert!(v["id"].as_str().unwrap().starts_with("v_"));
    assert_eq!(v["object"], "voucher");
    assert_eq!(v["redemption"]["quantity"], 1);
    assert_eq!(v["discount"]["effect"], "APPLY_TO_ORDER");
    let dup = api
        .post(
            "/v1/vouchers/SPRING10",
            json!({"type": "DISCOUNT_VOUCHER", "discount": {"type": "AMOUNT", "amount_off": 1}}),
        )
        .await;
    assert_error(&dup, 409, "duplicate_found");
    assert_eq!(
        dup.body["details"],
        "Duplicated voucher exists with id SPRING10"
    );
    // by id too
    let by_id = api
        .get(&format!("/v1/vouchers/{}", v["id"].as_str().unwrap()))
        .await;
    assert_eq!(by_id.body["code"], "SPRING10");
    let changed = api
        .send(
            "PUT",
            "/v1/vouchers/SPRING10",
            Some(r#"{"discount":{"type":"PERCENT","percent_off":5}}"#),
        )
        .await;
    assert_error(&changed, 400, "invalid_voucher");
    let disabled = api.post("/v1/vouchers/SPRING10/disable", json!(null)).await;
    assert_eq!(disabled.body["active"], false);
    let list = api.get("/v1/vouchers").await;
    assert_eq!(list.body["data_ref"], "vouchers");
    assert_eq!(list.body["total"], 1);
    let gone = api.send("DELETE", "/v1/vouchers/SPRING10", None).await;
    assert_eq!(gone.status, 204);
    let missing = api.get("/v1/vouchers/SPRING10").await;
    assert_error(&missing, 404, "not_found");
    assert_eq!(missing.body["resource_type"], "voucher");
    // a generated code
    let generated = api
        .post("/v1/vouchers", json!({"type": "DISCOUNT_VOUCHER", "discount": {"type": "PERCENT", "percent_off": 10}, "code_config": {"prefix": "GEN-", "length": 6}}))
        .await;
    let code = generated.body["code"].as_str().unwrap();
    assert!(code.starts_with("GEN-") && code.len() == 10, "{code}");
}

#[tokio::test]
async fn an_expired_voucher_is_inapplicable_with_its_key() {
    let api = Api::start().await;
    let a = api
        .post(
            "/v1/vouchers/OLD",
            json!({"type": "DISCOUNT_VOUCHER", "discount": {"type": "PERCENT", "percent_off": 10}, "expiration_date": "2020-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(a.status, 200);
    let v = api
        .post(
            "/v1/validations",
            json!({"redeemables": Api::redeemables(&["OLD"]), "order": {"amount": 5000}}),
        )
        .await;
    assert_eq!(v.status, 200);
    assert_eq!(v.body["valid"], false);
    assert_eq!(v.body["redeemables"][0]["status"], "INAPPLICABLE");
    assert_eq!(
        v.body["redeemables"][0]["result"]["error"]["key"],
        "voucher_expired"
    );
    assert_eq!(v.body["inapplicable_redeemables"][0]["id"], "OLD");
    assert!(v.body["stacking_rules"]["redeemables_limit"].is_number());
    // unknown code: 404 inside result.error
    let u = api
        .post(
            "/v1/validations",
            json!({"redeemables": Api::redeemables(&["NOPE"])}),
        )
        .await;
    assert_eq!(u.body["redeemables"][0]["result"]["error"]["code"], 404);
    assert_eq!(
        u.body["redeemables"][0]["result"]["error"]["key"],
        "not_found"
    );
}

#[tokio::test]
async fn a_single_use_voucher_redeemed_twice_is_quantity_exceeded() {
    let api = Api::start().await;
    api.voucher(
        "ONCE",
        json!({"type": "AMOUNT", "amount_off": 500}),
        Some(1),
    )
    .await;
    let body = json!({"redeemables": Api::redeemables(&["ONCE"]), "order": {"amount": 3000}, "customer": {"source_id": "alice"}});
    let first = api.post("/v1/redemptions", body.clone()).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.body["order"]["total_amount"], 2500);
    assert_eq!(first.body["order"]["status"], "PAID");
    let second = api.post("/v1/redemptions", body).await;
    assert_error(&second, 400, "quantity_exceeded");
    assert_eq!(second.body["resource_type"], "redemption");
    let failed_id = second.body["resource_id"].as_str().unwrap();
    assert!(failed_id.starts_with("rf_"));
    let failed = api.get(&format!("/v1/redemptions/{failed_id}")).await;
    assert_eq!(failed.body["result"], "FAILURE");
    assert_eq!(failed.body["failure_code"], "quantity_exceeded");
    let customer = api.get("/v1/customers/alice").await;
    assert_eq!(
        customer.body["summary"]["redemptions"]["total_succeeded"],
        1
    );
    assert_eq!(customer.body["summary"]["redemptions"]["total_failed"], 1);
    let failures = api.get("/v1/redemptions?result=FAILURE").await;
    assert_eq!(failures.body["total"], 1);
}

#[tokio::test]
async fn stacked_redemptions_have_a_parent_and_roll_back_together() {
    let api = Api::start().await;
    api.voucher(
        "A10",
        json!({"type": "AMOUNT", "amount_off": 1000}),
        Some(1),
    )
    .await;
    api.voucher(
        "P10",
        json!({"type": "PERCENT", "percent_off": 10}),
        Some(1),
    )
    .await;
    let r = api
        .post(
            "/v1/redemptions",
            json!({"redeemables": Api::redeemables(&["A10", "P10"]), "order": {"amount": 10000}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let parent = r.body["parent_redemption"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(r.body["redemptions"].as_array().unwrap().len(), 2);
    assert_eq!(r.body["redemptions"][1]["redemption"], parent.as_str());
    assert_eq!(r.body["order"]["total_discount_amount"], 1900);
    assert_eq!(
        r.body["redemptions"][1]["order"]["applied_discount_amount"],
        900
    );
    let child = r.body["redemptions"][0]["id"].as_str().unwrap();
    assert_error(
        &api.post(&format!("/v1/redemptions/{parent}/rollback"), json!(null))
            .await,
        400,
        "invalid_redemption",
    );
    assert_error(
        &api.post(&format!("/v1/redemptions/{child}/rollback"), json!(null))
            .await,
        400,
        "invalid_redemption_parent",
    );
    let rb = api
        .send(
            "POST",
            &format!("/v1/redemptions/{parent}/rollbacks?reason=test"),
            None,
        )
        .await;
    assert_eq!(rb.status, 200, "{}", rb.body);
    assert_eq!(rb.body["rollbacks"].as_array().unwrap().len(), 2);
    assert_eq!(rb.body["order"]["status"], "CANCELED");
    assert_eq!(rb.body["parent_rollback"]["reason"], "test");
    assert_eq!(
        api.get("/v1/vouchers/A10").await.body["redemption"]["redeemed_quantity"],
        0
    );
    let again = api
        .post(&format!("/v1/redemptions/{parent}/rollbacks"), json!({}))
        .await;
    assert_error(&again, 400, "already_rolled_back");
    assert!(
        again.body["resource_id"]
            .as_str()
            .unwrap()
            .starts_with("rrf_")
    );
}

#[tokio::test]
async fn duplicated_and_mixed_redeemables_are_refused() {
    let api = Api::start().await;
    let v = api
        .voucher("DUP", json!({"type": "AMOUNT", "amount_off": 100}), None)
        .await;
    let by_code_and_id =
        json!([{"object": "voucher", "id": "DUP"}, {"object": "voucher", "id": v["id"]}]);
    assert_error(
        &api.post("/v1/validations", json!({"redeemables": by_code_and_id}))
            .await,
        400,
        "duplicated_redeemables",
    );
    let mixed =
        json!([{"object": "voucher", "id": "DUP"}, {"object": "promotion_stack", "id": "stack_1"}]);
    assert_error(
        &api.post("/v1/validations", json!({"redeemables": mixed}))
            .await,
        400,
        "invalid_redeemables",
    );
}

#[tokio::test]
async fn validation_does_not_consume_and_refused_requests_change_nothing() {
    let api = Api::start().await;
    api.voucher(
        "KEEP",
        json!({"type": "AMOUNT", "amount_off": 100}),
        Some(1),
    )
    .await;
    for _ in 0..3 {
        let v = api
            .post(
                "/v1/validations",
                json!({"redeemables": Api::redeemables(&["KEEP"]), "order": {"amount": 1000}}),
            )
            .await;
        assert_eq!(v.body["valid"], true);
    }
    // A bad order in a redemption is refused before anything is written.
    let bad = api
        .post("/v1/redemptions", json!({"redeemables": Api::redeemables(&["KEEP"]), "order": {"amount": -5}, "customer": {"source_id": "zed"}}))
        .await;
    assert_error(&bad, 400, "invalid_payload");
    assert_eq!(
        api.get("/v1/vouchers/KEEP").await.body["redemption"]["redeemed_quantity"],
        0
    );
    assert_error(&api.get("/v1/customers/zed").await, 404, "not_found");
}

#[tokio::test]
async fn sdks_trailing_and_double_slashes_reach_the_same_routes() {
    let api = Api::start().await;
    let a = api
        .send(
            "POST",
            "/v1/vouchers/",
            Some(r#"{"type":"DISCOUNT_VOUCHER","discount":{"type":"AMOUNT","amount_off":100}}"#),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let b = api.get("//v1/vouchers").await;
    assert_eq!(b.status, 200);
    assert_eq!(b.body["total"], 1);
}

#[tokio::test]
async fn projects_are_isolated_and_have_their_own_clock() {
    let api = Api::start().await;
    let p = api
        .http
        .post(format!("{}/_emulator/projects", api.base))
        .json(&json!({"name": "other"}))
        .send()
        .await
        .unwrap();
    assert_eq!(p.status().as_u16(), 201);
    let p: serde_json::Value = p.json().await.unwrap();
    let (app, secret, id) = (
        p["app_id"].as_str().unwrap(),
        p["secret_key"].as_str().unwrap(),
        p["id"].as_str().unwrap(),
    );
    api.voucher("MINE", json!({"type": "AMOUNT", "amount_off": 100}), None)
        .await;
    let other = api
        .send_as(app, secret, "GET", "/v1/vouchers/MINE", None)
        .await;
    assert_error(&other, 404, "not_found");
    // The other project's clock moves on its own.
    let set = api
        .http
        .put(format!("{}/_emulator/projects/{id}/clock", api.base))
        .json(&json!({"now": "2030-01-01T00:00:00Z"}))
        .send()
        .await
        .unwrap();
    let clock: serde_json::Value = set.json().await.unwrap();
    assert_eq!(clock["now"], "2030-01-01T00:00:00.000Z");
    assert_eq!(clock["frozen"], true);
    let created = api
        .send_as(
            app,
            secret,
            "POST",
            "/v1/vouchers/LATER",
            Some(r#"{"type":"DISCOUNT_VOUCHER","discount":{"type":"AMOUNT","amount_off":1}}"#),
        )
        .await;
    assert_eq!(created.body["created_at"], "2030-01-01T00:00:00.000Z");
    let bad = api
        .http
        .put(format!("{}/_emulator/projects/{id}/clock", api.base))
        .json(&json!({"advance": "soon"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
}

#[tokio::test]
async fn orders_and_customers_are_upserted_by_source_id() {
    let api = Api::start().await;
    let c1 = api
        .post("/v1/customers", json!({"source_id": "bob", "name": "Bob"}))
        .await;
    let c2 = api
        .post(
            "/v1/customers",
            json!({"source_id": "bob", "email": "bob@example.com"}),
        )
        .await;
    assert_eq!(c1.body["id"], c2.body["id"]);
    assert_eq!(c2.body["name"], "Bob");
    let o = api
        .post(
            "/v1/orders",
            json!({"source_id": "order-1", "items": [{"quantity": 2, "price": 1250}, {"quantity": 1, "price": 4500}], "customer": {"source_id": "bob"}}),
        )
        .await;
    assert_eq!(o.status, 200, "{}", o.body);
    assert_eq!(o.body["amount"], 7000);
    assert_eq!(o.body["status"], "CREATED");
    assert_eq!(o.body["items"][0]["amount"], 2500);
    let again = api
        .post(
            "/v1/orders",
            json!({"source_id": "order-1", "status": "PAID"}),
        )
        .await;
    assert_eq!(again.body["id"], o.body["id"]);
    assert_eq!(again.body["status"], "PAID");
    assert_eq!(api.get("/v1/orders").await.body["total"], 1);
    assert_error(
        &api.post("/v1/orders", json!({"status": "SHIPPED"})).await,
        400,
        "invalid_payload",
    );
}

#[tokio::test]
async fn a_session_holds_a_use_until_redeemed_released_or_lapsed() {
    let api = Api::start().await;
    api.voucher(
        "HELD",
        json!({"type": "AMOUNT", "amount_off": 500}),
        Some(1),
    )
    .await;
    let check = |session: serde_json::Value, who: &str| {
        json!({"redeemables": Api::redeemables(&["HELD"]), "order": {"amount": 2000},
               "customer": {"source_id": who}, "session": session})
    };

    // Malformed sessions are refused and hold nothing.
    for session in [json!({"type": "KEEP"}), json!({"ttl": -1}), json!("LOCK")] {
        let refused = api.post("/v1/validations", check(session, "alice")).await;
        assert_error(&refused, 400, "invalid_payload");
    }
    let free = api.post("/v1/validations", check(json!(null), "bob")).await;
    assert_eq!(free.body["valid"], true, "{}", free.body);

    let held = api
        .post(
            "/v1/validations",
            check(
                json!({"type": "LOCK", "key": "cart-7", "ttl": 30, "ttl_unit": "MINUTES"}),
                "alice",
            ),
        )
        .await;
    assert_eq!(held.body["valid"], true, "{}", held.body);
    assert_eq!(
        held.body["session"],
        json!({"key": "cart-7", "type": "LOCK", "ttl": 30, "ttl_unit": "MINUTES"})
    );
    // Someone else is refused the last use; the holder is not.
    let other = api.post("/v1/redemptions", check(json!(null), "bob")).await;
    assert_error(&other, 400, "quantity_exceeded");
    let mine = api
        .post(
            "/v1/validations",
            check(json!({"type": "LOCK", "key": "cart-7"}), "alice"),
        )
        .await;
    assert_eq!(mine.body["valid"], true, "{}", mine.body);

    // Releasing: unknown code, unknown session, then the hold itself.
    let release = |code: &str, key: &str| format!("/v1/vouchers/{code}/sessions/{key}");
    let a = api.send("DELETE", &release("NOPE", "cart-7"), None).await;
    assert_error(&a, 404, "not_found");
    assert_eq!(a.body["resource_type"], "voucher");
    let a = api.send("DELETE", &release("HELD", "cart-8"), None).await;
    assert_error(&a, 404, "not_found");
    assert_eq!(a.body["resource_type"], "session");
    assert_eq!(
        api.send("DELETE", &release("HELD", "cart-7"), None)
            .await
            .status,
        204
    );
    assert_eq!(
        api.send("DELETE", &release("HELD", "cart-7"), None)
            .await
            .status,
        404
    );
    let after_release = api.post("/v1/validations", check(json!(null), "bob")).await;
    assert_eq!(after_release.body["valid"], true);

    // A generated key, used by the redemption that names it.
    let held = api
        .post("/v1/validations", check(json!({"type": "LOCK"}), "alice"))
        .await;
    let key = held.body["session"]["key"].as_str().unwrap().to_string();
    assert!(key.starts_with("ssn_"), "{key}");
    assert_eq!(held.body["session"]["ttl"], 7);
    assert_eq!(held.body["session"]["ttl_unit"], "DAYS");
    let redeemed = api
        .post(
            "/v1/redemptions",
            check(json!({"type": "LOCK", "key": key}), "alice"),
        )
        .await;
    assert_eq!(redeemed.status, 200, "{}", redeemed.body);
    assert_eq!(
        redeemed.body["redemptions"][0]["session"]["key"],
        key.as_str()
    );
    let stored = api
        .get(&format!(
            "/v1/redemptions/{}",
            redeemed.body["redemptions"][0]["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(stored.body["session"]["key"], key.as_str());
    assert_eq!(
        api.send("DELETE", &release("HELD", &key), None)
            .await
            .status,
        404
    );
}
