//! `voucherify-harness seed`: the shipped fixtures load into an emulator, a second seed is
//! safe, refused rows are listed with exit 1, and a malformed fixture stops it with exit 2.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use voucherify_harness::emulator::clock::wall_now;
use voucherify_harness::emulator::{Emulator, ProjectSpec, Running};

const BIN: &str = env!("CARGO_BIN_EXE_voucherify-harness");

async fn emulator() -> Running {
    let emulator = Emulator::new(
        ProjectSpec {
            name: None,
            app_id: Some("seed-app".into()),
            secret_key: Some("seed-secret".into()),
        },
        wall_now(),
    );
    Running::start(emulator, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("the emulator starts")
}

async fn seed(url: &str, fixtures: &Path) -> Output {
    let args = vec![
        "seed".to_string(),
        "--fixtures".into(),
        fixtures.display().to_string(),
        "--base-url".into(),
        url.to_string(),
        "--app-id".into(),
        "seed-app".into(),
        "--secret-key".into(),
        "seed-secret".into(),
    ];
    tokio::task::spawn_blocking(move || {
        Command::new(BIN)
            .args(&args)
            .env_remove("VOUCHERIFY_API_URL")
            .output()
            .expect("the binary runs")
    })
    .await
    .unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shipped_fixtures_load_and_seeding_twice_is_safe() {
    let running = emulator().await;
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let out = seed(&running.url(), &fixtures).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("3 customers, 3 products, 1 campaigns created (0 already there), 6 codes imported, 0 refused"),
        "{stdout}"
    );
    assert!(
        stdout.contains("the column 'Legacy Id' is not a voucher field"),
        "{stdout}"
    );
    {
        let project = running.emulator.default_project();
        let project = project.lock();
        assert!(project.customers.get("alice").is_some());
        assert!(project.products.get("grinder").is_some());
        assert!(project.campaigns.get("Spring partners").is_some());
        let used_up = project.vouchers.get("LEGACY-USEDUP").unwrap();
        assert_eq!(used_up.redemption.quantity, Some(1));
        assert_eq!(used_up.redemption.redeemed_quantity, 1);
        let gift = project.vouchers.get("LEGACY-GIFT50").unwrap();
        assert_eq!(gift.gift.as_ref().unwrap().balance, 3750);
        assert!(!project.vouchers.get("LEGACY-PAUSED").unwrap().active);
        assert_eq!(
            project.vouchers.get("LEGACY-TEAM500").unwrap().metadata["Legacy Id"],
            "LG-1002"
        );
    }
    let again = seed(&running.url(), &fixtures).await;
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert_eq!(again.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("0 campaigns created (1 already there), 6 codes imported"),
        "{stdout}"
    );
    assert_eq!(running.emulator.default_project().lock().vouchers.len(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_rows_are_listed_and_bad_fixtures_named() {
    let running = emulator().await;
    let dir = scratch("seed-bad-row");
    std::fs::write(
        dir.join("codes.csv"),
        "Code,Voucher Type,Value,Discount Type\nOK-1,DISCOUNT_VOUCHER,500,AMOUNT\nBAD-2,DISCOUNT_VOUCHER,ten,AMOUNT\n",
    )
    .unwrap();
    let out = seed(&running.url(), &dir).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("row 2 (BAD-2): Value: must be a number (actual value is 'ten')"),
        "{stdout}"
    );
    assert!(
        running
            .emulator
            .default_project()
            .lock()
            .vouchers
            .contains("OK-1")
    );

    let dir = scratch("seed-bad-json");
    std::fs::write(dir.join("customers.json"), "{\"not\": \"an array\"}").unwrap();
    let out = seed(&running.url(), &dir).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("customers.json"), "{stderr}");

    let dir = scratch("seed-bad-header");
    std::fs::write(dir.join("codes.csv"), "Voucher,Value\nA,1\n").unwrap();
    let out = seed(&running.url(), &dir).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("codes.csv") && stderr.contains("no 'Code' column"),
        "{stderr}"
    );
}
