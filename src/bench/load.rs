//! Throughput: `POST /v1/validations` (a 5-item order and 2 codes) against the static
//! `GET /_emulator/health` of the same server, in the same run, each at 1, 8 and 64
//! connections. Every connection is a keep-alive client in this process sending its next
//! request as soon as the answer is read; the figure is answers per second.
//!
//! On a shared machine the speed of both routes drifts within seconds, so each case is measured
//! in short rounds ([`ROUND`] per route, see [`rounds`]), the two routes side by side in each
//! (which goes first alternates): the ratio is the median of the rounds' ratios, printed with the
//! lowest and highest, and the req/s columns are the rounds' means.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::Method;

use super::{BenchConfig, emulator, project};

/// How long each route runs in one round. Many short rounds sample the machine's drift many
/// times over, so one slow second moves a few rounds' ratios rather than the median; 200 ms is
/// still thousands of answers at 8 connections.
pub const ROUND: Duration = Duration::from_millis(200);

/// Rounds of a case whose routes run `duration` each: one per [`ROUND`], at least 3, and an odd
/// count so that the median is one round's ratio.
pub fn rounds(duration: Duration) -> u32 {
    let whole = (duration.as_millis() / ROUND.as_millis()).clamp(3, 999);
    u32::try_from(whole).unwrap_or(999) | 1
}

/// The validation every request sends: 5 items, 2 codes.
pub fn validation_body() -> serde_json::Value {
    serde_json::json!({
        "redeemables": [
            {"object": "voucher", "id": "BENCH10"},
            {"object": "voucher", "id": "BENCH5OFF"}
        ],
        "customer": {"source_id": "bench-customer"},
        "order": {
            "items": [
                {"product_id": "prod_espresso", "quantity": 2, "price": 1200},
                {"product_id": "prod_grinder", "quantity": 1, "price": 8900},
                {"product_id": "prod_beans", "quantity": 3, "price": 1550},
                {"product_id": "prod_filter", "quantity": 4, "price": 300},
                {"product_id": "prod_mug", "quantity": 2, "price": 950}
            ]
        }
    })
}

/// The two codes every validation of the benchmark names: 10% off, and 5.00 off.
pub fn bench_codes() -> [serde_json::Value; 2] {
    [
        serde_json::json!({"code": "BENCH10", "type": "DISCOUNT_VOUCHER",
            "discount": {"type": "PERCENT", "percent_off": 10}}),
        serde_json::json!({"code": "BENCH5OFF", "type": "DISCOUNT_VOUCHER",
            "discount": {"type": "AMOUNT", "amount_off": 500}}),
    ]
}

/// One request shape of the benchmark.
#[derive(Clone)]
struct Request {
    method: Method,
    url: String,
    body: Option<Vec<u8>>,
    headers: Vec<(&'static str, String)>,
}

/// Answers per second over `duration` at `connections`, and how many failed.
async fn measure(
    clients: &[reqwest::Client],
    request: &Request,
    connections: usize,
    duration: Duration,
) -> (f64, u64) {
    let stop = Arc::new(AtomicBool::new(false));
    let ok = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::with_capacity(connections);
    for client in clients.iter().take(connections) {
        let client = client.clone();
        let (stop, ok, failed, request) =
            (stop.clone(), ok.clone(), failed.clone(), request.clone());
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let mut builder = client.request(request.method.clone(), &request.url);
                for (k, v) in &request.headers {
                    builder = builder.header(*k, v);
                }
                if let Some(body) = &request.body {
                    builder = builder.body(body.clone());
                }
                let answered = match builder.send().await {
                    Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                    Err(_) => false,
                };
                if answered { &ok } else { &failed }.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    // Warm up (connections open, caches fill), then count.
    tokio::time::sleep(duration / 5).await;
    let start_ok = ok.load(Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(duration).await;
    let done = ok.load(Ordering::Relaxed) - start_ok;
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    (
        done as f64 / elapsed.as_secs_f64(),
        failed.load(Ordering::Relaxed),
    )
}

/// Prints the throughput table and the `validation/static ratio` line of 8 connections.
pub async fn run(config: &BenchConfig) -> Result<(), String> {
    let running = emulator().await?;
    let (app_id, secret) = project(&running, "throughput")?;
    let base = running.url();
    let headers = vec![
        ("X-App-Id", app_id),
        ("X-App-Token", secret),
        ("Content-Type", "application/json".to_string()),
    ];
    let http = reqwest::Client::new();
    for body in bench_codes() {
        let mut request = http.post(format!("{base}/v1/vouchers"));
        for (k, v) in &headers {
            request = request.header(*k, v);
        }
        let answer = request
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| format!("cannot create the benchmark's codes: {e}"))?;
        if !answer.status().is_success() {
            return Err(format!(
                "cannot create the benchmark's codes: HTTP {}",
                answer.status()
            ));
        }
    }
    let validation = Request {
        method: Method::POST,
        url: format!("{base}/v1/validations"),
        body: Some(validation_body().to_string().into_bytes()),
        headers: headers.clone(),
    };
    // One keep-alive client per connection, made once (making one reads the system's roots).
    let most = config.connections.iter().copied().max().unwrap_or(1);
    let clients: Vec<reqwest::Client> = (0..most)
        .map(|_| {
            reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .build()
                .unwrap_or_default()
        })
        .collect();
    let check = measure(&clients, &validation, 1, Duration::from_millis(100)).await;
    if check.1 > 0 {
        return Err("the benchmark's validation is refused; nothing to measure".into());
    }
    let health = Request {
        method: Method::GET,
        url: format!("{base}/_emulator/health"),
        body: None,
        headers,
    };
    let rounds = rounds(config.load_duration);
    println!(
        "Throughput: POST /v1/validations (5 items, 2 codes) vs GET /_emulator/health (static), {} s per route and case, in {rounds} rounds side by side (req/s: the rounds' mean; ratio: their median)",
        config.load_duration.as_secs_f64()
    );
    println!(
        "{:>12} {:>16} {:>16} {:>8} {:>12}",
        "connections", "static req/s", "validation req/s", "ratio", "rounds"
    );
    let slice = config.load_duration / rounds;
    let mut ratio_at_8 = None;
    for &connections in &config.connections {
        let (mut static_rps, mut validation_rps, mut failed) = (0.0, 0.0, 0);
        let mut ratios = Vec::with_capacity(rounds as usize);
        for round in 0..rounds {
            let (s, v) = if round % 2 == 0 {
                let s = measure(&clients, &health, connections, slice).await;
                (s, measure(&clients, &validation, connections, slice).await)
            } else {
                let v = measure(&clients, &validation, connections, slice).await;
                (measure(&clients, &health, connections, slice).await, v)
            };
            static_rps += s.0 / f64::from(rounds);
            validation_rps += v.0 / f64::from(rounds);
            failed += s.1 + v.1;
            ratios.push(v.0 / s.0.max(1.0));
        }
        let (ratio, lowest, highest) = median(&mut ratios);
        println!(
            "{connections:>12} {static_rps:>16.0} {validation_rps:>16.0} {ratio:>8.2} {:>12}{}",
            format!("{lowest:.2}-{highest:.2}"),
            if failed > 0 {
                format!("  ({failed} failed)")
            } else {
                String::new()
            }
        );
        if connections == 8 {
            ratio_at_8 = Some(ratio);
        }
    }
    if let Some(ratio) = ratio_at_8 {
        println!("validation/static ratio: {ratio:.2}");
    }
    running.stop().await;
    Ok(())
}

/// The median of `values` (the mean of the middle two for an even count), the lowest and the
/// highest.
fn median(values: &mut [f64]) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let Some((&lowest, &highest)) = values.first().zip(values.last()) else {
        return (0.0, 0.0, 0.0);
    };
    let mid = values.len() / 2;
    let median = if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    };
    (median, lowest, highest)
}

#[cfg(test)]
mod tests {
    use super::{Duration, median, rounds};

    #[test]
    fn a_case_runs_one_odd_count_of_short_rounds() {
        assert_eq!(rounds(Duration::from_secs(3)), 15);
        assert_eq!(rounds(Duration::from_secs(1)), 5);
        assert_eq!(rounds(Duration::from_millis(700)), 3);
        assert_eq!(rounds(Duration::from_millis(50)), 3);
        assert_eq!(rounds(Duration::from_millis(3200)), 17);
    }

    #[test]
    fn the_median_is_the_middle_value_and_the_spread_its_ends() {
        assert_eq!(
            median(&mut [0.52, 0.47, 0.49, 0.61, 0.50]),
            (0.50, 0.47, 0.61)
        );
        assert_eq!(median(&mut [0.4, 0.6, 0.5, 0.3]), (0.45, 0.3, 0.6));
        assert_eq!(median(&mut []), (0.0, 0.0, 0.0));
    }
}
