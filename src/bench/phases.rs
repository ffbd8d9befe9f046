//! Where a validation's time goes, without HTTP: the benchmark's validation run in process on
//! one thread, timed by phase (reading the body into its type, deciding with the project
//! read-locked, writing up the answer once the lock is let go, serialising it).

use std::time::{Duration, Instant};

use super::load::{bench_codes, validation_body};
use crate::emulator::extract::json;
use crate::emulator::ops::{checkout, vouchers};
use crate::emulator::{Emulator, ProjectSpec};
use crate::model::{ValidationRequest, VoucherInput};

/// Mean time of each phase over `rounds` validations.
pub struct Phases {
    pub read: Duration,
    pub decide: Duration,
    pub answer: Duration,
    pub write: Duration,
    pub bytes: usize,
}

/// Times `rounds` validations of the throughput benchmark's body against its two codes.
pub fn measure(rounds: u32) -> Result<Phases, String> {
    let now = crate::emulator::clock::wall_now();
    let emulator = Emulator::with_seed(ProjectSpec::default(), now, 7);
    let slot = emulator.default_project();
    for body in bench_codes() {
        let input: VoucherInput = serde_json::from_value(body).map_err(|e| e.to_string())?;
        vouchers::create(&mut slot.lock(), None, &input, now)
            .map_err(|e| format!("cannot create the benchmark's codes: {:?}", e.body()))?;
    }
    let body = validation_body().to_string().into_bytes();
    let mut total = [Duration::ZERO; 4];
    let mut bytes = 0;
    for _ in 0..rounds.max(1) {
        let t0 = Instant::now();
        let req: ValidationRequest =
            json(&body).map_err(|e| format!("the benchmark's body is refused: {:?}", e.body()))?;
        let t1 = Instant::now();
        let validated = checkout::validate_shared(&slot.read(), &req, now)
            .map_err(|e| format!("the benchmark's validation is refused: {:?}", e.body()))?;
        let t2 = Instant::now();
        let answer = validated.answer(&req);
        let t3 = Instant::now();
        let written = serde_json::to_vec(&answer).map_err(|e| e.to_string())?;
        let t4 = Instant::now();
        bytes = written.len();
        for (slot, (from, to)) in total
            .iter_mut()
            .zip([(t0, t1), (t1, t2), (t2, t3), (t3, t4)])
        {
            *slot += to - from;
        }
    }
    let mean = |d: Duration| d / rounds.max(1);
    Ok(Phases {
        read: mean(total[0]),
        decide: mean(total[1]),
        answer: mean(total[2]),
        write: mean(total[3]),
        bytes,
    })
}

/// Prints the phases of a validation.
pub fn run(rounds: u32) -> Result<(), String> {
    let p = measure(rounds)?;
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!("Validation phases in process, one thread, mean of {rounds}:");
    println!(
        "  read body {:.1} us, decide (project read-locked) {:.1} us, write up answer {:.1} us, serialise {:.1} us ({} bytes)",
        us(p.read),
        us(p.decide),
        us(p.answer),
        us(p.write),
        p.bytes
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_phase_is_timed_and_the_answer_is_written() {
        let p = measure(3).unwrap();
        assert!(p.decide > Duration::ZERO && p.write > Duration::ZERO);
        // Two applicable codes, each with the 5-item order, and the order itself.
        assert!(p.bytes > 3000, "{} bytes", p.bytes);
    }
}
