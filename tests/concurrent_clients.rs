//! 64 concurrent clients on one project, all through the harness's client and one shared
//! limiter: usage limits hold exactly, stacked redemptions are all-or-nothing, rollbacks give
//! back exactly what they took, and injected faults never make a redemption count twice or not
//! at all.

use std::sync::Arc;

use voucherify_harness::client::{Client, ClientError};
use voucherify_harness::emulator::conditions::FaultPlan;
use voucherify_harness::model::{
    CustomerInput, OrderInput, RedeemableRef, RollbackRequest, ValidationRequest,
};

const CLIENTS: usize = 64;

mod common;

use common::harness_client::{Setup, setup as start};

async fn setup() -> Setup {
    start("concurrency").await
}

async fn coupon(client: &Client, code: &str, quantity: Option<i64>) {
    common::harness_client::coupon(client, code, 100, quantity).await;
}

fn checkout(codes: &[&str], customer: usize) -> ValidationRequest {
    ValidationRequest {
        redeemables: codes.iter().map(|c| RedeemableRef::voucher(c)).collect(),
        order: Some(OrderInput {
            amount: Some(5_000),
            ..OrderInput::default()
        }),
        customer: Some(CustomerInput {
            source_id: Some(format!("customer-{customer}")),
            ..CustomerInput::default()
        }),
        ..ValidationRequest::default()
    }
}

/// Runs `CLIENTS` redemptions of `codes` at once; the answers in client order.
async fn redeem_all(
    client: &Client,
    codes: &[&str],
) -> Vec<Result<voucherify_harness::model::RedemptionResponse, ClientError>> {
    let codes: Arc<Vec<String>> = Arc::new(codes.iter().map(|c| c.to_string()).collect());
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let client = client.clone();
            let codes = codes.clone();
            tokio::spawn(async move {
                let refs: Vec<&str> = codes.iter().map(String::as_str).collect();
                client.redeem(&checkout(&refs, i)).await
            })
        })
        .collect();
    let mut answers = Vec::with_capacity(CLIENTS);
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    answers
}

async fn used(client: &Client, code: &str) -> i64 {
    client
        .get_voucher(code)
        .await
        .unwrap()
        .redemption
        .redeemed_quantity
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_usage_limit_holds_exactly_under_64_concurrent_clients() {
    let s = setup().await;
    coupon(&s.client, "ONLYONE", Some(1)).await;
    coupon(&s.client, "TEN", Some(10)).await;
    for (code, limit) in [("ONLYONE", 1), ("TEN", 10)] {
        let answers = redeem_all(&s.client, &[code]).await;
        let ok = answers.iter().filter(|a| a.is_ok()).count();
        let exceeded = answers
            .iter()
            .filter(|a| {
                a.as_ref()
                    .err()
                    .is_some_and(|e| e.key() == Some("quantity_exceeded"))
            })
            .count();
        assert_eq!((ok, exceeded), (limit, CLIENTS - limit), "{code}");
        assert_eq!(used(&s.client, code).await, limit as i64, "{code}");
    }
    // Every attempt is recorded once: successes and failures.
    let failed = s
        .client
        .list_redemptions(&[("result", "FAILURE".into()), ("limit", "1".into())])
        .await
        .unwrap();
    assert_eq!(failed.total, (CLIENTS - 1 + CLIENTS - 10) as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stacked_redemption_is_all_or_nothing_under_64_concurrent_clients() {
    let s = setup().await;
    coupon(&s.client, "SCARCE", Some(10)).await;
    coupon(&s.client, "PLENTY", Some(40)).await;
    let answers = redeem_all(&s.client, &["PLENTY", "SCARCE"]).await;
    let ok = answers.iter().filter(|a| a.is_ok()).count();
    assert_eq!(ok, 10);
    // PLENTY was only ever consumed together with SCARCE.
    assert_eq!(used(&s.client, "SCARCE").await, 10);
    assert_eq!(used(&s.client, "PLENTY").await, 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rollbacks_racing_redemptions_give_back_exactly_what_they_took() {
    let s = setup().await;
    coupon(&s.client, "TWENTY", Some(20)).await;
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let client = s.client.clone();
            tokio::spawn(async move {
                let redeemed = client.redeem(&checkout(&["TWENTY"], i)).await;
                let Ok(r) = redeemed else {
                    return (false, false);
                };
                if i % 2 == 1 {
                    return (true, false);
                }
                let id = r.redemptions[0].id.clone();
                let rolled = client.rollback(&id, &RollbackRequest::default()).await;
                (true, rolled.is_ok())
            })
        })
        .collect();
    let mut succeeded = 0i64;
    let mut rolled_back = 0i64;
    for t in tasks {
        let (ok, rolled) = t.await.unwrap();
        succeeded += i64::from(ok);
        rolled_back += i64::from(rolled);
    }
    let in_use = used(&s.client, "TWENTY").await;
    assert_eq!(in_use, succeeded - rolled_back);
    assert!((0..=20).contains(&in_use), "{in_use}");
    assert!(
        succeeded >= 20,
        "rolled-back uses were given back: {succeeded}"
    );
    let listed = s
        .client
        .list_redemptions(&[("result", "SUCCESS".into()), ("limit", "1".into())])
        .await
        .unwrap();
    // Successful redemptions and successful rollbacks are both listed as SUCCESS.
    assert_eq!(listed.total as i64, succeeded + rolled_back);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn faults_never_make_a_redemption_count_twice_or_not_at_all() {
    let s = setup().await;
    coupon(&s.client, "FORTY", Some(40)).await;
    for plan in [
        serde_json::json!({"status": 503, "probability": 0.3}),
        serde_json::json!({"drop": true, "probability": 0.3}),
    ] {
        let plan: FaultPlan = serde_json::from_value(plan).unwrap();
        let before = used(&s.client, "FORTY").await;
        s.control.set_faults(&s.project, &plan).await.unwrap();
        let answers = redeem_all(&s.client, &["FORTY"]).await;
        let ok = answers.iter().filter(|a| a.is_ok()).count() as i64;
        let outages = answers
            .iter()
            .filter(|a| a.as_ref().err().is_some_and(ClientError::is_outage))
            .count();
        assert!(outages > 0, "the faults fired");
        s.control.clear_faults(&s.project).await.unwrap();
        let after = used(&s.client, "FORTY").await;
        assert_eq!(
            after - before,
            ok,
            "{plan:?}: the API and the clients agree"
        );
        assert!(after <= 40);
    }
}
