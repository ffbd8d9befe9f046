//! The client against an emulator that misbehaves on purpose: retries only where safe, waits
//! the API asks for, budgets that stop calls before they are sent, and an unreachable or slow
//! target that fails within the timeout instead of hanging.

use std::time::{Duration, Instant};

use voucherify_harness::client::{
    Client, ClientError, Limiter, RetryPolicy, Timeouts, http_client,
};
use voucherify_harness::emulator::conditions::{FaultPlan, Mode, RateLimitChange};
use voucherify_harness::model::{OrderInput, RedeemableRef, ValidationRequest};

mod common;

use common::harness_client::{Setup, setup as start};

async fn setup() -> Setup {
    start("resilience").await
}

async fn coupon(client: &Client, code: &str, quantity: Option<i64>) {
    common::harness_client::coupon(client, code, 500, quantity).await;
}

fn checkout(code: &str) -> ValidationRequest {
    ValidationRequest {
        redeemables: vec![RedeemableRef::voucher(code)],
        order: Some(OrderInput {
            amount: Some(3_000),
            ..OrderInput::default()
        }),
        ..ValidationRequest::default()
    }
}

fn faults(json: serde_json::Value) -> FaultPlan {
    serde_json::from_value(json).unwrap()
}

#[tokio::test]
async fn a_read_recovers_from_503s_and_the_log_shows_each_retry() {
    let s = setup().await;
    coupon(&s.client, "SPRING10", None).await;
    s.control
        .set_faults(
            &s.project,
            &faults(serde_json::json!({"status": 503, "count": 2})),
        )
        .await
        .unwrap();
    let v = s.client.validate(&checkout("SPRING10")).await.unwrap();
    assert!(v.valid);
    let attempts = s.client.log().last_call();
    let statuses: Vec<Option<u16>> = attempts.iter().map(|e| e.status).collect();
    assert_eq!(statuses, [Some(503), Some(503), Some(200)]);
    assert_eq!(
        attempts.iter().map(|e| e.attempt).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    for e in &attempts[..2] {
        let note = e.note.as_deref().unwrap();
        assert!(note.contains("after HTTP 503"), "{note}");
    }
    let shown = attempts[1].to_string();
    assert!(shown.contains("(attempt 2)"), "{shown}");
}

#[tokio::test]
async fn a_redemption_is_never_replayed_after_a_lost_answer() {
    let s = setup().await;
    coupon(&s.client, "ONCE", Some(1)).await;
    for plan in [
        serde_json::json!({"status": 503, "count": 1}),
        serde_json::json!({"status": 500, "count": 1}),
        serde_json::json!({"drop": true, "count": 1}),
    ] {
        s.control
            .set_faults(&s.project, &faults(plan.clone()))
            .await
            .unwrap();
        let e = s.client.redeem(&checkout("ONCE")).await.unwrap_err();
        assert!(e.is_outage(), "{plan}: {e}");
        let attempts = s.client.log().last_call();
        assert_eq!(attempts.len(), 1, "{plan}: replayed");
        let note = attempts[0].note.as_deref().unwrap();
        assert!(note.contains("never replayed"), "{note}");
    }
    // Nothing was applied by the faulted calls: the single use is still there.
    let v = s.client.get_voucher("ONCE").await.unwrap();
    assert_eq!(v.redemption.redeemed_quantity, 0);

    // An answer that comes too late: the API applied the redemption, the client did not hear
    // it and did not send it again (a replay would have been refused as quantity_exceeded).
    s.control
        .set_faults(
            &s.project,
            &faults(serde_json::json!({"latency_ms": 1_500})),
        )
        .await
        .unwrap();
    let impatient = s.client.with_timeouts(Timeouts {
        request: Duration::from_millis(400),
        ..Timeouts::default()
    });
    let e = impatient.redeem(&checkout("ONCE")).await.unwrap_err();
    assert!(matches!(e, ClientError::Timeout { .. }), "{e}");
    assert_eq!(impatient.log().last_call().len(), 1);
    s.control.clear_faults(&s.project).await.unwrap();
    // The slow call finishes on the emulator's side about a second later.
    let until = Instant::now() + Duration::from_secs(20);
    let mut used = 0;
    while used == 0 && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(100)).await;
        used = s
            .client
            .get_voucher("ONCE")
            .await
            .unwrap()
            .redemption
            .redeemed_quantity;
    }
    assert_eq!(used, 1, "applied once, never replayed");
}

#[tokio::test]
async fn a_429_is_waited_out_and_sent_again_even_for_a_redemption() {
    let s = setup().await;
    coupon(&s.client, "TWICE", Some(2)).await;
    s.control
        .set_faults(
            &s.project,
            &faults(serde_json::json!({"status": 429, "count": 1, "retry_after": 1})),
        )
        .await
        .unwrap();
    let r = s.client.redeem(&checkout("TWICE")).await.unwrap();
    assert_eq!(r.redemptions.len(), 1);
    let attempts = s.client.log().last_call();
    assert_eq!(attempts.len(), 2);
    let note = attempts[0].note.as_deref().unwrap();
    assert!(
        note.contains("as told") && note.contains("HTTP 429"),
        "{note}"
    );
    let v = s.client.get_voucher("TWICE").await.unwrap();
    assert_eq!(v.redemption.redeemed_quantity, 1);
}

#[tokio::test]
async fn a_used_up_sandbox_stops_calls_before_they_are_sent() {
    let s = setup().await;
    coupon(&s.client, "SPRING10", None).await;
    s.control
        .set_rate_limit(
            &s.project,
            &RateLimitChange {
                mode: Some(Mode::Sandbox),
                ..RateLimitChange::default()
            },
        )
        .await
        .unwrap();
    for _ in 0..100 {
        s.client.get_voucher("SPRING10").await.unwrap();
    }
    let started = Instant::now();
    // A client that has not heard of the budget sends the 101st call: 429, not retried (the
    // wait is an hour), and an error that names the limit.
    let unaware = s.client.with_limiter(Limiter::default());
    let e = unaware.get_voucher("SPRING10").await.unwrap_err();
    match &e {
        ClientError::RateLimited {
            limit,
            sent,
            detail,
            ..
        } => {
            assert_eq!((*limit, *sent), (Some(100), true));
            assert!(detail.contains("limit of 100 calls"), "{detail}");
        }
        other => panic!("{other}"),
    }
    assert_eq!(unaware.log().last_call().len(), 1);
    // The client whose limiter saw the budget run out does not send at all.
    for _ in 0..3 {
        let e = s.client.redeem(&checkout("SPRING10")).await.unwrap_err();
        match &e {
            ClientError::RateLimited { limit, sent, .. } => {
                assert_eq!((*limit, *sent), (Some(100), false))
            }
            other => panic!("{other}"),
        }
        assert!(e.to_string().contains("was not sent"), "{e}");
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    let view = s.control.rate_limit(&s.project).await.unwrap();
    let api = view.api.unwrap();
    assert_eq!(
        (api.used, api.refused),
        (100, 1),
        "the API was not hammered"
    );
}

#[tokio::test]
async fn an_unreachable_target_fails_well_within_the_timeout() {
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let client = Client::new(
        http_client(Timeouts::default()),
        &format!("http://{closed}"),
        None,
        Timeouts::default(),
    )
    .unwrap();
    let started = Instant::now();
    let e = client.get_voucher("SPRING10").await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(matches!(e, ClientError::Unreachable { .. }), "{e}");
    assert!(e.to_string().contains("target unreachable"), "{e}");
    // Nothing was sent, so even a write may be tried again; the attempts are bounded.
    let attempts = client.log().last_call();
    assert_eq!(attempts.len(), RetryPolicy::default().max_attempts as usize);
    let e = client.redeem(&checkout("SPRING10")).await.unwrap_err();
    assert!(matches!(e, ClientError::Unreachable { .. }), "{e}");
}

#[tokio::test]
async fn a_slow_api_fails_within_the_calls_timeout() {
    let s = setup().await;
    coupon(&s.client, "SPRING10", None).await;
    s.control
        .set_faults(
            &s.project,
            &faults(serde_json::json!({"latency_ms": 3_000})),
        )
        .await
        .unwrap();
    let impatient = s.client.with_timeouts(Timeouts {
        request: Duration::from_millis(500),
        ..Timeouts::default()
    });
    let started = Instant::now();
    let e = impatient.validate(&checkout("SPRING10")).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_millis(2_500));
    assert!(matches!(e, ClientError::Timeout { .. }), "{e}");
    assert!(e.to_string().contains("timeout"), "{e}");
}

#[tokio::test]
async fn client_side_tokens_never_reach_the_log() {
    let s = setup().await;
    coupon(&s.client, "SPRING10", None).await;
    let access = s
        .control
        .set_client_side(&s.project, &["https://shop.example.com"])
        .await
        .unwrap();
    let web = s
        .client
        .with_client_side(access.keys_for(Some("https://shop.example.com")))
        .with_retry(RetryPolicy::none());
    let v = web.client_validate(&checkout("SPRING10")).await.unwrap();
    assert!(v.valid);
    let outsider = s
        .client
        .with_client_side(access.keys_for(Some("https://elsewhere.example.net")));
    let e = outsider
        .client_validate(&checkout("SPRING10"))
        .await
        .unwrap_err();
    assert_eq!(e.key(), Some("unauthorized"));
    let shown = format!("{:?} {:?}", web.log().entries(), outsider.log().entries());
    assert!(!shown.contains(&access.client_token), "token in the log");
    assert!(!format!("{web:?}").contains(&access.client_token));
}

#[tokio::test]
async fn one_limiter_paces_every_scenario_of_a_run() {
    use voucherify_harness::target::{Target, TargetConfig};
    let target = Target::start(TargetConfig {
        pace: Some("4/min".parse().unwrap()),
        timeouts: Timeouts {
            request: Duration::from_secs(1),
            ..Timeouts::default()
        },
        ..TargetConfig::default()
    })
    .await
    .unwrap();
    // Two scenarios, each with a project of its own: four calls in all use up the pace.
    let first = target.scenario_project("first").await.unwrap().client;
    let second = target.scenario_project("second").await.unwrap().client;
    first.list_vouchers(&[]).await.unwrap();
    second.list_vouchers(&[]).await.unwrap();
    let started = Instant::now();
    let e = first.list_vouchers(&[]).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1));
    match &e {
        ClientError::RateLimited { sent, detail, .. } => {
            assert!(!sent);
            assert!(detail.contains("4 calls per minute"), "{detail}");
        }
        other => panic!("{other}"),
    }
    target.shutdown().await;
}
