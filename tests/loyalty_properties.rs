//! For any sequence of earning, spending, removing and rolling back, a card's balance equals
//! earned − spent − removed + refunded, never goes below zero, and equals the sum of its ledger.

use proptest::prelude::*;
use serde_json::json;
use voucherify_harness::emulator::ops::rollback::{self, RollbackInput};
use voucherify_harness::emulator::ops::{campaigns, loyalty};
use voucherify_harness::emulator::store::Project;
use voucherify_harness::emulator::{Emulator, ProjectSpec};
use voucherify_harness::engine::time::Timestamp;
use voucherify_harness::model::loyalty::RewardChoice;
use voucherify_harness::model::{
    CampaignInput, CustomerInput, MemberInput, Reward, RewardRedemptionInput,
};

const NOW: Timestamp = Timestamp(1_800_000_000_000);
const COSTS: [i64; 3] = [30, 70, 150];

#[derive(Debug, Clone)]
enum Op {
    Earn(i64),
    Remove(i64),
    Spend(usize),
    Rollback(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (1i64..300).prop_map(Op::Earn),
        (1i64..200).prop_map(Op::Remove),
        (0usize..COSTS.len()).prop_map(Op::Spend),
        (0usize..50).prop_map(Op::Rollback),
    ]
}

/// A program with three rewards and one member; returns (program, card, reward ids).
fn setup(p: &mut Project) -> (String, String, Vec<String>) {
    let program = campaigns::create(
        p,
        &CampaignInput {
            name: Some("Club".into()),
            campaign_type: Some("LOYALTY_PROGRAM".into()),
            ..CampaignInput::default()
        },
        NOW,
    )
    .unwrap()
    .id;
    let coupons = campaigns::create(
        p,
        &serde_json::from_value(json!({"name": "Prizes", "campaign_type": "DISCOUNT_COUPONS",
            "voucher": {"type": "DISCOUNT_VOUCHER", "discount": {"type": "AMOUNT", "amount_off": 100}}}))
        .unwrap(),
        NOW,
    )
    .unwrap()
    .id;
    let rewards = COSTS
        .iter()
        .map(|cost| {
            let reward = loyalty::create_reward(
                p,
                &Reward {
                    name: format!("{cost}"),
                    kind: "CAMPAIGN".into(),
                    parameters: json!({"campaign": {"id": coupons}}),
                    ..Reward::default()
                },
                NOW,
            )
            .unwrap();
            loyalty::assign_reward(
                p,
                &reward.id,
                &program,
                Some(&json!({"loyalty": {"points": cost}})),
                NOW,
            )
            .unwrap();
            reward.id
        })
        .collect();
    let card = loyalty::add_member(
        p,
        &program,
        &MemberInput {
            customer: CustomerInput {
                source_id: Some("alice".into()),
                ..CustomerInput::default()
            },
            ..MemberInput::default()
        },
        NOW,
    )
    .unwrap()
    .code;
    (program, card, rewards)
}

fn balance(p: &Project, card: &str) -> i64 {
    p.vouchers
        .get(card)
        .and_then(|v| v.loyalty_card.as_ref())
        .map_or(-1, |c| c.balance)
}

fn ledger_sum(p: &Project, card: &str) -> i64 {
    let id = p
        .vouchers
        .get(card)
        .map(|v| v.id.clone())
        .unwrap_or_default();
    p.transactions
        .oldest_first()
        .filter(|t| t.voucher_id == id)
        .map(|t| {
            t.details
                .pointer("/balance/points")
                .and_then(|v| v.as_i64())
                .unwrap_or(0)
        })
        .sum()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1_000))]

    #[test]
    fn the_balance_is_the_ledger_and_never_negative(ops in proptest::collection::vec(op(), 1..40)) {
        let emu = Emulator::new(ProjectSpec::default(), NOW);
        let slot = emu.default_project();
        let mut p = slot.lock();
        let (program, card, rewards) = setup(&mut p);
        let (mut earned, mut spent, mut removed, mut refunded) = (0i64, 0i64, 0i64, 0i64);
        let mut redemptions: Vec<(String, i64, bool)> = Vec::new();
        for op in ops {
            let before = balance(&p, &card);
            match op {
                Op::Earn(n) => {
                    loyalty::change_balance(&mut p, &card, n, None, None, NOW).unwrap();
                    earned += n;
                }
                Op::Remove(n) => match loyalty::change_balance(&mut p, &card, -n, None, None, NOW) {
                    Ok(_) => removed += n,
                    Err(e) => {
                        prop_assert!(n > before, "removing {n} from {before} was refused: {:?}", e.body());
                        prop_assert_eq!(e.body()["key"].clone(), json!("loyalty_card_points_exceeded"));
                    }
                },
                Op::Spend(i) => {
                    let input = RewardRedemptionInput {
                        reward: Some(RewardChoice { id: rewards[i].clone(), points: None }),
                        ..RewardRedemptionInput::default()
                    };
                    match loyalty::redeem_reward(&mut p, Some(&program), &card, &input, NOW) {
                        Ok(r) => {
                            spent += COSTS[i];
                            redemptions.push((r.id, COSTS[i], false));
                        }
                        Err(e) => {
                            prop_assert!(COSTS[i] > before);
                            prop_assert_eq!(e.body()["key"].clone(), json!("loyalty_card_points_exceeded"));
                        }
                    }
                }
                Op::Rollback(k) => {
                    if redemptions.is_empty() {
                        continue;
                    }
                    let slot = k % redemptions.len();
                    let (id, cost, done) = redemptions[slot].clone();
                    let outcome = rollback::single(&mut p, &id, &RollbackInput::default(), NOW);
                    if done {
                        prop_assert_eq!(outcome.unwrap_err().body()["key"].clone(), json!("already_rolled_back"));
                    } else {
                        prop_assert_eq!(outcome.unwrap().amount, Some(-cost));
                        refunded += cost;
                        redemptions[slot].2 = true;
                    }
                }
            }
            let now = balance(&p, &card);
            prop_assert!(now >= 0);
            prop_assert_eq!(now, earned - spent - removed + refunded);
            prop_assert_eq!(now, ledger_sum(&p, &card));
        }
    }
}
