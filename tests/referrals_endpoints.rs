//! Referrals and publications over HTTP: the referrer's own code refused, rewards visible
//! through the API after a referee's redemption (points, credits, a published code), the
//! holders endpoints, wallets, and bad input that publishes and counts nothing.

mod common;

use common::{Api, assert_error};
use serde_json::{Value, json};

async fn created(api: &Api, path: &str, body: Value) -> Value {
    let a = api.post(path, body).await;
    assert_eq!(a.status, 200, "{path}: {}", a.body);
    a.body
}

/// A referral campaign giving referees 10.00 off, with the given `referral_program`.
async fn referral_campaign(api: &Api, name: &str, program: Value) -> String {
    let c = created(
        api,
        "/v1/campaigns",
        json!({"name": name, "campaign_type": "REFERRAL_PROGRAM", "join_once": true,
               "voucher": {"discount": {"type": "AMOUNT", "amount_off": 1000}},
               "referral_program": program}),
    )
    .await;
    assert_eq!(c["voucher"]["is_referral_code"], true, "{c}");
    c["id"].as_str().unwrap().to_string()
}

/// Publishes a code of `campaign` to `who`; returns the code.
async fn publish(api: &Api, campaign: &str, who: &str) -> String {
    let p = created(
        api,
        "/v1/publications?join_once=true",
        json!({"customer": {"source_id": who}, "campaign": {"name": campaign}}),
    )
    .await;
    p["voucher"]["code"].as_str().unwrap().to_string()
}

async fn redeem(api: &Api, code: &str, who: Option<&str>) -> common::Answer {
    let mut body = json!({"redeemables": Api::redeemables(&[code]), "order": {"amount": 5000}});
    if let Some(who) = who {
        body["customer"] = json!({"source_id": who});
    }
    api.post("/v1/redemptions", body).await
}

async fn loyalty_program(api: &Api) -> String {
    let p = created(
        api,
        "/v1/loyalties",
        json!({"name": "Club", "voucher": {"type": "LOYALTY_CARD", "loyalty_card": {"points": 0}}}),
    )
    .await;
    p["id"].as_str().unwrap().to_string()
}

fn holders_of(list: &Value) -> Vec<(String, String)> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["customer_id"].as_str().unwrap().to_string(),
                h["holder_role"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_referrer_redeeming_their_own_code_is_refused_and_a_referee_rewards_them_once() {
    let api = Api::start().await;
    let club = loyalty_program(&api).await;
    let campaign = referral_campaign(
        &api,
        "Refer",
        json!({"referrer_rewards": [{"reward": {"type": "LOYALTY_POINTS", "campaign_id": club, "points": 100}}]}),
    )
    .await;
    let code = publish(&api, &campaign, "alice").await;
    assert_eq!(publish(&api, &campaign, "alice").await, code, "join once");

    let own = redeem(&api, &code, Some("alice")).await;
    assert_error(&own, 400, "referrer_not_permitted_to_redeem");
    assert_eq!(
        own.body["message"],
        "voucher cannot be redeemed by referrer"
    );
    assert_eq!(own.body["details"], code);

    // A validation changes nothing.
    let valid = api
        .post(
            "/v1/validations",
            json!({"redeemables": Api::redeemables(&[&code]), "customer": {"source_id": "bob"}, "order": {"amount": 5000}}),
        )
        .await;
    assert_eq!(valid.body["valid"], true, "{}", valid.body);
    let alice = api.get("/v1/customers/alice").await.body;
    assert_eq!(alice["loyalty"]["referred_customers"], 0);

    let ok = redeem(&api, &code, Some("bob")).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["order"]["total_discount_amount"], 1000);
    let alice = api.get("/v1/customers/alice").await.body;
    let alice_id = alice["id"].as_str().unwrap();
    assert_eq!(ok.body["order"]["referrer_id"], alice_id);
    assert_eq!(ok.body["order"]["referrer"]["id"], alice_id);
    let order_id = ok.body["order"]["id"].as_str().unwrap();
    assert_eq!(
        api.get(&format!("/v1/orders/{order_id}")).await.body["referrer_id"],
        alice_id
    );
    assert_eq!(alice["loyalty"]["referred_customers"], 1);
    assert_eq!(alice["loyalty"]["points"], 100);
    assert_eq!(
        alice["loyalty"]["campaigns"]["Refer"]["referred_customers"],
        1
    );
    assert_eq!(alice["loyalty"]["campaigns"]["Club"]["points"], 100);
    let bob = api.get("/v1/customers/bob").await.body;
    assert_eq!(bob["referrals"]["total"], 1);
    assert_eq!(bob["referrals"]["campaigns"][0]["referrer_id"], alice_id);
    assert_eq!(bob["referrals"]["campaigns"][0]["campaign_id"], campaign);
    assert_eq!(
        bob["referrals"]["campaigns"][0]["related_object_type"],
        "redemption"
    );
    assert_eq!(
        bob["referrals"]["campaigns"][0]["related_object_id"],
        ok.body["redemptions"][0]["id"]
    );

    // Bob again: discounted, counted once, rewarded once.
    let again = redeem(&api, &code, Some("bob")).await;
    assert_eq!(again.status, 200, "{}", again.body);
    let alice = api.get("/v1/customers/alice").await.body;
    assert_eq!(alice["loyalty"]["referred_customers"], 1);
    assert_eq!(alice["loyalty"]["points"], 100);

    // The reward is a ledger entry on Alice's card.
    let card = api.get("/v1/customers/alice/redeemables").await.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["voucher_type"] == "LOYALTY_CARD")
        .map(|h| {
            h["redeemable"]["voucher"]["code"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .expect("Alice holds a card");
    let tx = api
        .get(&format!("/v1/vouchers/{card}/transactions"))
        .await
        .body;
    assert_eq!(tx["data"][0]["type"], "POINTS_ADDITION");
    assert_eq!(tx["data"][0]["details"]["balance"]["points"], 100);

    // Bob is now a referee holder of the code.
    let holders = api
        .get(&format!("/v1/referrals/{campaign}/members/{code}/holders"))
        .await;
    assert_eq!(holders.status, 200, "{}", holders.body);
    let bob_id = bob["id"].as_str().unwrap().to_string();
    assert_eq!(
        holders_of(&holders.body),
        vec![
            (alice_id.to_string(), "REFERRER".to_string()),
            (bob_id, "REFEREE".to_string())
        ]
    );
}

#[tokio::test]
async fn referrer_rewards_can_be_gift_credits_or_a_published_code_after_a_minimum() {
    let api = Api::start().await;
    let gifts = created(
        &api,
        "/v1/campaigns",
        json!({"name": "Gifts", "campaign_type": "GIFT_VOUCHERS", "voucher": {"type": "GIFT_VOUCHER", "gift": {"amount": 5000}}}),
    )
    .await;
    let thanks = created(
        &api,
        "/v1/campaigns",
        json!({"name": "Thanks", "campaign_type": "DISCOUNT_COUPONS", "voucher": {"type": "DISCOUNT_VOUCHER", "discount": {"type": "AMOUNT", "amount_off": 1500}}}),
    )
    .await;
    let campaign = referral_campaign(
        &api,
        "Refer",
        json!({"referrer_rewards": [
            {"reward": {"type": "GIFT_CREDITS", "campaign_id": gifts["id"], "amount": 2500}},
            {"referees": 2, "reward": {"type": "DISCOUNT_CODE", "campaign_id": "Thanks"}}
        ]}),
    )
    .await;
    let code = publish(&api, &campaign, "alice").await;
    assert_eq!(redeem(&api, &code, Some("bob")).await.status, 200);

    let wallet = api.get("/v1/customers/alice/redeemables").await.body;
    let gift: Vec<&Value> = wallet["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["voucher_type"] == "GIFT_VOUCHER")
        .collect();
    assert_eq!(gift.len(), 1, "{wallet}");
    // A new card starts empty; the reward's credits are all it holds.
    assert_eq!(gift[0]["redeemable"]["voucher"]["gift"]["balance"], 2500);
    let thanks_codes = |w: &Value| {
        w["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["campaign_id"] == thanks["id"])
            .count()
    };
    assert_eq!(
        thanks_codes(&wallet),
        0,
        "no coupon before the second referee"
    );

    assert_eq!(redeem(&api, &code, Some("carol")).await.status, 200);
    let wallet = api.get("/v1/customers/alice/redeemables").await.body;
    assert_eq!(thanks_codes(&wallet), 1, "{wallet}");
    let gift = wallet["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["voucher_type"] == "GIFT_VOUCHER")
        .unwrap();
    assert_eq!(
        gift["redeemable"]["voucher"]["gift"]["balance"], 5000,
        "credits for each referee land on the same card"
    );

    assert_eq!(redeem(&api, &code, Some("dave")).await.status, 200);
    let wallet = api.get("/v1/customers/alice/redeemables").await.body;
    assert_eq!(thanks_codes(&wallet), 1, "the minimum tier pays once");
}

#[tokio::test]
async fn a_custom_event_converts_and_a_redemption_does_not_in_an_event_program() {
    let api = Api::start().await;
    let club = loyalty_program(&api).await;
    let campaign = referral_campaign(
        &api,
        "Signup",
        json!({"conversion_event_type": "custom_event", "custom_event": {"name": "signed_up"},
               "referee_reward": {"type": "LOYALTY_CARD", "amount": "40", "related_object_parent": {"id": club}},
               "referrer_rewards": [{"reward": {"type": "LOYALTY_POINTS", "campaign_id": club, "points": 70}}]}),
    )
    .await;
    let code = publish(&api, &campaign, "alice").await;
    assert_eq!(redeem(&api, &code, Some("bob")).await.status, 200);
    assert_eq!(
        api.get("/v1/customers/alice").await.body["loyalty"]["referred_customers"],
        0
    );

    // Another event, or the referrer's own, counts nothing.
    let other = api
        .post("/v1/events", json!({"event": "newsletter", "customer": {"source_id": "bob"}, "referral": {"code": code}}))
        .await;
    assert_eq!(other.status, 200, "{}", other.body);
    let own = api
        .post("/v1/events", json!({"event": "signed_up", "customer": {"source_id": "alice"}, "referral": {"code": code}}))
        .await;
    assert_error(&own, 400, "referrer_not_permitted_to_redeem");
    assert_eq!(
        api.get("/v1/customers/alice").await.body["loyalty"]["referred_customers"],
        0
    );

    let event = api
        .post("/v1/events", json!({"event": "signed_up", "customer": {"source_id": "bob"}, "referral": {"code": code}}))
        .await;
    assert_eq!(event.status, 200, "{}", event.body);
    let alice = api.get("/v1/customers/alice").await.body;
    assert_eq!(alice["loyalty"]["referred_customers"], 1);
    assert_eq!(alice["loyalty"]["points"], 70);
    let bob = api.get("/v1/customers/bob").await.body;
    assert_eq!(
        bob["referrals"]["campaigns"][0]["related_object_type"],
        "customer_event"
    );
    assert_eq!(bob["loyalty"]["points"], 40, "the referee's reward: {bob}");
}

#[tokio::test]
async fn a_referral_code_without_a_customer_is_refused_and_counts_nothing() {
    let api = Api::start().await;
    let campaign = referral_campaign(&api, "Refer", json!({})).await;
    let code = publish(&api, &campaign, "alice").await;
    let refused = redeem(&api, &code, None).await;
    assert_error(&refused, 400, "missing_customer");
    let voucher = api.get(&format!("/v1/vouchers/{code}")).await.body;
    assert_eq!(voucher["redemption"]["redeemed_quantity"], 0);
    let alice = api.get("/v1/customers/alice").await.body;
    assert_eq!(alice["loyalty"]["referred_customers"], 0);

    // An unpublished referral code cannot be shared by event.
    let spare = created(
        &api,
        &format!("/v1/campaigns/{campaign}/vouchers"),
        json!({}),
    )
    .await;
    let spare = spare["code"].as_str().unwrap();
    let event = api
        .post(
            "/v1/events",
            json!({"event": "x", "customer": {"source_id": "bob"}, "referral": {"code": spare}}),
        )
        .await;
    assert_error(&event, 400, "not_published");
    assert_eq!(
        api.get("/v1/customers/bob").await.status,
        404,
        "nothing was upserted"
    );
}

#[tokio::test]
async fn holders_are_added_checked_listed_and_removed() {
    let api = Api::start().await;
    let campaign = referral_campaign(&api, "Refer", json!({})).await;
    let spare = created(
        &api,
        &format!("/v1/campaigns/{campaign}/vouchers"),
        json!({}),
    )
    .await;
    let spare = spare["code"].as_str().unwrap().to_string();
    let path = |code: &str| format!("/v1/referrals/{campaign}/members/{code}/holders");

    let unpublished = api
        .post(&path(&spare), json!({"holders": [{"source_id": "bob"}]}))
        .await;
    assert_error(&unpublished, 400, "not_published");

    let code = publish(&api, &campaign, "alice").await;
    assert_error(
        &api.post(&path(&code), json!({"holders": []})).await,
        400,
        "invalid_payload",
    );
    assert_error(
        &api.post(&path(&code), json!({})).await,
        400,
        "invalid_payload",
    );
    let many: Vec<Value> = (0..101)
        .map(|i| json!({"source_id": format!("c{i}")}))
        .collect();
    assert_error(
        &api.post(&path(&code), json!({"holders": many})).await,
        400,
        "invalid_payload",
    );
    assert_error(
        &api.post(
            &path(&code),
            json!({"holders": [{"source_id": "bob"}, {"source_id": "bob"}]}),
        )
        .await,
        409,
        "duplicate_found",
    );
    assert_error(
        &api.post(&path(&code), json!({"holders": [{"source_id": "alice"}]}))
            .await,
        409,
        "holder_assignement_duplication",
    );
    assert_error(
        &api.post(
            "/v1/referrals/camp_nope/members/X/holders",
            json!({"holders": [{"source_id": "bob"}]}),
        )
        .await,
        404,
        "not_found",
    );
    // Every refusal above added nobody.
    assert_eq!(holders_of(&api.get(&path(&code)).await.body).len(), 1);
    assert_eq!(api.get("/v1/customers/bob").await.status, 404);

    let added = api
        .post(&path(&code), json!({"holders": [{"source_id": "bob", "name": "Bob"}, {"source_id": "carol"}], "metadata": {"channel": "fair"}}))
        .await;
    assert_eq!(added.status, 200, "{}", added.body);
    let holders = added.body["holders"].as_array().unwrap();
    assert_eq!(holders.len(), 2);
    assert!(holders.iter().all(|h| h["holder_role"] == "REFEREE"
        && h["campaign_type"] == "REFERRAL_PROGRAM"
        && h["object"] == "redeemable_holder"
        && h["metadata"]["channel"] == "fair"
        && h["id"].as_str().unwrap().starts_with("rh_")));
    assert_eq!(api.get("/v1/customers/bob").await.body["name"], "Bob");

    let listed = api
        .get(&format!("/v1/referrals/members/{code}/holders?limit=2"))
        .await;
    assert_eq!(listed.body["total"], 3);
    assert_eq!(listed.body["has_more"], true);
    let next = listed.body["more_starting_after"].as_str().unwrap();
    let rest = api
        .get(&format!(
            "/v1/referrals/members/{code}/holders?starting_after_id={next}"
        ))
        .await;
    assert_eq!(rest.body["data"].as_array().unwrap().len(), 1);
    assert_eq!(rest.body["has_more"], false);

    let referrer = listed.body["data"][0]["id"].as_str().unwrap().to_string();
    let forbidden = api
        .send("DELETE", &format!("{}/{referrer}", path(&code)), None)
        .await;
    assert_error(&forbidden, 403, "forbidden");
    let referee = holders[0]["id"].as_str().unwrap();
    let removed = api
        .send("DELETE", &format!("{}/{referee}", path(&code)), None)
        .await;
    assert_eq!(removed.status, 204);
    let again = api
        .send("DELETE", &format!("{}/{referee}", path(&code)), None)
        .await;
    assert_error(&again, 404, "not_found");
    assert_eq!(again.body["resource_type"], "redeemable_holder");
    assert_eq!(holders_of(&api.get(&path(&code)).await.body).len(), 2);
}

#[tokio::test]
async fn publications_refuse_bad_input_and_publish_nothing() {
    let api = Api::start().await;
    let campaign = created(
        &api,
        "/v1/campaigns",
        json!({"name": "Spring", "campaign_type": "DISCOUNT_COUPONS", "type": "STATIC", "vouchers_count": 1,
               "voucher": {"type": "DISCOUNT_VOUCHER", "discount": {"type": "PERCENT", "percent_off": 10}}}),
    )
    .await;
    let unknown_customer = api
        .post(
            "/v1/publications",
            json!({"customer": {"id": "cust_nobody"}, "campaign": {"name": "Spring"}}),
        )
        .await;
    assert_error(&unknown_customer, 404, "not_found");
    assert_eq!(unknown_customer.body["resource_type"], "customer");
    let unknown_campaign = api
        .post(
            "/v1/publications",
            json!({"customer": {"source_id": "alice"}, "campaign": {"name": "Autumn"}}),
        )
        .await;
    assert_error(&unknown_campaign, 404, "not_found");
    assert_eq!(unknown_campaign.body["resource_type"], "campaign");
    assert_error(
        &api.post(
            "/v1/publications",
            json!({"customer": {"source_id": "alice"}}),
        )
        .await,
        400,
        "missing_vouchers",
    );
    assert_error(
        &api.post("/v1/publications", json!({"campaign": {"name": "Spring"}}))
            .await,
        400,
        "invalid_payload",
    );
    assert_error(
        &api.post("/v1/publications", json!({"customer": {"source_id": "alice"}, "campaign": {"name": "Spring", "count": 21}})).await,
        400,
        "too_many_vouchers_requested",
    );
    assert_eq!(api.get("/v1/publications").await.body["total"], 0);
    assert_eq!(api.get("/v1/customers/alice").await.status, 404);

    let first = created(
        &api,
        "/v1/publications",
        json!({"customer": {"source_id": "alice"}, "campaign": {"name": "Spring"}}),
    )
    .await;
    let code = first["voucher"]["code"].as_str().unwrap();
    assert_eq!(first["voucher"]["campaign_id"], campaign["id"]);
    let exhausted = api
        .post(
            "/v1/publications",
            json!({"customer": {"source_id": "bob"}, "campaign": {"name": "Spring"}}),
        )
        .await;
    assert_error(&exhausted, 400, "no_voucher_suitable_for_publication");
    assert_eq!(api.get("/v1/customers/bob").await.status, 404);
    let taken = api
        .post(
            "/v1/publications",
            json!({"customer": {"source_id": "bob"}, "voucher": code}),
        )
        .await;
    assert_error(&taken, 400, "voucher_already_published");

    let listed = api.get("/v1/publications?customer=alice").await.body;
    assert_eq!(listed["total"], 1);
    let wallet = api.get("/v1/customers/alice/redeemables").await.body;
    assert_eq!(wallet["total"], 1);
    assert_eq!(wallet["data"][0]["holder_role"], "OWNER");
    assert_eq!(wallet["data"][0]["campaign_type"], "DISCOUNT_COUPONS");
    assert_eq!(wallet["data"][0]["redeemable"]["status"], "ACTIVE");
    assert_eq!(wallet["data"][0]["redeemable"]["voucher"]["code"], code);
    assert_error(
        &api.get("/v1/customers/nobody/redeemables").await,
        404,
        "not_found",
    );
    assert_error(
        &api.get("/v1/customers/alice/redeemables?order=sideways")
            .await,
        400,
        "invalid_query_params",
    );
}

#[tokio::test]
async fn referral_programs_are_checked_before_anything_is_created() {
    let api = Api::start().await;
    let coupons = created(
        &api,
        "/v1/campaigns",
        json!({"name": "Coupons", "campaign_type": "DISCOUNT_COUPONS", "voucher": {"discount": {"type": "AMOUNT", "amount_off": 100}}}),
    )
    .await;
    let bad = [
        json!({"conversion_event_type": "signup"}),
        json!({"conversion_event_type": "custom_event"}),
        json!({"referee_reward": {"type": "CASH"}}),
        json!({"referee_reward": {"type": "LOYALTY_CARD", "amount": "10", "related_object_parent": {"id": "Coupons"}}}),
        json!({"referrer_rewards": [{"reward": {"type": "HUGS", "campaign_id": "Coupons"}}]}),
        json!({"referrer_rewards": [{"reward": {"type": "LOYALTY_POINTS", "campaign_id": "Coupons", "points": 5}}]}),
        json!({"referrer_rewards": [{"referees": 0, "reward": {"type": "DISCOUNT_CODE", "campaign_id": "Coupons"}}]}),
    ];
    for program in bad {
        let a = api
            .post(
                "/v1/campaigns",
                json!({"name": "Refer", "campaign_type": "REFERRAL_PROGRAM",
                       "voucher": {"discount": {"type": "AMOUNT", "amount_off": 1000}},
                       "referral_program": program}),
            )
            .await;
        assert_error(&a, 400, "invalid_payload");
    }
    let missing = api
        .post(
            "/v1/campaigns",
            json!({"name": "Refer", "campaign_type": "REFERRAL_PROGRAM",
                   "voucher": {"discount": {"type": "AMOUNT", "amount_off": 1000}},
                   "referral_program": {"referrer_rewards": [{"reward": {"type": "DISCOUNT_CODE", "campaign_id": "Nope"}}]}}),
        )
        .await;
    assert_error(&missing, 404, "not_found");
    assert_eq!(
        api.get("/v1/campaigns").await.body["total"],
        1,
        "only the coupons exist"
    );

    let put = api
        .send(
            "PUT",
            &format!("/v1/campaigns/{}", coupons["id"].as_str().unwrap()),
            Some(&json!({"referral_program": {}}).to_string()),
        )
        .await;
    assert_error(&put, 400, "invalid_campaign");
}

#[tokio::test]
async fn a_publication_from_a_query_string_gives_the_same_code_as_the_body() {
    let api = Api::start().await;
    created(
        &api,
        "/v1/campaigns",
        json!({"name": "Spring", "campaign_type": "DISCOUNT_COUPONS", "type": "STATIC", "vouchers_count": 3,
               "voucher": {"type": "DISCOUNT_VOUCHER", "discount": {"type": "PERCENT", "percent_off": 10}}}),
    )
    .await;
    let link = "/v1/publications/create?campaign%5Bname%5D=Spring&customer%5Bsource_id%5D=alice\
                &customer%5Bemail%5D=alice%40example.com&customer%5Bmetadata%5D%5Btier%5D=gold\
                &metadata%5Bshop%5D=web&join_once=true";
    let first = api.get(link).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let code = first.body["voucher"]["code"].as_str().unwrap().to_string();
    assert_eq!(first.body["metadata"]["shop"], "web");
    let alice = api.get("/v1/customers/alice").await.body;
    assert_eq!(alice["email"], "alice@example.com");
    assert_eq!(alice["metadata"]["tier"], "gold");
    // join_once: the same link gives Alice the same code, and no second one.
    let again = api.get(link).await;
    assert_eq!(again.body["voucher"]["code"], code.as_str());
    let wallet = api.get("/v1/customers/alice/redeemables").await.body;
    assert_eq!(wallet["total"], 1);

    for (query, key) in [
        ("customer%5Bsource_id%5D=bob", "missing_vouchers"),
        ("campaign%5Bname%5D=Spring", "invalid_payload"),
        (
            "campaign%5Bname%5D=Spring&customer%5Bsource_id=bob",
            "invalid_query_params",
        ),
        (
            "campaign%5Bname%5D=Spring&campaign%5Bcount%5D=two&customer%5Bsource_id%5D=bob",
            "invalid_query_params",
        ),
        (
            "campaign=Spring&campaign%5Bname%5D=Spring&customer%5Bsource_id%5D=bob",
            "invalid_query_params",
        ),
    ] {
        let refused = api.get(&format!("/v1/publications/create?{query}")).await;
        assert_error(&refused, 400, key);
    }
    assert_eq!(api.get("/v1/customers/bob").await.status, 404);
    assert_eq!(api.get("/v1/publications").await.body["total"], 1);
}

#[tokio::test]
async fn wallets_and_holders_list_only_what_their_filters_name() {
    let api = Api::start().await;
    let referral = referral_campaign(&api, "Refer", json!({})).await;
    created(
        &api,
        "/v1/campaigns",
        json!({"name": "Spring", "campaign_type": "DISCOUNT_COUPONS", "type": "STATIC", "vouchers_count": 2,
               "voucher": {"type": "DISCOUNT_VOUCHER", "discount": {"type": "PERCENT", "percent_off": 10}}}),
    )
    .await;
    let referral_code = publish(&api, &referral, "alice").await;
    let coupon = publish(&api, "Spring", "alice").await;
    created(
        &api,
        &format!("/v1/referrals/members/{referral_code}/holders"),
        json!({"holders": [{"source_id": "bob"}, {"source_id": "carol"}]}),
    )
    .await;

    let codes = |list: &Value| -> Vec<String> {
        list["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                h["redeemable"]["voucher"]["code"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    let wallet = async |query: &str| {
        api.get(&format!("/v1/customers/alice/redeemables?{query}"))
            .await
    };
    assert_eq!(codes(&wallet("").await.body).len(), 2);
    let referral_only = wallet("filters[campaign_type][conditions][$is]=REFERRAL_PROGRAM").await;
    assert_eq!(codes(&referral_only.body), [referral_code.as_str()]);
    assert_eq!(referral_only.body["total"], 1);
    let coupons = wallet("filters[holder_role][conditions][$in][]=OWNER&filters[campaign_type][conditions][$not_in][]=REFERRAL_PROGRAM").await;
    assert_eq!(codes(&coupons.body), [coupon.as_str()]);
    let either = wallet("filters[campaign_type][conditions][$is]=REFERRAL_PROGRAM&filters[redeemable_id][conditions][$is]=nothing&filters[junction]=or").await;
    assert_eq!(codes(&either.body), [referral_code.as_str()]);
    let none = wallet("filters[created_at][conditions][$after]=2999-01-01").await;
    assert_eq!(none.body["total"], 0);
    assert_error(
        &wallet("filters[campaign][conditions][$is]=Spring").await,
        400,
        "invalid_query_params",
    );

    let holders = async |query: &str| {
        api.get(&format!(
            "/v1/referrals/members/{referral_code}/holders?{query}"
        ))
        .await
    };
    assert_eq!(holders_of(&holders("").await.body).len(), 3);
    let referees = holders_of(
        &holders("filters[holder_role][conditions][$is]=REFEREE")
            .await
            .body,
    );
    assert_eq!(referees.len(), 2);
    assert!(
        referees.iter().all(|(_, role)| role == "REFEREE"),
        "{referees:?}"
    );
    assert_error(
        &holders("filters[voucher_type][conditions][$is]=DISCOUNT_VOUCHER").await,
        400,
        "invalid_query_params",
    );
}
