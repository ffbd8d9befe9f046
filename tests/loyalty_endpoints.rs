//! Loyalty over HTTP: exact debits, refusals that change nothing, earning, and concurrent
//! reward redemptions against one card.

mod common;

use common::{Api, assert_error};
use serde_json::{Value, json};

struct Program {
    id: String,
    reward: String,
    coin: String,
}

/// A program with a 150-point coupon reward, a 100-point one, and pay-with-points at 0.01.
async fn program(api: &Api) -> Program {
    let p = api
        .post("/v1/loyalties", json!({"name": "Club", "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}}))
        .await;
    assert_eq!(p.status, 200, "{}", p.body);
    let id = p.body["id"].as_str().unwrap().to_string();
    let coupons = api
        .post("/v1/campaigns", json!({"name": "Cake", "campaign_type": "DISCOUNT_COUPONS", "voucher": {"type": "DISCOUNT_VOUCHER", "discount": {"type": "AMOUNT", "amount_off": 500}}}))
        .await;
    let mut rewards = Vec::new();
    for (name, cost) in [("Cake", 150), ("Coffee", 100)] {
        let r = api
            .post("/v1/rewards", json!({"name": name, "type": "CAMPAIGN", "parameters": {"campaign": {"id": coupons.body["id"]}}}))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let rid = r.body["id"].as_str().unwrap().to_string();
        let a = api
            .post(
                &format!("/v1/rewards/{rid}/assignments"),
                json!({"campaign": id, "parameters": {"loyalty": {"points": cost}}}),
            )
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
        rewards.push(rid);
    }
    let coin = api
        .post("/v1/rewards", json!({"name": "Points", "type": "COIN", "parameters": {"coin": {"exchange_ratio": 0.01, "points_ratio": 1}}}))
        .await;
    let coin_id = coin.body["id"].as_str().unwrap().to_string();
    let a = api
        .post(
            &format!("/v1/rewards/{coin_id}/assignments"),
            json!({"campaign": id}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let _ = rewards.pop();
    Program {
        id,
        reward: rewards.pop().unwrap(),
        coin: coin_id,
    }
}

async fn member(api: &Api, program: &str, who: &str, points: i64) -> String {
    let m = api
        .post(
            &format!("/v1/loyalties/{program}/members"),
            json!({"customer": {"source_id": who}}),
        )
        .await;
    assert_eq!(m.status, 200, "{}", m.body);
    let code = m.body["code"].as_str().unwrap().to_string();
    if points > 0 {
        let b = api
            .post(
                &format!("/v1/loyalties/{program}/members/{code}/balance"),
                json!({"points": points}),
            )
            .await;
        assert_eq!(b.status, 200, "{}", b.body);
        assert_eq!(b.body["balance"], points);
    }
    code
}

async fn balance(api: &Api, program: &str, code: &str) -> i64 {
    api.get(&format!("/v1/loyalties/{program}/members/{code}"))
        .await
        .body["loyalty_card"]["balance"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn a_reward_costing_more_than_the_card_holds_is_refused_and_debits_nothing_then_exactly_its_cost()
 {
    let api = Api::start().await;
    let p = program(&api).await;
    let code = member(&api, &p.id, "alice", 100).await;
    let refused = api
        .post(
            &format!("/v1/loyalties/{}/members/{code}/redemption", p.id),
            json!({"reward": {"id": p.reward}}),
        )
        .await;
    assert_error(&refused, 400, "loyalty_card_points_exceeded");
    assert_eq!(balance(&api, &p.id, &code).await, 100);
    api.post(
        &format!("/v1/loyalties/{}/members/{code}/balance", p.id),
        json!({"points": 100}),
    )
    .await;
    let ok = api
        .post(
            &format!("/v1/loyalties/{}/members/{code}/redemption", p.id),
            json!({"reward": {"id": p.reward}}),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["loyalty_card"]["points"], 150);
    assert!(ok.body["reward"]["voucher"]["code"].is_string());
    assert_eq!(balance(&api, &p.id, &code).await, 50);
    let tx = api
        .get(&format!(
            "/v1/loyalties/{}/members/{code}/transactions",
            p.id
        ))
        .await;
    let kinds: Vec<(&str, i64)> = tx.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["type"].as_str().unwrap(),
                t["details"]["balance"]["points"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("POINTS_REDEMPTION", -150),
            ("POINTS_ADDITION", 100),
            ("POINTS_ADDITION", 100)
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_concurrent_redemptions_of_100_points_on_a_1000_point_card_give_ten() {
    let api = std::sync::Arc::new(Api::start().await);
    let p = program(&api).await;
    // The 100-point reward is the second one created; find it by cost.
    let rewards = api.get(&format!("/v1/loyalties/{}/rewards", p.id)).await;
    let coffee = rewards.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["assignment"]["parameters"]["loyalty"]["points"] == 100)
        .map(|r| r["reward"]["id"].as_str().unwrap().to_string())
        .unwrap();
    let code = member(&api, &p.id, "alice", 1000).await;
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (api, id, code, coffee) = (api.clone(), p.id.clone(), code.clone(), coffee.clone());
            tokio::spawn(async move {
                api.post(
                    &format!("/v1/loyalties/{id}/members/{code}/redemption"),
                    json!({"reward": {"id": coffee}}),
                )
                .await
            })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        let a = t.await.unwrap();
        match a.status {
            200 => ok += 1,
            400 => assert_eq!(a.body["key"], "loyalty_card_points_exceeded"),
            other => panic!("unexpected {other}: {}", a.body),
        }
    }
    assert_eq!(ok, 10);
    assert_eq!(balance(&api, &p.id, &code).await, 0);
}

#[tokio::test]
async fn bad_points_requests_get_their_error_and_change_no_balance() {
    let api = Api::start().await;
    let p = program(&api).await;
    let code = member(&api, &p.id, "alice", 300).await;
    member(&api, &p.id, "bob", 0).await;
    let path = format!("/v1/loyalties/{}/members/{code}/balance", p.id);
    assert_error(
        &api.post(&path, json!({"points": 1.5})).await,
        400,
        "invalid_payload",
    );
    assert_error(
        &api.post(&path, json!({"points": "ten"})).await,
        400,
        "invalid_payload",
    );
    assert_error(
        &api.post(&path, json!({"points": 0})).await,
        400,
        "invalid_add_balance_params",
    );
    assert_error(
        &api.post(&path, json!({"points": -301})).await,
        400,
        "loyalty_card_points_exceeded",
    );
    let redeem = format!("/v1/loyalties/{}/members/{code}/redemption", p.id);
    assert_error(
        &api.post(&redeem, json!({"reward": {"id": "rew_nope"}}))
            .await,
        404,
        "not_found",
    );
    assert_error(&api.post(&redeem, json!({})).await, 400, "missing_reward");
    assert_error(
        &api.post(&redeem, json!({"reward": {"id": p.coin}})).await,
        400,
        "missing_order",
    );
    // Someone else paying with Alice's card.
    let pay = |who: &str| {
        json!({"redeemables": [{"object": "voucher", "id": code, "reward": {"id": p.coin, "points": 100}}],
               "order": {"amount": 4000}, "customer": {"source_id": who}})
    };
    assert_error(
        &api.post("/v1/redemptions", pay("bob")).await,
        400,
        "invalid_customer",
    );
    let too_many = json!({"redeemables": [{"object": "voucher", "id": code, "reward": {"id": p.coin, "points": 301}}],
                          "order": {"amount": 4000}, "customer": {"source_id": "alice"}});
    assert_error(
        &api.post("/v1/redemptions", too_many).await,
        400,
        "loyalty_card_points_exceeded",
    );
    assert_eq!(balance(&api, &p.id, &code).await, 300);
    // And the holder can.
    let ok = api.post("/v1/redemptions", pay("alice")).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["order"]["total_amount"], 3900);
    assert_eq!(balance(&api, &p.id, &code).await, 200);
}

#[tokio::test]
async fn paid_orders_and_custom_events_earn_points() {
    let api = Api::start().await;
    let p = program(&api).await;
    let rules = api
        .post(
            &format!("/v1/loyalties/{}/earning-rules", p.id),
            json!([
                {"event": "order.paid", "loyalty": {"type": "PROPORTIONAL", "calculation_type": "ORDER_AMOUNT", "order": {"amount": {"every": 1000, "points": 1}}}},
                {"event": "newsletter_signup", "loyalty": {"type": "FIXED", "points": 25}}
            ]),
        )
        .await;
    assert_eq!(rules.status, 200, "{}", rules.body);
    assert!(rules.body[0]["id"].as_str().unwrap().starts_with("ern_"));
    let code = member(&api, &p.id, "alice", 0).await;
    api.post("/v1/orders", json!({"amount": 2599, "status": "CREATED", "customer": {"source_id": "alice"}, "source_id": "o1"})).await;
    assert_eq!(balance(&api, &p.id, &code).await, 0);
    api.post("/v1/orders", json!({"source_id": "o1", "status": "PAID"}))
        .await;
    assert_eq!(balance(&api, &p.id, &code).await, 2);
    let e = api
        .post(
            "/v1/events",
            json!({"event": "newsletter_signup", "customer": {"source_id": "alice"}}),
        )
        .await;
    assert_eq!(e.status, 200, "{}", e.body);
    assert_eq!(e.body["object"], "event");
    assert_eq!(e.body["customer"]["source_id"], "alice");
    assert_eq!(balance(&api, &p.id, &code).await, 27);
    let bad = api
        .post(
            &format!("/v1/loyalties/{}/earning-rules", p.id),
            json!([{"event": "order.paid", "loyalty": {"type": "FIXED"}}]),
        )
        .await;
    assert_error(&bad, 400, "missing_param");
}

#[tokio::test]
async fn gift_cards_pay_with_credits_and_rollbacks_refund_them() {
    let api = Api::start().await;
    let g = api
        .post(
            "/v1/vouchers/GIFT1",
            json!({"type": "GIFT_VOUCHER", "gift": {"amount": 5000}}),
        )
        .await;
    assert_eq!(g.status, 200, "{}", g.body);
    assert_eq!(g.body["gift"]["balance"], 5000);
    let body = |credits: i64| json!({"redeemables": [{"object": "voucher", "id": "GIFT1", "gift": {"credits": credits}}], "order": {"amount": 3500}});
    assert_error(
        &api.post("/v1/redemptions", body(6000)).await,
        400,
        "gift_amount_exceeded",
    );
    let r = api.post("/v1/redemptions", body(2000)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["redemptions"][0]["gift"]["amount"], 2000);
    assert_eq!(
        api.get("/v1/vouchers/GIFT1").await.body["gift"]["balance"],
        3000
    );
    let rid = r.body["redemptions"][0]["id"].as_str().unwrap();
    let rb = api
        .post(&format!("/v1/redemptions/{rid}/rollback"), Value::Null)
        .await;
    assert_eq!(rb.status, 200, "{}", rb.body);
    assert_eq!(rb.body["amount"], -2000);
    assert_eq!(
        api.get("/v1/vouchers/GIFT1").await.body["gift"]["balance"],
        5000
    );
    let top_up = api
        .post("/v1/vouchers/GIFT1/balance", json!({"amount": 1000}))
        .await;
    assert_eq!(top_up.body["balance"], 6000);
    let tx = api.get("/v1/vouchers/GIFT1/transactions").await;
    let kinds: Vec<&str> = tx.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec!["CREDITS_ADDITION", "CREDITS_REFUND", "CREDITS_REDEMPTION"]
    );
}
