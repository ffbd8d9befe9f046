//! Coupons: creating codes with their value, limits and validity, turning them on and off,
//! and checking how often they were used.

use cucumber::{given, then, when};

use super::params::Offer;
use super::world::{HarnessWorld, StepResult};
use crate::engine::time::Timestamp;
use crate::model::voucher::RedemptionLimit;
use crate::model::{DiscountSpec, VoucherInput};

struct Coupon {
    quantity: Option<i64>,
    start: Option<Timestamp>,
    expiration: Option<Timestamp>,
}

const UNLIMITED: Coupon = Coupon {
    quantity: None,
    start: None,
    expiration: None,
};

async fn create(
    world: &mut HarnessWorld,
    name: &str,
    discount: DiscountSpec,
    coupon: Coupon,
) -> StepResult {
    let input = VoucherInput {
        code: Some(world.code(name)),
        kind: Some("DISCOUNT_VOUCHER".into()),
        discount: Some(super::catalog::in_catalogue(world, discount)),
        redemption: Some(RedemptionLimit {
            quantity: coupon.quantity,
        }),
        start_date: coupon.start,
        expiration_date: coupon.expiration,
        ..VoucherInput::default()
    };
    world
        .client()?
        .create_voucher(&input)
        .await
        .map(|_| ())
        .map_err(|e| world.call_failed(&format!("creating the coupon \"{name}\""), &e))
}

#[given(expr = "a coupon {string} giving {offer}")]
async fn coupon(world: &mut HarnessWorld, name: String, offer: Offer) -> StepResult {
    create(world, &name, offer.0, UNLIMITED).await
}

#[given(expr = "a single-use coupon {string} giving {offer}")]
async fn single_use_coupon(world: &mut HarnessWorld, name: String, offer: Offer) -> StepResult {
    let limit = Coupon {
        quantity: Some(1),
        ..UNLIMITED
    };
    create(world, &name, offer.0, limit).await
}

#[given(expr = "a coupon {string} giving {offer}, usable {int} time(s)")]
async fn limited_coupon(
    world: &mut HarnessWorld,
    name: String,
    offer: Offer,
    uses: i64,
) -> StepResult {
    let limit = Coupon {
        quantity: Some(uses),
        ..UNLIMITED
    };
    create(world, &name, offer.0, limit).await
}

#[given(expr = "a coupon {string} giving {offer} that expired {int} day(s) ago")]
async fn expired_coupon(
    world: &mut HarnessWorld,
    name: String,
    offer: Offer,
    days: i64,
) -> StepResult {
    let window = Coupon {
        start: Some(world.days_from_now(-days - 30)),
        expiration: Some(world.days_from_now(-days)),
        ..UNLIMITED
    };
    create(world, &name, offer.0, window).await
}

#[given(expr = "a coupon {string} giving {offer} that starts in {int} day(s)")]
async fn future_coupon(
    world: &mut HarnessWorld,
    name: String,
    offer: Offer,
    days: i64,
) -> StepResult {
    let window = Coupon {
        start: Some(world.days_from_now(days)),
        ..UNLIMITED
    };
    create(world, &name, offer.0, window).await
}

#[given(expr = "a coupon {string} giving {offer} that expires in {int} day(s)")]
async fn expiring_coupon(
    world: &mut HarnessWorld,
    name: String,
    offer: Offer,
    days: i64,
) -> StepResult {
    let window = Coupon {
        expiration: Some(world.days_from_now(days)),
        ..UNLIMITED
    };
    create(world, &name, offer.0, window).await
}

#[given(expr = "the coupon {string} has been disabled")]
#[when(expr = "the coupon {string} is disabled")]
async fn disable(world: &mut HarnessWorld, name: String) -> StepResult {
    let code = world.code(&name);
    world
        .client()?
        .disable_voucher(&code)
        .await
        .map(|_| ())
        .map_err(|e| world.call_failed(&format!("disabling \"{name}\""), &e))
}

#[given(expr = "the coupon {string} has been enabled again")]
#[when(expr = "the coupon {string} is enabled again")]
async fn enable(world: &mut HarnessWorld, name: String) -> StepResult {
    let code = world.code(&name);
    world
        .client()?
        .enable_voucher(&code)
        .await
        .map(|_| ())
        .map_err(|e| world.call_failed(&format!("enabling \"{name}\""), &e))
}

#[then(expr = "{string} has been used {int} time(s)")]
async fn used_times(world: &mut HarnessWorld, name: String, times: i64) -> StepResult {
    let code = world.code(&name);
    let voucher = world
        .client()?
        .get_voucher(&code)
        .await
        .map_err(|e| world.call_failed(&format!("reading \"{name}\""), &e))?;
    let used = voucher.redemption.redeemed_quantity;
    if used != times {
        return Err(world.failure(format!(
            "\"{name}\" should have been used {times} time(s), but its redeemed quantity is {used}"
        )));
    }
    Ok(())
}
