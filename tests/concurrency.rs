//! Concurrent redemptions of one single-use code: exactly one succeeds.

mod common;

use common::Api;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_concurrent_redemptions_of_a_single_use_code_give_one_success() {
    let api = std::sync::Arc::new(Api::start().await);
    api.voucher(
        "ONLYONE",
        json!({"type": "AMOUNT", "amount_off": 500}),
        Some(1),
    )
    .await;
    let mut tasks = Vec::new();
    for i in 0..64 {
        let api = api.clone();
        tasks.push(tokio::spawn(async move {
            api.post(
                "/v1/redemptions",
                json!({"redeemables": Api::redeemables(&["ONLYONE"]), "order": {"amount": 2000}, "customer": {"source_id": format!("c{i}")}}),
            )
            .await
        }));
    }
    let mut ok = 0;
    let mut exceeded = 0;
    for t in tasks {
        let a = t.await.unwrap();
        match a.status {
            200 => ok += 1,
            400 if a.body["key"] == "quantity_exceeded" => exceeded += 1,
            other => panic!("unexpected answer {other}: {}", a.body),
        }
    }
    assert_eq!((ok, exceeded), (1, 63));
    let v = api.get("/v1/vouchers/ONLYONE").await;
    assert_eq!(v.body["redemption"]["redeemed_quantity"], 1);
    let failed = api.get("/v1/redemptions?result=FAILURE&limit=100").await;
    assert_eq!(failed.body["total"], 63);
}
