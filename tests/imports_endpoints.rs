//! Bulk imports over HTTP: JSON, CSV and campaign imports as async actions, the refusals that
//! leave the project as it was, the rows refused one by one, and a project of many codes.

mod common;

use std::time::Duration;

use common::{Api, assert_error};
use serde_json::{Value, json};
use voucherify_harness::emulator::multipart::form_with_file;

/// Waits for the async action to be done and returns it.
async fn done(api: &Api, id: &str) -> Value {
    for _ in 0..500 {
        let a = api.get(&format!("/v1/async-actions/{id}")).await;
        assert_eq!(a.status, 200, "{}", a.body);
        if a.body["status"] != "IN_PROGRESS" {
            return a.body;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the async action {id} is still in progress");
}

async fn import_csv(api: &Api, csv: &str) -> common::Answer {
    let (content_type, body) = form_with_file("codes.csv", csv.as_bytes(), &[]);
    let resp = api
        .http
        .post(format!("{}/v1/vouchers/importCSV", api.base))
        .header("X-App-Id", &api.app_id)
        .header("X-App-Token", &api.secret)
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = serde_json::from_str(&resp.text().await.unwrap()).unwrap_or(Value::Null);
    common::Answer {
        status,
        body,
        headers,
    }
}

async fn total_vouchers(api: &Api) -> i64 {
    api.get("/v1/vouchers").await.body["total"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn a_json_import_is_an_async_action_that_keeps_every_field() {
    let api = Api::start().await;
    let a = api
        .post(
            "/v1/vouchers/import",
            json!([
                {"code": "OLD-1", "type": "DISCOUNT_VOUCHER", "discount": {"type": "AMOUNT", "amount_off": 500},
                 "redemption": {"quantity": 3, "redeemed_quantity": 3}, "expiration_date": "2031-12-31T10",
                 "metadata": {"source": "legacy"}, "category": "Imported", "active": true},
                {"code": "GIFT-1", "type": "GIFT_VOUCHER", "gift": {"amount": 5000}},
                {"code": "BAD-1", "type": "DISCOUNT_VOUCHER", "discount": {"type": "PERCENT", "percent_off": 150}}
            ]),
        )
        .await;
    assert_eq!(a.status, 202, "{}", a.body);
    let id = a.body["async_action_id"].as_str().unwrap().to_string();
    assert!(id.starts_with("aa_"));
    let action = done(&api, &id).await;
    assert_eq!(action["type"], "VOUCHERS.IMPORT");
    assert_eq!(action["status"], "DONE");
    assert_eq!(action["progress"], 100);
    assert_eq!(action["object"], "async_action");
    assert_eq!(
        action["result"]["message"],
        "2 voucher(s) imported successfully, 1 failed."
    );
    assert_eq!(action["result"]["failed"][0]["code"], "BAD-1");
    assert!(action["result"]["failed"][0].get("row").is_none());
    let v = api.get("/v1/vouchers/OLD-1").await.body;
    assert_eq!(v["discount"]["amount_off"], 500);
    assert_eq!(v["redemption"]["quantity"], 3);
    // The JSON import ignores redeemed_quantity, as the API does.
    assert_eq!(v["redemption"]["redeemed_quantity"], 0);
    assert_eq!(v["expiration_date"], "2031-12-31T10:00:00.000Z");
    assert_eq!(v["metadata"]["source"], "legacy");
    assert_eq!(v["category"], "Imported");
    assert!(v["campaign"].is_null());
    assert_eq!(
        api.get("/v1/vouchers/GIFT-1").await.body["gift"]["balance"],
        5000
    );
    assert_eq!(api.get("/v1/vouchers/BAD-1").await.status, 404);
    let list = api.get("/v1/async-actions").await.body;
    assert_eq!(list["data_ref"], "async_actions");
    assert_eq!(list["async_actions"][0]["id"], id.as_str());
    assert!(list["async_actions"][0].get("result").is_none());
    assert_error(
        &api.get("/v1/async-actions/aa_nope").await,
        404,
        "not_found",
    );
}

#[tokio::test]
async fn refused_json_imports_change_nothing() {
    let api = Api::start().await;
    api.voucher("TAKEN", json!({"type": "AMOUNT", "amount_off": 100}), None)
        .await;
    let item = |code: &str| json!({"code": code, "type": "DISCOUNT_VOUCHER", "discount": {"type": "AMOUNT", "amount_off": 100}});
    let a = api
        .post("/v1/vouchers/import", json!([item("NEW-1"), item("TAKEN")]))
        .await;
    assert_error(&a, 400, "duplicate_key");
    assert_eq!(a.body["details"], "1 voucher codes(s) already exist: TAKEN");
    let a = api
        .post("/v1/vouchers/import", json!([item("NEW-1"), item("NEW-1")]))
        .await;
    assert_error(&a, 400, "duplicate_key");
    let a = api
        .post(
            "/v1/vouchers/import",
            json!([item("NEW-1"), {"type": "DISCOUNT_VOUCHER"}]),
        )
        .await;
    assert_error(&a, 400, "invalid_voucher");
    assert_eq!(a.body["details"], "Found 1 voucher(s) without 'code' value");
    let a = api
        .post(
            "/v1/vouchers/import",
            json!([{"code": "NEW-1", "redemption": {"quantity": "x"}}]),
        )
        .await;
    assert_error(&a, 400, "invalid_payload");
    assert_eq!(
        a.body["details"],
        "Property [0].redemption.quantity should be integer"
    );
    let a = api
        .post("/v1/vouchers/import", json!({"code": "NEW-1"}))
        .await;
    assert_error(&a, 400, "invalid_payload");
    assert_eq!(total_vouchers(&api).await, 1);
    assert_eq!(
        api.get("/v1/async-actions").await.body["async_actions"],
        json!([])
    );
}

#[tokio::test]
async fn a_csv_imports_good_rows_and_names_each_bad_one() {
    let api = Api::start().await;
    let csv = "Code,Voucher Type,Value,Discount Type,Redemption Limit,Redeemed Quantity,Expiration Date,Active,Legacy Id\n\
               OLD-1,DISCOUNT_VOUCHER,500,AMOUNT,1,1,2031-12-31,true,LG-1\n\
               OLD-2,DISCOUNT_VOUCHER,ten,AMOUNT,1,0,2031-12-31,true,LG-2\n\
               OLD-3,DISCOUNT_VOUCHER,10,PERCENT,,,,yes,LG-3\n\
               OLD-1,DISCOUNT_VOUCHER,10,PERCENT,,,,,\n\
               OLD-5,GIFT_VOUCHER,5000,,,,soon,,\n";
    let a = import_csv(&api, csv).await;
    assert_eq!(a.status, 202, "{}", a.body);
    let action = done(&api, a.body["async_action_id"].as_str().unwrap()).await;
    assert_eq!(action["type"], "VOUCHERS.IMPORT_CSV");
    let result = &action["result"];
    assert_eq!(
        result["message"],
        "1 voucher(s) imported successfully, 4 failed."
    );
    let failed: Vec<(u64, String, String)> = result["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["row"].as_u64().unwrap(),
                f["code"].as_str().unwrap().to_string(),
                f["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        failed,
        vec![
            (
                2,
                "OLD-2".into(),
                "Value: must be a number (actual value is 'ten')".into()
            ),
            (
                3,
                "OLD-3".into(),
                "Active: must be true or false (actual value is 'yes')".into()
            ),
            (
                4,
                "OLD-1".into(),
                "Code: appears twice in the file (first in row 1)".into()
            ),
            (
                5,
                "OLD-5".into(),
                "Expiration Date: must be a date in ISO 8601 format (actual value is 'soon')"
                    .into()
            ),
        ]
    );
    let v = api.get("/v1/vouchers/OLD-1").await.body;
    assert_eq!(v["redemption"]["redeemed_quantity"], 1);
    assert_eq!(v["metadata"]["Legacy Id"], "LG-1");
    // A used-up legacy code stays used up.
    let r = api
        .post(
            "/v1/redemptions",
            json!({"redeemables": Api::redeemables(&["OLD-1"]), "order": {"amount": 4000}}),
        )
        .await;
    assert_error(&r, 400, "quantity_exceeded");
}

#[tokio::test]
async fn a_csv_row_for_an_existing_code_updates_it() {
    let api = Api::start().await;
    let csv = "Code,Voucher Type,Value,Discount Type,Redemption Limit\nOLD-1,DISCOUNT_VOUCHER,500,AMOUNT,1\n";
    let a = import_csv(&api, csv).await;
    done(&api, a.body["async_action_id"].as_str().unwrap()).await;
    let csv = "Code,Voucher Type,Value,Discount Type,Redemption Limit\nOLD-1,DISCOUNT_VOUCHER,700,AMOUNT,4\nOLD-1X,DISCOUNT_VOUCHER,7,PERCENT,\n";
    let a = import_csv(&api, csv).await;
    let action = done(&api, a.body["async_action_id"].as_str().unwrap()).await;
    assert_eq!(action["result"]["done_count"], 2);
    let v = api.get("/v1/vouchers/OLD-1").await.body;
    assert_eq!(v["discount"]["amount_off"], 700);
    assert_eq!(v["redemption"]["quantity"], 4);
    let csv = "Code,Voucher Type,Value,Discount Type\nOLD-1,DISCOUNT_VOUCHER,7,PERCENT\n";
    let a = import_csv(&api, csv).await;
    let action = done(&api, a.body["async_action_id"].as_str().unwrap()).await;
    assert_eq!(
        action["result"]["failed"][0]["reason"],
        "Discount Type: cannot change the existing AMOUNT into PERCENT"
    );
    assert_eq!(total_vouchers(&api).await, 2);
}

#[tokio::test]
async fn bad_csv_files_are_refused_whole() {
    let api = Api::start().await;
    for (csv, piece) in [
        ("", "empty"),
        (
            "OLD-1,DISCOUNT_VOUCHER,500,AMOUNT\n",
            "no 'Code' column; it names: OLD-1",
        ),
        (
            "Code,Value,VALUE\nA,1,2\n",
            "'VALUE' twice (columns 2 and 3)",
        ),
    ] {
        let a = import_csv(&api, csv).await;
        assert_error(&a, 400, "invalid_payload");
        assert!(
            a.body["details"].as_str().unwrap().contains(piece),
            "{piece} in {}",
            a.body
        );
    }
    let a = api
        .post("/v1/vouchers/importCSV", json!({"file": "x"}))
        .await;
    assert_error(&a, 400, "invalid_payload");
    assert_eq!(
        a.body["details"],
        "Payload should have required property 'file'"
    );
    let mut big = String::from("Code,Voucher Type,Value,Discount Type\n");
    while big.len() <= 10 * 1024 * 1024 {
        big.push_str("SOME-LONG-LEGACY-CODE-000000000000,DISCOUNT_VOUCHER,500,AMOUNT\n");
    }
    let a = import_csv(&api, &big).await;
    assert_eq!(a.status, 413);
    assert_eq!(a.body["statusCode"], 413);
    assert_eq!(a.body["error"], "Request Entity Too Large");
    assert_eq!(total_vouchers(&api).await, 0);
}

#[tokio::test]
async fn a_campaign_import_takes_the_campaign_value() {
    let api = Api::start().await;
    let a = api
        .post(
            "/v1/campaigns",
            json!({"name": "Partners", "campaign_type": "DISCOUNT_COUPONS",
                   "voucher": {"type": "DISCOUNT_VOUCHER", "discount": {"type": "PERCENT", "percent_off": 15}},
                   "expiration_date": "2031-12-31T00:00:00Z"}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let a = api
        .post(
            "/v1/campaigns/Partners/import",
            json!([{"code": "P-1", "redemption": {"quantity": 2}}, {"code": "P-2", "metadata": {"season": "Fall"}}]),
        )
        .await;
    assert_eq!(a.status, 202, "{}", a.body);
    let action = done(&api, a.body["async_action_id"].as_str().unwrap()).await;
    assert_eq!(action["type"], "CAMPAIGN.VOUCHERS_IMPORT");
    assert_eq!(action["result"]["done_count"], 2);
    let v = api.get("/v1/vouchers/P-1").await.body;
    assert_eq!(v["discount"]["percent_off"], 15);
    assert_eq!(v["campaign"], "Partners");
    assert_eq!(v["redemption"]["quantity"], 2);
    assert_eq!(v["expiration_date"], "2031-12-31T00:00:00.000Z");
    assert_eq!(
        api.get("/v1/campaigns/Partners").await.body["vouchers_count"],
        2
    );
    let a = api
        .post("/v1/campaigns/Partners/import", json!([{"code": "P-1"}]))
        .await;
    assert_error(&a, 400, "duplicate_key");
    let a = api
        .post("/v1/campaigns/Nobody/import", json!([{"code": "X"}]))
        .await;
    assert_error(&a, 404, "not_found");
}

#[tokio::test]
async fn a_project_of_many_codes_lists_and_finds_them() {
    let api = Api::start().await;
    let mut csv = String::from("Code,Voucher Type,Value,Discount Type\n");
    for n in 0..30_000 {
        csv.push_str(&format!("MANY-{n:06},DISCOUNT_VOUCHER,100,AMOUNT\n"));
    }
    let a = import_csv(&api, &csv).await;
    // Other requests are answered while the import runs.
    assert_eq!(api.get("/v1/vouchers?limit=1").await.status, 200);
    let action = done(&api, a.body["async_action_id"].as_str().unwrap()).await;
    assert_eq!(action["result"]["done_count"], 30_000);
    let page = api.get("/v1/vouchers?limit=2&page=3").await.body;
    assert_eq!(page["total"], 30_000);
    assert_eq!(page["vouchers"][0]["code"], "MANY-029995");
    let one = api.get("/v1/vouchers?code=MANY-012345").await.body;
    assert_eq!(one["total"], 1);
    assert_eq!(one["vouchers"][0]["code"], "MANY-012345");
    assert_eq!(api.get("/v1/vouchers/MANY-000000").await.status, 200);
    let deleted = api.send("DELETE", "/v1/vouchers/MANY-029999", None).await;
    assert_eq!(deleted.status, 204);
    let page = api.get("/v1/vouchers?limit=1").await.body;
    assert_eq!(page["total"], 29_999);
    assert_eq!(page["vouchers"][0]["code"], "MANY-029998");
}
