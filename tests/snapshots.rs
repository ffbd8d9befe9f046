//! Response-shape snapshots: every endpoint the harness calls, its answer with ids, codes,
//! source ids and times redacted (`voucherify_harness::shape`), kept in `snapshots/`.
//!
//! The calls go through the harness's own client against a [`Target`], so the same list of
//! calls can run against a live-like target by starting the target with a live
//! `TargetConfig`; only the prefix of codes and source ids differs, and it is redacted.
//! Snapshots change only through `cargo insta review` (insta refuses to write them in CI).

use serde_json::Value;
use voucherify_harness::client::{Client, ClientError};
use voucherify_harness::model::order::ItemProduct;
use voucherify_harness::model::voucher::RedemptionLimit;
use voucherify_harness::model::{
    CustomerInput, DiscountSpec, OrderInput, OrderItemInput, ProductInput, PublicationInput,
    RedeemableRef, RollbackRequest, ValidationRequest, VoucherInput,
};
use voucherify_harness::shape;
use voucherify_harness::target::{Target, TargetConfig};

/// The last answer the client got, as a shape (the run's prefix of codes and source ids, used
/// on a shared live project, taken out first).
fn last_shape(client: &Client, prefix: &str) -> Value {
    let mut body = client
        .log()
        .last()
        .and_then(|e| e.response_body)
        .expect("the call got an answer");
    if !prefix.is_empty() {
        body = body.replace(prefix, "");
    }
    shape::redact(&serde_json::from_str(&body).expect("the answer is JSON"))
}

fn voucher(code: &str, discount: DiscountSpec, quantity: Option<i64>) -> VoucherInput {
    VoucherInput {
        code: Some(code.into()),
        kind: Some("DISCOUNT_VOUCHER".into()),
        discount: Some(discount),
        redemption: Some(RedemptionLimit { quantity }),
        ..VoucherInput::default()
    }
}

fn amount_off(minor: i64) -> DiscountSpec {
    DiscountSpec {
        kind: "AMOUNT".into(),
        amount_off: Some(minor),
        effect: Some("APPLY_TO_ORDER".into()),
        ..DiscountSpec::default()
    }
}

fn checkout(prefix: &str, codes: &[&str], amount: i64) -> ValidationRequest {
    ValidationRequest {
        redeemables: codes
            .iter()
            .map(|c| RedeemableRef::voucher(&format!("{prefix}{c}")))
            .collect(),
        order: Some(OrderInput {
            amount: Some(amount),
            ..OrderInput::default()
        }),
        customer: Some(CustomerInput {
            source_id: Some(format!("{prefix}alice")),
            name: Some("Alice".into()),
            email: Some("alice@example.com".into()),
            ..CustomerInput::default()
        }),
        ..ValidationRequest::default()
    }
}

/// Calls every endpoint the harness uses and returns `(snapshot name, shape)` in call order.
async fn shapes(client: &Client, prefix: &str) -> Result<Vec<(&'static str, Value)>, ClientError> {
    let code = |c: &str| format!("{prefix}{c}");
    let mut out = Vec::new();
    let mut take =
        |name: &'static str, client: &Client| out.push((name, last_shape(client, prefix)));

    // Vouchers
    client
        .create_voucher(&voucher(&code("SHAPE10"), amount_off(1000), None))
        .await?;
    take("voucher_create", client);
    client.get_voucher(&code("SHAPE10")).await?;
    take("voucher_get", client);
    let update = VoucherInput {
        metadata: serde_json::json!({"channel": "web"}).as_object().cloned(),
        ..VoucherInput::default()
    };
    client
        .create_voucher(&voucher(&code("SHAPEEDIT"), amount_off(200), Some(3)))
        .await?;
    client.update_voucher(&code("SHAPEEDIT"), &update).await?;
    take("voucher_update", client);
    client.disable_voucher(&code("SHAPEEDIT")).await?;
    take("voucher_disable", client);
    client.enable_voucher(&code("SHAPEEDIT")).await?;
    take("voucher_enable", client);
    client.list_vouchers(&[("limit", "10".to_string())]).await?;
    take("voucher_list", client);

    // Customers, products, orders
    client
        .upsert_customer(&CustomerInput {
            source_id: Some(code("bob")),
            name: Some("Bob".into()),
            email: Some("bob@example.com".into()),
            ..CustomerInput::default()
        })
        .await?;
    take("customer_upsert", client);
    client.get_customer(&code("bob")).await?;
    take("customer_get", client);
    client
        .create_voucher(&voucher(&code("SHAPEGIFTED"), amount_off(300), Some(1)))
        .await?;
    let publication = PublicationInput {
        customer: Some(CustomerInput {
            source_id: Some(code("bob")),
            ..CustomerInput::default()
        }),
        voucher: Some(code("SHAPEGIFTED")),
        ..PublicationInput::default()
    };
    client.publish(&publication, false).await?;
    take("publication_create", client);
    client.customer_redeemables(&code("bob")).await?;
    take("customer_redeemables", client);
    client
        .upsert_product(&ProductInput {
            source_id: Some(code("grinder")),
            name: Some("Grinder".into()),
            price: Some(4500),
            ..ProductInput::default()
        })
        .await?;
    take("product_upsert", client);
    client.get_product(&code("grinder")).await?;
    take("product_get", client);
    client
        .upsert_order(&OrderInput {
            source_id: Some(code("order-1")),
            status: Some("CREATED".into()),
            items: Some(vec![OrderItemInput {
                source_id: Some(code("grinder")),
                related_object: Some("product".into()),
                quantity: Some(1),
                price: Some(4500),
                product: Some(Box::new(ItemProduct {
                    name: Some("Grinder".into()),
                    ..ItemProduct::default()
                })),
                ..OrderItemInput::default()
            }]),
            ..OrderInput::default()
        })
        .await?;
    take("order_upsert", client);
    client.get_order(&code("order-1")).await?;
    take("order_get", client);
    client.list_orders(&[("limit", "10".to_string())]).await?;
    take("order_list", client);

    // Validations and redemptions
    client
        .validate(&checkout(prefix, &["SHAPE10"], 4000))
        .await?;
    take("validation_valid", client);
    client
        .validate(&checkout(prefix, &["NOSUCHCODE"], 4000))
        .await?;
    take("validation_unknown_code", client);
    let single = client.redeem(&checkout(prefix, &["SHAPE10"], 4000)).await?;
    take("redemption", client);
    let single_id = single.redemptions[0].id.clone();
    client.get_redemption(&single_id).await?;
    take("redemption_get", client);
    client
        .list_redemptions(&[("limit", "10".to_string())])
        .await?;
    take("redemption_list", client);
    client.voucher_redemptions(&code("SHAPE10")).await?;
    take("voucher_redemptions", client);
    let rollback = RollbackRequest {
        reason: Some("shape".into()),
        ..RollbackRequest::default()
    };
    client.rollback(&single_id, &rollback).await?;
    take("redemption_rollback", client);

    client
        .create_voucher(&voucher(&code("SHAPE5"), amount_off(500), Some(1)))
        .await?;
    let stacked = client
        .redeem(&checkout(prefix, &["SHAPE10", "SHAPE5"], 5000))
        .await?;
    take("redemption_stacked", client);
    let parent = stacked
        .parent_redemption
        .as_ref()
        .map(|p| p.id.clone())
        .expect("a stacked redemption has a parent");
    client.rollback_stacked(&parent, &rollback).await?;
    take("rollback_stacked", client);

    // Error answers
    client.redeem(&checkout(prefix, &["SHAPE5"], 5000)).await?;
    let used = client.redeem(&checkout(prefix, &["SHAPE5"], 5000)).await;
    assert!(used.is_err(), "a used single-use code is refused");
    take("error_quantity_exceeded", client);
    assert!(client.get_voucher(&code("NOSUCHCODE")).await.is_err());
    take("error_not_found", client);
    let stranger = client.with_credentials(None);
    assert!(stranger.get_voucher(&code("SHAPE10")).await.is_err());
    take("error_unauthorized", &stranger);
    Ok(out)
}

#[tokio::test]
async fn every_endpoint_keeps_its_shape() {
    let target = Target::start(TargetConfig::default())
        .await
        .expect("the embedded emulator starts");
    let project = target
        .scenario_project("response shapes")
        .await
        .expect("a project");
    let prefix = project.prefix.clone();
    let shapes = shapes(&project.client, &prefix)
        .await
        .expect("every call answers");
    assert!(shapes.len() >= 25, "{} shapes", shapes.len());
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for (name, shape) in &shapes {
            insta::assert_json_snapshot!(*name, shape);
        }
    });
    target.shutdown().await;
}

#[test]
fn the_step_reads_the_snapshots_insta_writes() {
    let dir = shape::snapshot_dir();
    let text = std::fs::read_to_string(dir.join("redemption.snap")).expect("the snapshot exists");
    let value = shape::read_snapshot(&text).expect("a JSON snapshot");
    assert_eq!(value["redemptions"][0]["id"], "[id]");
    assert_eq!(value["redemptions"][0]["result"], "SUCCESS");
}
