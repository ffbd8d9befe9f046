//! The harness's own client on a project of a fresh emulator, for tests of the client itself.

use std::net::SocketAddr;

use voucherify_harness::client::{Client, Limiter, Timeouts, http_client};
use voucherify_harness::emulator::clock::wall_now;
use voucherify_harness::emulator::{Emulator, ProjectSpec, Running};
use voucherify_harness::model::voucher::RedemptionLimit;
use voucherify_harness::model::{DiscountSpec, VoucherInput};

pub struct Setup {
    pub _running: Running,
    /// The control plane's client (no project keys).
    pub control: Client,
    /// The project's client, with one limiter shared by its clones, as in a run.
    pub client: Client,
    pub project: String,
}

/// An emulator on a free port with a project `name`, and clients for both.
pub async fn setup(name: &str) -> Setup {
    let emulator = Emulator::new(ProjectSpec::default(), wall_now());
    let running = Running::start(emulator, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let http = http_client(Timeouts::default());
    let control = Client::new(http, &running.url(), None, Timeouts::default()).unwrap();
    let project = control.create_project(name).await.unwrap();
    let client = control
        .with_credentials(Some(project.credentials()))
        .with_limiter(Limiter::default());
    Setup {
        _running: running,
        control,
        client,
        project: project.id,
    }
}

/// A coupon `code` giving `amount_off` off the order, usable `quantity` times (`None`: no limit).
pub async fn coupon(client: &Client, code: &str, amount_off: i64, quantity: Option<i64>) {
    client
        .create_voucher(&VoucherInput {
            code: Some(code.into()),
            kind: Some("DISCOUNT_VOUCHER".into()),
            discount: Some(DiscountSpec {
                kind: "AMOUNT".into(),
                amount_off: Some(amount_off),
                ..DiscountSpec::default()
            }),
            redemption: Some(RedemptionLimit { quantity }),
            ..VoucherInput::default()
        })
        .await
        .unwrap();
}
