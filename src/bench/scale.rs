//! Scale: importing a million codes through `POST /v1/vouchers/importCSV` (files of 100,000
//! rows, each under the 10 MB limit), its time and the process's peak memory; then validation
//! latency (p50, p99) in a project of a thousand codes against one of a million, the two
//! sampled in turn so that both meet the same machine.

use std::time::{Duration, Instant};

use super::{BenchConfig, emulator, memory_kb, mib, project, quantile, reset_peak_memory};
use crate::emulator::multipart::form_with_file;
use crate::model::AsyncAction;

/// Rows per imported file.
const FILE_ROWS: usize = 100_000;

/// A legacy CSV of `rows` codes from `first` on: every third gives 10%, the others 5.00 off,
/// with use limits and expiry dates.
pub fn legacy_csv(prefix: &str, first: usize, rows: usize) -> Vec<u8> {
    let mut csv = Vec::with_capacity(rows * 72 + 128);
    csv.extend_from_slice(
        b"Code,Voucher Type,Value,Discount Type,Redemption Limit,Redeemed Quantity,Expiration Date\n",
    );
    for n in first..first + rows {
        let line = if n % 3 == 0 {
            format!("{prefix}{n:07},DISCOUNT_VOUCHER,10,PERCENT,1,0,2031-12-31\n")
        } else {
            format!("{prefix}{n:07},DISCOUNT_VOUCHER,500,AMOUNT,5,1,2031-12-31\n")
        };
        csv.extend_from_slice(line.as_bytes());
    }
    csv
}

struct Keys {
    base: String,
    app_id: String,
    secret: String,
}

impl Keys {
    fn request(
        &self,
        http: &reqwest::Client,
        method: reqwest::Method,
        path: &str,
    ) -> reqwest::RequestBuilder {
        http.request(method, format!("{}{path}", self.base))
            .header("X-App-Id", &self.app_id)
            .header("X-App-Token", &self.secret)
    }
}

/// Imports `codes` codes in files of [`FILE_ROWS`], waiting for each to be done; the failed
/// rows reported.
async fn import(
    http: &reqwest::Client,
    keys: &Keys,
    prefix: &str,
    codes: usize,
) -> Result<i64, String> {
    let mut failed = 0;
    let mut first = 0;
    while first < codes {
        let rows = FILE_ROWS.min(codes - first);
        let (content_type, body) =
            form_with_file("legacy.csv", &legacy_csv(prefix, first, rows), &[]);
        let answer = keys
            .request(http, reqwest::Method::POST, "/v1/vouchers/importCSV")
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .map_err(|e| format!("import failed: {e}"))?;
        let status = answer.status();
        let text = answer.text().await.unwrap_or_default();
        if status.as_u16() != 202 {
            return Err(format!("import refused: HTTP {status}: {text}"));
        }
        let id = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["async_action_id"].as_str().map(str::to_string))
            .ok_or("import answered without an async action id")?;
        loop {
            let action: AsyncAction = keys
                .request(
                    http,
                    reqwest::Method::GET,
                    &format!("/v1/async-actions/{id}"),
                )
                .send()
                .await
                .map_err(|e| e.to_string())?
                .json()
                .await
                .map_err(|e| e.to_string())?;
            if action.status != "IN_PROGRESS" {
                failed += action.result.map_or(0, |r| r.failed_count);
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        first += rows;
    }
    Ok(failed)
}

/// One validation of `code` (a 5-item order), timed.
async fn validate(http: &reqwest::Client, keys: &Keys, code: &str) -> Result<Duration, String> {
    let mut body = super::load::validation_body();
    body["redeemables"] = serde_json::json!([{"object": "voucher", "id": code}]);
    let body = body.to_string();
    let started = Instant::now();
    let answer = keys
        .request(http, reqwest::Method::POST, "/v1/validations")
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let ok = answer.status().is_success();
    let _ = answer.bytes().await;
    let took = started.elapsed();
    if !ok {
        return Err(format!("validation of {code} refused"));
    }
    Ok(took)
}

/// Prints the import and latency figures.
pub async fn run(config: &BenchConfig) -> Result<(), String> {
    let running = emulator().await?;
    let base = running.url();
    let http = reqwest::Client::new();
    let (app_id, secret) = project(&running, "a thousand codes")?;
    let small = Keys {
        base: base.clone(),
        app_id,
        secret,
    };
    import(&http, &small, "SMALL-", 1_000).await?;
    let (app_id, secret) = project(&running, "a million codes")?;
    let large = Keys {
        base,
        app_id,
        secret,
    };

    let rss_before = memory_kb("VmRSS").unwrap_or(0);
    let peak_reset = reset_peak_memory();
    let started = Instant::now();
    let failed = import(&http, &large, "LEGACY-", config.codes).await?;
    let took = started.elapsed();
    let peak = memory_kb("VmHWM").unwrap_or(0);
    let rss_after = memory_kb("VmRSS").unwrap_or(0);
    println!(
        "Import: {} codes as CSV files of {} rows through POST /v1/vouchers/importCSV",
        config.codes, FILE_ROWS
    );
    println!(
        "  time {:.1} s ({:.0} codes/s), {failed} rows refused",
        took.as_secs_f64(),
        config.codes as f64 / took.as_secs_f64()
    );
    println!(
        "  memory: before {}, after {}, peak {}{}",
        mib(rss_before),
        mib(rss_after),
        mib(peak),
        if peak_reset {
            " (peak of the process during the import)"
        } else {
            " (peak of the whole process)"
        }
    );

    let mut small_samples = Vec::with_capacity(config.latency_samples);
    let mut large_samples = Vec::with_capacity(config.latency_samples);
    // Warm both up, then sample them in turn.
    for n in 0..50 {
        validate(&http, &small, &format!("SMALL-{:07}", n % 1_000)).await?;
        validate(&http, &large, &format!("LEGACY-{:07}", n)).await?;
    }
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..config.latency_samples {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let small_code = format!("SMALL-{:07}", state % 1_000);
        let large_code = format!("LEGACY-{:07}", state % config.codes as u64);
        small_samples.push(validate(&http, &small, &small_code).await?);
        large_samples.push(validate(&http, &large, &large_code).await?);
    }
    small_samples.sort();
    large_samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1_000.0;
    let (s50, s99) = (
        quantile(&small_samples, 0.5),
        quantile(&small_samples, 0.99),
    );
    let (l50, l99) = (
        quantile(&large_samples, 0.5),
        quantile(&large_samples, 0.99),
    );
    println!(
        "Validation latency, one connection, {} validations each:",
        config.latency_samples
    );
    println!(
        "  {:>9} codes: p50 {:.3} ms, p99 {:.3} ms",
        1_000,
        ms(s50),
        ms(s99)
    );
    println!(
        "  {:>9} codes: p50 {:.3} ms, p99 {:.3} ms",
        config.codes,
        ms(l50),
        ms(l99)
    );
    println!(
        "  p50 ratio (large/small): {:.2}",
        l50.as_secs_f64() / s50.as_secs_f64().max(1e-9)
    );
    running.stop().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_files_stay_under_the_body_limit() {
        let csv = legacy_csv("LEGACY-", 900_000, FILE_ROWS);
        assert!(csv.len() < crate::emulator::routes::MAX_BODY_BYTES);
        let text = String::from_utf8(csv).unwrap();
        assert_eq!(text.lines().count(), FILE_ROWS + 1);
        assert!(text.lines().nth(1).unwrap().starts_with("LEGACY-0900000,"));
    }
}
