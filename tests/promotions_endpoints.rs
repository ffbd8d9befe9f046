//! Cart promotions over HTTP: tiers with rules, qualification, exclusive categories, budgets
//! under concurrency, and refused rule definitions.

mod common;

use common::{Api, assert_error};
use serde_json::{Value, json};

async fn rule(api: &Api, rules: Value) -> String {
    let a = api
        .post(
            "/v1/validation-rules",
            json!({"name": "rule", "rules": rules}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.body["id"].as_str().unwrap().to_string()
}

async fn promotion(api: &Api, name: &str, tiers: Value) -> Value {
    let a = api
        .post(
            "/v1/campaigns",
            json!({"name": name, "campaign_type": "PROMOTION", "promotion": {"tiers": tiers}}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.body
}

fn tier_id(campaign: &Value, i: usize) -> String {
    campaign["promotion"]["tiers"][i]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_tier_over_100_is_inapplicable_at_99_and_applicable_at_150_and_qualifies() {
    let api = Api::start().await;
    let over_100 = rule(
        &api,
        json!({"1": {"name": "order.amount", "conditions": {"$more_than": [10000]}}}),
    )
    .await;
    let campaign = promotion(
        &api,
        "Big carts",
        json!([{"name": "10 off", "action": {"discount": {"type": "AMOUNT", "amount_off": 1000}}, "validation_rules": [over_100]}]),
    )
    .await;
    let tier = tier_id(&campaign, 0);
    assert!(tier.starts_with("promo_"));
    let redeemable = json!([{"object": "promotion_tier", "id": tier}]);
    let low = api
        .post(
            "/v1/validations",
            json!({"redeemables": redeemable, "order": {"amount": 9900}}),
        )
        .await;
    assert_eq!(low.body["redeemables"][0]["status"], "INAPPLICABLE");
    assert_eq!(
        low.body["redeemables"][0]["result"]["error"]["key"],
        "redemption_rules_violated"
    );
    let high = api
        .post(
            "/v1/validations",
            json!({"redeemables": redeemable, "order": {"amount": 15000}}),
        )
        .await;
    assert_eq!(high.body["redeemables"][0]["status"], "APPLICABLE");
    assert_eq!(high.body["order"]["total_amount"], 14000);
    let q = api
        .post("/v1/qualifications", json!({"order": {"amount": 15000}}))
        .await;
    assert_eq!(q.status, 200, "{}", q.body);
    let ids: Vec<&str> = q.body["redeemables"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![tier.as_str()]);
    let q_low = api
        .post("/v1/qualifications", json!({"order": {"amount": 9900}}))
        .await;
    assert_eq!(q_low.body["redeemables"]["total"], 0);
}

#[tokio::test]
async fn of_two_exclusive_promotions_one_applies_and_the_other_is_skipped() {
    let api = Api::start().await;
    let cat = api
        .post(
            "/v1/categories",
            json!({"name": "Clearance", "hierarchy": 1}),
        )
        .await;
    let cat_id = cat.body["id"].as_str().unwrap().to_string();
    let project = api.running.emulator.default_project().id.clone();
    let set = api
        .http
        .put(format!(
            "{}/_emulator/projects/{project}/stacking-rules",
            api.base
        ))
        .json(&json!({"exclusive_categories": [cat_id]}))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status().as_u16(), 200);
    let campaign = promotion(
        &api,
        "Clearance",
        json!([
            {"name": "30%", "action": {"discount": {"type": "PERCENT", "percent_off": 30}}, "category_id": cat_id},
            {"name": "20%", "action": {"discount": {"type": "PERCENT", "percent_off": 20}}, "category_id": cat_id},
        ]),
    )
    .await;
    let redeemables = json!([
        {"object": "promotion_tier", "id": tier_id(&campaign, 0)},
        {"object": "promotion_tier", "id": tier_id(&campaign, 1)},
    ]);
    let v = api
        .post(
            "/v1/validations",
            json!({"redeemables": redeemables, "order": {"amount": 10000}}),
        )
        .await;
    let statuses: Vec<&str> = v.body["redeemables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["APPLICABLE", "SKIPPED"]);
    assert_eq!(
        v.body["skipped_redeemables"][0]["result"]["details"]["key"],
        "applicable_exclusive_redeemables_limit_exceeded"
    );
    assert_eq!(
        v.body["stacking_rules"]["exclusive_categories"][0],
        cat_id.as_str()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_concurrent_redemptions_of_a_campaign_capped_at_10_give_10_successes() {
    let api = std::sync::Arc::new(Api::start().await);
    let cap = rule(
        &api,
        json!({"1": {"name": "campaign.redemptions.count", "conditions": {"$less_than": [10]}}}),
    )
    .await;
    let campaign = promotion(
        &api,
        "Flash",
        json!([{"name": "5 off", "action": {"discount": {"type": "AMOUNT", "amount_off": 500}}, "validation_rules": [cap]}]),
    )
    .await;
    let tier = tier_id(&campaign, 0);
    let tasks: Vec<_> = (0..32)
        .map(|i| {
            let api = api.clone();
            let tier = tier.clone();
            tokio::spawn(async move {
                api.post(
                    "/v1/redemptions",
                    json!({"redeemables": [{"object": "promotion_tier", "id": tier}], "order": {"amount": 3000}, "customer": {"source_id": format!("c{i}")}}),
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
            400 => assert_eq!(a.body["key"], "redemption_rules_violated", "{}", a.body),
            other => panic!("unexpected {other}: {}", a.body),
        }
    }
    assert_eq!(ok, 10);
}

#[tokio::test]
async fn invalid_rule_definitions_are_refused_and_never_stored() {
    let api = Api::start().await;
    for (rules, fragment) in [
        (
            json!({"1": {"name": "order.amount", "conditions": {"$bigger": [1]}}}),
            "unknown operator '$bigger'",
        ),
        (
            json!({"1": {"name": "order.amount", "conditions": {"$is": [1]}}, "logic": "(1 and"}),
            "Logic '(1 and'",
        ),
        (
            json!({"1": {"name": "order.amount", "conditions": {"$is": [1]}}, "logic": "1 or 4"}),
            "refers to rule 4",
        ),
        (
            json!({"1": {"name": "customer.metadata", "conditions": {"$is": ["x"]}}}),
            "must have a 'property'",
        ),
    ] {
        let a = api
            .post(
                "/v1/validation-rules",
                json!({"name": "bad", "rules": rules}),
            )
            .await;
        assert_error(&a, 400, "invalid_validation_rules");
        assert!(
            a.body["details"].as_str().unwrap().contains(fragment),
            "{}",
            a.body
        );
    }
    assert_eq!(api.get("/v1/validation-rules").await.body["total"], 0);
    // A campaign naming a missing rule is refused whole: no campaign, no tier.
    let a = api
        .post(
            "/v1/campaigns",
            json!({"name": "X", "campaign_type": "PROMOTION", "promotion": {"tiers": [{"name": "t", "action": {"discount": {"type": "AMOUNT", "amount_off": 1}}, "validation_rules": ["val_missing"]}]}}),
        )
        .await;
    assert_error(&a, 404, "not_found");
    assert_eq!(api.get("/v1/campaigns").await.body["total"], 0);
    assert_eq!(api.get("/v1/promotions/tiers").await.body["total"], 0);
}

#[tokio::test]
async fn coupon_campaigns_generate_codes_from_their_config() {
    let api = Api::start().await;
    let c = api
        .post(
            "/v1/campaigns",
            json!({"name": "Partners", "campaign_type": "DISCOUNT_COUPONS", "vouchers_count": 5,
                   "voucher": {"type": "DISCOUNT_VOUCHER", "discount": {"type": "PERCENT", "percent_off": 10}, "code_config": {"pattern": "PART-####"}}}),
        )
        .await;
    assert_eq!(c.status, 200, "{}", c.body);
    assert_eq!(c.body["vouchers_count"], 5);
    let dup = api
        .post(
            "/v1/campaigns",
            json!({"name": "Partners", "campaign_type": "DISCOUNT_COUPONS"}),
        )
        .await;
    assert_error(&dup, 409, "duplicate_found");
    let list = api
        .get(&format!(
            "/v1/vouchers?campaign_id={}",
            c.body["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(list.body["total"], 5);
    let code = list.body["vouchers"][0]["code"].as_str().unwrap();
    assert!(code.starts_with("PART-") && code.len() == 9, "{code}");
    let disabled = api
        .post("/v1/campaigns/Partners/disable", json!(null))
        .await;
    assert_eq!(disabled.body, json!({}));
    let v = api
        .post(
            "/v1/validations",
            json!({"redeemables": [{"object": "voucher", "id": code}], "order": {"amount": 1000}}),
        )
        .await;
    assert_eq!(
        v.body["redeemables"][0]["result"]["error"]["key"],
        "voucher_disabled"
    );
}

#[tokio::test]
async fn qualification_filters_and_paging_narrow_the_incentives() {
    let api = Api::start().await;
    let cat = api
        .post(
            "/v1/categories",
            json!({"name": "Seasonal", "hierarchy": 1}),
        )
        .await;
    let cat_id = cat.body["id"].as_str().unwrap().to_string();
    let tiers = promotion(
        &api,
        "Cart deals",
        json!([
            {"name": "5 off", "action": {"discount": {"type": "AMOUNT", "amount_off": 500}}},
            {"name": "7 off", "category_id": cat_id, "action": {"discount": {"type": "AMOUNT", "amount_off": 700}}}
        ]),
    )
    .await;
    let (plain, seasonal) = (tier_id(&tiers, 0), tier_id(&tiers, 1));
    // The paging cursor is a creation time: the code is made a moment after the tiers.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let coupons = api
        .post(
            "/v1/campaigns",
            json!({"name": "Spring", "campaign_type": "DISCOUNT_COUPONS", "type": "STATIC", "vouchers_count": 1,
                   "voucher": {"type": "DISCOUNT_VOUCHER", "discount": {"type": "PERCENT", "percent_off": 10}}}),
        )
        .await;
    assert_eq!(coupons.status, 200, "{}", coupons.body);
    let published = api
        .post(
            "/v1/publications",
            json!({"customer": {"source_id": "alice"}, "campaign": {"name": "Spring"}}),
        )
        .await;
    let code = published.body["voucher"]["code"]
        .as_str()
        .unwrap()
        .to_string();

    let qualify = async |options: Value| {
        let q = api
            .post(
                "/v1/qualifications",
                json!({"customer": {"source_id": "alice"}, "order": {"amount": 10000}, "options": options}),
            )
            .await;
        assert_eq!(q.status, 200, "{options}: {}", q.body);
        let ids: Vec<String> = q.body["redeemables"]["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect();
        (ids, q.body["redeemables"].clone())
    };
    let (all, _) = qualify(json!({})).await;
    assert_eq!(all.len(), 3, "{all:?}");
    let (only_tiers, _) =
        qualify(json!({"filters": {"resource_type": {"conditions": {"$in": ["promotion_tier"]}}}}))
            .await;
    assert_eq!(only_tiers.len(), 2);
    assert!(!only_tiers.contains(&code));
    let (in_category, _) =
        qualify(json!({"filters": {"category_id": {"conditions": {"$is": [cat_id]}}}})).await;
    assert_eq!(in_category, [seasonal.as_str()]);
    let (owned, _) = qualify(json!({"filters": {
        "holder_role": {"conditions": {"$is": ["OWNER"]}},
        "campaign_type": {"conditions": {"$in": ["DISCOUNT_COUPONS"]}}}}))
    .await;
    assert_eq!(owned, [code.as_str()]);
    let (either, _) = qualify(json!({"filters": {"junction": "or",
        "code": {"conditions": {"$is": [code]}},
        "resource_id": {"conditions": {"$is": [plain]}}}}))
    .await;
    assert_eq!(either.len(), 2);
    assert!(
        either.contains(&code) && either.contains(&plain),
        "{either:?}"
    );

    // Paging: newest first, the rest after the cursor.
    let (first, page) = qualify(json!({"limit": 1})).await;
    assert_eq!(first, [code.as_str()]);
    assert_eq!(page["has_more"], true);
    let cursor = page["more_starting_after"].clone();
    let (rest, page) = qualify(json!({"limit": 2, "starting_after": cursor})).await;
    assert_eq!(page["has_more"], false);
    assert_eq!(rest.len(), 2);
    let mut seen: Vec<String> = first.into_iter().chain(rest).collect();
    seen.sort();
    let mut expected = all.clone();
    expected.sort();
    assert_eq!(seen, expected);

    for filters in [
        json!({"campaign": {"conditions": {"$is": ["Spring"]}}}),
        json!({"code": {"conditions": {"$equals": ["X"]}}}),
        json!({"code": {"conditions": {"$is": "X"}}}),
        json!({"code": {"conditions": {"$is": []}}}),
        json!({"code": {"$is": ["X"]}}),
        json!({"junction": "xor"}),
        json!(["code"]),
    ] {
        let refused = api
            .post(
                "/v1/qualifications",
                json!({"order": {"amount": 10000}, "options": {"filters": filters}}),
            )
            .await;
        assert_error(&refused, 400, "invalid_payload");
        assert!(
            refused.body["details"]
                .as_str()
                .unwrap()
                .contains(".options.filters"),
            "{}",
            refused.body
        );
    }
}
